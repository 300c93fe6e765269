//! Changes to a group's resources and todos from other servers (Mobilizon
//! b3, b4): Create, Update, Add, Move and Delete of `Document`,
//! `ResourceCollection`, `TodoList` and `Todo`, sent directly or announced
//! by their group.
//!
//! Who may say what (SECURITY.md rule 4: group roles authorise group objects):
//! - about one of OUR groups: only a remote member whose role allows it
//!   (`allows(role, WriteResources / WriteTodos)`). What they send is their
//!   request, applied through the same domain functions as our forms, then
//!   announced by the group to its other remote members. This is the one
//!   place where remote input changes objects with our ids (rule 3 yields to
//!   the group's permission matrix, as in Mobilizon).
//! - about a REMOTE group: the group itself, an actor on the group's server,
//!   or a member we know holds a role that allows it; and only if one of our
//!   profiles belongs to the group (there is nobody here to show it to
//!   otherwise). Documents are taken as the group's word only from its
//!   origin or the sender's; others are fetched from their own (R3). The
//!   exception is what our members made there: the group's side may change
//!   or delete it like any of its objects, and its new state is the copy
//!   that side sent (we cannot fetch our own ids).

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::domain::members::{Action, allows, role_of};
use crate::federation::parse;

/// The object types handled here.
pub const TYPES: [&str; 4] = ["Document", "ResourceCollection", "TodoList", "Todo"];

/// Whose group an incoming change is about, and who may make it.
pub enum Scope {
    /// One of our groups, and the sender's membership.
    Ours { group: Group, member: Box<Member> },
    /// A remote group (its server, or a member, speaks for it).
    Theirs { group: Group },
}

/// Who the sender is for `group` and whether they may `action` there; the
/// final result to return when they may not (or when it concerns nobody here).
pub fn scope(env: &Env, group: Option<Group>, action: Action) -> Result<Scope, ApplyResult> {
    let Some(group) = group else { return Err(ignored("a group we do not know")) };
    if group.deleted {
        return Err(ignored("the group is deleted"));
    }
    let (group_id, actor_id) = (group.id, env.actor_id);
    let found = env.ctx.db.read_blocking(move |conn| {
        Ok((
            crate::db::members::find_between(conn, group_id, actor_id)?,
            crate::db::members::has_local_member(conn, group_id)?,
        ))
    });
    let (member, ours_inside) = match found {
        Ok(found) => found,
        Err(e) => return Err(Err(e.into())),
    };
    let allowed = member.as_ref().is_some_and(|m| allows(role_of(m), action));
    if group.is_local() {
        return match member {
            Some(member) if allowed => Ok(Scope::Ours { group, member: Box::new(member) }),
            _ => Err(refused("only a member of the group whose role allows it may change this")),
        };
    }
    if !ours_inside {
        return Err(ignored("nobody here belongs to this group"));
    }
    if env.actor_ap_id == group.ap_id || parse::same_origin(&env.actor_ap_id, &group.ap_id) || allowed {
        Ok(Scope::Theirs { group })
    } else {
        Err(refused("only the group, its server or an allowed member may change the group's objects"))
    }
}

/// The group a `groups` row id or an actor id names.
/// What a domain change of a resource or todo came to: done, or its
/// refusal (the domain's reason, by name).
pub fn said<T, R: std::fmt::Debug>(outcome: Result<T, R>) -> Applied {
    match outcome {
        Ok(_) => Applied::Done,
        Err(refusal) => Applied::Refused(format!("{refusal:?}")),
    }
}

pub fn group_by_id(env: &Env, id: i64) -> Result<Option<Group>, ApplyError> {
    Ok(env.ctx.db.read_blocking(move |conn| crate::db::groups::find_group(conn, id))?)
}

pub fn group_by_ap_id(env: &Env, ap_id: Option<&str>) -> Result<Option<Group>, ApplyError> {
    let Some(ap_id) = ap_id.map(str::to_string) else { return Ok(None) };
    Ok(env.ctx.db.read_blocking(move |conn| crate::db::groups::find_by_ap_id(conn, &ap_id))?)
}

/// The embedded object of `activity` (Update, Move and Delete name what they
/// change; an object given by id only is fetched from its origin).
pub fn object_of(env: &Env, activity: &Value) -> Result<Value, ApplyError> {
    match activity.get("object") {
        Some(o @ Value::Object(_)) => Ok(o.clone()),
        Some(o) => env.trusted_object(o),
        None => refused("an activity without an object"),
    }
}

/// A remote group's copy of an object it changes, for `Scope::Theirs`: taken
/// from its origin (R3). One of ours (our member made it there) cannot be
/// fetched from ourselves: its new state is the embedded copy, the word of
/// whom `scope` accepted (the group, its server, or a member whose role
/// allows the change), as the group's server would have applied it.
pub fn theirs_doc(env: &Env, object: &Value, ours_there: bool) -> Result<Value, ApplyError> {
    match parse::id_of(object) {
        Some(id) if ours_there && env.is_local(id) && object.is_object() => Ok(object.clone()),
        _ => env.trusted_object(object),
    }
}

/// Applies one activity about a group object (sent directly, or the inner
/// activity of a group's Announce; `env.actor` is who sent it to us).
pub fn apply(env: &Env, activity: &Value) -> ApplyResult {
    let kind = parse::type_of(activity).unwrap_or_default();
    let object = activity.get("object").unwrap_or(&Value::Null);
    match (kind, parse::type_of(object)) {
        ("Create" | "Update" | "Add", Some("Document" | "ResourceCollection")) => {
            super::resources::create_or_update(env, activity, kind == "Update")
        }
        ("Create" | "Update", Some("TodoList")) => {
            super::todos::list_create_or_update(env, activity, kind == "Update")
        }
        ("Create" | "Update", Some("Todo")) => {
            super::todos::todo_create_or_update(env, activity, kind == "Update")
        }
        ("Move", _) => super::resources::move_(env, activity),
        ("Delete", _) | (_, Some("Tombstone")) => delete(env, activity),
        (kind, other) => {
            ignored(format!("{kind} of {} is not supported", other.unwrap_or("an object by id")))
        }
    }
}

/// Which table holds `id`, if any: resources, todo_lists or todos.
fn table_of(env: &Env, id: &str) -> Result<Option<&'static str>, ApplyError> {
    let id = id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        for table in ["resources", "todo_lists", "todos"] {
            let sql = format!("SELECT 1 FROM {table} WHERE ap_id = ?1");
            if conn.prepare_cached(&sql)?.query_row([&id], |_| Ok(())).optional()?.is_some() {
                return Ok(Some(table));
            }
        }
        Ok(None)
    })?)
}

/// Whether we hold a resource, todo list or todo with this id.
pub fn is_known(env: &Env, id: &str) -> Result<bool, ApplyError> {
    Ok(table_of(env, id)?.is_some())
}

/// Delete (or Create/Update of a Tombstone) of a group object.
pub fn delete(env: &Env, activity: &Value) -> ApplyResult {
    let Some(id) = activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("a deletion without an object");
    };
    match table_of(env, &id)? {
        Some("resources") => super::resources::delete(env, activity, &id),
        Some("todo_lists") => super::todos::list_delete(env, activity, &id),
        Some(_) => super::todos::todo_delete(env, activity, &id),
        None => ignored("an object we do not hold"),
    }
}

/// Whether a group's Announce carries a change of group objects.
pub fn is_announced(env: &Env) -> bool {
    let Some(object) = env.activity.get("object") else { return false };
    match parse::type_of(object) {
        Some(t) if TYPES.contains(&t) => true,
        Some("Create" | "Update" | "Add" | "Move" | "Delete") => {
            let inner = object.get("object").unwrap_or(&Value::Null);
            let former = inner.get("formerType").and_then(Value::as_str);
            parse::type_of(inner).is_some_and(|t| TYPES.contains(&t))
                || former.is_some_and(|t| TYPES.contains(&t))
                || parse::id_of(inner).is_some_and(|id| is_known(env, id).unwrap_or(false))
        }
        _ => false,
    }
}

/// A group's Announce: the activity it passes on is applied as the group's
/// word (a bare object is the group's current copy of it).
pub fn announced(env: &Env) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    let announcer = group_by_ap_id(env, Some(&env.actor_ap_id))?;
    if announcer.is_none_or(|g| g.is_local()) {
        return ignored("an announce of group objects by an actor that is not a remote group");
    }
    if parse::type_of(&object).is_some_and(|t| TYPES.contains(&t)) {
        let update = serde_json::json!({ "type": "Update", "object": object });
        return apply(env, &update);
    }
    // What our own member did there, passed back to us: it was made here
    // already, and a late copy must not undo a later change.
    if object.get("actor").and_then(parse::id_of).is_some_and(|a| env.is_local(a)) {
        return ignored("our own member's change, passed back by the group");
    }
    apply(env, &object)
}
