package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;
import org.streamail.testsupport.LinearWork;

/**
 * Fuzzes the archive/document walker and the HTML/text inspectors. In {@code mvn test} the seeds under
 * {@code src/test/resources/.../WalkerFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=WalkerFuzzTest#<method>} fuzzes. Nothing may escape the detector: bad input
 * must become findings.
 *
 * <p>{@link #cssAndBase64Scans} aims at the text and HTML scans (script in CSS read through comments and escapes,
 * meta refresh, base64 archives walked apart): a fuzzed fragment repeated inside a style attribute, a style sheet,
 * a meta refresh or a text that starts with the base64 of a ZIP holding a program, up to 128 Ki characters (within
 * the 200 000 the CSS reading keeps, so a quadratic reading shows in the ratio). The same message must give the
 * same findings twice, and the work must grow linearly: the message is read with the fragment repeated {@code n}
 * and {@code n / 8} times, and the larger read may not take more than 24 times the smaller (a ratio, not a
 * wall-clock limit; a linear scan takes about 8 times, a quadratic one 64). Fuzz it with Jazzer's regex hooks off:
 * {@code JAZZER_DISABLED_HOOKS=com.code_intelligence.jazzer.sanitizers.RegexRoadblocks:com.code_intelligence.jazzer.sanitizers.RegexInjection}.
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

    private static final int MAX_GROWN = 128 * 1024;
    /** Time enough that a linear scan of {@link #MAX_GROWN} never stops at the deadline, even instrumented. */
    private static final Settings ROOMY = new Settings(4, 2_000, 64L * 1024 * 1024, 100, 1024 * 1024,
            8 * 1024 * 1024, 1024 * 1024, 600_000, 100, null, null);
    /** A ZIP holding a program, as base64: the start {@code base64-archive} looks for. */
    private static final String ZIP_WITH_EXE = Base64.getEncoder().encodeToString(
            Samples.zip(Map.of("invoice.exe", Samples.pe())));
    /** The same ZIP as hex: the start the hex side of {@code base64-archive} looks for. */
    private static final String ZIP_WITH_EXE_HEX = java.util.HexFormat.of().formatHex(
            Samples.zip(Map.of("invoice.exe", Samples.pe())));
    private static final String[] OPENINGS = {
        "<div style=\"", "<style>", "<p style=\"background:url(", "<a href=\"#\" style=\"behavior:url(",
        "<meta http-equiv=\"refresh\" content=\"0; url=", "<b style=\"e\\78pression(", "<i style='/*",
        ZIP_WITH_EXE, "UEsDB", ZIP_WITH_EXE_HEX, "504b0304", "50 4b 03 04 ", ""};

    @FuzzTest(maxDuration = "60s")
    void cssAndBase64Scans(FuzzedDataProvider in) {
        String opening = in.pickValue(OPENINGS);
        int mode = in.consumeInt(0, 2);
        int reps = 1 << in.consumeInt(0, 19);
        String head = in.consumeString(in.consumeInt(0, 256));
        String unit = in.consumeString(in.consumeInt(1, 64));
        String tail = in.consumeRemainingAsString();
        String small = grown(opening, head, unit.isEmpty() ? " " : unit, reps, 8, tail);
        String large = grown(opening, head, unit.isEmpty() ? " " : unit, reps, 1, tail);
        LinearWork.check("chars", small.length(), () -> checkScan(mode, small),
                large.length(), () -> checkScan(mode, large));
    }

    private static String grown(String opening, String head, String unit, int reps, int divisor, String tail) {
        StringBuilder b = new StringBuilder(opening).append(head);
        int n = Math.min(reps, (MAX_GROWN - b.length()) / unit.length()) / divisor;
        for (int i = 0; i < n; i++) {
            b.append(unit);
        }
        return b.append(tail).toString();
    }

    private static void checkScan(int mode, String text) {
        String css = HtmlInspector.css(text);
        assertThat(css.length()).isLessThanOrEqualTo(3 * Math.min(text.length(), 200_000));
        List<Finding> first = scanRoomy(mode, text);
        assertThat(first).isNotNull().allMatch(f -> f.detector().equals("content"))
                .hasSizeLessThanOrEqualTo(ROOMY.maxFindings() + 1);
        if (first.stream().noneMatch(f -> f.rule().equals(Rule.SCAN_INCOMPLETE.id()))) {
            assertThat(scanRoomy(mode, text)).as("the same message scanned again").isEqualTo(first);
        }
    }

    private static List<Finding> scanRoomy(int mode, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ParsedMessage message = switch (mode) {
            case 0 -> Samples.message("", text);
            case 1 -> Samples.message(text, "");
            default -> Samples.message("", "", Samples.attachment("d.html", "d.html", "text/html", bytes));
        };
        return new ContentDetector(ROOMY).scan(message, Instant.now().plusSeconds(600));
    }
}
