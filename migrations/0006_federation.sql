-- Federation: what we know of remote actors' keys, the activities received
-- in our inboxes (kept raw, idempotent on their id, until processed), and
-- the health of the servers we deliver to.

-- The id of the key an actor signs with (`publicKey.id`), its profile page,
-- and what its document says about it.
ALTER TABLE actors ADD COLUMN public_key_id TEXT;
ALTER TABLE actors ADD COLUMN url TEXT;
ALTER TABLE actors ADD COLUMN manually_approves_followers INTEGER NOT NULL DEFAULT 0
    CHECK (manually_approves_followers IN (0, 1));
ALTER TABLE actors ADD COLUMN discoverable INTEGER NOT NULL DEFAULT 1 CHECK (discoverable IN (0, 1));
CREATE INDEX actors_key ON actors (public_key_id) WHERE public_key_id IS NOT NULL;

-- Every activity accepted by an inbox (signature verified), stored before
-- the 202 answer. Its id is unique: a replay is a no-op.
CREATE TABLE inbox_activities (
    id           INTEGER PRIMARY KEY,
    ap_id        TEXT NOT NULL UNIQUE,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    -- What processing did ("applied", "ignored: …", "refused: …").
    outcome      TEXT
) STRICT;
CREATE INDEX inbox_activities_pending ON inbox_activities (id) WHERE processed_at IS NULL;

-- Remote servers, by host[:port]: when they last answered, consecutive
-- failures, the days deliveries failed, and whether we gave up for now.
CREATE TABLE hosts (
    host                 TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failure_days         TEXT NOT NULL DEFAULT '[]',
    unavailable_since    INTEGER,
    last_success_at      INTEGER,
    last_contact_at      INTEGER
) STRICT, WITHOUT ROWID;
