package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

/**
 * {@link SharedHarvestBlocks} without sockets: "nodes" are instances on one {@link InMemorySharedState} (as gateway
 * nodes share one database), time is a hand-moved clock and the refresh is called by hand (the interval is the
 * staleness bound; here each {@code refresh()} stands for one tick of it).
 */
class SharedHarvestBlocksTest {

    static final Duration WINDOW = Duration.ofSeconds(600);

    final InMemorySharedState shared = new InMemorySharedState();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    final List<SharedHarvestBlocks> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(SharedHarvestBlocks::close);
    }

    SharedHarvestBlocks node() {
        return node(shared);
    }

    SharedHarvestBlocks node(SharedState store) {
        SharedHarvestBlocks b = new SharedHarvestBlocks(() -> store, clock, 0);
        opened.add(b);
        return b;
    }

    @Test
    void aClientBlockedOnOneNodeIsBlockedOnAnotherAtItsNextRefresh() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        a.publish("203.0.113.9", WINDOW);
        assertThat(a.blocked("203.0.113.9")).as("at once on the node that blocked it").isTrue();
        a.refresh(); // its thread writes the block
        assertThat(b.blocked("203.0.113.9")).as("not before B's next refresh").isFalse();
        b.refresh();
        assertThat(b.blocked("203.0.113.9")).isTrue();
        assertThat(b.blocked("203.0.113.10")).as("another client").isFalse();
        assertThat(b.blocked(null)).isFalse();
    }

    @Test
    void anIdleRefreshReadsOnlyTheIndexAndAWriteElsewhereMakesTheNextOneReadTheSlots() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        b.refresh();
        assertThat(b.fullReadings()).as("the first refresh reads every slot").isEqualTo(1);
        b.refresh();
        b.refresh();
        assertThat(b.fullReadings()).as("nothing written since: the index alone").isEqualTo(1);
        a.publish("203.0.113.9", WINDOW);
        a.refresh();
        b.refresh();
        assertThat(b.fullReadings()).as("A's write moved the index").isEqualTo(2);
        assertThat(b.blocked("203.0.113.9")).isTrue();
        clock.advance(Duration.ofSeconds(SharedHarvestBlocks.FULL_READ_SECONDS));
        b.refresh();
        assertThat(b.fullReadings()).as("a full reading at least every minute").isEqualTo(3);
        assertThat(b.blocked("203.0.113.9")).as("still running").isTrue();
    }

    @Test
    void anIpv6ClientIsBlockedByItsSlash64() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        a.publish("2001:db8:1:2::5", WINDOW);
        a.refresh();
        b.refresh();
        assertThat(b.blocked("2001:db8:1:2:ffff::77")).as("same /64").isTrue();
        assertThat(b.blocked("2001:db8:1:3::5")).as("another /64").isFalse();
    }

    @Test
    void aRestartedNodeReadsTheBlocksAtStart() {
        SharedHarvestBlocks a = node();
        a.publish("203.0.113.9", WINDOW);
        a.refresh();
        SharedHarvestBlocks restarted = node();
        restarted.start("test-harvest-share");
        assertThat(restarted.blocked("203.0.113.9")).as("right after start, no refresh tick needed").isTrue();
    }

    @Test
    void theBlockEndsWhenItsTimePassesAndIsDroppedFromTheRecordAtTheNextWrite() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        a.publish("203.0.113.9", Duration.ofSeconds(300));
        a.refresh();
        b.refresh();
        clock.advance(Duration.ofSeconds(299));
        assertThat(b.blocked("203.0.113.9")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.blocked("203.0.113.9")).as("its end has come, even before a refresh").isFalse();
        b.refresh();
        assertThat(b.known()).isZero();

        // another client of the same record: the ended block goes from the record when it is written
        String other = sameHomeAs("203.0.113.9");
        a.publish(other, WINDOW);
        a.refresh();
        String record = shared.peek(SharedHarvestBlocks.recordName(SharedHarvestBlocks.home("203.0.113.9")))
                .orElseThrow().value();
        assertThat(record).contains(other + " ").doesNotContain("203.0.113.9 ");
    }

    @Test
    void aBlockIsWrittenOnceNeverPerRefreshNorWhenPublishedAgain() {
        AtomicInteger writes = new AtomicInteger();
        SharedState counting = new SharedState() {
            @Override
            public Optional<Entry> read(String name) {
                return shared.read(name);
            }

            @Override
            public Optional<Entry> compareAndSet(String name, long expectedVersion, String value) {
                if (!name.equals(SharedHarvestBlocks.INDEX)) { // the index's bump follows each block written
                    writes.incrementAndGet();
                }
                return shared.compareAndSet(name, expectedVersion, value);
            }
        };
        SharedHarvestBlocks a = node(counting);
        a.publish("203.0.113.9", WINDOW);
        a.publish("203.0.113.9", WINDOW); // two sessions reaching the limit at once
        a.refresh();
        a.refresh();
        a.refresh();
        assertThat(writes).hasValue(1);
        assertThat(shared.read(SharedHarvestBlocks.INDEX)).as("bumped once").hasValueSatisfying(
                e -> assertThat(e.version()).isEqualTo(1));
        assertThat(a.pending()).isZero();
    }

    @Test
    void twoNodesWritingOneRecordAtOnceKeepBothBlocks() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        String first = "203.0.113.9";
        String second = sameHomeAs(first);
        a.publish(first, WINDOW);
        b.publish(second, WINDOW);
        // B writes the record between A's read and A's compare-and-set: A's fails, A reads again and writes
        AtomicInteger reads = new AtomicInteger();
        shared.afterRead = () -> {
            if (reads.incrementAndGet() == 1) {
                shared.afterRead = null;
                b.refresh();
            }
        };
        a.refresh();
        SharedHarvestBlocks c = node();
        c.refresh();
        assertThat(c.blocked(first)).isTrue();
        assertThat(c.blocked(second)).isTrue();
    }

    @Test
    void aFullRecordSendsTheBlockToTheNextSlot() {
        String client = "203.0.113.9";
        int home = SharedHarvestBlocks.home(client);
        StringBuilder full = new StringBuilder();
        long end = clock.instant().plusSeconds(600).getEpochSecond();
        for (int i = 0; i < SharedHarvestBlocks.MAX_PER_RECORD; i++) {
            full.append("198.51.100.").append(i).append(' ').append(end).append('\n');
        }
        shared.put(SharedHarvestBlocks.recordName(home), full.toString());
        assertThat(full.length()).isLessThan(SharedState.MAX_VALUE);
        SharedHarvestBlocks a = node();
        a.publish(client, WINDOW);
        a.refresh();
        assertThat(shared.peek(SharedHarvestBlocks.recordName((home + 1) % SharedHarvestBlocks.SLOTS)))
                .map(SharedState.Entry::value).hasValueSatisfying(v -> assertThat(v).startsWith(client + " "));
        SharedHarvestBlocks b = node();
        b.refresh();
        assertThat(b.blocked(client)).isTrue();
        assertThat(b.blocked("198.51.100.7")).isTrue();
    }

    @Test
    void damagedLinesAreSkippedAndTheRestRead() {
        long end = clock.instant().plusSeconds(60).getEpochSecond();
        Map<String, Instant> read = SharedHarvestBlocks.parse("garbage\n203.0.113.9 " + end + "\nx y\n"
                + "203.0.113.10 notanumber\nevil=key " + end + "\n198.51.100.1 " + (end - 120) + "\n", clock.instant());
        assertThat(read).containsOnlyKeys("203.0.113.9");
        // a full record of the longest keys and 12-digit seconds stays within a record's 8000 characters
        assertThat((SharedHarvestBlocks.MAX_KEY + 1 + 12 + 1) * SharedHarvestBlocks.MAX_PER_RECORD)
                .isLessThanOrEqualTo(SharedState.MAX_VALUE);
    }

    @Test
    void aFailingStoreLeavesTheNodeOnItsOwnWithOneWarningAMinuteAndItsBlockIsWrittenOnceTheStoreIsBack() {
        SharedHarvestBlocks a = node();
        SharedHarvestBlocks b = node();
        a.publish("203.0.113.9", WINDOW);
        a.refresh();
        b.refresh();
        shared.failure = new StoreException("database unavailable");
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new HarvestRefusalTest.Tee(stderr, captured), true, StandardCharsets.UTF_8));
        try {
            b.publish("198.51.100.4", WINDOW); // B blocks a client of its own meanwhile
            for (int i = 0; i < 10; i++) {
                b.refresh();
                clock.advance(Duration.ofSeconds(2));
            }
            assertThat(b.warnings()).as("one WARN in the first minute").isEqualTo(1);
            assertThat(b.blocked("203.0.113.9")).as("the block it had read still runs").isTrue();
            assertThat(b.blocked("198.51.100.4")).as("its own block, on this node").isTrue();
            assertThat(b.pending()).isEqualTo(1);
            clock.advance(Duration.ofSeconds(41));
            b.refresh();
            assertThat(b.warnings()).as("the next minute").isEqualTo(2);
        } finally {
            System.setErr(stderr);
        }
        List<String> warned;
        synchronized (captured) {
            warned = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" WARN "))
                    .filter(l -> l.contains("shared harvest blocks")).toList();
        }
        assertThat(warned).hasSize(2);
        assertThat(warned.get(0)).contains("database unavailable").contains("its own count only");
        assertThat(warned.get(1)).contains("9 more failure(s)");

        shared.failure = null;
        b.refresh();
        assertThat(b.pending()).as("written once the store is back").isZero();
        a.refresh();
        assertThat(a.blocked("198.51.100.4")).isTrue();
    }

    @Test
    void withoutAStoreNothingIsSharedAndNothingFails() {
        SharedHarvestBlocks alone = new SharedHarvestBlocks(() -> null, clock, 0);
        opened.add(alone);
        alone.start("test-harvest-share-alone");
        alone.publish("203.0.113.9", WINDOW);
        alone.refresh();
        assertThat(alone.blocked("203.0.113.9")).isTrue();
        assertThat(alone.warnings()).isZero();
    }

    /** A client key whose home slot is that of {@code key}. */
    static String sameHomeAs(String key) {
        int home = SharedHarvestBlocks.home(key);
        for (int i = 1; i < 255; i++) {
            String other = "192.0.2." + i;
            if (SharedHarvestBlocks.home(other) == home) {
                return other;
            }
        }
        throw new AssertionError("no address of 192.0.2.0/24 in slot " + home);
    }
}
