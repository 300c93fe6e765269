//! Local actors as ActivityPub documents: profiles (Person) and the instance
//! actor (Application at /relay), in Mobilizon's shape.

use serde_json::{Value, json};

use crate::urls::{self, Urls};

/// What an actor document needs to know about a local actor.
#[derive(Debug, Clone)]
pub struct LocalActor {
    /// "Person", "Group" or "Application".
    pub kind: String,
    pub username: String,
    pub name: String,
    /// Sanitised HTML.
    pub summary: String,
    pub public_key_pem: Option<String>,
    /// (file name, content type) of the avatar and banner.
    pub avatar: Option<(String, String)>,
    pub banner: Option<(String, String)>,
}

fn image(urls: &Urls, picture: &Option<(String, String)>) -> Value {
    match picture {
        Some((file, content_type)) => {
            json!({ "type": "Image", "mediaType": content_type, "url": urls.absolute(&urls::media(file)) })
        }
        None => Value::Null,
    }
}

/// The actor document of a local profile, or of the instance actor.
pub fn actor_json(actor: &LocalActor, urls: &Urls) -> Value {
    let relay = actor.kind == "Application";
    let id = if relay { urls.relay() } else { urls.actor(&actor.username) };
    let mut doc = json!({
        "id": id,
        "url": id,
        "type": actor.kind,
        "preferredUsername": actor.username,
        "name": actor.name,
        "summary": actor.summary,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "discoverable": !relay,
        // The instance actor's followers are instances: an administrator accepts each.
        "manuallyApprovesFollowers": relay,
    });
    if let Some(pem) = &actor.public_key_pem {
        doc["publicKey"] = json!({ "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem });
    }
    let icon = image(urls, &actor.avatar);
    if !icon.is_null() {
        doc["icon"] = icon;
    }
    let banner = image(urls, &actor.banner);
    if !banner.is_null() {
        doc["image"] = banner;
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_a_person_with_its_key_and_collections() {
        let urls = Urls::new("https://zerda.example");
        let actor = LocalActor {
            kind: "Person".into(),
            username: "alice".into(),
            name: "Alice".into(),
            summary: "<p>Hi</p>".into(),
            public_key_pem: Some("-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----\n".into()),
            avatar: Some(("abc.png".into(), "image/png".into())),
            banner: None,
        };
        let doc = actor_json(&actor, &urls);
        assert_eq!(doc["id"], "https://zerda.example/@alice");
        assert_eq!(doc["inbox"], "https://zerda.example/@alice/inbox");
        assert_eq!(doc["endpoints"]["sharedInbox"], "https://zerda.example/inbox");
        assert_eq!(doc["publicKey"]["id"], "https://zerda.example/@alice#main-key");
        assert_eq!(doc["publicKey"]["owner"], "https://zerda.example/@alice");
        assert_eq!(doc["icon"]["url"], "https://zerda.example/media/abc.png");
        assert!(doc.get("image").is_none());
        let relay =
            actor_json(&LocalActor { kind: "Application".into(), username: "relay".into(), ..actor }, &urls);
        assert_eq!(relay["id"], "https://zerda.example/relay");
        assert_eq!(relay["inbox"], "https://zerda.example/relay/inbox");
        assert_eq!(relay["manuallyApprovesFollowers"], true);
    }
}
