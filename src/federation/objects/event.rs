//! An event as an ActivityPub `Event`, exactly as Mobilizon writes one
//! (`mz:` terms, times with the event's offset plus `timezone`, the address
//! as a Place, metadata as PropertyValue attachments), with a plain `summary`
//! line for microblogging readers that show nothing else.

use chrono::TimeZone;
use serde_json::{Value, json};

use crate::db::events::Event;
use crate::i18n::Tr;
use crate::time::{Timestamp, parse_zone};
use crate::urls::{self, Urls};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Counts the document reports (from the participants table).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Accepted participants.
    pub participants: i64,
}

fn zoned(at: Timestamp, zone: chrono_tz::Tz) -> String {
    zone.timestamp_opt(at, 0).single().map(|d| d.to_rfc3339()).unwrap_or_default()
}

/// A tag's slug in `/tags/<slug>` hrefs: lowercase letters and digits, dashes between words.
pub fn tag_slug(tag: &str) -> String {
    let mut slug = String::new();
    for c in tag.to_lowercase().chars() {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// "<long date> - <GMT offset> - <address>", in the event's language.
pub fn summary_line(event: &Event) -> String {
    let zone = parse_zone(&event.timezone).unwrap_or(chrono_tz::UTC);
    let tr = Tr::for_code(&event.language);
    let Some(begin) = zone.timestamp_opt(event.begins_at, 0).single() else { return String::new() };
    let mut parts = vec![
        format!("{} {}", crate::time::long_date(tr, begin.date_naive()), begin.format("%H:%M")),
        format!("GMT{}", begin.format("%:z")),
    ];
    let address = event.address.lines().join(", ");
    if !address.is_empty() {
        parts.push(address);
    }
    parts.join(" - ")
}

fn metadata_value(key: &str, value: &str) -> Value {
    if key.starts_with("mz:accessibility:live:") {
        Value::Bool(value == "true")
    } else {
        Value::String(value.to_string())
    }
}

/// The `Event` object (no `@context`: add it when serving it alone).
pub fn event_json(event: &Event, urls: &Urls, counts: Counts) -> Value {
    let zone = parse_zone(&event.timezone).unwrap_or(chrono_tz::UTC);
    let organizer = event.organizer_ap_id.clone();
    // A group's event is the group's (attributedTo) and addressed to its
    // followers and members, as Mobilizon's Audience does; the member who
    // made it stays its `actor`.
    let (attributed_to, followers) = match &event.attributed_to_ap_id {
        Some(group) => (group.clone(), vec![format!("{group}/followers"), format!("{group}/members")]),
        None => (organizer.clone(), vec![format!("{organizer}/followers")]),
    };
    let (to, cc) = match event.visibility.as_str() {
        "public" => (vec![PUBLIC.to_string()], followers),
        "unlisted" => (followers, vec![PUBLIC.to_string()]),
        _ => (followers, vec![]),
    };
    let mut attachment: Vec<Value> = event
        .metadata
        .iter()
        .map(|m| json!({ "type": "PropertyValue", "propertyID": m.key, "value": metadata_value(&m.key, &m.value) }))
        .collect();
    if let Some(banner) = &event.banner {
        let media_type = if banner.ends_with(".png") { "image/png" } else { "image/jpeg" };
        attachment.push(json!({
            "type": "Document", "name": "Banner", "mediaType": media_type,
            "url": urls.absolute(&urls::media(banner)),
        }));
    }
    if !event.online_address.is_empty() {
        attachment.push(json!({
            "type": "Link", "name": "Website", "mediaType": "text/html", "href": event.online_address,
        }));
    }
    let tags: Vec<Value> = event
        .tags
        .iter()
        .map(|t| json!({ "type": "Hashtag", "name": format!("#{t}"), "href": urls.absolute(&format!("/tags/{}", tag_slug(t))) }))
        .collect();
    let status = event.status.to_uppercase();
    let mut doc = json!({
        "type": "Event",
        "id": event.ap_id,
        "url": if event.local { urls.event(&event.uuid) } else { event.ap_id.clone() },
        "uuid": event.uuid,
        "name": event.title,
        "content": event.description,
        "mediaType": "text/html",
        "summary": summary_line(event),
        "actor": organizer,
        "attributedTo": attributed_to,
        "startTime": zoned(event.begins_at, zone),
        "timezone": zone.name(),
        "published": crate::time::rfc3339(event.published_at.unwrap_or(event.created_at)),
        "updated": crate::time::rfc3339(event.updated_at),
        "category": event.category.to_uppercase(),
        "tag": tags,
        "attachment": attachment,
        "joinMode": event.join_options,
        "participantCount": counts.participants,
        "repliesModerationOption": event.comment_moderation,
        "commentsEnabled": event.comment_moderation == "allow_all",
        "anonymousParticipationEnabled": event.anonymous_participation,
        "isOnline": !event.online_address.is_empty() && event.address.is_empty(),
        "draft": event.draft,
        "status": status,
        "ical:status": status,
        "inLanguage": event.language,
        "contacts": [],
        "to": to,
        "cc": cc,
    });
    if let Some(end) = event.ends_at {
        doc["endTime"] = Value::String(zoned(end, zone));
    }
    if event.join_options == "external" {
        doc["externalParticipationUrl"] = Value::String(event.external_participation_url.clone());
    }
    if event.maximum_attendee_capacity > 0 {
        doc["maximumAttendeeCapacity"] = json!(event.maximum_attendee_capacity);
        doc["remainingAttendeeCapacity"] =
            json!((event.maximum_attendee_capacity - counts.participants).max(0));
    }
    if !event.address.is_empty() {
        let a = &event.address;
        let mut place = place(a, "type");
        if let (Some(lat), Some(lon)) = (a.latitude, a.longitude) {
            place["latitude"] = json!(lat);
            place["longitude"] = json!(lon);
        }
        doc["location"] = place;
    }
    doc
}

/// A schema.org Place with its PostalAddress; `type_key` is `type` in
/// ActivityPub documents and `@type` in a page's JSON-LD.
pub fn place(a: &crate::db::events::Address, type_key: &str) -> Value {
    let mut address = json!({
        "streetAddress": a.street,
        "postalCode": a.postal_code,
        "addressLocality": a.locality,
        "addressRegion": a.region,
        "addressCountry": a.country,
    });
    address[type_key] = json!("PostalAddress");
    let mut place = json!({
        "name": if a.description.is_empty() { a.locality.clone() } else { a.description.clone() },
        "address": address,
    });
    place[type_key] = json!("Place");
    place
}

/// What a deleted object's URL serves (with 410 Gone).
pub fn tombstone_json(ap_id: &str, deleted_at: Timestamp) -> Value {
    json!({ "type": "Tombstone", "id": ap_id, "formerType": "Event", "deleted": crate::time::rfc3339(deleted_at) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_with_dashes() {
        assert_eq!(tag_slug("Board Games"), "board-games");
        assert_eq!(tag_slug("Fête!"), "fête");
        assert_eq!(tag_slug("--a  b--"), "a-b");
    }
}
