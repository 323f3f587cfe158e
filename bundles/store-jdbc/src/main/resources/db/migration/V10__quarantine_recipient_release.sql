-- Streamail store, schema version 10: a quarantined message released to one of its recipients at a time
-- (QuarantineService.releaseTo: a user releasing their own copy from the quarantine digest, an administrator answering
-- one recipient's request). The recipient rows of V1 say who got a copy, by whom and when; the entry stays HELD for
-- the others and becomes RELEASED once every recipient row is released. NULL: not released on its own.
ALTER TABLE quarantine_rcpt ADD COLUMN released_by VARCHAR(256);
ALTER TABLE quarantine_rcpt ADD COLUMN released_at BIGINT;
