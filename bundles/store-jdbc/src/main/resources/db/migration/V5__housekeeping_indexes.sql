-- Streamail store, schema version 5: indexes for housekeeping (JdbcHousekeeping), which deletes rows older
-- than a cut-off in small batches, oldest first. Every other time column it uses is already indexed
-- (message_log.received_at, alert.created_at, link_click.clicked_at, retention_audit.acted_at,
-- isolation_audit.acted_at, quarantine (status, quarantined_at)); without these two, each batch would scan
-- the whole table.

-- link_delivery is the fastest-growing table (one row per message, recipient and URL); its only other
-- index starts with url_hash.
CREATE INDEX link_delivery_by_time ON link_delivery (delivered_at);
-- Released and deleted quarantine records are dropped by the time they were acted on.
CREATE INDEX quarantine_by_status_acted ON quarantine (status, acted_at);
