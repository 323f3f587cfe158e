package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InternalHopsTest {

    private static String scrub(String message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InternalHops.copy(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void receivedAndClientAddressFieldsGoWithTheirFoldedLinesWhateverTheirCase() throws Exception {
        assertThat(scrub("RECEIVED: from a ([10.0.0.1])\r\n\tby b\r\n  with ESMTP\r\nSubject: s\r\n"
                + "x-originating-ip: [10.0.0.2]\r\nX-Forwarded-For: 10.0.0.3\r\nReceived-SPF: pass\r\n\r\nbody\r\n"))
                .isEqualTo("Subject: s\r\nReceived-SPF: pass\r\n\r\nbody\r\n");
    }

    @Test
    void theInternalFieldsTheFourthAuditFoundGoAndSignedOrUsefulOnesStay() throws Exception {
        String kept = "DKIM-Signature: v=1; d=example.org; h=from:to:subject; b=abc\r\n"
                + "ARC-Seal: i=1; a=rsa-sha256; d=example.org; b=def\r\nDelivered-To: alice@example.org\r\n"
                + "Received-SPF: pass\r\nX-Mailer: Outlook\r\nFrom: alice@example.org\r\n";
        String hidden = "X-Received: from mail.corp.internal by 10.1.2.4\r\nX-Originating-Host: ws9\r\n"
                + "X-Forwarded-Server: proxy.corp.internal\r\nX-Forwarded-Host: owa.corp.internal\r\n"
                + "Via: 1.1 proxy.corp.internal\r\nX-MS-Exchange-Transport-EndToEndLatency: 00:00:01\r\n"
                + "X-Spam-Status: No, hostname=filter.corp.internal\r\nX-Spam-Score: 0.1\r\n"
                + "Authentication-Results: mail.corp.internal; auth=pass smtp.auth=alice\r\n"
                + "X-Authenticated-Sender: alice\r\nX-Sender: alice@ws9.corp.internal\r\n";
        assertThat(scrub(hidden + kept + "\r\nbody\r\n")).isEqualTo(kept + "\r\nbody\r\n");
    }

    @Test
    void theBodyIsNeverTouchedEvenWhenItLooksLikeAHeader() throws Exception {
        String body = "Received: from x\r\nX-Originating-IP: 1.2.3.4\r\n\r\nmore\r\n";
        assertThat(scrub("From: a@b\r\n\r\n" + body)).isEqualTo("From: a@b\r\n\r\n" + body);
    }

    @Test
    void aMessageThatIsAllHeaderOrStartsWithItsBlankLineIsHandled() throws Exception {
        assertThat(scrub("Received: x\r\nFrom: a@b\r\n")).isEqualTo("From: a@b\r\n");
        assertThat(scrub("\r\nReceived: body\r\n")).isEqualTo("\r\nReceived: body\r\n");
        assertThat(scrub("Received: x\nFrom: a@b\n\nReceived: body\n")).isEqualTo("From: a@b\n\nReceived: body\n");
    }

    @Test
    void aHeaderOfAnyLengthIsScrubbedAndALongFoldedHiddenFieldGoesWhole() throws Exception {
        // Third audit: past a 1 MiB header the old scrubber sent everything unchanged.
        String pad = "X-Pad: a\r\n" + (" " + "b".repeat(900) + "\r\n").repeat(1200);
        String longReceived = "Received: from ws ([10.1.2.3])" + "c".repeat(5000) + "\r\n\t" + "d".repeat(3000)
                + "\r\n";
        String msg = pad + longReceived + "X-Originating-IP: [10.1.2.3]\r\nSubject: s\r\n\r\nbody\r\n";
        assertThat(scrub(msg)).isEqualTo(pad + "Subject: s\r\n\r\nbody\r\n");
    }

    @Test
    void exchangeOrganisationFieldsAndOurOwnVerdictFieldsGoToo() throws Exception {
        assertThat(scrub("X-MS-Exchange-Organization-AuthSource: exch01.corp.internal\r\n"
                + "X-Streamail-Verdict: TAG PHISHING\r\nX-Streamail-Score: 6.0\r\nX-MS-Has-Attach: yes\r\n"
                + "\r\nbody\r\n")).isEqualTo("X-MS-Has-Attach: yes\r\n\r\nbody\r\n");
    }
}
