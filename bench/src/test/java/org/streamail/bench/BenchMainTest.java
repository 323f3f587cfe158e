package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BenchMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aDirectRunPrintsTheFiguresBlock() {
        int rc = run("smtp", "--direct", "--sink-port", "0", "-n", "200", "--warmup", "20", "-c", "2");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(text + err).isEqualTo(BenchMain.EXIT_OK);
        assertThat(text).contains("----- streamail-bench smtp -----")
                .contains("accepted        200 / 200")
                .contains("delivered       200 at the sink  (missing 0, duplicates 0")
                .containsPattern("end to end      \\d+\\.\\d msg/s")
                .containsPattern("accept latency  p50 [\\d.]+ ms  p95 [\\d.]+ ms  p99 [\\d.]+ ms")
                .doesNotContain("WARNING");
    }

    @Test
    void aBadCommandLineExitsWith2AndSaysWhy() {
        assertThat(run("smtp", "-c", "-1")).isEqualTo(BenchMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--concurrency must be 1..1024");
    }

    @Test
    void aGatewayThatIsDownExitsWith3() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(run("smtp", "--port", String.valueOf(port), "--sink-port", "0")).isEqualTo(BenchMain.EXIT_UNREACHABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no SMTP server answers");
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: java -jar streamail-bench.jar MODE");
    }
}
