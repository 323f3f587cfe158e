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
import org.jsoup.nodes.Comment;
import org.jsoup.nodes.DataNode;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.Range;
import org.jsoup.nodes.TextNode;
import org.jsoup.parser.Parser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the http(s) links of a message's displayed bodies to the click endpoint
 * ({@code <base.url>/streamail/click/<token>}).
 *
 * <ul>
 *   <li>Which parts: {@code text/html} and {@code text/plain} parts (and other {@code text/} subtypes readers show as
 *       plain text: {@link #shownAsPlainText}) that are not attachments (no
 *       {@code attachment} disposition; a file name counts only on a part of a multipart that is not
 *       {@code inline}: {@link MimeTree.Part#isAttachment}), at any depth including forwarded messages
 *       ({@code message/rfc822}, also when base64 or quoted-printable encoded: decoded, rewritten and
 *       re-encoded). Also, unless {@code rewrite.attachments} is off, attachments a browser opens as a page
 *       ({@link #opensAsPage}: HTML, XHTML, SVG by type or file name), rewritten as HTML within
 *       {@link #MAX_ATTACHMENT_BYTES}. And, unless {@code rewrite.documents} is off, the link targets inside any
 *       other file that is a PDF, Office Open XML, OpenDocument or RTF file by its bytes ({@link DocumentLinks}:
 *       {@link PdfLinks}, {@link OfficeLinks}, {@link OpenDocumentLinks}, {@link RtfLinks}), within the same bound;
 *       a {@code text/rtf} part is such a file, never text, even as the message's body.</li>
 *   <li>HTML: the {@code href} (and {@code xlink:href}, inline SVG) of {@code a} and {@code area} elements, and the
 *       form targets ({@code <form action>}, {@code formaction} of {@code button} and {@code input}, signed as
 *       {@link LinkTokens.Kind#FORM}; an empty or missing one is left alone), found with jsoup and replaced at the
 *       attribute value's source position, so the rest of the HTML (visible text, formatting, entities) stays
 *       as written. A form whose target was rewritten is made to submit with POST ({@link #submitByPost}), so what
 *       is typed into it never becomes part of a URL. Entities in the value are decoded before signing ({@code &amp;} is {@code &}). A
 *       relative {@code href} under an absolute http(s) {@code <base href>} is resolved first (else it
 *       would escape rewriting); the {@code <base>} itself is left alone. The {@code href} of VML elements
 *       ({@code v:roundrect} …) and the content of Outlook's conditional comments ({@code <!--[if mso]>}) too:
 *       Outlook for Windows shows both as links.</li>
 *   <li>HTML hrefs are read the way a browser reads them ({@link Urls#httpUrl(String, String)}):
 *       scheme-relative {@code //host}, {@code \\host} and {@code /\host} (scheme of the {@code <base>}, else
 *       {@code https}), {@code https:host}, {@code https:/host}, {@code https:///host}, backslashes for
 *       slashes; the signed target is the normalised URL. Relative links without a host are left alone.</li>
 *   <li>Plain text (in {@code format=flowed} text as joined for display): {@code http:} and {@code https:} URLs (any case, any number of slashes or backslashes
 *       after the colon), and bare {@code www.} names (signed as {@code https://www.…}, as mail clients link
 *       them), ending at white space, quotes, angle brackets or a backtick, without trailing punctuation
 *       ({@code . , ; : ! ? *}) and without an unbalanced closing bracket.</li>
 *   <li>Left alone: non-http(s) schemes ({@code mailto:} …), hosts in the internal or exempt domains (and
 *       their subdomains), links already pointing at a click endpoint with a token of this key or at this
 *       {@code base.url}'s click path (so a second pass changes nothing), and links to the gateway's own pages
 *       under {@code <base.url>/streamail/} (a user's quarantine digest link: a page of the gateway, no target to
 *       check).</li>
 *   <li>Not guarded but not left live either: URLs longer than {@value Urls#MAX_URL_CHARS} characters and every
 *       link after the first {@code max.links} of a message lead to {@code <click prefix>}{@value #UNCHECKED}, a
 *       page saying the link was not opened (logged).</li>
 *   <li>Encoding: a changed part is re-encoded in its own charset and transfer encoding (base64 and
 *       quoted-printable decoded and re-encoded; 7bit/8bit kept unless a line would exceed 998 bytes, then
 *       the part becomes quoted-printable). Every other byte of the message is kept.</li>
 * </ul>
 * Immutable and thread-safe.
 */
final class LinkRewriter {

    private static final Logger LOG = LoggerFactory.getLogger(LinkRewriter.class);
    static final String CLICK_PATH = "/streamail/click/";
    /** Where the gateway's own pages are, under {@code base.url}. */
    static final String OWN_PATH = "/streamail/";
    /**
     * What a link that cannot be guarded (longer than {@value Urls#MAX_URL_CHARS} characters, beyond
     * {@code max.links}, or whose token would be too long) becomes, after the click prefix: a page that says the
     * link was not opened. Not a token (no dot), so it never verifies. Before the audit such links were left as
     * written, which let one padded URL or 500 dummy links get a live link through.
     */
    static final String UNCHECKED = "unchecked";
    /**
     * An http(s) URL with any number of slashes or backslashes after the scheme (browsers take
     * {@code https:host} as {@code https://host}), or, group {@code www}, a bare {@code www.} name that mail
     * clients turn into a link themselves. The latter must not follow a character that would make it part of
     * a word, an e-mail address or a path, and its next label must start with a letter or digit.
     */
    private static final Pattern TEXT_URL = Pattern.compile("(?i)(?<![A-Za-z0-9+.\\-])https?:[^\\s<>\"'`\\x00-\\x1f\\x7f]+"
            + "|(?<www>(?<![A-Za-z0-9+.\\-_/\\\\@%])www\\.[A-Za-z0-9][^\\s<>\"'`\\x00-\\x1f\\x7f]*)");
    /**
     * The link attributes of {@code a} and {@code area}: {@code href}, and {@code xlink:href}, which makes an
     * {@code <a>} inside inline SVG a link in every browser engine (audit: it was left live).
     */
    private static final List<String> LINK_ATTRIBUTES = List.of("href", "xlink:href");
    /**
     * Where a form sends what was typed into it: {@code <form action>}, and {@code formaction} of the submit buttons
     * ({@code <button>}, {@code <input type=submit|image>}), which overrides it. Some readers (Thunderbird, desktop
     * clients) let a form in a mail be filled in and submitted: left live, it sent typed credentials to the attacker
     * without passing the gateway. Signed as {@link LinkTokens.Kind#FORM}.
     */
    private static final List<String> FORM_ATTRIBUTES = List.of("action");
    private static final List<String> SUBMITTER_ATTRIBUTES = List.of("formaction");
    /**
     * Conditional comments and {@code noscript} contents read inside one another at most (each level parses its
     * content once more).
     */
    private static final int MAX_REPARSE_LEVELS = 8;
    /**
     * Text types that are data for a program rather than text shown as it is (an invitation, a card, a style sheet,
     * a script, XML): their URLs are left as written (they would not survive a rewrite as plain text). And
     * {@code text/rtf}: readers hand it to a word processor (Thunderbird shows it as an attachment even as the body,
     * its MIME code maps the type to an external object), so it goes to the document kinds ({@link RtfLinks}, judged
     * by its bytes) like any other file; before RtfLinks it was rewritten as plain text, which found URLs in the RTF
     * source but not the ones written with escapes, and cut control words that followed a URL into it.
     */
    private static final Set<String> STRUCTURED_TEXT = Set.of("text/calendar", "text/x-vcalendar", "text/vcard",
            "text/x-vcard", "text/directory", "text/css", "text/javascript", "text/ecmascript", "text/xml",
            "text/rfc822-headers", "text/rtf");
    private static final String ASCII_PROBE = "http://aZ09=<>\"'&;./:?#-_%\r\n";

    /** The rewritten message (the same array when nothing changed) and the original URLs rewritten. */
    record Result(byte[] raw, boolean changed, List<String> urls) {
    }

    private final LinkTokens tokens;
    private final String clickPrefix;
    /** The gateway's own pages ({@code <base.url>/streamail/}): the quarantine digest's links among them. */
    private final String ownPrefix;
    private final Set<String> exemptDomains;
    private final int maxLinks;
    private final boolean rewriteAttachments;
    private final boolean rewriteSigned;
    /** The document kinds whose links are rewritten ({@code rewrite.documents}); empty: documents stay as written. */
    private final List<DocumentLinks> documents;

    /**
     * @param tokens        signs the links
     * @param baseUrl       absolute http(s) URL of the gateway as workstations reach it, without a trailing
     *                      slash
     * @param exemptDomains lower-case domains never rewritten (besides the internal ones given per message)
     * @param maxLinks      links rewritten per message at most
     */
    LinkRewriter(LinkTokens tokens, String baseUrl, Set<String> exemptDomains, int maxLinks) {
        this(tokens, baseUrl, exemptDomains, maxLinks, true, false);
    }

    /**
     * @param rewriteAttachments whether attachments a browser opens as a page ({@link #opensAsPage}) are rewritten
     *                           too ({@code rewrite.attachments})
     * @param rewriteSigned      whether signed content ({@code multipart/signed}, {@link #isInlinePgpSigned}) is
     *                           rewritten too, breaking its signature
     *                           ({@code rewrite.signed})
     */
    LinkRewriter(LinkTokens tokens, String baseUrl, Set<String> exemptDomains, int maxLinks,
            boolean rewriteAttachments, boolean rewriteSigned) {
        this(tokens, baseUrl, exemptDomains, maxLinks, rewriteAttachments, rewriteSigned, List.of());
    }

    /**
     * @param documents the document kinds whose links are rewritten inside attachments ({@code rewrite.documents}:
     *                  {@link PdfLinks}, {@link OfficeLinks}, {@link OpenDocumentLinks}, {@link RtfLinks}); empty leaves
     *                  every document as written
     */
    LinkRewriter(LinkTokens tokens, String baseUrl, Set<String> exemptDomains, int maxLinks,
            boolean rewriteAttachments, boolean rewriteSigned, List<DocumentLinks> documents) {
        this.documents = List.copyOf(documents);
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        String base = Urls.httpUrl(baseUrl).orElseThrow(() -> new IllegalArgumentException("base.url"));
        this.clickPrefix = base + CLICK_PATH;
        this.ownPrefix = base + OWN_PATH;
        this.exemptDomains = Set.copyOf(exemptDomains);
        this.maxLinks = maxLinks;
        this.rewriteAttachments = rewriteAttachments;
        this.rewriteSigned = rewriteSigned;
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
     */
    Result rewrite(byte[] msg, String messageId, String recipient, Set<String> internalDomains) {
        Session s = new Session(messageId, recipient, internalDomains);
        MimeTree.Part root = MimeTree.parse(msg, 0, s.parts);
        List<Edit> edits = new ArrayList<>();
        walk(msg, root, true, "", s, edits);
        if (s.overLimit > 0) {
            LOG.warn("Message {}: {} links beyond max.links {} lead to the unchecked page", messageId, s.overLimit,
                    maxLinks);
        }
        if (edits.isEmpty()) {
            return new Result(msg, false, List.of());
        }
        return new Result(splice(msg, edits), true, List.copyOf(s.urls));
    }

    /**
     * @param messageBody whether {@code p} is the body of a message (the root, or a forwarded message's)
     * @param path        its part number for log lines, IMAP style ({@code 2.1}); {@code ""} for a message
     */
    private void walk(byte[] msg, MimeTree.Part p, boolean messageBody, String path, Session s, List<Edit> edits) {
        if (!rewriteSigned && p.mediaType().equals("multipart/signed")) {
            // RFC 1847: the first part is signed byte for byte; any change breaks the signature, and readers then
            // warn that the message was altered. Proofpoint's URL Defense leaves signed mail alone for that reason.
            LOG.debug("Message {}: signed part {} (multipart/signed) left as written (rewrite.signed is off)",
                    s.messageId, path.isEmpty() ? "(the message)" : path);
            return;
        }
        if (!p.children().isEmpty()) {
            int before = edits.size();
            boolean multipart = p.mediaType().startsWith("multipart/");
            for (int i = 0; i < p.children().size(); i++) {
                walk(msg, p.children().get(i), !multipart, multipart ? (path.isEmpty() ? "" : path + ".") + (i + 1)
                        : path, s, edits);
            }
            if (edits.size() > before && p.bodyStart() == p.headerEnd() && !p.mediaType().startsWith("multipart/")) {
                // A forwarded message whose own header ended without a blank line: its nested message starts where
                // that header stops. The nested part's blank line (rewritePart) would end this header instead and
                // leave the nested header to the rewritten line, colon and all (found by fuzzing): one blank line
                // for each header that ends here.
                edits.add(new Edit(p.headerEnd(), p.headerEnd(), "\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            return;
        }
        String cte = p.transferEncoding();
        if ((p.mediaType().equals("message/rfc822") || p.mediaType().equals("message/global"))
                && (cte.equals("base64") || cte.equals("quoted-printable"))) {
            rewriteEncodedMessage(msg, p, cte, path, s, edits);
            return;
        }
        boolean html = p.mediaType().equals("text/html");
        if ((html || shownAsPlainText(p.mediaType())) && !p.isAttachment(messageBody)) {
            rewritePart(msg, p, html, s, edits, null);
        } else if (rewriteAttachments && opensAsPage(p)) {
            rewriteAttachment(msg, p, path.isEmpty() ? "1" : path, s, edits);
        } else if ((!documents.isEmpty() || rewriteAttachments) && !p.mediaType().startsWith("multipart/")
                && !p.mediaType().startsWith("message/")) {
            // Any other file, whatever its declared type: a PDF sent as text/plain or octet-stream and named .pdf
            // opens in the PDF viewer all the same
            rewriteDocument(msg, p, path.isEmpty() ? "1" : path, s, edits);
        }
    }

    /** Decoded bytes looked at to tell whether a file may be a document ({@link #mayBeDocument}). */
    private static final int SNIFF_BYTES = 1024;
    /** Encoded body bytes decoded for that look: base64 needs 4 characters for 3 bytes, plus line breaks. */
    private static final int SNIFF_ENCODED_BYTES = SNIFF_BYTES * 3;
    private static final byte[] PDF_MAGIC = "%PDF-".getBytes(StandardCharsets.US_ASCII);

    /**
     * Whether the first decoded bytes of a file may start a document whose links are rewritten: a zip (Office Open
     * XML, OpenDocument), an RTF file (<code>{\rt</code> at the start: {@link RtfLinks#startsAsRtf}) or a PDF, whose
     * header viewers find anywhere in the first 1,024 bytes. Only then is the whole attachment decoded and handed to
     * the {@link DocumentLinks} kinds, which judge it properly: images, audio and the like cost the decoding of one
     * KiB.
     */
    static boolean mayBeDocument(byte[] head) {
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4
                || RtfLinks.startsAsRtf(head)) {
            return true;
        }
        int limit = Math.min(head.length, SNIFF_BYTES) - PDF_MAGIC.length;
        for (int i = 0; i <= limit; i++) {
            if (head[i] == '%' && Arrays.equals(head, i, i + PDF_MAGIC.length, PDF_MAGIC, 0, PDF_MAGIC.length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The links inside a document attachment (PDF, Office, OpenDocument, RTF: {@link DocumentLinks}) rewritten. A
     * reader opens such a file in its own viewer, where a click went to the link's target directly. The kind is judged
     * by the file's bytes, never by its declared type or name: the viewer opens what it gets. The rewritten file is put
     * back in its transfer encoding (base64 or quoted-printable); one sent unencoded (7bit, 8bit, binary, or an
     * encoding readers do not know, read as written) goes back as base64 with its Content-Transfer-Encoding changed,
     * since a rewritten binary file has no line structure to keep. Whatever goes wrong leaves the file as written:
     * signed ({@code rewrite.signed} off) at DEBUG, password-protected at INFO (bank statements and the like), and a
     * file over the bounds or unreadable at WARN, naming the message and the part number, never the content.
     */
    private void rewriteDocument(byte[] msg, MimeTree.Part p, String path, Session s, List<Edit> edits) {
        String cte = p.transferEncoding();
        if (TransferCodec.isUnreadEncoding(cte)) {
            return;
        }
        int contentEnd = p.end();
        while (contentEnd > p.bodyStart() && (msg[contentEnd - 1] == '\n' || msg[contentEnd - 1] == '\r')) {
            contentEnd--;
        }
        int sniffEnd = Math.min(contentEnd, p.bodyStart() + SNIFF_ENCODED_BYTES);
        if (!mayBeDocument(decode(Arrays.copyOfRange(msg, p.bodyStart(), sniffEnd), cte))) {
            return;
        }
        if (cte.equals("base64") && (contentEnd - p.bodyStart()) / 4L * 3 > 2L * MAX_ATTACHMENT_BYTES) {
            LOG.warn("Message {}: attachment part {} ({}) is larger than {} bytes; links inside it were left as "
                    + "written", s.messageId, path, p.mediaType(), MAX_ATTACHMENT_BYTES);
            return;
        }
        byte[] decoded = decode(Arrays.copyOfRange(msg, p.bodyStart(), contentEnd), cte);
        if (decoded.length > MAX_ATTACHMENT_BYTES) {
            LOG.warn("Message {}: attachment part {} ({}) has {} bytes decoded, more than {}; links inside it were "
                    + "left as written", s.messageId, path, p.mediaType(), decoded.length, MAX_ATTACHMENT_BYTES);
            return;
        }
        // Every kind that recognises the file rewrites it in turn: a file that is a zip of both Office and
        // OpenDocument (each application reads its own parts) gets both kinds' links rewritten. A zip no kind
        // recognises is an archive, whose pages are rewritten (rewrite.attachments).
        byte[] out = decoded;
        String kind = "zip";
        try {
            List<DocumentLinks> kinds = new ArrayList<>(2);
            for (DocumentLinks k : documents) {
                kind = k.kind();
                if (k.recognises(decoded)) {
                    kinds.add(k);
                }
            }
            if (kinds.isEmpty() && rewriteAttachments && ZipPackage.startsAsZip(decoded)) {
                kind = "zip";
                out = rewriteArchivePages(decoded, s, path);
            }
            for (DocumentLinks k : kinds) {
                kind = k.kind();
                out = k.rewrite(out, s::replacement, rewriteSigned);
            }
        } catch (DocumentLinks.DocumentException e) {
            logLeftAsWritten(s, path, kind, e);
            return;
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // A bug, a library missing at runtime or a parser's recursion on a hostile file: never a verdict on the
            // file, and never the end of the rest of the message's rewriting (an Error would take the whole
            // transformer down, every link of the message left live). This file stays as written.
            LOG.warn("Message {}: {} attachment part {} could not be rewritten and was left as written: {}",
                    s.messageId, kind, path, e.toString());
            return;
        }
        if (out == decoded) {
            return;
        }
        if (cte.equals("base64") || cte.equals("quoted-printable")) {
            edits.add(new Edit(p.bodyStart(), contentEnd, cte.equals("base64")
                    ? TransferCodec.encodeBase64(out) : TransferCodec.encodeQuotedPrintable(out)));
        } else {
            edits.add(new Edit(p.bodyStart(), contentEnd, TransferCodec.encodeBase64(out)));
            byte[] field = "Content-Transfer-Encoding: base64\r\n".getBytes(StandardCharsets.US_ASCII);
            Optional<MimeTree.Field> old = p.field("Content-Transfer-Encoding");
            edits.add(old.map(f -> new Edit(f.start(), f.end(), field))
                    .orElseGet(() -> new Edit(p.headerEnd(), p.headerEnd(), field)));
        }
        if (p.bodyStart() == p.headerEnd()) {
            edits.add(new Edit(p.headerEnd(), p.headerEnd(), "\r\n".getBytes(StandardCharsets.US_ASCII)));
        }
        LOG.debug("Message {}: links inside {} attachment part {} rewritten", s.messageId, kind, path);
    }

    private static byte[] decode(byte[] body, String cte) {
        return switch (cte) {
            case "base64" -> TransferCodec.decodeBase64(body);
            case "quoted-printable" -> TransferCodec.decodeQuotedPrintable(body);
            default -> body;
        };
    }

    private static void logLeftAsWritten(Session s, String path, String kind, DocumentLinks.DocumentException e) {
        switch (e.reason()) {
            case SIGNED -> LOG.debug("Message {}: signed {} attachment part {} left as written (rewrite.signed is "
                    + "off)", s.messageId, kind, path);
            case ENCRYPTED -> LOG.info("Message {}: encrypted {} attachment part {} left as written; links inside it "
                    + "are not guarded: {}", s.messageId, kind, path, e.getMessage());
            default -> LOG.warn("Message {}: {} attachment part {} left as written, links inside it not guarded ({}): "
                    + "{}", s.messageId, kind, path, e.reason(), e.getMessage());
        }
    }

    /**
     * The pages inside a zip archive rewritten like a page attachment ({@code rewrite.attachments}): a fake sign-in
     * page sent as {@code invoice.zip} opens in the browser from the reader's archive view or once extracted, its
     * form posting to the attacker. Entries whose name opens as a page ({@link #isPageName}) are read within
     * {@link ZipPackage}'s bounds, decoded as a page attachment is (byte order mark, UTF-16 without one, else
     * ISO-8859-1, which keeps every byte) and rewritten as HTML; every other entry is copied as it was compressed.
     * Archives inside the archive, other archive formats (7z, rar, tar) and password-protected entries are not
     * opened; the last are left as written at INFO like any password-protected file.
     *
     * @return the archive rewritten, or {@code zip} itself when no page changed
     */
    private byte[] rewriteArchivePages(byte[] zip, Session s, String path) throws DocumentLinks.DocumentException {
        try (ZipPackage z = ZipPackage.open(zip, false)) {
            java.util.Map<Integer, byte[]> changed = new java.util.HashMap<>();
            List<org.apache.commons.compress.archivers.zip.ZipArchiveEntry> entries = z.entries();
            for (int i = 0; i < entries.size(); i++) {
                org.apache.commons.compress.archivers.zip.ZipArchiveEntry e = entries.get(i);
                if (e.isDirectory() || !isPageName(e.getName())) {
                    continue;
                }
                byte[] data = z.read(i);
                String charset = byteOrderMark(data);
                if (charset == null) {
                    charset = utf16WithoutMark(data);
                }
                Text text = Text.decode(data, charset);
                String rewritten = rewriteHtml(text.value(), s);
                if (!rewritten.equals(text.value())) {
                    changed.put(i, rewritten.getBytes(text.charset()));
                }
            }
            if (changed.isEmpty()) {
                return zip;
            }
            LOG.debug("Message {}: {} page(s) inside zip attachment part {} rewritten", s.messageId, changed.size(),
                    path);
            return z.write(changed, null);
        }
    }

    /**
     * Media types a browser shows as a page, links and forms live, when such an attachment is opened: saved and
     * opened, or opened by the reader in the browser. Credential phishing mostly comes as such a file (a fake sign-in
     * page), whose form posted straight to the attacker.
     */
    private static final Set<String> PAGE_TYPES = Set.of("text/html", "application/xhtml+xml", "image/svg+xml");
    /** File name endings browsers open as a page (HTML, XHTML, SVG). */
    private static final List<String> PAGE_EXTENSIONS = List.of(".htm", ".html", ".xhtml", ".xht", ".shtml", ".svg");
    /**
     * Decoded bytes of an attachment read at most; a larger one is left as written (WARN). Inline bodies have no such
     * bound (they are what the reader shows); a page file of this size is no phishing page.
     */
    static final int MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

    /**
     * Whether a part that is not shown as text is a file that a browser opens as a page: a {@link #PAGE_TYPES} type,
     * or any file name in {@link #PAGE_EXTENSIONS} (any case, trailing dots and spaces dropped as Windows does),
     * whatever the declared type: readers save a file under its name and the system opens it by that name, so
     * {@code invoice.html} sent as {@code application/octet-stream} (or {@code application/pdf}) opens in the browser.
     * Never containers ({@code multipart/}, {@code message/}).
     */
    static boolean opensAsPage(MimeTree.Part p) {
        String type = p.mediaType();
        if (type.startsWith("multipart/") || type.startsWith("message/")) {
            return false;
        }
        if (p.hasDeclaredType() && PAGE_TYPES.contains(type)) {
            return true;
        }
        for (String name : p.fileNames()) {
            if (isPageName(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a file of this name opens as a page: it ends in one of {@link #PAGE_EXTENSIONS}, any case, trailing dots
     * and spaces dropped as Windows does.
     */
    static boolean isPageName(String name) {
        String n = name.strip();
        while (n.endsWith(".") || n.endsWith(" ")) {
            n = n.substring(0, n.length() - 1).strip();
        }
        String lower = n.toLowerCase(Locale.ROOT);
        for (String ext : PAGE_EXTENSIONS) {
            if (lower.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An attachment that opens as a page ({@link #opensAsPage}) rewritten as HTML, like an inline HTML body (same
     * links, forms, byte-exact rule, transfer encoding and charset handling), within {@link #MAX_ATTACHMENT_BYTES}.
     * Whatever goes wrong leaves it as written, with a WARN naming the message and the part number, never its content.
     */
    private void rewriteAttachment(byte[] msg, MimeTree.Part p, String path, Session s, List<Edit> edits) {
        List<Edit> own = new ArrayList<>();
        try {
            rewritePart(msg, p, true, s, own, path);
        } catch (RuntimeException e) {
            LOG.warn("Message {}: attachment part {} ({}) could not be read and was left as is: {}", s.messageId, path,
                    p.mediaType(), e.getClass().getName());
            return;
        }
        edits.addAll(own);
    }

    /**
     * Whether readers show a part of this type as plain text, its URLs made links: {@code text/plain}, and any other
     * {@code text/} subtype but the structured ones in {@link #STRUCTURED_TEXT} (readers without a viewer for, say,
     * {@code text/x-markdown} or {@code text/enriched} show it as plain text; audit: only text/plain was rewritten).
     */
    static boolean shownAsPlainText(String mediaType) {
        return mediaType.startsWith("text/") && !mediaType.equals("text/html") && !STRUCTURED_TEXT.contains(mediaType);
    }

    /**
     * A forwarded message in base64 or quoted-printable (RFC 2046 allows neither, but readers decode it and
     * show the message, links live: audit): decoded, rewritten as a nested message (one level deeper, within
     * the same bounds) and re-encoded in the same transfer encoding.
     */
    private void rewriteEncodedMessage(byte[] msg, MimeTree.Part p, String cte, String path, Session s,
            List<Edit> edits) {
        int contentEnd = p.end();
        while (contentEnd > p.bodyStart() && (msg[contentEnd - 1] == '\n' || msg[contentEnd - 1] == '\r')) {
            contentEnd--;
        }
        byte[] body = Arrays.copyOfRange(msg, p.bodyStart(), contentEnd);
        byte[] inner = cte.equals("base64") ? TransferCodec.decodeBase64(body) : TransferCodec.decodeQuotedPrintable(body);
        List<Edit> innerEdits = new ArrayList<>();
        walk(inner, MimeTree.parse(inner, p.depth() + 1, s.parts), true, path, s, innerEdits);
        if (innerEdits.isEmpty()) {
            return;
        }
        byte[] out = splice(inner, innerEdits);
        edits.add(new Edit(p.bodyStart(), contentEnd, cte.equals("base64") ? TransferCodec.encodeBase64(out)
                : TransferCodec.encodeQuotedPrintable(out)));
    }

    /** @param attachment the part number of an attachment ({@link #rewriteAttachment}), null for a displayed body */
    private void rewritePart(byte[] msg, MimeTree.Part p, boolean html, Session s, List<Edit> edits,
            String attachment) {
        int contentEnd = p.end();
        // Line breaks at the end of the body stay as they are; only what precedes them is re-encoded.
        while (contentEnd > p.bodyStart() && (msg[contentEnd - 1] == '\n' || msg[contentEnd - 1] == '\r')) {
            contentEnd--;
        }
        byte[] body = Arrays.copyOfRange(msg, p.bodyStart(), contentEnd);
        String cte = p.transferEncoding();
        byte[] decoded;
        switch (cte) {
            case "base64" -> decoded = TransferCodec.decodeBase64(body);
            case "quoted-printable" -> decoded = TransferCodec.decodeQuotedPrintable(body);
            default -> {
                if (TransferCodec.isUnreadEncoding(cte)) {
                    if (attachment != null) {
                        LOG.warn("Message {}: attachment part {} ({}) in transfer encoding {} is not read; its links "
                                + "were left as written", s.messageId, attachment, p.mediaType(), cte);
                    } else {
                        LOG.debug("Message {}: transfer encoding {} not rewritten", s.messageId, cte);
                    }
                    return;
                }
                // 7bit, 8bit, binary, and any encoding readers do not know (x-bogus, "", 7-bit): they show such a
                // body as written, links live (audit: it used to be left as is)
                decoded = body;
            }
        }
        String charset = p.params().get("charset");
        if (attachment != null) {
            if (decoded.length > MAX_ATTACHMENT_BYTES) {
                LOG.warn("Message {}: attachment part {} ({}) has {} bytes decoded, more than {}; its links were "
                        + "left as written", s.messageId, attachment, p.mediaType(), decoded.length,
                        MAX_ATTACHMENT_BYTES);
                return;
            }
            if (charset == null || charset.isBlank()) {
                // A file carries its charset in itself: a byte order mark is what a browser goes by first
                // (HTML encoding sniffing); without one, text whose every other byte is NUL is UTF-16 (Chrome's
                // detector reads it so); else ISO-8859-1 keeps every byte and finds the ASCII links
                charset = byteOrderMark(decoded);
                if (charset == null) {
                    charset = utf16WithoutMark(decoded);
                }
            }
        }
        Text text = Text.decode(decoded, charset);
        if (!rewriteSigned && isInlinePgpSigned(text.value())) {
            LOG.debug("Message {}: inline PGP signed text left as written (rewrite.signed is off)", s.messageId);
            return;
        }
        String rewritten;
        try {
            rewritten = html ? rewriteHtml(text.value(), s)
                    : rewriteText(text.value(), s, "flowed".equalsIgnoreCase(p.params().get("format")),
                            "yes".equalsIgnoreCase(p.params().get("delsp")));
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
        if (p.bodyStart() == p.headerEnd()) {
            // The header ended at a line that is not a field, without a blank line. The rewritten first body line
            // could read as a field now (a click URL brings a colon), so the part would be read differently the
            // next time, and readers that take every line up to a blank one as header may see another type: the
            // blank line makes the end of the header this reading used explicit (found by fuzzing).
            edits.add(new Edit(p.headerEnd(), p.headerEnd(), "\r\n".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    /** The armour line that opens an inline PGP signed text (RFC 4880 7, cleartext signature framework). */
    static final String PGP_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----";

    /**
     * Whether a text holds an inline PGP cleartext signature: its armour line at the start of a line (a quoted one,
     * {@code > -----BEGIN…}, is a reply's quote whose signature the quoting already broke). The signed text is
     * checked byte for byte (after trailing white space is dropped), so a rewritten link breaks it.
     */
    static boolean isInlinePgpSigned(String text) {
        int at = text.indexOf(PGP_SIGNED);
        while (at >= 0) {
            if (at == 0 || text.charAt(at - 1) == '\n' || text.charAt(at - 1) == '\r') {
                return true;
            }
            at = text.indexOf(PGP_SIGNED, at + 1);
        }
        return false;
    }

    /** Bytes looked at to tell UTF-16 without a byte order mark ({@link #utf16WithoutMark}). */
    private static final int UTF16_SNIFF_BYTES = 4096;

    /**
     * {@code UTF-16LE} or {@code UTF-16BE} when {@code data} reads as UTF-16 text without a byte order mark, else
     * null: of its first 4 KiB (at least 16 bytes), nine in ten of the high bytes are NUL (Latin text, markup and
     * URLs) and at most one in ten of the low bytes are. Read as ISO-8859-1 such a page shows no link, since every
     * other character is a NUL, while a browser that detects the encoding opens it with its links live. Text in
     * other scripts has few NUL high bytes and stays ISO-8859-1; its links are ASCII all the same, so a page of
     * Cyrillic or CJK text in UTF-16 without a mark is read as such only when its markup outweighs its text.
     */
    static String utf16WithoutMark(byte[] data) {
        int n = Math.min(data.length, UTF16_SNIFF_BYTES) & ~1;
        if (n < 16) {
            return null;
        }
        int evenNul = 0;
        int oddNul = 0;
        for (int i = 0; i < n; i += 2) {
            evenNul += data[i] == 0 ? 1 : 0;
            oddNul += data[i + 1] == 0 ? 1 : 0;
        }
        int units = n / 2;
        if (oddNul * 10 >= units * 9 && evenNul * 10 <= units) {
            return "UTF-16LE";
        }
        if (evenNul * 10 >= units * 9 && oddNul * 10 <= units) {
            return "UTF-16BE";
        }
        return null;
    }

    /** The charset a byte order mark at the start of {@code data} names, or null. */
    static String byteOrderMark(byte[] data) {
        if (data.length >= 3 && (data[0] & 0xFF) == 0xEF && (data[1] & 0xFF) == 0xBB && (data[2] & 0xFF) == 0xBF) {
            return "UTF-8";
        }
        if (data.length >= 2 && (data[0] & 0xFF) == 0xFE && (data[1] & 0xFF) == 0xFF) {
            return "UTF-16BE";
        }
        if (data.length >= 2 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xFE) {
            return "UTF-16LE";
        }
        return null;
    }

    /** HTML with the href values of a and area replaced at their source positions. */
    String rewriteHtml(String html, Session s) {
        return rewriteHtml(html, s, null, "https", 0);
    }

    /**
     * As {@link #rewriteHtml(String, Session)}, {@code html} being the content of {@code level} conditional
     * comments, under the {@code <base>} of the enclosing HTML ({@code outerBase}, or null).
     */
    private String rewriteHtml(String html, Session s, URI outerBase, String outerScheme, int level) {
        Parser parser = Parser.htmlParser().setTrackPosition(true);
        Document doc = parser.parseInput(html, "");
        URI base = outerBase;
        String relativeScheme = outerScheme;
        Element baseEl = doc.selectFirst("base[href]");
        if (baseEl != null) {
            Optional<String> b = Urls.httpUrl(baseEl.attr("href"));
            if (b.isPresent()) {
                try {
                    base = baseUri(b.get());
                    relativeScheme = base.getScheme();
                } catch (URISyntaxException e) {
                    base = outerBase;
                }
            }
        }
        List<TextEdit> edits = new ArrayList<>();
        List<Element> submitters = new ArrayList<>();
        boolean formRewritten = false;
        for (Element e : doc.getAllElements()) {
            String tag = e.normalName();
            List<String> names;
            LinkTokens.Kind kind = LinkTokens.Kind.LINK;
            if (tag.equals("a") || tag.equals("area") || tag.startsWith("v:")) {
                names = LINK_ATTRIBUTES;
            } else if (tag.equals("form")) {
                names = FORM_ATTRIBUTES;
                kind = LinkTokens.Kind.FORM;
            } else if (tag.equals("button") || tag.equals("input")) {
                names = SUBMITTER_ATTRIBUTES;
                kind = LinkTokens.Kind.FORM;
            } else {
                continue;
            }
            int before = edits.size();
            // by the key as parsed: in SVG jsoup keeps the case of attribute names (XLINK:HREF)
            for (org.jsoup.nodes.Attribute a : e.attributes().asList()) {
                if (names.contains(a.getKey().toLowerCase(Locale.ROOT))) {
                    rewriteAttribute(html, e, a.getKey(), base, relativeScheme, kind, s, edits);
                }
            }
            boolean rewritten = edits.size() > before;
            if (tag.equals("form") && rewritten) {
                formRewritten = true;
                submitByPost(html, e, "method", true, edits);
            } else if (kind == LinkTokens.Kind.FORM) {
                if (rewritten) {
                    submitByPost(html, e, "formmethod", true, edits);
                } else {
                    submitters.add(e);
                }
            }
        }
        if (formRewritten) {
            // a submit button's formmethod=get overrides its form's method (even one made POST above); its form may
            // be anywhere in the document (form="id"), so every such button of a document with a rewritten form
            for (Element e : submitters) {
                submitByPost(html, e, "formmethod", false, edits);
            }
        }
        if (level < MAX_REPARSE_LEVELS) {
            URI b = base;
            String scheme = relativeScheme;
            doc.nodeStream(Comment.class).forEach(c -> rewriteConditional(html, c, b, scheme, s, level, edits));
            for (Element e : doc.select("noscript, noembed, noframes")) {
                for (Node n : e.childNodes()) {
                    // by its source text: in the head jsoup turns tags met in a noscript into text re-serialised
                    Range r = n.sourceRange();
                    if ((n instanceof TextNode || n instanceof DataNode) && r.isTracked() && r.startPos() >= 0
                            && r.endPos() <= html.length() && r.endPos() > r.startPos()
                            && html.substring(r.startPos(), r.endPos()).indexOf('<') >= 0) {
                        rewriteInPlace(html, r, 0, html.substring(r.startPos(), r.endPos()), b, scheme, s, level,
                                edits);
                    }
                }
            }
        }
        return spliceText(html, edits);
    }

    /**
     * Outlook for Windows renders the content of a conditional comment ({@code <!--[if mso]>...<![endif]-->}) as
     * HTML, links live, where every other reader sees a comment (audit: those links were left live). Such content
     * is rewritten as HTML in its place.
     */
    private void rewriteConditional(String html, Comment c, URI base, String scheme, Session s, int level,
            List<TextEdit> edits) {
        String data = c.getData();
        if (!data.stripLeading().regionMatches(true, 0, "[if", 0, 3)) {
            return;
        }
        Range r = c.sourceRange();
        if (r.isTracked() && r.startPos() >= 0 && html.startsWith("<!--", r.startPos())) {
            rewriteInPlace(html, r, 4, data, base, scheme, s, level, edits); // after "<!--"
        }
    }

    /**
     * {@code raw}, which is at {@code range.startPos() + skip} in {@code html} (checked), rewritten as HTML in its
     * place: what a parser keeps as text but a mail reader shows as HTML. A {@code <noscript>} is text to jsoup (as
     * to a browser running scripts) but HTML to every mail reader, which runs none; {@code <noembed>} and
     * {@code <noframes>} alike for readers without plug-ins or frames (audit: their links were left live).
     */
    private void rewriteInPlace(String html, Range range, int skip, String raw, URI base, String scheme, Session s,
            int level, List<TextEdit> edits) {
        int start = range.startPos() + skip;
        if (!range.isTracked() || range.startPos() < 0 || start + raw.length() > html.length()
                || !html.startsWith(raw, start)) {
            LOG.debug("Message {}: HTML kept as text by the parser has no source position and was not read",
                    s.messageId);
            return;
        }
        String rewritten = rewriteHtml(raw, s, base, scheme, level + 1);
        if (!rewritten.equals(raw)) {
            edits.add(new TextEdit(start, start + raw.length(), rewritten));
        }
    }

    /**
     * Adds the edit replacing the value of {@code attr} of {@code e} at its source position, if it is a link.
     * jsoup does not track the position of an attribute whose name it keeps in another case (in SVG and MathML:
     * {@code <svg><a HREF=...>}, a live link to browsers, which lower-case it); the start tag is then read
     * here (audit: such links were left live).
     */
    private void rewriteAttribute(String html, Element e, String attr, URI base, String relativeScheme,
            LinkTokens.Kind kind, Session s, List<TextEdit> edits) {
        Range value = e.attributes().sourceRange(attr).valueRange();
        Range tag = e.sourceRange();
        // The first such attribute of the start tag as the tokenizer reads it; it decides where jsoup's range is
        // wrong: for a duplicate spelled alike (<a hRef="http://evil" hRef="...">) jsoup keeps the first value but
        // the range of the second, which browsers ignore (found by fuzzing: the first stayed live). For an empty
        // value jsoup's range is just after the name, before any ="" (found by fuzzing too: the click URL ran
        // into the name, and a later duplicate href="..." of the tag, ignored until then, became the live link).
        // jsoup ends a start tag cut off by the end of the text one character past it (<a href="x" at the end):
        // browsers drop such a tag, but a sanitiser re-writing the HTML with jsoup keeps it, and the link was left
        // live (found by fuzzing). The tag is read up to the end of the text.
        int tagEnd = Math.min(tag.endPos(), html.length());
        boolean tagKnown = tag.isTracked() && tag.startPos() >= 0 && tag.startPos() <= tagEnd;
        int[] found = tagKnown ? attributeValue(html, tag.startPos(), tagEnd, attr.toLowerCase(Locale.ROOT)) : null;
        boolean jsoupRange = value.isTracked() && value.startPos() >= 0 && value.endPos() <= html.length()
                && value.endPos() > value.startPos();
        List<Integer> tried = new ArrayList<>(4); // the value starts handed to addEdit
        if (jsoupRange && (found == null || found[0] == value.startPos())) {
            String v = found != null ? sourceValue(html, found[0], found[1]) : e.attr(attr);
            addEdit(value.startPos(), value.endPos(), v, false, base, relativeScheme, kind, s, edits);
            tried.add(value.startPos());
        } else if (found != null) {
            String first = sourceValue(html, found[0], found[1]);
            addEdit(found[0], found[1], first, found[2] == 0, base, relativeScheme, kind, s, edits);
            tried.add(found[0]);
            if (jsoupRange && !e.attr(attr).equals(first)) {
                // A value browsers ignore, but jsoup takes for the link (<a href \0 href=...>: jsoup adds the NUL to
                // the first name where the tokenizer starts a new attribute): a reader or webmail sanitiser that
                // re-writes the HTML with such a parser would make it the live one (found by fuzzing). Rewritten too.
                addEdit(value.startPos(), value.endPos(), sourceValue(html, value.startPos(), value.endPos()), false,
                        base, relativeScheme, kind, s, edits);
                tried.add(value.startPos());
            }
        }
        // Whatever jsoup reads as the link must be rewritten where it stands, or a sanitiser re-writing the HTML with
        // jsoup makes it live, and jsoup's names and ranges differ from a browser's in ways fuzzing keeps finding:
        // it trims a control character ending a name (<a HREF\x17="evil" HREF="x">: no href "evil" to a browser),
        // it adds NULs and what follows to a name (<a href \0<a hRef="evil" HREF="=">), and it reports the range of
        // a later duplicate. So every other attribute of the tag whose name holds the attribute's and whose value
        // reads as jsoup's is rewritten from its own text too (found by fuzzing, three times; a duplicate that
        // browsers and jsoup both ignore is rewritten with it, which no reader minds).
        String jsoupValue = e.attr(attr);
        String lower = attr.toLowerCase(Locale.ROOT);
        for (int k = 0; tagKnown && !jsoupValue.isEmpty() && k < MAX_SAME_VALUES; k++) {
            int[] where = sameValue(html, tag.startPos(), tagEnd, lower, jsoupValue, tried);
            if (where == null) {
                break;
            }
            addEdit(where[0], where[1], jsoupValue, false, base, relativeScheme, kind, s, edits);
            tried.add(where[0]);
        }
    }

    /**
     * An attribute value as the HTML tokenizer gives it from {@code html[from, to)}: entities decoded and NUL as
     * U+FFFD (what browsers, and jsoup, read).
     */
    private static String sourceValue(String html, int from, int to) {
        return Parser.unescapeEntities(html.substring(from, to), true).replace('\0', '\uFFFD');
    }

    /**
     * Adds the edit replacing {@code html[start, end)}, the value {@code href}, if it is a link. A form target that is
     * empty (or written without a value) is left alone, {@code <base>} or not: a browser submits such a form to the
     * document's own URL, not to the base (HTML form submission), which in a mail leads nowhere.
     */
    private void addEdit(int start, int end, String href, boolean bare, URI base, String relativeScheme,
            LinkTokens.Kind kind, Session s, List<TextEdit> edits) {
        if (kind == LinkTokens.Kind.FORM && (bare || href.isEmpty())) {
            // exactly empty: " " is parsed as a URL, relative, and goes to the <base> like a link's
            return;
        }
        Optional<String> direct = Urls.httpUrl(href, relativeScheme);
        if (direct.isPresent()) {
            // Normalised as the browser would read it (scheme-relative, backslashes, slash count).
            href = direct.get();
        } else if (base != null && !hasScheme(href)) {
            href = resolve(base, href);
        }
        String replacement = s.replacement(href, kind);
        if (replacement != null) {
            // <a href> is href="" to a browser (the <base>, when there is one): it gets the "=" it lacks
            edits.add(new TextEdit(start, end, bare ? "=\"" + replacement + "\"" : replacement));
        }
    }

    /**
     * Makes the form (or submit button) {@code e}, whose target now leads to the gateway, submit with POST: the value of
     * its {@code method} ({@code formmethod}) attribute replaced by {@code post}, or the attribute added after the tag
     * name when it is missing and {@code addWhenMissing}. A {@code method=get} form puts what was typed (passwords
     * included) into the query string of the URL it opens, and the gateway never reads it, but the browser's history,
     * a reverse proxy's or web server's access log in front of the gateway and any other request log do (audit:
     * only the README told administrators to keep such logs off for the click path). A POST carries the fields in
     * the body, which the click handler never reads; the submission is answered exactly as before. The value
     * browsers compare is the attribute's, ASCII case-insensitive: anything but {@code post} or {@code dialog} (a
     * dialog form submits nowhere) is GET, an invalid or blank value included, and is replaced; the attribute is
     * found as the tokenizer reads it (the first of duplicates counts). Idempotent: a second pass finds
     * {@code post}.
     */
    private static void submitByPost(String html, Element e, String attr, boolean addWhenMissing,
            List<TextEdit> edits) {
        Range tag = e.sourceRange();
        int tagEnd = Math.min(tag.endPos(), html.length()); // one past the text for a tag the text cuts off
        if (!tag.isTracked() || tag.startPos() < 0 || tagEnd <= tag.startPos() || html.charAt(tag.startPos()) != '<') {
            return; // no source position (an implied element): nothing written to change
        }
        int[] found = attributeValue(html, tag.startPos(), tagEnd, attr);
        if (found == null) {
            if (addWhenMissing) {
                int i = tagNameEnd(html, tag.startPos(), tagEnd);
                edits.add(new TextEdit(i, i, " " + attr + "=\"post\""));
            }
        } else if (found[2] == 0) {
            edits.add(new TextEdit(found[0], found[1], "=\"post\"")); // <form method>: an empty value, GET
        } else {
            String value = sourceValue(html, found[0], found[1]);
            if (!asciiEqualsIgnoreCase(value, "post") && !asciiEqualsIgnoreCase(value, "dialog")) {
                edits.add(new TextEdit(found[0], found[1], "post"));
            }
        }
    }

    /**
     * Whether {@code value} is {@code lowerKeyword} but for the case of ASCII letters, as browsers compare keywords
     * ({@link String#equalsIgnoreCase} would take {@code "poſt"}, with a long s, for {@code post}).
     */
    static boolean asciiEqualsIgnoreCase(String value, String lowerKeyword) {
        if (value.length() != lowerKeyword.length()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) != lowerKeyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value range (without quotes) of the first attribute named {@code lowerName} (any case) in the start tag
     * {@code html[from, to)}, read as the HTML tokenizer does, and 1; or, when that attribute is written without a
     * value ({@code <a href>}), the empty range just after its name, and 0; null when the tag has no such attribute.
     * Linear in the tag.
     */
    static int[] attributeValue(String html, int from, int to, String lowerName) {
        return scanAttributes(html, from, to, lowerName, null, List.of());
    }

    /** Where the name of the start tag {@code html[from, to)} ends (after its {@code <}), as the tokenizer reads it. */
    private static int tagNameEnd(String html, int from, int to) {
        int i = from;
        if (i < to && html.charAt(i) == '<') {
            i++;
        }
        while (i < to && !isTagSpace(html.charAt(i)) && html.charAt(i) != '/' && html.charAt(i) != '>') {
            i++;
        }
        return i;
    }

    /** Attributes of one tag rewritten for holding the value jsoup takes, at most (beyond: the tag's own limit). */
    private static final int MAX_SAME_VALUES = 16;

    /**
     * The value range of the first attribute of the start tag {@code html[from, to)} whose lower-cased name contains
     * {@code lowerName}, whose value as the tokenizer gives it ({@link #sourceValue}) is {@code wanted} and whose
     * value does not start at one of {@code skip}, or null. Linear in the tag.
     */
    static int[] sameValue(String html, int from, int to, String lowerName, String wanted, List<Integer> skip) {
        return scanAttributes(html, from, to, lowerName, wanted, skip);
    }

    /**
     * The attribute scan of {@link #attributeValue} (by name: {@code wantedValue} null) and {@link #sameValue} (by
     * a name holding {@code lowerName} and by value).
     */
    private static int[] scanAttributes(String html, int from, int to, String lowerName, String wantedValue,
            List<Integer> skip) {
        int i = tagNameEnd(html, from, to);
        while (i < to) {
            char c = html.charAt(i);
            if (isTagSpace(c) || c == '/') {
                i++;
                continue;
            }
            if (c == '>') {
                return null;
            }
            int nameStart = i++; // a first '=' belongs to the name
            while (i < to && !isTagSpace(html.charAt(i)) && "/>=".indexOf(html.charAt(i)) < 0) {
                i++;
            }
            String name = html.substring(nameStart, i).toLowerCase(Locale.ROOT);
            boolean match = wantedValue == null && name.equals(lowerName);
            boolean named = wantedValue != null && name.contains(lowerName);
            int nameEnd = i;
            while (i < to && isTagSpace(html.charAt(i))) {
                i++;
            }
            if (i >= to || html.charAt(i) != '=') {
                if (match) {
                    return new int[] {nameEnd, nameEnd, 0};
                }
                continue; // no value
            }
            i++;
            while (i < to && isTagSpace(html.charAt(i))) {
                i++;
            }
            int valueStart;
            int valueEnd;
            if (i < to && (html.charAt(i) == '"' || html.charAt(i) == '\'')) {
                char q = html.charAt(i);
                valueStart = i + 1;
                int close = valueStart;
                while (close < to && html.charAt(close) != q) {
                    close++; // within the tag only: an unclosed quote must not send the search through the page
                }
                valueEnd = close;
                i = valueEnd + 1;
            } else {
                valueStart = i;
                while (i < to && !isTagSpace(html.charAt(i)) && html.charAt(i) != '>') {
                    i++;
                }
                valueEnd = i;
            }
            if (match || named && valueEnd > valueStart && !skip.contains(valueStart)
                    && sourceValue(html, valueStart, valueEnd).equals(wantedValue)) {
                return new int[] {valueStart, valueEnd, 1};
            }
        }
        return null;
    }

    private static boolean isTagSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    /** Plain text with its http(s) URLs replaced. */
    String rewriteText(String text, Session s) {
        return rewriteText(text, s, false, false);
    }

    /**
     * Plain text with its http(s) URLs replaced. In {@code format=flowed} text (RFC 3676) URLs are searched in the
     * text as readers show it, the soft line breaks undone ({@link #unflow}); a URL running over one is replaced
     * whole, so its lines are joined in the output (audit: the line-by-line search missed {@code https: } +
     * {@code //evil.example} under {@code delsp=yes}).
     */
    String rewriteText(String text, Session s, boolean flowed, boolean delSp) {
        int[] map = flowed ? new int[text.length() + 1] : null;
        String shown = flowed ? unflow(text, delSp, map) : text;
        Matcher m = TEXT_URL.matcher(shown);
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
            int start = flowed ? map[m.start()] : m.start();
            int end = flowed ? map[m.start() + url.length() - 1] + 1 : m.start() + url.length();
            out.append(text, last, start).append(replacement);
            last = end;
        }
        if (out == null) {
            return text;
        }
        return out.append(text, last, text.length()).toString();
    }

    /**
     * Flowed text as a reader shows it: a line ending in a space (other than the signature separator
     * {@code "-- "}) continues on the next one, without that space when {@code delSp}; a continuation line loses
     * its quote marks and its stuffing space. {@code map[i]} receives the index in {@code text} of the
     * {@code i}-th character returned. Linear.
     */
    static String unflow(String text, boolean delSp, int[] map) {
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        boolean continuation = false;
        while (pos < text.length()) {
            int lf = text.indexOf('\n', pos);
            int lineEnd = lf < 0 ? text.length() : lf + 1;
            int contentEnd = lf < 0 ? text.length() : lf > pos && text.charAt(lf - 1) == '\r' ? lf - 1 : lf;
            int from = pos;
            if (continuation) {
                while (from < contentEnd && text.charAt(from) == '>') {
                    from++;
                }
                if (from < contentEnd && text.charAt(from) == ' ') {
                    from++;
                }
            }
            boolean soft = contentEnd > pos && text.charAt(contentEnd - 1) == ' '
                    && !text.substring(pos, contentEnd).equals("-- ") && lf >= 0;
            int keepEnd = soft ? (delSp ? contentEnd - 1 : contentEnd) : lineEnd;
            for (int i = from; i < keepEnd; i++) {
                map[out.length()] = i;
                out.append(text.charAt(i));
            }
            continuation = soft;
            pos = lineEnd;
        }
        map[out.length()] = text.length();
        return out.toString();
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

    /**
     * {@code href} (relative, no scheme) resolved against {@code base}. What {@link URI} refuses but browsers follow
     * ({@code | ^ { } "} and spaces, a stray {@code %}, a second {@code #}, controls, non-ASCII) is percent-encoded
     * first and a backslash read as a slash, as browsers do: such a link used to be left as written, live to the
     * base's host (found by fuzzing). Whatever still cannot be read leads to the base itself, still guarded.
     */
    private static String resolve(URI base, String href) {
        try {
            return base.resolve(new URI(uriSafe(Urls.clean(href)))).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return base.toString();
        }
    }

    /**
     * The {@code <base>} as a URI. Characters {@link URI} refuses (a {@code "}, a space) are percent-encoded, as
     * browsers do: such a base used to be dropped, and the relative links under it, which browsers send to its
     * host, left live (found by fuzzing).
     */
    private static URI baseUri(String url) throws URISyntaxException {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            int authority = url.indexOf("//") + 2;
            int path = url.indexOf('/', authority);
            return new URI(path < 0 ? url : url.substring(0, path) + uriSafe(url.substring(path)));
        }
    }

    /** {@code s} with every character {@link URI} refuses in a relative reference percent-encoded (UTF-8). */
    static String uriSafe(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        boolean fragment = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            boolean ok = cp > 0x20 && cp < 0x7f && "\"<>^`{|}[]".indexOf(cp) < 0
                    && (cp != '%' || next + 1 < s.length() && hex(s.charAt(next)) && hex(s.charAt(next + 1)))
                    && (cp != '#' || !fragment);
            if (cp == '\\') {
                b.append('/');
            } else if (ok) {
                fragment |= cp == '#';
                b.append((char) cp);
            } else {
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xf, 16)))
                            .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
                }
            }
            i = next;
        }
        return b.toString();
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    /** Per-message state: what was rewritten, how many. Confined to one call. */
    final class Session {
        final String messageId;
        final String recipient;
        final Set<String> internalDomains;
        final Set<String> urls = new LinkedHashSet<>();
        /** MIME parts read so far, across decoded forwarded messages too ({@link MimeTree#MAX_PARTS}). */
        final int[] parts = {0};
        int rewritten;
        int overLimit;

        Session(String messageId, String recipient, Set<String> internalDomains) {
            this.messageId = messageId;
            this.recipient = recipient;
            this.internalDomains = internalDomains;
        }

        /** The click URL replacing {@code href}, or null to leave it as written. */
        String replacement(String href) {
            return replacement(href, LinkTokens.Kind.LINK);
        }

        /** The click URL replacing {@code href}, a target of {@code kind}, or null to leave it as written. */
        String replacement(String href, LinkTokens.Kind kind) {
            Optional<String> parsed = Urls.httpUrl(href);
            if (parsed.isEmpty()) {
                return null;
            }
            String url = parsed.get();
            if (isClickLink(url) || url.startsWith(ownPrefix)) {
                return null; // already guarded, or a page of this gateway (a user's quarantine digest link)
            }
            String host = Urls.hostOf(url);
            if (Urls.inDomains(host, exemptDomains) || Urls.inDomains(host, internalDomains)) {
                return null;
            }
            if (url.length() > Urls.MAX_URL_CHARS) {
                LOG.info("Message {}: a link of {} characters to {} is longer than {} and now leads to the "
                        + "unchecked page", messageId, url.length(), host, Urls.MAX_URL_CHARS);
                return clickPrefix + UNCHECKED;
            }
            if (rewritten >= maxLinks) {
                overLimit++;
                return clickPrefix + UNCHECKED;
            }
            Optional<String> token = tokens.sign(messageId, recipient, url, kind);
            if (token.isEmpty()) {
                LOG.info("Message {}: the token for a link to {} would be too long; it leads to the unchecked page",
                        messageId, host);
                return clickPrefix + UNCHECKED;
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
         * ASCII; every byte is kept). A charset the JDK does not know (or a malformed name): ISO-8859-1 too,
         * since mail readers then show the part in their default charset, links live (audit: such a part used
         * to be left as is); and one the JDK can only decode (ISO-2022-CN, JISAutoDetect), as the rewritten text
         * could not be encoded back.
         */
        static Text decode(byte[] data, String charsetName) {
            Charset cs;
            if (charsetName == null || charsetName.isBlank()) {
                cs = StandardCharsets.US_ASCII;
            } else {
                try {
                    cs = Charset.forName(charsetName.trim());
                } catch (IllegalArgumentException e) {
                    cs = StandardCharsets.ISO_8859_1;
                }
            }
            if (cs.equals(StandardCharsets.US_ASCII) || !cs.canEncode()) {
                // ISO-2022-CN and JISAutoDetect can only be decoded: the rewritten text could not be written back
                // (getBytes threw, the whole message's rewriting failed and every link of it stayed live: audit)
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
