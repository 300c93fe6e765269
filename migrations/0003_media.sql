-- Uploaded pictures (re-encoded by zerda), stored under data/media/ with
-- random names. Profiles point at their avatar and banner.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL
) STRICT;
ALTER TABLE actors ADD COLUMN avatar_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
ALTER TABLE actors ADD COLUMN banner_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
