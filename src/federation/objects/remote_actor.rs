//! Another server's actor document, read into what we store: Person, Group,
//! Application (Mobilizon's and Gancio's instance actors), Organization and
//! Service. Everything that decides trust is checked here: the id is an
//! http(s) URL, the inbox and the key live on the actor's own origin, and
//! the key's owner is the actor.

use serde_json::Value;

use crate::federation::parse::{self, ParseError, error, text};

pub const ACTOR_TYPES: &[&str] = &["Person", "Group", "Application", "Organization", "Service"];

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteActor {
    pub ap_id: String,
    pub kind: String,
    pub preferred_username: String,
    /// host[:port] of the id.
    pub domain: String,
    pub name: String,
    /// Sanitised HTML.
    pub summary: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox: Option<String>,
    pub followers: Option<String>,
    pub public_key_id: Option<String>,
    pub public_key_pem: Option<String>,
    pub avatar_url: Option<String>,
    pub banner_url: Option<String>,
    pub discoverable: bool,
    pub manually_approves_followers: bool,
    /// What a Group says of itself (None for every other kind).
    pub group: Option<crate::db::groups::RemoteGroupFields>,
}

/// The URL of an `icon` / `image` property: an Image object (or a list of
/// them), its `url` a string or a Link.
fn picture(v: &Value) -> Option<String> {
    let first = parse::many(v).into_iter().next()?;
    let url = match first {
        Value::String(s) => s.as_str(),
        Value::Object(o) => match o.get("url")? {
            Value::String(s) => s.as_str(),
            other => parse::id_of(other).or_else(|| other.get("href").and_then(Value::as_str))?,
        },
        _ => return None,
    };
    parse::url(url).map(|u| u.to_string())
}

/// A URL on the actor's own origin, or None (a document may not point our
/// deliveries at a third party).
fn own_url(v: Option<&str>, id: &str) -> Option<String> {
    v.filter(|u| parse::same_origin(u, id) && parse::url(u).is_some()).map(str::to_string)
}

pub fn parse_actor(doc: &Value) -> Result<RemoteActor, ParseError> {
    let Some(kind) = ACTOR_TYPES.iter().find(|k| parse::is_type(doc, k)) else {
        return error(format!("not an actor type: {:?}", parse::type_of(doc)));
    };
    let id =
        text(doc, "id").and_then(parse::url).ok_or_else(|| ParseError("actor without a usable id".into()))?;
    let ap_id = id.to_string();
    let domain = parse::origin(&ap_id).ok_or_else(|| ParseError("actor id without a host".into()))?;
    let inbox = own_url(text(doc, "inbox"), &ap_id)
        .ok_or_else(|| ParseError("inbox missing or on another host".into()))?;
    let username = text(doc, "preferredUsername")
        .map(|u| parse::plain(u, 100))
        .filter(|u| !u.is_empty() && !u.contains(['@', '/', ' ']))
        .ok_or_else(|| ParseError("actor without a usable preferredUsername".into()))?;
    let key = doc.get("publicKey").and_then(|k| parse::many(k).into_iter().next());
    let (public_key_id, public_key_pem) = match key {
        Some(k) => {
            let key_id = text(k, "id").map(str::to_string);
            let owner = k.get("owner").and_then(parse::id_of);
            let pem = text(k, "publicKeyPem").map(str::to_string);
            if owner.is_some_and(|o| o != ap_id) {
                return error("the key's owner is not the actor");
            }
            if key_id.as_deref().is_some_and(|k| !parse::same_origin(k, &ap_id)) {
                return error("the key lives on another host");
            }
            (key_id, pem)
        }
        None => (None, None),
    };
    let summary = text(doc, "summary").map(|s| s.chars().take(parse::CONTENT_MAX).collect::<String>());
    Ok(RemoteActor {
        kind: (*kind).to_string(),
        preferred_username: username.clone(),
        domain,
        name: text(doc, "name").map(|n| parse::plain(n, parse::NAME_MAX)).unwrap_or(username),
        summary: summary.map(|s| crate::domain::rich_text::sanitize(&s)).unwrap_or_default(),
        url: text(doc, "url").and_then(parse::url).map(|u| u.to_string()).unwrap_or_else(|| ap_id.clone()),
        shared_inbox: own_url(doc.get("endpoints").and_then(|e| text(e, "sharedInbox")), &ap_id),
        outbox: own_url(text(doc, "outbox"), &ap_id),
        followers: own_url(text(doc, "followers"), &ap_id),
        inbox,
        public_key_id,
        public_key_pem,
        avatar_url: doc.get("icon").and_then(picture),
        banner_url: doc.get("image").and_then(picture),
        discoverable: doc.get("discoverable").and_then(Value::as_bool).unwrap_or(false),
        manually_approves_followers: doc
            .get("manuallyApprovesFollowers")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        group: (*kind == "Group").then(|| super::group::parse_group(doc, &ap_id)),
        ap_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forged_keys_and_foreign_inboxes_are_refused() {
        let good = json!({
            "id": "https://a.example/users/x", "type": "Person", "preferredUsername": "x",
            "inbox": "https://a.example/users/x/inbox",
            "publicKey": {"id": "https://a.example/users/x#main-key", "owner": "https://a.example/users/x", "publicKeyPem": "PEM"}
        });
        assert!(parse_actor(&good).is_ok());
        let mut other_owner = good.clone();
        other_owner["publicKey"]["owner"] = json!("https://a.example/users/y");
        assert!(parse_actor(&other_owner).is_err());
        let mut foreign_key = good.clone();
        foreign_key["publicKey"]["id"] = json!("https://evil.example/key");
        assert!(parse_actor(&foreign_key).is_err());
        let mut foreign_inbox = good.clone();
        foreign_inbox["inbox"] = json!("https://victim.example/inbox");
        assert!(parse_actor(&foreign_inbox).is_err());
        let mut note = good.clone();
        note["type"] = json!("Note");
        assert!(parse_actor(&note).is_err());
        let mut shared = good;
        shared["endpoints"] = json!({"sharedInbox": "https://victim.example/inbox"});
        assert_eq!(
            parse_actor(&shared).map(|a| a.shared_inbox),
            Ok(None),
            "a foreign shared inbox is ignored"
        );
    }
}
