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
}
