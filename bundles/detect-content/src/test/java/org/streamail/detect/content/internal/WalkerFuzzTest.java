package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.streamail.api.model.Finding;

/**
 * Fuzzes the archive/document walker and the HTML/text inspectors. In {@code mvn test} the seeds under
 * {@code src/test/resources/.../WalkerFuzzTestInputs/walkerNeverThrows/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=WalkerFuzzTest} fuzzes. Nothing may escape the detector: bad input
 * must become findings.
 */
class WalkerFuzzTest {
    private static final String[] NAMES = {"a.zip", "b.docx", "c.pdf", "d.html", "e.tar.gz", "f.7z", "g.doc", "h.rtf",
            "i.one", "j.txt", "k.pdf.exe", "l\u202Egpj.exe", ""};
    private static final Settings SETTINGS = new Settings(4, 2_000, 64L * 1024 * 1024, 100, 1024 * 1024,
            8 * 1024 * 1024, 256 * 1024, 3_000, 100, null, null);

    @FuzzTest(maxDuration = "30s")
    void walkerNeverThrows(FuzzedDataProvider in) {
        int mode = in.consumeInt(0, 2);
        String name = NAMES[in.consumeInt(0, NAMES.length - 1)];
        byte[] data = in.consumeRemainingAsBytes();
        ContentDetector detector = new ContentDetector(SETTINGS);
        String text = new String(data, StandardCharsets.UTF_8);
        var message = switch (mode) {
            case 0 -> Samples.message("", "", Samples.attachment(name, "application/octet-stream", data));
            case 1 -> Samples.message("", text);
            default -> Samples.message(text, "", Samples.attachment(name, name, "text/html", data));
        };
        List<Finding> findings = detector.scan(message, Instant.now().plusSeconds(5));
        assertThat(findings).isNotNull().allMatch(f -> f.detector().equals("content"));
    }
}
