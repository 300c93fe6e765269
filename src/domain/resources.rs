//! A group's resources: the form's rules, and creating, renaming, moving and
//! deleting folders and links, for our members (the web forms) and for
//! remote members (the inbox) alike; and what our members add to and
//! change in a remote group they belong to. Every permission goes through the
//! matrix (`members::allows` with `WriteResources`); resources exist for
//! members only, so nothing here ever reaches a follower, a feed or search.

use rusqlite::Transaction;

use super::FieldErrors;
use super::group_objects::{self, Stop};
use super::members::Action;
use crate::db::groups::Group;
use crate::db::resources::{self as db, NewResource, Resource};
use crate::error::{AppError, AppResult};
use crate::federation::outbox_resources::{self as outbox, By, context_of};
use crate::time::Timestamp;
use crate::urls::{self, Urls};

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 1000;
pub const URL_MAX: usize = 2000;

/// Every kind of resource; the last three are links the pad, spreadsheet
/// and video-call buttons make.
pub const KINDS: [&str; 5] = ["folder", "link", "pad", "calc", "visio"];
pub const TOOL_KINDS: [&str; 3] = ["pad", "calc", "visio"];

/// The resource form as typed (Mobilizon's `createResource` arguments).
#[derive(Debug, Clone, Default)]
pub struct ResourceInput {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub resource_url: String,
}

/// A checked resource, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Empty for a folder.
    pub url: String,
}

/// Why a change is refused (it changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed,
    NotAFolder,
    IntoItself,
    Gone,
}

impl super::Refused for Refusal {
    fn message(self) -> &'static str {
        match self {
            Refusal::NotAllowed => msg!("Your role in this group does not allow this."),
            Refusal::NotAFolder => msg!("Choose a folder of this group."),
            Refusal::IntoItself => msg!("A folder cannot go into itself or into one of its own folders."),
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

/// A user-given link: http or https with a host, no credentials, not too
/// long (SECURITY W-08: anything else is refused here, before it is stored).
pub fn checked_url(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(msg!("Give the address of the page."));
    }
    if text.len() > URL_MAX {
        return Err(msg!("An address has at most 2000 characters."));
    }
    let Ok(url) = url::Url::parse(text) else {
        return Err(msg!("This is not a web address: write it whole, starting with https://."));
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(msg!("Only web addresses (starting with https:// or http://) can be added."));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(msg!("This is not a web address: write it whole, starting with https://."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(msg!("An address may not contain a user name or a password."));
    }
    Ok(url.to_string())
}

pub fn title_problem(title: &str) -> Option<&'static str> {
    if title.is_empty() {
        Some(msg!("Give it a title."))
    } else if title.chars().count() > TITLE_MAX {
        Some(msg!("A title has at most 200 characters."))
    } else {
        None
    }
}

/// Checks the form. Titles are one line; the summary is plain text.
pub fn validate(input: &ResourceInput) -> Result<Fields, FieldErrors> {
    let mut errors = FieldErrors::default();
    if !KINDS.contains(&input.kind.as_str()) {
        errors.add("type", msg!("Choose one of the listed values."));
    }
    let title = super::events::one_line(&input.title);
    if let Some(problem) = title_problem(&title) {
        errors.add("title", problem);
    }
    let summary = input.summary.trim().replace("\r\n", "\n");
    if summary.chars().count() > SUMMARY_MAX {
        errors.add("summary", msg!("A summary has at most 1000 characters."));
    }
    let url = if input.kind == "folder" {
        String::new()
    } else {
        checked_url(&input.resource_url).unwrap_or_else(|problem| {
            errors.add("resource_url", problem);
            String::new()
        })
    };
    if errors.is_empty() { Ok(Fields { kind: input.kind.clone(), title, summary, url }) } else { Err(errors) }
}

/// May `by` add to the resources of `group`? In a remote group, only one
/// of our profiles, from here: the resource is ours and its Create goes to
/// the group's server, which checks the role again.
fn may_add(group: &Group, by: &By) -> bool {
    group_objects::may_write(group, by, Action::WriteResources)
}

/// Whether a rename, move or delete of `r` stops before its own rules. The
/// same right as adding: in a remote group, one of our profiles asks from
/// here (the change is made here at once, as an addition is, and sent to
/// the group's server, which checks the role again and passes it on).
fn stopped(group: &Group, by: &By, r: &Resource) -> Option<Refusal> {
    group_objects::stop(group, by, Action::WriteResources, r.group_id, r.is_deleted()).map(Refusal::from)
}

fn reload(tx: &Transaction, id: i64) -> AppResult<Resource> {
    db::find_resource(tx, id)?.ok_or_else(|| AppError::internal("resource row vanished"))
}

/// A plain link added or changed here gets its preview read. Not a pad,
/// spreadsheet or call (opening one may create it on its service), and not
/// what a remote member sent (their server reads its own previews; ours
/// would fetch any address a peer chose).
fn wants_preview(r: &Resource, by: &By) -> bool {
    r.kind == "link" && by.relayed.is_none()
}

/// Is `folder` a live folder of `group` (None, the root, always is)?
fn is_folder_of(group: &Group, folder: Option<&Resource>) -> bool {
    folder.is_none_or(|f| f.group_id == group.id && f.is_folder() && !f.is_deleted())
}

/// Adds a folder or a link in `parent` (None: the root), in our group or
/// (by one of our profiles) in a remote group. `remote_ap_id` is the id a
/// remote member's server gave it; None makes one of ours.
#[allow(clippy::too_many_arguments)]
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    parent: Option<&Resource>,
    fields: &Fields,
    remote_ap_id: Option<&str>,
    now: Timestamp,
) -> Outcome<Resource> {
    if !may_add(group, &by) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !is_folder_of(group, parent) {
        return Ok(Err(Refusal::NotAFolder));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = remote_ap_id.map(str::to_string).unwrap_or_else(|| urls.resource(&uuid));
    let id = db::insert_resource(
        tx,
        &NewResource {
            uuid: &uuid,
            ap_id: &ap_id,
            group_id: group.id,
            parent_id: parent.map(|p| p.id),
            kind: &fields.kind,
            title: &fields.title,
            summary: &fields.summary,
            url: &fields.url,
            creator_id: Some(by.member.actor_id),
            local: remote_ap_id.is_none(),
        },
        now,
    )?;
    let r = reload(tx, id)?;
    group_objects::record(tx, group, &by, "resource_created", &r.title, &urls::resource(&r.uuid), now)?;
    outbox::created(tx, group, &r, by, now)?;
    if wants_preview(&r, &by) {
        crate::jobs::link_previews::schedule(tx, r.id, &r.url, now)?;
    }
    Ok(Ok(r))
}

/// A new title and summary (and, for a link, target).
pub fn rename(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    r: &Resource,
    fields: &Fields,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, r) {
        return Ok(Err(refusal));
    }
    let url = if r.is_folder() { "" } else { fields.url.as_str() };
    if r.title == fields.title && r.summary == fields.summary && r.url == url {
        return Ok(Ok(()));
    }
    db::update_text(tx, r.id, &fields.title, &fields.summary, url, now)?;
    let new = reload(tx, r.id)?;
    group_objects::record(tx, group, &by, "resource_renamed", &new.title, &urls::resource(&new.uuid), now)?;
    outbox::updated(tx, urls, group, &new, by, now)?;
    if new.url != r.url && wants_preview(&new, &by) {
        crate::jobs::link_previews::schedule(tx, new.id, &new.url, now)?;
    }
    Ok(Ok(()))
}

/// Moves `r` into `target` (None: the root). A folder never goes into
/// itself or into one of its own folders.
pub fn move_to(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    r: &Resource,
    target: Option<&Resource>,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, r) {
        return Ok(Err(refusal));
    }
    if !is_folder_of(group, target) {
        return Ok(Err(Refusal::NotAFolder));
    }
    if let Some(t) = target
        && db::is_within(tx, t.id, r.id)?
    {
        return Ok(Err(Refusal::IntoItself));
    }
    let target_id = target.map(|t| t.id);
    if r.parent_id == target_id {
        return Ok(Ok(()));
    }
    let origin = context_of(group, r.parent_ap_id.as_deref());
    db::update_parent(tx, r.id, target_id, now)?;
    let new = reload(tx, r.id)?;
    group_objects::record(tx, group, &by, "resource_moved", &new.title, &urls::resource(&new.uuid), now)?;
    outbox::moved(tx, urls, group, &new, &origin, by, now)?;
    Ok(Ok(()))
}

/// Deletes `r`, and everything in it if it is a folder.
pub fn delete(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    by: By,
    r: &Resource,
    now: Timestamp,
) -> Outcome<()> {
    if let Some(refusal) = stopped(group, &by, r) {
        return Ok(Err(refusal));
    }
    db::mark_deleted(tx, r.id, now)?;
    group_objects::record(tx, group, &by, "resource_deleted", &r.title, "", now)?;
    outbox::deleted(tx, urls, group, r, by, now)?;
    Ok(Ok(()))
}

/// Where a remote group's resource goes: the folder its `context` names
/// (one of that group's live folders), else the root.
pub fn parent_of_context(tx: &Transaction, group_id: i64, context: Option<&str>) -> AppResult<Option<i64>> {
    let Some(context) = context else { return Ok(None) };
    Ok(db::find_by_ap_id(tx, context)?
        .filter(|f| f.group_id == group_id && f.is_folder() && !f.is_deleted())
        .map(|f| f.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, title: &str, url: &str) -> ResourceInput {
        ResourceInput {
            kind: kind.into(),
            title: title.into(),
            summary: String::new(),
            resource_url: url.into(),
        }
    }

    #[test]
    fn links_must_be_web_addresses() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "gopher://x",
            "ftp://x.example/",
            "example.org",
            "https://user:secret@x.example/",
            "",
        ] {
            let errors = validate(&input("link", "A", bad)).expect_err(bad);
            assert!(errors.has("resource_url"), "{bad}");
        }
        let ok = validate(&input("link", "  A \n title ", " https://x.example/a?b#c ")).expect("valid");
        assert_eq!(ok.title, "A title");
        assert_eq!(ok.url, "https://x.example/a?b#c");
        // A private address is a valid link; the preview is what refuses it.
        assert!(validate(&input("link", "Router", "http://127.0.0.1/")).is_ok());
    }

    #[test]
    fn folders_need_a_title_and_no_address() {
        assert!(validate(&input("folder", " ", "")).expect_err("no title").has("title"));
        let f = validate(&input("folder", "Docs", "javascript:ignored")).expect("valid");
        assert_eq!(f.url, "");
        assert!(validate(&input("picture", "x", "https://x.example/")).expect_err("kind").has("type"));
        assert!(validate(&input("folder", &"x".repeat(201), "")).expect_err("long").has("title"));
    }
}
