//! A group's resources, for its members only: the root (/@group/resources),
//! a folder or a link (/resource/<uuid>), and the forms that add a folder, a
//! link or a new pad / spreadsheet / video call, rename, move and delete.
//! Anyone else gets 404, exactly as for an id that does not exist. The same
//! URLs answer ActivityPub JSON to a signed fetch by a member.

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
    COLLECTION_MAX, Found, GroupObject, change_and_say, noindex, object, ordered_collection, uuid_of,
    visible, write_as_member,
};
use super::groups::{Viewing, viewing_for};
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::groups::Group;
use crate::db::resources::{self as db, Resource};
use crate::domain::FieldErrors;
use crate::domain::Refused;
use crate::domain::members::Action;
use crate::domain::resources::{self as rules, ResourceInput, TOOL_KINDS};
use crate::error::{AppError, AppResult};
use crate::federation::objects::resource::{resource_json, wire_type};
use crate::federation::outbox_resources::context_of;
use crate::urls;

/// The page of the root, a folder or a link, with its forms.
#[derive(Template)]
#[template(path = "resources/show.html")]
pub struct ResourcePage {
    pub ctx: Ctx,
    pub v: Viewing,
    /// The folder or link shown; None: the group's root.
    pub resource: Option<Resource>,
    /// The folders above it: (uuid, title), outermost first.
    pub breadcrumb: Vec<(String, String)>,
    pub children: Vec<Resource>,
    /// Where it may move: (folder uuid, path), "" for the root.
    pub targets: Vec<(String, String)>,
    /// The buttons the instance offers: (kind, label).
    pub tools: Vec<(&'static str, &'static str)>,
    /// The "add" form and the "rename" form, as typed, with their errors.
    pub new: ResourceInput,
    pub new_errors: FieldErrors,
    pub edit: ResourceInput,
    pub edit_errors: FieldErrors,
    pub move_error: Option<&'static str>,
}

impl ResourcePage {
    /// May the viewer add here (in our group, or in a remote one: its
    /// server gets what they add).
    pub fn may_add(&self) -> bool {
        self.v.may(Action::WriteResources)
    }

    /// May the viewer rename, move and delete (in a remote group too: its
    /// server gets the change).
    pub fn may_write(&self) -> bool {
        self.v.may(Action::WriteResources)
    }

    pub fn is_folder(&self) -> bool {
        self.resource.as_ref().is_none_or(Resource::is_folder)
    }

    /// The form that adds here (the group's resources URL).
    pub fn add_action(&self) -> String {
        urls::group_page(&self.v.group.handle(), "resources")
    }

    pub fn parent_uuid(&self) -> &str {
        self.resource.as_ref().map(|r| r.uuid.as_str()).unwrap_or_default()
    }

    /// Where the "back" link leads: the folder above, or the root.
    pub fn up(&self) -> String {
        match self.resource.as_ref().and_then(|r| r.parent_uuid.as_deref()) {
            Some(parent) => urls::resource(parent),
            None => urls::group_page(&self.v.group.handle(), "resources"),
        }
    }

    pub fn kind_label(&self, kind: &str) -> &'static str {
        kind_label(kind)
    }
}

/// What the "add" form makes (the buttons make the other kinds).
pub const NEW_KINDS: &[(&str, &str)] = &[("link", msg!("Link")), ("folder", msg!("Folder"))];

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "folder" => msg!("Folder"),
        "pad" => msg!("Pad"),
        "calc" => msg!("Spreadsheet"),
        "visio" => msg!("Video call"),
        _ => msg!("Link"),
    }
}

fn tool_label(kind: &str) -> &'static str {
    match kind {
        "pad" => msg!("New pad"),
        "calc" => msg!("New spreadsheet"),
        _ => msg!("New video call"),
    }
}

fn tools(state: &AppState) -> Vec<(&'static str, &'static str)> {
    TOOL_KINDS
        .iter()
        .filter(|k| state.config.groups.template(k).is_some())
        .map(|k| (*k, tool_label(k)))
        .collect()
}

/// A resource our member may change (in our group, or in a remote one: its
/// server gets the change).
async fn changeable(ctx: &Ctx, state: &AppState, uuid: &str) -> AppResult<(Viewing, Resource)> {
    visible(ctx, state, uuid, Action::WriteResources, db::find_by_uuid).await
}

/// Where `r` may go: every folder of the group but itself and what is inside it.
fn move_targets(
    conn: &rusqlite::Connection,
    group_id: i64,
    r: &Resource,
) -> AppResult<Vec<(String, String)>> {
    let folders = db::list_folders(conn, group_id)?;
    let path = |mut id: Option<i64>| {
        let mut parts = Vec::new();
        while let Some(i) = id {
            let Some(folder) = folders.iter().find(|f| f.id == i) else { break };
            parts.push(folder.title.clone());
            id = folder.parent_id;
            if parts.len() > 100 {
                break;
            }
        }
        parts.reverse();
        parts.join(" / ")
    };
    let mut out = Vec::new();
    for f in &folders {
        if !db::is_within(conn, f.id, r.id)? {
            out.push((f.uuid.clone(), path(Some(f.id))));
        }
    }
    out.sort_by_key(|(_, path)| path.to_lowercase());
    Ok(out)
}

impl ResourcePage {
    fn blank(ctx: Ctx, v: Viewing, resource: Option<Resource>) -> ResourcePage {
        let edit = resource
            .as_ref()
            .map(|r| ResourceInput {
                kind: r.kind.clone(),
                title: r.title.clone(),
                summary: r.summary.clone(),
                resource_url: r.url.clone(),
            })
            .unwrap_or_default();
        ResourcePage {
            ctx,
            v,
            resource,
            breadcrumb: Vec::new(),
            children: Vec::new(),
            targets: Vec::new(),
            tools: Vec::new(),
            new: ResourceInput { kind: "link".into(), ..ResourceInput::default() },
            new_errors: FieldErrors::default(),
            edit,
            edit_errors: FieldErrors::default(),
            move_error: None,
        }
    }

    /// Fills what the page lists, then renders it with `status`.
    async fn render(
        mut self,
        state: &AppState,
        status: actix_web::http::StatusCode,
    ) -> AppResult<HttpResponse> {
        let (group_id, resource) = (self.v.group.id, self.resource.clone());
        let (breadcrumb, children, targets) = state
            .db
            .read(move |conn| match &resource {
                None => Ok((Vec::new(), db::list_children(conn, group_id, None)?, Vec::new())),
                Some(r) => {
                    let children = if r.is_folder() {
                        db::list_children(conn, group_id, Some(r.id))?
                    } else {
                        Vec::new()
                    };
                    Ok((db::list_ancestors(conn, r.id)?, children, move_targets(conn, group_id, r)?))
                }
            })
            .await?;
        (self.breadcrumb, self.children, self.targets, self.tools) =
            (breadcrumb, children, targets, tools(state));
        Ok(noindex(super::render(status, &self)?))
    }
}

/// `/@group/resources`: the root, or (signed member fetch) the collection.
pub async fn index(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    if wants_activity_json(&req) {
        return collection(&req, &state, &handle).await;
    }
    let v = viewing_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    ResourcePage::blank(ctx, v, None).render(&state, actix_web::http::StatusCode::OK).await
}

/// `/resource/<uuid>`: a folder with its content, or a link with its preview.
pub async fn show(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    if wants_activity_json(&req) {
        return object(&req, &state, &uuid, db::find_by_uuid).await;
    }
    let (v, r) = visible(&ctx, &state, &uuid, Action::SeeMembersOnly, db::find_by_uuid).await?;
    ResourcePage::blank(ctx, v, Some(r)).render(&state, actix_web::http::StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ResourceForm {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub resource_url: String,
    /// The folder (its uuid) it goes in; empty: the root.
    #[serde(default)]
    pub parent_id: String,
}

fn input_of(form: &ResourceForm) -> ResourceInput {
    ResourceInput {
        kind: form.kind.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        resource_url: form.resource_url.clone(),
    }
}

/// A folder of `group` named by uuid in a form (None: the root); 404 otherwise.
async fn folder_of(state: &AppState, group: &Group, uuid: &str) -> AppResult<Option<Resource>> {
    if uuid.trim().is_empty() {
        return Ok(None);
    }
    let uuid = uuid_of(uuid.trim())?;
    let group_id = group.id;
    let folder = state.db.read(move |conn| db::find_by_uuid(conn, &uuid)).await?;
    match folder {
        Some(f) if f.group_id == group_id && f.is_folder() && !f.is_deleted() => Ok(Some(f)),
        _ => Err(AppError::NotFound),
    }
}

/// Adds a folder, a link, or (the buttons) a new pad, spreadsheet or call,
/// in our group or in a remote one (then sent to the group's server).
pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<ResourceForm>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::WriteResources).await?;
    let form = form.0;
    let parent = folder_of(&state, &v.group, &form.parent_id).await?;
    let mut input = input_of(&form);
    if TOOL_KINDS.contains(&input.kind.as_str()) {
        let template = state.config.groups.template(&input.kind).ok_or(AppError::NotFound)?;
        input.resource_url = template.replace("{uuid}", &uuid::Uuid::new_v4().to_string());
        if input.title.trim().is_empty() {
            input.title = ctx.tr.t(kind_label(&input.kind)).to_string();
        }
    }
    let fields = match rules::validate(&input) {
        Ok(fields) => fields,
        Err(errors) => {
            let mut page = ResourcePage::blank(ctx, v, parent);
            (page.new, page.new_errors) = (input, errors);
            return page.render(&state, UNPROCESSABLE).await;
        }
    };
    let back = match &parent {
        Some(p) => urls::resource(&p.uuid),
        None => urls::group_page(&v.group.handle(), "resources"),
    };
    let done =
        if form.kind == "folder" { msg!("The folder is created.") } else { msg!("The link is added.") };
    change_and_say(&state, &v, &back, done, move |tx, urls, group, by, now| {
        rules::create(tx, urls, group, by, parent.as_ref(), &fields, None, now)
    })
    .await
}

/// New title and summary (and target, for a link).
pub async fn rename(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<ResourceForm>,
) -> AppResult<HttpResponse> {
    let (v, r) = changeable(&ctx, &state, &uuid).await?;
    let mut input = input_of(&form.0);
    input.kind = r.kind.clone();
    let fields = match rules::validate(&input) {
        Ok(fields) => fields,
        Err(errors) => {
            let mut page = ResourcePage::blank(ctx, v, Some(r));
            (page.edit, page.edit_errors) = (input, errors);
            return page.render(&state, UNPROCESSABLE).await;
        }
    };
    let back = urls::resource(&r.uuid);
    change_and_say(&state, &v, &back, msg!("Saved."), move |tx, urls, group, by, now| {
        rules::rename(tx, urls, group, by, &r, &fields, now)
    })
    .await
}

/// Into another folder (`parent_id`: its uuid, empty for the root).
pub async fn move_to(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<ResourceForm>,
) -> AppResult<HttpResponse> {
    let (v, r) = changeable(&ctx, &state, &uuid).await?;
    let target = folder_of(&state, &v.group, &form.0.parent_id).await?;
    let outcome = {
        let r = r.clone();
        write_as_member(&state, &v, move |tx, urls, group, by, now| {
            rules::move_to(tx, urls, group, by, &r, target.as_ref(), now)
        })
        .await?
    };
    match outcome {
        Ok(()) => Ok(flash::redirect(&state, &urls::resource(&r.uuid), FlashLevel::Info, msg!("Moved."))),
        Err(refusal) => {
            let mut page = ResourcePage::blank(ctx, v, Some(r));
            page.move_error = Some(refusal.message());
            page.render(&state, UNPROCESSABLE).await
        }
    }
}

/// Deletes it (a folder with everything in it).
pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (v, r) = changeable(&ctx, &state, &uuid).await?;
    let back = match &r.parent_uuid {
        Some(parent) => urls::resource(parent),
        None => urls::group_page(&v.group.handle(), "resources"),
    };
    change_and_say(&state, &v, &back, msg!("Deleted."), move |tx, urls, group, by, now| {
        rules::delete(tx, urls, group, by, &r, now)
    })
    .await
}

impl GroupObject for Resource {
    fn group_id(&self) -> i64 {
        self.group_id
    }

    fn deleted(&self) -> bool {
        self.is_deleted()
    }

    fn found(self, group: Group) -> Found {
        Found {
            document: resource_json(&self, &group.ap_id, &context_of(&group, self.parent_ap_id.as_deref())),
            former_type: wire_type(&self.kind),
            local: self.local,
            ap_id: self.ap_id,
            deleted_at: self.deleted_at,
            group,
        }
    }
}

/// `/@group/resources` as an OrderedCollection of its resources.
async fn collection(req: &HttpRequest, state: &AppState, handle: &str) -> AppResult<HttpResponse> {
    members_only_collection(req, state, handle, |conn, group| {
        let rows = db::list_group_resources(conn, group.id, COLLECTION_MAX)?;
        let items = rows
            .iter()
            .map(|r| resource_json(r, &group.ap_id, &context_of(group, r.parent_ap_id.as_deref())))
            .collect();
        let id = crate::federation::outbox_resources::resources_collection(group);
        Ok(ordered_collection(&id, group, items))
    })
    .await
}
