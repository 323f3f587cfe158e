package org.streamail.core.internal.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A next hop that answers RCPT TO from a script, for what GreenMail 2.1 cannot do: refuse a recipient, and take
 * mail from the null sender (it answers {@code MAIL FROM:<>} with 250 but then every RCPT with
 * {@code 503 MAIL must come before RCPT}). The script gets the recipient and the session number (1-based) and
 * returns the reply, or {@code null} to accept. Records every MAIL FROM argument, every accepted recipient and
 * every message (dot-unstuffed, CRLF lines) with its envelope. One thread per connection, so a connection kept
 * open by delivery does not block the next one. Closed by {@link #close()}.
 */
final class ScriptedHop implements AutoCloseable {

    private final ServerSocket server;
    private final BiFunction<String, Integer, String> script;
    final List<String> mailFrom = new CopyOnWriteArrayList<>();
    final List<String> accepted = new CopyOnWriteArrayList<>();
    final List<Received> messages = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private int sessions;

    ScriptedHop(BiFunction<String, Integer, String> script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "scripted-hop");
        t.setDaemon(true);
        t.start();
    }

    /** One message as the hop received it. */
    record Received(String mailFrom, List<String> recipients, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.ISO_8859_1);
        }

        /** The message parsed by Jakarta Mail (outside OSGi every content handler is found). */
        jakarta.mail.internet.MimeMessage parsed() throws jakarta.mail.MessagingException {
            return new jakarta.mail.internet.MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()),
                    new java.io.ByteArrayInputStream(data));
        }
    }

    /** Waits until {@code n} messages arrived. */
    void await(int n, java.time.Duration max) {
        org.streamail.core.internal.support.Wait.until(n + " message(s) at the scripted hop", max,
                () -> messages.size() >= n);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                int n;
                synchronized (this) {
                    n = ++sessions;
                }
                Thread t = new Thread(() -> serve(s, n), "scripted-hop-session-" + n);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s, int session) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            reply(out, "220 scripted ESMTP");
            String line;
            String from = null;
            List<String> rcpts = new java.util.ArrayList<>();
            while ((line = in.readLine()) != null) {
                String cmd = line.toUpperCase(Locale.ROOT);
                if (cmd.startsWith("MAIL")) {
                    from = line.substring(line.indexOf(':') + 1).trim();
                    rcpts.clear();
                    mailFrom.add(from);
                    reply(out, "250 ok");
                } else if (cmd.startsWith("EHLO") || cmd.startsWith("HELO") || cmd.startsWith("RSET")
                        || cmd.startsWith("NOOP")) {
                    reply(out, "250 ok");
                } else if (cmd.startsWith("RCPT")) {
                    String rcpt = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    String refusal = script.apply(rcpt, session);
                    if (refusal == null) {
                        accepted.add(rcpt);
                        rcpts.add(rcpt);
                        reply(out, "250 ok");
                    } else {
                        reply(out, refusal);
                    }
                } else if (cmd.equals("DATA")) {
                    reply(out, "354 go");
                    StringBuilder data = new StringBuilder();
                    String l;
                    while ((l = in.readLine()) != null && !l.equals(".")) {
                        data.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
                    }
                    messages.add(new Received(from, List.copyOf(rcpts),
                            data.toString().getBytes(StandardCharsets.ISO_8859_1)));
                    reply(out, "250 2.0.0 queued as S" + session);
                } else if (cmd.startsWith("QUIT")) {
                    reply(out, "221 bye");
                    return;
                } else {
                    reply(out, "502 unknown");
                }
            }
        } catch (IOException e) {
            // the client went away, or close()
        }
    }

    private static void reply(OutputStream out, String s) throws IOException {
        out.write((s + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
