//! PDF export of a table: A4 portrait, the title on every page, a bold
//! header row repeated on each page, cells wrapped (and cut with "…" past a
//! few lines). Hand-written on the embedded DejaVu Sans so every script our
//! users write in (Latin, Greek, Cyrillic, Arabic…) renders and extracts.

use std::fmt::Write as _;

use super::font::Font;
use super::pdf_doc::{self, Glyphs, PAGE_H, PAGE_W};
use super::table::Table;
use super::text::{Line, Text};

const MARGIN: f32 = 40.0;
const SIZE: f32 = 9.0;
const LEADING: f32 = 11.25;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 3.0;
const TITLE_SIZE: f32 = 14.0;
const TITLE_LINES: usize = 3;
/// Lines per cell before it is cut: one long note must not eat a page.
const CELL_LINES: usize = 6;
const MIN_COLUMN: f32 = 24.0;
/// Distance from a line's top to its baseline, as a share of the size
/// (DejaVu's ascent is 0.93 em).
const ASCENT: f32 = 0.95;
const FOOTER: f32 = 20.0;

pub fn to_pdf(t: &Table) -> Vec<u8> {
    let font = Font::embedded();
    let columns = t.columns().max(1);
    let texts = |row: &[String]| -> Vec<Text> {
        (0..columns).map(|c| Text::new(&font, Table::cell(row, c))).collect()
    };
    let header = texts(&t.headers);
    let rows: Vec<Vec<Text>> = t.rows.iter().map(|r| texts(r)).collect();
    let widths = column_widths(&header, &rows);
    let title = Text::new(&font, &t.title);
    let title_lines = title.lines(&font, em(PAGE_W - 2.0 * MARGIN, TITLE_SIZE), TITLE_LINES);

    let mut doc = Layout {
        font: &font,
        glyphs: Glyphs::default(),
        pages: Vec::new(),
        page: String::new(),
        y: 0.0,
        widths,
    };
    doc.new_page(&title_lines, title.rtl, &header);
    for row in &rows {
        let lines = doc.cell_lines(row);
        let height = row_height(&lines);
        if doc.y - height < MARGIN + FOOTER {
            doc.new_page(&title_lines, title.rtl, &header);
        }
        doc.row(row, &lines, false);
    }
    doc.finish_page();
    let count = doc.pages.len();
    let pages: Vec<Vec<u8>> = doc
        .pages
        .iter()
        .enumerate()
        .map(|(i, content)| {
            let mut content = content.clone();
            let number = Text::new(&font, &format!("{} / {count}", i + 1));
            let line = number.lines(&font, u32::MAX, 1);
            if let Some(line) = line.first() {
                let x = (PAGE_W - pt(line.width, 8.0)) / 2.0;
                draw(&mut doc.glyphs, &mut content, line, x, MARGIN, 8.0, false);
            }
            content.into_bytes()
        })
        .collect();
    pdf_doc::document(&font, &doc.glyphs, &pages, &t.title)
}

/// Thousandths of the font size in a width of `points`.
fn em(points: f32, size: f32) -> u32 {
    (points.max(0.0) * 1000.0 / size) as u32
}

/// Points in `width` thousandths of the font size.
fn pt(width: u32, size: f32) -> f32 {
    width as f32 * size / 1000.0
}

fn row_height(lines: &[Vec<Line>]) -> f32 {
    let most = lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
    most as f32 * LEADING + 2.0 * PAD_Y
}

/// Narrow columns get their natural width; the rest of the page is shared
/// evenly among the wider ones (smallest first, so each takes at most its
/// fair share). Space left when everything fits is handed out in
/// proportion, so the table spans the page.
fn column_widths(header: &[Text], rows: &[Vec<Text>]) -> Vec<f32> {
    let available = PAGE_W - 2.0 * MARGIN;
    let natural: Vec<f32> = (0..header.len())
        .map(|c| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(c))
                .chain(header.get(c))
                .map(Text::natural_width)
                .max()
                .unwrap_or(0);
            (pt(widest, SIZE) + 2.0 * PAD_X + 1.0).max(MIN_COLUMN)
        })
        .collect();
    let mut order: Vec<usize> = (0..natural.len()).collect();
    order.sort_by(|&a, &b| natural[a].total_cmp(&natural[b]));
    let mut widths = vec![0.0; natural.len()];
    let mut remaining = available;
    for (done, &c) in order.iter().enumerate() {
        let share = remaining / (natural.len() - done) as f32;
        widths[c] = natural[c].min(share);
        remaining -= widths[c];
    }
    let total: f32 = widths.iter().sum();
    if remaining > 0.5 && total > 0.0 {
        for w in &mut widths {
            *w += remaining * *w / total;
        }
    }
    widths
}

struct Layout<'a> {
    font: &'a Font,
    glyphs: Glyphs,
    pages: Vec<String>,
    /// The page being drawn (content stream operators).
    page: String,
    /// Where the next row starts, from the page bottom.
    y: f32,
    widths: Vec<f32>,
}

impl Layout<'_> {
    fn new_page(&mut self, title: &[Line], rtl: bool, header: &[Text]) {
        self.finish_page();
        self.y = PAGE_H - MARGIN;
        for line in title {
            let baseline = self.y - ASCENT * TITLE_SIZE;
            let x = aligned(MARGIN, PAGE_W - 2.0 * MARGIN, pt(line.width, TITLE_SIZE), rtl);
            draw(&mut self.glyphs, &mut self.page, line, x, baseline, TITLE_SIZE, true);
            self.y -= TITLE_SIZE * 1.25;
        }
        self.y -= if title.is_empty() { 0.0 } else { 8.0 };
        let lines = self.cell_lines(header);
        let width: f32 = self.widths.iter().sum();
        let height = row_height(&lines);
        let _ = writeln!(self.page, "0.9 g {MARGIN} {:.2} {width:.2} {height:.2} re f 0 g", self.y - height);
        self.row(header, &lines, true);
    }

    fn finish_page(&mut self) {
        if !self.page.is_empty() {
            self.pages.push(std::mem::take(&mut self.page));
        }
    }

    fn cell_lines(&self, row: &[Text]) -> Vec<Vec<Line>> {
        row.iter()
            .zip(&self.widths)
            .map(|(text, w)| text.lines(self.font, em(w - 2.0 * PAD_X, SIZE), CELL_LINES))
            .collect()
    }

    /// Draws one row at `self.y`, with a rule under it, and moves down.
    fn row(&mut self, row: &[Text], lines: &[Vec<Line>], bold: bool) {
        let mut x = MARGIN;
        for ((text, cell), w) in row.iter().zip(lines).zip(&self.widths) {
            for (k, line) in cell.iter().enumerate() {
                let baseline = self.y - PAD_Y - ASCENT * SIZE - k as f32 * LEADING;
                let lx = aligned(x + PAD_X, w - 2.0 * PAD_X, pt(line.width, SIZE), text.rtl);
                draw(&mut self.glyphs, &mut self.page, line, lx, baseline, SIZE, bold);
            }
            x += w;
        }
        self.y -= row_height(lines);
        let _ = writeln!(self.page, "0.7 G 0.4 w {MARGIN} {y:.2} m {x:.2} {y:.2} l S 0 G", y = self.y);
    }
}

/// The left edge of a line: right-aligned for right-to-left text.
fn aligned(left: f32, room: f32, width: f32, rtl: bool) -> f32 {
    if rtl { left + (room - width).max(0.0) } else { left }
}

/// Emits one line of glyphs as a hex string of CIDs. Bold is the font
/// outline stroked as well as filled (rendering mode 2), as we embed only
/// the regular face.
fn draw(glyphs: &mut Glyphs, out: &mut String, line: &Line, x: f32, y: f32, size: f32, bold: bool) {
    if line.glyphs.is_empty() {
        return;
    }
    // The rendering mode is graphics state, kept across BT/ET: always set.
    let mode = if bold { "2 Tr 0.3 w" } else { "0 Tr" };
    let _ = write!(out, "BT {mode} /F1 {size} Tf {x:.2} {y:.2} Td <");
    for g in &line.glyphs {
        let _ = write!(out, "{:04X}", glyphs.cid(g));
    }
    out.push_str("> Tj ET\n");
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
