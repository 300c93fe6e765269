-- What a person typed (Markdown) beside the sanitised HTML that is shown and
-- federated, so that editing starts from their own text.
ALTER TABLE actors ADD COLUMN summary_source TEXT NOT NULL DEFAULT '';
-- Start-up looks for local actors still waiting for their key pair; without
-- this index that is a scan of every actor (and their keys) at each start.
CREATE INDEX actors_without_keys ON actors (id) WHERE domain IS NULL AND public_key_pem IS NULL;
