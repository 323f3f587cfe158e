package org.streamail.spam.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.SpamStore;

/**
 * A {@link SpamStore} in memory with the JDBC store's semantics (generations, idempotent training, reports
 * replaced per reporter), for unit tests and the accuracy bench. Several engines may share one instance to
 * play several nodes. Thread-safe (every method synchronized).
 */
final class InMemorySpamStore implements SpamStore {

    private long generation;
    private final Map<String, Fingerprint> fingerprints = new LinkedHashMap<>();
    private final Map<String, Map<String, Report>> reports = new HashMap<>();
    private final Map<String, ReportKind> trained = new HashMap<>();
    private final Map<String, long[]> trainedTokens = new HashMap<>();
    private final Map<String, Long> trainedGeneration = new HashMap<>();
    /** token -> {spam, ham, generation} */
    private final Map<Long, long[]> tokens = new HashMap<>();
    private final Map<String, BlockRule> rules = new LinkedHashMap<>();
    private long rulesGeneration;
    boolean down;

    private void check() {
        if (down) {
            throw new org.streamail.api.store.StoreException("database down (test)");
        }
    }

    @Override
    public synchronized Fingerprint saveFingerprint(Fingerprint f) {
        check();
        Fingerprint existing = fingerprints.get(f.id());
        if (existing != null) {
            return existing;
        }
        Fingerprint stored = new Fingerprint(f.id(), f.minHash(), f.attachmentHashes(), f.state(), f.createdAt(), ++generation);
        fingerprints.put(f.id(), stored);
        return stored;
    }

    @Override
    public synchronized Optional<Fingerprint> fingerprint(String id) {
        check();
        return Optional.ofNullable(fingerprints.get(id));
    }

    @Override
    public synchronized boolean recordReport(Report report) {
        check();
        Map<String, Report> byReporter = reports.computeIfAbsent(report.fingerprintId(), k -> new HashMap<>());
        Report old = byReporter.get(report.reporter());
        if (old != null && old.kind() == report.kind() && old.admin() == report.admin()) {
            return false;
        }
        byReporter.put(report.reporter(), report);
        return true;
    }

    @Override
    public synchronized Tally tally(String fingerprintId) {
        check();
        int spam = 0;
        int ham = 0;
        Report latestAdmin = null;
        for (Report r : reports.getOrDefault(fingerprintId, Map.of()).values()) {
            if (r.kind() == ReportKind.SPAM) {
                spam++;
            } else {
                ham++;
            }
            if (r.admin() && (latestAdmin == null || !r.reportedAt().isBefore(latestAdmin.reportedAt()))) {
                latestAdmin = r;
            }
        }
        return new Tally(spam, ham, latestAdmin == null ? null : latestAdmin.kind());
    }

    @Override
    public synchronized boolean setState(String id, FingerprintState state) {
        check();
        Fingerprint f = fingerprints.get(id);
        if (f == null || f.state() == state) {
            return false;
        }
        fingerprints.remove(id);
        fingerprints.put(id, new Fingerprint(id, f.minHash(), f.attachmentHashes(), state, f.createdAt(), ++generation));
        return true;
    }

    @Override
    public synchronized List<Fingerprint> fingerprintsChangedAfter(long gen, int limit) {
        check();
        return fingerprints.values().stream().filter(f -> f.generation() > gen)
                .sorted(Comparator.comparingLong(Fingerprint::generation)).limit(limit).toList();
    }

    @Override
    public synchronized int spamReportersOfSender(String sender, Instant since) {
        check();
        Set<String> who = new HashSet<>();
        for (Map<String, Report> m : reports.values()) {
            for (Report r : m.values()) {
                if (r.kind() == ReportKind.SPAM && r.sender().equals(sender) && !r.reportedAt().isBefore(since)) {
                    who.add(r.reporter());
                }
            }
        }
        return who.size();
    }

    @Override
    public synchronized boolean train(String key, ReportKind kind, long[] toks) {
        check();
        ReportKind before = trained.get(key);
        if (before == kind) {
            return false;
        }
        long g = ++generation;
        if (before != null) {
            for (long t : trainedTokens.get(key)) {
                long[] c = tokens.get(t);
                c[before == ReportKind.SPAM ? 0 : 1]--;
                c[2] = g;
            }
        }
        for (long t : toks) {
            long[] c = tokens.computeIfAbsent(t, k -> new long[3]);
            c[kind == ReportKind.SPAM ? 0 : 1]++;
            c[2] = g;
        }
        trained.put(key, kind);
        trainedTokens.put(key, java.util.Arrays.stream(toks).distinct().toArray());
        trainedGeneration.put(key, g);
        return true;
    }

    @Override
    public synchronized List<TrainedMessage> trainedChangedAfter(long gen, String afterKey, int limit) {
        check();
        return trained.keySet().stream()
                .filter(k -> trainedGeneration.get(k) > gen || (trainedGeneration.get(k) == gen && k.compareTo(afterKey) > 0))
                .sorted(Comparator.comparingLong((String k) -> trainedGeneration.get(k)).thenComparing(k -> k))
                .limit(Math.max(1, limit))
                .map(k -> new TrainedMessage(k, trained.get(k), trainedTokens.get(k).clone(), trainedGeneration.get(k)))
                .toList();
    }

    private final Map<String, SeenMessage> seen = new LinkedHashMap<>();

    @Override
    public synchronized void saveSeen(List<SeenMessage> batch) {
        check();
        for (SeenMessage m : batch) {
            seen.remove(m.gatewayId());
            seen.put(m.gatewayId(), m);
        }
    }

    @Override
    public synchronized Optional<SeenMessage> seen(String gatewayId) {
        check();
        return Optional.ofNullable(seen.get(gatewayId));
    }

    @Override
    public synchronized int deleteSeenBefore(Instant cutoff, int limit) {
        check();
        List<String> old = seen.values().stream().filter(m -> m.seenAt().isBefore(cutoff))
                .sorted(Comparator.comparing(SeenMessage::seenAt)).limit(Math.max(1, limit))
                .map(SeenMessage::gatewayId).toList();
        old.forEach(seen::remove);
        return old.size();
    }

    synchronized int seenCount() {
        return seen.size();
    }

    /** Housekeeping's deletion of a training record (counts stay, as in the JDBC store). */
    synchronized void forgetTraining(String key) {
        trained.remove(key);
        trainedTokens.remove(key);
        trainedGeneration.remove(key);
    }

    @Override
    public synchronized Optional<ReportKind> trainedAs(String key) {
        check();
        return Optional.ofNullable(trained.get(key));
    }

    @Override
    public synchronized Corpus corpus() {
        check();
        long s = trained.values().stream().filter(k -> k == ReportKind.SPAM).count();
        return new Corpus(s, trained.size() - s);
    }

    @Override
    public synchronized List<TokenCount> tokensChangedAfter(long gen, long afterToken, int limit) {
        check();
        TreeMap<Long, TreeMap<Long, long[]>> ordered = new TreeMap<>();
        for (Map.Entry<Long, long[]> e : tokens.entrySet()) {
            long g = e.getValue()[2];
            if (g > gen || (g == gen && e.getKey() > afterToken)) {
                ordered.computeIfAbsent(g, k -> new TreeMap<>()).put(e.getKey(), e.getValue());
            }
        }
        List<TokenCount> out = new ArrayList<>();
        for (var byGen : ordered.entrySet()) {
            for (var t : byGen.getValue().entrySet()) {
                if (out.size() == limit) {
                    return out;
                }
                out.add(new TokenCount(t.getKey(), (int) t.getValue()[0], (int) t.getValue()[1], byGen.getKey()));
            }
        }
        return out;
    }

    @Override
    public synchronized BlockRule addRule(BlockRule rule) {
        check();
        BlockRule stored = new BlockRule(rule.id(), rule.type(), rule.value(), rule.reason(), rule.createdBy(),
                Instant.ofEpochMilli(rule.createdAt().toEpochMilli()),
                rule.expiresAt() == null ? null : Instant.ofEpochMilli(rule.expiresAt().toEpochMilli()), rule.source());
        for (BlockRule r : rules.values()) {
            // as the JDBC store: a second active rule with the same type and value is refused, whichever node adds it
            if (r.type() == stored.type() && r.value().equals(stored.value()) && r.activeAt(stored.createdAt())) {
                throw new IllegalArgumentException(stored.type() + " " + stored.value() + " is already blocked by rule " + r.id());
            }
        }
        rules.put(rule.id(), stored);
        rulesGeneration++;
        return stored;
    }

    @Override
    public synchronized boolean removeRule(String id) {
        check();
        boolean removed = rules.remove(id) != null;
        if (removed) {
            rulesGeneration++;
        }
        return removed;
    }

    @Override
    public synchronized List<BlockRule> rules() {
        check();
        List<BlockRule> out = new ArrayList<>(rules.values());
        out.sort(Comparator.comparing(BlockRule::createdAt).reversed());
        return out;
    }

    @Override
    public synchronized long rulesGeneration() {
        check();
        return rulesGeneration;
    }
}
