package org.streamail.workbench.internal.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void shortFormsAndIsoDurationsAreRead() {
        assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Durations.parse(" 4h ")).isEqualTo(Duration.ofHours(4));
        assertThat(Durations.parse("7D")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Durations.parse("PT4H")).isEqualTo(Duration.ofHours(4));
        assertThat(Durations.parse("p1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void wordsZeroNegativeAndMoreThanAYearAreRefusedWithAReason() {
        assertThatThrownBy(() -> Durations.parse("4 hours")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("Enter a duration");
        assertThatThrownBy(() -> Durations.parse("0h")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Durations.parse("PT-4H")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Durations.parse("400d")).hasMessageContaining("366 days");
        assertThatThrownBy(() -> Durations.parse("9".repeat(40))).hasMessageContaining("Enter a duration");
    }
}
