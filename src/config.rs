//! Configuration: embedded defaults, then an optional TOML file, then `ZERDA_*`
//! environment variables, then command-line flags. Every key exists in
//! `zerda.example.toml`; a test keeps the two in step.
//!
//! No field is an `Option`: "off" is spelt as an empty string or `false`, so that
//! every key has a value, can be listed, documented and overridden the same way.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const ENV_PREFIX: &str = "ZERDA_";
/// The environment variable naming the config file (not itself a config key).
pub const ENV_CONFIG_FILE: &str = "ZERDA_CONFIG";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: String,
    /// Public base URL; empty means `http://` + the listen address.
    pub public_url: String,
    /// Folder holding the database, outgoing mail files and media.
    pub data_dir: PathBuf,
    /// tracing filter, e.g. `info` or `zerda=debug,info`.
    pub log: String,
    pub instance: InstanceConfig,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub federation: FederationConfig,
    pub jobs: JobsConfig,
    pub media: MediaConfig,
    pub geocoding: GeocodingConfig,
    pub groups: GroupsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceConfig {
    pub name: String,
    pub description: String,
    pub default_locale: String,
    pub default_timezone: String,
    pub registrations: Registrations,
    /// E-mail domains allowed to register when `registrations = "allowlist"`.
    pub registration_allowlist: Vec<String>,
    /// Whether organisers may let people take part with only an e-mail address.
    pub anonymous_participation: bool,
    /// Whether only administrators may create groups (Mobilizon's
    /// `only_admin_can_create_groups`).
    pub only_admins_create_groups: bool,
    pub contact_email: String,
    pub terms: String,
    pub privacy: String,
    pub rules: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Registrations {
    Open,
    /// Only addresses in `registration_allowlist` domains.
    Allowlist,
    Closed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Worker threads serving requests; 0 means one per core, at most 4.
    pub workers: usize,
    /// Proxies whose `X-Forwarded-For` is believed (exact IP addresses).
    pub trusted_proxies: Vec<String>,
    /// Seconds in-flight requests get to finish after SIGTERM.
    pub shutdown_timeout: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `full` (every acknowledged write survives a power cut) or `normal`.
    pub synchronous: String,
    /// Read connections in the pool.
    pub readers: u32,
    /// Page cache per connection, in KiB.
    pub cache_size_kib: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Sender address; empty means `noreply@` + the public host.
    pub from: String,
    /// SMTP server; empty means mails are written to `data_dir/outbox/`.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    /// Seconds before an SMTP conversation is abandoned (and retried later).
    pub smtp_timeout: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Allow plain-http peers (tests and local demos only).
    pub allow_http: bool,
    /// Allow peers on loopback and private addresses (tests and local demos only).
    pub allow_private_addresses: bool,
}

/// Optional address lookup: fills in the coordinates of an event's address
/// when the organiser gave none. Off by default (no request ever leaves).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GeocodingConfig {
    /// "" (off), "nominatim", "photon" or "addok".
    pub provider: String,
    /// The service's base URL, e.g. "https://nominatim.openstreetmap.org".
    pub url: String,
}

/// What groups offer besides their pages. The URL templates name a
/// collaborative service: `{uuid}` becomes a fresh random id, so each button
/// press opens a new pad, spreadsheet or call there. Empty: no such button.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GroupsConfig {
    /// e.g. "https://pad.example.org/p/{uuid}" (Etherpad).
    pub pad_url: String,
    /// e.g. "https://calc.example.org/{uuid}" (EtherCalc).
    pub calc_url: String,
    /// e.g. "https://meet.example.org/{uuid}" (Jitsi Meet).
    pub visio_url: String,
}

impl GroupsConfig {
    /// The template of a resource kind (`pad`, `calc`, `visio`), if set.
    pub fn template(&self, kind: &str) -> Option<&str> {
        let t = match kind {
            "pad" => &self.pad_url,
            "calc" => &self.calc_url,
            "visio" => &self.visio_url,
            _ => return None,
        };
        (!t.is_empty()).then_some(t.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// Largest avatar upload, in KiB.
    pub avatar_max_kib: u32,
    /// Largest banner upload, in KiB.
    pub banner_max_kib: u32,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig { avatar_max_kib: 2048, banner_max_kib: 4096 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Background worker threads; as many again send deliveries.
    pub workers: usize,
    /// Attempts before a job is marked failed.
    pub max_attempts: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            data_dir: PathBuf::from("./data"),
            log: "info".into(),
            instance: InstanceConfig::default(),
            http: HttpConfig::default(),
            database: DatabaseConfig::default(),
            mail: MailConfig::default(),
            federation: FederationConfig::default(),
            jobs: JobsConfig::default(),
            media: MediaConfig::default(),
            geocoding: GeocodingConfig::default(),
            groups: GroupsConfig::default(),
        }
    }
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            name: "zerda".into(),
            description: String::new(),
            default_locale: "en".into(),
            default_timezone: "Etc/UTC".into(),
            registrations: Registrations::Open,
            registration_allowlist: Vec::new(),
            anonymous_participation: true,
            only_admins_create_groups: false,
            contact_email: String::new(),
            terms: String::new(),
            privacy: String::new(),
            rules: String::new(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            workers: 0,
            trusted_proxies: vec!["127.0.0.1".into(), "::1".into()],
            shutdown_timeout: 30,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { synchronous: "full".into(), readers: 4, cache_size_kib: 2048 }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: String::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout: 30,
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { workers: 2, max_attempts: 10 }
    }
}

/// A configuration problem, always naming the key (or the file) at fault.
#[derive(Debug, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuration error: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

fn bad(key: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

/// Values given on the command line; they win over file and environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub public_url: Option<String>,
}

impl Config {
    /// Loads defaults ← file ← environment ← flags, then validates.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        flags: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError(format!("{}: {}", path.display(), one_line(&e))))?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        let mut config = from_table(table)?;
        if let Some(v) = &flags.listen {
            config.listen = v.clone();
        }
        if let Some(v) = &flags.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = &flags.public_url {
            config.public_url = v.clone();
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks every value that serde's types do not already check.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if !self.public_url.is_empty() {
            let url = url::Url::parse(&self.public_url).map_err(|e| bad("public_url", e))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(bad("public_url", "must be an http:// or https:// URL with a host"));
            }
            if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
                return Err(bad(
                    "public_url",
                    "must not have a path, query or fragment (zerda must be served at the root of its domain)",
                ));
            }
        }
        let g = &self.geocoding;
        if !matches!(g.provider.as_str(), "" | "nominatim" | "photon" | "addok") {
            return Err(bad(
                "geocoding.provider",
                "must be \"\" (off), \"nominatim\", \"photon\" or \"addok\"",
            ));
        }
        if !g.provider.is_empty() {
            let ok = url::Url::parse(&g.url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(bad(
                    "geocoding.url",
                    "must be the http:// or https:// address of the geocoding service",
                ));
            }
        }
        for (key, template) in [
            ("groups.pad_url", &self.groups.pad_url),
            ("groups.calc_url", &self.groups.calc_url),
            ("groups.visio_url", &self.groups.visio_url),
        ] {
            let filled = template.replace("{uuid}", "00000000-0000-4000-8000-000000000000");
            let ok = url::Url::parse(&filled)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !template.is_empty() && (!template.contains("{uuid}") || !ok) {
                return Err(bad(
                    key,
                    "must be empty or an http:// or https:// address containing {uuid}, \
                     e.g. \"https://pad.example.org/p/{uuid}\"",
                ));
            }
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(bad("data_dir", "must not be empty"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log).is_err() {
            return Err(bad("log", format!("not a valid log filter: {:?}", self.log)));
        }
        let i = &self.instance;
        if i.name.trim().is_empty() {
            return Err(bad("instance.name", "must not be empty"));
        }
        if i.name.chars().any(char::is_control) {
            return Err(bad("instance.name", "must be one line without control characters"));
        }
        if i.name.chars().count() > 100 {
            return Err(bad("instance.name", "must be at most 100 characters"));
        }
        if crate::i18n::Locale::from_code(&i.default_locale).is_none() {
            return Err(bad(
                "instance.default_locale",
                format!(
                    "unknown locale {:?}; known: {}",
                    i.default_locale,
                    crate::i18n::Locale::ALL.iter().map(|l| l.code).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if crate::time::parse_zone(&i.default_timezone).is_none() {
            return Err(bad(
                "instance.default_timezone",
                format!("unknown IANA time zone {:?}", i.default_timezone),
            ));
        }
        for (n, domain) in i.registration_allowlist.iter().enumerate() {
            let ok = !domain.is_empty()
                && domain.len() <= 253
                && domain
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
            if !ok {
                return Err(bad(
                    &format!("instance.registration_allowlist[{n}]"),
                    format!("{domain:?} is not a lowercase domain name like \"example.org\""),
                ));
            }
        }
        if i.registrations == Registrations::Allowlist && i.registration_allowlist.is_empty() {
            return Err(bad(
                "instance.registration_allowlist",
                "registrations = \"allowlist\" needs at least one e-mail domain here",
            ));
        }
        if !i.contact_email.is_empty() && !crate::mail::is_valid_address(&i.contact_email) {
            return Err(bad("instance.contact_email", "not a valid e-mail address"));
        }
        for (n, proxy) in self.http.trusted_proxies.iter().enumerate() {
            proxy
                .parse::<IpAddr>()
                .map_err(|_| bad(&format!("http.trusted_proxies[{n}]"), "not an IP address"))?;
        }
        if self.http.shutdown_timeout == 0 {
            return Err(bad("http.shutdown_timeout", "must be at least 1 second"));
        }
        if !matches!(self.database.synchronous.as_str(), "full" | "normal") {
            return Err(bad("database.synchronous", "must be \"full\" or \"normal\""));
        }
        if self.database.readers == 0 || self.database.readers > 64 {
            return Err(bad("database.readers", "must be between 1 and 64"));
        }
        let m = &self.mail;
        if !m.from.is_empty() && !crate::mail::is_valid_address(&m.from) {
            return Err(bad("mail.from", "not a valid e-mail address"));
        }
        if !matches!(m.smtp_security.as_str(), "starttls" | "tls" | "none") {
            return Err(bad("mail.smtp_security", "must be \"starttls\", \"tls\" or \"none\""));
        }
        if !m.smtp_host.is_empty() && m.smtp_port == 0 {
            return Err(bad("mail.smtp_port", "must not be 0"));
        }
        if m.smtp_username.is_empty() != m.smtp_password.is_empty() {
            return Err(bad(
                "mail.smtp_username",
                "smtp_username and smtp_password go together: set both or neither",
            ));
        }
        if m.smtp_timeout == 0 {
            return Err(bad("mail.smtp_timeout", "must be at least 1 second"));
        }
        for (key, value) in [
            ("media.avatar_max_kib", self.media.avatar_max_kib),
            ("media.banner_max_kib", self.media.banner_max_kib),
        ] {
            if value == 0 || value > 64 * 1024 {
                return Err(bad(key, "must be between 1 and 65536 (64 MiB)"));
            }
        }
        if self.jobs.workers == 0 || self.jobs.workers > 32 {
            return Err(bad("jobs.workers", "must be between 1 and 32"));
        }
        if self.jobs.max_attempts == 0 {
            return Err(bad("jobs.max_attempts", "must be at least 1"));
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| bad("listen", format!("not an address:port, got {:?}", self.listen)))
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.trim_end_matches('/').to_string();
        }
        match self.listen_addr() {
            Ok(addr) if addr.ip().is_loopback() && addr.ip().is_ipv4() => {
                format!("http://localhost:{}", addr.port())
            }
            Ok(addr) => format!("http://{addr}"),
            Err(_) => format!("http://{}", self.listen),
        }
    }

    /// The base URL a process on this machine can reach the server at.
    pub fn local_base(&self) -> Result<String, ConfigError> {
        let addr = self.listen_addr()?;
        let ip = match addr.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_string(),
            ip if ip.is_unspecified() => "[::1]".to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        Ok(format!("http://{ip}:{}", addr.port()))
    }

    pub fn is_https(&self) -> bool {
        self.public_base().starts_with("https://")
    }

    pub fn http_workers(&self) -> usize {
        match self.http.workers {
            0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4),
            n => n,
        }
    }

    /// Where the copies taken before an upgrade go.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("zerda.db")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn mail_from(&self) -> String {
        if !self.mail.from.is_empty() {
            return self.mail.from.clone();
        }
        let host = url::Url::parse(&self.public_base())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        format!("noreply@{host}")
    }

    /// Every key as a dotted path, in the order of the struct.
    pub fn keys() -> Vec<String> {
        let value = toml::Table::try_from(Config::default()).unwrap_or_default();
        let mut keys = Vec::new();
        flatten_keys("", &value, &mut keys);
        keys
    }
}

fn flatten_keys(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => flatten_keys(&path, inner, out),
            _ => out.push(path),
        }
    }
}

/// The environment variable for a dotted key: `instance.name` → `ZERDA_INSTANCE_NAME`.
pub fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "_").to_uppercase())
}

fn apply_env(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
    let keys = Config::keys();
    for (name, raw) in env {
        if !name.starts_with(ENV_PREFIX) || name == ENV_CONFIG_FILE {
            continue;
        }
        let Some(key) = keys.iter().find(|k| env_name(k) == *name) else {
            return Err(ConfigError(format!(
                "{name}: unknown setting (every setting is listed in zerda.example.toml)"
            )));
        };
        let path: Vec<&str> = key.split('.').collect();
        let value = match lookup(&defaults, &path) {
            Some(toml::Value::String(_)) | None => toml::Value::String(raw.clone()),
            Some(_) => {
                // Numbers, booleans and lists are written as TOML values: 8, true, ["a"].
                let doc = format!("v = {raw}");
                let parsed = doc
                    .parse::<toml::Table>()
                    .map_err(|_| ConfigError(format!("{name}: {raw:?} is not a valid value for {key}")))?;
                parsed.get("v").cloned().unwrap_or(toml::Value::String(raw.clone()))
            }
        };
        insert(table, &path, value);
    }
    Ok(())
}

fn lookup<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    let value = table.get(*first)?;
    if rest.is_empty() {
        return Some(value);
    }
    lookup(value.as_table()?, rest)
}

fn insert(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        table.insert((*first).to_string(), value);
        return;
    }
    let entry = table.entry((*first).to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    if let Some(inner) = entry.as_table_mut() {
        insert(inner, rest, value);
    }
}

/// Deserialises a merged table. The serde error does not carry the key path,
/// so we find it ourselves: the first key whose value alone fails to fit.
fn from_table(table: toml::Table) -> Result<Config, ConfigError> {
    // Render back to text so that toml's own error (which names the key) is used.
    let text = toml::to_string(&table).map_err(|e| ConfigError(e.to_string()))?;
    toml::from_str::<Config>(&text).map_err(|e| ConfigError(describe_toml_error(&e, &text)))
}

fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().to_string();
    let key = error.span().and_then(|span| key_at(text, span.start)).unwrap_or_default();
    if key.is_empty() { message } else { format!("{key}: {message}") }
}

/// The dotted key whose line contains byte offset `at` in a rendered TOML document.
fn key_at(text: &str, at: usize) -> Option<String> {
    let mut section = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed.trim_matches(|c| c == '[' || c == ']').to_string();
        }
        if at >= offset && at < offset + line.len() {
            if trimmed.starts_with('[') {
                return Some(section);
            }
            let key = trimmed.split('=').next()?.trim().trim_matches('"');
            return Some(if section.is_empty() { key.to_string() } else { format!("{section}.{key}") });
        }
        offset += line.len();
    }
    None
}

fn one_line(e: &toml::de::Error) -> String {
    e.to_string().lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ")
}
