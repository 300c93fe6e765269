//! Another server's `Event`, read the way Mobilizon reads one (reference
//! b5 "In"): Mobilizon's own shape, Gancio's (a location that is only a
//! name, times with an offset and no `timezone`), and everything in between.

use serde_json::Value;

use crate::db::events::{Address, EventFields, Metadata};
use crate::federation::parse::{self, ParseError, error, text};

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteEvent {
    pub ap_id: String,
    pub url: String,
    pub uuid: Option<String>,
    /// Who organises (the `actor`, else `attributedTo`).
    pub organizer: String,
    /// A group the event belongs to, when `attributedTo` differs from `actor`.
    pub attributed_to: Option<String>,
    /// What we store of it, as an event form would. Anonymous participation
    /// happens on the event's own instance, never here, so it is off in our copy.
    pub fields: EventFields,
    pub banner_url: Option<String>,
    pub draft: bool,
    pub published_at: Option<i64>,
    pub updated_at: Option<i64>,
}

fn status_of(object: &Value) -> &'static str {
    match text(object, "status")
        .or_else(|| text(object, "ical:status"))
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("TENTATIVE") => "tentative",
        Some("CANCELLED") => "cancelled",
        _ => "confirmed",
    }
}

fn join_options_of(object: &Value) -> &'static str {
    match text(object, "joinMode") {
        Some("restricted") | Some("invite") => "restricted",
        Some("external") => "external",
        _ => "free",
    }
}

fn moderation_of(object: &Value) -> &'static str {
    match text(object, "repliesModerationOption") {
        Some("closed") => "closed",
        Some("moderated") => "moderated",
        Some(_) => "allow_all",
        None if object.get("commentsEnabled").and_then(Value::as_bool) == Some(false) => "closed",
        None => "allow_all",
    }
}

fn float(v: Option<&Value>) -> Option<f64> {
    let v = v?;
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).filter(|f: &f64| f.is_finite())
}

/// `location`: a Place (its `address` an object or a string), a bare object
/// with a name (Gancio), or a string.
pub fn address_of(object: &Value) -> Address {
    let Some(location) = object.get("location").and_then(|l| parse::many(l).into_iter().next()) else {
        return Address::default();
    };
    let part = |v: &Value, key: &str| text(v, key).map(|s| parse::plain(s, 200)).unwrap_or_default();
    if let Some(s) = location.as_str() {
        return Address { description: parse::plain(s, 200), ..Address::default() };
    }
    let mut address = Address { description: part(location, "name"), ..Address::default() };
    match location.get("address") {
        Some(Value::String(s)) => address.street = parse::plain(s, 200),
        Some(a @ Value::Object(_)) => {
            address.street = part(a, "streetAddress");
            address.postal_code = part(a, "postalCode");
            address.locality = part(a, "addressLocality");
            address.region = part(a, "addressRegion");
            address.country = part(a, "addressCountry");
        }
        _ => {}
    }
    let lat = float(location.get("latitude")).filter(|v| v.abs() <= 90.0);
    let lon = float(location.get("longitude")).filter(|v| v.abs() <= 180.0);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        address.latitude = Some(lat);
        address.longitude = Some(lon);
    }
    address
}

/// The time zone: `timezone` when it is a zone we know, else the whole-hour
/// offset of `startTime` as an `Etc/GMT±N` zone (so times read right), else UTC.
fn timezone_of(object: &Value, start: &str) -> String {
    if let Some(zone) = text(object, "timezone").and_then(crate::time::parse_zone) {
        return zone.name().to_string();
    }
    match parse::offset_seconds(start) {
        Some(0) | None => "Etc/UTC".into(),
        Some(s) if s % 3600 == 0 => {
            // IANA's Etc zones count the other way: UTC+2 is Etc/GMT-2.
            let name = format!("Etc/GMT{:+}", -s / 3600);
            crate::time::parse_zone(&name).map(|z| z.name().to_string()).unwrap_or_else(|| "Etc/UTC".into())
        }
        Some(_) => "Etc/UTC".into(),
    }
}

/// The banner: the attachment named "Banner", else `image`, else the first
/// Document or Image attachment (Mobilizon's order).
fn banner_of(object: &Value) -> Option<String> {
    let attachments = object.get("attachment").map(parse::many).unwrap_or_default();
    let url_of = |v: &Value| -> Option<String> {
        let u = match v.get("url") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                parse::id_of(other).or_else(|| other.get("href").and_then(Value::as_str))?.to_string()
            }
            None => text(v, "href")?.to_string(),
        };
        parse::url(&u).map(|u| u.to_string())
    };
    attachments
        .iter()
        .find(|a| text(a, "name") == Some("Banner"))
        .and_then(|a| url_of(a))
        .or_else(|| object.get("image").and_then(|i| parse::many(i).into_iter().next()).and_then(url_of))
        .or_else(|| {
            attachments
                .iter()
                .find(|a| parse::is_type(a, "Document") || parse::is_type(a, "Image"))
                .and_then(|a| url_of(a))
        })
}

pub fn parse_event(object: &Value) -> Result<RemoteEvent, ParseError> {
    if !parse::is_type(object, "Event") {
        return error(format!("not an Event: {:?}", parse::type_of(object)));
    }
    let ap_id = text(object, "id")
        .and_then(parse::url)
        .ok_or_else(|| ParseError("event without a usable id".into()))?
        .to_string();
    let organizer = object
        .get("actor")
        .and_then(parse::id_of)
        .or_else(|| object.get("attributedTo").and_then(parse::id_of))
        .ok_or_else(|| ParseError("event without an organiser".into()))?
        .to_string();
    let attributed =
        object.get("attributedTo").and_then(parse::id_of).filter(|a| *a != organizer).map(str::to_string);
    let start = text(object, "startTime").ok_or_else(|| ParseError("event without startTime".into()))?;
    let begins_at = parse::instant(start).ok_or_else(|| ParseError("bad startTime".into()))?;
    let ends_at = text(object, "endTime").and_then(parse::instant);
    if ends_at.is_some_and(|e| e < begins_at) {
        return error("the event ends before it begins");
    }
    let title = text(object, "name").map(|n| parse::plain(n, parse::NAME_MAX)).unwrap_or_default();
    if title.is_empty() {
        return error("event without a name");
    }
    let content: String =
        text(object, "content").unwrap_or_default().chars().take(parse::CONTENT_MAX).collect();
    let addressed: Vec<&str> =
        ["to", "cc"].iter().flat_map(|k| object.get(*k).map(parse::ids_of).unwrap_or_default()).collect();
    let visibility =
        if object.get("to").map(parse::ids_of).unwrap_or_default().into_iter().any(parse::is_public) {
            "public"
        } else if addressed.into_iter().any(parse::is_public) {
            "unlisted"
        } else {
            "private"
        };
    let attachments = object.get("attachment").map(parse::many).unwrap_or_default();
    let online_address = attachments
        .iter()
        .find(|a| parse::is_type(a, "Link") && text(a, "name") == Some("Website"))
        .and_then(|a| text(a, "href"))
        .and_then(parse::url)
        .map(|u| u.to_string())
        .unwrap_or_default();
    let metadata = attachments
        .iter()
        .filter(|a| parse::is_type(a, "PropertyValue"))
        .filter_map(|a| {
            let key = text(a, "propertyID")?;
            let value = match a.get("value")? {
                Value::String(s) => parse::plain(s, 2000),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            key.starts_with("mz:").then(|| Metadata { key: parse::plain(key, 100), value })
        })
        .take(50)
        .collect();
    let mut tags: Vec<String> = Vec::new();
    for tag in object.get("tag").map(parse::many).unwrap_or_default() {
        if parse::is_type(tag, "Hashtag")
            && let Some(name) = text(tag, "name")
        {
            let name = parse::plain(name.trim_start_matches('#'), 40);
            if !name.is_empty()
                && !tags.iter().any(|t| t.to_lowercase() == name.to_lowercase())
                && tags.len() < 10
            {
                tags.push(name);
            }
        }
    }
    let category = text(object, "category")
        .and_then(|c| crate::domain::event_options::category(&c.to_ascii_lowercase()))
        .unwrap_or("meeting");
    let language = text(object, "inLanguage")
        .and_then(crate::domain::event_options::language)
        .map(str::to_string)
        .unwrap_or_else(|| "und".into());
    let capacity =
        object.get("maximumAttendeeCapacity").and_then(Value::as_i64).unwrap_or(0).clamp(0, 1_000_000);
    Ok(RemoteEvent {
        url: text(object, "url").and_then(parse::url).map(|u| u.to_string()).unwrap_or_else(|| ap_id.clone()),
        uuid: text(object, "uuid").and_then(|u| uuid::Uuid::parse_str(u).ok()).map(|u| u.to_string()),
        ap_id,
        organizer,
        attributed_to: attributed,
        fields: EventFields {
            title,
            description: crate::domain::rich_text::sanitize(&content),
            description_source: String::new(),
            begins_at,
            ends_at,
            timezone: timezone_of(object, start),
            status: status_of(object),
            visibility,
            join_options: join_options_of(object),
            external_participation_url: text(object, "externalParticipationUrl")
                .and_then(parse::url)
                .map(|u| u.to_string())
                .unwrap_or_default(),
            maximum_attendee_capacity: capacity,
            anonymous_participation: false,
            comment_moderation: moderation_of(object),
            hide_number_of_participants: false,
            show_end_time: true,
            online_address,
            address: address_of(object),
            category,
            language,
            tags,
            metadata,
        },
        banner_url: banner_of(object),
        draft: object.get("draft").and_then(Value::as_bool).unwrap_or(false),
        published_at: text(object, "published").and_then(parse::instant),
        updated_at: text(object, "updated").and_then(parse::instant),
    })
}
