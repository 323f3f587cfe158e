package org.streamail.core.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForeignFieldsTest {

    private static String neutralised(String message) {
        return new String(ForeignFields.neutralise(message.getBytes(StandardCharsets.ISO_8859_1)),
                StandardCharsets.ISO_8859_1);
    }

    @Test
    void aSignatureAFieldOfAnyCaseAndTheVerdictAreRenamedInPlace() {
        String in = "From: a@far.example\r\nX-Streamail-Retention-Sig: v=1; t=P1D; m=no; mid=<x@y>; s=abc\r\n"
                + "x-streamail-disarmed: Q1\r\nSubject: hi\r\nX-STREAMAIL-VERDICT: TAG SPAM\r\n\r\nbody\r\n";
        String out = neutralised(in);
        assertThat(out).isEqualTo(in.replace("X-Streamail-Retention-Sig", "X-Untrusted-Retention-Sig")
                .replace("x-streamail-disarmed", "X-Untrusted-disarmed").replace("X-STREAMAIL-VERDICT",
                        "X-Untrusted-VERDICT"));
        assertThat(out).hasSameSizeAs(in);
    }

    @ParameterizedTest(name = "renamed: {0}")
    @ValueSource(strings = {
            "Subject: a\nX-Streamail-Retention-Sig: v=1\n\nbody\n",                      // LF line ends
            "Subject: a\rX-Streamail-Retention-Sig: v=1\r\n\r\nbody\r\n",                // after a bare CR
            "Subject: a\r\nX-Streamail-Retention-Sig : v=1\r\n\r\nbody\r\n",            // blank before the colon
            "Subject: a\r\nX-Streamail-Retention-Sig\t:v=1\r\n\r\nbody\r\n",
            "X-Streamail-Retention-Sig: v=1\r\nSubject: a\r\n\r\nbody\r\n"})              // first field
    void everySpellingAReaderCouldTakeForTheFieldIsRenamed(String in) {
        String out = neutralised(in);
        assertThat(out).doesNotContainIgnoringCase("X-Streamail-").contains("X-Untrusted-Retention-Sig")
                .hasSameSizeAs(in);
    }

    @ParameterizedTest(name = "kept: {0}")
    @ValueSource(strings = {
            "Subject: X-Streamail-Retention-Sig: inside a value\r\n\r\nbody\r\n",
            "Subject: a\r\n folded X-Streamail-Retention-Sig: no\r\n\r\nbody\r\n",
            "Subject: a\r\n\r\nX-Streamail-Retention-Sig: in the body\r\n",
            "Subject: a\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nX-Streamail-Verdict: TAG\r\n\r\nx\r\n",
            "Subject: a\r\nX-Streamail-Retention-Sig no colon\r\n\r\nbody\r\n",
            "Subject: a\r\nX-Streamailer: not ours\r\n\r\nbody\r\n"})
    void valuesBodiesNestedMessagesAndOtherNamesAreLeftAlone(String in) {
        byte[] raw = in.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(ForeignFields.neutralise(raw)).as("the same array: nothing to rename").isSameAs(raw);
    }

    @Test
    void aMessageWithoutABlankLineIsReadAsAllHeaderAndAnEmptyOneIsKept() {
        assertThat(neutralised("Subject: a\r\nX-Streamail-Verdict: TAG")).isEqualTo("Subject: a\r\nX-Untrusted-Verdict: TAG");
        byte[] empty = new byte[0];
        assertThat(ForeignFields.neutralise(empty)).isSameAs(empty);
        byte[] prefixOnly = "X-Streamail-".getBytes(StandardCharsets.US_ASCII);
        assertThat(ForeignFields.neutralise(prefixOnly)).isSameAs(prefixOnly);
    }
}
