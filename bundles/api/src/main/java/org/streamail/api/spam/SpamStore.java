package org.streamail.api.spam;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Shared persistence of the spam service: message fingerprints and who reported them, the learned
 * classifier's token counts, the block rules, and summaries of recently inspected messages (for reports by
 * id). Implemented by the store bundle over the gateway's database, so every node sharing it sees the same
 * state. Used only by the detect-spam bundle.
 *
 * <p><b>Change feeds.</b> Nodes keep in-memory copies and poll for changes: every write stamps the rows it
 * changes with a new value of a per-area <em>generation</em> counter, allocated inside the writing
 * transaction under a row lock, so generations become visible in increasing order and a reader that asks
 * for "changed after g" never misses a committed change.
 *
 * <p>Threading: thread-safe. Failures of the database throw {@link org.streamail.api.store.StoreException}.
 * Arguments are never {@code null} unless stated.
 */
@ProviderType
public interface SpamStore {

    /** Whether a fingerprint refuses matching mail. */
    enum FingerprintState {
        /** Reported, but not enough distinct reporters yet. */
        PENDING,
        /** Refuses matching mail on every node. */
        BLOCKING,
        /** Was blocking (or pending) and was lifted by a ham report or an administrator: never blocks again by itself. */
        LIFTED
    }

    /**
     * A reported message's fingerprint.
     *
     * @param id               the reference id: lower-case hex, derived from the normalised content
     * @param minHash          the MinHash signature of the normalised text (empty when the message had no
     *                         text worth comparing)
     * @param attachmentHashes lower-case hex SHA-256 of each attachment and image
     * @param state            whether it blocks
     * @param createdAt        when it was first reported
     * @param generation       the generation of its last change (see the class comment); ignored on save
     */
    record Fingerprint(String id, List<Integer> minHash, List<String> attachmentHashes, FingerprintState state,
            Instant createdAt, long generation) {
        public Fingerprint {
            Objects.requireNonNull(id, "id");
            minHash = minHash == null ? List.of() : List.copyOf(minHash);
            attachmentHashes = attachmentHashes == null ? List.of() : List.copyOf(attachmentHashes);
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(createdAt, "createdAt");
        }
    }

    /**
     * One person's report of one fingerprint; a later report by the same reporter replaces it.
     *
     * @param fingerprintId the fingerprint
     * @param reporter      the login of the reporter
     * @param kind          spam or ham
     * @param admin         whether the reporter acted as an administrator
     * @param sender        the reported message's sender address (lower case) or {@code ""}, for automatic
     *                      block rules
     * @param reportedAt    when
     */
    record Report(String fingerprintId, String reporter, ReportKind kind, boolean admin, String sender,
            Instant reportedAt) {
        public Report {
            Objects.requireNonNull(fingerprintId, "fingerprintId");
            Objects.requireNonNull(reporter, "reporter");
            Objects.requireNonNull(kind, "kind");
            sender = sender == null ? "" : sender;
            Objects.requireNonNull(reportedAt, "reportedAt");
        }
    }

    /**
     * The reports of one fingerprint.
     *
     * @param spamReporters   distinct reporters whose report is SPAM
     * @param hamReporters    distinct reporters whose report is HAM
     * @param latestAdminKind the kind of the most recent administrator report, or {@code null} if none
     */
    record Tally(int spamReporters, int hamReporters, ReportKind latestAdminKind) {
    }

    /**
     * A classifier token's counts.
     *
     * @param token      the 64-bit hash of the token text
     * @param spam       trained spam messages containing it
     * @param ham        trained ham messages containing it
     * @param generation the generation of its last change
     */
    record TokenCount(long token, int spam, int ham, long generation) {
    }

    /** How many messages the classifier was trained with, per kind. */
    record Corpus(long spamMessages, long hamMessages) {
    }

    /**
     * One trained message as the store keeps it: what a model that cannot be derived from token counts (a
     * discriminative learner) replays on every node.
     *
     * @param messageKey the message's stable key (its fingerprint id)
     * @param kind       how it is trained now
     * @param tokens     its distinct token hashes (the array is the caller's to keep; never changed by the store)
     * @param generation the generation (token area) of its training, or of its re-training the other way
     */
    record TrainedMessage(String messageKey, ReportKind kind, long[] tokens, long generation) {
        public TrainedMessage {
            Objects.requireNonNull(messageKey, "messageKey");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(tokens, "tokens");
        }
    }

    /**
     * A compact summary of a message a node inspected, kept so that a report naming the message's gateway id works
     * on every node sharing the store and after a restart: what a report needs (the fingerprint's parts, the
     * classifier's tokens, the sender), never the message's bytes.
     *
     * @param gatewayId        the gateway id the message got at SMTP (1..128 characters)
     * @param referenceId      its reference id (lower-case hex), as {@link Fingerprint#id()} would be
     * @param minHash          the MinHash signature of its normalised text (empty when it had too little text)
     * @param attachmentHashes lower-case hex SHA-256 of each attachment and image
     * @param tokens           its distinct classifier token hashes (the array is the caller's to keep; never changed
     *                         by the store)
     * @param sender           the envelope sender, or the From address when there was none, lower case, or {@code ""}
     * @param seenAt           when it was inspected
     * @since 1.2
     */
    record SeenMessage(String gatewayId, String referenceId, List<Integer> minHash, List<String> attachmentHashes,
            long[] tokens, String sender, Instant seenAt) {
        public SeenMessage {
            Objects.requireNonNull(gatewayId, "gatewayId");
            Objects.requireNonNull(referenceId, "referenceId");
            minHash = minHash == null ? List.of() : List.copyOf(minHash);
            attachmentHashes = attachmentHashes == null ? List.of() : List.copyOf(attachmentHashes);
            Objects.requireNonNull(tokens, "tokens");
            sender = sender == null ? "" : sender;
            Objects.requireNonNull(seenAt, "seenAt");
        }
    }

    // ---------------------------------------------------------------- fingerprints and reports

    /** Stores a fingerprint unless one with its id exists; returns the stored one either way. */
    Fingerprint saveFingerprint(Fingerprint fingerprint);

    Optional<Fingerprint> fingerprint(String id);

    /**
     * Records a report, replacing this reporter's earlier report of the same fingerprint.
     *
     * @return {@code true} if this is the reporter's first report of it, or it changes the kind or the admin flag of the
     *         earlier one (the count of distinct reporters never depends on it)
     */
    boolean recordReport(Report report);

    Tally tally(String fingerprintId);

    /** Changes a fingerprint's state (new generation); {@code false} if unknown or already in that state. */
    boolean setState(String fingerprintId, FingerprintState state);

    /** Fingerprints changed after {@code generation}, oldest change first, at most {@code limit}. */
    List<Fingerprint> fingerprintsChangedAfter(long generation, int limit);

    /** Distinct reporters of SPAM whose report names {@code sender} and was made at or after {@code since}. */
    int spamReportersOfSender(String sender, Instant since);

    // ---------------------------------------------------------------- classifier

    /**
     * Trains one message's tokens as {@code kind}. Idempotent per {@code messageKey}: a message trained
     * the same way again changes nothing; trained the other way, its earlier counts are taken back first.
     *
     * @param messageKey a stable key of the message (its fingerprint id)
     * @param tokens     distinct token hashes of the message (bounded by the caller)
     * @return {@code false} if it was already trained as {@code kind}
     */
    boolean train(String messageKey, ReportKind kind, long[] tokens);

    /** How the message was trained, if it was. */
    Optional<ReportKind> trainedAs(String messageKey);

    Corpus corpus();

    /**
     * Token counts changed after the position ({@code generation}, {@code afterToken}), ordered by
     * generation then token, at most {@code limit}; page on with the last row's generation and token.
     * Start with ({@code 0}, {@link Long#MIN_VALUE}).
     */
    List<TokenCount> tokensChangedAfter(long generation, long afterToken, int limit);

    /**
     * Trained messages whose training changed after the position ({@code generation}, {@code afterKey}), ordered
     * by generation then key, at most {@code limit}; page on with the last row's generation and key. Start with
     * ({@code 0}, {@code ""}). Records deleted by housekeeping simply stop appearing: a reader notices by
     * comparing what it holds with {@link #corpus()} and reads again from the start.
     *
     * @since 1.1
     */
    List<TrainedMessage> trainedChangedAfter(long generation, String afterKey, int limit);

    // ---------------------------------------------------------------- inspected messages

    /**
     * Stores summaries of inspected messages, one row per gateway id: a summary whose gateway id is stored already
     * replaces it (the message was inspected again). All or nothing: a summary out of bounds (see the
     * implementation's limits) refuses the whole batch with {@link IllegalArgumentException} and stores nothing.
     *
     * @param seen at most a few thousand summaries; empty does nothing
     * @since 1.2
     */
    void saveSeen(List<SeenMessage> seen);

    /**
     * The summary stored for a gateway id, if any (an id that cannot have been stored is simply absent).
     *
     * @since 1.2
     */
    Optional<SeenMessage> seen(String gatewayId);

    /**
     * Deletes the summaries inspected before {@code cutoff}, at most {@code limit} of them (oldest first), so a
     * caller bounds each transaction and repeats while the count equals the limit.
     *
     * @return how many were deleted
     * @since 1.2
     */
    int deleteSeenBefore(Instant cutoff, int limit);

    // ---------------------------------------------------------------- block rules

    /** Stores a new rule (its id must be new); returns it as stored (times truncated to milliseconds). */
    BlockRule addRule(BlockRule rule);

    /** Deletes a rule; {@code false} if there was none. */
    boolean removeRule(String id);

    /** Every rule, newest first. */
    List<BlockRule> rules();

    /** A counter that changes whenever a rule is added or removed, so nodes re-read rules only then. */
    long rulesGeneration();
}
