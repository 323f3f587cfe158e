package org.streamail.core.internal.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** Server key pairs for TLS tests, made by the JDK's own {@code keytool} for the run (nothing checked in). */
public final class SelfSignedKeys {

    private SelfSignedKeys() {
    }

    /**
     * A PKCS12 key store {@code dir/file} holding one self-signed RSA 2048 key pair, alias {@code server}, valid
     * for two days, e.g. {@code dname} {@code CN=localhost} and {@code san} {@code SAN=dns:localhost,ip:127.0.0.1}.
     */
    public static KeyStore make(Path dir, String file, String dname, String san, char[] password) throws Exception {
        Path ks = dir.resolve(file);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-ext", san,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", new String(password), "-keypass", new String(password))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool: %s", out).isZero();
        return KeyStore.getInstance(ks.toFile(), password);
    }

    /**
     * A test CA and a server key pair it signed, made by {@code keytool}: {@code dir/<name>-ca.pem} holds the CA's
     * certificate (PEM), and the returned PKCS12 key store {@code dir/<name>.p12} the server's key pair, alias
     * {@code server}, with its chain (server, CA). Valid for two days.
     *
     * @param san the server certificate's names, e.g. {@code SAN=dns:localhost,ip:127.0.0.1}
     */
    public static KeyStore caSigned(Path dir, String name, String serverDname, String san, char[] password)
            throws Exception {
        String pw = new String(password);
        Path ca = dir.resolve(name + "-ca.p12");
        Path caPem = dir.resolve(name + "-ca.pem");
        Path server = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path cer = dir.resolve(name + ".cer");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Streamail Test CA "
                + name, "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", ca.toString(),
                "-storepass", pw, "-keypass", pw);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw, "-file",
                caPem.toString());
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", serverDname,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", server.toString(), "-storepass", pw, "-keypass",
                pw);
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", pw, "-file",
                csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pw, "-infile",
                csr.toString(), "-outfile", cer.toString(), "-ext", san, "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", server.toString(),
                "-storepass", pw);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cer.toString(), "-keystore",
                server.toString(), "-storepass", pw, "-keypass", pw);
        return KeyStore.getInstance(server.toFile(), password);
    }

    private static void keytool(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool %s: %s", args[0], out).isZero();
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
