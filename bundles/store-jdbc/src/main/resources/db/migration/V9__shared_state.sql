-- Streamail store, schema version 9: small named records the nodes change by compare-and-set (SharedState), for
-- work one node at a time must do and for where it stands: the quarantine digest's window and the lease of the
-- node sending it. A handful of rows, never deleted; version is 1 after the insert and one more at each update.
CREATE TABLE shared_state (
    name            VARCHAR(128)     NOT NULL PRIMARY KEY,
    state_value     ${text}          NOT NULL,
    version         BIGINT           NOT NULL,
    -- when a node last wrote it, epoch milliseconds of that node's clock (for the administrator reading the table)
    updated_at      BIGINT           NOT NULL
);
