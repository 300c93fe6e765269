//! PDF file structure for the exports: objects, the embedded font (a
//! CIDFontType2 under a Type0 font, Identity-H), its ToUnicode map, and the
//! cross-reference table. The page layout is in pdf.rs.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use super::bidi::{self, Class};
use super::font::Font;
use super::text::Glyph;

/// The glyphs a document uses, each distinct (glyph, text) pair under its
/// own CID. Keying on the text too matters: DejaVu draws Latin "o" and
/// Cyrillic "о" with one glyph, and a single glyph-to-text map would extract
/// a Russian name with a Latin letter inside.
#[derive(Default)]
pub struct Glyphs {
    ids: HashMap<(u16, String), u16>,
    /// Indexed by CID - 1: glyph id, text, width.
    list: Vec<(u16, String, u32)>,
}

impl Glyphs {
    /// The CID for a glyph, allocated on first use. Past 65 535 distinct
    /// pairs (more than any table of names reaches) the empty glyph is used.
    pub fn cid(&mut self, g: &Glyph) -> u16 {
        let key = (g.gid, g.text.clone());
        if let Some(&cid) = self.ids.get(&key) {
            return cid;
        }
        let Ok(cid) = u16::try_from(self.list.len() + 1) else {
            return 0;
        };
        self.list.push((g.gid, g.text.clone(), g.width));
        self.ids.insert(key, cid);
        cid
    }
}

/// Page size, A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;

const FONT_NAME: &str = "DejaVuSans";

/// Assembles the file from the pages' content streams.
pub fn document(font: &Font, glyphs: &Glyphs, pages: &[Vec<u8>], title: &str) -> Vec<u8> {
    let mut pdf = Writer::default();
    pdf.out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let first_page = 10;
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", first_page + 2 * i)).collect();
    pdf.object(1, b"<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /DisplayDocTitle true >> >>");
    let media = format!("[0 0 {PAGE_W} {PAGE_H}]");
    pdf.object(
        2,
        format!("<< /Type /Pages /Kids [{}] /Count {} /MediaBox {media} >>", kids.join(" "), pages.len())
            .as_bytes(),
    );
    let used: BTreeSet<u16> = glyphs.list.iter().map(|g| g.0).collect();
    let name = format!("{}+{FONT_NAME}", subset_tag(&used));
    pdf.object(
        3,
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H \
             /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>"
        )
        .as_bytes(),
    );
    let widths: Vec<String> = glyphs.list.iter().map(|g| g.2.to_string()).collect();
    pdf.object(
        4,
        format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor 5 0 R /DW {} /W [1 [{}]] /CIDToGIDMap 8 0 R >>",
            font.width(0),
            widths.join(" ")
        )
        .as_bytes(),
    );
    let m = font.metrics();
    let [x0, y0, x1, y1] = m.bbox;
    pdf.object(
        5,
        format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{x0} {y0} {x1} {y1}] \
             /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
            m.ascent, m.descent, m.cap_height
        )
        .as_bytes(),
    );
    let program = font.subset(&used);
    pdf.stream(6, &format!("/Length1 {}", program.len()), &program);
    pdf.stream(7, "", to_unicode(glyphs).as_bytes());
    let mut map = vec![0u8, 0];
    for (gid, _, _) in &glyphs.list {
        map.extend_from_slice(&gid.to_be_bytes());
    }
    pdf.stream(8, "", &map);
    pdf.object(9, format!("<< /Title {} /Producer (zerda) >>", utf16_hex(title)).as_bytes());
    for (i, content) in pages.iter().enumerate() {
        let id = first_page + 2 * i;
        pdf.object(
            id,
            format!(
                "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> \
                 /Contents {} 0 R >>",
                id + 1
            )
            .as_bytes(),
        );
        pdf.stream(id + 1, "", content);
    }
    pdf.finish()
}

/// Object offsets for the cross-reference table, by object number.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl Writer {
    fn object(&mut self, id: usize, body: &[u8]) {
        self.offsets.push((id, self.out.len()));
        self.out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// A Flate-compressed stream; `extra` adds dictionary entries.
    fn stream(&mut self, id: usize, extra: &str, data: &[u8]) {
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
        let mut body =
            format!("<< /Length {} /Filter /FlateDecode {extra} >>\nstream\n", packed.len()).into_bytes();
        body.extend_from_slice(&packed);
        body.extend_from_slice(b"\nendstream");
        self.object(id, &body);
    }

    fn finish(mut self) -> Vec<u8> {
        self.offsets.sort_unstable();
        let size = self.offsets.last().map_or(0, |o| o.0) + 1;
        let xref = self.out.len();
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        let mut next = 1;
        for &(id, offset) in &self.offsets {
            // Numbers are dense by construction; a gap would be a free entry.
            while next < id {
                table.push_str("0000000000 65535 f \n");
                next += 1;
            }
            // Exactly 20 bytes: the trailing space and LF are the EOL.
            let _ = writeln!(table, "{offset:010} 00000 n ");
            next += 1;
        }
        let _ =
            write!(table, "trailer\n<< /Size {size} /Root 1 0 R /Info 9 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}

/// The CMap that maps each CID back to the text it was drawn for, which is
/// what text extraction, search and copy-and-paste read.
fn to_unicode(glyphs: &Glyphs) -> String {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // At most 100 entries per bfchar block (PDF reference, 9.10.3).
    for (block, chunk) in glyphs.list.chunks(100).enumerate() {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (i, (_, text, _)) in chunk.iter().enumerate() {
            let cid = block * 100 + i + 1;
            // Extractors (poppler, pdf.js) read right-to-left glyphs in
            // drawing order and reverse the run character by character, so
            // a ligature standing for several letters (lam-alef) is mapped
            // in visual order to come out in typed order.
            let rtl = text.chars().next().is_some_and(|c| bidi::class(c) == Class::R);
            let text: String = if rtl { text.chars().rev().collect() } else { text.clone() };
            let units: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
            let _ = writeln!(cmap, "<{cid:04X}> <{units}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

/// A PDF text string in UTF-16BE with its byte-order mark, as hex, so no
/// character of the title needs escaping.
fn utf16_hex(s: &str) -> String {
    let units: String = s
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .encode_utf16()
        .map(|u| format!("{u:04X}"))
        .collect();
    format!("<FEFF{units}>")
}

/// Six capital letters naming the subset (PDF reference, 9.6.4), derived
/// from the glyphs kept so different subsets get different names.
fn subset_tag(used: &BTreeSet<u16>) -> String {
    // FNV-1a: any stable hash will do, this one is three lines.
    let mut h: u32 = 0x811C_9DC5;
    for gid in used {
        for b in gid.to_be_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    (0..6).map(|i| char::from(b'A' + ((h >> (5 * i)) % 26) as u8)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_glyph_with_different_text_gets_two_cids() {
        let mut g = Glyphs::default();
        let o = |text: &str| Glyph { gid: 82, text: text.into(), width: 600 };
        assert_eq!(g.cid(&o("o")), 1);
        assert_eq!(g.cid(&o("о")), 2);
        assert_eq!(g.cid(&o("o")), 1);
        let cmap = to_unicode(&g);
        assert!(cmap.contains("<0001> <006F>") && cmap.contains("<0002> <043E>"));
        let lam_alef = Glyph { gid: 3000, text: "لا".into(), width: 600 };
        assert_eq!(g.cid(&lam_alef), 3);
        assert!(to_unicode(&g).contains("<0003> <06270644>"), "alef, lam");
    }

    #[test]
    fn titles_are_utf16_hex() {
        assert_eq!(utf16_hex("é\n𝄞"), "<FEFF00E9D834DD1E>");
        assert_eq!(subset_tag(&BTreeSet::from([1, 2])).len(), 6);
    }
}
