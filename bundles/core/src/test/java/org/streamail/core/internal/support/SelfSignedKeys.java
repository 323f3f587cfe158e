package org.streamail.core.internal.support;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Server key pairs for TLS tests, made in this JVM for the run (nothing checked in): EC P-256 keys and X.509
 * certificates built with Bouncy Castle. (They were made by the JDK's {@code keytool}, one process per step: seven
 * JVM starts for a CA-signed pair, 15 of {@code PinnedHopTest}'s 22 seconds.)
 */
public final class SelfSignedKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(2);

    private SelfSignedKeys() {
    }

    /**
     * A PKCS12 key store {@code dir/file} holding one self-signed key pair, alias {@code server}, valid for two
     * days, e.g. {@code dname} {@code CN=localhost} and {@code san} {@code SAN=dns:localhost,ip:127.0.0.1}
     * (keytool's notation).
     */
    public static KeyStore make(Path dir, String file, String dname, String san, char[] password) throws Exception {
        KeyPair pair = keyPair();
        X509Certificate cert = certificate(dname, pair, dname, pair.getPrivate(), false, san);
        return store(dir.resolve(file), pair.getPrivate(), password, cert);
    }

    /**
     * A test CA and a server key pair it signed: {@code dir/<name>-ca.pem} holds the CA's certificate (PEM), and
     * the returned PKCS12 key store {@code dir/<name>.p12} the server's key pair, alias {@code server}, with its
     * chain (server, CA). Valid for two days.
     *
     * @param san the server certificate's names, e.g. {@code SAN=dns:localhost,ip:127.0.0.1}
     */
    public static KeyStore caSigned(Path dir, String name, String serverDname, String san, char[] password)
            throws Exception {
        String caDname = "CN=Streamail Test CA " + name;
        KeyPair ca = keyPair();
        X509Certificate caCert = certificate(caDname, ca, caDname, ca.getPrivate(), true, null);
        Files.writeString(dir.resolve(name + "-ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(caCert.getEncoded())
                + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
        KeyPair server = keyPair();
        X509Certificate serverCert = certificate(serverDname, server, caDname, ca.getPrivate(), false, san);
        return store(dir.resolve(name + ".p12"), server.getPrivate(), password, serverCert, caCert);
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, PrivateKey signer,
            boolean isCa, String san) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                new BigInteger(63, RANDOM), Date.from(now.minusSeconds(60)), Date.from(now.plus(VALIDITY)),
                new X500Name(subject), subjectKeys.getPublic());
        if (isCa) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        }
        if (san != null) {
            b.addExtension(Extension.subjectAlternativeName, false, names(san));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    /** keytool's {@code SAN=dns:a,ip:1.2.3.4} as general names. */
    private static GeneralNames names(String san) {
        List<GeneralName> names = new ArrayList<>();
        for (String n : san.substring(san.indexOf('=') + 1).split(",")) {
            String value = n.substring(n.indexOf(':') + 1);
            names.add(n.startsWith("ip:") ? new GeneralName(GeneralName.iPAddress, value)
                    : new GeneralName(GeneralName.dNSName, value));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static KeyStore store(Path file, PrivateKey key, char[] password, Certificate... chain) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, password, chain);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password);
        }
        return KeyStore.getInstance(file.toFile(), password);
    }

    /** A server-side TLS context presenting the key pair of {@code keys}. */
    public static SSLContext serverContext(KeyStore keys, char[] password) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /**
     * The server side of STARTTLS over {@code plain} (a test SMTP server's socket factory); {@code protocols}, when
     * given, are the only TLS versions accepted.
     */
    public static SSLSocket startTls(SSLContext ctx, Socket plain, String... protocols) throws IOException {
        InetSocketAddress remote = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, remote.getHostString(), plain.getPort(),
                true);
        s.setUseClientMode(false);
        if (protocols.length > 0) {
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(protocols);
            s.setSSLParameters(p);
        }
        return s;
    }
}
