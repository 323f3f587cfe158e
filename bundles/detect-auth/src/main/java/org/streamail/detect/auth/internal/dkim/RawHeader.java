package org.streamail.detect.auth.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The top-level header section of a raw message, read without any MIME parser so that every field keeps its bytes
 * (folding included) for "simple" canonicalisation. Lines end at CRLF or at a bare LF; a line starting with SP or
 * HTAB continues the field above; the first empty line ends the section and the body starts after it. A line that
 * is neither a continuation nor has a colon becomes a field with the empty name (it matches no h= entry).
 *
 * <p>Bounded: at most {@value #MAX_FIELDS} fields and {@value #MAX_BYTES} bytes are read (a verifier's limits; the
 * signer reads as many fields as the core lets through, {@link #read(byte[], int, int)}); beyond either the header is
 * {@linkplain #truncated() truncated} and its body start unknown.
 */
final class RawHeader {

    static final int MAX_FIELDS = 1_000;
    static final int MAX_BYTES = 1 << 20;

    /** One field: {@code raw[start, end)}, without the line end of its last line; {@code name} lower case, trimmed. */
    record Field(int start, int end, int colon, String name) {
    }

    private final byte[] raw;
    private final List<Field> fields;
    private final int bodyStart;
    private final boolean truncated;

    private RawHeader(byte[] raw, List<Field> fields, int bodyStart, boolean truncated) {
        this.raw = raw;
        this.fields = fields;
        this.bodyStart = bodyStart;
        this.truncated = truncated;
    }

    static RawHeader read(byte[] raw) {
        return read(raw, MAX_FIELDS, MAX_BYTES);
    }

    /** The header of {@code raw}, read up to {@code maxFields} fields and {@code maxBytes} bytes. */
    static RawHeader read(byte[] raw, int maxFields, int maxBytes) {
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        int curStart = -1;
        int curEnd = -1;
        int curColon = -1;
        int bodyStart = raw.length;
        boolean truncated = false;
        while (pos < raw.length) {
            int lf = pos;
            int limit = (int) Math.min(raw.length, maxBytes + 1L);
            while (lf < limit && raw[lf] != '\n') {
                lf++;
            }
            if (lf >= limit && limit < raw.length) {
                truncated = true;
                break;
            }
            int contentEnd = lf > pos && raw[lf - 1] == '\r' ? lf - 1 : lf;
            int next = Math.min(lf + 1, raw.length);
            if (contentEnd == pos) {
                bodyStart = next;
                break;
            }
            byte first = raw[pos];
            if ((first == ' ' || first == '\t') && curStart >= 0) {
                curEnd = contentEnd;
            } else {
                if (curStart >= 0) {
                    fields.add(field(raw, curStart, curEnd, curColon));
                }
                if (fields.size() >= maxFields) {
                    truncated = true;
                    curStart = -1;
                    break;
                }
                curStart = pos;
                curEnd = contentEnd;
                curColon = indexOf(raw, (byte) ':', pos, contentEnd);
            }
            if (next > maxBytes) {
                truncated = true;
                break;
            }
            pos = next;
        }
        if (curStart >= 0) {
            fields.add(field(raw, curStart, curEnd, curColon));
        }
        return new RawHeader(raw, List.copyOf(fields), truncated ? -1 : bodyStart, truncated);
    }

    private static Field field(byte[] raw, int start, int end, int colon) {
        if (colon < 0) {
            return new Field(start, end, -1, "");
        }
        int e = colon;
        while (e > start && isWsp(raw[e - 1])) {
            e--;
        }
        String name = new String(raw, start, e - start, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return new Field(start, end, colon, name);
    }

    private static int indexOf(byte[] raw, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (raw[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }

    List<Field> fields() {
        return fields;
    }

    /** The fields by lower-case name, each list top to bottom (for h= selection, which picks from the bottom up). */
    Map<String, List<Field>> byName() {
        Map<String, List<Field>> m = new HashMap<>();
        for (Field f : fields) {
            m.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f);
        }
        return m;
    }

    /** Where the body starts (the message length when there is none), -1 when {@link #truncated()}. */
    int bodyStart() {
        return bodyStart;
    }

    boolean truncated() {
        return truncated;
    }

    byte[] raw() {
        return raw;
    }

    /** The field's value (after the colon), one byte per char, folding kept. */
    String value(Field f) {
        int from = f.colon() < 0 ? f.start() : f.colon() + 1;
        return new String(raw, from, f.end() - from, StandardCharsets.ISO_8859_1);
    }

    // --- header canonicalisation (RFC 6376 3.4.1, 3.4.2) ---

    /** "simple": the bytes unchanged except that a bare LF in the folding becomes CRLF. */
    static void simple(byte[] b, int from, int to, ByteArrayOutputStream out) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n' && (i == from || b[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(b[i]);
        }
    }

    /** "relaxed": lower-case name, no WSP around the colon, unfolded, WSP runs as one SP, value trimmed. */
    static void relaxed(byte[] b, int from, int to, int colon, ByteArrayOutputStream out) {
        int nameEnd = colon;
        while (nameEnd > from && isWsp(b[nameEnd - 1])) {
            nameEnd--;
        }
        for (int i = from; i < nameEnd; i++) {
            int c = b[i] & 0xff;
            out.write(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        out.write(':');
        boolean pendingSpace = false;
        boolean started = false;
        for (int i = colon + 1; i < to; i++) {
            byte c = b[i];
            if (c == '\n' || (c == '\r' && i + 1 < to && b[i + 1] == '\n')) {
                continue;
            }
            if (isWsp(c)) {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace) {
                out.write(' ');
                pendingSpace = false;
            }
            out.write(c);
            started = true;
        }
    }
}
