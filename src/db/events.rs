//! Events and their tags. Every read joins what a page needs about the
//! organiser, so one query shows an event.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::time::Timestamp;

/// One of Mobilizon's typed metadata entries (`mz:…` keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub key: String,
    pub value: String,
}

/// The address of an event; all parts optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Address {
    pub description: String,
    pub street: String,
    pub postal_code: String,
    pub locality: String,
    pub region: String,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Address {
    /// Reads the eight columns from `first` on: description, street, postal
    /// code, locality, region, country, latitude, longitude (as events and
    /// groups store them).
    pub fn from_row(r: &Row, first: usize) -> rusqlite::Result<Address> {
        Ok(Address {
            description: r.get(first)?,
            street: r.get(first + 1)?,
            postal_code: r.get(first + 2)?,
            locality: r.get(first + 3)?,
            region: r.get(first + 4)?,
            country: r.get(first + 5)?,
            latitude: r.get(first + 6)?,
            longitude: r.get(first + 7)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        [&self.description, &self.street, &self.postal_code, &self.locality, &self.region, &self.country]
            .iter()
            .all(|s| s.is_empty())
            && self.latitude.is_none()
    }

    /// The parts that are filled, in reading order, for one-line displays.
    pub fn lines(&self) -> Vec<&str> {
        let locality = [&self.postal_code, &self.locality];
        let mut out: Vec<&str> = vec![&self.description, &self.street];
        out.extend(locality.iter().map(|s| s.as_str()));
        out.push(&self.region);
        out.push(&self.country);
        out.into_iter().filter(|s| !s.is_empty()).collect()
    }
}

/// Everything an event form saves.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub description_source: String,
    pub begins_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub timezone: String,
    pub status: &'static str,
    pub visibility: &'static str,
    pub join_options: &'static str,
    pub external_participation_url: String,
    pub maximum_attendee_capacity: i64,
    pub anonymous_participation: bool,
    pub comment_moderation: &'static str,
    pub hide_number_of_participants: bool,
    pub show_end_time: bool,
    pub online_address: String,
    pub address: Address,
    pub category: &'static str,
    pub language: String,
    pub tags: Vec<String>,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub local: bool,
    pub organizer_id: i64,
    pub organizer_username: String,
    pub organizer_domain: Option<String>,
    pub organizer_name: String,
    pub organizer_ap_id: String,
    /// The account owning the organiser profile (local events).
    pub organizer_user_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub description_source: String,
    pub begins_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub timezone: String,
    pub status: String,
    pub visibility: String,
    pub join_options: String,
    pub external_participation_url: String,
    pub maximum_attendee_capacity: i64,
    pub anonymous_participation: bool,
    pub comment_moderation: String,
    pub hide_number_of_participants: bool,
    pub show_end_time: bool,
    pub online_address: String,
    pub address: Address,
    pub category: String,
    pub language: String,
    pub banner: Option<String>,
    pub metadata: Vec<Metadata>,
    pub draft: bool,
    pub sequence: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub tags: Vec<String>,
    /// The group the event belongs to, if any, and its ActivityPub id.
    pub attributed_to_id: Option<i64>,
    /// The group's handle (`name` or `name@domain`) and display name.
    pub group: Option<(String, String)>,
    pub attributed_to_ap_id: Option<String>,
}

impl Event {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Where the organiser's profile is: our page for a local one, their
    /// own server's for a remote one.
    pub fn organizer_link(&self) -> String {
        match self.organizer_domain {
            None => crate::urls::actor(&self.organizer_username),
            Some(_) => self.organizer_ap_id.clone(),
        }
    }

    /// The event's own address: ours, or the one on its server.
    pub fn canonical(&self, urls: &crate::urls::Urls) -> String {
        if self.local { urls.event(&self.uuid) } else { self.ap_id.clone() }
    }

    /// The value of a metadata key, if set.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|m| m.key == key).map(|m| m.value.as_str())
    }
}

const COLUMNS: &str =
    "e.id, e.uuid, e.ap_id, e.local, e.organizer_id, o.preferred_username, o.domain, o.name,
    o.user_id, e.title, e.description, e.description_source, e.begins_at, e.ends_at, e.timezone, e.status,
    e.visibility, e.join_options, e.external_participation_url, e.maximum_attendee_capacity,
    e.anonymous_participation, e.comment_moderation, e.hide_number_of_participants, e.show_end_time,
    e.online_address, e.address_description, e.address_street, e.address_postal_code, e.address_locality,
    e.address_region, e.address_country, e.latitude, e.longitude, e.category, e.language,
    (SELECT file_name FROM media WHERE id = e.banner_id), e.metadata, e.draft, e.sequence, e.created_at,
    e.updated_at, e.published_at, e.deleted_at,
    (SELECT group_concat(tag, char(31)) FROM event_tags WHERE event_id = e.id), o.ap_id, e.attributed_to_id,
    g.preferred_username || coalesce('@' || g.domain, ''),
    CASE g.name WHEN '' THEN g.preferred_username ELSE g.name END, g.ap_id";

/// How many columns COLUMNS has: a query adding its own reads them from here.
const COLUMN_COUNT: usize = 49;

const FROM: &str =
    "FROM events e JOIN actors o ON o.id = e.organizer_id LEFT JOIN actors g ON g.id = e.attributed_to_id";

// LIMITs are written into the SQL (they are our own integers): SQLite
// recompiles a statement at every run when a LIMIT is a bound parameter,
// because the planner looks at its value.

fn from_row(r: &Row) -> rusqlite::Result<Event> {
    let metadata: String = r.get(36)?;
    let tags: Option<String> = r.get(43)?;
    Ok(Event {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        local: r.get(3)?,
        organizer_id: r.get(4)?,
        organizer_username: r.get(5)?,
        organizer_domain: r.get(6)?,
        organizer_name: r.get(7)?,
        organizer_user_id: r.get(8)?,
        title: r.get(9)?,
        description: r.get(10)?,
        description_source: r.get(11)?,
        begins_at: r.get(12)?,
        ends_at: r.get(13)?,
        timezone: r.get(14)?,
        status: r.get(15)?,
        visibility: r.get(16)?,
        join_options: r.get(17)?,
        external_participation_url: r.get(18)?,
        maximum_attendee_capacity: r.get(19)?,
        anonymous_participation: r.get(20)?,
        comment_moderation: r.get(21)?,
        hide_number_of_participants: r.get(22)?,
        show_end_time: r.get(23)?,
        online_address: r.get(24)?,
        address: Address::from_row(r, 25)?,
        category: r.get(33)?,
        language: r.get(34)?,
        banner: r.get(35)?,
        // Written by us as JSON; a damaged value shows no metadata rather than failing the page.
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        draft: r.get(37)?,
        sequence: r.get(38)?,
        created_at: r.get(39)?,
        updated_at: r.get(40)?,
        published_at: r.get(41)?,
        deleted_at: r.get(42)?,
        tags: tags.map(|t| t.split('\u{1f}').map(str::to_string).collect()).unwrap_or_default(),
        organizer_ap_id: r.get(44)?,
        attributed_to_id: r.get(45)?,
        group: match (r.get::<_, Option<String>>(46)?, r.get::<_, Option<String>>(47)?) {
            (Some(handle), Some(name)) => Some((handle, name)),
            _ => None,
        },
        attributed_to_ap_id: r.get(48)?,
    })
}

pub fn find_event_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<Event>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE e.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], from_row).optional()?)
}

pub fn find_event(conn: &Connection, id: i64) -> AppResult<Option<Event>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE e.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

/// The events this instance lists (home page, calendar): its own, remote
/// ones shared by an actor someone here follows (Mobilizon's followed
/// instances), and those of remote people and groups followed from here.
/// Other remote copies show on their pages and in search.
const LISTED_HERE: &str = "(e.local = 1
    OR EXISTS (SELECT 1 FROM shares s JOIN follows f ON f.target_id = s.actor_id AND f.approved = 1
               WHERE s.event_id = e.id)
    OR EXISTS (SELECT 1 FROM follows f WHERE f.approved = 1 AND f.target_id IN (e.organizer_id, e.attributed_to_id)))";

/// Published public events that have not ended, soonest first (home page).
pub fn list_upcoming_public(conn: &Connection, now: Timestamp, limit: i64) -> AppResult<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'
         AND coalesce(e.ends_at, e.begins_at) >= ?1 AND {LISTED_HERE} ORDER BY e.begins_at, e.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Words typed in a search box as an FTS5 query: each word a quoted prefix
/// (so no FTS syntax gets through), all required. None when no word is left.
pub fn search_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(10)
        .map(|w| format!("\"{}\"*", w.chars().take(50).collect::<String>()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// From how many matches a search walks the events in date order.
const COMMON_MATCHES: i64 = 200;

/// Public, published events matching a search, upcoming first (or all,
/// past ones too, when `include_past`), soonest first.
pub fn search_public(
    conn: &Connection,
    query: &str,
    now: Timestamp,
    include_past: bool,
    limit: i64,
) -> AppResult<Vec<Event>> {
    // A word most events share ("community") matches thousands: sorting
    // them all by date costs ~10 ms a search (measured with 15 000 events).
    // Then the listed events are walked in date order instead, each checked
    // against the matches, until the page is full. A rarer word keeps the
    // plan that starts from its few matches.
    let common: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT rowid FROM events_search WHERE events_search MATCH ?1 LIMIT {COMMON_MATCHES})"
        ))?
        .query_row([query], |r| r.get(0))?;
    let sql = if common >= COMMON_MATCHES {
        format!(
            "SELECT {COLUMNS} FROM events e INDEXED BY events_listed JOIN actors o ON o.id = e.organizer_id
             LEFT JOIN actors g ON g.id = e.attributed_to_id
             WHERE e.id IN (SELECT rowid FROM events_search WHERE events_search MATCH ?1)
             AND e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'
             AND (?3 OR coalesce(e.ends_at, e.begins_at) >= ?2)
             ORDER BY e.begins_at, e.id LIMIT {limit}"
        )
    } else {
        format!(
            "SELECT {COLUMNS} {FROM} JOIN events_search s ON s.rowid = e.id
             WHERE events_search MATCH ?1 AND e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'
             AND (?3 OR coalesce(e.ends_at, e.begins_at) >= ?2)
             ORDER BY e.begins_at, e.id LIMIT {limit}"
        )
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![query, now, include_past], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Public, published events an actor organises (or its group holds) that have not ended.
/// A group's draft events, for its moderators (at most 50, soonest first).
pub fn list_group_drafts(conn: &Connection, group_id: i64) -> AppResult<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE e.attributed_to_id = ?1 AND e.deleted_at IS NULL AND e.draft = 1
         ORDER BY e.begins_at, e.id LIMIT 50"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn list_upcoming_by_organizer(
    conn: &Connection,
    organizer_id: i64,
    now: Timestamp,
    limit: i64,
) -> AppResult<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE (e.organizer_id = ?1 OR e.attributed_to_id = ?1) AND e.deleted_at IS NULL
         AND e.draft = 0
         AND e.visibility = 'public' AND coalesce(e.ends_at, e.begins_at) >= ?2
         ORDER BY e.begins_at, e.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![organizer_id, now], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Published public events beginning in [start, end), in order (calendar).
pub fn list_public_between(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
    limit: i64,
) -> AppResult<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'
         AND e.begins_at >= ?1 AND e.begins_at < ?2 AND {LISTED_HERE} ORDER BY e.begins_at, e.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![start, end], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The filter of an outbox: our published public events that still exist,
/// all of them (the instance actor's) or one organiser's (bound as ?1).
fn outbox_filter(organizer: Option<i64>) -> (&'static str, Vec<i64>) {
    const ALL: &str = "e.local = 1 AND e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'";
    const ONE: &str = "e.local = 1 AND e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'
        AND e.organizer_id = ?1";
    match organizer {
        Some(id) => (ONE, vec![id]),
        None => (ALL, Vec::new()),
    }
}

pub fn count_outbox(conn: &Connection, organizer: Option<i64>) -> AppResult<i64> {
    let (filter, args) = outbox_filter(organizer);
    let sql = format!("SELECT count(*) FROM events e WHERE {filter}");
    Ok(conn.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
}

/// One page of an outbox, newest first (`limit` and `offset` are our own
/// integers, written into the SQL like every LIMIT here).
pub fn list_outbox(
    conn: &Connection,
    organizer: Option<i64>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Event>> {
    let (filter, args) = outbox_filter(organizer);
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE {filter} ORDER BY coalesce(e.published_at, e.created_at) DESC, e.id DESC
         LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A group's published public events that still exist (ours and those its
/// remote members made in it): its `events` collection.
const GROUP_PUBLIC: &str =
    "e.attributed_to_id = ?1 AND e.deleted_at IS NULL AND e.draft = 0 AND e.visibility = 'public'";

pub fn count_group_public(conn: &Connection, group_id: i64) -> AppResult<i64> {
    let sql = format!("SELECT count(*) FROM events e WHERE {GROUP_PUBLIC}");
    Ok(conn.prepare_cached(&sql)?.query_row([group_id], |r| r.get(0))?)
}

/// One page of them, newest first.
pub fn list_group_public(conn: &Connection, group_id: i64, limit: i64, offset: i64) -> AppResult<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE {GROUP_PUBLIC} ORDER BY coalesce(e.published_at, e.created_at) DESC, e.id DESC
         LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Events a set of profiles organise or take part in (any role but rejected),
/// with the role, between two instants (by start), in order.
pub fn list_for_actors(
    conn: &Connection,
    actor_ids: &[i64],
    from: Timestamp,
    until: Timestamp,
    descending: bool,
    limit: i64,
) -> AppResult<Vec<(Event, String)>> {
    if actor_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = actor_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let order = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS}, p.role {FROM} JOIN participants p ON p.event_id = e.id
         WHERE p.actor_id IN ({ids}) AND p.role <> 'rejected' AND e.deleted_at IS NULL
         AND coalesce(e.ends_at, e.begins_at) >= ?1 AND e.begins_at < ?2
         GROUP BY e.id ORDER BY e.begins_at {order}, e.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![from, until], |r| Ok((from_row(r)?, r.get::<_, String>(COLUMN_COUNT)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub struct NewEvent<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub organizer_id: i64,
    /// The group organising it (the organizer is then the member who acted).
    pub attributed_to_id: Option<i64>,
    pub draft: bool,
    pub fields: &'a EventFields,
}

pub fn insert_event(tx: &Transaction, e: &NewEvent, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO events (uuid, ap_id, local, organizer_id, attributed_to_id, title, begins_at, timezone,
             status, visibility, join_options, draft, created_at, updated_at, published_at)
         VALUES (?1, ?2, 1, ?3, ?7, '', 0, 'Etc/UTC', 'confirmed', 'public', 'free', ?4, ?5, ?5, ?6)",
        params![e.uuid, e.ap_id, e.organizer_id, e.draft, now, (!e.draft).then_some(now), e.attributed_to_id],
    )?;
    let id = tx.last_insert_rowid();
    update_event(tx, id, e.fields, now, false)?;
    Ok(id)
}

/// A remote event's row, new: `local` = 0, its own ap_id, our own uuid (a
/// peer may not choose the uuid our URLs use), and when we fetched it.
pub struct NewRemoteEvent<'a> {
    pub ap_id: &'a str,
    pub organizer_id: i64,
    pub attributed_to_id: Option<i64>,
    pub published_at: Option<Timestamp>,
    pub fields: &'a EventFields,
}

pub fn insert_remote_event(tx: &Transaction, e: &NewRemoteEvent, now: Timestamp) -> AppResult<(i64, String)> {
    let uuid = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO events (uuid, ap_id, local, organizer_id, attributed_to_id, title, begins_at, timezone,
             status, visibility, join_options, draft, created_at, updated_at, published_at, fetched_at)
         VALUES (?1, ?2, 0, ?3, ?4, '', 0, 'Etc/UTC', 'confirmed', 'public', 'free', 0, ?5, ?5, ?6, ?5)",
        params![uuid, e.ap_id, e.organizer_id, e.attributed_to_id, now, e.published_at.unwrap_or(now)],
    )?;
    let id = tx.last_insert_rowid();
    update_event(tx, id, e.fields, now, false)?;
    Ok((id, uuid))
}

/// The event with this ActivityPub id, local or remote, deleted or not.
pub fn find_event_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Event>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE e.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

/// Notes that a remote event was just read from its origin.
pub fn update_fetched(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE events SET fetched_at = ?2 WHERE id = ?1 AND local = 0", params![id, now])?;
    Ok(())
}

/// Saves the form's fields; `bump` raises the sequence calendars compare.
pub fn update_event(tx: &Transaction, id: i64, f: &EventFields, now: Timestamp, bump: bool) -> AppResult<()> {
    let metadata = serde_json::to_string(&f.metadata).map_err(crate::error::AppError::internal)?;
    let a = &f.address;
    tx.execute(
        "UPDATE events SET title = ?2, description = ?3, description_source = ?4, begins_at = ?5, ends_at = ?6,
             timezone = ?7, status = ?8, visibility = ?9, join_options = ?10, external_participation_url = ?11,
             maximum_attendee_capacity = ?12, anonymous_participation = ?13, comment_moderation = ?14,
             hide_number_of_participants = ?15, show_end_time = ?16, online_address = ?17,
             address_description = ?18, address_street = ?19, address_postal_code = ?20,
             address_locality = ?21, address_region = ?22, address_country = ?23, latitude = ?24,
             longitude = ?25, category = ?26, language = ?27, metadata = ?28, updated_at = ?29,
             sequence = sequence + ?30
         WHERE id = ?1",
        params![
            id,
            f.title,
            f.description,
            f.description_source,
            f.begins_at,
            f.ends_at,
            f.timezone,
            f.status,
            f.visibility,
            f.join_options,
            f.external_participation_url,
            f.maximum_attendee_capacity,
            f.anonymous_participation,
            f.comment_moderation,
            f.hide_number_of_participants,
            f.show_end_time,
            f.online_address,
            a.description,
            a.street,
            a.postal_code,
            a.locality,
            a.region,
            a.country,
            a.latitude,
            a.longitude,
            f.category,
            f.language,
            metadata,
            now,
            i64::from(bump),
        ],
    )?;
    tx.execute("DELETE FROM event_tags WHERE event_id = ?1", [id])?;
    for tag in &f.tags {
        tx.execute("INSERT OR IGNORE INTO event_tags (event_id, tag) VALUES (?1, ?2)", params![id, tag])?;
    }
    Ok(())
}

pub fn update_banner(tx: &Transaction, id: i64, media_id: Option<i64>) -> AppResult<()> {
    tx.execute("UPDATE events SET banner_id = ?2 WHERE id = ?1", params![id, media_id])?;
    Ok(())
}

pub fn update_published(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE events SET draft = 0, published_at = ?2, updated_at = ?2 WHERE id = ?1 AND draft = 1",
        params![id, now],
    )?;
    Ok(())
}

/// Turns an event into a tombstone: the row stays (its URL answers 410 Gone),
/// its content, tags, participants and comments go.
pub fn delete_event(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("DELETE FROM participants WHERE event_id = ?1", [id])?;
    tx.execute("DELETE FROM comments WHERE event_id = ?1", [id])?;
    tx.execute("DELETE FROM event_tags WHERE event_id = ?1", [id])?;
    tx.execute(
        "UPDATE events SET title = '', description = '', description_source = '', online_address = '',
             address_description = '', address_street = '', address_postal_code = '', address_locality = '',
             address_region = '', address_country = '', latitude = NULL, longitude = NULL, metadata = '[]',
             external_participation_url = '', banner_id = NULL, deleted_at = ?2, updated_at = ?2,
             sequence = sequence + 1
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}
