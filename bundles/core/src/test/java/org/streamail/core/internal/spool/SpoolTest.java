package org.streamail.core.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

class SpoolTest {

    @TempDir
    Path dir;

    private static final Envelope ENV = new Envelope("odd%sender\u00e9@example.com",
            List.of("a@example.org", "b\nc@example.org"), "2001:db8::1", "helo with spaces", true,
            Instant.parse("2026-11-25T11:40:00Z"), Direction.OUTBOUND, "alice");

    private static long count(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void writtenEntryReadsBackWithItsEnvelopeAndExactBytes() throws Exception {
        Spool spool = new Spool(dir);
        byte[] raw = "Subject: x\r\n\r\nbody\r\n\r\nSTREAMAIL-END fake\n".getBytes(StandardCharsets.UTF_8);
        SpoolEntry written = spool.write("id-1", "id-1", ENV, null, raw);
        assertThat(spool.isClaimed("id-1")).isTrue();

        Spool reopened = new Spool(dir);
        List<SpoolEntry> entries = reopened.entries();
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo("id-1");
            assertThat(e.envelope()).isEqualTo(ENV);
            assertThat(e.released()).isFalse();
            assertThat(e.rawLength()).isEqualTo(raw.length);
        });
        assertThat(reopened.readRaw(entries.get(0))).isEqualTo(raw);
        assertThat(reopened.openRaw(written).readAllBytes()).isEqualTo(raw);
        assertThat(count(dir.resolve("corrupt"))).isZero();
        // mail on disk is the gateway user's alone, whatever the umask
        try (var files = Files.list(dir.resolve("queue"))) {
            for (Path f : files.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }
    }

    @Test
    void envelopeWithThousandsOfRecipientsRoundTrips() throws Exception {
        Spool spool = new Spool(dir);
        List<String> rcpts = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            rcpts.add("recipient-number-" + i + "@example.org");
        }
        spool.write("many", "many", ENV.withRecipients(rcpts), null, new byte[] {'x'});
        Spool reopened = new Spool(dir);
        SpoolEntry e = reopened.find("many").orElseThrow();
        assertThat(e.envelope().recipients()).isEqualTo(rcpts);
        assertThat(reopened.readRaw(e)).containsExactly('x');
    }

    @Test
    void releasedFlagAndStateSidecarSurviveReopen() throws Exception {
        Spool spool = new Spool(dir);
        spool.write("q1-released", "q1", ENV, "admin", new byte[] {1, 2, 3});
        spool.writeState("q1-released", Map.of("attempts", "2", "last-error", "421 busy\r\nline"));
        Spool reopened = new Spool(dir);
        SpoolEntry e = reopened.find("q1-released").orElseThrow();
        assertThat(e.released()).isTrue();
        assertThat(e.releasedBy()).isEqualTo("admin");
        assertThat(e.id()).isEqualTo("q1");
        assertThat(reopened.readState("q1-released").orElseThrow())
                .containsEntry("attempts", "2").containsEntry("last-error", "421 busy\r\nline");
    }

    @Test
    void tornTmpFileIsMovedToCorruptAtRestart() throws Exception {
        new Spool(dir);
        Files.write(dir.resolve("tmp/abc.123.tmp"), "STREAMAIL-SPOOL/1\nid: abc\n".getBytes(StandardCharsets.US_ASCII));
        Spool reopened = new Spool(dir);
        assertThat(count(dir.resolve("tmp"))).isZero();
        assertThat(count(dir.resolve("corrupt"))).isEqualTo(1);
        assertThat(reopened.entries()).isEmpty();
    }

    @Test
    void queueFileWithABadTrailerOrHashIsMovedAsideAndTheRestRecovered() throws Exception {
        Spool spool = new Spool(dir);
        spool.write("good", "good", ENV, null, "good message".getBytes(StandardCharsets.US_ASCII));
        spool.write("cut", "cut", ENV, null, "cut message".getBytes(StandardCharsets.US_ASCII));
        spool.write("flipped", "flipped", ENV, null, "flipped message".getBytes(StandardCharsets.US_ASCII));
        spool.writeState("cut", Map.of("attempts", "1"));
        Path cut = dir.resolve("queue/cut.msg");
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(f.length() - 10); // torn trailer
        }
        Path flipped = dir.resolve("queue/flipped.msg");
        byte[] b = Files.readAllBytes(flipped);
        int at = new String(b, StandardCharsets.ISO_8859_1).indexOf("flipped message");
        b[at] = 'F'; // same length, different content
        Files.write(flipped, b);

        Spool reopened = new Spool(dir);
        assertThat(reopened.entries()).extracting(SpoolEntry::key).containsExactly("good");
        assertThat(count(dir.resolve("corrupt"))).isEqualTo(3); // cut.msg, its state, flipped.msg
        assertThat(Files.exists(dir.resolve("queue/cut.state"))).isFalse();
    }

    @Test
    void eachValidEntryIsClaimableOnceAfterRestart() throws Exception {
        Spool spool = new Spool(dir);
        for (int i = 0; i < 5; i++) {
            spool.write("m" + i, "m" + i, ENV, null, ("message " + i).getBytes(StandardCharsets.US_ASCII));
        }
        Spool reopened = new Spool(dir);
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (SpoolEntry e : reopened.entries()) {
                    if (reopened.claim(e.key())) {
                        assertThat(claimed.add(e.key())).isTrue();
                    }
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(claimed).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4");
    }

    @Test
    void fsyncFailureLeavesNothingAndReportsFailure() throws Exception {
        Spool spool = new Spool(dir, ch -> {
            throw new IOException("disk on fire");
        });
        assertThatThrownBy(() -> spool.write("x1", "x1", ENV, null, new byte[] {1}))
                .isInstanceOf(SpoolException.class).hasMessageContaining("disk on fire");
        assertThat(count(dir.resolve("tmp"))).isZero();
        assertThat(count(dir.resolve("queue"))).isZero();
        assertThat(spool.isClaimed("x1")).isFalse();
    }

    @Test
    void directoryFsyncFailureAfterRenameAlsoLeavesNothing() throws Exception {
        int[] calls = {0};
        Spool spool = new Spool(dir, ch -> {
            if (++calls[0] == 2) {
                throw new IOException("dir fsync failed");
            }
            ch.force(true);
        });
        assertThatThrownBy(() -> spool.write("x2", "x2", ENV, null, new byte[] {1}))
                .isInstanceOf(SpoolException.class);
        assertThat(count(dir.resolve("queue"))).isZero();
    }

    @Test
    void writingAnExistingKeyFailsWithoutTouchingTheEntry() throws Exception {
        Spool spool = new Spool(dir);
        spool.write("dup", "dup", ENV, null, new byte[] {1});
        spool.unclaim("dup");
        assertThatThrownBy(() -> spool.write("dup", "dup", ENV, null, new byte[] {2})).isInstanceOf(SpoolException.class);
        assertThat(spool.readRaw(spool.find("dup").orElseThrow())).containsExactly(1);
    }

    @Test
    void removeDeletesMessageAndState() throws Exception {
        Spool spool = new Spool(dir);
        spool.write("r1", "r1", ENV, null, new byte[] {1});
        spool.writeState("r1", Map.of("a", "b"));
        spool.remove("r1");
        assertThat(count(dir.resolve("queue"))).isZero();
        assertThat(spool.isClaimed("r1")).isFalse();
    }

    @Test
    void invalidKeysAreRefused() throws Exception {
        Spool spool = new Spool(dir);
        assertThatThrownBy(() -> spool.write("../evil", "x", ENV, null, new byte[] {1})).isInstanceOf(SpoolException.class);
    }

    @Test
    void idsAreUniqueValidAndSortedAcrossThreads() throws Exception {
        IdGenerator ids = new IdGenerator();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 5000; i++) {
                    seen.add(ids.next());
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(40_000).allMatch(IdGenerator::isValid);
        String a = ids.next();
        String b = ids.next();
        assertThat(a).matches("\\d{8}T\\d{9}-[0-9a-z]{5}-[0-9a-z]{4}");
        assertThat(a.compareTo(b)).isNegative();
    }

    @Test
    void theStateOfAMessageToThousandsOfRecipientsReadsBack() throws Exception {
        // A message to 3000 recipients (the listener's max.recipients raised for a list server) deferred for some
        // of them: its state was written but, over 64 KiB, read back as "unreadable" at the next start, so the
        // message was scanned and sent to every recipient again, and those refused earlier were never reported.
        Spool spool = new Spool(dir);
        List<String> rcpts = java.util.stream.IntStream.range(0, 3000)
                .mapToObj(i -> "recipient-number-" + i + "@example.org").toList();
        Envelope env = new Envelope("s@example.com", rcpts, null, null, false, Instant.parse("2026-11-25T11:40:00Z"),
                Direction.INBOUND, null);
        spool.write("big-1", "big-1", env, null, "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        Map<String, String> state = Map.of("pending", String.join("\n", rcpts), "attempts", "1");
        spool.writeState("big-1", state);

        assertThat(new Spool(dir).readState("big-1")).contains(state);
    }
}
