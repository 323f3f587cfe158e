package org.streamail.smtp.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Whether a message, by its top-level header, is a delivery report: the only kind of mail the outbound
 * listener takes with the null sender {@code <>}. A delivery report is a message with a top-level
 * {@code Content-Type: multipart/report} (RFC 6522: DSNs, MDNs) or an {@code Auto-Submitted:} header with a
 * value other than {@code no} (RFC 3834: automatic replies and notifications).
 *
 * <p>Hand-written on purpose and deliberately small: the bundle has no mail parser at run time (Jakarta Mail
 * is an optional import), and only two header fields are looked at. Reads at most {@value #MAX_HEADER_BYTES}
 * bytes (the header of a bounce is short; a header longer than that is judged by the fields read so far).
 * The message was checked by {@link DataReader} first, so lines end with CRLF. Stateless and thread-safe.
 */
final class DeliveryReports {

    /** Most header bytes read. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private DeliveryReports() {
    }

    /**
     * @param message the message from its first byte; read up to the end of its header or the bound, not closed
     * @return whether the header says it is a delivery report
     */
    static boolean isDeliveryReport(InputStream message) throws IOException {
        byte[] head = message.readNBytes(MAX_HEADER_BYTES);
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        boolean complete = end >= 0 || text.startsWith("\r\n") || head.length < MAX_HEADER_BYTES;
        String header = end >= 0 ? text.substring(0, end) : text.startsWith("\r\n") ? "" : text;
        if (!complete) {
            // Cut off by the bound: drop the partial last line.
            int lastBreak = header.lastIndexOf("\r\n");
            header = lastBreak < 0 ? "" : header.substring(0, lastBreak);
        }
        String contentType = null;
        boolean autoSubmitted = false;
        // Unfold (RFC 5322 2.2.3): CRLF followed by white space continues the field.
        for (String field : header.replaceAll("\r\n(?=[ \t])", "").split("\r\n")) {
            int colon = field.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = field.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = token(field.substring(colon + 1));
            if (name.equals("content-type") && contentType == null) {
                contentType = value; // the first one counts, as for a MIME parser
            } else if (name.equals("auto-submitted") && !value.isEmpty() && !value.equals("no")) {
                autoSubmitted = true;
            }
        }
        return autoSubmitted || "multipart/report".equals(contentType);
    }

    /** The value's first token: comments removed, up to the first {@code ;}, trimmed, lower-case. */
    private static String token(String value) {
        StringBuilder b = new StringBuilder(value.length());
        int depth = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                if (c == ';') {
                    break;
                }
                b.append(c);
            }
        }
        return b.toString().trim().toLowerCase(Locale.ROOT);
    }
}
