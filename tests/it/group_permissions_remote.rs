//! The permission matrix through federation, cell by cell: a REMOTE person
//! holding each role in one of our groups (and an outsider) sends each
//! activity the federation carries to our inbox, signed; what happens must
//! be exactly what Mobilizon's matrix says (and what
//! `domain::members::allows` answers), and a refusal changes nothing but
//! the inbox's bookkeeping. (The local half is `group_permissions.rs`; the
//! payloads are those `group_federation.rs`, `remote_group_actions.rs`,
//! `discussions_federation.rs` and `group_objects_federation.rs` show
//! accepted.)

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use zerda::domain::members::{Action, Role, allows};

use crate::common::remote::{Remote, key, wrap};
use crate::common::{self, world};
use crate::group_objects::{GROUP, MEMBERS, signed_get, store};
use crate::group_permissions::{Case, ROLES};
use crate::groups::group_form;

/// Each action as the federation carries it, with the weakest role
/// Mobilizon allows it to (written out here, not read from the code under test).
const CASES: &[Case] = &[
    Case {
        action: Action::SeeMembersOnly,
        weakest: Role::Member,
        name: "fetch the members-only collections",
    },
    Case { action: Action::ManageEvents, weakest: Role::Moderator, name: "Create an Event of the group" },
    Case { action: Action::StartDiscussion, weakest: Role::Member, name: "Create a discussion's first Note" },
    Case {
        action: Action::ReplyInDiscussion,
        weakest: Role::Member,
        name: "Create a Note in our discussion",
    },
    Case { action: Action::WriteResources, weakest: Role::Member, name: "Create a Document" },
    Case { action: Action::WriteTodos, weakest: Role::Member, name: "Create a Todo and a TodoList" },
    Case { action: Action::DecideRequests, weakest: Role::Moderator, name: "Accept a join request" },
    Case { action: Action::ChangeRoles, weakest: Role::Administrator, name: "Update a Member's role" },
    Case { action: Action::RemoveMembers, weakest: Role::Moderator, name: "Remove a member" },
];

/// The tables an action of a group's member could change (every row of
/// each); the inbox's own bookkeeping (`inbox_activities`, `jobs`) is left out.
const TABLES: [&str; 12] = [
    "actors",
    "groups",
    "members",
    "events",
    "discussions",
    "discussion_comments",
    "resources",
    "todo_lists",
    "todos",
    "group_activities",
    "follows",
    "deliveries",
];

fn snapshot(db: &zerda::db::Db) -> String {
    db.read_blocking(|conn| {
        let mut out = String::new();
        for table in TABLES {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))?;
            let columns = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                (0..columns).map(|i| Ok(format!("{:?}", r.get_ref(i)?))).collect::<Result<Vec<_>, _>>()
            })?;
            out.push_str(&format!("[{table}]\n"));
            for row in rows {
                out.push_str(&row?.join("|"));
                out.push('\n');
            }
        }
        Ok(out)
    })
    .expect("snapshot")
}

/// A Create of a group object by `actor`, to the group's members.
fn create(id: &str, actor: &str, object: Value) -> Value {
    json!({"type": "Create", "id": format!("{id}/activity"), "actor": actor, "attributedTo": GROUP,
        "to": [MEMBERS], "cc": [], "object": object})
}

#[actix_web::test]
async fn a_remote_person_may_do_exactly_what_the_matrix_says_in_our_group() {
    let remote = Remote::start(&["sam", "nora"]);
    let (sam, nora) = (remote.actor("sam"), remote.actor("nora"));
    for (n, role) in ROLES.into_iter().enumerate() {
        let (mut app, w) = common::federated_app().await;
        // Alice founds the group (moderated), starts a discussion and a todo list.
        app.login(&w.alice.email, world::PASSWORD).await;
        app.post("/groups/create", &group_form(&[])).await;
        let group_id = app.actor_row(GROUP);
        let r = app.post("/@climbers/c/new", &[("title", "Ours"), ("text", "Local first message.")]).await;
        let discussion = format!("http://zerda.test{}", r.location().expect("discussion started"));
        let list = format!("http://zerda.test/todo-list/{}", app.new_todo_list("climbers", "Jobs").await);
        app.logout_browser();
        // Sam (remote) holds the role; Nora (remote) asks to join; Bob and the admin are members.
        let sam_row = store(app.db(), &remote.actor_doc("/@sam", "Person", "sam"));
        let nora_row = store(app.db(), &remote.actor_doc("/@nora", "Person", "nora"));
        if let Some(role) = role {
            app.put_member(group_id, sam_row, role.as_str());
        }
        app.put_member(group_id, nora_row, "not_approved");
        app.put_member(group_id, w.bob.actor_id, "member");
        app.put_member(group_id, w.admin.actor_id, "member");
        let member_ap_id = |actor: i64| {
            app.count_text(&format!(
                "SELECT ap_id FROM members WHERE group_id = {group_id} AND actor_id = {actor}"
            ))
        };
        let (request, bobs, admins) =
            (member_ap_id(nora_row), member_ap_id(w.bob.actor_id), member_ap_id(w.admin.actor_id));
        app.apply();

        for case in CASES {
            let expected = role.is_some_and(|r| r >= case.weakest);
            assert_eq!(allows(role, case.action), expected, "the matrix agrees for {role:?}: {}", case.name);
            let before = snapshot(app.db());
            // The activities sam sends (none for a fetch), and the queries
            // that answer 1 once their effect shows (all alike, or it is a bug).
            let (activities, effects): (Vec<Value>, Vec<String>) = match case.action {
                Action::SeeMembersOnly => (Vec::new(), Vec::new()),
                Action::ManageEvents => {
                    let uuid = format!("0b5e0b5e-0000-4000-8000-00000000000{n}");
                    let mut event = remote.event("sam", &uuid, "Crag day");
                    event["attributedTo"] = json!(GROUP);
                    event["cc"] = json!([format!("{GROUP}/followers"), MEMBERS]);
                    let id = event["id"].as_str().expect("id").to_string();
                    let mut a = wrap("Create", &format!("{id}/activity"), &sam, event);
                    a["attributedTo"] = json!(GROUP);
                    let sql = format!(
                        "SELECT count(*) FROM events WHERE ap_id = '{id}' AND attributed_to_id = {group_id} AND organizer_id = {sam_row}"
                    );
                    (vec![a], vec![sql])
                }
                Action::StartDiscussion => {
                    let id = remote.id("/@climbers@zerda.test/c/who-drives-1");
                    let note = json!({"type": "Note", "id": id, "name": "Who drives?", "context": id,
                        "actor": sam, "attributedTo": GROUP, "content": "<p>Four seats.</p>",
                        "mediaType": "text/html", "to": [MEMBERS], "cc": []});
                    let sql = format!("SELECT count(*) FROM discussions WHERE ap_id = '{id}'");
                    (vec![create(&id, &sam, note)], vec![sql])
                }
                Action::ReplyInDiscussion => {
                    let id = remote.id("/comments/sam-1");
                    let note = json!({"type": "Note", "id": id, "actor": sam, "attributedTo": GROUP,
                        "context": discussion, "inReplyTo": discussion, "content": "<p>Sam was here.</p>",
                        "mediaType": "text/html", "published": "2026-11-29T11:00:00Z", "to": [MEMBERS], "cc": []});
                    let sql = format!("SELECT count(*) FROM discussion_comments WHERE ap_id = '{id}'");
                    (vec![create(&id, &sam, note)], vec![sql])
                }
                Action::WriteResources => {
                    let id = remote.id("/resource/r1");
                    let doc = json!({"type": "Document", "id": id, "name": "Topo", "url": "https://topos.example/river",
                        "summary": "", "context": format!("{GROUP}/resources"), "actor": sam, "attributedTo": GROUP});
                    let sql = format!("SELECT count(*) FROM resources WHERE ap_id = '{id}'");
                    (vec![create(&id, &sam, doc)], vec![sql])
                }
                Action::WriteTodos => {
                    let todo = remote.id("/todo/t1");
                    let new_list = remote.id("/todo-list/l1");
                    let activities = vec![
                        create(
                            &todo,
                            &sam,
                            json!({"type": "Todo", "id": todo, "name": "Bring the stove", "status": false,
                                "todoList": list, "actor": sam, "attributedTo": GROUP}),
                        ),
                        create(
                            &new_list,
                            &sam,
                            json!({"type": "TodoList", "id": new_list, "name": "Sam's chores", "attributedTo": GROUP}),
                        ),
                    ];
                    let (todo_sql, list_sql) = (
                        format!("SELECT count(*) FROM todos WHERE ap_id = '{todo}'"),
                        format!("SELECT count(*) FROM todo_lists WHERE ap_id = '{new_list}'"),
                    );
                    (activities, vec![todo_sql, list_sql])
                }
                Action::DecideRequests => {
                    let object = json!({"type": "Member", "id": request, "actor": nora, "object": GROUP,
                        "role": "not_approved"});
                    let sql = format!(
                        "SELECT count(*) FROM members WHERE group_id = {group_id} AND actor_id = {nora_row} AND role = 'member'"
                    );
                    (vec![wrap("Accept", &format!("{sam}/accept/1"), &sam, object)], vec![sql])
                }
                Action::ChangeRoles => {
                    let object = json!({"type": "Member", "id": bobs, "actor": "http://zerda.test/@bob",
                        "object": GROUP, "role": "moderator"});
                    let sql = format!(
                        "SELECT count(*) FROM members WHERE group_id = {group_id} AND actor_id = {} AND role = 'moderator'",
                        w.bob.actor_id
                    );
                    (vec![wrap("Update", &format!("{sam}/promote/1"), &sam, object)], vec![sql])
                }
                Action::RemoveMembers => {
                    let mut remove = wrap("Remove", &format!("{sam}/remove/1"), &sam, json!(admins));
                    remove["origin"] = json!(GROUP);
                    let sql = format!(
                        "SELECT count(*) = 0 FROM members WHERE group_id = {group_id} AND actor_id = {}",
                        w.admin.actor_id
                    );
                    (vec![remove], vec![sql])
                }
                _ => unreachable!("not a case here"),
            };
            let happened = if case.action == Action::SeeMembersOnly {
                let mut seen = Vec::new();
                for path in ["/@climbers/members", "/@climbers/discussions"] {
                    let status = app.request(signed_get(path, &sam, key())).await.status;
                    assert!(
                        status == StatusCode::OK || status == StatusCode::FORBIDDEN,
                        "{role:?}: {path} answered {status}"
                    );
                    seen.push(status == StatusCode::OK);
                }
                assert_eq!(seen[0], seen[1], "{role:?}: the members and discussions collections agree");
                seen[0]
            } else {
                let mut outcomes = Vec::new();
                for activity in &activities {
                    app.receive_and_apply(activity).await;
                    outcomes.push(app.outcome(activity["id"].as_str().expect("id")));
                }
                let applied = outcomes.iter().all(|o| o == "applied");
                let turned_down =
                    outcomes.iter().all(|o| o.starts_with("refused") || o.starts_with("ignored"));
                assert!(applied || turned_down, "{role:?} tried to {}: {outcomes:?}", case.name);
                let shown: Vec<bool> = effects.iter().map(|sql| app.count(sql) == 1).collect();
                assert!(shown.iter().all(|s| *s == shown[0]), "{role:?} tried to {}: {shown:?}", case.name);
                let happened = shown[0];
                assert_eq!(happened, applied, "{role:?} tried to {}: {outcomes:?}", case.name);
                happened
            };
            assert_eq!(happened, expected, "{role:?} tried to {}", case.name);
            if !expected {
                assert_eq!(
                    snapshot(app.db()),
                    before,
                    "{role:?} was refused to {} and nothing changed",
                    case.name
                );
            }
        }
    }
}
