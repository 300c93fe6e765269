//! Every string the templates, mails and code mark for translation is in
//! every catalog; French is complete; placeholders survive translation.
//! (`python3 locales/update-catalogs.py` brings the catalogs up to date.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use zerda::i18n::{Catalog, Locale};

fn read_tree(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            read_tree(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path.display().to_string(), text));
        }
    }
}

/// The first string literal after `at`, unescaped; None if the argument is not a literal.
fn literal(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at..];
    let start = rest.find(|c: char| !c.is_whitespace())?;
    if !rest[start..].starts_with('"') {
        return None;
    }
    let mut out = String::new();
    let mut chars = rest[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, e)) = chars.next() {
                    out.push(match e {
                        'n' => '\n',
                        other => other,
                    });
                }
            }
            '"' => return Some((out, at + start + 1 + i + 1)),
            c => out.push(c),
        }
    }
    None
}

/// key → plural form (for tn).
fn used_keys() -> BTreeMap<String, Option<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    read_tree(&root.join("templates"), &mut files);
    read_tree(&root.join("src"), &mut files);
    let mut keys = BTreeMap::new();
    for (name, text) in &files {
        for marker in ["tr.t(", "tr.tf(", "msg!(", "tr.tn("] {
            let mut from = 0;
            while let Some(found) = text[from..].find(marker) {
                let at = from + found + marker.len();
                from = at;
                let preceded_ok = from - marker.len() == 0
                    || !text[..from - marker.len()].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                if !preceded_ok {
                    continue;
                }
                let Some((key, end)) = literal(text, at) else {
                    continue;
                };
                assert!(!key.is_empty(), "{name}: empty catalog key");
                let plural = if marker == "tr.tn(" {
                    let comma = text[end..].find(',').map(|c| end + c + 1);
                    let plural = comma.and_then(|c| literal(text, c)).map(|(p, _)| p);
                    assert!(plural.is_some(), "{name}: tr.tn({key:?}, …) needs a literal plural");
                    plural
                } else {
                    None
                };
                keys.entry(key).or_insert(plural);
            }
        }
    }
    keys
}

fn placeholders(s: &str) -> BTreeSet<String> {
    s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(name, _)| name.to_string())).collect()
}

#[test]
fn catalogs_cover_every_key() {
    let used = used_keys();
    assert!(used.len() > 50, "the scanner finds the keys ({} found)", used.len());
    for locale in Locale::ALL {
        let catalog =
            Catalog::parse(locale.source()).unwrap_or_else(|e| panic!("locales/{}.po: {e}", locale.code));
        let missing: Vec<&String> = used.keys().filter(|k| !catalog.entries.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "locales/{}.po lacks {missing:?}; run python3 locales/update-catalogs.py",
            locale.code
        );
        let stale: Vec<&String> = catalog.entries.keys().filter(|k| !used.contains_key(*k)).collect();
        assert!(stale.is_empty(), "locales/{}.po has unused keys {stale:?}", locale.code);
        for (key, plural) in &used {
            let entry = &catalog.entries[key];
            assert_eq!(entry.plural.is_some(), plural.is_some(), "{}: {key:?} plural or not", locale.code);
        }
    }
}

#[test]
fn french_is_complete_and_keeps_placeholders() {
    let used = used_keys();
    let fr = Catalog::parse(Locale::from_code("fr").expect("fr").source()).expect("fr parses");
    for (key, plural) in &used {
        let entry = &fr.entries[key];
        let expected_forms = if plural.is_some() { 2 } else { 1 };
        assert_eq!(entry.forms.len(), expected_forms, "fr: {key:?}");
        for form in &entry.forms {
            assert!(!form.trim().is_empty(), "fr: {key:?} is not translated");
            let want: BTreeSet<String> =
                placeholders(key).union(&placeholders(plural.as_deref().unwrap_or(""))).cloned().collect();
            let got = placeholders(form);
            assert!(got.is_subset(&want), "fr: {key:?} has unknown placeholders {got:?}");
            if plural.is_none() {
                assert_eq!(got, placeholders(key), "fr: {key:?} must keep its placeholders");
            }
        }
    }
}

#[test]
fn every_page_and_mail_template_is_translated() {
    // A template with visible text but no tr.* call would bypass the catalogs.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = Vec::new();
    read_tree(&root, &mut files);
    for (name, text) in files {
        // Layouts, and the shared mail whose every line arrives translated from code.
        if name.ends_with("layout.html") || name.ends_with("email/action.txt") {
            continue;
        }
        assert!(text.contains("tr.t"), "{name} shows no translated text");
    }
}
