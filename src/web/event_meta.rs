//! Machine-readable descriptions of an event page: schema.org `Event` JSON-LD
//! for search engines (OpenGraph tags are in the template).

use serde_json::{Value, json};

use crate::db::events::Event;
use crate::domain::rich_text::html_to_text;
use crate::time::rfc3339;
use crate::urls::{self, Urls};

/// The JSON-LD block, safe to place inside `<script type="application/ld+json">`:
/// every `<` is escaped, so no text can close the element.
pub fn json_ld(event: &Event, canonical: &str, base: &Urls) -> String {
    let status = match event.status.as_str() {
        "cancelled" => "https://schema.org/EventCancelled",
        "tentative" => "https://schema.org/EventPostponed",
        _ => "https://schema.org/EventScheduled",
    };
    let online = !event.online_address.is_empty();
    let physical = !event.address.is_empty();
    let mode = match (online, physical) {
        (true, true) => "https://schema.org/MixedEventAttendanceMode",
        (true, false) => "https://schema.org/OnlineEventAttendanceMode",
        _ => "https://schema.org/OfflineEventAttendanceMode",
    };
    let mut locations = Vec::new();
    if physical {
        let a = &event.address;
        let mut place = crate::federation::objects::event::place(a, "@type");
        if let (Some(lat), Some(lon)) = (a.latitude, a.longitude) {
            place["geo"] = json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
        }
        locations.push(place);
    }
    if online {
        locations.push(json!({"@type": "VirtualLocation", "url": event.online_address}));
    }
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": html_to_text(&event.description),
        "url": canonical,
        "startDate": rfc3339(event.begins_at),
        "eventStatus": status,
        "eventAttendanceMode": mode,
        "location": locations,
        "organizer": {
            "@type": "Person",
            "name": event.organizer_name,
            "url": if event.local { base.actor(&event.organizer_username) } else { event.organizer_ap_id.clone() },
        },
    });
    if let Some(end) = event.ends_at {
        doc["endDate"] = Value::String(rfc3339(end));
    }
    if event.maximum_attendee_capacity > 0 {
        doc["maximumAttendeeCapacity"] = json!(event.maximum_attendee_capacity);
    }
    if let Some(banner) = &event.banner {
        doc["image"] = Value::String(base.absolute(&urls::media(banner)));
    }
    escape_for_script(&doc.to_string())
}

/// JSON is valid with `<`, `>` and `&` written as \u escapes; HTML then sees no markup.
fn escape_for_script(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_the_element() {
        let escaped = escape_for_script(r#"{"name":"</script><script>alert(1)</script>"}"#);
        assert!(!escaped.contains("</script"));
        let back: Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }
}
