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
