package org.streamail.rest.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.streamail.api.service.StatusReport;

/**
 * The exposition is valid Prometheus text: every sample line is {@code name{labels} value}, its metric declared by
 * one {@code # HELP} and one {@code # TYPE} line before its first sample, names unique, label values escaped; every
 * counter the core reports appears exactly once, known or not.
 */
class MetricsTextTest {

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*="
                    + "\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*)\\})? (-?[0-9]+(?:\\.[0-9]+)?)");

    @Test
    void everyCounterOnceAndTheTextIsWellFormed() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("received", 12L);
        counters.put("tempfail", 1L);
        counters.put("late", 0L);
        counters.put("DELIVER", 9L);
        counters.put("TAG", 1L);
        counters.put("QUARANTINE", 1L);
        counters.put("REJECT", 1L);
        counters.put("delivered", 8L);
        counters.put("deferred", 3L);
        counters.put("failed", 0L);
        counters.put("some-new \"count\"\\\n", 5L);
        StatusReport r = new StatusReport(false, "mandatory detector missing: clamav", List.of("spam", "content"),
                List.of("content", "clamav"), 4, 2, counters, Instant.parse("2026-12-07T10:00:00Z"),
                List.of("org.streamail.spam: bad value"));
        String text = MetricsText.of(r);

        Set<String> declaredHelp = new HashSet<>();
        Set<String> declaredType = new HashSet<>();
        Set<String> seriesSeen = new HashSet<>();
        List<String> samples = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                assertThat(declaredHelp.add(line.split(" ")[2])).as("one HELP per metric: %s", line).isTrue();
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertThat(p[3]).isIn("gauge", "counter");
                assertThat(p[2].endsWith("_total")).isEqualTo(p[3].equals("counter"));
                assertThat(declaredType.add(p[2])).as("one TYPE per metric: %s", line).isTrue();
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            assertThat(declaredHelp).contains(m.group(1));
            assertThat(declaredType).contains(m.group(1));
            assertThat(seriesSeen.add(m.group(1) + m.group(2))).as("one sample per series: %s", line).isTrue();
            samples.add(line);
        }
        assertThat(text).endsWith("\n");
        assertThat(samples).contains("streamail_ready 0", "streamail_spooled_messages 4", "streamail_deferred_messages 2",
                "streamail_problems 1", "streamail_received_messages_total 12", "streamail_tempfailed_messages_total 1",
                "streamail_late_verdicts_total 0", "streamail_verdicts_total{action=\"deliver\"} 9",
                "streamail_verdicts_total{action=\"reject\"} 1", "streamail_delivery_total{result=\"deferred\"} 3",
                "streamail_detector_bound{detector=\"clamav\",mandatory=\"true\"} 0",
                "streamail_detector_bound{detector=\"content\",mandatory=\"true\"} 1",
                "streamail_detector_bound{detector=\"spam\",mandatory=\"false\"} 1",
                "streamail_start_time_seconds 1796637600",
                "streamail_events_total{event=\"some-new \\\"count\\\"\\\\\\n\"} 5");
        // every counter exactly once: 11 counters, 4 gauges, 3 detectors, the start time
        assertThat(samples).hasSize(11 + 4 + 3 + 1);
    }

    @Test
    void aReportWithoutCountersOrStartStillDeclaresTheGauges() {
        String text = MetricsText.of(new StatusReport(true, "", List.of(), List.of(), 0, 0, Map.of(), null));
        assertThat(text).contains("streamail_ready 1\n").doesNotContain("_total").doesNotContain("start_time");
    }

    @Test
    void labelValuesAreEscapedAsTheFormatAsks() {
        assertThat(MetricsText.label("a\\b\"c\nd")).isEqualTo("a\\\\b\\\"c\\nd");
        assertThat(MetricsText.label("plain")).isEqualTo("plain");
    }
}
