//! Profiles under /settings/profiles: list, create, edit, switch, delete; and
//! the public page of a profile at /@username.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel, SessionUser};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use super::uploads::{CsrfParts, pictures, store_pictures};
use crate::app::AppState;
use crate::db::profiles::{self, OwnProfile};
use crate::domain::FieldErrors;
use crate::domain::media::{self, Kind, Processed};
use crate::domain::profiles::{self as rules, ProfileInput};
use crate::error::{AppError, AppResult};
use crate::urls;
use actix_web::http::header;

/// The pictures of an actor's form (profiles and groups).
pub(super) const ACTOR_PICTURES: &[(&str, Kind)] = &[("avatar", Kind::Avatar), ("banner", Kind::Banner)];

#[derive(Template)]
#[template(path = "profiles/index.html")]
pub struct ProfilesPage {
    pub ctx: Ctx,
    pub profiles: Vec<OwnProfile>,
    pub current: String,
    /// The profile new sessions start with.
    pub default_id: i64,
    pub input: ProfileInput,
    pub errors: FieldErrors,
}

async fn own_profiles(state: &AppState, user: &SessionUser) -> AppResult<Vec<OwnProfile>> {
    let id = user.user_id;
    state.db.read(move |conn| profiles::list_profiles(conn, id)).await
}

async fn profiles_page(
    ctx: Ctx,
    state: &AppState,
    input: ProfileInput,
    errors: FieldErrors,
) -> AppResult<ProfilesPage> {
    let user = ctx.require_user()?.clone();
    let list = own_profiles(state, &user).await?;
    let id = user.user_id;
    let default_id = state
        .db
        .read(move |conn| crate::db::users::find_user(conn, id))
        .await?
        .and_then(|u| u.default_actor_id);
    Ok(ProfilesPage {
        current: user.profile_username.clone().unwrap_or_default(),
        default_id: default_id.unwrap_or_default(),
        profiles: list,
        input,
        errors,
        ctx,
    })
}

pub async fn index(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    super::ok(&profiles_page(ctx, &state, ProfileInput::default(), FieldErrors::default()).await?)
}

fn input_of(parts: &CsrfParts) -> ProfileInput {
    ProfileInput {
        username: parts.text("username").trim().to_string(),
        display_name: parts.text("display_name").trim().to_string(),
        summary: parts.text("summary").trim().to_string(),
    }
}

/// Stores an actor's new avatar and banner (a profile's or a group's).
pub(super) fn attach_pictures(
    tx: &rusqlite::Transaction,
    actor_id: i64,
    stored: &[(Kind, Processed, String)],
    now: crate::time::Timestamp,
) -> AppResult<()> {
    use crate::db::media as m;
    for (kind, picture, name) in stored {
        let id = super::uploads::insert_stored(tx, picture, name, actor_id, now)?;
        match kind {
            Kind::Avatar => m::update_avatar(tx, actor_id, id)?,
            Kind::Banner => m::update_banner(tx, actor_id, id)?,
        }
    }
    Ok(())
}

pub async fn create(ctx: Ctx, state: web::Data<AppState>, mut parts: CsrfParts) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let input = input_of(&parts);
    let mut errors = {
        let input = input.clone();
        state.db.read(move |conn| rules::validate_new(conn, &input)).await?
    };
    let pictures = pictures(&state, &mut parts, &mut errors, ACTOR_PICTURES).await?;
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &profiles_page(ctx, &state, input, errors).await?);
    }
    let stored = store_pictures(&state, pictures).await?;
    let (urls, now) = (state.urls.clone(), state.now());
    state
        .db
        .write(move |tx| {
            let id = rules::create(tx, &urls, user.user_id, &input, now)?;
            attach_pictures(tx, id, &stored, now)
        })
        .await?;
    Ok(flash::redirect(
        &state,
        &urls::settings_profiles(),
        FlashLevel::Info,
        msg!("The new profile is ready."),
    ))
}

async fn own_profile(state: &AppState, user: &SessionUser, username: &str) -> AppResult<OwnProfile> {
    let (id, username) = (user.user_id, username.to_string());
    // Someone else's profile looks exactly like one that does not exist.
    state
        .db
        .read(move |conn| profiles::find_own_profile(conn, id, &username))
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "profiles/edit.html")]
pub struct EditPage {
    pub ctx: Ctx,
    pub username: String,
    pub avatar: Option<String>,
    pub input: ProfileInput,
    pub errors: FieldErrors,
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let input = ProfileInput {
        username: profile.username.clone(),
        display_name: profile.name,
        summary: profile.summary_source,
    };
    super::ok(&EditPage {
        ctx,
        username: profile.username,
        avatar: profile.avatar,
        input,
        errors: FieldErrors::default(),
    })
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
    mut parts: CsrfParts,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let mut input = input_of(&parts);
    input.username = profile.username.clone();
    let mut errors = rules::validate_edit(&input);
    let pictures = pictures(&state, &mut parts, &mut errors, ACTOR_PICTURES).await?;
    if !errors.is_empty() {
        let page = EditPage { ctx, username: profile.username, avatar: profile.avatar, input, errors };
        return super::render(UNPROCESSABLE, &page);
    }
    let stored = store_pictures(&state, pictures).await?;
    let now = state.now();
    let name =
        if input.display_name.is_empty() { profile.username.clone() } else { input.display_name.clone() };
    state
        .db
        .write(move |tx| {
            rules::update(tx, profile.id, &name, &input.summary, now)?;
            attach_pictures(tx, profile.id, &stored, now)
        })
        .await?;
    Ok(flash::redirect(&state, &urls::settings_profiles(), FlashLevel::Info, msg!("The profile is saved.")))
}

/// Acts as this profile from now on, in this session.
pub async fn switch(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let hash = user.session_hash.clone();
    state.db.write(move |tx| profiles::update_session_profile(tx, &hash, profile.id)).await?;
    Ok(flash::redirect(
        &state,
        &urls::settings_profiles(),
        FlashLevel::Info,
        msg!("You now act as this profile."),
    ))
}

/// Makes this the profile every new session starts with.
pub async fn make_default(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let user_id = user.user_id;
    state.db.write(move |tx| profiles::update_default_profile(tx, user_id, profile.id)).await?;
    Ok(flash::redirect(
        &state,
        &urls::settings_profiles(),
        FlashLevel::Info,
        msg!("This profile is now the one you start with when you log in."),
    ))
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let user_id = user.user_id;
    let deleted = state.db.write(move |tx| rules::delete(tx, user_id, &profile)).await?;
    let (level, message) = if deleted {
        (FlashLevel::Info, msg!("The profile is deleted."))
    } else {
        (FlashLevel::Error, msg!("This is your only profile: an account keeps at least one."))
    };
    Ok(flash::redirect(&state, &urls::settings_profiles(), level, message))
}

#[derive(Template)]
#[template(path = "profiles/show.html")]
pub struct ShowPage {
    pub ctx: Ctx,
    pub profile: OwnProfile,
}

/// The public face of a local profile: display name and description only.
pub async fn show(
    ctx: Ctx,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> AppResult<HttpResponse> {
    let username = username.into_inner();
    if let Some((name, domain)) = username.split_once('@') {
        let is_group = {
            let handle = username.clone();
            state.db.read(move |conn| crate::db::groups::find_by_handle(conn, &handle)).await?.is_some()
        };
        if is_group {
            return super::groups::show(ctx, &state, username).await;
        }
        // Someone on another server: what we know of them, and a way there.
        return remote(ctx, &state, name.to_string(), domain.to_ascii_lowercase()).await;
    }
    if super::activitypub::wants_activity_json(&req) {
        return super::activitypub::actor(&state, username).await;
    }
    let kind = {
        let username = username.clone();
        state.db.read(move |conn| crate::db::profiles::find_local_actor_id(conn, &username)).await?
    };
    if kind.is_some_and(|(_, kind)| kind == "Group") {
        return super::groups::show(ctx, &state, username).await;
    }
    let profile = state
        .db
        .read(move |conn| profiles::find_local_person(conn, &username))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = super::ok(&ShowPage { ctx, profile })?;
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

#[derive(Template)]
#[template(path = "profiles/remote.html")]
pub struct RemotePage {
    pub ctx: Ctx,
    pub profile: crate::db::remote_actors::RemoteProfile,
    pub upcoming: Vec<(crate::db::events::Event, String)>,
}

/// A remote person (groups have their own page, `groups::show`).
async fn remote(ctx: Ctx, state: &AppState, name: String, domain: String) -> AppResult<HttpResponse> {
    let now = state.now();
    let (profile, events) = state
        .db
        .read(move |conn| {
            let Some(profile) = crate::db::remote_actors::find_by_handle(conn, &name, &domain)? else {
                return Ok((None, Vec::new()));
            };
            let events = crate::db::events::list_upcoming_by_organizer(conn, profile.id, now, 20)?;
            Ok((Some(profile), events))
        })
        .await?;
    let profile = profile.ok_or(AppError::NotFound)?;
    let upcoming = super::events::with_times(&ctx, state, events);
    // Their page is theirs to be indexed, not our copy.
    let mut response = super::ok(&RemotePage { ctx, profile, upcoming })?;
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct FollowForm {
    /// "true" when the follower wants a mail for each new event.
    #[serde(default)]
    pub notify: String,
}

/// Follow a group (ours or remote) as the current profile.
pub async fn follow(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<FollowForm>,
) -> AppResult<HttpResponse> {
    let notify = form.0.notify == "true";
    change_follow(ctx, state, handle.into_inner(), Some(notify)).await
}

pub async fn unfollow(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    change_follow(ctx, state, handle.into_inner(), None).await
}

/// `follow`: Some(notify) to follow, None to stop.
async fn change_follow(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: String,
    follow: Option<bool>,
) -> AppResult<HttpResponse> {
    let me = ctx.require_user()?.require_profile()?;
    let target = {
        let handle = handle.clone();
        state
            .db
            .read(move |conn| crate::db::groups::find_by_handle(conn, &handle))
            .await?
            .filter(|g| !g.deleted)
            .ok_or(AppError::NotFound)?
    };
    let (urls, now, target_id, local) = (state.urls.clone(), state.now(), target.id, target.is_local());
    let outcome = state
        .db
        .write(move |tx| match follow {
            Some(notify) => crate::domain::follows::follow(tx, &urls, me, target_id, notify, now),
            None => crate::domain::follows::unfollow(tx, &urls, me, target_id, now),
        })
        .await?;
    let back = crate::urls::actor(&handle);
    let (level, text) = match (outcome, follow.is_some()) {
        (Ok(()), true) if local && !target.manually_approves_followers => {
            (FlashLevel::Info, msg!("You follow this group now."))
        }
        (Ok(()), true) => (FlashLevel::Info, msg!("Your request to follow this group is sent.")),
        (Ok(()), false) => (FlashLevel::Info, msg!("You no longer follow this group.")),
        (Err(refusal), _) => (FlashLevel::Error, refusal.message()),
    };
    Ok(flash::redirect(&state, &back, level, text))
}

/// A stored picture, served with its own type and a sandbox: never as anything a
/// browser would run or a peer would parse.
pub async fn media_file(state: web::Data<AppState>, name: web::Path<String>) -> AppResult<HttpResponse> {
    let name = name.into_inner();
    if !media::is_stored_name(&name) {
        return Err(AppError::NotFound);
    }
    let content_type = {
        let name = name.clone();
        state
            .db
            .read(move |conn| crate::db::media::find_shown_media_type(conn, &name))
            .await?
            .ok_or(AppError::NotFound)?
    };
    let path = state.config.media_dir().join(&name);
    let bytes = web::block(move || std::fs::read(path)).await?.map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(bytes))
}
