package org.streamail.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads CRLF- (or LF-) terminated lines from a socket stream into a caller-owned buffer, without the
 * per-byte synchronisation of {@link java.io.BufferedInputStream} (which costs more than the SMTP work
 * itself at tens of MB/s). Not thread-safe: one reader per connection.
 */
final class LineReader {

    /** Thrown when a line does not fit the caller's buffer: the peer is broken or hostile. */
    static final class LineTooLongException extends IOException {
        LineTooLongException(int limit) {
            super("line longer than " + limit + " bytes");
        }
    }

    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int end;

    LineReader(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    /**
     * Reads one line into {@code dst}, without its line ending.
     *
     * @return the line's length, or -1 at end of stream before any byte of a line
     * @throws LineTooLongException if the line is longer than {@code dst}
     */
    int readLine(byte[] dst) throws IOException {
        int len = 0;
        while (true) {
            if (pos == end && !fill()) {
                if (len == 0) {
                    return -1;
                }
                throw new IOException("connection closed in the middle of a line");
            }
            // Scan the buffered bytes for LF in one tight loop, copying as we go.
            int p = pos;
            int e = end;
            byte[] b = buf;
            while (p < e) {
                byte c = b[p];
                if (c == '\n') {
                    pos = p + 1;
                    if (len > 0 && dst[len - 1] == '\r') {
                        len--;
                    }
                    return len;
                }
                if (len == dst.length) {
                    pos = p; // this byte starts the rest of the line: not consumed
                    throw new LineTooLongException(dst.length);
                }
                dst[len++] = c;
                p++;
            }
            pos = p;
        }
    }

    /** Reads one line as US-ASCII/UTF-8 text (replies and commands); {@code null} at end of stream. */
    String readLineString(byte[] scratch) throws IOException {
        int n = readLine(scratch);
        return n < 0 ? null : new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    /** Whether bytes are already buffered: a pipelining peer sent more, so replies need not be flushed yet. */
    boolean hasBuffered() {
        return pos < end;
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }
}
