//! The outgoing HTTP client (federation/http.rs) against a real peer on
//! loopback: what it refuses before connecting, and what it checks on the
//! answers (SECURITY.md 1.5, R4–R6).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use zerda::config::FederationConfig;
use zerda::federation::http::{FetchError, HttpClient, MAX_JSON, Outcome, delivery_outcome};

use crate::common::peer::FakePeer;

const AP: &str = "application/activity+json";

/// Tests and local demos: plain http and loopback peers allowed.
fn open_config() -> FederationConfig {
    FederationConfig { allow_http: true, allow_private_addresses: true }
}

/// Our own instance, on a loopback port no peer uses.
fn client() -> HttpClient {
    HttpClient::new(&open_config(), "http://127.0.0.1:1")
}

fn actor(id: &str) -> Vec<u8> {
    serde_json::json!({"id": id, "type": "Person", "preferredUsername": "alice"}).to_string().into_bytes()
}

/// A peer serving alice's actor document at /users/alice.
fn peer_with_alice() -> (FakePeer, String) {
    let peer = FakePeer::start();
    let url = format!("{}/users/alice", peer.base());
    peer.respond("/users/alice", 200, AP, &actor(&url));
    (peer, url)
}

#[test]
fn loopback_is_refused_before_any_connection_without_allow_private_addresses() {
    let (peer, url) = peer_with_alice();
    let config = FederationConfig { allow_http: true, allow_private_addresses: false };
    let client = HttpClient::new(&config, "https://zerda.example");
    let port = peer.addr.port();
    for url in [
        url.clone(),
        format!("http://localhost:{port}/users/alice"),
        format!("http://[::ffff:127.0.0.1]:{port}/users/alice"),
        format!("http://2130706433:{port}/users/alice"),
        format!("http://0x7f.1:{port}/users/alice"),
        format!("http://127.1:{port}/users/alice"),
        format!("http://0177.0.0.1:{port}/users/alice"),
    ] {
        let error = client.get_activity_json(&url, None).expect_err("loopback");
        assert!(matches!(error, FetchError::Blocked(_)), "{url}: {error:?}");
    }
    assert!(matches!(client.get_json("http://127.0.0.1/x", "application/json"), Err(FetchError::Blocked(_))));
    assert!(matches!(
        client.get_bytes("http://localhost/a.png", 1000, "image/*"),
        Err(FetchError::Blocked(_))
    ));
    assert!(matches!(
        client.post_activity("http://127.0.0.1/inbox", b"{}", None),
        Err(FetchError::Blocked(_))
    ));
    assert!(matches!(
        client.get_bytes("http://localhost./a.png", 1000, "image/*"),
        Err(FetchError::Blocked(_))
    ));
    assert_eq!(peer.requests().len(), 0, "no request may reach a loopback peer");
}

#[test]
fn a_good_document_is_fetched_with_the_right_headers() {
    let (peer, url) = peer_with_alice();
    let document = client().get_activity_json(&url, None).expect("fetch");
    assert_eq!(document["id"], url.as_str());
    let seen = peer.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    let accept = seen[0].header("accept").expect("accept");
    assert!(accept.contains("application/activity+json"), "{accept}");
    assert!(
        accept.contains(r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#),
        "{accept}"
    );
    let agent = seen[0].header("user-agent").expect("user agent");
    assert_eq!(agent, format!("zerda/{} (+http://127.0.0.1:1)", env!("CARGO_PKG_VERSION")));
}

#[test]
fn both_activitypub_content_types_are_accepted() {
    let peer = FakePeer::start();
    for (path, content_type) in [
        ("/a", "application/activity+json; charset=utf-8"),
        ("/b", r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#),
    ] {
        let url = format!("{}{path}", peer.base());
        peer.respond(path, 200, content_type, &actor(&url));
        client().get_activity_json(&url, None).unwrap_or_else(|e| panic!("{content_type}: {e}"));
    }
}

#[test]
fn a_wrong_content_type_is_refused() {
    let peer = FakePeer::start();
    for (path, content_type) in
        [("/json", "application/json"), ("/html", "text/html"), ("/ld", "application/ld+json"), ("/none", "")]
    {
        let url = format!("{}{path}", peer.base());
        peer.respond(path, 200, content_type, &actor(&url));
        let error = client().get_activity_json(&url, None).expect_err(content_type);
        assert!(matches!(error, FetchError::BadContentType(_)), "{content_type}: {error:?}");
    }
}

#[test]
fn an_id_other_than_the_url_is_refused() {
    let peer = FakePeer::start();
    let base = peer.base();
    peer.respond("/users/alice", 200, AP, &actor("https://victim.example/users/alice"));
    peer.respond("/users/bob", 200, AP, &actor(&format!("{base}/users/bob/")));
    peer.respond("/users/carol", 200, AP, br#"{"type":"Person"}"#);
    peer.respond("/users/dave", 200, AP, b"not json");
    let c = client();
    for who in ["alice", "bob", "carol"] {
        let error = c.get_activity_json(&format!("{base}/users/{who}"), None).expect_err(who);
        assert!(matches!(error, FetchError::IdMismatch(_)), "{who}: {error:?}");
    }
    let error = c.get_activity_json(&format!("{base}/users/dave"), None).expect_err("dave");
    assert!(matches!(error, FetchError::BadJson(_)), "{error:?}");
}

#[test]
fn a_body_over_the_cap_is_refused() {
    let peer = FakePeer::start();
    let huge = vec![b' '; 2 * 1024 * 1024];
    peer.respond("/declared", 200, AP, &huge);
    peer.respond_close_delimited("/streamed", 200, AP, &huge);
    let c = client();
    for path in ["/declared", "/streamed"] {
        let error = c.get_activity_json(&format!("{}{path}", peer.base()), None).expect_err(path);
        assert_eq!(error, FetchError::TooLarge(MAX_JSON), "{path}");
    }
    // Exactly at the cap is fine for bytes; one more is not.
    peer.respond_close_delimited("/picture", 200, "image/png", &[7; 1000]);
    let url = format!("{}/picture", peer.base());
    assert_eq!(c.get_bytes(&url, 1000, "image/*").expect("fits"), ("image/png".to_string(), vec![7; 1000]));
    assert_eq!(c.get_bytes(&url, 999, "image/*"), Err(FetchError::TooLarge(999)));
}

/// gzip framing around a raw deflate stream (RFC 1952).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend((!crc).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

#[test]
fn the_cap_counts_decompressed_bytes() {
    let peer = FakePeer::start();
    let url = format!("{}/small", peer.base());
    peer.respond_with_headers("/small", 200, AP, &gzip(&actor(&url)), &[("content-encoding", "gzip")]);
    let bomb = gzip(&vec![b' '; 4 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024, "compressed to {}", bomb.len());
    peer.respond_with_headers("/bomb", 200, AP, &bomb, &[("content-encoding", "gzip")]);
    let c = client();
    assert_eq!(c.get_activity_json(&url, None).expect("gzip document")["id"], url.as_str());
    let error = c.get_activity_json(&format!("{}/bomb", peer.base()), None).expect_err("bomb");
    assert_eq!(error, FetchError::TooLarge(MAX_JSON));
}

#[test]
fn one_same_host_redirect_is_followed() {
    let peer = FakePeer::start();
    let base = peer.base();
    peer.redirect("/@alice", 302, "/users/alice");
    peer.respond("/users/alice", 200, AP, &actor(&format!("{base}/users/alice")));
    let document = client().get_activity_json(&format!("{base}/@alice"), None).expect("followed");
    assert_eq!(document["id"], format!("{base}/users/alice"));
    let paths: Vec<String> = peer.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/@alice", "/users/alice"]);
}

#[test]
fn after_a_redirect_the_id_must_be_the_final_url() {
    let peer = FakePeer::start();
    let base = peer.base();
    peer.redirect("/@alice", 301, &format!("{base}/users/alice"));
    // The document claims the URL we asked for, not the one it came from.
    peer.respond("/users/alice", 200, AP, &actor(&format!("{base}/@alice")));
    let error = client().get_activity_json(&format!("{base}/@alice"), None).expect_err("mismatch");
    assert!(matches!(error, FetchError::IdMismatch(_)), "{error:?}");
}

#[test]
fn two_redirects_are_refused() {
    let peer = FakePeer::start();
    let base = peer.base();
    peer.redirect("/a", 302, "/b");
    peer.redirect("/b", 307, "/c");
    peer.respond("/c", 200, AP, &actor(&format!("{base}/c")));
    let error = client().get_activity_json(&format!("{base}/a"), None).expect_err("two");
    assert!(matches!(error, FetchError::Redirect(_)), "{error:?}");
    let paths: Vec<String> = peer.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/a", "/b"], "/c is never asked for");
}

#[test]
fn a_redirect_to_another_host_is_refused_for_activitypub() {
    let (other, other_url) = peer_with_alice();
    let peer = FakePeer::start();
    peer.redirect("/users/alice", 302, &other_url);
    let error = client().get_activity_json(&format!("{}/users/alice", peer.base()), None).expect_err("cross");
    assert!(matches!(error, FetchError::Redirect(_)), "{error:?}");
    assert_eq!(other.requests().len(), 0);
    // Also when the other host is the same address under another name.
    let renamed = other_url.replace("127.0.0.1", "localhost");
    peer.redirect("/users/bob", 302, &renamed);
    let error = client().get_activity_json(&format!("{}/users/bob", peer.base()), None).expect_err("renamed");
    assert!(matches!(error, FetchError::Redirect(_)), "{error:?}");
    assert_eq!(other.requests().len(), 0);
}

#[test]
fn redirect_targets_are_checked_like_the_first_url() {
    let peer = FakePeer::start();
    peer.redirect("/file", 302, "file:///etc/passwd");
    peer.redirect("/gopher", 302, "gopher://127.0.0.1/");
    let us = format!("http://127.0.0.1:{}/", peer.addr.port());
    // The redirect rule for files is "any host", so only the checks stop these.
    let c = client();
    let base = peer.base();
    assert_eq!(c.get_bytes(&format!("{base}/file"), 100, "*/*"), Err(FetchError::BadScheme("file".into())));
    assert_eq!(
        c.get_bytes(&format!("{base}/gopher"), 100, "*/*"),
        Err(FetchError::BadScheme("gopher".into()))
    );
    // A peer redirecting to our own host (R4): refused, not requested.
    let ours = HttpClient::new(&open_config(), &us);
    let other = FakePeer::start();
    other.redirect("/x", 302, &format!("{us}users/alice"));
    assert_eq!(ours.get_bytes(&format!("{}/x", other.base()), 100, "*/*"), Err(FetchError::Local));
    assert!(peer.requests().iter().all(|r| r.path != "/users/alice"));
}

#[test]
fn webfinger_and_media_may_follow_one_redirect_to_another_host() {
    let target = FakePeer::start();
    target.respond("/.well-known/webfinger", 200, "application/jrd+json", br#"{"subject":"acct:alice@x"}"#);
    target.respond("/a.png", 200, "image/png", b"\x89PNG");
    let peer = FakePeer::start();
    peer.redirect("/.well-known/webfinger", 301, &format!("{}/.well-known/webfinger", target.base()));
    peer.redirect("/a.png", 302, &format!("{}/a.png", target.base()));
    let c = client();
    let jrd = c
        .get_json(
            &format!("{}/.well-known/webfinger?resource=acct:alice@x", peer.base()),
            "application/jrd+json",
        )
        .expect("webfinger");
    assert_eq!(jrd["subject"], "acct:alice@x");
    let (content_type, bytes) =
        c.get_bytes(&format!("{}/a.png", peer.base()), 100, "image/*").expect("picture");
    assert_eq!((content_type.as_str(), bytes.as_slice()), ("image/png", b"\x89PNG".as_slice()));
    assert_eq!(target.requests()[0].header("accept"), Some("application/jrd+json"));
    // get_json wants JSON.
    peer.respond("/nodeinfo", 200, "text/html", b"{}");
    let error = c.get_json(&format!("{}/nodeinfo", peer.base()), "application/json").expect_err("html");
    assert!(matches!(error, FetchError::BadContentType(_)), "{error:?}");
}

#[test]
fn statuses_are_classified() {
    let peer = FakePeer::start();
    peer.respond("/gone", 410, "text/plain", b"gone");
    peer.respond("/busy", 429, "text/plain", b"slow down");
    peer.respond("/broken", 503, "text/plain", b"down");
    peer.respond("/private", 403, "text/plain", b"no");
    peer.respond("/not-modified", 304, "text/plain", b"");
    let c = client();
    let get = |path: &str| c.get_activity_json(&format!("{}{path}", peer.base()), None);
    assert_eq!(get("/gone"), Err(FetchError::Gone));
    assert_eq!(get("/missing"), Err(FetchError::NotFound));
    assert_eq!(get("/busy"), Err(FetchError::Retryable(429)));
    assert_eq!(get("/broken"), Err(FetchError::Retryable(503)));
    assert_eq!(get("/private"), Err(FetchError::Status(403)));
    assert_eq!(get("/not-modified"), Err(FetchError::Status(304)));
    peer.respond("/bad-redirect", 302, "text/plain", b"");
    assert!(matches!(get("/bad-redirect"), Err(FetchError::Redirect(_))));
}

#[test]
fn our_own_host_is_never_requested() {
    let (peer, url) = peer_with_alice();
    let ours = HttpClient::new(&open_config(), &peer.base());
    assert_eq!(ours.get_activity_json(&url, None), Err(FetchError::Local));
    assert_eq!(ours.get_json(&url, "application/json"), Err(FetchError::Local));
    assert_eq!(ours.post_activity(&format!("{}/inbox", peer.base()), b"{}", None), Err(FetchError::Local));
    assert_eq!(peer.requests().len(), 0);
}

#[test]
fn the_signers_headers_arrive_and_each_attempt_is_signed_for_its_url() {
    let peer = FakePeer::start();
    let base = peer.base();
    peer.redirect("/@alice", 302, "/users/alice");
    peer.respond("/users/alice", 200, AP, &actor(&format!("{base}/users/alice")));
    let calls = RefCell::new(Vec::new());
    let signer = |method: &str, url: &url::Url, body: Option<&[u8]>| {
        calls.borrow_mut().push((method.to_string(), url.to_string(), body.map(<[u8]>::to_vec)));
        vec![
            ("Date".to_string(), "Sun, 29 Nov 2026 12:00:00 GMT".to_string()),
            ("Signature".to_string(), format!("keyId=\"k\",signed=\"{}\"", url.path())),
            // Ignored: ureq writes Host from the URL.
            ("Host".to_string(), "evil.example".to_string()),
        ]
    };
    client().get_activity_json(&format!("{base}/@alice"), Some(&signer)).expect("fetch");
    let seen = peer.requests();
    assert_eq!(seen.len(), 2);
    for (request, path) in seen.iter().zip(["/@alice", "/users/alice"]) {
        assert_eq!(request.header("date"), Some("Sun, 29 Nov 2026 12:00:00 GMT"));
        assert_eq!(request.header("signature"), Some(format!("keyId=\"k\",signed=\"{path}\"").as_str()));
        assert_eq!(request.header("host"), Some(&base["http://".len()..]));
    }
    let calls = calls.into_inner();
    assert_eq!(
        calls,
        [
            ("GET".to_string(), format!("{base}/@alice"), None),
            ("GET".to_string(), format!("{base}/users/alice"), None)
        ]
    );
}

#[test]
fn post_activity_sends_the_body_and_returns_the_status() {
    let peer = FakePeer::start();
    peer.respond("/inbox", 202, "text/plain", b"");
    peer.respond("/full", 507, "text/plain", b"");
    peer.respond("/closed", 410, "text/plain", b"");
    peer.redirect("/moved", 301, "/inbox");
    let body = br#"{"type":"Follow","actor":"http://127.0.0.1:1/@me"}"#;
    let signer = |method: &str, _: &url::Url, body: Option<&[u8]>| {
        assert_eq!(method, "POST");
        vec![("Digest".to_string(), format!("len={}", body.map_or(0, <[u8]>::len)))]
    };
    let c = client();
    let status = c.post_activity(&format!("{}/inbox", peer.base()), body, Some(&signer)).expect("post");
    assert_eq!((status, delivery_outcome(status)), (202, Outcome::Delivered));
    let seen = peer.requests();
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("POST", "/inbox"));
    assert_eq!(seen[0].body, body);
    assert_eq!(seen[0].header("content-type"), Some("application/activity+json"));
    assert_eq!(seen[0].header("digest"), Some(format!("len={}", body.len()).as_str()));
    let post = |path: &str| c.post_activity(&format!("{}{path}", peer.base()), body, None).expect(path);
    assert_eq!(delivery_outcome(post("/full")), Outcome::Retry);
    assert_eq!(delivery_outcome(post("/closed")), Outcome::Permanent);
    // A redirect is not followed for a delivery: the status comes back.
    assert_eq!(post("/moved"), 301);
    assert_eq!(peer.requests().iter().filter(|r| r.path == "/inbox").count(), 1);
}

#[test]
fn a_slow_peer_hits_the_timeout() {
    let (peer, url) = peer_with_alice();
    peer.delay("/users/alice", Duration::from_secs(3));
    let quick = HttpClient::with_timeouts(
        &open_config(),
        "http://127.0.0.1:1",
        Duration::from_millis(200),
        Duration::from_millis(300),
    );
    let started = Instant::now();
    assert_eq!(quick.get_activity_json(&url, None), Err(FetchError::Timeout));
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(peer.requests().len(), 1, "the request was sent, the answer never waited for");
    let started = Instant::now();
    peer.delay("/inbox", Duration::from_secs(3));
    assert_eq!(quick.post_activity(&format!("{}/inbox", peer.base()), b"{}", None), Err(FetchError::Timeout));
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn a_closed_port_is_a_network_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let error = client().get_activity_json(&format!("http://127.0.0.1:{port}/x"), None).expect_err("closed");
    assert!(matches!(error, FetchError::Network(_)), "{error:?}");
    assert!(error.is_retryable());
}

/// With the real signer: what arrives at the peer verifies, so the `Host`
/// ureq writes is the one signed, for a redirected GET and for a POST.
#[test]
fn requests_signed_by_the_real_signer_verify_at_the_peer() {
    use zerda::federation::{keys, signatures};
    let key = keys::generate().expect("key");
    let now = chrono::Utc::now().timestamp();
    let key_id = "http://127.0.0.1:1/relay#main-key";
    let sign = |method: &str, url: &url::Url, body: Option<&[u8]>| {
        signatures::signed_headers(method, url, body, key_id, &key.private_pem, now).expect("sign")
    };
    let peer = FakePeer::start();
    let base = peer.base();
    peer.redirect("/@alice", 302, "/users/alice");
    peer.respond("/users/alice", 200, AP, &actor(&format!("{base}/users/alice")));
    peer.respond("/inbox", 202, "text/plain", b"");
    let c = client();
    c.get_activity_json(&format!("{base}/@alice"), Some(&sign)).expect("get");
    let body = br#"{"type":"Follow"}"#;
    assert_eq!(c.post_activity(&format!("{base}/inbox"), body, Some(&sign)), Ok(202));
    let seen = peer.requests();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        let headers: Vec<(&str, &str)> =
            request.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (path, query) = match request.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (request.path.as_str(), None),
        };
        let input = signatures::VerifyInput {
            method: &request.method,
            path,
            query,
            headers: &headers,
            body: (request.method == "POST").then_some(request.body.as_slice()),
        };
        let parsed =
            signatures::parse_signature(request.header("signature").expect("signature")).expect("parse");
        signatures::verify_request(&input, &parsed, &key.public_pem, now)
            .unwrap_or_else(|e| panic!("{} {}: {e:?}", request.method, request.path));
    }
}
