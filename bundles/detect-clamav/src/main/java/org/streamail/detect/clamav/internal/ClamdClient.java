package org.streamail.detect.clamav.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A clamd client speaking the INSTREAM protocol by hand: {@code zINSTREAM\0}, then chunks each prefixed by
 * its length as 4 bytes big-endian, then a zero-length chunk, then one NUL-terminated reply
 * ({@code stream: OK}, {@code stream: <signature> FOUND}, or {@code ... ERROR}). One connection per scan,
 * over a unix socket when configured (cheaper, no Nagle) else TCP with TCP_NODELAY (the client writes
 * several times before it reads, which would otherwise stall on Nagle + delayed ACK).
 *
 * <p>Time: blocking channels cannot time out by themselves, so a watchdog on the shared scheduler closes
 * the channel at the deadline, which unblocks connect/read/write. Thread-safe: no mutable state.
 */
final class ClamdClient {
    private static final int CHUNK = 64 * 1024;
    private static final int MAX_REPLY = 4096;

    /** A clamd answer. {@code signature} is set when something was found, {@code error} when clamd failed. */
    record Reply(String raw, String signature, String error) {
        boolean clean() {
            return signature == null && error == null;
        }
    }

    private final SocketAddress address;
    private final ScheduledExecutorService watchdog;

    ClamdClient(String socketPath, String host, int port, ScheduledExecutorService watchdog) {
        this.address = socketPath != null && !socketPath.isBlank() ? UnixDomainSocketAddress.of(socketPath)
                : new InetSocketAddress(host, port);
        this.watchdog = watchdog;
    }

    String describe() {
        return address.toString();
    }

    /** Streams {@code in} (at most {@code maxBytes}) to clamd. */
    Reply scan(InputStream in, Duration timeout) throws IOException {
        try (SocketChannel ch = open()) {
            AtomicBoolean fired = new AtomicBoolean();
            ScheduledFuture<?> kill = watchdog.schedule(() -> {
                fired.set(true);
                closeQuietly(ch);
            }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
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
            ScheduledFuture<?> kill = watchdog.schedule(() -> closeQuietly(ch), Math.max(1, timeout.toMillis()),
                    TimeUnit.MILLISECONDS);
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
        if (address instanceof UnixDomainSocketAddress) {
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

    /** Reads up to the NUL (or EOF), at most {@value #MAX_REPLY} bytes: clamd's replies are short. */
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
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    static Reply parse(String raw) {
        String r = raw.startsWith("stream: ") ? raw.substring(8) : raw;
        if (r.equals("OK")) {
            return new Reply(raw, null, null);
        }
        if (r.endsWith(" FOUND")) {
            return new Reply(raw, r.substring(0, r.length() - 6).trim(), null);
        }
        return new Reply(raw, null, r.endsWith(" ERROR") ? r.substring(0, r.length() - 6).trim() : r);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing only to unblock the scanning thread.
        }
    }
}
