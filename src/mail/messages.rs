//! One function per mail. Each renders a text and an HTML part in the
//! recipient's language from `templates/email/<name>.{txt,html}`.

use askama::Template;

use super::OutgoingMail;
use crate::error::AppResult;
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "email/test_mail.txt")]
struct TestMailText<'a> {
    tr: Tr,
    instance: &'a str,
    url: &'a str,
}

#[derive(Template)]
#[template(path = "email/test_mail.html")]
struct TestMailHtml<'a> {
    tr: Tr,
    instance: &'a str,
    url: &'a str,
}

/// The administrator's "does mail work?" message.
pub fn test_mail(tr: Tr, instance: &str, url: &str, to: &str) -> AppResult<OutgoingMail> {
    Ok(OutgoingMail {
        to: to.to_string(),
        subject: tr.tf("Test e-mail from {instance}", &[("instance", instance)]),
        text: TestMailText { tr, instance, url }.render()?,
        html: TestMailHtml { tr, instance, url }.render()?,
    })
}

/// A mail with a call to action: a greeting line, paragraphs, one link.
/// Confirmation, "you already have an account" and password reset share it.
#[derive(Template)]
#[template(path = "email/action.txt")]
struct ActionText<'a> {
    instance: &'a str,
    url: &'a str,
    paragraphs: &'a [String],
    action_label: &'a str,
    action_url: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/action.html")]
struct ActionHtml<'a> {
    tr: Tr,
    instance: &'a str,
    url: &'a str,
    paragraphs: &'a [String],
    action_label: &'a str,
    action_url: &'a str,
    footer: &'a str,
}

pub(super) struct Action<'a> {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub action_label: &'a str,
    pub action_url: &'a str,
    pub footer: &'a str,
}

pub(super) fn action_mail(
    tr: Tr,
    instance: &str,
    url: &str,
    to: &str,
    action: Action,
) -> AppResult<OutgoingMail> {
    let text = ActionText {
        instance,
        url,
        paragraphs: &action.paragraphs,
        action_label: action.action_label,
        action_url: action.action_url,
        footer: action.footer,
    }
    .render()?;
    let html = ActionHtml {
        tr,
        instance,
        url,
        paragraphs: &action.paragraphs,
        action_label: action.action_label,
        action_url: action.action_url,
        footer: action.footer,
    }
    .render()?;
    Ok(OutgoingMail { to: to.to_string(), subject: action.subject, text, html })
}

/// Another instance asks to follow this one: an administrator answers.
pub fn instance_follow_request(
    tr: Tr,
    instance: &str,
    url: &str,
    to: &str,
    server: &str,
    admin_link: &str,
) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("{server} asks to follow {instance}", &[("server", server), ("instance", instance)]),
            paragraphs: vec![
                tr.tf("The instance {server} asks to follow yours. Once you accept, it receives the public events published here.", &[("server", server)]),
                tr.t("Accept or reject the request on the administration page.").to_string(),
            ],
            action_label: tr.t("Open the administration page"),
            action_url: admin_link,
            footer: tr.t("You receive this message because you administer this instance."),
        },
    )
}

/// "Confirm your address" after registration.
pub fn confirm_account(tr: Tr, instance: &str, url: &str, to: &str, link: &str) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("Confirm your account on {instance}", &[("instance", instance)]),
            paragraphs: vec![
                tr.tf("Welcome to {instance}! To finish creating your account, confirm your e-mail address.", &[("instance", instance)]),
                tr.t("The link works for 48 hours. If you did not ask for an account, ignore this message: without confirmation, the account is deleted.").to_string(),
            ],
            action_label: tr.t("Confirm my address"),
            action_url: link,
            footer: tr.t("You receive this message because someone registered with this address."),
        },
    )
}

/// Someone tried to register with an address that already has an account.
pub fn already_registered(
    tr: Tr,
    instance: &str,
    url: &str,
    to: &str,
    reset_link: &str,
) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("You already have an account on {instance}", &[("instance", instance)]),
            paragraphs: vec![
                tr.tf("Someone, probably you, tried to create an account on {instance} with this address. You already have one.", &[("instance", instance)]),
                tr.t("If you forgot your password, you can choose a new one.").to_string(),
            ],
            action_label: tr.t("Choose a new password"),
            action_url: reset_link,
            footer: tr.t("If it was not you, ignore this message: nothing has changed."),
        },
    )
}

/// The link to choose a new password.
pub fn password_reset(tr: Tr, instance: &str, url: &str, to: &str, link: &str) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("Choose a new password on {instance}", &[("instance", instance)]),
            paragraphs: vec![
                tr.t("Someone, probably you, asked to choose a new password for your account.").to_string(),
                tr.t("The link works for one hour, once. Choosing a new password logs you out everywhere.")
                    .to_string(),
            ],
            action_label: tr.t("Choose a new password"),
            action_url: link,
            footer: tr.t("If it was not you, ignore this message: your password has not changed."),
        },
    )
}

/// Sent to the new address: confirm it before it replaces the old one.
pub fn email_change_confirm(
    tr: Tr,
    instance: &str,
    url: &str,
    to: &str,
    link: &str,
) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("Confirm your new e-mail address on {instance}", &[("instance", instance)]),
            paragraphs: vec![
                tr.t("You asked to use this address for your account. Confirm it, and it replaces the old one.").to_string(),
                tr.t("The link works for 24 hours.").to_string(),
            ],
            action_label: tr.t("Confirm the new address"),
            action_url: link,
            footer: tr.t("If it was not you, ignore this message: nothing changes."),
        },
    )
}

/// Sent to the old address when a change is requested.
pub fn email_change_notice(
    tr: Tr,
    instance: &str,
    url: &str,
    to: &str,
    new_email: &str,
) -> AppResult<OutgoingMail> {
    action_mail(
        tr,
        instance,
        url,
        to,
        Action {
            subject: tr.tf("Your e-mail address on {instance} is about to change", &[("instance", instance)]),
            paragraphs: vec![
                tr.tf("Someone logged in to your account asked to replace this address with {email}. The change happens once the new address is confirmed.", &[("email", new_email)]),
                tr.t("If it was not you, change your password now: it logs out everyone else.").to_string(),
            ],
            action_label: tr.t("Choose a new password"),
            action_url: &format!("{url}{}", crate::urls::password_reset()),
            footer: tr.t("You receive this message because it concerns your account."),
        },
    )
}
