-- Streamail store, schema version 2: the retention audit trail (issue 5). Append-only: one row per action
-- of the retention sweeper or a recipient's extension, also in dry runs. Portable like V1: times are epoch
-- milliseconds, ${text} is filled per database.

CREATE TABLE retention_audit (
    -- Surrogate key: rows are never updated, and several nodes may append at once.
    id              VARCHAR(36)      NOT NULL PRIMARY KEY,
    mailbox         VARCHAR(512)     NOT NULL,
    folder          VARCHAR(1000)    NOT NULL,
    message_id      VARCHAR(1000)    NOT NULL,
    -- hex SHA-256 of the raw message, or '' when it could not be read
    content_hash    VARCHAR(64)      NOT NULL,
    -- NULL for a refused extension (no trusted expiry)
    expiry          BIGINT,
    rule_text       VARCHAR(1000)    NOT NULL,
    action          VARCHAR(32)      NOT NULL,
    acted_at        BIGINT           NOT NULL,
    actor           VARCHAR(256)     NOT NULL,
    dry_run         BOOLEAN          NOT NULL,
    detail          ${text}          NOT NULL
);
CREATE INDEX retention_audit_by_time ON retention_audit (acted_at);
CREATE INDEX retention_audit_by_mailbox_time ON retention_audit (mailbox, acted_at);
CREATE INDEX retention_audit_by_message ON retention_audit (message_id);
