//! Profiles under /settings/profiles: list, create, edit, switch, delete; and
//! the public page of a profile at /@username.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel, SessionUser};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::{UNPROCESSABLE, paragraphs};
use crate::app::AppState;
use crate::db::profiles::{self, OwnProfile};
use crate::domain::FieldErrors;
use crate::domain::profiles::{self as rules, ProfileInput};
use crate::error::{AppError, AppResult};
use crate::urls;

#[derive(Template)]
#[template(path = "profiles/index.html")]
pub struct ProfilesPage {
    pub ctx: Ctx,
    pub profiles: Vec<OwnProfile>,
    pub current: String,
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
    Ok(ProfilesPage {
        current: user.profile_username.clone().unwrap_or_default(),
        profiles: list,
        input,
        errors,
        ctx,
    })
}

pub async fn index(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    super::ok(&profiles_page(ctx, &state, ProfileInput::default(), FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub summary: String,
}

impl ProfileForm {
    fn input(self) -> ProfileInput {
        ProfileInput {
            username: self.username.trim().to_string(),
            display_name: self.display_name.trim().to_string(),
            summary: self.summary.trim().to_string(),
        }
    }
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<ProfileForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let input = form.0.input();
    let errors = {
        let input = input.clone();
        state.db.read(move |conn| rules::validate_new(conn, &input)).await?
    };
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &profiles_page(ctx, &state, input, errors).await?);
    }
    let (urls, now) = (state.urls.clone(), state.now());
    state.db.write(move |tx| rules::create(tx, &urls, user.user_id, &input, now)).await?;
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
        summary: profile.summary,
    };
    super::ok(&EditPage { ctx, username: profile.username, input, errors: FieldErrors::default() })
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
    form: CsrfForm<ProfileForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let profile = own_profile(&state, &user, &username).await?;
    let mut input = form.0.input();
    input.username = profile.username.clone();
    let errors = rules::validate_edit(&input);
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &EditPage { ctx, username: profile.username, input, errors });
    }
    let now = state.now();
    let name =
        if input.display_name.is_empty() { profile.username.clone() } else { input.display_name.clone() };
    state.db.write(move |tx| profiles::update_profile(tx, profile.id, &name, &input.summary, now)).await?;
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
    pub summary: Vec<String>,
}

/// The public face of a local profile: display name and description only.
pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> AppResult<HttpResponse> {
    let username = username.into_inner();
    let profile = state
        .db
        .read(move |conn| profiles::find_local_person(conn, &username))
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = paragraphs(&profile.summary);
    super::ok(&ShowPage { ctx, profile, summary })
}
