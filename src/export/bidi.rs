//! A small subset of the Unicode bidirectional algorithm (UAX #9), enough
//! for names and short notes in a table cell: no explicit embeddings or
//! isolates, numbers treated alike whatever their digits, and only the
//! resolution rules that matter without them (W1, W2/W7 simplified, N1, N2,
//! I1, I2, L2, L4). Right-to-left runs are drawn reversed; digits and Latin
//! inside them keep their left-to-right order.

/// Bidi class, reduced to what the rules below distinguish.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// Strong left-to-right (Latin, Greek, Cyrillic, CJK…).
    L,
    /// Strong right-to-left (Hebrew, Arabic, Syriac, Thaana, N'Ko…).
    R,
    /// A digit: left-to-right inside, placed by its context.
    Number,
    /// Spaces, punctuation, symbols: take the direction around them.
    Neutral,
}

pub fn class(c: char) -> Class {
    match c {
        '0'..='9' | '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => Class::Number,
        '\u{0590}'..='\u{08FF}'
        | '\u{FB1D}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}'
        | '\u{10800}'..='\u{10FFF}'
        | '\u{1E800}'..='\u{1EFFF}' => {
            if c.is_alphabetic() {
                Class::R
            } else {
                Class::Neutral
            }
        }
        c if c.is_alphanumeric() => Class::L,
        _ => Class::Neutral,
    }
}

/// Whether text reads right to left: its first strong character is R
/// (UAX #9 rules P2/P3). `None` when it has no strong character.
pub fn first_strong_rtl(text: &str) -> Option<bool> {
    text.chars().find_map(|c| match class(c) {
        Class::L => Some(false),
        Class::R => Some(true),
        _ => None,
    })
}

/// Embedding levels for a line in logical order: even is left-to-right,
/// odd right-to-left. `rtl` is the paragraph direction.
pub fn levels(classes: &[Class], rtl: bool) -> Vec<u8> {
    let base = Class::from_rtl(rtl);
    // W2/W7: a number after Latin (or at the start of an LTR paragraph)
    // behaves as Latin; after Arabic it stays a number.
    let mut resolved = classes.to_vec();
    let mut last_strong = base;
    for c in &mut resolved {
        match *c {
            Class::L | Class::R => last_strong = *c,
            Class::Number if last_strong == Class::L => *c = Class::L,
            _ => {}
        }
    }
    // N1/N2: neutrals between two sides of the same direction take it
    // (numbers count as R here), others take the paragraph direction.
    let side = |c: Class| match c {
        Class::Number => Class::R,
        c => c,
    };
    let mut i = 0;
    while i < resolved.len() {
        if resolved[i] != Class::Neutral {
            i += 1;
            continue;
        }
        let end = (i..resolved.len()).find(|&j| resolved[j] != Class::Neutral).unwrap_or(resolved.len());
        let before = if i == 0 { base } else { side(resolved[i - 1]) };
        let after = resolved.get(end).map_or(base, |&c| side(c));
        let fill = if before == after { before } else { base };
        resolved[i..end].fill(fill);
        i = end;
    }
    // I1/I2.
    resolved
        .iter()
        .map(|c| match (rtl, c) {
            (false, Class::L) => 0,
            (false, Class::R) | (true, Class::R) => 1,
            _ => 2,
        })
        .collect()
}

impl Class {
    fn from_rtl(rtl: bool) -> Class {
        if rtl { Class::R } else { Class::L }
    }
}

/// L2: the visual order (indices into the logical sequence), reversing
/// every run at or above each level, from the highest level down to 1.
pub fn visual_order(levels: &[u8]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    let highest = levels.iter().copied().max().unwrap_or(0);
    // Down to level 1 even when no character sits there: a right-to-left
    // paragraph is itself at level 1, so a line of Latin (all at level 2)
    // is reversed twice and reads forwards.
    for level in (1..=highest).rev() {
        let mut i = 0;
        while i < order.len() {
            if levels[order[i]] < level {
                i += 1;
                continue;
            }
            let end = (i..order.len()).find(|&j| levels[order[j]] < level).unwrap_or(order.len());
            order[i..end].reverse();
            i = end;
        }
    }
    order
}

/// L4: paired punctuation drawn in a right-to-left run shows its mirror
/// image, so "(note)" still opens towards the text it encloses.
pub fn mirror(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reorders a string for display, with the classes of its characters.
    fn display(s: &str, rtl: bool) -> String {
        let chars: Vec<char> = s.chars().collect();
        let classes: Vec<Class> = chars.iter().map(|&c| class(c)).collect();
        let levels = levels(&classes, rtl);
        visual_order(&levels)
            .into_iter()
            .map(|i| if levels[i] % 2 == 1 { mirror(chars[i]) } else { chars[i] })
            .collect()
    }

    #[test]
    fn latin_is_untouched() {
        assert_eq!(display("Zoë Dupré (12)", false), "Zoë Dupré (12)");
    }

    #[test]
    fn arabic_runs_are_reversed_inside_latin() {
        assert_eq!(display("ab سلام cd", false), "ab مالس cd");
    }

    #[test]
    fn digits_and_latin_keep_their_order_inside_arabic() {
        assert_eq!(display("سلام 123 abc", true), "abc 123 مالس");
        assert_eq!(display("سلام (كم)", true), "(مك) مالس");
        assert_eq!(display("abc", true), "abc");
    }

    #[test]
    fn first_strong_character_decides_the_direction() {
        assert_eq!(first_strong_rtl("12 فاطمة"), Some(true));
        assert_eq!(first_strong_rtl("- Zoë"), Some(false));
        assert_eq!(first_strong_rtl("12 !"), None);
    }
}
