package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * A scripted next hop: {@code perm@} is refused with 550, {@code temp@} with 451 on the first session and
 * accepted afterwards, everything else accepted. Checks that each recipient gets the message once.
 */
class RecipientOutcomeTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final List<List<String>> sessions = new CopyOnWriteArrayList<>();
    private ServerSocket server;
    private Thread thread;
    private Delivery delivery;

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.close();
        }
        server.close();
        thread.join(2000);
    }

    private void startHop() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    serve(s);
                } catch (IOException e) {
                    // closed
                }
            }
        }, "fake-hop");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(Socket s) throws IOException {
        List<String> accepted = new ArrayList<>();
        boolean first = sessions.isEmpty();
        sessions.add(accepted);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        reply(out, "220 fake ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            String cmd = line.toUpperCase();
            if (cmd.startsWith("EHLO") || cmd.startsWith("HELO") || cmd.startsWith("MAIL") || cmd.startsWith("RSET")
                    || cmd.startsWith("NOOP")) {
                reply(out, "250 ok");
            } else if (cmd.startsWith("RCPT")) {
                if (cmd.contains("PERM@")) {
                    reply(out, "550 5.1.1 no such user");
                } else if (cmd.contains("TEMP@") && first) {
                    reply(out, "451 4.2.0 mailbox busy");
                } else {
                    accepted.add(line.substring(line.indexOf('<') + 1, line.indexOf('>')));
                    reply(out, "250 ok");
                }
            } else if (cmd.equals("DATA")) {
                reply(out, "354 go");
                String l;
                while ((l = in.readLine()) != null && !l.equals(".")) {
                    // swallow the message
                }
                reply(out, "250 2.0.0 queued as FAKE" + sessions.size());
            } else if (cmd.startsWith("QUIT")) {
                reply(out, "221 bye");
                return;
            } else {
                reply(out, "502 unknown");
            }
        }
    }

    private static void reply(OutputStream out, String s) throws IOException {
        out.write((s + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void permanentRefusalsFailTemporaryOnesAreRetriedAndNobodyGetsItTwice() throws Exception {
        startHop();
        Spool spool = new Spool(dir);
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", server.getLocalPort(),
                Duration.ofMillis(300)), Clock.systemUTC());
        delivery.enqueue(spool.write("p1", "p1", Mail.envelope("ok@example.org", "perm@example.org",
                "temp@example.org"), null, Mail.message("mixed")), Verdict.clean());

        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("p1").contains(DeliveryStatus.DELIVERED));
        assertThat(log.statuses("p1")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DELIVERED);
        assertThat(log.changes.get(0).detail()).contains("451 4.2.0 mailbox busy")
                .contains("refused permanently").contains("perm@example.org");
        assertThat(log.changes.get(1).detail()).startsWith("250 2.0.0 queued as FAKE2");
        assertThat(sessions).hasSize(2);
        assertThat(sessions.get(0)).containsExactly("ok@example.org");
        assertThat(sessions.get(1)).containsExactly("temp@example.org");
        assertThat(spool.entries()).isEmpty();
    }

    /**
     * What an administrator sees of a partly delivered message: each status line says which recipients are done,
     * which wait for a retry and which failed, and the final one still names the refusal of the first attempt
     * (the final DELIVERED line used to be the hop's last reply alone, as if every recipient had it).
     */
    @Test
    void aPartlyDeliveredMessageSaysWhichRecipientsAreDeliveredDeferredAndFailed() throws Exception {
        startHop();
        Spool spool = new Spool(dir);
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", server.getLocalPort(),
                Duration.ofMillis(300)), Clock.systemUTC());
        delivery.enqueue(spool.write("p2", "p2", Mail.envelope("ok@example.org", "perm@example.org",
                "temp@example.org", "ok2@example.org"), null, Mail.message("mixed")), Verdict.clean());

        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("p2").contains(DeliveryStatus.DELIVERED));
        assertThat(log.statuses("p2")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DELIVERED);
        assertThat(log.changes.get(0).detail()).contains("; recipients delivered 2: ok@example.org, ok2@example.org; "
                + "deferred 1: temp@example.org; failed 1: perm@example.org");
        assertThat(log.changes.get(1).detail()).startsWith("250 2.0.0 queued as FAKE2")
                .contains("; recipients delivered 3: ok@example.org, temp@example.org, ok2@example.org; "
                        + "failed 1: perm@example.org")
                .contains("refused permanently: {perm@example.org=550 5.1.1 no such user");
        assertThat(sessions.get(0)).containsExactly("ok@example.org", "ok2@example.org");
        assertThat(sessions.get(1)).containsExactly("temp@example.org");
    }

    /**
     * A hop that takes 2 recipients per transaction and answers the rest 452 (RFC 5321 §4.5.3.1.10): the rest go in
     * the next transaction at once, each recipient once. They used to wait the retry delay each round (here 10
     * minutes, 60 s doubling by default: hours for a large list).
     */
    @Test
    void recipientsPastTheHopsLimitPerTransactionGoInTheNextTransactionAtOnce() throws Exception {
        limitedHop("452 4.5.3 too many recipients");
    }

    /**
     * The same with the older servers' 552 for too many recipients (RFC 821), which RFC 5321 §4.5.3.1.10 says to
     * take as 452: every recipient past the limit used to be FAILED and bounced.
     */
    @Test
    void a552ToRcptIsTakenAsTemporaryAsRfc5321Says() throws Exception {
        limitedHop("552 5.5.3 too many recipients");
    }

    private void limitedHop(String refusal) throws Exception {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress()); // unused here; stop() closes it
        thread = new Thread(() -> { });
        java.util.Map<Integer, Integer> perTransaction = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<ScriptedHop> ref = new java.util.concurrent.atomic.AtomicReference<>();
        try (ScriptedHop hop = new ScriptedHop((rcpt, session) -> perTransaction.merge(ref.get().mailFrom.size(), 1,
                Integer::sum) > 2 ? refusal : null)) {
            ref.set(hop);
            Spool spool = new Spool(dir);
            delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", hop.port(),
                    Duration.ofMinutes(10)), Clock.systemUTC());
            delivery.enqueue(spool.write("b1", "b1", Mail.envelope("r1@example.org", "r2@example.org",
                    "r3@example.org", "r4@example.org", "r5@example.org"), null, Mail.message("batch")), Verdict.clean());

            Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("b1").contains(DeliveryStatus.DELIVERED));
            assertThat(hop.accepted).containsExactly("r1@example.org", "r2@example.org", "r3@example.org",
                    "r4@example.org", "r5@example.org");
            assertThat(hop.messages).hasSize(3);
            assertThat(log.statuses("b1")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DEFERRED,
                    DeliveryStatus.DELIVERED);
            assertThat(log.changes.get(0).detail()).contains("next at once", refusal,
                    "recipients delivered 2: r1@example.org, r2@example.org; deferred 3:");
            assertThat(delivery.deferredCount()).isZero();
        }
    }
}
