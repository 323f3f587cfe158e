package org.streamail.itests.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately dumb SMTP client over a raw socket, so tests can send exactly the bytes they mean
 * (bare LF, smuggled dots) and see each reply. One session per instance; not thread-safe.
 */
public final class SmtpClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    public final String greeting;

    public SmtpClient(int port) throws IOException {
        this(port, null);
    }

    /**
     * @param from the local address to connect from (another loopback address, e.g. {@code 127.0.0.9}, is another
     *             client to the gateway), or {@code null} for the system's choice
     */
    public SmtpClient(int port, String from) throws IOException {
        socket = new Socket();
        if (from != null) {
            socket.bind(new InetSocketAddress(from, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(60_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        greeting = reply();
    }

    /** Sends one command line (CRLF added) and returns the full reply (multi-line joined with \n). */
    public String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply();
    }

    /**
     * Sends STARTTLS and, on its 220 reply, runs a TLS handshake over the same connection with {@code tls} (which
     * decides what server certificate is trusted); every later command goes over TLS. The client must say EHLO
     * again afterwards (RFC 3207).
     *
     * @return the TLS session
     * @throws IOException when the server does not answer 220 (the reply is in the message) or the handshake fails
     */
    public SSLSession startTls(SSLContext tls) throws IOException {
        String r = command("STARTTLS");
        if (!r.startsWith("220")) {
            throw new IOException("STARTTLS refused: " + r);
        }
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
        return s.getSession();
    }

    /** Sends raw bytes as they are and reads one reply. */
    public String raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return reply();
    }

    /**
     * A whole transaction: MAIL, each RCPT, DATA, the message (dot-stuffed, CRLF.CRLF appended). Returns the
     * final reply, or the first refusal (e.g. {@code 550 ...} at RCPT, {@code 451 ...} at MAIL).
     */
    public String send(String from, List<String> rcpts, byte[] message) throws IOException {
        String r = command("MAIL FROM:<" + from + ">");
        if (!r.startsWith("250")) {
            return r;
        }
        boolean any = false;
        String lastRefusal = null;
        for (String rcpt : rcpts) {
            r = command("RCPT TO:<" + rcpt + ">");
            if (r.startsWith("250")) {
                any = true;
            } else {
                lastRefusal = r;
            }
        }
        if (!any) {
            command("RSET");
            return lastRefusal;
        }
        r = command("DATA");
        if (!r.startsWith("354")) {
            return r;
        }
        return raw(dotStuff(message));
    }

    static byte[] dotStuff(byte[] message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + 16);
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') {
                b.write('.');
            }
            b.write(c);
            lineStart = c == '\n';
        }
        if (message.length < 2 || message[message.length - 2] != '\r' || message[message.length - 1] != '\n') {
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    private String reply() throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String line = readLine();
            if (line == null) {
                return all.length() == 0 ? "(connection closed)" : all.toString();
            }
            if (all.length() > 0) {
                all.append('\n');
            }
            all.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return all.toString();
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 4096) {
                throw new IOException("reply line too long");
            }
        }
        return c == -1 && b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                command("QUIT");
            }
        } catch (IOException ignored) {
            // the server may have closed already
        } finally {
            socket.close();
        }
    }
}
