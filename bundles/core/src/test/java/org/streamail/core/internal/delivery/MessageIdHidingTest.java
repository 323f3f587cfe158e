package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/** Internal host names in outbound message ids: hidden as tokens, and brought back in inbound replies. */
class MessageIdHidingTest {

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

    private MessageIdHiding hiding() {
        return new MessageIdHiding(MessageIdHiding.DEFAULT_SUFFIXES, dir.resolve("keys").resolve("message-id.key"));
    }

    private static String filter(String message, Set<String> fields, MessageIdFilter.IdMap map) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageIdFilter f = new MessageIdFilter(out, fields, map);
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        // in uneven pieces, as a stream writes them
        for (int i = 0; i < b.length; i += 7) {
            f.write(b, i, Math.min(7, b.length - i));
        }
        f.finish();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void internalIdsAreRecognisedByTheirDomainOnly() {
        MessageIdHiding h = hiding();
        assertThat(List.of("1@exch01.corp.internal", "a.b@ws12.CORP", "x@mail.local", "x@host.home.arpa",
                "x@srv.localdomain", "x@[10.1.2.3]", "x@[IPv6:fd00::1]", "x@192.168.1.5", "x@fd00::5", "x@exch01",
                "x@intranet"))
                .allSatisfy(id -> assertThat(h.internal(id)).as(id).isTrue());
        assertThat(List.of("q1@example.org", "x@mail.example.com", "x@corp.example", "x@internalize.com",
                "no-at-sign", "x@"))
                .allSatisfy(id -> assertThat(h.internal(id)).as(id).isFalse());
        assertThat(MessageIdHiding.suffixes("outbound.internal.suffixes", " .Corp , ad.example,,"))
                .containsExactly("corp", "ad.example");
        assertThatThrownBy(() -> MessageIdHiding.suffixes("outbound.internal.suffixes", "corp, bad_suffix!"))
                .hasMessage("outbound.internal.suffixes must be comma-separated domain suffixes such as corp,internal; "
                        + "got 'bad_suffix!'");
    }

    @Test
    void aTokenIsStableDecodesBackAndATamperedOneDoesNot() throws Exception {
        MessageIdHiding h = hiding();
        String token = h.encode("20261203.77@exch01.corp.internal", "example.org");
        assertThat(token).startsWith("sm1.").endsWith("@example.org").doesNotContain("corp", "exch01");
        assertThat(token.substring(4, token.indexOf('@'))).matches("[A-Za-z0-9_-]+");
        assertThat(h.encode("20261203.77@exch01.corp.internal", "example.org")).as("deterministic").isEqualTo(token);
        assertThat(h.encode("20261203.78@exch01.corp.internal", "example.org")).isNotEqualTo(token);
        assertThat(h.decode(token)).isEqualTo("20261203.77@exch01.corp.internal");
        assertThat(h.decode(token.replace("@example.org", "@other.example"))).as("the domain is not part of it")
                .isEqualTo("20261203.77@exch01.corp.internal");

        // the key file was made at the first use: 32 random bytes, mode 600
        Path key = dir.resolve("keys").resolve("message-id.key");
        assertThat(Files.size(key)).isEqualTo(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        byte[] raw = Base64.getUrlDecoder().decode(token.substring(4, token.indexOf('@')));
        for (int i : new int[] {0, 11, 12, raw.length / 2, raw.length - 1}) {
            byte[] t = raw.clone();
            t[i] ^= 1;
            String tampered = "sm1." + Base64.getUrlEncoder().withoutPadding().encodeToString(t) + "@example.org";
            assertThat(h.decode(tampered)).as("byte %d flipped", i).isNull();
        }
        assertThat(h.decode("sm1.not*base64@example.org")).isNull();
        assertThat(h.decode("sm1.AAAA@example.org")).isNull();
        assertThat(h.decode("q1@example.org")).isNull();
        // another gateway's key
        MessageIdHiding other = new MessageIdHiding(MessageIdHiding.DEFAULT_SUFFIXES, dir.resolve("other.key"));
        assertThat(other.decode(token)).isNull();
        assertThat(other.decode(other.encode("a@b.lan", "example.org"))).isEqualTo("a@b.lan");
    }

    @Test
    void aKeyFileOpenToOthersOrOfTheWrongSizeIsRefusedNamingTheProperty() throws Exception {
        Path key = dir.resolve("k");
        Files.write(key, new byte[32]);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> new MessageIdHiding(List.of(), key))
                .hasMessageStartingWith("outbound.id.secret.file 'k' is open to group or others");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.write(key, new byte[16]);
        assertThatThrownBy(() -> new MessageIdHiding(List.of(), key))
                .hasMessage("outbound.id.secret.file 'k' must hold 32 bytes, has 16");
    }

    @Test
    void fieldsWithoutAnInternalIdAndEverythingElseStayByteForByte() throws Exception {
        String msg = "Received: from x\r\n\tby y\r\nMessage-ID:   <q1@example.org> (comment)\r\n"
                + "References: <a@example.org>\r\n <b@example.net>\r\nSubject: Message-ID: <z@corp.internal>\r\n"
                + "\r\nMessage-ID: <body@exch01.corp.internal>\r\nIn-Reply-To: <x@[10.0.0.1]>\r\n";
        MessageIdHiding h = hiding();
        assertThat(filter(msg, MessageIdFilter.ALL_ID_FIELDS, id -> h.internal(id) ? h.encode(id, "e.org") : null))
                .isEqualTo(msg);
        assertThat(filter("Subject: all header\n", MessageIdFilter.ALL_ID_FIELDS, id -> "never"))
                .isEqualTo("Subject: all header\n");
    }

    @Test
    void aFieldWithAnInternalIdIsWrittenAnewWithItsOwnLineEndings() throws Exception {
        MessageIdFilter.IdMap map = id -> id.endsWith(".lan") ? "T-" + id.substring(0, id.indexOf('@')) + "@e.org" : null;
        String msg = "From: a@e.org\nMESSAGE-ID:\n <m1@pc.lan>\nReferences: <r1@e.org> (c) <r2@pc.lan>\n\t<r3@e.org>\n"
                + "Subject: s\n\nbody <r2@pc.lan>\n";
        assertThat(filter(msg, MessageIdFilter.ALL_ID_FIELDS, map)).isEqualTo("From: a@e.org\n"
                + "MESSAGE-ID: <T-m1@e.org>\nReferences: <r1@e.org>\n <T-r2@e.org>\n <r3@e.org>\nSubject: s\n\n"
                + "body <r2@pc.lan>\n");
        // a header that ends inside the field
        assertThat(filter("In-Reply-To: <x@pc.lan>", MessageIdFilter.ALL_ID_FIELDS, map))
                .isEqualTo("In-Reply-To: <T-x@e.org>\r\n");
    }

    @Test
    void referencesAreBoundedToTheFirstAndTheLastIdsAndLongFieldsAreWrittenAnew() throws Exception {
        StringBuilder refs = new StringBuilder("References:");
        for (int i = 0; i < 150; i++) {
            refs.append(" <id").append(i).append("@example.org>");
            if (i % 3 == 2 && i < 149) {
                refs.append("\r\n");
            }
        }
        String out = filter(refs + "\r\nSubject: s\r\n\r\nb\r\n", MessageIdFilter.ALL_ID_FIELDS, id -> null);
        List<String> ids = ids(out.substring(0, out.indexOf("Subject:")));
        assertThat(ids).hasSize(MessageIdFilter.MAX_IDS).startsWith("id0@example.org", "id51@example.org")
                .endsWith("id149@example.org");
        assertThat(out).endsWith("\r\n <id149@example.org>\r\nSubject: s\r\n\r\nb\r\n");

        // one field over the byte bound, with few ids (long comments): written anew, ids kept, no comment
        String padded = "References: <a@example.org> (" + "x".repeat(MessageIdFilter.MAX_FIELD_BYTES) + ") <b@example.org>\r\n\r\n";
        assertThat(filter(padded, MessageIdFilter.ALL_ID_FIELDS, id -> null))
                .isEqualTo("References: <a@example.org>\r\n <b@example.org>\r\n\r\n");
    }

    private static List<String> ids(String s) {
        Matcher m = Pattern.compile("<([^>]*)>").matcher(s);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    // ------------------------------------------------------------------ through the delivery

    private DeliveryConfig config(Map<String, Object> values) {
        Map<String, Object> all = new HashMap<>(values);
        all.put("local_folder", dir.resolve("in").toString());
        all.put("outbound_local_folder", dir.resolve("out").toString());
        all.put("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        return DeliveryConfigs.of(all);
    }

    private String deliver(Spool spool, String id, Direction d, String sender, String message) throws Exception {
        Envelope env = new Envelope(sender, List.of("someone@example.net"), "192.0.2.9", "client.example", false,
                Instant.now(), d, null);
        delivery.enqueue(spool.write(id, id, env, null, message.getBytes(StandardCharsets.UTF_8)), Verdict.clean());
        Wait.until(id + " delivered", Duration.ofSeconds(20), () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
        return Files.readString(dir.resolve(d == Direction.OUTBOUND ? "out" : "in").resolve(id + ".eml"),
                StandardCharsets.UTF_8);
    }

    @Test
    void anOutboundIdIsHiddenAndTheReplyToItIsThreadedInsideAgain() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, config(Map.of()));
        assertThat(delivery.configurationError()).isEmpty();

        String sent = deliver(spool, "o1", Direction.OUTBOUND, "alice@Example.ORG", "From: Alice <alice@example.org>\r\n"
                + "To: partner@example.net\r\nSubject: figures\r\n"
                + "Message-ID: <20261203.77.alice@exch01.corp.internal>\r\n"
                + "In-Reply-To: <p1@example.net>\r\n"
                + "References: <p0@example.net> <20261201.5@[10.1.2.3]>\r\n <p1@example.net>\r\n\r\nHello.\r\n");
        assertThat(sent).doesNotContain("corp.internal", "10.1.2.3").contains("In-Reply-To: <p1@example.net>\r\n",
                "\r\n\r\nHello.\r\n");
        Matcher mid = Pattern.compile("\r\nMessage-ID: <(sm1\\.[A-Za-z0-9_-]+@example\\.org)>\r\n").matcher(sent);
        assertThat(mid.find()).as(sent).isTrue();
        Matcher refs = Pattern.compile("\r\nReferences: <p0@example.net>\r\n <(sm1\\.[A-Za-z0-9_-]+@example\\.org)>"
                + "\r\n <p1@example.net>\r\n").matcher(sent);
        assertThat(refs.find()).as(sent).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("message-id.key"))))
                .isEqualTo("rw-------");

        // the partner answers: its reply comes in with our tokens, one of them tampered with on the way
        String token = mid.group(1);
        String tampered = token.substring(0, 8) + (token.charAt(8) == 'A' ? 'B' : 'A') + token.substring(9);
        String reply = "From: partner@example.net\r\nTo: alice@example.org\r\nSubject: Re: figures\r\n"
                + "Message-ID: <r1@example.net>\r\n"
                + "In-Reply-To: <" + token + ">\r\n"
                + "References: <p0@example.net> <" + refs.group(1) + "> <p1@example.net>\r\n <" + token + "> <"
                + tampered + ">\r\n\r\nThanks; quoting Message-ID: <" + token + ">\r\n";
        String in = deliver(spool, "i1", Direction.INBOUND, "partner@example.net", reply);
        assertThat(in).contains("Message-ID: <r1@example.net>\r\n",
                "In-Reply-To: <20261203.77.alice@exch01.corp.internal>\r\n",
                "References: <p0@example.net>\r\n <20261201.5@[10.1.2.3]>\r\n <p1@example.net>\r\n"
                        + " <20261203.77.alice@exch01.corp.internal>\r\n <" + tampered + ">\r\n",
                "\r\n\r\nThanks; quoting Message-ID: <" + token + ">\r\n");

        // unrelated inbound mail passes byte for byte
        String plain = "From: x@example.net\r\nMessage-ID: <u@example.net>\r\nReferences: <v@example.net>\r\n\r\nHi.\r\n";
        assertThat(deliver(spool, "i2", Direction.INBOUND, "x@example.net", plain)).endsWith(plain);
    }

    @Test
    void withHidingOffOutboundIdsStayAndOnlyOurOwnTokensAreDecoded() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, config(Map.of("outbound_hide_internal", false)));
        String msg = "From: alice@example.org\r\nMessage-ID: <m@exch01.corp.internal>\r\n\r\nHello.\r\n";
        assertThat(deliver(spool, "o2", Direction.OUTBOUND, "alice@example.org", msg)).endsWith(msg);
        assertThat(dir.resolve("message-id.key")).doesNotExist();
        // replies are still decoded (tokens of an earlier time with hiding on), but only our own: a token made with
        // another key is left as it is
        String ours = new MessageIdHiding(List.of(), dir.resolve("message-id.key")).encode("m@x.lan", "example.org");
        String foreign = new MessageIdHiding(List.of(), dir.resolve("foreign.key")).encode("m@x.lan", "example.org");
        assertThat(foreign).isNotEqualTo(ours);
        String reply = "From: p@example.net\r\nIn-Reply-To: <" + foreign + ">\r\n\r\nHi.\r\n";
        assertThat(deliver(spool, "i3", Direction.INBOUND, "p@example.net", reply)).endsWith(reply);
        assertThat(deliver(spool, "i4", Direction.INBOUND, "p@example.net", reply.replace(foreign, ours)))
                .endsWith("From: p@example.net\r\nIn-Reply-To: <m@x.lan>\r\n\r\nHi.\r\n");
    }
}
