package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

class DigestServiceImplTest {

    static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");

    @TempDir
    Path dir;

    /** The in-memory quarantine of the page's tests, with a builder for the entries a run reads. */
    static final class Quarantine extends DigestFakes.FakeQuarantine {
        QuarantineEntry hold(String id, Instant at, Direction direction, String auth, String sender, Category c,
                String... to) {
            QuarantineEntry e = new QuarantineEntry(id, "<" + id + "@x>", "subject of " + id,
                    new Envelope(sender, List.of(to), "192.0.2.1", "h", false, at, direction, auth),
                    new Verdict(Action.QUARANTINE, 9, List.of(c), List.of(), "held"), 100, at,
                    QuarantineEntry.Status.HELD, "", null);
            add(e);
            return e;
        }
    }

    /** The intake: keeps what it is handed, answers 250 (or what {@link #answer} says). */
    static final class Intake implements MessageIntake {
        final List<Envelope> envelopes = new CopyOnWriteArrayList<>();
        final List<String> mails = new CopyOnWriteArrayList<>();
        volatile IntakeResult.Outcome answer = IntakeResult.Outcome.ACCEPTED;

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
            envelopes.add(envelope);
            mails.add(new String(data.readAllBytes(), StandardCharsets.ISO_8859_1));
            return answer == IntakeResult.Outcome.ACCEPTED
                    ? new IntakeResult("g" + mails.size(), answer, SmtpReply.of(250, "2.0.0", "ok"), null)
                    : new IntakeResult("", answer, SmtpReply.of(451, "4.3.0", "later"), null);
        }

        String mailTo(String to) {
            return mails.get(envelopes.stream().map(e -> e.recipients().get(0)).toList().indexOf(to));
        }
    }

    final Quarantine quarantine = new Quarantine();
    final Intake intake = new Intake();
    final MutableClock clock = new MutableClock(T0);
    /** The store's shared records: one for every instance of a test, as a restarted node and other nodes see. */
    final InMemorySharedState shared = new InMemorySharedState();

    DigestSettings settings(String baseUrl, int maxEntries, int maxScan) {
        return settings(baseUrl, maxEntries, maxScan, "");
    }

    DigestSettings settings(String baseUrl, int maxEntries, int maxScan, String admin) {
        return new DigestSettings(true, LocalTime.of(8, 0), ZoneOffset.UTC, baseUrl, dir.resolve("digest.key"),
                Duration.ofDays(14), Set.of(Category.SPAM), maxEntries, maxScan, Duration.ofDays(1),
                "quarantine@corp.example", admin, true);
    }

    DigestServiceImpl service(DigestSettings s) {
        DigestServiceImpl d = new DigestServiceImpl(s, quarantine, shared, clock, Duration.ZERO);
        d.intake = intake;
        return d;
    }

    @Test
    void eachRecipientGetsOneDigestOfTheInboundMailHeldForThemInTheWindow() {
        quarantine.hold("old", T0.minus(Duration.ofDays(2)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        quarantine.hold("q2", T0.minus(Duration.ofHours(3)), Direction.INBOUND, null, "b@y.example", Category.PHISHING,
                "BOB@corp.example", "carol@corp.example");
        quarantine.hold("out", T0.minus(Duration.ofHours(2)), Direction.OUTBOUND, "bob", "bob@corp.example",
                Category.SPAM, "x@ext.example");
        quarantine.hold("own", T0.minus(Duration.ofHours(1)), Direction.INBOUND, DigestServiceImpl.SUBMITTER,
                "quarantine@corp.example", Category.SPAM, "dave@corp.example");
        DigestRun run = service(settings("https://gw.corp.example", 50, 20_000)).sendNow("test");

        assertThat(run.entries()).isEqualTo(2);
        assertThat(run.recipients()).isEqualTo(2);
        assertThat(run.mailsSent()).isEqualTo(2);
        assertThat(run.since()).isEqualTo(T0.minus(Duration.ofDays(1)));
        assertThat(run.until()).isEqualTo(T0);
        assertThat(intake.envelopes).extracting(e -> e.recipients().get(0))
                .containsExactly("bob@corp.example", "carol@corp.example");
        Envelope e = intake.envelopes.get(0);
        assertThat(e.sender()).isEqualTo("quarantine@corp.example");
        assertThat(e.authenticatedUser()).isEqualTo(DigestServiceImpl.SUBMITTER);
        assertThat(e.direction()).isEqualTo(Direction.INBOUND);
        String bob = intake.mailTo("bob@corp.example");
        assertThat(bob).contains("Subject: Quarantine: 2 messages held for you, 1 you sent").contains("ref q1")
                .contains("ref q2").doesNotContain("ref old").doesNotContain("ref own").doesNotContain("subject of");
        assertThat(bob.indexOf("ref q2")).as("newest first").isLessThan(bob.indexOf("ref q1"));
        assertThat(bob).as("what bob sent, after what was held for him")
                .contains("1 message you sent from bob@corp.example was held between")
                .contains("  to x@ext.example  (spam)  ref out\r\n");
        assertThat(bob.indexOf("ref out")).isGreaterThan(bob.indexOf("ref q1"));
        String carol = intake.mailTo("carol@corp.example");
        assertThat(carol).contains("1 message held for you").contains("ref q2").doesNotContain("ref q1");
    }

    @Test
    void aUserWhoseOwnMailWasHeldIsToldWithoutALinkAndNotWhenTurnedOff() {
        quarantine.hold("o1", T0.minus(Duration.ofHours(4)), Direction.OUTBOUND, "erin", "Erin@corp.example",
                Category.MALWARE, "a@ext.example", "b@ext.example", "c@ext.example");
        quarantine.hold("o2", T0.minus(Duration.ofHours(3)), Direction.OUTBOUND, "erin", "erin@corp.example",
                Category.SPAM, "d@ext.example");
        quarantine.hold("o3", T0.minus(Duration.ofHours(2)), Direction.OUTBOUND, null, "", Category.SPAM,
                "e@ext.example"); // a bounce: nobody to tell
        DigestRun run = service(settings("https://gw.corp.example", 50, 20_000)).sendNow("test");
        assertThat(run.entries()).as("inbound entries").isZero();
        assertThat(run.recipients()).isEqualTo(1);
        assertThat(intake.envelopes).extracting(e -> e.recipients().get(0)).containsExactly("erin@corp.example");
        String erin = intake.mailTo("erin@corp.example");
        assertThat(erin).contains("Subject: Quarantine: 2 messages you sent held")
                .contains("2 messages you sent from erin@corp.example were held between")
                .contains("  to d@ext.example  (spam)  ref o2\r\n")
                .contains("  to a@ext.example and 2 more  (dangerous content)  ref o1\r\n")
                .contains("ask your IT department").doesNotContain("/streamail/digest/")
                .doesNotContain("addressed to");
        assertThat(erin.indexOf("ref o2")).as("newest first").isLessThan(erin.indexOf("ref o1"));

        intake.mails.clear();
        intake.envelopes.clear();
        DigestSettings s = settings("", 50, 20_000);
        DigestSettings off = new DigestSettings(s.enabled(), s.sendTime(), s.zone(), s.baseUrl(), s.keyFile(),
                s.linkValidity(), s.selfRelease(), s.maxEntries(), s.maxScan(), s.firstWindow(), s.fromAddress(),
                s.adminAddress(), false);
        clock.set(T0.plusSeconds(60));
        new DigestLedger(shared).write(new DigestLedger(shared).read(), java.util.Optional.empty(), null);
        DigestServiceImpl d = service(off);
        assertThat(d.sendNow("test").recipients()).isZero();
        assertThat(intake.mails).isEmpty();
    }

    @Test
    void theAdministratorsGetOneSummaryWithCountsAndNoSubject() {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        quarantine.hold("q2", T0.minus(Duration.ofHours(4)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example", "carol@corp.example");
        quarantine.hold("q3", T0.minus(Duration.ofHours(3)), Direction.INBOUND, null, "b@y.example", Category.MALWARE,
                "bob@corp.example");
        quarantine.hold("out", T0.minus(Duration.ofHours(2)), Direction.OUTBOUND, "bob", "bob@corp.example",
                Category.SPAM, "x@ext.example");
        DigestRun run = service(settings("", 50, 20_000, "it@corp.example")).sendNow("test");
        assertThat(run.mailsSent()).as("the summary is not a user's digest").isEqualTo(2);
        assertThat(intake.envelopes).extracting(e -> e.recipients().get(0))
                .containsExactly("bob@corp.example", "carol@corp.example", "it@corp.example");
        String summary = intake.mailTo("it@corp.example");
        assertThat(summary).contains("Subject: Quarantine summary: 3 messages held")
                .contains("  3 inbound messages held\r\n")
                .contains("  1 outgoing messages held (listed in their senders' digests)\r\n")
                .contains("  2 digests sent to users\r\n")
                .contains("Why:\r\n  2  spam\r\n  1  dangerous content\r\n")
                .contains("For whom:\r\n  3  bob@corp.example\r\n  1  carol@corp.example\r\n")
                .doesNotContain("subject of");
        intake.mails.clear();
        intake.envelopes.clear();
        service(settings("", 50, 20_000)).sendNow("test");
        assertThat(intake.mails).as("no admin.address, no summary").isEmpty();
    }

    @Test
    void theLinkIsBobsAloneAndValidForTheConfiguredDays() throws Exception {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        service(settings("https://gw.corp.example", 50, 20_000)).sendNow("test");
        Matcher m = Pattern.compile("https://gw\\.corp\\.example/streamail/digest/([A-Za-z0-9_.\\-]+)")
                .matcher(intake.mailTo("bob@corp.example"));
        assertThat(m.find()).isTrue();
        DigestTokens tokens = new DigestTokens(
                org.streamail.api.config.KeyFiles.loadOrCreate(dir.resolve("digest.key"), "key.file", 32).key());
        DigestTokens.Claim claim = tokens.verify(m.group(1), T0).orElseThrow();
        assertThat(claim.recipient()).isEqualTo("bob@corp.example");
        assertThat(claim.expires()).isEqualTo(T0.plus(Duration.ofDays(14)));
        assertThat(tokens.verify(m.group(1), T0.plus(Duration.ofDays(14)))).isEmpty();
    }

    @Test
    void withoutABaseUrlTheDigestHasNoLinkAndSaysHowToAsk() {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        service(settings("", 50, 20_000)).sendNow("test");
        String bob = intake.mailTo("bob@corp.example");
        assertThat(bob).doesNotContain("/streamail/digest/").contains("ask your IT department to release it");
        assertThat(dir.resolve("digest.key")).doesNotExist();
    }

    @Test
    void theNextRunStartsWhereTheLastEndedEvenAfterARestart() {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        service(settings("", 50, 20_000)).sendNow("test");
        clock.set(T0.plus(Duration.ofHours(1)));
        quarantine.hold("q2", T0.plus(Duration.ofMinutes(30)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        DigestRun second = service(settings("", 50, 20_000)).sendNow("test"); // a new instance: a restart
        assertThat(second.since()).isEqualTo(T0);
        assertThat(second.entries()).isEqualTo(1);
        assertThat(intake.mails.get(1)).contains("ref q2").doesNotContain("ref q1");
        DigestRun empty = service(settings("", 50, 20_000)).sendNow("test");
        assertThat(empty.entries()).isZero();
        assertThat(empty.mailsSent()).isZero();
        assertThat(intake.mails).hasSize(2);
        clock.set(T0); // the clock went back an hour: nothing is listed again
        DigestRun back = service(settings("", 50, 20_000)).sendNow("test");
        assertThat(back.since()).isEqualTo(T0);
        assertThat(back.entries()).isZero();
        assertThat(intake.mails).hasSize(2);
    }

    @Test
    void aMessageReleasedToOneOfItsRecipientsIsListedForTheOthersOnly() {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example", "carol@corp.example");
        quarantine.releaseTo("q1", "BOB@corp.example", "digest:bob@corp.example");
        DigestRun run = service(settings("", 50, 20_000)).sendNow("test");
        assertThat(run.recipients()).isEqualTo(1);
        assertThat(intake.envelopes).extracting(e -> e.recipients().get(0)).containsExactly("carol@corp.example");
    }

    @Test
    void aLongListIsCutAtMaxEntriesAndTheRestCounted() {
        for (int i = 0; i < 7; i++) {
            quarantine.hold("q" + i, T0.minus(Duration.ofMinutes(10 + i)), Direction.INBOUND, null, "a@x.example",
                    Category.SPAM, "bob@corp.example");
        }
        service(settings("", 3, 20_000)).sendNow("test");
        String bob = intake.mailTo("bob@corp.example");
        assertThat(bob).contains("7 messages held for you").contains("ref q0").contains("ref q2")
                .doesNotContain("ref q3").contains("and 4 more");
    }

    @Test
    void aWindowLargerThanMaxScanIsCutAtTheOldestAndSaysSo() {
        for (int i = 0; i < 1500; i++) {
            quarantine.hold("q" + i, T0.minus(Duration.ofSeconds(10 + i)), Direction.INBOUND, null, "a@x.example",
                    Category.SPAM, "bob@corp.example");
        }
        DigestRun run = service(settings("", 50, 1200)).sendNow("test");
        assertThat(run.truncated()).isTrue();
        assertThat(run.entries()).isEqualTo(1200);
        assertThat(quarantine.queries).as("paged: 1000 and then the rest").hasSize(2);
        assertThat(intake.mailTo("bob@corp.example")).contains("1200 messages held for you");
    }

    @Test
    void anEntryReleasedWhileTheRunReadsTheQuarantineMakesItSkipNoOther() {
        for (int i = 0; i < 1001; i++) {
            quarantine.hold("q" + i, T0.minus(Duration.ofSeconds(10 + i)), Direction.INBOUND, null, "a@x.example",
                    Category.SPAM, "bob@corp.example");
        }
        // after the first page (the newest 1,000) is read, an administrator releases one of them: with offsets the
        // second page would start one entry too far and leave out the oldest
        quarantine.afterList = () -> {
            quarantine.afterList = null;
            quarantine.release("q5", "admin");
        };
        DigestRun run = service(settings("", 50, 20_000)).sendNow("test");
        assertThat(quarantine.queries).hasSize(2);
        assertThat(run.entries()).isEqualTo(1001);
        assertThat(intake.mailTo("bob@corp.example")).contains("1001 messages held for you");
    }

    @Test
    void anUnreadableQuarantineOrNoIntakeSendsNothingAndKeepsTheWindow() throws Exception {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        quarantine.failure = new IllegalStateException("database down");
        DigestServiceImpl d = service(settings("", 50, 20_000));
        assertThatThrownBy(() -> d.sendNow("test")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database down").hasMessageContaining("nothing was sent");
        d.intake = null;
        quarantine.failure = null;
        assertThatThrownBy(() -> d.sendNow("test")).hasMessageContaining("no MessageIntake");
        assertThat(new DigestLedger(shared).read().lastEnd()).isEmpty();
        d.intake = intake;
        clock.set(T0.plusSeconds(60));
        DigestRun run = d.sendNow("test");
        assertThat(run.mailsSent()).isEqualTo(1);
        assertThat(run.since()).as("the failed attempt moved nothing").isEqualTo(T0.minus(Duration.ofDays(1)));
        assertThat(run.until()).as("and kept no window of its own").isEqualTo(T0.plusSeconds(60));
        assertThat(new DigestLedger(shared).read()).satisfies(st -> {
            assertThat(st.lastEnd()).contains(T0.plusSeconds(60));
            assertThat(st.run()).isNull();
        });
    }

    @Test
    void aRefusedDigestIsCountedAsFailed() {
        quarantine.hold("q1", T0.minus(Duration.ofHours(5)), Direction.INBOUND, null, "a@x.example", Category.SPAM,
                "bob@corp.example");
        intake.answer = IntakeResult.Outcome.TEMPORARY_FAILURE;
        DigestRun run = service(settings("", 50, 20_000)).sendNow("test");
        assertThat(run.mailsSent()).isZero();
        assertThat(run.mailsFailed()).isEqualTo(1);
    }

    @Test
    void theScheduleSendsOnceADayAtSendTimeAndCatchesUpAfterDowntime() {
        clock.set(Instant.parse("2026-12-07T07:00:00Z")); // activated before today's 08:00
        DigestServiceImpl d = service(settings("", 50, 20_000));
        assertThat(d.due(clock.instant())).isFalse();
        assertThat(d.due(Instant.parse("2026-12-07T07:59:59Z"))).isFalse();
        assertThat(d.due(Instant.parse("2026-12-07T08:00:00Z"))).isTrue();
        clock.set(Instant.parse("2026-12-07T08:00:30Z"));
        d.tick();
        assertThat(d.due(clock.instant())).isFalse();
        assertThat(d.due(Instant.parse("2026-12-08T07:59:00Z"))).isFalse();
        assertThat(d.due(Instant.parse("2026-12-08T08:00:00Z"))).isTrue();
        // down from before the 8th's send time to the 10th: one run at the first tick covers the whole gap
        clock.set(Instant.parse("2026-12-10T15:00:00Z"));
        DigestServiceImpl restarted = service(settings("", 50, 20_000));
        assertThat(restarted.due(clock.instant())).isTrue();
        quarantine.hold("q1", Instant.parse("2026-12-08T12:00:00Z"), Direction.INBOUND, null, "a@x.example",
                Category.SPAM, "bob@corp.example");
        restarted.tick();
        assertThat(intake.mailTo("bob@corp.example")).contains("ref q1");
        assertThat(restarted.due(clock.instant())).isFalse();
    }

    @Test
    void aScheduledRunWhileTheCoreIsAwayWaitsAndSendsWhenItIsBack() {
        clock.set(Instant.parse("2026-12-07T07:00:00Z"));
        DigestServiceImpl d = service(settings("", 50, 20_000));
        d.intake = null;
        quarantine.hold("q1", Instant.parse("2026-12-07T07:30:00Z"), Direction.INBOUND, null, "a@x.example",
                Category.SPAM, "bob@corp.example");
        clock.set(Instant.parse("2026-12-07T08:00:30Z"));
        d.tick(); // no exception: the schedule goes on
        d.tick();
        assertThat(d.due(clock.instant())).as("still due").isTrue();
        d.intake = intake;
        d.tick();
        assertThat(intake.mailTo("bob@corp.example")).contains("ref q1");
        assertThat(d.due(clock.instant())).isFalse();
    }

    @Test
    void aFirstStartAfterSendTimeWaitsForTheNextDay() {
        clock.set(Instant.parse("2026-12-07T09:00:00Z"));
        DigestServiceImpl d = service(settings("", 50, 20_000));
        assertThat(d.due(clock.instant())).isFalse();
        assertThat(d.due(Instant.parse("2026-12-08T08:00:00Z"))).isTrue();
    }

    @Test
    void theSenderComesFromTheProtectedDomainsWhenNotConfigured() {
        DigestSettings s = settings("", 50, 20_000);
        DigestSettings noFrom = new DigestSettings(s.enabled(), s.sendTime(), s.zone(), s.baseUrl(), s.keyFile(),
                s.linkValidity(), s.selfRelease(), s.maxEntries(), s.maxScan(), s.firstWindow(), "", "", true);
        DigestServiceImpl d = service(noFrom);
        assertThat(d.sender()).isEqualTo("streamail-quarantine@localhost");
    }
}
