//! Groups: the creation and settings form's rules, creating (the founder
//! becomes its creator member), changing and deleting a group of ours, and
//! what a viewer may see of one.

use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use super::accounts::{display_name_problem, username_problem};
use crate::config::Config;
use crate::db::events::Address;
use crate::db::groups::{self as db, Group, GroupSettings, NewGroup};
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls::Urls;

pub const SUMMARY_MAX: usize = 5000;

pub const VISIBILITIES: &[(&str, &str)] = &[
    ("public", msg!("Public: listed on this instance and found by search")),
    ("unlisted", msg!("Unlisted: only people with the link find it")),
];
pub const OPENNESS: &[(&str, &str)] = &[
    ("open", msg!("Anyone can join")),
    ("moderated", msg!("Anyone can ask to join; moderators approve each request")),
    ("invite_only", msg!("Only invited people can join")),
];

/// The group form as typed.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub username: String,
    pub name: String,
    pub summary: String,
    pub visibility: String,
    pub openness: String,
    pub manually_approves_followers: bool,
    pub address_description: String,
    pub address_street: String,
    pub address_postal_code: String,
    pub address_locality: String,
    pub address_region: String,
    pub address_country: String,
}

impl Default for GroupInput {
    fn default() -> GroupInput {
        GroupInput {
            username: String::new(),
            name: String::new(),
            summary: String::new(),
            visibility: "public".into(),
            openness: "moderated".into(),
            manually_approves_followers: false,
            address_description: String::new(),
            address_street: String::new(),
            address_postal_code: String::new(),
            address_locality: String::new(),
            address_region: String::new(),
            address_country: String::new(),
        }
    }
}

impl GroupInput {
    pub fn from_group(g: &Group) -> GroupInput {
        GroupInput {
            username: g.username.clone(),
            name: g.name.clone(),
            summary: g.summary_source.clone(),
            visibility: g.visibility().into(),
            openness: g.openness.clone(),
            manually_approves_followers: g.manually_approves_followers,
            address_description: g.address.description.clone(),
            address_street: g.address.street.clone(),
            address_postal_code: g.address.postal_code.clone(),
            address_locality: g.address.locality.clone(),
            address_region: g.address.region.clone(),
            address_country: g.address.country.clone(),
        }
    }

    fn address(&self) -> Address {
        let one = |s: &str| super::events::one_line(s);
        Address {
            description: one(&self.address_description),
            street: one(&self.address_street),
            postal_code: one(&self.address_postal_code),
            locality: one(&self.address_locality),
            region: one(&self.address_region),
            country: one(&self.address_country),
            latitude: None,
            longitude: None,
        }
    }
}

/// Checks everything but the username (which never changes).
pub fn validate_edit(input: &GroupInput) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if input.name.trim().is_empty() {
        errors.add("name", msg!("Give the group a name."));
    } else if let Some(problem) = display_name_problem(&input.name) {
        errors.add("name", problem);
    }
    if input.summary.chars().count() > SUMMARY_MAX {
        errors.add("summary", msg!("A description has at most 5000 characters."));
    }
    if !VISIBILITIES.iter().any(|(k, _)| *k == input.visibility) {
        errors.add("visibility", msg!("Choose one of the listed values."));
    }
    if !OPENNESS.iter().any(|(k, _)| *k == input.openness) {
        errors.add("openness", msg!("Choose one of the listed values."));
    }
    let address = input.address();
    let parts = [
        ("address_description", &address.description),
        ("address_street", &address.street),
        ("address_postal_code", &address.postal_code),
        ("address_locality", &address.locality),
        ("address_region", &address.region),
        ("address_country", &address.country),
    ];
    for (field, text) in parts {
        if text.chars().count() > super::events::ADDRESS_PART_MAX {
            errors.add(field, msg!("This part of the address is too long (200 characters at most)."));
        }
    }
    errors
}

/// Checks a new group: the username shares the namespace of profiles.
pub fn validate_new(conn: &Connection, input: &GroupInput) -> AppResult<FieldErrors> {
    let mut errors = validate_edit(input);
    if let Some(problem) = username_problem(conn, &input.username)? {
        errors.add("username", problem);
    }
    Ok(errors)
}

/// Whether this account may create groups on this instance.
pub fn may_create(config: &Config, role: crate::db::users::Role) -> bool {
    !config.instance.only_admins_create_groups || role == crate::db::users::Role::Administrator
}

fn settings<'a>(input: &'a GroupInput, html: &'a str, address: &'a Address) -> GroupSettings<'a> {
    GroupSettings {
        name: input.name.trim(),
        summary_html: html,
        summary_source: input.summary.trim(),
        discoverable: input.visibility == "public",
        manually_approves_followers: input.manually_approves_followers,
        openness: &input.openness,
        address,
    }
}

/// Creates a group of ours, founded by `creator_id` (one of the account's
/// profiles), which becomes its creator member. Returns the group.
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    creator_id: i64,
    input: &GroupInput,
    now: Timestamp,
) -> AppResult<Group> {
    let username = input.username.as_str();
    let id = db::insert_group(
        tx,
        &NewGroup {
            ap_id: &urls.actor(username),
            username,
            name: input.name.trim(),
            inbox_url: &urls.actor_inbox(username),
            shared_inbox_url: &urls.shared_inbox(),
            outbox_url: &urls.actor_outbox(username),
            followers_url: &urls.actor_followers(username),
        },
        now,
    )?;
    let html = super::rich_text::markdown_to_html(input.summary.trim());
    let address = input.address();
    db::update_group(tx, id, &settings(input, &html, &address), now)?;
    crate::jobs::keys::schedule(tx, id, now)?;
    let group = db::find_group(tx, id)?.ok_or_else(|| AppError::internal("group not stored"))?;
    super::members::add_creator(tx, urls, &group, creator_id, now)?;
    crate::db::group_activities::insert_activity(
        tx,
        id,
        Some(creator_id),
        "group_created",
        &group.name,
        "",
        now,
    )?;
    Ok(group)
}

/// Saves the settings of one of our groups and tells the servers that know it.
pub fn update(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    author_id: i64,
    input: &GroupInput,
    now: Timestamp,
) -> AppResult<()> {
    let html = super::rich_text::markdown_to_html(input.summary.trim());
    let address = input.address();
    db::update_group(tx, group.id, &settings(input, &html, &address), now)?;
    crate::db::group_activities::insert_activity(
        tx,
        group.id,
        Some(author_id),
        "group_updated",
        input.name.trim(),
        "",
        now,
    )?;
    crate::federation::outbox_groups::group_updated(tx, urls, group.id, now)
}

/// Deletes one of our groups with its events (each deleted as the event
/// form would, so participants are told); its URL answers 410 from now on.
pub fn delete(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    now: Timestamp,
) -> AppResult<()> {
    let events: Vec<i64> = tx
        .prepare_cached("SELECT id FROM events WHERE attributed_to_id = ?1 AND deleted_at IS NULL")?
        .query_map([group.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in events {
        if let Some(event) = crate::db::events::find_event(tx, id)? {
            super::events::delete(tx, config, urls, &event, now)?;
        }
    }
    // Members-only text does not outlive the group.
    crate::db::discussions::delete_of_group(tx, group.id, now)?;
    // The Delete goes out while members and followers are still known.
    crate::federation::outbox_groups::group_deleted(tx, group, now)?;
    db::mark_deleted(tx, group.id, now)
}
