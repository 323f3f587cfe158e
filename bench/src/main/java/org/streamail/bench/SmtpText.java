package org.streamail.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Byte-level helpers for RFC 5321/5322 text: line endings, dot-stuffing, a header lookup. Stateless. */
final class SmtpText {

    private SmtpText() {
    }

    /**
     * Normalises every line ending (CRLF, bare LF, bare CR) to CRLF and makes the message end with one, so
     * files saved on Unix can be sent to a gateway that (rightly) refuses bare line endings.
     */
    static byte[] toCrlf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 32 + 2);
        for (int i = 0; i < in.length; i++) {
            byte c = in[i];
            if (c == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
            } else if (c == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(c);
            }
        }
        int n = out.size();
        byte[] b = out.toByteArray();
        if (n >= 2 && b[n - 2] == '\r' && b[n - 1] == '\n') {
            return b;
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * Dot-stuffs CRLF text for DATA (RFC 5321 4.5.2): a line that starts with "." gets another one. The
     * input must be CRLF-normalised and end with CRLF; the terminating "." line is not added.
     */
    static byte[] dotStuff(byte[] crlf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(crlf.length + 16);
        boolean lineStart = true;
        for (byte c : crlf) {
            if (lineStart && c == '.') {
                out.write('.');
            }
            out.write(c);
            lineStart = c == '\n';
        }
        return out.toByteArray();
    }

    /** Whether the header section (up to the first empty line) has a field of that name. */
    static boolean hasHeader(byte[] crlf, String name) {
        byte[] want = (name + ":").toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        int lineStart = 0;
        for (int i = 0; i <= crlf.length; i++) {
            if (i == crlf.length || crlf[i] == '\n') {
                int end = i > lineStart && crlf[i - 1] == '\r' ? i - 1 : i;
                if (end == lineStart) {
                    return false; // end of the header section
                }
                if (end - lineStart >= want.length) {
                    boolean match = true;
                    for (int k = 0; k < want.length && match; k++) {
                        int c = crlf[lineStart + k];
                        if (c >= 'A' && c <= 'Z') {
                            c += 'a' - 'A';
                        }
                        match = c == want[k];
                    }
                    if (match) {
                        return true;
                    }
                }
                lineStart = i + 1;
            }
        }
        return false;
    }
}
