-- zerda foundation schema. Append-only: never edit a migration after it landed;
-- add a new file instead. Instants are INTEGER unix seconds UTC.

-- Instance-wide values the server generates itself (secret keys, setup token hash).
CREATE TABLE instance_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Accounts: who logs in. They own profiles (Person actors); nothing that
-- federates points at an account.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT NOT NULL COLLATE NOCASE UNIQUE,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL DEFAULT 'user'
                     CHECK (role IN ('user', 'moderator', 'administrator')),
    locale           TEXT,
    timezone         TEXT,
    confirmed_at     INTEGER,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    default_actor_id INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    last_login_at    INTEGER
) STRICT;

-- Every Person, Group and Application, local (domain IS NULL) or remote.
CREATE TABLE actors (
    id                 INTEGER PRIMARY KEY,
    ap_id              TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL CHECK (kind IN ('Person', 'Group', 'Application')),
    preferred_username TEXT NOT NULL,
    domain             TEXT,
    name               TEXT NOT NULL DEFAULT '',
    summary            TEXT NOT NULL DEFAULT '',
    user_id            INTEGER REFERENCES users(id) ON DELETE CASCADE,
    inbox_url          TEXT,
    shared_inbox_url   TEXT,
    outbox_url         TEXT,
    followers_url      TEXT,
    public_key_pem     TEXT,
    private_key_pem    TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    fetched_at         INTEGER,
    CHECK ((domain IS NULL) OR (user_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX actors_username_domain ON actors (preferred_username, IFNULL(domain, ''));
CREATE INDEX actors_user ON actors (user_id) WHERE user_id IS NOT NULL;

-- Browser sessions; only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash          TEXT PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    actor_id         INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    authenticated_at INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The durable work queue: deliveries, e-mails, scheduled chores. A job is
-- inserted in the same transaction as the change that implies it.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'failed')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_until INTEGER,
    last_error   TEXT,
    dedup_key    TEXT UNIQUE,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed');
