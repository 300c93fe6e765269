//! The fixed vocabularies of the event form: Mobilizon's categories, the
//! languages we detect and offer, and the metadata catalogue (`mz:` keys).

/// Mobilizon's 30 built-in categories: (id, label key).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("arts", msg!("Arts")),
    ("book_clubs", msg!("Book clubs")),
    ("business", msg!("Business")),
    ("causes", msg!("Causes")),
    ("comedy", msg!("Comedy")),
    ("crafts", msg!("Crafts")),
    ("food_drink", msg!("Food & drink")),
    ("health", msg!("Health")),
    ("music", msg!("Music")),
    ("auto_boat_air", msg!("Auto, boat & air")),
    ("community", msg!("Community")),
    ("family_education", msg!("Family & education")),
    ("fashion_beauty", msg!("Fashion & beauty")),
    ("film_media", msg!("Film & media")),
    ("games", msg!("Games")),
    ("language_culture", msg!("Language & culture")),
    ("learning", msg!("Learning")),
    ("lgbtq", msg!("LGBTQ")),
    ("movements_politics", msg!("Movements & politics")),
    ("networking", msg!("Networking")),
    ("party", msg!("Party")),
    ("performing_visual_arts", msg!("Performing & visual arts")),
    ("pets", msg!("Pets")),
    ("photography", msg!("Photography")),
    ("outdoors_adventure", msg!("Outdoors & adventure")),
    ("spirituality_religion_beliefs", msg!("Spirituality, religion & beliefs")),
    ("science_tech", msg!("Science & tech")),
    ("sports", msg!("Sports")),
    ("theatre", msg!("Theatre")),
    ("meeting", msg!("Meeting")),
];

pub fn category(id: &str) -> Option<&'static str> {
    CATEGORIES.iter().find(|(c, _)| *c == id).map(|(c, _)| *c)
}

pub fn category_label(id: &str) -> &'static str {
    CATEGORIES.iter().find(|(c, _)| *c == id).map(|(_, l)| *l).unwrap_or(msg!("Meeting"))
}

/// Languages an event can be marked with: ISO 639-1 code, name in itself,
/// and whatlang's ISO 639-3 code for detection.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("ar", "العربية", "ara"),
    ("bg", "Български", "bul"),
    ("ca", "Català", "cat"),
    ("cs", "Čeština", "ces"),
    ("da", "Dansk", "dan"),
    ("de", "Deutsch", "deu"),
    ("el", "Ελληνικά", "ell"),
    ("en", "English", "eng"),
    ("eo", "Esperanto", "epo"),
    ("es", "Español", "spa"),
    ("et", "Eesti", "est"),
    ("fa", "فارسی", "pes"),
    ("fi", "Suomi", "fin"),
    ("fr", "Français", "fra"),
    ("he", "עברית", "heb"),
    ("hi", "हिन्दी", "hin"),
    ("hr", "Hrvatski", "hrv"),
    ("hu", "Magyar", "hun"),
    ("id", "Bahasa Indonesia", "ind"),
    ("it", "Italiano", "ita"),
    ("ja", "日本語", "jpn"),
    ("ko", "한국어", "kor"),
    ("lt", "Lietuvių", "lit"),
    ("lv", "Latviešu", "lav"),
    ("nb", "Norsk bokmål", "nob"),
    ("nl", "Nederlands", "nld"),
    ("pl", "Polski", "pol"),
    ("pt", "Português", "por"),
    ("ro", "Română", "ron"),
    ("ru", "Русский", "rus"),
    ("sk", "Slovenčina", "slk"),
    ("sl", "Slovenščina", "slv"),
    ("sr", "Српски", "srp"),
    ("sv", "Svenska", "swe"),
    ("th", "ไทย", "tha"),
    ("tr", "Türkçe", "tur"),
    ("uk", "Українська", "ukr"),
    ("vi", "Tiếng Việt", "vie"),
    ("zh", "中文", "cmn"),
];

pub fn language(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _, _)| *c == code).map(|(c, _, _)| *c)
}

pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _, _)| *c == code).map(|(_, n, _)| *n)
}

/// The language of a text, when the detector is sure of it; `und` otherwise
/// (Mobilizon's value for "undetermined").
pub fn detect_language(text: &str) -> String {
    let Some(info) = whatlang::detect(text) else { return "und".into() };
    if !info.is_reliable() {
        return "und".into();
    }
    let code3 = info.lang().code();
    LANGUAGES.iter().find(|(_, _, c3)| *c3 == code3).map(|(c, _, _)| (*c).to_string()).unwrap_or("und".into())
}

/// Wheelchair access values of `mz:accessibility:wheelchairAccessible`.
pub const WHEELCHAIR: &[(&str, &str)] = &[
    ("fully", msg!("Fully accessible")),
    ("partially", msg!("Partially accessible")),
    ("no", msg!("Not accessible")),
];

pub const KEY_WHEELCHAIR: &str = "mz:accessibility:wheelchairAccessible";
pub const KEY_SIGN_LANGUAGE: &str = "mz:accessibility:live:sign_language";
pub const KEY_SUBTITLES: &str = "mz:accessibility:live:subtitle";
pub const KEY_TICKET: &str = "mz:ticket:external_url";
pub const KEY_PRICE: &str = "mz:ticket:price_url";
pub const KEY_FEDIVERSE: &str = "mz:social:fediverse:account_url";

/// Link fields of the form whose metadata key depends on the service the
/// link points to, as in Mobilizon's catalogue (one key per platform).
pub fn live_key(url: &str) -> &'static str {
    match host_of(url).as_deref() {
        Some(h) if is_host(h, "youtube.com") || is_host(h, "youtu.be") => "mz:live:youtube:url",
        Some(h) if is_host(h, "twitch.tv") => "mz:live:twitch:url",
        _ => "mz:live:peertube:url",
    }
}

pub fn replay_key(url: &str) -> &'static str {
    match host_of(url).as_deref() {
        Some(h) if is_host(h, "youtube.com") || is_host(h, "youtu.be") => "mz:replay:youtube:url",
        _ => "mz:replay:peertube:url",
    }
}

pub fn visio_key(url: &str) -> &'static str {
    match host_of(url).as_deref() {
        Some(h) if is_host(h, "zoom.us") => "mz:visio:zoom",
        Some(h) if is_host(h, "teams.microsoft.com") || is_host(h, "teams.live.com") => {
            "mz:visio:microsoft_teams"
        }
        Some(h) if is_host(h, "meet.google.com") => "mz:visio:google_meet",
        _ => "mz:visio:jitsi_meet",
    }
}

pub const LIVE_KEYS: &[&str] =
    &["mz:live:youtube:url", "mz:live:twitch:url", "mz:live:peertube:url", "mz:live:owncast:url"];
pub const REPLAY_KEYS: &[&str] = &["mz:replay:youtube:url", "mz:replay:peertube:url"];
pub const VISIO_KEYS: &[&str] = &[
    "mz:visio:jitsi_meet",
    "mz:visio:zoom",
    "mz:visio:microsoft_teams",
    "mz:visio:google_meet",
    "mz:visio:big_blue_button",
];

fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_lowercase))
}

fn is_host(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_categories_with_meeting_as_fallback() {
        assert_eq!(CATEGORIES.len(), 30);
        assert_eq!(category("music"), Some("music"));
        assert_eq!(category("MUSIC"), None);
        assert_eq!(category_label("nonsense"), "Meeting");
    }

    #[test]
    fn language_is_detected_only_when_sure() {
        assert_eq!(
            detect_language(
                "Nous organisons une grande fête de quartier samedi prochain dans le jardin partagé."
            ),
            "fr"
        );
        assert_eq!(
            detect_language(
                "We are organising a big neighbourhood party next Saturday in the shared garden."
            ),
            "en"
        );
        assert_eq!(detect_language("ok"), "und");
    }

    #[test]
    fn link_keys_follow_the_platform() {
        assert_eq!(live_key("https://www.youtube.com/watch?v=x"), "mz:live:youtube:url");
        assert_eq!(live_key("https://notyoutube.com/x"), "mz:live:peertube:url");
        assert_eq!(visio_key("https://us02web.zoom.us/j/1"), "mz:visio:zoom");
        assert_eq!(visio_key("https://meet.jit.si/room"), "mz:visio:jitsi_meet");
        assert_eq!(replay_key("https://youtu.be/x"), "mz:replay:youtube:url");
    }
}
