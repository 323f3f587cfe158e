package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.util.Base64;

/**
 * Content-Transfer-Encoding of rewritten parts (RFC 2045): base64 and quoted-printable both ways, and the
 * 998-byte line limit of 7bit/8bit. Decoding is tolerant the way mail readers are (a stray {@code =} is kept
 * literally in quoted-printable; base64 ignores every character outside its alphabet) and never fails.
 * Stateless.
 */
final class TransferCodec {

    static final int MAX_LINE_BYTES = 998;
    private static final int QP_LINE = 76;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private TransferCodec() {
    }

    /**
     * Transfer encodings that mail readers decode but that are not read here (uuencode, yEnc): a body in one of
     * them is left as written. Any other value besides base64 and quoted-printable (an unknown or empty one, a
     * misspelling such as {@code 7-bit}) is shown by readers as written, so it is read as written (identity).
     */
    static boolean isUnreadEncoding(String cte) {
        return switch (cte) {
            case "uuencode", "x-uuencode", "uue", "x-uue", "x-yencode", "yencode" -> true;
            default -> false;
        };
    }

    /**
     * Base64 decoded the way mail readers do it, never failing: every character outside the alphabet is
     * ignored (RFC 2045 6.8), {@code =} ends the current quantum (so padded pieces may follow one another), and
     * a final incomplete quantum gives the whole bytes it holds (one lone character gives none). A strict
     * decoder refused such bodies, and a refused body kept its links (audit).
     */
    static byte[] decodeBase64(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length * 3 / 4 + 3);
        int bits = 0;
        int n = 0; // characters in the current quantum
        for (byte b : body) {
            int v = base64Value(b);
            if (v >= 0) {
                bits = bits << 6 | v;
                if (++n == 4) {
                    out.write(bits >> 16);
                    out.write(bits >> 8);
                    out.write(bits);
                    bits = 0;
                    n = 0;
                }
            } else if (b == '=') {
                flush(out, bits, n);
                bits = 0;
                n = 0;
            }
        }
        flush(out, bits, n);
        return out.toByteArray();
    }

    /** The whole bytes of an incomplete quantum of {@code n} characters. */
    private static void flush(ByteArrayOutputStream out, int bits, int n) {
        if (n == 2) {
            out.write(bits >> 4);
        } else if (n == 3) {
            out.write(bits >> 10);
            out.write(bits >> 2);
        }
    }

    private static int base64Value(byte b) {
        if (b >= 'A' && b <= 'Z') {
            return b - 'A';
        }
        if (b >= 'a' && b <= 'z') {
            return b - 'a' + 26;
        }
        if (b >= '0' && b <= '9') {
            return b - '0' + 52;
        }
        return b == '+' ? 62 : b == '/' ? 63 : -1;
    }

    /** Base64 in lines of 76 characters separated by CRLF, without a final line break. */
    static byte[] encodeBase64(byte[] data) {
        return Base64.getMimeEncoder(QP_LINE, CRLF).encode(data);
    }

    /** Quoted-printable decoding; line breaks come out as CRLF (a bare LF as written). */
    static byte[] decodeQuotedPrintable(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        int pos = 0;
        while (pos < body.length) {
            int lineEnd = MimeTree.lineEnd(body, pos, body.length);
            int lineContentEnd = MimeTree.contentEnd(body, pos, lineEnd);
            int end = lineContentEnd;
            // Trailing whitespace was added in transport and must be deleted (RFC 2045 6.7 rule 3).
            while (end > pos && (body[end - 1] == ' ' || body[end - 1] == '\t')) {
                end--;
            }
            boolean soft = end > pos && body[end - 1] == '=';
            int contentEnd = soft ? end - 1 : end;
            for (int i = pos; i < contentEnd; i++) {
                byte b = body[i];
                if (b == '=' && hex(body, i + 1, contentEnd)) {
                    out.write(Character.digit(body[i + 1], 16) << 4 | Character.digit(body[i + 2], 16));
                    i += 2;
                } else {
                    out.write(b);
                }
            }
            if (!soft) {
                out.write(body, lineContentEnd, lineEnd - lineContentEnd); // the line break as written
            }
            pos = lineEnd;
        }
        return out.toByteArray();
    }

    private static boolean hex(byte[] b, int i, int limit) {
        return i + 1 < limit && Character.digit(b[i], 16) >= 0 && Character.digit(b[i + 1], 16) >= 0;
    }

    /**
     * Quoted-printable encoding of text: each line of {@code data} (CRLF or LF) becomes an encoded line ended
     * by CRLF, with soft breaks keeping lines at most 76 characters; no final line break is added unless the
     * data ends with one.
     */
    static byte[] encodeQuotedPrintable(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + data.length / 8 + 16);
        int pos = 0;
        while (pos < data.length) {
            int lineEnd = MimeTree.lineEnd(data, pos, data.length);
            int end = MimeTree.contentEnd(data, pos, lineEnd);
            int col = 0;
            for (int i = pos; i < end; i++) {
                int c = data[i] & 0xFF;
                boolean last = i == end - 1;
                boolean literal = c >= 33 && c <= 126 && c != '=' || (c == ' ' || c == '\t') && !last;
                int width = literal ? 1 : 3;
                // Leave room for the soft break '=' unless this is the line's last character.
                if (col + width > (last ? QP_LINE : QP_LINE - 1)) {
                    out.write('=');
                    out.writeBytes(CRLF);
                    col = 0;
                }
                if (literal) {
                    out.write(c);
                } else {
                    out.write('=');
                    out.write(HEX[c >> 4]);
                    out.write(HEX[c & 0xF]);
                }
                col += width;
            }
            if (lineEnd > end) {
                out.writeBytes(CRLF);
            }
            pos = lineEnd;
        }
        return out.toByteArray();
    }

    /** Whether some line of {@code data} is longer than {@value #MAX_LINE_BYTES} bytes. */
    static boolean hasLongLine(byte[] data) {
        int pos = 0;
        while (pos < data.length) {
            int lineEnd = MimeTree.lineEnd(data, pos, data.length);
            if (MimeTree.contentEnd(data, pos, lineEnd) - pos > MAX_LINE_BYTES) {
                return true;
            }
            pos = lineEnd;
        }
        return false;
    }
}
