package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Copies a message while leaving out, from its top-level header, the fields that show the organisation's
 * inside: every {@code Received} line (the internal mail server's and the workstation's hops, with their
 * names and private addresses), the client-address fields some servers and webmail add, Exchange's
 * organisation-internal fields, and any {@code X-Streamail-*} field. The body and every other field go out
 * byte for byte. This is what an outbound gateway does (Proxmox's {@code hide_received}); the gateway's own
 * {@code Received} line, written before this, names no internal host.
 *
 * <p>Streaming: the header is read line by line and each field is kept or dropped on its first line, so a
 * header of any length is scrubbed with one line of memory ({@link #DECISION_BYTES} bytes; the rest of a
 * longer line streams through). Nested messages ({@code message/rfc822} parts) are content and are not
 * touched. Stateless, thread-safe.
 */
final class InternalHops {

    /** The header fields left out, lower case. */
    static final Set<String> HIDDEN = Set.of("received", "x-originating-ip", "x-forwarded-for", "x-client-ip",
            "x-real-ip", "x-sender-ip");
    /** Field-name prefixes left out, lower case. */
    static final List<String> HIDDEN_PREFIXES = List.of("x-ms-exchange-organization-", "x-streamail-");
    /** The bytes of a line read before deciding; a field name is far shorter (RFC 5322: a line is at most 998). */
    static final int DECISION_BYTES = 1024;

    private InternalHops() {
    }

    /** Copies {@code in} to {@code out} without the hidden header fields. */
    static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] line = new byte[DECISION_BYTES];
        boolean keep = true;
        boolean first = true;
        while (true) {
            int n = 0;
            int b = 0;
            while (n < line.length && (b = in.read()) >= 0) {
                line[n++] = (byte) b;
                if (b == '\n') {
                    break;
                }
            }
            if (n == 0) {
                return; // end of a message that is all header
            }
            boolean complete = line[n - 1] == '\n';
            boolean blank = complete && (n == 1 || n == 2 && line[0] == '\r');
            if (blank) {
                out.write(line, 0, n); // the end of the header: the body goes out as it is
                in.transferTo(out);
                return;
            }
            if (line[0] == ' ' || line[0] == '\t') {
                if (first) {
                    keep = true; // a message starting with a folded line: nothing to attach it to
                }
            } else {
                keep = !hidden(name(line, n));
            }
            first = false;
            if (keep) {
                out.write(line, 0, n);
            }
            if (!complete && b >= 0) {
                // A line longer than the decision bytes: the rest of it follows the decision.
                while ((b = in.read()) >= 0) {
                    if (keep) {
                        out.write(b);
                    }
                    if (b == '\n') {
                        break;
                    }
                }
            }
            if (b < 0) {
                return;
            }
        }
    }

    static boolean hidden(String name) {
        if (HIDDEN.contains(name)) {
            return true;
        }
        for (String prefix : HIDDEN_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The lower-case field name of a line ({@code ""} without a colon in the bytes read: such a line is kept). */
    private static String name(byte[] line, int n) {
        for (int i = 0; i < n; i++) {
            if (line[i] == ':') {
                return new String(line, 0, i, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }
}
