package org.streamail.spam.internal;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.mime.EncodedWords;

/**
 * A small, bounded MIME reader that turns raw RFC 822 bytes into what the spam features need: top-level
 * headers, the visible text (plain bodies and HTML with tags removed), link hosts, and the SHA-256 of each
 * attachment. The same code runs on a reported message and on a message at DATA, so a report and a later
 * copy always yield comparable features (the core's parsed view could differ in details such as HTML
 * rendering, and a reported file never passed through the core).
 *
 * <p>Never throws on content: whatever cannot be decoded is skipped. Bounded: nesting depth
 * {@value #MAX_DEPTH}, {@value #MAX_PARTS} parts, {@value #MAX_TEXT} characters of text,
 * {@value #MAX_HEADERS} headers per part. Stateless and thread-safe.
 */
final class MimeText {

    static final int MAX_DEPTH = 8;
    static final int MAX_PARTS = 200;
    static final int MAX_TEXT = 256 * 1024;
    static final int MAX_HEADERS = 500;
    static final int MAX_LINKS = 500;

    /** A header field, unfolded and RFC 2047 decoded. */
    record Field(String name, String value) {
    }

    /** An attachment or image: what the exact-hash fingerprint and block rules use. */
    record Part(String type, String fileName, String sha256, int size) {
    }

    /** What was read from one message. */
    record Extracted(List<Field> headers, String text, List<String> linkHosts, List<Part> parts, String htmlTags,
            List<String> structure, List<String> marks) {

        /**
         * Markup and link traits observed while reading the bodies ({@link MailTraits#html},
         * {@link MailTraits#url}, {@code body.b64-text}): distinct names from a fixed vocabulary, in the order first
         * seen (deterministic, so every node derives the same feature order).
         */
        Extracted {
            marks = List.copyOf(marks);
        }

        /** The first value of a top-level header, or {@code ""}. */
        String header(String name) {
            for (Field f : headers) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f.value();
                }
            }
            return "";
        }

        List<String> headers(String name) {
            List<String> out = new ArrayList<>();
            for (Field f : headers) {
                if (f.name().equalsIgnoreCase(name)) {
                    out.add(f.value());
                }
            }
            return out;
        }
    }

    /** Not after a letter, digit or {@code _}: a look at one character (a combining mark is no word character). */
    static final String WORD_START = "(?<![\\p{L}\\p{Nd}_])";
    /**
     * A URL in text, not inside a word. {@link #WORD_START} instead of {@code \b}: Java's {@code \b} reads a
     * combining mark as part of its base letter's word and walks back over the whole run of marks for it at every
     * position tried: 16 000 marks took 11 s, and a text part is read whole.
     */
    static final Pattern URL = Pattern.compile(
            "(?i)" + WORD_START + "(?:https?://|www\\.)[^\\s\"'<>()\\[\\]{}]{1,2000}");
    /**
     * A link in HTML. The white space runs are possessive: with an optional quote between two of them, a long run
     * of spaces after {@code href=} was tried at every split, quadratic in its length.
     */
    static final Pattern HREF = Pattern.compile(
            "(?i)(?:href|src|action)\\s*+=\\s*+[\"']?+\\s*+(https?://[^\"'\\s>]{1,2000})");
    private static final Pattern TAG_NAME = Pattern.compile("<\\s*([a-zA-Z][a-zA-Z0-9]{0,15})");

    private MimeText() {
    }

    static Extracted read(byte[] raw) {
        Collector c = new Collector();
        int start = 0;
        // mbox "From " separator line (corpus files, saved mailboxes): not a header
        if (raw.length > 5 && raw[0] == 'F' && raw[1] == 'r' && raw[2] == 'o' && raw[3] == 'm' && raw[4] == ' ') {
            int nl = indexOf(raw, (byte) '\n', 0, raw.length);
            start = nl < 0 ? raw.length : nl + 1;
        }
        List<Field> top = entity(raw, start, raw.length, 0, c);
        return new Extracted(top, c.text.toString(), List.copyOf(c.hosts), List.copyOf(c.parts), c.tags.toString(),
                List.copyOf(c.structure), List.copyOf(c.marks));
    }

    private static final class Collector {
        final StringBuilder text = new StringBuilder();
        final Set<String> hosts = new LinkedHashSet<>();
        final List<Part> parts = new ArrayList<>();
        final StringBuilder tags = new StringBuilder();
        /** One entry per body part: type, charset and transfer encoding ("text/html;utf-8;base64"). */
        final List<String> structure = new ArrayList<>();
        /** Traits of the markup and links ({@link MailTraits}). */
        final Set<String> marks = new LinkedHashSet<>();
        int partCount;
        int urlsSeen;
        /** Bytes ICU's charset detector may still read in this message ({@link #MAX_GUESSED_BYTES}). */
        int guessBudget = MAX_GUESSED_BYTES;

        /**
         * The charset to read {@code bytes[from, to)} with. A declared charset Java knows is used as declared (but
         * {@code us-ascii}, whose 8-bit bytes are common in mail); otherwise — no charset, {@code us-ascii}, a name
         * Java does not know such as {@code unknown-8bit} — the bytes decide: ASCII as is, valid UTF-8 as UTF-8,
         * text that ICU's {@code CharsetDetector} reads as one of the East Asian multibyte charsets with confidence
         * {@value #GUESS_CONFIDENCE} or more as that charset, anything else as Latin-1. Japanese, Chinese and Korean
         * mail sent with no or a wrong charset was otherwise read as Latin-1 noise: no word of it could be learned.
         * The first {@value #MAX_GUESS_BYTES} bytes decide, and ICU's detector reads {@value #MAX_GUESSED_BYTES}
         * bytes of one message in all (beyond, undeclared text that is neither ASCII nor UTF-8 is Latin-1). A {@code 3D} before the name
         * (quoted-printable's {@code =3D} left in a header) is dropped; {@code gb2312} is read as GBK, its superset,
         * as mail clients do.
         */
        Charset charset(String name, byte[] bytes, int from, int to) {
            Charset declared = declared(name);
            if (declared != null) {
                return declared;
            }
            return guess(bytes, from, to, this);
        }

        void addText(String s) {
            int room = MAX_TEXT - text.length();
            if (room <= 0) {
                return;
            }
            text.append(s, 0, Math.min(s.length(), room)).append('\n');
        }

        void addLinks(String s, Pattern p) {
            Matcher m = p.matcher(s);
            while (m.find() && hosts.size() < MAX_LINKS) {
                String url = m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group();
                if (urlsSeen++ < MAX_LINKS) {
                    MailTraits.url(url, marks);
                }
                String h = host(url);
                if (!h.isEmpty()) {
                    hosts.add(h);
                }
            }
        }
    }

    /** Reads one entity (headers + body) and returns its headers. */
    private static List<Field> entity(byte[] raw, int from, int to, int depth, Collector c) {
        int bodyStart = headerEnd(raw, from, to);
        int headerLength = Math.max(0, bodyStart - from);
        List<Field> headers = headers(new String(raw, from, headerLength, c.charset("", raw, from, from + headerLength)));
        if (++c.partCount > MAX_PARTS) {
            return headers;
        }
        String contentType = value(headers, "Content-Type");
        String type = mediaType(contentType);
        String encoding = value(headers, "Content-Transfer-Encoding").trim().toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/")) {
            String boundary = param(contentType, "boundary");
            if (!boundary.isEmpty() && depth < MAX_DEPTH) {
                multipart(raw, bodyStart, to, boundary, depth, c);
                return headers;
            }
            type = "text/plain"; // no usable boundary: read the body as text, like mail clients do
        }
        if (type.equals("message/rfc822") && depth < MAX_DEPTH) {
            entity(raw, bodyStart, to, depth + 1, c);
            return headers;
        }
        byte[] body = decode(raw, bodyStart, to, encoding);
        String disposition = value(headers, "Content-Disposition");
        String fileName = param(disposition, "filename");
        if (fileName.isEmpty()) {
            fileName = param(contentType, "name");
        }
        boolean attachment = disposition.toLowerCase(Locale.ROOT).startsWith("attachment") || !fileName.isEmpty();
        if (c.structure.size() < MAX_PARTS) {
            c.structure.add(type + ";" + param(contentType, "charset").toLowerCase(Locale.ROOT) + ";" + encoding
                    + (attachment ? ";attachment" : ""));
        }
        if (!attachment && (type.isEmpty() || type.startsWith("text/")) && encoding.equals("base64")) {
            c.marks.add("body.b64-text");
        }
        if (!attachment && (type.equals("text/plain") || type.isEmpty())) {
            String s = new String(body, c.charset(param(contentType, "charset"), body, 0, body.length));
            c.addText(s);
            c.addLinks(s, URL);
        } else if (!attachment && type.equals("text/html")) {
            String html = new String(body, c.charset(param(contentType, "charset"), body, 0, body.length));
            c.addLinks(html, HREF);
            tagNames(html, c.tags);
            String t = htmlToText(html);
            MailTraits.html(html, t, c.marks);
            c.addText(t);
            c.addLinks(t, URL);
        } else if (body.length > 0) {
            c.parts.add(new Part(type.isEmpty() ? "application/octet-stream" : type, EncodedWords.decode(fileName),
                    sha256(body), body.length));
        }
        return headers;
    }

    private static void multipart(byte[] raw, int from, int to, String boundary, int depth, Collector c) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = from;
        int partStart = -1;
        while (pos < to) {
            int lineEnd = indexOf(raw, (byte) '\n', pos, to);
            int next = lineEnd < 0 ? to : lineEnd + 1;
            if (startsWith(raw, pos, to, delimiter)) {
                boolean closing = startsWith(raw, pos + delimiter.length, to, new byte[] {'-', '-'});
                if (partStart >= 0) {
                    int end = pos;
                    // the CRLF before the delimiter belongs to the delimiter
                    if (end > partStart && raw[end - 1] == '\n') {
                        end--;
                        if (end > partStart && raw[end - 1] == '\r') {
                            end--;
                        }
                    }
                    entity(raw, partStart, end, depth + 1, c);
                    if (c.partCount > MAX_PARTS) {
                        return;
                    }
                }
                if (closing) {
                    return;
                }
                partStart = next;
            }
            pos = next;
        }
        if (partStart >= 0 && partStart < to) {
            entity(raw, partStart, to, depth + 1, c); // missing closing delimiter
        }
    }

    static int headerEnd(byte[] raw, int from, int to) {
        int i = from;
        // an entity that starts with an empty line has no headers
        if (i < to && (raw[i] == '\n' || (raw[i] == '\r' && i + 1 < to && raw[i + 1] == '\n'))) {
            return raw[i] == '\n' ? i + 1 : i + 2;
        }
        for (; i < to; i++) {
            if (raw[i] == '\n') {
                if (i + 1 < to && raw[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < to && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return to;
    }

    static List<Field> headers(String block) {
        List<Field> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : block.split("\r?\n", -1)) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (current != null && current.length() < 64 * 1024) {
                    current.append(' ').append(line.strip());
                }
                continue;
            }
            if (current != null) {
                add(out, current.toString());
                if (out.size() >= MAX_HEADERS) {
                    return out;
                }
            }
            current = line.isEmpty() ? null : new StringBuilder(line);
        }
        if (current != null) {
            add(out, current.toString());
        }
        return out;
    }

    private static void add(List<Field> out, String line) {
        int colon = line.indexOf(':');
        if (colon <= 0 || colon > 100) {
            return;
        }
        String name = line.substring(0, colon).strip();
        if (name.isEmpty() || name.indexOf(' ') >= 0) {
            return;
        }
        out.add(new Field(name, EncodedWords.decode(line.substring(colon + 1).strip())));
    }

    private static String value(List<Field> headers, String name) {
        for (Field f : headers) {
            if (f.name().equalsIgnoreCase(name)) {
                return f.value();
            }
        }
        return "";
    }

    static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** A parameter of a structured header ({@code boundary}, {@code charset}, {@code filename}), or "". */
    static String param(String header, String name) {
        String lower = asciiLower(header);
        int from = 0;
        while (true) {
            int i = lower.indexOf(name, from);
            if (i < 0) {
                return "";
            }
            from = i + name.length();
            boolean startOk = i == 0 || lower.charAt(i - 1) == ';' || Character.isWhitespace(lower.charAt(i - 1));
            int j = from;
            while (j < lower.length() && Character.isWhitespace(lower.charAt(j))) {
                j++;
            }
            if (!startOk || j >= lower.length() || lower.charAt(j) != '=') {
                continue;
            }
            j++;
            while (j < header.length() && Character.isWhitespace(header.charAt(j))) {
                j++;
            }
            if (j < header.length() && header.charAt(j) == '"') {
                int end = header.indexOf('"', j + 1);
                return header.substring(j + 1, end < 0 ? header.length() : end);
            }
            int end = j;
            while (end < header.length() && header.charAt(end) != ';' && !Character.isWhitespace(header.charAt(end))) {
                end++;
            }
            return header.substring(j, end);
        }
    }

    private static byte[] decode(byte[] raw, int from, int to, String encoding) {
        if (from >= to) {
            return new byte[0];
        }
        if (encoding.equals("base64")) {
            byte[] clean = new byte[to - from];
            int n = 0;
            for (int i = from; i < to; i++) {
                byte b = raw[i];
                if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/') {
                    clean[n++] = b;
                }
            }
            n -= n % 4 == 1 ? 1 : 0; // a dangling sextet cannot be decoded
            StringBuilder padded = new StringBuilder(n + 3).append(new String(clean, 0, n, StandardCharsets.ISO_8859_1));
            while (padded.length() % 4 != 0) {
                padded.append('=');
            }
            try {
                return Base64.getDecoder().decode(padded.toString());
            } catch (IllegalArgumentException e) {
                return new byte[0];
            }
        }
        if (encoding.equals("quoted-printable")) {
            return quotedPrintable(raw, from, to);
        }
        byte[] copy = new byte[to - from];
        System.arraycopy(raw, from, copy, 0, copy.length);
        return copy;
    }

    private static byte[] quotedPrintable(byte[] raw, int from, int to) {
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = raw[i];
            if (b == '=') {
                if (i + 1 < to && raw[i + 1] == '\n') {
                    i++;
                    continue;
                }
                if (i + 2 < to && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                    i += 2;
                    continue;
                }
                if (i + 2 < to) {
                    int hi = Character.digit(raw[i + 1], 16);
                    int lo = Character.digit(raw[i + 2], 16);
                    if (hi >= 0 && lo >= 0) {
                        out[n++] = (byte) (hi * 16 + lo);
                        i += 2;
                        continue;
                    }
                }
            }
            out[n++] = b;
        }
        byte[] r = new byte[n];
        System.arraycopy(out, 0, r, 0, n);
        return r;
    }

    /** Bytes of one undeclared text the charset guess reads, at most. */
    static final int MAX_GUESS_BYTES = 16 * 1024;
    /** Bytes ICU's detector reads in one message, at most (it reads 64 KiB in about 3 ms here). */
    static final int MAX_GUESSED_BYTES = 128 * 1024;

    /** What a guess may answer: the multibyte charsets of East Asian mail, which Latin-1 would turn to noise. */
    private static final Set<String> GUESSABLE = Set.of("Shift_JIS", "EUC-JP", "ISO-2022-JP", "GB18030", "Big5",
            "EUC-KR", "ISO-2022-KR", "ISO-2022-CN");

    /** The charset a name declares, or null for none, {@code us-ascii} or a name Java does not know. */
    static Charset declared(String name) {
        String n = name == null ? "" : name.strip().replace("\"", "");
        if (n.regionMatches(true, 0, "3D", 0, 2) && n.length() > 2) {
            n = n.substring(2);
        }
        if (n.isEmpty() || n.equalsIgnoreCase("us-ascii") || n.equalsIgnoreCase("ascii")) {
            return null;
        }
        try {
            // gb2312 as mail clients read it: GBK, its superset, which the senders really used
            return Charset.forName(n.equalsIgnoreCase("gb2312") ? "GBK" : n);
        } catch (RuntimeException e) {
            return null; // unknown or illegal name
        }
    }

    /** Confidence (0..100) below which the charset guess does not take the detector's answer. */
    static final int GUESS_CONFIDENCE = 70;

    /**
     * The guess of {@link Collector#charset} from the first {@value #MAX_GUESS_BYTES} bytes of {@code [from, to)}: the
     * ASCII and UTF-8 checks always, ICU's detector only within the message's budget, which only it spends.
     */
    private static Charset guess(byte[] bytes, int from, int to, Collector c) {
        int end = from + Math.min(to - from, MAX_GUESS_BYTES);
        boolean high = false;
        boolean escape = false;
        for (int i = from; i < end; i++) {
            high |= bytes[i] < 0;
            escape |= bytes[i] == 0x1b;
        }
        if (!high && !escape) {
            return StandardCharsets.ISO_8859_1;
        }
        if (high && validUtf8(bytes, from, end, end < to)) {
            return StandardCharsets.UTF_8;
        }
        int sample = Math.min(end - from, c.guessBudget);
        if (sample <= 0) {
            return StandardCharsets.ISO_8859_1;
        }
        c.guessBudget -= sample;
        try {
            com.ibm.icu.text.CharsetDetector detector = new com.ibm.icu.text.CharsetDetector();
            detector.setText(java.util.Arrays.copyOfRange(bytes, from, from + sample));
            com.ibm.icu.text.CharsetMatch match = detector.detect();
            if (match != null && match.getConfidence() >= GUESS_CONFIDENCE && GUESSABLE.contains(match.getName())) {
                return Charset.forName(match.getName());
            }
        } catch (RuntimeException e) {
            // no guess
        }
        return StandardCharsets.ISO_8859_1;
    }

    /**
     * Strict UTF-8 (the JDK's decoder, reporting every malformed sequence: overlong forms and surrogates too); a
     * sequence left incomplete at the end passes only if the text was {@code cut} there.
     */
    static boolean validUtf8(byte[] b, int from, int to, boolean cut) {
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        // UTF-8 never gives more chars than it has bytes: the output cannot overflow
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(Math.max(0, to - from));
        return !d.decode(java.nio.ByteBuffer.wrap(b, from, Math.max(0, to - from)), out, !cut).isError();
    }

    /** Visible text of HTML: scripts, styles and comments dropped, tags removed, common entities decoded. */
    static String htmlToText(String html) {
        StringBuilder out = new StringBuilder(Math.min(html.length(), MAX_TEXT));
        String lower = asciiLower(html); // same length as html, so indexes agree
        int i = 0;
        int n = html.length();
        while (i < n && out.length() < MAX_TEXT) {
            char ch = html.charAt(i);
            if (ch == '<') {
                if (lower.startsWith("<!--", i)) {
                    int end = lower.indexOf("-->", i + 4);
                    i = end < 0 ? n : end + 3;
                    continue;
                }
                String skipTo = lower.startsWith("<script", i) ? "</script" : lower.startsWith("<style", i) ? "</style" : null;
                if (skipTo != null) {
                    int end = lower.indexOf(skipTo, i);
                    i = end < 0 ? n : end + skipTo.length();
                }
                int close = html.indexOf('>', i);
                i = close < 0 ? n : close + 1;
                out.append(' ');
                continue;
            }
            if (ch == '&') {
                // an entity is at most 8 characters long: the search stops there (a search to the end of the
                // text for each '&' made a megabyte of '&' take 15 s)
                int semi = -1;
                for (int k = i + 1; k <= i + 8 && k < n && semi < 0; k++) {
                    semi = html.charAt(k) == ';' ? k : -1;
                }
                if (semi > i) {
                    String ent = lower.substring(i + 1, semi);
                    String rep = switch (ent) {
                        case "nbsp" -> " ";
                        case "amp" -> "&";
                        case "lt" -> "<";
                        case "gt" -> ">";
                        case "quot" -> "\"";
                        case "apos" -> "'";
                        default -> numericEntity(ent);
                    };
                    if (rep != null) {
                        out.append(rep);
                        i = semi + 1;
                        continue;
                    }
                }
            }
            out.append(ch);
            i++;
        }
        return out.toString();
    }

    /** Lower-cases ASCII letters only: unlike toLowerCase, never changes the length. */
    static String asciiLower(String s) {
        char[] a = s.toCharArray();
        for (int i = 0; i < a.length; i++) {
            if (a[i] >= 'A' && a[i] <= 'Z') {
                a[i] = (char) (a[i] + 32);
            }
        }
        return new String(a);
    }

    private static String numericEntity(String ent) {
        try {
            if (ent.startsWith("#x")) {
                return new String(Character.toChars(Integer.parseInt(ent.substring(2), 16)));
            }
            if (ent.startsWith("#")) {
                return new String(Character.toChars(Integer.parseInt(ent.substring(1))));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    private static void tagNames(String html, StringBuilder tags) {
        Matcher m = TAG_NAME.matcher(html);
        int count = 0;
        while (m.find() && count++ < 2000) {
            tags.append(m.group(1).toLowerCase(Locale.ROOT)).append(' ');
        }
    }

    /** What follows a URL's {@code ://} (or the whole text) up to the first {@code / ? # \}: {@code [userinfo@]host[:port]}. */
    static String authority(String url) {
        String s = url;
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        }
        int end = 0;
        while (end < s.length() && "/?#\\".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        return s.substring(0, end);
    }

    /** The lower-case host of a URL ({@code www.x.org/...} accepted), or "" when none can be read. */
    static String host(String url) {
        String s = authority(url);
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            s = s.substring(at + 1);
        }
        int colon = s.lastIndexOf(':');
        if (colon >= 0 && s.indexOf(']') < colon) {
            s = s.substring(0, colon);
        }
        s = s.toLowerCase(Locale.ROOT);
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 253) {
            return "";
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!(Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '[' || ch == ']' || ch == ':')) {
                return "";
            }
        }
        return s;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JRE", e);
        }
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] a, int at, int to, byte[] prefix) {
        if (at + prefix.length > to) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
