package org.streamail.linkguard.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * One XML part of an Office Open XML or OpenDocument package, read the way an XML parser reads it and changed only at
 * source positions: a link target is replaced where its characters stand, and every other character of the part —
 * declarations, white space, entity references, attribute order and quotes, comments — stays as the producer wrote it.
 *
 * <p><b>Why a scanner of its own.</b> A parser that builds a tree (DOM) writes the part back reformatted. StAX's
 * {@code Location} is a hint by its own API's word: it points after an event, never at an attribute value, and
 * implementations count its character offset differently around references and line ends — an edit placed by it
 * could land a few characters off, inside markup. The markup of these parts is simple (no DTD), so this scanner reads
 * exactly what XML 1.0 and Namespaces in XML define for start and end tags, attributes (either quote, white space
 * around {@code =}), comments, processing instructions, CDATA sections, the five predefined entities and character
 * references, attribute-value normalisation (tab, CR, LF read as a space, CR LF as one) and line-end normalisation in
 * text, and resolves namespace prefixes in scope — the link elements are found by namespace, whatever prefix a
 * producer chose. What it does not accept it refuses ({@link Reason#UNREADABLE}) rather than guess: markup that is not
 * well-formed (an unterminated tag, a mismatched end tag, a duplicate attribute, {@code <} in an attribute value), an
 * entity reference other than the predefined ones, and a document type declaration with an internal subset (it could
 * declare entities, or default attribute values — a default {@code xlink:href} that no start tag shows). Office and
 * LibreOffice refuse such parts too, or repair them in ways no gateway can predict; either way the document is left
 * as written and the log says why. A document type declaration without internal subset (old OpenOffice.org files
 * name an external DTD) is skipped: readers do not load external DTDs.
 *
 * <p><b>Encoding.</b> Office Open XML parts are UTF-8 or UTF-16 (ECMA-376 Part 2), OpenDocument parts UTF-8. Read:
 * UTF-8 with or without a byte order mark, UTF-16 with a byte order mark (or, without one, recognised by its
 * {@code <?} bytes as the XML specification's appendix F describes), and a declared ISO-8859-1 or US-ASCII — the
 * encodings an XML parser knows without an external converter (expat's built-in set). Each is read strictly
 * (malformed bytes refuse the part, as a parser would) and written back in the same encoding with the same byte
 * order mark, so unchanged characters keep their bytes. Any other declared encoding refuses the part.
 *
 * <p>Bounded: nesting deeper than {@link #MAX_DEPTH} refuses the part ({@link Reason#TOO_LARGE}); every loop runs
 * over the part's characters once (the part itself is bounded by {@link ZipPackage#MAX_PART_BYTES}). Not
 * thread-safe; one instance per part and call.
 */
final class XmlPart {

    /** Elements open at once at most; Office documents nest a few dozen deep (tables in tables a few hundred). */
    static final int MAX_DEPTH = 4096;

    static final String XML_NS = "http://www.w3.org/XML/1998/namespace";

    private static final byte[] NO_BOM = new byte[0];

    private final byte[] bom;
    private final Charset charset;
    private final String text;
    private final List<Edit> edits = new ArrayList<>();

    private XmlPart(byte[] bom, Charset charset, String text) {
        this.bom = bom;
        this.charset = charset;
        this.text = text;
    }

    /** A replacement of the source characters {@code [start, end)} by {@code raw} (already escaped for its place). */
    private record Edit(int start, int end, String raw) {
    }

    /**
     * The part's bytes read as text (see the class comment for the encodings read).
     *
     * @throws DocumentException UNREADABLE for an encoding not read or bytes malformed in it
     */
    static XmlPart decode(byte[] bytes) throws DocumentException {
        int n = bytes.length;
        if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
            return decode(bytes, 3, StandardCharsets.UTF_8);
        }
        if (startsWith(bytes, 0x00, 0x00, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE, 0x00, 0x00)
                || startsWith(bytes, 0x00, 0x00, 0x00, 0x3C) || startsWith(bytes, 0x3C, 0x00, 0x00, 0x00)) {
            throw new DocumentException(Reason.UNREADABLE, "a part in UTF-32, which Office and OpenDocument do not use");
        }
        if (startsWith(bytes, 0xFE, 0xFF)) {
            return decode(bytes, 2, StandardCharsets.UTF_16BE);
        }
        if (startsWith(bytes, 0xFF, 0xFE)) {
            return decode(bytes, 2, StandardCharsets.UTF_16LE);
        }
        if (startsWith(bytes, 0x00, 0x3C, 0x00, 0x3F)) {
            return decode(bytes, 0, StandardCharsets.UTF_16BE);
        }
        if (startsWith(bytes, 0x3C, 0x00, 0x3F, 0x00)) {
            return decode(bytes, 0, StandardCharsets.UTF_16LE);
        }
        String declared = declaredEncoding(bytes, n);
        if (declared == null || declared.equals("utf-8") || declared.equals("utf8")) {
            return decode(bytes, 0, StandardCharsets.UTF_8);
        }
        if (declared.equals("iso-8859-1") || declared.equals("latin1") || declared.equals("iso_8859-1")
                || declared.equals("us-ascii") || declared.equals("ascii")) {
            // Every byte is one character and back: unchanged bytes stay as they were.
            return decode(bytes, 0, StandardCharsets.ISO_8859_1);
        }
        // The name only if it looks like one: the declaration is the sender's text.
        String name = declared.matches("[a-z0-9._:-]{1,40}") ? declared : "not a name";
        throw new DocumentException(Reason.UNREADABLE, "a part in an encoding not read (" + name + ")");
    }

    private static XmlPart decode(byte[] bytes, int bomLength, Charset charset) throws DocumentException {
        try {
            CharBuffer chars = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, bomLength, bytes.length - bomLength));
            return new XmlPart(bomLength == 0 ? NO_BOM : Arrays.copyOf(bytes, bomLength), charset, chars.toString());
        } catch (CharacterCodingException e) {
            throw new DocumentException(Reason.UNREADABLE, "a part with bytes malformed in " + charset.name());
        }
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The {@code encoding} of an XML declaration at the very start, lower case; null when there is none. */
    private static String declaredEncoding(byte[] bytes, int n) {
        int limit = Math.min(n, 512);
        String head = new String(bytes, 0, limit, StandardCharsets.ISO_8859_1);
        if (!head.startsWith("<?xml")) {
            return null;
        }
        int end = head.indexOf("?>");
        if (end < 0) {
            return null;
        }
        String decl = head.substring(0, end);
        int at = decl.indexOf("encoding");
        if (at < 0) {
            return null;
        }
        int p = at + "encoding".length();
        while (p < decl.length() && isSpace(decl.charAt(p))) {
            p++;
        }
        if (p >= decl.length() || decl.charAt(p) != '=') {
            return null;
        }
        p++;
        while (p < decl.length() && isSpace(decl.charAt(p))) {
            p++;
        }
        if (p >= decl.length() || (decl.charAt(p) != '"' && decl.charAt(p) != '\'')) {
            return null;
        }
        int close = decl.indexOf(decl.charAt(p), p + 1);
        return close < 0 ? null : decl.substring(p + 1, close).trim().toLowerCase(Locale.ROOT);
    }

    /** Whether any replacement was made. */
    boolean changed() {
        return !edits.isEmpty();
    }

    /**
     * The part with its replacements, in its own encoding and byte order mark.
     *
     * @throws DocumentException UNREADABLE if a replacement cannot be written in the part's encoding
     */
    byte[] encode() throws DocumentException {
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start));
        StringBuilder out = new StringBuilder(text.length() + 64 * sorted.size());
        int pos = 0;
        for (Edit e : sorted) {
            if (e.start < pos) {
                throw new IllegalStateException("overlapping replacements");
            }
            out.append(text, pos, e.start).append(e.raw);
            pos = e.end;
        }
        out.append(text, pos, text.length());
        try {
            ByteBuffer body = charset.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(out));
            byte[] result = new byte[bom.length + body.remaining()];
            System.arraycopy(bom, 0, result, 0, bom.length);
            body.get(result, bom.length, body.remaining());
            return result;
        } catch (CharacterCodingException e) {
            throw new DocumentException(Reason.UNREADABLE, "a replacement not writable in " + charset.name());
        }
    }

    /** Replaces the source characters {@code [start, end)} by {@code raw}, which must already be markup-safe. */
    private void edit(int start, int end, String raw) {
        edits.add(new Edit(start, end, raw));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading

    /** What a {@link #scan} reports, in document order. */
    interface Handler {
        /** A start tag (an empty-element tag is a start followed by its end). */
        void start(Tag tag) throws DocumentException;

        /** An end tag; {@link Tag#text()} holds the element's character data if {@link Tag#captureText()} was asked. */
        default void end(Tag tag) throws DocumentException {
        }
    }

    /** An element as its start tag shows it. */
    final class Tag {
        final String uri;
        final String local;
        private final String qname;
        private final List<Attr> attributes;
        private boolean capture;
        private Run.Builder text;

        private Tag(String uri, String local, String qname, List<Attr> attributes) {
            this.uri = uri;
            this.local = local;
            this.qname = qname;
            this.attributes = attributes;
        }

        /** Whether the element is {@code local} in one of the namespaces {@code uris}. */
        boolean is(Set<String> uris, String name) {
            return local.equals(name) && uri != null && uris.contains(uri);
        }

        List<Attr> attributes() {
            return attributes;
        }

        /** The attribute {@code local} in namespace {@code attrUri} ({@code ""} for none), or null. */
        Attr attribute(String attrUri, String name) {
            for (Attr a : attributes) {
                if (a.local.equals(name) && attrUri.equals(a.uri)) {
                    return a;
                }
            }
            return null;
        }

        /** The attribute {@code local} in any of the namespaces {@code uris}, or null. */
        Attr attribute(Set<String> uris, String name) {
            for (Attr a : attributes) {
                if (a.local.equals(name) && a.uri != null && uris.contains(a.uri)) {
                    return a;
                }
            }
            return null;
        }

        /**
         * Asks for the element's own character data (text and CDATA directly inside it, not inside child elements;
         * comments and processing instructions skipped as a parser skips them), delivered with the end tag.
         */
        void captureText() {
            capture = true;
            text = new Run.Builder();
        }

        /** The captured character data (empty if none was asked or there is none). */
        Run text() {
            return text == null ? Run.EMPTY : text.build();
        }
    }

    /** An attribute of a start tag, its value at {@code [valueStart, valueEnd)} of the source. */
    final class Attr {
        final String uri;
        final String local;
        final String qname;
        final int valueStart;
        final int valueEnd;
        private Run value;

        private Attr(String uri, String local, String qname, int valueStart, int valueEnd) {
            this.uri = uri;
            this.local = local;
            this.qname = qname;
            this.valueStart = valueStart;
            this.valueEnd = valueEnd;
        }

        /** The value as a parser reports it (references replaced, white space normalised), with source positions. */
        Run run() throws DocumentException {
            if (value == null) {
                Run.Builder b = new Run.Builder();
                b.append(text, valueStart, valueEnd, true, false);
                value = b.build();
            }
            return value;
        }

        String value() throws DocumentException {
            return run().text;
        }

        /** Replaces the whole value by {@code replacement} (escaped here). */
        void replaceValue(String replacement) {
            edit(valueStart, valueEnd, escape(replacement));
        }
    }

    /**
     * Character data as a parser reports it, each character with the source range it was read from (an entity or
     * character reference is one range for its characters; a CR LF read as one character covers both) and whether
     * it stood in a CDATA section (where it is written literally, not escaped). Kept as segments, not per character:
     * a stretch read one to one (most of any text) is one segment, each reference or CR LF another, so a long text
     * costs a few integers per reference rather than per character.
     */
    static final class Run {
        /** Segment kinds: bit 0 set in a CDATA section, bit 1 set for a unit (else one to one). */
        private static final byte LITERAL = 0;
        private static final byte CDATA = 1;
        private static final byte UNIT = 2;

        static final Run EMPTY = new Run("", new int[0], new int[0], new int[0], new byte[0], 0);

        final String text;
        /** Segment {@code k} covers characters {@code [start[k], start[k + 1])} of {@link #text}. */
        private final int[] start;
        /** Its source: from {@code src[k]}, one to one for a literal segment; all of {@code [src, srcEnd)} for a unit. */
        private final int[] src;
        private final int[] srcEnd;
        private final byte[] kind;
        private final int segments;

        private Run(String text, int[] start, int[] src, int[] srcEnd, byte[] kind, int segments) {
            this.text = text;
            this.start = start;
            this.src = src;
            this.srcEnd = srcEnd;
            this.kind = kind;
            this.segments = segments;
        }

        private int segmentOf(int i) {
            int lo = 0;
            int hi = segments - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (start[mid] <= i) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /**
         * Replaces the characters {@code [from, to)} of this run by {@code replacement}. Where they are not one
         * stretch of source (a comment, a CDATA boundary or an element boundary between them) the replacement goes
         * where the first stretch stood and the other stretches are removed, so no markup between them is touched.
         */
        void replace(XmlPart part, int from, int to, String replacement) {
            String rest = replacement;
            int i = from;
            while (i < to) {
                int k = segmentOf(i);
                boolean cdata = (kind[k] & CDATA) != 0;
                int groupFrom = sourceFrom(k, i);
                int groupTo = sourceTo(k, i);
                int previous = k;
                int j = i + 1;
                while (j < to) {
                    int m = segmentOf(j);
                    boolean sameUnit = m == previous && (kind[m] & UNIT) != 0;
                    if (((kind[m] & CDATA) != 0) != cdata || (!sameUnit && sourceFrom(m, j) != groupTo)) {
                        break;
                    }
                    groupTo = sourceTo(m, j);
                    previous = m;
                    j++;
                }
                String raw;
                if (cdata) {
                    if (rest.contains("]]>")) {
                        throw new IllegalArgumentException("a replacement that cannot stand in a CDATA section");
                    }
                    raw = rest;
                } else {
                    raw = escape(rest);
                }
                part.edit(groupFrom, groupTo, raw);
                rest = "";
                i = j;
            }
        }

        private int sourceFrom(int k, int i) {
            return (kind[k] & UNIT) != 0 ? src[k] : src[k] + (i - start[k]);
        }

        private int sourceTo(int k, int i) {
            return (kind[k] & UNIT) != 0 ? srcEnd[k] : src[k] + (i - start[k]) + 1;
        }

        /** Collects a run. */
        static final class Builder {
            private final StringBuilder sb = new StringBuilder();
            private int[] start = new int[4];
            private int[] src = new int[4];
            private int[] srcEnd = new int[4];
            private byte[] kind = new byte[4];
            private int segments;

            private void segment(int sourceFrom, int sourceTo, byte k) {
                if (segments == start.length) {
                    int size = segments * 2;
                    start = Arrays.copyOf(start, size);
                    src = Arrays.copyOf(src, size);
                    srcEnd = Arrays.copyOf(srcEnd, size);
                    kind = Arrays.copyOf(kind, size);
                }
                start[segments] = sb.length();
                src[segments] = sourceFrom;
                srcEnd[segments] = sourceTo;
                kind[segments] = k;
                segments++;
            }

            /** One character read one to one from source position {@code at}. */
            private void literal(char c, int at, boolean inCdata) {
                byte k = inCdata ? CDATA : LITERAL;
                int last = segments - 1;
                if (last < 0 || kind[last] != k || srcEnd[last] != at) {
                    segment(at, at, k);
                    last = segments - 1;
                }
                sb.append(c);
                srcEnd[last] = at + 1;
            }

            /** Characters read together from source {@code [from, to)} (a reference, a CR LF). */
            private void unit(int from, int to, boolean inCdata, char... chars) {
                segment(from, to, (byte) (UNIT | (inCdata ? CDATA : 0)));
                sb.append(chars);
            }

            /**
             * Reads source {@code [start, end)}: CDATA literally; otherwise references replaced and line ends (in an
             * attribute value, also tab and LF) normalised as XML 1.0 sections 2.11 and 3.3.3 say.
             */
            void append(String s, int from, int end, boolean attribute, boolean inCdata) throws DocumentException {
                for (int k = from; k < end; k++) {
                    char c = s.charAt(k);
                    if (c == '\r') {
                        int stop = k + 1 < end && s.charAt(k + 1) == '\n' ? k + 2 : k + 1;
                        char read = attribute && !inCdata ? ' ' : '\n';
                        if (stop == k + 1) {
                            literal(read, k, inCdata);
                        } else {
                            unit(k, stop, inCdata, read);
                        }
                        k = stop - 1;
                    } else if (inCdata) {
                        literal(c, k, true);
                    } else if (c == '&') {
                        int semi = -1;
                        for (int q = k + 1; q < end && q <= k + 12; q++) {
                            if (s.charAt(q) == ';') {
                                semi = q;
                                break;
                            }
                        }
                        if (semi < 0) {
                            throw new DocumentException(Reason.UNREADABLE, "a malformed reference in a part");
                        }
                        int cp = reference(s, k + 1, semi);
                        if (Character.isSupplementaryCodePoint(cp)) {
                            unit(k, semi + 1, false, Character.highSurrogate(cp), Character.lowSurrogate(cp));
                        } else {
                            unit(k, semi + 1, false, (char) cp);
                        }
                        k = semi;
                    } else if (attribute && (c == '\n' || c == '\t')) {
                        literal(' ', k, false);
                    } else {
                        literal(c, k, false);
                    }
                }
            }

            Run build() {
                if (segments == 0) {
                    return EMPTY;
                }
                return new Run(sb.toString(), start, src, srcEnd, kind, segments);
            }
        }
    }

    /** The code point of the reference {@code &name;} (name at {@code [start, end)}). */
    private static int reference(String s, int start, int end) throws DocumentException {
        String name = s.substring(start, end);
        switch (name) {
            case "lt":
                return '<';
            case "gt":
                return '>';
            case "amp":
                return '&';
            case "apos":
                return '\'';
            case "quot":
                return '"';
            default:
                break;
        }
        int cp = -1;
        try {
            if (name.startsWith("#x")) {
                cp = isDigits(name, 2, 16) ? Integer.parseInt(name.substring(2), 16) : -1;
            } else if (name.startsWith("#")) {
                cp = isDigits(name, 1, 10) ? Integer.parseInt(name.substring(1)) : -1;
            } else {
                throw new DocumentException(Reason.UNREADABLE,
                        "an entity reference other than the predefined ones in a part");
            }
        } catch (NumberFormatException e) {
            cp = -1;
        }
        if (!isXmlChar(cp)) {
            throw new DocumentException(Reason.UNREADABLE, "a character reference to no XML character in a part");
        }
        return cp;
    }

    private static boolean isDigits(String s, int from, int radix) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), radix) < 0 || s.charAt(i) > 'z') {
                return false;
            }
        }
        return true;
    }

    private static boolean isXmlChar(int cp) {
        return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)
                || (cp >= 0x10000 && cp <= 0x10FFFF);
    }

    /**
     * Escapes {@code s} for an attribute value in either quote or for character data: {@code & < > " '} as
     * references, tab, CR and LF as character references (so that a reader gets them back, not a space); other
     * control characters cannot be written in XML 1.0 at all.
     */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\t', '\n', '\r' -> out.append("&#").append((int) c).append(';');
                default -> {
                    if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
                        throw new IllegalArgumentException("a replacement with a character XML cannot hold");
                    }
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static DocumentException malformed(String what) {
        return new DocumentException(Reason.UNREADABLE, "a part that is not well-formed XML (" + what + ")");
    }

    /** Prefix bindings in scope: a map and an undo log, so a lookup is one hash probe whatever the depth. */
    private static final class Scopes {
        private final Map<String, String> bound = new HashMap<>();
        private final Deque<String[]> undo = new ArrayDeque<>();
        private final Deque<Integer> marks = new ArrayDeque<>();

        Scopes() {
            bound.put("xml", XML_NS);
        }

        void open() {
            marks.push(undo.size());
        }

        void bind(String prefix, String uri) {
            undo.push(new String[] {prefix, bound.get(prefix)});
            bound.put(prefix, uri);
        }

        void close() {
            int mark = marks.pop();
            while (undo.size() > mark) {
                String[] u = undo.pop();
                if (u[1] == null) {
                    bound.remove(u[0]);
                } else {
                    bound.put(u[0], u[1]);
                }
            }
        }

        /** The namespace of a prefix; {@code ""} for no namespace; null for a prefix not bound (matches nothing). */
        String uri(String prefix) {
            return bound.get(prefix);
        }
    }

    /**
     * Reads the whole part, reporting start and end tags in document order (see the class comment for what is read
     * and what refuses the part).
     */
    void scan(Handler handler) throws DocumentException {
        String s = text;
        int n = s.length();
        Deque<Tag> open = new ArrayDeque<>();
        Scopes scopes = new Scopes();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c != '<') {
                int end = s.indexOf('<', i);
                if (end < 0) {
                    end = n;
                }
                Tag top = open.peek();
                if (top != null && top.capture) {
                    top.text.append(s, i, end, false, false);
                }
                i = end;
            } else if (s.startsWith("<!--", i)) {
                i = after(s, "-->", i + 4, "an unterminated comment");
            } else if (s.startsWith("<![CDATA[", i)) {
                int end = s.indexOf("]]>", i + 9);
                if (end < 0 || open.isEmpty()) {
                    throw malformed("a CDATA section outside the root element or unterminated");
                }
                Tag top = open.peek();
                if (top.capture) {
                    top.text.append(s, i + 9, end, false, true);
                }
                i = end + 3;
            } else if (s.startsWith("<?", i)) {
                i = after(s, "?>", i + 2, "an unterminated processing instruction");
            } else if (s.startsWith("<!", i)) {
                if (!open.isEmpty() || !s.startsWith("<!DOCTYPE", i)) {
                    throw malformed("a declaration inside the document");
                }
                i = afterDoctype(s, i + 9);
            } else if (s.startsWith("</", i)) {
                int nameEnd = nameEnd(s, i + 2);
                int p = skipSpace(s, nameEnd);
                Tag top = open.peek();
                if (p >= n || s.charAt(p) != '>' || top == null || !s.regionMatches(i + 2, top.qname, 0,
                        top.qname.length()) || nameEnd - (i + 2) != top.qname.length()) {
                    throw malformed("an end tag that closes no open element");
                }
                open.pop();
                scopes.close();
                handler.end(top);
                i = p + 1;
            } else {
                i = startTag(s, i, open, scopes, handler);
            }
        }
        if (!open.isEmpty()) {
            throw malformed("the part ends inside an element");
        }
    }

    private int startTag(String s, int i, Deque<Tag> open, Scopes scopes, Handler handler) throws DocumentException {
        int n = s.length();
        int nameEnd = nameEnd(s, i + 1);
        if (nameEnd == i + 1) {
            throw malformed("a '<' that starts no markup");
        }
        String qname = s.substring(i + 1, nameEnd);
        List<int[]> raw = new ArrayList<>(4);
        int p = nameEnd;
        boolean empty;
        while (true) {
            int q = skipSpace(s, p);
            if (q >= n) {
                throw malformed("an unterminated start tag");
            }
            char c = s.charAt(q);
            if (c == '>') {
                empty = false;
                p = q + 1;
                break;
            }
            if (c == '/' && q + 1 < n && s.charAt(q + 1) == '>') {
                empty = true;
                p = q + 2;
                break;
            }
            if (q == p) {
                throw malformed("attributes not separated by white space");
            }
            int attrEnd = nameEnd(s, q);
            if (attrEnd == q) {
                throw malformed("an attribute without a name");
            }
            int eq = skipSpace(s, attrEnd);
            if (eq >= n || s.charAt(eq) != '=') {
                throw malformed("an attribute without a value");
            }
            int quote = skipSpace(s, eq + 1);
            if (quote >= n || (s.charAt(quote) != '"' && s.charAt(quote) != '\'')) {
                throw malformed("an attribute value without quotes");
            }
            int close = s.indexOf(s.charAt(quote), quote + 1);
            if (close < 0) {
                throw malformed("an unterminated attribute value");
            }
            for (int k = quote + 1; k < close; k++) {
                if (s.charAt(k) == '<') {
                    throw malformed("'<' in an attribute value");
                }
            }
            raw.add(new int[] {q, attrEnd, quote + 1, close});
            p = close + 1;
        }
        if (open.size() >= MAX_DEPTH) {
            throw new DocumentException(Reason.TOO_LARGE, "a part nesting elements deeper than " + MAX_DEPTH);
        }
        scopes.open();
        Set<String> names = raw.size() > 1 ? new HashSet<>() : null;
        for (int[] a : raw) {
            String an = s.substring(a[0], a[1]);
            if (names != null && !names.add(an)) {
                throw malformed("a duplicate attribute");
            }
            if (an.equals("xmlns")) {
                scopes.bind("", valueOf(s, a));
            } else if (an.startsWith("xmlns:")) {
                scopes.bind(an.substring(6), valueOf(s, a));
            }
        }
        List<Attr> attrs = new ArrayList<>(raw.size());
        Set<String> expanded = raw.size() > 1 ? new HashSet<>() : null;
        for (int[] a : raw) {
            String an = s.substring(a[0], a[1]);
            int colon = an.indexOf(':');
            String uri = colon < 0 ? "" : scopes.uri(an.substring(0, colon));
            String local = colon < 0 ? an : an.substring(colon + 1);
            if (expanded != null && uri != null && !uri.isEmpty() && !expanded.add(uri + ' ' + local)) {
                throw malformed("a duplicate attribute");
            }
            attrs.add(new Attr(uri, local, an, a[2], a[3]));
        }
        int colon = qname.indexOf(':');
        String uri = colon < 0 ? scopes.uri("") : scopes.uri(qname.substring(0, colon));
        if (colon < 0 && uri == null) {
            uri = "";
        }
        Tag tag = new Tag(uri, colon < 0 ? qname : qname.substring(colon + 1), qname, attrs);
        handler.start(tag);
        if (empty) {
            scopes.close();
            handler.end(tag);
        } else {
            open.push(tag);
        }
        return p;
    }

    /** A namespace declaration's value (references read; a namespace name is compared as the parser reports it). */
    private static String valueOf(String s, int[] a) throws DocumentException {
        Run.Builder b = new Run.Builder();
        b.append(s, a[2], a[3], true, false);
        return b.build().text;
    }

    private static int after(String s, String terminator, int from, String what) throws DocumentException {
        int end = s.indexOf(terminator, from);
        if (end < 0) {
            throw malformed(what);
        }
        return end + terminator.length();
    }

    /** Skips a document type declaration; one with an internal subset refuses the part (see the class comment). */
    private static int afterDoctype(String s, int p) throws DocumentException {
        int n = s.length();
        while (p < n) {
            char c = s.charAt(p);
            if (c == '"' || c == '\'') {
                int close = s.indexOf(c, p + 1);
                if (close < 0) {
                    break;
                }
                p = close + 1;
            } else if (c == '[') {
                throw new DocumentException(Reason.UNREADABLE,
                        "a part with a document type declaration holding an internal subset");
            } else if (c == '>') {
                return p + 1;
            } else {
                p++;
            }
        }
        throw malformed("an unterminated document type declaration");
    }

    private static int nameEnd(String s, int from) {
        int n = s.length();
        int i = from;
        while (i < n) {
            char c = s.charAt(i);
            if (isSpace(c) || c == '/' || c == '>' || c == '=' || c == '<' || c == '"' || c == '\'') {
                break;
            }
            i++;
        }
        return i;
    }

    private static int skipSpace(String s, int from) {
        int i = from;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
