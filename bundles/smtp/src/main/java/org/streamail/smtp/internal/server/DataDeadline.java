package org.streamail.smtp.internal.server;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The overall time limit of one DATA phase (from the 354 reply to the end marker), on top of the per-read
 * timeout: a client dripping one byte just inside each read timeout cannot hold a session for hours.
 *
 * <p>{@link #beforeRead()} is called before every read from the client: it fails once the deadline has passed
 * and otherwise lowers the socket's read timeout ({@code SO_TIMEOUT}) to the time left, never above the
 * per-read timeout the socket had, so a read blocked past the deadline ends too. {@link #close()} puts the
 * original read timeout back for the commands that follow.
 *
 * <p>Lifecycle: one instance per DATA command, created right after the 354 reply, closed after the data.
 * Used only by its session's thread; not thread-safe. The socket may be {@code null} (no read timeout to
 * adjust; the deadline is then only checked between reads).
 */
final class DataDeadline implements AutoCloseable {

    /** The DATA phase lasted longer than {@code data.timeout.seconds}. */
    static final class DataTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        DataTimeoutException(long limitMillis) {
            super("DATA took longer than " + limitMillis + " ms");
        }
    }

    private final Socket socket;
    private final long limitMillis;
    private final LongSupplier nanoClock;
    private final long deadlineNanos;
    /** The socket's read timeout when DATA began (0 = none); restored by {@link #close()}. */
    private final int originalTimeout;
    /** The read timeout set right now. */
    private int currentTimeout;

    /**
     * @param socket      the client's socket whose read timeout is bounded by the time left, or {@code null}
     * @param limitMillis the longest the DATA phase may last; 0 = no limit (the object then does nothing)
     * @param nanoClock   a monotonic clock in nanoseconds ({@code System::nanoTime}; a fake one in tests)
     * @throws SocketException if the socket's read timeout cannot be read (socket closed)
     */
    DataDeadline(Socket socket, long limitMillis, LongSupplier nanoClock) throws SocketException {
        if (limitMillis < 0) {
            throw new IllegalArgumentException("limitMillis must not be negative: " + limitMillis);
        }
        this.socket = socket;
        this.limitMillis = limitMillis;
        this.nanoClock = nanoClock;
        this.deadlineNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        this.originalTimeout = socket == null ? 0 : socket.getSoTimeout();
        this.currentTimeout = originalTimeout;
    }

    /** A deadline that never passes and touches nothing. */
    static DataDeadline none() {
        try {
            return new DataDeadline(null, 0, System::nanoTime);
        } catch (SocketException e) {
            throw new IllegalStateException(e); // cannot happen without a socket
        }
    }

    /**
     * Checks the deadline and bounds the next read by the time left.
     *
     * @throws DataTimeoutException if the deadline has passed
     * @throws SocketException      if the read timeout cannot be set (socket closed)
     */
    void beforeRead() throws IOException {
        if (limitMillis == 0) {
            return;
        }
        long leftNanos = deadlineNanos - nanoClock.getAsLong();
        if (leftNanos <= 0) {
            throw new DataTimeoutException(limitMillis);
        }
        if (socket != null) {
            // Rounded up so that a read ended by this timeout ends at or after the deadline, never before.
            long leftMillis = Math.max(1, (leftNanos + 999_999) / 1_000_000);
            long bound = originalTimeout == 0 ? leftMillis : Math.min(originalTimeout, leftMillis);
            int wanted = (int) Math.min(bound, Integer.MAX_VALUE);
            if (wanted != currentTimeout) {
                socket.setSoTimeout(wanted);
                currentTimeout = wanted;
            }
        }
    }

    /**
     * What a read that timed out means: past the deadline, or ended by the timeout this deadline shortened,
     * it is a {@link DataTimeoutException}; otherwise it is the ordinary per-read timeout, returned as it was.
     */
    IOException timedOut(SocketTimeoutException e) {
        if (limitMillis > 0 && (deadlineNanos - nanoClock.getAsLong() <= 0 || currentTimeout != originalTimeout)) {
            DataTimeoutException t = new DataTimeoutException(limitMillis);
            t.initCause(e);
            return t;
        }
        return e;
    }

    /** Restores the socket's read timeout; a closed socket is left alone. */
    @Override
    public void close() {
        if (socket != null && currentTimeout != originalTimeout) {
            try {
                socket.setSoTimeout(originalTimeout);
                currentTimeout = originalTimeout;
            } catch (SocketException e) {
                // closed: no further reads, nothing to restore
            }
        }
    }
}
