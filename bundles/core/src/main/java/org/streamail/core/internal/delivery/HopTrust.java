package org.streamail.core.internal.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How one next hop's TLS certificate is checked beyond the JVM's defaults (Postfix's {@code smtp_tls_CAfile} and
 * {@code fingerprint} level), read and validated with the configuration:
 * <ul>
 * <li>{@code [outbound.]relay.tls.ca.file}: a PEM file of CA certificates; under {@code verify} the hop's chain is
 * checked against these <b>instead of</b> the JVM's trust store (the host name is still checked). Instead, not in
 * addition: the file names the CA that issues the hop's certificate (an internal CA for the internal server), and
 * nobody else, not every public CA, should be able to stand in for that hop; Postfix does the same by default
 * ({@code tls_append_default_CA = no}). Whoever wants both puts the public roots into the file too.</li>
 * <li>{@code [outbound.]relay.tls.fingerprints}: SHA-256 digests of the hop's end-entity certificate or of its
 * public key (SubjectPublicKeyInfo); either kind matches. When set, the hop is accepted only if its certificate
 * matches one, whatever its issuer, expiry and names, and STARTTLS is required.</li>
 * </ul>
 * Immutable and thread-safe; equal when the settings are (the connection cache compares hops).
 *
 * @param prefix    the hop's property prefix ({@code ""} or {@code "outbound."}), for messages
 * @param caFile    the CA file as configured, or {@code null}
 * @param cas       its certificates (empty when {@code caFile} is {@code null})
 * @param pins      the digests, 64 lower-case hex digits each; empty: no pinning
 */
public record HopTrust(String prefix, Path caFile, List<X509Certificate> cas, List<String> pins) {

    /** Nothing beyond the level's own checks. */
    static final HopTrust NONE = new HopTrust("", null, List.of(), List.of());

    /** A CA file larger than this is refused (a PEM bundle of every public root is about 200 KiB). */
    static final long MAX_CA_FILE_BYTES = 1024 * 1024;
    /** At most this many certificates in a CA file. */
    static final int MAX_CAS = 1000;
    /** At most this many pinned digests per hop. */
    static final int MAX_PINS = 64;

    public HopTrust {
        prefix = prefix == null ? "" : prefix;
        cas = List.copyOf(cas);
        pins = List.copyOf(pins);
        if (caFile == null && !cas.isEmpty()) {
            throw new IllegalArgumentException("CA certificates without their file");
        }
    }

    String caProperty() {
        return prefix + "relay.tls.ca.file";
    }

    String pinProperty() {
        return prefix + "relay.tls.fingerprints";
    }

    boolean pinned() {
        return !pins.isEmpty();
    }

    /** Whether this replaces the JVM's own certificate check. */
    boolean custom() {
        return pinned() || caFile != null;
    }

    /**
     * Reads the hop's trust settings.
     *
     * @param prefix       {@code ""} or {@code "outbound."}
     * @param tls          the hop's level
     * @param caFile       {@code <prefix>relay.tls.ca.file} as configured (blank: none)
     * @param fingerprints {@code <prefix>relay.tls.fingerprints} as configured (blank: none)
     * @throws IllegalArgumentException naming the property (and the file) when a setting is invalid
     */
    static HopTrust of(String prefix, DeliverySettings.Tls tls, String caFile, String fingerprints) {
        String caProperty = prefix + "relay.tls.ca.file";
        String pinProperty = prefix + "relay.tls.fingerprints";
        String file = caFile == null ? "" : caFile.strip();
        List<String> pins = pins(pinProperty, fingerprints);
        String level = prefix + "relay.tls";
        if (!pins.isEmpty() && tls != DeliverySettings.Tls.ENCRYPT && tls != DeliverySettings.Tls.VERIFY) {
            throw new IllegalArgumentException(pinProperty + " is set but " + level + " is "
                    + tls.name().toLowerCase(Locale.ROOT) + ": a pinned hop needs STARTTLS required (set " + level
                    + " = verify or encrypt; with " + pinProperty + " either checks the certificate against the digests "
                    + "only)");
        }
        if (file.isEmpty()) {
            return pins.isEmpty() ? new HopTrust(prefix, null, List.of(), List.of())
                    : new HopTrust(prefix, null, List.of(), pins);
        }
        if (!pins.isEmpty()) {
            throw new IllegalArgumentException(caProperty + " and " + pinProperty + " are both set: with digests the "
                    + "hop's certificate is checked against them only, and the CA file would be ignored; set one");
        }
        if (tls != DeliverySettings.Tls.VERIFY) {
            throw new IllegalArgumentException(caProperty + " is set but " + level + " is "
                    + tls.name().toLowerCase(Locale.ROOT) + ", which checks no certificate; set " + level + " = verify");
        }
        Path path = Path.of(file);
        return new HopTrust(prefix, path, readCas(caProperty, path), List.of());
    }

    /** The digests of {@code value}: separated by commas or white space, hex with or without colons. */
    static List<String> pins(String property, String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String token : value.strip().split("[,;\\s]+")) {
            if (token.isEmpty()) {
                continue;
            }
            String hex = token.replace(":", "").toLowerCase(Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(property + ": '" + (token.length() > 120
                        ? token.substring(0, 120) + "..." : token) + "' is not a SHA-256 digest (64 hex digits, "
                        + "colons allowed)");
            }
            out.add(hex);
            if (out.size() > MAX_PINS) {
                throw new IllegalArgumentException(property + " holds more than " + MAX_PINS + " digests");
            }
        }
        return List.copyOf(out);
    }

    private static List<X509Certificate> readCas(String property, Path file) {
        String where = property + " '" + file + "'";
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_CA_FILE_BYTES) {
                throw new IllegalArgumentException(where + " is larger than " + MAX_CA_FILE_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) MAX_CA_FILE_BYTES + 1);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(where + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read: " + e);
        }
        if (bytes.length > MAX_CA_FILE_BYTES) {
            throw new IllegalArgumentException(where + " is larger than " + MAX_CA_FILE_BYTES + " bytes");
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(bytes))) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
                if (out.size() > MAX_CAS) {
                    throw new IllegalArgumentException(where + " holds more than " + MAX_CAS + " certificates");
                }
            }
        } catch (CertificateException | RuntimeException e) {
            if (e instanceof IllegalArgumentException i && i.getMessage() != null && i.getMessage().startsWith(where)) {
                throw i;
            }
            throw new IllegalArgumentException(where + " is not a PEM file of certificates: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(where + " holds no certificate (expected PEM blocks "
                    + "-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** The SHA-256 digests of {@code cert} as the status lines show them: the certificate's and its public key's. */
    static String describe(X509Certificate cert) {
        try {
            return "certificate SHA-256 " + hex(cert.getEncoded()) + ", public key SHA-256 "
                    + hex(cert.getPublicKey().getEncoded());
        } catch (CertificateException e) {
            return "certificate not encodable: " + e.getMessage();
        }
    }

    /** As the status lines show a digest: upper case, colon-separated. */
    private static String hex(byte[] b) {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256(b));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JVM", e);
        }
    }

    /** Whether {@code cert} or its public key has one of the pinned digests (held as plain lower-case hex). */
    boolean matches(X509Certificate cert) throws CertificateException {
        HexFormat plain = HexFormat.of();
        return pins.contains(plain.formatHex(sha256(cert.getEncoded())))
                || pins.contains(plain.formatHex(sha256(cert.getPublicKey().getEncoded())));
    }

    /**
     * The check of one delivery attempt's connections. It remembers what the hop presented last, so that a refusal
     * can say which digest to pin.
     */
    Check check() {
        return new Check(this);
    }

    /** One delivery attempt's certificate check and what it saw. Thread-safe. */
    static final class Check extends X509ExtendedTrustManager {
        private final HopTrust trust;
        private final X509ExtendedTrustManager cas;
        private volatile String seen;
        private volatile String refused;

        private Check(HopTrust trust) {
            this.trust = trust;
            this.cas = trust.caFile == null ? null : trustManager(trust.cas);
        }

        private static X509ExtendedTrustManager trustManager(List<X509Certificate> cas) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (X509Certificate c : cas) {
                    ks.setCertificateEntry("ca-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509ExtendedTrustManager x) {
                        return x;
                    }
                }
                throw new IllegalStateException("no X.509 trust manager");
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("trust store of the CA file not made: " + e, e);
            }
        }

        /** A socket factory for STARTTLS to the hop that checks certificates here. */
        SSLSocketFactory socketFactory() {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {this}, null);
                return ctx.getSocketFactory();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("TLS context not made: " + e, e);
            }
        }

        /** The digests of the certificate the hop presented last, or {@code null} when none was seen. */
        String seen() {
            return seen;
        }

        /** Why the last certificate was refused here, or {@code null}. */
        String refused() {
            return refused;
        }

        /**
         * @param socket the connection, or {@code null}; with {@code engine} passed on to the CA check, which then
         *               also checks the host name (Jakarta Mail asks for it in the connection's parameters under
         *               {@code mail.smtp.ssl.checkserveridentity}: endpoint identification is the trust manager's job)
         */
        private void checkServer(X509Certificate[] chain, String authType, Socket socket, SSLEngine engine)
                throws CertificateException {
            if (chain == null || chain.length == 0) {
                refused = "the hop presented no certificate";
                throw new CertificateException(refused);
            }
            seen = describe(chain[0]);
            refused = null;
            if (trust.pinned()) {
                if (!trust.matches(chain[0])) {
                    refused = "its certificate matches no digest in " + trust.pinProperty();
                    throw new CertificateException(refused);
                }
                return;
            }
            try {
                if (socket != null) {
                    cas.checkServerTrusted(chain, authType, socket);
                } else if (engine != null) {
                    cas.checkServerTrusted(chain, authType, engine);
                } else {
                    cas.checkServerTrusted(chain, authType);
                }
            } catch (CertificateException e) {
                refused = "its certificate is refused under " + trust.caProperty() + " '" + trust.caFile
                        + "' (" + e.getMessage() + ")";
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkServer(chain, authType, null, null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServer(chain, authType, socket, null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServer(chain, authType, null, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return cas == null ? new X509Certificate[0] : cas.getAcceptedIssuers();
        }
    }

    @Override
    public String toString() {
        return caFile != null ? caProperty() + "=" + caFile : pinned() ? pinProperty() + "=" + pins.size() + " digest(s)"
                : "default";
    }
}
