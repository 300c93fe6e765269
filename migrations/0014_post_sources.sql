-- A post a remote member wrote in one of our groups (Mobilizon lets a
-- moderator do so from their own server) gets our id and slug, as if written
-- here; `source_ap_id` keeps the id their server gave it, so that the
-- Update and the Delete they send later, which name that id, find our post.
ALTER TABLE posts ADD COLUMN source_ap_id TEXT;
CREATE UNIQUE INDEX posts_source ON posts (source_ap_id) WHERE source_ap_id IS NOT NULL;
