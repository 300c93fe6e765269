-- Federation at work: deliveries waiting to go out, who follows whom,
-- what other servers announced to us, and reports received from them.

-- One row per (activity, target inbox), written in the same transaction as
-- the change that caused it, so a crash never loses a delivery. Each host
-- is served in order (first in, first out); the body is signed at send time.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    activity_id     TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- The local actor whose key signs the request.
    signer_id       INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    inbox_url       TEXT NOT NULL,
    -- host[:port] of the inbox, as in `hosts`.
    host            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (activity_id, inbox_url)
) STRICT;
CREATE INDEX deliveries_pending ON deliveries (host, id) WHERE state = 'pending';
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 'pending';

-- Follows, local or remote on either side: a profile or instance following
-- a group or an instance actor. `approved` = 0 is a request waiting.
CREATE TABLE follows (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    ap_id       TEXT NOT NULL UNIQUE,
    follower_id INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    approved    INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (follower_id, target_id)
) STRICT;
CREATE INDEX follows_target ON follows (target_id, approved);

-- Announces received: which actor (a followed instance, a group) shared
-- which event with us. They make remote events show on the home page.
CREATE TABLE shares (
    id         INTEGER PRIMARY KEY,
    ap_id      TEXT NOT NULL UNIQUE,
    actor_id   INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (actor_id, event_id)
) STRICT;
CREATE INDEX shares_event ON shares (event_id);

-- Reports for moderators: made here, or received as a Flag.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    ap_id       TEXT NOT NULL UNIQUE,
    local       INTEGER NOT NULL CHECK (local IN (0, 1)),
    -- Who sent it (an instance actor for forwarded reports), and who is reported.
    reporter_id INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    reported_id INTEGER REFERENCES actors(id) ON DELETE CASCADE,
    -- Plain text written by the reporter.
    content     TEXT NOT NULL DEFAULT '',
    -- JSON list of the reported objects' ids (events, comments).
    objects     TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'closed')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_open ON reports (created_at) WHERE status = 'open';

-- Remote events are refreshed, oldest fetch first, when stale.
CREATE INDEX events_remote_fetch ON events (fetched_at) WHERE local = 0;
