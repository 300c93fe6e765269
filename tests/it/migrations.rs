//! Migrations: fresh databases, the pragmas on every connection, refusal of a
//! newer database, and the pattern for migrations that transform data.

use rusqlite::Connection;
use zerda::config::DatabaseConfig;
use zerda::db::{Db, migrate};

#[test]
fn a_fresh_database_migrates_to_the_latest_version_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Db::open(&dir.path().join("z.db"), &DatabaseConfig::default()).expect("open");
    let applied = db.migrate().expect("migrate");
    assert_eq!(applied.len(), migrate::MIGRATIONS.len());
    assert!(db.migrate().expect("again").is_empty(), "idempotent");
    let version = db.read_blocking(|c| Ok(migrate::current_version(c)?)).expect("version");
    assert_eq!(version, migrate::latest_version());
}

#[test]
fn every_connection_has_the_pragmas() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Db::open(&dir.path().join("z.db"), &DatabaseConfig::default()).expect("open");
    db.migrate().expect("migrate");
    let check = |c: &Connection| -> (String, i64, i64, i64) {
        (
            c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("journal"),
            c.query_row("PRAGMA synchronous", [], |r| r.get(0)).expect("sync"),
            c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("fk"),
            c.query_row("PRAGMA busy_timeout", [], |r| r.get(0)).expect("busy"),
        )
    };
    let expected = ("wal".to_string(), 2, 1, 5000);
    assert_eq!(db.with_writer(|c| check(c)), expected, "writer");
    // Several readers at once, so the pool opens more than one connection.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let got = db.read_blocking(|c| Ok(check(c))).expect("read");
                assert_eq!(got, expected, "reader");
            });
        }
    });
    let write_attempt = db.read_blocking(|c| Ok(c.execute("CREATE TABLE nope (x)", [])?));
    assert!(write_attempt.is_err(), "readers cannot write");
}

#[test]
fn a_database_from_a_newer_zerda_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("z.db");
    let db = Db::open(&path, &DatabaseConfig::default()).expect("open");
    db.migrate().expect("migrate");
    db.with_writer(|c| c.pragma_update(None, "user_version", 999)).expect("bump");
    let e = db.migrate().expect_err("refused").to_string();
    assert!(e.contains("schema version 999") && e.contains("newer than this zerda"), "{e}");
}

/// The pattern every data-transforming migration follows: build the schema
/// as it was before it, insert rows, migrate, check the rows. Today the only
/// migration creates the schema, so the check is that the rows survive.
#[test]
fn migrating_keeps_existing_rows() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Db::open(&dir.path().join("z.db"), &DatabaseConfig::default()).expect("open");
    db.with_writer(|c| migrate::migrate_to(c, 1)).expect("old schema");
    db.with_writer(|c| {
        c.execute(
            "INSERT INTO users (email, password_hash, created_at) VALUES ('old@example.org', 'x', 1)",
            [],
        )
    })
    .expect("old row");
    db.migrate().expect("migrate");
    let email: String =
        db.read_blocking(|c| Ok(c.query_row("SELECT email FROM users", [], |r| r.get(0))?)).expect("row");
    assert_eq!(email, "old@example.org");
}

#[test]
fn migrations_are_append_only_files_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".sql").to_string())
        .collect();
    files.sort();
    let listed: Vec<String> = migrate::MIGRATIONS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(files, listed, "every file in migrations/ is listed in order, and nothing else");
    for (n, name) in listed.iter().enumerate() {
        assert!(name.starts_with(&format!("{:04}_", n + 1)), "{name} is numbered {}", n + 1);
    }
}

/// 0004 adds the Markdown source of descriptions: profiles written before it
/// keep their HTML and get an empty source.
#[test]
fn migration_0004_keeps_descriptions_of_existing_profiles() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Db::open(&dir.path().join("z.db"), &DatabaseConfig::default()).expect("open");
    db.with_writer(|c| migrate::migrate_to(c, 3)).expect("schema before 0004");
    db.with_writer(|c| {
        c.execute(
            "INSERT INTO actors (ap_id, kind, preferred_username, summary, created_at, updated_at)
             VALUES ('https://old.example/@ann', 'Person', 'ann', '<p>Hi</p>', 1, 1)",
            [],
        )
    })
    .expect("old row");
    db.migrate().expect("migrate");
    let (summary, source): (String, String) = db
        .read_blocking(|c| {
            Ok(c.query_row("SELECT summary, summary_source FROM actors", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .expect("row");
    assert_eq!((summary.as_str(), source.as_str()), ("<p>Hi</p>", ""));
}

/// 0010 adds the `groups` table: remote groups stored before it get their
/// row (with the defaults), persons do not.
#[test]
fn migration_0010_gives_groups_known_before_it_their_row() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Db::open(&dir.path().join("z.db"), &DatabaseConfig::default()).expect("open");
    db.with_writer(|c| migrate::migrate_to(c, 9)).expect("schema before 0010");
    db.with_writer(|c| {
        c.execute_batch(
            "INSERT INTO actors (ap_id, kind, preferred_username, domain, created_at, updated_at)
             VALUES ('https://old.example/@climbers', 'Group', 'climbers', 'old.example', 1, 1),
                    ('https://old.example/@ann', 'Person', 'ann', 'old.example', 1, 1);",
        )
    })
    .expect("old rows");
    db.migrate().expect("migrate");
    let rows: String = db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT group_concat(a.preferred_username || ':' || g.openness || ':' || g.member_count)
                 FROM groups g JOIN actors a ON a.id = g.actor_id",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("rows");
    assert_eq!(rows, "climbers:moderated:0");
}

#[test]
fn an_upgrade_copies_a_database_with_data_first_and_keeps_the_three_latest_copies() {
    use zerda::db::upgrade::{KEPT, migrate_with_backup};
    let dir = tempfile::tempdir().expect("tmp");
    let (path, backups) = (dir.path().join("z.db"), dir.path().join("backups"));
    // A fresh database has nothing to protect: no copy.
    let fresh = Db::open(&path, &DatabaseConfig::default()).expect("open");
    let done = migrate_with_backup(&fresh, &path, &backups).expect("migrate");
    assert_eq!(done.applied.len(), migrate::MIGRATIONS.len());
    assert!(done.backup.is_none() && !backups.exists());
    drop(fresh);
    // A database written by an older release, with a row in it.
    let old_path = dir.path().join("old.db");
    let old = Db::open(&old_path, &DatabaseConfig::default()).expect("open");
    let before = migrate::latest_version() - 1;
    old.with_writer(|c| migrate::migrate_to(c, before)).expect("old schema");
    old.with_writer(|c| {
        c.execute(
            "INSERT INTO users (email, password_hash, created_at) VALUES ('old@example.org', 'x', 1)",
            [],
        )
    })
    .expect("old row");
    let done = migrate_with_backup(&old, &old_path, &backups).expect("migrate");
    assert_eq!(done.applied, [migrate::MIGRATIONS[before as usize].0]);
    let copy = done.backup.expect("a copy first");
    let name = copy.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    assert!(name.starts_with(&format!("before-{}-", migrate::MIGRATIONS[before as usize].0)), "{name}");
    let copy_conn = rusqlite::Connection::open(&copy).expect("the copy opens");
    let (version, email): (i64, String) = (
        copy_conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version"),
        copy_conn.query_row("SELECT email FROM users", [], |r| r.get(0)).expect("row"),
    );
    assert_eq!((version, email.as_str()), (before, "old@example.org"), "the copy is the database as it was");
    // Up to date: nothing to do, no copy.
    let again = migrate_with_backup(&old, &old_path, &backups).expect("again");
    assert!(again.applied.is_empty() && again.backup.is_none());
    // Older automatic copies beyond three go; other files in the folder stay.
    for n in 0..4 {
        std::fs::write(backups.join(format!("before-0001_foundation-2020010{n}T000000Z.db")), b"x")
            .expect("old copy");
    }
    std::fs::write(backups.join("mine.db"), b"x").expect("the admin's own");
    let other_path = dir.path().join("other.db");
    let other = Db::open(&other_path, &DatabaseConfig::default()).expect("open");
    other.with_writer(|c| migrate::migrate_to(c, before)).expect("old schema");
    migrate_with_backup(&other, &other_path, &backups).expect("migrate another");
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .expect("list")
        .filter_map(|e| e.ok().and_then(|e| e.file_name().to_str().map(str::to_string)))
        .collect();
    left.sort();
    assert_eq!(left.iter().filter(|n| n.starts_with("before-")).count(), KEPT, "{left:?}");
    assert!(left.contains(&"mine.db".to_string()) && left.contains(&name), "{left:?}");
    assert!(!left.contains(&"before-0001_foundation-20200100T000000Z.db".to_string()), "{left:?}");
}
