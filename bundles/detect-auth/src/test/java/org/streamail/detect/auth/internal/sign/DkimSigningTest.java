package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyFileExistsException;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.api.dkim.DkimStatus;
import org.streamail.api.dkim.NewDkimKey;
import org.streamail.detect.auth.internal.AuthDns;
import org.streamail.detect.auth.internal.dkim.DkimResult;
import org.streamail.detect.auth.internal.dkim.DkimSignatureResult;
import org.streamail.detect.auth.internal.dkim.DkimVerifier;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.Zone;

/**
 * The signing component: which domain a message is signed for, what it does when it cannot sign, its registration as
 * the configuration changes, {@code dkim-status} and {@code dkim-keygen}. Signatures are checked with the bundle's
 * verifier; the independent check is {@link DkimpyInteropTest}.
 */
class DkimSigningTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path dir;

    static KeyPair rsa;
    static KeyPair ed;

    /** Records what the component registers. */
    final List<OutboundSigner> registered = new ArrayList<>();

    @BeforeAll
    static void keys() throws Exception {
        rsa = SignFixtures.keyPair("RSA", 2048);
        ed = SignFixtures.keyPair("Ed25519", 0);
    }

    private DkimSigning component(Map<String, Object> config) {
        return new DkimSigning(SignSettings.from(SignFixtures.config(config)), signer -> {
            registered.add(signer);
            return () -> registered.remove(signer);
        }, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** The configured keys: example.org (RSA) and shop.example (Ed25519). */
    private Map<String, Object> enabled() throws Exception {
        Path a = SignFixtures.keyFile(dir, "example.org.s1.pem", rsa.getPrivate(), "rw-------");
        Path b = SignFixtures.keyFile(dir, "shop.example.e1.pem", ed.getPrivate(), "r--------");
        return Map.of("enabled", true, "keys", "example.org:s1:" + a + ", shop.example:e1:" + b);
    }

    private static Zone zone() {
        return new Zone()
                .txt("s1._domainkey.example.org", "v=DKIM1; k=rsa; p=" + java.util.Base64.getEncoder()
                        .encodeToString(rsa.getPublic().getEncoded()))
                .txt("e1._domainkey.shop.example", "v=DKIM1; k=ed25519; p=" + java.util.Base64.getEncoder()
                        .encodeToString(java.util.Arrays.copyOfRange(ed.getPublic().getEncoded(), 12, 44)));
    }

    /** The message signed, as it leaves: the field on top of the bytes the signer got. */
    private static String signed(OutboundSigner signer, String sender, String message) throws Exception {
        List<String> fields = signer.sign(SignFixtures.outbound(sender, message));
        return String.join("", fields) + message;
    }

    private static List<DkimSignatureResult> verify(String message) {
        return new DkimVerifier(zone(), 5, 1024).verify(message.getBytes(StandardCharsets.UTF_8), NOW, Instant.MAX);
    }

    @Test
    void mailIsSignedForItsFromDomainOrItsClosestParentWithAKeyNeverForTheEnvelopeSender() throws Exception {
        DkimSigning c = component(enabled());
        assertThat(registered).hasSize(1);
        OutboundSigner signer = registered.get(0);
        assertThat(signer.name()).isEqualTo("dkim");

        String own = signed(signer, "alice@example.org", SignFixtures.message("Alice <alice@example.org>", "a"));
        assertThat(verify(own)).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(DkimResult.PASS);
            assertThat(r.domain()).isEqualTo("example.org");
            assertThat(r.algorithm()).isEqualTo("rsa-sha256");
        });
        // a subdomain signs with its parent's key: aligned under DMARC's relaxed rule
        String sub = signed(signer, "news@example.org", SignFixtures.message("news@mail.Example.org", "b"));
        assertThat(verify(sub)).singleElement().satisfies(r -> assertThat(r.domain()).isEqualTo("example.org"));
        String ed = signed(signer, "x@example.org", SignFixtures.message("Shop <orders@shop.example>", "c"));
        assertThat(verify(ed)).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(DkimResult.PASS);
            assertThat(r.algorithm()).isEqualTo("ed25519-sha256");
        });
        // the From domain has no key: unsigned, whatever the envelope sender's domain
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org",
                SignFixtures.message("alice@other.example", "d")))).isEmpty();
        // no single author: unsigned
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org",
                SignFixtures.message("alice@example.org, bob@example.org", "e")))).isEmpty();
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org",
                "From: alice@example.org\r\n" + SignFixtures.message("bob@example.org", "f")))).isEmpty();
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org", "Subject: no from\r\n\r\nx\r\n"))).isEmpty();
        c.deactivate();
        assertThat(registered).isEmpty();
    }

    @Test
    void aKeyFileThatCannotBeUsedMakesItsDomainsMailWaitAndNoOtherDomains() throws Exception {
        Map<String, Object> config = enabled();
        DkimSigning c = component(config);
        OutboundSigner signer = registered.get(0);
        Path a = dir.resolve("example.org.s1.pem");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> signer.sign(SignFixtures.outbound("alice@example.org",
                SignFixtures.message("alice@example.org", "a")))).isInstanceOf(IllegalStateException.class)
                .hasMessage("keys 'example.org.s1.pem' is open to group or others (mode rw-r--r--); it must be 600"
                        + " or 400 (chmod 600)");
        assertThat(signer.sign(SignFixtures.outbound("x@shop.example", SignFixtures.message("x@shop.example", "b"))))
                .hasSize(1);
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-------"));
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org",
                SignFixtures.message("alice@example.org", "a")))).hasSize(1);

        // missing at activation: the component starts all the same, the status says why
        Files.delete(a);
        DkimSigning again = component(config);
        assertThat(again.status(false).keys()).first().satisfies(k -> {
            assertThat(k.usable()).isFalse();
            assertThat(k.problem()).isEqualTo("keys 'example.org.s1.pem' does not exist or is not a regular file");
            assertThat(k.algorithm()).isEmpty();
            assertThat(k.record()).isEmpty();
        });
        c.deactivate();
        again.deactivate();
    }

    /** example.org with an Ed25519 key listed first and an RSA key, and shop.example with its Ed25519 key. */
    private Map<String, Object> pair() throws Exception {
        Path r = SignFixtures.keyFile(dir, "example.org.s1.pem", rsa.getPrivate(), "rw-------");
        Path e = SignFixtures.keyFile(dir, "example.org.e1.pem", ed.getPrivate(), "rw-------");
        Path b = SignFixtures.keyFile(dir, "shop.example.e1.pem", ed.getPrivate(), "r--------");
        return Map.of("enabled", true, "keys", "example.org:e1:" + e + ", shop.example:e1:" + b + ", example.org:s1:"
                + r);
    }

    /** The zone with example.org's Ed25519 key published at e1 too. */
    private static Zone pairZone() {
        return zone().txt("e1._domainkey.example.org", "v=DKIM1; k=ed25519; p=" + java.util.Base64.getEncoder()
                .encodeToString(java.util.Arrays.copyOfRange(ed.getPublic().getEncoded(), 12, 44)));
    }

    /** Replaces {@code name} by a new file (another inode) holding {@code key}, mode 600, as an editor or mv does. */
    private Path replace(String name, java.security.PrivateKey key) throws Exception {
        Path fresh = SignFixtures.keyFile(dir, name + ".new", key, "rw-------");
        return Files.move(fresh, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aDomainWithAnRsaAndAnEd25519KeyGetsBothSignaturesRsaOnTopAndBothVerify() throws Exception {
        DkimSigning c = component(pair());
        OutboundSigner signer = registered.get(0);
        String inside = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from; bh=AAAA; b=AAAA\r\n";
        for (String from : List.of("Alice <alice@example.org>", "news@eu.example.org")) {
            String message = inside + SignFixtures.message(from, "pair");
            List<String> fields = signer.sign(SignFixtures.outbound("x@example.org", message));
            assertThat(fields).hasSize(2);
            assertThat(fields.get(0)).startsWith("DKIM-Signature: v=1; a=rsa-sha256;").contains("d=example.org;",
                    "s=s1;");
            assertThat(fields.get(1)).startsWith("DKIM-Signature: v=1; a=ed25519-sha256;").contains("d=example.org;",
                    "s=e1;");
            assertThat(fields).allSatisfy(f -> assertThat(f.replace("\r\n\t", "")).doesNotContainIgnoringCase(
                    "dkim-signature:from").containsPattern("h=from:from:[a-z:-]+;")
                    .doesNotContainPattern("h=[a-z:-]*dkim-signature"));
            List<DkimSignatureResult> results = new DkimVerifier(pairZone(), 5, 1024).verify(
                    (String.join("", fields) + message).getBytes(StandardCharsets.UTF_8), NOW, Instant.MAX);
            assertThat(results).hasSize(3);
            assertThat(results.subList(0, 2)).allSatisfy(r -> {
                assertThat(r.result()).isEqualTo(DkimResult.PASS);
                assertThat(r.domain()).isEqualTo("example.org");
            });
            assertThat(results).extracting(DkimSignatureResult::selector).containsExactly("s1", "e1", "s1");
            assertThat(results.get(2).result()).as("the inside's, left as it was").isEqualTo(DkimResult.FAIL);
        }
        // a domain with one key still gets one signature
        assertThat(signer.sign(SignFixtures.outbound("x@shop.example", SignFixtures.message("x@shop.example", "one"))))
                .singleElement().asString().contains("a=ed25519-sha256;");
        // both keys of the pair are listed, each as its own entry, in configuration order
        assertThat(c.status(false).keys()).extracting(k -> k.domain() + ":" + k.selector() + ":" + k.algorithm()
                .orElseThrow() + ":" + k.usable()).containsExactly("example.org:e1:ed25519:true",
                "shop.example:e1:ed25519:true", "example.org:s1:rsa:true");
        c.deactivate();
    }

    @Test
    void aPairWhoseFileCannotBeUsedOrWhoseFilesHoldOneAlgorithmMakesOnlyItsDomainsMailWait() throws Exception {
        Map<String, Object> config = pair();
        DkimSigning c = component(config);
        OutboundSigner signer = registered.get(0);
        String message = SignFixtures.message("alice@example.org", "a");
        // one of the two cannot be used: no message leaves with the other signature alone
        Path e = dir.resolve("example.org.e1.pem");
        Files.setPosixFilePermissions(e, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> signer.sign(SignFixtures.outbound("alice@example.org", message)))
                .isInstanceOf(IllegalStateException.class).hasMessage("keys 'example.org.e1.pem' is open to group or"
                        + " others (mode rw-r-----); it must be 600 or 400 (chmod 600)");
        Files.setPosixFilePermissions(e, PosixFilePermissions.fromString("rw-------"));
        assertThat(signer.sign(SignFixtures.outbound("alice@example.org", message))).hasSize(2);

        // the Ed25519 file is replaced by an RSA key: two RSA keys, the domain's mail waits, naming both files
        replace("example.org.e1.pem", SignFixtures.keyPair("RSA", 2048).getPrivate());
        String twoRsa = "keys 'example.org.e1.pem' and 'example.org.s1.pem' both hold an RSA key: the two keys of"
                + " example.org must be one RSA and one Ed25519 key (mail from example.org waits until one file holds"
                + " the other kind, or its entry is removed)";
        assertThatThrownBy(() -> signer.sign(SignFixtures.outbound("alice@example.org", message)))
                .isInstanceOf(IllegalStateException.class).hasMessage(twoRsa);
        assertThatThrownBy(() -> signer.sign(SignFixtures.outbound("news@eu.example.org",
                SignFixtures.message("news@eu.example.org", "b")))).hasMessage(twoRsa);
        assertThat(signer.sign(SignFixtures.outbound("x@shop.example", SignFixtures.message("x@shop.example", "c"))))
                .hasSize(1);
        // the status shows both keys as they are, and why neither signs
        assertThat(c.status(false).keys()).filteredOn(k -> k.domain().equals("example.org")).hasSize(2)
                .allSatisfy(k -> {
                    assertThat(k.usable()).isFalse();
                    assertThat(k.problem()).isEqualTo(twoRsa);
                    assertThat(k.algorithm()).contains(DkimAlgorithm.RSA);
                    assertThat(k.record()).isPresent();
                });

        // an Ed25519 key again: both signatures, both verify
        replace("example.org.e1.pem", ed.getPrivate());
        List<String> fields = signer.sign(SignFixtures.outbound("alice@example.org", message));
        assertThat(new DkimVerifier(pairZone(), 5, 1024).verify((String.join("", fields) + message)
                .getBytes(StandardCharsets.UTF_8), NOW, Instant.MAX)).extracting(DkimSignatureResult::result)
                .containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(c.status(false).keys()).allSatisfy(k -> assertThat(k.usable()).isTrue());

        // two Ed25519 keys at activation: the component starts, the domain's mail waits, the status says why
        replace("example.org.s1.pem", SignFixtures.keyPair("Ed25519", 0).getPrivate());
        DkimSigning again = component(config);
        assertThat(again.status(false).keys()).filteredOn(k -> k.domain().equals("example.org"))
                .extracting(DkimKeyStatus::problem).containsOnly("keys 'example.org.e1.pem' and 'example.org.s1.pem'"
                        + " both hold an Ed25519 key: the two keys of example.org must be one RSA and one Ed25519 key"
                        + " (mail from example.org waits until one file holds the other kind, or its entry is"
                        + " removed)");
        assertThatThrownBy(() -> registered.get(1).sign(SignFixtures.outbound("alice@example.org", message)))
                .hasMessageContaining("both hold an Ed25519 key");
        c.deactivate();
        again.deactivate();
    }

    @Test
    void keygenKeysOfBothAlgorithmsForOneDomainConfiguredAsPrintedSignTwiceAndBothRecordsVerify() throws Exception {
        DkimSigning c = component(Map.of());
        Path keys = dir.resolve("etc").resolve("dkim");
        NewDkimKey r = c.generate("example.org", "r2026", DkimAlgorithm.RSA, 0, keys);
        NewDkimKey e = c.generate("example.org", "e2026", DkimAlgorithm.ED25519, 0, keys);
        c.modified(SignFixtures.config(Map.of("enabled", true, "keys", r.keysEntry() + ", " + e.keysEntry())),
                Map.of());
        Zone zone = new Zone().txt(r.record().name(), r.record().text()).txt(e.record().name(), e.record().text());
        String msg = SignFixtures.message("a@example.org", "keygen pair");
        String out = String.join("", registered.get(0).sign(SignFixtures.outbound("a@example.org", msg))) + msg;
        assertThat(new DkimVerifier(zone, 5, 1024).verify(out.getBytes(StandardCharsets.UTF_8), NOW, Instant.MAX))
                .extracting(x -> x.selector() + " " + x.result()).containsExactly("r2026 PASS", "e2026 PASS");
        c.deactivate();
    }

    @Test
    void theSignerIsRegisteredOnlyWhileEnabledAndAChangeIsAppliedInPlaceOrRefused() throws Exception {
        DkimSigning c = component(Map.of());
        assertThat(registered).isEmpty();
        assertThat(c.status(false).enabled()).isFalse();

        Map<String, Object> on = enabled();
        c.modified(SignFixtures.config(on), Map.of());
        assertThat(registered).hasSize(1);
        OutboundSigner signer = registered.get(0);
        assertThat(signer.sign(SignFixtures.outbound("a@example.org", SignFixtures.message("a@example.org", "x"))))
                .hasSize(1);

        // a change keeps the same registration: delivery never sees the signer go
        Map<String, Object> simple = new java.util.HashMap<>(on);
        simple.put("canonicalization", "simple/simple");
        c.modified(SignFixtures.config(simple), Map.of());
        assertThat(registered).containsExactly(signer);
        assertThat(String.join("", signer.sign(SignFixtures.outbound("a@example.org",
                SignFixtures.message("a@example.org", "x"))))).contains("c=simple/simple;");

        // an invalid change is refused: the previous configuration stays
        c.modified(SignFixtures.config(Map.of("enabled", true, "keys", "example.org:s1:relative.pem")), Map.of());
        assertThat(registered).containsExactly(signer);
        assertThat(c.status(false).keys()).hasSize(2);

        c.modified(SignFixtures.config(Map.of("enabled", false, "keys", on.get("keys"))), Map.of());
        assertThat(registered).isEmpty();
        assertThat(c.status(false).keys()).hasSize(2).allSatisfy(k -> assertThat(k.usable()).isTrue());
    }

    @Test
    void theStatusListsEachKeyWithTheRecordToPublishAndWhatDnsHas() throws Exception {
        DkimSigning c = component(enabled());
        DkimStatus noDns = c.status(true);
        assertThat(noDns.dns()).startsWith("not checked: the sender authentication detector");
        assertThat(noDns.keys()).allSatisfy(k -> assertThat(k.dns()).isEqualTo(DnsCheck.NOT_CHECKED));

        // example.org's key is published, shop.example's not yet
        Zone published = new Zone().txt("s1._domainkey.example.org", zone().txtRecords("s1._domainkey.example.org")
                .get(0));
        c.authDns = new AuthDns() {
            @Override
            public Dns uncached() {
                return published;
            }

            @Override
            public String describe() {
                return "127.0.0.1:5353";
            }
        };
        DkimStatus s = c.status(true);
        assertThat(s.enabled()).isTrue();
        assertThat(s.dns()).isEqualTo("asked 127.0.0.1:5353 (dns.servers of org.streamail.detect.auth)");
        DkimKeyStatus a = s.keys().get(0);
        assertThat(a.domain()).isEqualTo("example.org");
        assertThat(a.selector()).isEqualTo("s1");
        assertThat(a.algorithm()).contains(DkimAlgorithm.RSA);
        assertThat(a.bits()).isEqualTo(2048);
        assertThat(a.file()).isEqualTo(dir.resolve("example.org.s1.pem").toString());
        assertThat(a.usable()).isTrue();
        assertThat(a.record().orElseThrow().zoneLine()).startsWith("s1._domainkey.example.org IN TXT \"v=DKIM1;"
                + " k=rsa; p=MII");
        assertThat(a.dns()).isEqualTo(DnsCheck.MATCHES);
        DkimKeyStatus b = s.keys().get(1);
        assertThat(b.algorithm()).contains(DkimAlgorithm.ED25519);
        assertThat(b.dns()).isEqualTo(DnsCheck.MISSING);
        assertThat(b.dnsDetail()).isEqualTo("no TXT record at e1._domainkey.shop.example");
        assertThat(c.status(false).keys()).allSatisfy(k -> assertThat(k.dns()).isEqualTo(DnsCheck.NOT_CHECKED));
    }

    @Test
    void keygenWritesAPrivateFileNeverReplacesOneAndItsKeySignsWhatItsRecordVerifies() throws Exception {
        DkimSigning c = component(Map.of());
        Path keys = dir.resolve("etc").resolve("dkim");
        NewDkimKey n = c.generate("Example.ORG", "S2026", DkimAlgorithm.RSA, 0, keys);
        Path file = keys.resolve("example.org.s2026.pem");
        assertThat(n.file()).isEqualTo(file.toString());
        assertThat(n.bits()).isEqualTo(2048);
        assertThat(n.keysEntry()).isEqualTo("example.org:s2026:" + file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys))).isEqualTo("rwx------");
        assertThat(Files.list(keys)).containsExactly(file); // no temporary file left
        assertThat(n.record().name()).isEqualTo("s2026._domainkey.example.org");
        assertThat(n.record().strings()).hasSize(2).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));

        // its own type (an IllegalArgumentException still), so the REST API can answer 409 rather than 400
        assertThatThrownBy(() -> c.generate("example.org", "s2026", DkimAlgorithm.ED25519, 0, keys))
                .isInstanceOf(DkimKeyFileExistsException.class).hasMessageContaining("exists already")
                .satisfies(x -> assertThat(((DkimKeyFileExistsException) x).file()).isEqualTo(file.toString()));
        assertThat(KeyFile.load("example.org", "s2026", file).key().algorithm()).isEqualTo(DkimAlgorithm.RSA);

        NewDkimKey e = c.generate("shop.example", "e1", DkimAlgorithm.ED25519, 0, keys);
        assertThat(e.bits()).isEqualTo(256);
        assertThat(e.record().strings()).singleElement().asString().startsWith("v=DKIM1; k=ed25519; p=");

        // configured as the command says, the key signs what the record it printed verifies
        c.modified(SignFixtures.config(Map.of("enabled", true, "keys", n.keysEntry() + "," + e.keysEntry())),
                Map.of());
        Zone zone = new Zone().txt(n.record().name(), n.record().text()).txt(e.record().name(), e.record().text());
        for (String from : List.of("a@example.org", "b@shop.example")) {
            String msg = SignFixtures.message(from, "keygen");
            String out = String.join("", registered.get(0).sign(SignFixtures.outbound(from, msg))) + msg;
            assertThat(new DkimVerifier(zone, 5, 1024).verify(out.getBytes(StandardCharsets.UTF_8), NOW, Instant.MAX))
                    .singleElement().satisfies(r -> assertThat(r.result()).isEqualTo(DkimResult.PASS));
        }

        assertThatThrownBy(() -> c.generate("localhost", "s1", DkimAlgorithm.RSA, 0, keys))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("'localhost' is not a domain name");
        assertThatThrownBy(() -> c.generate("co.uk", "s1", DkimAlgorithm.RSA, 0, keys))
                .hasMessage("co.uk is a public suffix, not a domain of yours");
        assertThatThrownBy(() -> c.generate("example.org", "s/1", DkimAlgorithm.RSA, 0, keys))
                .hasMessageStartingWith("'s/1' is not a selector");
        assertThatThrownBy(() -> c.generate("example.org", "s9", DkimAlgorithm.RSA, 1024, keys))
                .hasMessage("an RSA key has 2048, 3072 or 4096 bits, not 1024");
        assertThat(keys.resolve("example.org.s9.pem")).doesNotExist();
        assertThat(Optional.ofNullable(System.getProperty("karaf.etc"))).isEmpty();
        assertThatThrownBy(() -> c.generate("example.org", "s9", DkimAlgorithm.RSA, 0, null))
                .hasMessage("no directory given and karaf.etc is not set");
    }
}
