//! A group's resources, for its members only: the root (/@group/resources),
//! a folder or a link (/resource/<uuid>), and the forms that add a folder, a
//! link or a new pad / spreadsheet / video call, rename, move and delete.
//! Anyone else gets 404, exactly as for an id that does not exist. The same
//! URLs answer ActivityPub JSON to a signed fetch by a member.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::activitypub::{document, wants_activity_json};
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::groups::{Viewing, viewing_for};
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::groups::Group;
use crate::db::resources::{self as db, Resource};
use crate::domain::FieldErrors;
use crate::domain::members::{Action, allows, role_of};
use crate::domain::resources::{self as rules, Refusal, ResourceInput, TOOL_KINDS};
use crate::error::{AppError, AppResult};
use crate::federation::objects::resource::{resource_json, tombstone, wire_type};
use crate::federation::outbox_resources::{By, context_of};
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

/// The group `group_id` for the viewer (404 unless they may `action` there;
/// members without the right get 403, as on the group's own pages).
pub async fn viewing_group(ctx: &Ctx, state: &AppState, group_id: i64, action: Action) -> AppResult<Viewing> {
    let user_id = ctx.require_user()?.user_id;
    let (group, member) = state
        .db
        .read(move |conn| {
            let group = crate::db::groups::find_group(conn, group_id)?;
            let member = crate::db::members::find_best_for_user(conn, group_id, user_id)?;
            Ok((group, member))
        })
        .await?;
    let group = group.filter(|g| !g.deleted).ok_or(AppError::NotFound)?;
    let role = member.as_ref().and_then(role_of);
    if !allows(role, Action::SeeMembersOnly) {
        return Err(AppError::NotFound);
    }
    if !allows(role, action) {
        return Err(AppError::Forbidden);
    }
    Ok(Viewing { group, member, role })
}

fn uuid_of(text: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(text).map(|u| u.to_string()).map_err(|_| AppError::NotFound)
}

/// A resource our member may change (in our group, or in a remote one: its
/// server gets the change).
async fn changeable(ctx: &Ctx, state: &AppState, uuid: &str) -> AppResult<(Viewing, Resource)> {
    visible(ctx, state, uuid, Action::WriteResources).await
}

/// A resource and its group, for a member (404 for anyone else; 410 once deleted).
async fn visible(ctx: &Ctx, state: &AppState, uuid: &str, action: Action) -> AppResult<(Viewing, Resource)> {
    ctx.require_user()?;
    let uuid = uuid_of(uuid)?;
    let r = state.db.read(move |conn| db::find_by_uuid(conn, &uuid)).await?.ok_or(AppError::NotFound)?;
    let v = viewing_group(ctx, state, r.group_id, action).await?;
    if r.is_deleted() {
        return Err(AppError::Gone);
    }
    Ok((v, r))
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
        let mut response = super::render(status, &self)?;
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-robots-tag"),
            actix_web::http::header::HeaderValue::from_static("noindex"),
        );
        Ok(response)
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
        return object(&req, &state, &uuid).await;
    }
    let (v, r) = visible(&ctx, &state, &uuid, Action::SeeMembersOnly).await?;
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

fn said(state: &AppState, back: &str, outcome: Result<(), Refusal>, done: &'static str) -> HttpResponse {
    match outcome {
        Ok(()) => flash::redirect(state, back, FlashLevel::Info, done),
        Err(refusal) => flash::redirect(state, back, FlashLevel::Error, refusal.message()),
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
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let member = v.member.clone().ok_or(AppError::Forbidden)?;
    let outcome = state
        .db
        .write(move |tx| {
            rules::create(tx, &urls, &group, By::here(&member), parent.as_ref(), &fields, None, now)
                .map(|o| o.map(|_| ()))
        })
        .await?;
    let done =
        if form.kind == "folder" { msg!("The folder is created.") } else { msg!("The link is added.") };
    Ok(said(&state, &back, outcome, done))
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
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let member = v.member.clone().ok_or(AppError::Forbidden)?;
    let outcome = state
        .db
        .write(move |tx| rules::rename(tx, &urls, &group, By::here(&member), &r, &fields, now))
        .await?;
    Ok(said(&state, &back, outcome, msg!("Saved.")))
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
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let member = v.member.clone().ok_or(AppError::Forbidden)?;
    let outcome = {
        let r = r.clone();
        state
            .db
            .write(move |tx| rules::move_to(tx, &urls, &group, By::here(&member), &r, target.as_ref(), now))
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
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let member = v.member.clone().ok_or(AppError::Forbidden)?;
    let outcome =
        state.db.write(move |tx| rules::delete(tx, &urls, &group, By::here(&member), &r, now)).await?;
    Ok(said(&state, &back, outcome, msg!("Deleted.")))
}

/// Whether this GET is signed by a member of the group (a stored remote
/// actor whose key verifies; see `federation::signed_fetch`).
pub async fn signed_member(req: &HttpRequest, state: &AppState, group_id: i64) -> AppResult<bool> {
    let (get, now) = (crate::federation::signed_fetch::SignedGet::of(req, state.urls.host()), state.now());
    state
        .db
        .read(move |conn| {
            let crate::federation::signed_fetch::Signer::Verified(actor) = get.signer(conn, now)? else {
                return Ok(false);
            };
            let role = crate::db::members::find_between(conn, group_id, actor)?.as_ref().and_then(role_of);
            Ok(allows(role, Action::SeeMembersOnly))
        })
        .await
}

/// A resource of ours as ActivityPub JSON: to a signed fetch by a member of
/// its group (for one our member added to a remote group: also the group
/// and its server, which fetch for their members); a deleted one is an
/// empty Tombstone (410) for anyone, as Mobilizon checks before it applies a
/// Delete; 404 otherwise.
async fn object(req: &HttpRequest, state: &AppState, uuid: &str) -> AppResult<HttpResponse> {
    let uuid = uuid_of(uuid)?;
    let found = state
        .db
        .read(move |conn| {
            let Some(r) = db::find_by_uuid(conn, &uuid)? else { return Ok(None) };
            Ok(crate::db::groups::find_group(conn, r.group_id)?.map(|g| (r, g)))
        })
        .await?;
    let Some((r, group)) = found.filter(|(r, _)| r.local) else {
        return Err(AppError::NotFound);
    };
    if let Some(deleted) = r.deleted_at {
        return Ok(document(
            actix_web::http::StatusCode::GONE,
            tombstone(&r.ap_id, wire_type(&r.kind), deleted),
        ));
    }
    let allowed = if group.is_local() {
        signed_member(req, state, group.id).await?
    } else {
        super::discussions_ap::signed_reader(req, state, &group).await?
    };
    if group.deleted || !allowed {
        return Err(AppError::NotFound);
    }
    let doc = resource_json(&r, &group.ap_id, &context_of(&group, r.parent_ap_id.as_deref()));
    Ok(document(actix_web::http::StatusCode::OK, doc))
}

/// Most items a members-only collection lists (one page, inlined).
pub const COLLECTION_MAX: i64 = 500;

/// A members-only collection of one of our groups, to a signed member fetch.
pub fn ordered_collection(id: &str, group: &Group, items: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "type": "OrderedCollection",
        "id": id,
        "attributedTo": group.ap_id,
        "totalItems": items.len(),
        "first": {
            "type": "OrderedCollectionPage",
            "id": format!("{id}?page=1"),
            "partOf": id,
            "orderedItems": items,
        },
    })
}

/// The group (ours, live) a collection URL names, if a member signed the fetch.
pub async fn collection_owner(req: &HttpRequest, state: &AppState, handle: &str) -> AppResult<Group> {
    let handle = handle.to_string();
    let group = state
        .db
        .read(move |conn| crate::db::groups::find_by_handle(conn, &handle))
        .await?
        .filter(|g| g.is_local() && !g.deleted)
        .ok_or(AppError::NotFound)?;
    if !signed_member(req, state, group.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(group)
}

/// `/@group/resources` as an OrderedCollection of its resources.
async fn collection(req: &HttpRequest, state: &AppState, handle: &str) -> AppResult<HttpResponse> {
    let group = collection_owner(req, state, handle).await?;
    let group_id = group.id;
    let rows = state.db.read(move |conn| db::list_group_resources(conn, group_id, COLLECTION_MAX)).await?;
    let items = rows
        .iter()
        .map(|r| resource_json(r, &group.ap_id, &context_of(&group, r.parent_ap_id.as_deref())))
        .collect();
    let id = crate::federation::outbox_resources::resources_collection(&group);
    Ok(document(actix_web::http::StatusCode::OK, ordered_collection(&id, &group, items)))
}
