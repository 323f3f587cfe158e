package org.streamail.detect.auth.internal.dkim;

import java.security.MessageDigest;

/**
 * The hash of a canonicalised body (RFC 6376 3.4.3, 3.4.4, 3.7), computed in one pass over the raw bytes without
 * copying the body: lines end at CRLF or a bare LF (both hashed as CRLF), trailing empty lines are held back until
 * a non-empty line shows they were not trailing, and the output goes to the digest through a small buffer.
 *
 * <p>The verifier hashes a body it holds whole ({@link #compute}); the signer feeds the body in pieces as it reads
 * it ({@link Canonicaliser}). Both are the same state machine, so what one hashes the other hashes alike, however the
 * bytes are cut.
 *
 * @param digest the hash of the first {@code limit} canonical bytes (all of them without l=)
 * @param length how many bytes the whole canonical body has (to check l= against)
 */
record BodyHash(byte[] digest, long length) {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SP = {' '};
    private static final byte[] CR = {'\r'};

    /**
     * Hashes {@code raw[from..]} canonicalised.
     *
     * @param relaxed "relaxed" rather than "simple" body canonicalisation
     * @param limit   the l= value, or -1 for the whole body
     */
    static BodyHash compute(byte[] raw, int from, boolean relaxed, long limit, MessageDigest md) {
        Canonicaliser c = new Canonicaliser(relaxed, limit, md);
        c.update(raw, from, raw.length - from);
        return c.finish();
    }

    /**
     * A body canonicalised and hashed as it is fed, in pieces of any size. Lines are not collected: a line is written
     * as its bytes come, and what cannot be decided yet is kept as a few flags and a count (a CR that may be the
     * start of a line end, white space that may turn out to be trailing, empty lines that may turn out to be the
     * body's last). Not thread-safe; one body per instance.
     */
    static final class Canonicaliser {
        private final boolean relaxed;
        private final Sink sink;
        /** Empty lines seen since the last non-empty one: written when another non-empty line comes, else dropped. */
        private long emptyLines;
        /** The current line has had a byte written (simple: any byte; relaxed: a byte other than WSP). */
        private boolean content;
        /** relaxed: white space seen since the last byte written, written as one SP if more of the line follows. */
        private boolean wsp;
        /** The last byte was a CR: a line end if an LF follows, else an ordinary byte of the line. */
        private boolean cr;
        /** A non-empty line has been written. */
        private boolean any;

        /**
         * @param relaxed "relaxed" rather than "simple" body canonicalisation
         * @param limit   the l= value (only this many canonical bytes are hashed), or -1 for the whole body
         */
        Canonicaliser(boolean relaxed, long limit, MessageDigest md) {
            this.relaxed = relaxed;
            this.sink = new Sink(md, limit);
        }

        void update(byte[] b, int off, int len) {
            int i = off;
            int end = off + len;
            while (i < end) {
                byte c = b[i];
                if (cr) {
                    cr = false;
                    if (c == '\n') {
                        endLine();
                        i++;
                        continue;
                    }
                    content(CR, 0, 1); // a CR not before an LF is part of the line
                }
                if (c == '\r') {
                    cr = true;
                    i++;
                } else if (c == '\n') {
                    endLine();
                    i++;
                } else if (relaxed && RawHeader.isWsp(c)) {
                    wsp = true;
                    i++;
                } else {
                    // a run of ordinary bytes goes to the digest in one piece
                    int j = i + 1;
                    while (j < end && b[j] != '\r' && b[j] != '\n' && !(relaxed && RawHeader.isWsp(b[j]))) {
                        j++;
                    }
                    content(b, i, j - i);
                    i = j;
                }
            }
        }

        private void content(byte[] b, int off, int len) {
            if (!content) {
                for (; emptyLines > 0; emptyLines--) {
                    sink.write(CRLF, 0, 2);
                }
                content = true;
            }
            if (wsp) {
                // relaxed: a run of WSP inside the line (or before its first byte) is one SP
                sink.write(SP, 0, 1);
                wsp = false;
            }
            sink.write(b, off, len);
        }

        private void endLine() {
            if (content) {
                sink.write(CRLF, 0, 2);
                any = true;
            } else {
                emptyLines++;
            }
            content = false;
            wsp = false; // relaxed: WSP at the end of a line goes
        }

        /** The hash once every byte has been fed; the body's last line needs no line end. */
        BodyHash finish() {
            if (cr) {
                cr = false;
                content(CR, 0, 1);
            }
            if (content) {
                sink.write(CRLF, 0, 2);
                any = true;
            }
            if (!any && !relaxed) {
                // an empty "simple" body is a single CRLF; an empty "relaxed" one is empty
                sink.write(CRLF, 0, 2);
            }
            return new BodyHash(sink.finish(), sink.total);
        }
    }

    /** Buffers output for the digest, stops feeding it after {@code limit} bytes, counts everything. */
    private static final class Sink {
        private final MessageDigest md;
        private final long limit;
        private final byte[] buf = new byte[8192];
        private int n;
        long total;

        Sink(MessageDigest md, long limit) {
            this.md = md;
            this.limit = limit;
        }

        void write(byte[] b, int off, int len) {
            long room = limit < 0 ? len : Math.max(0, Math.min(len, limit - total));
            total += len;
            int take = (int) room;
            while (take > 0) {
                int k = Math.min(take, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                take -= k;
                if (n == buf.length) {
                    md.update(buf, 0, n);
                    n = 0;
                }
            }
        }

        byte[] finish() {
            md.update(buf, 0, n);
            return md.digest();
        }
    }
}
