package org.streamail.itests;

import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import javax.security.auth.Subject;
import org.apache.karaf.features.BootFinished;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Base of every Pax Exam test, in the spirit of Karaf's {@code KarafTestSupport}: boots the BUILT
 * distribution (the tar.gz of karaf-distribution, as a file: URL) with every port moved to a free one,
 * waits for {@link BootFinished}, and offers shell, configuration and polling helpers.
 *
 * <p>Two JVMs are involved: {@link #baseConfig()} runs in the test JVM (chooses ports, edits etc/ files of
 * the unpacked instance); the test methods run inside Karaf, where the chosen ports arrive as system
 * properties ({@link #httpPort()}, {@link #smtpPort()}).
 *
 * <p>Accounts: {@code admin}/{@link #ADMIN_PASSWORD} and {@code viewer}/{@link #VIEWER_PASSWORD} are
 * written (as bcrypt hashes, the distribution's JAAS format) into the instance's etc/users.properties, so
 * the security bundle finds an admin and leaves it alone. The first-boot password path is covered by
 * {@code DistributionProcessIT}, which starts the real bin/karaf.
 */
public abstract class StreamailTestSupport {

    public static final String ADMIN_PASSWORD = "itest-Admin-Pw-0123456789";
    public static final String VIEWER_PASSWORD = "itest-Viewer-Pw-0123456789";
    public static final String[] ADMIN_ROLES = {"admin", "manager", "viewer", "systembundles", "ssh"};
    public static final String[] VIEWER_ROLES = {"viewer"};

    protected static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final ExecutorService EXECUTOR = Executors.newCachedThreadPool();

    @Inject
    protected BundleContext bundleContext;

    /** Injection blocks until Karaf has installed its boot features. */
    @Inject
    protected BootFinished bootFinished;

    @Inject
    protected SessionFactory sessionFactory;

    @Inject
    protected ConfigurationAdmin configurationAdmin;

    // ------------------------------------------------------------------ configuration (test JVM)

    /** Options every test class starts from; subclasses may add theirs. */
    protected Option[] baseConfig() {
        String distribution = System.getProperty("streamail.distribution");
        File tarGz = new File(distribution == null ? "" : distribution);
        if (!tarGz.isFile()) {
            throw new IllegalStateException("Built distribution not found: " + tarGz
                    + " (build karaf-distribution first: mvn install)");
        }
        String m2 = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        int http = freePort();
        int smtp = freePort();
        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(tarGz.toURI().toString())
                        .karafVersion(System.getProperty("streamail.karaf.version", "4.4.10"))
                        .name("Streamail")
                        .unpackDirectory(new File("target/exam"))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(freePort())),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(freePort())),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(freePort())),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", String.valueOf(http)),
                editConfigurationFilePut("etc/org.streamail.smtp.cfg", "port", String.valueOf(smtp)),
                editConfigurationFilePut("etc/org.streamail.smtp.outbound.cfg", "port", String.valueOf(freePort())),
                // sender authentication asks the test's own DNS server, never the machine's resolver
                editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "dns.servers", AuthTestDns.servers()),
                editConfigurationFilePut("etc/users.properties", "admin", hash(ADMIN_PASSWORD) + ",_g_:admingroup"),
                editConfigurationFilePut("etc/users.properties", "viewer", hash(VIEWER_PASSWORD) + ",_g_:viewergroup"),
                // Pax Exam's own bundles (the "exam" feature) come from the Maven repository: only this test
                // instance may read it; the shipped distribution never does (see DistributionProcessIT)
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository", m2),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.offline", "false"),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.repositories",
                        "https://repo1.maven.org/maven2@id=central"),
                // AssertJ inside the container, for the test methods (it needs Byte Buddy)
                mavenBundle("net.bytebuddy", "byte-buddy", System.getProperty("bytebuddy.version", "1.18.3")),
                mavenBundle("org.assertj", "assertj-core", System.getProperty("assertj.version", "3.27.7")),
                systemProperty("streamail.itest.http.port").value(String.valueOf(http)),
                systemProperty("streamail.itest.smtp.port").value(String.valueOf(smtp)),
                systemProperty("streamail.test.detector").value(System.getProperty("streamail.test.detector", ""))));
        return options.toArray(new Option[0]);
    }

    /**
     * The value the distribution's JAAS configuration expects: bcrypt (salted) by Karaf's
     * spring-security-crypto service, hex-encoded, between {CRYPT} markers.
     */
    public static String hash(String password) {
        String bcrypt = org.springframework.security.crypto.bcrypt.BCrypt.hashpw(password,
                org.springframework.security.crypto.bcrypt.BCrypt.gensalt());
        return "{CRYPT}" + HexFormat.of().formatHex(bcrypt.getBytes(StandardCharsets.UTF_8)) + "{CRYPT}";
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    // ------------------------------------------------------------------ helpers (inside Karaf)

    /**
     * The first delivered file (the local folder, the distribution's default next hop) holding {@code text} and each
     * of {@code more}, waited for up to 30 s; see {@link #fileContaining}.
     */
    protected static String deliveredContaining(String text, String... more) {
        return fileContaining("delivered", text, more);
    }

    /**
     * The first complete message file in {@code ${karaf.data}/streamail/<folder>} ({@code delivered}: the local next
     * hop; {@code outbound}: the outbound one) holding {@code text} and each of {@code more}, waited for up to 30 s;
     * read as ISO-8859-1 so that every byte stays one character. Only complete files: delivery writes
     * {@code .<id>.eml.tmp} and renames it to {@code <id>.eml}, and a reader of the temporary file saw half a message.
     */
    protected static String fileContaining(String folder, String text, String... more) {
        java.nio.file.Path delivered = java.nio.file.Path.of(System.getProperty("karaf.data"), "streamail", folder);
        String[] content = new String[1];
        waitFor("a message with '" + text + "'" + (more.length == 0 ? "" : " and "
                + java.util.Arrays.toString(more)) + " in " + delivered, Duration.ofSeconds(30), () -> {
            try (var files = java.nio.file.Files.list(delivered)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".") || !name.endsWith(".eml")) {
                        continue; // a file still being written (.<id>.eml.tmp, renamed into place when complete)
                    }
                    String s = java.nio.file.Files.readString(f, StandardCharsets.ISO_8859_1);
                    if (s.contains(text) && java.util.Arrays.stream(more).allMatch(s::contains)) {
                        content[0] = s;
                        return true;
                    }
                }
                return false;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
        return content[0];
    }

    /** The message log's entry of the message with {@code subject} from {@code sender}, once it has a verdict. */
    protected org.streamail.api.store.LogEntry loggedWithVerdict(String sender, String subject) {
        org.streamail.api.store.MessageLog log = service(org.streamail.api.store.MessageLog.class,
                Duration.ofSeconds(30));
        org.streamail.api.store.LogEntry[] found = new org.streamail.api.store.LogEntry[1];
        waitFor("the verdict of '" + subject + "'", Duration.ofSeconds(30), () -> {
            for (org.streamail.api.store.LogEntry e : log.query(new org.streamail.api.store.LogQuery(50, 0, null,
                    sender, null, null, null))) {
                if (subject.equals(e.subject()) && e.verdict() != null) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** The finding of {@code entry}'s verdict with this qualified rule ({@code auth/results}); fails without one. */
    protected static org.streamail.api.model.Finding finding(org.streamail.api.store.LogEntry entry,
            String qualifiedRule) {
        return entry.verdict().findings().stream().filter(f -> f.qualifiedRule().equals(qualifiedRule)).findFirst()
                .orElseThrow(() -> new AssertionError(qualifiedRule + " not in " + entry.verdict()));
    }

    protected static int httpPort() {
        return Integer.getInteger("streamail.itest.http.port");
    }

    protected static int smtpPort() {
        return Integer.getInteger("streamail.itest.smtp.port");
    }

    /** Runs a shell command as admin and returns what it printed. */
    protected String executeCommand(String command) {
        return executeCommand(command, "admin", ADMIN_ROLES);
    }

    /**
     * Runs a shell command as the given user with the given roles (command ACLs apply) and returns what it
     * printed; a failing command throws {@link CommandFailedException} carrying the output so far. Waits
     * for the command to be registered first: registration is asynchronous, never sleep for it. Karaf
     * unregisters and re-registers all of a bundle's commands whenever a service one of them uses comes or
     * goes (a configuration update restarts components), so a command found a moment ago may be missing
     * when it runs: that case waits for it again and tries twice more. (A command the user's roles may
     * not run is also "not found"; it stays registered, so those retries cost no waiting.)
     */
    protected String executeCommand(String command, String user, String... roles) {
        for (int attempt = 1; ; attempt++) {
            waitForCommand(command.trim().split("\\s+")[0], COMMAND_TIMEOUT);
            try {
                return executeOnce(command, user, roles);
            } catch (CommandFailedException e) {
                if (!commandNotFound(e) || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static boolean commandNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("CommandNotFoundException")) {
                return true;
            }
        }
        return false;
    }

    private String executeOnce(String command, String user, String... roles) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(user));
        Arrays.stream(roles).forEach(r -> subject.getPrincipals().add(new RolePrincipal(r)));
        Future<String> result = EXECUTOR.submit(() -> Subject.doAs(subject, (PrivilegedExceptionAction<String>) () -> {
            Session session = sessionFactory.create(System.in, out, out);
            session.put("APPLICATION", System.getProperty("karaf.name", "root"));
            session.put("USER", user);
            try {
                Object value = session.execute(command);
                if (value != null) {
                    out.println(value);
                }
            } catch (Exception e) {
                out.flush();
                throw new CommandFailedException(command, bytes.toString(StandardCharsets.UTF_8), e);
            } finally {
                session.close();
            }
            out.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }));
        try {
            return result.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.security.PrivilegedActionException p ? p.getCause() : e.getCause();
            if (cause instanceof CommandFailedException c) {
                throw c;
            }
            throw new CommandFailedException(command, bytes.toString(StandardCharsets.UTF_8), cause);
        } catch (Exception e) {
            result.cancel(true);
            throw new CommandFailedException(command, bytes.toString(StandardCharsets.UTF_8), e);
        }
    }

    /** Waits until {@code scope:name} is registered in the shell. */
    protected void waitForCommand(String qualifiedName, Duration timeout) {
        String[] parts = qualifiedName.split(":", 2);
        String scope = parts.length == 2 ? parts[0] : "*";
        String name = parts.length == 2 ? parts[1] : parts[0];
        waitFor("command " + qualifiedName + " to be registered", timeout,
                () -> sessionFactory.getRegistry().getCommand(scope, name) != null);
    }

    /** Polls the condition every 100 ms until it holds; fails with the description after the timeout. */
    protected static void waitFor(String description, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + description);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + description);
            }
        }
    }

    /** Sets configuration properties of a PID (creating it if absent) and returns the configuration. */
    protected Configuration updateConfig(String pid, java.util.Map<String, ?> properties) throws IOException {
        Configuration c = configurationAdmin.getConfiguration(pid, "?");
        java.util.Dictionary<String, Object> d = c.getProperties() == null ? new java.util.Hashtable<>() : c.getProperties();
        properties.forEach(d::put);
        c.update(d);
        return c;
    }

    /** A configuration property's current value, or {@code null}. */
    protected Object configValue(String pid, String key) throws IOException {
        Configuration c = configurationAdmin.getConfiguration(pid, "?");
        return c.getProperties() == null ? null : c.getProperties().get(key);
    }

    protected <T> T service(Class<T> type, Duration timeout) {
        waitFor("service " + type.getName(), timeout, () -> bundleContext.getServiceReference(type) != null);
        ServiceReference<T> ref = bundleContext.getServiceReference(type);
        return bundleContext.getService(ref);
    }

    /**
     * Karaf 4.4 enforces command ACLs in two places: a command the session's roles may not run is hidden
     * from that session ("Command not found"), and a visible command with a forbidden argument pattern
     * fails with "Insufficient credentials". Either is a denial; anything else (a failure inside an allowed
     * command) is not.
     */
    public static void assertDeniedByAcl(Throwable t) {
        String m = String.valueOf(t.getMessage());
        if (!m.contains("Insufficient credentials") && !m.contains("CommandNotFoundException")) {
            throw new AssertionError("expected an ACL denial, got: " + m, t);
        }
    }

    /** A shell command that failed, with what it had printed. */
    public static final class CommandFailedException extends RuntimeException {
        private final String output;

        CommandFailedException(String command, String output, Throwable cause) {
            super("'" + command + "' failed: " + (cause == null ? "?" : cause.toString()) + "; output: " + output, cause);
            this.output = output;
        }

        public String output() {
            return output;
        }
    }
}
