package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.DigestStatus;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

/**
 * Several gateway nodes on one store: the digest is sent once per window whichever nodes are due, and a run a node left
 * half-way is finished by another from the next user. "Nodes" are service instances over one shared record store (the
 * in-memory one with the JDBC store's compare-and-set; that store's own contract runs on H2 and PostgreSQL).
 */
class DigestNodesTest {

    static final Instant SLOT = Instant.parse("2026-12-07T08:00:00Z");
    static final List<String> USERS = List.of("a@corp.example", "b@corp.example", "c@corp.example", "d@corp.example",
            "e@corp.example");

    @TempDir
    java.nio.file.Path dir;

    final DigestServiceImplTest.Quarantine quarantine = new DigestServiceImplTest.Quarantine();
    final InMemorySharedState shared = new InMemorySharedState();
    final MutableClock clock = new MutableClock(SLOT.minus(Duration.ofHours(1)));
    /** The intakes of node A and node B. */
    final NodeIntake inA = new NodeIntake();
    final NodeIntake inB = new NodeIntake();

    /** Thrown by an intake to stand for the node's process dying in the middle of a run. */
    static final class Killed extends Error {
        private static final long serialVersionUID = 1L;
    }

    /** One node's intake: records the users it was handed a digest for; {@link #before} runs first. */
    static final class NodeIntake implements MessageIntake {
        final List<String> users = new CopyOnWriteArrayList<>();
        final List<String> mails = new CopyOnWriteArrayList<>();
        volatile Consumer<String> before = u -> { };

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
            String to = envelope.recipients().get(0);
            before.accept(to);
            users.add(to);
            mails.add(new String(data.readAllBytes(), StandardCharsets.ISO_8859_1));
            return new IntakeResult("g" + users.size(), IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "ok"),
                    null);
        }

        List<String> usersOnly() {
            return users.stream().filter(u -> u.startsWith("admin@") == false).toList();
        }
    }

    DigestServiceImpl node(NodeIntake intake, String admin) {
        DigestSettings s = new DigestSettings(true, LocalTime.of(8, 0), ZoneOffset.UTC, "", dir.resolve("digest.key"),
                Duration.ofDays(14), Set.of(Category.SPAM), 50, 20_000, Duration.ofDays(1), "quarantine@corp.example",
                admin, true);
        DigestServiceImpl d = new DigestServiceImpl(s, quarantine, shared, clock, Duration.ZERO);
        d.intake = intake;
        return d;
    }

    /** One message held for each user half an hour before the send time, and the clock just after it. */
    void justAfterSendTimeWithOneHeldForEachUser() {
        holdOneForEachUser(SLOT.minus(Duration.ofMinutes(30)));
        clock.set(SLOT.plusSeconds(30));
    }

    void holdOneForEachUser(Instant at) {
        for (int i = 0; i < USERS.size(); i++) {
            quarantine.hold("q" + at.getEpochSecond() + "-" + i, at.plusSeconds(i), Direction.INBOUND, null,
                    "s@spam.example", Category.SPAM, USERS.get(i));
        }
    }

    @Test
    void twoNodesDueAtTheSameSendTimeSendEachUserOneDigest() throws Exception {
        DigestServiceImpl a = node(inA, "");
        DigestServiceImpl b = node(inB, "");
        justAfterSendTimeWithOneHeldForEachUser();
        assertThat(a.due(clock.instant())).isTrue();
        assertThat(b.due(clock.instant())).isTrue();
        a.tick();
        b.tick();
        assertThat(inA.users).containsExactlyElementsOf(USERS);
        assertThat(inB.users).as("the other node found the window sent").isEmpty();
        assertThat(b.due(clock.instant())).isFalse();

        // the next day both are asked at the same moment, each having read the record before either wrote it
        holdOneForEachUser(SLOT.plus(Duration.ofHours(20)));
        clock.set(SLOT.plus(Duration.ofDays(1)).plusSeconds(30));
        CyclicBarrier bothRead = new CyclicBarrier(2);
        shared.afterRead = () -> await(bothRead);
        CompletableFuture<Object> ra = CompletableFuture.supplyAsync(() -> outcome(() -> a.sendNow("rest:admin")));
        CompletableFuture<Object> rb = CompletableFuture.supplyAsync(() -> outcome(() -> b.sendNow("schedule")));
        List<Object> outcomes = List.of(ra.get(30, TimeUnit.SECONDS), rb.get(30, TimeUnit.SECONDS));
        shared.afterRead = null;
        assertThat(outcomes).filteredOn(o -> o instanceof DigestRun).hasSize(1);
        assertThat(outcomes).filteredOn(o -> o instanceof DigestServiceImpl.RunElsewhere).singleElement()
                .extracting(o -> ((Exception) o).getMessage()).asString().contains("at the same moment");
        List<String> secondDay = new ArrayList<>(inA.users.subList(USERS.size(), inA.users.size()));
        secondDay.addAll(inB.users);
        assertThat(secondDay).as("each user once, from one node or the other").containsExactlyInAnyOrderElementsOf(
                USERS);
        assertThat(new DigestLedger(shared).read().lastEnd()).contains(clock.instant());
    }

    @Test
    void aRunANodeLeftHalfWayIsFinishedByAnotherAfterItsLeaseFromTheNextUser() {
        DigestServiceImpl a = node(inA, "admin@corp.example");
        DigestServiceImpl b = node(inB, "admin@corp.example");
        justAfterSendTimeWithOneHeldForEachUser();
        inA.before = u -> {
            if (u.equals("c@corp.example")) {
                throw new Killed(); // the process dies as it hands on c's digest
            }
        };
        assertThatThrownBy(a::tick).isInstanceOf(Killed.class);
        assertThat(inA.users).containsExactly("a@corp.example", "b@corp.example");

        // within the lease the other node leaves the run alone, by schedule and by hand
        clock.set(SLOT.plus(Duration.ofMinutes(5)));
        assertThat(b.due(clock.instant())).isFalse();
        b.tick();
        assertThatThrownBy(() -> b.sendNow("rest:admin")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in progress on node").hasMessageContaining("2 users done")
                .hasMessageContaining("nothing was sent here");
        assertThat(inB.users).isEmpty();
        assertThat(b.status().running()).as("what an administrator sees on the other node").hasValueSatisfying(r -> {
            assertThat(r.node()).isNotEmpty();
            assertThat(r.usersDone()).isEqualTo(2);
            assertThat(r.until()).isEqualTo(SLOT.plusSeconds(30));
            assertThat(r.lapsed()).isFalse();
        });
        assertThat(b.status().lastEnd()).isEmpty();

        clock.set(SLOT.plusSeconds(30).plus(DigestServiceImpl.LEASE).plusSeconds(1));
        assertThat(b.status().running()).get().extracting(DigestStatus.Running::lapsed).isEqualTo(true);
        assertThat(b.due(clock.instant())).isTrue();
        b.tick();
        assertThat(inB.usersOnly()).as("from the next user on, the same window")
                .containsExactly("c@corp.example", "d@corp.example", "e@corp.example");
        assertThat(inB.mails.get(0)).contains("ref q" + SLOT.minus(Duration.ofMinutes(30)).getEpochSecond() + "-2");
        assertThat(inB.users).contains("admin@corp.example");
        String summary = inB.mails.get(inB.users.indexOf("admin@corp.example"));
        assertThat(summary).as("the summary counts the whole run").contains("5 digests sent to users");
        DigestLedger.State st = new DigestLedger(shared).read();
        assertThat(st.run()).isNull();
        assertThat(st.lastEnd()).as("the window the first node opened").contains(SLOT.plusSeconds(30));
        // the first node, restarted, has nothing to do
        DigestServiceImpl restarted = node(new NodeIntake(), "");
        assertThat(restarted.due(clock.instant())).isFalse();
        DigestStatus after = restarted.status();
        assertThat(after.running()).isEmpty();
        assertThat(after.lastEnd()).contains(SLOT.plusSeconds(30));
        assertThat(after.scheduled()).isTrue();
        assertThat(after.nextSlot()).as("tomorrow's send time").contains(SLOT.plus(Duration.ofDays(1)));
    }

    @Test
    void aNodeWhoseLeaseLapsedStopsAtItsNextStepAndTheOtherSendsTheRest() throws Exception {
        DigestServiceImpl a = node(inA, "");
        DigestServiceImpl b = node(inB, "");
        justAfterSendTimeWithOneHeldForEachUser();
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        inA.before = u -> {
            if (u.equals("b@corp.example")) {
                stuck.countDown();
                await(go); // hangs on b's digest (a slow intake, a long pause) past its lease
            }
        };
        CompletableFuture<DigestRun> runA = CompletableFuture.supplyAsync(() -> a.sendNow("schedule"));
        assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
        clock.set(SLOT.plus(DigestServiceImpl.LEASE).plusSeconds(60));
        b.tick();
        assertThat(inB.users).containsExactly("b@corp.example", "c@corp.example", "d@corp.example",
                "e@corp.example");
        go.countDown();
        DigestRun partial = runA.get(10, TimeUnit.SECONDS);
        assertThat(inA.users).as("it stopped after the digest it was handing on")
                .containsExactly("a@corp.example", "b@corp.example");
        assertThat(partial.mailsSent()).isEqualTo(2);
        assertThat(new DigestLedger(shared).read().lastEnd()).contains(SLOT.plusSeconds(30));
    }

    @Test
    void theStoreGoneMidRunStopsItAndTheSameNodeGoesOnAtItsNextTick() {
        DigestServiceImpl a = node(inA, "");
        justAfterSendTimeWithOneHeldForEachUser();
        inA.before = u -> {
            if (u.equals("c@corp.example")) {
                shared.failure = new StoreException("database down");
            }
        };
        assertThatThrownBy(() -> a.sendNow("test")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database down").hasMessageContaining("after 3 of 5 users");
        a.tick(); // waits: the store is still down
        inA.before = u -> { };
        shared.failure = null;
        clock.set(SLOT.plus(Duration.ofMinutes(2)));
        assertThat(a.due(clock.instant())).as("its own unfinished run, without waiting for the lease").isTrue();
        a.tick();
        assertThat(inA.users).as("c once more (handed on, not recorded), then the rest").containsExactly(
                "a@corp.example", "b@corp.example", "c@corp.example", "c@corp.example", "d@corp.example",
                "e@corp.example");
        assertThat(new DigestLedger(shared).read().run()).isNull();
    }

    @Test
    void aDamagedRecordStopsNoDigestAndAFailedStartLeavesNoLease() {
        assertThat(DigestLedger.parse("end=yesterday\nrun.since=2026-12-06T08:00:00Z\nnoise\n", 3))
                .satisfies(s -> {
                    assertThat(s.lastEnd()).isEmpty();
                    assertThat(s.run()).as("a run missing fields is no run").isNull();
                });
        DigestLedger.Run r = new DigestLedger.Run(SLOT, SLOT.plusSeconds(1), "1@h#ab", SLOT.plusSeconds(600),
                "b@corp.example", 2, 1);
        assertThat(DigestLedger.parse(DigestLedger.format(Optional.of(SLOT), r) + "future.field=x\n", 7))
                .isEqualTo(new DigestLedger.State(Optional.of(SLOT), r, 7));

        DigestServiceImpl a = node(inA, "");
        justAfterSendTimeWithOneHeldForEachUser();
        quarantine.failure = new IllegalStateException("quarantine unreadable");
        assertThatThrownBy(() -> a.sendNow("test")).hasMessageContaining("quarantine unreadable");
        quarantine.failure = null;
        DigestServiceImpl b = node(inB, "");
        assertThat(b.due(clock.instant())).as("the lease was given back at once").isTrue();
        clock.set(SLOT.plusSeconds(90));
        DigestRun run = b.sendNow("test");
        assertThat(inB.users).containsExactlyElementsOf(USERS);
        assertThat(run.until()).as("nothing handed on yet: the window reaches the new start").isEqualTo(clock.instant());
    }

    /** What {@code run} returned, or the exception it threw. */
    private static Object outcome(java.util.function.Supplier<Object> run) {
        try {
            return run.get();
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
