//! Resources and todos beyond the group's pages: they never show on a public
//! surface (the leak walk, as an outsider, an invited person and a visitor),
//! and ActivityPub GETs answer signed member fetches only. The helpers here
//! set up remote members for `group_objects_federation`.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use zerda::federation::keys::KeyPair;
use zerda::federation::signatures;

use crate::common::remote::{self, Remote};
use crate::common::{self, world};
use crate::resources::{club, login_as};

pub const AP: &str = "application/activity+json";
pub const GROUP: &str = "http://zerda.test/@climbers";
pub const MEMBERS: &str = "http://zerda.test/@climbers/members";

/// Stores a remote actor document as the inbox would; its row id.
pub fn store(db: &zerda::db::Db, doc: &Value) -> i64 {
    let actor = zerda::federation::objects::remote_actor::parse_actor(doc).expect("actor");
    db.write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, common::T0))
        .expect("store")
}

/// A GET as a remote server signs it, for `actor` with `key`.
pub fn signed_get(path: &str, actor: &str, key: &KeyPair) -> TestRequest {
    let url = url::Url::parse(&format!("http://zerda.test{path}")).expect("url");
    let headers = signatures::signed_headers(
        "GET",
        &url,
        None,
        &format!("{actor}#main-key"),
        &key.private_pem,
        common::T0,
    )
    .expect("sign");
    let mut req = TestRequest::get().uri(path).insert_header(("accept", AP));
    for (name, value) in headers {
        req = req.insert_header((name, value));
    }
    req
}

pub fn uuid_of(app_db: &zerda::db::Db, sql: &str) -> String {
    let sql = sql.to_string();
    app_db.read_blocking(move |c| Ok(c.query_row(&sql, [], |r| r.get(0))?)).expect("query")
}

#[actix_web::test]
async fn resources_and_todos_never_leak() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let folder = app
        .add_resource("climbers", &[("type", "folder"), ("title", "Zanzibar folder"), ("parent_id", "")])
        .await;
    let link = app
        .add_resource(
            "climbers",
            &[
                ("type", "link"),
                ("title", "Quokka link"),
                ("resource_url", "https://wombat.example/secret"),
                ("summary", "Platypus summary"),
                ("parent_id", &folder),
            ],
        )
        .await;
    let list = app.new_todo_list("climbers", "Narwhal list").await;
    let todo = app.new_todo(&list, &[("title", "Axolotl todo"), ("due_date", "2027-05-01")]).await;
    let secrets = [
        "Zanzibar",
        "Quokka",
        "wombat.example",
        "Platypus",
        "Narwhal",
        "Axolotl",
        folder.as_str(),
        link.as_str(),
        list.as_str(),
        todo.as_str(),
    ];
    let public = [
        "/".to_string(),
        // The search page repeats the query: ask for part of each word.
        "/search?q=Zanzi".into(),
        "/search?q=Quok".into(),
        "/search?q=Narwh&past=true".into(),
        "/search?q=Axolo".into(),
        "/@climbers".into(),
        "/@climbers/feed/atom".into(),
        "/@climbers/feed/ics".into(),
        "/@bob".into(),
        "/@bob/feed/atom".into(),
        "/@bob/feed/ics".into(),
        "/events/calendar".into(),
        "/about/instance".into(),
    ];
    let activity_json = [
        "/@climbers".to_string(),
        "/@climbers/outbox".into(),
        "/@climbers/followers".into(),
        "/@climbers/resources".into(),
        "/@climbers/todos".into(),
        "/@bob".into(),
        "/@bob/outbox".into(),
        "/relay/outbox".into(),
        format!("/resource/{folder}"),
        format!("/resource/{link}"),
        format!("/todo-list/{list}"),
        format!("/todo/{todo}"),
    ];
    let members_only = [
        "/@climbers/resources".to_string(),
        "/@climbers/todos".into(),
        format!("/resource/{folder}"),
        format!("/resource/{link}"),
        format!("/todo-list/{list}"),
        format!("/todo/{todo}"),
    ];
    for who in [Some(&c.dave), Some(&c.erin), None] {
        match who {
            Some(p) => login_as(&mut app, p).await,
            None => app.logout_browser(),
        }
        let name = who.map_or("a visitor", |p| p.username.as_str());
        for path in public.iter() {
            let r = app.get(path).await;
            assert!(r.status.is_success(), "{name} {path}: {}", r.status);
            for s in secrets {
                assert!(!r.body.contains(s), "{name} {path} shows {s}");
            }
            assert!(
                !r.body.contains("/@climbers/resources") && !r.body.contains("/@climbers/todos"),
                "{name} {path}"
            );
        }
        for path in activity_json.iter() {
            let r = app.request(TestRequest::get().uri(path).insert_header(("accept", AP))).await;
            // (An error page repeats the path asked for: only the words count here.)
            for s in &secrets[..6] {
                assert!(!r.body.contains(s), "{name} AP {path} shows {s}");
            }
        }
        for path in members_only.iter() {
            let r = app.get(path).await;
            let expected = if who.is_some() { StatusCode::NOT_FOUND } else { StatusCode::SEE_OTHER };
            assert_eq!(r.status, expected, "{name} {path}");
            // Unsigned: the collections ask for a signature, as members and
            // discussions do; an object is not found, as a Member object is.
            let r = app.request(TestRequest::get().uri(path).insert_header(("accept", AP))).await;
            let collection = path.starts_with("/@");
            let expected = if collection { StatusCode::UNAUTHORIZED } else { StatusCode::NOT_FOUND };
            assert_eq!(r.status, expected, "{name} AP {path}");
        }
    }
    // No mail told anyone; nothing went to another server.
    for mail in app.deliver_mail() {
        for s in secrets {
            assert!(!mail.contains(s), "a mail shows {s}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);
}

/// climbers with a remote member (sam), a remote invited person (ivy) and a
/// remote follower (fran), each on their own server.
pub struct Federated {
    pub sam: Remote,
    pub ivy: Remote,
    pub fran: Remote,
    pub group_id: i64,
}

pub async fn federated<S, B>(
    app: &mut common::TestApp<S>,
    w: world::World,
) -> (crate::resources::Club, Federated)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let c = club(app, w).await;
    app.apply();
    let (sam, ivy, fran) = (Remote::start(&["sam"]), Remote::start(&["ivy"]), Remote::start(&["fran"]));
    let group_id = app.actor_row(GROUP);
    for (r, name, role) in
        [(&sam, "sam", Some("member")), (&ivy, "ivy", Some("invited")), (&fran, "fran", None)]
    {
        let id = store(app.db(), &r.actor_doc(&format!("/@{name}"), "Person", name));
        match role {
            Some(role) => {
                app.put_member(group_id, id, role);
            }
            None => {
                app.db()
                    .write_blocking(|tx| {
                        Ok(tx.execute(
                            "INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
                             VALUES ('f1', 'http://f.example/follow/1', ?1, ?2, 1, 0, 0)",
                            [id, group_id],
                        )?)
                    })
                    .expect("follow");
            }
        }
    }
    (c, Federated { sam, ivy, fran, group_id })
}

#[actix_web::test]
async fn activitypub_gets_answer_signed_member_fetches_only() {
    let (mut app, w) = common::federated_app().await;
    let (c, f) = federated(&mut app, w).await;
    let mallory = Remote::start(&["mallory"]);
    store(app.db(), &mallory.actor_doc("/@mallory", "Person", "mallory"));
    login_as(&mut app, &c.w.alice).await;
    let folder =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Docs"), ("parent_id", "")]).await;
    let list = app.new_todo_list("climbers", "Trip").await;
    let todo = app.new_todo(&list, &[("title", "Book")]).await;
    app.logout_browser();
    let paths = [
        (format!("/resource/{folder}"), "ResourceCollection"),
        (format!("/todo-list/{list}"), "TodoList"),
        (format!("/todo/{todo}"), "Todo"),
        ("/@climbers/resources".to_string(), "OrderedCollection"),
        ("/@climbers/todos".to_string(), "OrderedCollection"),
    ];
    let (sam, ivy, mallory_id) = (f.sam.actor("sam"), f.ivy.actor("ivy"), mallory.actor("mallory"));
    for (path, kind) in &paths {
        // A collection (its URL is in the group's document) answers as the
        // members collection does: 401 with a challenge unsigned or forged,
        // 403 to a verified stranger. An object: 404, as for no such uuid.
        let collection = path.starts_with("/@");
        let (unsigned_status, stranger_status) = if collection {
            (StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN)
        } else {
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
        };
        let unsigned = app.request(TestRequest::get().uri(path).insert_header(("accept", AP))).await;
        assert_eq!(unsigned.status, unsigned_status, "{path}");
        if collection {
            assert_eq!(unsigned.header("www-authenticate"), Some("Signature"), "{path}");
            assert!(
                !unsigned.body.contains("Docs") && !unsigned.body.contains("Trip"),
                "{path}: {}",
                unsigned.body
            );
        }
        for who in [&ivy, &mallory_id] {
            let r = app.request(signed_get(path, who, remote::key())).await;
            assert_eq!(r.status, stranger_status, "{who} {path}");
            assert!(!r.body.contains("Docs") && !r.body.contains("Trip"), "{who} {path}: {}", r.body);
        }
        // Sam's name with a key that is not his.
        let r = app.request(signed_get(path, &sam, remote::other_key())).await;
        assert_eq!(r.status, unsigned_status, "forged {path}");
        let r = app.request(signed_get(path, &sam, remote::key())).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let doc: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(doc["type"], *kind, "{path}");
    }
    let r = app.request(signed_get("/@climbers/resources", &sam, remote::key())).await;
    let doc: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(doc["first"]["orderedItems"][0]["name"], "Docs");
    // Deleted: an empty Tombstone, 410, for anyone (Mobilizon checks it before applying a Delete).
    login_as(&mut app, &c.w.alice).await;
    app.post(&format!("/resource/{folder}/delete"), &[]).await;
    app.logout_browser();
    let r = app
        .request(TestRequest::get().uri(&format!("/resource/{folder}")).insert_header(("accept", AP)))
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    let doc: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!((&doc["type"], &doc["formerType"]), (&json!("Tombstone"), &json!("ResourceCollection")));
    assert!(!r.body.contains("Docs"));
}
