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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/**
 * Delivery restarts (DS deactivates and activates it: the store bundle updated, a bundle refresh) while a message
 * is being sent to a slow next hop. close() waits 5 s and used to give every claim back: the next instance sent the
 * message again while the first attempt was still waiting for the hop's answer, and the hop got it twice.
 * Here close() waits {@link #CLOSE_WAIT} and the hop {@link #HOP_DELAY}, so close() still returns while the attempt
 * waits for the answer (3 s of margin), without the production 5 s and a 7 s hop per attempt.
 */
class DeliveryRestartTest {

    /** close()'s wait for the running attempt in these tests ({@link Delivery#CLOSE_WAIT} in production). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(1);
    /** The hop's delay before it answers the end of DATA: longer than {@link #CLOSE_WAIT}, with margin. */
    static final Duration HOP_DELAY = CLOSE_WAIT.plusSeconds(3);

    @TempDir
    Path dir;

    /** A next hop that answers the end of DATA after {@code delay} with what {@code reply} says for that message. */
    static final class SlowHop implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final AtomicInteger arrivals = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();

        SlowHop(Duration delay, IntFunction<String> reply) throws IOException {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread c = new Thread(() -> serve(s, delay, reply), "slow-hop-session");
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "slow-hop");
            t.setDaemon(true);
            t.start();
        }

        private void serve(Socket s, Duration delay, IntFunction<String> reply) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1)); OutputStream out = s.getOutputStream()) {
                send(out, "220 slow.test ESMTP");
                String line;
                while ((line = in.readLine()) != null) {
                    String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
                    switch (cmd) {
                        case "EHLO", "HELO" -> send(out, "250 slow.test");
                        case "DATA" -> {
                            send(out, "354 go on");
                            while ((line = in.readLine()) != null && !line.equals(".")) {
                                // the message
                            }
                            int n = arrivals.incrementAndGet();
                            Thread.sleep(delay.toMillis());
                            String r = reply.apply(n);
                            if (r.startsWith("250")) {
                                accepted.incrementAndGet();
                            }
                            send(out, r);
                        }
                        case "QUIT" -> {
                            send(out, "221 bye");
                            return;
                        }
                        default -> send(out, "250 ok");
                    }
                }
            } catch (IOException | InterruptedException e) {
                // session over
            }
        }

        private static void send(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static DeliverySettings settings(int port) {
        // a read timeout longer than the hop's delay, which is longer than close()'s wait
        return DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)).withRelayReuse(Duration.ZERO);
    }

    private static DeliverySettings slow(DeliverySettings s) {
        return new DeliverySettings(s.inbound(), s.outbound(), Duration.ofSeconds(30), s.relayReuse(),
                s.retryInitial(), s.retryMax(), s.giveUp(), s.hostname(), s.hideInternal(), s.bounce(),
                s.bounceInbound(), s.ids());
    }

    private static Verdict deliver() {
        return new Verdict(Action.DELIVER, 0.0, List.of(), List.of(), "test");
    }

    @Test
    void aRestartWhileTheHopIsSlowToAnswerDeliversOnce() throws Exception {
        MemoryMessageLog log = new MemoryMessageLog();
        try (SlowHop hop = new SlowHop(HOP_DELAY, n -> "250 2.0.0 queued")) {
            Spool spool = new Spool(dir.resolve("spool"));
            Delivery first = new Delivery(spool, log, slow(settings(hop.port())), Clock.systemUTC());
            first.closeWait = CLOSE_WAIT;
            first.start();
            SpoolEntry e = spool.write("m1", "m1", Mail.envelope(), null, Mail.message("hello"));
            first.enqueue(e, deliver());
            Wait.until("the message at the hop", Duration.ofSeconds(5), () -> hop.arrivals.get() == 1);

            first.close(); // the restart, the hop still holding back its 250
            Delivery second = new Delivery(spool, log, slow(settings(hop.port())), Clock.systemUTC());
            second.start();
            try {
                Wait.until("delivered", Duration.ofSeconds(15),
                        () -> log.statuses("m1").contains(DeliveryStatus.DELIVERED));
                Thread.sleep(1500); // a second copy would be on its way by now
                assertThat(hop.arrivals.get()).isEqualTo(1);
                assertThat(spool.entries()).isEmpty();
            } finally {
                second.close();
            }
        }
    }

    @Test
    void whatTheRunningAttemptDefersIsTakenOverByTheNextInstance() throws Exception {
        MemoryMessageLog log = new MemoryMessageLog();
        try (SlowHop hop = new SlowHop(HOP_DELAY, n -> n == 1 ? "451 4.3.0 later" : "250 2.0.0 queued")) {
            Spool spool = new Spool(dir.resolve("spool"));
            Delivery first = new Delivery(spool, log, slow(settings(hop.port())), Clock.systemUTC());
            first.closeWait = CLOSE_WAIT;
            first.start();
            SpoolEntry e = spool.write("m2", "m2", Mail.envelope(), null, Mail.message("hello"));
            first.enqueue(e, deliver());
            Wait.until("the message at the hop", Duration.ofSeconds(5), () -> hop.arrivals.get() == 1);

            first.close();
            Delivery second = new Delivery(spool, log, slow(settings(hop.port())), Clock.systemUTC());
            second.start();
            try {
                // the first attempt gets 451 after HOP_DELAY; the second instance retries it after retry.initial
                Wait.until("delivered by the second instance", Duration.ofSeconds(25),
                        () -> log.statuses("m2").contains(DeliveryStatus.DELIVERED));
                assertThat(hop.arrivals.get()).isEqualTo(2);
                assertThat(hop.accepted.get()).isEqualTo(1);
                assertThat(spool.entries()).isEmpty();
            } finally {
                second.close();
            }
        }
    }
}
