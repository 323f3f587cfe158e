package org.streamail.retention.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.streamail.api.model.RawHeaderFields;

/**
 * The header section of a raw RFC 5322 message, parsed just enough to read fields and to rewrite the
 * section while leaving every other byte as it was (the body, and the bytes of untouched fields, so DKIM
 * signatures over them stay valid). Bytes are kept as ISO-8859-1 characters, which maps every byte to
 * one char and back. Bounded: at most {@link #MAX_HEADER_BYTES} of header and {@link #MAX_FIELDS} fields,
 * else {@link MalformedMessageException}. Immutable.
 */
final class HeaderBlock {

    static final int MAX_HEADER_BYTES = 512 * 1024;
    static final int MAX_FIELDS = 2000;

    /** The message has no readable header section within the bounds. */
    static final class MalformedMessageException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String message) {
            super(message);
        }
    }

    /** One field: its name and its raw text including folded continuation lines and the line end. */
    record Field(String name, String raw) {

        /** The unfolded value without the name, trimmed. */
        String value() {
            int colon = raw.indexOf(':');
            return raw.substring(colon + 1).replaceAll("\r?\n[ \t]", " ").strip();
        }
    }

    private final List<Field> fields;
    private final byte[] raw;
    /** Offset of the first byte after the header section (the empty line included). */
    private final int bodyStart;
    private final String newline;

    private HeaderBlock(List<Field> fields, byte[] raw, int bodyStart, String newline) {
        this.fields = fields;
        this.raw = raw;
        this.bodyStart = bodyStart;
        this.newline = newline;
    }

    static HeaderBlock parse(byte[] raw) throws MalformedMessageException {
        int limit = Math.min(raw.length, MAX_HEADER_BYTES);
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        String newline = "\r\n";
        StringBuilder current = null;
        String currentName = null;
        while (true) {
            if (pos >= limit) {
                if (pos >= raw.length && raw.length <= MAX_HEADER_BYTES) {
                    break; // headers only, no body: allowed
                }
                throw new MalformedMessageException("header section longer than " + MAX_HEADER_BYTES + " bytes");
            }
            int eol = pos;
            while (eol < raw.length && raw[eol] != '\n') {
                eol++;
            }
            int next = Math.min(eol + 1, raw.length);
            String line = new String(raw, pos, next - pos, StandardCharsets.ISO_8859_1);
            if (pos == 0 && line.endsWith("\n") && !line.endsWith("\r\n")) {
                newline = "\n";
            }
            String content = line.endsWith("\r\n") ? line.substring(0, line.length() - 2)
                    : line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
            if (content.isEmpty()) {
                pos = next;
                break; // the empty line ends the header section
            }
            if (content.charAt(0) == ' ' || content.charAt(0) == '\t') {
                if (current == null) {
                    throw new MalformedMessageException("the message starts with a continuation line");
                }
                current.append(line);
            } else {
                if (current != null) {
                    fields.add(new Field(currentName, current.toString()));
                }
                int colon = content.indexOf(':');
                if (colon <= 0 || content.substring(0, colon).chars().anyMatch(c -> c <= 32 || c >= 127)) {
                    throw new MalformedMessageException("header line without a field name: "
                            + content.substring(0, Math.min(40, content.length())));
                }
                if (fields.size() >= MAX_FIELDS) {
                    throw new MalformedMessageException("more than " + MAX_FIELDS + " header fields");
                }
                currentName = content.substring(0, colon);
                current = new StringBuilder(line);
            }
            pos = next;
        }
        if (current != null) {
            fields.add(new Field(currentName, current.toString()));
        }
        if (fields.isEmpty()) {
            throw new MalformedMessageException("no header fields");
        }
        return new HeaderBlock(List.copyOf(fields), raw, pos, newline);
    }

    /** Unfolded values of every field with this name (case-insensitive), in order; never null. */
    List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                out.add(f.value());
            }
        }
        return out;
    }

    /** Where the header section ends for the most generous reader ({@link RawHeaderFields#headerEnd}). */
    static int headerEnd(byte[] raw) {
        return RawHeaderFields.headerEnd(raw);
    }

    /**
     * How many fields named {@code name} any common reader could see in the header section: the name at the
     * start of the section or just after a CR or LF (so also after a bare CR, where Jakarta Mail breaks a
     * line and this parser does not), followed by optional blanks and a colon (the obsolete
     * {@code Name : value} form that {@link #parse} refuses). Linear in the header size.
     */
    static int occurrences(byte[] raw, String name) {
        return positions(raw, name).size();
    }

    /**
     * The message with every field that {@link #occurrences} counts renamed to {@code replacement} (same
     * length, so nothing else moves), or {@code raw} itself when there is none. For a header section this
     * parser refuses, or one that hides a field from it, so that no reader finds that field afterwards.
     */
    static byte[] rename(byte[] raw, String name, String replacement) {
        if (replacement.length() != name.length()) {
            throw new IllegalArgumentException("the replacement must be as long as the name");
        }
        List<Integer> at = positions(raw, name);
        if (at.isEmpty()) {
            return raw;
        }
        byte[] out = raw.clone();
        byte[] r = replacement.getBytes(StandardCharsets.US_ASCII);
        for (int p : at) {
            System.arraycopy(r, 0, out, p, r.length);
        }
        return out;
    }

    private static List<Integer> positions(byte[] raw, String name) {
        return RawHeaderFields.starts(raw, name, false);
    }

    /** The line end the message uses (CRLF, or LF for messages stored with bare LF). */
    String newline() {
        return newline;
    }

    /**
     * The message with the named fields removed and {@code added} fields ({@code Name: value}, without line
     * end) put first; the rest is byte for byte the original.
     */
    byte[] rewrite(Collection<String> removeNames, List<String> added) {
        List<String> lower = removeNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 512);
        for (String a : added) {
            out.writeBytes((a + newline).getBytes(StandardCharsets.ISO_8859_1));
        }
        for (Field f : fields) {
            if (!lower.contains(f.name().toLowerCase(Locale.ROOT))) {
                String r = f.raw();
                out.writeBytes(r.getBytes(StandardCharsets.ISO_8859_1));
                if (!r.endsWith("\n")) {
                    out.writeBytes(newline.getBytes(StandardCharsets.ISO_8859_1)); // headers-only message
                }
            }
        }
        int separator = bodyStart <= raw.length && (bodyStart == 0 || raw[bodyStart - 1] == '\n') ? separator() : -1;
        if (separator >= 0) {
            // The empty line as it was (LF or CRLF, even where the first line used the other), then the body.
            out.write(raw, separator, raw.length - separator);
        }
        return out.toByteArray();
    }

    /**
     * Where the empty line that ends the header section starts: the last line before bodyStart, "\n\n" or
     * "\n\r\n" just before it; -1 when the section ended with the message instead.
     */
    private int separator() {
        if (bodyStart < 2) {
            return -1;
        }
        if (raw[bodyStart - 2] == '\n') {
            return bodyStart - 1;
        }
        return bodyStart >= 3 && raw[bodyStart - 2] == '\r' && raw[bodyStart - 3] == '\n' ? bodyStart - 2 : -1;
    }
}
