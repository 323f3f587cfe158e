package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/** Mail that waits: held by an invalid delivery configuration, or deferred by a local folder it cannot write. */
class HeldDeliveryTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
    }

    private DeliveryConfig config(int port, String tls) {
        Map<String, Object> m = new HashMap<>();
        m.put("relay_host", "127.0.0.1");
        m.put("relay_port", port);
        m.put("relay_tls", tls);
        m.put("relay_timeout_ms", 2000L);
        m.put("retry_give_up", 1L);
        m.put("local_folder", dir.resolve("delivered").toString());
        m.put("outbound_local_folder", dir.resolve("outbound").toString());
        m.put("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        return DeliveryConfigs.of(m);
    }

    @Test
    void timeHeldByAnInvalidConfigurationDoesNotCountTowardsGivingUp() throws Exception {
        int port = Wait.freePort(); // the hop is down when the configuration is fixed
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, config(port, "sometimes"));
        delivery.holdRecheck = Duration.ofMillis(100);
        assertThat(delivery.configurationError()).isPresent();
        delivery.enqueue(spool.write("h1", "h1", Mail.envelope(), null, Mail.message("held")), Verdict.clean());
        Wait.until("held", Duration.ofSeconds(10), () -> log.statuses("h1").contains(DeliveryStatus.DEFERRED));
        Thread.sleep(1500); // held longer than retry.give.up (1 s)

        delivery.reconfigure(config(port, "none"));
        Wait.until("the first real attempt", Duration.ofSeconds(20), () -> log.statuses("h1").size() >= 2);
        // One attempt failed to connect: a deferral like any first one, not FAILED with a bounce for time it
        // spent waiting for an administrator.
        assertThat(log.statuses("h1")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DEFERRED);
        assertThat(spool.entries()).hasSize(1);
    }

    @Test
    void timeHeldBeforeARestartStillDoesNotCountTowardsGivingUp() throws Exception {
        int port = Wait.freePort(); // the hop is down when the configuration is fixed
        Spool spool = new Spool(dir.resolve("spool"));
        Delivery held = new Delivery(spool, log, config(port, "sometimes"));
        held.holdRecheck = Duration.ofMillis(100);
        held.heldPersist = Duration.ofMillis(200);
        held.enqueue(spool.write("h2", "h2", Mail.envelope(), null, Mail.message("held")), Verdict.clean());
        Wait.until("held", Duration.ofSeconds(10), () -> log.statuses("h2").contains(DeliveryStatus.DEFERRED));
        Thread.sleep(1500); // held longer than retry.give.up (1 s)
        held.close();

        // restarted with the corrected file: the hold was kept in memory only, and the first deferral FAILED
        delivery = new Delivery(spool, log, config(port, "none"));
        Wait.until("the first real attempt", Duration.ofSeconds(20), () -> log.statuses("h2").size() >= 2);
        assertThat(log.statuses("h2")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DEFERRED);
        assertThat(spool.entries()).hasSize(1);
    }

    @Test
    void aStateFileWithoutTheHoldStillLoads() throws Exception {
        // written before this change: the fields are the same, so an old file resumes as it did
        Spool spool = new Spool(dir.resolve("spool"));
        spool.write("o1", "o1", Mail.envelope(), null, Mail.message("old"));
        java.time.Instant t = java.time.Instant.now();
        Map<String, String> old = new java.util.LinkedHashMap<>();
        old.put("action", "DELIVER");
        old.put("score", "0.0");
        old.put("categories", "");
        old.put("attempts", "1");
        old.put("since", t.toString());
        old.put("next-attempt", t.toString());
        old.put("last-error", "x");
        old.put("pending", "user@example.org");
        spool.writeState("o1", old);
        spool.unclaim("o1");
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), java.time.Clock.systemUTC());
        delivery.start();
        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("o1").contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void aLocalFolderThatCannotBeWrittenDefersWithoutShowingTheServersPaths() throws Exception {
        // The message log is readable by viewers: the success line names the file only, and so must a failure.
        Path folder = dir.resolve("srv-secret-layout").resolve("delivered");
        java.nio.file.Files.createDirectories(folder.getParent());
        java.nio.file.Files.writeString(folder, "a file where the folder should be");
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(folder), java.time.Clock.systemUTC());
        delivery.enqueue(spool.write("p1", "p1", Mail.envelope(), null, Mail.message("x")), Verdict.clean());
        Wait.until("deferred", Duration.ofSeconds(10), () -> log.statuses("p1").contains(DeliveryStatus.DEFERRED));
        String detail = log.changes.stream().filter(c -> c.id().equals("p1")).findFirst().orElseThrow().detail();
        assertThat(detail).contains("local delivery to the delivery folder failed").doesNotContain("srv-secret-layout");
    }
}
