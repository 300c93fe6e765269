//! Discussions from other servers (mobilizon-features.md b3, b4): a Note
//! with a `name` attributed to a group starts a discussion; a Note whose
//! `context` (or `inReplyTo`) is a discussion we hold answers in it.
//!
//! Who may: in our groups, the sender's role decides (the permission
//! matrix: start, answer, moderate), and what a remote member writes is
//! passed on by the group to the other remote members. In a remote group
//! (kept only while one of our profiles belongs to it), the group vouches:
//! its own Announce, or an author from the group's own server or known to
//! us as a member. An author changes only their own messages; moderation
//! comes from the group's side. What our members wrote is never rewritten
//! from elsewhere (R4), but moderation reaches it: in OUR groups, a remote
//! member whose role allows it renames and deletes discussions and deletes
//! messages, through the same domain functions as our pages (the group
//! then passes it on); in a REMOTE group, that group, its server or a
//! member we know whose role allows it deletes what our members wrote
//! there, and renames a discussion they started.

use rusqlite::Connection;
use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::discussions::{self as db, Discussion, DiscussionComment};
use crate::db::groups::{self, Group};
use crate::domain::discussions::{self as rules, Received};
use crate::domain::members::{Action, allows, role_of};
use crate::federation::parse;

/// Longest message kept, in bytes of HTML (as comments).
const HTML_MAX: usize = 20_000;

fn read<T: Send + 'static>(
    env: &Env,
    f: impl FnOnce(&Connection) -> crate::error::AppResult<T> + Send + 'static,
) -> Result<T, ApplyError> {
    Ok(env.ctx.db.read_blocking(f)?)
}

/// Whether an id is a discussion or a message of one we hold.
pub fn is_known(env: &Env, id: &str) -> Result<bool, ApplyError> {
    let id = id.to_string();
    read(env, move |conn| {
        Ok(db::find_by_ap_id(conn, &id)?.is_some() || db::find_comment_by_ap_id(conn, &id)?.is_some())
    })
}

/// Whether an embedded Note belongs to a discussion here: its id, its
/// `context` or what it answers is a discussion (or a message of one) we
/// hold, or it has a title and is attributed to a group we know. Decided
/// before the rule that takes a non-public Note for a private message.
pub fn claims(env: &Env) -> Result<bool, ApplyError> {
    let Some(note) = env.activity.get("object").filter(|o| o.is_object()) else { return Ok(false) };
    let ids: Vec<String> = [
        parse::id_of(note),
        note.get("context").and_then(parse::id_of),
        note.get("inReplyTo").and_then(parse::id_of),
    ]
    .into_iter()
    .flatten()
    .map(str::to_string)
    .collect();
    let titled_for =
        parse::text(note, "name").and(note.get("attributedTo").and_then(parse::id_of)).map(str::to_string);
    read(env, move |conn| {
        for id in &ids {
            if db::find_by_ap_id(conn, id)?.is_some() || db::find_comment_by_ap_id(conn, id)?.is_some() {
                return Ok(true);
            }
        }
        Ok(match titled_for {
            Some(group) => groups::find_by_ap_id(conn, &group)?.is_some(),
            None => false,
        })
    })
}

/// Whether an Announce comes from a remote group one of our profiles
/// belongs to, about a Note or about something given by id only (an Event
/// goes to the events' path).
pub fn is_group_announce(env: &Env) -> Result<bool, ApplyError> {
    if super::object_type(&env.activity).is_some_and(|t| t != "Note") {
        return Ok(false);
    }
    let group_id = env.actor_id;
    read(env, move |conn| {
        Ok(groups::find_group(conn, group_id)?.is_some_and(|g| !g.is_local())
            && crate::db::members::has_local_member(conn, group_id)?)
    })
}

/// How a Note reached us: from its author, or announced by its group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Author,
    Group,
}

/// Create(Note) or Update(Note) of a discussion or a message, from its
/// author; or the Update of a discussion (its Note has a title) by a
/// moderator renaming it, as Mobilizon sends it (`change` decides).
pub fn create_or_update(env: &Env, update: bool) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    let note = match parse::id_of(&object) {
        // A discussion our member started in a remote group, renamed there:
        // we cannot fetch our own id; the copy is the sender's word, and
        // only its title may count (`retitle_ours`).
        Some(id) if update && env.is_local(id) && object.is_object() => object.clone(),
        _ => env.trusted_object(&object)?,
    };
    let renaming = update && parse::text(&note, "name").is_some();
    if author_of(&note) != Some(env.actor_ap_id.as_str()) && !renaming {
        return refused("a Note may only be written by its author");
    }
    store(env, &note, Via::Author, update)
}

/// Announce by a remote group of a message written in it: the Note comes
/// from its own origin (embedded only when it is the group's server's, R3).
pub fn announced(env: &Env) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    // The group passes our own members' messages back to us too.
    if parse::id_of(&object).is_some_and(|id| env.is_local(id)) {
        return ignored("an announce of one of our messages");
    }
    let note = env.trusted_object(&object)?;
    if parse::is_type(&note, "Article") || parse::is_type(&note, "Tombstone") {
        return super::posts::announced_document(env, note);
    }
    if !parse::is_type(&note, "Note") {
        return super::events::share(env);
    }
    store(env, &note, Via::Group, true)
}

fn author_of(note: &Value) -> Option<&str> {
    note.get("actor").and_then(parse::id_of).or_else(|| note.get("attributedTo").and_then(parse::id_of))
}

/// What the Note refers to, as held here.
struct Found {
    /// The message with the Note's id, with its discussion and group.
    message: Option<(DiscussionComment, Discussion, Group)>,
    /// The discussion its `context` (or `inReplyTo`) names, with its group.
    discussion: Option<(Discussion, Group)>,
    /// The group it is attributed to.
    group: Option<Group>,
    /// The role of the activity's actor in that group, and whether one of
    /// our profiles belongs to it.
    role: Option<crate::domain::members::Role>,
    has_local_members: bool,
}

fn find(env: &Env, id: &str, note: &Value) -> Result<Found, ApplyError> {
    let id = id.to_string();
    let context = note.get("context").and_then(parse::id_of).map(str::to_string);
    let in_reply_to = note.get("inReplyTo").and_then(parse::id_of).map(str::to_string);
    let attributed = note.get("attributedTo").and_then(parse::id_of).map(str::to_string);
    let (actor_id, author) = (env.actor_id, author_of(note).unwrap_or_default().to_string());
    read(env, move |conn| {
        let with_group = |d: Discussion| -> crate::error::AppResult<Option<(Discussion, Group)>> {
            Ok(groups::find_group(conn, d.group_id)?.map(|g| (d, g)))
        };
        let message = match db::find_comment_by_ap_id(conn, &id)? {
            Some(c) => match db::find_discussion(conn, c.discussion_id)? {
                Some(d) => with_group(d)?.map(|(d, g)| (c, d, g)),
                None => None,
            },
            None => None,
        };
        let mut discussion = None;
        if let Some(context) = &context {
            discussion = db::find_by_ap_id(conn, context)?;
        }
        if discussion.is_none()
            && let Some(parent) = &in_reply_to
        {
            discussion = match db::find_comment_by_ap_id(conn, parent)? {
                Some(c) => db::find_discussion(conn, c.discussion_id)?,
                None => db::find_by_ap_id(conn, parent)?,
            };
        }
        let discussion = match discussion {
            Some(d) => with_group(d)?,
            None => None,
        };
        let group = match (&discussion, &message, &attributed) {
            (Some((_, g)), _, _) | (_, Some((_, _, g)), _) => Some(g.clone()),
            (None, None, Some(a)) => groups::find_by_ap_id(conn, a)?,
            _ => None,
        };
        let (role, has_local) = match &group {
            Some(g) => {
                // The sender's role; for a Note announced by its group, the author's.
                let author_row = crate::db::remote_actors::find_id(conn, &author)?;
                let who = if actor_id == g.id { author_row } else { Some(actor_id) };
                let role = match who {
                    Some(who) => {
                        crate::db::members::find_between(conn, g.id, who)?.as_ref().and_then(role_of)
                    }
                    None => None,
                };
                (role, crate::db::members::has_local_member(conn, g.id)?)
            }
            None => (None, false),
        };
        Ok(Found { message, discussion, group, role, has_local_members: has_local })
    })
}

/// Whether the group stands behind what this actor does in it, beyond
/// their own messages: a member of ours whose role allows it (the matrix),
/// or for a remote group the group itself, its own server, or a member we
/// know whose role allows it (as `group_objects::scope`).
fn speaks_for(env: &Env, group: &Group, role: Option<crate::domain::members::Role>, action: Action) -> bool {
    if group.is_local() {
        allows(role, action)
    } else {
        env.actor_id == group.id || parse::same_origin(&env.actor_ap_id, &group.ap_id) || allows(role, action)
    }
}

/// May the Note's author write in this group? In ours, by their role; in a
/// remote group, the group vouches (its Announce, an author of its own
/// server, or one we know as a member).
fn may_write(
    env: &Env,
    via: Via,
    group: &Group,
    found: &Found,
    author: &str,
    action: Action,
) -> Result<(), String> {
    if via == Via::Group && env.actor_id != group.id {
        return Err("announced by another group".into());
    }
    if group.deleted {
        return Err("the group is gone".into());
    }
    if group.is_local() {
        return if allows(found.role, action) {
            Ok(())
        } else {
            Err("the author is not a member allowed to write in this group".into())
        };
    }
    if !found.has_local_members {
        return Err("none of our profiles belongs to this group".into());
    }
    if via == Via::Group
        || parse::same_origin(author, &group.ap_id)
        || found.role.is_some_and(|r| r.is_member())
    {
        Ok(())
    } else {
        Err("the group does not vouch for this author".into())
    }
}

fn html_of(note: &Value) -> String {
    let content: String = parse::text(note, "content").unwrap_or_default().chars().take(HTML_MAX).collect();
    crate::domain::rich_text::sanitize(&content)
}

fn store(env: &Env, note: &Value, via: Via, update: bool) -> ApplyResult {
    let Some(id) = parse::text(note, "id").map(str::to_string) else {
        return refused("a Note without an id");
    };
    let Some(author) = author_of(note).map(str::to_string) else {
        return refused("a Note without an author");
    };
    // What a member sends is theirs: its id (and so a new discussion's
    // context, which is that id) lives on their own server (R3).
    if via == Via::Author && !parse::same_origin(&id, &author) {
        return refused("a Note whose id is not on its author's server");
    }
    let found = find(env, &id, note)?;
    if env.is_local(&id) && found.message.is_none() {
        return refused("a Note that claims one of our ids");
    }
    // Someone else's Note is only ever a rename of what we hold.
    if via == Via::Author && author != env.actor_ap_id && found.message.is_none() {
        return ignored("a rename of a discussion we do not hold");
    }
    let title =
        parse::text(note, "name").map(|n| parse::plain(n, rules::TITLE_MAX)).filter(|t| !t.is_empty());
    let html = html_of(note);
    if let Some((c, d, group)) = found.message.clone() {
        if !update {
            return ignored("a message we already have");
        }
        return change(env, &found, (c, d, group), title, html);
    }
    let at = note
        .get("published")
        .and_then(Value::as_str)
        .and_then(parse::instant)
        .filter(|t| *t <= env.now)
        .unwrap_or(env.now);
    if html.trim().is_empty() {
        return refused("an empty message");
    }
    if let Some((d, group)) = found.discussion.clone() {
        if id == d.ap_id {
            return ignored("a discussion we already have");
        }
        let attributed = note.get("attributedTo").and_then(parse::id_of);
        if attributed.is_some_and(|a| a != group.ap_id && a != author) {
            return refused("the message is attributed to another group");
        }
        if let Err(why) = may_write(env, via, &group, &found, &author, Action::ReplyInDiscussion) {
            return refused(why);
        }
        if d.is_deleted() {
            return ignored("the discussion was deleted");
        }
        let author_id = env.actor(&author)?;
        let (urls, now) = (env.ctx.urls.clone(), env.now);
        // Never before the discussion began, whatever the Note says.
        let at = at.max(d.created_at);
        return env.commit(move |tx| {
            let message = Received { ap_id: &id, author_id, html: &html, at };
            rules::store_remote_reply(tx, &urls, &group, &d, &message, now)?;
            Ok(Applied::Done)
        });
    }
    let Some(group) = found.group.clone() else { return ignored("a Note of no discussion here") };
    let Some(title) = title else { return ignored("a message of a discussion we do not hold") };
    if note.get("context").and_then(parse::id_of).is_some_and(|c| c != id) {
        return ignored("a message of a discussion we do not hold");
    }
    if let Err(why) = may_write(env, via, &group, &found, &author, Action::StartDiscussion) {
        return refused(why);
    }
    let author_id = env.actor(&author)?;
    let (urls, now) = (env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let first = Received { ap_id: &id, author_id, html: &html, at };
        rules::store_remote_discussion(tx, &urls, &group, &title, &first, now)?;
        Ok(Applied::Done)
    })
}

/// An Update of a message we hold: by its author, or moderation the group
/// stands behind; the first message may carry a new title (a rename).
fn change(
    env: &Env,
    found: &Found,
    (c, d, group): (DiscussionComment, Discussion, Group),
    title: Option<String>,
    html: String,
) -> ApplyResult {
    if c.local {
        return retitle_ours(env, found, (c, d, group), title);
    }
    // Our discussions are renamed by our moderators only (R4).
    let rename = title
        .filter(|t| !d.local && c.ap_id == d.ap_id && *t != d.title)
        .filter(|_| speaks_for(env, &group, found.role, Action::ManageDiscussions));
    // The text: its author's, or moderation; a moderator who may rename
    // but not rewrite changes the title alone.
    let rewrites = c.actor_id == env.actor_id || speaks_for(env, &group, found.role, Action::ModerateReplies);
    if !rewrites && rename.is_none() {
        return refused("only its author or the group's moderators may change a message");
    }
    if c.is_deleted() || d.is_deleted() {
        return ignored("the message was deleted");
    }
    if rewrites && html.trim().is_empty() {
        return refused("an empty message");
    }
    let (urls, now, by) = (env.ctx.urls.clone(), env.now, env.actor_id);
    env.commit(move |tx| {
        if rewrites {
            db::update_comment(tx, c.id, &html, "", now)?;
        }
        if let Some(title) = &rename {
            db::update_title(tx, d.id, title, now)?;
            if group.is_local() {
                let path = crate::urls::discussion(&group.handle(), &d.slug);
                crate::db::group_activities::insert_activity(
                    tx,
                    group.id,
                    Some(by),
                    "discussion_renamed",
                    title,
                    &path,
                    now,
                )?;
            }
        }
        let d = db::find_discussion(tx, d.id)?.unwrap_or(d);
        crate::federation::outbox_discussions::relayed(tx, &urls, &group, &d, c.id, now)?;
        Ok(Applied::Done)
    })
}

/// How a refusal of our pages' rules reads in the activity's outcome: the
/// sender's lack of a right is a refusal, the rest (gone already, nothing
/// to do) changes nothing.
fn said(outcome: Result<(), rules::Refusal>) -> Applied {
    match outcome {
        Ok(()) => Applied::Done,
        Err(r @ (rules::Refusal::NotAllowed | rules::Refusal::NotYours | rules::Refusal::NotRewritable)) => {
            Applied::Refused(format!("{r:?}"))
        }
        Err(r) => Applied::Ignored(format!("{r:?}")),
    }
}

/// An Update of a message our member wrote: its text is theirs alone
/// (Mobilizon takes an Update of a Note only from its author's server; a
/// group's moderators delete, they do not rewrite). What a remote group may
/// change is the title of a discussion our member started there: a rename
/// by whom the group stands behind; the text stays ours.
fn retitle_ours(
    env: &Env,
    found: &Found,
    (c, d, group): (DiscussionComment, Discussion, Group),
    title: Option<String>,
) -> ApplyResult {
    let Some(title) = title.filter(|t| c.ap_id == d.ap_id && *t != d.title) else {
        return refused("an Update of one of our messages");
    };
    if group.is_local() {
        let (urls, now, actor_id) = (env.ctx.urls.clone(), env.now, env.actor_id);
        return env.commit(move |tx| {
            let Some(m) = crate::db::members::find_between(tx, group.id, actor_id)? else {
                return Ok(Applied::Refused("the sender is not a member of the group".into()));
            };
            Ok(said(rules::rename(tx, &urls, &group, &d, &m, &title, now)?))
        });
    }
    if !speaks_for(env, &group, found.role, Action::ManageDiscussions) {
        return refused("only the group's moderators may rename a discussion");
    }
    if d.is_deleted() {
        return ignored("the discussion was deleted");
    }
    let now = env.now;
    env.commit(move |tx| {
        db::update_title(tx, d.id, &title, now)?;
        Ok(Applied::Done)
    })
}

/// Delete of a discussion or of a message: by the message's author, or by
/// whom the group stands behind (moderators of ours by the matrix; a remote
/// group or its server, also for what our members wrote in it).
pub fn delete(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("Delete without an object");
    };
    let actor_id = env.actor_id;
    let (discussion, message, role) = {
        let id = id.clone();
        read(env, move |conn| {
            let discussion = match db::find_by_ap_id(conn, &id)? {
                Some(d) => groups::find_group(conn, d.group_id)?.map(|g| (d, g)),
                None => None,
            };
            let message = match db::find_comment_by_ap_id(conn, &id)? {
                Some(c) => match db::find_discussion(conn, c.discussion_id)? {
                    Some(d) => groups::find_group(conn, d.group_id)?.map(|g| (c, d, g)),
                    None => None,
                },
                None => None,
            };
            let group_id = discussion.as_ref().map(|(_, g)| g.id).or(message.as_ref().map(|(_, _, g)| g.id));
            let role = match group_id {
                Some(g) => crate::db::members::find_between(conn, g, actor_id)?.as_ref().and_then(role_of),
                None => None,
            };
            Ok((discussion, message, role))
        })?
    };
    let (urls, now) = (env.ctx.urls.clone(), env.now);
    // In our groups, the matrix decides, through our pages' own rules; a
    // discussion our member started in a remote group is that group's to
    // delete (its server, or a moderator we know).
    if let Some((d, group)) = discussion {
        if group.is_local() {
            return env.commit(move |tx| {
                let Some(m) = crate::db::members::find_between(tx, group.id, actor_id)? else {
                    return Ok(Applied::Refused("the sender is not a member of the group".into()));
                };
                Ok(said(rules::delete(tx, &urls, &group, &d, &m, now)?))
            });
        }
        if !speaks_for(env, &group, role, Action::ManageDiscussions) {
            return refused("only the group's moderators may delete a discussion");
        }
        if d.is_deleted() {
            return ignored("already deleted");
        }
        return env.commit(move |tx| {
            rules::remove(tx, &group, &d, Some(actor_id), now)?;
            Ok(Applied::Done)
        });
    }
    let Some((c, d, group)) = message else { return ignored("an object we do not hold") };
    if group.is_local() {
        return env.commit(move |tx| {
            match crate::db::members::find_between(tx, group.id, actor_id)? {
                Some(m) => Ok(said(rules::delete_message(tx, &urls, &group, &d, &c, &m, &[actor_id], now)?)),
                // One who left may still take back their own words.
                None if c.actor_id == actor_id && !c.is_deleted() && !d.is_deleted() => {
                    db::delete_comment(tx, c.id, now)?;
                    crate::federation::outbox_discussions::message_deleted(
                        tx, &urls, &group, &c, actor_id, now,
                    )?;
                    Ok(Applied::Done)
                }
                None => Ok(Applied::Refused("the sender is not a member of the group".into())),
            }
        });
    }
    if c.actor_id != actor_id && !speaks_for(env, &group, role, Action::ModerateReplies) {
        return refused("only its author or the group's moderators may delete a message");
    }
    if c.is_deleted() || d.is_deleted() {
        return ignored("already deleted");
    }
    env.commit(move |tx| {
        db::delete_comment(tx, c.id, now)?;
        Ok(Applied::Done)
    })
}
