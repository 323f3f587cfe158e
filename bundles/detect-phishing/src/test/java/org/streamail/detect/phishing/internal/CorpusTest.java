package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Finding;

/**
 * The labelled test set (src/test/resources/corpus): phishing and legitimate look-alike messages in
 * English and French, run through the detector with a policy-like threshold (sum of scores >= 8 means
 * caught). Prints the detection rate and the false positives for the lead to quote.
 */
class CorpusTest {

    static final double THRESHOLD = 8.0;

    @TempDir
    static Path rules;
    static PhishingDetector detector;
    static Fixtures.MemoryLog log = new Fixtures.MemoryLog();

    @BeforeAll
    static void start() throws IOException {
        detector = Fixtures.detector(rules, 0);
        detector.setMessageLog(log);
        // a known-bad feed, as an administrator would import it
        String feed = "# feed export\nhttps://secure-docs-share.net/\nphish-kit.example\n";
        detector.importKnownBad(new ByteArrayInputStream(feed.getBytes(StandardCharsets.UTF_8)), "test-feed");
    }

    @AfterAll
    static void stop() {
        detector.deactivate();
    }

    record Result(String name, double score, List<Finding> findings) {
    }

    static List<Result> scan(String kind) throws IOException, URISyntaxException {
        Path dir = Path.of(CorpusTest.class.getResource("/corpus/" + kind).toURI());
        List<Result> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".eml")).sorted().toList()) {
                Inspection in = Fixtures.inspection(Fixtures.read(p));
                if (in.message().header("X-Test-Seen").isPresent()) {
                    in.envelope().recipients().forEach(r -> log.seen(in.envelope().sender(), r));
                }
                List<Finding> f = detector.inspect(in);
                out.add(new Result(p.getFileName().toString(), Fixtures.total(f), f));
            }
        }
        return out;
    }

    static String describe(Result r) {
        StringBuilder sb = new StringBuilder(String.format("  %-45s %5.1f", r.name(), r.score()));
        for (Finding f : r.findings()) {
            sb.append(String.format("%n      %-28s %4.1f  %s", f.rule(), f.score(), f.detail()));
        }
        return sb.toString();
    }

    @Test
    void detectorShouldCatchAtLeastNinetyPercentOfPhishingWithAtMostOneFalsePositive() throws Exception {
        List<Result> phishing = scan("phishing");
        List<Result> legit = scan("legit");
        List<Result> missed = phishing.stream().filter(r -> r.score() < THRESHOLD).toList();
        List<Result> falsePositives = legit.stream().filter(r -> r.score() >= THRESHOLD).toList();
        double rate = 100.0 * (phishing.size() - missed.size()) / phishing.size();

        System.out.printf("%nPHISHING CORPUS: %d phishing, %d legitimate look-alikes, threshold %.1f%n",
                phishing.size(), legit.size(), THRESHOLD);
        System.out.printf("DETECTION RATE: %.1f %% (%d/%d)%n", rate, phishing.size() - missed.size(), phishing.size());
        System.out.printf("FALSE POSITIVES: %d/%d%n", falsePositives.size(), legit.size());
        if (Boolean.getBoolean("corpus.verbose")) {
            phishing.forEach(r -> System.out.println(describe(r)));
            legit.forEach(r -> System.out.println(describe(r)));
        }
        missed.forEach(r -> System.out.println("MISSED" + describe(r)));
        falsePositives.forEach(r -> System.out.println("FALSE POSITIVE" + describe(r)));

        assertThat(phishing).hasSizeGreaterThanOrEqualTo(40);
        assertThat(legit).hasSizeGreaterThanOrEqualTo(40);
        assertThat(rate).isGreaterThanOrEqualTo(90.0);
        assertThat(falsePositives).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void everyFindingShouldExplainItselfAndBelongToThePhishingDetector() throws Exception {
        for (Result r : scan("phishing")) {
            assertThat(r.findings()).as(r.name()).isNotEmpty();
            for (Finding f : r.findings()) {
                assertThat(f.detector()).isEqualTo("phishing");
                assertThat(f.detail()).as(r.name() + " " + f.rule()).hasSizeGreaterThan(20);
            }
        }
    }
}
