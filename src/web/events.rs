//! Event pages: the form (create, edit, duplicate), the event page, publish
//! and delete. Participation lives in `participations.rs`.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use super::uploads::{CsrfParts, pictures, store_pictures};
use crate::app::AppState;
use crate::db::comments::Comment;
use crate::db::events::{self as db, Event};
use crate::db::participants::{self, Participant};
use crate::domain::FieldErrors;
use crate::domain::comments::Thread;
use crate::domain::events::{self as rules, Access, EventInput};
use crate::domain::media::Kind;
use crate::domain::participations;
use crate::error::{AppError, AppResult};
use crate::time::{Timestamp, parse_zone};
use crate::urls;

const BANNER: &[(&str, Kind)] = &[("banner", Kind::Banner)];

#[derive(Template)]
#[template(path = "events/form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub input: EventInput,
    pub errors: FieldErrors,
    /// The event being edited (None: a new one).
    pub editing: Option<String>,
    /// Whether the form offers "save as draft" (new events and drafts).
    pub can_draft: bool,
    pub banner: Option<String>,
    /// For a new event: the groups whose events the account may create
    /// (handle, name), and the one chosen (empty: the current profile organises).
    pub groups: Vec<(String, String)>,
    pub group: String,
}

impl FormPage {
    /// The form for a new event, filled with `input`.
    fn new_event(ctx: Ctx, input: EventInput) -> FormPage {
        FormPage {
            ctx,
            input,
            errors: FieldErrors::default(),
            editing: None,
            can_draft: true,
            banner: None,
            groups: Vec::new(),
            group: String::new(),
        }
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(uuid) => urls::event_edit(uuid),
            None => urls::events_create(),
        }
    }

    pub fn zones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
    }
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    /// A group to organise the event for (its handle).
    pub group: Option<String>,
}

/// The groups in which the account may create events: (group id, handle,
/// name, the profile that acts), by name. Remote groups too: the event is
/// made here, its Create goes to the group's server, which checks the role
/// again and announces it (`outbox::event_published`).
async fn event_groups(ctx: &Ctx, state: &AppState) -> AppResult<Vec<(i64, String, String, i64)>> {
    let user = ctx.require_user()?.user_id;
    state
        .db
        .read(move |conn| {
            let mut out: Vec<(i64, String, String, i64)> = Vec::new();
            for p in crate::db::profiles::list_profiles(conn, user)? {
                for (g, role) in
                    crate::db::groups::list_groups_of(conn, p.id, crate::db::groups::MEMBER_ROLES)?
                {
                    let allowed = crate::domain::members::allows(
                        crate::domain::members::Role::parse(&role),
                        crate::domain::members::Action::ManageEvents,
                    );
                    if allowed && !out.iter().any(|(id, ..)| *id == g.id) {
                        out.push((g.id, g.handle(), g.name.clone(), p.id));
                    }
                }
            }
            Ok(out)
        })
        .await
}

fn group_choices(groups: &[(i64, String, String, i64)]) -> Vec<(String, String)> {
    groups.iter().map(|(_, handle, name, _)| (handle.clone(), name.clone())).collect()
}

pub async fn new_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    ctx.require_user()?.require_profile()?;
    let input = EventInput::new(ctx.viewer_zone(&state.config.instance.default_timezone).name());
    let groups = group_choices(&event_groups(&ctx, &state).await?);
    let group = query.group.clone().filter(|g| groups.iter().any(|(h, _)| h == g)).unwrap_or_default();
    let mut page = FormPage::new_event(ctx, input);
    page.groups = groups;
    page.group = group;
    super::ok(&page)
}

/// The event's uuid from the path, checked for shape before any lookup.
fn uuid_of(path: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(path).map(|u| u.to_string()).map_err(|_| AppError::NotFound)
}

/// An event and what this viewer may do with it; 404 or 410 otherwise.
pub async fn visible_event(ctx: &Ctx, state: &AppState, uuid: &str) -> AppResult<(Event, bool)> {
    let uuid = uuid_of(uuid)?;
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    state
        .db
        .read(move |conn| {
            let event = db::find_event_by_uuid(conn, &uuid)?.ok_or(AppError::NotFound)?;
            match rules::access(conn, &event, user_id)? {
                Access::Visible { manage } => Ok((event, manage)),
                Access::Gone => Err(AppError::Gone),
                Access::Hidden => Err(AppError::NotFound),
            }
        })
        .await
}

/// An event this user organises; anyone else gets 404, as for an unknown id.
pub async fn managed_event(ctx: &Ctx, state: &AppState, uuid: &str) -> AppResult<Event> {
    ctx.require_user()?;
    match visible_event(ctx, state, uuid).await? {
        (event, true) => Ok(event),
        _ => Err(AppError::NotFound),
    }
}

fn input_of(parts: &CsrfParts) -> EventInput {
    let checked = |name: &str| matches!(parts.text(name).as_str(), "true" | "on" | "1");
    EventInput {
        title: parts.text("title"),
        description: parts.text("description"),
        begins_on: parts.text("begins_on"),
        ends_on: parts.text("ends_on"),
        timezone: parts.text("timezone"),
        category: parts.text("category"),
        tags: parts.text("tags"),
        status: parts.text("status"),
        visibility: parts.text("visibility"),
        join_options: parts.text("join_options"),
        external_participation_url: parts.text("external_participation_url"),
        maximum_attendee_capacity: parts.text("maximum_attendee_capacity"),
        anonymous_participation: checked("anonymous_participation"),
        comment_moderation: parts.text("comment_moderation"),
        hide_number_of_participants: checked("hide_number_of_participants"),
        hide_end_time: checked("hide_end_time"),
        online_address: parts.text("online_address"),
        address_description: parts.text("address_description"),
        address_street: parts.text("address_street"),
        address_postal_code: parts.text("address_postal_code"),
        address_locality: parts.text("address_locality"),
        address_region: parts.text("address_region"),
        address_country: parts.text("address_country"),
        latitude: parts.text("latitude"),
        longitude: parts.text("longitude"),
        language: parts.text("language"),
        wheelchair: parts.text("wheelchair"),
        sign_language: checked("sign_language"),
        subtitles: checked("subtitles"),
        live_url: parts.text("live_url"),
        replay_url: parts.text("replay_url"),
        ticket_url: parts.text("ticket_url"),
        price_url: parts.text("price_url"),
        fediverse_account: parts.text("fediverse_account"),
        visio_url: parts.text("visio_url"),
    }
}

/// Records the stored banner (if one came) and shows it on the event.
fn attach_banner(
    tx: &rusqlite::Transaction,
    event_id: i64,
    actor_id: i64,
    stored: &[(Kind, crate::domain::media::Processed, String)],
    now: Timestamp,
) -> AppResult<()> {
    for (_, picture, name) in stored {
        let media_id = super::uploads::insert_stored(tx, picture, name, actor_id, now)?;
        db::update_banner(tx, event_id, Some(media_id))?;
    }
    Ok(())
}

/// Fills in the coordinates of an address typed without them, when a
/// geocoder is configured (a network call: done here, before the write).
async fn geocode(state: &AppState, fields: &mut crate::db::events::EventFields) -> AppResult<()> {
    let Some(geocoder) = state.geocoder.clone() else { return Ok(()) };
    if fields.address.latitude.is_some() || crate::geocoder::query_of(&fields.address).is_empty() {
        return Ok(());
    }
    let (db, address, now) = (state.db.clone(), fields.address.clone(), state.now());
    if let Some((lat, lon)) = web::block(move || geocoder.locate(&db, &address, now)).await?? {
        fields.address.latitude = Some(lat);
        fields.address.longitude = Some(lon);
    }
    Ok(())
}

pub async fn create(ctx: Ctx, state: web::Data<AppState>, mut parts: CsrfParts) -> AppResult<HttpResponse> {
    let mut profile_id = ctx.require_user()?.require_profile()?;
    let input = input_of(&parts);
    let draft = parts.text("draft") == "true";
    let group = parts.text("group");
    let groups = event_groups(&ctx, &state).await?;
    let mut errors = FieldErrors::default();
    let mut group_id = None;
    if !group.is_empty() {
        match groups.iter().find(|(_, handle, ..)| *handle == group) {
            Some((id, _, _, acting)) => (group_id, profile_id) = (Some(*id), *acting),
            None => errors.add("group", msg!("Choose yourself or one of the groups you moderate.")),
        }
    }
    let fields = rules::validate(&input).map_err(|e| errors.extend(e)).ok();
    let banner = pictures(&state, &mut parts, &mut errors, BANNER).await?;
    let Some(mut fields) = fields.filter(|_| errors.is_empty()) else {
        let mut page = FormPage::new_event(ctx, input);
        (page.errors, page.groups, page.group) = (errors, group_choices(&groups), group);
        return super::render(UNPROCESSABLE, &page);
    };
    geocode(&state, &mut fields).await?;
    let stored = store_pictures(&state, banner).await?;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let uuid = state
        .db
        .write(move |tx| {
            let (id, uuid) = match group_id {
                Some(group) => rules::create_for_group(tx, &urls, profile_id, group, &fields, draft, now)?,
                None => rules::create(tx, &urls, profile_id, &fields, draft, now)?,
            };
            attach_banner(tx, id, profile_id, &stored, now)?;
            if !draft {
                rules::tell_group_followers(tx, &config, &urls, id, now)?;
            }
            Ok(uuid)
        })
        .await?;
    let message = if draft {
        msg!("The draft is saved. Only you can see it until you publish it.")
    } else {
        msg!("The event is published.")
    };
    Ok(flash::redirect(&state, &urls::event(&uuid), FlashLevel::Info, message))
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    super::ok(&FormPage {
        input: EventInput::from_event(&event),
        errors: FieldErrors::default(),
        can_draft: event.draft,
        editing: Some(event.uuid),
        banner: event.banner,
        groups: Vec::new(),
        group: String::new(),
        ctx,
    })
}

/// The form of an existing event, filled in, to create a new one from it.
pub async fn duplicate(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    super::ok(&FormPage::new_event(ctx, EventInput::from_event(&event)))
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    mut parts: CsrfParts,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    let profile_id = ctx.require_user()?.require_profile()?;
    let input = input_of(&parts);
    let mut errors = FieldErrors::default();
    let fields = rules::validate(&input).map_err(|e| errors = e).ok();
    let banner = pictures(&state, &mut parts, &mut errors, BANNER).await?;
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        let page = FormPage {
            ctx,
            input,
            errors,
            can_draft: event.draft,
            editing: Some(event.uuid),
            banner: event.banner,
            groups: Vec::new(),
            group: String::new(),
        };
        return super::render(UNPROCESSABLE, &page);
    };
    let mut fields = fields;
    geocode(&state, &mut fields).await?;
    let publish = event.draft && parts.text("draft") != "true";
    let stored = store_pictures(&state, banner).await?;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let uuid = event.uuid.clone();
    state
        .db
        .write(move |tx| {
            let important = rules::important_changes(&event, &fields);
            db::update_event(tx, event.id, &fields, now, important)?;
            attach_banner(tx, event.id, profile_id, &stored, now)?;
            if publish {
                rules::publish(tx, &config, &urls, event.id, now)?;
            } else {
                crate::federation::outbox::event_updated(tx, &urls, event.id, now)?;
            }
            rules::record_in_group(tx, &event, profile_id, "event_updated", now)?;
            if important && !event.draft {
                let updated = db::find_event(tx, event.id)?.ok_or(AppError::NotFound)?;
                let cancelled = updated.status == "cancelled" && event.status != "cancelled";
                participations::notify_change(tx, &config, &urls, &updated, cancelled, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(flash::redirect(&state, &urls::event(&uuid), FlashLevel::Info, msg!("The event is saved.")))
}

pub async fn publish(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let id = event.id;
    state.db.write(move |tx| rules::publish(tx, &config, &urls, id, now)).await?;
    Ok(flash::redirect(&state, &urls::event(&event.uuid), FlashLevel::Info, msg!("The event is published.")))
}

/// Deletes an event: participants going are told, and the page answers 410 Gone.
pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    let profile_id = ctx.require_user()?.require_profile()?;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    state
        .db
        .write(move |tx| {
            rules::record_in_group(tx, &event, profile_id, "event_deleted", now)?;
            rules::delete(tx, &config, &urls, &event, now)
        })
        .await?;
    Ok(flash::redirect(&state, &urls::events_me(), FlashLevel::Info, msg!("The event is deleted.")))
}

#[derive(Template)]
#[template(path = "events/show.html")]
pub struct ShowPage {
    pub ctx: Ctx,
    pub event: Event,
    pub manage: bool,
    /// When, in the event's zone (and in the viewer's, if it differs).
    pub when: String,
    pub when_viewer: Option<String>,
    pub mine: Option<Participant>,
    pub going: i64,
    pub pending: i64,
    /// Seats left, when the event has a capacity.
    pub remaining: Option<i64>,
    /// Why nobody can join now (a catalog key), if so.
    pub closed: Option<&'static str>,
    pub anonymous_open: bool,
    pub canonical: String,
    /// The picture's absolute URL, for OpenGraph.
    pub banner_url: Option<String>,
    pub json_ld: String,
    pub summary: String,
    pub map_link: Option<String>,
    pub ended: bool,
    pub announcements: Vec<Comment>,
    pub threads: Vec<Thread>,
    /// The viewer's profiles: their comments get edit and delete links.
    pub my_actors: Vec<i64>,
}

impl ShowPage {
    pub fn category_label(&self) -> &'static str {
        crate::domain::event_options::category_label(&self.event.category)
    }

    pub fn can_comment(&self) -> bool {
        self.ctx.user.is_some() && (self.manage || self.event.comment_moderation != "closed")
    }

    /// The zone comment times are shown in: the viewer's, else the event's.
    pub fn viewer_zone(&self) -> chrono_tz::Tz {
        self.ctx.viewer_zone(&self.event.timezone)
    }

    pub fn mine(&self, comment: &Comment) -> bool {
        self.my_actors.contains(&comment.actor_id)
    }

    pub fn noindex(&self) -> bool {
        self.event.visibility != "public" || self.event.draft
    }

    pub fn language_name(&self) -> Option<&'static str> {
        crate::domain::event_options::language_name(&self.event.language)
    }
}

/// Events listed with their time in the viewer's zone (lists on the home,
/// search and profile pages).
pub fn with_times(ctx: &Ctx, state: &AppState, events: Vec<Event>) -> Vec<(Event, String)> {
    let zone = super::my_events::viewer_zone(ctx, state);
    events
        .into_iter()
        .map(|e| {
            let when = span(ctx.tr, &e, zone);
            (e, when)
        })
        .collect()
}

/// When the event happens, written for the reader, in `zone`.
pub fn span(tr: crate::i18n::Tr, event: &Event, zone: chrono_tz::Tz) -> String {
    crate::time::span(tr, event.begins_at, event.ends_at.filter(|_| event.show_end_time), zone)
}

pub async fn show(
    ctx: Ctx,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    if super::activitypub::wants_activity_json(&req) {
        return super::activitypub::event(&state, uuid_of(&uuid)?).await;
    }
    let (event, manage) = visible_event(&ctx, &state, &uuid).await?;
    let profile_id = ctx.user.as_ref().and_then(|u| u.profile_id);
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    let event_id = event.id;
    let (mine, counts, full, comments, my_actors) = {
        let event = event.clone();
        state
            .db
            .read(move |conn| {
                let mine = match profile_id {
                    Some(p) => participants::find_by_actor(conn, event_id, p)?,
                    None => None,
                };
                let full = participations::is_full(conn, &event)?;
                let comments = crate::db::comments::list_comments(conn, event_id)?;
                let my_actors = match user_id {
                    Some(u) => {
                        crate::db::profiles::list_profiles(conn, u)?.into_iter().map(|p| p.id).collect()
                    }
                    None => Vec::new(),
                };
                Ok((mine, participants::count_by_role(conn, event_id)?, full, comments, my_actors))
            })
            .await?
    };
    let count =
        |roles: &[&str]| counts.iter().filter(|(r, _)| roles.contains(&r.as_str())).map(|(_, n)| n).sum();
    let accepted: i64 = count(&["participant"]);
    let now = state.now();
    let ended = event.ends_at.unwrap_or(event.begins_at) < now;
    let event_zone = parse_zone(&event.timezone).unwrap_or(chrono_tz::UTC);
    let viewer_zone = ctx.account_zone();
    let closed = if event.draft {
        Some(participations::Refusal::Draft.message())
    } else if event.status == "cancelled" {
        Some(participations::Refusal::Cancelled.message())
    } else if ended {
        Some(participations::Refusal::Ended.message())
    } else if full && mine.is_none() {
        Some(participations::Refusal::Full.message())
    } else {
        None
    };
    let canonical = event.canonical(&state.urls);
    let summary: String =
        crate::domain::rich_text::html_to_text(&event.description).chars().take(300).collect();
    let map_link = match (event.address.latitude, event.address.longitude) {
        (Some(lat), Some(lon)) => Some(urls::openstreetmap(lat, lon)),
        _ if !event.address.is_empty() => Some(urls::openstreetmap_search(&event.address.lines().join(", "))),
        _ => None,
    };
    let (announcements, threads) = crate::domain::comments::threads(comments);
    let page = ShowPage {
        announcements,
        threads,
        my_actors,
        when: span(ctx.tr, &event, event_zone),
        when_viewer: viewer_zone.filter(|z| *z != event_zone).map(|z| span(ctx.tr, &event, z)),
        going: count(participants::GOING),
        pending: count(&["not_approved"]),
        remaining: (event.maximum_attendee_capacity > 0)
            .then(|| (event.maximum_attendee_capacity - accepted).max(0)),
        closed,
        anonymous_open: state.config.instance.anonymous_participation
            && event.anonymous_participation
            && event.local
            && event.join_options != "external",
        json_ld: super::event_meta::json_ld(&event, &canonical, &state.urls),
        banner_url: event.banner.as_ref().map(|b| state.urls.absolute(&urls::media(b))),
        canonical,
        summary,
        map_link,
        ended,
        mine,
        manage,
        event,
        ctx,
    };
    let mut response = super::ok(&page)?;
    response
        .headers_mut()
        .insert(actix_web::http::header::VARY, actix_web::http::header::HeaderValue::from_static("Accept"));
    if page.noindex() {
        // Unlisted, private and draft events stay out of search engines (as Mobilizon).
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-robots-tag"),
            actix_web::http::header::HeaderValue::from_static("noindex"),
        );
    }
    Ok(response)
}
