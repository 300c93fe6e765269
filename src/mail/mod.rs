//! Outgoing e-mail. Every mail is rendered (text and HTML, in the recipient's
//! language) when it is queued, stored as an `email` job, and sent by a worker:
//! through SMTP when configured, otherwise written as an `.eml` file under
//! `data/outbox/` so that a fresh install never loses a confirmation link.

pub mod event_messages;
pub mod group_messages;
pub mod messages;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport as _};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::jobs::Job;
use crate::error::AppResult;
use crate::jobs::{EMAIL, JobContext, JobError};
use crate::time::Timestamp;

/// A rendered mail waiting in the queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Checks an address the way the mail layer will use it: parseable and free of
/// line breaks (which would let someone inject headers).
pub fn is_valid_address(address: &str) -> bool {
    !address.chars().any(char::is_control)
        && address.len() <= 254
        && address.parse::<lettre::Address>().is_ok()
}

/// Queues a mail inside the caller's transaction.
pub fn enqueue(tx: &Transaction, config: &Config, now: Timestamp, mail: &OutgoingMail) -> AppResult<()> {
    crate::jobs::enqueue(tx, config, now, EMAIL, mail, now, None)?;
    Ok(())
}

pub enum Transport {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let address: lettre::Address = config.mail_from().parse().map_err(|e| format!("mail.from: {e}"))?;
        // Built from parts, not parsed from text: the name is encoded, never interpreted.
        let from = Mailbox::new(Some(sanitize_display_name(&config.instance.name)), address);
        let m = &config.mail;
        if m.smtp_host.is_empty() {
            return Ok(Mailer { from, transport: Transport::Files(config.outbox_dir()) });
        }
        let builder = match m.smtp_security.as_str() {
            "tls" => SmtpTransport::relay(&m.smtp_host),
            "starttls" => SmtpTransport::starttls_relay(&m.smtp_host),
            _ => Ok(SmtpTransport::builder_dangerous(&m.smtp_host)),
        }
        .map_err(|e| format!("mail.smtp_host: {e}"))?;
        let mut builder = builder.port(m.smtp_port).timeout(Some(Duration::from_secs(m.smtp_timeout)));
        if !m.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(m.smtp_username.clone(), m.smtp_password.clone()));
        }
        Ok(Mailer { from, transport: Transport::Smtp(Box::new(builder.build())) })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    fn build(&self, mail: &OutgoingMail) -> Result<Message, JobError> {
        let to: Mailbox =
            mail.to.parse().map_err(|e| JobError::Permanent(format!("bad recipient {:?}: {e}", mail.to)))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.replace(['\r', '\n'], " "))
            .header(header::MIME_VERSION_1_0)
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| JobError::Permanent(format!("cannot build the message: {e}")))
    }

    /// Sends (or writes) one mail. Returns where it went, for the log.
    pub fn send(&self, mail: &OutgoingMail, name_hint: &str) -> Result<String, JobError> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(&message) {
                Ok(_) => Ok("SMTP".into()),
                Err(e) if e.is_permanent() => Err(JobError::Permanent(format!("SMTP refused: {e}"))),
                Err(e) => Err(JobError::Retry(format!("SMTP: {e}"))),
            },
            Transport::Files(dir) => write_eml(dir, name_hint, &message.formatted())
                .map_err(|e| JobError::Retry(format!("cannot write to {}: {e}", dir.display()))),
        }
    }
}

/// Writes atomically: a partial file never carries the final name.
fn write_eml(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<String> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.eml"));
    let temp = dir.join(format!(".{name}.eml.partial"));
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, &path)?;
    Ok(path.display().to_string())
}

fn sanitize_display_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).collect::<String>()
}

pub fn run_email_job(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let mail: OutgoingMail = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("bad e-mail payload: {e}")))?;
    let name = format!("{}-{}", ctx.clock.now(), job.id);
    let place = ctx.mailer.send(&mail, &name)?;
    tracing::info!("mail to {} sent: {place}", mail.to);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_line_breaks_are_refused() {
        assert!(is_valid_address("alice@example.org"));
        assert!(!is_valid_address("alice@example.org\r\nBcc: victim@x.test"));
        assert!(!is_valid_address("not an address"));
        assert!(!is_valid_address(""));
    }

    #[test]
    fn display_names_cannot_break_headers() {
        assert_eq!(sanitize_display_name("Evil\r\n\"<x>\" name"), "Evilx name");
    }
}
