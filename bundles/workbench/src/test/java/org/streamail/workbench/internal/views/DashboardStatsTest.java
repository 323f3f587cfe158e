package org.streamail.workbench.internal.views;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.workbench.client.Envelope;
import org.streamail.workbench.client.LogItem;
import org.streamail.workbench.client.Verdict;

class DashboardStatsTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:30:00Z");

    private static LogItem item(String action, String sender, List<String> rcpts, Instant at, String... cats) {
        return new LogItem("id", "", "", action, 0, "", "", 1, at, at,
                new Envelope(sender, rcpts, "", "", false, at, "INBOUND", ""), List.of(),
                new Verdict(action, 0, List.of(cats), List.of(), ""));
    }

    @Test
    void messagesAreCountedPerHourAndActionAndOldOnesAreLeftOut() {
        List<LogItem> log = List.of(
                item("DELIVER", "a@x", List.of("u@acme"), NOW.minusSeconds(60)),
                item("REJECT", "b@x", List.of("u@acme"), NOW.minusSeconds(120), "MALWARE"),
                item("QUARANTINE", "b@x", List.of("v@acme", "u@acme"), NOW.minus(Duration.ofHours(3)), "PHISHING"),
                item("DELIVER", "old@x", List.of("u@acme"), NOW.minus(Duration.ofDays(2))));
        DashboardStats s = DashboardStats.compute(log, NOW, Duration.ofHours(24), Duration.ofHours(1));
        assertThat(s.bucketStarts()).hasSize(24);
        assertThat(s.bucketStarts().get(23)).isEqualTo(Instant.parse("2026-11-25T12:00:00Z"));
        assertThat(s.total()).isEqualTo(3);
        assertThat(s.actionCounts()[23]).containsExactly(1, 0, 0, 1);
        assertThat(s.actionCounts()[20]).containsExactly(0, 0, 1, 0);
        assertThat(s.actionTotals()).containsExactly(1, 0, 1, 1);
        assertThat(s.categoryCounts()).containsExactly(java.util.Map.entry("MALWARE", 1),
                java.util.Map.entry("PHISHING", 1));
        assertThat(s.topSenders().keySet()).containsExactly("b@x", "a@x");
        assertThat(s.topRecipients()).containsEntry("u@acme", 3).containsEntry("v@acme", 1);
    }

    @Test
    void onlyTheTopEightSendersAreKept() {
        List<LogItem> log = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j <= i; j++) {
                log.add(item("DELIVER", "s" + i + "@x", List.of("u@acme"), NOW.minusSeconds(10)));
            }
        }
        DashboardStats s = DashboardStats.compute(log, NOW, Duration.ofDays(7), Duration.ofDays(1));
        assertThat(s.topSenders()).hasSize(DashboardStats.TOP);
        assertThat(s.topSenders().keySet().iterator().next()).isEqualTo("s19@x");
    }
}
