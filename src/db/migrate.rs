//! Embedded, append-only migrations tracked by `PRAGMA user_version`.
//! Each runs in its own transaction, followed by a foreign-key check.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order. Version N means the first N have run.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_foundation", include_str!("../../migrations/0001_foundation.sql")),
    ("0002_user_tokens", include_str!("../../migrations/0002_user_tokens.sql")),
    ("0003_media", include_str!("../../migrations/0003_media.sql")),
    ("0004_summary_source", include_str!("../../migrations/0004_summary_source.sql")),
    ("0005_events", include_str!("../../migrations/0005_events.sql")),
    ("0006_federation", include_str!("../../migrations/0006_federation.sql")),
    ("0007_federation_flow", include_str!("../../migrations/0007_federation_flow.sql")),
    ("0008_search", include_str!("../../migrations/0008_search.sql")),
    ("0009_actor_tombstones", include_str!("../../migrations/0009_actor_tombstones.sql")),
    ("0010_groups", include_str!("../../migrations/0010_groups.sql")),
    ("0011_posts", include_str!("../../migrations/0011_posts.sql")),
    ("0012_resources_todos", include_str!("../../migrations/0012_resources_todos.sql")),
    ("0013_discussions", include_str!("../../migrations/0013_discussions.sql")),
    ("0014_post_sources", include_str!("../../migrations/0014_post_sources.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[derive(Debug)]
pub enum MigrateError {
    /// The database was written by a newer zerda.
    TooNew {
        found: i64,
        known: i64,
    },
    Failed {
        name: &'static str,
        cause: String,
    },
    Sqlite(rusqlite::Error),
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrateError::TooNew { found, known } => write!(
                f,
                "the database has schema version {found}, newer than this zerda knows ({known}): \
                 run the newer zerda that wrote it, or restore a backup made by this version"
            ),
            MigrateError::Failed { name, cause } => write!(f, "migration {name} failed: {cause}"),
            MigrateError::Sqlite(e) => write!(f, "database: {e}"),
        }
    }
}

impl std::error::Error for MigrateError {}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

pub fn current_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Names of the migrations not applied yet; refuses a database that is too new.
pub fn pending(conn: &Connection) -> Result<Vec<&'static str>, MigrateError> {
    let found = current_version(conn)?;
    if found > latest_version() {
        return Err(MigrateError::TooNew { found, known: latest_version() });
    }
    Ok(MIGRATIONS[found as usize..].iter().map(|(name, _)| *name).collect())
}

/// Applies every pending migration; returns the names applied.
pub fn run(conn: &mut Connection) -> Result<Vec<&'static str>, MigrateError> {
    migrate_to(conn, latest_version())
}

/// Applies pending migrations up to version `target` (tests build old schemas with it).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<Vec<&'static str>, MigrateError> {
    pending(conn)?;
    let mut applied = Vec::new();
    let start = current_version(conn)?;
    for version in start..target.min(latest_version()) {
        let (name, sql) = MIGRATIONS[version as usize];
        let failed = |e: rusqlite::Error| MigrateError::Failed { name, cause: e.to_string() };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version + 1).map_err(failed)?;
        let violations: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
            .map_err(failed)?;
        if violations > 0 {
            return Err(MigrateError::Failed {
                name,
                cause: format!("{violations} foreign key violations after migrating"),
            });
        }
        tx.commit().map_err(failed)?;
        applied.push(name);
    }
    Ok(applied)
}
