//! Todo lists and todos as Mobilizon writes them (mobilizon-features.md b3):
//! a `TodoList` is the group's (`actor` = the group), a `Todo` has its
//! creator as `actor`, the group as `attributedTo`, `status` as a boolean
//! (done) and its list as `todoList`. Due dates and assignees stay on the
//! group's server, as in Mobilizon.

use serde_json::{Value, json};

use crate::db::todos::{Todo, TodoList};
use crate::federation::parse::{self, ParseError, error};

pub const TITLE_MAX: usize = 200;

pub fn todo_list_json(l: &TodoList, group_ap_id: &str) -> Value {
    json!({
        "type": "TodoList",
        "id": l.ap_id,
        "name": l.title,
        "actor": group_ap_id,
        "attributedTo": group_ap_id,
        "published": crate::time::rfc3339(l.created_at),
        "updated": crate::time::rfc3339(l.updated_at),
    })
}

pub fn todo_json(t: &Todo, group_ap_id: &str) -> Value {
    json!({
        "type": "Todo",
        "id": t.ap_id,
        "name": t.title,
        "status": t.done,
        "todoList": t.list_ap_id,
        "actor": t.creator_ap_id.as_deref().unwrap_or(group_ap_id),
        "attributedTo": group_ap_id,
        "published": crate::time::rfc3339(t.created_at),
        "updated": crate::time::rfc3339(t.updated_at),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTodoList {
    pub ap_id: String,
    pub title: String,
    /// The group: `attributedTo`, else `actor` (Mobilizon's lists are the group's).
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTodo {
    pub ap_id: String,
    pub title: String,
    pub done: bool,
    pub list: String,
    pub creator: Option<String>,
}

fn id_and_title(doc: &Value, kind: &str) -> Result<(String, String), ParseError> {
    if !parse::is_type(doc, kind) {
        return error(format!("not a {kind}"));
    }
    let Some(ap_id) = parse::text(doc, "id").filter(|id| parse::url(id).is_some()) else {
        return error(format!("a {kind} without an id"));
    };
    let title = parse::plain(parse::text(doc, "name").unwrap_or_default(), TITLE_MAX);
    if title.is_empty() {
        return error(format!("a {kind} without a name"));
    }
    Ok((ap_id.to_string(), title))
}

pub fn parse_todo_list(doc: &Value) -> Result<RemoteTodoList, ParseError> {
    let (ap_id, title) = id_and_title(doc, "TodoList")?;
    let group =
        doc.get("attributedTo").and_then(parse::id_of).or_else(|| doc.get("actor").and_then(parse::id_of));
    Ok(RemoteTodoList { ap_id, title, group: group.map(str::to_string) })
}

pub fn parse_todo(doc: &Value) -> Result<RemoteTodo, ParseError> {
    let (ap_id, title) = id_and_title(doc, "Todo")?;
    let Some(list) = doc.get("todoList").and_then(parse::id_of) else {
        return error("a Todo without its todoList");
    };
    // A boolean in Mobilizon; a peer writing "true" means the same.
    let done = match doc.get("status") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    Ok(RemoteTodo {
        ap_id,
        title,
        done,
        list: list.to_string(),
        creator: doc.get("actor").and_then(parse::id_of).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobilizon_todos_read() {
        let t = parse_todo(&json!({
            "type": "Todo", "id": "https://mz.example/todo/1", "name": "Book the hall", "status": true,
            "todoList": "https://mz.example/todo-list/1", "actor": "https://mz.example/@ann",
            "attributedTo": "https://mz.example/@club",
        }))
        .expect("reads");
        assert!(t.done);
        assert_eq!(t.list, "https://mz.example/todo-list/1");
        let l = parse_todo_list(&json!({
            "type": "TodoList", "id": "https://mz.example/todo-list/1", "name": "Party",
            "actor": "https://mz.example/@club",
        }))
        .expect("reads");
        assert_eq!(l.group.as_deref(), Some("https://mz.example/@club"));
        assert!(
            parse_todo(&json!({"type": "Todo", "id": "https://mz.example/todo/2", "name": "x"})).is_err()
        );
    }
}
