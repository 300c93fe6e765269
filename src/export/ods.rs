//! OpenDocument spreadsheet (ODF 1.2): a ZIP of a few XML files. Written by
//! hand since one string-typed table needs none of a spreadsheet library.

use super::table::Table;
use super::zip::{Method, ZipWriter};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
const NS: &str = concat!(
    r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" "#,
    r#"xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" "#,
    r#"xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" "#,
    r#"xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" "#,
    r#"xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" "#,
    r#"xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" "#,
    r#"xmlns:dc="http://purl.org/dc/elements/1.1/" "#,
    r#"office:version="1.2""#
);
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// One sheet named after the title: a bold header row (marked as header rows
/// so it repeats on printed pages), then the rows, every cell a string, so a
/// `=cmd|…` cell is never evaluated as a formula.
pub fn to_ods(t: &Table) -> Vec<u8> {
    let mut zip = ZipWriter::new();
    // ODF 1.2 part 3, 3.3: first entry, stored, no extra field.
    zip.add("mimetype", MIMETYPE.as_bytes(), Method::Stored);
    zip.add("META-INF/manifest.xml", manifest().as_bytes(), Method::Deflated);
    zip.add("content.xml", content(t).as_bytes(), Method::Deflated);
    zip.add("styles.xml", styles().as_bytes(), Method::Deflated);
    zip.add("meta.xml", meta(&t.title).as_bytes(), Method::Deflated);
    zip.finish()
}

fn manifest() -> String {
    let mut m = String::from(XML_DECL);
    m.push_str(concat!(
        r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">"#,
        r#"<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>"#,
        r#"<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>"#,
        r#"<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>"#,
        r#"<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>"#,
        "</manifest:manifest>\n"
    ));
    m
}

fn styles() -> String {
    format!("{XML_DECL}<office:document-styles {NS}><office:styles/></office:document-styles>\n")
}

fn meta(title: &str) -> String {
    let mut m = format!(
        "{XML_DECL}<office:document-meta {NS}><office:meta><meta:generator>zerda</meta:generator><dc:title>"
    );
    escape_into(&mut m, &one_line(title));
    m.push_str("</dc:title></office:meta></office:document-meta>\n");
    m
}

fn content(t: &Table) -> String {
    // The schema wants at least one column and one cell.
    let columns = t.columns().max(1);
    let mut x = String::with_capacity(512 + 64 * columns * (t.rows.len() + 1));
    x.push_str(XML_DECL);
    x.push_str(&format!("<office:document-content {NS}>"));
    x.push_str(concat!(
        "<office:automatic-styles>",
        r#"<style:style style:name="ceHead" style:family="table-cell">"#,
        r#"<style:text-properties fo:font-weight="bold"/></style:style>"#,
        "</office:automatic-styles>",
        "<office:body><office:spreadsheet>"
    ));
    x.push_str("<table:table table:name=\"");
    escape_into(&mut x, &sheet_name(&t.title));
    x.push_str("\">");
    x.push_str(&format!("<table:table-column table:number-columns-repeated=\"{columns}\"/>"));
    x.push_str("<table:table-header-rows>");
    row_into(&mut x, &t.headers, columns, Some("ceHead"));
    x.push_str("</table:table-header-rows>");
    for row in &t.rows {
        row_into(&mut x, row, columns, None);
    }
    x.push_str("</table:table></office:spreadsheet></office:body></office:document-content>\n");
    x
}

fn row_into(x: &mut String, row: &[String], columns: usize, style: Option<&str>) {
    x.push_str("<table:table-row>");
    for column in 0..columns {
        let cell = Table::cell(row, column);
        x.push_str("<table:table-cell");
        if let Some(style) = style {
            x.push_str(&format!(" table:style-name=\"{style}\""));
        }
        if cell.is_empty() {
            x.push_str("/>");
            continue;
        }
        x.push_str(" office:value-type=\"string\">");
        // One paragraph per line: a raw newline in <text:p> is just a space.
        for line in cell.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
            x.push_str("<text:p>");
            paragraph_into(x, line);
            x.push_str("</text:p>");
        }
        x.push_str("</table:table-cell>");
    }
    x.push_str("</table:table-row>");
}

/// ODF collapses white space in paragraphs like HTML does, so runs of spaces,
/// leading and trailing ones become `<text:s/>` and tabs `<text:tab/>`.
fn paragraph_into(x: &mut String, line: &str) {
    let chars: Vec<char> = line.chars().filter(|&c| xml_char(c)).collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            ' ' => {
                let run = chars[i..].iter().take_while(|&&c| c == ' ').count();
                let inner = i > 0 && i + run < chars.len();
                if run == 1 && inner {
                    x.push(' ');
                } else {
                    x.push_str(&format!("<text:s text:c=\"{run}\"/>"));
                }
                i += run;
            }
            '\t' => {
                x.push_str("<text:tab/>");
                i += 1;
            }
            c => {
                escape_char(x, c);
                i += 1;
            }
        }
    }
}

/// LibreOffice refuses these in sheet names and Excel cuts them at 31
/// characters; the full title still goes to meta.xml.
fn sheet_name(title: &str) -> String {
    let cleaned: String = one_line(title)
        .chars()
        .map(|c| match c {
            '[' | ']' | '*' | '?' | ':' | '/' | '\\' => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = cleaned.trim_matches('\'').chars().take(31).collect();
    let name = name.trim();
    if name.is_empty() { "Sheet1".to_owned() } else { name.to_owned() }
}

/// Line breaks and tabs become spaces where only one line makes sense.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// XML 1.0 `Char`: anything else (most C0 controls, U+FFFE, U+FFFF) makes the
/// whole file unreadable, so it is dropped.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn escape_into(x: &mut String, s: &str) {
    for c in s.chars().filter(|&c| xml_char(c)) {
        escape_char(x, c);
    }
}

fn escape_char(x: &mut String, c: char) {
    match c {
        '&' => x.push_str("&amp;"),
        '<' => x.push_str("&lt;"),
        '>' => x.push_str("&gt;"),
        '"' => x.push_str("&quot;"),
        '\'' => x.push_str("&apos;"),
        // Escaped so an attribute value keeps them (parsers normalise raw
        // ones to spaces); only `one_line` text reaches attributes anyway.
        '\t' => x.push_str("&#9;"),
        '\n' => x.push_str("&#10;"),
        '\r' => x.push_str("&#13;"),
        c => x.push(c),
    }
}

#[cfg(test)]
#[path = "ods_tests.rs"]
mod tests;
