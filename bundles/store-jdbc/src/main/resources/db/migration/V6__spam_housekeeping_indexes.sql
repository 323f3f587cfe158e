-- Streamail store, schema version 6: indexes for the spam passes of housekeeping (JdbcHousekeeping), which
-- deletes old rows in small batches, oldest first (V5 did the same for the other tables).

-- Fingerprints nobody confirmed (state PENDING), oldest first; their reports are found through the
-- primary key of spam_report (fingerprint_id first).
CREATE INDEX spam_fingerprint_by_state_time ON spam_fingerprint (state, created_at);
-- Block rules whose expiry passed.
CREATE INDEX spam_block_rule_by_expiry ON spam_block_rule (expires_at);
-- Training records, when spam.trained.days is set.
CREATE INDEX spam_trained_by_time ON spam_trained (trained_at);
