//! Avatar and banner uploads (SECURITY.md 2.7, W-06): sniffed, size- and
//! pixel-capped, turned upright, re-encoded without metadata, served safely.

use std::io::Cursor;

use actix_web::http::StatusCode;

use crate::common::{self, world};

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = Vec::new();
    picture.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).expect("encode");
    out
}

/// A JPEG with an EXIF block: orientation 6 (turn 90°) and a GPS-like secret.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 40]));
    let mut plain = Vec::new();
    picture.write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg).expect("encode");
    let mut tiff = vec![0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00];
    tiff.extend_from_slice(&[0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPSLatitude 48.8566N SECRET-HOME");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let length = u16::try_from(payload.len() + 2).expect("small");
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A tiny PNG whose header claims 30 000 × 30 000 pixels (a decompression bomb's shape).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out.extend_from_slice(&[0; 2000]);
    out
}

fn media_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[actix_web::test]
async fn an_avatar_is_reencoded_without_metadata_and_served_safely() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let photo = jpeg_with_exif(300, 200);
    let banner = jpeg_with_exif(400, 200);
    let r = app
        .post_multipart(
            "/settings/profiles/alice",
            &[("display_name", "Alice"), ("summary", "")],
            &[("avatar", "me.jpg", &photo), ("banner", "wide.jpg", &banner)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/@alice").await;
    let start = page.body.find("/media/").expect("the profile shows its avatar");
    let url: String = page.body[start..].chars().take_while(|c| *c != '"').collect();
    let served = app.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.header("content-security-policy"), Some("default-src 'none'; sandbox"));
    // The stored files carry no EXIF, no GPS, and the banner was turned upright.
    for entry in std::fs::read_dir(app.state.config.media_dir()).expect("media dir").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"), "EXIF removed");
        assert!(!bytes.windows(11).any(|w| w == b"SECRET-HOME"), "hidden data removed");
    }
    let banner_size: (i64, i64) = app
        .db()
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT m.width, m.height FROM media m JOIN actors a ON a.banner_id = m.id WHERE a.preferred_username = 'alice'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .expect("banner row");
    assert_eq!(banner_size, (200, 400), "orientation 6 applied: 400 × 200 becomes 200 × 400");
    let avatar_size = app.count("SELECT m.width FROM media m JOIN actors a ON a.avatar_id = m.id WHERE a.preferred_username = 'alice'");
    assert_eq!(avatar_size, 400);
}

#[actix_web::test]
async fn bad_uploads_are_explained_and_store_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let too_big = {
        let mut bytes = png(10, 10);
        bytes.resize(2 * 1024 * 1024 + 1, 0);
        bytes
    };
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let json = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Person"}"#.to_vec();
    let bomb = png_claiming(30_000, 30_000);
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("svg", svg, "Only JPEG, PNG, WebP and GIF"),
        ("json", json, "Only JPEG, PNG, WebP and GIF"),
        ("html", b"<html><body>hi</body></html>".to_vec(), "Only JPEG, PNG, WebP and GIF"),
        ("bomb", bomb, "too many pixels"),
        ("big", too_big, "This file is too large."),
    ];
    for (what, bytes, message) in cases {
        let before = app.fingerprint();
        let r = app
            .post_multipart(
                "/settings/profiles/alice",
                &[("display_name", "Alice")],
                &[("avatar", "../../x.png", &bytes)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(r.body.contains(message), "{what}: expected {message:?}");
        assert!(r.body.contains("id=\"avatar-error\""), "{what}");
        assert_eq!(app.fingerprint(), before, "{what}: nothing stored");
        assert_eq!(media_files(&app.state.config.media_dir()), 0, "{what}: no file written");
    }
    // Beyond everything the form may carry: refused before reading further.
    let huge = vec![0u8; 7 * 1024 * 1024];
    let r = app.post_multipart("/settings/profiles/alice", &[], &[("banner", "huge.png", &huge)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(media_files(&app.state.config.media_dir()), 0);
}

#[actix_web::test]
async fn a_multipart_form_without_a_valid_token_is_refused() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"display_name\"\r\n\r\nHacked\r\n--{boundary}--\r\n"
    );
    let r = app
        .request(
            actix_web::test::TestRequest::post()
                .uri("/settings/profiles/alice")
                .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
                .set_payload(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn a_new_profile_can_start_with_an_avatar() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let picture = png(64, 64);
    let r = app
        .post_multipart(
            "/settings/profiles",
            &[("username", "alice_club"), ("display_name", "Club")],
            &[("avatar", "a.png", &picture)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM actors WHERE preferred_username = 'alice_club' AND avatar_id IS NOT NULL"
        ),
        1
    );
    assert_eq!(media_files(&app.state.config.media_dir()), 1);
}

#[actix_web::test]
async fn only_stored_media_names_are_served() {
    let mut app = common::app().await;
    for path in ["/media/../zerda.db", "/media/zerda.db", &format!("/media/{}.jpg", "a".repeat(43))] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[actix_web::test]
async fn a_replaced_avatar_is_removed_after_two_days() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let first = png(32, 32);
    let second = png(40, 40);
    app.post_multipart(
        "/settings/profiles/alice",
        &[("display_name", "Alice")],
        &[("avatar", "1.png", &first)],
    )
    .await;
    app.post_multipart(
        "/settings/profiles/alice",
        &[("display_name", "Alice")],
        &[("avatar", "2.png", &second)],
    )
    .await;
    assert_eq!(app.count("SELECT count(*) FROM media"), 2);
    assert_eq!(media_files(&app.state.config.media_dir()), 2);
    let old_name: String = app
        .db()
        .read_blocking(|c| {
            Ok(c.query_row("SELECT file_name FROM media ORDER BY id LIMIT 1", [], |r| r.get(0))?)
        })
        .expect("old picture");
    assert_eq!(
        app.get(&format!("/media/{old_name}")).await.status,
        StatusCode::NOT_FOUND,
        "a replaced picture is not served"
    );
    let ctx = app.jobs();
    zerda::jobs::prepare(&ctx).expect("chores");
    app.clock.advance(49 * 3600);
    zerda::jobs::run_due(&ctx).expect("run");
    assert_eq!(app.count("SELECT count(*) FROM media"), 1, "the replaced picture's row is gone");
    assert_eq!(
        app.count("SELECT count(*) FROM media m JOIN actors a ON a.avatar_id = m.id"),
        1,
        "the current one stays"
    );
    assert_eq!(media_files(&app.state.config.media_dir()), 1, "and so is its file");
}

#[actix_web::test]
async fn a_deleted_profiles_pictures_are_no_longer_served() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let picture = png(32, 32);
    app.post_multipart("/settings/profiles", &[("username", "alice_side")], &[("avatar", "a.png", &picture)])
        .await;
    let name: String = app
        .db()
        .read_blocking(|c| Ok(c.query_row("SELECT file_name FROM media", [], |r| r.get(0))?))
        .expect("picture");
    assert_eq!(app.get(&format!("/media/{name}")).await.status, StatusCode::OK);
    app.post("/settings/profiles/alice_side/delete", &[]).await;
    assert_eq!(app.get(&format!("/media/{name}")).await.status, StatusCode::NOT_FOUND);
}
