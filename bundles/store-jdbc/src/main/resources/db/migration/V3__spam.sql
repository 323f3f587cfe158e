-- Streamail store, schema version 3: global spam management (issue 8): fingerprints of reported messages
-- and who reported them, the learned classifier's token counts, and the block rules ("remembered
-- rejections"). Portable like V1: times are epoch milliseconds, ${blob}/${text} are filled per database.

-- Change feeds: every write takes the next value of its area's counter inside its transaction (the row
-- lock serialises writers of one area until commit), and stamps the rows it changes with it. Nodes poll
-- "rows with generation > the last one I saw" and so never miss a committed change.
CREATE TABLE spam_generation (
    area            VARCHAR(16)      NOT NULL PRIMARY KEY,
    counter         BIGINT           NOT NULL
);
INSERT INTO spam_generation (area, counter) VALUES ('fingerprint', 0);
INSERT INTO spam_generation (area, counter) VALUES ('token', 0);
INSERT INTO spam_generation (area, counter) VALUES ('rule', 0);

CREATE TABLE spam_fingerprint (
    -- the reference id (hex), shown in SMTP replies and findings
    id              VARCHAR(64)      NOT NULL PRIMARY KEY,
    -- MinHash signature: 4 bytes big-endian per value; empty when the text was too short
    minhash         ${blob}          NOT NULL,
    -- hex SHA-256 of each attachment, comma separated
    attachments     ${text}          NOT NULL,
    state           VARCHAR(16)      NOT NULL,
    created_at      BIGINT           NOT NULL,
    generation      BIGINT           NOT NULL
);
CREATE INDEX spam_fingerprint_by_generation ON spam_fingerprint (generation);

-- One row per (fingerprint, reporter): a reporter's later report replaces the earlier one (idempotence).
CREATE TABLE spam_report (
    fingerprint_id  VARCHAR(64)      NOT NULL,
    reporter        VARCHAR(256)     NOT NULL,
    kind            VARCHAR(8)       NOT NULL,
    is_admin        BOOLEAN          NOT NULL,
    -- lower-case sender address of the reported message, or ''
    sender          VARCHAR(512)     NOT NULL,
    reported_at     BIGINT           NOT NULL,
    PRIMARY KEY (fingerprint_id, reporter),
    CONSTRAINT spam_report_fingerprint FOREIGN KEY (fingerprint_id) REFERENCES spam_fingerprint (id) ON DELETE CASCADE
);
CREATE INDEX spam_report_by_sender ON spam_report (sender, reported_at);

-- One row per trained message, with its token hashes (8 bytes each) so a re-training can take them back.
CREATE TABLE spam_trained (
    message_key     VARCHAR(64)      NOT NULL PRIMARY KEY,
    kind            VARCHAR(8)       NOT NULL,
    tokens          ${blob}          NOT NULL,
    trained_at      BIGINT           NOT NULL
);

CREATE TABLE spam_token (
    -- 64-bit hash of the token text
    token           BIGINT           NOT NULL PRIMARY KEY,
    spam_count      INTEGER          NOT NULL,
    ham_count       INTEGER          NOT NULL,
    generation      BIGINT           NOT NULL
);
CREATE INDEX spam_token_by_generation ON spam_token (generation, token);

CREATE TABLE spam_block_rule (
    id              VARCHAR(64)      NOT NULL PRIMARY KEY,
    rule_type       VARCHAR(32)      NOT NULL,
    rule_value      VARCHAR(320)     NOT NULL,
    reason          VARCHAR(1000)    NOT NULL,
    created_by      VARCHAR(256)     NOT NULL,
    created_at      BIGINT           NOT NULL,
    -- NULL: never expires
    expires_at      BIGINT,
    rule_source     VARCHAR(8)       NOT NULL
);
CREATE INDEX spam_block_rule_by_time ON spam_block_rule (created_at);
