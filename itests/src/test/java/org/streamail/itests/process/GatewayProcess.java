package org.streamail.itests.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The real distribution as a child process: unpacks the built tar.gz into {@code target/process/<name>},
 * moves every port to a free one, and runs {@code bin/karaf server} with an empty HOME (so no ~/.m2 and no
 * settings can help it: it must boot from its own system/ folder). Used where Pax Exam cannot go: first-boot
 * behaviour, restarts, and {@code kill -9}.
 *
 * <p>Not thread-safe; one test class drives one instance. {@link #close()} always stops the process.
 */
public final class GatewayProcess implements AutoCloseable {

    public static final String ADMIN = "admin";

    private final Path home;
    private final Path log;
    private final Map<String, String> env = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    public final int sshPort = freePort();
    public final int httpPort = freePort();
    /** pax-web's secure (HTTPS) port; only used where a test turns HTTPS on ({@link #useHttps}). */
    public final int httpsPort = freePort();
    public final int smtpPort = freePort();
    public final int outboundPort = freePort();
    public final int rmiRegistryPort = freePort();
    public final int rmiServerPort = freePort();
    private Process process;
    private String adminPassword;
    /** Set by {@link #useHttps}: the REST API is then reached over HTTPS on {@link #httpsPort} only. */
    private HttpClient httpsClient;

    private GatewayProcess(Path home, Path log) {
        this.home = home;
        this.log = log;
    }

    /** Unpacks a fresh instance named {@code name} (any previous one is removed) and moves its ports. */
    public static GatewayProcess unpack(String name) throws IOException, InterruptedException {
        Path tarGz = Path.of(System.getProperty("streamail.distribution", ""));
        if (!Files.isRegularFile(tarGz)) {
            throw new IllegalStateException("Built distribution not found: " + tarGz + " (run mvn install)");
        }
        Path base = Path.of("target", "process", name).toAbsolutePath();
        deleteTree(base);
        Files.createDirectories(base);
        run(base, "tar", "xzf", tarGz.toString());
        Path home;
        try (Stream<Path> s = Files.list(base)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        GatewayProcess g = new GatewayProcess(home, base.resolve("console.log"));
        g.setConfig("org.apache.karaf.shell.cfg", "sshPort", String.valueOf(g.sshPort));
        g.setConfig("org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(g.rmiRegistryPort));
        g.setConfig("org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(g.rmiServerPort));
        g.setConfig("org.ops4j.pax.web.cfg", "org.osgi.service.http.port", String.valueOf(g.httpPort));
        g.setConfig("org.ops4j.pax.web.cfg", "org.osgi.service.http.port.secure", String.valueOf(g.httpsPort));
        g.setConfig("org.streamail.smtp.cfg", "port", String.valueOf(g.smtpPort));
        g.setConfig("org.streamail.smtp.outbound.cfg", "port", String.valueOf(g.outboundPort));
        // sender authentication asks the test's own DNS server, never the machine's resolver
        g.setConfig("org.streamail.detect.auth.cfg", "dns.servers", org.streamail.itests.AuthTestDns.servers());
        Path emptyHome = base.resolve("empty-home");
        Files.createDirectories(emptyHome);
        g.env.put("HOME", emptyHome.toString());
        g.env.put("JAVA_HOME", System.getProperty("java.home"));
        g.env.put("KARAF_OPTS", "-Xmx512m");
        return g;
    }

    public Path home() {
        return home;
    }

    public Path data() {
        return home.resolve("data");
    }

    /** Makes the first boot take the admin password from STREAMAIL_ADMIN_PASSWORD. */
    public GatewayProcess adminPasswordFromEnvironment(String password) {
        env.put("STREAMAIL_ADMIN_PASSWORD", password);
        adminPassword = password;
        return this;
    }

    /** Sets an environment variable of the gateway process (applies from the next {@link #start}). */
    public GatewayProcess environment(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * From now on {@link #start} waits for, and {@link #rest} calls, the REST API over HTTPS on {@link #httpsPort}
     * with {@code tls} (which must trust the gateway's certificate); the test configures pax-web's HTTPS itself.
     */
    public void useHttps(javax.net.ssl.SSLContext tls) {
        httpsClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(tls).build();
    }

    private int apiPort() {
        return httpsClient == null ? httpPort : httpsPort;
    }

    private String apiRoot() {
        return (httpsClient == null ? "http" : "https") + "://127.0.0.1:" + apiPort();
    }

    public void useAdminPassword(String password) {
        adminPassword = password;
    }

    /** Sets {@code key = value} in {@code etc/<file>}, replacing an existing assignment or appending one. */
    public void setConfig(String file, String key, String value) throws IOException {
        Path cfg = home.resolve("etc").resolve(file);
        List<String> lines = Files.exists(cfg) ? new ArrayList<>(Files.readAllLines(cfg, StandardCharsets.ISO_8859_1)) : new ArrayList<>();
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.startsWith(key) && l.substring(key.length()).trim().startsWith("=")) {
                lines.set(i, key + " = " + value);
                replaced = true;
            }
        }
        if (!replaced) {
            lines.add(key + " = " + value);
        }
        Files.write(cfg, lines, StandardCharsets.ISO_8859_1);
    }

    /** Copies a bundle into deploy/ (hot deployment by Karaf's file installer). */
    public Path deploy(Path jar) throws IOException {
        Path target = home.resolve("deploy").resolve(jar.getFileName());
        Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    public void undeploy(Path jar) throws IOException {
        Files.deleteIfExists(home.resolve("deploy").resolve(jar.getFileName()));
    }

    /** Starts bin/karaf server and waits until the REST health check answers (any status) and SMTP listens. */
    public void start(Duration timeout) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        waitFor("the gateway to listen on SMTP " + smtpPort + " and HTTP(S) " + apiPort(), timeout,
                () -> listening(smtpPort) && listening(apiPort()));
        // Boot features install on their own thread: Jetty may listen before the REST servlet context is
        // registered (404). Any other answer (401 without credentials) means the API is there.
        waitFor("the REST API to be registered", timeout, () -> {
            try {
                return rest("GET", "/health", null, null, null, null).statusCode() != 404;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Graceful stop (SIGTERM to the JVM, Karaf's shutdown hook runs), waiting until every process exited. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> java = javaProcesses();
        java.forEach(ProcessHandle::destroy);
        process.destroy();
        if (!awaitExit(java, Duration.ofSeconds(60))) {
            kill9();
            return;
        }
        waitForPortsFree();
        process = null;
    }

    /** SIGKILL to the Karaf JVM: no shutdown hook, no flush, like a power cut for the process. */
    public void kill9() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> java = javaProcesses();
        java.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit(java, Duration.ofSeconds(30));
        waitForPortsFree();
        process = null;
    }

    /** bin/karaf refuses to start while the previous JVM's pid is alive: wait for the JVM, not just the ports. */
    private boolean awaitExit(List<ProcessHandle> java, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : java) {
            while (p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        return process.waitFor(left, TimeUnit.MILLISECONDS) && java.stream().noneMatch(ProcessHandle::isAlive);
    }

    private List<ProcessHandle> javaProcesses() {
        return process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).toList();
    }

    private void waitForPortsFree() {
        waitFor("ports to be released", Duration.ofSeconds(30), () -> !listening(smtpPort) && !listening(httpPort)
                && (httpsClient == null || !listening(httpsPort)));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    // ------------------------------------------------------------------ clients

    /** An HTTP call to the REST API with the given credentials ({@code null} user: none). */
    public HttpResponse<String> rest(String method, String path, String user, String password, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiRoot() + "/streamail/api/v1" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return (httpsClient == null ? http : httpsClient).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An HTTP call as the admin to a path from the server's root (not under the API), e.g. {@code /streamail/x}. */
    public HttpResponse<String> adminFromRoot(String method, String rootPath) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(apiRoot() + rootPath))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (ADMIN + ":" + adminPassword).getBytes(StandardCharsets.UTF_8)))
                .build();
        return (httpsClient == null ? http : httpsClient).send(r, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> admin(String method, String path) throws IOException, InterruptedException {
        return rest(method, path, ADMIN, adminPassword, null, null);
    }

    public HttpResponse<String> adminJson(String method, String path, String json) throws IOException, InterruptedException {
        return rest(method, path, ADMIN, adminPassword, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits until GET /health says ready (a mandatory detector may still be missing right after boot). */
    public void waitReady(Duration timeout) {
        waitFor("the gateway to report ready", timeout, () -> {
            try {
                HttpResponse<String> r = admin("GET", "/health");
                return r.statusCode() == 200 && r.body().contains("\"ready\":true");
            } catch (Exception e) {
                return false;
            }
        });
    }

    public SmtpClient smtp() throws IOException {
        return new SmtpClient(smtpPort);
    }

    /** A client of the outbound listener (the organisation's mail server handing mail for the Internet). */
    public SmtpClient smtpOutbound() throws IOException {
        return new SmtpClient(outboundPort);
    }

    // ------------------------------------------------------------------ utilities

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void waitFor(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("failed: " + String.join(" ", command));
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /**
     * The files of this instance (its Karaf home, with etc/, data/ and the logs, and the console log beside it)
     * whose bytes contain {@code secret} in UTF-8, relative to the instance folder. The distribution's own jars
     * ({@code system/}, {@code lib/}) are skipped: the gateway never writes there.
     */
    public List<String> filesHolding(String secret) throws IOException {
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("an empty secret is in every file");
        }
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        Path base = home.getParent();
        List<String> holding = new ArrayList<>();
        try (Stream<Path> files = Files.walk(base)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = base.relativize(f);
                if (rel.getNameCount() > 1 && home.getFileName().equals(rel.getName(0))
                        && (rel.getName(1).toString().equals("system") || rel.getName(1).toString().equals("lib"))) {
                    continue;
                }
                if (indexOf(Files.readAllBytes(f), needle) >= 0) {
                    holding.add(rel.toString());
                }
            }
        }
        return holding;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The lines of data/log/karaf.log that contain {@code text} (none while the log does not exist yet). */
    public List<String> karafLogLines(String text) throws IOException {
        Path karafLog = data().resolve("log/karaf.log");
        if (!Files.exists(karafLog)) {
            return List.of();
        }
        // ISO-8859-1 reads any byte: a log line quoting odd input must not make the search fail
        try (Stream<String> lines = Files.lines(karafLog, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).toList();
        }
    }

    /** What the gateway printed on its console (for failure messages). */
    public String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
