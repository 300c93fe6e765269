-- Groups, their members and their activity timeline. A group is an actor
-- (kind 'Group'): its name, summary, pictures, keys, `discoverable` (public
-- or unlisted) and `manually_approves_followers` live on its actors row.
-- This table holds what only a group has, for local and remote groups alike.
CREATE TABLE groups (
    actor_id            INTEGER PRIMARY KEY REFERENCES actors(id) ON DELETE CASCADE,
    -- open: joining makes a member; moderated: a request a moderator
    -- answers; invite_only: only invitations.
    openness            TEXT NOT NULL DEFAULT 'moderated'
                        CHECK (openness IN ('open', 'moderated', 'invite_only')),
    address_description TEXT NOT NULL DEFAULT '',
    address_street      TEXT NOT NULL DEFAULT '',
    address_postal_code TEXT NOT NULL DEFAULT '',
    address_locality    TEXT NOT NULL DEFAULT '',
    address_region      TEXT NOT NULL DEFAULT '',
    address_country     TEXT NOT NULL DEFAULT '',
    latitude            REAL,
    longitude           REAL,
    -- What a remote group says of itself (ours are counted from `members`).
    member_count        INTEGER NOT NULL DEFAULT 0,
    -- A remote group's collections, as its actor document names them.
    members_url         TEXT,
    events_url          TEXT,
    posts_url           TEXT,
    resources_url       TEXT,
    todos_url           TEXT,
    discussions_url     TEXT
) STRICT;

-- Remote groups stored before this migration get their row with the defaults;
-- the next refresh of their actor fills it.
INSERT INTO groups (actor_id) SELECT id FROM actors WHERE kind = 'Group';

-- Who belongs to a group, with Mobilizon's roles. One row per (group, actor):
-- an invitation, a request, a membership or a refusal. `ap_id` is the
-- Member object's id: /member/<uuid> for our groups, the group's server's
-- otherwise.
CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    ap_id         TEXT NOT NULL UNIQUE,
    group_id      INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    actor_id      INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('invited', 'not_approved', 'member', 'moderator',
                                                'administrator', 'creator', 'rejected')),
    -- Who invited them, for invitations.
    invited_by_id INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (group_id, actor_id)
) STRICT;
CREATE INDEX members_actor ON members (actor_id);
CREATE INDEX members_group_role ON members (group_id, role);

-- Whether a follower wants a mail for each new event of what it follows.
ALTER TABLE follows ADD COLUMN notify INTEGER NOT NULL DEFAULT 1 CHECK (notify IN (0, 1));

-- What happened in a group, for its members: who (author) did what
-- (subject, e.g. 'member_joined', 'event_created') to what (`object_title`,
-- `object_path`: a local path or a remote URL, empty once it is gone).
CREATE TABLE group_activities (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    subject      TEXT NOT NULL,
    object_title TEXT NOT NULL DEFAULT '',
    object_path  TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX group_activities_group ON group_activities (group_id, id);
