package org.streamail.core.internal.delivery;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.streamail.api.delivery.OutboundMessage;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;

/**
 * An outbound message made whole for an {@link OutboundSigner}, and the signer's answer checked.
 *
 * <p>Without a signer the message is streamed from the spool to the next hop and never held whole. A signature covers
 * the header and the body as they leave (after our {@code Received} line, the hiding and the id tokens), so with a
 * signer the final bytes are first built in memory: the signer reads them, and the same bytes are then sent behind its
 * fields. Two things make sure the signer sees exactly what leaves:
 * <ul>
 *   <li>Line ends are made CRLF here ({@link Crlf}), the way the SMTP client writes the data anyway (a bare CR or LF
 *       goes out as CRLF): signed over a bare LF, a "simple" body hash would not match what the receiver got. A copy
 *       written into the outbound folder is written in this form too.</li>
 *   <li>The fields are checked ({@link #checkedFields}): complete, folded, US-ASCII, bounded. A stray empty line in them
 *       would end the header early and make everything below it body.</li>
 * </ul>
 *
 * <p>Bounded: the buffer holds at most the spooled message plus {@link #HEADROOM} (our {@code Received} line and id
 * tokens longer than the ids they replace), and the spooled message is one the intake read within
 * {@code max.message.bytes} (or a release, which had room to grow). A message over that, or over what one Java array
 * holds, is not signed and waits. Stateless.
 */
final class OutboundSigning {

    /** What the final form may add to the spooled message: our Received line, tokens for the ids. */
    static final int HEADROOM = 1 << 20;
    /** The most one Java array holds, a little under {@link Integer#MAX_VALUE}. */
    static final long MAX_IN_MEMORY = Integer.MAX_VALUE - 16;

    private OutboundSigning() {
    }

    /** Writes the message as it leaves (our prefix, the spooled bytes after hiding) into a stream. */
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Why a message was not signed: it is deferred with this reason, never sent unsigned. */
    static final class NotSigned extends Exception {
        private static final long serialVersionUID = 1L;

        NotSigned(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The final form of a message and the fields its signer put on top.
     *
     * @param fields  the signer's header fields, checked, US-ASCII; empty when it had nothing to sign
     * @param message the final bytes, CRLF line ends
     */
    record Signed(byte[] fields, Content message) {
        long size() {
            return fields.length + (long) message.size();
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(fields);
            message.openStream().transferTo(out);
        }
    }

    /**
     * Builds the final form of one message and asks {@code signer} for its fields.
     *
     * @param expected roughly how many bytes the final form has (the spooled size and our prefix): the buffer's first
     *                 size, and with {@link #HEADROOM} its limit
     * @throws NotSigned when the message cannot be built in memory, or the signer fails or answers with fields that
     *                   are not acceptable; the reason names the signer and what went wrong, for the DEFERRED line
     * @throws IOException when the spooled message cannot be read (as for an unsigned attempt)
     */
    static Signed sign(OutboundSigner signer, String id, Envelope envelope, long expected, Writer writer)
            throws NotSigned, IOException {
        String name = signerName(signer);
        Content message = finalForm(writer, expected, name);
        List<String> fields;
        try {
            fields = signer.sign(new OutboundMessage(id, envelope, message));
        } catch (Exception | LinkageError e) {
            // LinkageError: the signer's bundle is being updated or refreshed under us; the next attempt sees the new one
            throw new NotSigned("not signed, nothing sent: " + name + " failed: " + describe(e));
        }
        return new Signed(checkedFields(name, fields), message);
    }

    /**
     * The message as {@code writer} writes it, line ends made CRLF, in memory: at most {@code expected} plus
     * {@link #HEADROOM} bytes. The buffer is dropped on return; the copy is all that is kept while the signer works.
     */
    private static Content finalForm(Writer writer, long expected, String name) throws NotSigned, IOException {
        long limit = Math.min(MAX_IN_MEMORY, expected + HEADROOM);
        Buffer buffer = new Buffer((int) Math.min(limit, expected + 1024), (int) limit);
        try {
            Crlf crlf = new Crlf(buffer);
            writer.writeTo(crlf);
            crlf.finish();
        } catch (Buffer.Full e) {
            throw new NotSigned("not signed, nothing sent: in its final form the message is larger than " + limit
                    + " bytes, the most it may take in memory to be signed by " + name);
        }
        return buffer.content();
    }

    /**
     * The fields as bytes when each one is a complete, folded, US-ASCII header field and all of them are within
     * {@link OutboundSigner#MAX_FIELDS} and {@link OutboundSigner#MAX_BYTES}.
     *
     * @throws NotSigned naming the first problem
     */
    static byte[] checkedFields(String name, List<String> fields) throws NotSigned {
        if (fields == null) {
            throw new NotSigned("not signed, nothing sent: " + name + " answered null");
        }
        if (fields.size() > OutboundSigner.MAX_FIELDS) {
            throw new NotSigned("not signed, nothing sent: " + name + " answered " + fields.size()
                    + " header fields, more than " + OutboundSigner.MAX_FIELDS);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < fields.size(); k++) {
            String f = fields.get(k);
            String problem = f == null ? "it is null" : problem(f);
            if (problem != null) {
                throw new NotSigned("not signed, nothing sent: " + name + " answered a header field that is not"
                        + " acceptable (field " + (k + 1) + ": " + problem + ")");
            }
            if (out.size() + f.length() > OutboundSigner.MAX_BYTES) {
                throw new NotSigned("not signed, nothing sent: " + name + " answered more than "
                        + OutboundSigner.MAX_BYTES + " bytes of header fields");
            }
            out.writeBytes(f.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /**
     * Why {@code f} is not one complete header field, or {@code null}: a name of printable US-ASCII without a colon,
     * a colon, then lines of US-ASCII (and tabs) of at most 998 characters (RFC 5322 2.1.1), each ending in CRLF;
     * every line after the first starts with a space or tab and holds more than white space (a line of white space
     * alone is read as the end of the header by some readers).
     */
    static String problem(String f) {
        int colon = f.indexOf(':');
        if (colon <= 0) {
            return "no field name before a colon";
        }
        for (int i = 0; i < colon; i++) {
            char c = f.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return "the name has a character other than printable US-ASCII";
            }
        }
        if (!f.endsWith("\r\n")) {
            return "it does not end with CRLF";
        }
        int lineStart = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '\r') {
                if (i + 1 >= f.length() || f.charAt(i + 1) != '\n') {
                    return "a CR without LF";
                }
                if (i - lineStart > 998) {
                    return "a line longer than 998 characters";
                }
                int next = i + 2;
                if (next < f.length()) {
                    char first = f.charAt(next);
                    if (first != ' ' && first != '\t') {
                        return "a line break not followed by a space or tab (not folding)";
                    }
                    int j = next;
                    while (j < f.length() && (f.charAt(j) == ' ' || f.charAt(j) == '\t')) {
                        j++;
                    }
                    if (j >= f.length() || f.charAt(j) == '\r') {
                        return "a folded line of white space only";
                    }
                }
                lineStart = next;
                i++;
            } else if (c == '\n') {
                return "an LF without CR";
            } else if ((c < ' ' && c != '\t') || c >= 0x7f) {
                return "a character other than US-ASCII text";
            }
        }
        return null;
    }

    private static String signerName(OutboundSigner signer) {
        String n;
        try {
            n = signer.name();
        } catch (RuntimeException | LinkageError e) {
            n = null;
        }
        if (n == null || n.isBlank()) {
            return "the outbound signer";
        }
        String clean = n.replaceAll("[^\\x21-\\x7e]", "_");
        return "outbound signer " + (clean.length() > 40 ? clean.substring(0, 40) : clean);
    }

    /** The exception's message on one line (or its type when it has none), bounded: it goes to the message log. */
    private static String describe(Throwable e) {
        String m = e.getMessage();
        String t = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        t = t.replaceAll("[\\r\\n\\t]+", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) : t;
    }

    /**
     * Line ends as the SMTP client sends them: CRLF stays, a bare CR or a bare LF becomes CRLF (Jakarta Mail's
     * {@code CRLFOutputStream} does the same to the DATA stream). Not thread-safe; {@link #finish()} after the last
     * write (a CR at the very end is written then).
     */
    static final class Crlf extends FilterOutputStream {
        private boolean afterCr;

        Crlf(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                afterCr = true;
            } else if (b == '\n') {
                if (!afterCr) {
                    out.write('\r');
                    out.write('\n');
                }
                afterCr = false;
            } else {
                out.write(b);
                afterCr = false;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int end = off + len;
            int run = off; // start of the bytes not written yet that need no change
            for (int i = off; i < end; i++) {
                byte c = b[i];
                if (c == '\r' || c == '\n') {
                    if (i > run) {
                        out.write(b, run, i - run);
                        afterCr = false;
                    }
                    write(c);
                    run = i + 1;
                }
            }
            if (end > run) {
                out.write(b, run, end - run);
                afterCr = false;
            }
        }

        void finish() throws IOException {
            flush();
        }
    }

    /**
     * A growing byte buffer that refuses to pass its limit ({@link Full}, an {@link IOException}, so that it travels
     * through the writers like a failed write) and hands its bytes to a {@link Content}. Not thread-safe.
     */
    static final class Buffer extends OutputStream {
        private final int limit;
        private byte[] buf;
        private int count;

        Buffer(int initial, int limit) {
            this.limit = limit;
            this.buf = new byte[Math.max(32, Math.min(initial, limit))];
        }

        /** The buffer would pass its limit. */
        static final class Full extends IOException {
            private static final long serialVersionUID = 1L;

            Full() {
                super("buffer full", null);
            }
        }

        @Override
        public void write(int b) throws Full {
            room(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws Full {
            room(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void room(int more) throws Full {
            long needed = (long) count + more;
            if (needed > limit) {
                throw new Full();
            }
            if (needed > buf.length) {
                long grown = Math.max(needed, Math.min(limit, 2L * buf.length));
                buf = java.util.Arrays.copyOf(buf, (int) grown);
            }
        }

        Content content() {
            return Content.of(buf, 0, count);
        }
    }
}
