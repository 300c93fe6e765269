//! Mails about groups, to our own people, in their language: an invitation,
//! a request approved or declined, a removal, and a new request for the
//! group's moderators.

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::messages::{Action, action_mail};
use crate::config::Config;
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::time::Timestamp;
use crate::urls::{self, Urls};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupNotice {
    Invited,
    Approved,
    Rejected,
    Removed,
}

/// The address and language of the account owning a local profile (None
/// for remote actors and accounts that cannot receive mail).
fn owner_address(conn: &Connection, config: &Config, actor_id: i64) -> AppResult<Option<(String, Tr)>> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT u.email, u.locale FROM actors a JOIN users u ON u.id = a.user_id
             WHERE a.id = ?1 AND u.disabled = 0 AND u.confirmed_at IS NOT NULL",
        )?
        .query_row([actor_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(email, locale)| {
        (email, Tr::for_code(locale.as_deref().unwrap_or(&config.instance.default_locale)))
    }))
}

fn group_name(group: &Group) -> String {
    crate::domain::events::one_line(if group.name.is_empty() { &group.username } else { &group.name })
}

/// Tells the member's owner what happened to their membership (nothing for
/// a remote member: their own server tells them).
pub fn send_to_member(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    member: &Member,
    notice: GroupNotice,
    now: Timestamp,
) -> AppResult<()> {
    let Some((to, tr)) = owner_address(tx, config, member.actor_id)? else { return Ok(()) };
    let name = group_name(group);
    let args = [("group", name.as_str()), ("profile", member.actor_username.as_str())];
    let group_link = urls.absolute(&urls::actor(&group.handle()));
    let (subject, paragraphs, label) = match notice {
        GroupNotice::Invited => (
            tr.tf("You are invited to join {group}", &args),
            vec![
                tr.tf("Your profile @{profile} is invited to join the group {group}.", &args),
                tr.t("Accept or decline the invitation on the group's page.").to_string(),
            ],
            tr.t("Open the group"),
        ),
        GroupNotice::Approved => (
            tr.tf("Welcome to {group}", &args),
            vec![tr.tf(
                "The moderators of {group} approved your profile @{profile}: you are a member now.",
                &args,
            )],
            tr.t("Open the group"),
        ),
        GroupNotice::Rejected => (
            tr.tf("Your request to join {group} was declined", &args),
            vec![tr.tf("The moderators of {group} declined the request of your profile @{profile}.", &args)],
            tr.t("Open the group"),
        ),
        GroupNotice::Removed => (
            tr.tf("You are no longer a member of {group}", &args),
            vec![tr.tf("A moderator of {group} removed your profile @{profile} from the group.", &args)],
            tr.t("Open the group"),
        ),
    };
    let footer = tr.t("You receive this message because of your profile's membership of this group.");
    let mail = action_mail(
        tr,
        &config.instance.name,
        &config.public_base(),
        &to,
        Action { subject, paragraphs, action_label: label, action_url: &group_link, footer },
    )?;
    super::enqueue(tx, config, now, &mail)
}

/// Tells each local moderator (and administrator) of the group that someone
/// asks to join, with the members page to answer on.
pub fn notify_moderators_of_request(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    request: &Member,
    now: Timestamp,
) -> AppResult<()> {
    let moderators: Vec<i64> = tx
        .prepare_cached(
            "SELECT m.actor_id FROM members m JOIN actors a ON a.id = m.actor_id
             WHERE m.group_id = ?1 AND a.domain IS NULL
               AND m.role IN ('moderator', 'administrator', 'creator') ORDER BY m.id",
        )?
        .query_map([group.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let name = group_name(group);
    let who = request.handle();
    let link = urls.absolute(&urls::group_page(&group.handle(), "members"));
    let mut mailed = Vec::new();
    for actor_id in moderators {
        let Some((to, tr)) = owner_address(tx, config, actor_id)? else { continue };
        // One mail per account, even if several of its profiles moderate.
        if mailed.contains(&to) {
            continue;
        }
        let args = [("group", name.as_str()), ("who", who.as_str())];
        let mail = action_mail(
            tr,
            &config.instance.name,
            &config.public_base(),
            &to,
            Action {
                subject: tr.tf("@{who} asks to join {group}", &args),
                paragraphs: vec![
                    tr.tf("@{who} asks to join the group {group}.", &args),
                    tr.t("Approve or decline the request on the members page.").to_string(),
                ],
                action_label: tr.t("Open the members page"),
                action_url: &link,
                footer: tr.t("You receive this message because you moderate this group."),
            },
        )?;
        super::enqueue(tx, config, now, &mail)?;
        mailed.push(to);
    }
    Ok(())
}

/// Tells the local followers of a group of ours who asked for mail that it
/// published a new public event (one mail per account).
pub fn tell_followers_of_event(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    event: &crate::db::events::Event,
    now: Timestamp,
) -> AppResult<()> {
    if event.draft || event.visibility != "public" {
        return Ok(());
    }
    let followers: Vec<(String, Option<String>, Option<String>)> = tx
        .prepare_cached(
            "SELECT DISTINCT u.email, u.locale, u.timezone FROM follows f JOIN actors a ON a.id = f.follower_id
             JOIN users u ON u.id = a.user_id
             WHERE f.target_id = ?1 AND f.approved = 1 AND f.notify = 1 AND a.domain IS NULL
               AND u.disabled = 0 AND u.confirmed_at IS NOT NULL
             ORDER BY u.email",
        )?
        .query_map([group.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let name = group_name(group);
    let title = crate::domain::events::one_line(&event.title);
    let link = urls.absolute(&urls::event(&event.uuid));
    let mut mailed: Vec<String> = Vec::new();
    for (to, locale, timezone) in followers {
        if mailed.contains(&to) {
            continue;
        }
        let tr = Tr::for_code(locale.as_deref().unwrap_or(&config.instance.default_locale));
        let zone = timezone
            .as_deref()
            .and_then(crate::time::parse_zone)
            .or_else(|| crate::time::parse_zone(&event.timezone))
            .unwrap_or(chrono_tz::UTC);
        let ends = event.ends_at.filter(|_| event.show_end_time);
        let when = format!("{} ({})", crate::time::span(tr, event.begins_at, ends, zone), zone.name());
        let args = [("group", name.as_str()), ("title", title.as_str()), ("when", when.as_str())];
        let mail = action_mail(
            tr,
            &config.instance.name,
            &config.public_base(),
            &to,
            Action {
                subject: tr.tf("{group}: {title}", &args),
                paragraphs: vec![tr.tf("{group} published a new event: {title}.", &args), tr.tf("When: {when}", &args)],
                action_label: tr.t("See the event"),
                action_url: &link,
                footer: tr.t("You receive this message because you follow this group and asked to be told of its events. Stop following it on its page to receive no more."),
            },
        )?;
        super::enqueue(tx, config, now, &mail)?;
        mailed.push(to);
    }
    Ok(())
}
