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
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.FileStamp;

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
 * The CA file is read when the configuration is read ({@link #of}, which refuses an unusable file) and again whenever
 * it has changed since, as {@link RelayAuth}'s password file is: {@link #check()}, before each connection to the hop,
 * compares the file's {@link FileStamp} (one {@code stat}) with that of the last reading and reads and validates it
 * anew, with the same rules, when it differs (a CA renewed in place or by a rename needs no configuration update). A
 * file that is no longer usable (deleted, unreadable, too large, not PEM, without a certificate) makes
 * {@link #check()} throw with the reason, logged once per change; the certificates read before are then not used.
 *
 * <p>Thread-safe. Two instances are equal when their settings are: property prefix, file and digests, not the
 * certificates the file holds now (one instance per configuration; the connection cache compares hops, and a kept
 * connection remembers the certificates it was checked against, {@link Check#cas()}, see {@link RelayConnections}).
 */
public final class HopTrust {

    /** Nothing beyond the level's own checks. */
    static final HopTrust NONE = new HopTrust("", null, List.of(), null);

    /** A CA file larger than this is refused (a PEM bundle of every public root is about 200 KiB). */
    static final long MAX_CA_FILE_BYTES = 1024 * 1024;
    /** At most this many certificates in a CA file. */
    static final int MAX_CAS = 1000;
    /** At most this many pinned digests per hop. */
    static final int MAX_PINS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(HopTrust.class);

    private final String prefix;
    private final Path caFile;
    private final List<String> pins;
    /** The last reading of the CA file ({@code null} without one); replaced as a whole when its stamp changes. */
    private volatile Reading reading;
    private final Object lock = new Object();

    /** What the CA file held at {@code stamp}: its certificates, or the reason it cannot be used (property, file). */
    private record Reading(FileStamp stamp, List<X509Certificate> cas, String error) {
    }

    /**
     * @param prefix  the hop's property prefix ({@code ""} or {@code "outbound."}), for messages
     * @param caFile  the CA file as configured, or {@code null}
     * @param pins    the digests, 64 lower-case hex digits each; empty: no pinning
     * @param reading the CA file's first reading, {@code null} when {@code caFile} is
     */
    private HopTrust(String prefix, Path caFile, List<String> pins, Reading reading) {
        this.prefix = prefix == null ? "" : prefix;
        this.caFile = caFile;
        this.pins = List.copyOf(pins);
        this.reading = reading;
        if ((caFile == null) != (reading == null)) {
            throw new IllegalArgumentException("a CA file needs its reading, and only a CA file has one");
        }
    }

    /** The hop's property prefix ({@code ""} or {@code "outbound."}). */
    String prefix() {
        return prefix;
    }

    /** The CA file as configured, or {@code null}. */
    Path caFile() {
        return caFile;
    }

    /** The pinned digests, 64 lower-case hex digits each; empty: no pinning. */
    List<String> pins() {
        return pins;
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
            return new HopTrust(prefix, null, pins, null);
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
        Reading first = readFile(caProperty, path);
        if (first.error != null) {
            throw new IllegalArgumentException(first.error);
        }
        return new HopTrust(prefix, path, List.of(), first);
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

    /** The CA file read and validated now, with the stamp taken before (a change while reading is seen next time). */
    private static Reading readFile(String property, Path file) {
        FileStamp stamp = FileStamp.of(file);
        try {
            return new Reading(stamp, readCas(property, file), null);
        } catch (IllegalArgumentException e) {
            return new Reading(stamp, List.of(), String.valueOf(e.getMessage()));
        }
    }

    /**
     * The CA certificates to check the hop against now: the last reading while the file is unchanged, else the file
     * read and validated again. A change is logged once (INFO for new certificates, WARN for a file no longer usable).
     *
     * @throws IllegalArgumentException naming the property and the file when the file, as it is now, cannot be used
     */
    private List<X509Certificate> currentCas() {
        FileStamp now = FileStamp.of(caFile);
        Reading r = reading;
        if (!now.equals(r.stamp)) {
            synchronized (lock) {
                r = reading;
                if (!now.equals(r.stamp)) {
                    Reading fresh = readFile(caProperty(), caFile);
                    reading = fresh;
                    changed(r, fresh);
                    r = fresh;
                }
            }
        }
        if (r.error != null) {
            throw new IllegalArgumentException(r.error);
        }
        return r.cas;
    }

    private void changed(Reading before, Reading after) {
        if (after.error != null) {
            if (!after.error.equals(before.error)) {
                LOG.warn("TLS CA file changed and cannot be used now: {}. Mail to that next hop is deferred until the "
                        + "file is fixed; the CA certificates read before are not used", after.error);
            }
        } else if (before.error != null) {
            LOG.info("{} '{}' usable again ({} CA certificate(s)): mail to that next hop resumes", caProperty(), caFile,
                    after.cas.size());
        } else if (!after.cas.equals(before.cas)) {
            LOG.info("{} '{}' changed: new connections check the next hop against its {} CA certificate(s); kept "
                    + "connections checked against the previous ones are closed", caProperty(), caFile,
                    after.cas.size());
        }
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
        return List.copyOf(out);
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
     * The check of one delivery attempt's connections, against the CA file as it is now (looked at again, see
     * {@link #currentCas()}). It remembers what the hop presented last, so that a refusal can say which digest to pin.
     *
     * @throws IllegalArgumentException naming the property and the file when the CA file, as it is now, cannot be
     *                                  used (the attempt is then deferred; nothing is sent with a weaker check)
     */
    Check check() {
        return new Check(this, caFile == null ? null : currentCas());
    }

    /** One delivery attempt's certificate check and what it saw. Thread-safe. */
    static final class Check extends X509ExtendedTrustManager {
        private final HopTrust trust;
        private final List<X509Certificate> certificates;
        private final X509ExtendedTrustManager cas;
        private volatile String seen;
        private volatile String refused;

        private Check(HopTrust trust, List<X509Certificate> certificates) {
            this.trust = trust;
            this.certificates = certificates;
            this.cas = certificates == null ? null : trustManager(certificates);
        }

        /**
         * The CA certificates this check trusts (the CA file as read for it), or {@code null} without a CA file: a
         * connection kept after this check is reused only while the file still holds the same ones.
         */
        List<X509Certificate> cas() {
            return certificates;
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
    public boolean equals(Object o) {
        return o instanceof HopTrust t && prefix.equals(t.prefix) && Objects.equals(caFile, t.caFile)
                && pins.equals(t.pins);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefix, caFile, pins);
    }

    @Override
    public String toString() {
        return caFile != null ? caProperty() + "=" + caFile : pinned() ? pinProperty() + "=" + pins.size() + " digest(s)"
                : "default";
    }
}
