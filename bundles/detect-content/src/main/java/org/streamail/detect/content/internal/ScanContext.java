package org.streamail.detect.content.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.streamail.api.model.Finding;

/**
 * The state of one message's scan: findings so far and the budgets (entries, expanded bytes, time) shared
 * by every part of the message. Confined to the one thread scanning that message; never shared.
 */
final class ScanContext {
    static final String DETECTOR = "content";

    private final Settings settings;
    private final long deadlineNanos;
    private List<Finding> findings = new ArrayList<>();
    private Set<String> seen = new HashSet<>();
    private int suppressed;
    private int entries;
    private long expandedBytes;

    ScanContext(Settings settings, long deadlineNanos) {
        this.settings = settings;
        this.deadlineNanos = deadlineNanos;
    }

    /** A context whose deadline is {@code millis} from now. */
    static ScanContext withBudget(Settings settings, long millis) {
        return new ScanContext(settings, System.nanoTime() + millis * 1_000_000L);
    }

    /** Reports a finding once per rule and part; beyond {@code maxFindings} they are only counted. */
    void report(Rule rule, String part, String detail) {
        if (settings.disabled().contains(rule) || !seen.add(rule.id() + '\u0000' + part)) {
            return;
        }
        if (findings.size() >= settings.maxFindings()) {
            suppressed++;
            return;
        }
        findings.add(new Finding(DETECTOR, rule.id(), settings.score(rule), rule.category(),
                Texts.clip(detail, 300), Texts.clip(part, 300)));
    }

    /**
     * Runs {@code scan} with its findings set apart: they are returned, not reported. Budgets and deadline are the
     * message's; a limit reached inside still ends the whole scan. For rules that report a summary of a nested
     * scan (a base64 archive in a text) instead of its findings.
     */
    List<Finding> apart(Runnable scan) {
        List<Finding> outerFindings = findings;
        Set<String> outerSeen = seen;
        int outerSuppressed = suppressed;
        findings = new ArrayList<>();
        seen = new HashSet<>();
        try {
            scan.run();
            return findings;
        } finally {
            findings = outerFindings;
            seen = outerSeen;
            suppressed = outerSuppressed;
        }
    }

    boolean hasFinding(Rule rule) {
        for (Finding f : findings) {
            if (f.rule().equals(rule.id())) {
                return true;
            }
        }
        return false;
    }

    List<Finding> findings() {
        List<Finding> out = new ArrayList<>(findings);
        if (suppressed > 0) {
            out.add(new Finding(DETECTOR, "more-findings", 0, org.streamail.api.model.Category.INFO,
                    suppressed + " further findings not listed", ""));
        }
        return out;
    }

    Settings settings() {
        return settings;
    }

    boolean expired() {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    /** Throws {@link ScanStopped} when the time is up. */
    void checkTime(String part) {
        if (expired()) {
            throw new ScanStopped(Rule.SCAN_INCOMPLETE, part, "content scan stopped at its deadline");
        }
    }

    /** Counts one archive entry or embedded object; beyond the limit the scan ends as a bomb. */
    void countEntry(String part) {
        if (++entries > settings.maxEntries()) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, part,
                    "more than " + settings.maxEntries() + " archive entries in the message");
        }
        checkTime(part);
    }

    /** Counts expanded bytes; beyond the limit the scan ends as a bomb. */
    void countBytes(long n, String part) {
        expandedBytes += n;
        if (expandedBytes > settings.maxTotalBytes()) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, part,
                    "archives expand to more than " + settings.maxTotalBytes() + " bytes");
        }
    }

    /** Checks the depth of a nested part; too deep ends the scan as a bomb. */
    void checkDepth(int depth, String part) {
        if (depth > settings.maxDepth()) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, part, "archives nested deeper than " + settings.maxDepth());
        }
    }

    long expandedBytes() {
        return expandedBytes;
    }

    int entries() {
        return entries;
    }

    /** Ends the whole message's scan with a finding; thrown when a per-message limit is reached. */
    static final class ScanStopped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Rule rule;
        final String part;

        ScanStopped(Rule rule, String part, String detail) {
            super(detail, null, false, false);
            this.rule = rule;
            this.part = part;
        }
    }
}
