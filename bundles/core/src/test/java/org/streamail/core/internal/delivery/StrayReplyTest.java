package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.Wait;

/**
 * A hop that sends one reply too many after a clean transaction, on a connection kept for the next message. The
 * next transaction on it used to read every reply one late (the NOOP check took the stray reply as its own): the
 * message was deferred, or worse, taken as accepted on the wrong reply. The connection is now closed instead of
 * reused when the hop has sent anything unasked, and the message goes on a new one.
 */
class StrayReplyTest {

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

    private void start(CommandHop.Hook hook) throws Exception {
        hop = new CommandHop(false, hook);
        spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", hop.port(), Duration.ofSeconds(60))
                .withRelayReuse(Duration.ofSeconds(30)), Clock.systemUTC());
    }

    private StatusChange deliver(String id) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message(id)), Verdict.clean());
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private void assertSecondMessageOnANewConnection() throws Exception {
        StatusChange first = deliver("m1");
        assertThat(first.status()).as(first.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        Thread.sleep(200); // the stray reply is there before the next message
        StatusChange second = deliver("m2");
        assertThat(second.status()).as(second.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(second.detail()).contains("queued as S2.1");
        assertThat(hop.messages).extracting(CommandHop.Message::session).containsExactly(1, 2);
        assertThat(hop.messages.get(1).data()).contains("Subject: m2");
        // the kept connection got no command of the second message
        assertThat(hop.sessions.get(0).commands).filteredOn(c -> c.startsWith("MAIL")).hasSize(1);
    }

    @Test
    void aStrayReplyArrivingAfterTheTransactionClosesTheKeptConnection() throws Exception {
        start((s, cmd) -> {
            if (cmd.equals("(end of data)") && s.messages == 1) {
                s.reply("250 2.0.0 queued as S" + s.number + ".1");
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                s.reply("250 2.0.0 and once more");
                return true;
            }
            return false;
        });
        assertSecondMessageOnANewConnection();
    }

    @Test
    void aStrayReplyInTheSameWriteAsTheLastReplyClosesTheKeptConnection() throws Exception {
        // both lines in one TCP segment: the SMTP client's own read buffer would take both (and hide the second)
        start((s, cmd) -> {
            if (cmd.equals("(end of data)") && s.messages == 1) {
                s.reply("250 2.0.0 queued as S" + s.number + ".1", "250 2.0.0 and once more");
                return true;
            }
            return false;
        });
        assertSecondMessageOnANewConnection();
    }

    @Test
    void aCleanHopStillHasItsConnectionReused() throws Exception {
        start((s, cmd) -> false);
        assertThat(deliver("c1").status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(deliver("c2").status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(deliver("c3").status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(hop.sessions).hasSize(1);
        assertThat(hop.messages).hasSize(3);
    }
}
