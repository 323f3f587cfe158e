package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.mime.EncodedWords;

/**
 * A bounded, byte-exact reader of a message's MIME structure: where each part's header fields and body
 * start and end in the raw bytes, so a part can be replaced while every other byte (preamble, boundaries,
 * other parts, epilogue) stays exactly as it was. It only locates; it never rewrites. Used by
 * {@link HtmlDisarmTransformer}.
 *
 * <p>Input must use CRLF line ends (see {@link #crlf(byte[])}). Parsing follows what mail clients do:
 * header lines up to the first empty line (lines without a colon are kept and ignored), the first
 * {@code Content-Type} counts, an invalid or missing one means {@code text/plain}, a multipart without a
 * boundary or without any delimiter line is one opaque part, a missing close delimiter ends the last part
 * at the end of its parent. {@code message/rfc822} parts are not entered (they are attachments).
 *
 * <p>Bounds: {@link #MAX_DEPTH} multipart levels, {@link #MAX_PARTS} parts, {@link #MAX_HEADER_BYTES} per
 * header section, {@link #MAX_FIELDS} fields and {@link #MAX_PARAMS} parameters each; beyond them
 * {@link Malformed} is thrown. Stateless, thread-safe.
 */
final class MimeParts {
    static final int MAX_DEPTH = 32;
    static final int MAX_PARTS = 5000;
    static final int MAX_HEADER_BYTES = 512 * 1024;
    static final int MAX_FIELDS = 2000;
    static final int MAX_PARAMS = 100;
    static final int MAX_BOUNDARY = 200;

    /** The message cannot be read safely (a bound exceeded); nothing was changed. */
    static final class Malformed extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /**
     * One header field.
     *
     * @param name  the field name as written (compare ignoring case)
     * @param value the unfolded value (CR LF removed, UTF-8 decoded, U+FFFD for bad bytes), not trimmed
     * @param start offset of the field's first byte
     * @param end   offset after the field's last CR LF (folded lines included)
     */
    record Field(String name, String value, int start, int end) {
        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }
    }

    /**
     * One part (the message itself is the root).
     *
     * @param start     offset of the part's first header byte
     * @param bodyStart offset of the first body byte (after the empty line), {@code end} when there is none
     * @param end       offset after the part's last byte (the CR LF before the next delimiter excluded)
     * @param fields    its header fields in order
     * @param mediaType lower-case {@code type/subtype} of its first Content-Type, {@code text/plain} if none
     * @param params    its Content-Type parameters: lower-case name to unquoted value (first one wins)
     * @param rawParams its Content-Type parameters as written ({@code name="value"}), in order
     * @param children  the body parts of a multipart; empty for a leaf
     */
    record Part(int start, int bodyStart, int end, List<Field> fields, String mediaType, Map<String, String> params,
            List<String> rawParams, List<Part> children) {

        /** The fields with this name, in order. */
        List<Field> fields(String name) {
            return fields.stream().filter(f -> f.is(name)).toList();
        }

        /** The trimmed value of the first field with this name, or {@code ""}. */
        String first(String name) {
            for (Field f : fields) {
                if (f.is(name)) {
                    return f.value().trim();
                }
            }
            return "";
        }

        boolean isMultipart() {
            return !children.isEmpty();
        }

        /** {@code attachment}, {@code inline} or {@code ""}, lower case. */
        String disposition() {
            String d = first("Content-Disposition");
            int semi = d.indexOf(';');
            return (semi < 0 ? d : d.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        }

        /**
         * The file name: {@code filename} of Content-Disposition, else {@code name} of Content-Type, with
         * RFC 2231 and RFC 2047 encodings decoded; {@code ""} when there is none.
         */
        String fileName() {
            String d = first("Content-Disposition");
            int semi = d.indexOf(';');
            Map<String, String> dispositionParams = new LinkedHashMap<>();
            if (semi >= 0) {
                parseParams(d.substring(semi + 1), dispositionParams, new ArrayList<>());
            }
            String n = paramValue(dispositionParams, "filename");
            return n.isEmpty() ? paramValue(params, "name") : n;
        }

        /** The transfer encoding, lower case, {@code ""} when absent. */
        String transferEncoding() {
            return first("Content-Transfer-Encoding").toLowerCase(Locale.ROOT);
        }
    }

    private MimeParts() {
    }

    /** Parses a whole message (CRLF line ends). */
    static Part parse(byte[] msg) {
        int[] parts = {0};
        return part(msg, 0, msg.length, 0, parts);
    }

    /** {@code raw} with every bare LF and bare CR turned into CR LF; {@code raw} itself when it has none. */
    static byte[] crlf(byte[] raw) {
        boolean clean = true;
        for (int i = 0; i < raw.length && clean; i++) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')
                    || raw[i] == '\r' && (i + 1 == raw.length || raw[i + 1] != '\n')) {
                clean = false;
            }
        }
        if (clean) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + raw.length / 16 + 2);
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < raw.length && raw[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private static Part part(byte[] m, int start, int end, int depth, int[] count) {
        if (++count[0] > MAX_PARTS) {
            throw new Malformed("more than " + MAX_PARTS + " MIME parts");
        }
        List<Field> fields = new ArrayList<>();
        int pos = start;
        int bodyStart = end;
        int fieldStart = -1;
        StringBuilder value = null;
        String name = null;
        while (pos < end) {
            int nl = indexOf(m, (byte) '\n', pos, end);
            int lineEnd = nl < 0 ? end : nl + 1;
            int textEnd = nl < 0 ? end : nl > pos && m[nl - 1] == '\r' ? nl - 1 : nl;
            if (lineEnd - start > MAX_HEADER_BYTES) {
                throw new Malformed("a header section is larger than " + MAX_HEADER_BYTES + " bytes");
            }
            if (textEnd == pos) {
                bodyStart = lineEnd;
                break;
            }
            boolean continuation = m[pos] == ' ' || m[pos] == '\t';
            if (continuation && name != null) {
                value.append(new String(m, pos, textEnd - pos, StandardCharsets.UTF_8));
            } else {
                if (name != null) {
                    fields.add(new Field(name, value.toString(), fieldStart, pos));
                }
                if (fields.size() >= MAX_FIELDS) {
                    throw new Malformed("more than " + MAX_FIELDS + " header fields in one part");
                }
                int colon = indexOf(m, (byte) ':', pos, textEnd);
                // A line without a colon is not a field; it is kept in place (as a nameless field) and ignored.
                name = colon < 0 ? "" : new String(m, pos, colon - pos, StandardCharsets.ISO_8859_1).trim();
                value = new StringBuilder(colon < 0 ? "" : new String(m, colon + 1, textEnd - colon - 1,
                        StandardCharsets.UTF_8));
                fieldStart = pos;
            }
            pos = lineEnd;
        }
        if (name != null) {
            fields.add(new Field(name, value.toString(), fieldStart, Math.min(pos, bodyStart)));
        }
        String ct = "";
        for (Field f : fields) {
            if (f.is("Content-Type")) {
                ct = f.value().trim();
                break;
            }
        }
        int semi = ct.indexOf(';');
        String type = (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (!type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")) {
            type = "text/plain";
        }
        Map<String, String> params = new LinkedHashMap<>();
        List<String> raw = new ArrayList<>();
        if (semi >= 0) {
            parseParams(ct.substring(semi + 1), params, raw);
        }
        List<Part> children = List.of();
        String boundary = params.get("boundary");
        if (type.startsWith("multipart/") && boundary != null && !boundary.isEmpty()
                && boundary.length() <= MAX_BOUNDARY) {
            if (depth >= MAX_DEPTH) {
                throw new Malformed("multipart nesting deeper than " + MAX_DEPTH);
            }
            children = children(m, bodyStart, end, boundary, depth, count);
        }
        return new Part(start, bodyStart, end, List.copyOf(fields), type, params, List.copyOf(raw), children);
    }

    private static List<Part> children(byte[] m, int from, int end, String boundary, int depth, int[] count) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
        List<int[]> delims = new ArrayList<>(); // {line start, line end (after LF), close}
        int pos = from;
        while (pos < end) {
            int nl = indexOf(m, (byte) '\n', pos, end);
            int lineEnd = nl < 0 ? end : nl + 1;
            int textEnd = nl < 0 ? end : nl > pos && m[nl - 1] == '\r' ? nl - 1 : nl;
            if (textEnd - pos >= delim.length && Texts.startsWith(m, pos, delim)) {
                int k = pos + delim.length;
                boolean close = textEnd - k >= 2 && m[k] == '-' && m[k + 1] == '-';
                if (close) {
                    k += 2;
                }
                while (k < textEnd && (m[k] == ' ' || m[k] == '\t')) {
                    k++;
                }
                if (k == textEnd) {
                    delims.add(new int[] {pos, lineEnd, close ? 1 : 0});
                    if (close) {
                        break;
                    }
                }
            }
            pos = lineEnd;
        }
        if (delims.isEmpty() || delims.get(0)[2] == 1) {
            return List.of(); // no body part at all: one opaque part, as it stands
        }
        List<Part> out = new ArrayList<>();
        for (int i = 0; i < delims.size(); i++) {
            int[] d = delims.get(i);
            if (d[2] == 1) {
                break;
            }
            int partStart = d[1];
            int partEnd = end;
            if (i + 1 < delims.size()) {
                int next = delims.get(i + 1)[0];
                // The CR LF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
                partEnd = next >= partStart + 2 && m[next - 2] == '\r' && m[next - 1] == '\n' ? next - 2 : next;
                partEnd = Math.max(partStart, partEnd);
            }
            out.add(part(m, partStart, partEnd, depth + 1, count));
        }
        return List.copyOf(out);
    }

    /** Content-Type / Content-Disposition parameters after the first ';'. Quoted strings respected. */
    static void parseParams(String s, Map<String, String> params, List<String> raw) {
        int i = 0;
        int n = s.length();
        while (i < n) {
            if (raw.size() >= MAX_PARAMS) {
                throw new Malformed("more than " + MAX_PARAMS + " parameters in one header field");
            }
            while (i < n && (s.charAt(i) == ';' || Character.isWhitespace(s.charAt(i)))) {
                i++;
            }
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ';') {
                i++;
            }
            if (i >= n || s.charAt(i) == ';') {
                continue; // a token without a value: ignored, as clients do
            }
            String name = s.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
            i++; // '='
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++; // closing quote (or end)
                while (i < n && s.charAt(i) != ';') {
                    i++;
                }
            } else {
                int vs = i;
                while (i < n && s.charAt(i) != ';') {
                    i++;
                }
                v.append(s, vs, i);
            }
            String value = v.toString().trim();
            if (!name.isEmpty()) {
                params.putIfAbsent(name, value);
                raw.add(name + "=" + quote(value));
            }
        }
    }

    /** {@code value} as a MIME token, or quoted when it holds specials or space. */
    static String quote(String value) {
        if (!value.isEmpty() && value.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?=".indexOf(c) < 0)) {
            return value;
        }
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * A parameter's value: RFC 2231 continuations and charsets ({@code name*0*=utf-8''a%2E}, ...) joined and
     * decoded, else the plain value with RFC 2047 words decoded; {@code ""} when absent.
     */
    static String paramValue(Map<String, String> params, String name) {
        TreeMap<Integer, String> sections = new TreeMap<>();
        Map<Integer, Boolean> encoded = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(name + "*")) {
                continue;
            }
            String rest = k.substring(name.length() + 1);
            boolean star = rest.endsWith("*") || rest.isEmpty();
            String index = rest.endsWith("*") ? rest.substring(0, rest.length() - 1) : rest;
            try {
                int idx = index.isEmpty() ? 0 : Integer.parseInt(index);
                if (idx >= 0 && idx < MAX_PARAMS) {
                    sections.put(idx, e.getValue());
                    encoded.put(idx, star);
                }
            } catch (NumberFormatException ignored) {
                // not a 2231 section
            }
        }
        if (sections.isEmpty()) {
            return EncodedWords.decode(params.getOrDefault(name, ""));
        }
        Charset cs = StandardCharsets.UTF_8;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Map.Entry<Integer, String> s : sections.entrySet()) {
            String v = s.getValue();
            if (encoded.get(s.getKey())) {
                if (s.getKey() == 0) {
                    int q1 = v.indexOf('\'');
                    int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
                    if (q2 > 0) {
                        Charset c = charset(v.substring(0, q1));
                        cs = c == null ? cs : c;
                        v = v.substring(q2 + 1);
                    }
                }
                for (int i = 0; i < v.length(); i++) {
                    char c = v.charAt(i);
                    if (c == '%' && i + 2 < v.length() && hex(v.charAt(i + 1)) >= 0 && hex(v.charAt(i + 2)) >= 0) {
                        bytes.write(hex(v.charAt(i + 1)) * 16 + hex(v.charAt(i + 2)));
                        i += 2;
                    } else {
                        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                    }
                }
            } else {
                bytes.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            }
        }
        return new String(bytes.toByteArray(), cs);
    }

    /** The body of a leaf part with its transfer encoding removed (base64, quoted-printable; others as is). */
    static byte[] decodedBody(byte[] m, Part p) {
        return switch (p.transferEncoding()) {
            case "base64" -> base64(m, p.bodyStart(), p.end());
            case "quoted-printable" -> qp(m, p.bodyStart(), p.end());
            default -> java.util.Arrays.copyOfRange(m, p.bodyStart(), p.end());
        };
    }

    /** Lenient base64: characters outside the alphabet skipped, decoding stops at padding, a lone tail dropped. */
    static byte[] base64(byte[] b, int from, int to) {
        byte[] clean = new byte[Math.max(0, to - from)];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '=') {
                break;
            }
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
                clean[n++] = c;
            }
        }
        n -= n % 4 == 1 ? 1 : 0;
        // Padding is optional for java.util.Base64's basic decoder; the tail of 2 or 3 characters decodes.
        return Base64.getDecoder().decode(java.util.Arrays.copyOf(clean, n));
    }

    /** Quoted-printable: soft line breaks removed, {@code =XX} decoded, anything malformed kept literally. */
    static byte[] qp(byte[] b, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, to - from));
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c != '=') {
                out.write(c);
            } else if (i + 2 < to && b[i + 1] == '\r' && b[i + 2] == '\n') {
                i += 2;
            } else if (i + 1 < to && b[i + 1] == '\n') {
                i += 1;
            } else if (i + 2 < to && hex((char) b[i + 1]) >= 0 && hex((char) b[i + 2]) >= 0) {
                out.write(hex((char) b[i + 1]) * 16 + hex((char) b[i + 2]));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    /**
     * Text of a body: in the declared charset when Java knows it; else strict UTF-8; else windows-1252 (every
     * ASCII byte kept, so markup is never lost to an unknown or hostile charset such as UTF-7). ISO-8859-1 and
     * US-ASCII are read as windows-1252, as mail clients and browsers do (WHATWG encoding labels): Java's own
     * decoders would turn curly quotes and the euro sign into C1 controls, and 8-bit letters into U+FFFD.
     */
    static String text(byte[] data, String charsetName) {
        Charset cs = charset(charsetName);
        if (cs != null) {
            return new String(data, cs.equals(StandardCharsets.ISO_8859_1) || cs.equals(StandardCharsets.US_ASCII)
                    ? WINDOWS_1252 : cs);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return new String(data, WINDOWS_1252);
        }
    }

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    static Charset charset(String name) {
        if (name == null || name.isBlank() || name.length() > 64) {
            return null;
        }
        try {
            return Charset.forName(name.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : -1;
    }

    private static int indexOf(byte[] m, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
