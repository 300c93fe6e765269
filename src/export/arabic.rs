//! Arabic shaping for PDF exports: each letter is replaced by its contextual
//! form (isolated, final, initial, medial) from the Arabic Presentation
//! Forms blocks, which DejaVu Sans maps in its cmap. That avoids a GSUB
//! engine; the PDF's ToUnicode map turns the forms back into the letters
//! typed, so copied or extracted text is the original.

/// One glyph to draw: the code point whose glyph is used, and the text it
/// stands for (one letter, or two for the lam-alef ligature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub draw: char,
    pub text: String,
}

impl Piece {
    pub fn plain(c: char) -> Piece {
        Piece { draw: c, text: c.to_string() }
    }
}

/// How a character connects to its neighbours (Unicode ArabicShaping.txt,
/// simplified: the type is read off which presentation forms exist).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Joining {
    /// Joins on both sides (beh, seen, lam…).
    Dual,
    /// Joins only to the letter before it (alef, dal, reh, waw…).
    Right,
    /// Joins nothing (hamza, Latin, spaces, digits…).
    None,
    /// Makes neighbours join without changing shape (tatweel, ZWJ).
    Causing,
    /// Skipped when looking for neighbours (harakat and other marks).
    Transparent,
}

const LAM: char = '\u{0644}';

/// Letters with presentation forms: base, then isolated, final, initial,
/// medial (0 where Unicode has none). Generated from the decompositions in
/// UnicodeData.txt (`<isolated> 0628` and so on).
#[rustfmt::skip]
const FORMS: &[(u16, [u16; 4])] = &[
    (0x0621, [0xFE80, 0x0000, 0x0000, 0x0000]), (0x0622, [0xFE81, 0xFE82, 0x0000, 0x0000]),
    (0x0623, [0xFE83, 0xFE84, 0x0000, 0x0000]), (0x0624, [0xFE85, 0xFE86, 0x0000, 0x0000]),
    (0x0625, [0xFE87, 0xFE88, 0x0000, 0x0000]), (0x0626, [0xFE89, 0xFE8A, 0xFE8B, 0xFE8C]),
    (0x0627, [0xFE8D, 0xFE8E, 0x0000, 0x0000]), (0x0628, [0xFE8F, 0xFE90, 0xFE91, 0xFE92]),
    (0x0629, [0xFE93, 0xFE94, 0x0000, 0x0000]), (0x062A, [0xFE95, 0xFE96, 0xFE97, 0xFE98]),
    (0x062B, [0xFE99, 0xFE9A, 0xFE9B, 0xFE9C]), (0x062C, [0xFE9D, 0xFE9E, 0xFE9F, 0xFEA0]),
    (0x062D, [0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4]), (0x062E, [0xFEA5, 0xFEA6, 0xFEA7, 0xFEA8]),
    (0x062F, [0xFEA9, 0xFEAA, 0x0000, 0x0000]), (0x0630, [0xFEAB, 0xFEAC, 0x0000, 0x0000]),
    (0x0631, [0xFEAD, 0xFEAE, 0x0000, 0x0000]), (0x0632, [0xFEAF, 0xFEB0, 0x0000, 0x0000]),
    (0x0633, [0xFEB1, 0xFEB2, 0xFEB3, 0xFEB4]), (0x0634, [0xFEB5, 0xFEB6, 0xFEB7, 0xFEB8]),
    (0x0635, [0xFEB9, 0xFEBA, 0xFEBB, 0xFEBC]), (0x0636, [0xFEBD, 0xFEBE, 0xFEBF, 0xFEC0]),
    (0x0637, [0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4]), (0x0638, [0xFEC5, 0xFEC6, 0xFEC7, 0xFEC8]),
    (0x0639, [0xFEC9, 0xFECA, 0xFECB, 0xFECC]), (0x063A, [0xFECD, 0xFECE, 0xFECF, 0xFED0]),
    (0x0641, [0xFED1, 0xFED2, 0xFED3, 0xFED4]), (0x0642, [0xFED5, 0xFED6, 0xFED7, 0xFED8]),
    (0x0643, [0xFED9, 0xFEDA, 0xFEDB, 0xFEDC]), (0x0644, [0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0]),
    (0x0645, [0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4]), (0x0646, [0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8]),
    (0x0647, [0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC]), (0x0648, [0xFEED, 0xFEEE, 0x0000, 0x0000]),
    (0x0649, [0xFEEF, 0xFEF0, 0xFBE8, 0xFBE9]), (0x064A, [0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4]),
    (0x0671, [0xFB50, 0xFB51, 0x0000, 0x0000]), (0x0677, [0xFBDD, 0x0000, 0x0000, 0x0000]),
    (0x0679, [0xFB66, 0xFB67, 0xFB68, 0xFB69]), (0x067A, [0xFB5E, 0xFB5F, 0xFB60, 0xFB61]),
    (0x067B, [0xFB52, 0xFB53, 0xFB54, 0xFB55]), (0x067E, [0xFB56, 0xFB57, 0xFB58, 0xFB59]),
    (0x067F, [0xFB62, 0xFB63, 0xFB64, 0xFB65]), (0x0680, [0xFB5A, 0xFB5B, 0xFB5C, 0xFB5D]),
    (0x0683, [0xFB76, 0xFB77, 0xFB78, 0xFB79]), (0x0684, [0xFB72, 0xFB73, 0xFB74, 0xFB75]),
    (0x0686, [0xFB7A, 0xFB7B, 0xFB7C, 0xFB7D]), (0x0687, [0xFB7E, 0xFB7F, 0xFB80, 0xFB81]),
    (0x0688, [0xFB88, 0xFB89, 0x0000, 0x0000]), (0x068C, [0xFB84, 0xFB85, 0x0000, 0x0000]),
    (0x068D, [0xFB82, 0xFB83, 0x0000, 0x0000]), (0x068E, [0xFB86, 0xFB87, 0x0000, 0x0000]),
    (0x0691, [0xFB8C, 0xFB8D, 0x0000, 0x0000]), (0x0698, [0xFB8A, 0xFB8B, 0x0000, 0x0000]),
    (0x06A4, [0xFB6A, 0xFB6B, 0xFB6C, 0xFB6D]), (0x06A6, [0xFB6E, 0xFB6F, 0xFB70, 0xFB71]),
    (0x06A9, [0xFB8E, 0xFB8F, 0xFB90, 0xFB91]), (0x06AD, [0xFBD3, 0xFBD4, 0xFBD5, 0xFBD6]),
    (0x06AF, [0xFB92, 0xFB93, 0xFB94, 0xFB95]), (0x06B1, [0xFB9A, 0xFB9B, 0xFB9C, 0xFB9D]),
    (0x06B3, [0xFB96, 0xFB97, 0xFB98, 0xFB99]), (0x06BA, [0xFB9E, 0xFB9F, 0x0000, 0x0000]),
    (0x06BB, [0xFBA0, 0xFBA1, 0xFBA2, 0xFBA3]), (0x06BE, [0xFBAA, 0xFBAB, 0xFBAC, 0xFBAD]),
    (0x06C0, [0xFBA4, 0xFBA5, 0x0000, 0x0000]), (0x06C1, [0xFBA6, 0xFBA7, 0xFBA8, 0xFBA9]),
    (0x06C5, [0xFBE0, 0xFBE1, 0x0000, 0x0000]), (0x06C6, [0xFBD9, 0xFBDA, 0x0000, 0x0000]),
    (0x06C7, [0xFBD7, 0xFBD8, 0x0000, 0x0000]), (0x06C8, [0xFBDB, 0xFBDC, 0x0000, 0x0000]),
    (0x06C9, [0xFBE2, 0xFBE3, 0x0000, 0x0000]), (0x06CB, [0xFBDE, 0xFBDF, 0x0000, 0x0000]),
    (0x06CC, [0xFBFC, 0xFBFD, 0xFBFE, 0xFBFF]), (0x06D0, [0xFBE4, 0xFBE5, 0xFBE6, 0xFBE7]),
    (0x06D2, [0xFBAE, 0xFBAF, 0x0000, 0x0000]), (0x06D3, [0xFBB0, 0xFBB1, 0x0000, 0x0000]),
];

fn forms(c: char) -> Option<[u16; 4]> {
    let code = u16::try_from(u32::from(c)).ok()?;
    let i = FORMS.binary_search_by_key(&code, |f| f.0).ok()?;
    Some(FORMS[i].1)
}

/// Whether `c` is a combining mark that rides on the previous letter:
/// Arabic harakat and Quranic marks, and the generic combining blocks.
pub fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}' | '\u{05C1}' | '\u{05C2}' | '\u{05C4}' | '\u{05C5}' | '\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}' | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn joining(c: char) -> Joining {
    if is_mark(c) {
        return Joining::Transparent;
    }
    if c == '\u{0640}' || c == '\u{200D}' {
        return Joining::Causing;
    }
    match forms(c) {
        Some([_, _, init, medi]) if init != 0 || medi != 0 => Joining::Dual,
        Some([_, fina, _, _]) if fina != 0 => Joining::Right,
        _ => Joining::None,
    }
}

/// Shapes one paragraph (logical order in, logical order out): one piece per
/// character, except lam + alef which become one ligature glyph, as Arabic
/// typography requires. `has_glyph` says whether the font can draw a
/// presentation form; when it cannot, the base letter is drawn.
pub fn shape(text: &[char], has_glyph: impl Fn(char) -> bool) -> Vec<Piece> {
    let types: Vec<Joining> = text.iter().map(|&c| joining(c)).collect();
    // The nearest non-transparent neighbour on each side.
    let neighbour = |from: usize, back: bool| -> Joining {
        let mut i = from;
        loop {
            let next = if back { i.checked_sub(1) } else { Some(i + 1) };
            match next.and_then(|j| types.get(j).map(|t| (j, *t))) {
                Some((j, Joining::Transparent)) => i = j,
                Some((_, t)) => return t,
                None => return Joining::None,
            }
        }
    };
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let t = types[i];
        let joins_before = matches!(t, Joining::Dual | Joining::Right | Joining::Causing)
            && matches!(neighbour(i, true), Joining::Dual | Joining::Causing);
        let joins_after = matches!(t, Joining::Dual | Joining::Causing)
            && matches!(neighbour(i, false), Joining::Dual | Joining::Right | Joining::Causing);
        if c == LAM
            && let Some(&alef) = text.get(i + 1)
            && let Some(lig) = lam_alef(alef, joins_before)
            && has_glyph(lig)
        {
            out.push(Piece { draw: lig, text: [c, alef].iter().collect() });
            i += 2;
            continue;
        }
        let form = match (joins_before, joins_after) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        };
        let draw = forms(c)
            .and_then(|f| char::from_u32(u32::from(f[form])))
            .filter(|&d| d != '\0' && has_glyph(d))
            .unwrap_or(c);
        out.push(Piece { draw, text: c.to_string() });
        i += 1;
    }
    out
}

/// The lam-alef ligature for an alef variant: final when the lam joins the
/// letter before it, isolated otherwise.
fn lam_alef(alef: char, joined: bool) -> Option<char> {
    let isolated = match alef {
        '\u{0622}' => 0xFEF5,
        '\u{0623}' => 0xFEF7,
        '\u{0625}' => 0xFEF9,
        '\u{0627}' => 0xFEFB,
        _ => return None,
    };
    char::from_u32(isolated + u32::from(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        shape(&chars, |_| true).iter().map(|p| p.draw).collect()
    }

    #[test]
    fn letters_take_their_contextual_forms() {
        // فاطمة: feh initial, alef final, tah initial, meem medial, teh
        // marbuta final.
        assert_eq!(draw("فاطمة"), "\u{FED3}\u{FE8E}\u{FEC3}\u{FEE4}\u{FE94}");
        // الزهراء: alef isolated, lam initial, zain final, heh initial, reh
        // final, alef isolated, hamza isolated.
        assert_eq!(draw("الزهراء"), "\u{FE8D}\u{FEDF}\u{FEB0}\u{FEEB}\u{FEAE}\u{FE8D}\u{FE80}");
    }

    #[test]
    fn lam_alef_is_one_glyph_standing_for_two_letters() {
        let chars: Vec<char> = "سلام".chars().collect();
        let pieces = shape(&chars, |_| true);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[1].draw, '\u{FEFC}', "final: the lam joins the seen");
        assert_eq!(pieces[1].text, "لا");
        let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, "سلام");
        assert_eq!(draw("لا"), "\u{FEFB}");
    }

    #[test]
    fn marks_are_transparent_and_missing_forms_fall_back() {
        // بَب: the fatha between the behs does not break the join.
        assert_eq!(draw("بَب"), "\u{FE91}\u{064E}\u{FE90}");
        let chars: Vec<char> = "بب".chars().collect();
        let plain: String = shape(&chars, |_| false).iter().map(|p| p.draw).collect();
        assert_eq!(plain, "بب");
        assert_eq!(draw("Zoë 12"), "Zoë 12");
    }

    #[test]
    fn forms_table_is_sorted_for_binary_search() {
        assert!(FORMS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
