package org.streamail.api.spam;

import java.util.Objects;

/**
 * What a report did.
 *
 * @param reference     the reference id of the message's fingerprint (also in the 550 reply text of a
 *                      blocked copy); never {@code null}
 * @param kind          what was reported
 * @param counted       {@code false} when this reporter had already reported this message the same way
 *                      (reports are idempotent per message fingerprint and reporter)
 * @param spamReporters distinct reporters who said SPAM, after this report
 * @param hamReporters  distinct reporters who said HAM, after this report
 * @param blocking      whether the fingerprint now refuses matching mail on every node
 */
public record ReportResult(String reference, ReportKind kind, boolean counted, int spamReporters, int hamReporters,
        boolean blocking) {

    public ReportResult {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(kind, "kind");
    }
}
