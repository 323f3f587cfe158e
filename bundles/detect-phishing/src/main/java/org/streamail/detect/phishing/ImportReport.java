package org.streamail.detect.phishing;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link PhishingLists#importKnownBad}.
 *
 * @param source     the name given to the import
 * @param linesRead  lines read from the feed, comments and blanks included
 * @param added      entries new to the list
 * @param duplicates entries that were already listed (or repeated in the feed)
 * @param rejected   lines that were neither a URL nor a domain, as {@code "line N: reason: text"}; at most
 *                   100 are kept, {@link #rejectedCount()} counts them all
 * @param rejectedCount number of rejected lines
 */
public record ImportReport(String source, int linesRead, int added, int duplicates, List<String> rejected,
                           int rejectedCount) {
    public ImportReport {
        Objects.requireNonNull(source, "source");
        rejected = rejected == null ? List.of() : List.copyOf(rejected);
    }
}
