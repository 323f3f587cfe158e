package org.streamail.core.internal.delivery;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.streamail.core.internal.parse.MailContext;

/**
 * Follows the MIME structure of a message as its lines stream past, so that {@link InternalHops} knows which
 * lines form a message header: the top-level one and that of every nested {@code message/rfc822} (or
 * {@code message/global}) entity, at any depth.
 *
 * <p>The caller hands over every line in order: {@link #line} with its first bytes (at most
 * {@link InternalHops#DECISION_BYTES}), {@link #more} with the rest of a longer line, then {@link #endLine}.
 * Before each line, {@link #inHeader}, {@link #messageHeader} and {@link #atHeaderStart} describe where the
 * line falls; after {@link #line}, {@link #fieldName} names the field it starts. The tracker only reads: what
 * is written out is the caller's business.
 *
 * <p>What it recognises:
 * <ul>
 * <li>the {@code Content-Type} (parsed by Jakarta Mail's {@link ContentType}, as the scanner's
 * {@code MimeParser} does: quoted or plain {@code boundary}, folded lines, names in any case; the first such
 * field counts) and {@code Content-Transfer-Encoding} of each header;</li>
 * <li>boundary lines per RFC 2046: {@code --boundary} or {@code --boundary--} at the start of a line, followed
 * only by spaces, tabs and the line end. A line matching an enclosing multipart's boundary also ends every
 * multipart inside it that was left unterminated;</li>
 * <li>{@code multipart/digest}, whose parts are {@code message/rfc822} unless they say otherwise.</li>
 * </ul>
 * A multipart or nested message is only looked into when its transfer encoding is absent, {@code 7bit},
 * {@code 8bit} or {@code binary}: encoded (e.g. base64) content is opaque bytes here. Anything it cannot read
 * (a Content-Type Jakarta Mail rejects or longer than {@link #MAX_FIELD_VALUE}, a missing or overlong
 * boundary, structure nested deeper than {@link #MAX_DEPTH}) is treated as opaque content as well: it is never
 * an error, the caller simply leaves it as it is.
 *
 * <p>Memory is bounded: at most {@link #MAX_DEPTH} boundaries of at most {@link #MAX_BOUNDARY} bytes, and one
 * field value of at most {@link #MAX_FIELD_VALUE} characters. One instance per message; not thread-safe.
 */
final class MimeTracker {

    /** Containers (multiparts and nested messages) looked into, counted from the top-level message (0). */
    static final int MAX_DEPTH = 20;
    /** RFC 2046 allows 70 characters; some mailers write longer ones, so a little room. */
    static final int MAX_BOUNDARY = 200;
    /** Characters of a Content-Type or Content-Transfer-Encoding value kept (unfolded); longer is opaque. */
    static final int MAX_FIELD_VALUE = 8192;

    /** A multipart being read: its boundary (as bytes), its depth and whether its parts default to messages. */
    private record Frame(byte[] boundary, int depth, boolean digest) {
    }

    /** A field value being collected from a header, bounded. */
    private static final class Value {
        final StringBuilder text = new StringBuilder();
        boolean overflow;

        void append(byte[] b, int off, int len) {
            for (int i = off; i < off + len && !overflow; i++) {
                byte c = b[i];
                if (c == '\r' || c == '\n') {
                    continue; // unfolding: the line break goes, the folding white space stays
                }
                if (text.length() >= MAX_FIELD_VALUE) {
                    overflow = true;
                } else {
                    text.append((char) (c & 0xFF));
                }
            }
        }
    }

    private final Frame[] frames = new Frame[MAX_DEPTH];
    private int open;

    // The entity whose lines are passing: in its header or in its body.
    private boolean header = true;
    private boolean message = true;
    private boolean headerStart = true;
    private int depth;
    private String defaultType = "text/plain";
    private Value contentType;
    private Value transferEncoding;
    private Value collecting;

    // The current line.
    private String fieldName = "";
    private boolean blank;
    private int boundaryFrame = -1;
    private boolean closeDelimiter;

    /** Whether the next (or current) line belongs to a header block. */
    boolean inHeader() {
        return header;
    }

    /** Whether that header is a message's (top-level or nested), not a MIME part's. */
    boolean messageHeader() {
        return header && message;
    }

    /** Whether the next line is the first of a header block. */
    boolean atHeaderStart() {
        return header && headerStart;
    }

    /**
     * Whether everything from here on is plain content: a body with no enclosing multipart, so no later line
     * can change the structure and the rest may be copied without looking.
     */
    boolean opaqueFromHere() {
        return !header && open == 0;
    }

    /** The lower-case name of the field the current header line starts; {@code ""} for anything else. */
    String fieldName() {
        return fieldName;
    }

    /** The start of a line: its first {@code n} bytes (all of it when it ends with LF), {@code n >= 1}. */
    void line(byte[] head, int n) {
        blank = header && (n == 1 && head[0] == '\n' || n == 2 && head[0] == '\r' && head[1] == '\n');
        fieldName = "";
        boundaryFrame = -1;
        if (open > 0 && n >= 2 && head[0] == '-' && head[1] == '-') {
            matchBoundary(head, n);
        }
        if (!header || blank) {
            return;
        }
        if (head[0] == ' ' || head[0] == '\t') {
            if (collecting != null) {
                collecting.append(head, 0, n);
            }
            return;
        }
        collecting = null;
        int colon = indexOf(head, n, (byte) ':');
        if (colon < 0) {
            return; // not a field: kept as it is, and it ends the field before it
        }
        fieldName = new String(head, 0, colon, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
        if (fieldName.equals("content-type") && contentType == null) {
            contentType = new Value();
            collecting = contentType;
        } else if (fieldName.equals("content-transfer-encoding") && transferEncoding == null) {
            transferEncoding = new Value();
            collecting = transferEncoding;
        }
        if (collecting != null) {
            collecting.append(head, colon + 1, n - colon - 1);
        }
    }

    /** More bytes of the current line, past its first ones. */
    void more(byte[] b, int off, int len) {
        if (boundaryFrame >= 0 && !padding(b, off, off + len)) {
            boundaryFrame = -1;
        }
        if (header && collecting != null) {
            collecting.append(b, off, len);
        }
    }

    /** The current line is over (its LF passed, or the input ended). */
    void endLine() {
        if (boundaryFrame >= 0) {
            delimiter(boundaryFrame, closeDelimiter);
        } else if (header) {
            if (blank) {
                endHeader();
            } else {
                headerStart = false;
            }
        }
    }

    /** Finds the innermost open multipart whose boundary the line starts with, followed only by padding. */
    private void matchBoundary(byte[] head, int n) {
        for (int k = open - 1; k >= 0; k--) {
            byte[] b = frames[k].boundary;
            int end = 2 + b.length;
            if (end > n || !startsWith(head, 2, b)) {
                continue;
            }
            boolean close = end + 2 <= n && head[end] == '-' && head[end + 1] == '-';
            if (close && padding(head, end + 2, n) || padding(head, end, n)) {
                boundaryFrame = k;
                closeDelimiter = close && padding(head, end + 2, n);
                return;
            }
        }
    }

    /** A delimiter of frame {@code k}: every multipart inside it ends; a close delimiter ends it too. */
    private void delimiter(int k, boolean close) {
        Frame f = frames[k];
        for (int i = k + 1; i < open; i++) {
            frames[i] = null;
        }
        open = k + 1;
        if (close) {
            frames[k] = null;
            open = k;
            // The epilogue, then whatever of the enclosing part follows: content until an enclosing boundary.
            header = false;
            depth = f.depth;
        } else {
            startHeader(false, f.depth + 1, f.digest ? "message/rfc822" : "text/plain");
        }
    }

    private void startHeader(boolean isMessage, int newDepth, String defaultContentType) {
        header = true;
        message = isMessage;
        headerStart = true;
        depth = newDepth;
        defaultType = defaultContentType;
        contentType = null;
        transferEncoding = null;
        collecting = null;
    }

    /** The blank line after a header: what follows depends on the entity's type. */
    private void endHeader() {
        header = false;
        collecting = null;
        if (depth >= MAX_DEPTH || !identityEncoding(transferEncoding)) {
            return; // too deep, or encoded: its content passes as opaque bytes
        }
        ContentType type = contentType();
        if (type == null) {
            return;
        }
        String base = type.getBaseType().toLowerCase(Locale.ROOT);
        if (base.startsWith("multipart/")) {
            byte[] boundary = boundary(type.getParameter("boundary"));
            if (boundary != null && open < frames.length) {
                frames[open++] = new Frame(boundary, depth, base.equals("multipart/digest"));
            }
        } else if (base.equals("message/rfc822") || base.equals("message/global")) {
            startHeader(true, depth + 1, "text/plain");
        }
    }

    /** The entity's type; {@code null} when it cannot be read (then its content is opaque, as in MimeParser). */
    private ContentType contentType() {
        if (contentType != null && contentType.overflow) {
            return null;
        }
        String value = contentType == null ? defaultType : contentType.text.toString();
        try {
            // The context class loader lets Jakarta Mail find its providers inside OSGi (RFC 2231 values).
            return MailContext.call(() -> new ContentType(value));
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private static boolean identityEncoding(Value v) {
        if (v == null) {
            return true;
        }
        if (v.overflow) {
            return false;
        }
        String s = v.text.toString().strip();
        int end = 0;
        while (end < s.length() && " \t;(".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        String token = s.substring(0, end).toLowerCase(Locale.ROOT);
        return token.equals("7bit") || token.equals("8bit") || token.equals("binary");
    }

    /** The boundary as bytes; {@code null} when missing, empty, overlong or not printable ASCII. */
    private static byte[] boundary(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_BOUNDARY) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return null;
            }
        }
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    /** Transport padding and the line end: only spaces, tabs, CR and LF. */
    private static boolean padding(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] line, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (line[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int n, byte c) {
        for (int i = 0; i < n; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
