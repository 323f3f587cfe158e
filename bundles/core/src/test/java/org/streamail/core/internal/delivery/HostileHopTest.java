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
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * Next hops that misbehave on purpose, each a tiny scripted server on a loopback socket: a reply that never ends
 * (continuation lines, or one line without a line end), a reply trickled a byte at a time just inside the read
 * timeout, and a hop that stops reading in the middle of DATA. Each must cost delivery one deferral within a few
 * seconds, never a delivery thread or the heap.
 */
class HostileHopTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final AtomicBoolean stop = new AtomicBoolean();
    private ServerSocket server;
    private Delivery delivery;

    /** What one connection to the hop does; the socket is closed afterwards. */
    @FunctionalInterface
    private interface Script {
        void run(Socket s, BufferedReader in, OutputStream out) throws IOException, InterruptedException;
    }

    @AfterEach
    void tearDown() throws IOException {
        stop.set(true);
        if (delivery != null) {
            delivery.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private int hop(Script script) throws IOException {
        ServerSocket listening = new ServerSocket();
        server = listening;
        listening.setReceiveBufferSize(4096); // inherited by accepted sockets: the client's window fills quickly
        listening.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            while (!listening.isClosed()) {
                try (Socket s = listening.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    script.run(s, in, s.getOutputStream());
                } catch (IOException e) {
                    // the client went away, or closed
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "hostile-hop");
        t.setDaemon(true);
        t.start();
        return listening.getLocalPort();
    }

    private Spool startDelivery(int port, Duration timeout) throws IOException {
        return startDelivery(port, timeout, Duration.ofMinutes(10));
    }

    private Spool startDelivery(int port, Duration timeout, Duration retry) throws IOException {
        Spool spool = new Spool(dir.resolve("spool"));
        DeliverySettings base = DeliverySettings.relay("127.0.0.1", port, retry);
        DeliverySettings s = new DeliverySettings(base.inbound(), base.outbound(), timeout, Duration.ZERO,
                base.retryInitial(), base.retryMax(), base.giveUp(), base.hostname(), base.hideInternal(), false,
                false);
        delivery = new Delivery(spool, log, s, Clock.systemUTC());
        return spool;
    }

    private static void line(OutputStream out, String s) throws IOException {
        out.write((s + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Answers until DATA's 354 as a well-behaved hop does. */
    private static void untilData(BufferedReader in, OutputStream out) throws IOException {
        String l;
        while ((l = in.readLine()) != null) {
            String cmd = l.toUpperCase(java.util.Locale.ROOT);
            if (cmd.equals("DATA")) {
                line(out, "354 go");
                return;
            }
            line(out, cmd.startsWith("QUIT") ? "221 bye" : "250 ok");
        }
    }

    private void awaitDeferred(String id, Duration max) {
        Wait.until(id + " deferred", max, () -> log.statuses(id).contains(DeliveryStatus.DEFERRED));
    }

    @Test
    void aReplyOfEndlessContinuationLinesIsCutOffAndDefers() throws Exception {
        AtomicLong sent = new AtomicLong();
        int port = hop((s, in, out) -> {
            line(out, "220 hop ESMTP");
            in.readLine(); // EHLO
            byte[] cont = "250-PADDINGPADDINGPADDINGPADDINGPADDINGPADDINGPADDINGPADDINGPADDING\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            // bounded here (64 MiB) so that a client without a limit ends, then takes the mail
            while (sent.get() < (64L << 20) && !stop.get()) {
                out.write(cont);
                sent.addAndGet(cont.length);
            }
            line(out, "250 ok");
            untilData(in, out);
        });
        Spool spool = startDelivery(port, Duration.ofSeconds(5));
        delivery.enqueue(spool.write("c1", "c1", Mail.envelope(), null, Mail.message("c1")), Verdict.clean());

        awaitDeferred("c1", Duration.ofSeconds(20));
        assertThat(log.statuses("c1")).containsExactly(DeliveryStatus.DEFERRED);
        assertThat(log.changes.get(0).detail()).contains("unavailable").contains("more than");
        assertThat(sent.get()).isLessThan(32L << 20);
    }

    @Test
    void aReplyLineWithoutEndIsCutOffAndDefers() throws Exception {
        AtomicLong sent = new AtomicLong();
        int port = hop((s, in, out) -> {
            line(out, "220 hop ESMTP");
            in.readLine(); // EHLO
            byte[] junk = new byte[8192];
            Arrays.fill(junk, (byte) 'x');
            out.write("250 ".getBytes(StandardCharsets.US_ASCII));
            while (sent.get() < (64L << 20) && !stop.get()) {
                out.write(junk);
                sent.addAndGet(junk.length);
            }
            line(out, "");
            untilData(in, out);
        });
        Spool spool = startDelivery(port, Duration.ofSeconds(5));
        delivery.enqueue(spool.write("l1", "l1", Mail.envelope(), null, Mail.message("l1")), Verdict.clean());

        awaitDeferred("l1", Duration.ofSeconds(20));
        assertThat(log.statuses("l1")).containsExactly(DeliveryStatus.DEFERRED);
        assertThat(log.changes.get(0).detail()).contains("unavailable", "more than 262144 bytes");
        assertThat(sent.get()).isLessThan(32L << 20);
    }

    @Test
    void aReplyTrickledByteByByteInsideTheReadTimeoutStillTimesOut() throws Exception {
        int port = hop((s, in, out) -> {
            // each byte comes well inside the 1 s read timeout, the banner never ends (bounded: 60 s)
            out.write("220-".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 300 && !stop.get(); i++) {
                out.write('x');
                out.flush();
                Thread.sleep(200);
            }
        });
        Spool spool = startDelivery(port, Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        delivery.enqueue(spool.write("t1", "t1", Mail.envelope(), null, Mail.message("t1")), Verdict.clean());

        awaitDeferred("t1", Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(log.changes.get(0).detail()).contains("unavailable", "reply was not complete within 1000 ms");
    }

    @Test
    void aHopThatStopsReadingDuringDataDefersInsteadOfBlockingAThread() throws Exception {
        int port = hop((s, in, out) -> {
            line(out, "220 hop ESMTP");
            untilData(in, out);
            // never reads the data: the client's writes block once the windows are full (bounded: 60 s)
            for (int i = 0; i < 600 && !stop.get(); i++) {
                Thread.sleep(100);
            }
        });
        Spool spool = startDelivery(port, Duration.ofSeconds(1));
        // 16 MiB: more than the loopback socket buffers can swallow
        StringBuilder body = new StringBuilder(16 << 20);
        String row = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\r\n";
        while (body.length() < (16 << 20)) {
            body.append(row);
        }
        byte[] raw = ("From: a@example.com\r\nTo: user@example.org\r\nSubject: big\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        delivery.enqueue(spool.write("w1", "w1", Mail.envelope(), null, raw), Verdict.clean());

        awaitDeferred("w1", Duration.ofSeconds(15));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(log.changes.get(0).detail()).contains("unavailable", "took no data for 1000 ms");
    }

    /** A hop that answers every command well; {@code stage} (GREETING, EHLO, MAIL, RCPT, DATA, DOT) gets 421. */
    private static void session(BufferedReader in, OutputStream out, String stage, AtomicLong messages)
            throws IOException {
        session(in, out, stage, "421 4.3.2 shutting down", messages);
    }

    /** As above with {@code bad} as the reply at {@code stage}. */
    private static void session(BufferedReader in, OutputStream out, String stage, String bad, AtomicLong messages)
            throws IOException {
        if (stage.equals("GREETING")) {
            line(out, bad);
            return;
        }
        line(out, "220 hop ESMTP");
        String l;
        while ((l = in.readLine()) != null) {
            String cmd = l.toUpperCase(java.util.Locale.ROOT);
            String verb = cmd.length() >= 4 ? cmd.substring(0, 4) : cmd;
            if (verb.equals(stage.length() >= 4 ? stage.substring(0, 4) : stage)) {
                line(out, bad);
                return;
            }
            if (cmd.equals("DATA")) {
                line(out, "354 go");
                while ((l = in.readLine()) != null && !l.equals(".")) {
                    // the message
                }
                if (stage.equals("DOT")) {
                    line(out, "421 4.3.2 shutting down");
                    return;
                }
                if (stage.equals("CLOSE")) {
                    return; // the connection ends after the dot, no reply (RFC 1047)
                }
                messages.incrementAndGet();
                line(out, "250 queued");
            } else {
                line(out, cmd.startsWith("QUIT") ? "221 bye" : "250 ok");
            }
        }
    }

    @Test
    void a421AtAnyStageDefersAndTheNextAttemptDelivers() throws Exception {
        everyStage("421 4.3.2 shutting down");
    }

    /** A reply without a three-digit code (RFC 5321 §4.2) is no answer: deferred, never delivered or failed. */
    @Test
    void aReplyWithoutAThreeDigitCodeAtAnyStageDefers() throws Exception {
        everyStage("2x0 garbage");
        everyStage("25");
    }

    private void everyStage(String bad) throws Exception {
        for (String stage : new String[] {"GREETING", "EHLO", "MAIL", "RCPT", "DATA", "DOT"}) {
            AtomicLong sessions = new AtomicLong();
            AtomicLong messages = new AtomicLong();
            stop.set(false);
            int port = hop((s, in, out) -> session(in, out, sessions.incrementAndGet() == 1 ? stage : "", bad,
                    messages));
            Spool spool = startDelivery(port, Duration.ofSeconds(5), Duration.ofMillis(300));
            String id = "s" + stage.toLowerCase(java.util.Locale.ROOT) + Math.abs(bad.hashCode());
            delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message(id)), Verdict.clean());
            Wait.until(id + " delivered", Duration.ofSeconds(10),
                    () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
            assertThat(log.statuses(id)).as(stage + " " + bad)
                    .containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DELIVERED);
            assertThat(messages.get()).as(stage + " " + bad).isEqualTo(1);
            delivery.close();
            server.close();
            delivery = null;
        }
    }

    /**
     * The hop closes the connection after DATA's final dot without a reply: it may or may not have taken the
     * message (RFC 1047), and we cannot know. Not delivered is the side that loses nothing: the message is
     * DEFERRED and sent again, so the recipient may get it twice.
     */
    @Test
    void aHopClosingAfterTheDotWithoutAReplyIsRetriedNotTakenForDelivered() throws Exception {
        AtomicLong sessions = new AtomicLong();
        AtomicLong messages = new AtomicLong();
        int port = hop((s, in, out) -> session(in, out, sessions.incrementAndGet() == 1 ? "CLOSE" : "", messages));
        Spool spool = startDelivery(port, Duration.ofSeconds(5), Duration.ofMillis(300));
        delivery.enqueue(spool.write("k1", "k1", Mail.envelope(), null, Mail.message("k1")), Verdict.clean());

        Wait.until("k1 delivered", Duration.ofSeconds(10), () -> log.statuses("k1").contains(DeliveryStatus.DELIVERED));
        assertThat(log.statuses("k1")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DELIVERED);
        assertThat(sessions.get()).isEqualTo(2);
        assertThat(messages.get()).isEqualTo(1);
    }

    /**
     * A hop that advertises {@code SIZE 1000} (RFC 1870) gets the message's size with MAIL FROM and refuses a bigger
     * one there, before any data: FAILED at once (a report to the sender when reports are on). Without the declared
     * size the whole message went out first, and a hop that drops the connection on an oversized message instead of
     * answering had it sent again at every retry for days.
     */
    @Test
    void aMessageOverTheHopsAdvertisedSizeIsRefusedAtMailFromBeforeAnyData() throws Exception {
        java.util.List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
        int port = hop((s, in, out) -> {
            line(out, "220 hop ESMTP");
            String l;
            while ((l = in.readLine()) != null) {
                commands.add(l);
                String cmd = l.toUpperCase(java.util.Locale.ROOT);
                if (cmd.startsWith("EHLO")) {
                    line(out, "250-hop");
                    line(out, "250 SIZE 1000");
                } else if (cmd.startsWith("MAIL")) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("SIZE=(\\d+)").matcher(cmd);
                    line(out, m.find() && Long.parseLong(m.group(1)) > 1000 ? "552 5.3.4 message size exceeds limit"
                            : "250 ok");
                } else if (cmd.equals("DATA")) {
                    line(out, "354 go");
                    while ((l = in.readLine()) != null && !l.equals(".")) {
                        // the message
                    }
                    line(out, "552 5.3.4 message too big");
                } else {
                    line(out, cmd.startsWith("QUIT") ? "221 bye" : "250 ok");
                }
            }
        });
        Spool spool = startDelivery(port, Duration.ofSeconds(5));
        byte[] raw = ("From: a@example.com\r\nTo: user@example.org\r\nSubject: big\r\n\r\n" + "x".repeat(5000)
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        delivery.enqueue(spool.write("z1", "z1", Mail.envelope(), null, raw), Verdict.clean());

        Wait.until("z1 failed", Duration.ofSeconds(10), () -> log.statuses("z1").contains(DeliveryStatus.FAILED));
        assertThat(commands).anySatisfy(c -> assertThat(c).startsWith("MAIL FROM:<sender@example.com>")
                .containsPattern("SIZE=5[0-9]{3}"));
        assertThat(commands).noneMatch(c -> c.equalsIgnoreCase("DATA"));
        assertThat(log.changes.get(0).detail()).contains("552 5.3.4 message size exceeds limit");
    }

    /**
     * A man in the middle that lets STARTTLS be offered but refuses it ({@code 454}), or removes it from the EHLO
     * reply: with {@code relay.tls=encrypt} nothing goes out in clear, the message waits.
     */
    @Test
    void withEncryptARefusedOrStrippedStartTlsSendsNothingInClear() throws Exception {
        for (boolean offered : new boolean[] {true, false}) {
            java.util.List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
            int port = hop((s, in, out) -> {
                line(out, "220 hop ESMTP");
                String l;
                while ((l = in.readLine()) != null) {
                    commands.add(l);
                    String cmd = l.toUpperCase(java.util.Locale.ROOT);
                    if (cmd.startsWith("EHLO")) {
                        line(out, offered ? "250-hop" : "250 hop");
                        if (offered) {
                            line(out, "250 STARTTLS");
                        }
                    } else if (cmd.equals("STARTTLS")) {
                        line(out, "454 4.7.0 TLS not available");
                    } else if (cmd.equals("DATA")) {
                        line(out, "354 go");
                        while ((l = in.readLine()) != null && !l.equals(".")) {
                            commands.add(l);
                        }
                        line(out, "250 queued");
                    } else {
                        line(out, cmd.startsWith("QUIT") ? "221 bye" : "250 ok");
                    }
                }
            });
            Spool spool = new Spool(dir.resolve("spool"));
            DeliverySettings s = DeliverySettings.relay("127.0.0.1", port, Duration.ofMinutes(10))
                    .withInbound(new DeliverySettings.Hop("127.0.0.1", port, dir.resolve("unused"),
                            DeliverySettings.Tls.ENCRYPT));
            delivery = new Delivery(spool, log, s, Clock.systemUTC());
            String id = offered ? "tls-refused" : "tls-stripped";
            delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message(id)), Verdict.clean());

            awaitDeferred(id, Duration.ofSeconds(10));
            assertThat(log.statuses(id)).as(id).containsExactly(DeliveryStatus.DEFERRED);
            assertThat(commands).as(id).noneMatch(c -> c.toUpperCase(java.util.Locale.ROOT).startsWith("MAIL")
                    || c.toUpperCase(java.util.Locale.ROOT).startsWith("AUTH") || c.contains("Subject"));
            delivery.close();
            delivery = null;
            server.close();
        }
    }
}
