package org.streamail.smtp.internal.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * Reads the text of a DATA command (RFC 5321 4.1.1.4) up to the one true end marker {@code CRLF.CRLF},
 * dot-unstuffs it, and keeps it in a {@link SpoolBuffer} only while nothing is wrong with it.
 *
 * <p>Only CRLF ends a line. A bare CR or a bare LF anywhere makes the whole message refused (SMTP
 * smuggling, CVE-2023-51764): such sequences never end the data, so {@code \n.\n}, {@code \r\n.\n},
 * {@code \n.\r\n} or {@code \r.\r} cannot cut a "second message" out of the first; reading goes on to the
 * real end marker so the session stays in step, and the buffered bytes are dropped. Lines longer than 1000
 * bytes with their CRLF (a dot added for transparency not counted) and messages over the size limit are refused
 * the same way. Memory is bounded by one line (1000 bytes) plus the buffer's in-memory threshold; the total read
 * is bounded by {@code hardLimit}, the total time by a {@link DataDeadline}.
 *
 * <p>Never consumes past the end marker, so the next pipelined command stays in the stream for the command
 * reader: it reads in chunks under {@link InputStream#mark} and, at the marker, resets and skips exactly what
 * was used (one byte at a time when the stream cannot mark). Not thread-safe; one instance per DATA command.
 */
final class DataReader {

    /**
     * RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including CRLF, not counting the leading dot
     * duplicated for transparency (so a stuffed line may arrive with 1001).
     */
    static final int MAX_LINE = 1000;

    /** What, if anything, makes the message unacceptable; later constants win over earlier ones. */
    enum Problem {
        NONE, TOO_BIG, LINE_TOO_LONG, BARE_LINE_END
    }

    /** The data went on past {@code hardLimit} bytes without an end marker. */
    static final class TooMuchDataException extends IOException {
        private static final long serialVersionUID = 1L;

        TooMuchDataException(long limit) {
            super("more than " + limit + " bytes of DATA");
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private final InputStream in;
    private final SpoolBuffer out;
    private final long maxSize;
    private final long hardLimit;
    private final DataDeadline deadline;

    private final byte[] chunk;
    private int chunkPos;
    private int chunkLimit;
    /** One line as sent, without its CRLF: 998 octets of text plus, when it starts with a dot, that dot. */
    private final byte[] line = new byte[MAX_LINE - 1];
    private int lineLength;
    private boolean lineOverflow;
    private Problem problem = Problem.NONE;
    private long messageSize;
    private long transmitted;

    /**
     * @param in        the client's stream, positioned after the CRLF of the DATA command
     * @param out       where the unstuffed message goes while it is acceptable
     * @param maxSize   the largest acceptable message after unstuffing
     * @param hardLimit the most bytes read before giving up on the session
     */
    DataReader(InputStream in, SpoolBuffer out, long maxSize, long hardLimit) {
        this(in, out, maxSize, hardLimit, DataDeadline.none());
    }

    /**
     * @param in        the client's stream, positioned after the CRLF of the DATA command
     * @param out       where the unstuffed message goes while it is acceptable
     * @param maxSize   the largest acceptable message after unstuffing
     * @param hardLimit the most bytes read before giving up on the session
     * @param deadline  the overall time limit of the DATA phase, checked before every read
     */
    DataReader(InputStream in, SpoolBuffer out, long maxSize, long hardLimit, DataDeadline deadline) {
        this.in = in;
        this.out = out;
        this.maxSize = maxSize;
        this.hardLimit = hardLimit;
        this.deadline = deadline;
        this.chunk = new byte[in.markSupported() ? 8192 : 1];
    }

    /**
     * Reads to the end marker.
     *
     * @return the worst problem seen; {@link Problem#NONE} means the buffer holds the whole message
     * @throws EOFException         if the client closed the connection before the end marker
     * @throws TooMuchDataException past {@code hardLimit} bytes
     * @throws DataDeadline.DataTimeoutException past the deadline (whether reading or waiting for bytes)
     * @throws java.net.SocketTimeoutException  if one read waited longer than the per-read timeout
     * @throws IOException          if reading or buffering failed
     */
    Problem read() throws IOException {
        int pending = -1;
        while (true) {
            int b = pending >= 0 ? pending : next();
            pending = -1;
            if (b == '\r') {
                int n = next();
                if (n == '\n') {
                    if (!lineOverflow && lineLength == 1 && line[0] == '.') {
                        giveBackUnused();
                        return problem;
                    }
                    endOfLine();
                    continue;
                }
                flag(Problem.BARE_LINE_END);
                append(b);
                pending = n; // the byte after a bare CR may itself be a CR starting a real CRLF
            } else if (b == '\n') {
                flag(Problem.BARE_LINE_END);
                append(b);
            } else {
                append(b);
            }
        }
    }

    private int next() throws IOException {
        if (chunkPos == chunkLimit) {
            if (chunk.length > 1) {
                in.mark(chunk.length);
            }
            deadline.beforeRead();
            int n;
            try {
                n = in.read(chunk, 0, chunk.length);
            } catch (SocketTimeoutException e) {
                throw deadline.timedOut(e);
            }
            if (n < 0) {
                throw new EOFException("connection closed before the end of DATA");
            }
            chunkPos = 0;
            chunkLimit = n;
        }
        if (++transmitted > hardLimit) {
            throw new TooMuchDataException(hardLimit);
        }
        return chunk[chunkPos++] & 0xff;
    }

    /** Puts back what was read beyond the end marker: rewind to the chunk's mark, skip what was used. */
    private void giveBackUnused() throws IOException {
        if (chunk.length == 1 || chunkPos == chunkLimit) {
            return;
        }
        in.reset();
        long left = chunkPos;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                throw new IOException("cannot skip to the end of DATA in the client stream");
            }
            left -= skipped;
        }
    }

    private void append(int b) {
        int room = lineLength > 0 && line[0] == '.' ? line.length : line.length - 1;
        if (lineLength < room) {
            line[lineLength++] = (byte) b;
        } else {
            lineOverflow = true;
        }
    }

    private void endOfLine() throws IOException {
        if (lineOverflow) {
            flag(Problem.LINE_TOO_LONG);
        } else if (problem == Problem.NONE) {
            // RFC 5321 4.5.2: a leading dot was doubled by the client; take one away.
            int off = lineLength > 0 && line[0] == '.' ? 1 : 0;
            int len = lineLength - off;
            messageSize += len + 2L;
            if (messageSize > maxSize) {
                flag(Problem.TOO_BIG);
            } else {
                out.write(line, off, len);
                out.write(CRLF, 0, 2);
            }
        }
        lineLength = 0;
        lineOverflow = false;
    }

    private void flag(Problem p) {
        if (problem == Problem.NONE) {
            // From the first problem on the message is refused: drop what was kept at once.
            out.discard();
        }
        if (p.compareTo(problem) > 0) {
            problem = p;
        }
    }
}
