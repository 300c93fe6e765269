//! Incoming changes to a group's resources: Create/Add/Update of a
//! `Document` or `ResourceCollection`, Move, Delete. Who may make them is
//! decided in `group_objects::scope`.

use serde_json::Value;

use super::group_objects::{Scope, group_by_ap_id, group_by_id, object_of, said, scope, theirs_doc};
use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::resources::{self as db, NewResource, Resource};
use crate::domain::members::Action;
use crate::domain::resources::{self as rules, Fields};
use crate::federation::objects::resource::{RemoteResource, parse_resource};
use crate::federation::outbox_resources::By;
use crate::federation::parse;

fn find(env: &Env, ap_id: &str) -> Result<Option<Resource>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_by_ap_id(conn, &ap_id))?)
}

/// The live folder of `group_id` with this id (None: the root, or unknown).
fn folder(env: &Env, group_id: i64, context: Option<&str>) -> Result<Option<Resource>, ApplyError> {
    let Some(context) = context else { return Ok(None) };
    Ok(find(env, context)?.filter(|f| f.group_id == group_id && f.is_folder() && !f.is_deleted()))
}

fn read(doc: &Value) -> Result<RemoteResource, ApplyError> {
    parse_resource(doc).map_err(|e| ApplyError::Refused(format!("unusable resource: {e}")))
}

/// Create (or Add) and Update of a folder or a link.
pub fn create_or_update(env: &Env, activity: &Value, update: bool) -> ApplyResult {
    let object = object_of(env, activity)?;
    let request = read(&object)?;
    let existing = find(env, &request.ap_id)?;
    let group = match &existing {
        Some(r) => group_by_id(env, r.group_id)?,
        None => group_by_ap_id(env, request.group.as_deref())?,
    };
    match scope(env, group, Action::WriteResources) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let by_ap_id = member.actor_ap_id.clone();
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            match existing {
                Some(r) if update => {
                    if r.is_deleted() {
                        return ignored("the resource is deleted");
                    }
                    let fields = Fields {
                        kind: r.kind.clone(),
                        title: request.title,
                        summary: request.summary,
                        url: if r.is_folder() { String::new() } else { request.url },
                    };
                    env.commit(move |tx| {
                        let by = By { member: &member, relayed: Some(&relayed) };
                        Ok(said(rules::rename(tx, &urls, &group, by, &r, &fields, now)?))
                    })
                }
                Some(_) => ignored("a resource we already hold"),
                None if update => ignored("an update of a resource we do not hold"),
                None => {
                    // A member creates their own object, with an id of their server.
                    if request.creator.as_deref().is_some_and(|c| c != by_ap_id)
                        || !parse::same_origin(&request.ap_id, &by_ap_id)
                        || env.is_local(&request.ap_id)
                    {
                        return refused("a member may only create resources of their own");
                    }
                    let parent = folder(env, group.id, request.context.as_deref())?;
                    if request
                        .context
                        .as_deref()
                        .is_some_and(|c| parent.is_none() && !is_root(&group.ap_id, c))
                    {
                        return refused("the folder it goes in is not one of the group's");
                    }
                    let fields = Fields {
                        kind: if request.folder { "folder".into() } else { "link".into() },
                        title: request.title,
                        summary: request.summary,
                        url: request.url,
                    };
                    let ap_id = request.ap_id;
                    env.commit(move |tx| {
                        let by = By { member: &member, relayed: Some(&relayed) };
                        let created = rules::create(
                            tx,
                            &urls,
                            &group,
                            by,
                            parent.as_ref(),
                            &fields,
                            Some(&ap_id),
                            now,
                        )?;
                        Ok(said(created))
                    })
                }
            }
        }
        Ok(Scope::Theirs { group }) => {
            // The group's state, taken from its origin (R3), not from a forwarder.
            let ours_there = existing.as_ref().is_some_and(|r| r.local);
            let doc = theirs_doc(env, &object, ours_there)?;
            let remote = read(&doc)?;
            if remote.group.as_deref() != Some(group.ap_id.as_str()) {
                return refused("the resource names another group");
            }
            store_theirs(env, &group, remote, existing)
        }
    }
}

/// Whether `context` is the group's root (its resources collection).
fn is_root(group_ap_id: &str, context: &str) -> bool {
    context == format!("{group_ap_id}/resources")
        || parse::same_origin(context, group_ap_id) && context.ends_with("/resources")
}

/// Stores or refreshes a remote group's resource.
fn store_theirs(
    env: &Env,
    group: &crate::db::groups::Group,
    remote: RemoteResource,
    existing: Option<Resource>,
) -> ApplyResult {
    if existing.as_ref().is_some_and(|r| r.group_id != group.id) {
        return refused("the resource belongs to another group");
    }
    if existing.as_ref().is_some_and(Resource::is_deleted) {
        return ignored("the resource is deleted");
    }
    let parent = folder(env, group.id, remote.context.as_deref())?.map(|f| f.id);
    let creator = match remote.creator.as_deref() {
        Some(c) if c == env.actor_ap_id => Some(env.actor_id),
        // Who made it is shown, not trusted: an unreachable creator is left out.
        Some(c) => env.actor(c).ok(),
        None => None,
    };
    let (group_id, now) = (group.id, env.now);
    env.commit(move |tx| {
        match existing {
            Some(r) => {
                let url = if r.is_folder() { String::new() } else { remote.url.clone() };
                db::update_text(tx, r.id, &remote.title, &remote.summary, &url, now)?;
                if r.parent_id != parent && parent != Some(r.id) {
                    db::update_parent(tx, r.id, parent, now)?;
                }
            }
            None => {
                let uuid = uuid::Uuid::new_v4().to_string();
                db::insert_resource(
                    tx,
                    &NewResource {
                        uuid: &uuid,
                        ap_id: &remote.ap_id,
                        group_id,
                        parent_id: parent,
                        kind: if remote.folder { "folder" } else { "link" },
                        title: &remote.title,
                        summary: &remote.summary,
                        url: &remote.url,
                        creator_id: creator,
                        local: false,
                    },
                    now,
                )?;
            }
        }
        Ok(Applied::Done)
    })
}

/// Move: into the folder `target` names (or the group's root).
pub fn move_(env: &Env, activity: &Value) -> ApplyResult {
    let Some(id) = activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("a Move without an object");
    };
    let Some(r) = find(env, &id)? else { return ignored("a resource we do not hold") };
    if r.is_deleted() {
        return ignored("the resource is deleted");
    }
    let object = activity.get("object").unwrap_or(&Value::Null);
    let target = activity
        .get("target")
        .and_then(parse::id_of)
        .or_else(|| object.get("context").and_then(parse::id_of))
        .map(str::to_string);
    let group = group_by_id(env, r.group_id)?;
    let group_ap_id = group.as_ref().map(|g| g.ap_id.clone()).unwrap_or_default();
    let destination = folder(env, r.group_id, target.as_deref())?;
    if destination.is_none() && !target.as_deref().is_some_and(|t| is_root(&group_ap_id, t)) {
        return refused("the Move names no folder of the group");
    }
    match scope(env, group, Action::WriteResources) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            env.commit(move |tx| {
                let by = By { member: &member, relayed: Some(&relayed) };
                Ok(said(rules::move_to(tx, &urls, &group, by, &r, destination.as_ref(), now)?))
            })
        }
        Ok(Scope::Theirs { .. }) => {
            let (parent, now) = (destination.map(|d| d.id), env.now);
            env.commit(move |tx| {
                if parent.is_some_and(|p| db::is_within(tx, p, r.id).unwrap_or(true)) {
                    return Ok(Applied::Refused("a folder cannot go into itself".into()));
                }
                db::update_parent(tx, r.id, parent, now)?;
                Ok(Applied::Done)
            })
        }
    }
}

/// Delete of a resource (a folder with its content).
pub fn delete(env: &Env, activity: &Value, id: &str) -> ApplyResult {
    let Some(r) = find(env, id)? else { return ignored("a resource we do not hold") };
    if r.is_deleted() {
        return ignored("already deleted");
    }
    match scope(env, group_by_id(env, r.group_id)?, Action::WriteResources) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            env.commit(move |tx| {
                let by = By { member: &member, relayed: Some(&relayed) };
                Ok(said(rules::delete(tx, &urls, &group, by, &r, now)?))
            })
        }
        Ok(Scope::Theirs { .. }) => {
            let now = env.now;
            env.commit(move |tx| {
                db::mark_deleted(tx, r.id, now)?;
                Ok(Applied::Done)
            })
        }
    }
}
