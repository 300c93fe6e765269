//! Reading other servers' JSON leniently, the way the fediverse writes it:
//! a property may hold one value or a list, an id or the whole object, a
//! `type` string or a list of them. No JSON-LD processing: compact terms only
//! (SECURITY.md 1.4), and caps on what we keep (1.6).

use serde_json::Value;

/// Most entries kept from any list (addressing, tags, attachments).
pub const LIST_MAX: usize = 500;
/// Longest name or title kept, in characters.
pub const NAME_MAX: usize = 500;
/// Longest HTML content kept, in bytes.
pub const CONTENT_MAX: usize = 100_000;

/// Why a document was not usable; shown in logs, never to visitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn error<T>(what: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(what.into()))
}

/// A property that may be one value or a list: always a list (capped).
pub fn many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().take(LIST_MAX).collect(),
        other => vec![other],
    }
}

/// The id of a property that holds either a URL or an object with an `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        // Prismo writes lists of embedded actors: the first one counts.
        Value::Array(items) => items.first().and_then(id_of),
        _ => None,
    }
}

/// Every id in a one-or-many property.
pub fn ids_of(v: &Value) -> Vec<&str> {
    many(v).into_iter().filter_map(id_of).collect()
}

/// The `type`, as a string or the first of a list.
pub fn type_of(v: &Value) -> Option<&str> {
    match v.get("type")? {
        Value::String(s) => Some(s.as_str()),
        Value::Array(items) => items.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// Whether the object's type (or one of its types) is `kind`.
pub fn is_type(v: &Value, kind: &str) -> bool {
    match v.get("type") {
        Some(Value::String(s)) => s == kind,
        Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    }
}

/// A string property, trimmed; None when absent, empty or not a string.
pub fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A plain-text field from a remote document: one line, control characters
/// gone, at most `max` characters.
pub fn plain(text: &str, max: usize) -> String {
    crate::domain::events::one_line(text).chars().take(max).collect()
}

/// An absolute http(s) URL with a host, or None.
pub fn url(text: &str) -> Option<url::Url> {
    url::Url::parse(text).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// host[:port] of a URL, lowercase: what "same origin" compares.
pub fn origin(text: &str) -> Option<String> {
    let u = url(text)?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// Parses JSON strictly: a repeated key in an object, a number out of range
/// or nesting deeper than serde_json's limit (128) is an error, not a guess
/// (an attacker's two `actor` keys must not be read two ways).
pub fn strict_json(bytes: &[u8]) -> Result<Value, ParseError> {
    use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    struct Strict(Value);
    struct StrictVisitor;

    impl<'de> Visitor<'de> for StrictVisitor {
        type Value = Strict;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<Strict, E> {
            Ok(Strict(Value::Bool(v)))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Strict, E> {
            Ok(Strict(v.into()))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Strict, E> {
            Ok(Strict(v.into()))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Strict, E> {
            serde_json::Number::from_f64(v)
                .map(|n| Strict(Value::Number(n)))
                .ok_or_else(|| E::custom("number out of range"))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Strict, E> {
            Ok(Strict(Value::String(v.to_string())))
        }
        fn visit_string<E: Error>(self, v: String) -> Result<Strict, E> {
            Ok(Strict(Value::String(v)))
        }
        fn visit_unit<E: Error>(self) -> Result<Strict, E> {
            Ok(Strict(Value::Null))
        }
        fn visit_none<E: Error>(self) -> Result<Strict, E> {
            Ok(Strict(Value::Null))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
            let mut items = Vec::new();
            while let Some(Strict(item)) = seq.next_element()? {
                items.push(item);
            }
            Ok(Strict(Value::Array(items)))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let Strict(value) = map.next_value()?;
                if out.insert(key.clone(), value).is_some() {
                    return Err(A::Error::custom(format!("the key {key:?} appears twice")));
                }
            }
            Ok(Strict(Value::Object(out)))
        }
    }

    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
            d.deserialize_any(StrictVisitor)
        }
    }

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let Strict(value) = Strict::deserialize(&mut de).map_err(|e| ParseError(format!("not JSON: {e}")))?;
    de.end().map_err(|e| ParseError(format!("not JSON: {e}")))?;
    Ok(value)
}

/// `scheme://host[:port]` of a URL ("" when it is not one).
pub fn origin_url(text: &str) -> String {
    url(text).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// True when both ids are URLs on the same host and port.
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

/// An RFC 3339 instant (any offset) as unix seconds, within the years we accept.
pub fn instant(text: &str) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let year = chrono::Datelike::year(&t);
    (1970..=2200).contains(&year).then(|| t.timestamp())
}

/// The UTC offset of an RFC 3339 instant, in seconds east.
pub fn offset_seconds(text: &str) -> Option<i32> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.offset().local_minus_utc())
}

/// The ActivityStreams "everyone" collection in any of its spellings.
pub fn is_public(id: &str) -> bool {
    matches!(id, "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_or_many_and_id_or_object() {
        assert_eq!(ids_of(&json!("https://a.example/1")), vec!["https://a.example/1"]);
        assert_eq!(
            ids_of(&json!(["https://a.example/1", {"id": "https://a.example/2"}, 3])),
            vec!["https://a.example/1", "https://a.example/2"]
        );
        assert!(many(&Value::Null).is_empty());
        assert_eq!(type_of(&json!({"type": ["Event", "Object"]})), Some("Event"));
        assert!(is_type(&json!({"type": ["Object", "Event"]}), "Event"));
        let long = Value::Array((0..10_000).map(|i| json!(i)).collect());
        assert_eq!(many(&long).len(), LIST_MAX);
    }

    #[test]
    fn strict_json_refuses_what_could_be_read_two_ways() {
        assert_eq!(
            strict_json(br#"{"a": [1, 2.5, "x", null, true], "b": {}}"#).ok(),
            Some(serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {}}))
        );
        assert!(strict_json(br#"{"actor": "a", "actor": "b"}"#).is_err());
        assert!(strict_json(br#"{"x": {"id": 1, "id": 2}}"#).is_err());
        assert!(strict_json(b"[1e400]").is_err());
        assert!(strict_json(b"{} {}").is_err());
        assert!(strict_json(b"\xff").is_err());
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(strict_json(deep.as_bytes()).is_err());
    }

    #[test]
    fn origins_and_instants() {
        assert!(same_origin("https://A.example/x", "https://a.example/y"));
        assert!(!same_origin("https://a.example/x", "https://a.example:8443/y"));
        assert!(!same_origin("https://a.example.evil/x", "https://a.example/y"));
        assert!(!same_origin("javascript:x", "javascript:y"));
        assert_eq!(instant("2021-07-14T17:30:57+02:00"), Some(1_626_276_657));
        assert_eq!(offset_seconds("2021-07-14T17:30:57+02:00"), Some(7200));
        assert_eq!(instant("3021-07-14T17:30:57Z"), None);
        assert_eq!(instant("tomorrow"), None);
        assert!(is_public("as:Public") && !is_public("https://a.example/followers"));
        assert_eq!(plain("a\r\nb\u{0}c", 3), "a b");
    }
}
