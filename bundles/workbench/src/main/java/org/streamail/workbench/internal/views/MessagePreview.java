package org.streamail.workbench.internal.views;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

/**
 * Turns a raw quarantined message into a SAFE preview: plain text only. HTML is parsed with jsoup and
 * reduced to its text (scripts, styles, frames and objects dropped), links are listed as "text → target"
 * so the administrator sees where they really go, attachments are named but never opened. Nothing is
 * executed and nothing remote is fetched, because nothing here renders HTML.
 *
 * <p>Every input gives a preview: what cannot be parsed is reported in {@link Preview#problems()}. Depth,
 * part count, header count and text size are bounded. Stateless and thread-safe.
 */
final class MessagePreview {

    static final int MAX_DEPTH = 12;
    static final int MAX_PARTS = 256;
    static final int MAX_HEADERS = 500;
    static final int MAX_TEXT_CHARS = 200_000;
    static final int MAX_LINKS = 200;

    /** Headers worth showing, in this order. */
    private static final List<String> SHOWN = List.of("From", "To", "Cc", "Reply-To", "Subject", "Date",
            "Message-ID", "Return-Path");
    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");
    private static final Pattern PARAM = Pattern.compile(
            ";\\s*([A-Za-z0-9_.*-]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[^;\\s]+)");

    record Header(String name, String value) {
    }

    /** The preview: selected headers, body text, links, attachment names and parse problems. */
    record Preview(List<Header> headers, String text, List<String> links, List<String> attachments,
            List<String> problems) {

        /**
         * Everything as one plain text, for a read-only text widget. Control and bidi characters of the message
         * are shown as {@code [U+202E]}-style code points ({@link Visible}): a header stays on its line and a link
         * target reads in its real order.
         */
        String render() {
            StringBuilder b = new StringBuilder();
            for (Header h : headers) {
                b.append(h.name()).append(": ").append(Visible.cell(h.value())).append('\n');
            }
            if (!attachments.isEmpty()) {
                b.append("Attachments (not opened): ").append(Visible.cell(String.join("; ", attachments)))
                        .append('\n');
            }
            if (!problems.isEmpty()) {
                b.append("Problems: ").append(String.join("; ", problems)).append('\n');
            }
            b.append('\n').append(text.isBlank() ? "(no text body)" : Visible.text(text.strip())).append('\n');
            if (!links.isEmpty()) {
                b.append("\nLinks (not followed):\n");
                links.forEach(l -> b.append("  ").append(Visible.cell(l)).append('\n'));
            }
            return b.toString();
        }
    }

    private MessagePreview() {
    }

    static Preview of(byte[] raw) {
        Walker w = new Walker();
        try {
            Part top = Part.parse(raw, 0, raw.length, w);
            for (String name : SHOWN) {
                String v = top.header(name);
                if (v != null) {
                    w.headers.add(new Header(name, decodeWords(v)));
                }
            }
            w.walk(top, raw, 0);
        } catch (RuntimeException e) {
            // a hostile message must give a preview that says so, never an exception in the UI
            w.problems.add("malformed message: " + e.getClass().getSimpleName());
        }
        String text = w.text.length() > MAX_TEXT_CHARS
                ? w.text.substring(0, MAX_TEXT_CHARS) + "\n[… preview cut at " + MAX_TEXT_CHARS + " characters]"
                : w.text.toString();
        return new Preview(List.copyOf(w.headers), text, List.copyOf(w.links), List.copyOf(w.attachments),
                List.copyOf(w.problems));
    }

    /** One MIME entity: its headers and the byte range of its body inside the raw message. */
    private record Part(List<Header> headers, int bodyStart, int bodyEnd) {

        static Part parse(byte[] raw, int start, int end, Walker w) {
            List<Header> headers = new ArrayList<>();
            int pos = start;
            StringBuilder current = null;
            while (pos < end) {
                int eol = indexOf(raw, (byte) '\n', pos, end);
                int lineEnd = eol < 0 ? end : eol;
                int contentEnd = lineEnd > pos && raw[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
                String line = new String(raw, pos, contentEnd - pos, StandardCharsets.ISO_8859_1);
                pos = eol < 0 ? end : eol + 1;
                if (line.isEmpty()) {
                    break; // end of headers
                }
                if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                    if (current.length() < 16_384) {
                        current.append(' ').append(line.strip());
                    }
                    continue;
                }
                if (current != null) {
                    add(headers, current.toString(), w);
                }
                current = new StringBuilder(line);
            }
            if (current != null) {
                add(headers, current.toString(), w);
            }
            return new Part(headers, Math.min(pos, end), end);
        }

        private static void add(List<Header> headers, String line, Walker w) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return; // not a header line: ignore, as mail readers do
            }
            if (headers.size() >= MAX_HEADERS) {
                if (headers.size() == MAX_HEADERS) {
                    w.problem("more than " + MAX_HEADERS + " header lines");
                }
                return;
            }
            headers.add(new Header(line.substring(0, colon).strip(), line.substring(colon + 1).strip()));
        }

        String header(String name) {
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase(name)) {
                    return h.value();
                }
            }
            return null;
        }

        String mediaType() {
            String ct = header("Content-Type");
            if (ct == null || ct.isBlank()) {
                return "text/plain";
            }
            int semi = ct.indexOf(';');
            return (semi < 0 ? ct : ct.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        }

        String param(String headerName, String param) {
            String v = header(headerName);
            if (v == null) {
                return null;
            }
            Matcher m = PARAM.matcher(v);
            while (m.find()) {
                if (m.group(1).equalsIgnoreCase(param)) {
                    return m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(2);
                }
            }
            return null;
        }
    }

    private static final class Walker {
        final List<Header> headers = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        final List<String> links = new ArrayList<>();
        final List<String> attachments = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        int parts;

        void problem(String p) {
            if (problems.size() < 20 && !problems.contains(p)) {
                problems.add(p);
            }
        }

        void walk(Part part, byte[] raw, int depth) {
            if (++parts > MAX_PARTS) {
                problem("more than " + MAX_PARTS + " MIME parts; the rest is not shown");
                return;
            }
            if (depth > MAX_DEPTH) {
                problem("MIME nesting deeper than " + MAX_DEPTH + "; the rest is not shown");
                return;
            }
            String type = part.mediaType();
            String disposition = part.header("Content-Disposition");
            String filename = part.param("Content-Disposition", "filename");
            if (filename == null) {
                filename = part.param("Content-Type", "name");
            }
            boolean attachment = (disposition != null && disposition.toLowerCase(Locale.ROOT).startsWith("attachment"))
                    || (filename != null && !type.startsWith("multipart/"));
            if (type.startsWith("multipart/")) {
                String boundary = part.param("Content-Type", "boundary");
                if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
                    problem("multipart without a usable boundary");
                    return;
                }
                List<int[]> ranges = splitMultipart(raw, part.bodyStart(), part.bodyEnd(), boundary);
                if (ranges.isEmpty()) {
                    problem("multipart with no parts (boundary not found)");
                }
                List<Part> children = new ArrayList<>();
                for (int[] r : ranges) {
                    children.add(Part.parse(raw, r[0], r[1], this));
                }
                if (type.equals("multipart/alternative")) {
                    // show one alternative: the plain text if there is one, since it cannot hide anything
                    Part best = null;
                    for (Part c : children) {
                        if (c.mediaType().equals("text/plain")) {
                            best = c;
                            break;
                        }
                    }
                    if (best == null && !children.isEmpty()) {
                        best = children.get(children.size() - 1);
                    }
                    for (Part c : children) {
                        if (c == best) {
                            walk(c, raw, depth + 1);
                        } else if (c.mediaType().equals("text/html")) {
                            collectLinks(decodeText(c, raw)); // links of the hidden HTML still matter
                        }
                    }
                } else {
                    for (Part c : children) {
                        walk(c, raw, depth + 1);
                    }
                }
            } else if (attachment) {
                attachments.add((filename == null ? "(unnamed)" : decodeWords(filename)) + " (" + type + ", "
                        + approximateSize(part) + ")");
            } else if (type.equals("text/html")) {
                appendSection(htmlToText(decodeText(part, raw)));
            } else if (type.startsWith("text/") || type.equals("message/delivery-status")) {
                appendSection(decodeText(part, raw));
            } else if (type.equals("message/rfc822")) {
                Part inner = Part.parse(raw, part.bodyStart(), part.bodyEnd(), this);
                appendSection("--- attached message: " + decodeWords(String.valueOf(inner.header("Subject"))));
                walk(inner, raw, depth + 1);
            } else {
                attachments.add("(inline " + type + ", " + approximateSize(part) + ")");
            }
        }

        private void appendSection(String s) {
            if (text.length() >= MAX_TEXT_CHARS) {
                return;
            }
            if (text.length() > 0) {
                text.append("\n\n");
            }
            text.append(s, 0, Math.min(s.length(), MAX_TEXT_CHARS - text.length() + 1));
        }

        private static String approximateSize(Part p) {
            int n = p.bodyEnd() - p.bodyStart();
            return n < 1024 ? n + " bytes" : (n / 1024) + " KiB encoded";
        }

        String decodeText(Part part, byte[] raw) {
            byte[] body = java.util.Arrays.copyOfRange(raw, part.bodyStart(), part.bodyEnd());
            String cte = String.valueOf(part.header("Content-Transfer-Encoding")).strip().toLowerCase(Locale.ROOT);
            if (cte.equals("base64")) {
                try {
                    body = Base64.getMimeDecoder().decode(body);
                } catch (IllegalArgumentException e) {
                    problem("bad base64 in a text part");
                }
            } else if (cte.equals("quoted-printable")) {
                body = decodeQuotedPrintable(body);
            }
            return new String(body, charset(part.param("Content-Type", "charset")));
        }

        Charset charset(String name) {
            if (name == null || name.isBlank()) {
                return StandardCharsets.UTF_8;
            }
            try {
                return Charset.forName(name.strip());
            } catch (RuntimeException e) {
                problem("unknown charset " + (name.length() > 40 ? name.substring(0, 40) : name));
                return StandardCharsets.ISO_8859_1;
            }
        }

        String htmlToText(String html) {
            Document doc = Jsoup.parse(html);
            doc.select("script, style, head, iframe, frame, object, embed, applet, noscript, template").remove();
            collectLinks(doc);
            StringBuilder out = new StringBuilder();
            doc.body().traverse(new NodeVisitor() {
                @Override
                public void head(Node node, int depth) {
                    if (out.length() > MAX_TEXT_CHARS) {
                        return;
                    }
                    if (node instanceof TextNode t) {
                        out.append(t.text());
                    } else if (node instanceof Element e && (e.isBlock() || e.normalName().equals("br"))) {
                        newline(out);
                    }
                }

                @Override
                public void tail(Node node, int depth) {
                    if (node instanceof Element e && e.isBlock()) {
                        newline(out);
                    }
                }
            });
            return out.toString().replaceAll("\n{3,}", "\n\n").strip();
        }

        private static void newline(StringBuilder out) {
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                out.append('\n');
            }
        }

        void collectLinks(String html) {
            collectLinks(Jsoup.parse(html));
        }

        void collectLinks(Document doc) {
            for (Element a : doc.select("a[href], area[href], form[action]")) {
                if (links.size() >= MAX_LINKS) {
                    problem("more than " + MAX_LINKS + " links; the rest is not listed");
                    return;
                }
                String target = a.hasAttr("href") ? a.attr("href") : "form → " + a.attr("action");
                String label = a.text().strip();
                String entry = (label.isEmpty() ? "(no text)" : abbrev(label, 80)) + " → " + abbrev(target, 300);
                if (!links.contains(entry)) {
                    links.add(entry);
                }
            }
        }
    }

    /** Body ranges between {@code --boundary} delimiter lines, up to the closing delimiter. */
    static List<int[]> splitMultipart(byte[] raw, int start, int end, String boundary) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<int[]> out = new ArrayList<>();
        int partStart = -1;
        int pos = start;
        while (pos < end && out.size() <= MAX_PARTS) {
            int eol = indexOf(raw, (byte) '\n', pos, end);
            int lineEnd = eol < 0 ? end : eol;
            int kind = startsWith(raw, pos, lineEnd, delim) ? delimiterKind(raw, pos + delim.length, lineEnd) : 0;
            if (kind != 0) {
                boolean closing = kind == 2;
                if (partStart >= 0) {
                    // the CRLF before a delimiter belongs to the delimiter
                    int pe = pos;
                    if (pe > partStart && raw[pe - 1] == '\n') {
                        pe--;
                    }
                    if (pe > partStart && raw[pe - 1] == '\r') {
                        pe--;
                    }
                    out.add(new int[] {partStart, pe});
                }
                if (closing) {
                    return out;
                }
                partStart = eol < 0 ? end : eol + 1;
            }
            pos = eol < 0 ? end : eol + 1;
        }
        if (partStart >= 0 && partStart < end) {
            out.add(new int[] {partStart, end}); // no closing delimiter: keep what is there
        }
        return out;
    }

    /**
     * What follows {@code --boundary} on its line: 1 = a delimiter, 2 = the closing delimiter, 0 = neither
     * (the line only starts like one, e.g. boundary "b1" against "--b10"). Only white space may follow.
     */
    private static int delimiterKind(byte[] raw, int from, int lineEnd) {
        int kind = 1;
        int i = from;
        if (i + 1 < lineEnd && raw[i] == '-' && raw[i + 1] == '-') {
            kind = 2;
            i += 2;
        }
        for (; i < lineEnd; i++) {
            if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r') {
                return 0;
            }
        }
        return kind;
    }

    private static boolean startsWith(byte[] raw, int pos, int limit, byte[] prefix) {
        if (limit - pos < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (raw[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] raw, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (raw[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static byte[] decodeQuotedPrintable(byte[] in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '=') {
                if (i + 1 < in.length && in[i + 1] == '\n') {
                    i += 1; // soft line break (LF)
                    continue;
                }
                if (i + 2 < in.length && in[i + 1] == '\r' && in[i + 2] == '\n') {
                    i += 2; // soft line break (CRLF)
                    continue;
                }
                if (i + 2 < in.length) {
                    int hi = Character.digit(in[i + 1], 16);
                    int lo = Character.digit(in[i + 2], 16);
                    if (hi >= 0 && lo >= 0) {
                        out.write(hi * 16 + lo);
                        i += 2;
                        continue;
                    }
                }
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    /** Decodes RFC 2047 encoded words; anything undecodable stays as it was. */
    static String decodeWords(String value) {
        Matcher m = ENCODED_WORD.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        int count = 0;
        while (m.find() && count++ < 100) {
            String between = value.substring(last, m.start());
            // whitespace between two encoded words is not part of the text (RFC 2047 section 6.2)
            if (!(last > 0 && between.isBlank())) {
                out.append(between);
            }
            out.append(decodeWord(m.group(1), m.group(2), m.group(3), m.group()));
            last = m.end();
        }
        out.append(value.substring(last));
        return out.toString();
    }

    private static String decodeWord(String charsetName, String encoding, String text, String original) {
        try {
            Charset cs = Charset.forName(charsetName.contains("*") ? charsetName.substring(0, charsetName.indexOf('*'))
                    : charsetName);
            byte[] bytes;
            if (encoding.equalsIgnoreCase("B")) {
                bytes = Base64.getDecoder().decode(text);
            } else {
                bytes = decodeQuotedPrintable(text.replace('_', ' ').getBytes(StandardCharsets.ISO_8859_1));
            }
            return new String(bytes, cs);
        } catch (RuntimeException e) {
            return original;
        }
    }

    private static String abbrev(String s, int max) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() <= max ? one : one.substring(0, max) + "…";
    }
}
