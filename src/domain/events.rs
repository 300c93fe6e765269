//! Events: the form's rules, who may see and manage an event, and the
//! changes (create, update, publish, delete) with the work they imply.

use chrono::{NaiveDateTime, TimeZone};
use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use super::event_options::{self as options, KEY_FEDIVERSE, KEY_PRICE, KEY_SIGN_LANGUAGE, KEY_SUBTITLES};
use super::event_options::{KEY_TICKET, KEY_WHEELCHAIR};
use crate::db::events::{self as db, Address, Event, EventFields, Metadata, NewEvent};
use crate::db::participants::{self, NewParticipant};
use crate::error::AppResult;
use crate::time::{Timestamp, parse_zone};
use crate::urls::Urls;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 100_000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX: usize = 40;
pub const ADDRESS_PART_MAX: usize = 200;
pub const URL_MAX: usize = 2000;
pub const CAPACITY_MAX: i64 = 1_000_000;

pub const STATUSES: &[(&str, &str)] =
    &[("confirmed", msg!("Confirmed")), ("tentative", msg!("Tentative")), ("cancelled", msg!("Cancelled"))];
pub const VISIBILITIES: &[(&str, &str)] = &[
    ("public", msg!("Public: listed and found by search")),
    ("unlisted", msg!("Unlisted: only people with the link")),
    ("private", msg!("Private: only you and the participants")),
];
pub const JOIN_OPTIONS: &[(&str, &str)] = &[
    ("free", msg!("Anyone can participate")),
    ("restricted", msg!("I approve each participant")),
    ("external", msg!("Participation happens on another website")),
];
pub const COMMENT_MODERATIONS: &[(&str, &str)] =
    &[("allow_all", msg!("Everyone can comment")), ("closed", msg!("Comments are closed"))];

/// The event form as typed: every field a string (checkboxes as booleans).
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: String,
    pub description: String,
    pub begins_on: String,
    pub ends_on: String,
    pub timezone: String,
    pub category: String,
    pub tags: String,
    pub status: String,
    pub visibility: String,
    pub join_options: String,
    pub external_participation_url: String,
    pub maximum_attendee_capacity: String,
    pub anonymous_participation: bool,
    pub comment_moderation: String,
    pub hide_number_of_participants: bool,
    pub hide_end_time: bool,
    pub online_address: String,
    pub address_description: String,
    pub address_street: String,
    pub address_postal_code: String,
    pub address_locality: String,
    pub address_region: String,
    pub address_country: String,
    pub latitude: String,
    pub longitude: String,
    /// `auto` (detect) or an ISO 639-1 code.
    pub language: String,
    pub wheelchair: String,
    pub sign_language: bool,
    pub subtitles: bool,
    pub live_url: String,
    pub replay_url: String,
    pub ticket_url: String,
    pub price_url: String,
    pub fediverse_account: String,
    pub visio_url: String,
}

impl EventInput {
    /// A blank form, starting in the organiser's time zone.
    pub fn new(timezone: &str) -> EventInput {
        EventInput {
            timezone: timezone.to_string(),
            category: "meeting".into(),
            status: "confirmed".into(),
            visibility: "public".into(),
            join_options: "free".into(),
            comment_moderation: "allow_all".into(),
            language: "auto".into(),
            ..EventInput::default()
        }
    }

    /// The form filled from a saved event (to edit or duplicate it).
    pub fn from_event(e: &Event) -> EventInput {
        let zone = parse_zone(&e.timezone).unwrap_or(chrono_tz::UTC);
        let local = |at: Timestamp| {
            zone.timestamp_opt(at, 0)
                .single()
                .map(|d| d.format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default()
        };
        let meta = |keys: &[&str]| keys.iter().find_map(|k| e.meta(k)).unwrap_or_default().to_string();
        let a = &e.address;
        EventInput {
            title: e.title.clone(),
            description: e.description_source.clone(),
            begins_on: local(e.begins_at),
            ends_on: e.ends_at.map(local).unwrap_or_default(),
            timezone: e.timezone.clone(),
            category: e.category.clone(),
            tags: e.tags.join(", "),
            status: e.status.clone(),
            visibility: e.visibility.clone(),
            join_options: e.join_options.clone(),
            external_participation_url: e.external_participation_url.clone(),
            maximum_attendee_capacity: match e.maximum_attendee_capacity {
                0 => String::new(),
                n => n.to_string(),
            },
            anonymous_participation: e.anonymous_participation,
            comment_moderation: e.comment_moderation.clone(),
            hide_number_of_participants: e.hide_number_of_participants,
            hide_end_time: !e.show_end_time,
            online_address: e.online_address.clone(),
            address_description: a.description.clone(),
            address_street: a.street.clone(),
            address_postal_code: a.postal_code.clone(),
            address_locality: a.locality.clone(),
            address_region: a.region.clone(),
            address_country: a.country.clone(),
            latitude: a.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: a.longitude.map(|v| v.to_string()).unwrap_or_default(),
            language: if e.language == "und" { "auto".into() } else { e.language.clone() },
            wheelchair: meta(&[KEY_WHEELCHAIR]),
            sign_language: e.meta(KEY_SIGN_LANGUAGE) == Some("true"),
            subtitles: e.meta(KEY_SUBTITLES) == Some("true"),
            live_url: meta(options::LIVE_KEYS),
            replay_url: meta(options::REPLAY_KEYS),
            ticket_url: meta(&[KEY_TICKET]),
            price_url: meta(&[KEY_PRICE]),
            fediverse_account: meta(&[KEY_FEDIVERSE]),
            visio_url: meta(options::VISIO_KEYS),
        }
    }
}

/// Collapses every run of whitespace (line breaks included) into one space:
/// one-line fields stay one line in pages, mails and calendar files.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// A wall-clock time typed in a `datetime-local` field, read in `zone`.
fn parse_local(text: &str, zone: chrono_tz::Tz) -> Result<Timestamp, &'static str> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| msg!("This is not a valid date and time (expected YYYY-MM-DD and HH:MM)."))?;
    let year = chrono::Datelike::year(&naive);
    if !(1970..=2200).contains(&year) {
        return Err(msg!("The year must be between 1970 and 2200."));
    }
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.timestamp()),
        // When clocks go back the hour happens twice: take the first.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.timestamp()),
        chrono::LocalResult::None => {
            Err(msg!("This time does not exist in this time zone (the clocks change then)."))
        }
    }
}

/// An optional web link: empty, or an absolute http(s) URL.
fn link(errors: &mut FieldErrors, field: &'static str, text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let ok = text.len() <= URL_MAX
        && url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok {
        errors.add(field, msg!("Enter a full web address starting with https:// or http://."));
    }
    text.to_string()
}

fn one_of(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    allowed: &[(&'static str, &'static str)],
) -> &'static str {
    match allowed.iter().find(|(id, _)| *id == value) {
        Some((id, _)) => id,
        None => {
            errors.add(field, msg!("Choose one of the options."));
            allowed[0].0
        }
    }
}

fn coordinate(errors: &mut FieldErrors, field: &'static str, text: &str, limit: f64) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Some(v),
        _ => {
            errors.add(field, msg!("Enter a number in degrees (latitude −90 to 90, longitude −180 to 180)."));
            None
        }
    }
}

/// Tags typed as a comma-separated list: `#` dropped, duplicates (ignoring case) removed.
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in text.split(',') {
        let tag = one_line(raw.trim().trim_start_matches('#'));
        if !tag.is_empty() && !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    tags
}

/// Checks the form and turns it into what is saved; any problem goes to the
/// returned errors (and nothing is saved).
pub fn validate(input: &EventInput) -> Result<EventFields, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = one_line(&input.title);
    if title.is_empty() {
        errors.add("title", msg!("Give the event a title."));
    } else if too_long(&title, TITLE_MAX) {
        errors.add("title", msg!("A title has at most 200 characters."));
    }
    let description_source = input.description.trim().replace("\r\n", "\n");
    if too_long(&description_source, DESCRIPTION_MAX) {
        errors.add("description", msg!("A description has at most 100 000 characters."));
    }
    let zone = parse_zone(input.timezone.trim());
    if zone.is_none() {
        errors.add("timezone", msg!("Choose a time zone from the list."));
    }
    let zone = zone.unwrap_or(chrono_tz::UTC);
    let begins_at = if input.begins_on.trim().is_empty() {
        errors.add("begins_on", msg!("Say when the event begins."));
        None
    } else {
        parse_local(&input.begins_on, zone).map_err(|e| errors.add("begins_on", e)).ok()
    };
    let ends_at = if input.ends_on.trim().is_empty() {
        None
    } else {
        parse_local(&input.ends_on, zone).map_err(|e| errors.add("ends_on", e)).ok()
    };
    if let (Some(b), Some(e)) = (begins_at, ends_at)
        && e < b
    {
        errors.add("ends_on", msg!("The end must come after the beginning."));
    }
    let category = options::category(input.category.trim()).unwrap_or_else(|| {
        errors.add("category", msg!("Choose one of the options."));
        "meeting"
    });
    let tags = parse_tags(&input.tags);
    if tags.len() > TAGS_MAX {
        errors.add("tags", msg!("An event has at most 10 tags."));
    } else if tags.iter().any(|t| too_long(t, TAG_MAX)) {
        errors.add("tags", msg!("A tag has at most 40 characters."));
    }
    let status = one_of(&mut errors, "status", input.status.trim(), STATUSES);
    let visibility = one_of(&mut errors, "visibility", input.visibility.trim(), VISIBILITIES);
    let join_options = one_of(&mut errors, "join_options", input.join_options.trim(), JOIN_OPTIONS);
    let comment_moderation =
        one_of(&mut errors, "comment_moderation", input.comment_moderation.trim(), COMMENT_MODERATIONS);
    let external_participation_url =
        link(&mut errors, "external_participation_url", &input.external_participation_url);
    if join_options == "external"
        && external_participation_url.is_empty()
        && !errors.has("external_participation_url")
    {
        errors.add("external_participation_url", msg!("Give the address where people can participate."));
    }
    let capacity_text = input.maximum_attendee_capacity.trim();
    let maximum_attendee_capacity = if capacity_text.is_empty() {
        0
    } else {
        match capacity_text.parse::<i64>() {
            Ok(n) if (0..=CAPACITY_MAX).contains(&n) => n,
            _ => {
                errors.add(
                    "maximum_attendee_capacity",
                    msg!("Enter a whole number of places, 0 or more (empty for no limit)."),
                );
                0
            }
        }
    };
    let online_address = link(&mut errors, "online_address", &input.online_address);
    let mut address = Address {
        description: one_line(&input.address_description),
        street: one_line(&input.address_street),
        postal_code: one_line(&input.address_postal_code),
        locality: one_line(&input.address_locality),
        region: one_line(&input.address_region),
        country: one_line(&input.address_country),
        latitude: coordinate(&mut errors, "latitude", &input.latitude, 90.0),
        longitude: coordinate(&mut errors, "longitude", &input.longitude, 180.0),
    };
    for (field, value) in [
        ("address_description", &address.description),
        ("address_street", &address.street),
        ("address_postal_code", &address.postal_code),
        ("address_locality", &address.locality),
        ("address_region", &address.region),
        ("address_country", &address.country),
    ] {
        if too_long(value, ADDRESS_PART_MAX) {
            errors.add(field, msg!("This part of the address has at most 200 characters."));
        }
    }
    if address.latitude.is_some() != address.longitude.is_some()
        && !errors.has("latitude")
        && !errors.has("longitude")
    {
        errors.add("longitude", msg!("Give both the latitude and the longitude, or neither."));
        address.latitude = None;
        address.longitude = None;
    }
    let description = super::rich_text::markdown_to_html(&description_source);
    let language = match input.language.trim() {
        "" | "auto" => {
            options::detect_language(&format!("{title}\n{}", super::rich_text::html_to_text(&description)))
        }
        code => options::language(code).map(str::to_string).unwrap_or_else(|| {
            errors.add("language", msg!("Choose one of the options."));
            "und".into()
        }),
    };
    let metadata = metadata(&mut errors, input);
    match (errors.is_empty(), begins_at) {
        (true, Some(begins_at)) => Ok(EventFields {
            title,
            description,
            description_source,
            begins_at,
            ends_at,
            timezone: zone.name().to_string(),
            status,
            visibility,
            join_options,
            external_participation_url,
            maximum_attendee_capacity,
            anonymous_participation: input.anonymous_participation,
            comment_moderation,
            hide_number_of_participants: input.hide_number_of_participants,
            show_end_time: !input.hide_end_time,
            online_address,
            address,
            category,
            language,
            tags,
            metadata,
        }),
        _ => Err(errors),
    }
}

fn metadata(errors: &mut FieldErrors, input: &EventInput) -> Vec<Metadata> {
    let mut out = Vec::new();
    let mut push = |key: &str, value: String| out.push(Metadata { key: key.to_string(), value });
    match input.wheelchair.trim() {
        "" => {}
        value => match options::WHEELCHAIR.iter().find(|(v, _)| *v == value) {
            Some((v, _)) => push(KEY_WHEELCHAIR, (*v).to_string()),
            None => errors.add("wheelchair", msg!("Choose one of the options.")),
        },
    }
    if input.sign_language {
        push(KEY_SIGN_LANGUAGE, "true".into());
    }
    if input.subtitles {
        push(KEY_SUBTITLES, "true".into());
    }
    // (field, typed link, which metadata key the link gets)
    type KeyOf = fn(&str) -> &'static str;
    let links: [(&'static str, &str, KeyOf); 6] = [
        ("live_url", &input.live_url, options::live_key),
        ("replay_url", &input.replay_url, options::replay_key),
        ("visio_url", &input.visio_url, options::visio_key),
        ("ticket_url", &input.ticket_url, |_| KEY_TICKET),
        ("price_url", &input.price_url, |_| KEY_PRICE),
        ("fediverse_account", &input.fediverse_account, |_| KEY_FEDIVERSE),
    ];
    for (field, text, key) in links {
        let url = link(errors, field, text);
        if !url.is_empty() {
            push(key(&url), url);
        }
    }
    out
}

/// What an event is to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Shown (and `manage`: the viewer organises it).
    Visible { manage: bool },
    /// Deleted: 410 Gone with a tombstone.
    Gone,
    /// Not there for this viewer: 404, exactly like an unknown id.
    Hidden,
}

/// The one visibility rule every surface asks (SECURITY.md 2.10): drafts for
/// their organisers, private events for organisers and participants.
pub fn access(conn: &Connection, event: &Event, user_id: Option<i64>) -> AppResult<Access> {
    if event.is_deleted() {
        return Ok(Access::Gone);
    }
    let participation = match user_id {
        Some(user) => participants::find_for_user(conn, event.id, user)?,
        None => None,
    };
    let group_role = match (event.local, event.attributed_to_id) {
        (true, Some(group)) => super::members::role_of_user(conn, group, user_id)?,
        _ => None,
    };
    // A group's events are managed by its moderators (Mobilizon's matrix).
    let manage = user_id.is_some()
        && (event.organizer_user_id == user_id
            || participation.as_ref().is_some_and(|p| p.is_organiser())
            || super::members::allows(group_role, super::members::Action::ManageEvents));
    let visible = if event.draft {
        manage
    } else if event.visibility == "private" {
        manage || participation.as_ref().is_some_and(|p| p.role != "rejected")
    } else {
        true
    };
    Ok(if visible { Access::Visible { manage } } else { Access::Hidden })
}

/// Creates an event organised by `organizer_id` (who becomes its creator participant).
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    organizer_id: i64,
    fields: &EventFields,
    draft: bool,
    now: Timestamp,
) -> AppResult<(i64, String)> {
    create_for(tx, urls, organizer_id, None, fields, draft, now)
}

/// Whether `group_id` is one of our groups (remote groups keep their own
/// timeline and mail their own followers).
fn is_local_group(conn: &Connection, group_id: i64) -> AppResult<bool> {
    Ok(crate::db::groups::find_group(conn, group_id)?.is_some_and(|g| g.is_local()))
}

/// Creates an event of a group, by the member `organizer_id` (whose role the
/// caller checked); our group's timeline records it. For a remote group the
/// event is ours, attributed to the group: its Create goes to the group's
/// server too, which announces it to the group's followers.
pub fn create_for_group(
    tx: &Transaction,
    urls: &Urls,
    organizer_id: i64,
    group_id: i64,
    fields: &EventFields,
    draft: bool,
    now: Timestamp,
) -> AppResult<(i64, String)> {
    let (id, uuid) = create_for(tx, urls, organizer_id, Some(group_id), fields, draft, now)?;
    if !is_local_group(tx, group_id)? {
        return Ok((id, uuid));
    }
    crate::db::group_activities::insert_activity(
        tx,
        group_id,
        Some(organizer_id),
        "event_created",
        &fields.title,
        &crate::urls::event(&uuid),
        now,
    )?;
    Ok((id, uuid))
}

fn create_for(
    tx: &Transaction,
    urls: &Urls,
    organizer_id: i64,
    attributed_to_id: Option<i64>,
    fields: &EventFields,
    draft: bool,
    now: Timestamp,
) -> AppResult<(i64, String)> {
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_event(
        tx,
        &NewEvent { uuid: &uuid, ap_id: &urls.event(&uuid), organizer_id, attributed_to_id, draft, fields },
        now,
    )?;
    let participant_uuid = uuid::Uuid::new_v4().to_string();
    participants::insert_participant(
        tx,
        &NewParticipant {
            uuid: &participant_uuid,
            ap_id: &urls.participation(&participant_uuid),
            event_id: id,
            actor_id: Some(organizer_id),
            role: "creator",
            message: "",
            email: None,
            locale: None,
            timezone: None,
        },
        now,
    )?;
    if !draft {
        crate::federation::outbox::event_published(tx, urls, id, now)?;
    }
    Ok((id, uuid))
}

/// A draft becomes public: stamped, sent to other servers, and announced to
/// the followers of its group who asked for mail.
pub fn publish(
    tx: &Transaction,
    config: &crate::config::Config,
    urls: &Urls,
    event_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    db::update_published(tx, event_id, now)?;
    crate::federation::outbox::event_published(tx, urls, event_id, now)?;
    tell_group_followers(tx, config, urls, event_id, now)
}

/// If a group of ours organises this published event, its followers who
/// asked are mailed.
pub fn tell_group_followers(
    tx: &Transaction,
    config: &crate::config::Config,
    urls: &Urls,
    event_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    let Some(event) = db::find_event(tx, event_id)? else { return Ok(()) };
    let Some(group_id) = event.attributed_to_id.filter(|_| event.local) else { return Ok(()) };
    match crate::db::groups::find_group(tx, group_id)?.filter(|g| g.is_local()) {
        Some(group) => {
            crate::mail::group_messages::tell_followers_of_event(tx, config, urls, &group, &event, now)
        }
        None => Ok(()),
    }
}

/// Records a change to a group's event in our group's timeline (nothing for
/// other events, nor for a remote group's).
pub fn record_in_group(
    tx: &Transaction,
    event: &Event,
    author_id: i64,
    subject: &str,
    now: Timestamp,
) -> AppResult<()> {
    match event.attributed_to_id.filter(|_| event.local) {
        Some(group) if is_local_group(tx, group)? => {
            let path =
                if subject == "event_deleted" { String::new() } else { crate::urls::event(&event.uuid) };
            crate::db::group_activities::insert_activity(
                tx,
                group,
                Some(author_id),
                subject,
                &event.title,
                &path,
                now,
            )
        }
        _ => Ok(()),
    }
}

/// Deletes an event: the people going to an upcoming one are told, other
/// servers get the Delete, and its URL answers 410 from now on.
pub fn delete(
    tx: &Transaction,
    config: &crate::config::Config,
    urls: &Urls,
    event: &Event,
    now: Timestamp,
) -> AppResult<()> {
    if !event.draft && event.ends_at.unwrap_or(event.begins_at) >= now && event.status != "cancelled" {
        super::participations::notify_change(tx, config, urls, event, true, now)?;
    }
    crate::federation::outbox::event_deleted(tx, urls, event, now)?;
    db::delete_event(tx, event.id, now)
}

/// What changed for participants: the time, the place or the status. Other
/// edits (a typo in the description) do not deserve a mail.
pub fn important_changes(before: &Event, after: &EventFields) -> bool {
    before.begins_at != after.begins_at
        || before.ends_at != after.ends_at
        || before.status != after.status
        || before.address != after.address
        || before.online_address != after.online_address
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> EventInput {
        EventInput {
            title: "Picnic".into(),
            begins_on: "2027-06-12T12:00".into(),
            ends_on: "2027-06-12T15:00".into(),
            ..EventInput::new("Europe/London")
        }
    }

    #[test]
    fn times_are_read_in_the_event_zone() {
        let f = validate(&valid()).expect("valid");
        // 12:00 BST is 11:00 UTC.
        assert_eq!(crate::time::rfc3339(f.begins_at), "2027-06-12T11:00:00+00:00");
        assert_eq!(f.ends_at, Some(f.begins_at + 3 * 3600));
    }

    #[test]
    fn bad_dates_are_refused_with_a_reason() {
        for (begins, ends, field) in [
            ("2027-02-31T10:00", "", "begins_on"),
            ("2027-06-12T12:00", "2027-06-12T11:00", "ends_on"),
            ("tomorrow", "", "begins_on"),
            ("2027-03-28T01:30", "", "begins_on"), // London: clocks jump from 01:00 to 02:00
            ("2400-01-01T10:00", "", "begins_on"),
            ("", "", "begins_on"),
        ] {
            let input = EventInput { begins_on: begins.into(), ends_on: ends.into(), ..valid() };
            let errors = validate(&input).expect_err(begins);
            assert!(errors.has(field), "{begins} {ends}: {errors:?}");
        }
        let errors = validate(&EventInput { timezone: "Mars/Olympus".into(), ..valid() }).expect_err("zone");
        assert!(errors.has("timezone"));
    }

    #[test]
    fn tags_capacity_links_and_lengths_are_checked() {
        let eleven = (1..=11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
        assert!(validate(&EventInput { tags: eleven, ..valid() }).expect_err("tags").has("tags"));
        let ok = validate(&EventInput { tags: "#Music, music, Jazz ,,".into(), ..valid() }).expect("tags");
        assert_eq!(ok.tags, vec!["Music", "Jazz"]);
        let e = validate(&EventInput { maximum_attendee_capacity: "-1".into(), ..valid() }).expect_err("cap");
        assert!(e.has("maximum_attendee_capacity"));
        let e = validate(&EventInput { online_address: "javascript:alert(1)".into(), ..valid() })
            .expect_err("js");
        assert!(e.has("online_address"));
        let e =
            validate(&EventInput { ticket_url: "javascript:alert(1)".into(), ..valid() }).expect_err("js");
        assert!(e.has("ticket_url"));
        let e = validate(&EventInput { description: "x".repeat(200_000), ..valid() }).expect_err("long");
        assert!(e.has("description"));
        let e = validate(&EventInput { latitude: "51.5".into(), ..valid() }).expect_err("half");
        assert!(e.has("longitude"));
        let e = validate(&EventInput { join_options: "external".into(), ..valid() }).expect_err("external");
        assert!(e.has("external_participation_url"));
    }

    #[test]
    fn titles_stay_on_one_line_and_descriptions_are_sanitised() {
        let f = validate(&EventInput {
            title: "Party\r\nEND:VEVENT".into(),
            description: "<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok**".into(),
            ..valid()
        })
        .expect("valid");
        assert_eq!(f.title, "Party END:VEVENT");
        assert!(!f.description.contains("<script"), "{}", f.description);
        assert!(!f.description.contains("href=\"javascript"), "{}", f.description);
        assert!(f.description.contains("<strong>ok</strong>"));
    }
}
