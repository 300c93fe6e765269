//! A group's todo lists and their todos (see migration 0014).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct TodoList {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub group_id: i64,
    pub title: String,
    pub local: bool,
    /// Live todos in it, and how many of them are not done.
    pub total: i64,
    pub open: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl TodoList {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

const LIST_COLUMNS: &str = "l.id, l.uuid, l.ap_id, l.group_id, l.title, l.local,
    (SELECT count(*) FROM todos t WHERE t.todo_list_id = l.id AND t.deleted_at IS NULL),
    (SELECT count(*) FROM todos t WHERE t.todo_list_id = l.id AND t.deleted_at IS NULL AND t.done = 0),
    l.created_at, l.updated_at, l.deleted_at";

fn list_from_row(r: &Row) -> rusqlite::Result<TodoList> {
    Ok(TodoList {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        group_id: r.get(3)?,
        title: r.get(4)?,
        local: r.get(5)?,
        total: r.get(6)?,
        open: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        deleted_at: r.get(10)?,
    })
}

pub fn find_list(conn: &Connection, id: i64) -> AppResult<Option<TodoList>> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM todo_lists l WHERE l.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], list_from_row).optional()?)
}

pub fn find_list_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<TodoList>> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM todo_lists l WHERE l.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], list_from_row).optional()?)
}

pub fn find_list_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<TodoList>> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM todo_lists l WHERE l.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], list_from_row).optional()?)
}

/// A group's live lists, by title.
pub fn list_lists(conn: &Connection, group_id: i64) -> AppResult<Vec<TodoList>> {
    let sql = format!(
        "SELECT {LIST_COLUMNS} FROM todo_lists l WHERE l.group_id = ?1 AND l.deleted_at IS NULL
         ORDER BY l.title COLLATE NOCASE, l.id LIMIT 1000"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], list_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn insert_list(
    tx: &Transaction,
    uuid: &str,
    ap_id: &str,
    group_id: i64,
    title: &str,
    local: bool,
    now: Timestamp,
) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO todo_lists (uuid, ap_id, group_id, title, local, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![uuid, ap_id, group_id, title, local, now])?;
    Ok(tx.last_insert_rowid())
}

pub fn rename_list(tx: &Transaction, id: i64, title: &str, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE todo_lists SET title = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, title, now])?;
    Ok(())
}

/// Deletes a list and its todos (kept as emptied tombstones).
pub fn mark_list_deleted(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE todos SET deleted_at = ?2, updated_at = ?2, title = '', due_date = NULL, assignee_id = NULL
         WHERE todo_list_id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, now])?;
    tx.prepare_cached(
        "UPDATE todo_lists SET deleted_at = ?2, updated_at = ?2, title = '' WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, now])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Todo {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub todo_list_id: i64,
    pub list_uuid: String,
    pub list_ap_id: String,
    pub list_title: String,
    pub group_id: i64,
    pub title: String,
    pub done: bool,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    pub assignee_id: Option<i64>,
    /// The assignee's handle and display name.
    pub assignee_handle: Option<String>,
    pub assignee_name: Option<String>,
    pub creator_id: Option<i64>,
    pub creator_ap_id: Option<String>,
    pub local: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl Todo {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn assignee_label(&self) -> Option<&str> {
        self.assignee_name.as_deref().filter(|n| !n.is_empty()).or(self.assignee_handle.as_deref())
    }
}

const TODO_COLUMNS: &str =
    "t.id, t.uuid, t.ap_id, t.todo_list_id, l.uuid, l.ap_id, l.title, l.group_id, t.title,
    t.done, t.due_date, t.assignee_id, CASE WHEN a.domain IS NULL THEN a.preferred_username
        ELSE a.preferred_username || '@' || a.domain END, a.name, t.creator_id, c.ap_id, t.local,
    t.created_at, t.updated_at, t.deleted_at";
const TODO_FROM: &str = "FROM todos t JOIN todo_lists l ON l.id = t.todo_list_id
    LEFT JOIN actors a ON a.id = t.assignee_id LEFT JOIN actors c ON c.id = t.creator_id";

fn todo_from_row(r: &Row) -> rusqlite::Result<Todo> {
    Ok(Todo {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        todo_list_id: r.get(3)?,
        list_uuid: r.get(4)?,
        list_ap_id: r.get(5)?,
        list_title: r.get(6)?,
        group_id: r.get(7)?,
        title: r.get(8)?,
        done: r.get(9)?,
        due_date: r.get(10)?,
        assignee_id: r.get(11)?,
        assignee_handle: r.get(12)?,
        assignee_name: r.get(13)?,
        creator_id: r.get(14)?,
        creator_ap_id: r.get(15)?,
        local: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
        deleted_at: r.get(19)?,
    })
}

pub fn find_todo(conn: &Connection, id: i64) -> AppResult<Option<Todo>> {
    let sql = format!("SELECT {TODO_COLUMNS} {TODO_FROM} WHERE t.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], todo_from_row).optional()?)
}

pub fn find_todo_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<Todo>> {
    let sql = format!("SELECT {TODO_COLUMNS} {TODO_FROM} WHERE t.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], todo_from_row).optional()?)
}

pub fn find_todo_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Todo>> {
    let sql = format!("SELECT {TODO_COLUMNS} {TODO_FROM} WHERE t.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], todo_from_row).optional()?)
}

/// A list's live todos: not done first, then by due date (none last), then oldest.
pub fn list_todos(conn: &Connection, list_id: i64) -> AppResult<Vec<Todo>> {
    let sql = format!(
        "SELECT {TODO_COLUMNS} {TODO_FROM} WHERE t.todo_list_id = ?1 AND t.deleted_at IS NULL
         ORDER BY t.done, t.due_date IS NULL, t.due_date, t.id LIMIT 1000"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([list_id], todo_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// What a todo says (the fields a form or a peer sets).
pub struct TodoFields<'a> {
    pub title: &'a str,
    pub done: bool,
    pub due_date: Option<&'a str>,
    pub assignee_id: Option<i64>,
}

pub struct NewTodo<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub todo_list_id: i64,
    pub fields: TodoFields<'a>,
    pub creator_id: Option<i64>,
    pub local: bool,
}

pub fn insert_todo(tx: &Transaction, t: &NewTodo, now: Timestamp) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO todos (uuid, ap_id, todo_list_id, title, done, due_date, assignee_id, creator_id, local,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        t.uuid,
        t.ap_id,
        t.todo_list_id,
        t.fields.title,
        t.fields.done,
        t.fields.due_date,
        t.fields.assignee_id,
        t.creator_id,
        t.local,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn update_todo(tx: &Transaction, id: i64, f: &TodoFields, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE todos SET title = ?2, done = ?3, due_date = ?4, assignee_id = ?5, updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![id, f.title, f.done, f.due_date, f.assignee_id, now])?;
    Ok(())
}

/// What a peer may change: the title and the status (the rest is not federated).
pub fn update_title_status(
    tx: &Transaction,
    id: i64,
    title: &str,
    done: bool,
    now: Timestamp,
) -> AppResult<()> {
    tx.prepare_cached("UPDATE todos SET title = ?2, done = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, title, done, now])?;
    Ok(())
}

pub fn mark_todo_deleted(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE todos SET deleted_at = ?2, updated_at = ?2, title = '', due_date = NULL, assignee_id = NULL
         WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, now])?;
    Ok(())
}
