package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;

/**
 * One entry of the gateway's message log ({@code GET /messages}). {@code action} is empty and {@code verdict}
 * {@code null} while the message has not been judged; instants may be {@code null}.
 */
public record LogItem(String id, String messageId, String subject, String action, double score, String status,
        String statusDetail, long size, Instant receivedAt, Instant updatedAt, Envelope envelope,
        List<String> receivedChain, Verdict verdict) {

    public LogItem {
        receivedChain = List.copyOf(receivedChain);
    }
}
