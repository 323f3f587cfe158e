package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.delivery.DeliverySettings.Hop;
import org.streamail.core.internal.delivery.DeliverySettings.Tls;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.Wait;

/**
 * {@code relay.tls = may} towards a hop whose STARTTLS is broken (refused with 454, or a handshake that cannot
 * complete): the mail goes in plain text on a new connection, as RFC 7435 and Postfix's {@code may} do. It used to be
 * deferred at every retry until {@code retry.give.up} and then bounced. {@code encrypt} never falls back.
 */
class OpportunisticTlsTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private CommandHop hop;
    private Delivery delivery;
    private Spool spool;

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.close();
        }
    }

    /** STARTTLS refused, as a hop without a usable certificate or key answers it. */
    private static final CommandHop.Hook REFUSES_STARTTLS = (s, cmd) -> {
        if (cmd.equalsIgnoreCase("STARTTLS")) {
            s.reply("454 4.7.0 TLS not available due to local problem");
            return true;
        }
        return false;
    };

    /** STARTTLS accepted, then no TLS at all: the handshake fails (as with no common protocol or cipher). */
    private static final CommandHop.Hook BREAKS_HANDSHAKE = (s, cmd) -> {
        if (cmd.equalsIgnoreCase("STARTTLS")) {
            s.reply("220 2.0.0 Ready to start TLS", "this is no TLS server hello");
            s.socket.close();
            return true;
        }
        return false;
    };

    private void start(CommandHop.Hook hook, Tls tls, Duration reuse) throws Exception {
        hop = new CommandHop(true, hook);
        spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", hop.port(), Duration.ofSeconds(60))
                .withInbound(new Hop("127.0.0.1", hop.port(), dir.resolve("unused"), tls)).withRelayReuse(reuse),
                Clock.systemUTC());
    }

    private void send(String id) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message("tls " + id)), Verdict.clean());
    }

    private StatusChange firstStatus(String id) {
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void mayDeliversInPlainTextOnANewConnectionWhenStarttlsIsRefused() throws Exception {
        start(REFUSES_STARTTLS, Tls.MAY, Duration.ZERO);
        send("refused1");
        StatusChange s = firstStatus("refused1");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(s.detail()).contains("250 2.0.0 queued as S2.1", "sent without TLS: STARTTLS failed: 454 4.7.0 TLS "
                + "not available due to local problem", "relay.tls may: plain text to this hop until ");
        assertThat(hop.messages).singleElement().satisfies(m -> {
            assertThat(m.session()).isEqualTo(2);
            assertThat(m.recipients()).containsExactly("user@example.org");
            assertThat(m.data()).contains("Subject: tls refused1");
        });
        // the session that refused STARTTLS got no mail; the second one was not asked for STARTTLS
        assertThat(hop.sessions.get(0).commands).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(hop.sessions.get(1).commands).noneMatch(c -> c.equalsIgnoreCase("STARTTLS"));
    }

    @Test
    void mayDeliversInPlainTextWhenTheTlsHandshakeFails() throws Exception {
        start(BREAKS_HANDSHAKE, Tls.MAY, Duration.ZERO);
        send("broken1");
        StatusChange s = firstStatus("broken1");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(s.detail()).contains("sent without TLS: STARTTLS failed: ");
        assertThat(hop.messages).singleElement().satisfies(m -> assertThat(m.session()).isEqualTo(2));
    }

    @Test
    void theHopIsRememberedSoTheNextMessagesGoInPlainTextWithoutTryingStarttlsAgain() throws Exception {
        start(REFUSES_STARTTLS, Tls.MAY, Duration.ZERO); // one connection per message
        for (String id : List.of("r1", "r2", "r3")) {
            send(id);
            StatusChange s = firstStatus(id);
            assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(s.detail()).contains("sent without TLS: STARTTLS failed: 454");
        }
        assertThat(hop.messages).hasSize(3);
        assertThat(hop.count("STARTTLS")).as("STARTTLS tried once, for the first message only").isEqualTo(1);
        assertThat(hop.sessions).hasSize(4);
    }

    @Test
    void encryptNeverFallsBackToPlainText() throws Exception {
        start(REFUSES_STARTTLS, Tls.ENCRYPT, Duration.ZERO);
        send("enc1");
        StatusChange s = firstStatus("enc1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("unavailable", "454").doesNotContain("sent without TLS");
        Thread.sleep(300);
        assertThat(hop.messages).isEmpty();
        assertThat(hop.count("MAIL")).isZero();
        assertThat(spool.find("enc1")).isPresent();
    }

    @Test
    void encryptNeverFallsBackWhenTheHandshakeFails() throws Exception {
        start(BREAKS_HANDSHAKE, Tls.ENCRYPT, Duration.ZERO);
        send("enc2");
        StatusChange s = firstStatus("enc2");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        Thread.sleep(300);
        assertThat(hop.messages).isEmpty();
        assertThat(hop.count("MAIL")).isZero();
    }
}
