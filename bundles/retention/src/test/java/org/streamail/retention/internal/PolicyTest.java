package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {

    static Policy policy(Map<String, Object> props) {
        return Policy.from(TestConfig.of(props));
    }

    @Test
    void defaultsAreASafePolicy() {
        Policy p = policy(Map.of());
        assertThat(p.action()).isEqualTo(Policy.ExpiredAction.DELETE);
        assertThat(p.minAge()).isEqualTo(Duration.ofDays(1));
        assertThat(p.maxAge()).isEqualTo(Duration.ofDays(3650));
        assertThat(p.exemptFolders()).containsExactly("Archives/Local");
        assertThat(p.sweepInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(p.dryRun()).isFalse();
        assertThat(p.trustedDomains()).isEmpty();
    }

    @Test
    void clampingKeepsTheExpiryBetweenMinAndMaxAgeFromReceipt() {
        Policy p = policy(Map.of("min.age", "P1D", "max.age", "P365D"));
        Instant received = Instant.parse("2026-03-01T00:00:00Z");
        assertThat(p.clamp(received, Instant.parse("1970-01-01T00:00:00Z")))
                .isEqualTo(new Policy.Clamped(received.plus(Duration.ofDays(1)), "min.age"));
        assertThat(p.clamp(received, Instant.parse("2099-12-31T00:00:00Z")))
                .isEqualTo(new Policy.Clamped(received.plus(Duration.ofDays(365)), "max.age"));
        Instant inside = received.plus(Duration.ofDays(30));
        assertThat(p.clamp(received, inside)).isEqualTo(new Policy.Clamped(inside, null));
    }

    @Test
    void eachActionIsParsedAndAnythingElseIsRefused() {
        assertThat(policy(Map.of("action", "flag")).action()).isEqualTo(Policy.ExpiredAction.FLAG);
        Policy move = policy(Map.of("action", "move:Expired/Retention"));
        assertThat(move.action()).isEqualTo(Policy.ExpiredAction.MOVE);
        assertThat(move.moveFolder()).isEqualTo("Expired/Retention");
        assertThatThrownBy(() -> policy(Map.of("action", "shred"))).hasMessageContaining("action");
        assertThatThrownBy(() -> policy(Map.of("action", "move:"))).hasMessageContaining("action");
        assertThatThrownBy(() -> policy(Map.of("flag.keyword", "bad keyword"))).hasMessageContaining("flag.keyword");
    }

    @Test
    void exemptFoldersMatchThemselvesAndTheirSubfoldersWhateverTheSeparator() {
        Policy p = policy(Map.of("exempt.folders", "Archives/Local, INBOX/Keep", "action", "move:Expired"));
        assertThat(p.isExempt("Archives/Local", '/')).isTrue();
        assertThat(p.isExempt("Archives.Local.2025", '.')).isTrue();
        assertThat(p.isExempt("Archives/LocalCopy", '/')).isFalse();
        assertThat(p.isExempt("Archives", '/')).isFalse();
        assertThat(p.isExempt("inbox/Keep/x", '/')).isTrue();
        assertThat(p.isExempt("INBOX", '/')).isFalse();
        assertThat(p.isExempt("Expired", '/')).as("the move target is never swept").isTrue();
    }

    @Test
    void exemptionErrsOnTheSideOfKeepingWhateverSpellingTheAdministratorOrServerUses() {
        Policy p = policy(Map.of("exempt.folders", "Inbox/Keep, archives/local, Archiv&AOk-, Legal.Hold, Privé/",
                "action", "move:Expired"));
        // Outlook shows "Inbox"; the server lists INBOX.
        assertThat(p.isExempt("INBOX/Keep", '/')).isTrue();
        assertThat(p.isExempt("INBOX.Keep", '.')).isTrue();
        assertThat(p.isExempt("INBOX/Keep/2019", '/')).isTrue();
        // Case: a folder wrongly exempt keeps mail, one wrongly swept loses it.
        assertThat(p.isExempt("Archives/Local", '/')).isTrue();
        assertThat(p.isExempt("ARCHIVES.LOCAL.2019", '.')).isTrue();
        assertThat(p.isExempt("expired", '/')).isTrue();
        // Modified UTF-7 as written in a Dovecot or Courier configuration, or Unicode (NFC or NFD).
        assertThat(p.isExempt("Archivé", '/')).isTrue();
        assertThat(p.isExempt("Archive\u0301/2019", '/')).isTrue();
        assertThat(p.isExempt("Priv&AOk-", '/')).isTrue();
        assertThat(p.isExempt("Privé/Famille", '/')).isTrue();
        // Written with the server's separator instead of '/'.
        assertThat(p.isExempt("Legal.Hold", '.')).isTrue();
        assertThat(p.isExempt("Legal.Hold.Case1", '.')).isTrue();
        // Under a personal namespace prefix (Courier, Cyrus: every folder is INBOX.<name>).
        assertThat(p.isExempt("INBOX.archives.local", '.', List.of("INBOX"))).isTrue();
        assertThat(p.isExempt("INBOX.Archives.Local.2019", '.', List.of("INBOX"))).isTrue();
        assertThat(p.isExempt("INBOX.Expired", '.', List.of("INBOX"))).as("move target").isTrue();
        // Still by hierarchy, not by text.
        assertThat(p.isExempt("Archives/LocalCopy", '/')).isFalse();
        assertThat(p.isExempt("Archives", '/')).isFalse();
        assertThat(p.isExempt("Work/Archives/Local", '/')).isFalse();
        assertThat(p.isExempt("INBOX", '/')).isFalse();
        assertThat(p.isExempt("INBOX.Work", '.', List.of("INBOX"))).isFalse();
        assertThat(p.isExempt("Legal", '.')).isFalse();
    }

    @Test
    void rulesMatchSendersWithWildcardsFirstMatchWinning() {
        Policy p = policy(Map.of("default.rules", "marketing@*=P14D, *@news.corp.example=p30d"));
        assertThat(p.ruleFor("Marketing@corp.example").orElseThrow().period()).isEqualTo("P14D");
        assertThat(p.ruleFor("bob@news.corp.example").orElseThrow().period()).isEqualTo("P30D");
        assertThat(p.ruleFor("bob@corp.example")).isEmpty();
        assertThat(p.ruleFor("xmarketing@corp.example")).isEmpty();
        assertThatThrownBy(() -> policy(Map.of("default.rules", "marketing@*"))).hasMessageContaining("pattern=period");
        assertThatThrownBy(() -> policy(Map.of("default.rules", "marketing@*=-P1D"))).hasMessageContaining("-P1D");
    }

    @Test
    void badValuesAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> policy(Map.of("min.age", "P10D", "max.age", "P1D"))).hasMessageContaining("max.age");
        assertThatThrownBy(() -> policy(Map.of("trusted.domains", "bad domain"))).hasMessageContaining("trusted.domains");
        assertThatThrownBy(() -> policy(Map.of("sweep.interval", "PT1S"))).hasMessageContaining("sweep.interval");
        assertThatThrownBy(() -> policy(Map.of("mailboxes", "a@b, c*d"))).hasMessageContaining("mailboxes");
        assertThat(policy(Map.of("sweep.interval", "")).sweepInterval()).isNull();
    }

    @Test
    void trustedDomainsMatchExactlyOrBySubdomainWildcard() {
        Policy p = policy(Map.of("trusted.domains", "Partner.example, *.bank.example"));
        assertThat(Policy.domainIn("partner.example", p.trustedDomains())).isTrue();
        assertThat(Policy.domainIn("evil-partner.example", p.trustedDomains())).isFalse();
        assertThat(Policy.domainIn("mail.bank.example", p.trustedDomains())).isTrue();
        assertThat(Policy.domainIn("bank.example", p.trustedDomains())).isFalse();
        assertThat(Policy.domainIn("", p.trustedDomains())).isFalse();
    }

    @Test
    void plainImapIsAllowedOnlyToLoopback() {
        assertThat(ImapSettings.from(TestConfig.of(Map.of("imap.security", "none", "imap.host", "127.0.0.1"))).port())
                .isEqualTo(143);
        assertThat(ImapSettings.from(TestConfig.of(Map.of("imap.security", "tls", "imap.host", "mail.corp.example"))).port())
                .isEqualTo(993);
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(Map.of("imap.security", "none", "imap.host",
                "mail.corp.example")))).hasMessageContaining("loopback");
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(Map.of("imap.security", "none", "imap.host",
                "192.0.2.1")))).hasMessageContaining("loopback");
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(Map.of("imap.security", "ssl3"))))
                .hasMessageContaining("imap.security");
    }

    @Test
    void theMasterUserLoginReachesEveryMailboxAndThePasswordIsNeverPrinted() {
        ImapSettings s = ImapSettings.from(TestConfig.of(Map.of("imap.user", "master", "imap.password", "s3cret!")));
        assertThat(s.loginFor("alice@corp.example")).isEqualTo("alice@corp.example*master");
        assertThat(s.toString()).doesNotContain("s3cret!");
        ImapSettings single = ImapSettings.from(TestConfig.of(Map.of("imap.user", "alice", "imap.master.separator", "")));
        assertThat(single.loginFor("alice")).isEqualTo("alice");
        assertThatThrownBy(() -> single.loginFor("bob")).hasMessageContaining("master");
    }
}
