package org.streamail.spam.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.spam} ({@code etc/org.streamail.spam.cfg}, optional). */
@ObjectClassDefinition(id = SpamComponent.PID, name = "Streamail spam",
        description = "Spam reports, fuzzy fingerprints, learned classifier and remembered rejections")
@interface SpamConfig {

    @AttributeDefinition(name = "Similarity threshold", description = "Estimated Jaccard similarity (0..1) of the "
            + "normalised text at which a message matches a reported one")
    double similarity_threshold() default 0.5;

    @AttributeDefinition(name = "Reporters to block", description = "Distinct user reporters after which a "
            + "fingerprint refuses matching mail everywhere (one administrator report always suffices)")
    int reporters_to_block() default 3;

    @AttributeDefinition(name = "Ham reporters to lift", description = "Distinct users reporting HAM that lift a "
            + "fingerprint (an administrator's HAM report always lifts)")
    int ham_reporters_to_lift() default 1;

    @AttributeDefinition(name = "Reporters for an automatic sender rule", description = "Distinct users reporting "
            + "spam from one sender address within auto.block.window that add an automatic SENDER rule; 0 disables")
    int auto_block_reporters() default 5;

    @AttributeDefinition(name = "Automatic rule window", description = "ISO-8601 duration over which reports count")
    String auto_block_window() default "P7D";

    @AttributeDefinition(name = "Automatic rule expiry", description = "ISO-8601 duration an automatic rule lasts")
    String auto_block_expiry() default "P30D";

    @AttributeDefinition(name = "Fingerprint score", description = "Score of a match with a blocking fingerprint "
            + "(at or above the policy's reject.score, the message is refused at DATA)")
    double fingerprint_score() default 100;

    @AttributeDefinition(name = "Rule score", description = "Score of a URL-domain or attachment-hash block rule at DATA")
    double rule_score() default 100;

    @AttributeDefinition(name = "Classifier maximum score", description = "Score for a spam probability at or above "
            + "bayes.spam.probability")
    double bayes_max_score() default 6;

    @AttributeDefinition(name = "Classifier minimum score", description = "Score for a spam probability of 0")
    double bayes_min_score() default -2;

    @AttributeDefinition(name = "Classifier spam probability", description = "Probability at which the classifier "
            + "gives its maximum score")
    double bayes_spam_probability() default 0.83;

    @AttributeDefinition(name = "Classifier probability without red flags", description = "0 (the default): off. "
            + "Otherwise, from bayes.spam.probability to 1: the probability a message showing no structural red flag "
            + "(family TRAITS) needs for the maximum score: fewer false positives for less spam lost than raising "
            + "bayes.spam.probability, on the development mail (README)")
    double bayes_unflagged_probability() default 0;

    @AttributeDefinition(name = "Classifier features", description = "Comma-separated feature families: WORDS, "
            + "HEADERS, URLS, TRAITS, FORMAT, HTML, META, BIGRAMS, OSB, SCRIPTS, LISTCHANNEL, LISTTAGS (the default, "
            + "format-neutral with structural red flags, was chosen by measurement; see the README)")
    String classifier_features() default "WORDS,HEADERS,URLS,TRAITS,LISTCHANNEL,LISTTAGS";

    @AttributeDefinition(name = "Classifier model", description = "LR (logistic regression learned on every node "
            + "from the trained messages in the database, the default: more spam caught and fewer false positives "
            + "than CHI2 on the development sets), CHI2 (SpamBayes chi-square over the shared token counts) or LLR "
            + "(capped log-likelihood ratios over the counts); see the README")
    String classifier_model() default "LR";

    @AttributeDefinition(name = "Training messages held", description = "With classifier.model = LR: trained "
            + "messages each node holds and learns from (the newest; about 2.5 KB each), 100..1000000")
    int classifier_max_training_messages() default 20_000;

    @AttributeDefinition(name = "Refresh seconds", description = "How often reports, tokens and rules made on other "
            + "nodes are read from the database (the staleness bound), 1..60")
    int refresh_seconds() default 2;

    @AttributeDefinition(name = "Release learning seconds", description = "How often the newest quarantine releases "
            + "are read and reported as HAM by the releasing administrator; 0 disables")
    int release_learning_seconds() default 30;

    @AttributeDefinition(name = "Maximum fingerprints", description = "Fingerprints compared in memory")
    int max_fingerprints() default 200_000;

    @AttributeDefinition(name = "Maximum tokens", description = "Classifier tokens held in memory")
    int max_tokens() default 4_000_000;

    @AttributeDefinition(name = "Recent messages bytes", description = "Raw bytes of recently inspected messages "
            + "this node keeps in memory so they can be reported by message id (node-local; the shared summaries of "
            + "recent.shared.hours serve the other nodes and restarts)")
    long recent_bytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Shared recent summaries (hours)", description = "How long a summary of each "
            + "inspected message (hashes and metadata, never its bytes; about 2 KB) is kept in the database, so it "
            + "can be reported by message id on any node sharing it and after a restart, 0..720; 0 turns the "
            + "summaries off (report by id then works only on the inspecting node, from recent.bytes)")
    int recent_shared_hours() default 48;

    @AttributeDefinition(name = "Maximum message size", description = "Largest reported message in bytes")
    int max_message_size() default 25 * 1024 * 1024;

    @AttributeDefinition(name = "Allow loopback client rules", description = "Accept CLIENT_IP rules that are or "
            + "cover a loopback address (refused by default: they lock out the gateway's own local clients)")
    boolean block_allow_loopback() default false;
}
