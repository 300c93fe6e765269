//! Events: the form (every bad input refused with a reason, nothing saved),
//! the page (times in two zones, escaping, metadata), drafts, private events,
//! publishing and deletion (410 Gone).

use actix_web::http::StatusCode;

use crate::common::{self, world};

/// A complete, valid form as a browser sends it.
fn form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", "Board games night"),
        ("description", "Bring **your** favourite game."),
        ("begins_on", "2027-03-06T19:00"),
        ("ends_on", "2027-03-06T23:00"),
        ("timezone", "Europe/London"),
        ("category", "games"),
        ("tags", "games, night"),
        ("status", "confirmed"),
        ("visibility", "public"),
        ("join_options", "free"),
        ("comment_moderation", "allow_all"),
        ("language", "auto"),
        ("address_description", "The Crown"),
        ("address_street", "1 High Street"),
        ("address_postal_code", "N1 1AA"),
        ("address_locality", "London"),
        ("address_country", "United Kingdom"),
        ("latitude", "51.5381"),
        ("longitude", "-0.1025"),
        ("draft", "false"),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields
}

fn uuid_from(location: &str) -> String {
    location.trim_start_matches("/events/").to_string()
}

#[actix_web::test]
async fn an_organiser_creates_an_event_and_everyone_sees_it() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let form_page = app.get("/events/create").await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(form_page.body.contains("<option selected>Etc/UTC</option>"), "starts in the account's zone");
    let r = app.post("/events/create", &form(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.location().expect("redirect to the event").to_string();
    let uuid = uuid_from(&location);
    assert!(uuid::Uuid::parse_str(&uuid).is_ok(), "{location}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM events WHERE uuid = '{uuid}' AND title = 'Board games night' AND draft = 0
             AND timezone = 'Europe/London' AND begins_at = 1804359600 AND category = 'games'
             AND ap_id = 'http://zerda.test/events/{uuid}'"
        )),
        1,
        "19:00 in London in March is 19:00 UTC"
    );
    assert_eq!(app.count("SELECT count(*) FROM event_tags WHERE tag IN ('games', 'night')"), 2);
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants p JOIN events e ON e.id = p.event_id WHERE e.uuid = '{uuid}' AND p.role = 'creator' AND p.actor_id = {}", w.alice.actor_id)), 1);

    // A visitor sees the page with the time in the event's zone only.
    app.logout_browser();
    let page = app.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Saturday 6 March 2027, 19:00 – 23:00 GMT"), "{}", page.body);
    assert!(!page.body.contains("In your time zone"));
    assert!(page.body.contains("<strong>your</strong>"), "Markdown rendered");
    assert!(
        page.body.contains("openstreetmap.org/?mlat=51.5381&#38;mlon=-0.1025"),
        "map link: {}",
        page.body
    );
    assert!(
        page.body.contains("application/ld+json")
            && page.body.contains("\"startDate\":\"2027-03-06T19:00:00+00:00\"")
    );
    assert!(page.body.contains("og:title"));
    assert!(!page.body.contains("noindex"), "public events are indexed");
    assert!(page.body.contains("Log in to participate"));

    // Bob, whose setting is Europe/Paris, sees both times.
    app.login(&w.bob.email, world::PASSWORD).await;
    let r = app.post("/settings", &[("locale", "en"), ("timezone", "Europe/Paris")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&location).await;
    assert!(page.body.contains("Saturday 6 March 2027, 19:00 – 23:00 GMT"));
    assert!(
        page.body
            .contains("In your time zone: Saturday 6 March 2027, 20:00 – Sunday 7 March 2027, 00:00 CET"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn every_bad_input_is_refused_with_a_reason_and_nothing_is_saved() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let long = "x".repeat(200_000);
    let eleven = (1..=11).map(|i| format!("tag{i}")).collect::<Vec<_>>().join(",");
    let cases: Vec<(&str, &str, &str)> = vec![
        ("ends_on", "2027-03-06T18:00", "The end must come after the beginning."),
        ("timezone", "Mars/Olympus", "Choose a time zone from the list."),
        ("begins_on", "2027-02-31T19:00", "This is not a valid date and time"),
        ("maximum_attendee_capacity", "-1", "Enter a whole number of places"),
        ("description", &long, "A description has at most 100 000 characters."),
        ("tags", &eleven, "An event has at most 10 tags."),
        ("online_address", "javascript:alert(1)", "Enter a full web address"),
        ("ticket_url", "javascript:alert(1)", "Enter a full web address"),
        ("external_participation_url", "data:text/html,x", "Enter a full web address"),
        ("title", "   ", "Give the event a title."),
        ("category", "nonsense", "Choose one of the options."),
        ("visibility", "secret", "Choose one of the options."),
        ("latitude", "91", "Enter a number in degrees"),
        ("begins_on", "2027-03-28T01:30", "This time does not exist in this time zone"),
    ];
    for (field, value, message) in cases {
        let before = app.fingerprint();
        let r = app.post("/events/create", &form(&[(field, value)])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:.40}");
        assert!(r.body.contains(message), "{field}: {message} missing");
        assert!(r.body.contains("aria-invalid=\"true\""), "{field}: the field is marked");
        assert_eq!(app.fingerprint(), before, "{field}: nothing saved");
    }
    // The form comes back with what was typed.
    let r = app.post("/events/create", &form(&[("maximum_attendee_capacity", "-1")])).await;
    assert!(r.body.contains("value=\"Board games night\""));
}

#[actix_web::test]
async fn markup_and_scripts_are_escaped_or_stripped_everywhere_they_are_shown() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let attack = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
    let fields = form(&[
        ("title", attack),
        ("description", "<script>alert(2)</script>\n\n[x](javascript:alert(3)) <img src=x onerror=alert(4)>"),
        ("tags", "<b>x</b>, \"'><i>"),
        ("address_description", attack),
        ("address_street", attack),
        ("address_locality", attack),
        ("address_region", attack),
        ("address_country", attack),
        ("address_postal_code", attack),
    ]);
    let r = app.post("/events/create", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location().expect("event")).await;
    assert!(!page.body.contains("<script>alert"), "no live script");
    assert!(!page.body.contains("<img src=x"), "no injected tag");
    assert!(!page.body.contains("href=\"javascript"), "no script link");
    assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "the title is shown as text");
    // The JSON-LD block holds the title without a way to close the element.
    let json_ld = page.body.split("application/ld+json\">").nth(1).and_then(|s| s.split("</script>").next());
    assert!(json_ld.is_some_and(|j| !j.contains('<')), "{json_ld:?}");
}

#[actix_web::test]
async fn drafts_and_private_events_are_not_there_for_others() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let draft = world::create_event(
        app.db(),
        &app.state.urls,
        w.alice.actor_id,
        &world::event_input("Secret draft"),
        true,
        common::T0,
    );
    let private = app.event_by(
        w.alice.actor_id,
        zerda::domain::events::EventInput {
            visibility: "private".into(),
            ..world::event_input("Private dinner")
        },
    );
    let unknown = app.get("/events/00000000-0000-4000-8000-000000000000").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    for uuid in [&draft, &private] {
        for path in [
            format!("/events/{uuid}"),
            format!("/events/{uuid}/export/ics"),
            format!("/events/{uuid}/participants"),
        ] {
            let r = app.get(&path).await;
            assert!(
                r.status == StatusCode::NOT_FOUND || r.status == StatusCode::SEE_OTHER,
                "visitor {path}: {}",
                r.status
            );
        }
        let page = app.get(&format!("/events/{uuid}")).await.body;
        assert_eq!(
            page.replace(uuid.as_str(), "x"),
            unknown.body.replace("00000000-0000-4000-8000-000000000000", "x"),
            "identical to an unknown id"
        );
    }
    app.login(&w.bob.email, world::PASSWORD).await;
    for uuid in [&draft, &private] {
        assert_eq!(app.get(&format!("/events/{uuid}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/events/{uuid}/edit")).await.status, StatusCode::NOT_FOUND);
        let before = app.fingerprint();
        assert_eq!(app.post(&format!("/events/{uuid}/join"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.post(&format!("/events/{uuid}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.fingerprint(), before);
    }
    // Someone else's public event cannot be edited either.
    assert_eq!(app.get(&format!("/events/{}/edit", w.event)).await.status, StatusCode::NOT_FOUND);
    let r = app.post(&format!("/events/{}/edit", w.event), &form(&[("title", "Taken over")])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let page = app.get(&format!("/events/{draft}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("noindex") && page.body.contains("Draft"));
    let private_page = app.get(&format!("/events/{private}")).await;
    assert!(private_page.body.contains("noindex"));
    let r = app.post(&format!("/events/{draft}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.logout_browser();
    assert_eq!(app.get(&format!("/events/{draft}")).await.status, StatusCode::OK, "published");
}

#[actix_web::test]
async fn unlisted_events_open_by_link_but_ask_not_to_be_indexed() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let uuid = app.event_by(
        w.alice.actor_id,
        zerda::domain::events::EventInput {
            visibility: "unlisted".into(),
            ..world::event_input("By link only")
        },
    );
    let page = app.get(&format!("/events/{uuid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert_eq!(page.header("x-robots-tag"), Some("noindex"));
    assert_eq!(app.get(&format!("/events/{}", w.event)).await.header("x-robots-tag"), None, "public");
}

#[actix_web::test]
async fn editing_keeps_the_event_and_tells_participants_of_important_changes() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.post(&format!("/events/{}/join", w.event), &[]).await.status, StatusCode::SEE_OTHER);
    app.deliver_mail();
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let edit = app.get(&format!("/events/{}/edit", w.event)).await;
    assert!(edit.body.contains("value=\"Picnic in the park\"") && edit.body.contains("2027-06-12T12:00"));
    // Same time and place, new words: no mail.
    let path = format!("/events/{}/edit", w.event);
    let same_place = [
        ("title", "Picnic in the park"),
        ("address_description", "Hyde Park"),
        ("address_street", ""),
        ("address_postal_code", ""),
        ("address_country", ""),
        ("latitude", ""),
        ("longitude", ""),
    ];
    let mut fields = form(&same_place);
    fields.extend([("begins_on", "2027-06-12T12:00"), ("ends_on", "2027-06-12T15:00")]);
    let r = app.post(&path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mails = app.deliver_mail();
    assert!(!mails.iter().any(|m| m.contains("has changed")), "no mail for new words");
    // A new time: bob is told.
    let mut fields = form(&same_place);
    fields.extend([("begins_on", "2027-06-13T12:00"), ("ends_on", "2027-06-13T15:00")]);
    let r = app.post(&path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = app.deliver_mail();
    let new: Vec<_> = after.iter().skip(mails.len()).collect();
    assert_eq!(new.len(), 1, "one mail, to bob");
    assert!(new[0].contains("To: bob@example.org") && new[0].contains("has changed"), "{}", new[0]);
    assert_eq!(app.count("SELECT sequence FROM events WHERE title = 'Picnic in the park'"), 1);
}

#[actix_web::test]
async fn a_deleted_event_answers_410_and_its_participants_are_told() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("/events/{}/join", w.event), &[]).await;
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app.post(&format!("/events/{}/delete", w.event), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/events/{}", w.event)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert_eq!(app.count("SELECT count(*) FROM participants"), 0);
    assert_eq!(app.count("SELECT count(*) FROM events WHERE deleted_at IS NOT NULL AND title = ''"), 1);
    let mails = app.deliver_mail();
    assert!(mails.iter().any(|m| m.contains("To: bob@example.org") && m.contains("is cancelled")));
    // Deleting again, or editing the tombstone, finds nothing to do.
    assert_eq!(app.post(&format!("/events/{}/delete", w.event), &[]).await.status, StatusCode::GONE);
}

#[actix_web::test]
async fn duplicating_fills_the_form_without_saving() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.get(&format!("/events/{}/duplicate", w.event)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("value=\"Picnic in the park\"") && r.body.contains("action=\"/events/create\""));
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn my_events_lists_by_role_and_time_and_the_calendar_shows_the_month() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let restricted = app.event_by(
        w.alice.actor_id,
        zerda::domain::events::EventInput {
            join_options: "restricted".into(),
            ..world::event_input("Choir rehearsal")
        },
    );
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("/events/{}/join", w.event), &[]).await;
    app.post(&format!("/events/{restricted}/join"), &[]).await;
    let all = app.get("/events/me").await;
    assert!(all.body.contains("Picnic in the park") && all.body.contains("Choir rehearsal"));
    let going = app.get("/events/me?filter=going").await;
    assert!(going.body.contains("Picnic in the park") && !going.body.contains("Choir rehearsal"));
    let pending = app.get("/events/me?filter=pending").await;
    assert!(!pending.body.contains("Picnic in the park") && pending.body.contains("Choir rehearsal"));
    assert!(!app.get("/events/me?filter=organising").await.body.contains("Picnic in the park"));
    assert!(!app.get("/events/me?past=true").await.body.contains("Picnic in the park"), "not over yet");
    let old = zerda::domain::events::EventInput {
        begins_on: "2026-01-10T10:00".into(),
        ends_on: "2026-01-10T12:00".into(),
        ..world::event_input("Last winter walk")
    };
    app.event_by(w.bob.actor_id, old);
    let past = app.get("/events/me?past=true").await;
    assert!(past.body.contains("Last winter walk") && !past.body.contains("Picnic"), "{}", past.body);
    assert!(!app.get("/events/me").await.body.contains("Last winter"));
    assert!(app.get("/events/me?filter=organising&past=true").await.body.contains("Last winter"));

    // June 2027 holds the picnic (12:00 in London is 11:00 UTC, the viewer's zone); the next month does not.
    let june = app.get("/events/calendar?month=2027-06").await;
    assert_eq!(june.status, StatusCode::OK);
    assert!(june.body.contains("Picnic in the park") && june.body.contains(">11:00<"), "{}", june.body);
    assert!(!app.get("/events/calendar?month=2027-07").await.body.contains("Picnic in the park"));
    assert_eq!(app.get("/events/calendar?month=June").await.status, StatusCode::BAD_REQUEST);
    // Visitors see public events too.
    app.logout_browser();
    assert!(app.get("/events/calendar?month=2027-06").await.body.contains("Picnic in the park"));
    assert_eq!(app.get("/events/me").await.status, StatusCode::SEE_OTHER, "log in first");
    // The home page lists upcoming public events, not past ones.
    let home = app.get("/").await;
    assert!(home.body.contains("Picnic in the park") && !home.body.contains("Last winter"));
}

#[actix_web::test]
async fn a_configured_geocoder_fills_in_coordinates_once_per_address() {
    let geocoder = common::peer::FakePeer::start();
    geocoder.respond(
        "/search",
        200,
        "application/json",
        br#"[{"lat": "51.5381", "lon": "-0.1025", "display_name": "1 High Street, London"}]"#,
    );
    let base = geocoder.base();
    let mut app = common::app_with(|c| {
        c.geocoding.provider = "nominatim".into();
        c.geocoding.url = base.clone();
    })
    .await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let without_point = form(&[("latitude", ""), ("longitude", "")]);
    for _ in 0..2 {
        let r = app.post("/events/create", &without_point).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(app.count("SELECT count(*) FROM events WHERE latitude = 51.5381 AND longitude = -0.1025"), 2);
    let asked = geocoder.requests();
    assert_eq!(asked.len(), 1, "the second event used the cache");
    assert!(
        asked[0].path.starts_with("/search?q=1+high+street%2C+n1+1aa%2C+london%2C+united+kingdom"),
        "{}",
        asked[0].path
    );
    assert!(asked[0].header("user-agent").is_some_and(|ua| ua.starts_with("zerda/")));
    // Coordinates typed by the organiser win; no request is made.
    app.post("/events/create", &form(&[("address_street", "2 Low Road")])).await;
    assert_eq!(geocoder.requests().len(), 1);
    // A service that fails leaves the event without coordinates, and the form succeeds.
    geocoder.respond("/search", 500, "text/plain", b"down");
    let r = app
        .post(
            "/events/create",
            &form(&[("latitude", ""), ("longitude", ""), ("address_street", "3 Side St")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM events WHERE address_street = '3 Side St' AND latitude IS NULL"),
        1
    );
}

#[actix_web::test]
async fn an_event_picture_is_re_encoded_and_shown() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let png = crate::uploads::png(1200, 400);
    let r = app.post_multipart("/events/create", &form(&[]), &[("banner", "banner.png", &png)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location().expect("event")).await;
    let start =
        page.body.find("class=\"banner\" src=\"").expect("picture shown") + "class=\"banner\" src=\"".len();
    let src = page.body[start..].split('"').next().unwrap_or_default().to_string();
    assert!(src.starts_with("/media/"), "{src}");
    assert!(page.body.contains(&format!("<meta property=\"og:image\" content=\"http://zerda.test{src}\">")));
    assert_eq!(app.get(&src).await.status, StatusCode::OK);
    // Not a picture: refused with a reason, nothing saved.
    let before = app.fingerprint();
    let r = app.post_multipart("/events/create", &form(&[]), &[("banner", "x.png", b"not an image")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn a_search_for_a_word_most_events_share_is_as_a_search_for_a_rare_one() {
    let mut app = common::app().await;
    let now = common::T0;
    for n in 0..5 {
        world::create_account(
            app.db(),
            &app.state.urls,
            &format!("seed_{n}"),
            zerda::db::users::Role::User,
            now,
        );
    }
    // 260 events, all with the tag "community" (more than the 200 from which
    // a search walks the events by date); one in six a picnic (fewer).
    zerda::domain::seed::events(app.db(), &app.state.urls, 260, now).expect("seeded");
    let w = world::standard(app.db(), &app.state.urls, now);
    app.login(&w.alice.email, world::PASSWORD).await;
    // Tomorrow morning, before any seeded event: a private one, a draft and a public one.
    for (title, visibility, draft) in [
        ("Community secret", "private", "false"),
        ("Community draft", "public", "true"),
        ("Community breakfast", "public", "false"),
    ] {
        let mut f = form(&[("title", title), ("visibility", visibility), ("draft", draft)]);
        f.retain(|(k, _)| *k != "begins_on" && *k != "ends_on");
        f.push(("begins_on", "2026-11-30T06:00"));
        assert_eq!(app.post("/events/create", &f).await.status, StatusCode::SEE_OTHER, "{title}");
    }
    let search = |q: &str, past: bool| {
        let fts = zerda::db::events::search_query(q).expect("words");
        app.db()
            .read_blocking(move |c| zerda::db::events::search_public(c, &fts, now, past, 20))
            .expect("search")
    };
    for (q, matches) in [("community", 261), ("picnic", 44)] {
        let found = search(q, false);
        assert_eq!(found.len(), 20, "{q}: a full page of {matches} matches");
        assert!(
            found.windows(2).all(|p| (p[0].begins_at, p[0].id) < (p[1].begins_at, p[1].id)),
            "{q}: by date"
        );
        assert!(found.iter().all(|e| e.visibility == "public" && !e.draft), "{q}");
        assert!(!found.iter().any(|e| e.title.contains("secret") || e.title.contains("draft")), "{q}");
        // Nothing listed is skipped: the first is the earliest public match.
        let first = app.count_text(&format!(
            "SELECT e.title FROM events e WHERE e.id IN (SELECT rowid FROM events_search WHERE events_search MATCH '\"{q}\"*')
             AND e.visibility = 'public' AND e.draft = 0 AND e.deleted_at IS NULL ORDER BY e.begins_at, e.id LIMIT 1"
        ));
        assert_eq!(found[0].title, first, "{q}");
    }
    assert_eq!(search("community", false)[0].title, "Community breakfast");
}
