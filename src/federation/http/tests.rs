//! The URL-level decisions, the resolver's filter and the small classifiers.
//! Requests against a real peer are in tests/it/outgoing_http.rs.

use super::*;

fn config(allow_http: bool, allow_private_addresses: bool) -> FederationConfig {
    FederationConfig { allow_http, allow_private_addresses }
}

fn production() -> Policy {
    Policy::new(&config(false, false), "https://zerda.example")
}

fn check(policy: &Policy, url: &str) -> Result<(), FetchError> {
    policy.check(&Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}")))
}

fn blocked(policy: &Policy, url: &str) -> bool {
    matches!(check(policy, url), Err(FetchError::Blocked(_)))
}

#[test]
fn odd_spellings_of_loopback_are_blocked_at_url_level() {
    let p = production();
    for url in [
        "https://127.0.0.1/",
        "https://0x7f.1/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://127.1/",
        "https://0177.0.0.1/",
        "https://017700000001/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[::1]/",
        "https://[::]/",
        "https://0.0.0.0/",
        "https://0/",
        "https://localhost/",
        "https://LOCALHOST./",
        "https://foo.localhost/",
    ] {
        assert!(blocked(&p, url), "{url} must be blocked, got {:?}", check(&p, url));
    }
}

#[test]
fn url_normalises_the_spellings_we_rely_on() {
    for (url, host) in [
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
    ] {
        assert_eq!(Url::parse(url).expect("url").host_str(), Some(host), "{url}");
    }
}

#[test]
fn security_catalogue_f09_addresses_are_blocked() {
    let p = production();
    for url in [
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://100.64.1.1/",
        "https://198.18.0.1/",
        "https://240.0.0.1/",
        "https://255.255.255.255/",
        "https://[64:ff9b::a00:1]/",
        "https://10.1.2.3/",
        "https://192.168.0.1/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
        "https://[2001:db8::1]/",
        "https://router.local/",
        "https://abcdef.onion/",
        "https://eepsite.i2p/",
        "https://metadata.google.internal/",
    ] {
        assert!(blocked(&p, url), "{url} must be blocked, got {:?}", check(&p, url));
    }
}

#[test]
fn public_addresses_and_names_pass() {
    let p = production();
    for url in [
        "https://mobilizon.example/@alice",
        "https://93.184.216.34/x",
        "https://[2606:4700::1111]/x",
        "https://[64:ff9b::808:808]/",
        "https://example.com:443/",
        "https://xn--bcher-kva.example/",
    ] {
        assert_eq!(check(&p, url), Ok(()), "{url}");
    }
}

#[test]
fn schemes_and_ports() {
    let p = production();
    assert_eq!(check(&p, "http://mobilizon.example/"), Err(FetchError::BadScheme("http".into())));
    assert_eq!(check(&p, "ftp://mobilizon.example/"), Err(FetchError::BadScheme("ftp".into())));
    assert_eq!(check(&p, "file:///etc/passwd"), Err(FetchError::BadScheme("file".into())));
    assert_eq!(check(&p, "gopher://mobilizon.example/"), Err(FetchError::BadScheme("gopher".into())));
    assert_eq!(check(&p, "https://mobilizon.example:22/"), Err(FetchError::BadPort(22)));
    assert_eq!(check(&p, "https://mobilizon.example:80/"), Err(FetchError::BadPort(80)));
    assert_eq!(check(&p, "https://mobilizon.example:8443/"), Err(FetchError::BadPort(8443)));
    assert!(matches!(check(&p, "https://user:pw@mobilizon.example/"), Err(FetchError::BadUrl(_))));

    let dev = Policy::new(&config(true, false), "https://zerda.example");
    assert_eq!(check(&dev, "http://mobilizon.example/"), Ok(()));
    assert_eq!(check(&dev, "https://mobilizon.example:80/"), Ok(()));
    assert_eq!(check(&dev, "http://mobilizon.example:8080/"), Err(FetchError::BadPort(8080)));
    // allow_http does not open private addresses.
    assert!(blocked(&dev, "http://127.0.0.1/"));

    let tests = Policy::new(&config(true, true), "http://127.0.0.1:8000");
    assert_eq!(check(&tests, "http://127.0.0.1:9000/actor"), Ok(()));
    assert_eq!(check(&tests, "http://localhost:9000/actor"), Ok(()));
    assert_eq!(check(&tests, "http://[::1]:9000/actor"), Ok(()));
    // allow_private_addresses alone keeps https only.
    let private_only = Policy::new(&config(false, true), "https://zerda.example");
    assert_eq!(check(&private_only, "http://127.0.0.1:9000/"), Err(FetchError::BadScheme("http".into())));
    assert_eq!(check(&private_only, "https://127.0.0.1:9000/"), Ok(()));
}

#[test]
fn our_own_host_is_local() {
    let p = production();
    assert_eq!(check(&p, "https://zerda.example/@alice"), Err(FetchError::Local));
    assert_eq!(check(&p, "https://ZERDA.example/events/1"), Err(FetchError::Local));
    assert_eq!(check(&p, "https://zerda.example:443/x"), Err(FetchError::Local));
    assert_eq!(check(&p, "https://other.example/x"), Ok(()));
    // On loopback, instances share the host and differ by port.
    let tests = Policy::new(&config(true, true), "http://127.0.0.1:8000/");
    assert_eq!(check(&tests, "http://127.0.0.1:8000/@alice"), Err(FetchError::Local));
    assert_eq!(check(&tests, "http://127.0.0.1:8001/@alice"), Ok(()));
}

#[test]
fn redirect_host_rule() {
    let u = |s: &str| Url::parse(s).expect("url");
    assert!(same_host(&u("https://a.example/x"), &u("https://a.example/y")));
    assert!(same_host(&u("https://a.example/x"), &u("https://A.EXAMPLE:443/y")));
    assert!(same_host(&u("http://a.example/x"), &u("https://a.example/x")));
    assert!(!same_host(&u("https://a.example/x"), &u("https://b.example/x")));
    assert!(!same_host(&u("https://a.example/x"), &u("https://evil.a.example/x")));
    assert!(!same_host(&u("https://a.example/x"), &u("https://a.example:8443/x")));
    assert!(!same_host(&u("http://127.0.0.1:1000/x"), &u("http://127.0.0.1:1001/x")));
}

#[test]
fn activity_content_types() {
    for ok in [
        "application/activity+json",
        "application/activity+json; charset=utf-8",
        "Application/Activity+JSON",
        r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#,
        r#"application/ld+json;profile="https://www.w3.org/ns/activitystreams";charset=utf-8"#,
        "application/ld+json; profile=https://www.w3.org/ns/activitystreams",
        r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams http://example.org/other""#,
    ] {
        assert!(is_activity_type(ok), "{ok}");
    }
    for bad in [
        "",
        "application/json",
        "application/ld+json",
        r#"application/ld+json; profile="https://example.org/ns""#,
        "text/html",
        "image/png",
        "application/activity+jsonx",
    ] {
        assert!(!is_activity_type(bad), "{bad}");
    }
    assert!(is_plain_json_type("application/json"));
    assert!(is_plain_json_type("application/jrd+json; charset=utf-8"));
    assert!(is_plain_json_type(
        r#"application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#""#
    ));
    assert!(!is_plain_json_type("text/html"));
    assert!(!is_plain_json_type("application/xrd+xml"));
}

#[test]
fn delivery_outcomes() {
    for s in [200, 201, 202, 204, 299] {
        assert_eq!(delivery_outcome(s), Outcome::Delivered, "{s}");
    }
    for s in [400, 403, 404, 405, 410, 413, 422, 451, 499, 501] {
        assert_eq!(delivery_outcome(s), Outcome::Permanent, "{s}");
    }
    for s in [401, 408, 429, 500, 502, 503, 504, 599, 301, 302, 100] {
        assert_eq!(delivery_outcome(s), Outcome::Retry, "{s}");
    }
}

#[test]
fn retryable_errors() {
    assert!(FetchError::Timeout.is_retryable());
    assert!(FetchError::Network("x".into()).is_retryable());
    assert!(FetchError::Retryable(503).is_retryable());
    assert!(!FetchError::Gone.is_retryable());
    assert!(!FetchError::Blocked("x".into()).is_retryable());
    assert_eq!(
        FetchError::Blocked("10.0.0.1 is not a public address".into()).to_string(),
        "blocked address: 10.0.0.1 is not a public address"
    );
}

fn resolve(allow_private: bool, uri: &str) -> Result<Vec<SocketAddr>, UreqError> {
    let uri: Uri = uri.parse().expect("uri");
    GuardedResolver { allow_private }
        .resolve(&uri, &UreqConfig::default(), NextTimeout::default())
        .map(|addrs| addrs.to_vec())
}

#[test]
fn resolver_drops_reserved_addresses() {
    // Literals: no lookup, judged directly.
    let err = resolve(false, "http://127.0.0.1:8080/").expect_err("loopback");
    assert!(matches!(from_ureq(err), FetchError::Blocked(_)));
    let err = resolve(false, "https://[::ffff:10.0.0.1]/").expect_err("mapped");
    assert!(matches!(from_ureq(err), FetchError::Blocked(_)));
    assert_eq!(
        resolve(false, "https://93.184.216.34/").expect("public"),
        vec!["93.184.216.34:443".parse().unwrap()]
    );
    assert_eq!(
        resolve(false, "https://[2606:4700::1111]/").expect("public v6"),
        vec!["[2606:4700::1111]:443".parse().unwrap()]
    );
    // A mapped public address is dialled as IPv4.
    assert_eq!(
        resolve(false, "https://[::ffff:8.8.8.8]/").expect("mapped public"),
        vec!["8.8.8.8:443".parse().unwrap()]
    );
    // A name: looked up, then filtered (localhost resolves to loopback only).
    let err = resolve(false, "http://localhost:8080/").expect_err("localhost");
    match from_ureq(err) {
        FetchError::Blocked(why) => assert!(why.contains("localhost"), "{why}"),
        other => panic!("{other:?}"),
    }
    // With allow_private_addresses, loopback goes through (tests, demos).
    assert_eq!(
        resolve(true, "http://127.0.0.1:8080/").expect("allowed"),
        vec!["127.0.0.1:8080".parse().unwrap()]
    );
    assert!(resolve(true, "http://localhost:8080/").expect("allowed").iter().all(|a| a.ip().is_loopback()));
}

/// End to end through ureq: a request that skips the URL-level checks still
/// cannot connect to a loopback listener, because ureq dials only what the
/// guarded resolver returns; with allow_private_addresses it does connect.
#[test]
fn ureq_dials_only_what_the_guarded_resolver_allows() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let guarded = HttpClient::new(&config(true, false), "https://zerda.example");
    for url in [format!("http://localhost:{port}/"), format!("http://127.0.0.1:{port}/")] {
        let error = guarded.agent.get(&url).call().map(|_| ()).map_err(from_ureq).expect_err(&url);
        assert!(matches!(error, FetchError::Blocked(_)), "{url}: {error:?}");
    }
    let nothing = listener.accept().map(|_| ()).expect_err("no connection may arrive");
    assert_eq!(nothing.kind(), std::io::ErrorKind::WouldBlock);

    let open = HttpClient::with_timeouts(
        &config(true, true),
        "https://zerda.example",
        Duration::from_millis(500),
        Duration::from_millis(300),
    );
    // Nobody answers, so the call times out, but it did connect.
    let _ = open.agent.get(&format!("http://localhost:{port}/")).call();
    assert!(listener.accept().is_ok(), "the loopback connection arrives when allowed");
}
