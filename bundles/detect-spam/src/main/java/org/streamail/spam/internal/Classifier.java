package org.streamail.spam.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.SpamStore;

/**
 * The count-based classifier over {@link Tokenizer} features: Robinson's per-token estimate from the shared
 * per-class document counts, combined either as a capped sum of log-odds through a logistic
 * ({@link Model#LLR}) or by Fisher's chi-square (the SpamBayes scheme, {@link Model#CHI2}, the default). With
 * {@link Model#LR} the {@link LogisticModel} decides and this class answers (as CHI2) until its first weights,
 * and is asked to agree before the logistic model's full score.
 * Both are pure functions of the counts, so every node computing from the same rows agrees (README).
 *
 * <p>Counts live in the database ({@link SpamStore}) so every node learns from every report; this class
 * keeps a copy in memory ({@link TokenTable}) and pulls the rows changed since its last pull
 * ({@link #sync}), which the component does every {@code refresh.seconds}. This node's own training is
 * applied to the copy at once.
 *
 * <p>Thread-safe: classification takes a read lock, sync and local training a write lock.
 */
final class Classifier {

    /** Tuning, measured on the development split (README). */
    record Tuning(double strength, double minDeviation, int maxDiscriminators, int minMessagesPerClass,
            Model model, double evidenceCap, double temperature) {
        Tuning(double strength, double minDeviation, int maxDiscriminators, int minMessagesPerClass) {
            this(strength, minDeviation, maxDiscriminators, minMessagesPerClass, Model.CHI2, 3.0, 4.0);
        }

        /**
         * Logistic regression over the format-neutral features, the default since 2026-12-05 (evening): on the
         * three development measures (by date, by source, held-out ham re-sent as HTML) it catches more spam than
         * chi-square with fewer false positives (README).
         */
        static Tuning defaults() {
            return logistic();
        }

        /**
         * LLR, capped at 3 nats per token, temperature 2 ({@code classifier.model = LLR}): more of the later
         * spam, many more false positives on unfamiliar legitimate mail (README).
         */
        static Tuning llr() {
            return new Tuning(0.45, 0.1, 150, 10, Model.LLR, 3.0, 2.0);
        }

        /**
         * Logistic regression ({@code classifier.model = LR}, {@link LogisticModel}); the counts are still kept and
         * answer, combined as CHI2, until this node has learned its first weights.
         */
        static Tuning logistic() {
            return new Tuning(0.45, 0.1, 150, 10, Model.LR, 3.0, 2.0);
        }

        /** Fisher/Robinson chi-square of the 150 most extreme estimates (SpamBayes). */
        static Tuning chiSquare() {
            return new Tuning(0.45, 0.1, 150, 10, Model.CHI2, 3.0, 2.0);
        }
    }

    /** How per-token estimates are combined. */
    enum Model {
        /** Fisher/Robinson chi-square of the most extreme Robinson estimates (SpamBayes). */
        CHI2,
        /** Sum of the most extreme per-token log-likelihood ratios, each capped, through a logistic. */
        LLR,
        /**
         * Logistic regression over the trained messages ({@link LogisticModel}, not computed here); this class
         * combines its counts as {@link #CHI2} meanwhile.
         */
        LR
    }

    private static final int PAGE = 20_000;

    private final TokenTable table;
    private final Tuning tuning;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long spamMessages;
    private long hamMessages;
    private long syncedGeneration;
    private long syncedToken = Long.MIN_VALUE;

    Classifier(int maxTokens, Tuning tuning) {
        this.table = new TokenTable(maxTokens);
        this.tuning = tuning;
    }

    /**
     * The spam probability of a message with these features, in [0, 1]; {@code NaN} while the classifier
     * has seen fewer than {@code minMessagesPerClass} messages of either kind (it would only guess).
     */
    double probability(long[] features) {
        return score(features, 0).probability();
    }

    /**
     * One feature that weighed in a decision: its hash and the classifier's estimate that a message with
     * it is spam (Robinson's f, in (0, 1)).
     */
    record Clue(long feature, double estimate) {
    }

    /**
     * A probability and the clues behind it: at most {@code clues} of the strongest features that pointed
     * to spam and as many that pointed to ham, strongest first, among those the model actually combined.
     */
    record Score(double probability, List<Clue> spamClues, List<Clue> hamClues) {
    }

    /** {@link #probability} with the strongest {@code clues} features on each side (0: none are kept). */
    Score score(long[] features, int clues) {
        double[] devs;
        int n = 0;
        lock.readLock().lock();
        try {
            if (spamMessages < tuning.minMessagesPerClass() || hamMessages < tuning.minMessagesPerClass()) {
                return new Score(Double.NaN, List.of(), List.of());
            }
            devs = new double[features.length];
            double[] probs = new double[features.length];
            double[] estimates = new double[features.length];
            long[] used = new long[features.length];
            for (long f : features) {
                long v = table.get(f);
                int s = TokenTable.spam(v);
                int h = TokenTable.ham(v);
                if (s + h == 0) {
                    continue;
                }
                double spamRatio = Math.min(1.0, s / (double) spamMessages);
                double hamRatio = Math.min(1.0, h / (double) hamMessages);
                double p = spamRatio / (spamRatio + hamRatio);
                // Robinson: shrink towards 0.5 when the token was seen few times
                double prob = (tuning.strength() * 0.5 + (s + h) * p) / (tuning.strength() + s + h);
                if (tuning.model() == Model.LLR) {
                    // the log-odds of Robinson's estimate: symmetric in the classes whatever their sizes
                    double llr = Math.log(prob / (1 - prob));
                    llr = Math.max(-tuning.evidenceCap(), Math.min(tuning.evidenceCap(), llr));
                    if (Math.abs(llr) >= tuning.minDeviation()) {
                        probs[n] = llr;
                        devs[n] = Math.abs(llr);
                        estimates[n] = prob;
                        used[n] = f;
                        n++;
                    }
                    continue;
                }
                double dev = Math.abs(prob - 0.5);
                if (dev >= tuning.minDeviation()) {
                    probs[n] = prob;
                    devs[n] = dev;
                    estimates[n] = prob;
                    used[n] = f;
                    n++;
                }
            }
            double probability = tuning.model() == Model.LLR ? sumLlr(probs, devs, n) : combine(probs, devs, n);
            if (clues <= 0 || n == 0) {
                return new Score(probability, List.of(), List.of());
            }
            // among the features the model combined, the most extreme estimates first (LLR caps many at
            // the same weight; the uncapped estimate still tells which was the stronger clue)
            int k = Math.min(n, tuning.maxDiscriminators());
            Integer[] order = Arrays.copyOf(strongestFirst(devs, n), k);
            Arrays.sort(order, (a, b) -> Double.compare(Math.abs(estimates[b] - 0.5), Math.abs(estimates[a] - 0.5)));
            List<Clue> spam = new ArrayList<>();
            List<Clue> ham = new ArrayList<>();
            for (int i = 0; i < k && (spam.size() < clues || ham.size() < clues); i++) {
                int j = order[i];
                List<Clue> side = estimates[j] > 0.5 ? spam : ham;
                if (side.size() < clues) {
                    side.add(new Clue(used[j], estimates[j]));
                }
            }
            return new Score(probability, List.copyOf(spam), List.copyOf(ham));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Indexes 0..n-1 ordered by decreasing deviation (the order in which the models pick features). */
    private static Integer[] strongestFirst(double[] devs, int n) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(devs[b], devs[a]));
        return order;
    }

    /** Logistic of the summed {@code maxDiscriminators} strongest capped log-likelihood ratios. */
    private double sumLlr(double[] llrs, double[] devs, int n) {
        int k = Math.min(n, tuning.maxDiscriminators());
        double sum = 0;
        if (k < n) {
            Integer[] order = strongestFirst(devs, n);
            for (int i = 0; i < k; i++) {
                sum += llrs[order[i]];
            }
        } else {
            for (int i = 0; i < n; i++) {
                sum += llrs[i];
            }
        }
        return 1 / (1 + Math.exp(-sum / tuning.temperature()));
    }

    /** Fisher/Robinson chi-square combining of the {@code maxDiscriminators} most extreme estimates. */
    private double combine(double[] probs, double[] devs, int n) {
        if (n == 0) {
            return 0.5;
        }
        Integer[] order = strongestFirst(devs, n);
        int k = Math.min(n, tuning.maxDiscriminators());
        double sumLnP = 0;
        double sumLn1mP = 0;
        for (int i = 0; i < k; i++) {
            double p = Math.min(0.9999, Math.max(0.0001, probs[order[i]]));
            sumLnP += Math.log(p);
            sumLn1mP += Math.log(1 - p);
        }
        double hamminess = 1 - chi2Q(-2 * sumLnP, 2 * k); // high when many tokens are hammy (small p)
        double spamminess = 1 - chi2Q(-2 * sumLn1mP, 2 * k);
        return (1 + spamminess - hamminess) / 2;
    }

    /** Survival function of chi-square with even degrees of freedom {@code v}, computed in log space. */
    static double chi2Q(double x2, int v) {
        double m = x2 / 2;
        // sum_{i=0}^{v/2-1} e^-m m^i / i!, with terms in logs to survive large m
        double logTerm = -m;
        double max = logTerm;
        double[] logs = new double[v / 2];
        logs[0] = logTerm;
        for (int i = 1; i < v / 2; i++) {
            logTerm += Math.log(m) - Math.log(i);
            logs[i] = logTerm;
            max = Math.max(max, logTerm);
        }
        double sum = 0;
        for (double l : logs) {
            sum += Math.exp(l - max);
        }
        return Math.min(1.0, Math.exp(max + Math.log(sum)));
    }

    /** Applies this node's own training to the copy (the store has committed it). */
    void applyLocally(long[] features, ReportKind kind, ReportKind undo) {
        lock.writeLock().lock();
        try {
            if (undo != null) {
                for (long f : features) {
                    table.add(f, undo == ReportKind.SPAM ? -1 : 0, undo == ReportKind.HAM ? -1 : 0);
                }
                if (undo == ReportKind.SPAM) {
                    spamMessages--;
                } else {
                    hamMessages--;
                }
            }
            for (long f : features) {
                table.add(f, kind == ReportKind.SPAM ? 1 : 0, kind == ReportKind.HAM ? 1 : 0);
            }
            if (kind == ReportKind.SPAM) {
                spamMessages++;
            } else {
                hamMessages++;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Pulls every token row changed since the last pull, and the message totals. Rows come in pages so a
     * first load of a large table does not hold the lock for long.
     *
     * @return the number of token rows read
     */
    int sync(SpamStore store) {
        int read = 0;
        while (true) {
            List<SpamStore.TokenCount> page = store.tokensChangedAfter(syncedGeneration, syncedToken, PAGE);
            if (page.isEmpty()) {
                break;
            }
            lock.writeLock().lock();
            try {
                for (SpamStore.TokenCount t : page) {
                    table.put(t.token(), t.spam(), t.ham());
                }
            } finally {
                lock.writeLock().unlock();
            }
            SpamStore.TokenCount last = page.get(page.size() - 1);
            syncedGeneration = last.generation();
            syncedToken = last.token();
            read += page.size();
            if (page.size() < PAGE) {
                break;
            }
        }
        SpamStore.Corpus corpus = store.corpus();
        lock.writeLock().lock();
        try {
            spamMessages = corpus.spamMessages();
            hamMessages = corpus.hamMessages();
        } finally {
            lock.writeLock().unlock();
        }
        return read;
    }

    long spamMessages() {
        lock.readLock().lock();
        try {
            return spamMessages;
        } finally {
            lock.readLock().unlock();
        }
    }

    long hamMessages() {
        lock.readLock().lock();
        try {
            return hamMessages;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Tokens not held because the table was full ({@code max.tokens}): the classifier ignores them. */
    long droppedTokens() {
        lock.readLock().lock();
        try {
            return table.dropped();
        } finally {
            lock.readLock().unlock();
        }
    }

    int tokens() {
        lock.readLock().lock();
        try {
            return table.size();
        } finally {
            lock.readLock().unlock();
        }
    }
}
