package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetentionPeriodsTest {

    static final Instant T = Instant.parse("2026-01-31T10:00:00Z");

    @Test
    void isoDurationsAndPeriodsAddToTheStart() {
        assertThat(RetentionPeriods.parse("P14D").orElseThrow().after(T)).isEqualTo(Instant.parse("2026-02-14T10:00:00Z"));
        assertThat(RetentionPeriods.parse("PT12H").orElseThrow().after(T)).isEqualTo(Instant.parse("2026-01-31T22:00:00Z"));
        assertThat(RetentionPeriods.parse("p2w").orElseThrow().after(T)).isEqualTo(Instant.parse("2026-02-14T10:00:00Z"));
        assertThat(RetentionPeriods.parse("P1M").orElseThrow().after(T)).isEqualTo(Instant.parse("2026-02-28T10:00:00Z"));
        assertThat(RetentionPeriods.parse("P1DT1H30M").orElseThrow().after(T)).isEqualTo(Instant.parse("2026-02-01T11:30:00Z"));
    }

    @Test
    void negativeZeroAndMalformedPeriodsAreNoPeriod() {
        assertThat(RetentionPeriods.parse("-P14D")).isEmpty();
        assertThat(RetentionPeriods.parse("P-14D")).isEmpty();
        assertThat(RetentionPeriods.parse("PT-1H")).isEmpty();
        assertThat(RetentionPeriods.parse("P0D")).isEmpty();
        assertThat(RetentionPeriods.parse("P")).isEmpty();
        assertThat(RetentionPeriods.parse("PT")).isEmpty();
        assertThat(RetentionPeriods.parse("14 days")).isEmpty();
        assertThat(RetentionPeriods.parse("P1D2Y")).isEmpty();
        assertThat(RetentionPeriods.parse("P" + "9".repeat(70) + "D")).isEmpty();
        assertThat(RetentionPeriods.parse(null)).isEmpty();
    }

    @Test
    void absurdlyLongPeriodsStopAtTheCeilingInsteadOfOverflowing() {
        assertThat(RetentionPeriods.parse("P999999999Y").orElseThrow().after(T)).isEqualTo(T.plus(RetentionPeriods.CEILING));
        assertThat(RetentionPeriods.parse("PT999999999999H").orElseThrow().after(T)).isEqualTo(T.plus(RetentionPeriods.CEILING));
        assertThat(RetentionPeriods.parse("PT999999999H").orElseThrow().after(T)).isEqualTo(T.plus(RetentionPeriods.CEILING));
    }

    @Test
    void configDurationsNameThePropertyWhenMalformed() {
        assertThat(RetentionPeriods.configDuration("min.age", "P1D")).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> RetentionPeriods.configDuration("max.age", "ten years"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.age").hasMessageContaining("ten years");
    }

    /** Found by RetentionFuzzTest: the comma form parsed, but its text could not be signed as a term. */
    @Test
    void aDecimalCommaReadsAsAFullStopAndTheTextIsASignableTerm() {
        RetentionPeriods.RetentionPeriod p = RetentionPeriods.parse("pt1,5s").orElseThrow();
        assertThat(p.text()).isEqualTo("PT1.5S");
        assertThat(p.timePart()).isEqualTo(Duration.ofMillis(1500));
        assertThat(Signer.validTerm(p.text())).isTrue();
    }
}
