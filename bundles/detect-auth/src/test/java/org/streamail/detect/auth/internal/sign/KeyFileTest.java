package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * Key files as the signer reads them: PKCS#8 RSA and Ed25519 (the public key derived, checked by a test signature),
 * the core's secret-file rules and words (mode 600/400, readable, a regular file), keys too short or too long, what is
 * not a key (named, never quoted), and a file that changes while the configuration stays.
 */
class KeyFileTest {

    @TempDir
    Path dir;

    static KeyPair rsa;
    static KeyPair ed;

    @BeforeAll
    static void keys() throws Exception {
        rsa = SignFixtures.keyPair("RSA", 2048);
        ed = SignFixtures.keyPair("Ed25519", 0);
    }

    @Test
    void pkcs8RsaAndEd25519KeysAreReadWithTheirPublicKeys() throws Exception {
        SigningKey r = KeyFile.load("example.org", "s1", SignFixtures.keyFile(dir, "r.pem", rsa.getPrivate(),
                "rw-------")).key();
        assertThat(r.algorithm()).isEqualTo(DkimAlgorithm.RSA);
        assertThat(r.bits()).isEqualTo(2048);
        assertThat(r.publicKey().getEncoded()).isEqualTo(rsa.getPublic().getEncoded());
        assertThat(r.toString()).doesNotContain(r.privateKey().toString()).contains("example.org", "s1", "2048");

        SigningKey e = KeyFile.load("example.org", "s2", SignFixtures.keyFile(dir, "e.pem", ed.getPrivate(),
                "r--------")).key();
        assertThat(e.algorithm()).isEqualTo(DkimAlgorithm.ED25519);
        assertThat(e.bits()).isEqualTo(256);
        // derived from the private key alone, the same public key as the generator made
        assertThat(e.publicKey().getEncoded()).isEqualTo(ed.getPublic().getEncoded());
    }

    @Test
    void aKeyFileOpenToGroupOrOthersIsRefusedInTheCoresWords() throws Exception {
        for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw-----w-"}) {
            KeyFile k = KeyFile.load("example.org", "s1", SignFixtures.keyFile(dir, "k-" + mode.hashCode() + ".pem",
                    rsa.getPrivate(), mode));
            assertThatThrownBy(k::key).isInstanceOf(IllegalStateException.class)
                    .hasMessage("keys 'k-" + mode.hashCode() + ".pem' is open to group or others (mode " + mode
                            + "); it must be 600 or 400 (chmod 600)");
        }
        assertThatThrownBy(KeyFile.load("example.org", "s1", dir.resolve("missing.pem"))::key)
                .hasMessage("keys 'missing.pem' does not exist or is not a regular file");
        assertThatThrownBy(KeyFile.load("example.org", "s1", dir)::key)
                .hasMessage("keys '" + dir.getFileName() + "' does not exist or is not a regular file");
    }

    @Test
    void rsaKeysShorterThan2048OrLongerThan4096BitsAreRefused() throws Exception {
        KeyFile k = KeyFile.load("example.org", "s1", SignFixtures.keyFile(dir, "short.pem",
                SignFixtures.keyPair("RSA", 1024).getPrivate(), "rw-------"));
        assertThatThrownBy(k::key).hasMessage("keys 'short.pem' is a 1024-bit RSA key; at least 2048 bits are needed"
                + " (RFC 8301; make a new one with streamail:dkim-keygen)");
        KeyFile l = KeyFile.load("example.org", "s1", SignFixtures.keyFile(dir, "long.pem",
                SignFixtures.keyPair("RSA", 4104).getPrivate(), "rw-------"));
        assertThatThrownBy(l::key).hasMessageStartingWith("keys 'long.pem' is a 4104-bit RSA key; at most 4096 bits");
    }

    @Test
    void whatIsNotAKeyIsRefusedNamingTheFileNeverItsContent() throws Exception {
        String secret = "hunter2-do-not-log-me";
        String pem = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n";
        String[][] cases = {
            {"text.pem", secret + "\n", "keys 'text.pem' is not a PEM file with a PKCS#8 private key (BEGIN PRIVATE KEY)"},
            {"b64.pem", pem.formatted(secret + "!"), "keys 'b64.pem' is not valid base64 between its BEGIN and END lines"},
            {"der.pem", pem.formatted(Base64.getEncoder().encodeToString(secret.getBytes())),
                "keys 'der.pem' holds no RSA or Ed25519 private key (PKCS#8)"},
            {"cut.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n", "keys 'cut.pem' has no END PRIVATE KEY line (cut short?)"},
            {"two.pem", pem.formatted("AAAA") + pem.formatted("AAAA"), "keys 'two.pem' holds more than one private key"},
            {"pkcs1.pem", "-----BEGIN RSA PRIVATE KEY-----\n" + secret + "\n-----END RSA PRIVATE KEY-----\n",
                "keys 'pkcs1.pem' holds a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY); convert it to PKCS#8: openssl pkcs8"
                    + " -topk8 -nocrypt -in <file> -out <new file>"},
            {"enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + secret + "\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "keys 'enc.pem' holds an encrypted key; the gateway reads unencrypted PKCS#8 keys, protected by the"
                    + " file's mode: openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>"},
        };
        for (String[] c : cases) {
            KeyFile k = KeyFile.load("example.org", "s1", SignFixtures.file(dir, c[0], c[1], "rw-------"));
            assertThatThrownBy(k::key).as(c[0]).hasMessage(c[2]).message().doesNotContain(secret)
                    .doesNotContain(dir.toString());
        }
        Path big = SignFixtures.file(dir, "big.pem", new byte[PemKeys.MAX_FILE_BYTES + 1], "rw-------");
        assertThatThrownBy(KeyFile.load("example.org", "s1", big)::key).hasMessage("keys 'big.pem' is longer than 65536"
                + " bytes");
    }

    @Test
    void aFileThatChangesIsReadAgainAndAnUnusableOneIsNotReplacedByTheKeyReadBefore() throws Exception {
        Path file = SignFixtures.keyFile(dir, "k.pem", rsa.getPrivate(), "rw-------");
        KeyFile k = KeyFile.load("example.org", "s1", file);
        assertThat(k.key().publicKey().getEncoded()).isEqualTo(rsa.getPublic().getEncoded());

        // replaced by a rename, as an administrator's tool writes it: the new key from the next message on
        Path next = SignFixtures.keyFile(dir, "k.pem.new", ed.getPrivate(), "rw-------");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(k.key().algorithm()).isEqualTo(DkimAlgorithm.ED25519);

        // opened to others: refused, and the key read before is not used either
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(k::key).hasMessageContaining("is open to group or others");
        assertThatThrownBy(k::key).hasMessageContaining("is open to group or others");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(k.key().algorithm()).isEqualTo(DkimAlgorithm.ED25519);

        Files.delete(file);
        assertThatThrownBy(k::key).hasMessage("keys 'k.pem' does not exist or is not a regular file");
        SignFixtures.keyFile(dir, "k.pem", rsa.getPrivate(), "rw-------");
        assertThat(k.key().algorithm()).isEqualTo(DkimAlgorithm.RSA);
    }

    @Test
    void generatedKeysAreWrittenAsOpensslWritesThemAndReadBack() throws Exception {
        String pem = new String(PemKeys.pem(rsa.getPrivate()), java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\nMII").endsWith("\n-----END PRIVATE KEY-----\n");
        assertThat(pem.lines().skip(1).limit(3)).allSatisfy(l -> assertThat(l).hasSize(64));
        assertThat(PemKeys.generate(DkimAlgorithm.ED25519, 0).getPublic().getAlgorithm()).isIn("Ed25519", "EdDSA");
        assertThatThrownBy(() -> PemKeys.generate(DkimAlgorithm.RSA, 1024))
                .hasMessage("an RSA key has 2048, 3072 or 4096 bits, not 1024");
        assertThatThrownBy(() -> PemKeys.generate(DkimAlgorithm.ED25519, 2048))
                .hasMessage("an Ed25519 key has no size to choose (--bits is for RSA)");
    }
}
