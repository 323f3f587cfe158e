package org.streamail.workbench.internal.views;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.streamail.workbench.client.LogItem;

/**
 * Dashboard figures computed from the message log: counts per action per time bucket, counts per category,
 * top senders and top recipients. The gateway has no aggregate endpoint yet, so this works on the newest log
 * entries the API returns (at most 1000). Pure and immutable.
 *
 * @param bucketStarts   the start of each bucket, oldest first
 * @param actionCounts   per bucket, the count for each of {@link #ACTIONS}
 * @param categoryCounts messages per category, over the whole window, largest first
 * @param topSenders     up to {@link #TOP} senders with their message counts, largest first
 * @param topRecipients  up to {@link #TOP} recipients with their counts, largest first
 * @param total          messages inside the window
 */
record DashboardStats(List<Instant> bucketStarts, int[][] actionCounts, Map<String, Integer> categoryCounts,
        Map<String, Integer> topSenders, Map<String, Integer> topRecipients, int total) {

    static final List<String> ACTIONS = List.of("DELIVER", "TAG", "QUARANTINE", "REJECT");
    static final int TOP = 8;
    static final int MAX_BUCKETS = 200;

    static DashboardStats compute(List<LogItem> log, Instant now, Duration window, Duration bucket) {
        long buckets = window.toMillis() / bucket.toMillis();
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException("window/bucket must give 1.." + MAX_BUCKETS + " buckets");
        }
        int n = (int) buckets;
        // align the last bucket's end to the next bucket boundary after now, so labels are round hours/days
        long b = bucket.toMillis();
        long end = (now.toEpochMilli() / b + 1) * b;
        long start = end - n * b;
        List<Instant> starts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            starts.add(Instant.ofEpochMilli(start + i * b));
        }
        int[][] counts = new int[n][ACTIONS.size()];
        Map<String, Integer> categories = new TreeMap<>();
        Map<String, Integer> senders = new TreeMap<>();
        Map<String, Integer> recipients = new TreeMap<>();
        int total = 0;
        for (LogItem m : log) {
            if (m.receivedAt() == null) {
                continue;
            }
            long t = m.receivedAt().toEpochMilli();
            if (t < start || t >= end) {
                continue;
            }
            total++;
            int i = (int) ((t - start) / b);
            int a = ACTIONS.indexOf(m.action().toUpperCase(Locale.ROOT));
            if (a >= 0) {
                counts[i][a]++;
            }
            if (m.verdict() != null) {
                for (String c : m.verdict().categories()) {
                    categories.merge(c, 1, Integer::sum);
                }
            }
            String s = m.envelope().sender().isEmpty() ? "<>" : m.envelope().sender().toLowerCase(Locale.ROOT);
            senders.merge(s, 1, Integer::sum);
            for (String r : m.envelope().recipients()) {
                recipients.merge(r.toLowerCase(Locale.ROOT), 1, Integer::sum);
            }
        }
        return new DashboardStats(List.copyOf(starts), counts, top(categories, Integer.MAX_VALUE),
                top(senders, TOP), top(recipients, TOP), total);
    }

    /** Largest first; ties by name, so the order is stable. */
    private static Map<String, Integer> top(Map<String, Integer> counts, int limit) {
        Map<String, Integer> out = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The total per action over the window. */
    int[] actionTotals() {
        int[] t = new int[ACTIONS.size()];
        for (int[] row : actionCounts) {
            for (int i = 0; i < t.length; i++) {
                t[i] += row[i];
            }
        }
        return t;
    }
}
