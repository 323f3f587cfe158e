package org.streamail.detect.phishing.internal;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns the rule files of one folder and the {@link RuleSet} in force.
 *
 * <p>Lifecycle: {@link #open} copies the bundled defaults for every file that is absent, loads the
 * folder (falling back to the bundled defaults if the folder's files are bad, so the detector never runs
 * without rules) and starts a poll thread that compares each file's size and modification time every
 * interval; on a change it re-parses the whole folder and swaps the new snapshot in atomically. A bad edit
 * keeps the previous rules and logs every error with its file and line. {@link #close} stops the thread.
 *
 * <p>Threading: {@link #current()} is a volatile read and safe from any thread; reloads are serialised.
 * A folder of {@code null} means "bundled defaults only, nothing to watch".
 */
final class RuleStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RuleStore.class.getName());
    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    private static final String DEFAULTS = "defaults/";

    private final Path folder;
    private final Object reloadLock = new Object();
    private volatile RuleSet current;
    private volatile String fingerprint = "";
    private volatile String lastError = "";
    private ScheduledExecutorService poller;

    private RuleStore(Path folder) {
        this.folder = folder;
    }

    /**
     * Opens a store on {@code folder} (created if missing; {@code null} for bundled defaults only) and, if
     * {@code interval} is positive, starts polling it.
     */
    static RuleStore open(Path folder, Duration interval) {
        RuleStore store = new RuleStore(folder);
        store.current = loadDefaults();
        if (folder != null) {
            try {
                Files.createDirectories(folder);
                copyDefaults(folder);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "Phishing rules folder " + folder
                        + " cannot be prepared (" + e + "); using the bundled defaults until it can be read");
            }
            store.reload();
            if (!interval.isZero() && !interval.isNegative()) {
                store.poller = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "streamail-phishing-rules");
                    t.setDaemon(true);
                    return t;
                });
                long ms = Math.max(100, interval.toMillis());
                store.poller.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(store::pollSafely, e -> LOG.log(System.Logger.Level.ERROR,
                        "Phishing rules poll failed; the next poll runs as scheduled", e)), ms, ms, TimeUnit.MILLISECONDS);
            }
        }
        return store;
    }

    /** The rules in force; never {@code null}. */
    RuleSet current() {
        return current;
    }

    /** The folder watched, or {@code null}. */
    Path folder() {
        return folder;
    }

    /** The error of the last refused reload, or {@code ""} when the files in force are the folder's. */
    String lastError() {
        return lastError;
    }

    private void pollSafely() {
        try {
            if (!fingerprint().equals(fingerprint)) {
                reload();
            }
        } catch (RuntimeException e) {
            // never let the poll thread die: the next tick tries again
            LOG.log(System.Logger.Level.ERROR, "Phishing rules poll failed", e);
        }
    }

    /**
     * Re-reads and re-parses the folder now. On success the new rules are in force and {@code true} is
     * returned; on any error the previous rules stay and the error is logged.
     */
    boolean reload() {
        if (folder == null) {
            return false;
        }
        synchronized (reloadLock) {
            String fp = fingerprint();
            Map<String, String> files = new HashMap<>();
            try {
                for (String name : RuleParser.FILES) {
                    Path p = folder.resolve(name);
                    if (Files.isRegularFile(p)) {
                        if (Files.size(p) > MAX_FILE_BYTES) {
                            throw new RuleFileException(name, 0, "file larger than " + MAX_FILE_BYTES + " bytes");
                        }
                        files.put(name, readUtf8(name, Files.readAllBytes(p)));
                    }
                }
                RuleSet parsed = new RuleParser().parse(files, folder + " at " + Instant.now());
                current = parsed;
                fingerprint = fp;
                lastError = "";
                LOG.log(System.Logger.Level.INFO, "Phishing rules loaded from " + folder + ": "
                        + summary(parsed));
                String unscored = unscoredSignals(parsed);
                if (!unscored.isEmpty()) {
                    // a file written before a signal existed (an upgrade): it scores 0 until the line is added
                    LOG.log(System.Logger.Level.WARNING, RuleParser.SIGNALS + " in " + folder + " does not score "
                            + unscored + ": they score 0 (reported only in combinations) until their lines are added");
                }
                return true;
            } catch (RuleFileException | IOException | RuntimeException e) {
                // remember the fingerprint so a bad file is reported once, not at every poll
                fingerprint = fp;
                lastError = e.getMessage();
                LOG.log(System.Logger.Level.ERROR, "Phishing rules in " + folder
                        + " NOT reloaded, the previous rules stay in force: " + e.getMessage());
                return false;
            }
        }
    }

    /**
     * The file's text; a file that is not UTF-8 (saved as Latin-1 or Windows-1252 by an editor) is refused with
     * its name and the line of the first bad byte, as any other error.
     */
    static String readUtf8(String name, byte[] bytes) throws RuleFileException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (r.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new RuleFileException(name, line, "not valid UTF-8 (save the file as UTF-8)");
        }
        return out.flip().toString();
    }

    /**
     * Swaps in a new known-bad list after an import wrote it while another rule file is bad (same lock as
     * reloads); the rest of the snapshot stays as it was.
     */
    void replaceKnownBad(DomainList list) {
        synchronized (reloadLock) {
            current = current.withKnownBad(list, current.description() + " + import at " + Instant.now());
        }
    }

    Object lock() {
        return reloadLock;
    }

    static String summary(RuleSet r) {
        return r.signals().size() + " signal scores, " + r.intents().size() + " intent patterns, "
                + r.combos().size() + " combinations, " + r.brands().size() + " brands, "
                + r.shorteners().size() + " shorteners, " + r.suspiciousTlds().size() + " suspicious TLDs, "
                + r.freemail().size() + " free-mail domains, " + r.knownBad().size() + " known-bad entries, "
                + r.allow().size() + " allow-list entries";
    }

    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        for (String name : RuleParser.FILES) {
            Path p = folder.resolve(name);
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                sb.append(name).append(':').append(a.size()).append(':').append(a.lastModifiedTime().toMillis())
                        .append(';');
            } catch (NoSuchFileException e) {
                sb.append(name).append(":-;");
            } catch (IOException e) {
                sb.append(name).append(":?;");
            }
        }
        return sb.toString();
    }

    /** Writes each bundled default file that the folder lacks (an admin's edits are never overwritten). */
    static void copyDefaults(Path folder) throws IOException {
        java.util.List<String> written = new java.util.ArrayList<>();
        for (String name : RuleParser.FILES) {
            Path target = folder.resolve(name);
            if (Files.exists(target)) {
                continue;
            }
            try (InputStream in = RuleStore.class.getResourceAsStream(DEFAULTS + name)) {
                if (in == null) {
                    continue;
                }
                Path tmp = folder.resolve("." + name + ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                written.add(name);
            }
        }
        if (!written.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Wrote default phishing rule files to " + folder + ": "
                    + String.join(", ", written));
        }
    }

    /**
     * The signals the bundled {@code signals.rules} scores above 0 that {@code rules} does not mention, each with its
     * bundled line ({@code "intent-disguised | 3"}), comma-separated; empty when there are none.
     */
    static String unscoredSignals(RuleSet rules) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Double> d : new java.util.TreeMap<>(DefaultSignals.SCORES).entrySet()) {
            if (d.getValue() > 0 && !rules.signals().containsKey(d.getKey())) {
                out.add("'" + d.getKey() + " | " + BigDecimal.valueOf(d.getValue()).stripTrailingZeros().toPlainString()
                        + "'");
            }
        }
        return String.join(", ", out);
    }

    /** The bundled signal scores, read once, when first needed. */
    private static final class DefaultSignals {
        static final Map<String, Double> SCORES = loadDefaults().signals();
    }

    /** The bundled default rules; they are tested, so a failure here is a build defect. */
    static RuleSet loadDefaults() {
        Map<String, String> files = new HashMap<>();
        for (String name : RuleParser.FILES) {
            try (InputStream in = RuleStore.class.getResourceAsStream(DEFAULTS + name)) {
                if (in != null) {
                    files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new IllegalStateException("bundled phishing rules unreadable: " + name, e);
            }
        }
        try {
            return new RuleParser().parse(files, "bundled defaults");
        } catch (RuleFileException e) {
            throw new IllegalStateException("bundled phishing rules are invalid: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService p = poller;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "RuleStore[" + Objects.toString(folder, "bundled defaults") + "]";
    }
}
