package org.streamail.detect.auth.internal.sign;

import com.google.common.net.InternetDomainName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.interfaces.RSAKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.OutboundMessage;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyFileExistsException;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimStatus;
import org.streamail.api.dkim.NewDkimKey;
import org.streamail.detect.auth.internal.AuthDns;
import org.streamail.detect.auth.internal.dkim.PublishedKey;
import org.streamail.detect.auth.internal.dkim.SigningKey;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.Names;

/**
 * DKIM signing of outbound mail (PID {@value DkimSignConfig#PID}): registers the {@link OutboundSigner} the core's
 * delivery asks for every outbound message ({@link DkimOutboundSigner}) while {@code enabled} is true, and offers
 * {@link DkimKeys} (what is configured and published, new keys) to the administrator's commands.
 *
 * <p>Why the signer is registered by hand and only when enabled: with a signer bound, delivery builds every outbound
 * message in memory to have it signed, which is wasted while signing is off (the distribution ships the configuration
 * with {@code enabled = false}). The registration stays the same object across configuration changes: a change is
 * applied in place ({@link #modified}), so delivery never sees the signer go while keys are swapped; an invalid change is
 * refused with an ERROR and the previous configuration stays. An invalid configuration at activation fails it, naming
 * the property, like every Streamail component; an unknown property is a WARN.
 *
 * <p>Key files are not configuration: one that cannot be used (missing, open to others, not a key) does not fail the
 * activation. It is logged at ERROR, shown by {@code streamail:dkim-status}, and the mail of its domain waits (the
 * signer throws, the core defers) until the file is fixed: failing the whole component would let every domain's mail
 * leave unsigned instead. The same holds for a domain's two files that turn out to hold keys of one algorithm
 * ({@link DomainKeys}): which file holds which algorithm is known only once they are read. Thread-safe.
 */
@Component(service = DkimKeys.class, configurationPid = DkimSignConfig.PID, immediate = true)
@Designate(ocd = DkimSignConfig.class)
public final class DkimSigning implements DkimKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DkimSigning.class);
    /** All the look-ups of one {@link #status} call together; keys not reached by then are not checked. */
    static final Duration STATUS_DNS_BUDGET = Duration.ofSeconds(20);

    /** Registers and unregisters the signer service; the framework's registry, or a test's. */
    interface Registrar {
        /** Registers {@code signer}; the returned action unregisters it. */
        Runnable register(OutboundSigner signer);
    }

    /** One configuration with the key files of each domain and the signer made of them. */
    private record State(SignSettings settings, Map<String, DomainKeys> domains, DkimOutboundSigner signer) {
    }

    /** The DNS of the sender authentication, for {@link #status}; absent while that detector is not active. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuthDns authDns;

    private final Registrar registrar;
    private final Clock clock;
    private volatile State state;
    /** Unregisters the signer service; {@code null} while it is not registered. Guarded by {@code this}. */
    private Runnable registration;

    /** What is registered: always this object, which signs with the state of the moment. */
    private final OutboundSigner service = new OutboundSigner() {
        @Override
        public String name() {
            return DkimOutboundSigner.NAME;
        }

        @Override
        public List<String> sign(OutboundMessage message) throws IOException {
            return state.signer().sign(message);
        }

        @Override
        public String toString() {
            return "DKIM signer (" + DkimSignConfig.PID + ")";
        }
    };

    @Activate
    public DkimSigning(DkimSignConfig config, Map<String, Object> properties, BundleContext context) {
        this(checked(config, properties), signer -> {
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("name", DkimOutboundSigner.NAME);
            ServiceRegistration<OutboundSigner> r = context.registerService(OutboundSigner.class, signer, p);
            return () -> {
                try {
                    r.unregister();
                } catch (IllegalStateException e) {
                    // unregistered already (the bundle is stopping)
                }
            };
        }, Clock.systemUTC());
    }

    /** With the settings checked already and a registrar of the caller's; for tests. */
    DkimSigning(SignSettings settings, Registrar registrar, Clock clock) {
        this.registrar = Objects.requireNonNull(registrar, "registrar");
        this.clock = Objects.requireNonNull(clock, "clock");
        apply(settings);
    }

    /** The settings of a configuration, the raw properties checked first; logs each key nothing reads. */
    static SignSettings checked(DkimSignConfig config, Map<String, ?> properties) {
        ConfigCheck.check(DkimSignConfig.PID, DkimSignConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", DkimSignConfig.PID, k));
        return SignSettings.from(config);
    }

    /** A configuration change, applied in place; an invalid one is refused and the previous one stays. */
    @Modified
    void modified(DkimSignConfig config, Map<String, Object> properties) {
        SignSettings settings;
        try {
            settings = checked(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("DKIM signing configuration change refused: {}; keeping the previous configuration",
                    e.getMessage());
            return;
        }
        apply(settings);
    }

    /** Reads the key files of {@code settings}, then signs with them (registering or unregistering the signer). */
    synchronized void apply(SignSettings settings) {
        Map<String, List<KeyFile>> byDomain = new LinkedHashMap<>();
        int usable = 0;
        for (SignSettings.Key k : settings.keys()) {
            KeyFile f = KeyFile.load(k.domain(), k.selector(), k.file());
            byDomain.computeIfAbsent(k.domain(), d -> new ArrayList<>(SignSettings.MAX_KEYS_PER_DOMAIN)).add(f);
            String error = f.current().error();
            if (error == null) {
                usable++;
            } else if (settings.enabled()) {
                LOG.error("{}: {}. Mail from {} waits (deferred) until the file is fixed; it is read again when it"
                        + " changes", DkimSignConfig.PID, error, k.domain());
            } else {
                LOG.warn("{}: {} (signing is off)", DkimSignConfig.PID, error);
            }
        }
        Map<String, DomainKeys> domains = new LinkedHashMap<>();
        for (Map.Entry<String, List<KeyFile>> e : byDomain.entrySet()) {
            DomainKeys keys = new DomainKeys(e.getKey(), e.getValue());
            domains.put(e.getKey(), keys);
            String conflict = keys.conflict(keys.readings());
            if (!conflict.isEmpty()) {
                usable -= e.getValue().size(); // both readable, neither signs
                if (settings.enabled()) {
                    LOG.error("{}: {}", DkimSignConfig.PID, conflict);
                } else {
                    LOG.warn("{}: {} (signing is off)", DkimSignConfig.PID, conflict);
                }
            }
        }
        state = new State(settings, domains, new DkimOutboundSigner(settings, domains, clock));
        if (settings.enabled() && registration == null) {
            registration = registrar.register(service);
        } else if (!settings.enabled() && registration != null) {
            registration.run();
            registration = null;
        }
        if (settings.enabled()) {
            LOG.info("DKIM signing of outbound mail on: {} key(s), {} usable ({}), c={}/{}, {}", settings.keys().size(),
                    usable, settings.keys(), settings.relaxedHeader() ? "relaxed" : "simple",
                    settings.relaxedBody() ? "relaxed" : "simple",
                    settings.expiry() == null ? "no expiry" : "x= after " + settings.expiry());
            if (settings.keys().isEmpty()) {
                LOG.warn("{}: enabled but keys is empty: nothing is signed", DkimSignConfig.PID);
            }
        } else {
            LOG.info("DKIM signing of outbound mail off ({} key(s) configured)", settings.keys().size());
        }
    }

    @Deactivate
    synchronized void deactivate() {
        if (registration != null) {
            registration.run();
            registration = null;
        }
    }

    /** The signer with the current configuration (what the registered service does); for tests. */
    OutboundSigner signer() {
        return service;
    }

    synchronized boolean registered() {
        return registration != null;
    }

    // ------------------------------------------------------------------ DkimKeys

    @Override
    public DkimStatus status(boolean checkDns) {
        State st = state;
        Dns dns = null;
        String dnsNote = "";
        if (checkDns) {
            AuthDns auth = authDns;
            if (auth == null) {
                dnsNote = "not checked: the sender authentication detector (org.streamail.detect.auth), whose"
                        + " dns.servers the gateway asks, is not active";
            } else {
                try {
                    dns = auth.uncached();
                    dnsNote = "asked " + auth.describe() + " (dns.servers of org.streamail.detect.auth)";
                } catch (RuntimeException e) {
                    dnsNote = "not checked: " + e.getMessage();
                }
            }
        }
        long deadline = System.nanoTime() + STATUS_DNS_BUDGET.toNanos();
        List<DkimKeyStatus> keys = new ArrayList<>();
        // each domain's files read once, so that both entries of a pair show the same state
        Map<String, List<KeyFile.Reading>> readings = new LinkedHashMap<>();
        Map<String, String> conflicts = new LinkedHashMap<>();
        for (DomainKeys d : st.domains().values()) {
            List<KeyFile.Reading> r = d.readings();
            readings.put(d.domain(), r);
            conflicts.put(d.domain(), d.conflict(r));
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (SignSettings.Key k : st.settings().keys()) {
            int index = seen.merge(k.domain(), 1, Integer::sum) - 1; // the domain's first or second entry
            KeyFile.Reading r = readings.get(k.domain()).get(index);
            if (r.error() != null) {
                keys.add(new DkimKeyStatus(k.domain(), k.selector(), Optional.empty(), 0, k.file().toString(),
                        r.error(), Optional.empty(), DnsCheck.NOT_CHECKED, ""));
                continue;
            }
            SigningKey key = r.key();
            DnsCheck check = DnsCheck.NOT_CHECKED;
            String detail = "";
            if (dns != null) {
                if (System.nanoTime() - deadline > 0) {
                    detail = "not looked up: the " + STATUS_DNS_BUDGET.toSeconds() + " s for all look-ups are over";
                } else {
                    PublishedKey.Check c = PublishedKey.check(key, dns);
                    check = c.result();
                    detail = c.detail();
                }
            }
            // a pair of one algorithm: each entry still shows its key and record, and why neither signs
            keys.add(new DkimKeyStatus(k.domain(), k.selector(), Optional.of(key.algorithm()), key.bits(),
                    k.file().toString(), conflicts.get(k.domain()), Optional.of(key.record()), check, detail));
        }
        return new DkimStatus(st.settings().enabled() && registered(), keys, dnsNote);
    }

    @Override
    public NewDkimKey generate(String domain, String selector, DkimAlgorithm algorithm, int bits, Path directory)
            throws IOException {
        String d = FromDomain.ascii(domain == null ? "" : domain);
        if (d == null) {
            throw new IllegalArgumentException("'" + domain + "' is not a domain name");
        }
        if (InternetDomainName.isValid(d) && InternetDomainName.from(d).isPublicSuffix()) {
            throw new IllegalArgumentException(d + " is a public suffix, not a domain of yours");
        }
        String s = selector == null ? "" : selector.strip().toLowerCase(Locale.ROOT);
        if (!Names.valid(s, Names.LDH_UNDERSCORE)) {
            throw new IllegalArgumentException("'" + selector + "' is not a selector (letters, digits, hyphens,"
                    + " underscores; dots between labels)");
        }
        Objects.requireNonNull(algorithm, "algorithm");
        Path dir = directory != null ? directory.toAbsolutePath().normalize() : defaultDirectory();
        Path file = dir.resolve(d + "." + s + ".pem");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw exists(file);
        }
        KeyPair pair = PemKeys.generate(algorithm, bits);
        write(dir, file, PemKeys.pem(pair.getPrivate()));
        int size = pair.getPublic() instanceof RSAKey rsa ? rsa.getModulus().bitLength() : 256;
        SigningKey key = new SigningKey(d, s, algorithm, pair.getPrivate(), pair.getPublic(), size);
        LOG.info("New DKIM key for {} (selector {}, {} {} bits) written to {}", d, s, algorithm, size, file);
        return new NewDkimKey(d, s, algorithm, size, file.toString(), key.record(), d + ":" + s + ":" + file);
    }

    private static DkimKeyFileExistsException exists(Path file) {
        return new DkimKeyFileExistsException(file.toString(), file + " exists already; a key file is never replaced"
                + " (choose another selector, or move the old file away first)");
    }

    private static Path defaultDirectory() {
        String etc = System.getProperty("karaf.etc");
        if (etc == null || etc.isBlank()) {
            throw new IllegalArgumentException("no directory given and karaf.etc is not set");
        }
        return Path.of(etc, "dkim").toAbsolutePath().normalize();
    }

    /**
     * Writes a new key file of mode 600: into a temporary file that has the mode from its creation, forced to disk,
     * then linked to its name, which fails when the name exists (a rename would replace it). Nobody reads a partial
     * key, and a file that appeared meanwhile stays.
     */
    private static void write(Path dir, Path file, byte[] pem) throws IOException {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        boolean posix = existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
        FileAttribute<?>[] dirMode = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0];
        FileAttribute<?>[] fileMode = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Files.createDirectories(dir, dirMode);
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", fileMode);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(pem));
                ch.force(true);
            }
            try {
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                throw exists(file); // appeared since the check before the key was made
            } catch (UnsupportedOperationException e) {
                Files.move(temp, file); // no hard links here: a move that refuses an existing name
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // not every file system lets a directory be forced; the file itself is
            }
        } finally {
            java.util.Arrays.fill(pem, (byte) 0);
            Files.deleteIfExists(temp);
        }
    }
}
