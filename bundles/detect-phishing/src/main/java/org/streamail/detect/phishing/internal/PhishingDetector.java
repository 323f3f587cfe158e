package org.streamail.detect.phishing.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Finding;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.MessageLog;
import org.streamail.detect.phishing.ImportReport;
import org.streamail.detect.phishing.PhishingLists;

/**
 * The {@code phishing} detector: links, senders and intents, with rules read from a folder of data files
 * that is polled and re-parsed on change (see the module README for the formats).
 *
 * <p>Lifecycle: activated with its configuration (PID {@code org.streamail.detect.phishing}); opens the
 * rules folder, copying the bundled defaults for absent files, and polls it until deactivated. A
 * configuration change re-creates the component. The {@link Directory} (protected domains, colleagues'
 * names) and {@link MessageLog} (first contact) are optional and dynamic: without them the signals that
 * need them stay silent. Threading: {@link #inspect} is called concurrently; all shared state is immutable
 * snapshots behind volatile fields.
 */
@Component(service = {Detector.class, PhishingLists.class}, configurationPid = PhishingDetector.PID)
@Designate(ocd = PhishingDetector.Config.class)
public final class PhishingDetector implements Detector, PhishingLists {

    static final String PID = "org.streamail.detect.phishing";
    private static final System.Logger LOG = System.getLogger(PhishingDetector.class.getName());
    static final Duration ORG_REFRESH = Duration.ofSeconds(30);
    static final int MAX_IMPORT_LINES = 1_000_000;
    static final int MAX_REJECTED_KEPT = 100;

    @ObjectClassDefinition(name = "Streamail phishing detector",
            description = "Phishing and fraud detection: links, senders, intents (rules are files in rules.dir)")
    @interface Config {
        @AttributeDefinition(description = "Folder of the rule files; empty means ${karaf.etc}/streamail/phishing")
        String rules_dir() default "";

        @AttributeDefinition(description = "How often the rule files are checked for changes, in milliseconds (0: never)")
        long reload_interval_ms() default 3000;

        @AttributeDefinition(description = "Multiplies every score of this detector")
        double score_multiplier() default 1.0;

        @AttributeDefinition(description = "Multiplies link-* and known-bad scores")
        double link_multiplier() default 1.0;

        @AttributeDefinition(description = "Multiplies sender-*, reply-to-* and first-contact scores")
        double sender_multiplier() default 1.0;

        @AttributeDefinition(description = "Multiplies intent-* scores")
        double intent_multiplier() default 1.0;

        @AttributeDefinition(description = "Multiplies form-* scores")
        double form_multiplier() default 1.0;

        @AttributeDefinition(description = "Multiplies combo-* scores")
        double combo_multiplier() default 1.0;

        @AttributeDefinition(description = "Protected domains used in addition to the directory's (comma-separated)")
        String protected_domains() default "";

        @AttributeDefinition(description = "At most this many characters of text are examined for intents")
        int max_text_chars() default 200_000;

        @AttributeDefinition(description = "At most this many links are examined")
        int max_links() default 500;
    }

    private final RuleStore store;
    private final PhishingAnalyzer.Settings settings;
    private final Set<String> configuredDomains;
    private final Object importLock = new Object();

    private volatile Directory directory;
    private volatile MessageLog messageLog;
    private volatile OrgCache orgCache;
    private volatile TargetCache targetCache;

    private record OrgCache(Directory source, Org org, Instant until) {
    }

    private record TargetCache(RuleSet rules, Set<String> domains, Targets targets) {
    }

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse (a multiplier such as
     *                                  {@code 2x}); DS logs it and the detector stays inactive until it is fixed
     */
    @Activate
    public PhishingDetector(Config config, Map<String, Object> properties) {
        this(checked(config, properties));
    }

    /** For tests: activated with {@code config} alone (no raw properties to check). */
    PhishingDetector(Config config) {
        this.settings = new PhishingAnalyzer.Settings(config.score_multiplier(), config.link_multiplier(),
                config.sender_multiplier(), config.intent_multiplier(), config.form_multiplier(),
                config.combo_multiplier(), Math.max(1000, config.max_text_chars()), Math.max(1, config.max_links()));
        this.configuredDomains = parseDomains(config.protected_domains());
        this.store = RuleStore.open(rulesFolder(config.rules_dir()),
                Duration.ofMillis(Math.max(0, config.reload_interval_ms())));
        warmUp();
    }

    /** Checks the raw properties ({@link #checkProperties}) before any config method is read; returns config. */
    private static Config checked(Config config, Map<String, Object> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * Checks the raw properties strictly before DS converts them ({@code max.links = 500links} would fail
     * without naming the property) and logs each key nothing reads (a probable typo). Returns those keys.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(PID, Config.class, properties);
        unknown.forEach(k -> LOG.log(System.Logger.Level.WARNING,
                "{0}: unknown property ''{1}'' ignored (misspelled?)", PID, k));
        return unknown;
    }

    /**
     * Loads ICU's confusable data and jsoup now (about half a second on a small machine) so that the
     * first message scanned does not pay for it inside its time budget.
     */
    private static void warmUp() {
        Confusables.skeleton("warm-up");
        Confusables.mixedScript("w\u0430rm-up");
        Homoglyphs.latinFor('a'); // its table of look-alikes is read from ICU (~0.25 s in a cold JVM)
        org.jsoup.Jsoup.parse("<p>warm-up</p>").text();
    }

    private static Path rulesFolder(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.strip());
        }
        String etc = System.getProperty("karaf.etc");
        if (etc == null || etc.isBlank()) {
            LOG.log(System.Logger.Level.WARNING, "Neither rules.dir nor karaf.etc is set: the phishing detector"
                    + " runs on its bundled default rules, which cannot be edited");
            return null;
        }
        return Path.of(etc, "streamail", "phishing");
    }

    private static Set<String> parseDomains(String csv) {
        Set<String> out = new LinkedHashSet<>();
        if (csv != null) {
            for (String d : csv.split("[,\\s]+")) {
                if (!d.isBlank()) {
                    out.add(Hosts.toAscii(d.strip().toLowerCase(Locale.ROOT)));
                }
            }
        }
        return Set.copyOf(out);
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDirectory(Directory d) {
        directory = d;
        orgCache = null;
    }

    void unsetDirectory(Directory d) {
        if (directory == d) {
            directory = null;
            orgCache = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setMessageLog(MessageLog log) {
        messageLog = log;
    }

    void unsetMessageLog(MessageLog log) {
        if (messageLog == log) {
            messageLog = null;
        }
    }

    @Override
    public String name() {
        return PhishingAnalyzer.DETECTOR;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        RuleSet rules = store.current();
        Org org = org();
        Targets targets = targets(rules, org);
        MessageLog log = messageLog;
        PhishingAnalyzer.ContactHistory history = log == null ? null : log::seenBefore;
        return new PhishingAnalyzer(rules, org, targets, inspection, settings, history).analyze();
    }

    /** The rules in force (for tests and diagnostics). */
    RuleSet rules() {
        return store.current();
    }

    RuleStore store() {
        return store;
    }

    private Org org() {
        Directory d = directory;
        OrgCache cache = orgCache;
        Instant now = Instant.now();
        if (cache != null && cache.source() == d && now.isBefore(cache.until())) {
            return cache.org();
        }
        Set<String> domains = new HashSet<>(configuredDomains);
        Map<String, String> people = new HashMap<>();
        if (d != null) {
            try {
                for (String pd : d.protectedDomains()) {
                    domains.add(Hosts.toAscii(pd.toLowerCase(Locale.ROOT)));
                }
                int n = 0;
                for (DirectoryEntry e : d.list()) {
                    if (n++ >= 100_000) {
                        break;
                    }
                    String key = Org.nameKey(e.displayName());
                    if (!key.isEmpty()) {
                        people.putIfAbsent(key, e.address());
                    }
                }
            } catch (RuntimeException e) {
                // a failing directory must not stop scanning; the previous snapshot (if any) is kept briefly
                LOG.log(System.Logger.Level.WARNING, "Directory unavailable for phishing checks: " + e);
                if (cache != null) {
                    return cache.org();
                }
            }
        }
        Org org = new Org(domains, people);
        orgCache = new OrgCache(d, org, now.plus(ORG_REFRESH));
        return org;
    }

    private Targets targets(RuleSet rules, Org org) {
        TargetCache c = targetCache;
        if (c != null && c.rules() == rules && c.domains().equals(org.protectedDomains())) {
            return c.targets();
        }
        Targets t = new Targets(org.protectedDomains(), rules.brands());
        targetCache = new TargetCache(rules, org.protectedDomains(), t);
        return t;
    }

    // ---------------------------------------------------------------- PhishingLists

    @Override
    public ImportReport importKnownBad(InputStream in, String source) throws IOException {
        Path folder = store.folder();
        if (folder == null) {
            throw new IOException("no rules folder (set rules.dir or karaf.etc): the known-bad list cannot be saved");
        }
        synchronized (importLock) {
            DomainList before = store.current().knownBad();
            Set<String> existing = new HashSet<>(before.domains());
            existing.addAll(before.urls());
            Set<String> added = new LinkedHashSet<>();
            List<String> rejected = new ArrayList<>();
            int rejectedCount = 0;
            int duplicates = 0;
            int lines = 0;
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = readBoundedLine(r)) != null) {
                if (++lines > MAX_IMPORT_LINES) {
                    throw new IOException(source + ": more than " + MAX_IMPORT_LINES + " lines; nothing imported");
                }
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#") || (lines == 1 && t.toLowerCase(Locale.ROOT).startsWith("phish_id"))) {
                    continue;
                }
                RuleParser.Entry e = t.length() > RuleParser.MAX_LINE ? null : RuleParser.entry(t);
                if (e == null) {
                    rejectedCount++;
                    if (rejected.size() < MAX_REJECTED_KEPT) {
                        rejected.add("line " + lines + ": neither a URL nor a domain: "
                                + PhishingAnalyzer.clip(t, 120));
                    }
                } else if (existing.contains(e.value()) || !added.add(e.value())) {
                    duplicates++;
                }
            }
            if (!added.isEmpty()) {
                writeKnownBad(folder, added, source);
                // re-read the whole folder so the import also picks up any other pending edit; if another
                // file is currently bad, apply the merged list on its own so the import is not lost
                if (!store.reload()) {
                    Set<String> domains = new HashSet<>(before.domains());
                    Set<String> urls = new HashSet<>(before.urls());
                    for (String a : added) {
                        (a.contains("://") ? urls : domains).add(a);
                    }
                    store.replaceKnownBad(new DomainList(domains, urls));
                }
            }
            LOG.log(System.Logger.Level.INFO, "Known-bad import from " + source + ": " + lines + " lines, "
                    + added.size() + " added, " + duplicates + " duplicates, " + rejectedCount + " rejected");
            return new ImportReport(source, lines, added.size(), duplicates, rejected, rejectedCount);
        }
    }

    /** Reads one line, refusing lines over the limit instead of buffering them whole. */
    private static String readBoundedLine(BufferedReader r) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        boolean any = false;
        while ((c = r.read()) >= 0) {
            any = true;
            if (c == '\n') {
                break;
            }
            if (sb.length() <= RuleParser.MAX_LINE) {
                sb.append((char) c);
            }
        }
        return any ? sb.toString() : null;
    }

    /** Appends the new entries to the folder's list: copy, append, fsync, atomic rename. */
    private void writeKnownBad(Path folder, Set<String> added, String source) throws IOException {
        Path target = folder.resolve(RuleParser.KNOWN_BAD);
        Path tmp = folder.resolve("." + RuleParser.KNOWN_BAD + ".import");
        synchronized (store.lock()) {
            StringBuilder sb = new StringBuilder();
            if (Files.exists(target)) {
                sb.append(Files.readString(target, StandardCharsets.UTF_8));
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
                    sb.append('\n');
                }
            }
            sb.append("# imported from ").append(PhishingAnalyzer.clip(source.replace('\n', ' '), 200))
                    .append(" at ").append(Instant.now()).append('\n');
            for (String a : new TreeSet<>(added)) {
                sb.append(a).append('\n');
            }
            if (sb.length() > RuleStore.MAX_FILE_BYTES / 2) {
                // chars, not bytes, but entries are ASCII: keep the list well under the reload limit
                throw new IOException(RuleParser.KNOWN_BAD + " would grow past " + RuleStore.MAX_FILE_BYTES / 2
                        + " characters; nothing imported (prune the list first)");
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(StandardCharsets.UTF_8.encode(sb.toString()));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public boolean isKnownBad(String urlOrDomain) {
        return urlOrDomain != null && store.current().knownBad().matches(urlOrDomain);
    }

    @Override
    public boolean isAllowed(String urlOrDomain) {
        return urlOrDomain != null && store.current().allow().matches(urlOrDomain);
    }

    @Override
    public int knownBadCount() {
        return store.current().knownBad().size();
    }
}
