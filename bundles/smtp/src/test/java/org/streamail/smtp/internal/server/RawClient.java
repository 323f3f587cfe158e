package org.streamail.smtp.internal.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw-socket SMTP client for protocol-abuse tests: writes exactly the bytes it is given. */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        this(port, null);
    }

    /** Connects from the given local address (say 127.0.0.2: Linux answers for all of 127.0.0.0/8). */
    RawClient(int port, InetAddress from) throws IOException {
        socket = from == null ? new Socket(InetAddress.getLoopbackAddress(), port)
                : new Socket(InetAddress.getLoopbackAddress(), port, from, 0);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Connects, reads the greeting, says EHLO. */
    static RawClient greeted(int port) throws IOException {
        RawClient c = new RawClient(port);
        c.reply();
        c.command("EHLO client.test");
        return c;
    }

    void write(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends a command line with CRLF and returns the (last line of the) reply. */
    String command(String line) throws IOException {
        write(line + "\r\n");
        return reply();
    }

    /** Reads one reply, multi-line or not, and returns its last line; {@code null} at end of stream. */
    String reply() throws IOException {
        while (true) {
            String line = line();
            if (line == null) {
                return null;
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line;
            }
        }
    }

    /** Reads one reply and returns all its lines. */
    java.util.List<String> replyLines() throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        while (true) {
            String line = line();
            if (line == null) {
                return lines;
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return lines;
            }
        }
    }

    /** Whether the server has closed the connection (reads to the end). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (prev == '\r' && c == '\n') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            prev = c;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
