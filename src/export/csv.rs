//! CSV (RFC 4180) for spreadsheet apps. Hand-rolled: quoting and the formula
//! guard are a few lines, and the `csv` crate would not add the guard anyway.

use super::table::Table;

/// UTF-8 with a byte-order mark, which is how Excel and LibreOffice tell
/// UTF-8 from the local 8-bit code page when a file is opened by double-click.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Header row then one record per row, CRLF line ends, every record padded to
/// the same number of fields (RFC 4180 asks for that).
pub fn to_csv(t: &Table) -> Vec<u8> {
    let columns = t.columns();
    let mut out = Vec::with_capacity(BOM.len() + 64 * (t.rows.len() + 1));
    out.extend_from_slice(BOM);
    for row in std::iter::once(&t.headers).chain(&t.rows) {
        for column in 0..columns {
            if column > 0 {
                out.push(b',');
            }
            write_field(&mut out, Table::cell(row, column));
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One field: guarded against formula injection, quoted when it holds a
/// separator, a quote or a line break, inner quotes doubled.
fn write_field(out: &mut Vec<u8>, cell: &str) {
    // OWASP "CSV injection": spreadsheet apps evaluate a cell starting with
    // one of these as a formula (`=HYPERLINK(...)`, `@SUM(...)`, DDE `=cmd|`).
    // A leading apostrophe makes them show it as text.
    let guarded = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = guarded || cell.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push(b'"');
    }
    if guarded {
        out.push(b'\'');
    }
    for part in cell.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    if quoted {
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            title: "T".into(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect(),
        }
    }

    fn text(t: &Table) -> String {
        let bytes = to_csv(t);
        assert!(bytes.starts_with(BOM));
        String::from_utf8(bytes[BOM.len()..].to_vec()).expect("utf-8")
    }

    #[test]
    fn plain_cells_stay_bare_and_lines_end_in_crlf() {
        let t = table(&["Name", "City"], &[&["Zoë Dupré", "Дмитров"]]);
        assert_eq!(text(&t), "Name,City\r\nZoë Dupré,Дмитров\r\n");
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        let t = table(&["a"], &[&["x,y"], &["say \"hi\""], &["l1\r\nl2"], &["\"\""]]);
        assert_eq!(text(&t), "a\r\n\"x,y\"\r\n\"say \"\"hi\"\"\"\r\n\"l1\r\nl2\"\r\n\"\"\"\"\"\"\r\n");
    }

    #[test]
    fn formula_starts_get_an_apostrophe() {
        let t = table(
            &["=1+1"],
            &[&["=cmd|' /C calc'!A0"], &["+33 6 12"], &["-2"], &["@SUM(A1)"], &["\tx"], &["\rx"], &["a=b"]],
        );
        let out = text(&t);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], "\"'=1+1\"");
        assert_eq!(lines[1], "\"'=cmd|' /C calc'!A0\"");
        assert_eq!(lines[2], "\"'+33 6 12\"");
        assert_eq!(lines[3], "\"'-2\"");
        assert_eq!(lines[4], "\"'@SUM(A1)\"");
        assert_eq!(lines[5], "\"'\tx\"");
        // The guarded CR stays inside the quotes, so the record is not split.
        assert_eq!(lines[6], "\"'\rx\"");
        assert_eq!(lines[7], "a=b");
    }

    #[test]
    fn short_rows_are_padded_to_the_widest() {
        let t = table(&["a", "b"], &[&["1"], &["1", "2", "3"]]);
        assert_eq!(text(&t), "a,b,\r\n1,,\r\n1,2,3\r\n");
    }

    #[test]
    fn empty_table_is_just_the_bom_and_an_empty_header_line() {
        let t = table(&[], &[]);
        assert_eq!(to_csv(&t), b"\xEF\xBB\xBF\r\n");
    }
}
