-- Streamail store, schema version 1: quarantine, message log, directory.
-- Portable between H2 2.x and PostgreSQL: ${blob} and ${text} are filled per database (see Dialect).
-- Times are epoch milliseconds (BIGINT): no time zone conversions, same on both databases.
-- Addresses in sender/recipient columns are lower case (case-insensitive filters); the envelope JSON keeps
-- them as received. Text columns with a width hold display or index copies that the store cuts to fit.

CREATE TABLE quarantine (
    id              VARCHAR(128)     NOT NULL PRIMARY KEY,
    message_id      VARCHAR(1000)    NOT NULL,
    subject         VARCHAR(2000)    NOT NULL,
    sender          VARCHAR(512)     NOT NULL,
    recipients      ${text}          NOT NULL,
    envelope_json   ${text}          NOT NULL,
    verdict_json    ${text}          NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    action          VARCHAR(16)      NOT NULL,
    -- ",PHISHING,SPAM," so that one category is found with LIKE '%,PHISHING,%'
    categories      VARCHAR(512)     NOT NULL,
    size_bytes      BIGINT           NOT NULL,
    -- NULL once the entry is DELETED
    raw_message     ${blob},
    status          VARCHAR(16)      NOT NULL,
    acted_by        VARCHAR(256)     NOT NULL,
    acted_at        BIGINT,
    quarantined_at  BIGINT           NOT NULL
);
CREATE INDEX quarantine_by_time ON quarantine (quarantined_at);
CREATE INDEX quarantine_by_status_time ON quarantine (status, quarantined_at);
CREATE INDEX quarantine_by_sender_time ON quarantine (sender, quarantined_at);

-- One row per envelope recipient, for the recipient filter.
CREATE TABLE quarantine_rcpt (
    id              VARCHAR(128)     NOT NULL,
    recipient       VARCHAR(512)     NOT NULL,
    PRIMARY KEY (id, recipient),
    CONSTRAINT quarantine_rcpt_entry FOREIGN KEY (id) REFERENCES quarantine (id) ON DELETE CASCADE
);
CREATE INDEX quarantine_rcpt_by_recipient ON quarantine_rcpt (recipient);

CREATE TABLE message_log (
    id                  VARCHAR(128)  NOT NULL PRIMARY KEY,
    message_id          VARCHAR(1000) NOT NULL,
    subject             VARCHAR(2000) NOT NULL,
    sender              VARCHAR(512)  NOT NULL,
    client_ip           VARCHAR(64),
    envelope_json       ${text}       NOT NULL,
    received_chain_json ${text}       NOT NULL,
    size_bytes          BIGINT        NOT NULL,
    -- NULL while undecided
    verdict_json        ${text},
    action              VARCHAR(16),
    status              VARCHAR(16)   NOT NULL,
    status_detail       VARCHAR(2000) NOT NULL,
    received_at         BIGINT        NOT NULL,
    updated_at          BIGINT        NOT NULL
);
CREATE INDEX message_log_by_time ON message_log (received_at);
CREATE INDEX message_log_by_action_time ON message_log (action, received_at);
CREATE INDEX message_log_by_sender_time ON message_log (sender, received_at);

-- One row per envelope recipient: recipient filter and "has this sender written to this recipient before".
CREATE TABLE message_log_rcpt (
    id              VARCHAR(128)     NOT NULL,
    recipient       VARCHAR(512)     NOT NULL,
    PRIMARY KEY (id, recipient),
    CONSTRAINT message_log_rcpt_entry FOREIGN KEY (id) REFERENCES message_log (id) ON DELETE CASCADE
);
CREATE INDEX message_log_rcpt_by_recipient ON message_log_rcpt (recipient, id);

CREATE TABLE directory_address (
    address         VARCHAR(320)     NOT NULL PRIMARY KEY,
    display_name    VARCHAR(256)     NOT NULL,
    created_at      BIGINT           NOT NULL
);
