//! Comments under an event: write, answer, edit, delete.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::events::visible_event;
use super::flash;
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::comments::{self as db, Comment};
use crate::db::events::Event;
use crate::domain::comments::{self as rules, NewText};
use crate::error::{AppError, AppResult};
use crate::urls;

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub in_reply_to: String,
    #[serde(default)]
    pub is_announcement: String,
}

#[derive(Template)]
#[template(path = "events/comment_form.html")]
pub struct CommentPage {
    pub ctx: Ctx,
    pub event: Event,
    /// The comment being edited (None: a new one that needs correcting).
    pub editing: Option<String>,
    pub text: String,
    pub in_reply_to: String,
    pub is_announcement: bool,
    pub error: Option<&'static str>,
}

impl CommentPage {
    pub fn action(&self) -> String {
        match &self.editing {
            Some(c) => urls::event_comment(&self.event.uuid, c),
            None => urls::event_comments(&self.event.uuid),
        }
    }
}

/// Every profile of the logged-in account: a comment by any of them is "yours".
async fn own_actor_ids(state: &AppState, user_id: i64) -> AppResult<Vec<i64>> {
    let profiles = state.db.read(move |conn| crate::db::profiles::list_profiles(conn, user_id)).await?;
    Ok(profiles.into_iter().map(|p| p.id).collect())
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<CommentForm>,
) -> AppResult<HttpResponse> {
    let profile_id = ctx.require_user()?.require_profile()?;
    let (event, organiser) = visible_event(&ctx, &state, &uuid).await?;
    let form = form.0;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let outcome = {
        let (event, text, reply) = (event.clone(), form.text.clone(), form.in_reply_to.clone());
        let is_announcement = form.is_announcement == "true";
        state
            .db
            .write(move |tx| {
                let input = NewText { text: &text, in_reply_to: Some(&reply), is_announcement };
                rules::create(tx, &config, &urls, &event, profile_id, organiser, &input, now)
            })
            .await?
    };
    match outcome {
        Ok(comment) => {
            let location = format!("{}#comment-{comment}", urls::event(&event.uuid));
            Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("Your comment is published.")))
        }
        Err(refusal) => super::render(
            UNPROCESSABLE,
            &CommentPage {
                ctx,
                event,
                editing: None,
                text: form.text,
                in_reply_to: form.in_reply_to,
                is_announcement: form.is_announcement == "true",
                error: Some(refusal.message()),
            },
        ),
    }
}

/// A comment of this event, or 404.
async fn comment_of(state: &AppState, event: &Event, comment: &str) -> AppResult<Comment> {
    let (comment, event_id) = (comment.to_string(), event.id);
    state
        .db
        .read(move |conn| db::find_comment_by_uuid(conn, &comment))
        .await?
        .filter(|c| c.event_id == event_id && !c.is_deleted())
        .ok_or(AppError::NotFound)
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user_id = ctx.require_user()?.user_id;
    let (event, _) = visible_event(&ctx, &state, &path.0).await?;
    let comment = comment_of(&state, &event, &path.1).await?;
    if !own_actor_ids(&state, user_id).await?.contains(&comment.actor_id) {
        return Err(AppError::NotFound);
    }
    super::ok(&CommentPage {
        ctx,
        event,
        editing: Some(comment.uuid),
        text: comment.text_source,
        in_reply_to: String::new(),
        is_announcement: comment.is_announcement,
        error: None,
    })
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<CommentForm>,
) -> AppResult<HttpResponse> {
    let user_id = ctx.require_user()?.user_id;
    let (event, _) = visible_event(&ctx, &state, &path.0).await?;
    let comment = comment_of(&state, &event, &path.1).await?;
    let mine = own_actor_ids(&state, user_id).await?;
    if !mine.contains(&comment.actor_id) {
        return Err(AppError::NotFound);
    }
    let (text, now) = (form.0.text, state.now());
    let outcome = {
        let (comment, text) = (comment.clone(), text.clone());
        state.db.write(move |tx| rules::edit(tx, &comment, &mine, &text, now)).await?
    };
    match outcome {
        Ok(()) => {
            let location = format!("{}#comment-{}", urls::event(&event.uuid), comment.uuid);
            Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("Your comment is saved.")))
        }
        Err(refusal) => super::render(
            UNPROCESSABLE,
            &CommentPage {
                ctx,
                event,
                editing: Some(comment.uuid),
                text,
                in_reply_to: String::new(),
                is_announcement: comment.is_announcement,
                error: Some(refusal.message()),
            },
        ),
    }
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let user_id = ctx.require_user()?.user_id;
    let (event, organiser) = visible_event(&ctx, &state, &path.0).await?;
    let comment = comment_of(&state, &event, &path.1).await?;
    let mine = own_actor_ids(&state, user_id).await?;
    let now = state.now();
    let outcome = state.db.write(move |tx| rules::delete(tx, &comment, &mine, organiser, now)).await?;
    match outcome {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("{}#comments-heading", urls::event(&event.uuid)),
            FlashLevel::Info,
            msg!("The comment is deleted."),
        )),
        // Someone else's comment looks like one that is not there.
        Err(_) => Err(AppError::NotFound),
    }
}
