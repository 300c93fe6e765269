//! A group's todo lists, for its members only: the lists (/@group/todos), a
//! list with its todos (/todo-list/<uuid>), a todo (/todo/<uuid>), and the
//! forms that create, change, mark done and delete them. Anyone else gets
//! 404, as for an id that does not exist. The same URLs answer ActivityPub
//! JSON to a signed fetch by a member.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::activitypub::wants_activity_json;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::group_collections::members_only_collection;
use super::group_objects::{
    COLLECTION_MAX, Found, GroupObject, change_and_say, noindex, object, ordered_collection, visible,
    write_as_member,
};
use super::groups::{Viewing, viewing_for};
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::groups::Group;
use crate::db::todos::{self as db, Todo, TodoList};
use crate::domain::FieldErrors;
use crate::domain::Refused;
use crate::domain::members::{Action, Role, role_of};
use crate::domain::todos::{self as rules, TodoInput};
use crate::error::AppResult;
use crate::federation::objects::todo::{todo_json, todo_list_json};
use crate::urls;

#[derive(Template)]
#[template(path = "todos/lists.html")]
pub struct ListsPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub lists: Vec<TodoList>,
    pub title: String,
    pub errors: FieldErrors,
}

/// A list with its todos, or one todo: the page and its forms.
#[derive(Template)]
#[template(path = "todos/list.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub list: TodoList,
    pub todos: Vec<Todo>,
    /// Who a todo may be assigned to: (actor id, name), the group's members.
    pub members: Vec<(i64, String)>,
    pub input: TodoInput,
    pub errors: FieldErrors,
    pub rename: String,
    pub rename_errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "todos/todo.html")]
pub struct TodoPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub todo: Todo,
    pub members: Vec<(i64, String)>,
    pub input: TodoInput,
    pub errors: FieldErrors,
}

/// The shared wording of the pages.
pub trait Writes {
    fn viewing(&self) -> &Viewing;

    /// In a remote group too: its server gets the change.
    fn may_write(&self) -> bool {
        self.viewing().may(Action::WriteTodos)
    }
}

impl Writes for ListsPage {
    fn viewing(&self) -> &Viewing {
        &self.v
    }
}

impl Writes for ListPage {
    fn viewing(&self) -> &Viewing {
        &self.v
    }
}

impl Writes for TodoPage {
    fn viewing(&self) -> &Viewing {
        &self.v
    }
}

fn input_of(t: &Todo) -> TodoInput {
    TodoInput {
        title: t.title.clone(),
        status: if t.done { "true".into() } else { String::new() },
        due_date: t.due_date.clone().unwrap_or_default(),
        assigned_to_id: t.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
    }
}

async fn members_of(state: &AppState, group_id: i64) -> AppResult<Vec<(i64, String)>> {
    let rows = state.db.read(move |conn| crate::db::members::list_members(conn, group_id)).await?;
    Ok(rows
        .into_iter()
        .filter(|m| role_of(m).is_some_and(Role::is_member))
        .map(|m| {
            let name = if m.actor_name.is_empty() {
                m.handle()
            } else {
                format!("{} (@{})", m.actor_name, m.handle())
            };
            (m.actor_id, name)
        })
        .collect())
}

async fn lists_page(
    ctx: Ctx,
    state: &AppState,
    v: Viewing,
    title: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let group_id = v.group.id;
    let lists = state.db.read(move |conn| db::list_lists(conn, group_id)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { UNPROCESSABLE };
    Ok(noindex(super::render(status, &ListsPage { ctx, v, lists, title, errors })?))
}

/// `/@group/todos`: the group's lists, or (signed member fetch) the collection.
pub async fn lists(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    if wants_activity_json(&req) {
        return members_only_collection(&req, &state, &handle, |conn, group| {
            let rows = db::list_lists(conn, group.id)?;
            let items =
                rows.iter().take(COLLECTION_MAX as usize).map(|l| todo_list_json(l, &group.ap_id)).collect();
            Ok(ordered_collection(&format!("{}/todos", group.ap_id), group, items))
        })
        .await;
    }
    let v = viewing_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    lists_page(ctx, &state, v, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    pub title: String,
}

pub async fn create_list(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<TitleForm>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::WriteTodos).await?;
    let mut errors = FieldErrors::default();
    let title = rules::checked_title(&form.0.title, &mut errors);
    if !errors.is_empty() {
        return lists_page(ctx, &state, v, form.0.title, errors).await;
    }
    let outcome = write_as_member(&state, &v, move |tx, urls, group, by, now| {
        rules::create_list(tx, urls, group, by, &title, None, now)
    })
    .await?;
    Ok(match outcome {
        Ok(list) => flash::redirect(
            &state,
            &urls::todo_list(&list.uuid),
            FlashLevel::Info,
            msg!("The list is created."),
        ),
        Err(refusal) => flash::redirect(
            &state,
            &urls::group_page(&v.group.handle(), "todos"),
            FlashLevel::Error,
            refusal.message(),
        ),
    })
}

async fn list_page(state: &AppState, mut page: ListPage, status: StatusCode) -> AppResult<HttpResponse> {
    let list_id = page.list.id;
    page.todos = state.db.read(move |conn| db::list_todos(conn, list_id)).await?;
    page.members = members_of(state, page.v.group.id).await?;
    Ok(noindex(super::render(status, &page)?))
}

fn blank_list_page(ctx: Ctx, v: Viewing, list: TodoList) -> ListPage {
    let rename = list.title.clone();
    ListPage {
        ctx,
        v,
        list,
        todos: Vec::new(),
        members: Vec::new(),
        input: TodoInput::default(),
        errors: FieldErrors::default(),
        rename,
        rename_errors: FieldErrors::default(),
    }
}

/// `/todo-list/<uuid>`: the list and its todos.
pub async fn show_list(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    if wants_activity_json(&req) {
        return object(&req, &state, &uuid, db::find_list_by_uuid).await;
    }
    let (v, list) = visible(&ctx, &state, &uuid, Action::SeeMembersOnly, db::find_list_by_uuid).await?;
    let page = blank_list_page(ctx, v, list);
    list_page(&state, page, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct TodoForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub assigned_to_id: String,
}

impl TodoForm {
    fn input(&self) -> TodoInput {
        TodoInput {
            title: self.title.clone(),
            status: self.status.clone(),
            due_date: self.due_date.clone(),
            assigned_to_id: self.assigned_to_id.clone(),
        }
    }
}

/// Adds a todo to the list.
pub async fn add_todo(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<TodoForm>,
) -> AppResult<HttpResponse> {
    let (v, list) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_list_by_uuid).await?;
    let input = form.0.input();
    let checked = {
        let (group_id, input) = (v.group.id, input.clone());
        state.db.read(move |conn| rules::validate(conn, group_id, &input)).await?
    };
    let checked = match checked {
        Ok(checked) => checked,
        Err(errors) => {
            let mut page = blank_list_page(ctx, v, list);
            (page.input, page.errors) = (input, errors);
            return list_page(&state, page, UNPROCESSABLE).await;
        }
    };
    let back = urls::todo_list(&list.uuid);
    change_and_say(&state, &v, &back, msg!("The todo is added."), move |tx, urls, group, by, now| {
        rules::create_todo(tx, urls, group, by, &list, &checked, None, now)
    })
    .await
}

pub async fn rename_list(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<TitleForm>,
) -> AppResult<HttpResponse> {
    let (v, list) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_list_by_uuid).await?;
    let mut errors = FieldErrors::default();
    let title = rules::checked_title(&form.0.title, &mut errors);
    if !errors.is_empty() {
        let mut page = blank_list_page(ctx, v, list);
        (page.rename, page.rename_errors) = (form.0.title, errors);
        return list_page(&state, page, UNPROCESSABLE).await;
    }
    let back = urls::todo_list(&list.uuid);
    change_and_say(&state, &v, &back, msg!("Saved."), move |tx, urls, group, by, now| {
        rules::rename_list(tx, urls, group, by, &list, &title, now)
    })
    .await
}

pub async fn delete_list(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (v, list) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_list_by_uuid).await?;
    let back = urls::group_page(&v.group.handle(), "todos");
    change_and_say(&state, &v, &back, msg!("Deleted."), move |tx, urls, group, by, now| {
        rules::delete_list(tx, urls, group, by, &list, now)
    })
    .await
}

async fn todo_page(
    ctx: Ctx,
    state: &AppState,
    v: Viewing,
    todo: Todo,
    input: TodoInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let members = members_of(state, v.group.id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { UNPROCESSABLE };
    Ok(noindex(super::render(status, &TodoPage { ctx, v, todo, members, input, errors })?))
}

/// `/todo/<uuid>`: a todo with its form.
pub async fn show_todo(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    if wants_activity_json(&req) {
        return object(&req, &state, &uuid, db::find_todo_by_uuid).await;
    }
    let (v, todo) = visible(&ctx, &state, &uuid, Action::SeeMembersOnly, db::find_todo_by_uuid).await?;
    let input = input_of(&todo);
    todo_page(ctx, &state, v, todo, input, FieldErrors::default()).await
}

/// Saves the todo's form (title, done, due date, assignee).
pub async fn update_todo(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<TodoForm>,
) -> AppResult<HttpResponse> {
    let (v, todo) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_todo_by_uuid).await?;
    let input = form.0.input();
    let checked = {
        let (group_id, input) = (v.group.id, input.clone());
        state.db.read(move |conn| rules::validate(conn, group_id, &input)).await?
    };
    let checked = match checked {
        Ok(checked) => checked,
        Err(errors) => return todo_page(ctx, &state, v, todo, input, errors).await,
    };
    let back = urls::todo_list(&todo.list_uuid);
    change_and_say(&state, &v, &back, msg!("Saved."), move |tx, urls, group, by, now| {
        rules::update_todo(tx, urls, group, by, &todo, &checked, now)
    })
    .await
}

#[derive(Deserialize)]
pub struct DoneForm {
    /// "true": done; anything else: not done.
    #[serde(default)]
    pub status: String,
}

/// The list's checkbox button: done, or not done again.
pub async fn mark_done(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<DoneForm>,
) -> AppResult<HttpResponse> {
    let (v, todo) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_todo_by_uuid).await?;
    let checked = rules::Checked {
        title: todo.title.clone(),
        done: form.0.status == "true",
        due_date: todo.due_date.clone(),
        assignee_id: todo.assignee_id,
    };
    let back = urls::todo_list(&todo.list_uuid);
    change_and_say(&state, &v, &back, msg!("Saved."), move |tx, urls, group, by, now| {
        rules::update_todo(tx, urls, group, by, &todo, &checked, now)
    })
    .await
}

pub async fn delete_todo(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (v, todo) = visible(&ctx, &state, &uuid, Action::WriteTodos, db::find_todo_by_uuid).await?;
    let back = urls::todo_list(&todo.list_uuid);
    change_and_say(&state, &v, &back, msg!("Deleted."), move |tx, urls, group, by, now| {
        rules::delete_todo(tx, urls, group, by, &todo, now)
    })
    .await
}

impl GroupObject for TodoList {
    fn group_id(&self) -> i64 {
        self.group_id
    }

    fn deleted(&self) -> bool {
        self.is_deleted()
    }

    fn found(self, group: Group) -> Found {
        Found {
            document: todo_list_json(&self, &group.ap_id),
            former_type: "TodoList",
            local: self.local,
            ap_id: self.ap_id,
            deleted_at: self.deleted_at,
            group,
        }
    }
}

impl GroupObject for Todo {
    fn group_id(&self) -> i64 {
        self.group_id
    }

    fn deleted(&self) -> bool {
        self.is_deleted()
    }

    fn found(self, group: Group) -> Found {
        Found {
            document: todo_json(&self, &group.ap_id),
            former_type: "Todo",
            local: self.local,
            ap_id: self.ap_id,
            deleted_at: self.deleted_at,
            group,
        }
    }
}
