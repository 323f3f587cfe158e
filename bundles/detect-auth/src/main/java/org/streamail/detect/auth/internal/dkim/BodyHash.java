package org.streamail.detect.auth.internal.dkim;

import java.security.MessageDigest;

/**
 * The hash of a canonicalised body (RFC 6376 3.4.3, 3.4.4, 3.7), computed in one pass over the raw bytes without
 * copying the body: lines end at CRLF or a bare LF (both hashed as CRLF), trailing empty lines are held back until
 * a non-empty line shows they were not trailing, and the output goes to the digest through a small buffer.
 *
 * @param digest the hash of the first {@code limit} canonical bytes (all of them without l=)
 * @param length how many bytes the whole canonical body has (to check l= against)
 */
record BodyHash(byte[] digest, long length) {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SP = {' '};

    /**
     * Hashes {@code raw[from..]} canonicalised.
     *
     * @param relaxed "relaxed" rather than "simple" body canonicalisation
     * @param limit   the l= value, or -1 for the whole body
     */
    static BodyHash compute(byte[] raw, int from, boolean relaxed, long limit, MessageDigest md) {
        Sink sink = new Sink(md, limit);
        int pos = from;
        long emptyLines = 0;
        boolean any = false;
        while (pos < raw.length) {
            int lf = pos;
            while (lf < raw.length && raw[lf] != '\n') {
                lf++;
            }
            int end = lf < raw.length && lf > pos && raw[lf - 1] == '\r' ? lf - 1 : lf;
            int next = lf < raw.length ? lf + 1 : lf;
            boolean empty;
            if (relaxed) {
                empty = true;
                for (int i = pos; i < end; i++) {
                    if (!RawHeader.isWsp(raw[i])) {
                        empty = false;
                        break;
                    }
                }
            } else {
                empty = end == pos;
            }
            if (empty) {
                emptyLines++;
            } else {
                for (; emptyLines > 0; emptyLines--) {
                    sink.write(CRLF, 0, 2);
                }
                if (relaxed) {
                    relaxedLine(raw, pos, end, sink);
                } else {
                    sink.write(raw, pos, end - pos);
                }
                sink.write(CRLF, 0, 2);
                any = true;
            }
            pos = next;
        }
        if (!any && !relaxed) {
            // an empty "simple" body is a single CRLF; an empty "relaxed" one is empty
            sink.write(CRLF, 0, 2);
        }
        return new BodyHash(sink.finish(), sink.total);
    }

    /** WSP runs become one SP, WSP at the end of the line goes. */
    private static void relaxedLine(byte[] raw, int from, int to, Sink sink) {
        int end = to;
        while (end > from && RawHeader.isWsp(raw[end - 1])) {
            end--;
        }
        int i = from;
        while (i < end) {
            int run = i;
            while (run < end && !RawHeader.isWsp(raw[run])) {
                run++;
            }
            sink.write(raw, i, run - i);
            if (run < end) {
                sink.write(SP, 0, 1);
                while (run < end && RawHeader.isWsp(raw[run])) {
                    run++;
                }
            }
            i = run;
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
