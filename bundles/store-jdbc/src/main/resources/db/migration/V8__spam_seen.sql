-- Streamail store, schema version 8: a summary of each message a node inspected recently, so that a report by
-- gateway id (POST /reports/spam {"messageId": ...}, streamail:report-spam <id>) works on every node sharing the
-- database and after a restart. Hashes and metadata only, never the message's bytes: the MinHash signature and
-- token hashes are encoded as in spam_fingerprint and spam_trained. One row per gateway id (a re-inspection
-- replaces it); the detect-spam nodes delete rows older than their recent.shared.hours, and housekeeping's
-- spam.seen.days pass is the backstop.
CREATE TABLE spam_seen (
    gateway_id      VARCHAR(128)     NOT NULL PRIMARY KEY,
    -- the reference id (hex) a fingerprint of the message would get
    reference_id    VARCHAR(64)      NOT NULL,
    -- MinHash signature: 4 bytes big-endian per value; empty when the text was too short
    minhash         ${blob}          NOT NULL,
    -- hex SHA-256 of each attachment, comma separated
    attachments     ${text}          NOT NULL,
    -- distinct classifier token hashes, 8 bytes big-endian each
    tokens          ${blob}          NOT NULL,
    -- lower-case envelope sender (or From address), or ''
    sender          VARCHAR(512)     NOT NULL,
    seen_at         BIGINT           NOT NULL
);
CREATE INDEX spam_seen_by_time ON spam_seen (seen_at);
