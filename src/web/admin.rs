//! The administration dashboard. Every handler starts with `require_admin`:
//! anonymous visitors are sent to the login page, other users get a 404.
//! The instance follows it lists are changed in `instance_follows.rs`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::jobs::JobRow;
use crate::domain::FieldErrors;
use crate::domain::instance_follows::InstanceFollows;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::urls;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub ctx: Ctx,
    pub users: i64,
    pub jobs: Vec<(String, i64)>,
    pub failed: Vec<JobRow>,
    pub mail_transport: String,
    pub version: &'static str,
    pub test_mail_to: String,
    pub errors: FieldErrors,
    /// Instances we follow and instances following us.
    pub instances: InstanceFollows,
    /// What was typed in the "follow an instance" form.
    pub follow_domain: String,
    /// Reports waiting for a moderator.
    pub reports: Vec<crate::db::reports::OpenReport>,
}

struct Summary {
    users: i64,
    jobs: Vec<(String, i64)>,
    failed: Vec<JobRow>,
    instances: InstanceFollows,
    reports: Vec<crate::db::reports::OpenReport>,
}

async fn summary(state: &AppState) -> AppResult<Summary> {
    state
        .db
        .read(|conn| {
            Ok(Summary {
                users: crate::db::users::count_users(conn)?,
                jobs: crate::db::jobs::count_by_state(conn)?,
                failed: crate::db::jobs::list_failed(conn, 20)?,
                instances: crate::domain::instance_follows::list(conn)?,
                reports: crate::db::reports::list_open(conn, 50)?,
            })
        })
        .await
}

/// The name of a job state, for people (a catalog key).
pub fn job_state_label(state: &str) -> &'static str {
    match state {
        "pending" => msg!("waiting"),
        "running" => msg!("running"),
        "done" => msg!("done"),
        "failed" => msg!("failed"),
        _ => msg!("unknown"),
    }
}

fn mail_transport(state: &AppState) -> String {
    if state.config.mail.smtp_host.is_empty() {
        format!("{}", state.config.outbox_dir().display())
    } else {
        format!("SMTP {}:{}", state.config.mail.smtp_host, state.config.mail.smtp_port)
    }
}

pub(super) async fn dashboard_page(
    ctx: Ctx,
    state: &AppState,
    to: String,
    errors: FieldErrors,
) -> AppResult<DashboardPage> {
    let s = summary(state).await?;
    Ok(DashboardPage {
        ctx,
        users: s.users,
        jobs: s.jobs,
        failed: s.failed,
        mail_transport: mail_transport(state),
        version: env!("CARGO_PKG_VERSION"),
        test_mail_to: to,
        errors,
        instances: s.instances,
        follow_domain: String::new(),
        reports: s.reports,
    })
}

pub async fn dashboard(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let admin = ctx.require_admin()?.clone();
    super::ok(&dashboard_page(ctx, &state, admin.email, FieldErrors::default()).await?)
}

/// Marks a report as dealt with.
pub async fn close_report(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _form: CsrfForm<super::accounts::EmptyForm>,
) -> AppResult<HttpResponse> {
    ctx.require_admin()?;
    let (id, now) = (id.into_inner(), state.now());
    let closed = state.db.write(move |tx| crate::db::reports::close(tx, id, now)).await?;
    if !closed {
        return Err(crate::error::AppError::NotFound);
    }
    Ok(flash::redirect(&state, &urls::admin(), FlashLevel::Info, msg!("The report is marked as dealt with.")))
}

#[derive(Deserialize)]
pub struct TestMailForm {
    #[serde(default)]
    pub email: String,
}

/// Queues a test e-mail: the quickest way to see whether mail works.
pub async fn send_test_mail(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<TestMailForm>,
) -> AppResult<HttpResponse> {
    ctx.require_admin()?;
    let to = form.0.email.trim().to_string();
    if !crate::mail::is_valid_address(&to) {
        let mut errors = FieldErrors::default();
        errors.add("email", msg!("This is not a valid e-mail address."));
        return super::render(UNPROCESSABLE, &dashboard_page(ctx, &state, to, errors).await?);
    }
    let tr: Tr = ctx.tr;
    let mail = crate::mail::messages::test_mail(tr, &state.config.instance.name, state.urls.base(), &to)?;
    let config = state.config.clone();
    let now = state.now();
    state.db.write(move |tx| crate::mail::enqueue(tx, &config, now, &mail)).await?;
    Ok(flash::redirect(
        &state,
        &urls::admin(),
        FlashLevel::Info,
        msg!("The test e-mail is queued. It is sent in the background."),
    ))
}
