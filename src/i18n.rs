//! Translations. Catalogs are gettext `.po` files under `locales/`, keyed by the
//! English source text (so `en.po` lists every key), compiled into the binary.
//! Placeholders are `{name}`; plurals use each language's own rule.
//!
//! Code marks strings for the catalogs in the ways the catalog test scans for:
//! calls of `tr.t`, `tr.tf` (with placeholders) and `tr.tn` (singular and plural)
//! whose first argument is a string literal, in templates and code, and the
//! `msg!` macro for a key stored now and translated later.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// Marks a string literal as a catalog key without translating it yet.
#[macro_export]
macro_rules! msg {
    ($s:literal) => {
        $s
    };
}

/// A language zerda has a catalog for.
#[derive(Debug)]
pub struct Locale {
    /// BCP 47 tag as used in `<html lang>` and the catalogs' file names.
    pub code: &'static str,
    /// The language's name in itself, for the language picker.
    pub name: &'static str,
    plural: fn(u64) -> usize,
    source: &'static str,
}

fn plural_one_other(n: u64) -> usize {
    usize::from(n != 1)
}

/// French (and others) treat 0 as singular.
fn plural_zero_one_other(n: u64) -> usize {
    usize::from(n > 1)
}

impl PartialEq for Locale {
    fn eq(&self, other: &Locale) -> bool {
        self.code == other.code
    }
}

impl Eq for Locale {}

impl Locale {
    pub const ALL: &'static [Locale] = &[
        Locale {
            code: "en",
            name: "English",
            plural: plural_one_other,
            source: include_str!("../locales/en.po"),
        },
        Locale {
            code: "fr",
            name: "Français",
            plural: plural_zero_one_other,
            source: include_str!("../locales/fr.po"),
        },
    ];

    pub fn from_code(code: &str) -> Option<&'static Locale> {
        let primary = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
        Locale::ALL.iter().find(|l| l.code == primary)
    }

    pub fn dir(&self) -> &'static str {
        if is_rtl(self.code) { "rtl" } else { "ltr" }
    }

    pub fn source(&self) -> &'static str {
        self.source
    }

    pub fn plural_index(&self, n: u64) -> usize {
        (self.plural)(n)
    }
}

/// Scripts written right to left, by primary language subtag.
pub fn is_rtl(code: &str) -> bool {
    let primary = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "arc" | "ckb" | "dv" | "fa" | "he" | "ku" | "ps" | "sd" | "ug" | "ur" | "yi"
    )
}

/// One parsed `.po` file: key → translated forms (one, or one per plural form).
#[derive(Debug, Default)]
pub struct Catalog {
    pub entries: HashMap<String, Entry>,
}

#[derive(Debug, Default, Clone)]
pub struct Entry {
    pub plural: Option<String>,
    pub forms: Vec<String>,
}

impl Catalog {
    /// Parses the subset of the PO format zerda's catalogs use: comments,
    /// `msgid`, `msgid_plural`, `msgstr`, `msgstr[N]` and continuation lines.
    pub fn parse(source: &str) -> Result<Catalog, String> {
        let mut catalog = Catalog::default();
        let mut id: Option<String> = None;
        let mut plural: Option<String> = None;
        let mut forms: Vec<String> = Vec::new();
        let mut current: Option<(&str, usize)> = None; // which string continuation lines extend
        let flush = |catalog: &mut Catalog,
                     id: &mut Option<String>,
                     plural: &mut Option<String>,
                     forms: &mut Vec<String>| {
            if let Some(key) = id.take()
                && !key.is_empty()
            {
                catalog.entries.insert(key, Entry { plural: plural.take(), forms: std::mem::take(forms) });
            }
            *plural = None;
            forms.clear();
        };
        for (number, raw) in source.lines().enumerate() {
            let line = raw.trim();
            let at = |why: &str| format!("line {}: {why}", number + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("msgid_plural ") {
                plural = Some(unquote(rest).ok_or_else(|| at("bad string"))?);
                current = Some(("plural", 0));
            } else if let Some(rest) = line.strip_prefix("msgid ") {
                flush(&mut catalog, &mut id, &mut plural, &mut forms);
                id = Some(unquote(rest).ok_or_else(|| at("bad string"))?);
                current = Some(("id", 0));
            } else if let Some(rest) = line.strip_prefix("msgstr[") {
                let (index, rest) = rest.split_once(']').ok_or_else(|| at("bad msgstr[N]"))?;
                let index: usize = index.parse().map_err(|_| at("bad plural index"))?;
                if index != forms.len() {
                    return Err(at("plural forms out of order"));
                }
                forms.push(unquote(rest.trim()).ok_or_else(|| at("bad string"))?);
                current = Some(("str", index));
            } else if let Some(rest) = line.strip_prefix("msgstr ") {
                forms = vec![unquote(rest).ok_or_else(|| at("bad string"))?];
                current = Some(("str", 0));
            } else if line.starts_with('"') {
                let more = unquote(line).ok_or_else(|| at("bad string"))?;
                match current {
                    Some(("id", _)) => id.get_or_insert_with(String::new).push_str(&more),
                    Some(("plural", _)) => plural.get_or_insert_with(String::new).push_str(&more),
                    Some(("str", i)) if i < forms.len() => forms[i].push_str(&more),
                    _ => return Err(at("continuation line without a string before it")),
                }
            } else {
                return Err(at("unexpected line"));
            }
        }
        flush(&mut catalog, &mut id, &mut plural, &mut forms);
        Ok(catalog)
    }
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn catalogs() -> &'static Vec<Catalog> {
    static CATALOGS: OnceLock<Vec<Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        Locale::ALL
            .iter()
            .map(|l| {
                // A broken catalog is a build defect caught by the catalog test; at
                // run time it degrades to English rather than stopping the server.
                Catalog::parse(l.source).unwrap_or_else(|e| {
                    tracing::error!("locales/{}.po: {e}", l.code);
                    Catalog::default()
                })
            })
            .collect()
    })
}

/// A translator for one locale; cheap to copy into every page.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: &'static Locale,
    catalog: &'static Catalog,
}

impl Tr {
    pub fn new(locale: &'static Locale) -> Tr {
        let index = Locale::ALL.iter().position(|l| l == locale).unwrap_or(0);
        Tr { locale, catalog: &catalogs()[index] }
    }

    pub fn for_code(code: &str) -> Tr {
        Tr::new(Locale::from_code(code).unwrap_or(&Locale::ALL[0]))
    }

    pub fn lang(&self) -> &'static str {
        self.locale.code
    }

    pub fn dir(&self) -> &'static str {
        self.locale.dir()
    }

    /// The translation of `key`, or `key` itself (English) when there is none.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match self.catalog.entries.get(key).and_then(|e| e.forms.first()) {
            Some(s) if !s.is_empty() => s.as_str(),
            _ => key,
        }
    }

    /// Translation with `{name}` placeholders filled in.
    pub fn tf<D: Display>(&self, key: &str, args: &[(&str, D)]) -> String {
        fill(self.t(key), args)
    }

    /// Plural translation; `{count}` is replaced by `n`.
    pub fn tn(&self, singular: &str, plural: &str, n: impl Count) -> String {
        let n = n.count();
        let form = self
            .catalog
            .entries
            .get(singular)
            .and_then(|e| e.forms.get(self.locale.plural_index(n)))
            .filter(|s| !s.is_empty())
            .map(String::as_str)
            .unwrap_or(if n == 1 { singular } else { plural });
        fill(form, &[("count", n)])
    }
}

/// Anything that can be counted for a plural: integers, and references to them
/// (templates pass arguments by reference).
pub trait Count {
    fn count(&self) -> u64;
}

macro_rules! count_impl {
    ($($t:ty),*) => { $(impl Count for $t {
        fn count(&self) -> u64 { u64::try_from(*self).unwrap_or(0) }
    })* };
}
count_impl!(u8, u16, u32, u64, usize, i32, i64);

impl<T: Count> Count for &T {
    fn count(&self) -> u64 {
        (**self).count()
    }
}

fn fill<D: Display>(template: &str, args: &[(&str, D)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// Picks the best available locale from an `Accept-Language` header.
pub fn negotiate(accept_language: &str) -> Option<&'static Locale> {
    let mut choices: Vec<(f32, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(order, part)| {
            let mut bits = part.trim().split(';');
            let tag = bits.next()?.trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0).then_some((q, order, tag))
        })
        .collect();
    choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    choices.into_iter().find_map(|(_, _, tag)| Locale::from_code(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn po_parsing_handles_plurals_escapes_and_continuations() {
        let po = r#"
# comment
msgid ""
msgstr "Content-Type: text/plain\n"

msgid "Hello"
msgstr "Bonjour"

msgid "{count} event"
msgid_plural "{count} events"
msgstr[0] "{count} événement"
msgstr[1] "{count} événements"

msgid "Say \"hi\""
msgstr ""
"Dis "
"\"salut\""
"#;
        let c = Catalog::parse(po).expect("parses");
        assert_eq!(c.entries["Hello"].forms, vec!["Bonjour"]);
        assert_eq!(c.entries["{count} event"].forms.len(), 2);
        assert_eq!(c.entries["Say \"hi\""].forms, vec!["Dis \"salut\""]);
        assert!(Catalog::parse("msgid \"x\nmsgstr \"y\"").is_err());
        assert!(Catalog::parse("nonsense").is_err());
    }

    #[test]
    fn plurals_follow_each_language() {
        let fr = Tr::for_code("fr");
        let en = Tr::for_code("en");
        assert_eq!(fr.locale.plural_index(0), 0);
        assert_eq!(en.locale.plural_index(0), 1);
        assert_eq!(en.tn("{count} item", "{count} items", 1u64), "1 item");
        assert_eq!(en.tn("{count} item", "{count} items", 3u64), "3 items");
    }

    #[test]
    fn negotiation_respects_quality_and_falls_back() {
        assert_eq!(negotiate("de-DE, fr;q=0.8, en;q=0.9").map(|l| l.code), Some("en"));
        assert_eq!(negotiate("fr-CA,fr;q=0.9").map(|l| l.code), Some("fr"));
        assert_eq!(negotiate("de, *;q=0.1"), None);
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("fr;q=0"), None);
    }

    #[test]
    fn direction_follows_the_script() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("he-IL"));
        assert!(is_rtl("fa"));
        assert!(!is_rtl("fr"));
        assert_eq!(Locale::from_code("fr-FR").map(|l| l.dir()), Some("ltr"));
    }

    #[test]
    fn placeholders_are_filled() {
        let en = Tr::for_code("en");
        assert_eq!(en.tf("Welcome to {name}", &[("name", "Zerda")]), "Welcome to Zerda");
    }
}
