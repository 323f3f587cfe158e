package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.TcpProxy;
import org.streamail.core.internal.support.Wait;

/** Connections to the next hop kept between messages, seen through a counting relay in front of GreenMail. */
class RelayConnectionReuseTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private GreenMail hop;
    private TcpProxy proxy;
    private Delivery delivery;
    private Spool spool;

    @BeforeEach
    void start() throws Exception {
        ServerSetup setup = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(30_000);
        hop = new GreenMail(setup);
        hop.start();
        proxy = new TcpProxy(hop.getSmtp().getPort());
        spool = new Spool(dir.resolve("spool"));
    }

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.close();
        }
        proxy.close();
        hop.stop();
    }

    private void startDelivery(Duration reuse) {
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", proxy.port(), Duration.ofSeconds(1))
                .withRelayReuse(reuse), Clock.systemUTC());
    }

    /** Sends one message and waits until the hop has it and the log says DELIVERED. */
    private void deliver(String id, int expectedAtHop) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message(id)), Verdict.clean());
        DeliveryTest.awaitMessages(hop, expectedAtHop, 20_000);
        Wait.until(id + " DELIVERED", Duration.ofSeconds(20), () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void messagesInARowShareOneConnection() throws Exception {
        startDelivery(Duration.ofSeconds(30));
        for (int i = 1; i <= 5; i++) {
            deliver("m" + i, i);
        }
        assertThat(hop.getReceivedMessages()).hasSize(5);
        assertThat(proxy.accepted()).isEqualTo(1);
        assertThat(proxy.open()).isEqualTo(1);
    }

    @Test
    void withReuseOffEveryMessageHasItsOwnConnectionAndNoneStaysOpen() throws Exception {
        startDelivery(Duration.ZERO);
        for (int i = 1; i <= 3; i++) {
            deliver("z" + i, i);
        }
        assertThat(proxy.accepted()).isEqualTo(3);
        Wait.until("no connection left open", Duration.ofSeconds(10), () -> proxy.open() == 0);
    }

    @Test
    void aKeptConnectionTheHopHasDroppedIsReplacedAndTheMessageIsNotDeferred() throws Exception {
        startDelivery(Duration.ofSeconds(30));
        deliver("a1", 1);
        proxy.dropAll(); // the hop's idle timeout, unseen by the gateway
        deliver("a2", 2);
        assertThat(log.statuses("a2")).doesNotContain(DeliveryStatus.DEFERRED);
        assertThat(proxy.accepted()).isEqualTo(2);
    }

    @Test
    void anIdleConnectionIsClosedOnceTheReuseTimeHasPassed() throws Exception {
        startDelivery(Duration.ofSeconds(1));
        deliver("i1", 1);
        Wait.until("the idle connection closed", Duration.ofSeconds(15), () -> proxy.open() == 0);
        deliver("i2", 2);
        assertThat(proxy.accepted()).isEqualTo(2);
    }

    @Test
    void stoppingDeliveryClosesTheKeptConnections() throws Exception {
        startDelivery(Duration.ofSeconds(30));
        deliver("s1", 1);
        assertThat(proxy.open()).isEqualTo(1);
        delivery.close();
        delivery = null;
        Wait.until("the kept connection closed", Duration.ofSeconds(10), () -> proxy.open() == 0);
    }

    @Test
    void aReuseTimeOutsideZeroToFiveMinutesIsRefused() {
        DeliverySettings s = DeliverySettings.relay("127.0.0.1", 25, Duration.ofSeconds(1));
        assertThatThrownBy(() -> s.withRelayReuse(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relay.reuse.seconds");
        assertThatThrownBy(() -> s.withRelayReuse(Duration.ofSeconds(301)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relay.reuse.seconds");
        assertThat(s.withRelayReuse(Duration.ofMinutes(5)).relayReuse()).isEqualTo(Duration.ofMinutes(5));
    }
}
