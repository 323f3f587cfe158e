package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.NewDkimKey;

/**
 * Our signatures verified by a verifier written by others: dkimpy, Debian's {@code python3-dkim}, run as a child
 * process ({@code src/test/resources/dkim/dkimpy_verify.py}) whose key look-up answers the record
 * {@code streamail:dkim-keygen} prints, from the test, never from DNS. The keys are made by the component as the
 * command makes them; the messages are signed by the registered signer as delivery asks it. RSA and Ed25519, relaxed and
 * simple, a signature with an expiry, UTF-8 and folded fields, a domain's RSA and Ed25519 pair (each of the two
 * signatures verified on its own); and dkimpy refuses a changed body and an added From (so a PASS means something).
 *
 * <p>Skipped when {@code python3} with the {@code dkim} module (and {@code nacl}, for Ed25519) is missing, unless
 * {@code STREAMAIL_REQUIRE_DKIMPY=true} (CI, {@code .ci/run}), which turns that into a failure.
 */
class DkimpyInteropTest {

    static final String REQUIRE_ENV = "STREAMAIL_REQUIRE_DKIMPY";
    /** Debian's interpreter, the one its python3-dkim is installed for; else whatever python3 the PATH has. */
    static final List<String> PYTHONS = List.of("/usr/bin/python3", "python3");

    private static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findDkimpy() {
        List<String> tried = new ArrayList<>();
        for (String p : PYTHONS) {
            if (p.startsWith("/") && !Files.isExecutable(Path.of(p))) {
                tried.add(p + ": not there");
                continue;
            }
            try {
                Run r = run(List.of(p, "-c", "import dkim, nacl; print(dkim.__file__)"));
                if (r.exit == 0) {
                    python = p;
                    return;
                }
                tried.add(p + ": " + r.output.strip().lines().reduce((a, b) -> b).orElse("exit " + r.exit));
            } catch (IOException e) {
                tried.add(p + ": " + e.getMessage());
            }
        }
        String why = "python3 with dkimpy is missing (apt-get install python3-dkim): " + tried;
        if ("true".equalsIgnoreCase(System.getenv(REQUIRE_ENV))) {
            fail(REQUIRE_ENV + "=true but " + why);
        }
        assumeTrue(false, why);
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(64 * 1024);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within 60 s");
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** dkimpy's verdict on the first signature of {@code message} with the key record {@code key} published. */
    private Run dkimpy(String message, NewDkimKey key) throws Exception {
        return dkimpy(message, 1, List.of(key));
    }

    /**
     * dkimpy's verdicts on the first {@code signatures} signatures of {@code message}, each on its own (its
     * {@code verify(idx=n)}), one line each, with the records of {@code keys} published; exit 0 when all pass.
     */
    private Run dkimpy(String message, int signatures, List<NewDkimKey> keys) throws Exception {
        return dkimpy(List.of("--signatures", String.valueOf(signatures)), message.getBytes(StandardCharsets.UTF_8),
                keys);
    }

    /** dkimpy's ARC chain validation of {@code message} (one char per byte) with the records of {@code keys}. */
    private Run dkimpyArc(String message, List<NewDkimKey> keys) throws Exception {
        return dkimpy(List.of("--arc"), message.getBytes(StandardCharsets.ISO_8859_1), keys);
    }

    private Run dkimpy(List<String> mode, byte[] message, List<NewDkimKey> keys) throws Exception {
        Path file = Files.createTempFile(dir, "msg", ".eml");
        Files.write(file, message);
        Path script = Path.of(DkimpyInteropTest.class.getResource("/dkim/dkimpy_verify.py").toURI());
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(mode);
        command.add(file.toString());
        for (NewDkimKey k : keys) {
            command.add(k.record().name());
            command.add(k.record().text());
        }
        return run(command);
    }

    private final List<OutboundSigner> registered = new ArrayList<>();

    private DkimSigning component() {
        return new DkimSigning(SignSettings.from(SignFixtures.config(Map.of())), signer -> {
            registered.add(signer);
            return () -> registered.remove(signer);
        }, Clock.systemUTC());
    }

    private OutboundSigner configure(DkimSigning c, NewDkimKey key, String canonicalization, String expiry) {
        return configure(c, List.of(key), canonicalization, expiry);
    }

    private OutboundSigner configure(DkimSigning c, List<NewDkimKey> keys, String canonicalization, String expiry) {
        Map<String, Object> config = new HashMap<>(Map.of("enabled", true, "keys", String.join(", ",
                keys.stream().map(NewDkimKey::keysEntry).toList()), "canonicalization", canonicalization));
        if (expiry != null) {
            config.put("expiry", expiry);
        }
        c.modified(SignFixtures.config(config), Map.of());
        return registered.get(0);
    }

    static final String MESSAGE = "Received: by gw.example.org (Streamail) with ESMTP id 20261207T1200-1\r\n"
            + "\tfor <partner@far.example>; Mon, 7 Dec 2026 12:00:00 +0000\r\n"
            + "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>\r\n"
            + "To: Partner <partner@far.example>,\r\n Other   Partner <other@far.example>\r\n"
            + "Subject: Quarterly\tfigures\r\n"
            + "Date: Mon, 7 Dec 2026 11:59:00 +0000\r\n"
            + "Message-ID: <sm1.Zm9vYmFy@example.org>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Grüße,  \r\n\r\nthe figures\tare attached.\r\n.\r\n..dots\r\n\r\n\r\n";

    @Test
    void dkimpyVerifiesOurRsaAndEd25519SignaturesInEveryCanonicalisation() throws Exception {
        DkimSigning c = component();
        NewDkimKey rsa = c.generate("example.org", "s2026", DkimAlgorithm.RSA, 2048, dir.resolve("keys"));
        NewDkimKey ed = c.generate("example.org", "e2026", DkimAlgorithm.ED25519, 0, dir.resolve("keys"));
        for (NewDkimKey key : List.of(rsa, ed)) {
            for (String canon : List.of("relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed")) {
                OutboundSigner signer = configure(c, key, canon, canon.equals("relaxed/relaxed") ? "P7D" : null);
                String signed = String.join("", signer.sign(SignFixtures.outbound("joerg@example.org", MESSAGE)))
                        + MESSAGE;
                Run r = dkimpy(signed, key);
                assertThat(r.exit).as(key.algorithm() + " " + canon + ": " + r.output + "\n" + signed).isZero();
                assertThat(r.output).startsWith("PASS " + key.algorithm().signatureAlgorithm());
            }
        }
    }

    @Test
    void dkimpyVerifiesEachSignatureOfAnRsaAndEd25519PairAndRefusesBothOnAChangedMessage() throws Exception {
        DkimSigning c = component();
        NewDkimKey rsa = c.generate("example.org", "s2026", DkimAlgorithm.RSA, 2048, dir.resolve("keys"));
        NewDkimKey ed = c.generate("example.org", "e2026", DkimAlgorithm.ED25519, 0, dir.resolve("keys"));
        for (String canon : List.of("relaxed/relaxed", "simple/simple")) {
            // configured Ed25519 first: the RSA signature goes on top all the same
            OutboundSigner signer = configure(c, List.of(ed, rsa), canon, canon.equals("simple/simple") ? "P7D" : null);
            List<String> fields = signer.sign(SignFixtures.outbound("joerg@example.org", MESSAGE));
            assertThat(fields).hasSize(2);
            String signed = String.join("", fields) + MESSAGE;
            Run r = dkimpy(signed, 2, List.of(rsa, ed));
            assertThat(r.exit).as(canon + ": " + r.output + "\n" + signed).isZero();
            assertThat(r.output.strip().lines()).containsExactly("PASS rsa-sha256 s2026", "PASS ed25519-sha256 e2026");
            // each one alone, in the other order on top: a receiver may drop or reorder them
            assertThat(dkimpy(fields.get(1) + fields.get(0) + MESSAGE, 2, List.of(rsa, ed)).output.strip().lines())
                    .containsExactly("PASS ed25519-sha256 e2026", "PASS rsa-sha256 s2026");
            // a changed Subject: dkimpy refuses both
            Run changed = dkimpy(signed.replace("Quarterly", "Quarterlx"), 2, List.of(rsa, ed));
            assertThat(changed.exit).as(changed.output).isEqualTo(1);
            assertThat(changed.output.strip().lines()).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("FAIL"));
        }
    }

    static final String INBOUND = "Received: from mx.far.example (mx.far.example [192.0.2.9])\r\n"
            + "\tby gw.example.org (Streamail) with ESMTP id 1; Tue, 8 Dec 2026 09:00:00 +0000\r\n"
            + "From: Partner <partner@far.example>\r\n"
            + "To: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>\r\n"
            + "Subject: Re: Quarterly\tfigures\r\n"
            + "Date: Tue, 8 Dec 2026 08:59:00 +0000\r\n"
            + "Message-ID: <re1@far.example>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "\r\n"
            + "Thanks, see https://gw.example.org/l/abc  \r\n\r\n";

    @Test
    void dkimpyValidatesOurArcSetsAndRefusesAChangedBodyOrSeal() throws Exception {
        DkimSigning c = component();
        NewDkimKey rsa = c.generate("example.org", "arc2026", DkimAlgorithm.RSA, 2048, dir.resolve("keys"));
        NewDkimKey other = c.generate("example.org", "arc2027", DkimAlgorithm.RSA, 3072, dir.resolve("keys"));
        String results = "spf=pass smtp.mailfrom=far.example; dkim=none; dmarc=none header.from=far.example";
        java.time.Instant now = java.time.Instant.now();
        org.streamail.detect.auth.internal.dkim.SigningKey rsaKey = KeyFile.load("example.org", "arc2026",
                Path.of(rsa.file())).key();
        org.streamail.detect.auth.internal.dkim.SigningKey otherKey = KeyFile.load("example.org", "arc2027",
                Path.of(other.file())).key();
        // i=1, then i=2 (cv=pass) with another key on top of it, as a second gateway of ours would seal. (RSA only:
        // dkimpy, like the big receivers, knows no ed25519-sha256 ARC set; the sealer's configuration refuses one)
        String one = String.join("", org.streamail.detect.auth.internal.dkim.ArcSealer.seal(
                INBOUND.getBytes(StandardCharsets.ISO_8859_1), rsaKey, "gw.example.org", results, false, now).fields())
                + INBOUND;
        Run first = dkimpyArc(one, List.of(rsa));
        assertThat(first.exit).as(first.output + "\n" + one).isZero();
        assertThat(first.output).startsWith("pass 1");
        String two = String.join("", org.streamail.detect.auth.internal.dkim.ArcSealer.seal(
                one.getBytes(StandardCharsets.ISO_8859_1), otherKey, "gw2.example.org", "arc=pass", true, now).fields())
                + one;
        Run second = dkimpyArc(two, List.of(rsa, other));
        assertThat(second.exit).as(second.output + "\n" + two).isZero();
        assertThat(second.output).startsWith("pass 2");
        // a body changed after the newest seal, an older set changed under it: dkimpy refuses both
        assertThat(dkimpyArc(two.replace("see https", "see http"), List.of(rsa, other)).output).startsWith("fail");
        assertThat(dkimpyArc(two.replace("dkim=none", "dkim=pass"), List.of(rsa, other)).output).startsWith("fail");
    }

    @Test
    void dkimpyRefusesAChangedBodyAndAFromAddedAboveTheSignature() throws Exception {
        DkimSigning c = component();
        NewDkimKey key = c.generate("example.org", "s1", DkimAlgorithm.RSA, 0, dir.resolve("keys"));
        OutboundSigner signer = configure(c, key, "relaxed/relaxed", null);
        String field = String.join("", signer.sign(SignFixtures.outbound("joerg@example.org", MESSAGE)));
        assertThat(dkimpy(field + MESSAGE, key).exit).isZero();
        assertThat(dkimpy(field + MESSAGE.replace("attached", "enclosed"), key).output)
                .startsWith("FAIL body hash mismatch");
        // over-signed: a second From on top is refused by dkimpy too
        Run added = dkimpy("From: ceo@example.org\r\n" + field + MESSAGE, key);
        assertThat(added.exit).as(added.output).isEqualTo(1);
        assertThat(added.output).startsWith("FAIL");
        // an unsigned field added on the way does not matter
        assertThat(dkimpy("X-Relay: mx.far.example\r\n" + field + MESSAGE, key).exit).isZero();
    }
}
