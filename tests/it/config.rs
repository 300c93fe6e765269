//! Configuration: the example file matches the struct, overrides apply in
//! order, and every bad value is refused with a message naming its key.

use std::path::Path;

use zerda::config::{Config, Overrides, env_name};

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/zerda.example.toml"))
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            _ => out.push(key),
        }
    }
}

#[test]
fn example_file_lists_every_key_with_its_default() {
    let text = std::fs::read_to_string(example()).expect("read example");
    let table: toml::Table = text.parse().expect("example parses");
    let mut documented = Vec::new();
    flatten("", &table, &mut documented);
    let mut expected = Config::keys();
    documented.sort();
    expected.sort();
    assert_eq!(documented, expected, "zerda.example.toml and the Config struct have drifted apart");
    let loaded = Config::load(Some(example()), &[], &Overrides::default()).expect("example loads");
    assert_eq!(loaded, Config::default(), "the example must show the embedded defaults");
}

#[test]
fn every_key_has_a_comment_in_the_example() {
    let text = std::fs::read_to_string(example()).expect("read example");
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let is_setting = !line.starts_with('#') && !line.starts_with('[') && line.contains(" = ");
        if is_setting {
            let mut above = n;
            while above > 0 && lines[above - 1].starts_with(|c: char| c.is_ascii_lowercase()) {
                above -= 1; // settings grouped under one comment
            }
            assert!(above > 0 && lines[above - 1].starts_with('#'), "{line:?} has no explanation above it");
        }
    }
}

#[test]
fn defaults_match_the_issue() {
    let c = Config::load(None, &[], &Overrides::default()).expect("defaults load");
    assert_eq!(c.listen, "127.0.0.1:8080");
    assert_eq!(c.public_base(), "http://localhost:8080");
    assert_eq!(c.data_dir, Path::new("./data"));
    assert_eq!(c.instance.default_locale, "en");
    assert_eq!(c.instance.default_timezone, "Etc/UTC");
    assert_eq!(c.instance.registrations, zerda::config::Registrations::Open);
    assert!(c.mail.smtp_host.is_empty(), "no SMTP by default");
    assert!(!c.federation.allow_http && !c.federation.allow_private_addresses);
    assert_eq!(c.outbox_dir(), Path::new("./data/outbox"));
}

#[test]
fn environment_overrides_file_and_flags_override_environment() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("z.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\n[instance]\nname = \"From file\"\n[jobs]\nworkers = 3\n",
    )
    .expect("write");
    let vars = env(&[
        ("ZERDA_INSTANCE_NAME", "From env"),
        ("ZERDA_JOBS_MAX_ATTEMPTS", "4"),
        ("ZERDA_FEDERATION_ALLOW_HTTP", "true"),
        ("ZERDA_HTTP_TRUSTED_PROXIES", "[\"10.0.0.1\"]"),
        ("ZERDA_LISTEN", "127.0.0.1:9100"),
        ("ZERDA_CONFIG", "ignored-here"),
        ("PATH", "/usr/bin"),
    ]);
    let flags = Overrides {
        listen: Some("127.0.0.1:9200".into()),
        data_dir: Some("/srv/zerda".into()),
        public_url: Some("https://events.example.org".into()),
    };
    let c = Config::load(Some(&file), &vars, &flags).expect("loads");
    assert_eq!(c.instance.name, "From env");
    assert_eq!(c.jobs.workers, 3, "file value kept when env does not set it");
    assert_eq!(c.jobs.max_attempts, 4);
    assert!(c.federation.allow_http);
    assert_eq!(c.http.trusted_proxies, vec!["10.0.0.1".to_string()]);
    assert_eq!(c.listen, "127.0.0.1:9200", "flag beats env beats file");
    assert_eq!(c.data_dir, Path::new("/srv/zerda"));
    assert_eq!(c.public_base(), "https://events.example.org");
    let c = Config::load(Some(&file), &vars, &Overrides::default()).expect("loads");
    assert_eq!(c.listen, "127.0.0.1:9100");
}

#[test]
fn the_three_operator_settings_have_the_documented_names() {
    assert_eq!(env_name("listen"), "ZERDA_LISTEN");
    assert_eq!(env_name("data_dir"), "ZERDA_DATA_DIR");
    assert_eq!(env_name("public_url"), "ZERDA_PUBLIC_URL");
    assert_eq!(env_name("mail.smtp_host"), "ZERDA_MAIL_SMTP_HOST");
}

fn refused(file_text: Option<&str>, vars: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("z.toml");
    if let Some(text) = file_text {
        std::fs::write(&file, text).expect("write");
    }
    Config::load(file_text.map(|_| file.as_path()), &env(vars), &Overrides::default())
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn bad_values_are_refused_naming_the_key() {
    type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (Some("nmae = \"x\"\n"), &[], "nmae"),
        (Some("[instance]\nnmae = \"x\"\n"), &[], "instance.nmae"),
        (Some("[instance]\nname = 5\n"), &[], "instance.name"),
        (Some("[instance]\nname = \"  \"\n"), &[], "instance.name"),
        (Some("[instance]\nname = \"a\\r\\nBcc: x@evil.test\"\n"), &[], "instance.name"),
        (Some("[instance]\nregistrations = \"maybe\"\n"), &[], "instance.registrations"),
        (Some("[instance]\nregistrations = \"allowlist\"\n"), &[], "instance.registration_allowlist"),
        (
            Some("[instance]\nregistration_allowlist = [\"@Example.org\"]\n"),
            &[],
            "instance.registration_allowlist[0]",
        ),
        (Some("[instance]\ndefault_locale = \"xx\"\n"), &[], "instance.default_locale"),
        (Some("[instance]\ndefault_timezone = \"Mars/Olympus\"\n"), &[], "instance.default_timezone"),
        (Some("[instance]\ncontact_email = \"not mail\"\n"), &[], "instance.contact_email"),
        (Some("listen = \"localhost\"\n"), &[], "listen"),
        (Some("public_url = \"ftp://x.example\"\n"), &[], "public_url"),
        (Some("public_url = \"https://x.example/events\"\n"), &[], "public_url"),
        (Some("[database]\nsynchronous = \"off\"\n"), &[], "database.synchronous"),
        (Some("[database]\nreaders = 0\n"), &[], "database.readers"),
        (Some("[mail]\nsmtp_security = \"ssl\"\n"), &[], "mail.smtp_security"),
        (Some("[mail]\nsmtp_username = \"u\"\n"), &[], "mail.smtp_username"),
        (Some("[mail]\nsmtp_port = 70000\n"), &[], "mail.smtp_port"),
        (Some("[http]\ntrusted_proxies = [\"proxy.lan\"]\n"), &[], "http.trusted_proxies[0]"),
        (Some("[jobs]\nworkers = 0\n"), &[], "jobs.workers"),
        (Some("[geocoding]\nprovider = \"google\"\n"), &[], "geocoding.provider"),
        (Some("[geocoding]\nprovider = \"nominatim\"\n"), &[], "geocoding.url"),
        (Some("[geocoding]\nprovider = \"photon\"\nurl = \"file:///etc\"\n"), &[], "geocoding.url"),
        (Some("log = \"[[[\"\n"), &[], "log"),
        (Some("[instance\n"), &[], "TOML parse error"),
        (None, &[("ZERDA_INSTANCE_NMAE", "x")], "ZERDA_INSTANCE_NMAE"),
        (None, &[("ZERDA_JOBS_WORKERS", "many")], "ZERDA_JOBS_WORKERS"),
        (None, &[("ZERDA_FEDERATION_ALLOW_HTTP", "yes please")], "ZERDA_FEDERATION_ALLOW_HTTP"),
    ];
    for (file, vars, key) in cases {
        let message = refused(*file, vars);
        assert!(message.contains(key), "error for {file:?} {vars:?} should name {key:?}, got: {message}");
    }
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let e = Config::load(Some(Path::new("/nonexistent/zerda.toml")), &[], &Overrides::default())
        .expect_err("refused");
    assert!(e.to_string().contains("cannot read /nonexistent/zerda.toml"), "{e}");
}
