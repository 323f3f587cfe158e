package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetentionDatesTest {

    @Test
    void rfc5322DatesWithAndWithoutDayNameSecondsAndCommentsAreRead() {
        assertThat(RetentionDates.parse("Tue, 1 Dec 2026 09:30:15 +0100")).contains(Instant.parse("2026-12-01T08:30:15Z"));
        assertThat(RetentionDates.parse("1 Dec 2026 09:30 -0000")).contains(Instant.parse("2026-12-01T09:30:00Z"));
        assertThat(RetentionDates.parse("Tue, 01 Dec 2026 09:30:15 +0000 (UTC)")).contains(Instant.parse("2026-12-01T09:30:15Z"));
        assertThat(RetentionDates.parse("  Tue,  1   December 2026 09:30:15 GMT ")).contains(Instant.parse("2026-12-01T09:30:15Z"));
    }

    @Test
    void obsoleteFormsOfRfc5322SectionFourThreeAreRead() {
        assertThat(RetentionDates.parse("1 Dec 26 09:00:00 EST")).contains(Instant.parse("2026-12-01T14:00:00Z"));
        assertThat(RetentionDates.parse("1 Dec 99 09:00:00 +0000")).contains(Instant.parse("1999-12-01T09:00:00Z"));
        assertThat(RetentionDates.parse("1 Dec 126 09:00:00 +0000")).contains(Instant.parse("2026-12-01T09:00:00Z"));
        assertThat(RetentionDates.parse("1 Dec 2026 09:00:00 A")).contains(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @Test
    void isoInstantsAreReadToo() {
        assertThat(RetentionDates.parse("2026-12-01T09:00:00Z")).contains(Instant.parse("2026-12-01T09:00:00Z"));
        assertThat(RetentionDates.parse("2026-12-01 10:00:00+0100")).contains(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @Test
    void badDatesAreNoDateRatherThanAnError() {
        assertThat(RetentionDates.parse("31 Feb 2026 09:00:00 +0000")).isEmpty();
        assertThat(RetentionDates.parse("1 Foo 2026 09:00:00 +0000")).isEmpty();
        assertThat(RetentionDates.parse("1 Dec 2026 25:00:00 +0000")).isEmpty();
        assertThat(RetentionDates.parse("1 Dec 2026 09:00:00 +9999")).isEmpty();
        assertThat(RetentionDates.parse("1 Dec 2026 09:00:00 XYZ")).isEmpty();
        assertThat(RetentionDates.parse("tomorrow")).isEmpty();
        assertThat(RetentionDates.parse("")).isEmpty();
        assertThat(RetentionDates.parse(null)).isEmpty();
    }

    @Test
    void overlongInputIsRefusedUnread() {
        assertThat(RetentionDates.parse("1 Dec 2026 09:00:00 +0000" + " ".repeat(300))).isEmpty();
        assertThat(RetentionDates.parse("(".repeat(5000))).isEmpty();
    }

    @Test
    void formattedDatesParseBackToTheSameInstant() {
        Instant t = Instant.parse("2099-03-04T05:06:07Z");
        assertThat(RetentionDates.parse(RetentionDates.format(t))).contains(t);
    }
}
