package org.streamail.detect.clamav.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian clamd for tests, started in the foreground on a temp directory with a two-signature
 * database the test writes itself (there is no signature download here): a body signature of a marker
 * string kept split in two resources, and an MD5 hash signature of {@link #HASHED}.
 */
final class Clamd implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/clamd");
    static final byte[] HASHED = "Streamail hash-signature test file, harmless.\n".getBytes(StandardCharsets.US_ASCII);

    final Path dir;
    final Path socket;
    final int port;
    private final Process process;

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("STREAMAIL_REQUIRE_CLAMD"));
    }

    static byte[] marker() throws IOException {
        try (InputStream a = Clamd.class.getResourceAsStream("/marker-part1.txt");
                InputStream b = Clamd.class.getResourceAsStream("/marker-part2.txt")) {
            return (new String(a.readAllBytes(), StandardCharsets.US_ASCII).trim()
                    + new String(b.readAllBytes(), StandardCharsets.US_ASCII).trim()).getBytes(StandardCharsets.US_ASCII);
        }
    }

    Clamd() throws Exception {
        dir = Files.createTempDirectory("streamail-clamd");
        Path db = Files.createDirectories(dir.resolve("db"));
        Files.writeString(db.resolve("streamail.ndb"),
                "Streamail.Test.Split-1:0:*:" + HexFormat.of().formatHex(marker()) + "\n");
        Files.writeString(db.resolve("streamail.hdb"), HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                .digest(HASHED)) + ":" + HASHED.length + ":Streamail.Test.Hash-1\n");
        socket = dir.resolve("clamd.sock");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n",
                "Foreground yes",
                "DatabaseDirectory " + db,
                "LocalSocket " + socket,
                "TCPSocket " + port,
                "TCPAddr 127.0.0.1",
                "TemporaryDirectory " + dir,
                "LogFile " + dir.resolve("clamd.log"),
                "PidFile " + dir.resolve("clamd.pid"),
                "StreamMaxLength 2M",
                // what clamd skips for its own limits is "OK" unless it alerts on them (see the README)
                "MaxFileSize 1500K",
                "AlertExceedsMax yes",
                "MaxThreads 4",
                "Bytecode no",
                // adds "(md5:size)" of the scanned file to the log only: the replies stay bare names
                "ExtendedDetectionInfo yes",
                "") );
        process = new ProcessBuilder(BINARY.toString(), "--foreground", "--config-file=" + conf)
                .redirectErrorStream(true).redirectOutput(dir.resolve("clamd.out").toFile()).start();
        var watchdog = Executors.newSingleThreadScheduledExecutor();
        try {
            ClamdClient client = new ClamdClient(socket.toString(), null, 0, watchdog);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!client.ping(Duration.ofSeconds(2))) {
                if (!process.isAlive() || System.nanoTime() > until) {
                    String out = Files.exists(dir.resolve("clamd.out")) ? Files.readString(dir.resolve("clamd.out")) : "";
                    close();
                    throw new IllegalStateException("clamd did not start: " + out);
                }
                Thread.sleep(100);
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }
}
