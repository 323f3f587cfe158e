package org.streamail.core.internal.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import org.streamail.api.model.ParsedMessage;
import org.streamail.testsupport.LinearWork;

/**
 * Fuzzes the parser used at DATA. In {@code mvn test} the seeds under
 * {@code src/test/resources/.../MimeParserFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=MimeParserFuzzTest#<method>} fuzzes. Whatever the bytes, the parser returns
 * a view within its limits or throws {@link MalformedMessageException}; no other exception escapes (Jakarta Mail
 * throws IndexOutOfBoundsException on some header shapes: those must become "malformed"). The work on a repeated
 * fragment must grow linearly; fuzz {@link #parseRepeatedFragment} with Jazzer's regex hooks off, or each run of a
 * megabyte takes seconds:
 * {@code JAZZER_DISABLED_HOOKS=com.code_intelligence.jazzer.sanitizers.RegexRoadblocks:com.code_intelligence.jazzer.sanitizers.RegexInjection}.
 */
class MimeParserFuzzTest {

    private static final MimeParser.Limits SMALL = new MimeParser.Limits(20, 6, 4096, 50, 30);
    private static final MimeParser PARSER = new MimeParser(SMALL);
    private static final MimeParser DEFAULT = new MimeParser();

    @FuzzTest(maxDuration = "60s")
    void parseAnyBytes(byte[] raw) {
        if (raw == null) {
            return; // Jazzer's mutator also tries null
        }
        parse(PARSER, SMALL, raw);
        parse(DEFAULT, MimeParser.Limits.DEFAULT, raw);
    }

    /**
     * A fuzzed fragment repeated (deep nesting, many parts, long headers, long bodies) between a fuzzed head and
     * tail, read with the fragment repeated {@code n} and {@code n / 8} times: the larger read may not take more
     * than 24 times the smaller (a ratio, not a wall-clock limit: linear work takes about 8 times, quadratic 64).
     */
    @FuzzTest(maxDuration = "60s")
    void parseRepeatedFragment(FuzzedDataProvider in) {
        int reps = 1 << in.consumeInt(0, 14);
        byte[] head = in.consumeBytes(in.consumeInt(0, 512));
        byte[] unit = in.consumeBytes(in.consumeInt(1, 64));
        byte[] tail = in.consumeRemainingAsBytes();
        byte[] small = grown(head, unit, reps / 8, tail);
        byte[] large = grown(head, unit, reps, tail);
        LinearWork.check("bytes", small.length, () -> parse(PARSER, SMALL, small),
                large.length, () -> parse(PARSER, SMALL, large));
    }


    private static byte[] grown(byte[] head, byte[] unit, int reps, byte[] tail) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(head);
        for (int i = 0; i < reps && unit.length > 0; i++) {
            b.writeBytes(unit);
        }
        b.writeBytes(tail);
        return b.toByteArray();
    }

    private static void parse(MimeParser parser, MimeParser.Limits limits, byte[] raw) {
        ParsedMessage m;
        try {
            m = parser.parse(raw);
        } catch (MalformedMessageException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            return;
        }
        assertThat(m.textBody().length()).isLessThanOrEqualTo(limits.maxBodyChars());
        assertThat(m.htmlBody().length()).isLessThanOrEqualTo(limits.maxBodyChars());
        assertThat(m.links()).hasSizeLessThanOrEqualTo(limits.maxLinks());
        assertThat(m.attachments()).hasSizeLessThanOrEqualTo(limits.maxParts());
        assertThat(m.headers()).hasSizeLessThanOrEqualTo(limits.maxHeaders());
        assertThat(m.size()).isEqualTo(raw.length);
    }
}
