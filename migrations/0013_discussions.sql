-- Group discussions (Mobilizon's discussions): threads that only the members
-- of a group read and write, for our groups and for remote groups some of
-- our profiles belong to.
--
-- Not the `comments` table: its `event_id` is NOT NULL, and every query on it
-- (event pages, Atom, the inbox's comment path, reports) reads it as "the
-- public comments of an event". Members-only text in its own table cannot
-- reach any of those surfaces by a forgotten WHERE clause.

-- A discussion: its title and where it lives. Our path for it is
-- /@<group handle>/c/<slug>; `ap_id` is its ActivityPub id (/@group/c/<slug>
-- for those started here, the id of the Note that started it otherwise, as
-- Mobilizon stores it). A deleted discussion keeps its row (`deleted_at`) so
-- a late Update cannot bring it back and its id answers 410 Gone.
CREATE TABLE discussions (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    ap_id         TEXT NOT NULL UNIQUE,
    -- Started here (1) or received from another server (0).
    local         INTEGER NOT NULL CHECK (local IN (0, 1)),
    group_id      INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    -- The profile that started it; the discussion outlives it.
    creator_id    INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    title         TEXT NOT NULL,
    -- The title's words and a short random suffix; unique within the group.
    slug          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- When the newest message came (the list is ordered by it).
    last_reply_at INTEGER NOT NULL,
    deleted_at    INTEGER,
    UNIQUE (group_id, slug)
) STRICT;
CREATE INDEX discussions_group_activity ON discussions (group_id, last_reply_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- The messages of a discussion, oldest first. The first one shares the
-- discussion's `ap_id` (Mobilizon's discussion Note is its first message);
-- the others are /comments/<uuid> here, their author's ids elsewhere. A
-- deleted message keeps its row as a tombstone (empty text, `deleted_at`).
CREATE TABLE discussion_comments (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    ap_id         TEXT NOT NULL UNIQUE,
    local         INTEGER NOT NULL CHECK (local IN (0, 1)),
    discussion_id INTEGER NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    -- The author; a deleted profile takes its messages with it, as comments do.
    actor_id      INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    -- Sanitised HTML, shown and federated; the Markdown it came from (ours only).
    text          TEXT NOT NULL DEFAULT '',
    text_source   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    deleted_at    INTEGER
) STRICT;
CREATE INDEX discussion_comments_thread ON discussion_comments (discussion_id, created_at, id);
CREATE INDEX discussion_comments_actor ON discussion_comments (actor_id);
