package org.streamail.retention.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP relay between an IMAP client and a server that can play a crash: it cuts the connection (both
 * sides) just before a chosen client command reaches the server, as a lost connection or a killed gateway would.
 * It can also hide the server's {@code MOVE} capability, so that a move is done with UID COPY + \Deleted +
 * UID EXPUNGE. Test code: it works line by line and does not parse literals, so relayed messages must not contain
 * the trigger text or a {@code CAPABILITY} line.
 */
final class CuttingImapProxy implements AutoCloseable {

    private final LoopbackRelay relay;
    private final boolean hideMove;
    /** The text of the client line to cut before, once; null: relay everything. */
    private final AtomicReference<String> cutBefore = new AtomicReference<>();
    private volatile boolean cut;
    /** Set by {@link #serverGone()}: every connection is cut at its next client line. */
    private volatile boolean gone;

    CuttingImapProxy(int serverPort, boolean hideMove) throws IOException {
        this.hideMove = hideMove;
        relay = new LoopbackRelay(serverPort, "imap-cutter", (client, server) -> {
            pump(client.getInputStream(), server.getOutputStream(), true, client, server);
            pump(server.getInputStream(), client.getOutputStream(), false, client, server);
        });
    }

    int port() {
        return relay.port();
    }

    /** The next client line containing {@code text} is not sent: the connection is closed instead. */
    void cutBefore(String text) {
        cut = false;
        cutBefore.set(text);
    }

    /** From now on the server is gone: no new connection is accepted, and each open one is cut at its next command. */
    void serverGone() throws IOException {
        gone = true;
        relay.close();
    }

    /** Whether the armed cut happened. */
    boolean cutHappened() {
        return cut;
    }

    private void pump(InputStream raw, OutputStream out, boolean fromClient, Socket a, Socket b) {
        LoopbackRelay.daemon("imap-cutter-pump", () -> {
            InputStream in = new BufferedInputStream(raw);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                for (int ch; (ch = in.read()) >= 0; ) {
                    line.write(ch);
                    if (ch != '\n' && in.available() > 0) {
                        continue;
                    }
                    if (ch != '\n') {
                        // a partial line (e.g. a literal's end): pass it on as it is
                        out.write(line.toByteArray());
                        out.flush();
                        line.reset();
                        continue;
                    }
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    line.reset();
                    if (fromClient) {
                        if (gone) {
                            cut = true;
                            return;
                        }
                        String trigger = cutBefore.get();
                        if (trigger != null && text.contains(trigger) && cutBefore.compareAndSet(trigger, null)) {
                            cut = true;
                            return; // finally closes both sides: the command never reaches the server
                        }
                    } else if (hideMove && text.toUpperCase(java.util.Locale.ROOT).contains("CAPABILITY")) {
                        text = text.replaceAll("(?i)(?<= )MOVE(?=[ \\]\\r\\n])", "X-NOMOVE");
                    }
                    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
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
