//! A group's todo lists and todos: the forms' rules, and creating, changing
//! and deleting them, for our members (the web forms, in our groups and in
//! remote groups they belong to) and remote members (the inbox) alike. Every permission goes through the matrix
//! (`members::allows` with `WriteTodos`).

use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use super::group_objects::{self, Stop};
use super::members::{Action, role_of};
use crate::db::groups::Group;
use crate::db::todos::{self as db, NewTodo, Todo, TodoFields, TodoList};
use crate::error::{AppError, AppResult};
use crate::federation::outbox_resources::By;
use crate::federation::outbox_todos as outbox;
use crate::time::Timestamp;
use crate::urls::{self, Urls};

pub const TITLE_MAX: usize = 200;

/// The todo form as typed (Mobilizon's `createTodo` arguments).
#[derive(Debug, Clone, Default)]
pub struct TodoInput {
    pub title: String,
    /// "true" when done.
    pub status: String,
    /// YYYY-MM-DD, or empty.
    pub due_date: String,
    /// The assignee's actor id, or empty.
    pub assigned_to_id: String,
}

/// A checked todo, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub title: String,
    pub done: bool,
    pub due_date: Option<String>,
    pub assignee_id: Option<i64>,
}

impl Checked {
    pub fn fields(&self) -> TodoFields<'_> {
        TodoFields {
            title: &self.title,
            done: self.done,
            due_date: self.due_date.as_deref(),
            assignee_id: self.assignee_id,
        }
    }
}

/// Why a change is refused (it changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed,
    Gone,
}

impl super::Refused for Refusal {
    fn message(self) -> &'static str {
        match self {
            Refusal::NotAllowed => msg!("Your role in this group does not allow this."),
            Refusal::Gone => msg!("This was deleted meanwhile."),
        }
    }
}

impl From<Stop> for Refusal {
    fn from(stop: Stop) -> Refusal {
        match stop {
            Stop::NotAllowed => Refusal::NotAllowed,
            Stop::Gone => Refusal::Gone,
        }
    }
}

pub type Outcome<T> = AppResult<Result<T, Refusal>>;

/// A list's or a todo's title: one line, 1 to 200 characters.
pub fn checked_title(text: &str, errors: &mut FieldErrors) -> String {
    let title = super::events::one_line(text);
    if let Some(problem) = super::resources::title_problem(&title) {
        errors.add("title", problem);
    }
    title
}

/// A due date as the date field sends it (YYYY-MM-DD), a real day.
pub fn checked_due_date(text: &str) -> Result<Option<String>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let problem = msg!("Write the date as year-month-day, for example 2027-03-31.");
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| problem)?;
    let year = chrono::Datelike::year(&date);
    if text.len() != 10 || !(1970..=2200).contains(&year) {
        return Err(problem);
    }
    Ok(Some(date.format("%Y-%m-%d").to_string()))
}

/// Checks the todo form; the assignee must be a member of the group.
pub fn validate(
    conn: &Connection,
    group_id: i64,
    input: &TodoInput,
) -> AppResult<Result<Checked, FieldErrors>> {
    let mut errors = FieldErrors::default();
    let title = checked_title(&input.title, &mut errors);
    let due_date = checked_due_date(&input.due_date).unwrap_or_else(|problem| {
        errors.add("due_date", problem);
        None
    });
    let assignee = input.assigned_to_id.trim();
    let assignee_id = if assignee.is_empty() {
        None
    } else {
        let member = match assignee.parse::<i64>() {
            Ok(id) => crate::db::members::find_between(conn, group_id, id)?
                .filter(|m| role_of(m).is_some_and(super::members::Role::is_member)),
            Err(_) => None,
        };
        if member.is_none() {
            errors.add("assigned_to_id", msg!("Choose a member of the group, or nobody."));
        }
        member.map(|m| m.actor_id)
    };
    Ok(if errors.is_empty() {
        Ok(Checked { title, done: input.status == "true", due_date, assignee_id })
    } else {
        Err(errors)
    })
}

/// Whether a change to a list or todo (of the group `of_group`) stops
/// before its own rules.
fn stopped(group: &Group, by: &By, of_group: i64, deleted: bool) -> Option<Refusal> {
    group_objects::stop(group, by, Action::WriteTodos, of_group, deleted).map(Refusal::from)
}

fn reload_list(tx: &Transaction, id: i64) -> AppResult<TodoList> {
    db::find_list(tx, id)?.ok_or_else(|| AppError::internal("todo list row vanished"))
}

fn reload(tx: &Transaction, id: i64) -> AppResult<Todo> {
    db::find_todo(tx, id)?.ok_or_else(|| AppError::internal("todo row vanished"))
}

/// A new list; `remote_ap_id` as for resources.
pub fn create_list(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    title: &str,
    remote_ap_id: Option<&str>,
    now: Timestamp,
) -> Outcome<TodoList> {
    if !group_objects::may_write(group, &by, Action::WriteTodos) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = remote_ap_id.map(str::to_string).unwrap_or_else(|| urls.todo_list(&uuid));
    let id = db::insert_list(tx, &uuid, &ap_id, group.id, title, remote_ap_id.is_none(), now)?;
    let list = reload_list(tx, id)?;
    outbox::list_created(tx, group, &list, by, now)?;
    Ok(Ok(list))
}

pub fn rename_list(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    list: &TodoList,
    title: &str,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, list.group_id, list.is_deleted()) {
        return Ok(Err(refusal));
    }
    if list.title == title {
        return Ok(Ok(()));
    }
    db::rename_list(tx, list.id, title, now)?;
    outbox::list_updated(tx, urls, group, &reload_list(tx, list.id)?, by, now)?;
    Ok(Ok(()))
}

/// Deletes a list with its todos.
pub fn delete_list(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    list: &TodoList,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, list.group_id, list.is_deleted()) {
        return Ok(Err(refusal));
    }
    db::mark_list_deleted(tx, list.id, now)?;
    outbox::list_deleted(tx, urls, group, list, by, now)?;
    Ok(Ok(()))
}

/// Adds a todo to `list`.
#[allow(clippy::too_many_arguments)]
pub fn create_todo(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    list: &TodoList,
    todo: &Checked,
    remote_ap_id: Option<&str>,
    now: Timestamp,
) -> Outcome<Todo> {
    if let Some(refusal) = stopped(group, &by, list.group_id, list.is_deleted()) {
        return Ok(Err(refusal));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = remote_ap_id.map(str::to_string).unwrap_or_else(|| urls.todo(&uuid));
    let id = db::insert_todo(
        tx,
        &NewTodo {
            uuid: &uuid,
            ap_id: &ap_id,
            todo_list_id: list.id,
            fields: todo.fields(),
            creator_id: Some(by.member.actor_id),
            local: remote_ap_id.is_none(),
        },
        now,
    )?;
    let t = reload(tx, id)?;
    group_objects::record(tx, group, &by, "todo_created", &t.title, &urls::todo(&t.uuid), now)?;
    if t.done {
        group_objects::record(tx, group, &by, "todo_done", &t.title, &urls::todo(&t.uuid), now)?;
    }
    outbox::todo_created(tx, group, &t, by, now)?;
    Ok(Ok(t))
}

/// Changes a todo (a remote member's change keeps what is not federated:
/// the caller passes the stored due date and assignee).
pub fn update_todo(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    t: &Todo,
    todo: &Checked,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, t.group_id, t.is_deleted()) {
        return Ok(Err(refusal));
    }
    let unchanged = t.title == todo.title
        && t.done == todo.done
        && t.due_date == todo.due_date
        && t.assignee_id == todo.assignee_id;
    if unchanged {
        return Ok(Ok(()));
    }
    db::update_todo(tx, t.id, &todo.fields(), now)?;
    let new = reload(tx, t.id)?;
    if new.done && !t.done {
        group_objects::record(tx, group, &by, "todo_done", &new.title, &urls::todo(&new.uuid), now)?;
    }
    // What peers see (title, status) may not have changed.
    if new.title != t.title || new.done != t.done {
        outbox::todo_updated(tx, urls, group, &new, by, now)?;
    }
    Ok(Ok(()))
}

pub fn delete_todo(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    t: &Todo,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, t.group_id, t.is_deleted()) {
        return Ok(Err(refusal));
    }
    db::mark_todo_deleted(tx, t.id, now)?;
    outbox::todo_deleted(tx, urls, group, t, by, now)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_real_days() {
        assert_eq!(checked_due_date(""), Ok(None));
        assert_eq!(checked_due_date(" 2027-03-31 "), Ok(Some("2027-03-31".into())));
        for bad in ["2027-02-30", "31/03/2027", "2027-3-31", "tomorrow", "99999-01-01", "1900-01-01"] {
            assert!(checked_due_date(bad).is_err(), "{bad}");
        }
    }
}
