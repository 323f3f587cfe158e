package org.streamail.api.service;

import org.osgi.annotation.versioning.ProviderType;
import org.streamail.api.model.Envelope;

/**
 * Runs the full pipeline (parse, every detector, policy) on a message without spooling, storing or
 * delivering it. Used by {@code POST /scan}, {@code streamail:scan} and the bench. Thread-safe.
 */
@ProviderType
public interface Scanner {

    /**
     * Scans a raw RFC 822 message. Never throws for bad content: a message that cannot be parsed gets a
     * MALFORMED verdict.
     *
     * @param envelope the envelope to judge it with (sender, recipients, client IP)
     * @param raw      the raw bytes
     */
    ScanResult scan(Envelope envelope, byte[] raw);
}
