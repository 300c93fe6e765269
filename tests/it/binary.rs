//! The real binary: serve, SIGTERM, healthcheck, backup of a running server,
//! kill -9 during a burst of writes, command-line errors.

use std::time::{Duration, Instant};

use crate::common::process::{Browser, ZerdaProcess, zerda};

fn admin(dir: &std::path::Path) {
    let out = zerda(
        dir,
        &[
            "admin",
            "create-user",
            "--email",
            "root@example.org",
            "--username",
            "root",
            "--admin",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn logged_in(server: &ZerdaProcess) -> (Browser, String) {
    let mut browser = Browser::new();
    browser.log_in(&server.url(""), "root@example.org", "correct horse battery");
    let token = browser.get(&server.url("/admin")).expect("admin").csrf_token().expect("token");
    (browser, token)
}

#[test]
fn serve_logs_the_setup_link_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut server = ZerdaProcess::start(dir.path(), &[]);
    let line = server.wait_for_log("/setup/", Duration::from_secs(5));
    let url = line.split_whitespace().find(|w| w.contains("/setup/")).expect("setup url").to_string();
    assert!(url.starts_with(&server.base), "{url}");
    let mut browser = Browser::new();
    assert_eq!(browser.get(&url).expect("setup page").status, 200);
    let health = zerda(dir.path(), &["healthcheck", "--listen", &format!("127.0.0.1:{}", server.port)], None);
    assert!(health.status.success(), "{}", String::from_utf8_lossy(&health.stderr));
    let status = server.terminate(Duration::from_secs(20));
    assert!(status.success(), "exit status {status:?}; log:\n{}", server.log());
    assert!(server.log().contains("stopped"));
    let health = zerda(dir.path(), &["healthcheck", "--listen", &format!("127.0.0.1:{}", server.port)], None);
    assert!(!health.status.success());
    let stderr = String::from_utf8_lossy(&health.stderr);
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
}

#[test]
fn backup_of_a_running_server_passes_the_integrity_check() {
    let dir = tempfile::tempdir().expect("tmp");
    admin(dir.path());
    let server = ZerdaProcess::start(dir.path(), &[]);
    let (mut browser, token) = logged_in(&server);
    for n in 0..5 {
        let to = format!("before{n}@example.org");
        let r = browser
            .post(&server.url("/admin/test-mail"), &[("csrf_token", &token), ("email", &to)])
            .expect("post");
        assert_eq!(r.status, 303);
    }
    let target = dir.path().join("backup.db");
    let out = zerda(dir.path(), &["backup", "--to", target.to_str().expect("utf8")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity check ok"));
    let copy = rusqlite::Connection::open(&target).expect("open copy");
    zerda::db::integrity_check(&copy).expect("copy is sound");
    let users: i64 = copy.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).expect("users");
    assert_eq!(users, 1);
    // A second backup to the same name is refused, and the first is untouched.
    let again = zerda(dir.path(), &["backup", "--to", target.to_str().expect("utf8")], None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // Restore drill: the copy alone runs an instance with the same data.
    drop(server);
    let restored = tempfile::tempdir().expect("tmp");
    std::fs::copy(&target, restored.path().join("zerda.db")).expect("restore");
    let check = zerda(restored.path(), &["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("accounts: 1 (1 administrator(s))"));
}

#[test]
fn kill_9_during_a_burst_of_writes_loses_no_acknowledged_write_or_job() {
    let dir = tempfile::tempdir().expect("tmp");
    admin(dir.path());
    let mut server = ZerdaProcess::start(dir.path(), &[]);
    let (browser, token) = logged_in(&server);
    let cookies = browser.cookies.clone();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let url = server.url("/admin/test-mail");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (cookies, token, url, acknowledged) =
                (cookies.clone(), token.clone(), url.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                let mut b = Browser::new();
                b.cookies = cookies;
                for n in 0..1000 {
                    let to = format!("w{w}n{n}@example.org");
                    match b.post(&url, &[("csrf_token", &token), ("email", &to)]) {
                        Ok(page) if page.status == 303 => acknowledged.lock().expect("lock").push(to),
                        _ => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    // Let the burst run, then pull the plug.
    let start = Instant::now();
    while acknowledged.lock().expect("lock").len() < 40 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill9();
    for w in writers {
        let _ = w.join();
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 40, "the burst ran ({} acknowledged)", acknowledged.len());
    // Restart: every acknowledged mail must be delivered (written to the outbox).
    let server = ZerdaProcess::start(dir.path(), &[]);
    let outbox = dir.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let delivered: String = std::fs::read_dir(&outbox)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let missing: Vec<&String> =
            acknowledged.iter().filter(|to| !delivered.contains(&format!("To: {to}"))).collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} acknowledged mails never delivered, e.g. {:?}",
            missing.len(),
            missing.first()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let copy = rusqlite::Connection::open(dir.path().join("zerda.db")).expect("open");
    zerda::db::integrity_check(&copy).expect("database sound after kill -9");
    drop(server);
}

#[test]
fn command_line_errors_are_one_line_with_a_nonzero_exit() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["admin", "create-user", "--email", "bad", "--username", "root", "--password-stdin"],
            Some("long enough pw"),
            "--email",
        ),
        (
            &["admin", "create-user", "--email", "a@example.org", "--username", "Root", "--password-stdin"],
            Some("long enough pw"),
            "--username",
        ),
        (
            &["admin", "create-user", "--email", "a@example.org", "--username", "root", "--password-stdin"],
            Some("short"),
            "--password-stdin",
        ),
        (&["backup", "--to", "/nonexistent-dir/x.db"], None, "does not exist"),
        (&["admin", "test-mail", "--to", "nope"], None, "--to"),
        (&["dev", "bench-inbox", "--count", "1", "--url", "127.0.0.1:8080"], None, "--url"),
    ];
    for (args, stdin, needle) in cases {
        let out = zerda(dir.path(), args, *stdin);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: one line: {stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.flatten().filter(|e| e.file_name() == "zerda.db").count())
            .unwrap_or(0),
        1,
        "validation errors after opening the database stored nothing"
    );
    let check = zerda(dir.path(), &["check"], None);
    assert!(String::from_utf8_lossy(&check.stdout).contains("accounts: 0"));
}

#[test]
fn migrate_status_lists_migrations_and_a_newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = zerda(dir.path(), &["migrate", "--status"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("pending  0001_foundation"), "{stdout}");
    let out = zerda(dir.path(), &["migrate"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0001_foundation"));
    let out = zerda(dir.path(), &["migrate", "--status"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied  0001_foundation"));
    let conn = rusqlite::Connection::open(dir.path().join("zerda.db")).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    for args in [&["migrate"][..], &["serve", "--listen", "127.0.0.1:0"][..]] {
        let out = zerda(dir.path(), args, None);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("newer than this zerda"), "{args:?}: {stderr}");
    }
}

#[test]
fn dev_seed_fills_a_database_whose_group_pages_serve() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = zerda(dir.path(), &["dev", "seed", "--users", "30", "--events", "5", "--groups", "2"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let after = |marker: &str| {
        said.split(marker)
            .nth(1)
            .and_then(|rest| rest.split([';', '\n']).next())
            .map(str::trim)
            .map(str::to_string)
    };
    let group = after("sample group: ").expect("a sample group is named");
    let post = after("sample post: ").expect("a sample post is named");
    let server = ZerdaProcess::start(dir.path(), &[]);
    let mut browser = Browser::new();
    let page = browser.get(&server.url(&format!("/@{group}"))).expect("group page");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("News from") && page.body.contains("/events/"), "posts and events are shown");
    assert_eq!(browser.get(&server.url(&format!("/p/{post}"))).expect("post").status, 200);
    let atom = browser.get(&server.url(&format!("/@{group}/feed/atom"))).expect("atom");
    assert_eq!(atom.body.matches("<entry>").count(), 10 + 5, "ten posts and five events: {}", atom.body);
}
