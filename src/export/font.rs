//! Just enough TrueType for PDF exports: glyph lookup, advance widths, the
//! metrics a font descriptor needs, and subsetting to the glyphs a document
//! uses. Hand-written (≈200 lines) because the only font is our own embedded
//! DejaVu Sans, so the general parsers of a font crate buy little.

use std::collections::BTreeSet;

/// DejaVu Sans 2.37, licence in fonts/LICENSE-DejaVu.txt.
pub static DEJAVU_SANS: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// A parsed font: offsets into the file, read lazily.
pub struct Font {
    data: &'static [u8],
    tables: Vec<([u8; 4], usize, usize)>,
    cmap12: usize,
    pub units_per_em: u16,
    num_glyphs: u16,
    num_h_metrics: u16,
    long_loca: bool,
}

impl Font {
    /// The embedded font. Its bytes are fixed at build time and a test
    /// parses them, so a failure here is a build defect, not bad input.
    pub fn embedded() -> Font {
        Font::parse(DEJAVU_SANS).expect("the embedded DejaVu Sans parses")
    }

    /// Reads the table directory and the few header fields used everywhere.
    /// Only the (3,10) format 12 cmap is read: DejaVu has one, and it covers
    /// the whole of Unicode. Without it (as in our subsets) no character
    /// maps to a glyph.
    pub fn parse(data: &'static [u8]) -> Option<Font> {
        let count = usize::from(u16_at(data, 4)?);
        let mut tables = Vec::with_capacity(count);
        for i in 0..count {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
            let offset = u32_at(data, rec + 8)? as usize;
            let len = u32_at(data, rec + 12)? as usize;
            data.get(offset..offset.checked_add(len)?)?;
            tables.push((tag, offset, len));
        }
        let mut font = Font {
            data,
            tables,
            cmap12: 0,
            units_per_em: 0,
            num_glyphs: 0,
            num_h_metrics: 0,
            long_loca: false,
        };
        let head = font.table(b"head")?;
        font.units_per_em = u16_at(head, 18)?;
        font.long_loca = u16_at(head, 50)? == 1;
        font.num_glyphs = u16_at(font.table(b"maxp")?, 4)?;
        font.num_h_metrics = u16_at(font.table(b"hhea")?, 34)?;
        let cmap = font.table(b"cmap").unwrap_or_default();
        let cmap_offset = font.tables.iter().find(|t| &t.0 == b"cmap").map_or(0, |t| t.1);
        for i in 0..usize::from(u16_at(cmap, 2).unwrap_or(0)) {
            let rec = 4 + 8 * i;
            let sub = u32_at(cmap, rec + 4)? as usize;
            if (u16_at(cmap, rec)?, u16_at(cmap, rec + 2)?) == (3, 10) && u16_at(cmap, sub)? == 12 {
                font.cmap12 = cmap_offset + sub;
            }
        }
        (font.units_per_em != 0).then_some(font)
    }

    /// The raw bytes of a table, if the font has it.
    fn table(&self, tag: &[u8; 4]) -> Option<&'static [u8]> {
        let data = self.data;
        let (_, offset, len) = self.tables.iter().find(|t| &t.0 == tag)?;
        data.get(*offset..offset + len)
    }

    /// The glyph drawing `c`, if the font has one (binary search over the
    /// sorted groups of the format 12 cmap).
    pub fn glyph(&self, c: char) -> Option<u16> {
        let code = u32::from(c);
        let base = self.cmap12;
        if base == 0 {
            return None;
        }
        let groups = u32_at(self.data, base + 12)? as usize;
        let (mut lo, mut hi) = (0, groups);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let g = base + 16 + 12 * mid;
            let (start, end) = (u32_at(self.data, g)?, u32_at(self.data, g + 4)?);
            if code < start {
                hi = mid;
            } else if code > end {
                lo = mid + 1;
            } else {
                let gid = u32_at(self.data, g + 8)? + (code - start);
                return u16::try_from(gid).ok().filter(|&g| g != 0);
            }
        }
        None
    }

    /// Advance width in font units; glyphs past the last long metric share
    /// its advance (the hmtx layout for monospaced tails).
    pub fn advance(&self, gid: u16) -> u16 {
        let index = gid.min(self.num_h_metrics.saturating_sub(1));
        self.table(b"hmtx").and_then(|h| u16_at(h, 4 * usize::from(index))).unwrap_or(0)
    }

    /// Advance width in PDF glyph space (thousandths of the font size).
    pub fn width(&self, gid: u16) -> u32 {
        let units = u32::from(self.advance(gid)) * 1000;
        let upem = u32::from(self.units_per_em);
        (units + upem / 2) / upem
    }

    /// Metrics for the PDF font descriptor, in thousandths of an em:
    /// bounding box, ascent, descent and the height of a capital H.
    pub fn metrics(&self) -> Metrics {
        let scale = |v: i16| i32::from(v) * 1000 / i32::from(self.units_per_em);
        let head = self.table(b"head").unwrap_or_default();
        let hhea = self.table(b"hhea").unwrap_or_default();
        let i = |t: &[u8], o| i16_at(t, o).unwrap_or(0);
        let cap = self.glyph('H').and_then(|g| self.glyph_data(g)).map_or(0, |g| i(g, 8));
        Metrics {
            bbox: [i(head, 36), i(head, 38), i(head, 40), i(head, 42)].map(scale),
            ascent: scale(i(hhea, 4)),
            descent: scale(i(hhea, 6)),
            cap_height: scale(cap),
        }
    }

    fn loca(&self, gid: u16) -> Option<(usize, usize)> {
        let loca = self.table(b"loca")?;
        let i = usize::from(gid);
        if self.long_loca {
            Some((u32_at(loca, 4 * i)? as usize, u32_at(loca, 4 * i + 4)? as usize))
        } else {
            let at = |j| u16_at(loca, 2 * j).map(|v| 2 * usize::from(v));
            Some((at(i)?, at(i + 1)?))
        }
    }

    /// The glyf entry of a glyph (empty for blank glyphs such as space).
    fn glyph_data(&self, gid: u16) -> Option<&'static [u8]> {
        let (start, end) = self.loca(gid)?;
        self.table(b"glyf")?.get(start..end)
    }

    /// A copy of the font that keeps the glyph ids (so nothing needs
    /// renumbering) but empties every glyph the document does not use.
    /// Composite glyphs (many accented letters) bring their components.
    /// Only the tables a PDF TrueType font program needs are kept (no cmap:
    /// the PDF maps its codes to glyph ids itself).
    pub fn subset(&self, used: &BTreeSet<u16>) -> Vec<u8> {
        let mut keep: BTreeSet<u16> = used.iter().copied().chain([0]).collect();
        let mut todo: Vec<u16> = keep.iter().copied().collect();
        while let Some(gid) = todo.pop() {
            for part in self.components(gid) {
                if part < self.num_glyphs && keep.insert(part) {
                    todo.push(part);
                }
            }
        }
        let mut glyf = Vec::new();
        let mut loca = Vec::with_capacity(4 * (usize::from(self.num_glyphs) + 1));
        for gid in 0..self.num_glyphs {
            loca.extend_from_slice(&offset32(glyf.len()));
            if keep.contains(&gid) {
                glyf.extend_from_slice(self.glyph_data(gid).unwrap_or_default());
                glyf.resize(glyf.len().next_multiple_of(4), 0);
            }
        }
        loca.extend_from_slice(&offset32(glyf.len()));
        let mut head = self.table(b"head").unwrap_or_default().to_vec();
        if head.len() >= 54 {
            head[8..12].fill(0); // checkSumAdjustment, set below
            head[50..52].copy_from_slice(&1u16.to_be_bytes()); // long loca
        }
        let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![(*b"glyf", glyf), (*b"head", head)];
        tables.push((*b"loca", loca));
        // PDF needs the first six; OS/2 and post are there for stricter
        // renderers, post cut to its 32-byte header (version 3: no glyph
        // names, which are 62 KB in DejaVu).
        for tag in [b"cvt ", b"fpgm", b"hhea", b"hmtx", b"maxp", b"prep", b"OS/2"] {
            if let Some(t) = self.table(tag) {
                tables.push((*tag, t.to_vec()));
            }
        }
        if let Some(post) = self.table(b"post").and_then(|p| p.get(..32)) {
            let mut post = post.to_vec();
            post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
            tables.push((*b"post", post));
        }
        tables.sort_by_key(|t| t.0);
        write_sfnt(&tables)
    }

    /// The glyphs a composite glyph is built from (none for simple ones).
    fn components(&self, gid: u16) -> Vec<u16> {
        let mut parts = Vec::new();
        let Some(g) = self.glyph_data(gid) else {
            return parts;
        };
        if i16_at(g, 0).is_none_or(|contours| contours >= 0) {
            return parts;
        }
        let mut at = 10;
        while let (Some(flags), Some(part)) = (u16_at(g, at), u16_at(g, at + 2)) {
            parts.push(part);
            at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            at += match flags {
                f if f & 0x0008 != 0 => 2,
                f if f & 0x0040 != 0 => 4,
                f if f & 0x0080 != 0 => 8,
                _ => 0,
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
        parts
    }
}

/// Descriptor metrics, in thousandths of an em.
pub struct Metrics {
    pub bbox: [i32; 4],
    pub ascent: i32,
    pub descent: i32,
    pub cap_height: i32,
}

/// Lays out an sfnt file: directory, then 4-byte aligned tables with their
/// checksums, then the whole-file checksum adjustment in head.
fn write_sfnt(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = u16::try_from(tables.len()).unwrap_or(u16::MAX);
    let entry_selector = 15 - n.max(1).leading_zeros() as u16;
    let search_range = 16u16 << entry_selector;
    let mut out = Vec::new();
    for v in [0x0001u16, 0x0000, n, search_range, entry_selector] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&(n * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&offset32(offset));
        out.extend_from_slice(&offset32(data.len()));
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at.filter(|at| out.len() >= at + 12) {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

/// The sfnt checksum: the sum of big-endian u32 words, zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn offset32(v: usize) -> [u8; 4] {
    u32::try_from(v).unwrap_or(u32::MAX).to_be_bytes()
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn i16_at(d: &[u8], at: usize) -> Option<i16> {
    u16_at(d, at).map(|v| v as i16)
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_covers_the_scripts_we_promise() {
        let f = Font::embedded();
        assert_eq!(f.units_per_em, 2048);
        for c in "Zoë Dupré Дмитрий Ελευθερία فاطمة …ﻓﺎﻃﻤﺔ ﻻ".chars() {
            assert!(f.glyph(c).is_some(), "no glyph for {c:?}");
        }
        assert_eq!(f.glyph('\u{4E00}'), None, "no CJK in DejaVu Sans");
        let m = f.metrics();
        assert!(m.ascent > 700 && m.descent < 0 && m.cap_height > 600);
    }

    #[test]
    fn subset_keeps_used_and_component_glyphs_only() {
        let f = Font::embedded();
        let e_acute = f.glyph('é').expect("é");
        let parts = f.components(e_acute);
        assert!(!parts.is_empty(), "é is composite in DejaVu");
        let bytes = f.subset(&BTreeSet::from([e_acute]));
        assert!(bytes.len() < 80_000, "subset is {} bytes", bytes.len());
        assert_eq!(checksum(&bytes), 0xB1B0_AFBA, "checkSumAdjustment");
        let sub = Font::parse(Box::leak(bytes.into_boxed_slice())).expect("parses");
        assert_eq!(sub.num_glyphs, f.num_glyphs, "glyph ids are kept");
        for gid in parts.iter().copied().chain([e_acute]) {
            assert_eq!(sub.glyph_data(gid), f.glyph_data(gid));
        }
        let a = f.glyph('A').expect("A");
        assert!(!f.glyph_data(a).unwrap_or_default().is_empty());
        assert_eq!(sub.glyph_data(a), Some(&[][..]), "unused glyphs are emptied");
        assert_eq!(sub.advance(a), f.advance(a));
        assert_eq!(checksum(&[0, 0, 0, 1, 0, 0, 0, 2, 3]), 3 + 0x0300_0000);
    }
}
