//! `zerda dev bench-inbox` (bench/inbox): how many signed inbox POSTs a
//! running server verifies and queues per second.
//!
//! Stores a remote actor with a fresh key in the server's own database (so
//! the server verifies with the stored key and never fetches it), signs
//! COUNT distinct Create(Note) activities by it before the clock starts,
//! then POSTs them to `<url>/inbox` from CONCURRENCY threads, each with its
//! own keep-alive connection. The server's job workers apply what it
//! stores while the POSTs go on (a Note that answers nothing here is
//! ignored): that work shares the cores, as it would in real use.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::db::{Db, migrate};
use crate::federation::objects::remote_actor::RemoteActor;
use crate::federation::{keys, signatures};

/// The bench actor: on a port nobody serves, so that a fetch, should the
/// server ever try one, fails at once instead of reaching anything.
const ACTOR: &str = "http://127.0.0.1:9/@bench";
/// How long the job workers get to apply everything after the last answer.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(300);

/// One signed request, ready to send.
struct Signed {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What one POST got: the status (0: no answer) and how long it took.
struct Answer {
    status: u16,
    micros: u64,
    error: Option<String>,
}

/// The server's inbox URL from `--url` (a base URL, nothing after the host).
fn inbox_url(base: &str) -> Result<url::Url, String> {
    let bad = || format!("--url: {base:?} is not the base URL of a server, like http://127.0.0.1:8080");
    let url = url::Url::parse(base).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
    {
        return Err(bad());
    }
    url.join("/inbox").map_err(|_| bad())
}

/// The running server's database: it must exist and be migrated already.
fn server_db(config: &Config) -> Result<Db, String> {
    let path = config.db_path();
    if !path.exists() {
        return Err(format!(
            "no database at {}: start `zerda serve` on this data folder first",
            path.display()
        ));
    }
    let db = super::open_db(config)?;
    let version = db.with_writer(|conn| migrate::current_version(conn).map_err(|e| e.to_string()))?;
    if version != migrate::latest_version() {
        return Err(format!(
            "the database at {} is at schema version {version}, not {}: start `zerda serve` on it first",
            path.display(),
            migrate::latest_version()
        ));
    }
    Ok(db)
}

fn bench_actor(public_pem: &str) -> RemoteActor {
    RemoteActor {
        ap_id: ACTOR.into(),
        kind: "Person".into(),
        preferred_username: "bench".into(),
        domain: crate::federation::parse::origin(ACTOR).unwrap_or_default(),
        name: "Bench".into(),
        summary: String::new(),
        url: ACTOR.into(),
        inbox: format!("{ACTOR}/inbox"),
        shared_inbox: None,
        outbox: None,
        followers: Some(format!("{ACTOR}/followers")),
        public_key_id: Some(format!("{ACTOR}#main-key")),
        public_key_pem: Some(public_pem.to_string()),
        avatar_url: None,
        banner_url: None,
        discoverable: false,
        manually_approves_followers: false,
        group: None,
    }
}

/// A Create(Note) of about 1 KB, public, answering nothing.
fn activity(n: u32, now: i64) -> Vec<u8> {
    let note = format!("http://127.0.0.1:9/notes/{}", uuid::Uuid::new_v4());
    let published = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().to_rfc3339();
    let content = format!(
        "<p>Note #{n}. {}</p>",
        "Who is coming to the picnic on Saturday? Bring a blanket and something to share. ".repeat(8)
    );
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note}/activity"), "type": "Create", "actor": ACTOR, "published": published,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{ACTOR}/followers")],
        "object": {
            "id": note, "type": "Note", "attributedTo": ACTOR, "published": published, "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{ACTOR}/followers")],
        },
    })
    .to_string()
    .into_bytes()
}

/// Signs `count` activities on all cores (RSA signing is the slow part).
fn sign_all(inbox: &url::Url, count: u32, private_pem: &str) -> Result<Vec<Signed>, String> {
    let key_id = format!("{ACTOR}#main-key");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count as usize);
    let numbers: Vec<u32> = (0..count).collect();
    let chunk = numbers.len().div_ceil(threads);
    let parts: Vec<Result<Vec<Signed>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = numbers
            .chunks(chunk)
            .map(|ns| {
                let key_id = &key_id;
                scope.spawn(move || {
                    ns.iter()
                        .map(|&n| {
                            let now = crate::time::system_clock().now();
                            let body = activity(n, now);
                            let headers = signatures::signed_headers(
                                "POST",
                                inbox,
                                Some(&body),
                                key_id,
                                private_pem,
                                now,
                            )
                            .map_err(|e| e.to_string())?;
                            Ok(Signed { headers, body })
                        })
                        .collect::<Result<Vec<_>, String>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a signing thread panicked".into())))
            .collect()
    });
    let mut signed = Vec::with_capacity(count as usize);
    for part in parts {
        signed.extend(part?);
    }
    Ok(signed)
}

/// One client thread: takes the next request until none is left.
fn client(inbox: &str, requests: &[Signed], next: &AtomicUsize, start: &Barrier) -> Vec<Answer> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut answers = Vec::new();
    start.wait();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(request) = requests.get(i) else { break };
        let began = Instant::now();
        let mut post = agent.post(inbox).header("content-type", "application/activity+json");
        // ureq writes the Host header from the URL, as it was signed.
        for (name, value) in request.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")) {
            post = post.header(name.as_str(), value.as_str());
        }
        let answer = match post.send(&request.body[..]) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let body = response.body_mut().with_config().limit(64 * 1024).read_to_string();
                let error = (status != 202).then(|| body.unwrap_or_default().chars().take(200).collect());
                Answer { status, micros: 0, error }
            }
            Err(e) => Answer { status: 0, micros: 0, error: Some(e.to_string()) },
        };
        answers.push(Answer { micros: began.elapsed().as_micros() as u64, ..answer });
    }
    answers
}

/// The value at percentile `p` (nearest rank) of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// CPU counters from /proc (Linux), in clock ticks of 1/100 s (USER_HZ):
/// the machine's busy and total time, and this process's own time.
fn cpu_ticks() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let all: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let total: u64 = all.iter().take(8).sum();
    let idle = all.get(3)? + all.get(4)?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
    let own: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((total - idle, total, own))
}

fn unprocessed(db: &Db) -> Result<i64, String> {
    db.read_blocking(|conn| {
        Ok(conn.query_row(
            "SELECT count(*) FROM inbox_activities WHERE actor = ?1 AND processed_at IS NULL",
            [ACTOR],
            |r| r.get(0),
        )?)
    })
    .map_err(|e| e.to_string())
}

pub fn run(config: &Config, count: u32, url: &str, concurrency: u32) -> Result<ExitCode, String> {
    let inbox = inbox_url(url)?;
    let db = server_db(config)?;
    let pair = keys::generate()?;
    let now = crate::time::system_clock().now();
    let actor = bench_actor(&pair.public_pem);
    db.write_blocking(|tx| crate::db::remote_actors::upsert_remote_actor(tx, &actor, now))
        .map_err(|e| e.to_string())?;
    let before = unprocessed(&db)?;
    if before > 0 {
        return Err(format!(
            "{before} activities of an earlier run are not processed yet; wait or use a fresh server"
        ));
    }

    let signing = Instant::now();
    let requests = sign_all(&inbox, count, &pair.private_pem)?;
    let sizes: usize = requests.iter().map(|r| r.body.len()).sum();
    println!(
        "signed {count} Create(Note) activities of {} bytes on average in {:.1} s",
        sizes / requests.len().max(1),
        signing.elapsed().as_secs_f64()
    );

    let next = AtomicUsize::new(0);
    let start = Barrier::new(concurrency as usize + 1);
    let answers = Mutex::new(Vec::with_capacity(count as usize));
    let mut ticks_before = None;
    let (started, elapsed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..concurrency)
            .map(|_| {
                scope.spawn(|| {
                    let mine = client(inbox.as_str(), &requests, &next, &start);
                    answers.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
                })
            })
            .collect();
        start.wait();
        ticks_before = cpu_ticks();
        let started = Instant::now();
        for handle in handles {
            let _ = handle.join();
        }
        (started, started.elapsed())
    });
    let ticks_after = cpu_ticks();
    let waiting = unprocessed(&db)?;
    let answers = answers.into_inner().unwrap_or_else(|p| p.into_inner());
    let seconds = elapsed.as_secs_f64();

    let accepted = answers.iter().filter(|a| a.status == 202).count();
    let others = count as usize - accepted;
    let mut micros: Vec<u64> = answers.iter().map(|a| a.micros).collect();
    micros.sort_unstable();
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "posted {count} activities with {concurrency} connection(s) in {seconds:.2} s: {:.0} requests/s; \
         latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; 202: {accepted}, other: {others}",
        f64::from(count) / seconds,
        ms(percentile(&micros, 50.0)),
        ms(percentile(&micros, 99.0)),
        ms(micros.last().copied().unwrap_or(0)),
    );
    if others > 0 {
        let mut by_status: std::collections::BTreeMap<u16, (usize, String)> = Default::default();
        for a in answers.iter().filter(|a| a.status != 202) {
            let entry = by_status.entry(a.status).or_insert_with(|| (0, a.error.clone().unwrap_or_default()));
            entry.0 += 1;
        }
        for (status, (n, example)) in by_status {
            let status = if status == 0 { "no answer".to_string() } else { status.to_string() };
            println!("  {n} × {status}, e.g. {example}");
        }
    }
    if let (Some((busy0, total0, own0)), Some((busy1, total1, own1))) = (ticks_before, ticks_after) {
        let (busy, total) = (busy1.saturating_sub(busy0), total1.saturating_sub(total0).max(1));
        println!(
            "during the POSTs: all cores {:.0}% busy; this client used {:.2} s of CPU; \
             {waiting} activities were still waiting for the job workers at the last answer",
            100.0 * busy as f64 / total as f64,
            own1.saturating_sub(own0) as f64 / 100.0
        );
    }

    // The job workers apply what the inbox stored; wait for the last one.
    let mut left = waiting;
    while left > 0 && started.elapsed() < elapsed + PROCESS_TIMEOUT {
        std::thread::sleep(Duration::from_millis(5));
        left = unprocessed(&db)?;
    }
    let outcomes: Vec<(String, i64)> = db
        .read_blocking(|conn| {
            let mut stmt = conn.prepare(
                "SELECT coalesce(outcome, 'not processed'), count(*) FROM inbox_activities
                 WHERE actor = ?1 GROUP BY 1 ORDER BY 2 DESC",
            )?;
            let rows = stmt.query_map([ACTOR], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .map_err(|e| e.to_string())?;
    let outcomes: Vec<String> = outcomes.iter().map(|(o, n)| format!("{n} {o}")).collect();
    if left == 0 {
        println!(
            "all stored activities processed {:.2} s after the first POST ({:.2} s after the last answer): {}",
            started.elapsed().as_secs_f64(),
            (started.elapsed() - elapsed).as_secs_f64(),
            outcomes.join(", ")
        );
    } else {
        println!(
            "{left} activities still unprocessed after {} s: {}",
            PROCESS_TIMEOUT.as_secs(),
            outcomes.join(", ")
        );
    }
    if others > 0 {
        return Err(format!("{others} of {count} answers were not 202"));
    }
    if left > 0 {
        return Err(format!("{left} activities were not processed"));
    }
    Ok(ExitCode::SUCCESS)
}
