//! Mail through a real SMTP server process (Debian's python3-aiosmtpd), with
//! a handler that accepts, defers (451) or refuses (550) by recipient.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zerda::jobs;
use zerda::mail::messages::test_mail;

use crate::common;

const HANDLER: &str = r#"
import os

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('refuse'):
            return '550 5.1.1 no such mailbox'
        if address.startswith('later'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        with open(os.environ['SMTP_SINK'], 'ab') as sink:
            sink.write(('RCPT: ' + ','.join(envelope.rcpt_tos) + '\n').encode())
            sink.write(envelope.content + b'\n--END--\n')
        return '250 Message accepted'
"#;

struct SmtpSink {
    child: Child,
    port: u16,
    sink: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("zerda_sink.py"), HANDLER).expect("handler");
        let sink = dir.path().join("received.txt");
        std::fs::write(&sink, b"").expect("sink");
        let port = common::process::free_port();
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "zerda_sink.Handler"])
            .env("PYTHONPATH", dir.path())
            .env("SMTP_SINK", &sink)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd must be installed (tests/run installs it)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(15), "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, sink, _dir: dir }
    }

    fn received(&self) -> String {
        std::fs::read_to_string(&self.sink).unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn outbox_is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|d| d.count() == 0).unwrap_or(true)
}

#[actix_web::test]
async fn mail_goes_through_smtp_with_text_and_html_in_the_recipients_language() {
    let smtp = SmtpSink::start();
    let app = common::app_with(|c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = smtp.port;
        c.mail.smtp_security = "none".into();
        c.mail.from = "events@zerda.test".into();
        c.instance.name = "Vélo \"Club\" <x@evil.test>, Bcc: y@evil.test".into();
    })
    .await;
    let fr = zerda::i18n::Tr::for_code("fr");
    let config = app.state.config.clone();
    let m = test_mail(fr, &config.instance.name, "http://zerda.test", "ops@example.org").expect("render");
    app.db().write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &m)).expect("enqueue");
    jobs::run_due(&app.jobs()).expect("run");
    let received = smtp.received();
    assert!(received.contains("RCPT: ops@example.org\n"), "exactly one recipient: {received}");
    assert!(
        !received.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "no header injection through the instance name: {received}"
    );
    assert!(
        received.contains("<events@zerda.test>") && !received.contains("<x@evil.test>\r\n"),
        "{received}"
    );
    assert!(received.contains("From: "), "{received}");
    assert!(received.contains("events@zerda.test"));
    assert!(received.contains("Content-Type: text/plain; charset=utf-8"));
    assert!(received.contains("Content-Type: text/html; charset=utf-8"));
    assert!(
        received.contains("Subject: =?utf-8?") || received.contains("Subject: E-mail de test"),
        "{received}"
    );
    assert!(outbox_is_empty(&config.outbox_dir()), "nothing written to files when SMTP is set");
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'email' AND state = 'done'"), 1);
}

#[actix_web::test]
async fn a_deferred_mail_is_retried_and_a_refused_one_fails_visibly() {
    let smtp = SmtpSink::start();
    let app = common::app_with(|c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = smtp.port;
        c.mail.smtp_security = "none".into();
    })
    .await;
    let en = zerda::i18n::Tr::for_code("en");
    let config = app.state.config.clone();
    for to in ["later@example.org", "refuse@example.org"] {
        let m = test_mail(en, "zerda", "http://zerda.test", to).expect("render");
        app.db().write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &m)).expect("enqueue");
    }
    jobs::run_due(&app.jobs()).expect("run");
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'email' AND state = 'pending' AND attempts = 1 AND last_error LIKE '%451%'"), 1);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM jobs WHERE kind = 'email' AND state = 'failed' AND last_error LIKE '%550%'"
        ),
        1
    );
}

#[actix_web::test]
async fn with_the_smtp_server_down_mail_waits_and_is_sent_once_it_is_back() {
    let port = common::process::free_port();
    let app = common::app_with(|c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.mail.smtp_security = "none".into();
    })
    .await;
    let config = app.state.config.clone();
    let m = test_mail(zerda::i18n::Tr::for_code("en"), "zerda", "http://zerda.test", "ops@example.org")
        .expect("render");
    app.db().write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &m)).expect("enqueue");
    let ctx = app.jobs();
    jobs::run_due(&ctx).expect("run");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'pending' AND kind = 'email'"),
        1,
        "kept for later"
    );
    // The server comes up on that port; the retry goes through.
    let _ = port;
    drop(ctx);
    let smtp = SmtpSink::start();
    let app2_config = {
        let mut c = (*config).clone();
        c.mail.smtp_port = smtp.port;
        c
    };
    let ctx = zerda::jobs::JobContext::new(
        app.state.db.clone(),
        std::sync::Arc::new(app2_config.clone()),
        app.clock.clone(),
        zerda::mail::Mailer::from_config(&app2_config).expect("mailer"),
    );
    app.clock.advance(3600);
    jobs::run_due(&ctx).expect("run");
    assert!(smtp.received().contains("RCPT: ops@example.org"));
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE state = 'done' AND kind = 'email'"), 1);
}
