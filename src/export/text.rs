//! Cell text for PDF exports: cleaned, shaped, measured, wrapped to a column
//! width and put in visual (left-to-right drawing) order.

use super::arabic::{self, Piece};
use super::bidi::{self, Class};
use super::font::Font;

/// One glyph to draw: its id, the text it stands for (for the ToUnicode
/// map, so extraction gives the typed text back) and its advance in
/// thousandths of the font size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glyph {
    pub gid: u16,
    pub text: String,
    pub width: u32,
}

impl Glyph {
    fn new(font: &Font, draw: char, text: String) -> Glyph {
        // No glyph even for the base letter: the font's empty box (gid 0),
        // still mapped to the real text so copy and paste keep it.
        let gid = font.glyph(draw).unwrap_or(0);
        Glyph { gid, text, width: font.width(gid) }
    }
}

/// A base character with the marks on it: wrapped and reordered as a unit.
#[derive(Clone, Debug)]
struct Cluster {
    glyphs: Vec<Glyph>,
    /// The base glyph's mirror image, drawn in right-to-left runs.
    mirrored: Option<Glyph>,
    class: Class,
    space: bool,
    width: u32,
}

impl Cluster {
    fn new(font: &Font, piece: Piece) -> Cluster {
        let first = piece.text.chars().next().unwrap_or(' ');
        let mirror = bidi::mirror(first);
        let glyph = Glyph::new(font, piece.draw, piece.text);
        Cluster {
            width: glyph.width,
            mirrored: (mirror != first).then(|| Glyph::new(font, mirror, glyph.text.clone())),
            glyphs: vec![glyph],
            class: bidi::class(first),
            space: first == ' ',
        }
    }
}

struct Paragraph {
    clusters: Vec<Cluster>,
    rtl: bool,
}

/// A cell's text, ready to be wrapped at any width.
pub struct Text {
    paragraphs: Vec<Paragraph>,
    /// The cell's direction (its first strong character), for alignment.
    pub rtl: bool,
}

/// One line in drawing order, and its width in thousandths of the font size.
#[derive(Debug, Default)]
pub struct Line {
    pub glyphs: Vec<Glyph>,
    pub width: u32,
}

/// Invisible formatting characters the font has no glyph for. ZWNJ/ZWJ are
/// dropped only after shaping, as they decide how Arabic letters join.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

impl Text {
    pub fn new(font: &Font, text: &str) -> Text {
        let rtl = bidi::first_strong_rtl(text).unwrap_or(false);
        let paragraphs = text
            .split("\r\n")
            .flat_map(|p| p.split(['\r', '\n', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}']))
            .map(|p| {
                let chars: Vec<char> =
                    p.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|&c| !c.is_control()).collect();
                let mut clusters: Vec<Cluster> = Vec::with_capacity(chars.len());
                for piece in arabic::shape(&chars, |c| font.glyph(c).is_some()) {
                    let first = piece.text.chars().next().unwrap_or(' ');
                    if invisible(first) {
                        continue;
                    }
                    match clusters.last_mut() {
                        Some(last) if arabic::is_mark(first) => {
                            let mark = Glyph::new(font, piece.draw, piece.text);
                            last.width += mark.width;
                            last.glyphs.push(mark);
                        }
                        _ => clusters.push(Cluster::new(font, piece)),
                    }
                }
                Paragraph { rtl: bidi::first_strong_rtl(p).unwrap_or(rtl), clusters }
            })
            .collect();
        Text { paragraphs, rtl }
    }

    /// The width of the longest paragraph, unwrapped.
    pub fn natural_width(&self) -> u32 {
        self.paragraphs.iter().map(|p| p.clusters.iter().map(|c| c.width).sum()).max().unwrap_or(0)
    }

    /// Wraps at spaces (inside words only when a word is wider than the
    /// column) and keeps at most `max_lines`, ending the last one with "…"
    /// when something was cut.
    pub fn lines(&self, font: &Font, max_width: u32, max_lines: usize) -> Vec<Line> {
        let mut lines: Vec<(Vec<Cluster>, bool)> = Vec::new();
        let mut cut = false;
        for p in &self.paragraphs {
            for line in wrap(&p.clusters, max_width) {
                if lines.len() == max_lines {
                    cut = true;
                    break;
                }
                lines.push((line, p.rtl));
            }
        }
        if cut && let Some((last, _)) = lines.last_mut() {
            let ellipsis = Cluster::new(font, Piece::plain('…'));
            while !last.is_empty() && width(last) + ellipsis.width > max_width {
                last.pop();
            }
            while last.last().is_some_and(|c| c.space) {
                last.pop();
            }
            last.push(ellipsis);
        }
        lines.into_iter().map(|(clusters, rtl)| visual(&clusters, rtl)).collect()
    }
}

fn width(clusters: &[Cluster]) -> u32 {
    clusters.iter().map(|c| c.width).sum()
}

/// Greedy line breaking over one paragraph; trailing spaces are dropped from
/// each line (they would only shift right-aligned text).
fn wrap(clusters: &[Cluster], max_width: u32) -> Vec<Vec<Cluster>> {
    let mut lines = Vec::new();
    let mut line: Vec<Cluster> = Vec::new();
    let mut i = 0;
    while i < clusters.len() {
        let word_end = (i..clusters.len()).find(|&j| clusters[j].space).unwrap_or(clusters.len());
        let spaces_end = (word_end..clusters.len()).find(|&j| !clusters[j].space).unwrap_or(clusters.len());
        let word = width(&clusters[i..word_end]);
        if width(&line) + word <= max_width {
            line.extend_from_slice(&clusters[i..spaces_end]);
            i = spaces_end;
        } else if !line.is_empty() {
            lines.push(trimmed(std::mem::take(&mut line)));
        } else {
            // A word wider than the column: break it where it overflows,
            // keeping at least one cluster so the loop always advances.
            let mut w = 0;
            let mut j = i;
            while j < word_end && (j == i || w + clusters[j].width <= max_width) {
                w += clusters[j].width;
                j += 1;
            }
            lines.push(clusters[i..j].to_vec());
            i = j;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(trimmed(line));
    }
    lines
}

fn trimmed(mut line: Vec<Cluster>) -> Vec<Cluster> {
    while line.last().is_some_and(|c| c.space) {
        line.pop();
    }
    line
}

/// Bidi-reorders a line (logical order in) into drawing order.
fn visual(clusters: &[Cluster], rtl: bool) -> Line {
    let classes: Vec<Class> = clusters.iter().map(|c| c.class).collect();
    let levels = bidi::levels(&classes, rtl);
    let mut line = Line::default();
    for i in bidi::visual_order(&levels) {
        let c = &clusters[i];
        line.width += c.width;
        let mut glyphs = c.glyphs.iter();
        if levels[i] % 2 == 1
            && let Some(m) = &c.mirrored
        {
            glyphs.next();
            line.glyphs.push(m.clone());
        }
        line.glyphs.extend(glyphs.cloned());
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.glyphs.iter().map(|g| g.text.as_str()).collect()).collect()
    }

    #[test]
    fn wraps_at_spaces_and_cuts_with_an_ellipsis() {
        let f = Font::embedded();
        let t = Text::new(&f, "aaa bbb ccc ddd");
        let w = Text::new(&f, "aaa bbb").natural_width();
        assert_eq!(texts(&t.lines(&f, w, 9)), ["aaa bbb", "ccc ddd"]);
        let cut = texts(&t.lines(&f, w, 1));
        assert_eq!(cut.len(), 1);
        assert!(cut[0].ends_with('…') && cut[0].starts_with("aaa"), "{cut:?}");
    }

    #[test]
    fn long_words_break_and_line_breaks_start_paragraphs() {
        let f = Font::embedded();
        let w = Text::new(&f, "xxxx").natural_width();
        let t = Text::new(&f, "xxxxxxxxxx\r\nl2\rl3\nl4\u{0}\u{7}");
        assert_eq!(texts(&t.lines(&f, w, 9)), ["xxxx", "xxxx", "xx", "l2", "l3", "l4"]);
        // A column narrower than one letter still makes progress.
        assert_eq!(texts(&t.lines(&f, 1, 3)).len(), 3);
    }

    #[test]
    fn arabic_is_drawn_reversed_with_its_text_kept() {
        let f = Font::embedded();
        let t = Text::new(&f, "فاطمة (1)");
        assert!(t.rtl);
        let lines = t.lines(&f, 100_000, 1);
        // Drawn from the left: the logical ")" (shown mirrored, as "("),
        // "1", "(", the space, then the letters from the last (teh
        // marbuta) to the first (feh).
        assert_eq!(texts(&lines), [")1( ةمطاف"]);
        let open = f.glyph('(').expect("(");
        assert_eq!(lines[0].glyphs[0].gid, open, "mirrored");
        assert_eq!(lines[0].glyphs[0].text, ")");
        let feh_initial = f.glyph('\u{FED3}').expect("feh initial form");
        assert_eq!(lines[0].glyphs.last().map(|g| g.gid), Some(feh_initial));
    }
}
