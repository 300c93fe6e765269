-- An actor that deleted itself (Delete{actor: X, object: X}) keeps its row
-- as a tombstone: its soft-deleted comments and its events' tombstones still
-- point at it. Its name, key and inboxes are gone, so it signs nothing and
-- receives nothing, and a later copy of its document is never stored again.
ALTER TABLE actors ADD COLUMN deleted_at INTEGER;
