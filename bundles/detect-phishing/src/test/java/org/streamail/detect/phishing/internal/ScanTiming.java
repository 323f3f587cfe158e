package org.streamail.detect.phishing.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.streamail.api.detect.Inspection;

/**
 * Timing harness for the lead (not a test): scans the labelled corpus (or a folder of .eml files given as
 * the first argument) repeatedly on one thread and prints messages per second and latency percentiles of
 * {@code inspect} alone (parsing excluded).
 *
 * <pre>
 * mvn -q -o test-compile
 * java -cp "target/classes:target/test-classes:$(mvn -q -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" \
 *   org.streamail.detect.phishing.internal.ScanTiming [folder] [rounds]
 * </pre>
 */
public final class ScanTiming {

    private ScanTiming() {
    }

    public static void main(String[] args) throws Exception {
        Path root = args.length > 0 ? Path.of(args[0]) : Path.of("src/test/resources/corpus");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        List<Inspection> inspections = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 3)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".eml")).sorted().toList()) {
                inspections.add(Fixtures.inspection(Fixtures.read(p)));
            }
        }
        if (inspections.isEmpty()) {
            System.err.println("no .eml files under " + root);
            return;
        }
        Path rules = Files.createTempDirectory("phishing-rules");
        PhishingDetector d = Fixtures.detector(rules, 0);
        try {
            for (int i = 0; i < 5; i++) {
                for (Inspection in : inspections) {
                    d.inspect(in);
                }
            }
            long[] nanos = new long[rounds * inspections.size()];
            int k = 0;
            long start = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                for (Inspection in : inspections) {
                    long t0 = System.nanoTime();
                    d.inspect(in);
                    nanos[k++] = System.nanoTime() - t0;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(nanos);
            System.out.printf("phishing detector: %d messages x %d rounds, one thread%n", inspections.size(), rounds);
            System.out.printf("throughput: %.0f msg/s%n", nanos.length / seconds);
            System.out.printf("latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", nanos[nanos.length / 2] / 1e6,
                    nanos[(int) (nanos.length * 0.99)] / 1e6, nanos[nanos.length - 1] / 1e6);
        } finally {
            d.deactivate();
        }
    }
}
