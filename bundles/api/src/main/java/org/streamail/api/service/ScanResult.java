package org.streamail.api.service;

import java.time.Duration;
import java.util.Objects;
import org.streamail.api.model.Verdict;

/**
 * The result of a scan.
 *
 * @param id        the id the scan ran under
 * @param messageId the Message-ID header, or {@code ""}
 * @param subject   the decoded Subject, or {@code ""}
 * @param verdict   the verdict
 * @param elapsed   wall time of parse + detectors + policy
 */
public record ScanResult(String id, String messageId, String subject, Verdict verdict, Duration elapsed) {
    public ScanResult {
        Objects.requireNonNull(id, "id");
        messageId = messageId == null ? "" : messageId;
        subject = subject == null ? "" : subject;
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(elapsed, "elapsed");
    }
}
