//! The database: a pool of read connections and exactly one writer.
//!
//! `read` and `write` each run their closure on a blocking thread; writes run
//! in `BEGIN IMMEDIATE` and commit when the closure returns Ok. After every
//! commit the job and delivery workers are woken, because a write may have
//! queued work.

pub mod comments;
pub mod deliveries;
pub mod discussions;
pub mod events;
pub mod feed_tokens;
pub mod follows;
pub mod group_activities;
pub mod groups;
pub mod instance;
pub mod jobs;
pub mod media;
pub mod members;
pub mod migrate;
pub mod participants;
pub mod posts;
pub mod profiles;
pub mod remote_actors;
pub mod reports;
pub mod resources;
pub mod sessions;
pub mod todos;
pub mod tokens;
pub mod upgrade;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::config::DatabaseConfig;
use crate::error::{AppError, AppResult};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    readers: Pool,
    writer: Mutex<Connection>,
    wakeup: Arc<Wakeup>,
}

/// Wakes sleeping workers (jobs and deliveries) after a commit.
#[derive(Default)]
pub struct Wakeup {
    generation: Mutex<u64>,
    signal: Condvar,
}

impl Wakeup {
    pub fn notify(&self) {
        let mut g = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        *g = g.wrapping_add(1);
        self.signal.notify_all();
    }

    /// How many notifications so far: read it before looking for work (and
    /// before a stop flag), then `wait_since` it, and a notification made in
    /// between is not slept through.
    pub fn generation(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps until a notification newer than `seen`, or `timeout` passes.
    pub fn wait_since(&self, seen: u64, timeout: Duration) {
        let g = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.signal.wait_timeout_while(g, timeout, |g| *g == seen).unwrap_or_else(|p| p.into_inner());
    }
}

/// Per-connection settings: they silently revert on a connection opened
/// without them, so every connection (reader or writer) gets them here.
fn configure(conn: &Connection, config: &DatabaseConfig, read_only: bool) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Pages run the same few dozen queries: keep them compiled per connection.
    conn.set_prepared_statement_cache_capacity(64);
    conn.busy_timeout(Duration::from_millis(5000))?;
    conn.pragma_update(None, "synchronous", config.synchronous.to_uppercase())?;
    conn.pragma_update(None, "cache_size", -(i64::from(config.cache_size_kib)))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Deleted and overwritten content is zeroed, so a sent mail's link or an
    // erased account does not linger in free pages of the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(())
}

#[derive(Debug)]
pub struct OpenError(pub String);

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpenError {}

impl Db {
    /// Opens (creating if needed) the database file. Does not migrate.
    pub fn open(path: &Path, config: &DatabaseConfig) -> Result<Db, OpenError> {
        let context = |what: &str, e: &dyn std::fmt::Display| {
            OpenError(format!("cannot {what} {}: {e}", path.display()))
        };
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| context("create the folder for", &e))?;
        }
        let writer = Connection::open(path).map_err(|e| context("open", &e))?;
        // WAL is persistent in the file; setting it once here is enough.
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| context("set WAL mode on", &e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError(format!(
                "{} could not be put in WAL mode (got {mode}); is it on a network file system?",
                path.display()
            )));
        }
        writer
            .pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
            .map_err(|e| context("configure", &e))?;
        configure(&writer, config, false).map_err(|e| context("configure", &e))?;
        let reader_config = config.clone();
        let manager =
            SqliteConnectionManager::file(path).with_init(move |conn| configure(conn, &reader_config, true));
        let readers = r2d2::Pool::builder()
            .max_size(config.readers)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| context("open readers on", &e))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                readers,
                writer: Mutex::new(writer),
                wakeup: Arc::new(Wakeup::default()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn wakeup(&self) -> Arc<Wakeup> {
        self.inner.wakeup.clone()
    }

    /// Runs `f` with a read connection, on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_blocking(f)).await?
    }

    /// Runs `f` in one write transaction, on a blocking thread.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f)).await?
    }

    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let conn = self.inner.readers.get()?;
        f(&conn)
    }

    pub fn write_blocking<T>(&self, f: impl FnOnce(&Transaction) -> AppResult<T>) -> AppResult<T> {
        let value = self.write_quiet_blocking(f)?;
        self.inner.wakeup.notify();
        Ok(value)
    }

    /// A write that does not wake the job workers: for the workers' own
    /// bookkeeping, which would otherwise wake each other in a loop.
    pub fn write_quiet_blocking<T>(&self, f: impl FnOnce(&Transaction) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The writer connection itself, for migrations and maintenance.
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Applies pending migrations; returns their names.
    pub fn migrate(&self) -> Result<Vec<&'static str>, migrate::MigrateError> {
        self.with_writer(migrate::run)
    }

    /// Moves the WAL back into the main file; run at shutdown and when idle.
    pub fn checkpoint(&self) -> AppResult<()> {
        self.with_writer(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(AppError::from)
        })
    }
}

/// Runs `PRAGMA integrity_check` on a connection; Ok(()) when it says "ok".
pub fn integrity_check(conn: &Connection) -> Result<(), String> {
    let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(|e| e.to_string())?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if rows.len() == 1 && rows[0] == "ok" { Ok(()) } else { Err(rows.join("; ")) }
}

/// Makes an online, consistent copy of the database at `target` (which must
/// not exist), then checks the copy's integrity. Returns the copy's size.
pub fn backup_to(source: &Path, target: &Path) -> Result<u64, String> {
    if target.exists() {
        return Err(format!("{} already exists; choose a new file name", target.display()));
    }
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(format!("folder {} does not exist", dir.display()));
    }
    if !source.exists() {
        return Err(format!("no database at {}", source.display()));
    }
    let file_name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.partial-{}", std::process::id()));
    let result = (|| {
        let conn = Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
        conn.busy_timeout(Duration::from_millis(5000)).map_err(|e| e.to_string())?;
        let temp_text = temp.to_str().ok_or("the backup path is not valid UTF-8")?;
        // VACUUM INTO copies one consistent snapshot and compacts it.
        conn.execute("VACUUM INTO ?1", [temp_text]).map_err(|e| format!("backup failed: {e}"))?;
        drop(conn);
        let copy = Connection::open_with_flags(&temp, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open the copy: {e}"))?;
        integrity_check(&copy).map_err(|e| format!("the copy failed its integrity check: {e}"))?;
        drop(copy);
        std::fs::File::open(&temp).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
        std::fs::rename(&temp, target).map_err(|e| format!("cannot move the copy into place: {e}"))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        std::fs::metadata(target).map(|m| m.len()).map_err(|e| e.to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
