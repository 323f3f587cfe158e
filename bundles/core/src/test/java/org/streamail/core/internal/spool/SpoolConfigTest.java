package org.streamail.core.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code org.streamail.spool}: the corrupt/ limits are read strictly and applied. */
class SpoolConfigTest {

    @TempDir
    Path dir;

    private static SpoolConfig config(int days, int files) {
        return new SpoolConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SpoolConfig.class;
            }

            @Override
            public int corrupt_max_age_days() {
                return days;
            }

            @Override
            public int corrupt_max_files() {
                return files;
            }
        };
    }

    @Test
    void defaultsAreThirtyDaysAndAThousandFiles() {
        Spool.CorruptRetention r = Spool.CorruptRetention.of(config(30, 1000), Map.of());
        assertThat(r).isEqualTo(Spool.CorruptRetention.DEFAULT);
        assertThat(r.maxAge()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void valuesThatDoNotParseOrAreOutOfRangeNameTheProperty() {
        assertThatThrownBy(() -> Spool.CorruptRetention.of(config(30, 1000), Map.of("corrupt.max.files", "10x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt.max.files");
        assertThatThrownBy(() -> Spool.CorruptRetention.of(config(0, 1000), Map.of("corrupt.max.age.days", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt.max.age.days");
        assertThatThrownBy(() -> Spool.CorruptRetention.of(config(30, 0), Map.of("corrupt.max.files", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt.max.files");
        assertThatThrownBy(() -> Spool.CorruptRetention.of(config(3651, 10), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3650");
    }

    @Test
    void configuredLimitsAreApplied() throws Exception {
        new Spool(dir);
        Instant now = Instant.now();
        for (int i = 0; i < 5; i++) {
            Files.write(dir.resolve("corrupt").resolve("e" + i + ".msg." + now.minus(Duration.ofHours(10 - i)).toEpochMilli()),
                    "x".getBytes(StandardCharsets.US_ASCII));
        }
        Files.write(dir.resolve("corrupt").resolve("old.msg." + now.minus(Duration.ofDays(3)).toEpochMilli()),
                "x".getBytes(StandardCharsets.US_ASCII));
        Spool spool = new Spool(dir, ch -> ch.force(true), new Spool.CorruptRetention(Duration.ofDays(2), 3));
        assertThat(spool.root()).isEqualTo(dir.toAbsolutePath());
        try (var s = Files.list(dir.resolve("corrupt"))) {
            assertThat(s.map(p -> p.getFileName().toString().substring(0, 2)))
                    .containsExactlyInAnyOrder("e2", "e3", "e4");
        }
    }

    @Test
    void aChangeIsAppliedWithoutARestartAndAnInvalidOneIsRefused() throws Exception {
        Spool spool = new Spool(dir);
        Instant now = Instant.now();
        for (int i = 0; i < 4; i++) {
            Files.write(dir.resolve("corrupt").resolve("e" + i + ".msg." + now.minus(Duration.ofHours(10 - i)).toEpochMilli()),
                    "x".getBytes(StandardCharsets.US_ASCII));
        }
        spool.modified(config(30, 0), Map.of("corrupt.max.files", "0"));
        try (var s = Files.list(dir.resolve("corrupt"))) {
            assertThat(s.count()).isEqualTo(4);
        }
        spool.modified(config(30, 2), Map.of("corrupt.max.files", "2"));
        try (var s = Files.list(dir.resolve("corrupt"))) {
            assertThat(s.map(p -> p.getFileName().toString().substring(0, 2))).containsExactlyInAnyOrder("e2", "e3");
        }
    }

    @Test
    void anInvalidConfigurationAtStartKeepsTheSpoolRunningWithTheDefaults() throws Exception {
        String before = System.getProperty("karaf.data");
        System.setProperty("karaf.data", dir.toString());
        try {
            Spool spool = new Spool(config(30, 0), Map.of("corrupt.max.files", "0"));
            assertThat(spool.root()).isEqualTo(dir.resolve("streamail").resolve("spool").toAbsolutePath());
            assertThat(Files.isDirectory(spool.root().resolve("queue"))).isTrue();
        } finally {
            if (before == null) {
                System.clearProperty("karaf.data");
            } else {
                System.setProperty("karaf.data", before);
            }
        }
    }
}
