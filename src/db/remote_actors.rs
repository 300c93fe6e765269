//! Remote actors we know: stored from their own documents, refreshed when
//! stale, with the key they sign with.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::federation::objects::remote_actor::RemoteActor;
use crate::time::Timestamp;

/// The signing key of an actor we know, and when we last fetched it.
#[derive(Debug, Clone)]
pub struct KnownKey {
    pub actor_id: i64,
    pub ap_id: String,
    pub key_id: Option<String>,
    pub public_key_pem: String,
    pub fetched_at: Option<Timestamp>,
}

/// The row of an actor (ours or remote, deleted or not) by its ActivityPub id.
pub fn find_id(conn: &Connection, ap_id: &str) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM actors WHERE ap_id = ?1")?
        .query_row([ap_id], |r| r.get(0))
        .optional()?)
}

/// The key of the remote actor with this id, if we have one.
pub fn find_key(conn: &Connection, actor_ap_id: &str) -> AppResult<Option<KnownKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, ap_id, public_key_id, public_key_pem, fetched_at FROM actors
             WHERE ap_id = ?1 AND domain IS NOT NULL AND public_key_pem IS NOT NULL",
        )?
        .query_row([actor_ap_id], |r| {
            Ok(KnownKey {
                actor_id: r.get(0)?,
                ap_id: r.get(1)?,
                key_id: r.get(2)?,
                public_key_pem: r.get(3)?,
                fetched_at: r.get(4)?,
            })
        })
        .optional()?)
}

/// What a remote actor's page here shows.
#[derive(Debug, Clone)]
pub struct RemoteProfile {
    pub id: i64,
    pub ap_id: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub name: String,
    /// Sanitised HTML (cleaned when stored).
    pub summary: String,
    /// Their page on their own server.
    pub url: String,
    /// Our copy of their avatar (a media file name).
    pub avatar: Option<String>,
}

impl RemoteProfile {
    /// `name@domain`, as in our URLs for them.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }
}

/// A remote actor by handle (`name`, `domain`).
pub fn find_by_handle(conn: &Connection, username: &str, domain: &str) -> AppResult<Option<RemoteProfile>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.id, a.ap_id, a.kind, a.preferred_username, a.domain, a.name, a.summary,
                 coalesce(a.url, a.ap_id), m.file_name
             FROM actors a LEFT JOIN media m ON m.id = a.avatar_id
             WHERE a.preferred_username = ?1 AND a.domain = ?2 AND a.deleted_at IS NULL",
        )?
        .query_row([username, domain], |r| {
            Ok(RemoteProfile {
                id: r.get(0)?,
                ap_id: r.get(1)?,
                kind: r.get(2)?,
                username: r.get(3)?,
                domain: r.get(4)?,
                name: r.get(5)?,
                summary: r.get(6)?,
                url: r.get(7)?,
                avatar: r.get(8)?,
            })
        })
        .optional()?)
}

/// The kind we store: the table knows Person, Group and Application. Other
/// servers' `Service` (Mastodon's bots) and `Organization` actors speak and
/// are spoken to like people.
fn stored_kind(kind: &str) -> &str {
    match kind {
        "Group" | "Application" => kind,
        _ => "Person",
    }
}

/// Stores or refreshes a remote actor from its document (and a group's
/// `groups` row); returns its row id.
/// Never touches a local actor (their ids are on our domain, which remote
/// documents may not claim: checked before this is called), nor one that
/// deleted itself (its tombstone stays as it is).
pub fn upsert_remote_actor(tx: &Transaction, a: &RemoteActor, now: Timestamp) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO actors (ap_id, kind, preferred_username, domain, name, summary, inbox_url, shared_inbox_url,
             outbox_url, followers_url, public_key_id, public_key_pem, url, manually_approves_followers,
             discoverable, created_at, updated_at, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?16)
         ON CONFLICT (ap_id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             summary = excluded.summary, inbox_url = excluded.inbox_url,
             shared_inbox_url = excluded.shared_inbox_url, outbox_url = excluded.outbox_url,
             followers_url = excluded.followers_url, public_key_id = excluded.public_key_id,
             public_key_pem = excluded.public_key_pem, url = excluded.url,
             manually_approves_followers = excluded.manually_approves_followers,
             discoverable = excluded.discoverable, updated_at = excluded.updated_at,
             fetched_at = excluded.fetched_at
         WHERE actors.domain IS NOT NULL AND actors.deleted_at IS NULL",
    )?
    .execute(params![
        a.ap_id,
        stored_kind(&a.kind),
        a.preferred_username,
        a.domain,
        a.name,
        a.summary,
        a.inbox,
        a.shared_inbox,
        a.outbox,
        a.followers,
        a.public_key_id,
        a.public_key_pem,
        a.url,
        a.manually_approves_followers,
        a.discoverable,
        now
    ])?;
    let (id, deleted): (i64, bool) = tx
        .prepare_cached("SELECT id, deleted_at IS NOT NULL FROM actors WHERE ap_id = ?1")?
        .query_row([&a.ap_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if deleted {
        return Ok(id);
    }
    // A group's own half (openness, place, collections): every Group actor
    // has its `groups` row, whichever path stored it.
    if stored_kind(&a.kind) == "Group" {
        let fields = a.group.clone().unwrap_or_else(|| crate::db::groups::RemoteGroupFields {
            openness: "moderated".into(),
            ..Default::default()
        });
        crate::db::groups::upsert_remote_group(tx, id, &fields)?;
    }
    // Their pictures are copied here in the background (never fetched inside this transaction).
    use crate::jobs::remote_pictures::{Target, schedule};
    match &a.avatar_url {
        Some(url) => schedule(tx, Target::ActorAvatar, id, url, now)?,
        None => {
            tx.execute("UPDATE actors SET avatar_id = NULL WHERE id = ?1", [id])?;
        }
    }
    match &a.banner_url {
        Some(url) => schedule(tx, Target::ActorBanner, id, url, now)?,
        None => {
            tx.execute("UPDATE actors SET banner_id = NULL WHERE id = ?1", [id])?;
        }
    }
    Ok(id)
}
