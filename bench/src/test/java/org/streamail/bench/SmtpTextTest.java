package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpTextTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void everyKindOfLineEndingBecomesCrlf() {
        assertThat(s(SmtpText.toCrlf(b("a\nb\r\nc\rd")))).isEqualTo("a\r\nb\r\nc\r\nd\r\n");
        assertThat(s(SmtpText.toCrlf(b("a\r\n")))).isEqualTo("a\r\n");
        assertThat(s(SmtpText.toCrlf(b("a\n\n")))).isEqualTo("a\r\n\r\n");
    }

    @Test
    void linesStartingWithADotGetAnotherOne() {
        assertThat(s(SmtpText.dotStuff(b(".x\r\nmid.dle\r\n.\r\n..\r\n"))))
                .isEqualTo("..x\r\nmid.dle\r\n..\r\n...\r\n");
    }

    @Test
    void headerLookupStopsAtTheBody() {
        byte[] msg = b("Subject: x\r\nmessage-id: <1@x>\r\n\r\nMessage-ID: <in body>\r\n");
        assertThat(SmtpText.hasHeader(msg, "Message-ID")).isTrue();
        byte[] bodyOnly = b("Subject: x\r\n\r\nMessage-ID: <in body>\r\n");
        assertThat(SmtpText.hasHeader(bodyOnly, "Message-ID")).isFalse();
        assertThat(SmtpText.hasHeader(b("Message-IDX: 1\r\n\r\n"), "Message-ID")).isFalse();
    }
}
