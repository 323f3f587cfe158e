package org.streamail.core.internal.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.auth.UsernamePasswordValidator;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * A next hop for SMTP AUTH tests: SubEthaSMTP on a free loopback port, STARTTLS required, and (unless
 * {@link Auth#NONE}) AUTH required against {@link #accounts}, which a test may change while it runs. Records every
 * accepted and refused login and every message taken. Thread-safe; close it.
 */
public final class AuthSmtpServer implements AutoCloseable {

    /** What the server offers after STARTTLS. */
    public enum Auth {
        /** No AUTH at all. */
        NONE,
        /** AUTH PLAIN and LOGIN, required for mail. */
        PLAIN_AND_LOGIN,
        /** AUTH LOGIN alone, required for mail. */
        LOGIN_ONLY
    }

    /** One login attempt. */
    public record Login(String user, String password) {
    }

    /** One message as the server took it: the authenticated identity (null without AUTH), whether TLS was on. */
    public record Received(String user, boolean tls, String data) {
        /** The Subject header's value, or "?" without one. */
        public String subject() {
            int s = data.indexOf("Subject: ");
            return s < 0 ? "?" : data.substring(s + 9, data.indexOf('\r', s));
        }
    }

    /** The accounts (user to password) the server accepts now. */
    public final Map<String, String> accounts = new ConcurrentHashMap<>();
    /** Every accepted login (one per authenticated connection), and every refused one, in order. */
    public final List<Login> logins = new CopyOnWriteArrayList<>();
    public final List<Login> refusedLogins = new CopyOnWriteArrayList<>();
    public final List<Received> received = new CopyOnWriteArrayList<>();

    private final SMTPServer server;

    /**
     * A server-side TLS context for {@code localhost} / {@code 127.0.0.1}: a self-signed key pair made in {@code dir}
     * for the run.
     */
    public static SSLContext localhostTls(Path dir) throws Exception {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        char[] password = HexFormat.of().formatHex(random).toCharArray();
        return SelfSignedKeys.serverContext(SelfSignedKeys.make(dir, "hop.p12", "CN=localhost",
                "SAN=dns:localhost,ip:127.0.0.1", password), password);
    }

    /** Starts the server, presenting {@code tls} at STARTTLS and greeting as {@code hostName}. */
    public AuthSmtpServer(SSLContext tls, String hostName, Auth auth) {
        SMTPServer.Builder b = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName(hostName)
                .enableTLS(true).requireTLS(true).startTlsSocketFactory(plain -> SelfSignedKeys.startTls(tls, plain))
                .messageHandlerFactory(Recorder::new);
        if (auth != Auth.NONE) {
            UsernamePasswordValidator check = (user, pass, c) -> {
                if (!pass.equals(accounts.get(user))) {
                    refusedLogins.add(new Login(user, pass));
                    throw new LoginFailedException();
                }
                logins.add(new Login(user, pass));
            };
            b.requireAuth(true).authenticationHandlerFactory(auth == Auth.LOGIN_ONLY
                    ? new LoginAuthenticationHandlerFactory(check) : new EasyAuthenticationHandlerFactory(check));
        }
        server = b.build();
        server.start();
    }

    public int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Recorder implements MessageHandler {
        private final MessageContext context;

        Recorder(MessageContext context) {
            this.context = context;
        }

        @Override
        public void from(String from) {
            // recorded with the data
        }

        @Override
        public void recipient(String recipient) {
            // recorded with the data
        }

        @Override
        public String data(InputStream data) throws IOException {
            String user = context.getAuthenticationHandler().map(AuthenticationHandler::getIdentity)
                    .map(String::valueOf).orElse(null);
            received.add(new Received(user, ((Session) context).isTLSStarted(),
                    new String(data.readAllBytes(), StandardCharsets.ISO_8859_1)));
            return null;
        }

        @Override
        public void done() {
            // nothing held
        }
    }
}
