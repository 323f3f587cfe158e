package org.streamail.core.internal.intake;

import java.nio.charset.StandardCharsets;

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
 * <p>Only the top-level header section is read, and a field is renamed wherever any common reader could see one:
 * at the start of the section or just after a CR or LF (so also after a bare CR, where Jakarta Mail and some IMAP
 * servers break a line), the name in any case, followed by optional blanks and a colon (the obsolete
 * {@code Name : value} form). Bodies and nested messages are left as they are. Linear in the header's size;
 * stateless.
 */
final class ForeignFields {

    static final String PREFIX = "X-Streamail-";
    /** What a foreign field's prefix becomes: as long as {@link #PREFIX}. */
    static final String RENAMED = "X-Untrusted-";

    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RENAMED_BYTES = RENAMED.getBytes(StandardCharsets.US_ASCII);

    private ForeignFields() {
    }

    /** {@code raw} with its foreign {@code X-Streamail-*} fields renamed, or {@code raw} itself when it has none. */
    static byte[] neutralise(byte[] raw) {
        int end = headerEnd(raw);
        byte[] out = raw;
        for (int p = 0; p + PREFIX_BYTES.length < end; p++) {
            if ((p == 0 || raw[p - 1] == '\n' || raw[p - 1] == '\r') && fieldAt(raw, p, end)) {
                if (out == raw) {
                    out = raw.clone();
                }
                System.arraycopy(RENAMED_BYTES, 0, out, p, RENAMED_BYTES.length);
                p += PREFIX_BYTES.length - 1;
            }
        }
        return out;
    }

    /** Whether an {@code X-Streamail-<name>} field (optional blanks before its colon) starts at {@code p}. */
    private static boolean fieldAt(byte[] raw, int p, int end) {
        for (int i = 0; i < PREFIX_BYTES.length; i++) {
            if (Character.toLowerCase((char) (raw[p + i] & 0xff)) != Character.toLowerCase((char) PREFIX_BYTES[i])) {
                return false;
            }
        }
        int q = p + PREFIX_BYTES.length;
        while (q < end && raw[q] > ' ' && raw[q] < 127 && raw[q] != ':') {
            q++; // the rest of the field name
        }
        while (q < end && (raw[q] == ' ' || raw[q] == '\t')) {
            q++;
        }
        return q < end && raw[q] == ':';
    }

    /**
     * Where the header section ends: the start of its first empty line (LF, or CR LF), or the message's end when it
     * has none. A line that holds only a bare CR also ends it, as it does for readers that take CR for a line end.
     */
    static int headerEnd(byte[] raw) {
        int lineStart = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n') {
                int len = i - lineStart;
                if (len == 0 || (len == 1 && raw[lineStart] == '\r')) {
                    return lineStart;
                }
                lineStart = i + 1;
            }
        }
        return raw.length;
    }
}
