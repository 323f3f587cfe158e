package org.streamail.smtp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.store.Directory;
import org.streamail.smtp.internal.server.ListenerSettings;
import org.streamail.smtp.internal.server.SmtpEngine;

/**
 * The inbound SMTP listener as a DS component (PID {@code org.streamail.smtp}). It runs while a
 * {@link MessageIntake} and a {@link Directory} are available; a configuration change restarts the listener
 * on the new settings. {@link EnvelopeGuard}s come and go at any time and are asked from the next SMTP stage
 * on.
 *
 * <p>Threading: DS calls the constructor, the guard bind methods and {@link #stop()} from its own threads;
 * the guard list is copy-on-write, so session threads read it without locking.
 */
@Component(name = InboundListener.PID, configurationPid = InboundListener.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, service = {})
@Designate(ocd = ListenerConfig.class)
public final class InboundListener {

    static final String PID = "org.streamail.smtp";

    private static final Logger LOG = LoggerFactory.getLogger(InboundListener.class);

    private final List<EnvelopeGuard> guards = new CopyOnWriteArrayList<>();
    private final MessageIntake intake;
    private final Directory directory;
    /** The running engine; replaced by {@link #modified}. DS serialises activate, modified and deactivate. */
    private volatile SmtpEngine engine;
    private List<Object> applied;

    /**
     * Prepares the listener; {@link #start()} opens the port once DS has bound the guards present now.
     *
     * @throws IOException if the configuration or the key store is unusable; DS logs it and the component
     *                     stays inactive until the configuration changes
     */
    @Activate
    public InboundListener(@Reference(name = "intake") MessageIntake intake,
            @Reference(name = "directory") Directory directory, ListenerConfig config) throws IOException {
        this.intake = intake;
        this.directory = directory;
        this.engine = new SmtpEngine(settings(config), intake, directory, () -> guards);
        this.applied = fingerprint(config);
    }

    /**
     * Opens the port. Separate from the constructor because DS binds the dynamic guards between the two:
     * no client is greeted before the guards already registered are in place.
     *
     * @throws IOException if the port cannot be bound
     */
    @Activate
    void start() throws IOException {
        engine.start();
    }

    /**
     * Restarts the listener on a changed configuration (open sessions are closed; their clients retry).
     * A configuration event that changes nothing, as Configuration Admin sometimes delivers at start-up,
     * leaves the running listener and its sessions alone.
     *
     * @throws IOException if the new configuration is invalid (the listener keeps running on the old one) or
     *                     its port cannot be bound (the listener stays closed until the configuration is
     *                     fixed); DS logs it
     */
    @Modified
    void modified(ListenerConfig config) throws IOException {
        List<Object> next = fingerprint(config);
        if (next.equals(applied)) {
            return;
        }
        ListenerSettings settings = settings(config);
        engine.stop();
        applied = null;
        SmtpEngine replacement = new SmtpEngine(settings, intake, directory, () -> guards);
        engine = replacement;
        replacement.start();
        applied = next;
    }

    private static List<Object> fingerprint(ListenerConfig c) {
        return Arrays.asList(c.bind_address(), c.port(), c.hostname(), c.max_message_size(), c.max_recipients(),
                c.max_connections(), c.max_connections_per_ip(), c.connection_timeout_ms(),
                c.data_timeout_seconds(), c.max_errors(), c.tls_keystore(),
                c.tls_keystore_password());
    }

    @Deactivate
    void stop() {
        engine.stop();
        LOG.info("SMTP listener on port {} stopped", engine.port());
    }

    @Reference(name = "guard", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addGuard(EnvelopeGuard guard) {
        guards.add(guard);
    }

    void removeGuard(EnvelopeGuard guard) {
        guards.remove(guard);
    }

    /** The bound port, for tests. */
    int port() {
        return engine.port();
    }

    static ListenerSettings settings(ListenerConfig c) throws IOException {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(c.bind_address().trim());
        } catch (UnknownHostException e) {
            throw new IOException("bind.address is not an address: " + c.bind_address(), e);
        }
        String host = c.hostname() == null || c.hostname().isBlank() ? localHostName() : c.hostname().trim();
        SSLContext tls = c.tls_keystore() == null || c.tls_keystore().isBlank()
                ? null : tlsContext(Path.of(c.tls_keystore().trim()), c.tls_keystore_password());
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            return new ListenerSettings(bind, c.port(), host, c.max_message_size(), c.max_recipients(),
                    c.max_connections(), c.max_connections_per_ip(), c.connection_timeout_ms(),
                    c.data_timeout_seconds(), c.max_errors(), tls, tmp);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad configuration of " + PID + ": " + e.getMessage(), e);
        }
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9.\\-]{1,255}") ? name : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static SSLContext tlsContext(Path keystore, String password) throws IOException {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        if (!Files.isReadable(keystore)) {
            throw new IOException("tls.keystore " + keystore + " is not a readable file");
        }
        try {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), pw);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            // The message names the store, never the password.
            throw new IOException("cannot use tls.keystore " + keystore + ": " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
    }
}
