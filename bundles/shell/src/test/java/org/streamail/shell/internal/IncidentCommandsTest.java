package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;

/** The incident commands (alerts, isolation, clicks, recall) against recording fakes. */
class IncidentCommandsTest extends CommandTestSupport {

    static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    final List<String> calls = new ArrayList<>();
    final Map<String, Isolation> isolated = new LinkedHashMap<>();
    AlertQuery lastQuery;

    final IsolationService isolation = new IsolationService() {
        @Override
        public Isolation isolate(String ip, String mac, String reason, Duration ttl, String actor) {
            if (ip.equals("127.0.0.1")) {
                throw new SecurityException("protected");
            }
            if (ip.equals("192.0.2.98")) {
                throw new IllegalStateException("already 4096 hosts isolated; release some first");
            }
            if (ip.equals("192.0.2.99")) {
                throw new IsolationException("nft: permission denied", null);
            }
            if (!ip.matches("[0-9.]+")) {
                throw new IllegalArgumentException("'" + ip + "' is not an IP address");
            }
            calls.add("isolate " + ip + " " + reason + " " + ttl + " " + actor);
            Isolation i = new Isolation(ip, "", reason, actor, T0, ttl == null ? null : T0.plus(ttl), 2);
            isolated.put(ip, i);
            return i;
        }

        @Override
        public boolean release(String ip, String actor) {
            calls.add("release " + ip + " " + actor);
            return isolated.remove(ip) != null;
        }

        @Override
        public List<Isolation> list() {
            return List.copyOf(isolated.values());
        }

        @Override
        public boolean isProtected(String ip) {
            return false;
        }
    };

    final AlertStore alerts = new AlertStore() {
        @Override
        public void add(Alert alert) {
        }

        @Override
        public Optional<Alert> get(String id) {
            return Optional.empty();
        }

        @Override
        public List<Alert> query(AlertQuery query) {
            lastQuery = query;
            return List.of(new Alert("a1", T0, Severity.CRITICAL, "click-blocked", "192.0.2.7", "m1", "",
                    "Blocked click on a phishing link", "second click from this host", 3));
        }

        @Override
        public int count(String kind, String subject, Instant since) {
            return 0;
        }
    };

    final LinkStore links = new LinkStore() {
        @Override
        public void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at) {
        }

        @Override
        public List<String> linksOf(String messageId) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesOf(String url, Instant since, int limit) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit) {
            return List.of();
        }

        @Override
        public void recordClick(Click click) {
        }

        @Override
        public List<Click> clicks(int limit, boolean blockedOnly) {
            calls.add("clicks " + limit + " " + blockedOnly);
            return List.of(new Click("c1", T0, "m1", "bob@example.org", "http://paypa1.example/login", "192.0.2.7",
                    "02:42:ac:11:00:02", true, "phishing/lookalike-brand"));
        }

        @Override
        public void markBad(String url, String reason, Instant at) {
        }

        @Override
        public Optional<String> badReason(String url) {
            return Optional.empty();
        }

        final java.util.Map<String, String> bad = new java.util.LinkedHashMap<>(java.util.Map.of(
                "http://paypa1.example/login", "campaign cmp42: clicked and blocked"));

        @Override
        public List<org.streamail.api.linkguard.BadUrl> badUrls(int limit) {
            calls.add("bad-urls " + limit);
            return bad.entrySet().stream().map(e -> new org.streamail.api.linkguard.BadUrl(e.getKey(), e.getValue(),
                    T0)).toList();
        }

        @Override
        public boolean unmarkBad(String url) {
            calls.add("unmark " + url);
            return bad.remove(url) != null;
        }
    };

    final CampaignService campaigns = (id, reason, actor) -> {
        if (!id.equals("m1")) {
            throw new NoSuchElementException(id);
        }
        calls.add("recall " + id + " " + reason + " " + actor);
        return new RecallReport("cmp42", List.of("m1", "m2", "m3"), List.of("a@example.org", "b@example.org"),
                List.of(new RecallOutcome("a@example.org", 1, 1, 0, ""),
                        new RecallOutcome("b@example.org", 0, 0, 0, "login failed")));
    };





    @Test
    void isolateListAndReleaseWorkTogether() throws Exception {
        IsolateCommand isolate = new IsolateCommand();
        isolate.isolation = isolation;
        isolate.ip = " 192.0.2.7 ";
        isolate.reason = "clicked a phishing link";
        isolate.ttl = "pt4h";
        assertThat(run(isolate::execute)).contains("Isolated 192.0.2.7 until ", "(offence 2)");
        assertThat(calls).containsExactly("isolate 192.0.2.7 clicked a phishing link PT4H shell");

        IsolationListCommand list = new IsolationListCommand();
        list.isolation = isolation;
        assertThat(run(list::execute)).contains("192.0.2.7", "clicked a phishing link", "shell");

        IsolationReleaseCommand release = new IsolationReleaseCommand();
        release.isolation = isolation;
        release.ip = "192.0.2.7";
        assertThat(run(release::execute)).contains("Released 192.0.2.7");
        assertThat(run(list::execute)).contains("No isolated hosts.");
        assertThatThrownBy(release::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("is not isolated");
    }

    @Test
    void isolateRefusesBadInputProtectedHostsAndReportsEnforcerFailures() {
        IsolateCommand isolate = new IsolateCommand();
        isolate.isolation = isolation;
        isolate.reason = "x";
        isolate.ip = "192.0.2.7";
        isolate.ttl = "4h";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("ISO-8601");
        isolate.ttl = "-PT1H";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("positive");
        isolate.ttl = null;
        isolate.ip = "127.0.0.1";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("protected");
        isolate.ip = "gateway.example";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("not an IP address");
        isolate.ip = "192.0.2.98";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("release some");
        isolate.ip = "192.0.2.99";
        assertThatThrownBy(isolate::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("nothing was changed").hasMessageContaining("permission denied");
        assertThat(calls).isEmpty();
        assertThatThrownBy(new IsolationListCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("isolation service (isolation bundle) is not available");
    }

    @Test
    void alertsPrintsTheEscalatedSeverityAndFiltersBySeverity() throws Exception {
        AlertsCommand c = new AlertsCommand();
        c.alerts = alerts;
        c.severity = "high";
        c.detail = true;
        String out = run(c::execute);
        assertThat(out).contains("CRITICAL", "click-blocked", "192.0.2.7", "Blocked click on a phishing link",
                "a1: second click from this host");
        assertThat(lastQuery.minSeverity()).isEqualTo(Severity.HIGH);
        c.severity = "urgent";
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("--severity");
        c.severity = null;
        c.limit = 0;
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("--limit must be 1..1000, got 0");
    }

    @Test
    void clicksListsTheClickingHostAndItsMac() throws Exception {
        ClicksCommand c = new ClicksCommand();
        c.links = links;
        c.blocked = true;
        c.limit = 1000;
        assertThat(run(c::execute)).contains("192.0.2.7", "02:42:ac:11:00:02", "phishing/lookalike-brand");
        assertThat(calls).containsExactly("clicks 1000 true");
        // out of range is an error, as for every other list command (it used to be clamped silently)
        for (int bad : new int[] {0, -5, 5000}) {
            c.limit = bad;
            assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class)
                    .hasMessageContaining("--limit must be 1..1000, got " + bad);
        }
        assertThat(calls).hasSize(1);
    }

    @Test
    void badUrlsAreListedAndAnAdministratorLiftsAMarkOnce() throws Exception {
        BadUrlListCommand list = new BadUrlListCommand();
        list.links = links;
        assertThat(run(list::execute)).contains("http://paypa1.example/login", "campaign cmp42");
        BadUrlRemoveCommand remove = new BadUrlRemoveCommand();
        remove.links = links;
        remove.url = " http://paypa1.example/login ";
        assertThat(run(remove::execute)).contains("Lifted the bad mark of http://paypa1.example/login");
        assertThatThrownBy(remove::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("not marked bad");
        assertThat(run(list::execute)).contains("No URL is marked bad.");
        list.limit = 0;
        assertThatThrownBy(list::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("1..1000");
        remove.url = "x\ny";
        assertThatThrownBy(remove::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("control");
        assertThat(calls).containsExactly("bad-urls 50", "unmark http://paypa1.example/login",
                "unmark http://paypa1.example/login", "bad-urls 50");
    }

    @Test
    void messageRecallSaysWhatWasWarnedAndPulledPerMailbox() throws Exception {
        MessageRecallCommand c = new MessageRecallCommand();
        c.campaigns = campaigns;
        c.id = "m1";
        String out = run(c::execute);
        assertThat(out).contains("Campaign cmp42: 3 message(s), 2 recipient(s) warned, 1 cop(ies) pulled back",
                "a@example.org: found 1, moved 1, deleted 0", "b@example.org: found 0", "error: login failed");
        assertThat(calls).containsExactly("recall m1 marked bad by an administrator shell");
        c.id = "nope";
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("No message nope");
    }
}
