//! Two real `zerda` processes on loopback, federating with each other the way
//! two instances on the Internet would (plain http and loopback addresses
//! allowed by their test settings). A daughter on A finds her father's event
//! on B, asks to join, is approved, comments; the event changes and is then
//! deleted, and A sees each step. A comment written while B is down reaches
//! B after it restarts, even though A was killed in between. And a person on
//! B, moderator of a group on A, makes the group's event, starts a
//! discussion and adds a link from B; A's group has each of them.

#[path = "../it/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::process::{Browser, ZerdaProcess, free_port, zerda};

const PASSWORD: &str = "a long enough password";
const ENV: &[(&str, &str)] =
    &[("ZERDA_FEDERATION_ALLOW_HTTP", "true"), ("ZERDA_FEDERATION_ALLOW_PRIVATE_ADDRESSES", "true")];

/// An instance: its data directory and port stay the same across restarts.
struct Instance {
    dir: tempfile::TempDir,
    port: u16,
    process: Option<ZerdaProcess>,
}

impl Instance {
    fn new(user: &str) -> Instance {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let out = zerda_with_url(
            dir.path(),
            &base,
            &[
                "admin",
                "create-user",
                "--email",
                &format!("{user}@example.org"),
                "--username",
                user,
                "--password-stdin",
            ],
        );
        assert!(out.status.success(), "create-user: {}", String::from_utf8_lossy(&out.stderr));
        let mut instance = Instance { dir, port, process: None };
        instance.start();
        instance
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    fn start(&mut self) {
        self.process = Some(ZerdaProcess::start_at(self.dir.path(), self.port, ENV));
    }

    fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill9();
        }
    }

    /// Reads the instance's database (WAL: readers never block the server).
    fn query(&self, sql: &str) -> Option<String> {
        let conn = rusqlite::Connection::open_with_flags(
            self.dir.path().join("zerda.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open db");
        conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
        conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0)).ok().map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Real(f) => f.to_string(),
            _ => String::new(),
        })
    }

    /// Waits until `sql` returns a row whose first column is `want`.
    fn wait_for(&self, what: &str, sql: &str, want: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            let got = self.query(sql);
            if got.as_deref() == Some(want) {
                return;
            }
            if start.elapsed() > timeout {
                let log = self.process.as_ref().map(|p| p.log()).unwrap_or_default();
                panic!("{what}: waited {timeout:?} for {want:?}, got {got:?}; log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes to the instance's database while it runs (what no page does).
    fn execute(&self, sql: &str) {
        let conn = rusqlite::Connection::open(self.dir.path().join("zerda.db")).expect("open db");
        conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
        conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn mails_to(&self, address: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("outbox")) else { return Vec::new() };
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|m| m.contains(&format!("To: {address}")))
            .collect()
    }
}

fn zerda_with_url(dir: &Path, base: &str, args: &[&str]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(common::process::BIN)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("ZERDA_CONFIG")
        .env("ZERDA_PUBLIC_URL", base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zerda");
    let _ = child.stdin.take().map(|mut s| s.write_all(format!("{PASSWORD}\n").as_bytes()));
    child.wait_with_output().expect("output")
}

/// A logged-in browser on an instance.
fn log_in(instance: &Instance, user: &str) -> Browser {
    let mut browser = Browser::new();
    browser.log_in(&instance.url(""), &format!("{user}@example.org"), PASSWORD);
    browser
}

fn post(
    browser: &mut Browser,
    instance: &Instance,
    path: &str,
    fields: &[(&str, &str)],
) -> common::process::Page {
    let token = browser.get(&instance.url("/terms")).expect("page").csrf_token().expect("token");
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    browser.post(&instance.url(path), &all).expect("post")
}

const EVENT_FORM: &[(&str, &str)] = &[
    ("title", "Sunday lunch at grandma's"),
    ("description", "Bring a dessert."),
    ("begins_on", "2027-05-02T12:30"),
    ("ends_on", "2027-05-02T16:00"),
    ("timezone", "Europe/Paris"),
    ("category", "meeting"),
    ("status", "confirmed"),
    ("visibility", "public"),
    ("join_options", "restricted"),
    ("comment_moderation", "allow_all"),
    ("language", "en"),
    ("address_description", "Grandma's house"),
    ("address_locality", "Lyon"),
    ("draft", "false"),
];

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn a_daughter_on_one_instance_joins_her_fathers_event_on_another() {
    let mut a = Instance::new("daughter");
    let mut b = Instance::new("father");
    // Both instances' actors get their keys in the background: wait for them.
    a.wait_for("A's keys", "SELECT count(*) FROM actors WHERE private_key_pem IS NULL", "0", WAIT);
    b.wait_for("B's keys", "SELECT count(*) FROM actors WHERE private_key_pem IS NULL", "0", WAIT);

    // The father publishes an event that needs his approval.
    let mut father = log_in(&b, "father");
    let r = post(&mut father, &b, "/events/create", EVENT_FORM);
    assert_eq!(r.status, 303, "{}", r.body);
    let b_event_path = r.location.expect("event page");
    let b_uuid = b_event_path.trim_start_matches("/events/").to_string();
    let event_url = b.url(&b_event_path);

    // The daughter pastes its address in A's search box and looks it up.
    let mut daughter = log_in(&a, "daughter");
    let r = post(&mut daughter, &a, "/search/lookup", &[("q", &event_url)]);
    assert_eq!(r.status, 303, "lookup: {}", r.body);
    let a_event_path = r.location.expect("our copy");
    let page = daughter.get(&a.url(&a_event_path)).expect("page");
    assert!(page.body.contains("Sunday lunch at grandma"), "{}", page.body);

    // She asks to join; B holds her request, waiting for the father.
    let r = post(&mut daughter, &a, &format!("{a_event_path}/join"), &[("message", "I'll bring a tart")]);
    assert_eq!(r.status, 303);
    let daughter_id = a.url("/@daughter");
    b.wait_for(
        "the request on B",
        &format!("SELECT p.role FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.ap_id = '{daughter_id}'"),
        "not_approved",
        WAIT,
    );
    assert_eq!(
        b.query(&format!("SELECT p.message FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.ap_id = '{daughter_id}'")).as_deref(),
        Some("I'll bring a tart")
    );

    // He approves; A learns it and tells her.
    let pid = b
        .query(&format!("SELECT p.id FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.ap_id = '{daughter_id}'"))
        .expect("participant");
    let r =
        post(&mut father, &b, &format!("/events/{b_uuid}/participants/{pid}"), &[("decision", "approve")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let our_role = "SELECT p.role FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.preferred_username = 'daughter'";
    a.wait_for("the approval on A", our_role, "participant", WAIT);
    let start = Instant::now();
    while a.mails_to("daughter@example.org").is_empty() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!a.mails_to("daughter@example.org").is_empty(), "an approval mail on A");

    // She comments on A; the comment appears on B's page.
    let r = post(
        &mut daughter,
        &a,
        &format!("{a_event_path}/comments"),
        &[("text", "Can't wait!"), ("in_reply_to", "")],
    );
    assert_eq!(r.status, 303);
    b.wait_for(
        "the comment on B",
        "SELECT count(*) FROM comments WHERE local = 0 AND text LIKE '%wait!%'",
        "1",
        WAIT,
    );
    assert!(father.get(&b.url(&b_event_path)).expect("page").body.contains("Can't wait!"));

    // B goes down; she writes again; A tries, fails, and is killed too.
    b.kill();
    let r = post(
        &mut daughter,
        &a,
        &format!("{a_event_path}/comments"),
        &[("text", "Running late, sorry"), ("in_reply_to", "")],
    );
    assert_eq!(r.status, 303);
    a.wait_for(
        "a failed attempt on A",
        "SELECT count(*) FROM deliveries WHERE body LIKE '%Running late%' AND attempts >= 1 AND state = 'pending'",
        "1",
        WAIT,
    );
    a.kill();
    b.start();
    a.start();
    b.wait_for(
        "the delayed comment on B",
        "SELECT count(*) FROM comments WHERE local = 0 AND text LIKE '%Running late%'",
        "1",
        Duration::from_secs(120),
    );

    // The father moves the event; A's copy follows and she is told.
    let mails_before = a.mails_to("daughter@example.org").len();
    let mut father = log_in(&b, "father");
    let mut moved: Vec<(&str, &str)> =
        EVENT_FORM.iter().filter(|(k, _)| !k.ends_with("_on")).copied().collect();
    moved.extend([("begins_on", "2027-05-09T12:30"), ("ends_on", "2027-05-09T16:00")]);
    let r = post(&mut father, &b, &format!("/events/{b_uuid}/edit"), &moved);
    assert_eq!(r.status, 303, "{}", r.body);
    let event_ap = b.url(&b_event_path);
    // 12:30 in Paris in May (UTC+2) is 10:30 UTC.
    a.wait_for(
        "the update on A",
        &format!("SELECT begins_at FROM events WHERE ap_id = '{event_ap}'"),
        "1809858600",
        WAIT,
    );
    let start = Instant::now();
    while a.mails_to("daughter@example.org").len() <= mails_before && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(a.mails_to("daughter@example.org").len() > mails_before, "a mail about the change");

    // He deletes it; on A it is gone too.
    let r = post(&mut father, &b, &format!("/events/{b_uuid}/delete"), &[]);
    assert_eq!(r.status, 303);
    a.wait_for(
        "the deletion on A",
        &format!("SELECT deleted_at IS NOT NULL FROM events WHERE ap_id = '{event_ap}'"),
        "1",
        WAIT,
    );
    assert_eq!(daughter.get(&a.url(&a_event_path)).expect("page").status, 410);
    let _ = zerda;
}

#[test]
fn a_moderator_on_one_instance_acts_in_a_group_on_another() {
    let a = Instance::new("founder");
    let b = Instance::new("climber");
    a.wait_for("A's keys", "SELECT count(*) FROM actors WHERE private_key_pem IS NULL", "0", WAIT);
    b.wait_for("B's keys", "SELECT count(*) FROM actors WHERE private_key_pem IS NULL", "0", WAIT);

    // The founder makes a moderated group on A.
    let mut founder = log_in(&a, "founder");
    let r = post(
        &mut founder,
        &a,
        "/groups/create",
        &[
            ("username", "climbers"),
            ("name", "Riverside Climbers"),
            ("summary", "Weekly meetups."),
            ("visibility", "public"),
            ("openness", "moderated"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    a.wait_for("the group's key", "SELECT count(*) FROM actors WHERE private_key_pem IS NULL", "0", WAIT);
    let group_url = a.url("/@climbers");
    // A follower of the group on a server that is down: A's Announces queue for it.
    let dead = format!("http://127.0.0.1:{}", free_port());
    a.execute(&format!(
        "INSERT INTO actors (ap_id, kind, preferred_username, domain, inbox_url, created_at, updated_at)
         VALUES ('{dead}/users/fan', 'Person', 'fan', '{}', '{dead}/users/fan/inbox', 0, 0);
         INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
         VALUES ('6f6f6f6f-0000-4000-8000-000000000001', '{dead}/follows/1',
                 (SELECT id FROM actors WHERE ap_id = '{dead}/users/fan'),
                 (SELECT id FROM actors WHERE ap_id = '{group_url}'), 1, 0, 0);",
        dead.trim_start_matches("http://")
    ));

    // The climber on B finds the group and asks to join with its form.
    let mut climber = log_in(&b, "climber");
    let r = post(&mut climber, &b, "/search/lookup", &[("q", &group_url)]);
    assert_eq!(r.status, 303, "lookup: {}", r.body);
    let group_path = r.location.expect("B's page of the group");
    let handle = group_path.trim_start_matches("/@").to_string();
    assert!(handle.starts_with("climbers@127.0.0.1:"), "{handle}");
    let r = post(&mut climber, &b, &format!("{group_path}/join"), &[("profile", "climber")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let climber_url = b.url("/@climber");
    let member_row = format!(
        "SELECT m.id FROM members m JOIN actors a ON a.id = m.actor_id WHERE a.ap_id = '{climber_url}' AND m.role = 'not_approved'"
    );
    let start = Instant::now();
    let member_id = loop {
        if let Some(id) = a.query(&member_row) {
            break id;
        }
        assert!(start.elapsed() < WAIT, "the request on A");
        std::thread::sleep(Duration::from_millis(100));
    };

    // The founder approves and promotes through A's members page; B learns each.
    let our_role = "SELECT m.role FROM members m JOIN actors a ON a.id = m.actor_id WHERE a.preferred_username = 'climber' AND a.domain IS NULL";
    let r = post(&mut founder, &a, &format!("/@climbers/members/{member_id}/approve"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the approval on B", our_role, "member", WAIT);
    let r = post(&mut founder, &a, &format!("/@climbers/members/{member_id}/role"), &[("role", "moderator")]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the promotion on B", our_role, "moderator", WAIT);

    // From B: the group's event, first a draft, then published.
    let mut event: Vec<(&str, &str)> =
        EVENT_FORM.iter().filter(|(k, _)| !matches!(*k, "draft" | "title")).copied().collect();
    event.extend([("group", handle.as_str()), ("title", "Crag day at the river"), ("draft", "true")]);
    let r = post(&mut climber, &b, "/events/create", &event);
    assert_eq!(r.status, 303, "{}", r.body);
    let b_event_path = r.location.expect("the event");
    let event_url = b.url(&b_event_path);
    let r = post(&mut climber, &b, &format!("{b_event_path}/publish"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    a.wait_for(
        "the group's event on A",
        &format!(
            "SELECT count(*) FROM events e JOIN actors g ON g.id = e.attributed_to_id
             WHERE e.ap_id = '{event_url}' AND g.ap_id = '{group_url}' AND e.draft = 0"
        ),
        "1",
        WAIT,
    );
    a.wait_for(
        "A's group announcing it to its follower",
        &format!(
            "SELECT count(*) FROM deliveries WHERE inbox_url = '{dead}/users/fan/inbox'
             AND body LIKE '%\"Announce\"%' AND body LIKE '%{event_url}%'"
        ),
        "1",
        WAIT,
    );
    let a_uuid = a.query(&format!("SELECT uuid FROM events WHERE ap_id = '{event_url}'")).expect("uuid");
    let page = founder.get(&a.url(&format!("/events/{a_uuid}"))).expect("page");
    assert!(
        page.body.contains("Crag day at the river") && page.body.contains("Riverside Climbers"),
        "{}",
        page.body
    );

    // A discussion and a link, from B.
    let r = post(
        &mut climber,
        &b,
        &format!("/@{handle}/c/new"),
        &[("title", "Who drives on Sunday?"), ("text", "I have four seats.")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = post(
        &mut climber,
        &b,
        &format!("/@{handle}/resources"),
        &[
            ("type", "link"),
            ("title", "River topo"),
            ("resource_url", "https://topos.example/river"),
            ("parent_id", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    a.wait_for(
        "the discussion on A",
        "SELECT count(*) FROM discussions WHERE title = 'Who drives on Sunday?' AND local = 0",
        "1",
        WAIT,
    );
    a.wait_for(
        "the link on A",
        "SELECT count(*) FROM resources WHERE title = 'River topo' AND url = 'https://topos.example/river' AND local = 0",
        "1",
        WAIT,
    );
    let discussions = founder.get(&a.url("/@climbers/c")).expect("page");
    assert!(discussions.body.contains("Who drives on Sunday?"), "{}", discussions.body);
    let slug = a.query("SELECT slug FROM discussions WHERE title = 'Who drives on Sunday?'").expect("slug");
    let thread = founder.get(&a.url(&format!("/@climbers/c/{slug}"))).expect("page");
    assert!(thread.body.contains("I have four seats."), "{}", thread.body);
    let resources = founder.get(&a.url("/@climbers/resources")).expect("page");
    assert!(resources.body.contains("River topo"), "{}", resources.body);

    // The climber takes the event back: gone on A, and A's group tells its follower.
    let r = post(&mut climber, &b, &format!("{b_event_path}/delete"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    a.wait_for(
        "the deletion on A",
        &format!("SELECT deleted_at IS NOT NULL FROM events WHERE ap_id = '{event_url}'"),
        "1",
        WAIT,
    );
    a.wait_for(
        "A's group telling its follower",
        &format!(
            "SELECT count(*) FROM deliveries WHERE inbox_url = '{dead}/users/fan/inbox'
             AND body LIKE '%\"Delete\"%' AND body LIKE '%{event_url}%'"
        ),
        "1",
        WAIT,
    );
    assert_eq!(founder.get(&a.url(&format!("/events/{a_uuid}"))).expect("page").status, 410);
}
