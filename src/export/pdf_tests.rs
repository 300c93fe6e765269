use super::*;
use crate::export::testutil::temp_file;
use std::process::Command;

const NAMES: [&str; 5] = [
    "Zoë Dupré",
    "Дмитрий Шостакович",
    "Ελευθερία Παπαδοπούλου",
    "فاطمة الزهراء",
    // Two lam-alef ligatures: one glyph each for two letters.
    "عبد السلام علاء",
];

fn table(rows: Vec<Vec<String>>) -> Table {
    Table {
        title: "Participants — Zoë’s concert".into(),
        headers: vec!["Name".into(), "Note".into(), "Seats".into()],
        rows,
    }
}

/// `pdftotext -enc UTF-8` on the bytes, or `None` (loudly) when poppler-utils
/// is not installed. tests/run installs it.
fn pdftotext(pdf: &[u8], args: &[&str]) -> Option<String> {
    let file = temp_file(pdf, ".pdf");
    let out =
        match Command::new("pdftotext").args(["-enc", "UTF-8"]).args(args).arg(file.path()).arg("-").output()
        {
            Ok(out) => out,
            Err(_) => {
                eprintln!("!!! SKIPPED: pdftotext is missing (Debian package poppler-utils)");
                return None;
            }
        };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "pdftotext: {stderr}");
    Some(String::from_utf8(out.stdout).expect("pdftotext prints UTF-8"))
}

fn qpdf_check(pdf: &[u8]) {
    let file = temp_file(pdf, ".pdf");
    match Command::new("qpdf").arg("--check").arg(file.path()).output() {
        Ok(out) => assert!(
            out.status.success(),
            "qpdf --check: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("!!! SKIPPED: qpdf is missing (optional check)"),
    }
}

fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page /Parent";
    pdf.windows(needle.len()).filter(|w| w == needle).count()
}

#[test]
fn every_script_renders_and_extracts_as_typed() {
    let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut rows: Vec<Vec<String>> = NAMES.iter().map(|n| s(&[n, "", "1"])).collect();
    rows.push(s(&["<script>alert(1)</script>", "first line\r\nsecond line", "2"]));
    rows.push(s(&["فاطمة 12 abc", "(note) «x»", "=cmd|' /C calc'!A0"]));
    let pdf = to_pdf(&table(rows));
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert!(pdf.len() < 60_000, "{} bytes: the font is subset", pdf.len());
    assert_eq!(page_count(&pdf), 1);
    qpdf_check(&pdf);
    let Some(text) = pdftotext(&pdf, &[]) else {
        return;
    };
    eprintln!("pdftotext output:\n{text}");
    for name in NAMES {
        assert!(text.contains(name), "{name:?} not in {text:?}");
        // Each on a line of its own; poppler wraps right-to-left lines in
        // U+202B…U+202C (embedding marks) but keeps the typed order.
        let alone = text.lines().any(|l| l.trim_matches(['\u{202B}', '\u{202C}']) == name);
        assert!(alone, "{name:?} not alone on a line in {text:?}");
    }
    for s in [
        "Participants — Zoë’s concert",
        "<script>alert(1)</script>",
        "first line",
        "second line",
        "=cmd|' /C calc'!A0",
    ] {
        assert!(text.contains(s), "{s:?} not in {text:?}");
    }
}

#[test]
fn many_rows_flow_onto_pages_with_the_header_repeated() {
    let rows = (0..500)
        .map(|i| vec![format!("{} {i}", NAMES[i % NAMES.len()]), "a note ".repeat(i % 40), i.to_string()])
        .collect();
    let pdf = to_pdf(&table(rows));
    let pages = page_count(&pdf);
    assert!(pages >= 5, "{pages} pages");
    qpdf_check(&pdf);
    let Some(last) = pdftotext(&pdf, &["-f", &pages.to_string()]) else {
        return;
    };
    assert!(last.contains("Name") && last.contains("Seats"), "{last}");
    // pdftotext sometimes drops the spaces around the slash.
    assert!(last.replace(' ', "").contains(&format!("{pages}/{pages}")));
    assert!(last.contains("499"));
}

#[test]
fn long_cells_are_cut_with_an_ellipsis() {
    let rows = vec![vec!["word ".repeat(2000), "x".repeat(3000), String::new()]];
    let pdf = to_pdf(&table(rows));
    assert_eq!(page_count(&pdf), 1);
    let Some(text) = pdftotext(&pdf, &[]) else {
        return;
    };
    assert!(text.matches('…').count() >= 2, "{text}");
}

#[test]
fn empty_and_odd_tables_still_make_valid_files() {
    for t in [
        Table::default(),
        Table {
            title: "\u{0}\r\n".into(),
            headers: vec![],
            rows: vec![vec!["\u{4E2D}\u{6587} 😀".into(); 30]],
        },
        // More columns than fit: each gets a sliver, cells are cut.
        Table {
            title: "wide".into(),
            headers: vec!["header".into(); 120],
            rows: vec![vec!["Ελευθερία".into(); 120]; 3],
        },
    ] {
        let pdf = to_pdf(&t);
        assert_eq!(page_count(&pdf), 1);
        qpdf_check(&pdf);
        if let Some(text) = pdftotext(&pdf, &[]) {
            // Glyphs the font lacks still extract as the real text.
            let cjk = t.rows.first().is_some_and(|r| r[0].starts_with('\u{4E2D}'));
            assert_eq!(cjk, text.contains("\u{4E2D}\u{6587}"));
        }
    }
}
