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
