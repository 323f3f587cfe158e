package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.OutboundMessage;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.delivery.DeliverySettings.Hop;
import org.streamail.core.internal.delivery.DeliverySettings.Tls;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/**
 * Outbound mail with an {@link OutboundSigner} bound: the signer sees the message as it leaves (after our Received
 * line, the hiding and the id tokens, CRLF throughout), its fields go on top of exactly those bytes, to the smarthost and
 * into the outbound folder; a signer that fails defers the message, never sends it unsigned; inbound mail is never
 * signed; without a signer nothing changes.
 */
class OutboundSigningTest {

    /** What an internal server hands over: its hops, an internal message id, a bare LF in the body. */
    static final String INTERNAL = "Received: from ws12.corp.internal ([10.1.2.3])\r\n"
            + "\tby exch01.corp.internal with ESMTP id 77; Thu, 3 Dec 2026 10:00:00 +0000\r\n"
            + "X-Originating-IP: [10.1.2.3]\r\n"
            + "From: Alice <alice@example.org>\r\nTo: partner@far.example\r\nSubject: quarterly figures\r\n"
            + "Message-ID: <20261203.77.alice@exch01.corp.internal>\r\n\r\n"
            + "Hello partner.\nA line after a bare LF.\r\n";

    static final String SIGNATURE = "DKIM-Signature: v=1; a=test; d=example.org;\r\n\tb=c2lnbmVk\r\n";

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private ScriptedHop hop;

    @AfterEach
    void stop() throws IOException {
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.close();
        }
    }

    /** A signer that records what it was given and answers what {@link #answer} says. */
    static final class FakeSigner implements OutboundSigner {
        final List<OutboundMessage> seen = new CopyOnWriteArrayList<>();
        final AtomicReference<Object> answer = new AtomicReference<>(List.of(SIGNATURE));

        @Override
        public String name() {
            return "fake";
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<String> sign(OutboundMessage message) throws Exception {
            seen.add(message);
            Object a = answer.get();
            if (a instanceof Exception e) {
                throw e;
            }
            return (List<String>) a;
        }

        String lastSeen() {
            return new String(seen.get(seen.size() - 1).raw().toByteArray(), StandardCharsets.ISO_8859_1);
        }
    }

    private static Envelope outbound() {
        return new Envelope("alice@example.org", List.of("partner@far.example"), "10.1.2.3", "exch01.corp.internal",
                false, Instant.now(), Direction.OUTBOUND, null);
    }

    /** Both directions into folders; retries after 200 ms; message ids hidden with a key of the test's own. */
    private DeliverySettings settings(Hop outboundHop) {
        return DeliverySettings.relay("127.0.0.1", 9, Duration.ofMillis(200))
                .withInbound(new Hop("", 25, dir.resolve("in"), Tls.NONE))
                .withOutbound(outboundHop, true)
                .withIds(new MessageIdHiding(MessageIdHiding.DEFAULT_SUFFIXES, dir.resolve("message-id.key")));
    }

    private DeliverySettings toFolder() {
        return settings(new Hop("", 25, dir.resolve("out"), Tls.NONE));
    }

    private String deliveredFile(String id) throws IOException {
        Wait.until(id + " delivered", Duration.ofSeconds(20), () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
        return Files.readString(dir.resolve("out").resolve(id + ".eml"), StandardCharsets.ISO_8859_1);
    }

    private String lastDetail(String id) {
        return log.changes.stream().filter(c -> c.id().equals(id)).reduce((a, b) -> b).orElseThrow().detail();
    }

    @Test
    void theSignerSeesTheHiddenFinalBytesAndItsFieldGoesOnTopOfExactlyThoseInTheOutboundFolder() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        delivery.bindSigner(signer);
        delivery.enqueue(spool.write("s1", "s1", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());

        String file = deliveredFile("s1");
        String seen = signer.lastSeen();
        // what the signer saw: our Received line first, the internal hops gone, the id a token, CRLF throughout
        assertThat(seen).startsWith("Received: by gateway.test (Streamail) with ESMTP id s1\r\n")
                .doesNotContain("corp.internal", "10.1.2.3", "X-Originating-IP")
                .containsPattern("\r\nMessage-ID: <sm1\\.[A-Za-z0-9_-]+@example\\.org>\r\n")
                .endsWith("\r\n\r\nHello partner.\r\nA line after a bare LF.\r\n");
        assertThat(seen.replace("\r\n", "")).doesNotContain("\n", "\r");
        assertThat(signer.seen.get(0).id()).isEqualTo("s1");
        assertThat(signer.seen.get(0).envelope().direction()).isEqualTo(Direction.OUTBOUND);
        // the file: the envelope as a delivery agent writes it, the signature, then those very bytes
        assertThat(file).isEqualTo("Return-Path: <alice@example.org>\r\nDelivered-To: partner@far.example\r\n"
                + SIGNATURE + seen);
    }

    @Test
    void theSmarthostGetsTheFieldOnTopOfTheBytesTheSignerSaw() throws Exception {
        hop = new ScriptedHop((rcpt, session) -> null);
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        delivery = new Delivery(spool, log, settings(new Hop("127.0.0.1", hop.port(), dir.resolve("unused"),
                Tls.NONE)), Clock.systemUTC());
        delivery.bindSigner(signer);
        delivery.enqueue(spool.write("s2", "s2", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());
        hop.await(1, Duration.ofSeconds(20));
        assertThat(hop.messages.get(0).text()).isEqualTo(SIGNATURE + signer.lastSeen());
        Wait.until("DELIVERED", Duration.ofSeconds(10), () -> log.statuses("s2").contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void aSignerThatThrowsDefersTheMessageWithItsReasonAndTheNextAttemptSendsItSigned() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        signer.answer.set(new IllegalStateException("keys 'example.org.s1.pem' is open to group or others"));
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        delivery.bindSigner(signer);
        delivery.enqueue(spool.write("s3", "s3", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());

        Wait.until("DEFERRED", Duration.ofSeconds(10), () -> log.statuses("s3").contains(DeliveryStatus.DEFERRED));
        assertThat(lastDetail("s3")).startsWith("attempt 1, next at ").endsWith(": not signed, nothing sent: "
                + "outbound signer fake failed: keys 'example.org.s1.pem' is open to group or others");
        assertThat(dir.resolve("out").resolve("s3.eml")).doesNotExist();
        assertThat(spool.entries()).hasSize(1);

        signer.answer.set(List.of(SIGNATURE)); // the administrator fixed the key's mode
        assertThat(deliveredFile("s3")).contains(SIGNATURE + "Received: by gateway.test");
        assertThat(signer.seen).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void fieldsThatWouldBreakTheHeaderDeferTheMessage() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        // an empty line would end the header: everything below it would become body
        signer.answer.set(List.of("DKIM-Signature: v=1;\r\n\r\n"));
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        delivery.bindSigner(signer);
        delivery.enqueue(spool.write("s4", "s4", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());
        Wait.until("DEFERRED", Duration.ofSeconds(10), () -> log.statuses("s4").contains(DeliveryStatus.DEFERRED));
        assertThat(lastDetail("s4")).contains("not signed, nothing sent: outbound signer fake answered a header field"
                + " that is not acceptable (field 1: a line break not followed by a space or tab (not folding))");
        assertThat(dir.resolve("out").resolve("s4.eml")).doesNotExist();
    }

    @Test
    void nothingToSignLetsTheMessageLeaveUnsignedInItsFinalForm() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        signer.answer.set(List.of()); // no key for the author's domain
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        delivery.bindSigner(signer);
        delivery.enqueue(spool.write("s5", "s5", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());
        String file = deliveredFile("s5");
        assertThat(file).isEqualTo("Return-Path: <alice@example.org>\r\nDelivered-To: partner@far.example\r\n"
                + signer.lastSeen()).doesNotContain("DKIM-Signature");
    }

    @Test
    void inboundMailIsNeverSigned() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        FakeSigner signer = new FakeSigner();
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        delivery.bindSigner(signer);
        byte[] msg = "From: sender@example.com\r\nTo: user@example.org\r\nSubject: in\r\n\r\nbare\nLF\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        delivery.enqueue(spool.write("i1", "i1", Mail.envelope(), null, msg), Verdict.clean());
        Wait.until("DELIVERED", Duration.ofSeconds(20), () -> log.statuses("i1").contains(DeliveryStatus.DELIVERED));
        String file = Files.readString(dir.resolve("in").resolve("i1.eml"), StandardCharsets.ISO_8859_1);
        assertThat(file).doesNotContain("DKIM-Signature").endsWith("\r\n\r\nbare\nLF\r\n");
        assertThat(signer.seen).isEmpty();
    }

    @Test
    void withoutASignerTheOutboundFileIsByteForByteWhatItWasBeforeSigningExisted() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, toFolder(), Clock.systemUTC());
        Envelope env = outbound();
        delivery.enqueue(spool.write("u1", "u1", env, null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());
        String file = deliveredFile("u1");
        // streamed as before: our lines, then the spooled bytes with the hops and ids hidden, the bare LF kept
        String hiddenId = file.substring(file.indexOf("Message-ID: "), file.indexOf("\r\n\r\n") + 2);
        assertThat(file).isEqualTo("Return-Path: <alice@example.org>\r\nDelivered-To: partner@far.example\r\n"
                + "Received: by gateway.test (Streamail) with ESMTP id u1\r\n\tfor <partner@far.example>; "
                + Delivery.RFC5322.format(env.receivedAt()) + "\r\n"
                + "From: Alice <alice@example.org>\r\nTo: partner@far.example\r\nSubject: quarterly figures\r\n"
                + hiddenId + "\r\nHello partner.\nA line after a bare LF.\r\n");
        assertThat(hiddenId).startsWith("Message-ID: <sm1.");
    }

    @Test
    void requiredSigningWithoutASignerDefersUntilOneIsBound() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, toFolder().withSignRequired(true), Clock.systemUTC());
        delivery.enqueue(spool.write("r1", "r1", outbound(), null, INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());
        Wait.until("DEFERRED", Duration.ofSeconds(10), () -> log.statuses("r1").contains(DeliveryStatus.DEFERRED));
        assertThat(lastDetail("r1")).contains("not signed, nothing sent: outbound.sign.required is true and no "
                + "outbound signer is bound");
        // inbound mail does not wait for a signer
        delivery.enqueue(spool.write("i2", "i2", Mail.envelope(), null, Mail.message("in")), Verdict.clean());
        Wait.until("inbound DELIVERED", Duration.ofSeconds(10),
                () -> log.statuses("i2").contains(DeliveryStatus.DELIVERED));
        assertThat(dir.resolve("out").resolve("r1.eml")).doesNotExist();

        FakeSigner signer = new FakeSigner();
        delivery.bindSigner(signer);
        assertThat(deliveredFile("r1")).contains(SIGNATURE + "Received: by gateway.test");
    }

    @Test
    void aGreedyReplacementKeepsTheNewSignerWhenTheOldOneIsUnbound() throws Exception {
        delivery = new Delivery(new Spool(dir.resolve("spool")), log, toFolder(), Clock.systemUTC());
        FakeSigner a = new FakeSigner();
        FakeSigner b = new FakeSigner();
        delivery.bindSigner(a);
        delivery.bindSigner(b); // DS binds the higher-ranking one first, then unbinds the old one
        delivery.unbindSigner(a);
        assertThat(delivery.boundSigner()).isSameAs(b);
        delivery.unbindSigner(b);
        assertThat(delivery.boundSigner()).isNull();
    }

    // ------------------------------------------------------------------ the pieces

    @Test
    void lineEndsBecomeCrlfAsTheSmtpClientWritesThemWhateverTheWritesLookLike() throws Exception {
        String in = "a\r\nb\nc\rd\r\r\ne\n\rf\r";
        String expected = "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n\r\nf\r\n";
        byte[] bytes = in.getBytes(StandardCharsets.US_ASCII);
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            OutboundSigning.Crlf crlf = new OutboundSigning.Crlf(out);
            for (int i = 0; i < bytes.length; i += chunk) {
                crlf.write(bytes, i, Math.min(chunk, bytes.length - i));
            }
            crlf.finish();
            assertThat(out.toString(StandardCharsets.US_ASCII)).as("chunks of " + chunk).isEqualTo(expected);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutboundSigning.Crlf crlf = new OutboundSigning.Crlf(out);
        for (byte b : bytes) {
            crlf.write(b);
        }
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(expected);
    }

    @Test
    void aMessageLargerThanTheBufferIsNotSignedAndSaysSo() {
        FakeSigner signer = new FakeSigner();
        byte[] big = new byte[OutboundSigning.HEADROOM + 101];
        assertThatThrownBy(() -> OutboundSigning.sign(signer, "x1", outbound(), 100, out -> out.write(big)))
                .isInstanceOf(OutboundSigning.NotSigned.class)
                .hasMessage("not signed, nothing sent: in its final form the message is larger than "
                        + (OutboundSigning.HEADROOM + 100) + " bytes, the most it may take in memory to be signed by"
                        + " outbound signer fake");
        assertThat(signer.seen).isEmpty();
    }

    @Test
    void onlyCompleteFoldedUsAsciiFieldsWithinTheBoundsAreAccepted() throws Exception {
        assertThat(OutboundSigning.problem("DKIM-Signature: v=1;\r\n\tb=abc;\r\n d=x\r\n")).isNull();
        assertThat(OutboundSigning.problem("X: \r\n")).isNull();
        assertThat(OutboundSigning.problem("DKIM-Signature: v=1;")).isEqualTo("it does not end with CRLF");
        assertThat(OutboundSigning.problem(": v\r\n")).isEqualTo("no field name before a colon");
        assertThat(OutboundSigning.problem("Bad Name: v\r\n"))
                .isEqualTo("the name has a character other than printable US-ASCII");
        assertThat(OutboundSigning.problem("X: a\nb\r\n")).isEqualTo("an LF without CR");
        assertThat(OutboundSigning.problem("X: a\rb\r\n")).isEqualTo("a CR without LF");
        assertThat(OutboundSigning.problem("X: a\r\nY: b\r\n"))
                .isEqualTo("a line break not followed by a space or tab (not folding)");
        assertThat(OutboundSigning.problem("X: a\r\n \t\r\n")).isEqualTo("a folded line of white space only");
        assertThat(OutboundSigning.problem("X: caf\u00e9\r\n")).isEqualTo("a character other than US-ASCII text");
        assertThat(OutboundSigning.problem("X: a\u0000\r\n")).isEqualTo("a character other than US-ASCII text");
        assertThat(OutboundSigning.problem("X: " + "a".repeat(996) + "\r\n"))
                .isEqualTo("a line longer than 998 characters");
        assertThat(OutboundSigning.problem("X: " + "a".repeat(995) + "\r\n")).isNull();

        assertThat(OutboundSigning.checkedFields("s", List.of("A: 1\r\n", "B: 2\r\n")))
                .isEqualTo("A: 1\r\nB: 2\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> OutboundSigning.checkedFields("s", java.util.Collections.nCopies(17, "A: 1\r\n")))
                .hasMessageContaining("17 header fields, more than 16");
        String long1 = "A: " + ("x".repeat(900) + "\r\n ").repeat(40) + "y\r\n";
        assertThatThrownBy(() -> OutboundSigning.checkedFields("s", List.of(long1, long1)))
                .hasMessageContaining("more than 65536 bytes");
        assertThatThrownBy(() -> OutboundSigning.checkedFields("s", null)).hasMessageContaining("answered null");
    }
}
