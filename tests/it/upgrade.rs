//! An upgrade from a database an older zerda wrote (not one rebuilt from
//! today's migration files): the real binary copies it to data/backups,
//! migrates it on start, keeps every row, and serves and extends it.

use std::path::Path;

use crate::common::process::{Browser, ZerdaProcess, zerda};

/// `tests/fixtures/upgrade/0f070b5-schema9.sql`: written by the zerda of
/// commit 0f070b5 (schema 9, before groups): seeded accounts, events with
/// participants and comments, an administrator, one start of the server.
const SCHEMA_9: &str = include_str!("../fixtures/upgrade/0f070b5-schema9.sql");

/// Rows the upgrade must keep, table by table (the search index included).
const KEPT_TABLES: [&str; 7] =
    ["users", "actors", "events", "participants", "comments", "event_tags", "events_search"];

fn counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    KEPT_TABLES
        .iter()
        .map(|t| {
            let n = conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).expect("count");
            (t.to_string(), n)
        })
        .collect()
}

fn user_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version")
}

#[test]
fn a_database_written_by_an_older_release_is_copied_migrated_on_start_and_served() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("zerda.db");
    rusqlite::Connection::open(&db).and_then(|c| c.execute_batch(SCHEMA_9)).expect("the old database");
    assert_eq!(user_version(&db), 9);
    let before = counts(&db);
    assert!(before.iter().all(|(_, n)| *n > 0), "the fixture holds rows in every table: {before:?}");
    let (uuid, title): (String, String) = rusqlite::Connection::open(&db)
        .and_then(|c| {
            c.query_row("SELECT uuid, title FROM events ORDER BY id LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .expect("an old event");

    // A package upgrade restarts the service: the migration happens on start.
    let server = ZerdaProcess::start(dir.path(), &[]);
    let log = server.log();
    assert!(log.contains("copied the database to") && log.contains("before-0010_groups-"), "{log}");
    for migration in ["0010_groups", "0014_post_sources"] {
        assert!(log.contains(&format!("applied migration {migration}")), "{log}");
    }
    assert_eq!(user_version(&db), zerda::db::migrate::latest_version());
    assert_eq!(counts(&db), before, "every old row is kept");

    // The copy is the database as the old release left it.
    let copies: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .expect("backups")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!((user_version(&copies[0]), counts(&copies[0])), (9, before.clone()));

    // Old events are served and found; the old administrator logs in and
    // uses what came after (groups).
    let mut browser = Browser::new();
    let page = browser.get(&server.url(&format!("/events/{uuid}"))).expect("event page");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&title.replace('\'', "&#x27;")), "{}", page.body);
    let word = title.split_whitespace().next().unwrap_or_default();
    let found = browser.get(&server.url(&format!("/search?q={word}"))).expect("search");
    assert!(found.body.contains(&format!("/events/{uuid}")), "the old search index answers: {}", found.body);
    // The old administrator's password hash still verifies.
    browser.log_in(&server.url(""), "root@example.org", "correct horse battery");
    let token = browser.get(&server.url("/groups/create")).expect("form").csrf_token().expect("token");
    let r = browser
        .post(
            &server.url("/groups/create"),
            &[
                ("csrf_token", &token),
                ("username", "old_timers"),
                ("name", "Old Timers"),
                ("summary", ""),
                ("visibility", "public"),
                ("openness", "open"),
            ],
        )
        .expect("new group");
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(browser.get(&server.url("/@old_timers")).expect("group").status, 200);
    drop(server);

    // zerda check agrees.
    let check = zerda(dir.path(), &["check"], None);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && said.contains("integrity check: ok"), "{said}");
}
