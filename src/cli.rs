//! The command line. Every command loads the same configuration; errors are
//! one line on stderr and a non-zero exit code.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, ENV_CONFIG_FILE, Overrides};
use crate::db::{self, Db, migrate};

mod bench_inbox;

#[derive(Parser, Debug)]
#[command(
    name = "zerda",
    version,
    about = "A federated events-and-groups server, compatible with Mobilizon, in one binary with one SQLite file.",
    long_about = None,
    after_help = "Every setting can also come from a TOML file (--config or ZERDA_CONFIG) and from ZERDA_* \
                  environment variables; zerda.example.toml lists them all."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Configuration file (TOML). Without it, the embedded defaults apply.
    #[arg(long, global = true, env = ENV_CONFIG_FILE, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080] (env: ZERDA_LISTEN).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Folder for the database, mail files and media [default: ./data] (env: ZERDA_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Public URL of the instance, e.g. https://events.example.org (env: ZERDA_PUBLIC_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server and the background workers (migrates the database first).
    Serve,
    /// Apply pending database migrations, or show them with --status.
    Migrate {
        /// Only list applied and pending migrations.
        #[arg(long)]
        status: bool,
    },
    /// Check the configuration and the database, and summarise the instance.
    Check,
    /// Make a consistent copy of the database while the server runs.
    Backup {
        /// Where to write the copy (must not exist yet).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Exit 0 when the configured server answers its health check.
    Healthcheck,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Tools for development and benchmarks.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an account (and its first profile) without the web interface.
    CreateUser {
        #[arg(long)]
        email: String,
        /// The profile's username: lowercase letters, digits and _.
        #[arg(long)]
        username: String,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Queue a test e-mail, sent by the running server's workers (or by --send-now).
    TestMail {
        #[arg(long)]
        to: String,
        /// Send it from this process instead of leaving it to the server.
        #[arg(long)]
        send_now: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Fill the database with generated accounts, for benchmarks.
    Seed {
        /// How many accounts to create.
        #[arg(long, default_value_t = 100)]
        users: u32,
        /// How many events to create, organised by seeded profiles, with
        /// participants and comments.
        #[arg(long, default_value_t = 0)]
        events: u32,
        /// How many groups to create, each with members, events and posts.
        #[arg(long, default_value_t = 0)]
        groups: u32,
    },
    /// Measure delivery throughput (bench/deliveries): queue COUNT signed
    /// deliveries, spread over the inboxes given, and time the delivery
    /// workers sending them. Use a fresh data folder.
    #[command(hide = true)]
    BenchDeliveries {
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// An inbox URL; repeat it for several hosts.
        #[arg(long = "inbox", value_name = "URL", required = true)]
        inboxes: Vec<String>,
    },
    /// Measure inbox throughput (bench/inbox): store a remote actor with a
    /// fresh key in the database of the running server (same data folder),
    /// sign COUNT distinct Create(Note) activities by it, then POST them to
    /// URL/inbox from CONCURRENCY connections and time the answers.
    #[command(hide = true)]
    BenchInbox {
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
        /// The running server, e.g. http://127.0.0.1:8080.
        #[arg(long, value_name = "URL")]
        url: String,
        /// Client threads, each with its own keep-alive connection.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
        concurrency: u32,
    },
}

/// Entry point of the binary.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("zerda: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(global: &GlobalArgs) -> Result<Config, String> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let flags = Overrides {
        listen: global.listen.clone(),
        data_dir: global.data_dir.clone(),
        public_url: global.public_url.clone(),
    };
    Config::load(global.config.as_deref(), &env, &flags).map_err(|e| e.to_string())
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn open_db(config: &Config) -> Result<Db, String> {
    Db::open(&config.db_path(), &config.database).map_err(|e| e.to_string())
}

fn dispatch(cli: Cli) -> Result<ExitCode, String> {
    let config = load_config(&cli.global)?;
    init_logging(&config);
    match cli.command {
        Command::Serve => crate::serve::run(config).map(|_| ExitCode::SUCCESS),
        Command::Migrate { status } => migrate_command(&config, status),
        Command::Check => check(&config),
        Command::Backup { to } => backup(&config, &to),
        Command::Healthcheck => healthcheck(&config),
        Command::Admin {
            command: AdminCommand::CreateUser { email, username, admin, password_stdin: _ },
        } => create_user(&config, &email, &username, admin),
        Command::Admin { command: AdminCommand::TestMail { to, send_now } } => {
            test_mail(&config, &to, send_now)
        }
        Command::Dev { command: DevCommand::Seed { users, events, groups } } => {
            seed(&config, users, events, groups)
        }
        Command::Dev { command: DevCommand::BenchDeliveries { count, inboxes } } => {
            bench_deliveries(&config, count, &inboxes)
        }
        Command::Dev { command: DevCommand::BenchInbox { count, url, concurrency } } => {
            bench_inbox::run(&config, count, &url, concurrency)
        }
    }
}

fn migrate_command(config: &Config, status: bool) -> Result<ExitCode, String> {
    let db = open_db(config)?;
    if status {
        let (current, pending) = db.with_writer(|conn| {
            let current = migrate::current_version(conn).map_err(|e| e.to_string())?;
            let pending = migrate::pending(conn).map_err(|e| e.to_string())?;
            Ok::<_, String>((current, pending))
        })?;
        for (n, (name, _)) in migrate::MIGRATIONS.iter().enumerate() {
            let state = if (n as i64) < current { "applied" } else { "pending" };
            println!("{state:8} {name}");
        }
        println!("schema version {current} of {}; {} pending", migrate::latest_version(), pending.len());
        return Ok(ExitCode::SUCCESS);
    }
    let upgraded = db::upgrade::migrate_with_backup(&db, &config.db_path(), &config.backups_dir())?;
    if let Some(copy) = &upgraded.backup {
        println!("copied the database to {} first", copy.display());
    }
    if upgraded.applied.is_empty() {
        println!("the database is up to date (schema version {})", migrate::latest_version());
    }
    for name in upgraded.applied {
        println!("applied {name}");
    }
    Ok(ExitCode::SUCCESS)
}

fn check(config: &Config) -> Result<ExitCode, String> {
    println!("configuration: ok");
    println!("public URL: {}", config.public_base());
    println!("data folder: {}", config.data_dir.display());
    let path = config.db_path();
    if !path.exists() {
        println!("database: none yet at {} (created on first `zerda serve`)", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let db = open_db(config)?;
    let pending = db.with_writer(|conn| migrate::pending(conn).map_err(|e| e.to_string()))?;
    let report = db
        .read_blocking(|conn| {
            let integrity = db::integrity_check(conn);
            let version = migrate::current_version(conn)?;
            let (users, admins, jobs, deliveries) = if pending.is_empty() {
                (
                    crate::db::users::count_users(conn)?,
                    crate::db::users::count_admins(conn)?,
                    crate::db::jobs::count_by_state(conn)?,
                    crate::db::deliveries::count_by_state(conn)?,
                )
            } else {
                (0, 0, Vec::new(), Vec::new())
            };
            Ok((integrity, version, users, admins, jobs, deliveries))
        })
        .map_err(|e| e.to_string())?;
    let (integrity, version, users, admins, jobs, deliveries) = report;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "database: {} ({} KiB), schema version {version}, {} pending migration(s)",
        path.display(),
        size / 1024,
        pending.len()
    );
    if pending.is_empty() {
        println!("accounts: {users} ({admins} administrator(s))");
        for (what, counts) in [("jobs", jobs), ("deliveries", deliveries)] {
            let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            println!("{what}: {}", if counts.is_empty() { "none".into() } else { counts.join(", ") });
        }
    }
    match integrity {
        Ok(()) => {
            println!("integrity check: ok");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => Err(format!("integrity check failed: {problems}")),
    }
}

fn backup(config: &Config, to: &std::path::Path) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let size = db::backup_to(&config.db_path(), to)?;
    println!(
        "backup written to {} ({} KiB, integrity check ok, {} ms)",
        to.display(),
        size / 1024,
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

fn healthcheck(config: &Config) -> Result<ExitCode, String> {
    let url = format!("{}{}", config.local_base().map_err(|e| e.to_string())?, crate::urls::health());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    match agent.get(&url).call() {
        Ok(response) if response.status() == 200 => {
            println!("ok: {url}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(response) => Err(format!("{url} answered {}", response.status())),
        Err(e) => Err(format!("{url}: {e}")),
    }
}

fn migrated_db(config: &Config) -> Result<Db, String> {
    let db = open_db(config)?;
    db::upgrade::migrate_with_backup(&db, &config.db_path(), &config.backups_dir())?;
    Ok(db)
}

fn create_user(config: &Config, email: &str, username: &str, admin: bool) -> Result<ExitCode, String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let db = migrated_db(config)?;
    let input = crate::domain::accounts::AccountInput {
        email: email.trim().to_string(),
        username: username.to_string(),
        display_name: String::new(),
        password,
    };
    let errors = db
        .read_blocking(|conn| crate::domain::accounts::validate(conn, &input))
        .map_err(|e| e.to_string())?;
    if let Some(first) = errors.0.first() {
        let tr = crate::i18n::Tr::for_code("en");
        return Err(format!(
            "--{}: {}",
            if first.field == "password" { "password-stdin" } else { first.field },
            tr.t(first.message)
        ));
    }
    let hash = crate::domain::passwords::hash(&input.password)?;
    let role = if admin { crate::db::users::Role::Administrator } else { crate::db::users::Role::User };
    let urls = crate::urls::Urls::new(&config.public_base());
    let clock = crate::time::system_clock();
    let (user_id, _) = db
        .write_blocking(|tx| {
            let ids =
                crate::domain::accounts::create(tx, &urls, &input, &hash, role, None, true, clock.now())?;
            if admin {
                crate::domain::setup::consume_token(tx)?;
            }
            Ok(ids)
        })
        .map_err(|e| e.to_string())?;
    println!("created {} account {user_id}: {} (@{username})", role.as_str(), input.email);
    Ok(ExitCode::SUCCESS)
}

fn test_mail(config: &Config, to: &str, send_now: bool) -> Result<ExitCode, String> {
    if !crate::mail::is_valid_address(to) {
        return Err(format!("--to: {to:?} is not a valid e-mail address"));
    }
    let db = migrated_db(config)?;
    let tr = crate::i18n::Tr::for_code(&config.instance.default_locale);
    let mail = crate::mail::messages::test_mail(tr, &config.instance.name, &config.public_base(), to)
        .map_err(|e| e.to_string())?;
    let clock = crate::time::system_clock();
    db.write_blocking(|tx| crate::mail::enqueue(tx, config, clock.now(), &mail))
        .map_err(|e| e.to_string())?;
    if send_now {
        let ctx = crate::jobs::JobContext::new(
            db,
            Arc::new(config.clone()),
            clock,
            crate::mail::Mailer::from_config(config)?,
        );
        crate::jobs::run_due(&ctx).map_err(|e| e.to_string())?;
        println!("test e-mail to {to} processed (see the log line above for where it went)");
    } else {
        println!("test e-mail to {to} queued; the running server sends it");
    }
    Ok(ExitCode::SUCCESS)
}

fn seed(config: &Config, count: u32, events: u32, groups: u32) -> Result<ExitCode, String> {
    let db = migrated_db(config)?;
    let urls = crate::urls::Urls::new(&config.public_base());
    // One real hash reused: hashing thousands of passwords would dominate the run.
    let hash = crate::domain::passwords::hash("seeded-password")?;
    let pair = crate::federation::keys::generate()?;
    let now = crate::time::system_clock().now();
    let created = db
        .write_blocking(|tx| {
            let start: i64 = tx.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
            for n in 0..i64::from(count) {
                let username = format!("seed_{}", start + n);
                let input = crate::domain::accounts::AccountInput {
                    email: format!("{username}@seed.invalid"),
                    username,
                    display_name: String::new(),
                    password: String::new(),
                };
                crate::domain::accounts::create(
                    tx,
                    &urls,
                    &input,
                    &hash,
                    crate::db::users::Role::User,
                    None,
                    true,
                    now,
                )?;
            }
            share_key(tx, &pair)?;
            Ok(count)
        })
        .map_err(|e| e.to_string())?;
    println!("seeded {created} account(s) (password: seeded-password)");
    if events > 0 {
        let sample = crate::domain::seed::events(&db, &urls, events, now).map_err(|e| e.to_string())?;
        println!("seeded {events} event(s); sample event: {sample}");
    }
    if groups > 0 {
        let sample = crate::domain::seed::groups(&db, &urls, groups, now).map_err(|e| e.to_string())?;
        db.write_blocking(|tx| share_key(tx, &pair)).map_err(|e| e.to_string())?;
        println!(
            "seeded {groups} group(s); sample group: {}; sample post: {}",
            sample.handle, sample.post_slug
        );
    }
    let totals = db
        .read_blocking(|conn| {
            let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
            Ok(format!(
                "{} profiles, {} events, {} participations, {} comments, {} groups, {} posts",
                count("SELECT count(*) FROM actors WHERE kind = 'Person' AND domain IS NULL")?,
                count("SELECT count(*) FROM events")?,
                count("SELECT count(*) FROM participants")?,
                count("SELECT count(*) FROM comments")?,
                count("SELECT count(*) FROM groups")?,
                count("SELECT count(*) FROM posts")?,
            ))
        })
        .map_err(|e| e.to_string())?;
    println!("database: {totals}");
    Ok(ExitCode::SUCCESS)
}

/// One key pair shared by every seeded profile and group: generating
/// thousands would keep the workers busy and skew what the benchmarks measure.
fn share_key(
    tx: &rusqlite::Transaction,
    pair: &crate::federation::keys::KeyPair,
) -> crate::error::AppResult<()> {
    tx.execute(
        "UPDATE actors SET public_key_pem = ?1, private_key_pem = ?2
         WHERE domain IS NULL AND public_key_pem IS NULL AND preferred_username LIKE 'seed\\_%' ESCAPE '\\'",
        [&pair.public_pem, &pair.private_pem],
    )?;
    tx.execute(
        "DELETE FROM jobs WHERE kind = 'actor_keys' AND state = 'pending'
         AND json_extract(payload, '$.actor_id') IN (SELECT id FROM actors WHERE public_key_pem IS NOT NULL)",
        [],
    )?;
    Ok(())
}

/// Queues `count` Create activities signed by the instance actor, spread
/// over `inboxes`, then starts the delivery workers (`jobs.workers` threads)
/// and times them until nothing is pending. Everything goes through the
/// real path: claim, signing, the guarded client, recording the outcome.
fn bench_deliveries(config: &Config, count: u32, inboxes: &[String]) -> Result<ExitCode, String> {
    use crate::federation::delivery;
    let db = migrated_db(config)?;
    let urls = crate::urls::Urls::new(&config.public_base());
    let clock = crate::time::system_clock();
    let now = clock.now();
    let signer = db
        .write_blocking(|tx| crate::domain::instance_actor::ensure(tx, &urls, now))
        .map_err(|e| e.to_string())?;
    let pair = crate::federation::keys::generate()?;
    db.write_blocking(|tx| {
        tx.execute(
            "UPDATE actors SET public_key_pem = ?2, private_key_pem = ?3 WHERE id = ?1 AND private_key_pem IS NULL",
            rusqlite::params![signer, pair.public_pem, pair.private_pem],
        )?;
        let content = "Bring friends, food to share and good spirits. ".repeat(20);
        for n in 0..count {
            let id = urls.absolute(&format!("/bench/{}", uuid::Uuid::new_v4()));
            let activity = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{id}/activity"), "type": "Create", "actor": urls.relay(),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": {"id": id, "type": "Event", "name": format!("Picnic #{n}"), "content": content,
                           "startTime": "2027-06-12T12:00:00Z", "attributedTo": urls.relay()},
            });
            let inbox = &inboxes[n as usize % inboxes.len()];
            delivery::enqueue(tx, &activity, signer, std::slice::from_ref(inbox), now)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let mailer = crate::mail::Mailer::from_config(config)?;
    let ctx = Arc::new(crate::jobs::JobContext::new(db.clone(), Arc::new(config.clone()), clock, mailer));
    let pending = || {
        db.read_blocking(|conn| {
            Ok(conn.query_row("SELECT count(*) FROM deliveries WHERE state = 'pending'", [], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .map_err(|e| e.to_string())
    };
    let started = std::time::Instant::now();
    let workers = delivery::DeliveryWorkers::start(ctx, config.jobs.workers);
    while pending()? > 0 {
        if started.elapsed() > std::time::Duration::from_secs(600) {
            workers.shutdown();
            return Err("deliveries still pending after 10 minutes".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let seconds = started.elapsed().as_secs_f64();
    workers.shutdown();
    let counts = db.read_blocking(crate::db::deliveries::count_by_state).map_err(|e| e.to_string())?;
    let counted = |state: &str| counts.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
    println!(
        "delivered {} of {count} ({} failed) to {} inbox(es) with {} worker(s) in {seconds:.2} s: {:.0} deliveries/s",
        counted("delivered"),
        counted("failed"),
        inboxes.len(),
        config.jobs.workers,
        f64::from(count) / seconds
    );
    Ok(ExitCode::SUCCESS)
}
