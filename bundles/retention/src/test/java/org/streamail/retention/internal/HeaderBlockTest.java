package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderBlockTest {

    /**
     * Found by RetentionFuzzTest: the empty line ending the header section was written in the first line's style,
     * so a message whose first line ends in LF and whose separator is CRLF (or the reverse) lost or gained a CR
     * on a rewrite that should leave every untouched byte as it was.
     */
    @ParameterizedTest
    @ValueSource(strings = {"From: a@b.test\nSubject: x\r\n\r\nbody\r\n", "From: a@b.test\r\nSubject: x\n\nbody\n",
        "From: a@b.test\r\0\nSubject: a\r\n\r\nbody", "From: a@b.test\r\n\r\n", "From: a@b.test\n\n"})
    void aRewriteThatChangesNothingKeepsTheSeparatorAsItWas(String message) throws Exception {
        byte[] raw = message.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(HeaderBlock.parse(raw).rewrite(List.of(), List.of())).isEqualTo(raw);
    }

    @ParameterizedTest
    @ValueSource(strings = {"From: a@b.test\nX-Streamail-Retention-Sig: v=1\r\n\r\nbody", "From: a@b.test\n"
        + "X-Streamail-Retention-Sig: v=1\n\nbody"})
    void removingAFieldLeavesTheSeparatorAndBodyAlone(String message) throws Exception {
        byte[] raw = message.getBytes(StandardCharsets.ISO_8859_1);
        String out = new String(HeaderBlock.parse(raw).rewrite(List.of("X-Streamail-Retention-Sig"), List.of()),
                StandardCharsets.ISO_8859_1);
        assertThat(out).isEqualTo(message.replace("X-Streamail-Retention-Sig: v=1" + (message.contains("1\r\n") ? "\r\n"
                : "\n"), ""));
    }
}
