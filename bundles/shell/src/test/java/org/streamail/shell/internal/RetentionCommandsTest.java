package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.retention.SweepStatus;

/** The retention commands against an in-memory retention service, asserting what they print. */
class RetentionCommandsTest extends CommandTestSupport {

    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final SweepReport REPORT = new SweepReport(T0, Duration.ofMillis(812), true, 3, 40, 5, 0, 0, 0, 2, 1,
            List.of("bob@corp.example: login failed"));

    final List<String> calls = new ArrayList<>();
    RuntimeException failure;

    final RetentionService retention = new RetentionService() {
        @Override
        public SweepReport sweep() {
            calls.add("sweep");
            return REPORT;
        }

        @Override
        public SweepReport sweep(String mailbox) {
            calls.add("sweep " + mailbox);
            if (failure != null) {
                throw failure;
            }
            return REPORT;
        }

        @Override
        public Extension extend(String mailbox, String messageId, Instant newExpiry, String actor) {
            calls.add("extend " + mailbox + " " + messageId + " " + newExpiry + " " + actor);
            if (failure != null) {
                throw failure;
            }
            return new Extension(mailbox, "INBOX", messageId, T0, newExpiry);
        }

        @Override
        public PolicySummary policySummary() {
            return new PolicySummary(List.of("partner.example"), List.of("corp.example"), Duration.ofDays(1),
                    Duration.ofDays(365), List.of("marketing@*=P14D"), "delete", List.of("Archives/Local"), List.of(),
                    List.of("alice@corp.example"), null, false, "127.0.0.1:143 (starttls)", null);
        }

        @Override
        public SweepStatus sweepStatus() {
            return status;
        }
    };
    SweepStatus status = new SweepStatus(false, Optional.empty(), Optional.empty(), "", "", Optional.empty());

    @Test
    void theStatusSaysTheLastSweepOfAnyNodeAndOneInProgress() throws Exception {
        RetentionStatusCommand c = new RetentionStatusCommand();
        c.retention = retention;
        assertThat(run(c::execute)).contains("Coordinated: no", "Last sweep:  none yet", "Running:     no");
        Instant t = Instant.parse("2026-12-07T08:00:00Z");
        status = new SweepStatus(true, Optional.of(t), Optional.of(t.plusSeconds(95)), "4711@gw1#a1",
                "mailboxes=2 scanned=40", Optional.of(new SweepStatus.Running("4712@gw2\u202E#b2", t.plusSeconds(3600),
                        t.plusSeconds(4200), false, 3, true)));
        assertThat(run(c::execute)).contains("Coordinated: yes",
                "Last sweep:  2026-12-07 08:00:00Z .. 2026-12-07 08:01:35Z on 4711@gw1#a1", "mailboxes=2 scanned=40",
                "since 2026-12-07 09:00:00Z (one mailbox), 3 mailbox(es) done", "(lapsed").doesNotContain("\u202E");
    }




    @Test
    void retentionSweepPrintsEveryCountAndTheProblems() throws Exception {
        RetentionSweepCommand c = new RetentionSweepCommand();
        c.retention = retention;
        String out = run(c::execute);
        assertThat(out).contains("DRY RUN", "Mailboxes:  3", "Scanned:    40", "Expired:    5", "Deleted:    0",
                "Exempt:     2", "Errors:     1", "- bob@corp.example: login failed");
        c.mailbox = " bob@corp.example ";
        run(c::execute);
        assertThat(calls).containsExactly("sweep", "sweep bob@corp.example");
        failure = new RetentionException("connection refused");
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("connection refused");
    }

    @Test
    void retentionAuditPrintsATableFilteredAsAsked() throws Exception {
        List<AuditQuery> asked = new ArrayList<>();
        RetentionAuditCommand c = new RetentionAuditCommand();
        c.audit = new RetentionAuditStore() {
            @Override
            public void record(AuditRecord record) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<AuditRecord> query(AuditQuery query) {
                asked.add(query);
                return List.of(new AuditRecord("alice@corp.example", "INBOX", "<m1@x>", "ab".repeat(32), T0,
                        "signed:P14D", AuditRecord.Action.DELETE, T0, "sweeper", true, ""));
            }
        };
        c.mailbox = "alice@corp.example";
        String out = run(c::execute);
        assertThat(out).contains("DELETE", "alice@corp.example", "<m1@x>", "signed:P14D", "sweeper", "yes");
        assertThat(asked).containsExactly(new AuditQuery(20, "alice@corp.example", null));
        c.limit = 0;
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("--limit");
    }

    @Test
    void retentionExtendPrintsTheNewExpiryAndExplainsARefusal() throws Exception {
        RetentionExtendCommand c = new RetentionExtendCommand();
        c.retention = retention;
        c.mailbox = "alice@corp.example";
        c.messageId = "<m1@x>";
        c.expiry = "2026-12-31T00:00:00Z";
        assertThat(run(c::execute)).contains("Extended <m1@x> in alice@corp.example/INBOX",
                "2026-05-01 10:00:00Z -> 2026-12-31 00:00:00Z");
        assertThat(calls).containsExactly("extend alice@corp.example <m1@x> 2026-12-31T00:00:00Z shell");

        failure = new SecurityException("the sender did not grant permission");
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("Refused")
                .hasMessageContaining("did not grant");
        failure = new NoSuchElementException("no message <m1@x>");
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("no message");
        c.expiry = "next week";
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("ISO-8601");
    }

    @Test
    void retentionPolicyPrintsThePolicyWithoutSecrets() throws Exception {
        RetentionPolicyCommand c = new RetentionPolicyCommand();
        c.retention = retention;
        String out = run(c::execute);
        assertThat(out).contains("Action:           delete", "Min/max age:      PT24H / PT8760H",
                "Exempt folders:   Archives/Local", "Sweep interval:   manual only", "Last sweep:       none yet");
    }

    @Test
    void withoutTheRetentionServiceTheCommandsSaySo() {
        assertThatThrownBy(new RetentionPolicyCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("retention service");
        assertThatThrownBy(new RetentionAuditCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("retention audit");
    }
}
