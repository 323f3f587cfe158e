package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST API over HTTPS only, as the README tells an administrator to set it up: a PKCS12 key pair made with
 * {@code keytool}, pax-web's secure connector on and its plain one off, and the keystore password given to the
 * gateway through the environment ({@code $[env:STREAMAIL_TLS_KEYSTORE_PASSWORD]}, resolved by Felix
 * ConfigAdmin's interpolation plugin) so that it is written in no file.
 *
 * <p>The same gateway offers STARTTLS on both SMTP listeners with a key pair of their own, its password given the
 * same way ({@code $[env:STREAMAIL_SMTP_KEYSTORE_PASSWORD]}): the listeners are Declarative Services components, so
 * this checks that Felix SCR hands them the configuration as processed by the plugin, not the raw value.
 */
class HttpsRestIT {

    private static final String PASSWORD_VARIABLE = "STREAMAIL_TLS_KEYSTORE_PASSWORD";
    private static final String SMTP_PASSWORD_VARIABLE = "STREAMAIL_SMTP_KEYSTORE_PASSWORD";
    /**
     * How the cfg refers to the variable. {@code $[env:…]} (ConfigAdmin plugin) by default; the IT can be run with
     * {@code -Dstreamail.https.placeholder='${env:%s}'} to try Felix fileinstall's own interpolation instead.
     */
    private static final String PLACEHOLDER = System.getProperty("streamail.https.placeholder", "$[env:%s]");

    static GatewayProcess gateway;
    static String keystorePassword;
    static String adminPassword;
    static X509Certificate certificate;
    static Path pem;
    static String smtpKeystorePassword;
    static X509Certificate smtpCertificate;

    @BeforeAll
    static void boot() throws Exception {
        gateway = GatewayProcess.unpack("https-rest");
        keystorePassword = random();
        smtpKeystorePassword = random();
        adminPassword = random();
        Path etc = gateway.home().resolve("etc");
        certificate = keyPair(etc.resolve("gateway-tls.p12"), "gateway", PASSWORD_VARIABLE, keystorePassword);
        smtpCertificate = keyPair(etc.resolve("smtp-tls.p12"), "smtp", SMTP_PASSWORD_VARIABLE, smtpKeystorePassword);
        pem = gateway.home().getParent().resolve("gateway-tls.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        String cfg = "org.ops4j.pax.web.cfg";
        gateway.setConfig(cfg, "org.osgi.service.http.enabled", "false");
        gateway.setConfig(cfg, "org.osgi.service.http.secure.enabled", "true");
        gateway.setConfig(cfg, "org.ops4j.pax.web.ssl.keystore", "${karaf.etc}/gateway-tls.p12");
        gateway.setConfig(cfg, "org.ops4j.pax.web.ssl.keystore.type", "PKCS12");
        gateway.setConfig(cfg, "org.ops4j.pax.web.ssl.keystore.password", PLACEHOLDER.formatted(PASSWORD_VARIABLE));
        gateway.setConfig(cfg, "org.ops4j.pax.web.ssl.key.password", PLACEHOLDER.formatted(PASSWORD_VARIABLE));
        gateway.setConfig(cfg, "org.ops4j.pax.web.ssl.protocols.included", "TLSv1.2, TLSv1.3");
        gateway.environment(PASSWORD_VARIABLE, keystorePassword);
        for (String smtpCfg : List.of("org.streamail.smtp.cfg", "org.streamail.smtp.outbound.cfg")) {
            gateway.setConfig(smtpCfg, "tls.keystore", "${karaf.etc}/smtp-tls.p12");
            gateway.setConfig(smtpCfg, "tls.keystore.password", PLACEHOLDER.formatted(SMTP_PASSWORD_VARIABLE));
        }
        gateway.environment(SMTP_PASSWORD_VARIABLE, smtpKeystorePassword);
        gateway.adminPasswordFromEnvironment(adminPassword);
        gateway.useHttps(trusting(certificate));
        try {
            gateway.start(Duration.ofSeconds(120));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + gateway.consoleTail() + "\n" + karafLogErrors(), e);
        }
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void healthAnswersOverHttpsWithTheGatewaysOwnCertificateAndTheAdminsCredentials() throws Exception {
        HttpResponse<String> r = gateway.admin("GET", "/health");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"ready\"");
        assertThat(r.uri().getScheme()).isEqualTo("https");
        assertThat(r.sslSession()).hasValueSatisfying(s -> {
            assertThat(s.getProtocol()).isIn("TLSv1.2", "TLSv1.3");
            try {
                assertThat(s.getPeerCertificates()[0]).isEqualTo(certificate);
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(gateway.rest("GET", "/health", "admin", adminPassword + "x", null, null).statusCode())
                .isEqualTo(401);
        assertThat(gateway.rest("GET", "/health", null, null, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void theCertificateIsNotTrustedByTheJvmsDefaultTrustStore() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest r = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.httpsPort
                + "/streamail/api/v1/health")).timeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(r, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void thePlainHttpPortIsNotListeningAndHttpsOnlyOnLoopback() throws Exception {
        assertThat(GatewayProcess.listening(gateway.httpPort)).as("plain HTTP port %d", gateway.httpPort).isFalse();
        assertThat(ListeningSockets.addressesListeningOn(gateway.httpPort)).isEmpty();
        assertThat(ListeningSockets.addressesListeningOn(gateway.httpsPort)).isNotEmpty()
                .allSatisfy(a -> assertThat(a).isIn("127.0.0.1", "::ffff:127.0.0.1", "::1"));
    }

    /**
     * TLS 1.0 and 1.1 are refused. The JDK's own client refuses them too (jdk.tls.disabledAlgorithms), so a probe
     * runs in a child JVM whose security properties allow them, and proves it can do TLS 1.2 with the same code.
     */
    @Test
    void tls10And11AreRefusedWhileTls12Works() throws Exception {
        Path dir = gateway.home().getParent();
        Path security = dir.resolve("probe.security");
        Files.writeString(security, "jdk.tls.disabledAlgorithms=SSLv3, RC4, NULL\n");
        Path probe = dir.resolve("TlsProbe.java");
        Files.writeString(probe, """
                import java.io.FileInputStream;
                import java.security.KeyStore;
                import java.security.cert.CertificateFactory;
                import javax.net.ssl.*;
                public class TlsProbe {
                    public static void main(String[] a) throws Exception {
                        KeyStore ts = KeyStore.getInstance("PKCS12");
                        ts.load(null, null);
                        try (FileInputStream in = new FileInputStream(a[0])) {
                            ts.setCertificateEntry("gw",
                                    CertificateFactory.getInstance("X.509").generateCertificate(in));
                        }
                        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                        tmf.init(ts);
                        for (int i = 2; i < a.length; i++) {
                            SSLContext ctx = SSLContext.getInstance("TLS");
                            ctx.init(null, tmf.getTrustManagers(), null);
                            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
                                    Integer.parseInt(a[1]))) {
                                s.setSoTimeout(10000);
                                s.setEnabledProtocols(new String[] {a[i]});
                                s.startHandshake();
                                System.out.println(a[i] + " ACCEPTED " + s.getSession().getProtocol());
                            } catch (Exception e) {
                                System.out.println(a[i] + " REFUSED " + e);
                            }
                        }
                    }
                }
                """);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + security, probe.toString(), pem.toString(),
                String.valueOf(gateway.httpsPort), "TLSv1", "TLSv1.1", "TLSv1.2")
                .redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("TLSv1.2 ACCEPTED TLSv1.2")
                .contains("TLSv1 REFUSED").contains("TLSv1.1 REFUSED");
    }

    /**
     * Both SMTP listeners (Declarative Services components) offer STARTTLS and complete a handshake with their own
     * certificate: they could open their keystore only with the password resolved from the environment.
     */
    @Test
    void bothSmtpListenersOfferStartTlsWithTheKeystoreWhosePasswordCameFromTheEnvironment() throws Exception {
        SSLContext trustSmtp = trusting(smtpCertificate);
        for (int port : List.of(gateway.smtpPort, gateway.outboundPort)) {
            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.greeting).startsWith("220");
                assertThat(c.command("EHLO starttls-it")).as("EHLO on port %d", port)
                        .containsPattern("(?m)^250[- ]STARTTLS$");
                SSLSession tls = c.startTls(trustSmtp);
                assertThat(tls.getProtocol()).isIn("TLSv1.2", "TLSv1.3");
                assertThat(tls.getPeerCertificates()[0]).isEqualTo(smtpCertificate);
                String ehlo = c.command("EHLO starttls-it");
                assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS");
                assertThat(c.command("NOOP")).startsWith("250");
            }
        }
        // SCR read each listener's configuration through ConfigAdmin's plugins: the plugin logged the replacement
        for (String pid : List.of("org.streamail.smtp", "org.streamail.smtp.outbound")) {
            assertThat(gateway.karafLogLines("Replaced value of configuration property 'tls.keystore.password' "
                    + "for PID " + pid)).as(pid).isNotEmpty();
        }
    }

    /** The keystore passwords were given through the environment only: no file of the instance holds them. */
    @Test
    void theKeystorePasswordsAreInNoFileOfTheInstance() throws Exception {
        assertThat(Files.readString(gateway.home().resolve("etc/org.ops4j.pax.web.cfg")))
                .contains(PLACEHOLDER.formatted(PASSWORD_VARIABLE));
        for (String smtpCfg : List.of("org.streamail.smtp.cfg", "org.streamail.smtp.outbound.cfg")) {
            assertThat(Files.readString(gateway.home().resolve("etc").resolve(smtpCfg)))
                    .contains(PLACEHOLDER.formatted(SMTP_PASSWORD_VARIABLE));
        }
        assertThat(gateway.filesHolding(keystorePassword)).as("files holding the HTTPS keystore password").isEmpty();
        assertThat(gateway.filesHolding(smtpKeystorePassword)).as("files holding the SMTP keystore password")
                .isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private static SSLContext trusting(X509Certificate cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("gateway", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * Makes a PKCS12 key pair with the README's command (the password from the environment, never on the command
     * line), mode 600, and returns its certificate.
     */
    private static X509Certificate keyPair(Path keystore, String alias, String variable, String password)
            throws Exception {
        keytool(keystore, variable, password, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "30", "-dname", "CN=127.0.0.1, O=Streamail IT",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12");
        Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password.toCharArray());
        }
        return (X509Certificate) ks.getCertificate(alias);
    }

    private static void keytool(Path keystore, String variable, String password, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-keystore", keystore.toString(), "-storepass:env", variable));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(variable, password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }

    private static String random() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String karafLogErrors() {
        try {
            return String.join("\n", Files.readAllLines(gateway.data().resolve("log/karaf.log")).stream()
                    .filter(l -> l.contains("ERROR") || l.contains("WARN") && l.contains("pax"))
                    .limit(40).toList());
        } catch (IOException e) {
            return "";
        }
    }
}
