package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

/**
 * The sockets Jakarta Mail's SMTP client uses towards a next hop ({@code mail.smtp.socketFactory}): TCP_NODELAY
 * (SMTP writes a command and waits for the reply; with Nagle on each exchange stalls ~40 ms on delayed ACKs,
 * 2.5x slower measured on this stack), and bounds that the client itself does not have, so that a broken or
 * hostile hop costs a deferral, never a delivery thread or the heap:
 * <ul>
 * <li><b>Reply size.</b> Jakarta Mail collects a reply's lines (and one line's bytes) without a limit: a hop sending
 * endless {@code 250-} continuation lines, or a line without a line end, filled the heap. At most
 * {@link #MAX_REPLY_BYTES} are read after each write of ours; more is an {@link IOException}.</li>
 * <li><b>Reply time.</b> The read timeout ({@code mail.smtp.timeout}) is per read: a hop sending one byte every
 * 29 s held the thread forever. Everything read after a write of ours must arrive within the timeout in all.</li>
 * <li><b>Write time.</b> The client has no write timeout by default: a hop that stops reading in the middle of DATA
 * blocked the thread in a socket write forever (four such messages and delivery stopped). A write that does not
 * complete within the timeout closes the socket (from the watchdog thread, the only way to end a blocked write).</li>
 * </ul>
 * After STARTTLS the TLS socket is layered over this one and reads and writes through it, so the bounds count the
 * encrypted bytes and hold there too.
 *
 * <p>A read hands out at most one line (up to and including an LF) and keeps the rest here, so the SMTP client's own
 * buffer never holds more than the reply line it is reading: whatever the hop sent beyond the replies asked for
 * (a stray extra reply) stays visible to {@link HopSocket#pending()}, which the connection cache looks at before it
 * reuses a connection.
 *
 * <p>Thread-safe factory; each socket is used by one delivery thread at a time (and closed by the watchdog).
 */
final class HopSockets extends SocketFactory {

    /** What a hop may send us after one of our writes: generous for any EHLO or TLS handshake, bounded. */
    static final int MAX_REPLY_BYTES = 256 * 1024;

    private final long timeoutMs;
    private final ScheduledExecutorService watchdog;
    /** The socket made last (one factory serves one delivery attempt, which makes its connections one by one). */
    private volatile HopSocket last;

    /**
     * @param timeout  the longest a reply may take in all, and the longest one write may block
     * @param watchdog closes sockets whose write overran the timeout; a thread of its own (the delivery threads
     *                 may all be the ones blocked)
     */
    HopSockets(Duration timeout, ScheduledExecutorService watchdog) {
        this.timeoutMs = Math.max(1, timeout.toMillis());
        this.watchdog = watchdog;
    }

    @Override
    public Socket createSocket() throws IOException {
        HopSocket s = new HopSocket(timeoutMs, watchdog);
        s.setTcpNoDelay(true);
        last = s;
        return s;
    }

    /** The socket this factory made last, or {@code null}. */
    HopSocket lastSocket() {
        return last;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    /** A new socket bound to {@code local} (unless {@code null}) and connected within the timeout. */
    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        if (local != null) {
            s.bind(local); // Socket closes itself when bind or connect fails
        }
        s.connect(remote, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        return s;
    }

    /** A plain socket whose streams enforce the bounds above. */
    static final class HopSocket extends Socket {
        private final long timeoutMs;
        private final ScheduledExecutorService watchdog;
        /** The read timeout as the client set it (0: none); each read waits at most what is left of the reply's time. */
        private volatile int soTimeout;
        /** Whether a reply is being read: set by the first read after a write, cleared by a write. */
        private volatile boolean reading;
        private volatile long readingSince;
        private volatile long readBytes;
        /** Whether the current read waits for what is left of the reply's time rather than the read timeout. */
        private volatile boolean deadlineBound;
        /** Set when the watchdog closed the socket under a blocked write. */
        private volatile boolean writeTimedOut;
        private InputStream in;
        private OutputStream out;

        HopSocket(long timeoutMs, ScheduledExecutorService watchdog) {
            this.timeoutMs = timeoutMs;
            this.watchdog = watchdog;
        }

        @Override
        public void setSoTimeout(int timeout) throws java.net.SocketException {
            soTimeout = timeout;
            super.setSoTimeout(timeout);
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new Guarded(super.getInputStream());
            }
            return in;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new Watched(super.getOutputStream());
            }
            return out;
        }

        private void beforeRead() throws IOException {
            long now = System.nanoTime();
            if (!reading) {
                reading = true;
                readingSince = now;
                readBytes = 0;
            }
            long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs) - (now - readingSince);
            if (left <= 0) {
                throw readTimedOut(null);
            }
            int wait = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
            int set = soTimeout;
            deadlineBound = set <= 0 || wait < set;
            super.setSoTimeout(deadlineBound ? wait : set);
        }

        /** A read timeout: the read's own, or the reply's time used up (then said so). */
        private SocketTimeoutException readTimedOut(SocketTimeoutException e) {
            if (e != null && !deadlineBound) {
                return e;
            }
            SocketTimeoutException t = new SocketTimeoutException("the next hop's reply was not complete within "
                    + timeoutMs + " ms");
            if (e != null) {
                t.initCause(e);
            }
            return t;
        }

        /**
         * Whether bytes from the hop are waiting that nobody has read: kept here (beyond the line handed out last) or
         * in the socket. For an idle connection, anything is a reply nobody asked for. After STARTTLS they are
         * encrypted bytes (a TLS record the TLS layer has not read yet); a closed connection counts as pending too.
         */
        boolean pending() {
            if (isClosed()) {
                return true;
            }
            try {
                Guarded g = (Guarded) getInputStream();
                return g.buffered() > 0 || g.rawAvailable() > 0;
            } catch (IOException e) {
                return true;
            }
        }

        private void afterRead(long n) throws IOException {
            if (n > 0 && (readBytes += n) > MAX_REPLY_BYTES) {
                throw new IOException("the next hop sent more than " + MAX_REPLY_BYTES
                        + " bytes without waiting for a command (a reply that does not end)");
            }
        }

        private ScheduledFuture<?> watch() {
            reading = false;
            try {
                return watchdog.schedule(this::abortWrite, timeoutMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                return null; // delivery is shutting down; its own close ends the connection
            }
        }

        private void abortWrite() {
            writeTimedOut = true;
            try {
                close();
            } catch (IOException e) {
                // closed either way
            }
        }

        private IOException writeFailed(IOException e) {
            if (writeTimedOut) {
                SocketTimeoutException t = new SocketTimeoutException("the next hop took no data for " + timeoutMs
                        + " ms (it stopped reading)");
                t.initCause(e);
                return t;
            }
            return e;
        }

        /**
         * Bounded reads, handed out at most one line at a time (see the class comment). Read by one thread at a time;
         * the connection cache hands a connection between threads under its lock.
         */
        private final class Guarded extends java.io.FilterInputStream {
            private final byte[] buf = new byte[8192];
            private int pos;
            private int lim;

            Guarded(InputStream in) {
                super(in);
            }

            int buffered() {
                return lim - pos;
            }

            int rawAvailable() throws IOException {
                return in.available();
            }

            /** Fills the buffer when empty; {@code false} at the end of the stream. */
            private boolean fill() throws IOException {
                if (pos < lim) {
                    return true;
                }
                beforeRead();
                int n;
                try {
                    n = in.read(buf, 0, buf.length);
                } catch (SocketTimeoutException e) {
                    throw readTimedOut(e);
                }
                afterRead(n);
                pos = 0;
                lim = Math.max(0, n);
                return n > 0;
            }

            @Override
            public int read() throws IOException {
                return fill() ? buf[pos++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = 0;
                int max = Math.min(len, lim - pos);
                while (n < max) {
                    byte c = buf[pos + n++];
                    if (c == '\n') {
                        break;
                    }
                }
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                if (n <= 0 || !fill()) {
                    return 0;
                }
                int k = (int) Math.min(n, lim - pos);
                pos += k;
                return k;
            }

            @Override
            public int available() throws IOException {
                return lim > pos ? lim - pos : in.available();
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        }

        private final class Watched extends java.io.FilterOutputStream {
            Watched(OutputStream out) {
                super(out);
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ScheduledFuture<?> f = watch();
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw writeFailed(e);
                } finally {
                    if (f != null) {
                        f.cancel(false);
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                out.flush(); // a socket's stream buffers nothing
            }
        }
    }
}
