package org.streamail.detect.clamav.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A clamd client speaking the INSTREAM protocol by hand: {@code zINSTREAM\0}, then chunks each prefixed by
 * its length as 4 bytes big-endian, then a zero-length chunk, then one NUL-terminated reply
 * ({@code stream: OK}, {@code stream: <signature> FOUND}, or {@code ... ERROR}). One connection per scan,
 * over a unix socket when configured (cheaper, no Nagle) else TCP with TCP_NODELAY (the client writes
 * several times before it reads, which would otherwise stall on Nagle + delayed ACK). A TCP host name is
 * resolved at each scan (the JVM caches lookups), so a clamd that moves is followed and a name that does not
 * resolve is an {@link IOException} like any unreachable clamd. The lookup is part of the scan's time: it runs
 * in {@link HostLookup}, which waits for it at most the scan's timeout and bounds the lookups pending at once;
 * the connection gets what is left. A literal address is never looked up.
 *
 * <p>Only a complete, NUL-terminated {@code stream: OK} is clean: a reply cut by EOF or longer than
 * {@value #MAX_REPLY} bytes is an {@link IOException}, anything else is an error. Signature names and error
 * texts are reduced to one printable line of at most {@value #MAX_TEXT} characters before they reach findings.
 *
 * <p>Time: blocking channels cannot time out by themselves, so a watchdog on the shared scheduler closes
 * the channel at the deadline, which unblocks connect/read/write. Thread-safe: no mutable state of its own
 * ({@link HostLookup} is thread-safe). {@link #close} stops the lookup threads.
 */
final class ClamdClient implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;
    private static final int MAX_REPLY = 4096;
    private static final int MAX_TEXT = 200;

    /** A clamd answer. {@code signature} is set when something was found, {@code error} when clamd failed. */
    record Reply(String raw, String signature, String error) {
        boolean clean() {
            return signature == null && error == null;
        }
    }

    private final UnixDomainSocketAddress unix;
    private final String host;
    private final int port;
    private final ScheduledExecutorService watchdog;
    private final HostLookup lookup;

    ClamdClient(String socketPath, String host, int port, ScheduledExecutorService watchdog) {
        this(socketPath, host, port, watchdog, InetAddress::getByName, Duration.ofSeconds(10));
    }

    /**
     * @param resolver   looks the TCP host name up (not used for a unix socket or a literal address)
     * @param joinWindow how long a pending lookup is shared by later scans (see {@link HostLookup})
     */
    ClamdClient(String socketPath, String host, int port, ScheduledExecutorService watchdog,
            HostLookup.Resolver resolver, Duration joinWindow) {
        this.unix = socketPath != null && !socketPath.isBlank() ? UnixDomainSocketAddress.of(socketPath) : null;
        this.host = host;
        this.port = port;
        this.watchdog = watchdog;
        this.lookup = unix == null ? new HostLookup(host, resolver, joinWindow) : null;
    }

    /** The host lookup, {@code null} over a unix socket (for tests). */
    HostLookup lookup() {
        return lookup;
    }

    @Override
    public void close() {
        if (lookup != null) {
            lookup.close();
        }
    }

    String describe() {
        return unix != null ? unix.toString() : host + ":" + port;
    }

    /** The unix socket, or the TCP host resolved now within {@code budget} (see {@link HostLookup}). */
    private SocketAddress address(Duration budget) throws IOException {
        if (unix != null) {
            return unix;
        }
        return new InetSocketAddress(lookup.resolve(budget), port);
    }

    /** Closes {@code ch} at the deadline; an IOException once the detector is deactivated. */
    private ScheduledFuture<?> watch(SocketChannel ch, Duration timeout, AtomicBoolean fired) throws IOException {
        try {
            return watchdog.schedule(() -> {
                fired.set(true);
                closeQuietly(ch);
            }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            throw new IOException("the clamav detector is deactivated", e);
        }
    }

    /** Streams {@code in} to clamd; {@code timeout} covers the host lookup, the connection and the reply. */
    Reply scan(InputStream in, Duration timeout) throws IOException {
        long start = System.nanoTime();
        SocketAddress address = address(timeout);
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        if (left.toMillis() < 1) {
            throw new java.net.SocketTimeoutException("clamd did not answer within " + timeout.toMillis()
                    + " ms (the host lookup took it all)");
        }
        try (SocketChannel ch = open()) {
            AtomicBoolean fired = new AtomicBoolean();
            ScheduledFuture<?> kill = watch(ch, left, fired);
            try {
                ch.connect(address);
                try {
                    write(ch, ByteBuffer.wrap("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII)));
                    byte[] buf = new byte[CHUNK];
                    ByteBuffer len = ByteBuffer.allocate(4);
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        len.clear();
                        len.putInt(n).flip();
                        write(ch, len);
                        write(ch, ByteBuffer.wrap(buf, 0, n));
                    }
                    write(ch, ByteBuffer.wrap(new byte[4]));
                } catch (IOException writeFailed) {
                    // clamd answers and closes early on its own limits ("INSTREAM size limit exceeded"):
                    // its reply is worth more than our broken pipe.
                    if (!ch.isOpen()) {
                        throw writeFailed;
                    }
                    try {
                        return parse(readReply(ch));
                    } catch (IOException noReply) {
                        throw writeFailed;
                    }
                }
                return parse(readReply(ch));
            } catch (IOException e) {
                kill.cancel(false);
                if (fired.get()) {
                    throw new java.net.SocketTimeoutException("clamd did not answer within " + timeout.toMillis() + " ms");
                }
                throw e;
            } finally {
                kill.cancel(false);
            }
        }
    }

    /** {@code zPING} / {@code PONG}: whether clamd answers. */
    boolean ping(Duration timeout) {
        try (SocketChannel ch = open()) {
            SocketAddress address = address(timeout);
            ScheduledFuture<?> kill = watch(ch, timeout, new AtomicBoolean());
            try {
                ch.connect(address);
                write(ch, ByteBuffer.wrap("zPING\0".getBytes(StandardCharsets.US_ASCII)));
                return readReply(ch).equals("PONG");
            } finally {
                kill.cancel(false);
            }
        } catch (IOException e) {
            return false;
        }
    }

    private SocketChannel open() throws IOException {
        if (unix != null) {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        }
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return ch;
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Reads up to the NUL, at most {@value #MAX_REPLY} bytes: clamd's replies are short. A reply cut by EOF
     * (clamd died while answering) or longer than that is an IOException, never a verdict.
     */
    private static String readReply(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(512);
        while (out.size() < MAX_REPLY) {
            b.clear();
            int n = ch.read(b);
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                byte c = b.get(i);
                if (c == 0) {
                    return out.toString(StandardCharsets.UTF_8).trim();
                }
                out.write(c);
            }
        }
        if (out.size() == 0) {
            throw new IOException("clamd closed the connection without a reply");
        }
        if (out.size() >= MAX_REPLY) {
            throw new IOException("clamd's reply is longer than " + MAX_REPLY + " bytes");
        }
        throw new IOException("clamd closed the connection in the middle of its reply '"
                + printable(out.toString(StandardCharsets.UTF_8)) + "'");
    }

    /** Only the exact {@code stream: OK} is clean; a FOUND names a signature; anything else is an error. */
    static Reply parse(String raw) {
        if (raw.equals("stream: OK")) {
            return new Reply(raw, null, null);
        }
        String r = raw.startsWith("stream: ") ? raw.substring(8) : raw;
        if (r.endsWith(" FOUND")) {
            return new Reply(raw, printable(r.substring(0, r.length() - 6).trim()), null);
        }
        String error = r.endsWith(" ERROR") ? r.substring(0, r.length() - 6).trim() : r;
        return new Reply(raw, null, error.isEmpty() ? "empty reply" : printable(error));
    }

    /**
     * One line of at most {@value #MAX_TEXT} characters: control and format characters, line and paragraph
     * separators (U+2028, U+2029) and lone surrogates become '?'; a cut never splits a surrogate pair.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_TEXT + 1));
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            if (b.length() + Character.charCount(c) > MAX_TEXT) {
                break;
            }
            int t = Character.getType(c);
            b.appendCodePoint(Character.isISOControl(c) || t == Character.FORMAT || t == Character.LINE_SEPARATOR
                    || t == Character.PARAGRAPH_SEPARATOR || t == Character.SURROGATE ? '?' : c);
            i += Character.charCount(c);
        }
        return i < s.length() ? b.append('…').toString() : b.toString();
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing only to unblock the scanning thread.
        }
    }
}
