//! The JSON-LD `@context` of every document we serve: ActivityStreams, the
//! security vocabulary, and Mobilizon's terms inline (we never point peers at
//! a context document of our own, and never fetch one).

use serde_json::Value;

/// The `@context` value, as Mobilizon writes it (terms a peer needs to read
/// our events the way Mobilizon's own are read). Parsed once.
pub fn context() -> Value {
    static CONTEXT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    CONTEXT.get_or_init(|| serde_json::from_str(CONTEXT_JSON).unwrap_or(Value::Null)).clone()
}

const CONTEXT_JSON: &str = r#"[
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "@language": "und",
            "sc": "http://schema.org#",
            "ical": "http://www.w3.org/2002/12/cal/ical#",
            "pt": "https://joinpeertube.org/ns#",
            "toot": "http://joinmastodon.org/ns#",
            "mz": "https://joinmobilizon.org/ns#",
            "discoverable": "toot:discoverable",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "Hashtag": "as:Hashtag",
            "PropertyValue": "sc:PropertyValue",
            "propertyID": "sc:propertyID",
            "value": "sc:value",
            "uuid": "sc:identifier",
            "category": "sc:category",
            "inLanguage": "sc:inLanguage",
            "location": { "@id": "sc:location", "@type": "sc:Place" },
            "address": { "@id": "sc:address", "@type": "sc:PostalAddress" },
            "PostalAddress": "sc:PostalAddress",
            "streetAddress": "sc:streetAddress",
            "postalCode": "sc:postalCode",
            "addressLocality": "sc:addressLocality",
            "addressRegion": "sc:addressRegion",
            "addressCountry": "sc:addressCountry",
            "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
            "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
            "status": { "@id": "ical:status", "@type": "ical:status" },
            "commentsEnabled": { "@id": "pt:commentsEnabled", "@type": "sc:Boolean" },
            "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
            "joinModeType": { "@id": "mz:joinModeType", "@type": "rdfs:Class" },
            "externalParticipationUrl": { "@id": "mz:externalParticipationUrl", "@type": "sc:URL" },
            "participantCount": { "@id": "mz:participantCount", "@type": "sc:Integer" },
            "anonymousParticipationEnabled": { "@id": "mz:anonymousParticipationEnabled", "@type": "sc:Boolean" },
            "participationMessage": { "@id": "mz:participationMessage", "@type": "sc:Text" },
            "repliesModerationOption": { "@id": "mz:repliesModerationOption", "@type": "mz:repliesModerationOptionType" },
            "repliesModerationOptionType": { "@id": "mz:repliesModerationOptionType", "@type": "rdfs:Class" },
            "isOnline": { "@id": "mz:isOnline", "@type": "sc:Boolean" },
            "timezone": { "@id": "mz:timezone", "@type": "sc:Text" },
            "memberCount": { "@id": "mz:memberCount", "@type": "sc:Integer" },
            "openness": { "@id": "mz:openness", "@type": "@id" },
            "members": { "@id": "mz:members", "@type": "@id" },
            "resources": { "@id": "mz:resources", "@type": "@id" },
            "todos": { "@id": "mz:todos", "@type": "@id" },
            "posts": { "@id": "mz:posts", "@type": "@id" },
            "events": { "@id": "mz:events", "@type": "@id" },
            "discussions": { "@id": "mz:discussions", "@type": "@id" }
        }
    ]"#;

/// A document ready to serve: the context first, then the object's fields.
pub fn with_context(mut object: Value) -> Value {
    if let Value::Object(map) = &mut object {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("@context".into(), context());
        out.extend(std::mem::take(map));
        return Value::Object(out);
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_valid_json_with_mobilizon_terms() {
        let c = context();
        assert_eq!(c[0], "https://www.w3.org/ns/activitystreams");
        assert_eq!(c[2]["mz"], "https://joinmobilizon.org/ns#");
        assert_eq!(c[2]["joinMode"]["@id"], "mz:joinMode");
        let doc = with_context(serde_json::json!({"id": "x"}));
        assert_eq!(doc["id"], "x");
        assert!(doc["@context"].is_array());
    }
}
