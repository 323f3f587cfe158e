package org.streamail.core.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corrupt/} used to grow at every start that found a torn or bad file, forever. It is pruned when the
 * spool opens: by age (default 30 days since the move) and by count (default 1000 files, the oldest go first).
 */
class SpoolCorruptPruneTest {

    @TempDir
    Path dir;

    private static Set<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private Path corrupt(String name, Instant movedAt) throws IOException {
        Path p = dir.resolve("corrupt").resolve(name + "." + movedAt.toEpochMilli());
        Files.write(p, "torn".getBytes(StandardCharsets.US_ASCII));
        return p;
    }

    @Test
    void filesMovedToCorruptLongerAgoThanThirtyDaysAreDeletedAtStart() throws Exception {
        new Spool(dir);
        Instant now = Instant.now();
        Path old = corrupt("a.msg", now.minus(Duration.ofDays(31)));
        Path older = corrupt("b.state", now.minus(Duration.ofDays(400)));
        Path young = corrupt("c.msg", now.minus(Duration.ofDays(29)));
        // a file without our time suffix is aged by its modification time
        Path foreignOld = dir.resolve("corrupt").resolve("copied-here-by-hand");
        Files.write(foreignOld, new byte[] {1});
        Files.setLastModifiedTime(foreignOld, FileTime.from(now.minus(Duration.ofDays(60))));
        Path foreignYoung = dir.resolve("corrupt").resolve("note.txt");
        Files.write(foreignYoung, new byte[] {1});

        new Spool(dir);

        assertThat(names(dir.resolve("corrupt"))).containsExactlyInAnyOrder(young.getFileName().toString(),
                "note.txt");
        assertThat(old).doesNotExist();
        assertThat(older).doesNotExist();
    }

    @Test
    void beyondAThousandFilesTheOldestAreDeleted() throws Exception {
        new Spool(dir);
        Instant now = Instant.now();
        for (int i = 0; i < 1005; i++) {
            corrupt("k" + i + ".msg", now.minus(Duration.ofMinutes(2000 - i))); // k0 oldest
        }
        // the torn write found at this start is moved there too, and is the newest
        Files.write(dir.resolve("tmp/new.1.tmp"), "STREAMAIL-SPOOL/1\n".getBytes(StandardCharsets.US_ASCII));

        new Spool(dir);

        Set<String> left = names(dir.resolve("corrupt"));
        assertThat(left).hasSize(1000);
        assertThat(left).anyMatch(n -> n.startsWith("new.1.tmp."));
        for (int i = 0; i < 6; i++) {
            String gone = "k" + i + ".msg.";
            assertThat(left).noneMatch(n -> n.startsWith(gone));
        }
        assertThat(left).anyMatch(n -> n.startsWith("k6.msg."));
    }
}
