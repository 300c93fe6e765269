-- Events, their tags, participants and comments. Local and remote rows share
-- the tables; `ap_id` is the ActivityPub id. A deleted event keeps its row as
-- a tombstone (`deleted_at`) so its URL answers 410 Gone.
CREATE TABLE events (
    id                          INTEGER PRIMARY KEY,
    uuid                        TEXT NOT NULL UNIQUE,
    ap_id                       TEXT NOT NULL UNIQUE,
    local                       INTEGER NOT NULL CHECK (local IN (0, 1)),
    -- The profile that organises (for group events, the member who acted).
    organizer_id                INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    -- The group the event belongs to, if any.
    attributed_to_id            INTEGER REFERENCES actors(id) ON DELETE CASCADE,
    title                       TEXT NOT NULL,
    -- Sanitised HTML, shown and federated; the Markdown it came from.
    description                 TEXT NOT NULL DEFAULT '',
    description_source          TEXT NOT NULL DEFAULT '',
    begins_at                   INTEGER NOT NULL,
    ends_at                     INTEGER,
    -- IANA zone the organiser chose; times are shown in it.
    timezone                    TEXT NOT NULL,
    status                      TEXT NOT NULL CHECK (status IN ('tentative', 'confirmed', 'cancelled')),
    visibility                  TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
    join_options                TEXT NOT NULL CHECK (join_options IN ('free', 'restricted', 'external')),
    external_participation_url  TEXT NOT NULL DEFAULT '',
    -- 0 means no limit.
    maximum_attendee_capacity   INTEGER NOT NULL DEFAULT 0 CHECK (maximum_attendee_capacity >= 0),
    anonymous_participation     INTEGER NOT NULL DEFAULT 0 CHECK (anonymous_participation IN (0, 1)),
    comment_moderation          TEXT NOT NULL DEFAULT 'allow_all'
                                CHECK (comment_moderation IN ('allow_all', 'moderated', 'closed')),
    hide_number_of_participants INTEGER NOT NULL DEFAULT 0 CHECK (hide_number_of_participants IN (0, 1)),
    show_end_time               INTEGER NOT NULL DEFAULT 1 CHECK (show_end_time IN (0, 1)),
    online_address              TEXT NOT NULL DEFAULT '',
    address_description         TEXT NOT NULL DEFAULT '',
    address_street              TEXT NOT NULL DEFAULT '',
    address_postal_code         TEXT NOT NULL DEFAULT '',
    address_locality            TEXT NOT NULL DEFAULT '',
    address_region              TEXT NOT NULL DEFAULT '',
    address_country             TEXT NOT NULL DEFAULT '',
    latitude                    REAL,
    longitude                   REAL,
    category                    TEXT NOT NULL DEFAULT 'meeting',
    -- ISO 639-1 code, or 'und' when unknown.
    language                    TEXT NOT NULL DEFAULT 'und',
    banner_id                   INTEGER REFERENCES media(id) ON DELETE SET NULL,
    -- Mobilizon's typed key/value metadata: a JSON list of {"key", "value"}.
    metadata                    TEXT NOT NULL DEFAULT '[]',
    draft                       INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1)),
    -- Bumped on every change that calendars should see (ICS SEQUENCE).
    sequence                    INTEGER NOT NULL DEFAULT 0,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL,
    published_at                INTEGER,
    deleted_at                  INTEGER,
    fetched_at                  INTEGER,
    CHECK (ends_at IS NULL OR ends_at >= begins_at)
) STRICT;
CREATE INDEX events_listed ON events (begins_at) WHERE deleted_at IS NULL AND draft = 0;
CREATE INDEX events_organizer ON events (organizer_id);
CREATE INDEX events_attributed_to ON events (attributed_to_id) WHERE attributed_to_id IS NOT NULL;

-- The home page asks on every visit whether an administrator exists yet.
CREATE INDEX users_administrators ON users (id) WHERE role = 'administrator' AND disabled = 0;

-- Tags as typed (first spelling wins); compared without case.
CREATE TABLE event_tags (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    tag      TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (event_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_tags_tag ON event_tags (tag);

-- Who takes part, with Mobilizon's roles. A participant is a profile
-- (local or remote) or, for anonymous participation, an e-mail address.
CREATE TABLE participants (
    id                 INTEGER PRIMARY KEY,
    uuid               TEXT NOT NULL UNIQUE,
    ap_id              TEXT NOT NULL UNIQUE,
    event_id           INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    actor_id           INTEGER REFERENCES actors(id) ON DELETE CASCADE,
    role               TEXT NOT NULL CHECK (role IN ('creator', 'administrator', 'moderator', 'participant',
                                                     'not_approved', 'not_confirmed', 'rejected')),
    -- Plain text the participant wrote when joining.
    message            TEXT NOT NULL DEFAULT '',
    -- Anonymous participants: where to write, in which language and zone.
    email              TEXT COLLATE NOCASE,
    locale             TEXT,
    timezone           TEXT,
    -- SHA-256 of the single-use confirmation token and of the cancellation token.
    confirm_hash       TEXT UNIQUE,
    confirm_expires_at INTEGER,
    cancel_hash        TEXT UNIQUE,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK ((actor_id IS NULL) <> (email IS NULL))
) STRICT;
CREATE UNIQUE INDEX participants_event_actor ON participants (event_id, actor_id) WHERE actor_id IS NOT NULL;
CREATE UNIQUE INDEX participants_event_email ON participants (event_id, email) WHERE email IS NOT NULL;
CREATE INDEX participants_actor ON participants (actor_id) WHERE actor_id IS NOT NULL;
-- Counts and lists per event and role (every event page asks).
CREATE INDEX participants_event_role ON participants (event_id, role);
CREATE INDEX participants_unconfirmed ON participants (confirm_expires_at) WHERE role = 'not_confirmed';

-- Comments on events, threaded: `origin_id` is the top of the thread,
-- `in_reply_to_id` the comment answered. A deleted comment keeps its row
-- (and its place in the thread) with its text gone.
CREATE TABLE comments (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    ap_id           TEXT NOT NULL UNIQUE,
    local           INTEGER NOT NULL CHECK (local IN (0, 1)),
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    actor_id        INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    origin_id       INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    in_reply_to_id  INTEGER REFERENCES comments(id) ON DELETE SET NULL,
    text            TEXT NOT NULL DEFAULT '',
    text_source     TEXT NOT NULL DEFAULT '',
    is_announcement INTEGER NOT NULL DEFAULT 0 CHECK (is_announcement IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER
) STRICT;
CREATE INDEX comments_event ON comments (event_id, created_at);
CREATE INDEX comments_origin ON comments (origin_id) WHERE origin_id IS NOT NULL;

-- Mails sent to addresses that are not accounts (anonymous participation),
-- counted to cap them per address and day; pruned by the hourly cleanup.
CREATE TABLE mail_quota (
    address TEXT NOT NULL COLLATE NOCASE,
    sent_at INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_quota_address ON mail_quota (address, sent_at);

-- Private "my events" feeds: a secret token per profile, shown to its owner
-- (it is the whole credential of a calendar subscription) and revocable.
CREATE TABLE feed_tokens (
    token      TEXT PRIMARY KEY,
    actor_id   INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX feed_tokens_actor ON feed_tokens (actor_id);

-- Answers of the optional geocoding service, by normalised query; a NULL
-- point records "not found" so that it is not asked again and again.
CREATE TABLE geocode_cache (
    query      TEXT PRIMARY KEY,
    latitude   REAL,
    longitude  REAL,
    fetched_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
