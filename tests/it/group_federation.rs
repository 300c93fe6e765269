//! Groups across servers (mobilizon-features.md A7, A17, b2–b8; SECURITY.md
//! F-07 and F-14 group rows): our Group documents and collections, remote
//! groups read and refreshed, every membership activity received through the
//! signed inbox (its effect, and its refusal when the sender may not), the
//! follows of our groups, their events reaching remote followers and
//! members, and the activities our own membership changes send.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use zerda::db::groups::Group;
use zerda::db::members::Member;
use zerda::domain::groups::GroupInput;
use zerda::domain::members::{self, Role};
use zerda::federation::objects::remote_actor::parse_actor;
use zerda::federation::signatures;

use crate::common::remote::{Delivery, Remote, key, other_key, wrap};
use crate::common::{self, Response, T0, TestApp, world};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const AP: &str = "application/activity+json";

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn json_of(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// A GET asking for ActivityPub, signed by `signer` (a remote actor signing
/// with `signing_key`) or not at all.
fn ap_request(path: &str, signer: Option<(&str, &str)>, now: i64) -> TestRequest {
    let mut req = TestRequest::get().uri(path).insert_header(("accept", AP));
    if let Some((actor, pem)) = signer {
        let url = url::Url::parse(&format!("http://zerda.test{path}")).expect("url");
        let headers = signatures::signed_headers("GET", &url, None, &format!("{actor}#main-key"), pem, now)
            .expect("sign");
        for (name, value) in headers {
            req = req.insert_header((name, value));
        }
    }
    req
}

/// A remote Group document on `remote`, at `/@name`, Mobilizon's shape.
fn remote_group_doc(remote: &Remote, name: &str, openness: &str, member_count: i64) -> Value {
    let mut doc = remote.actor_doc(&format!("/@{name}"), "Group", "Hikers of the hills");
    let id = text(&doc["id"]);
    doc["members"] = json!(format!("{id}/members"));
    doc["endpoints"]["events"] = json!(format!("{id}/events"));
    doc["posts"] = json!("https://elsewhere.example/posts");
    doc["openness"] = json!(openness);
    doc["memberCount"] = json!(member_count);
    doc["discoverable"] = json!(true);
    doc["location"] = json!({ "type": "Place", "name": "Town hall",
        "address": { "type": "PostalAddress", "addressLocality": "Grenoble", "addressCountry": "France" } });
    doc
}

fn member_json(id: &str, actor: &str, group: &str, role: &str) -> Value {
    json!({ "type": "Member", "id": id, "actor": actor, "object": group, "role": role })
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// One of our groups, founded by `creator` as the group form would, with its key.
    fn our_group(&self, creator: i64, username: &str, tweak: impl FnOnce(&mut GroupInput)) -> Group {
        let mut input = GroupInput {
            username: username.into(),
            name: format!("The {username}"),
            ..GroupInput::default()
        };
        tweak(&mut input);
        let urls = self.state.urls.clone();
        let group = self
            .db()
            .write_blocking(|tx| zerda::domain::groups::create(tx, &urls, creator, &input, T0))
            .expect("create group");
        self.apply();
        group
    }

    fn group_row(&self, id: i64) -> Group {
        self.db().read_blocking(|c| zerda::db::groups::find_group(c, id)).expect("read").expect("a group")
    }

    fn member_row(&self, group: i64, actor: i64) -> Option<Member> {
        self.db().read_blocking(|c| zerda::db::members::find_between(c, group, actor)).expect("read")
    }

    fn role_in(&self, group: i64, actor: i64) -> Option<String> {
        self.member_row(group, actor).map(|m| m.role)
    }

    /// A person on `remote`, served there and stored here: (id, row).
    fn remote_person(&self, remote: &Remote, name: &str) -> (String, i64) {
        let id = remote.serve_actor_as(&format!("/@{name}"), "Person", name);
        (id, self.store_doc(&remote.actor_doc(&format!("/@{name}"), "Person", name)))
    }

    /// Stores a remote actor from its document (as a fetch would).
    fn store_doc(&self, doc: &Value) -> i64 {
        let actor = parse_actor(doc).expect("an actor");
        self.db()
            .write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, T0))
            .expect("store actor")
    }

    /// Runs a domain change with the app's configuration and URLs.
    fn change<T>(
        &self,
        f: impl FnOnce(
            &rusqlite::Transaction,
            &zerda::config::Config,
            &zerda::urls::Urls,
        ) -> zerda::error::AppResult<T>,
    ) -> T {
        let (config, urls) = (self.state.config.clone(), self.state.urls.clone());
        self.db().write_blocking(|tx| f(tx, &config, &urls)).expect("change")
    }

    /// A public event of `group` published by its member `organizer`, as
    /// the group's event form will (attributed to the group before it goes
    /// out); returns its id.
    fn publish_group_event(&self, organizer: i64, group: i64, title: &str) -> String {
        let fields = zerda::domain::events::validate(&world::event_input(title)).expect("valid event");
        self.change(|tx, _, urls| {
            let (id, uuid) = zerda::domain::events::create(tx, urls, organizer, &fields, true, T0)?;
            tx.execute(
                "UPDATE events SET attributed_to_id = ?2, draft = 0, published_at = ?3 WHERE id = ?1",
                rusqlite::params![id, group, T0],
            )?;
            zerda::federation::outbox::event_published(tx, urls, id, T0)?;
            Ok(urls.event(&uuid))
        })
    }

    async fn ap_get(&mut self, path: &str, signer: Option<(&str, &str)>) -> Response {
        let now = self.state.now();
        self.request(ap_request(path, signer, now)).await
    }
}

#[actix_web::test]
async fn our_group_is_a_mobilizon_group_actor_and_a_tombstone_once_deleted() {
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |g| {
        g.openness = "open".into();
        g.visibility = "unlisted".into();
        g.manually_approves_followers = true;
        g.address_description = "Block Hall".into();
        g.address_locality = "Lyon".into();
        g.address_country = "France".into();
    });
    let r = app.ap_get("/@climbers", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with(AP)));
    let doc = json_of(&r);
    let id = "http://zerda.test/@climbers";
    assert_eq!(doc["type"], "Group");
    assert_eq!(doc["id"], id);
    assert_eq!(doc["preferredUsername"], "climbers");
    assert_eq!(doc["inbox"], format!("{id}/inbox"));
    assert_eq!(doc["endpoints"]["sharedInbox"], "http://zerda.test/inbox");
    for name in ["members", "events", "posts", "resources", "todos", "discussions"] {
        assert_eq!(doc[name], format!("{id}/{name}"), "{name} at the top");
        assert_eq!(doc["endpoints"][name], format!("{id}/{name}"), "{name} in endpoints");
    }
    assert_eq!(doc["memberCount"], 1, "the creator");
    assert_eq!(doc["openness"], "open");
    assert_eq!(doc["discoverable"], false, "an unlisted group");
    assert_eq!(doc["manuallyApprovesFollowers"], true);
    assert_eq!(doc["location"]["type"], "Place");
    assert_eq!(doc["location"]["name"], "Block Hall");
    assert_eq!(doc["location"]["address"]["type"], "PostalAddress");
    assert_eq!(doc["location"]["address"]["addressLocality"], "Lyon");
    assert_eq!(doc["publicKey"]["owner"], id);
    assert!(text(&doc["publicKey"]["publicKeyPem"]).contains("PUBLIC KEY"));
    assert!(doc["@context"].to_string().contains("mz:memberCount"), "the terms are in our context");

    // A person stays a person: no group keys.
    let alice = json_of(&app.ap_get("/@alice", None).await);
    assert_eq!(alice["type"], "Person");
    assert!(alice.get("members").is_none() && alice.get("openness").is_none());

    // A group with no address has no location; a public one is discoverable.
    app.our_group(w.bob.actor_id, "readers", |_| {});
    let readers = json_of(&app.ap_get("/@readers", None).await);
    assert!(readers.get("location").is_none());
    assert_eq!(
        (readers["discoverable"].clone(), readers["openness"].clone()),
        (json!(true), json!("moderated"))
    );

    // Deleted: 410 with a Tombstone, as a deleted event.
    app.change(|tx, config, urls| zerda::domain::groups::delete(tx, config, urls, &group, T0 + 60));
    let r = app.ap_get("/@climbers", None).await;
    assert_eq!(r.status, StatusCode::GONE);
    let tomb = json_of(&r);
    assert_eq!(tomb["type"], "Tombstone");
    assert_eq!(tomb["id"], id);
    assert_eq!(tomb["formerType"], "Group");
}

#[actix_web::test]
async fn a_remote_group_is_read_into_its_groups_row_and_refreshed_daily_while_someone_here_cares() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "hikers", "invite_only", 12);
    remote.serve(&doc);
    let group = text(&doc["id"]);
    // The group tells us it changed: its document is fetched and stored.
    let update =
        wrap("Update", &format!("{group}/update/1"), &group, json!({ "type": "Group", "id": group }));
    app.receive_and_apply(&update).await;
    assert_eq!(app.outcome(&format!("{group}/update/1")), "applied");
    let row = app.group_row(app.actor_row(&group));
    assert_eq!(row.openness, "invite_only");
    assert_eq!(row.member_count, 12);
    assert_eq!(row.address.description, "Town hall");
    assert_eq!(row.address.locality, "Grenoble");
    assert_eq!(row.members_url.as_deref(), Some(format!("{group}/members").as_str()));
    let urls = app.count_text(&format!(
        "SELECT events_url || ' ' || coalesce(posts_url, '-') FROM groups WHERE actor_id = {}",
        row.id
    ));
    assert_eq!(urls, format!("{group}/events -"), "events from endpoints; a posts URL elsewhere is ignored");

    // Another remote group nobody here cares about.
    let lonely = remote_group_doc(&remote, "lonely", "open", 3);
    remote.serve(&lonely);
    app.store_doc(&lonely);
    // Alice follows the hikers; the group grows and opens.
    app.change(|tx, _, urls| zerda::domain::follows::follow(tx, urls, w.alice.actor_id, row.id, true, T0))
        .expect("followed");
    remote.serve(&remote_group_doc(&remote, "hikers", "open", 13));
    let fetched_before = |path: &str| remote.peer.requests().iter().filter(|r| r.path == path).count();
    let (hikers_before, lonely_before) = (fetched_before("/@hikers"), fetched_before("/@lonely"));
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::jobs::refresh_groups::schedule(tx, &config, T0, T0))
        .expect("schedule");
    app.apply();
    let row = app.group_row(row.id);
    assert_eq!((row.openness.as_str(), row.member_count), ("open", 13), "refreshed");
    assert_eq!(fetched_before("/@hikers"), hikers_before + 1);
    assert_eq!(
        fetched_before("/@lonely"),
        lonely_before,
        "a group nobody here follows or joined is left alone"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM jobs WHERE kind = 'refresh_groups' AND state = 'pending' AND run_at = {}",
            T0 + 24 * 3600
        )),
        1,
        "again tomorrow"
    );
}

#[actix_web::test]
async fn remote_people_join_our_groups_as_their_openness_says() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let open = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "open".into());
    let moderated = app.our_group(w.alice.actor_id, "readers", |g| g.openness = "moderated".into());
    let closed = app.our_group(w.alice.actor_id, "council", |g| g.openness = "invite_only".into());
    let sam = remote.serve_actor_as("/@sam", "Person", "Sam");
    let join = |n: u32, group: &Group| json!({ "type": "Join", "id": format!("{}/member/join-{n}", remote.base()), "actor": sam, "object": group.ap_id });

    // Open: a member at once, answered by the group with Mobilizon's Accept of a Member.
    let sent = app.deliveries().len();
    app.receive_and_apply(&join(1, &open)).await;
    let sam_row = app.actor_row(&sam);
    let m = app.member_row(open.id, sam_row).expect("a membership");
    assert_eq!(m.role, "member");
    assert_eq!(m.ap_id, format!("{}/member/join-1", remote.base()), "the Join's id, as Mobilizon keeps it");
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    let accept = &new[0];
    assert_eq!(accept.inbox, remote.id("/inbox"));
    assert_eq!(accept.signer_id, open.id, "signed by the group");
    assert_eq!(accept.body["type"], "Accept");
    assert_eq!(accept.body["actor"], open.ap_id);
    assert_eq!(text(&accept.body["id"]), format!("http://zerda.test/accept/member/{}", m.uuid));
    assert_eq!(accept.body["object"], member_json(&m.ap_id, &sam, &open.ap_id, "member"));
    assert_eq!(accept.body["to"], json!([sam, format!("{}/members", open.ap_id)]));
    // Asked again (another Join id): nothing changes, nothing is sent.
    app.receive_and_apply(&join(2, &open)).await;
    assert_eq!(app.member_row(open.id, sam_row).map(|m| m.ap_id), Some(m.ap_id.clone()));
    assert_eq!(app.deliveries().len(), sent + 1);
    assert!(app.outcome(&format!("{}/member/join-2", remote.base())).contains("AlreadyMember"));

    // Moderated: a request, for the moderators (mailed), nothing sent yet.
    app.deliver_mail();
    let sent = app.deliveries().len();
    app.receive_and_apply(&join(3, &moderated)).await;
    assert_eq!(app.role_in(moderated.id, sam_row).as_deref(), Some("not_approved"));
    assert_eq!(app.deliveries().len(), sent);
    let mails = app.deliver_mail();
    assert!(
        mails.iter().any(|m| m.contains("asks to join") && m.contains(&format!("To: {}", w.alice.email))),
        "the moderators are told"
    );
    app.receive_and_apply(&join(4, &moderated)).await;
    assert_eq!(
        app.role_in(moderated.id, sam_row).as_deref(),
        Some("not_approved"),
        "a repeat changes nothing"
    );

    // Invite only: refused, with a Reject of the Join, and nothing stored.
    let sent = app.deliveries().len();
    app.receive_and_apply(&join(5, &closed)).await;
    assert_eq!(app.role_in(closed.id, sam_row), None);
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].body["type"], "Reject");
    assert_eq!(new[0].body["actor"], closed.ap_id);
    assert_eq!(new[0].signer_id, closed.id);
    assert_eq!(new[0].body["object"]["type"], "Join");
    assert_eq!(new[0].body["object"]["id"], format!("{}/member/join-5", remote.base()));
    assert!(text(&new[0].body["id"]).starts_with("http://zerda.test/reject/join/"));
}

#[actix_web::test]
async fn a_remote_member_leaves_but_never_as_the_last_administrator() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "open".into());
    let sam = remote.serve_actor_as("/@sam", "Person", "Sam");
    let join = json!({ "type": "Join", "id": format!("{sam}/join/1"), "actor": sam, "object": group.ap_id });
    app.receive_and_apply(&join).await;
    let sam_row = app.actor_row(&sam);
    assert!(app.member_row(group.id, sam_row).is_some());
    // Mobilizon's group Leave has no id; it is accepted all the same.
    let bare = json!({ "type": "Leave", "actor": sam, "object": group.ap_id,
        "to": [format!("{}/members", group.ap_id)], "cc": [group.ap_id] });
    app.receive_and_apply(&bare).await;
    assert_eq!(app.member_row(group.id, sam_row).map(|m| m.role), None, "the Leave without an id counts");
    // Other activities without an id are still refused, and Sam joins again.
    let bare_join = json!({ "type": "Join", "actor": sam, "object": group.ap_id });
    assert_eq!(app.receive(&bare_join).await, StatusCode::BAD_REQUEST);
    assert!(app.member_row(group.id, sam_row).is_none());
    let join = json!({ "type": "Join", "id": format!("{sam}/join/3"), "actor": sam, "object": group.ap_id });
    app.receive_and_apply(&join).await;
    assert!(app.member_row(group.id, sam_row).is_some());
    let leave =
        json!({ "type": "Leave", "id": format!("{sam}/leave/1"), "actor": sam, "object": group.ap_id });
    app.receive_and_apply(&leave).await;
    assert_eq!(
        app.member_row(group.id, sam_row).map(|m| m.role),
        None,
        "{}",
        app.outcome(&format!("{sam}/leave/1"))
    );

    // Sam comes back as the only administrator: leaving is refused.
    app.put_member_as(group.id, sam_row, "administrator", &format!("{sam}/join/2"));
    app.db()
        .write_blocking(|tx| {
            Ok(tx.execute("UPDATE members SET role = 'member' WHERE actor_id = ?1", [w.alice.actor_id])?)
        })
        .expect("alice steps down");
    let leave =
        json!({ "type": "Leave", "id": format!("{sam}/leave/2"), "actor": sam, "object": group.ap_id });
    app.receive_and_apply(&leave).await;
    assert_eq!(app.role_in(group.id, sam_row).as_deref(), Some("administrator"));
    assert!(app.outcome(&format!("{sam}/leave/2")).starts_with("refused: LastAdministrator"));
}

#[actix_web::test]
async fn answers_to_our_requests_count_only_from_the_group_or_its_server() {
    let remote = Remote::start(&[]);
    let stranger = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "hikers", "moderated", 4);
    remote.serve(&doc);
    let group_row = app.store_doc(&doc);
    let hikers = app.group_row(group_row);
    // Alice asks to join: her Join leaves for the group's server.
    let sent = app.deliveries().len();
    let joined =
        app.change(|tx, config, urls| members::join(tx, config, urls, &hikers, w.alice.actor_id, T0));
    assert_eq!(joined, Ok(Role::NotApproved));
    let mine = app.member_row(hikers.id, w.alice.actor_id).expect("a request");
    assert_eq!(mine.ap_id, format!("http://zerda.test/member/{}", mine.uuid));
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].body["type"], "Join");
    assert_eq!(new[0].body["id"], mine.ap_id);
    assert_eq!(new[0].body["actor"], "http://zerda.test/@alice");
    assert_eq!(new[0].body["object"], hikers.ap_id);
    assert_eq!((new[0].signer_id, new[0].inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));

    // Someone on another server accepts it (F-14): nothing changes.
    let eve = stranger.serve_actor_as("/@eve", "Person", "Eve");
    let forged = wrap(
        "Accept",
        &format!("{eve}/accept/1"),
        &eve,
        member_json(&mine.ap_id, "http://zerda.test/@alice", &hikers.ap_id, "member"),
    );
    app.receive_and_apply(&forged).await;
    assert!(app.outcome(&format!("{eve}/accept/1")).starts_with("refused"));
    assert_eq!(app.role_in(hikers.id, w.alice.actor_id).as_deref(), Some("not_approved"));

    // A moderator on the group's server accepts, naming the group's own Member id.
    app.deliver_mail();
    let mo = remote.serve_actor_as("/@mo", "Person", "Mo");
    let theirs = remote.id("/member/5d1e");
    let accept = wrap(
        "Accept",
        &format!("{mo}/accept/2"),
        &mo,
        member_json(&theirs, "http://zerda.test/@alice", &hikers.ap_id, "member"),
    );
    app.receive_and_apply(&accept).await;
    let mine = app.member_row(hikers.id, w.alice.actor_id).expect("member");
    assert_eq!((mine.role.as_str(), mine.ap_id.as_str()), ("member", theirs.as_str()));
    assert!(app.deliver_mail().iter().any(|m| m.contains("Welcome to") && m.contains(&w.alice.email)));

    // Bob asks too; the group itself declines (its Reject names the Member by id).
    app.change(|tx, config, urls| members::join(tx, config, urls, &hikers, w.bob.actor_id, T0))
        .expect("asked");
    let bobs = app.member_row(hikers.id, w.bob.actor_id).expect("a request");
    let reject = wrap("Reject", &format!("{}/reject/1", hikers.ap_id), &hikers.ap_id, json!(bobs.ap_id));
    app.receive_and_apply(&reject).await;
    assert_eq!(app.role_in(hikers.id, w.bob.actor_id).as_deref(), Some("rejected"));
}

#[actix_web::test]
async fn invitations_come_only_from_the_groups_own_server_and_are_answered_in_its_shape() {
    let remote = Remote::start(&[]);
    let stranger = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "mygroup", "invite_only", 4);
    remote.serve(&doc);
    let group = text(&doc["id"]);
    // Mobilizon's own Invite, sent by an administrator on another server than
    // the group's: refused, nothing stored.
    stranger.serve_actor_as("/@admin", "Person", "Admin");
    let foreign = stranger.fixture(
        "mobilizon-invite-activity.json",
        &[
            ("http://mobilizon.test/@someuser", "http://zerda.test/@alice"),
            ("http://mobilizon.test/@mygroup", &group),
            ("http://mobilizon2.test", &stranger.base()),
        ],
    );
    app.receive_and_apply(&foreign).await;
    assert!(
        app.outcome(&text(&foreign["id"])).starts_with("refused"),
        "{}",
        app.outcome(&text(&foreign["id"]))
    );
    assert_eq!(app.count("SELECT count(*) FROM members"), 0);

    // The same from an administrator on the group's server: an invitation, mailed.
    let admin = remote.serve_actor_as("/@admin", "Person", "Admin");
    let invite = remote.fixture(
        "mobilizon-invite-activity.json",
        &[
            ("http://mobilizon.test/@someuser", "http://zerda.test/@alice"),
            ("http://mobilizon.test/@mygroup", &group),
            ("http://mobilizon2.test", &remote.base()),
        ],
    );
    app.deliver_mail();
    app.receive_and_apply(&invite).await;
    let hikers = app.group_row(app.actor_row(&group));
    let invitation = app.member_row(hikers.id, w.alice.actor_id).expect("an invitation");
    assert_eq!(invitation.role, "invited");
    assert_eq!(invitation.ap_id, text(&invite["id"]), "the Invite's id names the membership");
    assert_eq!(invitation.invited_by_id, Some(app.actor_row(&admin)));
    assert!(app.deliver_mail().iter().any(|m| m.contains("invited to join") && m.contains(&w.alice.email)));
    // Again: nothing more.
    app.receive_and_apply(&invite).await;
    assert_eq!(app.count("SELECT count(*) FROM members"), 1);

    // Alice accepts: an Accept of the Member, to the group, in Mobilizon's shape.
    let sent = app.deliveries().len();
    let answered =
        app.change(|tx, _, urls| members::answer_invitation(tx, urls, &hikers, &invitation, true, T0));
    assert_eq!(answered, Ok(()));
    assert_eq!(app.role_in(hikers.id, w.alice.actor_id).as_deref(), Some("member"));
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    let accept = &new[0];
    assert_eq!(accept.body["type"], "Accept");
    assert_eq!(
        text(&accept.body["id"]),
        format!("http://zerda.test/accept/invite/member/{}", invitation.uuid)
    );
    assert_eq!(accept.body["actor"], "http://zerda.test/@alice");
    assert_eq!(accept.body["object"]["type"], "Member");
    assert_eq!(accept.body["object"]["id"], invite["id"]);
    assert_eq!(accept.body["to"], json!([group]));
    assert_eq!((accept.signer_id, accept.inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));
}

#[actix_web::test]
async fn role_changes_and_removals_of_our_profiles_count_only_from_the_groups_server() {
    let remote = Remote::start(&[]);
    let stranger = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "hikers", "open", 4);
    remote.serve(&doc);
    let hikers = app.group_row(app.store_doc(&doc));
    let ours = remote.id("/member/alice-1");
    app.put_member_as(hikers.id, w.alice.actor_id, "member", &ours);
    let promote = |actor: &str, n: u32| {
        let mut update = wrap(
            "Update",
            &format!("{actor}/updates/{n}"),
            actor,
            member_json(&ours, "http://zerda.test/@alice", &hikers.ap_id, "moderator"),
        );
        update["attributedTo"] = json!([hikers.ap_id]);
        update
    };
    let eve = stranger.serve_actor_as("/@eve", "Person", "Eve");
    app.receive_and_apply(&promote(&eve, 1)).await;
    assert!(app.outcome(&format!("{eve}/updates/1")).starts_with("refused"));
    assert_eq!(app.role_in(hikers.id, w.alice.actor_id).as_deref(), Some("member"));
    app.receive_and_apply(&promote(&hikers.ap_id, 2)).await;
    assert_eq!(app.role_in(hikers.id, w.alice.actor_id).as_deref(), Some("moderator"));

    let remove = |actor: &str, n: u32| {
        let mut remove = wrap("Remove", &format!("{actor}/remove/{n}"), actor, json!(ours));
        remove["origin"] = json!(hikers.ap_id);
        remove
    };
    app.receive_and_apply(&remove(&eve, 1)).await;
    assert!(app.outcome(&format!("{eve}/remove/1")).starts_with("refused"));
    assert!(app.member_row(hikers.id, w.alice.actor_id).is_some());
    app.deliver_mail();
    let mo = remote.serve_actor_as("/@mo", "Person", "Mo");
    app.receive_and_apply(&remove(&mo, 2)).await;
    assert!(
        app.member_row(hikers.id, w.alice.actor_id).is_none(),
        "{}",
        app.outcome(&format!("{mo}/remove/2"))
    );
    assert!(
        app.deliver_mail().iter().any(|m| m.contains("no longer a member") && m.contains(&w.alice.email))
    );
}

#[actix_web::test]
async fn remote_members_act_on_our_groups_only_as_far_as_their_role_allows() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "moderated".into());
    let (pat, pat_row) = app.remote_person(&remote, "pat");
    let (mo, mo_row) = app.remote_person(&remote, "mo");
    let (ada, ada_row) = app.remote_person(&remote, "ada");
    let (sam, sam_row) = app.remote_person(&remote, "sam");
    app.put_member_as(group.id, pat_row, "member", &format!("{pat}/join/1"));
    app.put_member_as(group.id, mo_row, "moderator", &format!("{mo}/join/1"));
    app.put_member_as(group.id, ada_row, "administrator", &format!("{ada}/join/1"));
    let bob = app.put_member_as(group.id, w.bob.actor_id, "member", "http://zerda.test/member/bob-1");
    let admin = app.put_member_as(group.id, w.admin.actor_id, "member", "http://zerda.test/member/admin-1");
    // Sam asks to join.
    let join = json!({ "type": "Join", "id": format!("{sam}/join/1"), "actor": sam, "object": group.ap_id });
    app.receive_and_apply(&join).await;
    assert_eq!(app.role_in(group.id, sam_row).as_deref(), Some("not_approved"));
    let request = member_json(&format!("{sam}/join/1"), &sam, &group.ap_id, "not_approved");

    // A plain member approves it (F-14): refused.
    app.receive_and_apply(&wrap("Accept", &format!("{pat}/accept/1"), &pat, request.clone())).await;
    assert!(
        app.outcome(&format!("{pat}/accept/1")).starts_with("refused"),
        "{}",
        app.outcome(&format!("{pat}/accept/1"))
    );
    assert_eq!(app.role_in(group.id, sam_row).as_deref(), Some("not_approved"));
    // A moderator approves it: Sam is in, and the group tells Sam's server.
    let sent = app.deliveries().len();
    app.receive_and_apply(&wrap("Accept", &format!("{mo}/accept/1"), &mo, request)).await;
    assert_eq!(
        app.role_in(group.id, sam_row).as_deref(),
        Some("member"),
        "{}",
        app.outcome(&format!("{mo}/accept/1"))
    );
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(
        (new[0].body["type"].clone(), new[0].body["actor"].clone()),
        (json!("Accept"), json!(group.ap_id))
    );
    assert_eq!(new[0].signer_id, group.id, "a remote moderator's decision is relayed by the group");
    assert_eq!(new[0].body["object"]["actor"], sam);

    // A plain member removes Bob (F-07): refused. The moderator may.
    let remove = |actor: &str, target: &Member| {
        let mut r = wrap("Remove", &format!("{actor}/remove/{}", target.uuid), actor, json!(target.ap_id));
        r["origin"] = json!(group.ap_id);
        r
    };
    app.receive_and_apply(&remove(&pat, &bob)).await;
    assert!(app.outcome(&format!("{pat}/remove/{}", bob.uuid)).starts_with("refused"));
    assert_eq!(app.role_in(group.id, w.bob.actor_id).as_deref(), Some("member"));
    app.deliver_mail();
    app.receive_and_apply(&remove(&mo, &bob)).await;
    assert_eq!(
        app.role_in(group.id, w.bob.actor_id),
        None,
        "{}",
        app.outcome(&format!("{mo}/remove/{}", bob.uuid))
    );
    assert!(app.deliver_mail().iter().any(|m| m.contains("no longer a member") && m.contains(&w.bob.email)));

    // Roles: a moderator may not change them, an administrator may.
    let promote = |actor: &str| {
        wrap(
            "Update",
            &format!("{actor}/promote/{}", admin.uuid),
            actor,
            member_json(&admin.ap_id, "http://zerda.test/@admin", &group.ap_id, "moderator"),
        )
    };
    app.receive_and_apply(&promote(&mo)).await;
    assert!(app.outcome(&format!("{mo}/promote/{}", admin.uuid)).starts_with("refused"));
    assert_eq!(app.role_in(group.id, w.admin.actor_id).as_deref(), Some("member"));
    app.receive_and_apply(&promote(&ada)).await;
    assert_eq!(app.role_in(group.id, w.admin.actor_id).as_deref(), Some("moderator"));
    // A stranger to the group can do nothing at all.
    let (eve, _) = app.remote_person(&remote, "eve");
    app.receive_and_apply(&remove(&eve, &admin)).await;
    assert!(app.outcome(&format!("{eve}/remove/{}", admin.uuid)).starts_with("refused"));
    assert_eq!(app.role_in(group.id, w.admin.actor_id).as_deref(), Some("moderator"));
}

#[actix_web::test]
async fn a_remote_person_answers_our_invitation_for_themselves_only() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "council", |g| g.openness = "invite_only".into());
    let alice = app.member_row(group.id, w.alice.actor_id).expect("the creator");
    let sam = remote.serve_actor_as("/@sam", "Person", "Sam");
    let sam_row = app.store_doc(&remote.actor_doc("/@sam", "Person", "Sam"));
    let sent = app.deliveries().len();
    let invited =
        app.change(|tx, config, urls| members::invite(tx, config, urls, &group, &alice, sam_row, T0));
    assert_eq!(invited, Ok(()));
    let invitation = app.member_row(group.id, sam_row).expect("invited");
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    let invite = &new[0];
    assert_eq!(invite.body["type"], "Invite");
    assert_eq!(text(&invite.body["id"]), format!("http://zerda.test/member/{}", invitation.uuid));
    assert_eq!(invite.body["actor"], "http://zerda.test/@alice");
    assert_eq!(invite.body["object"], group.ap_id);
    assert_eq!(invite.body["target"], sam);
    assert_eq!((invite.signer_id, invite.inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));

    // Someone else accepts in Sam's place: refused.
    let pat = remote.serve_actor_as("/@pat", "Person", "Pat");
    let forged = wrap("Accept", &format!("{pat}/accept/1"), &pat, json!(invitation.ap_id));
    app.receive_and_apply(&forged).await;
    assert!(app.outcome(&format!("{pat}/accept/1")).starts_with("refused"));
    assert_eq!(app.role_in(group.id, sam_row).as_deref(), Some("invited"));
    // Sam accepts (Mobilizon: Accept of the Member): a member.
    let accept = wrap(
        "Accept",
        &format!("{sam}/accept/1"),
        &sam,
        member_json(&invitation.ap_id, &sam, &group.ap_id, "invited"),
    );
    app.receive_and_apply(&accept).await;
    assert_eq!(
        app.role_in(group.id, sam_row).as_deref(),
        Some("member"),
        "{}",
        app.outcome(&format!("{sam}/accept/1"))
    );
    // Pat is invited and declines (Mobilizon: Reject of the member URL): the invitation goes.
    let pat_row = app.actor_row(&pat);
    app.change(|tx, config, urls| members::invite(tx, config, urls, &group, &alice, pat_row, T0))
        .expect("invited");
    let pats = app.member_row(group.id, pat_row).expect("invited");
    app.receive_and_apply(&wrap("Reject", &format!("{pat}/reject/1"), &pat, json!(pats.ap_id))).await;
    assert_eq!(app.role_in(group.id, pat_row), None);
}

#[actix_web::test]
async fn a_mastodon_account_follows_our_group_and_receives_its_new_events_signed_by_us() {
    let remote = Remote::start(&[]);
    remote.peer.respond("/inbox", 202, "application/json", b"{}");
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |_| {});
    let tcit = remote.serve_actor_as("/users/tcit", "Person", "Thomas");
    let follow = remote.fixture(
        "mastodon-follow-activity.json",
        &[
            ("https://social.tcit.fr/users/tcit", &tcit),
            ("http://localtesting.pleroma.lol/users/lain", &group.ap_id),
        ],
    );
    let sent = app.deliveries().len();
    app.receive_and_apply(&follow).await;
    let tcit_row = app.actor_row(&tcit);
    assert_eq!(
        app.count(&format!(
            "SELECT approved FROM follows WHERE follower_id = {tcit_row} AND target_id = {}",
            group.id
        )),
        1,
        "accepted at once: {}",
        app.outcome(&text(&follow["id"]))
    );
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    let accept = &new[0];
    assert_eq!(
        (accept.body["type"].clone(), accept.body["actor"].clone()),
        (json!("Accept"), json!(group.ap_id))
    );
    assert!(text(&accept.body["id"]).starts_with("http://zerda.test/accept/follow/"));
    assert_eq!(accept.body["object"]["id"], follow["id"]);
    assert_eq!((accept.signer_id, accept.inbox.as_str()), (group.id, remote.id("/inbox").as_str()));

    // Alice publishes an event in the group: the follower gets its Create.
    let sent = app.deliveries().len();
    let event = app.publish_group_event(w.alice.actor_id, group.id, "Bouldering night");
    let create = app
        .sent_since(sent)
        .into_iter()
        .find(|d| d.body["type"] == "Create")
        .expect("a Create for the group's follower");
    assert_eq!(create.inbox, remote.id("/inbox"));
    assert_eq!(create.signer_id, w.alice.actor_id, "signed by the member who acts");
    assert_eq!(create.body["actor"], "http://zerda.test/@alice");
    assert_eq!(create.body["object"]["id"], event);
    assert_eq!(create.body["object"]["attributedTo"], group.ap_id, "the group's event");
    assert_eq!(create.body["object"]["actor"], "http://zerda.test/@alice");
    assert_eq!(create.body["to"], json!([PUBLIC]));
    assert_eq!(
        create.body["cc"],
        json!([format!("{}/followers", group.ap_id), format!("{}/members", group.ap_id)])
    );
    // Sent for real: the follower's inbox receives both, signed with our keys.
    zerda::federation::delivery::run_due(&app.jobs()).expect("deliver");
    let received = remote.peer.requests();
    let posted: Vec<_> = received.iter().filter(|r| r.method == "POST" && r.path == "/inbox").collect();
    let body_of =
        |r: &&crate::common::peer::Recorded| serde_json::from_slice::<Value>(&r.body).unwrap_or_default();
    let got_create = posted.iter().find(|r| body_of(r)["type"] == "Create").expect("the Create arrived");
    let alice_pem =
        app.count_text(&format!("SELECT public_key_pem FROM actors WHERE id = {}", w.alice.actor_id));
    let parsed = crate::common::deliveries::verify(got_create, &alice_pem, app.state.now());
    assert_eq!(parsed.key_id, "http://zerda.test/@alice#main-key");
    let got_accept = posted.iter().find(|r| body_of(r)["type"] == "Accept").expect("the Accept arrived");
    let group_pem = app.count_text(&format!("SELECT public_key_pem FROM actors WHERE id = {}", group.id));
    let parsed = crate::common::deliveries::verify(got_accept, &group_pem, app.state.now());
    assert_eq!(parsed.key_id, format!("{}#main-key", group.ap_id));

    // Mastodon's Undo ends the follow.
    let undo = remote.fixture(
        "mastodon-unfollow-activity.json",
        &[
            ("https://social.tcit.fr/users/tcit", &tcit),
            ("http://localtesting.pleroma.lol/users/lain", &group.ap_id),
        ],
    );
    app.receive_and_apply(&undo).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0, "{}", app.outcome(&text(&undo["id"])));
}

#[actix_web::test]
async fn a_group_that_approves_its_followers_waits_for_a_moderator() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "quiet", |g| g.manually_approves_followers = true);
    let tcit = remote.serve_actor_as("/users/tcit", "Person", "Thomas");
    let follow =
        json!({ "type": "Follow", "id": format!("{tcit}#follows/1"), "actor": tcit, "object": group.ap_id });
    let sent = app.deliveries().len();
    app.receive_and_apply(&follow).await;
    assert_eq!(app.count("SELECT count(*) FROM follows WHERE approved = 0"), 1);
    assert_eq!(app.deliveries().len(), sent, "no answer yet");
    let follow_id = app.count("SELECT id FROM follows");
    let pending =
        app.db().read_blocking(|c| zerda::domain::group_follows::list_pending(c, &group)).expect("list");
    assert_eq!(pending.len(), 1);
    // A plain member may not answer; a moderator (the creator) may.
    let bob = app.put_member_as(group.id, w.bob.actor_id, "member", "http://zerda.test/member/bob-1");
    use zerda::domain::group_follows::{Refusal, answer};
    let by_bob = app.change(|tx, _, urls| answer(tx, urls, &group, &bob, follow_id, true, T0));
    assert_eq!(by_bob, Err(Refusal::NotAllowed));
    assert_eq!(app.count("SELECT approved FROM follows"), 0);
    let alice = app.member_row(group.id, w.alice.actor_id).expect("creator");
    let by_alice = app.change(|tx, _, urls| answer(tx, urls, &group, &alice, follow_id, true, T0));
    assert_eq!(by_alice, Ok(()));
    assert_eq!(app.count("SELECT approved FROM follows"), 1);
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(
        (new[0].body["type"].clone(), new[0].body["actor"].clone()),
        (json!("Accept"), json!(group.ap_id))
    );
    assert_eq!(new[0].body["object"]["id"], follow["id"]);
    let again = app.change(|tx, _, urls| answer(tx, urls, &group, &alice, follow_id, false, T0));
    assert_eq!(again, Err(Refusal::NoSuchRequest), "answered already");
}

#[actix_web::test]
async fn a_remote_moderators_event_in_our_group_is_stored_and_announced_by_the_group() {
    let members_server = Remote::start(&[]);
    let followers_server = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "open".into());
    let mo = members_server.serve_actor_as("/@mo", "Person", "Mo");
    let pat = members_server.serve_actor_as("/@pat", "Person", "Pat");
    let mo_row = app.store_doc(&members_server.actor_doc("/@mo", "Person", "Mo"));
    let pat_row = app.store_doc(&members_server.actor_doc("/@pat", "Person", "Pat"));
    app.put_member_as(group.id, mo_row, "moderator", &format!("{mo}/join/1"));
    app.put_member_as(group.id, pat_row, "member", &format!("{pat}/join/1"));
    let tcit = followers_server.serve_actor_as("/users/tcit", "Person", "Thomas");
    let follow =
        json!({ "type": "Follow", "id": format!("{tcit}#follows/1"), "actor": tcit, "object": group.ap_id });
    app.receive_and_apply(&follow).await;

    let event_by = |who: &str, uuid: &str| {
        let mut event = members_server.event(who, uuid, "Crag day");
        event["attributedTo"] = json!(group.ap_id);
        event
    };
    // A plain member may not make the group's events (F-07).
    let by_pat = event_by("pat", "0b5e0b5e-0000-4000-8000-000000000001");
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{}/activity", text(&by_pat["id"])),
        &pat,
        by_pat.clone(),
    ))
    .await;
    assert!(app.outcome(&format!("{}/activity", text(&by_pat["id"]))).starts_with("refused"));
    assert_eq!(app.count(&format!("SELECT count(*) FROM events WHERE ap_id = '{}'", text(&by_pat["id"]))), 0);

    // A moderator may: stored as the group's, and announced to the group's followers and members.
    let by_mo = event_by("mo", "0b5e0b5e-0000-4000-8000-000000000002");
    let sent = app.deliveries().len();
    app.receive_and_apply(&wrap("Create", &format!("{}/activity", text(&by_mo["id"])), &mo, by_mo.clone()))
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM events WHERE ap_id = '{}' AND attributed_to_id = {} AND organizer_id = {mo_row}",
            text(&by_mo["id"]),
            group.id
        )),
        1,
        "{}",
        app.outcome(&format!("{}/activity", text(&by_mo["id"])))
    );
    let announces: Vec<Delivery> =
        app.sent_since(sent).into_iter().filter(|d| d.body["type"] == "Announce").collect();
    let inboxes: Vec<&str> = announces.iter().map(|d| d.inbox.as_str()).collect();
    assert!(inboxes.contains(&followers_server.id("/inbox").as_str()), "{inboxes:?}");
    assert!(inboxes.contains(&members_server.id("/inbox").as_str()), "{inboxes:?}");
    let announce = &announces[0];
    assert_eq!(announce.signer_id, group.id);
    assert_eq!(announce.body["actor"], group.ap_id);
    assert_eq!(announce.body["object"], by_mo["id"]);
    assert!(text(&announce.body["id"]).starts_with("http://zerda.test/announces/"));
    assert_eq!(announce.body["cc"], json!([PUBLIC]));
    // The same Create again: stored once, announced once.
    let sent = app.deliveries().len();
    let mut again = wrap("Create", &format!("{}/activity-again", text(&by_mo["id"])), &mo, by_mo.clone());
    again["id"] = json!(format!("{mo}/create/again"));
    app.receive_and_apply(&again).await;
    assert_eq!(app.deliveries().len(), sent);
    // The group's public events collection lists it.
    let page = json_of(&app.ap_get("/@climbers/events?page=1", None).await);
    assert_eq!(page["orderedItems"], json!([by_mo["id"]]));
}

#[actix_web::test]
async fn members_only_collections_are_served_to_a_members_signed_fetch_only() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |_| {});
    let mo = remote.serve_actor_as("/@mo", "Person", "Mo");
    let eve = remote.serve_actor_as("/@eve", "Person", "Eve");
    let mo_row = app.store_doc(&remote.actor_doc("/@mo", "Person", "Mo"));
    app.store_doc(&remote.actor_doc("/@eve", "Person", "Eve"));
    app.put_member_as(group.id, mo_row, "member", &format!("{mo}/join/1"));
    let alice = app.member_row(group.id, w.alice.actor_id).expect("creator");
    let event = app.publish_group_event(w.alice.actor_id, group.id, "Crag day");
    let pem = key().private_pem.clone();
    let forged = other_key().private_pem.clone();

    for name in ["members", "discussions"] {
        let path = format!("/@climbers/{name}");
        let r = app.ap_get(&path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path} unsigned");
        assert_eq!(r.header("www-authenticate"), Some("Signature"));
        let r = app.ap_get(&path, Some((&mo, &forged))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path} with a key that is not the member's");
        let r = app.ap_get(&path, Some((&eve, &pem))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} to a stranger");
        let r = app.ap_get(&path, Some((&mo, &pem))).await;
        assert_eq!(r.status, StatusCode::OK, "{path} to a member");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let doc = json_of(&r);
        assert_eq!(doc["type"], "OrderedCollection");
        assert_eq!(doc["id"], format!("http://zerda.test{path}"));
        assert_eq!(doc["attributedTo"], group.ap_id);
        assert_eq!(doc["first"], format!("http://zerda.test{path}?page=1"));
    }
    let page = json_of(&app.ap_get("/@climbers/members?page=1", Some((&mo, &pem))).await);
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["totalItems"], 2);
    let items = page["orderedItems"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        items[0],
        json!({ "type": "Member", "id": alice.ap_id, "actor": "http://zerda.test/@alice",
                                 "object": group.ap_id, "role": "creator" })
    );
    assert_eq!(items[1]["actor"], mo);
    // The shape Mobilizon serves (its own fixture): the same keys.
    let fixture = remote.fixture("mobilizon-members-collection.json", &[]);
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(keys(&items[0]), keys(&fixture["first"]["orderedItems"][0]));
    let empty = json_of(&app.ap_get("/@climbers/discussions?page=1", Some((&mo, &pem))).await);
    assert_eq!((empty["totalItems"].clone(), empty["orderedItems"].clone()), (json!(0), json!([])));

    // A Member object: the signature first, then membership (a stranger sees
    // what a missing uuid gets).
    let member_path = format!("/member/{}", alice.uuid);
    assert_eq!(app.ap_get(&member_path, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.ap_get(&member_path, Some((&eve, &pem))).await.status, StatusCode::NOT_FOUND);
    let r = app.ap_get(&member_path, Some((&mo, &pem))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json_of(&r)["id"], alice.ap_id);
    let missing = "/member/00000000-0000-4000-8000-000000000000";
    assert_eq!(app.ap_get(missing, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.ap_get(missing, Some((&mo, &pem))).await.status, StatusCode::NOT_FOUND);
    // Mo's own membership keeps the id of Mo's Join: Mo's server serves it, not us.
    let mos = app.member_row(group.id, mo_row).expect("mo");
    assert_eq!(
        app.ap_get(&format!("/member/{}", mos.uuid), Some((&mo, &pem))).await.status,
        StatusCode::NOT_FOUND
    );
    // Asked as a page, /member/… is nothing here.
    assert_eq!(app.get(&member_path).await.status, StatusCode::NOT_FOUND);

    // Events and posts are public: their public subset, to anyone.
    let events = json_of(&app.ap_get("/@climbers/events", None).await);
    assert_eq!(events["totalItems"], 1);
    let page = json_of(&app.ap_get("/@climbers/events?page=1", None).await);
    assert_eq!(page["orderedItems"][0]["id"], event);
    assert_eq!(page["orderedItems"][0]["attributedTo"], group.ap_id);
    let posts = json_of(&app.ap_get("/@climbers/posts?page=1", None).await);
    assert_eq!((posts["totalItems"].clone(), posts["orderedItems"].clone()), (json!(0), json!([])));
    // Only groups have them.
    assert_eq!(app.ap_get("/@alice/members", Some((&mo, &pem))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.ap_get("/@nobody/events", None).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn our_membership_changes_reach_the_other_server_in_mobilizons_shapes() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "moderated".into());
    let alice = app.member_row(group.id, w.alice.actor_id).expect("creator");
    let sam = remote.serve_actor_as("/@sam", "Person", "Sam");
    let pat = remote.serve_actor_as("/@pat", "Person", "Pat");
    for who in [&sam, &pat] {
        let join =
            json!({ "type": "Join", "id": format!("{who}/join/1"), "actor": who, "object": group.ap_id });
        app.receive_and_apply(&join).await;
    }
    let (sam_row, pat_row) = (app.actor_row(&sam), app.actor_row(&pat));
    let sams = app.member_row(group.id, sam_row).expect("request");
    let pats = app.member_row(group.id, pat_row).expect("request");
    let only = |app_deliveries: Vec<Delivery>| {
        assert_eq!(app_deliveries.len(), 1, "{app_deliveries:?}");
        app_deliveries.into_iter().next().expect("one")
    };

    // Alice approves Sam: Accept of the Member, by her, for the group.
    let sent = app.deliveries().len();
    let done = app.change(|tx, config, urls| {
        members::decide_request(
            tx,
            config,
            urls,
            &group,
            members::Answer { moderator: &alice, request: &sams, approve: true },
            T0,
        )
    });
    assert_eq!(done, Ok(()));
    let accept = only(app.sent_since(sent));
    assert_eq!(text(&accept.body["id"]), format!("http://zerda.test/accept/member/{}", sams.uuid));
    assert_eq!(accept.body["type"], "Accept");
    assert_eq!(accept.body["actor"], "http://zerda.test/@alice");
    assert_eq!(accept.body["attributedTo"], group.ap_id);
    assert_eq!(accept.body["object"], member_json(&sams.ap_id, &sam, &group.ap_id, "member"));
    assert_eq!(accept.body["to"], json!([sam, format!("{}/members", group.ap_id)]));
    assert_eq!((accept.signer_id, accept.inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));
    assert!(accept.body.get("@context").is_some());

    // Alice declines Pat: Reject of the Member.
    let sent = app.deliveries().len();
    app.change(|tx, config, urls| {
        members::decide_request(
            tx,
            config,
            urls,
            &group,
            members::Answer { moderator: &alice, request: &pats, approve: false },
            T0,
        )
    })
    .expect("declined");
    let reject = only(app.sent_since(sent));
    assert_eq!(text(&reject.body["id"]), format!("http://zerda.test/reject/member/{}", pats.uuid));
    assert_eq!(reject.body["type"], "Reject");
    assert_eq!(reject.body["object"]["role"], "rejected");
    assert_eq!(reject.signer_id, w.alice.actor_id);

    // Sam becomes a moderator: Update of the Member.
    let sams = app.member_row(group.id, sam_row).expect("member");
    let sent = app.deliveries().len();
    app.change(|tx, _, _| members::change_role(tx, &group, &alice, &sams, Role::Moderator, T0))
        .expect("changed");
    let update = only(app.sent_since(sent));
    assert_eq!(update.body["type"], "Update");
    let update_id = text(&update.body["id"]);
    assert!(
        update_id.starts_with(&format!("http://zerda.test/member/{}/updates/", sams.uuid)),
        "{update_id}"
    );
    assert_eq!(update.body["actor"], "http://zerda.test/@alice");
    assert_eq!(update.body["object"], member_json(&sams.ap_id, &sam, &group.ap_id, "moderator"));
    assert_eq!(update.body["attributedTo"], json!([group.ap_id]));
    assert_eq!(update.signer_id, w.alice.actor_id);

    // Sam is removed: Remove of the member URL, from the group.
    let sams = app.member_row(group.id, sam_row).expect("moderator");
    let sent = app.deliveries().len();
    app.change(|tx, config, urls| members::remove(tx, config, urls, &group, &alice, &sams, T0))
        .expect("removed");
    let remove = only(app.sent_since(sent));
    assert_eq!(remove.body["type"], "Remove");
    assert_eq!(remove.body["object"], sams.ap_id);
    assert_eq!(remove.body["origin"], group.ap_id);
    assert_eq!(text(&remove.body["id"]), format!("http://zerda.test/remove/member/{}", sams.uuid));
    assert_eq!((remove.signer_id, remove.inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));

    // Alice leaves a remote group she belongs to: Leave, to the group.
    let doc = remote_group_doc(&remote, "hikers", "open", 4);
    remote.serve(&doc);
    let hikers = app.group_row(app.store_doc(&doc));
    let hers = app.put_member_as(hikers.id, w.alice.actor_id, "member", &remote.id("/member/alice-1"));
    let sent = app.deliveries().len();
    app.change(|tx, _, urls| members::leave(tx, urls, &hikers, &hers, T0)).expect("left");
    let leave = only(app.sent_since(sent));
    assert_eq!(leave.body["type"], "Leave");
    assert_eq!(text(&leave.body["id"]), format!("http://zerda.test/leave/group/{}", hers.uuid));
    assert_eq!(leave.body["actor"], "http://zerda.test/@alice");
    assert_eq!(leave.body["object"], hikers.ap_id);
    assert_eq!(leave.body["to"], json!([hikers.ap_id]));
    assert_eq!((leave.signer_id, leave.inbox.as_str()), (w.alice.actor_id, remote.id("/inbox").as_str()));
}

#[actix_web::test]
async fn every_activitypub_only_route_reads_without_changing_anything_and_sends_the_security_headers() {
    let (mut app, w) = common::federated_app().await;
    let group = app.our_group(w.alice.actor_id, "climbers", |_| {});
    let alice = app.member_row(group.id, w.alice.actor_id).expect("creator");
    let routes: Vec<&str> =
        zerda::routes::TABLE.iter().filter(|(m, _)| *m == "AP").map(|(_, p)| *p).collect();
    assert!(routes.len() >= 4, "{routes:?}");
    for pattern in routes {
        let path = pattern.replace("{username}", "climbers").replace("{uuid}", &alice.uuid);
        let before = app.fingerprint();
        let r = app.ap_get(&path, None).await;
        assert_eq!(app.fingerprint(), before, "GET {path} changed the database");
        assert!(matches!(r.status, StatusCode::OK | StatusCode::UNAUTHORIZED), "GET {path}: {}", r.status);
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "GET {path}: {csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "GET {path}");
    }
}

#[actix_web::test]
async fn every_members_server_hears_who_belongs_and_keeps_what_the_group_says() {
    let (one, two) = (Remote::start(&[]), Remote::start(&[]));
    let (mut app, w) = common::federated_app().await;
    // Our open group: Sam (on one) is a member; Tom (on two) joins.
    let group = app.our_group(w.alice.actor_id, "climbers", |g| g.openness = "open".into());
    let alice = app.member_row(group.id, w.alice.actor_id).expect("creator");
    let (sam, sam_row) = app.remote_person(&one, "sam");
    app.put_member_as(group.id, sam_row, "member", &format!("{sam}/join/1"));
    let tom = two.serve_actor_as("/@tom", "Person", "Tom");
    let inboxes = |new: &[Delivery]| {
        let mut inboxes: Vec<String> = new.iter().map(|d| d.inbox.clone()).collect();
        inboxes.sort();
        inboxes
    };
    let both = {
        let mut b = vec![one.id("/inbox"), two.id("/inbox")];
        b.sort();
        b
    };
    let sent = app.deliveries().len();
    app.receive_and_apply(
        &json!({ "type": "Join", "id": format!("{tom}/join/1"), "actor": tom, "object": group.ap_id }),
    )
    .await;
    let new = app.sent_since(sent);
    assert_eq!(inboxes(&new), both, "Tom's Accept reaches Sam's server too: {new:?}");
    assert!(new.iter().all(|d| d.body["type"] == "Accept" && d.body["object"]["actor"] == tom));
    // A change about one of our own people reaches the remote members.
    let bob = app.put_member_as(group.id, w.bob.actor_id, "member", "http://zerda.test/member/bob-1");
    let sent = app.deliveries().len();
    app.change(|tx, _, _| members::change_role(tx, &group, &alice, &bob, Role::Moderator, T0))
        .expect("promoted");
    let new = app.sent_since(sent);
    assert_eq!(inboxes(&new), both, "{new:?}");
    assert_eq!(
        new[0].body["object"],
        member_json(&bob.ap_id, "http://zerda.test/@bob", &group.ap_id, "moderator")
    );
    assert_eq!(new[0].body["to"], json!(["http://zerda.test/@bob", format!("{}/members", group.ap_id)]));
    // Tom is removed: his server and Sam's hear it.
    let toms = app.member_row(group.id, app.actor_row(&tom)).expect("Tom is in");
    let sent = app.deliveries().len();
    app.change(|tx, config, urls| members::remove(tx, config, urls, &group, &alice, &toms, T0))
        .expect("removed");
    let new = app.sent_since(sent);
    assert_eq!(inboxes(&new), both, "{new:?}");
    assert!(new.iter().all(|d| d.body["type"] == "Remove" && d.body["object"] == toms.ap_id));
    // Pat (on two) joins; Sam leaves: the group tells Pat's server with a Remove
    // (it cannot speak for Sam), and Bob's own Leave goes there too.
    let (pat, pat_row) = app.remote_person(&two, "pat");
    app.put_member_as(group.id, pat_row, "member", &format!("{pat}/join/1"));
    let sent = app.deliveries().len();
    app.receive_and_apply(&json!({ "type": "Leave", "actor": sam, "object": group.ap_id })).await;
    assert_eq!(app.role_in(group.id, sam_row), None);
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!((new[0].inbox.as_str(), new[0].signer_id), (two.id("/inbox").as_str(), group.id));
    assert_eq!(
        (&new[0].body["type"], &new[0].body["object"]),
        (&json!("Remove"), &json!(format!("{sam}/join/1")))
    );
    let bob = app.member_row(group.id, w.bob.actor_id).expect("Bob is in");
    let sent = app.deliveries().len();
    app.change(|tx, _, urls| members::leave(tx, urls, &group, &bob, T0)).expect("left");
    let new = app.sent_since(sent);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!((new[0].inbox.as_str(), new[0].signer_id), (two.id("/inbox").as_str(), w.bob.actor_id));
    assert_eq!(
        (&new[0].body["type"], &new[0].body["actor"]),
        (&json!("Leave"), &json!("http://zerda.test/@bob"))
    );

    // A remote group Alice belongs to tells its members about Tom and Zed.
    let doc = remote_group_doc(&one, "hikers", "open", 4);
    one.serve(&doc);
    let hikers = app.group_row(app.store_doc(&doc));
    let zed = two.serve_actor_as("/@zed", "Person", "Zed");
    let toms_id = one.id("/member/tom-1");
    let update = |actor: &str, n: u32, role: &str| {
        wrap(
            "Update",
            &format!("{actor}/updates/{n}"),
            actor,
            member_json(&toms_id, &tom, &hikers.ap_id, role),
        )
    };
    // Before anyone here belongs, nothing is kept.
    app.receive_and_apply(&update(&hikers.ap_id, 1, "moderator")).await;
    assert!(app.outcome(&format!("{}/updates/1", hikers.ap_id)).contains("nobody here"));
    let tom_row = app.actor_row(&tom);
    assert_eq!(app.role_in(hikers.id, tom_row), None);
    app.put_member_as(hikers.id, w.alice.actor_id, "member", &one.id("/member/alice-1"));
    // A third party's word changes nothing.
    let (eve, _) = app.remote_person(&two, "eve");
    app.receive_and_apply(&update(&eve, 2, "moderator")).await;
    assert!(app.outcome(&format!("{eve}/updates/2")).starts_with("refused"));
    assert_eq!(app.role_in(hikers.id, tom_row), None);
    // The group's word is kept: Tom is a moderator there, Zed a member.
    app.receive_and_apply(&update(&hikers.ap_id, 3, "moderator")).await;
    assert_eq!(
        app.role_in(hikers.id, tom_row).as_deref(),
        Some("moderator"),
        "{}",
        app.outcome(&format!("{}/updates/3", hikers.ap_id))
    );
    assert_eq!(app.member_row(hikers.id, tom_row).map(|m| m.ap_id), Some(toms_id.clone()));
    let accept = wrap(
        "Accept",
        &one.id("/accept/zed"),
        &hikers.ap_id,
        member_json(&one.id("/member/zed-1"), &zed, &hikers.ap_id, "member"),
    );
    app.receive_and_apply(&accept).await;
    assert_eq!(app.role_in(hikers.id, app.actor_row(&zed)).as_deref(), Some("member"));
    // Zed says he left: anyone may say that of themselves.
    app.receive_and_apply(
        &json!({ "type": "Leave", "id": two.id("/leave/zed"), "actor": zed, "object": hikers.ap_id }),
    )
    .await;
    assert_eq!(app.role_in(hikers.id, app.actor_row(&zed)), None, "{}", app.outcome(&two.id("/leave/zed")));
    // A role we do not know is refused, and nothing is kept.
    let bad = wrap(
        "Accept",
        &one.id("/accept/bad"),
        &hikers.ap_id,
        member_json(&one.id("/member/zed-2"), &zed, &hikers.ap_id, "emperor"),
    );
    let before = app.count("SELECT count(*) FROM members");
    app.receive_and_apply(&bad).await;
    assert!(
        app.outcome(&one.id("/accept/bad")).starts_with("refused"),
        "{}",
        app.outcome(&one.id("/accept/bad"))
    );
    assert_eq!(app.count("SELECT count(*) FROM members"), before);
    assert_eq!(app.role_in(hikers.id, app.actor_row(&zed)), None, "Zed, who left, is not put back");
    // A request or an invitation of someone else is not kept.
    let ann = two.serve_actor_as("/@ann", "Person", "Ann");
    let invited = wrap(
        "Update",
        &one.id("/updates/ann"),
        &hikers.ap_id,
        member_json(&one.id("/member/ann-1"), &ann, &hikers.ap_id, "invited"),
    );
    app.receive_and_apply(&invited).await;
    assert!(app.outcome(&one.id("/updates/ann")).contains("not a member we know"));
    // Removed by the group: gone. Alice's own membership is untouched throughout.
    let mut remove = wrap("Remove", &one.id("/remove/tom"), &hikers.ap_id, json!(toms_id));
    remove["origin"] = json!(hikers.ap_id);
    app.receive_and_apply(&remove).await;
    assert_eq!(app.role_in(hikers.id, tom_row), None, "{}", app.outcome(&one.id("/remove/tom")));
    assert_eq!(app.role_in(hikers.id, w.alice.actor_id).as_deref(), Some("member"));
}

#[actix_web::test]
async fn the_daily_refresh_reads_a_remote_groups_members_signed_as_our_member() {
    let (remote, other) = (Remote::start(&[]), Remote::start(&[]));
    let (app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "demo", "open", 2);
    remote.serve(&doc);
    let demo = app.group_row(app.store_doc(&doc));
    app.put_member_as(demo.id, w.alice.actor_id, "member", &remote.id("/member/alice"));
    let admin = remote.serve_actor_as("/@tcit", "Person", "tcit");
    let member = other.serve_actor_as("/@tcit", "Person", "tcit");
    // Mobilizon's members collection, as its server serves it to a member.
    let collection = remote.fixture(
        "mobilizon-members-collection.json",
        &[("http://mobilizon.test", &remote.base()), ("http://mobilizon2.com", &other.base())],
    );
    // What is not a membership of this group with a role we know is passed over.
    let mut collection = collection;
    let stranger = other.serve_actor_as("/@odd", "Person", "odd");
    if let Some(items) = collection["first"]["orderedItems"].as_array_mut() {
        items.push(member_json(&remote.id("/member/odd-1"), &stranger, &demo.ap_id, "emperor"));
        items.push(member_json(&remote.id("/member/odd-2"), &stranger, &remote.id("/@elsewhere"), "member"));
        items.push(json!({ "type": "Member", "id": remote.id("/member/odd-3"), "object": demo.ap_id, "role": "member" }));
    }
    collection["totalItems"] = json!(5);
    remote.serve(&collection);
    // Someone we counted in, whom the group no longer lists.
    let (gone, gone_row) = app.remote_person(&other, "gone");
    app.put_member_as(demo.id, gone_row, "member", &format!("{gone}/member"));
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::jobs::refresh_groups::schedule(tx, &config, T0, T0))
        .expect("schedule");
    app.apply();
    assert_eq!(app.role_in(demo.id, app.actor_row(&admin)).as_deref(), Some("administrator"));
    assert_eq!(app.role_in(demo.id, app.actor_row(&member)).as_deref(), Some("member"));
    assert_eq!(
        app.member_row(demo.id, app.actor_row(&member)).map(|m| m.ap_id),
        Some(remote.id("/member/13b0fc1e-2ceb-401c-bef7-0eba02fb92dc")),
        "the group's id for the membership"
    );
    assert_eq!(app.role_in(demo.id, gone_row), None, "no longer listed: taken out");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM members m JOIN actors a ON a.id = m.actor_id WHERE a.ap_id = '{stranger}'"
        )),
        0,
        "an unknown role, another group's membership or one without a person is passed over"
    );
    assert_eq!(app.role_in(demo.id, w.alice.actor_id).as_deref(), Some("member"), "ours untouched");
    let fetch = remote.peer.requests().into_iter().find(|r| r.path == "/@demo/members").expect("read");
    assert!(
        fetch.header("signature").unwrap_or_default().contains("keyId=\"http://zerda.test/@alice#main-key\""),
        "signed as Alice, a member"
    );
}

#[actix_web::test]
async fn a_members_collection_longer_than_one_refresh_reads_takes_nobody_out() {
    use zerda::jobs::refresh_groups::MEMBERS_READ_MAX;
    let remote = Remote::start(&[]);
    let (app, w) = common::federated_app().await;
    let doc = remote_group_doc(&remote, "demo", "open", 2);
    remote.serve(&doc);
    let demo = app.group_row(app.store_doc(&doc));
    app.put_member_as(demo.id, w.alice.actor_id, "member", &remote.id("/member/alice"));
    // A member we know, listed only after as many items as one refresh reads.
    let (late, late_row) = app.remote_person(&remote, "late");
    app.put_member_as(demo.id, late_row, "member", &format!("{late}/member"));
    let mut items: Vec<Value> = (0..MEMBERS_READ_MAX)
        .map(|n| json!({ "type": "Member", "id": remote.id(&format!("/member/x{n}")), "object": demo.ap_id, "role": "member" }))
        .collect();
    items.push(member_json(&format!("{late}/member"), &late, &demo.ap_id, "member"));
    remote.serve(&json!({
        "type": "OrderedCollection",
        "id": remote.id("/@demo/members"),
        "totalItems": items.len(),
        "first": { "type": "OrderedCollectionPage", "orderedItems": items },
    }));
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::jobs::refresh_groups::schedule(tx, &config, T0, T0))
        .expect("schedule");
    app.apply();
    assert!(remote.peer.requests().iter().any(|r| r.path == "/@demo/members"), "the collection was read");
    assert_eq!(app.role_in(demo.id, late_row).as_deref(), Some("member"), "not read, so not taken out");
}
