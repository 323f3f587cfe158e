package org.streamail.core.internal.intake;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.streamail.api.model.RawHeaderFields;

/**
 * Renames the {@code X-Streamail-*} header fields a message from outside arrived with to {@code X-Untrusted-*}
 * (the same length, so no other byte moves), before anything in the gateway reads or stores the message.
 *
 * <p>The gateway's own fields are written by the gateway: the retention stamp ({@code X-Streamail-Retention-Sig},
 * which the mailbox sweeper honours), the disarm marker, the verdict. Each bundle that writes one also removes a
 * copy that arrived from outside, but only while it runs: with the retention component down, or its stamper
 * failing on a message (the core then delivers without it), a signature copied from a genuinely stamped mail with
 * its Message-ID (any outsider gets one on the organisation's outbound mail) reached the mailbox intact, and the
 * stranger's mail would delete itself on the date it chose (a phish that removes itself; audit, "fail-open
 * signature"). Renaming here, in the core that every message passes, closes that whatever bundles are running.
 *
 * <p>Only the top-level header section is read, and a field is renamed wherever any common reader could see one
 * ({@link RawHeaderFields}: also after a bare CR, also {@code Name : value}). Bodies and nested messages are left as
 * they are. Linear in the header's size; stateless.
 */
final class ForeignFields {

    static final String PREFIX = "X-Streamail-";
    /** What a foreign field's prefix becomes: as long as {@link #PREFIX}. */
    static final String RENAMED = "X-Untrusted-";

    private static final byte[] RENAMED_BYTES = RENAMED.getBytes(StandardCharsets.US_ASCII);

    private ForeignFields() {
    }

    /** {@code raw} with its foreign {@code X-Streamail-*} fields renamed, or {@code raw} itself when it has none. */
    static byte[] neutralise(byte[] raw) {
        List<Integer> at = RawHeaderFields.starts(raw, PREFIX, true);
        if (at.isEmpty()) {
            return raw;
        }
        byte[] out = raw.clone();
        for (int p : at) {
            System.arraycopy(RENAMED_BYTES, 0, out, p, RENAMED_BYTES.length);
        }
        return out;
    }
}
