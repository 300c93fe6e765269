//! Upgrading without fear: before migrations run on a database that already
//! holds data, a consistent copy is taken in `<data>/backups/`, named after
//! the first migration it precedes. If the upgrade goes wrong, or the admin
//! wants the previous release back (which refuses a newer schema), that
//! copy is the database as it was. The three latest such copies are kept;
//! copies made by `zerda backup` are never touched.

use std::path::{Path, PathBuf};

use super::{Db, backup_to, migrate};

/// How many automatic copies stay in `backups/`.
pub const KEPT: usize = 3;
const PREFIX: &str = "before-";

/// What an upgrade did.
#[derive(Debug, Default)]
pub struct Upgraded {
    pub applied: Vec<&'static str>,
    /// The copy taken first, when there was data to protect.
    pub backup: Option<PathBuf>,
}

/// Migrates `db` (the file at `db_path`), first copying it into
/// `backups_dir` when it holds data and migrations are pending.
pub fn migrate_with_backup(db: &Db, db_path: &Path, backups_dir: &Path) -> Result<Upgraded, String> {
    let (current, pending) = db.with_writer(|conn| {
        let current = migrate::current_version(conn).map_err(|e| e.to_string())?;
        let pending = migrate::pending(conn).map_err(|e| e.to_string())?;
        Ok::<_, String>((current, pending))
    })?;
    let backup = match pending.first() {
        // A fresh database has nothing to lose.
        Some(first) if current > 0 => Some(copy_before(db_path, backups_dir, first)?),
        _ => None,
    };
    let applied = db.migrate().map_err(|e| match &backup {
        Some(copy) => format!("{e} (the database as it was is in {})", copy.display()),
        None => e.to_string(),
    })?;
    Ok(Upgraded { applied, backup })
}

fn copy_before(db_path: &Path, backups_dir: &Path, migration: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(backups_dir)
        .map_err(|e| format!("cannot create the backup folder {}: {e}", backups_dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    // Two starts within a second (a crash loop) must not stop at the name.
    let target = (1..)
        .map(|n| match n {
            1 => backups_dir.join(format!("{PREFIX}{migration}-{stamp}.db")),
            n => backups_dir.join(format!("{PREFIX}{migration}-{stamp}-{n}.db")),
        })
        .find(|p| !p.exists())
        .unwrap_or_default();
    backup_to(db_path, &target).map_err(|e| format!("no upgrade without a backup first: {e}"))?;
    prune(backups_dir);
    Ok(target)
}

/// Removes the automatic copies beyond the `KEPT` newest (by name: the
/// stamp sorts after the migration's number, which only grows).
fn prune(backups_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(backups_dir) else { return };
    let mut ours: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".db"))
        })
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(KEPT);
    for old in &ours[..excess] {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!("could not remove the old automatic backup {}: {e}", old.display());
        }
    }
}
