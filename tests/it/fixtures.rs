//! Other servers' real payloads (`tests/fixtures/interop/`, copied from
//! Mobilizon's test suite; INDEX.md says what each must do), read by our
//! parsers. The inbox tests apply them; these check what we read.

use serde_json::Value;
use zerda::federation::objects::remote_actor::parse_actor;
use zerda::federation::objects::remote_event::parse_event;

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interop").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_json_fixture_is_json() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interop");
    let mut seen = 0;
    for sub in ["", "nodeinfo", "webfinger"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("fixtures").flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("read");
                assert!(serde_json::from_str::<Value>(&text).is_ok(), "{}", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 40, "{seen} JSON fixtures");
}

#[test]
fn actors_of_mastodon_gancio_and_mobilizon_are_read() {
    let mastodon = parse_actor(&fixture("mastodon-actor.json")).expect("mastodon actor");
    assert_eq!(mastodon.kind, "Person");
    assert_eq!(mastodon.ap_id, "https://framapiaf.org/users/peertube");
    assert_eq!(mastodon.domain, "framapiaf.org");
    assert_eq!(mastodon.preferred_username, "peertube");
    assert_eq!(mastodon.shared_inbox.as_deref(), Some("https://framapiaf.org/inbox"));
    assert!(mastodon.public_key_pem.as_deref().is_some_and(|k| k.contains("BEGIN PUBLIC KEY")));
    assert!(mastodon.avatar_url.is_some() && mastodon.banner_url.is_some(), "icon and header image");
    let gancio = parse_actor(&fixture("gancio-actor.json")).expect("gancio actor");
    assert_eq!(gancio.kind, "Application", "Gancio's instance actor is a valid actor");
    let tcit = parse_actor(&fixture("mastodon-tcit-tcit.json")).expect("tcit");
    assert_eq!(tcit.preferred_username, "tcit");
    assert!(!tcit.summary.contains("<script"), "summaries are sanitised");
}

#[test]
fn mobilizon_events_are_read_with_address_and_online_link() {
    let activity = fixture("mobilizon-post-activity.json");
    let event = parse_event(&activity["object"]).expect("event");
    assert_eq!(event.ap_id, "https://mobilizon.fr/events/39a0c4a6-f2b6-41dc-bbe2-fc5bff76cc93");
    assert_eq!(event.fields.title, "My first event");
    assert_eq!(event.organizer, "https://mobilizon.fr/@metacartes");
    assert_eq!(event.attributed_to, None, "attributedTo is the organiser");
    assert_eq!(event.fields.address.street, "10 Rue Jangot");
    assert_eq!(event.fields.address.locality, "Lyon");
    assert_eq!(event.fields.address.description, "Locaux de Framasoft");
    assert_eq!(event.fields.online_address, "https://google.com/", "the Link named Website");
    assert_eq!(event.fields.visibility, "public");
    assert_eq!(event.fields.category, "meeting", "an unknown category becomes meeting");
    assert_eq!(event.fields.status, "confirmed");
    assert_eq!(event.fields.begins_at, 1_518_444_500);
    assert!(!event.fields.description.contains("class="), "remote HTML goes through our allowlist");
    let group = parse_event(&fixture("mobilizon-post-activity-group.json")["object"]).expect("group event");
    assert!(group.attributed_to.is_some(), "a group event keeps its group");
}

#[test]
fn banners_are_picked_in_mobilizon_order() {
    let named = parse_event(&fixture("mobilizon-post-activity-media-2.json")["object"]).expect("media-2");
    let image = parse_event(&fixture("mobilizon-post-activity-media-1.json")["object"]).expect("media-1");
    let first = parse_event(&fixture("mobilizon-post-activity-media.json")["object"]).expect("media");
    for (event, what) in
        [(&named, "named Banner"), (&image, "the image property"), (&first, "the first Document")]
    {
        assert!(event.banner_url.is_some(), "banner from {what}");
    }
    let media2 = fixture("mobilizon-post-activity-media-2.json");
    let banner = media2["object"]["attachment"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "Banner"))
        .and_then(|x| x["url"].as_str().map(str::to_string));
    assert_eq!(named.banner_url, banner.map(|b| url::Url::parse(&b).expect("url").to_string()));
}

#[test]
fn gancio_events_keep_their_local_time() {
    let event = parse_event(&fixture("gancio-event-activity.json")["object"]).expect("gancio event");
    assert_eq!(event.fields.title, "Demo event");
    // 2021-07-14T17:30:57+02:00 is 15:30:57 UTC.
    assert_eq!(event.fields.begins_at, 1_626_276_657);
    assert_eq!(event.fields.timezone, "Etc/GMT-2", "no timezone given: the offset keeps times right");
    assert_eq!(event.fields.tags, vec!["test"]);
    assert_eq!(event.fields.address.description, "Colosseo", "a location that is only a name");
    assert_eq!(event.fields.visibility, "public");
}

#[test]
fn objects_that_are_not_events_or_actors_are_refused() {
    assert!(parse_event(&fixture("mastodon-status.json")).is_err());
    assert!(parse_event(&fixture("peertube-video.json")).is_err());
    assert!(parse_actor(&fixture("mastodon-status.json")).is_err());
    let mut bad = fixture("mobilizon-post-activity.json")["object"].clone();
    bad["endTime"] = Value::String("2000-01-01T00:00:00Z".into());
    assert!(parse_event(&bad).is_err(), "ends before it begins");
    bad["endTime"] = Value::Null;
    bad["startTime"] = Value::String("3000-01-01T00:00:00Z".into());
    assert!(parse_event(&bad).is_err(), "years past 2200 are refused");
}
