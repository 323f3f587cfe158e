package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/**
 * An entry handed to a delivery instance that has already closed (a quarantine release or a scan finishing at the
 * moment of a restart). It used to stay claimed by the dead instance until the spool itself restarted: no delivery
 * instance could take it. The claim is given back with the state written, and the instance running on the spool
 * (or the next one to start) delivers it.
 */
class ClosedDeliveryEnqueueTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery next;

    @AfterEach
    void stop() {
        if (next != null) {
            next.close();
        }
    }

    private Delivery localDelivery(Spool spool) {
        return new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
    }

    private void assertDelivered(String id) {
        Wait.until(id + " delivered", Duration.ofSeconds(10),
                () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
        assertThat(Files.exists(dir.resolve("delivered").resolve(id + ".eml"))).isTrue();
    }

    @Test
    void theClaimIsGivenBackAndTheNextInstanceDeliversIt() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Delivery old = localDelivery(spool);
        old.close();
        SpoolEntry e = spool.write("late1", "late1", Mail.envelope(), null, Mail.message("late"));
        old.enqueue(e, Verdict.clean());
        assertThat(spool.isClaimed("late1")).as("claim given back").isFalse();
        assertThat(spool.readState("late1")).as("state written").isPresent();
        next = localDelivery(spool);
        next.start(); // as activated
        assertDelivered("late1");
    }

    @Test
    void theInstanceAlreadyRunningOnTheSpoolTakesItOver() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Delivery old = localDelivery(spool);
        old.close();
        next = localDelivery(spool);
        next.start(); // started before the late hand-over: its start found nothing
        SpoolEntry e = spool.write("late2", "late2", Mail.envelope(), null, Mail.message("late"));
        old.enqueue(e, Verdict.clean());
        assertDelivered("late2");
        assertThat(log.statuses("late2")).containsOnlyOnce(DeliveryStatus.DELIVERED);
        assertThat(spool.find("late2")).isEmpty();
    }
}
