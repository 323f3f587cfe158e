package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The MIME structure of a raw message as byte offsets, so that a rewriter can replace one part's body and
 * keep every other byte (other parts, boundaries, preamble, epilogue, header folding) exactly as received.
 * Jakarta Mail would re-serialise the whole message (and wants a ServiceLoader mediator in OSGi), hence this
 * small reader of the few things needed: header fields, {@code Content-Type} with its parameters,
 * {@code Content-Transfer-Encoding} and multipart delimiters (RFC 2045/2046). Nested messages
 * ({@code message/rfc822} in 7bit/8bit/binary, or in an encoding readers do not know, which they read as written)
 * are descended into as well.
 *
 * <p>Bounds: nesting depth {@value #MAX_DEPTH}, {@value #MAX_PARTS} parts and {@value #MAX_FIELDS} header
 * fields per part. Beyond them the structure is not read further, but everything within them is: a part
 * deeper than the bound is an opaque {@code application/octet-stream} leaf, the parts of a multipart after the
 * {@value #MAX_PARTS}th are not listed, and after {@value #MAX_FIELDS} fields only the first
 * {@code Content-Type}, {@code Content-Transfer-Encoding} and {@code Content-Disposition} are still kept. (An
 * earlier version gave up on the whole message, so one over-deep branch kept every link of it live: audit.)
 * Lines may end in CRLF or a bare LF. Stateless; {@link Part}s are immutable.
 */
final class MimeTree {

    static final int MAX_DEPTH = 20;
    static final int MAX_PARTS = 1000;
    static final int MAX_FIELDS = 2000;
    private static final int MAX_BOUNDARY = 200;

    /**
     * One header field.
     *
     * @param name  as written
     * @param value unfolded (line breaks removed), bytes read as ISO-8859-1
     * @param start offset of its first byte
     * @param end   offset after its last line break
     */
    record Field(String name, String value, int start, int end) {
        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }
    }

    /**
     * One MIME entity.
     *
     * @param start      offset of its first header byte
     * @param headerEnd  offset where its header fields end (the blank line, or where the body starts when
     *                   there is none): where a new field is inserted
     * @param bodyStart  offset of the body's first byte
     * @param end        offset after the body's last byte (before the line break that belongs to the next
     *                   delimiter)
     * @param fields     its header fields in order
     * @param mediaType  lower case, e.g. {@code text/html}; the default when there is no usable Content-Type
     * @param params     Content-Type parameters, names in lower case
     * @param children   the body parts of a multipart, or the one message of a {@code message/rfc822}
     * @param depth      0 for the message itself
     */
    record Part(int start, int headerEnd, int bodyStart, int end, List<Field> fields, String mediaType,
            Map<String, String> params, List<Part> children, int depth) {

        Optional<Field> field(String name) {
            return fields.stream().filter(f -> f.is(name)).findFirst();
        }

        /** Content-Transfer-Encoding in lower case; {@code 7bit} when absent. */
        String transferEncoding() {
            return field("Content-Transfer-Encoding")
                    .map(f -> withoutComments(f.value()).trim().toLowerCase(Locale.ROOT)).orElse("7bit");
        }

        /**
         * Whether it is meant as a file rather than displayed text: disposition {@code attachment}, or a file name
         * on a part that is neither {@code inline} nor the body of a message. Readers show an {@code inline} part
         * and a message's own body as text whatever their name (audit: a file name alone kept their links live).
         *
         * @param messageBody whether it is the body of a message (the top one or a forwarded one), not a part of
         *                    a multipart
         */
        boolean isAttachment(boolean messageBody) {
            Optional<Field> cd = field("Content-Disposition");
            if (cd.isPresent()) {
                String v = withoutComments(cd.get().value()).trim().toLowerCase(Locale.ROOT);
                if (v.startsWith("attachment")) {
                    return true;
                }
                if (messageBody || v.startsWith("inline")) {
                    return false;
                }
                Map<String, String> p = parameters(v);
                if (p.containsKey("filename") || p.containsKey("filename*")) {
                    return true;
                }
            }
            return !messageBody && (params.containsKey("name") || params.containsKey("name*"));
        }

        /** Whether the part has a usable {@code Content-Type} (else {@link #mediaType} is the default). */
        boolean hasDeclaredType() {
            return field("Content-Type").map(f -> typeOf(f.value()) != null).orElse(false);
        }

        /**
         * The file names it carries, as readers decode them: the disposition's {@code filename} and the type's
         * {@code name}, each plain, in RFC 2231 form ({@code filename*=utf-8''a%2Ehtml}, continuations
         * {@code filename*0*}, {@code filename*1} …) and in RFC 2047 encoded words ({@code =?utf-8?B?…?=}, which
         * most clients write and read). Empty when there is none. Readers differ in which one they take, so all
         * are given.
         */
        List<String> fileNames() {
            List<String> out = new ArrayList<>();
            field("Content-Disposition").ifPresent(cd -> {
                String v = cd.value();
                int semi = v.indexOf(';');
                FileNames.collect(parameters(semi < 0 ? "" : v.substring(semi + 1)), "filename", out);
            });
            FileNames.collect(params, "name", out);
            return out;
        }
    }

    private MimeTree() {
    }

    /** Reads the structure of {@code msg}, within the bounds. */
    static Part parse(byte[] msg) {
        return parse(msg, 0, msg.length, 0, "text/plain", new int[] {0});
    }

    /**
     * Reads {@code msg} as a message nested {@code depth} levels deep (a decoded forwarded message), counting
     * its parts into {@code count} (shared with the enclosing message, for the {@value #MAX_PARTS} bound).
     */
    static Part parse(byte[] msg, int depth, int[] count) {
        return parse(msg, 0, msg.length, depth, "text/plain", count);
    }

    private static Part parse(byte[] msg, int start, int limit, int depth, String defaultType, int[] count) {
        count[0]++;
        if (depth > MAX_DEPTH) {
            return new Part(start, start, start, limit, List.of(), "application/octet-stream", Map.of(), List.of(),
                    depth);
        }
        List<Field> fields = new ArrayList<>();
        Set<String> kept = new HashSet<>();
        int pos = start;
        int headerEnd = limit;
        int bodyStart = limit;
        String name = null;
        StringBuilder value = null;
        int fieldStart = -1;
        while (pos < limit) {
            int lineEnd = lineEnd(msg, pos, limit);
            int contentEnd = contentEnd(msg, pos, lineEnd);
            if (contentEnd == pos) { // the blank line
                headerEnd = pos;
                bodyStart = lineEnd;
                break;
            }
            byte first = msg[pos];
            if ((first == ' ' || first == '\t') && name != null) {
                value.append(new String(msg, pos, contentEnd - pos, StandardCharsets.ISO_8859_1));
            } else {
                int colon = indexOf(msg, (byte) ':', pos, contentEnd);
                if (colon <= pos) {
                    // Not a header line: the body starts here without a blank line.
                    headerEnd = pos;
                    bodyStart = pos;
                    break;
                }
                if (name != null) {
                    addField(fields, kept, new Field(name, value.toString(), fieldStart, pos));
                }
                name = new String(msg, pos, colon - pos, StandardCharsets.ISO_8859_1).trim();
                value = new StringBuilder(new String(msg, colon + 1, contentEnd - colon - 1,
                        StandardCharsets.ISO_8859_1));
                fieldStart = pos;
            }
            pos = lineEnd;
        }
        if (name != null) {
            addField(fields, kept, new Field(name, value.toString(), fieldStart, Math.min(pos, headerEnd)));
        }
        String mediaType = defaultType;
        Map<String, String> params = Map.of();
        for (Field f : fields) {
            if (f.is("Content-Type")) {
                String type = typeOf(f.value());
                if (type != null) {
                    String v = f.value().trim();
                    int semi = v.indexOf(';');
                    mediaType = type;
                    params = parameters(semi < 0 ? "" : v.substring(semi + 1));
                }
                break;
            }
        }
        List<Part> children = List.of();
        Part shell = new Part(start, headerEnd, bodyStart, limit, List.copyOf(fields), mediaType, params, List.of(),
                depth);
        if (mediaType.startsWith("multipart/")) {
            String boundary = params.get("boundary");
            if (boundary != null && !boundary.isEmpty() && boundary.length() <= MAX_BOUNDARY) {
                String childDefault = mediaType.equals("multipart/digest") ? "message/rfc822" : "text/plain";
                children = multipart(msg, bodyStart, limit, boundary, depth, childDefault, count);
            }
        } else if (mediaType.equals("message/rfc822") || mediaType.equals("message/global")) {
            String cte = shell.transferEncoding();
            // 7bit/8bit/binary, and an unknown encoding, which readers read as written (base64 and
            // quoted-printable are decoded by the rewriter)
            if (!cte.equals("base64") && !cte.equals("quoted-printable") && !TransferCodec.isUnreadEncoding(cte)) {
                children = List.of(parse(msg, bodyStart, limit, depth + 1, "text/plain", count));
            }
        }
        return new Part(start, headerEnd, bodyStart, limit, List.copyOf(fields), mediaType, params, children, depth);
    }

    /** The media type of a {@code Content-Type} value in lower case, or null when it has none usable. */
    static String typeOf(String value) {
        String v = value.trim();
        int semi = v.indexOf(';');
        // RFC 822 comments are allowed around the type (text/html (x)); mail readers skip them
        String type = withoutComments(semi < 0 ? v : v.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+") ? type : null;
    }

    private static final List<String> KEPT_BEYOND_BOUND =
            List.of("content-type", "content-transfer-encoding", "content-disposition");

    /**
     * Adds {@code f}; beyond {@value #MAX_FIELDS} only a first Content-Type, -Transfer-Encoding or
     * -Disposition ({@code kept}: which of those lower-case names are in {@code fields}, so the check stays cheap).
     */
    private static void addField(List<Field> fields, Set<String> kept, Field f) {
        String lower = f.name().toLowerCase(Locale.ROOT);
        boolean wanted = KEPT_BEYOND_BOUND.contains(lower);
        if (fields.size() < MAX_FIELDS || wanted && !kept.contains(lower)) {
            fields.add(f);
            if (wanted) {
                kept.add(lower);
            }
        }
    }

    private static List<Part> multipart(byte[] msg, int from, int limit, String boundary, int depth,
            String childDefault, int[] count) {
        byte[] dash = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int partStart = -1; // content start of the part being read, -1 in the preamble
        int pos = from;
        while (pos < limit) {
            int lineEnd = lineEnd(msg, pos, limit);
            if (startsWith(msg, pos, lineEnd, dash)) {
                int after = pos + dash.length;
                boolean close = after + 1 < lineEnd && msg[after] == '-' && msg[after + 1] == '-';
                int rest = close ? after + 2 : after;
                if (onlyWhitespace(msg, rest, contentEnd(msg, pos, lineEnd))) {
                    if (partStart >= 0 && count[0] >= MAX_PARTS) {
                        return parts; // the rest is not read
                    }
                    if (partStart >= 0) {
                        // The line break before a delimiter belongs to the delimiter.
                        int end = pos;
                        if (end > partStart && msg[end - 1] == '\n') {
                            end--;
                            if (end > partStart && msg[end - 1] == '\r') {
                                end--;
                            }
                        }
                        parts.add(parse(msg, partStart, Math.max(partStart, end), depth + 1, childDefault, count));
                    }
                    if (close) {
                        return parts;
                    }
                    partStart = lineEnd;
                }
            }
            pos = lineEnd;
        }
        if (partStart >= 0 && partStart < limit && count[0] < MAX_PARTS) {
            parts.add(parse(msg, partStart, limit, depth + 1, childDefault, count)); // no close delimiter
        }
        return parts;
    }

    /** Parameters of a structured header value ({@code ; name=value; name="quoted"}), names in lower case. */
    static Map<String, String> parameters(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            int semi = i;
            // name
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ';') {
                i++;
            }
            String pname = s.substring(semi, i).trim().toLowerCase(Locale.ROOT);
            if (i >= n || s.charAt(i) == ';') {
                i++;
                continue;
            }
            i++; // '='
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
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
                i++; // closing quote
                while (i < n && s.charAt(i) != ';') {
                    i++;
                }
            } else {
                while (i < n && s.charAt(i) != ';') {
                    v.append(s.charAt(i++));
                }
            }
            i++; // ';'
            if (!pname.isEmpty()) {
                out.putIfAbsent(pname, v.toString().trim());
            }
        }
        return out;
    }

    /**
     * {@code s} without RFC 822 comments ({@code (…)}, nested, {@code \} quoting the next character). Used on the
     * media type and the transfer encoding only, where readers skip them (audit: {@code text/html (x)} was read
     * as text/plain and {@code base64 (x)} as an unknown encoding, so their links were left live). Linear.
     */
    static String withoutComments(String s) {
        if (s.indexOf('(') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (depth > 0 && c == '\\') {
                i++;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Offset after the line starting at {@code pos} (after its LF), or {@code limit}. */
    static int lineEnd(byte[] msg, int pos, int limit) {
        int lf = indexOf(msg, (byte) '\n', pos, limit);
        return lf < 0 ? limit : lf + 1;
    }

    /** Offset of the line's content end (before CRLF or LF). */
    static int contentEnd(byte[] msg, int pos, int lineEnd) {
        int e = lineEnd;
        if (e > pos && msg[e - 1] == '\n') {
            e--;
            if (e > pos && msg[e - 1] == '\r') {
                e--;
            }
        }
        return e;
    }

    private static int indexOf(byte[] msg, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (msg[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] msg, int pos, int limit, byte[] prefix) {
        if (limit - pos < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (msg[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean onlyWhitespace(byte[] msg, int from, int to) {
        for (int i = from; i < to; i++) {
            if (msg[i] != ' ' && msg[i] != '\t') {
                return false;
            }
        }
        return true;
    }
}
