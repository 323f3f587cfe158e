package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;

class ReleaseLearnerTest {

    final InMemorySpamStore store = new InMemorySpamStore();
    final SpamEngine engine = new SpamEngine(store, SpamEngine.Settings.defaults(), Clock.systemUTC(),
            id -> Optional.empty(), d -> false);
    final List<QuarantineEntry> entries = new ArrayList<>();
    final byte[] raw = SpamEngineTest.variant("Alice", "t1", 1);
    boolean down;
    static final byte[] NOT_MAIL = new byte[] {0, 1, 2, 3, (byte) 0xff, 10, 10};

    final QuarantineStore quarantine = new QuarantineStore() {
        @Override
        public QuarantineEntry hold(String id, String messageId, String subject, Envelope envelope, Verdict verdict, byte[] r) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<QuarantineEntry> get(String id) {
            return entries.stream().filter(e -> e.id().equals(id)).findFirst();
        }

        @Override
        public Optional<byte[]> raw(String id) {
            return Optional.of(id.startsWith("q-bad") ? NOT_MAIL : raw);
        }

        @Override
        public List<QuarantineEntry> list(QuarantineQuery query) {
            if (down) {
                throw new org.streamail.api.store.StoreException("down");
            }
            assertThat(query.status()).isEqualTo(QuarantineEntry.Status.RELEASED);
            return List.copyOf(entries);
        }

        @Override
        public long count(QuarantineEntry.Status status) {
            return 0;
        }

        @Override
        public boolean transition(String id, QuarantineEntry.Status to, String actor) {
            return false;
        }

        @Override
        public boolean releaseRecipient(String id, String recipient, String actor) {
            return false;
        }
    };

    static QuarantineEntry released(String id, String by) {
        return new QuarantineEntry(id, "", "", Envelope.inbound("a@b.example", List.of("c@example.org"), null, null),
                Verdict.clean(), 10, Instant.now(), QuarantineEntry.Status.RELEASED, by, Instant.now());
    }

    @Test
    void aReleaseThatCannotBeLearnedIsSkippedOnceAndDoesNotHoldUpTheOthers() {
        entries.add(released("q-bad", "carol")); // the newest first: bytes the report path refuses
        entries.add(released("q-1", "carol"));
        ReleaseLearner learner = new ReleaseLearner(() -> quarantine, engine);
        assertThat(learner.poll()).isEqualTo(1);
        assertThat(store.corpus().hamMessages()).isEqualTo(1);
        assertThat(learner.poll()).isZero(); // neither is tried again
    }

    @Test
    void anAdminReleaseTeachesHamAndLiftsTheFingerprintOnce() {
        var blocked = engine.report(ReportKind.SPAM, raw, "root", true);
        assertThat(blocked.blocking()).isTrue();
        entries.add(released("q-1", "carol"));
        entries.add(released("q-2", "")); // released by nobody known: ignored
        ReleaseLearner learner = new ReleaseLearner(() -> quarantine, engine);
        assertThat(learner.poll()).isEqualTo(1);
        assertThat(learner.poll()).isZero(); // handled once
        assertThat(store.tally(blocked.reference()).latestAdminKind()).isEqualTo(ReportKind.HAM);
        assertThat(store.trainedAs(blocked.reference())).contains(ReportKind.HAM);
        assertThat(new ReleaseLearner(() -> null, engine).poll()).isZero();
        down = true;
        entries.add(released("q-3", "dave"));
        assertThat(learner.poll()).isZero(); // logged, not thrown
    }

    @Test
    void aUsersReleaseFromTheirDigestIsThatUsersHamReportAndLiftsNoAdministratorsBlock() {
        var blocked = engine.report(ReportKind.SPAM, raw, "root", true);
        entries.add(released("q-1", "digest:bob@example.org"));
        ReleaseLearner learner = new ReleaseLearner(() -> quarantine, engine);
        assertThat(learner.poll()).isEqualTo(1);
        var tally = store.tally(blocked.reference());
        assertThat(tally.latestAdminKind()).as("the administrator's SPAM stands").isEqualTo(ReportKind.SPAM);
        assertThat(tally.hamReporters()).as("bob's ham report").isEqualTo(1);
        assertThat(store.trainedAs(blocked.reference())).as("trained as the settled state: the administrator's")
                .isNotEqualTo(Optional.of(ReportKind.HAM));
    }
}
