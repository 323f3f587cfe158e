package org.streamail.security.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Hashes a password exactly as Karaf's built-in ("basic") JAAS encryption service checks it:
 * {@code prefix + encode(digest(password)) + suffix}, with the algorithm, encoding, prefix and suffix taken
 * from {@code etc/org.apache.karaf.jaas.cfg}. Karaf's {@code PropertiesLoginModule} treats a stored value
 * wrapped in prefix/suffix as a hash and compares digests; anything else it treats as plain text, which is
 * why a hash must carry the configured prefix and suffix.
 *
 * <p>When {@code encryption.name} names another Karaf encryption service (the distribution uses
 * {@code spring-security-crypto} with bcrypt), the hash is delegated to that service through an
 * {@link EncryptionLookup}, and only prefix and suffix are added here.
 *
 * <p>Immutable and thread-safe once built. Refuses (throws {@link IllegalStateException}) when encryption is
 * disabled or the named service cannot be found: we never store a plain password.
 */
final class PasswordHasher {

    /** Finds a Karaf encryption service by name and returns its hashing function, or {@code null}. */
    @FunctionalInterface
    interface EncryptionLookup {
        UnaryOperator<String> find(String serviceName, Map<String, String> params);
    }

    private final String algorithm;
    private final boolean base64;
    private final String prefix;
    private final String suffix;
    private final UnaryOperator<String> delegate;

    PasswordHasher(String algorithm, String encoding, String prefix, String suffix) {
        try {
            MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("digest algorithm '" + algorithm + "' is not available", e);
        }
        String enc = encoding == null ? "" : encoding.trim();
        if (!enc.isEmpty() && !enc.equalsIgnoreCase("hexadecimal") && !enc.equalsIgnoreCase("base64")) {
            throw new IllegalStateException("unsupported encryption.encoding '" + encoding + "'");
        }
        this.algorithm = algorithm;
        this.base64 = enc.equalsIgnoreCase("base64");
        this.prefix = prefix == null ? "" : prefix;
        this.suffix = suffix == null ? "" : suffix;
        this.delegate = null;
    }

    private PasswordHasher(UnaryOperator<String> delegate, String prefix, String suffix) {
        this.algorithm = null;
        this.base64 = false;
        this.prefix = prefix == null ? "" : prefix;
        this.suffix = suffix == null ? "" : suffix;
        this.delegate = delegate;
    }

    /** Reads Karaf's JAAS encryption settings from the given cfg file (basic digest service only). */
    static PasswordHasher fromJaasConfig(Path jaasCfg) throws IOException {
        return fromJaasConfig(jaasCfg, (name, params) -> null);
    }

    /** Reads Karaf's JAAS encryption settings; a named non-basic service is found through {@code lookup}. */
    static PasswordHasher fromJaasConfig(Path jaasCfg, EncryptionLookup lookup) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(jaasCfg, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("JAAS configuration " + jaasCfg + " not found: cannot tell how passwords are hashed");
        }
        if (!Boolean.parseBoolean(p.getProperty("encryption.enabled", "false").trim())) {
            throw new IllegalStateException("password encryption is disabled in " + jaasCfg
                    + " (encryption.enabled=false); refusing to store a plain-text admin password");
        }
        String name = p.getProperty("encryption.name", "").trim();
        if (!name.isEmpty() && !name.equals("basic")) {
            // the same parameters Karaf's EncryptionSupport hands the service: encryption.* minus the
            // ones it consumes itself
            Map<String, String> params = new java.util.HashMap<>();
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("encryption.")) {
                    params.put(key.substring("encryption.".length()), p.getProperty(key).trim());
                }
            }
            params.keySet().removeAll(java.util.Set.of("enabled", "name", "prefix", "suffix"));
            UnaryOperator<String> service = lookup.find(name, params);
            if (service == null) {
                throw new IllegalStateException("encryption service '" + name + "' (encryption.name in " + jaasCfg
                        + ") is not available; is its Karaf feature installed?");
            }
            return new PasswordHasher(service, p.getProperty("encryption.prefix", "").trim(),
                    p.getProperty("encryption.suffix", "").trim());
        }
        return new PasswordHasher(
                p.getProperty("encryption.algorithm", "MD5").trim(),
                p.getProperty("encryption.encoding", "hexadecimal"),
                p.getProperty("encryption.prefix", "").trim(),
                p.getProperty("encryption.suffix", "").trim());
    }

    /** The value to store in users.properties for this password. */
    String hash(String password) {
        if (delegate != null) {
            return prefix + delegate.apply(password) + suffix;
        }
        byte[] digest;
        try {
            // Karaf digests String.getBytes() (the platform charset): UTF-8 on every supported setup
            digest = MessageDigest.getInstance(algorithm).digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // checked in the constructor
        }
        String encoded = base64
                ? Base64.getEncoder().encodeToString(digest)
                : HexFormat.of().withUpperCase().formatHex(digest);
        return prefix + encoded + suffix;
    }

    /** Whether a stored value is a hash this hasher would write (prefix and suffix present). */
    boolean looksHashed(String stored) {
        return stored.length() > prefix.length() + suffix.length() && stored.startsWith(prefix) && stored.endsWith(suffix);
    }
}
