//! Shared test fixtures: `TestApp` (the real app on a real SQLite file in a
//! temp dir, driven in-process), a `FixedClock`, the standard world, a
//! `FakePeer` HTTP server on loopback, and `ZerdaProcess` (the real binary).
#![allow(dead_code)]

pub mod deliveries;
pub mod peer;
pub mod process;
pub mod remote;
pub mod world;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use zerda::app::{AppState, build_app};
use zerda::config::Config;
use zerda::db::Db;
use zerda::jobs::JobContext;
use zerda::time::FixedClock;

/// 2026-11-29 12:00:00 UTC: tests start here and move the clock by hand.
pub const T0: i64 = 1_795_953_600;

pub fn test_config(dir: &std::path::Path) -> Config {
    Config { data_dir: dir.to_path_buf(), public_url: "http://zerda.test".into(), ..Config::default() }
}

pub struct TestApp<S> {
    pub service: S,
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub dir: tempfile::TempDir,
    /// Cookies of the one browser this app is talking to.
    pub cookies: BTreeMap<String, String>,
    pub peer: std::net::SocketAddr,
    pub headers: Vec<(String, String)>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    /// The body as text (invalid UTF-8 replaced); `bytes` holds it exactly.
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The first `csrf_token` value in the page.
    pub fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_string())
    }
}

/// Builds the app on a fresh migrated database in a temp dir.
pub async fn app() -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    app_with(|_| {}).await
}

pub async fn app_with(
    tweak: impl FnOnce(&mut Config),
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    tweak(&mut config);
    config.validate().expect("test config is valid");
    let db = Db::open(&config.db_path(), &config.database).expect("open db");
    db.migrate().expect("migrate");
    let clock = FixedClock::new(T0);
    let state = AppState::new(Arc::new(config), db, clock.clone()).expect("state");
    let service = test::init_service(build_app(state.clone())).await;
    TestApp {
        service,
        state,
        clock,
        dir,
        cookies: BTreeMap::new(),
        peer: "192.0.2.10:40000".parse().expect("addr"),
        headers: Vec::new(),
    }
}

/// An app that reaches FakePeers (plain http on loopback), with the
/// standard world and every actor's key made (the instance actor signs the
/// fetches, each local actor its deliveries).
/// An app that may reach FakePeers: plain http and loopback allowed, as the
/// test settings of a real instance would.
pub async fn open_app() -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    app_with(|c| {
        c.federation.allow_http = true;
        c.federation.allow_private_addresses = true;
    })
    .await
}

pub async fn federated_app() -> (
    TestApp<
        impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
    >,
    world::World,
) {
    let app = open_app().await;
    let w = world::standard(app.db(), &app.state.urls, T0);
    zerda::jobs::run_due(&app.jobs()).expect("keys");
    (app, w)
}

/// A second browser on the same server (same database, clock and limits),
/// from another client address, with its own cookies.
pub async fn app_sharing(
    state: AppState,
    clock: Arc<FixedClock>,
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let service = test::init_service(build_app(state.clone())).await;
    TestApp {
        service,
        state,
        clock,
        dir: tempfile::tempdir().expect("temp dir"),
        cookies: BTreeMap::new(),
        peer: "192.0.2.11:40000".parse().expect("addr"),
        headers: Vec::new(),
    }
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Gives `actor_id` a role in the group `group_id` (ours or remote)
    /// directly, as earlier joins, invitations or activities would have
    /// (those are proven in groups.rs and group_federation.rs); a role it
    /// already has there is replaced. Its row.
    pub fn put_member(&self, group_id: i64, actor_id: i64, role: &str) -> zerda::db::members::Member {
        let ap_id = format!("http://zerda.test/member/{}", uuid::Uuid::new_v4());
        self.put_member_as(group_id, actor_id, role, &ap_id)
    }

    /// [`Self::put_member`] with the membership's own id (a remote server's, say).
    pub fn put_member_as(
        &self,
        group_id: i64,
        actor_id: i64,
        role: &str,
        ap_id: &str,
    ) -> zerda::db::members::Member {
        use zerda::db::members::{self as db, NewMember};
        let (role, ap_id) = (role.to_string(), ap_id.to_string());
        self.db()
            .write_blocking(move |tx| {
                match db::find_between(tx, group_id, actor_id)? {
                    Some(m) => db::update_role(tx, m.id, &role, T0)?,
                    None => {
                        let uuid = uuid::Uuid::new_v4().to_string();
                        let new = NewMember {
                            uuid: &uuid,
                            ap_id: &ap_id,
                            group_id,
                            actor_id,
                            role: &role,
                            invited_by_id: None,
                        };
                        db::insert_member(tx, &new, T0)?;
                    }
                }
                db::find_between(tx, group_id, actor_id)
            })
            .expect("put member")
            .expect("the member")
    }

    /// Posts a form that makes something (as whoever is logged in), expects
    /// its 303, and gives the uuid of the newest row of `table` with the
    /// form's title.
    pub async fn post_new(&mut self, path: &str, fields: &[(&str, &str)], table: &str) -> String {
        let r = self.post(path, fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let title = fields.iter().find(|(k, _)| *k == "title").map(|(_, v)| *v).unwrap_or_default();
        self.count_text(&format!("SELECT uuid FROM {table} WHERE title = '{title}' ORDER BY id DESC LIMIT 1"))
    }

    /// Adds a resource to `group` through its form; its uuid.
    pub async fn add_resource(&mut self, group: &str, fields: &[(&str, &str)]) -> String {
        self.post_new(&format!("/@{group}/resources"), fields, "resources").await
    }

    /// Creates a todo list in `group` through its form; its uuid.
    pub async fn new_todo_list(&mut self, group: &str, title: &str) -> String {
        self.post_new(&format!("/@{group}/todos"), &[("title", title)], "todo_lists").await
    }

    /// Adds a todo to the list `list` (a uuid) through its form; its uuid.
    pub async fn new_todo(&mut self, list: &str, fields: &[(&str, &str)]) -> String {
        self.post_new(&format!("/todo-list/{list}"), fields, "todos").await
    }

    /// The uuid (our row) of what `table` holds under this ActivityPub id.
    pub fn uuid_of_ap_id(&self, table: &str, ap_id: &str) -> String {
        self.count_text(&format!("SELECT uuid FROM {table} WHERE ap_id = '{ap_id}'"))
    }

    /// The row id of one of our actors (a group, a profile), by username.
    pub fn local_actor_row(&self, username: &str) -> i64 {
        self.count(&format!(
            "SELECT id FROM actors WHERE preferred_username = '{username}' AND domain IS NULL"
        ))
    }

    /// A job context on the same database and clock, with mail written to files.
    pub fn jobs(&self) -> JobContext {
        JobContext::new(
            self.state.db.clone(),
            self.state.config.clone(),
            self.clock.clone(),
            zerda::mail::Mailer::from_config(&self.state.config).expect("mailer"),
        )
    }

    pub async fn request(&mut self, req: test::TestRequest) -> Response {
        let mut req = req.peer_addr(self.peer);
        if !self.cookies.is_empty() {
            let header = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req = req.insert_header(("cookie", header));
        }
        for (name, value) in &self.headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let response = test::call_service(&self.service, req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            if let Ok(cookie) =
                actix_web::cookie::Cookie::parse(value.to_str().unwrap_or_default().to_string())
            {
                let expired = cookie.max_age().is_some_and(|a| a.is_zero()) || cookie.value().is_empty();
                if expired {
                    self.cookies.remove(cookie.name());
                } else {
                    self.cookies.insert(cookie.name().to_string(), cookie.value().to_string());
                }
            }
        }
        let bytes = test::read_body(response).await;
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.request(test::TestRequest::get().uri(path)).await
    }

    /// Posts a form exactly as given (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("encode");
        self.request(
            test::TestRequest::post()
                .uri(path)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
    }

    /// A valid CSRF token for this browser (fetched from a page with a form).
    pub async fn csrf(&mut self) -> String {
        self.get("/terms").await.csrf_token().expect("every page has a form with a csrf token")
    }

    /// Posts a form with a valid CSRF token, as a browser would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a multipart form (with a valid CSRF token): text fields and files.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Response {
        let token = self.csrf().await;
        let boundary = "zerda-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in std::iter::once(&("csrf_token", token.as_str())).chain(fields) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.request(
            test::TestRequest::post()
                .uri(path)
                .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
                .set_payload(body),
        )
        .await
    }

    /// Runs the queued jobs and returns the mails in the outbox, oldest first,
    /// with quoted-printable soft line breaks undone so links read whole.
    pub fn deliver_mail(&self) -> Vec<String> {
        zerda::jobs::run_due(&self.jobs()).expect("run jobs");
        let mut files: Vec<_> = std::fs::read_dir(self.state.config.outbox_dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        // Files are named <time>-<job id>.eml: order by job id, as numbers.
        let job = |p: &std::path::PathBuf| -> u64 {
            let stem = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            stem.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
        };
        files.sort_by_key(job);
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read mail").replace("=\r\n", "").replace("=\n", ""))
            .collect()
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        let response = self.post("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "login as {email} failed: {}", response.body);
        response
    }

    pub fn logout_browser(&mut self) {
        self.cookies.clear();
    }

    /// Every row of every table but sessions, as text: "nothing changed" means
    /// this is equal before and after.
    pub fn fingerprint(&self) -> String {
        self.state
            .db
            .read_blocking(|conn| {
                let mut out = String::new();
                let mut tables = conn.prepare(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('sessions') AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?;
                let names: Vec<String> = tables.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                for name in names {
                    let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\" ORDER BY 1"))?;
                    let columns = stmt.column_count();
                    let rows = stmt.query_map([], |r| {
                        let mut row = Vec::new();
                        for i in 0..columns {
                            row.push(format!("{:?}", r.get_ref(i)?));
                        }
                        Ok(row.join("|"))
                    })?;
                    out.push_str(&format!("[{name}]\n"));
                    for row in rows {
                        out.push_str(&row?);
                        out.push('\n');
                    }
                }
                Ok(out)
            })
            .expect("fingerprint")
    }

    /// Empties the job queue: a fresh instance queues its own chores (the
    /// instance actor's key), which tests of the queue itself do not want.
    pub fn clear_jobs(&self) {
        self.db().write_blocking(|tx| Ok(tx.execute("DELETE FROM jobs", [])?)).expect("clear jobs");
    }

    /// A published event organised by `organizer`, created as the form would.
    pub fn event_by(&self, organizer: i64, input: zerda::domain::events::EventInput) -> String {
        world::create_event(self.db(), &self.state.urls, organizer, &input, false, T0)
    }

    /// The first column of the first row, as text.
    pub fn count_text(&self, sql: &str) -> String {
        let sql = sql.to_string();
        self.state.db.read_blocking(move |conn| Ok(conn.query_row(&sql, [], |r| r.get(0))?)).expect("query")
    }

    pub fn count(&self, sql: &str) -> i64 {
        let sql = sql.to_string();
        self.state.db.read_blocking(move |conn| Ok(conn.query_row(&sql, [], |r| r.get(0))?)).expect("count")
    }
}
