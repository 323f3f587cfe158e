package org.streamail.detect.auth.internal.sign;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchProviderException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.DkimSigner;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * Private keys in PKCS#8 PEM files ({@code -----BEGIN PRIVATE KEY-----}, what {@code openssl genpkey} writes), RSA or
 * Ed25519: read, written and made. Every message names the file ({@code name}), never its content: not even a
 * library's exception text, which might quote bytes of it. Stateless.
 */
final class PemKeys {

    /** A key file longer than this holds something else (a 4096-bit RSA key takes about 3.3 KB). */
    static final int MAX_FILE_BYTES = 64 * 1024;
    /** RSA keys shorter than this are refused (RFC 8301: 1024 is the least a verifier accepts; 2048 is what to use). */
    static final int MIN_RSA_BITS = 2048;
    /** RSA keys longer than this are refused: RFC 8301 only asks verifiers to handle keys up to 4096 bits. */
    static final int MAX_RSA_BITS = 4096;
    /** The RSA sizes {@link #generate} makes. */
    static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);

    private static final String BEGIN = "-----BEGIN ";
    private static final String PKCS8 = "PRIVATE KEY";

    private PemKeys() {
    }

    /**
     * The signing key in a PEM file's bytes.
     *
     * @param name how messages name the file ({@code keys 'example.org.s1.pem'})
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    static SigningKey parse(String domain, String selector, byte[] file, String name) {
        String text = new String(file, StandardCharsets.ISO_8859_1);
        int begin = text.indexOf(BEGIN + PKCS8 + "-----");
        if (begin < 0) {
            if (text.contains(BEGIN + "RSA PRIVATE KEY-----")) {
                throw new IllegalArgumentException(name + " holds a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY); convert it"
                        + " to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>");
            }
            if (text.contains(BEGIN + "ENCRYPTED PRIVATE KEY-----")) {
                throw new IllegalArgumentException(name + " holds an encrypted key; the gateway reads unencrypted"
                        + " PKCS#8 keys, protected by the file's mode: openssl pkcs8 -topk8 -nocrypt -in <file> -out"
                        + " <new file>");
            }
            throw new IllegalArgumentException(name + " is not a PEM file with a PKCS#8 private key (BEGIN PRIVATE"
                    + " KEY)");
        }
        if (text.indexOf(BEGIN + PKCS8 + "-----", begin + 1) >= 0) {
            throw new IllegalArgumentException(name + " holds more than one private key");
        }
        int from = begin + (BEGIN + PKCS8 + "-----").length();
        int end = text.indexOf("-----END " + PKCS8 + "-----", from);
        if (end < 0) {
            throw new IllegalArgumentException(name + " has no END PRIVATE KEY line (cut short?)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(from, end).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not valid base64 between its BEGIN and END lines");
        }
        try {
            return key(domain, selector, der, name);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    private static SigningKey key(String domain, String selector, byte[] der, String name) {
        PrivateKey key = null;
        for (String algorithm : new String[] {"RSA", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this kind; the next, or the message below
            }
        }
        if (key instanceof RSAPrivateCrtKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException(name + " is a " + bits + "-bit RSA key; at least " + MIN_RSA_BITS
                        + " bits are needed (RFC 8301; make a new one with streamail:dkim-keygen)");
            }
            if (bits > MAX_RSA_BITS) {
                throw new IllegalArgumentException(name + " is a " + bits + "-bit RSA key; at most " + MAX_RSA_BITS
                        + " bits, the largest every verifier must handle (RFC 8301)");
            }
            PublicKey pub;
            try {
                pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(),
                        rsa.getPublicExponent()));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(name + " holds an RSA key whose public key cannot be made");
            }
            return checked(new SigningKey(domain, selector, DkimAlgorithm.RSA, rsa, pub, bits), name);
        }
        if (key instanceof EdECPrivateKey ed) {
            return checked(new SigningKey(domain, selector, DkimAlgorithm.ED25519, ed, ed25519PublicKey(ed, name),
                    256), name);
        }
        if (key != null) {
            // an RSA key without its CRT parts has no public exponent to publish
            throw new IllegalArgumentException(name + " holds an RSA key without its public exponent");
        }
        throw new IllegalArgumentException(name + " holds no RSA or Ed25519 private key (PKCS#8)");
    }

    /** The key, once a test signature made with it verifies with the public key derived from it. */
    private static SigningKey checked(SigningKey key, String name) {
        try {
            DkimSigner.selfTest(key);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(name + " holds a key that does not sign as its public key says"
                    + " (damaged?)");
        }
        return key;
    }

    /**
     * The public key of an Ed25519 private key. The JDK has no call for it, but its key pair generator takes the
     * 32-byte private key from the random source it is given: handed the key's own bytes, it makes this key pair. That
     * the generated private key equals ours is checked, so another provider that draws differently fails loudly
     * instead of publishing a wrong key.
     */
    static PublicKey ed25519PublicKey(EdECPrivateKey key, String name) {
        byte[] seed = key.getBytes().orElseThrow(() -> new IllegalArgumentException(name
                + " holds an Ed25519 key whose bytes cannot be read"));
        try {
            KeyPairGenerator g;
            try {
                g = KeyPairGenerator.getInstance("Ed25519", "SunEC"); // the JDK's, whatever else is installed
            } catch (NoSuchProviderException e) {
                g = KeyPairGenerator.getInstance("Ed25519");
            }
            g.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
            KeyPair pair = g.generateKeyPair();
            byte[] made = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElse(new byte[0]);
            boolean same = Arrays.equals(made, seed);
            Arrays.fill(made, (byte) 0);
            if (!same) {
                throw new IllegalArgumentException(name + ": the public key of this Ed25519 key cannot be derived"
                        + " with this Java runtime");
            }
            return pair.getPublic();
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(name + ": the public key of this Ed25519 key cannot be derived ("
                    + e.getClass().getSimpleName() + ")");
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** A "random" source that hands out one fixed key once: see {@link #ed25519PublicKey}. */
    private static final class SeedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;
        private boolean used;

        SeedRandom(byte[] seed) {
            this.seed = seed;
        }

        @Override
        public synchronized void nextBytes(byte[] bytes) {
            if (used || bytes.length != seed.length) {
                throw new IllegalStateException("the generator asked for other bytes than one key");
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
            used = true;
        }
    }

    /** A new key pair: RSA of {@code bits} (2048, 3072, 4096; e = 65537) or Ed25519 ({@code bits} 0). */
    static KeyPair generate(DkimAlgorithm algorithm, int bits) {
        try {
            if (algorithm == DkimAlgorithm.ED25519) {
                if (bits != 0 && bits != 256) {
                    throw new IllegalArgumentException("an Ed25519 key has no size to choose (--bits is for RSA)");
                }
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            int size = bits == 0 ? MIN_RSA_BITS : bits;
            if (!RSA_SIZES.contains(size)) {
                throw new IllegalArgumentException("an RSA key has 2048, 3072 or 4096 bits, not " + bits);
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(new RSAKeyGenParameterSpec(size, BigInteger.valueOf(65537)), new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java runtime cannot make " + algorithm + " keys", e);
        }
    }

    /** The PKCS#8 PEM text of a private key: 64 base64 characters a line, LF line ends, as OpenSSL writes it. */
    static byte[] pem(PrivateKey key) {
        byte[] der = key.getEncoded();
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        Arrays.fill(der, (byte) 0);
        return ("-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
