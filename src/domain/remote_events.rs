//! Our copies of other servers' events: stored when they arrive (inbox,
//! announces, lookups), refreshed from their organiser, never from anyone
//! else. Participants here are told when the time, the place or the status
//! changed, as for our own events.

use rusqlite::Transaction;

use crate::config::Config;
use crate::db::events::{self as db, NewRemoteEvent};
use crate::error::AppResult;
use crate::federation::objects::remote_event::RemoteEvent;
use crate::time::Timestamp;
use crate::urls::Urls;

/// What became of a remote event document.
#[derive(Debug, PartialEq)]
pub enum Stored {
    /// Stored or refreshed: the row id.
    Done(i64),
    /// Nothing to do (a draft, an event deleted here).
    Ignored(&'static str),
    /// Not acceptable from this source.
    Refused(&'static str),
}

/// Stores a new remote event or refreshes our copy. `organizer_id` and
/// `group_id` are the rows of its `actor` and `attributedTo`, already
/// resolved; the caller has checked who sent the document.
pub fn upsert(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    remote: &RemoteEvent,
    organizer_id: i64,
    group_id: Option<i64>,
    now: Timestamp,
) -> AppResult<Stored> {
    let fields = &remote.fields;
    let Some(before) = db::find_event_by_ap_id(tx, &remote.ap_id)? else {
        if remote.draft {
            return Ok(Stored::Ignored("a draft"));
        }
        let new = NewRemoteEvent {
            ap_id: &remote.ap_id,
            organizer_id,
            attributed_to_id: group_id,
            published_at: remote.published_at,
            fields,
        };
        let id = db::insert_remote_event(tx, &new, now)?.0;
        banner(tx, remote, id, now)?;
        return Ok(Stored::Done(id));
    };
    if before.local {
        return Ok(Stored::Refused("one of our own events"));
    }
    if before.is_deleted() {
        return Ok(Stored::Ignored("the event was deleted"));
    }
    // R8: the organiser we stored (or, for a group's event, its group) owns it.
    if before.organizer_id != organizer_id
        && (before.attributed_to_id.is_none() || before.attributed_to_id != group_id)
    {
        return Ok(Stored::Refused("the organiser of a stored event cannot change"));
    }
    let important = crate::domain::events::important_changes(&before, fields);
    db::update_event(tx, before.id, fields, now, important)?;
    db::update_fetched(tx, before.id, now)?;
    if important && let Some(after) = db::find_event(tx, before.id)? {
        let cancelled = after.status == "cancelled" && before.status != "cancelled";
        super::participations::notify_change(tx, config, urls, &after, cancelled, now)?;
    }
    banner(tx, remote, before.id, now)?;
    Ok(Stored::Done(before.id))
}

/// Queues the copy of the event's banner (a job: no network in here).
fn banner(tx: &Transaction, remote: &RemoteEvent, id: i64, now: Timestamp) -> AppResult<()> {
    match &remote.banner_url {
        Some(url) => crate::jobs::remote_pictures::schedule(
            tx,
            crate::jobs::remote_pictures::Target::EventBanner,
            id,
            url,
            now,
        ),
        // Their banner is gone: so is ours (the file goes with the unused ones).
        None => db::update_banner(tx, id, None),
    }
}
