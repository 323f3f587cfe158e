package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API behind a real Jetty 9.4 (the one pax-web 8 runs) on a loopback port, spoken to over raw sockets: the
 * context helper's {@code handleSecurity} and then {@link ApiServlet}, as the HTTP Whiteboard calls them under
 * {@code /streamail}, with pax-web's HTTP configuration (no server version) and a short body timeout.
 */
class RealHttpTest {

    /** The connector's idle timeout: longer than the pause between the bytes of the slow body below. */
    static final int IDLE_TIMEOUT_MS = 5_000;
    static final Duration BODY_TIMEOUT = Duration.ofMillis(1_500);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
    /** A raw message far larger than the socket buffers between the servlet and a slow client. */
    static final int LARGE = 8 << 20;

    final InMemoryGateway gateway = new InMemoryGateway();
    final StreamailContextHelper context = new StreamailContextHelper(ServletAndContextTest.USERS);
    final ApiServlet api = new ApiServlet(new RestApi(gateway.services(), new RestApi.Limits(1 << 20, 64 * 1024)),
            BODY_TIMEOUT, WRITE_TIMEOUT);
    /** Requests inside the servlet now: a request thread held by a slow client shows here. */
    final AtomicInteger inFlight = new AtomicInteger();
    Server server;
    int port;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // as pax-web's own configuration
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        // small kernel buffers, so that a slow reader holds the servlet's writes after a few hundred KiB
        connector.setAcceptedSendBufferSize(64 * 1024);
        server.addConnector(connector);
        ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        handler.setContextPath("/streamail");
        handler.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                inFlight.incrementAndGet();
                try {
                    if (context.handleSecurity(req, resp)) {
                        api.service(req, resp);
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        }), ApiServlet.PATTERN);
        server.setHandler(handler);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    record Answer(int status, Map<String, String> headers, byte[] body, long millis) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBodySentAByteAtATimeIsCutAtTheBodyTimeoutWithA408AndTheConnectionClosed() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            String json = "{\"address\":\"slow@corp.example\",\"displayName\":\"" + "x".repeat(60) + "\"}";
            out.write(("POST /streamail/api/v1/directory HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                    + ServletAndContextTest.basic("root:s3cret:with:colons") + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            // one byte every 200 ms, well within the idle timeout: 18 s for the whole body without a deadline
            InputStream in = s.getInputStream();
            int sent = 0;
            while (sent < json.length() && in.available() == 0 && millisSince(start) < 4 * BODY_TIMEOUT.toMillis()) {
                try {
                    out.write(json.charAt(sent++));
                    out.flush();
                } catch (IOException closed) {
                    break; // the server closed the connection after its answer
                }
                Thread.sleep(200);
            }
            Answer a = read(in, start);
            assertThat(a.status()).as("answer after %d of %d bytes: %s", sent, json.length(), a.text()).isEqualTo(408);
            assertThat(a.millis()).isBetween(BODY_TIMEOUT.toMillis() - 100, BODY_TIMEOUT.toMillis() + 1_000);
            assertThat(a.headers().get("connection")).isEqualTo("close");
            assertThat(a.headers().get("content-type")).startsWith("application/json");
            assertThat(a.text()).matches(
                    "\\{\"error\":\"request body not received within 1500 ms \\(\\d+ bytes arrived\\)\",\"status\":408}");
            assertThat(sent).isLessThan(json.length());
            assertThat(in.read()).as("the server closed the connection").isEqualTo(-1);
        }
        assertThat(gateway.addresses).as("nothing added from a body that did not arrive").isEmpty();
    }

    @Test
    void aBodyThatArrivesSteadilyWithinTheTimeoutIsServed() throws Exception {
        String json = "{\"address\":\"steady@corp.example\",\"displayName\":\"Steady\"}";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            out.write(("POST /streamail/api/v1/directory HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                    + ServletAndContextTest.basic("root:s3cret:with:colons") + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            for (int i = 0; i < json.length(); i += 10) { // in six pieces over about half the timeout
                out.write(json.substring(i, Math.min(json.length(), i + 10)).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(120);
            }
            Answer a = read(s.getInputStream(), start);
            assertThat(a.status()).as(a.text()).isEqualTo(201);
        }
        assertThat(gateway.addresses).containsKey("steady@corp.example");
    }

    @Test
    void aClientReadingALargeAnswerSlowlyIsCutAtTheWriteTimeoutAndTheThreadIsFree() throws Exception {
        byte[] raw = largeMessage();
        gateway.hold("big", "large", InMemoryGateway.PHISHING, raw);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            s.getOutputStream().write(("GET /streamail/api/v1/quarantine/big/raw HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + ServletAndContextTest.basic("root:s3cret:with:colons")
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            long start = System.nanoTime();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int headLength = in.readNBytes(head, 0, head.length);
            assertThat(new String(head, 0, headLength, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            // about 8 KiB/s, a read every 125 ms (well within the idle timeout): 17 minutes for the whole answer
            long received = headLength;
            byte[] buffer = new byte[1024];
            while (millisSince(start) < WRITE_TIMEOUT.toMillis() + 1_500) {
                int n = in.read(buffer);
                assertThat(n).as("the connection is open while the client reads").isPositive();
                received += n;
                Thread.sleep(125);
            }
            // the client is still connected and reading slowly, but the server has let go of it
            assertThat(inFlight.get()).as("request threads inside the servlet %d ms after the request",
                    millisSince(start)).isZero();
            long other = System.nanoTime();
            assertThat(exchange("GET", "/health", ServletAndContextTest.basic("watcher:pw")).status()).isEqualTo(200);
            assertThat(millisSince(other)).as("another request is answered at once").isLessThan(1_000);
            // what the kernel still buffers arrives, then the end of the connection, long before the whole answer
            long drain = System.nanoTime();
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    received += n;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection is still open " + millisSince(drain) + " ms into the"
                        + " drain, " + received + " bytes received", e);
            } catch (IOException reset) {
                // a reset closes it as well
            }
            assertThat(received).as("bytes received of a %d-byte answer", raw.length).isLessThan(raw.length / 2);
            assertThat(millisSince(drain)).isLessThan(3_000);
        }
    }

    @Test
    void theSameLargeAnswerReadAtNormalSpeedArrivesWhole() throws Exception {
        byte[] raw = largeMessage();
        gateway.hold("big", "large", InMemoryGateway.PHISHING, raw);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            s.getOutputStream().write(("GET /streamail/api/v1/quarantine/big/raw HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + ServletAndContextTest.basic("root:s3cret:with:colons")
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] all = s.getInputStream().readNBytes(raw.length + 4096); // ends at EOF: Connection: close
            int end = headerEnd(all);
            assertThat(end).isPositive();
            assertThat(new String(all, 0, end, StandardCharsets.ISO_8859_1))
                    .startsWith("HTTP/1.1 200").contains("Content-Length: " + raw.length);
            assertThat(java.util.Arrays.copyOfRange(all, end + 4, all.length)).isEqualTo(raw);
        }
        // Jetty ends the answer (the last byte of the declared length, then EOF under Connection: close) as the
        // servlet closes its stream, a moment before the servlet's thread leaves service(): wait for it, bounded
        long leave = System.nanoTime();
        while (inFlight.get() != 0 && millisSince(leave) < 2_000) {
            Thread.sleep(10);
        }
        assertThat(inFlight.get()).as("request threads inside the servlet %d ms after the answer arrived",
                millisSince(leave)).isZero();
    }

    /** An {@link #LARGE}-byte message: headers, then lines of text. */
    static byte[] largeMessage() {
        StringBuilder m = new StringBuilder(LARGE + 100).append("Subject: large\r\nFrom: a@b.example\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        while (m.length() + line.length() <= LARGE) {
            m.append(line);
        }
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void headIsAnsweredLikeGetWithoutTheBody() throws Exception {
        gateway.hold("q1", "held", InMemoryGateway.PHISHING,
                "Subject: held\r\nFrom: a@b.example\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        String admin = ServletAndContextTest.basic("root:s3cret:with:colons");
        String viewer = ServletAndContextTest.basic("watcher:pw");
        String[][] cases = {
            {"/health", viewer, "200"},
            {"/metrics", viewer, "200"},
            {"/metrics", null, "401"},
            {"/quarantine", viewer, "200"},
            {"/quarantine/q1/raw", admin, "200"},
            {"/quarantine/nope", viewer, "404"},
            {"/messages?limit=0", viewer, "400"},
            {"/isolation", viewer, "403"},
            {"/health", null, "401"},
            {"/health", ServletAndContextTest.basic("watcher:wrong"), "401"},
            {"/no/such/thing", admin, "404"},
        };
        for (String[] c : cases) {
            Answer get = exchange("GET", c[0], c[1]);
            Answer head = exchange("HEAD", c[0], c[1]);
            assertThat(get.status()).as("GET %s", c[0]).isEqualTo(Integer.parseInt(c[2]));
            assertThat(head.status()).as("HEAD %s", c[0]).isEqualTo(get.status());
            assertThat(head.body()).as("HEAD %s sends no body", c[0]).isEmpty();
            assertThat(get.body()).isNotEmpty();
            Map<String, String> getHeaders = new LinkedHashMap<>(get.headers());
            Map<String, String> headHeaders = new LinkedHashMap<>(head.headers());
            getHeaders.remove("date");
            headHeaders.remove("date");
            assertThat(headHeaders).as("HEAD %s headers", c[0]).isEqualTo(getHeaders);
            assertThat(head.headers().get("content-length")).isEqualTo(String.valueOf(get.body().length));
        }
        Answer raw = exchange("HEAD", "/quarantine/q1/raw", admin);
        assertThat(raw.headers().get("content-type")).startsWith("message/rfc822");
        assertThat(raw.headers().get("content-disposition")).contains("q1.eml");
        assertThat(exchange("HEAD", "/health", null).headers()).containsKey("www-authenticate");
        Answer metrics = exchange("GET", "/metrics", viewer);
        assertThat(metrics.headers().get("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(new String(metrics.body(), StandardCharsets.UTF_8)).contains("\nstreamail_ready 1\n");
    }

    @Test
    void headOnlyWhereGetIsAndTheAllowHeaderSaysSo() throws Exception {
        String admin = ServletAndContextTest.basic("root:s3cret:with:colons");
        Answer scan = exchange("HEAD", "/scan", admin);
        assertThat(scan.status()).isEqualTo(405);
        assertThat(scan.headers().get("allow")).isEqualTo("POST");
        assertThat(scan.body()).isEmpty();
        Answer put = exchange("PUT", "/directory", admin);
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.headers().get("allow")).isEqualTo("GET, HEAD, POST");
        // HEAD changes nothing and reaches no admin-only route for a viewer
        Answer isolation = exchange("HEAD", "/isolation", ServletAndContextTest.basic("watcher:pw"));
        assertThat(isolation.status()).isEqualTo(403);
    }

    @Test
    void noAnswerNamesTheServerOrItsVersion() throws Exception {
        for (Answer a : new Answer[] {exchange("GET", "/health", null), exchange("HEAD", "/health", null),
                exchange("GET", "/health", ServletAndContextTest.basic("watcher:pw"))}) {
            assertThat(a.headers()).doesNotContainKeys("server", "x-powered-by");
        }
    }

    /** One request on a fresh connection ({@code Connection: close}); the whole answer up to EOF. */
    Answer exchange(String method, String pathAndQuery, String authorization) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            String request = method + " /streamail/api/v1" + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\n" + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Connection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return read(s.getInputStream(), System.nanoTime());
        }
    }

    /**
     * Reads until the server closes the connection (at most 1 MiB): status line, headers, the rest as body. Every
     * request here ends with its connection, so a HEAD answer followed by body bytes would show.
     */
    static Answer read(InputStream in, long start) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long firstByte = -1;
        try {
            int n;
            while ((n = in.read(buffer)) > 0 && all.size() < (1 << 20)) {
                if (firstByte < 0) {
                    firstByte = millisSince(start);
                }
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no complete answer within " + IDLE_TIMEOUT_MS + " ms; got: "
                    + all.toString(StandardCharsets.ISO_8859_1), e);
        }
        byte[] bytes = all.toByteArray();
        int end = headerEnd(bytes);
        assertThat(end).as("a complete header section: %s", all.toString(StandardCharsets.ISO_8859_1)).isPositive();
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, body, firstByte);
    }

    private static int headerEnd(byte[] bytes) {
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
