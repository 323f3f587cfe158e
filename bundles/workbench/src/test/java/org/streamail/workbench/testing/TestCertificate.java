package org.streamail.workbench.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A self-signed key pair made for one test by the JDK's own {@code keytool} (in a temporary folder, with a random
 * store password passed through the environment), as an administrator would make the gateway's.
 *
 * @param certificate the self-signed certificate
 * @param server      an SSL context presenting it, for {@link FakeGateway}
 */
public record TestCertificate(X509Certificate certificate, SSLContext server) {

    private static final String PASSWORD_VARIABLE = "TEST_KEYSTORE_PASSWORD";

    /**
     * @param dname     e.g. {@code CN=gateway.test}
     * @param san       keytool's SAN extension value, e.g. {@code ip:127.0.0.1,dns:localhost}
     * @param startDate keytool's {@code -startdate} (e.g. {@code -10d} for an expired one), or {@code null} for now
     * @param days      validity in days
     */
    public static TestCertificate generate(Path dir, String dname, String san, String startDate, int days)
            throws Exception {
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        Path store = Files.createTempFile(dir, "gateway", ".p12");
        Files.delete(store); // keytool creates it
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "gateway", "-keyalg", "EC",
                "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", dname, "-ext", "SAN=" + san, "-validity",
                String.valueOf(days), "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass:env", PASSWORD_VARIABLE));
        if (startDate != null) {
            cmd.addAll(List.of("-startdate", startDate));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(PASSWORD_VARIABLE, password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return new TestCertificate((X509Certificate) ks.getCertificate("gateway"), ctx);
    }

    /** The SHA-256 fingerprint as keytool prints it: {@code AB:CD:…}. */
    public String fingerprint() throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
    }

    /** A PKIX trust manager whose trust store holds only this certificate (as if an authority had issued it). */
    public X509ExtendedTrustManager trustedAsAuthority() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("gateway", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X509 trust manager");
    }
}
