package org.streamail.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Detector;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.service.ScanResult;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.TestDetector;

class PipelineTest {

    private Pipeline pipeline;

    private Pipeline pipeline(String mandatory, Duration timeout, Detector... detectors) {
        Policy policy = Policy.fixed(PolicyRules.parse(5, 8, 15, mandatory, "MALFORMED=QUARANTINE", "", "QUARANTINE"));
        pipeline = new Pipeline(policy, new PipelineSettings(4, timeout, Duration.ofSeconds(5), 1 << 20),
                List.of(detectors));
        return pipeline;
    }

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void findingsOfAllDetectorsAreSummedByThePolicy() {
        Pipeline p = pipeline("", Duration.ofSeconds(5), new TestDetector("a"), new TestDetector("b"));
        ScanResult r = p.scan(Mail.envelope(), Mail.message("SCORE 4"));
        assertThat(r.verdict().score()).isEqualTo(8.0);
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.verdict().findings()).extracting(Finding::detector).containsExactly("a", "b");
        assertThat(r.subject()).isEqualTo("SCORE 4");
    }

    /**
     * A detector that overruns and ignores its interruption (a regex backtracking for minutes) keeps its thread. With
     * every thread so held, each later message had all its detectors time out; its thread is now replaced, the
     * gateway's status names the detector, and the extra thread goes once the run ends.
     */
    @Test
    void aDetectorThatIgnoresItsInterruptionDoesNotTakeTheThreadsOfLaterMessages() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Detector stubborn = new Detector() {
            @Override
            public String name() {
                return "stubborn";
            }

            @Override
            public List<Finding> inspect(org.streamail.api.detect.Inspection in) {
                if (in.message().subject().contains("STUCK")) {
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            // a detector that does not stop when told
                        }
                    }
                }
                return List.of(new Finding("stubborn", "seen", 1.0, Category.SPAM, "looked at it"));
            }
        };
        Policy policy = Policy.fixed(PolicyRules.parse(5, 8, 15, "", "MALFORMED=QUARANTINE", "", "QUARANTINE"));
        pipeline = new Pipeline(policy, new PipelineSettings(1, Duration.ofMillis(300), Duration.ofSeconds(5), 1 << 20),
                List.of(stubborn));
        try {
            assertThat(pipeline.scan(Mail.envelope(), Mail.message("STUCK")).verdict().findings())
                    .extracting(Finding::rule).containsExactly("timeout");
            assertThat(pipeline.overrunningDetectors()).singleElement().asString().contains("'stubborn'");

            for (int i = 0; i < 3; i++) {
                assertThat(pipeline.scan(Mail.envelope(), Mail.message("hello " + i)).verdict().findings())
                        .as("a later message still gets its detector").extracting(Finding::rule).containsExactly("seen");
            }
        } finally {
            release.countDown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pipeline.overrunningDetectors().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pipeline.overrunningDetectors()).isEmpty();
    }

    @Test
    void slowDetectorTimesOutIsInterruptedAndYieldsATimeoutError() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Detector slow = new Detector() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public List<Finding> inspect(org.streamail.api.detect.Inspection in) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return List.of();
            }
        };
        Pipeline p = pipeline("", Duration.ofMillis(200), slow, new TestDetector("fast"));
        long t0 = System.nanoTime();
        ScanResult r = p.scan(Mail.envelope(), Mail.message("SCORE 1"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(r.verdict().findings()).anySatisfy(f -> {
            assertThat(f.detector()).isEqualTo("slow");
            assertThat(f.rule()).isEqualTo("timeout");
            assertThat(f.category()).isEqualTo(Category.ERROR);
        });
        assertThat(r.verdict().findings()).anyMatch(f -> f.detector().equals("fast") && f.score() == 1.0);
        assertThat(interrupted.await(2, TimeUnit.SECONDS)).as("slow detector interrupted").isTrue();
        // not mandatory: the timeout only counts, it does not quarantine
        assertThat(r.verdict().action()).isEqualTo(Action.DELIVER);
    }

    @Test
    void timeoutOfAMandatoryDetectorQuarantines() {
        Pipeline p = pipeline("a", Duration.ofMillis(100), new TestDetector("a"));
        ScanResult r = p.scan(Mail.envelope(), Mail.message("SLEEP 3000"));
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.verdict().reason()).isEqualTo("mandatory detector 'a' timeout -> QUARANTINE");
    }

    @Test
    void throwingDetectorYieldsAnErrorFindingAndOthersStillRun() {
        Pipeline p = pipeline("", Duration.ofSeconds(5), new TestDetector("thrower"), new Detector() {
            @Override
            public String name() {
                return "other";
            }

            @Override
            public List<Finding> inspect(org.streamail.api.detect.Inspection in) {
                return List.of(new Finding("other", "seen", 0.5, Category.INFO, ""));
            }
        });
        ScanResult r = p.scan(Mail.envelope(), Mail.message("THROW"));
        assertThat(r.verdict().findings()).anySatisfy(f -> {
            assertThat(f.detector()).isEqualTo("thrower");
            assertThat(f.rule()).isEqualTo("error");
            assertThat(f.detail()).contains("IllegalStateException: boom");
        });
        assertThat(r.verdict().findings()).anyMatch(f -> f.rule().equals("seen"));
    }

    @Test
    void missingMandatoryDetectorMakesIntakeUnavailableAndScansQuarantine() {
        Pipeline p = pipeline("content", Duration.ofSeconds(5), new TestDetector("spam"));
        assertThat(p.unavailableReason()).contains("mandatory detector 'content' is not available");
        ScanResult r = p.scan(Mail.envelope(), Mail.message("hello"));
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.verdict().findings()).anyMatch(f -> f.detector().equals("content") && f.rule().equals("unavailable"));

        p.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
        assertThat(p.unavailableReason()).isEmpty();
        assertThat(p.scan(Mail.envelope(), Mail.message("hello")).verdict().action()).isEqualTo(Action.DELIVER);
    }

    @Test
    void anAttachmentNestedPastTheDepthLimitIsNeverPassedUnscanned() {
        Pipeline p = pipeline("", Duration.ofSeconds(5), new TestDetector("a"));
        StringBuilder sb = new StringBuilder("From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
        int depth = 25;
        for (int i = 0; i < depth; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        sb.append("Content-Type: application/octet-stream; name=invoice.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .append("TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            sb.append("--b").append(i).append("--\r\n");
        }
        ScanResult r = p.scan(Mail.envelope(), sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.verdict().findings()).anySatisfy(f -> {
            assertThat(f.qualifiedRule()).isEqualTo("core/uninspected");
            assertThat(f.category()).isEqualTo(Category.MALFORMED);
            assertThat(f.detail()).startsWith("parts of the message were not inspected: MIME nesting deeper than 20");
        });

        // a plain message has no such finding and is delivered
        ScanResult ok = p.scan(Mail.envelope(), Mail.message("hello"));
        assertThat(ok.verdict().findings()).noneMatch(f -> f.rule().equals("uninspected"));
        assertThat(ok.verdict().action()).isEqualTo(Action.DELIVER);
    }

    @Test
    void malformedMessageIsQuarantinedWithACoreFindingAndDetectorsAreNotRun() {
        Pipeline p = pipeline("", Duration.ofSeconds(5), new TestDetector("a"));
        ScanResult r = p.scan(Mail.envelope(), " \r\n \r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.verdict().findings()).singleElement().satisfies(f -> {
            assertThat(f.detector()).isEqualTo("core");
            assertThat(f.rule()).isEqualTo("malformed");
            assertThat(f.category()).isEqualTo(Category.MALFORMED);
        });
    }

    @Test
    void malformedIsQuarantinedEvenIfCategoryActionsForgetIt() {
        Policy lax = Policy.fixed(PolicyRules.parse(5, 8, 15, "", "SPAM=TAG", "", "QUARANTINE"));
        pipeline = new Pipeline(lax, PipelineSettings.defaults(), List.of());
        assertThat(pipeline.scan(Mail.envelope(), new byte[0]).verdict().action()).isEqualTo(Action.QUARANTINE);
    }

    @Test
    void anAttachmentPastTheDepthLimitIsQuarantinedEvenIfCategoryActionsForgetMalformed() {
        Policy lax = Policy.fixed(PolicyRules.parse(5, 8, 15, "", "SPAM=TAG", "", "QUARANTINE"));
        pipeline = new Pipeline(lax, PipelineSettings.defaults(), List.of(new TestDetector("a")));
        StringBuilder sb = new StringBuilder("From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
        for (int i = 0; i < 25; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        sb.append("Content-Type: application/octet-stream; name=invoice.exe\r\n\r\nMZ\r\n");
        for (int i = 24; i >= 0; i--) {
            sb.append("--b").append(i).append("--\r\n");
        }
        ScanResult r = pipeline.scan(Mail.envelope(), sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(r.verdict().findings()).anyMatch(f -> f.qualifiedRule().equals("core/uninspected"));
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
    }

    @Test
    void detectorsAreStillRunWhenTheThreadCountChangesDuringAScan() throws Exception {
        CountDownLatch inScan = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        Detector gate = new Detector() {
            @Override
            public String name() {
                if (armed.compareAndSet(true, false)) {
                    // the scan has taken its executor and is naming the detectors: the configuration changes now
                    inScan.countDown();
                    try {
                        go.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return "gate";
            }

            @Override
            public List<Finding> inspect(org.streamail.api.detect.Inspection in) {
                return List.of();
            }
        };
        Pipeline p = pipeline("", Duration.ofSeconds(10), gate, new TestDetector("a"));
        armed.set(true);
        java.util.concurrent.CompletableFuture<ScanResult> scan = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> p.scan(Mail.envelope(), Mail.message("SCORE 9")));
        assertThat(inScan.await(10, TimeUnit.SECONDS)).isTrue();
        java.util.Map<String, Object> props = java.util.Map.of("threads", "2");
        p.modified(org.streamail.testsupport.ShippedConfig.config(PipelineConfig.class, props), props);
        go.countDown();
        ScanResult r = scan.get(20, TimeUnit.SECONDS);
        assertThat(r.verdict().findings()).noneMatch(f -> f.category() == Category.ERROR);
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
    }

    @Test
    void anInterruptedScanGivesNoVerdict() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Detector slow = new Detector() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public List<Finding> inspect(org.streamail.api.detect.Inspection in) throws Exception {
                started.countDown();
                Thread.sleep(10_000);
                return List.of();
            }
        };
        Pipeline p = pipeline("", Duration.ofSeconds(30), slow, new TestDetector("a"));
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                outcome.set(p.scan(Mail.envelope(), Mail.message("SCORE 9")));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        t.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        t.interrupt(); // shutting down: the scan's worker is interrupted
        t.join(10_000);
        // A verdict judged without the detectors (DELIVER for score 0) would be routed and the message delivered
        // unscanned; without one the message stays spooled for the next start.
        assertThat(outcome.get()).isInstanceOf(java.util.concurrent.CancellationException.class);
    }

    @Test
    void aScanAfterThePipelineWasClosedGivesNoVerdict() {
        // Deactivation shuts the detector pool down: a scan still under way had every detector "not run" and was
        // judged without them (DELIVER unless they are mandatory).
        Pipeline p = pipeline("", Duration.ofSeconds(5), new TestDetector("a"));
        p.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.scan(Mail.envelope(), Mail.message("SCORE 9")))
                .isInstanceOf(java.util.concurrent.CancellationException.class);
    }
}
