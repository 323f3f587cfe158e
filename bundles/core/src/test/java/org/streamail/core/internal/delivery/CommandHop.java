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

/**
 * A plain-text next hop on a loopback socket whose answers a test can change per command: by default it offers
 * STARTTLS (or not) in its EHLO reply and takes every message, and a {@link Hook} may answer any command first
 * (refuse STARTTLS, break the handshake, add a stray reply). Records every command line per session and every
 * message with the session it came in. One thread per connection. Closed by {@link #close()}.
 */
final class CommandHop implements AutoCloseable {

    /** One client connection. */
    static final class Session {
        final int number;
        final Socket socket;
        final OutputStream out;
        final List<String> commands = new CopyOnWriteArrayList<>();
        int messages;

        Session(int number, Socket socket) throws IOException {
            this.number = number;
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        /** Writes the lines, CRLF each, in one write. */
        void reply(String... lines) throws IOException {
            StringBuilder b = new StringBuilder();
            for (String l : lines) {
                b.append(l).append("\r\n");
            }
            out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    /** Answers a command before the default does; {@code true} when it did, so the default is skipped. */
    @FunctionalInterface
    interface Hook {
        boolean handle(Session s, String command) throws IOException;
    }

    /** One message as the hop received it. */
    record Message(int session, List<String> recipients, String data) {
    }

    private final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    private final boolean offerStartTls;
    private final Hook hook;
    final List<Session> sessions = new CopyOnWriteArrayList<>();
    final List<Message> messages = new CopyOnWriteArrayList<>();

    CommandHop(boolean offerStartTls, Hook hook) throws IOException {
        this.offerStartTls = offerStartTls;
        this.hook = hook;
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Session session = new Session(sessions.size() + 1, s);
                    sessions.add(session);
                    Thread c = new Thread(() -> serve(session), "command-hop-" + session.number);
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "command-hop");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many commands starting with {@code verb} all sessions together received. */
    long count(String verb) {
        return sessions.stream().flatMap(s -> s.commands.stream())
                .filter(c -> c.toUpperCase(Locale.ROOT).startsWith(verb)).count();
    }

    private void serve(Session s) {
        try (Socket socket = s.socket; BufferedReader in = new BufferedReader(new InputStreamReader(
                socket.getInputStream(), StandardCharsets.ISO_8859_1))) {
            s.reply("220 command.test ESMTP");
            List<String> rcpts = new java.util.ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                s.commands.add(line);
                if (hook.handle(s, line)) {
                    if (socket.isClosed()) {
                        return;
                    }
                    continue;
                }
                String cmd = line.toUpperCase(Locale.ROOT);
                if (cmd.startsWith("EHLO")) {
                    if (offerStartTls) {
                        s.reply("250-command.test", "250-STARTTLS", "250 8BITMIME");
                    } else {
                        s.reply("250-command.test", "250 8BITMIME");
                    }
                } else if (cmd.startsWith("MAIL")) {
                    rcpts.clear();
                    s.reply("250 2.1.0 ok");
                } else if (cmd.startsWith("RCPT")) {
                    rcpts.add(line.substring(line.indexOf('<') + 1, line.indexOf('>')));
                    s.reply("250 2.1.5 ok");
                } else if (cmd.equals("DATA")) {
                    s.reply("354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String l;
                    while ((l = in.readLine()) != null && !l.equals(".")) {
                        data.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
                    }
                    messages.add(new Message(s.number, List.copyOf(rcpts), data.toString()));
                    s.messages++;
                    if (!hook.handle(s, "(end of data)")) {
                        s.reply("250 2.0.0 queued as S" + s.number + "." + s.messages);
                    }
                } else if (cmd.startsWith("QUIT")) {
                    s.reply("221 bye");
                    return;
                } else if (cmd.startsWith("RSET") || cmd.startsWith("NOOP") || cmd.startsWith("HELO")) {
                    s.reply("250 ok");
                } else {
                    s.reply("502 5.5.2 unknown");
                }
            }
        } catch (IOException e) {
            // the client went away, or close()
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Session s : sessions) {
            s.socket.close();
        }
    }
}
