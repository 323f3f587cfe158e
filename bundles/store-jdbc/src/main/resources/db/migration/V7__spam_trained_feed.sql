-- Streamail store, schema version 7: a change feed over the trained messages, so that every node can replay
-- the same training (the logistic-regression classifier cannot be derived from token counts). A training or a
-- re-training the other way stamps its row with the generation of the token area it already allocates.
-- Rows trained before this version carry generation 0 and are read by a feed starting at 0.
ALTER TABLE spam_trained ADD COLUMN generation BIGINT DEFAULT 0 NOT NULL;
CREATE INDEX spam_trained_by_generation ON spam_trained (generation, message_key);
