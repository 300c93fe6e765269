-- Group posts (Mobilizon's posts, federated as `Article`): written by a
-- member for a group, ours or a remote one. `slug` ends the post's URL here,
-- /p/<slug>: the title's words and a short random suffix, fixed once the
-- post is published (a remote post gets one of ours too, as a remote event
-- gets a uuid; its `ap_id` stays its origin's). A deleted post keeps its row,
-- its content gone, so its URL answers 410 Gone to whoever could read it.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    ap_id        TEXT NOT NULL UNIQUE,
    local        INTEGER NOT NULL CHECK (local IN (0, 1)),
    group_id     INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    -- The member who wrote it. A post is the group's: it stays when that
    -- profile goes.
    author_id    INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    title        TEXT NOT NULL,
    -- Sanitised HTML, shown and federated; the Markdown it came from (ours).
    body         TEXT NOT NULL DEFAULT '',
    body_source  TEXT NOT NULL DEFAULT '',
    picture_id   INTEGER REFERENCES media(id) ON DELETE SET NULL,
    -- public: listed on the group's page and in its feed; unlisted: for
    -- whoever has the link; private: the group's members only.
    visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
    -- A draft is seen by the group's moderators only and never federated.
    draft        INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1)),
    -- ISO 639-1 code, or 'und' when unknown.
    language     TEXT NOT NULL DEFAULT 'und',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER,
    deleted_at   INTEGER,
    -- When a remote post was last read from its origin.
    fetched_at   INTEGER,
    CHECK (draft = 1 OR published_at IS NOT NULL)
) STRICT;
-- A group's posts, newest first (its page, its list, its feed).
CREATE INDEX posts_group ON posts (group_id, published_at) WHERE deleted_at IS NULL;
-- For ON DELETE SET NULL when a profile goes, and for unused media.
CREATE INDEX posts_author ON posts (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX posts_picture ON posts (picture_id) WHERE picture_id IS NOT NULL;

-- Tags as typed (first spelling wins); compared without case.
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (post_id, tag)
) STRICT, WITHOUT ROWID;
