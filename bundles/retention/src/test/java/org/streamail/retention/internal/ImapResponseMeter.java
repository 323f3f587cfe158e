package org.streamail.retention.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay between an IMAP client and a server that measures the largest reply to one command: the
 * bytes the server sends between two tagged responses (a line starting with capitals, digits and a space: Angus's tags such as {@code A12} or {@code B3}). Test
 * code: it does not parse literals, so the relayed content must not contain such a line itself.
 */
final class ImapResponseMeter implements AutoCloseable {

    private final LoopbackRelay relay;
    private final AtomicLong largest = new AtomicLong();

    ImapResponseMeter(int serverPort) throws IOException {
        relay = new LoopbackRelay(serverPort, "imap-meter", (client, server) -> {
            pump(client.getInputStream(), server.getOutputStream(), false, client, server);
            pump(server.getInputStream(), client.getOutputStream(), true, client, server);
        });
    }

    int port() {
        return relay.port();
    }

    /** The most bytes the server sent for one command so far. */
    long largestReply() {
        return largest.get();
    }

    private void pump(InputStream in, OutputStream out, boolean measure, Socket a, Socket b) {
        LoopbackRelay.daemon("imap-meter-pump", () -> {
            byte[] buf = new byte[64 * 1024];
            long reply = 0;
            int state = 1; // 1: at a line start; 2: after capitals; 3: after capitals and digits; 0: elsewhere
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (!measure) {
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        byte c = buf[i];
                        reply++;
                        if (c == '\n') {
                            state = 1;
                        } else if (state == 1) {
                            state = c >= 'A' && c <= 'Z' ? 2 : 0;
                        } else if (state == 2 && c >= 'A' && c <= 'Z') {
                            state = 2;
                        } else if (state == 2 || state == 3) {
                            if (c >= '0' && c <= '9') {
                                state = 3;
                            } else if (c == ' ' && state == 3) {
                                largest.accumulateAndGet(reply, Math::max); // a tagged response: the reply ends
                                reply = 0;
                                state = 0;
                            } else {
                                state = 0;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // connection closed
            } finally {
                LoopbackRelay.closeBoth(a, b);
            }
        });
    }

    @Override
    public void close() throws IOException {
        relay.close();
    }
}
