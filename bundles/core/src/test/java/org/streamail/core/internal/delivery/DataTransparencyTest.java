package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/**
 * The body handed to the next hop in DATA (RFC 5321 §4.5.2): lines starting with a dot are dot-stuffed, and a lone
 * dot after a bare LF or a bare CR cannot end the DATA early. The {@link ScriptedHop} ends DATA at a line that is
 * exactly "." with any line end (CRLF, LF or CR, as a lenient server does), so a dot that reached it unstuffed
 * would cut the message there.
 */
class DataTransparencyTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private ScriptedHop hop;

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.close();
        }
    }

    @Test
    void dotLinesAndBareLineEndsArriveWholeAndDoNotEndTheData() throws Exception {
        hop = new ScriptedHop((rcpt, session) -> null);
        Spool spool = new Spool(dir);
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", hop.port(), Duration.ofMinutes(10)),
                Clock.systemUTC());
        String body = "first\r\n"
                + ".\r\n" // a lone dot line
                + "..two dots\r\n"
                + ".leading dot\r\n"
                + "bare lf\n.\nafter the lf dot\r\n"
                + "bare cr\r.\rafter the cr dot\r\n"
                + "last line without a line end";
        byte[] raw = ("From: a@example.com\r\nTo: user@example.org\r\nSubject: dots\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        delivery.enqueue(spool.write("d1", "d1", Mail.envelope(), null, raw), Verdict.clean());

        hop.await(1, Duration.ofSeconds(10));
        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("d1").contains(DeliveryStatus.DELIVERED));
        String got = hop.messages.get(0).text();
        // bare LF and CR become CRLF on the wire (SMTP has no other line end); every line is there, once
        assertThat(got).endsWith("Subject: dots\r\n\r\nfirst\r\n.\r\n..two dots\r\n.leading dot\r\n"
                + "bare lf\r\n.\r\nafter the lf dot\r\nbare cr\r\n.\r\nafter the cr dot\r\nlast line without a line end\r\n");
        assertThat(hop.messages).hasSize(1);
    }
}
