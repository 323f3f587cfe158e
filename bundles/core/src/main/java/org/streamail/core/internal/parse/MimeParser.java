package org.streamail.core.internal.parse;

import jakarta.activation.DataSource;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.SharedInputStream;
import jakarta.mail.util.SharedByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Properties;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Content;
import org.streamail.api.model.Header;
import org.streamail.api.model.Link;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;

/**
 * Turns raw RFC 822 bytes into the {@link ParsedMessage} detectors read, with Jakarta Mail.
 *
 * <p>Parts are walked explicitly: a multipart is re-parsed from its decoded bytes with
 * {@link MimeMultipart#MimeMultipart(DataSource)} and a nested message with {@link MimeMessage}, so nothing
 * depends on the activation framework's mailcap or on the thread context class loader (which is what makes
 * {@code getContent()} return a stream instead of a multipart inside OSGi).
 *
 * <p>Every RuntimeException and MessagingException thrown by Jakarta Mail means the message is malformed
 * (Jakarta Mail throws IndexOutOfBoundsException on some header shapes); transfer-encoding errors (bad
 * base64) are recorded as defects on the part and the message is still parsed. Part count, nesting depth,
 * header count, body length and link count are bounded.
 *
 * <p>Immutable and thread-safe: one instance serves all pipeline threads.
 */
public final class MimeParser {

    /** Limits of one parse. */
    /**
     * Defects that start with this mean part of the message's structure (parts beyond the part limit,
     * nesting beyond the depth limit, header fields beyond the header limit) was never shown to the
     * detectors; the pipeline turns them into a MALFORMED finding so such mail is not passed unscanned.
     */
    public static final String NOT_INSPECTED = "not inspected: ";

    /**
     * Header fields read of one header section (the message's, a nested message's or a MIME part's) before the
     * message is called malformed. Jakarta Mail keeps each field as objects of about 150 bytes: a message of a
     * million tiny header lines (6 MB, under every size limit) took about 200 MB of heap per message, and a few
     * at once ran the gateway out of memory. Folded continuation lines are not fields and are not counted.
     * Ten times {@link Limits#maxHeaders()} by default, which is what the detectors are shown.
     */
    public static final int MAX_HEADER_FIELDS_READ = 10_000;

    public record Limits(int maxParts, int maxDepth, int maxBodyChars, int maxHeaders, int maxLinks) {
        public static final Limits DEFAULT = new Limits(500, 20, 2 * 1024 * 1024, 1000, 10_000);
    }

    private final Limits limits;
    private final Session session;

    public MimeParser() {
        this(Limits.DEFAULT);
    }

    public MimeParser(Limits limits) {
        this.limits = limits;
        Properties p = new Properties();
        // Lenient where leniency loses nothing (address syntax, encoded words in odd places)...
        p.setProperty("mail.mime.address.strict", "false");
        p.setProperty("mail.mime.decodetext.strict", "false");
        // ...strict where it would hide content: see StrictMultipart for the multipart structure.
        this.session = MailContext.call(() -> Session.getInstance(p));
    }

    /**
     * Parses a message.
     *
     * @throws MalformedMessageException when the bytes cannot be read as a message; the reason is one line
     */
    public ParsedMessage parse(byte[] raw) throws MalformedMessageException {
        if (raw.length == 0) {
            throw new MalformedMessageException("empty message");
        }
        try {
            return MailContext.call(() -> new Walk(raw).run());
        } catch (HeaderFieldLimit e) {
            throw new MalformedMessageException(e.getMessage(), e);
        } catch (MessagingException e) {
            throw new MalformedMessageException("unreadable MIME structure: " + oneLine(e), e);
        } catch (RuntimeException e) {
            // Jakarta Mail is not hardened against hostile input; any crash in it is "malformed".
            throw new MalformedMessageException("MIME parser failed (" + e.getClass().getSimpleName() + "): "
                    + oneLine(e), e);
        } catch (StackOverflowError e) {
            throw new MalformedMessageException("MIME structure too deeply nested", e);
        }
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.replaceAll("[\\r\\n\\t]+", " ").trim();
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    /** The state of one parse; not shared between threads. */
    private final class Walk {
        private final byte[] raw;
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder html = new StringBuilder();
        private final List<Link> links = new ArrayList<>();
        private final List<Attachment> attachments = new ArrayList<>();
        private final List<String> defects = new ArrayList<>();
        private int parts;
        private boolean truncated;

        Walk(byte[] raw) {
            this.raw = raw;
        }

        ParsedMessage run() throws MessagingException {
            MimeMessage msg = new BoundedMessage(session, new SharedByteArrayInputStream(raw));
            List<Header> headers = headers(msg, true);
            String messageId = stripAngles(first(msg, "Message-ID"));
            String subject = decodeText(first(msg, "Subject"));
            List<MailAddress> from = addresses(msg, "From");
            List<MailAddress> replyTo = addresses(msg, "Reply-To");
            List<MailAddress> to = addresses(msg, "To");
            List<MailAddress> cc = addresses(msg, "Cc");
            walk(msg, "1", 0, true);
            return new ParsedMessage(messageId, subject, from, replyTo, to, cc, headers, text.toString(),
                    html.toString(), links, attachments, raw.length, truncated, defects);
        }

        /**
         * Visits one part. {@code path} follows IMAP numbering: a single-part message is "1", children of a
         * multipart at "2" are "2.1", "2.2"...; the top-level multipart's children are "1", "2".
         */
        private void walk(MimePart part, String path, int depth, boolean top) throws MessagingException {
            if (++parts > limits.maxParts()) {
                if (!truncated || parts == limits.maxParts() + 1) {
                    defect(NOT_INSPECTED + "more than " + limits.maxParts() + " MIME parts; the parts after "
                            + path + " were not inspected");
                }
                truncated = true;
                return;
            }
            ContentType type = contentType(part, path);
            String base = type.getBaseType().toLowerCase(Locale.ROOT);
            // message/global (RFC 6532) is a forwarded message with UTF-8 headers, shown inline by mail clients
            // like message/rfc822: walked the same, it is no longer one opaque attachment hiding its links and files.
            boolean message = base.equals("message/rfc822") || base.equals("message/global");
            if (base.startsWith("multipart/") || message) {
                if (depth >= limits.maxDepth()) {
                    defect(NOT_INSPECTED + "MIME nesting deeper than " + limits.maxDepth() + " at part " + path
                            + "; what it contains was not inspected");
                    truncated = true;
                    return;
                }
                SharedInputStream body = containerBody(part, path);
                if (base.startsWith("multipart/")) {
                    StrictMultipart mp = new StrictMultipart(new SharedSource(body, type.toString()));
                    int count = mp.getCount();
                    for (int i = 0; i < count && !(parts >= limits.maxParts() && truncated); i++) {
                        String childPath = top ? Integer.toString(i + 1) : path + "." + (i + 1);
                        walk((MimeBodyPart) mp.getBodyPart(i), childPath, depth + 1, false);
                    }
                } else {
                    MimeMessage nested = new BoundedMessage(session, body.newStream(0, -1));
                    walk(nested, path, depth + 1, false);
                }
                return;
            }
            leaf(part, path, type, base);
        }

        private void leaf(MimePart part, String path, ContentType type, String base) throws MessagingException {
            String fileName = fileName(part, path);
            String ctName = decodeName(type.getParameter("name"));
            String disposition = disposition(part);
            Decoded body = decode(part, path);
            boolean isBody = (base.equals("text/plain") || base.equals("text/html")) && fileName.isEmpty()
                    && ctName.isEmpty() && !disposition.equals("attachment");
            // a body is sniffed only when it holds a control byte no text has: ordinary text is not scanned twice
            String detected = isBody && !MagicSniffer.hasControlBytes(body.bytes) ? null
                    : MagicSniffer.sniff(body.bytes);
            if (isBody && detected != null && !detected.startsWith("text/")
                    && !detected.equals(MagicSniffer.OCTET_STREAM)) {
                // A ZIP, executable or PDF sent as the message text (text/plain in base64, no name): read as
                // characters it would reach the detectors as mangled text only, and a client may still offer it
                // to save. It is what its bytes say, so it is an attachment, inspected by every detector.
                defect("part " + path + ": declared " + base + " but its bytes are " + detected
                        + "; inspected as an attachment");
                isBody = false;
            }
            if (isBody) {
                String s = chars(body.bytes, type.getParameter("charset"), path);
                if (base.equals("text/html")) {
                    append(html, s);
                    LinkExtractor.fromHtml(s, path, links, limits.maxLinks());
                } else {
                    append(text, s);
                    LinkExtractor.fromText(s, path, links, limits.maxLinks());
                }
                if (!body.problem.isEmpty()) {
                    defect("part " + path + ": " + body.problem);
                }
                return;
            }
            if (base.equals("text/html") || detected.equals("text/html")) {
                // HTML attachments are opened by a click just like bodies: their links count.
                LinkExtractor.fromHtml(chars(body.bytes, type.getParameter("charset"), path), path, links,
                        limits.maxLinks());
            }
            if (!body.problem.isEmpty()) {
                defect("part " + path + ": " + body.problem);
            }
            attachments.add(new Attachment(path, fileName, ctName, base, detected, disposition,
                    headers(part, false), Content.of(body.bytes), body.problem));
        }

        private ContentType contentType(MimePart part, String path) {
            String value = null;
            try {
                value = part.getHeader("Content-Type", null);
                if (value == null) {
                    return new ContentType("text", "plain", null);
                }
                return new ContentType(unfold(value));
            } catch (MessagingException | RuntimeException e) {
                // An unreadable type hides nothing if we treat the part as opaque bytes.
                defect("part " + path + ": bad Content-Type '" + clip(value) + "'");
                return new ContentType("application", "octet-stream", null);
            }
        }

        private String disposition(MimePart part) {
            try {
                String d = part.getHeader("Content-Disposition", null);
                if (d == null) {
                    return "";
                }
                String v = new ContentDisposition(unfold(d)).getDisposition();
                return v == null ? "" : v.toLowerCase(Locale.ROOT);
            } catch (MessagingException | RuntimeException e) {
                return "";
            }
        }

        private String fileName(MimePart part, String path) {
            String d = null;
            try {
                d = part.getHeader("Content-Disposition", null);
                if (d == null) {
                    return "";
                }
                // ContentDisposition's ParameterList decodes RFC 2231 (filename*=utf-8''...) and joins
                // continuations; RFC 2047 words in quoted names are decoded after.
                return decodeName(new ContentDisposition(unfold(d)).getParameter("filename"));
            } catch (MessagingException | RuntimeException e) {
                defect("part " + path + ": bad Content-Disposition '" + clip(d) + "'");
                return "";
            }
        }

        private Decoded decode(MimePart part, String path) throws MessagingException {
            String enc = null;
            try {
                enc = part.getEncoding();
            } catch (MessagingException | RuntimeException e) {
                defect("part " + path + ": bad Content-Transfer-Encoding");
            }
            InputStream rawStream = part instanceof MimeBodyPart bp ? bp.getRawInputStream()
                    : ((MimeMessage) part).getRawInputStream();
            InputStream in = rawStream;
            String problem = "";
            if (enc != null && !enc.isBlank()) {
                InputStream decoder = decoder(rawStream, enc.trim().toLowerCase(Locale.ROOT));
                if (decoder == null) {
                    problem = "unknown transfer encoding '" + clip(enc) + "', content kept as sent";
                } else {
                    in = decoder;
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try (InputStream s = in) {
                int n;
                // Decoded content is never larger than the raw message, so this loop is bounded by it.
                while ((n = s.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException | RuntimeException e) {
                problem = "bad " + (enc == null ? "" : enc.trim().toLowerCase(Locale.ROOT)) + " encoding ("
                        + oneLine(e) + "); " + out.size() + " bytes decoded before the error";
            }
            return new Decoded(out.toByteArray(), problem);
        }

        /**
         * The body of a multipart or a nested message. Without a transfer encoding it is read in place, a view of
         * the message's bytes: copied at every level, as it was, the copies of all enclosing levels stayed alive
         * while the walk went deeper (a 25 MB message nested 19 levels held about 500 MB). Encoded (which RFC 2045
         * does not allow for these types, but clients decode), it is decoded into a copy, smaller at each level.
         */
        private SharedInputStream containerBody(MimePart part, String path) throws MessagingException {
            String enc;
            try {
                enc = part.getEncoding();
            } catch (MessagingException | RuntimeException e) {
                enc = "?"; // decode() records the defect
            }
            String e = enc == null ? "" : enc.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty() || e.equals("7bit") || e.equals("8bit") || e.equals("binary")) {
                InputStream raw = part instanceof MimeBodyPart bp ? bp.getRawInputStream()
                        : ((MimeMessage) part).getRawInputStream();
                if (raw instanceof SharedInputStream shared) {
                    return shared;
                }
            }
            return new SharedByteArrayInputStream(decode(part, path).bytes);
        }

        private String chars(byte[] bytes, String charsetName, String path) {
            Charset cs = StandardCharsets.US_ASCII;
            if (charsetName != null && !charsetName.isBlank()) {
                try {
                    cs = Charset.forName(MimeUtility.javaCharset(charsetName.trim()));
                } catch (RuntimeException e) {
                    defect("part " + path + ": unknown charset '" + clip(charsetName) + "', read as UTF-8");
                    cs = StandardCharsets.UTF_8;
                }
            } else if (!isAscii(bytes)) {
                // Undeclared 8-bit text is UTF-8 far more often than anything else today.
                cs = StandardCharsets.UTF_8;
            }
            try {
                return cs.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
        }

        private void append(StringBuilder sb, String s) {
            int room = limits.maxBodyChars() - sb.length();
            if (room <= 0) {
                if (!s.isEmpty()) {
                    textCut();
                }
                return;
            }
            if (sb.length() > 0) {
                sb.append('\n');
                room--;
            }
            if (s.length() > room) {
                sb.append(s, 0, room);
                textCut();
            } else {
                sb.append(s);
            }
        }

        private boolean textCutSaid;

        /** A body's text is longer than the limit: the text rules see its start; attachments are unaffected. */
        private void textCut() {
            truncated = true;
            if (!textCutSaid) {
                textCutSaid = true;
                defect("a body text is longer than " + limits.maxBodyChars()
                        + " characters; the text rules saw its first " + limits.maxBodyChars());
            }
        }

        private List<Header> headers(Part part, boolean top) throws MessagingException {
            List<Header> out = new ArrayList<>();
            Enumeration<jakarta.mail.Header> e = part.getAllHeaders();
            while (e.hasMoreElements()) {
                jakarta.mail.Header h = e.nextElement();
                if (out.size() >= limits.maxHeaders()) {
                    if (top) {
                        defect(NOT_INSPECTED + "more than " + limits.maxHeaders()
                                + " header fields; the rest were not inspected");
                    }
                    truncated = true;
                    break;
                }
                out.add(new Header(h.getName(), decodeText(h.getValue())));
            }
            return out;
        }

        private List<MailAddress> addresses(MimeMessage msg, String name) throws MessagingException {
            String[] values = msg.getHeader(name);
            if (values == null) {
                return List.of();
            }
            List<MailAddress> out = new ArrayList<>();
            for (String v : values) {
                String unfolded = unfold(v);
                try {
                    for (Address a : InternetAddress.parseHeader(unfolded, false)) {
                        if (a instanceof InternetAddress ia && out.size() < 1000) {
                            out.add(new MailAddress(ia.getAddress() == null ? "" : ia.getAddress(),
                                    ia.getPersonal()));
                        }
                    }
                } catch (AddressException e) {
                    // Keep the raw text: a detector may still recognise a spoof in it.
                    defect(name + ": unparsable address list '" + clip(unfolded) + "'");
                    out.add(new MailAddress(decodeText(unfolded).trim(), ""));
                }
            }
            return out;
        }

        private void defect(String d) {
            if (defects.size() < 100) {
                defects.add(d);
            }
        }
    }

    private record Decoded(byte[] bytes, String problem) {
    }

    /**
     * The decoder MimeUtility.decode would pick, built directly: MimeUtility looks the codec provider up
     * with a ServiceLoader scan on every call (~0.1 ms each), which dominated the parse time.
     */
    private static InputStream decoder(InputStream in, String encoding) {
        return switch (encoding) {
            case "base64" -> new org.eclipse.angus.mail.util.BASE64DecoderStream(in);
            case "quoted-printable" -> new org.eclipse.angus.mail.util.QPDecoderStream(in);
            case "uuencode", "x-uuencode", "x-uue" -> new org.eclipse.angus.mail.util.UUDecoderStream(in);
            case "7bit", "8bit", "binary" -> in;
            default -> null;
        };
    }

    /**
     * RFC 5322 unfolding in one pass: a line break (CRLF, or a bare CR or LF) followed by a space or tab is
     * removed, the white space stays; other line breaks stay as they are. Jakarta Mail's
     * {@code MimeUtility.unfold} copies the rest of the value at every fold, which made a 5 MB Received field
     * folded over 80,000 lines take 25 s to parse (fourth audit); this is linear.
     */
    static String unfold(String value) {
        if (value == null || value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        int n = value.length();
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                int next = c == '\r' && i + 1 < n && value.charAt(i + 1) == '\n' ? i + 2 : i + 1;
                if (next >= n || value.charAt(next) == ' ' || value.charAt(next) == '\t') {
                    i = next - 1; // the break goes; the white space after it is kept by the next round
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * Header value: unfolded, RFC 2047 words decoded. Jakarta Mail gives up on the whole value when one word names a
     * charset the JVM does not know; the words are then decoded one by one, such a word as ISO-8859-1 (ASCII-compatible:
     * a file name's extension reads as lenient clients show it), and a word that cannot be decoded at all is left as
     * written.
     */
    static String decodeText(String value) {
        if (value == null) {
            return "";
        }
        String unfolded = unfold(value);
        try {
            return MimeUtility.decodeText(unfolded);
        } catch (java.io.UnsupportedEncodingException | RuntimeException e) {
            return decodeWordByWord(unfolded);
        }
    }

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]{1,75})\\?([bBqQ])\\?([^?\\s]*)\\?=");

    /** Each encoded word decoded on its own (an unknown charset as ISO-8859-1); white space between two dropped. */
    static String decodeWordByWord(String s) {
        Matcher m = ENCODED_WORD.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        boolean previousDecoded = false;
        while (m.find()) {
            String between = s.substring(last, m.start());
            String decoded = decodeWord(m.group(), m.group(2), m.group(3));
            if (!(previousDecoded && decoded != null && between.isBlank())) {
                out.append(between);
            }
            out.append(decoded == null ? m.group() : decoded);
            previousDecoded = decoded != null;
            last = m.end();
        }
        return out.append(s, last, s.length()).toString();
    }

    private static String decodeWord(String word, String encoding, String text) {
        try {
            return MimeUtility.decodeWord(word);
        } catch (java.io.UnsupportedEncodingException e) {
            try {
                return MimeUtility.decodeWord("=?ISO-8859-1?" + encoding + "?" + text + "?=");
            } catch (java.io.UnsupportedEncodingException | jakarta.mail.internet.ParseException
                    | RuntimeException again) {
                return null;
            }
        } catch (jakarta.mail.internet.ParseException | RuntimeException e) {
            return null;
        }
    }

    /** A file name: RFC 2047 words decoded (ParameterList already did RFC 2231), NFC, trimmed. */
    static String decodeName(String name) {
        if (name == null) {
            return "";
        }
        String n = name.contains("=?") ? decodeText(name) : name;
        return Normalizer.normalize(n, Normalizer.Form.NFC).trim();
    }

    private static String first(MimeMessage msg, String name) throws MessagingException {
        String[] v = msg.getHeader(name);
        return v == null || v.length == 0 ? "" : v[0];
    }

    private static String stripAngles(String id) {
        return org.streamail.api.model.MessageIds.bare(unfold(id));
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("[\\r\\n\\t]+", " ");
        return t.length() > 100 ? t.substring(0, 100) + "..." : t;
    }

    /**
     * A multipart that refuses to guess: a missing end boundary (a truncated message), a missing boundary
     * parameter or an empty multipart make the message malformed instead of silently changing what the
     * recipient's client would show.
     */
    private static final class StrictMultipart extends MimeMultipart {
        StrictMultipart(DataSource ds) throws MessagingException {
            super(ds);
            initializeProperties();
        }

        @Override
        protected void initializeProperties() {
            ignoreMissingEndBoundary = false;
            ignoreMissingBoundaryParameter = false;
            ignoreExistingBoundaryParameter = false;
            allowEmpty = false;
        }

        @Override
        protected InternetHeaders createInternetHeaders(InputStream is) throws MessagingException {
            return new InternetHeaders(new FieldCounter(is, "a MIME part's header"));
        }

        /** Parts of a shared stream (ours) are made here: MimeBodyPart reads their header itself, so count first. */
        @Override
        protected MimeBodyPart createMimeBodyPart(InputStream is) throws MessagingException {
            if (is instanceof SharedInputStream shared) {
                FieldCounter.check(shared.newStream(0, -1), "a MIME part's header");
            }
            return super.createMimeBodyPart(is);
        }
    }

    /** A message whose header section is read with {@link FieldCounter} (also for nested messages). */
    private static final class BoundedMessage extends MimeMessage {
        BoundedMessage(Session session, InputStream in) throws MessagingException {
            super(session, in);
        }

        @Override
        protected InternetHeaders createInternetHeaders(InputStream is) throws MessagingException {
            // called from the constructor: only static state may be used here
            boolean utf8 = session != null && Boolean.parseBoolean(session.getProperty("mail.mime.allowutf8"));
            return new InternetHeaders(new FieldCounter(is, "a message header"), utf8); // as MimeMessage does
        }
    }

    /** Thrown by {@link FieldCounter}; unchecked so Jakarta Mail's IOException handling does not rename it. */
    private static final class HeaderFieldLimit extends RuntimeException {
        HeaderFieldLimit(String where) {
            super("more than " + MAX_HEADER_FIELDS_READ + " header fields in " + where
                    + "; the message was not read further");
        }
    }

    /**
     * Passes a header section through unchanged (byte for byte, so a shared stream's position stays right) and
     * counts its fields: lines that start with neither a space nor a tab (CR, LF and CRLF end a line, as Jakarta's
     * LineInputStream reads them). Jakarta stops reading at the empty line, so only the header is counted.
     */
    private static final class FieldCounter extends java.io.FilterInputStream {
        private final String where;
        private boolean ended;
        private boolean lineStart = true;
        private boolean afterCr;
        private int fields;

        FieldCounter(InputStream in, String where) {
            super(in);
            this.where = where;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                see(c);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            for (int i = 0; i < n; i++) {
                see(b[off + i] & 0xFF);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // never used by the header reader; counted as read to stay exact
            long done = 0;
            while (done < n && read() >= 0) {
                done++;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        /** Reads a header section to its end (an empty line) or the end of {@code in}, counting its fields. */
        static void check(InputStream in, String where) throws MessagingException {
            try (FieldCounter c = new FieldCounter(new java.io.BufferedInputStream(in, 8192), where)) {
                while (!c.ended && c.read() >= 0) {
                    // counting
                }
            } catch (IOException e) {
                throw new MessagingException("cannot read " + where, e);
            }
        }

        private void see(int c) {
            if (lineStart && (c == '\r' || (c == '\n' && !afterCr))) {
                ended = true; // the empty line: the header section is over
            }
            if (c == '\n') {
                boolean crlf = afterCr;
                afterCr = false;
                if (crlf) {
                    return; // the LF of a CRLF: the CR ended the line already
                }
                lineStart = true;
                return;
            }
            afterCr = c == '\r';
            if (afterCr) {
                lineStart = true;
                return;
            }
            if (lineStart && c != ' ' && c != '\t' && ++fields > MAX_HEADER_FIELDS_READ) {
                throw new HeaderFieldLimit(where);
            }
            lineStart = false;
        }
    }

    /**
     * A DataSource over a view of the message's bytes; the multipart is read from it without the activation
     * mailcap, and its parts stay views too (MimeMultipart keeps a SharedInputStream's parts in place).
     */
    private record SharedSource(SharedInputStream body, String type) implements DataSource {
        @Override
        public InputStream getInputStream() {
            return body.newStream(0, -1);
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public String getContentType() {
            return type;
        }

        @Override
        public String getName() {
            return "part";
        }
    }
}
