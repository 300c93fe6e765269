//! The permission matrix through the pages, cell by cell: a person holding
//! each role (and an outsider) tries each action of a group; what happens
//! must be exactly what Mobilizon's matrix says (and what
//! `domain::members::allows` answers), and a refusal changes nothing. (The matrix itself is unit-tested in `domain::members`;
//! remote members' rights are tested in `group_federation.rs`.)

use actix_web::http::StatusCode;
use zerda::domain::members::{Action, Role, allows};

use crate::common::{self, world};
use crate::groups::group_form;

/// One action as a page or form, the weakest role Mobilizon allows it to
/// (written out here, not read from the code under test), and its name.
pub struct Case {
    pub action: Action,
    pub weakest: Role,
    pub name: &'static str,
}

const CASES: &[Case] = &[
    Case {
        action: Action::SeeMembersOnly,
        weakest: Role::Member,
        name: "see the members page and the timeline",
    },
    Case { action: Action::SeeDrafts, weakest: Role::Moderator, name: "see a draft event of the group" },
    Case { action: Action::ManageEvents, weakest: Role::Moderator, name: "create an event for the group" },
    Case { action: Action::Invite, weakest: Role::Moderator, name: "invite someone" },
    Case { action: Action::DecideRequests, weakest: Role::Moderator, name: "approve a request" },
    Case { action: Action::ChangeRoles, weakest: Role::Administrator, name: "promote a member" },
    Case { action: Action::RemoveMembers, weakest: Role::Moderator, name: "remove a member" },
    Case { action: Action::UpdateGroup, weakest: Role::Administrator, name: "change the settings" },
    Case { action: Action::DeleteGroup, weakest: Role::Administrator, name: "delete the group" },
];

/// Every role a person may hold in a group, and none (an outsider).
pub const ROLES: [Option<Role>; 8] = [
    None,
    Some(Role::Rejected),
    Some(Role::Invited),
    Some(Role::NotApproved),
    Some(Role::Member),
    Some(Role::Moderator),
    Some(Role::Administrator),
    Some(Role::Creator),
];

fn event_form<'a>(title: &'a str, draft: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("group", "climbers"),
        ("title", title),
        ("begins_on", "2027-03-06T19:00"),
        ("timezone", "Europe/Paris"),
        ("category", "sports"),
        ("status", "confirmed"),
        ("visibility", "public"),
        ("join_options", "free"),
        ("comment_moderation", "allow_all"),
        ("language", "auto"),
        ("draft", draft),
    ]
}

#[actix_web::test]
async fn every_role_may_do_exactly_what_the_matrix_says() {
    for role in ROLES {
        for case in CASES {
            let mut app = common::app().await;
            let w = world::standard(app.db(), &app.state.urls, common::T0);
            let urls = app.state.urls.clone();
            let make = |name: &str| {
                world::create_account(app.db(), &urls, name, zerda::db::users::Role::User, common::T0)
            };
            let (sam, pending, plain, other) = (make("sam"), make("pending"), make("plain"), make("other"));
            // Alice founds the group and drafts an event; the others get their rows.
            app.login(&w.alice.email, world::PASSWORD).await;
            app.post("/groups/create", &group_form(&[])).await;
            let draft = app.post("/events/create", &event_form("Secret plan", "true")).await;
            let draft = draft.location().expect("draft").to_string();
            let group = app.count("SELECT id FROM actors WHERE preferred_username = 'climbers'");
            let put = |actor: i64, role: &str| {
                app.db()
                    .write_blocking(|tx| {
                        Ok(tx.execute(
                            "INSERT INTO members (uuid, ap_id, group_id, actor_id, role, created_at, updated_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
                            rusqlite::params![
                                format!("u{actor}"),
                                format!("http://zerda.test/member/u{actor}"),
                                group,
                                actor,
                                role
                            ],
                        )?)
                    })
                    .expect("member row")
            };
            put(pending.actor_id, "not_approved");
            put(plain.actor_id, "member");
            if let Some(r) = role {
                put(sam.actor_id, r.as_str());
            }
            let row = |actor: i64| app.count(&format!("SELECT id FROM members WHERE actor_id = {actor}"));
            let (pending_row, plain_row) = (row(pending.actor_id), row(plain.actor_id));
            app.logout_browser();
            app.login(&sam.email, world::PASSWORD).await;
            let expected = role.is_some_and(|r| r >= case.weakest);
            assert_eq!(allows(role, case.action), expected, "the matrix agrees for {role:?}: {}", case.name);
            let before = app.fingerprint();
            let happened = match case.action {
                Action::SeeMembersOnly => {
                    let members = app.get("/@climbers/members").await.status == StatusCode::OK;
                    let timeline = app.get("/@climbers/timeline").await.status == StatusCode::OK;
                    assert_eq!(members, timeline, "{role:?}: members page and timeline agree");
                    members
                }
                Action::SeeDrafts => app.get(&draft).await.status == StatusCode::OK,
                Action::ManageEvents => {
                    app.post("/events/create", &event_form("Sam's event", "false")).await;
                    app.count("SELECT count(*) FROM events WHERE title = 'Sam''s event'") == 1
                }
                Action::Invite => {
                    app.post("/@climbers/members/invite", &[("handle", "other")]).await;
                    app.count(&format!("SELECT count(*) FROM members WHERE actor_id = {}", other.actor_id))
                        == 1
                }
                Action::DecideRequests => {
                    app.post(&format!("/@climbers/members/{pending_row}/approve"), &[]).await;
                    app.count_text(&format!("SELECT role FROM members WHERE id = {pending_row}")) == "member"
                }
                Action::ChangeRoles => {
                    app.post(&format!("/@climbers/members/{plain_row}/role"), &[("role", "moderator")]).await;
                    app.count_text(&format!("SELECT role FROM members WHERE id = {plain_row}")) == "moderator"
                }
                Action::RemoveMembers => {
                    app.post(&format!("/@climbers/members/{plain_row}/remove"), &[]).await;
                    app.count(&format!("SELECT count(*) FROM members WHERE id = {plain_row}")) == 0
                }
                Action::UpdateGroup => {
                    let form = app.get("/@climbers/settings").await.status == StatusCode::OK;
                    app.post("/@climbers/settings", &group_form(&[("name", "Renamed")])).await;
                    let saved = app.count_text("SELECT name FROM actors WHERE id = (SELECT id FROM actors WHERE preferred_username = 'climbers')") == "Renamed";
                    assert_eq!(form, saved, "{role:?}: the settings form and its saving agree");
                    saved
                }
                Action::DeleteGroup => {
                    app.post("/@climbers/delete", &[]).await;
                    app.get("/@climbers").await.status == StatusCode::GONE
                }
                _ => unreachable!("not a case here"),
            };
            assert_eq!(happened, expected, "{role:?} tried to {}", case.name);
            if !expected {
                assert_eq!(
                    app.fingerprint(),
                    before,
                    "{role:?} was refused to {} and nothing changed",
                    case.name
                );
            }
        }
    }
}
