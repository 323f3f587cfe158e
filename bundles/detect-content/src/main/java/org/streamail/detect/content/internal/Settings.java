package org.streamail.detect.content.internal;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The limits and scores of one configuration of the detector. Immutable and thread-safe; replaced as a
 * whole when the configuration changes.
 *
 * @param maxDepth       how deep archives and embedded objects are followed (the message's attachment is 0)
 * @param maxEntries     archive entries and embedded objects per message
 * @param maxTotalBytes  bytes expanded from archives/streams per message
 * @param maxRatio       expanded/compressed ratio of one entry beyond which it is a bomb
 * @param ratioMinBytes  an entry is judged by ratio only once it expanded past this many bytes
 * @param maxPartBuffer  largest nested part held in memory to inspect it fully
 * @param maxTextScan    characters of one text scanned for command lines and base64 blobs
 * @param maxTimeMillis  own time cap per message, on top of the pipeline's deadline
 * @param maxFindings    findings reported per message (the rest are counted in one summary finding)
 * @param scores         score per rule
 * @param disabled       rules never reported
 */
public record Settings(int maxDepth, int maxEntries, long maxTotalBytes, double maxRatio, long ratioMinBytes,
        int maxPartBuffer, int maxTextScan, long maxTimeMillis, int maxFindings, Map<Rule, Double> scores,
        Set<Rule> disabled) {

    public Settings {
        if (maxDepth < 0 || maxEntries < 1 || maxTotalBytes < 1 || maxRatio < 1 || ratioMinBytes < 0
                || maxPartBuffer < 1024 || maxTextScan < 1024 || maxTimeMillis < 1 || maxFindings < 1) {
            throw new IllegalArgumentException("content detector limits out of range");
        }
        EnumMap<Rule, Double> s = new EnumMap<>(Rule.class);
        for (Rule r : Rule.values()) {
            s.put(r, r.defaultScore());
        }
        if (scores != null) {
            s.putAll(scores);
        }
        scores = Map.copyOf(s);
        disabled = disabled == null || disabled.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(disabled));
    }

    /** The defaults documented in the README. */
    public static Settings defaults() {
        return new Settings(5, 10_000, 200L * 1024 * 1024, 100, 1024 * 1024, 32 * 1024 * 1024, 2 * 1024 * 1024,
                20_000, 200, null, null);
    }

    /** A copy with other limits for depth, entries, total bytes and ratio; scores and rules kept. */
    public Settings withLimits(int depth, int entries, long totalBytes, double ratio) {
        return new Settings(depth, entries, totalBytes, ratio, ratioMinBytes, maxPartBuffer, maxTextScan,
                maxTimeMillis, maxFindings, scores, disabled);
    }

    public double score(Rule rule) {
        return scores.get(rule);
    }

    /**
     * Parses {@code rule=score} overrides; unknown rules or bad numbers raise an
     * {@link IllegalArgumentException} naming the entry, so a typo in the configuration is not silently lost.
     */
    public static Map<Rule, Double> parseScores(String[] entries) {
        Map<Rule, Double> out = new EnumMap<>(Rule.class);
        for (String e : items(entries)) {
            int eq = e.indexOf('=');
            Rule r = eq < 0 ? null : Rule.byId(e.substring(0, eq).trim());
            if (r == null) {
                throw new IllegalArgumentException("rule.scores: unknown rule in '" + e + "'");
            }
            try {
                double v = Double.parseDouble(e.substring(eq + 1).trim());
                if (!Double.isFinite(v)) {
                    throw new NumberFormatException();
                }
                out.put(r, v);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("rule.scores: bad score in '" + e + "'");
            }
        }
        return out;
    }

    /** Parses rule names; unknown names raise an {@link IllegalArgumentException}. */
    public static Set<Rule> parseRules(String[] names) {
        Set<Rule> out = EnumSet.noneOf(Rule.class);
        for (String n : items(names)) {
            Rule r = Rule.byId(n);
            if (r == null) {
                throw new IllegalArgumentException("disabled.rules: unknown rule '" + n + "'");
            }
            out.add(r);
        }
        return out;
    }

    /**
     * The items of a list property, each trimmed, blanks dropped: an array's elements (a {@code .config} file, the
     * web console), each split at commas — a {@code .cfg} file has no arrays, so its one value is a comma list
     * ({@code rule.scores = html-script=2, type-mismatch=1}).
     */
    static java.util.List<String> items(String[] values) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (values != null) {
            for (String v : values) {
                if (v == null) {
                    continue;
                }
                for (String item : v.split(",")) {
                    if (!item.isBlank()) {
                        out.add(item.trim());
                    }
                }
            }
        }
        return out;
    }
}
