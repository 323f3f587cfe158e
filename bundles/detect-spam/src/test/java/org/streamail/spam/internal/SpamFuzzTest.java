package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.streamail.testsupport.LinearWork;

/**
 * Fuzzes what turns hostile bytes into spam features: {@link MimeText}, {@link Tokenizer} (with {@link MailTraits}),
 * {@link Fuzzy} and {@link MailShape}, the way {@code SpamEngine.features} chains them. In {@code mvn test} the seeds
 * under {@code src/test/resources/.../SpamFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=SpamFuzzTest} fuzzes. What must always hold: nothing is thrown, every output
 * is within its documented bound, the same bytes give the same features twice, and the work grows linearly with
 * the input: the repeated targets grow one fuzzed fragment into a message of up to 1 MiB and read it with the
 * fragment repeated {@code n} and {@code n / 8} times; a quadratic scan takes about 64 times as long for the larger
 * one, a linear one 8 times (a ratio, not a wall-clock limit, because the fuzzer's hooks slow every call down).
 * Fuzz the two repeated targets with Jazzer's regex hooks off, or each run of a megabyte takes seconds:
 * {@code JAZZER_DISABLED_HOOKS=com.code_intelligence.jazzer.sanitizers.RegexRoadblocks:com.code_intelligence.jazzer.sanitizers.RegexInjection}.
 */
class SpamFuzzTest {

    private static final int MAX_GROWN = 1024 * 1024;

    @FuzzTest(maxDuration = "60s")
    void featuresOfAnyBytes(byte[] raw) {
        if (raw == null) {
            return; // Jazzer's mutator also tries null
        }
        check(raw);
    }

    /** A fuzzed header, one fuzzed fragment repeated many times, and a fuzzed tail. */
    @FuzzTest(maxDuration = "60s")
    void featuresOfRepeatedFragment(FuzzedDataProvider in) {
        Grown g = grown(in);
        checkLinear(g, "", MAX_GROWN);
    }

    /** Header field values and HTML, the places with patterns and scans, with one fragment repeated. */
    @FuzzTest(maxDuration = "60s")
    void headerAndHtmlScans(FuzzedDataProvider in) {
        String field = in.pickValue(new String[] {"From", "Subject", "Message-ID", "Received", "Reply-To", "Date",
                "Content-Type", "To", "X-Mailer", "Return-Path", "List-Id", "List-Unsubscribe"});
        boolean html = in.consumeBoolean();
        checkLinear(grown(in), field + ": " + (html ? "x\r\nContent-Type: text/html\r\n\r\n" : ""), 512 * 1024);
    }

    /** Head, unit repeated, tail: the parts of a grown message. */
    private record Grown(byte[] head, byte[] unit, int reps, byte[] tail) {
        byte[] bytes(String prefix, int max, int divisor) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(prefix.getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(head);
            int n = Math.min(reps, (max - b.size()) / unit.length) / divisor;
            for (int i = 0; i < n; i++) {
                b.writeBytes(unit);
            }
            b.writeBytes(tail);
            return b.toByteArray();
        }
    }

    private static Grown grown(FuzzedDataProvider in) {
        int reps = 1 << in.consumeInt(0, 20); // mostly small, sometimes up to the limit
        byte[] head = in.consumeBytes(in.consumeInt(0, 512));
        byte[] unit = in.consumeBytes(in.consumeInt(1, 64));
        byte[] tail = in.consumeRemainingAsBytes();
        return new Grown(head, unit.length == 0 ? new byte[] {'a'} : unit, reps, tail);
    }

    private static void checkLinear(Grown g, String prefix, int max) {
        byte[] small = g.bytes(prefix, max, 8);
        byte[] large = g.bytes(prefix, max, 1);
        LinearWork.check("bytes", small.length, () -> check(small), large.length, () -> check(large));
    }

    private static void check(byte[] raw) {
        MailShape.problem(raw);
        MimeText.Extracted ex = MimeText.read(raw);
        assertThat(ex.text().length()).isLessThanOrEqualTo(MimeText.MAX_TEXT + 1);
        assertThat(ex.linkHosts()).hasSizeLessThanOrEqualTo(MimeText.MAX_LINKS);
        assertThat(ex.parts()).hasSizeLessThanOrEqualTo(MimeText.MAX_PARTS);
        assertThat(ex.structure()).hasSizeLessThanOrEqualTo(MimeText.MAX_PARTS);
        assertThat(ex.headers()).hasSizeLessThanOrEqualTo(MimeText.MAX_HEADERS);

        List<String> words = Fuzzy.words(ex.header("Subject") + "\n" + ex.text());
        assertThat(words).hasSizeLessThanOrEqualTo(Fuzzy.MAX_WORDS);
        int[] sig = Fuzzy.signature(words);
        assertThat(sig.length).isIn(0, Fuzzy.HASHES);
        String reference = Fuzzy.referenceId(words, ex.parts().stream().map(MimeText.Part::sha256).toList());
        assertThat(reference).hasSize(16);

        Set<Tokenizer.Family> all = java.util.EnumSet.allOf(Tokenizer.Family.class);
        long[] features = Tokenizer.features(ex);
        long[] everything = Tokenizer.features(ex, all);
        assertThat(features.length).isLessThanOrEqualTo(Tokenizer.MAX_FEATURES);
        assertThat(everything.length).isLessThanOrEqualTo(Tokenizer.MAX_FEATURES);
        assertThat(new HashSet<>(Arrays.asList(Arrays.stream(features).boxed().toArray()))).hasSize(features.length);
        Set<Long> wanted = new HashSet<>();
        for (int i = 0; i < Math.min(10, features.length); i++) {
            wanted.add(features[i]);
        }
        assertThat(Tokenizer.labels(ex, Tokenizer.DEFAULT, wanted).keySet()).isSubsetOf(wanted);

        // deterministic: the same bytes, the same everything
        MimeText.Extracted again = MimeText.read(raw);
        assertThat(again).isEqualTo(ex);
        assertThat(Tokenizer.features(again)).isEqualTo(features);
        assertThat(Tokenizer.features(again, all)).isEqualTo(everything);
        List<String> words2 = Fuzzy.words(again.header("Subject") + "\n" + again.text());
        assertThat(Fuzzy.signature(words2)).isEqualTo(sig);
        assertThat(Fuzzy.referenceId(words2, again.parts().stream().map(MimeText.Part::sha256).toList()))
                .isEqualTo(reference);
    }
}
