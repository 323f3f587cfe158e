package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
 * The next hop's name lookup is bounded by relay.timeout.ms: the JVM's resolver has no time limit, and a DNS server
 * that does not answer held the delivery thread as long as the system resolver kept retrying. The resolver that
 * hangs is a stand-in (a real one cannot be made to hang from a test); the lookup itself runs as in production.
 */
class HopNameLookupTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final CountDownLatch release = new CountDownLatch(1);
    private Delivery delivery;
    private CommandHop hop;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.close();
        }
    }

    private Spool start(String host, int port, Duration timeout) throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        DeliverySettings s = new DeliverySettings(new Hop(host, port, dir.resolve("unused"), Tls.NONE),
                new Hop("", 25, dir.resolve("outbound"), Tls.NONE), timeout, Duration.ZERO, Duration.ofSeconds(60),
                Duration.ofHours(1), Duration.ofDays(5), "gateway.test", true, false, false);
        delivery = new Delivery(spool, log, s, Clock.systemUTC());
        return spool;
    }

    private StatusChange send(Spool spool, String id) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message(id)), Verdict.clean());
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aLookupThatDoesNotAnswerWithinTheRelayTimeoutDefersWithTheReason() throws Exception {
        Spool spool = start("mx.hangs.test", 25, Duration.ofMillis(800));
        delivery.nameLookup = host -> {
            try {
                release.await(); // the resolver that never answers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.net.UnknownHostException(host);
        };
        long t0 = System.nanoTime();
        StatusChange s = send(spool, "dns1");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).endsWith(": next hop mx.hangs.test:25 unavailable: DNS lookup of mx.hangs.test did not "
                + "answer within 800 ms");
        assertThat(ms).isLessThan(5_000);
        assertThat(spool.find("dns1")).isPresent();
    }

    @Test
    void aNameThatResolvesIsLookedUpOnceAndDelivered() throws Exception {
        hop = new CommandHop(false, (s, cmd) -> false);
        Spool spool = start("localhost", hop.port(), Duration.ofSeconds(10));
        List<String> looked = new CopyOnWriteArrayList<>();
        delivery.nameLookup = host -> {
            looked.add(host);
            return InetAddress.getAllByName(host);
        };
        StatusChange s = send(spool, "dns2");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(looked).containsExactly("localhost");
    }
}
