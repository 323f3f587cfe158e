package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Range;
import org.jsoup.parser.Parser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the http(s) links of a message's displayed bodies to the click endpoint
 * ({@code <base.url>/streamail/click/<token>}).
 *
 * <ul>
 *   <li>Which parts: {@code text/html} and {@code text/plain} parts that are not attachments (no
 *       {@code attachment} disposition, no file name), at any depth including forwarded messages
 *       ({@code message/rfc822}).</li>
 *   <li>HTML: the {@code href} of {@code a} and {@code area} elements, found with jsoup and replaced at the
 *       attribute value's source position, so the rest of the HTML (visible text, formatting, entities) stays
 *       as written. Entities in the value are decoded before signing ({@code &amp;} is {@code &}). A
 *       relative {@code href} under an absolute http(s) {@code <base href>} is resolved first (else it
 *       would escape rewriting); the {@code <base>} itself is left alone.</li>
 *   <li>HTML hrefs are read the way a browser reads them ({@link Urls#httpUrl(String, String)}):
 *       scheme-relative {@code //host}, {@code \\host} and {@code /\host} (scheme of the {@code <base>}, else
 *       {@code https}), {@code https:host}, {@code https:/host}, {@code https:///host}, backslashes for
 *       slashes; the signed target is the normalised URL. Relative links without a host are left alone.</li>
 *   <li>Plain text: {@code http:} and {@code https:} URLs (any case, any number of slashes or backslashes
 *       after the colon), and bare {@code www.} names (signed as {@code https://www.…}, as mail clients link
 *       them), ending at white space, quotes, angle brackets or a backtick, without trailing punctuation
 *       ({@code . , ; : ! ? *}) and without an unbalanced closing bracket.</li>
 *   <li>Left alone: non-http(s) schemes ({@code mailto:} …), hosts in the internal or exempt domains (and
 *       their subdomains), links already pointing at a click endpoint with a token of this key or at this
 *       {@code base.url} (so a second pass changes nothing), URLs longer than {@value Urls#MAX_URL_CHARS}
 *       characters (logged), and every link after the first {@code max.links} of a message (logged).</li>
 *   <li>Encoding: a changed part is re-encoded in its own charset and transfer encoding (base64 and
 *       quoted-printable decoded and re-encoded; 7bit/8bit kept unless a line would exceed 998 bytes, then
 *       the part becomes quoted-printable). Every other byte of the message is kept.</li>
 * </ul>
 * Immutable and thread-safe.
 */
final class LinkRewriter {

    private static final Logger LOG = LoggerFactory.getLogger(LinkRewriter.class);
    static final String CLICK_PATH = "/streamail/click/";
    /**
     * An http(s) URL with any number of slashes or backslashes after the scheme (browsers take
     * {@code https:host} as {@code https://host}), or, group {@code www}, a bare {@code www.} name that mail
     * clients turn into a link themselves. The latter must not follow a character that would make it part of
     * a word, an e-mail address or a path, and its next label must start with a letter or digit.
     */
    private static final Pattern TEXT_URL = Pattern.compile("(?i)(?<![A-Za-z0-9+.\\-])https?:[^\\s<>\"'`\\x00-\\x1f\\x7f]+"
            + "|(?<www>(?<![A-Za-z0-9+.\\-_/\\\\@%])www\\.[A-Za-z0-9][^\\s<>\"'`\\x00-\\x1f\\x7f]*)");
    private static final String ASCII_PROBE = "http://aZ09=<>\"'&;./:?#-_%\r\n";

    /** The rewritten message (the same array when nothing changed) and the original URLs rewritten. */
    record Result(byte[] raw, boolean changed, List<String> urls) {
    }

    private final LinkTokens tokens;
    private final String clickPrefix;
    private final Set<String> exemptDomains;
    private final int maxLinks;

    /**
     * @param tokens        signs the links
     * @param baseUrl       absolute http(s) URL of the gateway as workstations reach it, without a trailing
     *                      slash
     * @param exemptDomains lower-case domains never rewritten (besides the internal ones given per message)
     * @param maxLinks      links rewritten per message at most
     */
    LinkRewriter(LinkTokens tokens, String baseUrl, Set<String> exemptDomains, int maxLinks) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.clickPrefix = Urls.httpUrl(baseUrl).orElseThrow(() -> new IllegalArgumentException("base.url")) + CLICK_PATH;
        this.exemptDomains = Set.copyOf(exemptDomains);
        this.maxLinks = maxLinks;
    }

    /** The click URL prefix, e.g. {@code http://gw.example:8181/streamail/click/}. */
    String clickPrefix() {
        return clickPrefix;
    }

    /**
     * Rewrites one message.
     *
     * @param msg             the raw message
     * @param messageId       the gateway id signed into the tokens
     * @param recipient       the recipient signed into the tokens, or {@code ""}
     * @param internalDomains the organisation's domains, lower case; left alone like the exempt ones
     * @throws MimeTree.Malformed when the structure exceeds {@link MimeTree}'s bounds
     */
    Result rewrite(byte[] msg, String messageId, String recipient, Set<String> internalDomains)
            throws MimeTree.Malformed {
        MimeTree.Part root = MimeTree.parse(msg);
        Session s = new Session(messageId, recipient, internalDomains);
        List<Edit> edits = new ArrayList<>();
        walk(msg, root, s, edits);
        if (s.overLimit > 0) {
            LOG.warn("Message {}: {} links beyond max.links {} were left as they are", messageId, s.overLimit,
                    maxLinks);
        }
        if (edits.isEmpty()) {
            return new Result(msg, false, List.of());
        }
        return new Result(splice(msg, edits), true, List.copyOf(s.urls));
    }

    private void walk(byte[] msg, MimeTree.Part p, Session s, List<Edit> edits) {
        if (!p.children().isEmpty()) {
            for (MimeTree.Part c : p.children()) {
                walk(msg, c, s, edits);
            }
            return;
        }
        boolean html = p.mediaType().equals("text/html");
        if (!html && !p.mediaType().equals("text/plain") || p.isAttachment()) {
            return;
        }
        rewritePart(msg, p, html, s, edits);
    }

    private void rewritePart(byte[] msg, MimeTree.Part p, boolean html, Session s, List<Edit> edits) {
        int contentEnd = p.end();
        // Line breaks at the end of the body stay as they are; only what precedes them is re-encoded.
        while (contentEnd > p.bodyStart() && (msg[contentEnd - 1] == '\n' || msg[contentEnd - 1] == '\r')) {
            contentEnd--;
        }
        byte[] body = Arrays.copyOfRange(msg, p.bodyStart(), contentEnd);
        String cte = p.transferEncoding();
        byte[] decoded;
        switch (cte) {
            case "base64" -> {
                try {
                    decoded = TransferCodec.decodeBase64(body);
                } catch (IllegalArgumentException e) {
                    LOG.debug("Message {}: a base64 body that does not decode was left as is", s.messageId);
                    return;
                }
            }
            case "quoted-printable" -> decoded = TransferCodec.decodeQuotedPrintable(body);
            case "7bit", "8bit", "binary" -> decoded = body;
            default -> {
                LOG.debug("Message {}: transfer encoding {} not rewritten", s.messageId, cte);
                return;
            }
        }
        Text text = Text.decode(decoded, p.params().get("charset"));
        if (text == null) {
            LOG.info("Message {}: a part in the unknown charset {} was left as is", s.messageId,
                    p.params().get("charset"));
            return;
        }
        String rewritten;
        try {
            rewritten = html ? rewriteHtml(text.value(), s) : rewriteText(text.value(), s);
        } catch (RuntimeException e) {
            LOG.warn("Message {}: a {} part could not be read and was left as is: {}", s.messageId,
                    p.mediaType(), e.toString());
            return;
        }
        if (rewritten.equals(text.value())) {
            return;
        }
        byte[] out = rewritten.getBytes(text.charset());
        switch (cte) {
            case "base64" -> edits.add(new Edit(p.bodyStart(), contentEnd, TransferCodec.encodeBase64(out)));
            case "quoted-printable" ->
                    edits.add(new Edit(p.bodyStart(), contentEnd, TransferCodec.encodeQuotedPrintable(out)));
            default -> {
                if (TransferCodec.hasLongLine(out)) {
                    // A signed link can be long; lines over 998 bytes are not allowed in 7bit/8bit.
                    edits.add(new Edit(p.bodyStart(), contentEnd, TransferCodec.encodeQuotedPrintable(out)));
                    byte[] field = "Content-Transfer-Encoding: quoted-printable\r\n".getBytes(StandardCharsets.US_ASCII);
                    Optional<MimeTree.Field> old = p.field("Content-Transfer-Encoding");
                    edits.add(old.map(f -> new Edit(f.start(), f.end(), field))
                            .orElseGet(() -> new Edit(p.headerEnd(), p.headerEnd(), field)));
                } else {
                    edits.add(new Edit(p.bodyStart(), contentEnd, out));
                }
            }
        }
    }

    /** HTML with the href values of a and area replaced at their source positions. */
    String rewriteHtml(String html, Session s) {
        Parser parser = Parser.htmlParser().setTrackPosition(true);
        Document doc = parser.parseInput(html, "");
        URI base = null;
        String relativeScheme = "https";
        Element baseEl = doc.selectFirst("base[href]");
        if (baseEl != null) {
            Optional<String> b = Urls.httpUrl(baseEl.attr("href"));
            if (b.isPresent()) {
                try {
                    base = new URI(b.get());
                    relativeScheme = base.getScheme();
                } catch (URISyntaxException e) {
                    base = null;
                }
            }
        }
        List<TextEdit> edits = new ArrayList<>();
        for (Element e : doc.select("a[href], area[href]")) {
            Range value = e.attributes().sourceRange("href").valueRange();
            if (!value.isTracked() || value.startPos() < 0 || value.endPos() > html.length()
                    || value.endPos() < value.startPos()) {
                continue;
            }
            String href = e.attr("href");
            Optional<String> direct = Urls.httpUrl(href, relativeScheme);
            if (direct.isPresent()) {
                // Normalised as the browser would read it (scheme-relative, backslashes, slash count).
                href = direct.get();
            } else if (base != null && !hasScheme(href)) {
                href = resolve(base, href);
            }
            String replacement = s.replacement(href);
            if (replacement != null) {
                edits.add(new TextEdit(value.startPos(), value.endPos(), replacement));
            }
        }
        return spliceText(html, edits);
    }

    /** Plain text with its http(s) URLs replaced. */
    String rewriteText(String text, Session s) {
        Matcher m = TEXT_URL.matcher(text);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            String url = trimTrailing(m.group());
            String replacement = s.replacement(m.group("www") != null ? "https://" + url : url);
            if (replacement == null) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 256);
            }
            out.append(text, last, m.start()).append(replacement);
            last = m.start() + url.length();
        }
        if (out == null) {
            return text;
        }
        return out.append(text, last, text.length()).toString();
    }

    /** Drops punctuation that ends a sentence rather than the URL, and closing brackets without an opener. */
    static String trimTrailing(String url) {
        String u = url;
        while (!u.isEmpty()) {
            char c = u.charAt(u.length() - 1);
            if (".,;:!?*".indexOf(c) >= 0 || c == ')' && unbalanced(u, '(', ')') || c == ']' && unbalanced(u, '[', ']')
                    || c == '}' && unbalanced(u, '{', '}')) {
                u = u.substring(0, u.length() - 1);
            } else {
                break;
            }
        }
        return u;
    }

    private static boolean unbalanced(String s, char open, char close) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == open) {
                depth++;
            } else if (c == close) {
                depth--;
            }
        }
        return depth < 0;
    }

    private static boolean hasScheme(String href) {
        String h = Urls.clean(href);
        int colon = h.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = h.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.'))) {
                return false;
            }
        }
        return true;
    }

    private static String resolve(URI base, String href) {
        try {
            return base.resolve(new URI(Urls.clean(href).replace(" ", "%20"))).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return href;
        }
    }

    /** Per-message state: what was rewritten, how many. Confined to one call. */
    final class Session {
        final String messageId;
        final String recipient;
        final Set<String> internalDomains;
        final Set<String> urls = new LinkedHashSet<>();
        int rewritten;
        int overLimit;

        Session(String messageId, String recipient, Set<String> internalDomains) {
            this.messageId = messageId;
            this.recipient = recipient;
            this.internalDomains = internalDomains;
        }

        /** The click URL replacing {@code href}, or null to leave it as written. */
        String replacement(String href) {
            Optional<String> parsed = Urls.httpUrl(href);
            if (parsed.isEmpty()) {
                return null;
            }
            String url = parsed.get();
            if (url.length() > Urls.MAX_URL_CHARS) {
                LOG.info("Message {}: a link of {} characters to {} is longer than {} and was left as is",
                        messageId, url.length(), Urls.hostOf(url), Urls.MAX_URL_CHARS);
                return null;
            }
            if (isClickLink(url)) {
                return null;
            }
            String host = Urls.hostOf(url);
            if (Urls.inDomains(host, exemptDomains) || Urls.inDomains(host, internalDomains)) {
                return null;
            }
            if (rewritten >= maxLinks) {
                overLimit++;
                return null;
            }
            Optional<String> token = tokens.sign(messageId, recipient, url);
            if (token.isEmpty()) {
                LOG.info("Message {}: the token for a link to {} would be too long; left as is", messageId, host);
                return null;
            }
            rewritten++;
            urls.add(url);
            return clickPrefix + token.get();
        }
    }

    /** Whether {@code url} (normalised) already points at a click endpoint: ours, or any with our key's token. */
    boolean isClickLink(String url) {
        if (url.startsWith(clickPrefix)) {
            return true;
        }
        int at = url.indexOf(CLICK_PATH);
        if (at < 0) {
            return false;
        }
        String rest = url.substring(at + CLICK_PATH.length());
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        return tokens.verify(rest.substring(0, end)).isPresent();
    }

    /** A part's text in its charset, and the charset to encode it back with. */
    record Text(String value, Charset charset) {

        /**
         * Decodes {@code data}. No charset or US-ASCII: ISO-8859-1 (a lossless superset, so stray 8-bit
         * bytes survive). Malformed input in an ASCII-compatible charset: ISO-8859-1 as well (links are
         * ASCII; every byte is kept). Returns null for an unknown charset.
         */
        static Text decode(byte[] data, String charsetName) {
            Charset cs;
            if (charsetName == null || charsetName.isBlank()) {
                cs = StandardCharsets.US_ASCII;
            } else {
                try {
                    cs = Charset.forName(charsetName.trim());
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            if (cs.equals(StandardCharsets.US_ASCII)) {
                cs = StandardCharsets.ISO_8859_1;
            }
            try {
                String s = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
                if (Arrays.equals(s.getBytes(cs), data)) {
                    return new Text(s, cs);
                }
            } catch (CharacterCodingException e) {
                // fall through
            }
            if (Arrays.equals(ASCII_PROBE.getBytes(cs), ASCII_PROBE.getBytes(StandardCharsets.US_ASCII))) {
                return new Text(new String(data, StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
            }
            return new Text(new String(data, cs), cs);
        }
    }

    /** Replace bytes {@code [start, end)}; a zero-length edit inserts. */
    private record Edit(int start, int end, byte[] bytes) {
    }

    /** Replace characters {@code [start, end)}. */
    private record TextEdit(int start, int end, String text) {
    }

    private static String spliceText(String text, List<TextEdit> edits) {
        if (edits.isEmpty()) {
            return text;
        }
        List<TextEdit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(TextEdit::start));
        StringBuilder out = new StringBuilder(text.length() + 256);
        int pos = 0;
        for (TextEdit e : sorted) {
            if (e.start() < pos) {
                continue; // overlapping positions cannot come from one parse; keep the first
            }
            out.append(text, pos, e.start()).append(e.text());
            pos = e.end();
        }
        return out.append(text, pos, text.length()).toString();
    }

    private static byte[] splice(byte[] msg, List<Edit> edits) {
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start).thenComparingInt(Edit::end));
        ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + 4096);
        int pos = 0;
        for (Edit e : sorted) {
            if (e.start() < pos) {
                throw new IllegalStateException("overlapping edits at " + e.start()); // a bug, never input
            }
            out.write(msg, pos, e.start() - pos);
            out.writeBytes(e.bytes());
            pos = e.end();
        }
        out.write(msg, pos, msg.length - pos);
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "LinkRewriter[" + clickPrefix.toLowerCase(Locale.ROOT) + "]";
    }
}
