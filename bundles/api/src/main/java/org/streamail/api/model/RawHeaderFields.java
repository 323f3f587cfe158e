package org.streamail.api.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where header fields of a raw message start as the most generous common reader sees them, for code that must
 * make sure no reader finds a field afterwards (the core renaming the {@code X-Streamail-*} fields a message from
 * outside brought, the retention stamper neutralising a signature it cannot parse around): a field starts at the
 * beginning of the message or just after a CR or LF (so also after a bare CR, where Jakarta Mail and some IMAP
 * servers break a line), its name in any case, followed by optional blanks and a colon (the obsolete
 * {@code Name : value} form). Only the top-level header section is read. Linear in its size; stateless.
 */
public final class RawHeaderFields {

    private RawHeaderFields() {
    }

    /**
     * Where the header section ends for the most generous reader: the start of the first empty line ({@code LF} or
     * {@code CRLF}), or the end of the message. Readers that also break lines at a bare CR end no later.
     */
    public static int headerEnd(byte[] raw) {
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

    /**
     * The offsets of the fields named {@code name} (ASCII, any case), in order; with {@code prefix} true, of the
     * fields whose name starts with it ({@code "X-Streamail-"}). The name itself starts at each offset.
     */
    public static List<Integer> starts(byte[] raw, String name, boolean prefix) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int end = headerEnd(raw);
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p + n.length <= end; p++) {
            if ((p == 0 || raw[p - 1] == '\n' || raw[p - 1] == '\r') && fieldAt(raw, p, n, prefix, end)) {
                out.add(p);
                p += n.length - 1;
            }
        }
        return out;
    }

    private static boolean fieldAt(byte[] raw, int p, byte[] n, boolean prefix, int end) {
        for (int i = 0; i < n.length; i++) {
            if (Character.toLowerCase((char) (raw[p + i] & 0xff)) != Character.toLowerCase((char) n[i])) {
                return false;
            }
        }
        int q = p + n.length;
        if (prefix) {
            while (q < end && raw[q] > ' ' && raw[q] < 127 && raw[q] != ':') {
                q++; // the rest of the field name
            }
        }
        while (q < end && (raw[q] == ' ' || raw[q] == '\t')) {
            q++;
        }
        return q < end && raw[q] == ':';
    }
}
