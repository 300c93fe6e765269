//! Incoming changes to a group's todo lists and todos: Create and Update of
//! a `TodoList` or a `Todo`, Delete. Who may make them is decided in
//! `group_objects::scope`. A peer never sets a due date or an assignee (not
//! federated): ours are kept when a remote member changes a todo.

use serde_json::Value;

use super::group_objects::{Scope, group_by_ap_id, group_by_id, object_of, said, scope, theirs_doc};
use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::todos::{self as db, NewTodo, Todo, TodoFields, TodoList};
use crate::domain::members::Action;
use crate::domain::todos::{self as rules, Checked};
use crate::federation::objects::todo::{parse_todo, parse_todo_list};
use crate::federation::outbox_resources::By;
use crate::federation::parse;

fn find_list(env: &Env, ap_id: &str) -> Result<Option<TodoList>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_list_by_ap_id(conn, &ap_id))?)
}

fn find_todo(env: &Env, ap_id: &str) -> Result<Option<Todo>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_todo_by_ap_id(conn, &ap_id))?)
}

/// A member's new object must be theirs: on their server, not ours.
fn own_new_object(env: &Env, ap_id: &str, by_ap_id: &str) -> bool {
    parse::same_origin(ap_id, by_ap_id) && !env.is_local(ap_id)
}

pub fn list_create_or_update(env: &Env, activity: &Value, update: bool) -> ApplyResult {
    let object = object_of(env, activity)?;
    let request =
        parse_todo_list(&object).map_err(|e| ApplyError::Refused(format!("unusable todo list: {e}")))?;
    let existing = find_list(env, &request.ap_id)?;
    let group = match &existing {
        Some(l) => group_by_id(env, l.group_id)?,
        None => group_by_ap_id(env, request.group.as_deref())?,
    };
    match scope(env, group, Action::WriteTodos) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            match existing {
                Some(l) if update => env.commit(move |tx| {
                    let by = By { member: &member, relayed: Some(&relayed) };
                    Ok(said(rules::rename_list(tx, &urls, &group, by, &l, &request.title, now)?))
                }),
                Some(_) => ignored("a todo list we already hold"),
                None if update => ignored("an update of a todo list we do not hold"),
                None if !own_new_object(env, &request.ap_id, &member.actor_ap_id) => {
                    refused("a member may only create todo lists of their own")
                }
                None => env.commit(move |tx| {
                    let by = By { member: &member, relayed: Some(&relayed) };
                    let created =
                        rules::create_list(tx, &urls, &group, by, &request.title, Some(&request.ap_id), now)?;
                    Ok(said(created))
                }),
            }
        }
        Ok(Scope::Theirs { group }) => {
            let doc = theirs_doc(env, &object, existing.as_ref().is_some_and(|l| l.local))?;
            let remote =
                parse_todo_list(&doc).map_err(|e| ApplyError::Refused(format!("unusable todo list: {e}")))?;
            if remote.group.as_deref() != Some(group.ap_id.as_str()) {
                return refused("the todo list names another group");
            }
            if existing.as_ref().is_some_and(|l| l.group_id != group.id || l.is_deleted()) {
                return ignored("the todo list is deleted or another group's");
            }
            let (group_id, now) = (group.id, env.now);
            env.commit(move |tx| {
                match existing {
                    Some(l) => db::rename_list(tx, l.id, &remote.title, now)?,
                    None => {
                        let uuid = uuid::Uuid::new_v4().to_string();
                        db::insert_list(tx, &uuid, &remote.ap_id, group_id, &remote.title, false, now)?;
                    }
                }
                Ok(Applied::Done)
            })
        }
    }
}

pub fn todo_create_or_update(env: &Env, activity: &Value, update: bool) -> ApplyResult {
    let object = object_of(env, activity)?;
    let request = parse_todo(&object).map_err(|e| ApplyError::Refused(format!("unusable todo: {e}")))?;
    let existing = find_todo(env, &request.ap_id)?;
    let list_ap_id = existing.as_ref().map(|t| t.list_ap_id.clone()).unwrap_or_else(|| request.list.clone());
    let Some(list) = find_list(env, &list_ap_id)? else { return ignored("a todo of a list we do not hold") };
    if list.is_deleted() {
        return ignored("the todo list is deleted");
    }
    match scope(env, group_by_id(env, list.group_id)?, Action::WriteTodos) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            match existing {
                Some(t) if update => {
                    // Due date and assignee are ours alone: kept as they are.
                    let checked = Checked {
                        title: request.title,
                        done: request.done,
                        due_date: t.due_date.clone(),
                        assignee_id: t.assignee_id,
                    };
                    env.commit(move |tx| {
                        let by = By { member: &member, relayed: Some(&relayed) };
                        Ok(said(rules::update_todo(tx, &urls, &group, by, &t, &checked, now)?))
                    })
                }
                Some(_) => ignored("a todo we already hold"),
                None if update => ignored("an update of a todo we do not hold"),
                None if !own_new_object(env, &request.ap_id, &member.actor_ap_id) => {
                    refused("a member may only create todos of their own")
                }
                None => {
                    let checked = Checked {
                        title: request.title,
                        done: request.done,
                        due_date: None,
                        assignee_id: None,
                    };
                    env.commit(move |tx| {
                        let by = By { member: &member, relayed: Some(&relayed) };
                        let created = rules::create_todo(
                            tx,
                            &urls,
                            &group,
                            by,
                            &list,
                            &checked,
                            Some(&request.ap_id),
                            now,
                        )?;
                        Ok(said(created))
                    })
                }
            }
        }
        Ok(Scope::Theirs { .. }) => {
            let doc = theirs_doc(env, &object, existing.as_ref().is_some_and(|t| t.local))?;
            let remote = parse_todo(&doc).map_err(|e| ApplyError::Refused(format!("unusable todo: {e}")))?;
            if remote.list != list.ap_id {
                return refused("the todo names another list");
            }
            if existing.as_ref().is_some_and(Todo::is_deleted) {
                return ignored("the todo is deleted");
            }
            let creator = match remote.creator.as_deref() {
                Some(c) if c == env.actor_ap_id => Some(env.actor_id),
                Some(c) => env.actor(c).ok(),
                None => None,
            };
            let now = env.now;
            env.commit(move |tx| {
                match existing {
                    Some(t) => db::update_title_status(tx, t.id, &remote.title, remote.done, now)?,
                    None => {
                        let uuid = uuid::Uuid::new_v4().to_string();
                        db::insert_todo(
                            tx,
                            &NewTodo {
                                uuid: &uuid,
                                ap_id: &remote.ap_id,
                                todo_list_id: list.id,
                                fields: TodoFields {
                                    title: &remote.title,
                                    done: remote.done,
                                    due_date: None,
                                    assignee_id: None,
                                },
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
    }
}

pub fn list_delete(env: &Env, activity: &Value, id: &str) -> ApplyResult {
    let Some(list) = find_list(env, id)? else { return ignored("a todo list we do not hold") };
    if list.is_deleted() {
        return ignored("already deleted");
    }
    match scope(env, group_by_id(env, list.group_id)?, Action::WriteTodos) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            env.commit(move |tx| {
                let by = By { member: &member, relayed: Some(&relayed) };
                Ok(said(rules::delete_list(tx, &urls, &group, by, &list, now)?))
            })
        }
        Ok(Scope::Theirs { .. }) => {
            let now = env.now;
            env.commit(move |tx| {
                db::mark_list_deleted(tx, list.id, now)?;
                Ok(Applied::Done)
            })
        }
    }
}

pub fn todo_delete(env: &Env, activity: &Value, id: &str) -> ApplyResult {
    let Some(todo) = find_todo(env, id)? else { return ignored("a todo we do not hold") };
    if todo.is_deleted() {
        return ignored("already deleted");
    }
    match scope(env, group_by_id(env, todo.group_id)?, Action::WriteTodos) {
        Err(done) => done,
        Ok(Scope::Ours { group, member }) => {
            let (urls, now, relayed) = (env.ctx.urls.clone(), env.now, activity.clone());
            env.commit(move |tx| {
                let by = By { member: &member, relayed: Some(&relayed) };
                Ok(said(rules::delete_todo(tx, &urls, &group, by, &todo, now)?))
            })
        }
        Ok(Scope::Theirs { .. }) => {
            let now = env.now;
            env.commit(move |tx| {
                db::mark_todo_deleted(tx, todo.id, now)?;
                Ok(Applied::Done)
            })
        }
    }
}
