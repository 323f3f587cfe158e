package org.streamail.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine's raw SMTP ceiling: Postfix's {@code smtp-sink} on a free loopback port and
 * {@code smtp-source -s C -m N -l SIZE -d} against it (Debian package {@code postfix}; its daemon is not
 * needed). Also lends its running {@code smtp-sink} to measure the bench client alone.
 *
 * <p>Lifecycle: {@link #start} launches {@code smtp-sink} (our own child process), {@link #close} ends it.
 * Not thread-safe.
 */
final class PostfixCeiling implements AutoCloseable {

    /** Where Debian and others install the tools, besides {@code PATH}. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/lib/postfix/sbin",
            "/usr/libexec/postfix", "/usr/local/sbin");
    private static final int MAX_OUTPUT = 4096;

    record Result(int messages, int sessions, int size, double seconds) {
        double rate() {
            return seconds <= 0 ? 0 : messages / seconds;
        }
    }

    private final Path smtpSource;
    private final Process sink;
    private final Path sinkLog;
    private final int port;

    private PostfixCeiling(Path smtpSource, Process sink, Path sinkLog, int port) {
        this.smtpSource = smtpSource;
        this.sink = sink;
        this.sinkLog = sinkLog;
        this.port = port;
    }

    /** The tool's path, looked up in {@code PATH} and the usual sbin folders, like {@code command -v}. */
    static Optional<Path> find(String tool) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code smtp-sink} on a free loopback port and waits until it accepts connections.
     *
     * @throws IOException if the tools are not installed or the sink does not come up
     */
    static PostfixCeiling start() throws IOException, InterruptedException {
        Path source = find("smtp-source").orElseThrow(() -> new IOException(
                "smtp-source not found (install the Debian package 'postfix'; its daemon is not needed)"));
        Path sinkTool = find("smtp-sink").orElseThrow(() -> new IOException(
                "smtp-sink not found (install the Debian package 'postfix')"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(sinkTool.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root without dropping privileges
        }
        cmd.addAll(List.of("127.0.0.1:" + port, "256"));
        Path log = Files.createTempFile("bench-smtp-sink", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PostfixCeiling c = new PostfixCeiling(source, p, log, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            if (!p.isAlive()) {
                String out = c.sinkOutput();
                c.close();
                throw new IOException("smtp-sink exited with " + p.exitValue() + ": " + out);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return c;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    c.close();
                    throw new IOException("smtp-sink did not listen on 127.0.0.1:" + port + " within 10 s");
                }
                Thread.sleep(20);
            }
        }
    }

    int port() {
        return port;
    }

    /** Runs {@code smtp-source} against the sink and times it, process start to exit. */
    Result measure(int sessions, int messages, int size, String from, String to, Duration timeout)
            throws IOException, InterruptedException {
        List<String> cmd = List.of(smtpSource.toString(), "-s", String.valueOf(sessions), "-m",
                String.valueOf(messages), "-l", String.valueOf(size), "-d", "-M", "bench.streamail.invalid",
                "-f", from, "-t", to, "127.0.0.1:" + port);
        Path log = Files.createTempFile("bench-smtp-source", ".log");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("smtp-source did not finish within " + timeout.toSeconds() + " s");
            }
            long t1 = System.nanoTime();
            if (p.exitValue() != 0) {
                throw new IOException("smtp-source exited with " + p.exitValue() + ": " + head(log));
            }
            return new Result(messages, sessions, size, (t1 - t0) / 1e9);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private String sinkOutput() {
        try {
            return head(sinkLog);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static String head(Path log) throws IOException {
        byte[] b = Files.readAllBytes(log);
        String s = new String(b, 0, Math.min(b.length, MAX_OUTPUT), StandardCharsets.UTF_8).trim();
        return s.isEmpty() ? "(no output)" : s;
    }

    @Override
    public void close() throws InterruptedException {
        sink.destroy();
        if (!sink.waitFor(5, TimeUnit.SECONDS)) {
            sink.destroyForcibly();
            sink.waitFor(5, TimeUnit.SECONDS);
        }
        try {
            Files.deleteIfExists(sinkLog);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
