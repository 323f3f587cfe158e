package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;

/**
 * Copies a message while leaving out, from its header and from the header of every message nested in it,
 * the fields that show the organisation's inside: every {@code Received} line (the internal mail server's
 * and the workstation's hops, with their names and private addresses), the client-address fields some
 * servers and webmail add, Exchange's organisation-internal fields, and any {@code X-Streamail-*} field.
 * Everything else (every other field, MIME part headers, bodies, boundaries, preambles and epilogues) goes
 * out byte for byte, CRLF or LF line endings as they came. This is what an outbound gateway does (Proxmox's
 * {@code hide_received}, Postfix's {@code header_checks} plus {@code nested_header_checks}); the gateway's
 * own {@code Received} line, written before this, names no internal host.
 *
 * <p>Nested messages: a forwarded message ({@code message/rfc822}, or {@code message/global}) carries its
 * sender's internal hops too, so its header is scrubbed the same way, in multiparts, in messages inside
 * messages, and in the parts of a {@code multipart/digest}. {@link MimeTracker} follows the MIME structure as
 * the lines pass; what it cannot follow stays as it is, so a nested message is <b>not</b> scrubbed when it is
 * transfer-encoded (a base64 or quoted-printable {@code message/rfc822} is opaque bytes here; RFC 2046 allows
 * only 7bit, 8bit and binary for it, but some mailers encode it anyway), when it lies deeper than
 * {@link MimeTracker#MAX_DEPTH} containers, or when its enclosing Content-Type cannot be read (see
 * {@link MimeTracker}). A malformed structure never fails the copy: it only means less is scrubbed.
 *
 * <p>Streaming with bounded memory: lines are read one at a time and each field is kept or dropped on its
 * first line, so a header of any length is scrubbed with one line of memory ({@link #DECISION_BYTES} bytes;
 * the rest of a longer line streams through after the decision), plus the tracker's bounded state and two
 * {@value #CHUNK}-byte buffers. Once no enclosing multipart is left and a body begins, the rest is copied
 * without looking. Only the streams' {@link IOException}s are thrown. Stateless (one instance per copy,
 * inside {@link #copy}); thread-safe.
 */
final class InternalHops {

    /**
     * The header fields left out, lower case: hop traces and the client-address, proxy and login fields
     * servers and webmail add (the fourth audit listed the ones the first list missed). Not on the list:
     * {@code Received-SPF} (a verdict, useful outside), {@code Delivered-To} (loop detection across
     * forwarders), {@code ARC-*} and {@code DKIM-Signature} (removing them breaks signed chains), and
     * the message ids ({@link MessageIdFilter} replaces internal names in them).
     */
    static final Set<String> HIDDEN = Set.of("received", "x-received", "x-originating-ip", "x-originating-host",
            "x-forwarded-for", "x-forwarded-host", "x-forwarded-server", "x-client-ip", "x-real-ip", "x-sender-ip",
            "x-authenticated-sender", "x-sender", "via", "authentication-results");
    /** Field-name prefixes left out, lower case: Exchange's internal fields, internal scanners' verdicts, ours. */
    static final List<String> HIDDEN_PREFIXES = List.of("x-ms-exchange-organization-", "x-ms-exchange-transport-",
            "x-spam-", "x-streamail-");
    /** The bytes of a line read before deciding; a field name is far shorter (RFC 5322: a line is at most 998). */
    static final int DECISION_BYTES = 1024;
    /** The input and output buffers: most lines of a body are short, and so would be their reads and writes. */
    static final int CHUNK = 8192;

    private final InputStream in;
    private final OutputStream out;
    private final MimeTracker mime = new MimeTracker();
    private final byte[] line = new byte[DECISION_BYTES];
    private final byte[] input = new byte[CHUNK];
    private int inPos;
    private int inEnd;
    private boolean eof;
    private final byte[] output = new byte[CHUNK];
    private int outEnd;

    private InternalHops(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** Copies {@code in} to {@code out} without the hidden header fields; neither stream is closed or flushed. */
    static void copy(InputStream in, OutputStream out) throws IOException {
        new InternalHops(in, out).run();
    }

    private void run() throws IOException {
        boolean keep = true;
        while (!mime.opaqueFromHere()) {
            boolean headerStart = mime.atHeaderStart();
            int n = readHead();
            if (n == 0) {
                drain();
                return; // the end, e.g. of a message that is all header
            }
            boolean complete = line[n - 1] == '\n';
            boolean field = mime.inHeader() && !(complete && (n == 1 || n == 2 && line[0] == '\r'));
            boolean scrub = mime.messageHeader();
            mime.line(line, n);
            if (!field) {
                keep = true; // a blank line ending a header, a body line, a boundary: copied
            } else if (line[0] == ' ' || line[0] == '\t') {
                if (headerStart) {
                    keep = true; // a header starting with a folded line: nothing to attach it to
                }
            } else {
                keep = !(scrub && hidden(mime.fieldName()));
            }
            if (keep) {
                emit(line, 0, n);
            }
            if (!complete && !eof) {
                streamRestOfLine(keep); // a line longer than the decision bytes: the rest follows the decision
            }
            mime.endLine();
            if (eof && inPos == inEnd) {
                drain();
                return;
            }
        }
        // The rest is content no later line can make a header: out as it is.
        emit(input, inPos, inEnd - inPos);
        inPos = inEnd;
        drain();
        in.transferTo(out);
    }

    static boolean hidden(String name) {
        if (HIDDEN.contains(name)) {
            return true;
        }
        for (String prefix : HIDDEN_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Reads a line into {@link #line}, up to its LF or the decision bytes; 0 at the end of the input. */
    private int readHead() throws IOException {
        int n = 0;
        while (n < line.length && (inPos < inEnd || fill())) {
            byte b = input[inPos++];
            line[n++] = b;
            if (b == '\n') {
                break;
            }
        }
        return n;
    }

    /** Passes the rest of the current line, through its LF, to the tracker and (when kept) to the output. */
    private void streamRestOfLine(boolean keep) throws IOException {
        while (inPos < inEnd || fill()) {
            int end = inPos;
            while (end < inEnd && input[end] != '\n') {
                end++;
            }
            boolean lineEnds = end < inEnd;
            if (lineEnds) {
                end++;
            }
            if (keep) {
                emit(input, inPos, end - inPos);
            }
            mime.more(input, inPos, end - inPos);
            inPos = end;
            if (lineEnds) {
                return;
            }
        }
    }

    /** Refills the input buffer; false at the end of the input. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int r = in.read(input, 0, input.length);
        if (r == 0) {
            // Not allowed by InputStream's contract for a non-empty buffer; a single-byte read blocks instead.
            int b = in.read();
            if (b >= 0) {
                input[0] = (byte) b;
                r = 1;
            } else {
                r = -1;
            }
        }
        if (r < 0) {
            eof = true;
            return false;
        }
        inPos = 0;
        inEnd = r;
        return true;
    }

    private void emit(byte[] b, int off, int len) throws IOException {
        if (len > output.length - outEnd) {
            drain();
            if (len >= output.length) {
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, output, outEnd, len);
        outEnd += len;
    }

    /** Writes what is buffered, without flushing {@code out} (its owner decides when). */
    private void drain() throws IOException {
        if (outEnd > 0) {
            out.write(output, 0, outEnd);
            outEnd = 0;
        }
    }
}
