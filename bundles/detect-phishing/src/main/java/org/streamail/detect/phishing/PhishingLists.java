package org.streamail.detect.phishing;

import java.io.IOException;
import java.io.InputStream;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The phishing detector's administrator-managed lists, as an OSGi service registered by the detector
 * component (so it exists exactly while the detector does).
 *
 * <p>Threading: every method is thread-safe; imports are serialised internally. Imports are persisted to
 * {@code known-bad.list} in the rules folder (written to a temporary file, then atomically renamed) and
 * take effect for the next message scanned, without waiting for the reload poll.
 */
@ProviderType
public interface PhishingLists {

    /**
     * Merges a known-bad feed into {@code known-bad.list}. Accepted lines: a URL ({@code http(s)://...}),
     * a bare domain, or a CSV row whose first URL-looking field is taken (PhishTank / OpenPhish exports);
     * blank lines and {@code #} comments are skipped. Bad lines are reported, never fatal; nothing already
     * on the list is lost.
     *
     * @param in     the feed; read to the end (bounded: at most 1,000,000 lines of 4,096 characters), not
     *               closed
     * @param source a name for the log and the report (file name, feed name); never {@code null}
     * @return what was read, added and rejected
     * @throws IOException if the feed cannot be read or the list cannot be written; the list is unchanged
     */
    ImportReport importKnownBad(InputStream in, String source) throws IOException;

    /** Whether a URL or domain is on the known-bad list (subdomains of a listed domain count). */
    boolean isKnownBad(String urlOrDomain);

    /** Whether a URL or domain is on the allow-list, which overrides every rule. */
    boolean isAllowed(String urlOrDomain);

    /** Number of entries (domains + URLs) on the known-bad list now in force. */
    int knownBadCount();
}
