package org.streamail.workbench.client;

/**
 * What a spam / not-spam report did ({@code POST /reports/spam|ham}): the fingerprint's reference (also in
 * the 550 reply of a blocked copy), whether this report counted (a repeated report by the same user does
 * not), the distinct reporters each way, and whether matching mail is now refused.
 */
public record ReportResult(String reference, String kind, boolean counted, int spamReporters, int hamReporters,
        boolean blocking) {
}
