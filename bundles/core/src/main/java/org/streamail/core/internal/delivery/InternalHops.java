package org.streamail.core.internal.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Copies a message while leaving out, from its top-level header, the fields that show the organisation's
 * inside: every {@code Received} line (the internal mail server's and the workstation's hops, with their
 * names and private addresses) and the client-address fields some servers and webmail add. The body and
 * every other field go out byte for byte. This is what an outbound gateway does (Proxmox's
 * {@code hide_received}); the gateway's own {@code Received} line, written before this, names no internal
 * host.
 *
 * <p>Bounded: the header is read up to {@link #MAX_HEADER_BYTES}. A message whose header is longer (or has no
 * end) is copied unchanged, since cutting it blind could break it, and {@link #copy} says so by returning
 * {@code false}. Stateless, thread-safe.
 */
final class InternalHops {

    /** The header fields left out, lower case. */
    static final Set<String> HIDDEN = Set.of("received", "x-originating-ip", "x-forwarded-for", "x-client-ip",
            "x-real-ip", "x-sender-ip", "x-ms-exchange-organization-originalclientipaddress");
    /** The longest header read; RFC 5322 headers are far smaller in practice. */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private InternalHops() {
    }

    /**
     * Copies {@code in} to {@code out} without the hidden header fields.
     *
     * @return {@code true} when the header was scrubbed, {@code false} when it was too long and went out as is
     */
    static boolean copy(InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(8192);
        boolean ended = false;
        // Read up to the blank line that ends the header (CRLF CRLF, or LF LF from a sloppy writer).
        int prev1 = '\n';
        int prev2 = '\n';
        int b = 0;
        while (header.size() < MAX_HEADER_BYTES && (b = in.read()) >= 0) {
            header.write(b);
            if (b == '\n' && (prev1 == '\n' || prev1 == '\r' && prev2 == '\n')) {
                ended = true;
                break;
            }
            prev2 = prev1;
            prev1 = b;
        }
        byte[] head = header.toByteArray();
        if (!ended && b >= 0) {
            // No end of header within the bound: copied as it is rather than cut blind.
            out.write(head);
            in.transferTo(out);
            return false;
        }
        // The header ended, or the message did (a message that is all header is scrubbed too).
        writeKept(head, out);
        in.transferTo(out);
        return true;
    }

    /** Writes the header fields that are not hidden; a field is its first line and its folded continuations. */
    private static void writeKept(byte[] head, OutputStream out) throws IOException {
        int i = 0;
        boolean keep = true;
        while (i < head.length) {
            int end = i;
            while (end < head.length && head[end] != '\n') {
                end++;
            }
            end = Math.min(end + 1, head.length); // include the LF
            boolean continuation = head[i] == ' ' || head[i] == '\t';
            boolean blank = end - i <= 2 && (head[i] == '\r' || head[i] == '\n');
            if (blank) {
                keep = true;
            } else if (!continuation) {
                keep = !HIDDEN.contains(name(head, i, end));
            }
            if (keep) {
                out.write(head, i, end - i);
            }
            i = end;
        }
    }

    private static String name(byte[] head, int from, int to) {
        int colon = from;
        while (colon < to && head[colon] != ':') {
            colon++;
        }
        return new String(head, from, colon - from, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
    }
}
