//! Pictures of other servers' actors, events and posts, copied here through the
//! upload pipeline (decoded, resized, re-encoded without metadata): pages
//! never make a visitor's browser call another server, and what we serve is
//! a picture we made, never a file someone else chose.

use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{JobContext, JobError};
use crate::db::jobs::{self as q, Job, NewJob};
use crate::domain::media::{self, Kind};
use crate::error::AppResult;
use crate::time::Timestamp;

pub const REMOTE_PICTURE: &str = "remote_picture";

/// Whose picture, which one, from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    ActorAvatar,
    ActorBanner,
    EventBanner,
    PostPicture,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    target: Target,
    id: i64,
    url: String,
}

fn current_source(tx: &Transaction, target: Target, id: i64) -> AppResult<Option<String>> {
    let sql = match target {
        Target::ActorAvatar => {
            "SELECT m.source_url FROM actors a JOIN media m ON m.id = a.avatar_id WHERE a.id = ?1"
        }
        Target::ActorBanner => {
            "SELECT m.source_url FROM actors a JOIN media m ON m.id = a.banner_id WHERE a.id = ?1"
        }
        Target::EventBanner => {
            "SELECT m.source_url FROM events e JOIN media m ON m.id = e.banner_id WHERE e.id = ?1"
        }
        Target::PostPicture => {
            "SELECT m.source_url FROM posts p JOIN media m ON m.id = p.picture_id WHERE p.id = ?1"
        }
    };
    Ok(tx.prepare_cached(sql)?.query_row([id], |r| r.get(0)).optional()?.flatten())
}

/// Queues the copy of a picture, unless it is the one we already have.
pub fn schedule(tx: &Transaction, target: Target, id: i64, url: &str, now: Timestamp) -> AppResult<()> {
    if current_source(tx, target, id)?.as_deref() == Some(url) {
        return Ok(());
    }
    let payload = serde_json::to_string(&Payload { target, id, url: url.to_string() })?;
    let dedup = format!("{REMOTE_PICTURE}:{}:{id}", serde_json::to_string(&target)?.trim_matches('"'));
    let job = NewJob {
        kind: REMOTE_PICTURE,
        payload: &payload,
        run_at: now,
        max_attempts: 5,
        dedup_key: Some(&dedup),
    };
    q::insert_job(tx, &job, now)?;
    Ok(())
}

pub fn run(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let p: Payload =
        serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let kind = if p.target == Target::ActorAvatar { Kind::Avatar } else { Kind::Banner };
    let max = kind.max_bytes(&ctx.config.media);
    let (_, bytes) =
        ctx.http.get_bytes(&p.url, max, "image/jpeg, image/png, image/webp, image/gif").map_err(|e| {
            if e.is_retryable() { JobError::Retry(e.to_string()) } else { JobError::Permanent(e.to_string()) }
        })?;
    let picture = media::process(&bytes, kind, max).map_err(|e| JobError::Permanent(format!("{e:?}")))?;
    let name = media::store(&ctx.config.media_dir(), &picture).map_err(|e| JobError::Retry(e.to_string()))?;
    let now = ctx.clock.now();
    ctx.db
        .write_quiet_blocking(|tx| {
            let owner: Option<i64> = match p.target {
                Target::EventBanner => tx
                    .prepare_cached("SELECT organizer_id FROM events WHERE id = ?1 AND local = 0")?
                    .query_row([p.id], |r| r.get(0))
                    .optional()?,
                Target::PostPicture => tx
                    .prepare_cached(
                        "SELECT group_id FROM posts WHERE id = ?1 AND local = 0 AND deleted_at IS NULL",
                    )?
                    .query_row([p.id], |r| r.get(0))
                    .optional()?,
                _ => tx
                    .prepare_cached(
                        "SELECT id FROM actors WHERE id = ?1 AND domain IS NOT NULL AND deleted_at IS NULL",
                    )?
                    .query_row([p.id], |r| r.get(0))
                    .optional()?,
            };
            // The actor or event went meanwhile: the file goes with the unused ones.
            let Some(owner) = owner else { return Ok(()) };
            let media_id = crate::db::media::insert_media(
                tx,
                &crate::db::media::NewMedia {
                    file_name: &name,
                    content_type: picture.content_type,
                    width: picture.width,
                    height: picture.height,
                    size: picture.bytes.len(),
                    actor_id: owner,
                },
                now,
            )?;
            tx.execute("UPDATE media SET source_url = ?2 WHERE id = ?1", rusqlite::params![media_id, p.url])?;
            match p.target {
                Target::ActorAvatar => crate::db::media::update_avatar(tx, p.id, media_id)?,
                Target::ActorBanner => crate::db::media::update_banner(tx, p.id, media_id)?,
                Target::EventBanner => crate::db::events::update_banner(tx, p.id, Some(media_id))?,
                Target::PostPicture => crate::db::posts::update_picture(tx, p.id, Some(media_id))?,
            }
            Ok(())
        })
        .map_err(|e| JobError::Retry(e.to_string()))
}
