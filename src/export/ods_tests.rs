use super::*;
use crate::export::testutil::{python, temp_file};

fn sample() -> Table {
    let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    Table {
        title: "Participants: concert [2026] / Zoë".into(),
        headers: s(&["Name", "Note", "Extra"]),
        rows: vec![
            s(&["Zoë Dupré", "<script>alert(1)</script>", "=cmd|' /C calc'!A0"]),
            s(&["Дмитрий Шостакович", "a & b \"q\" 'x'", "line1\r\nline2\nline3"]),
            s(&["Ελευθερία Παπαδοπούλου", "  two  spaces ", "tab\there"]),
            s(&["فاطمة الزهراء", "bad\u{0}\u{1}\u{FFFE}chars"]),
        ],
    }
}

#[test]
fn mimetype_is_the_first_entry_and_stored() {
    let bytes = to_ods(&sample());
    assert_eq!(&bytes[0..4], b"PK\x03\x04");
    assert_eq!(&bytes[8..10], &[0, 0], "stored, not deflated");
    assert_eq!(&bytes[28..30], &[0, 0], "no extra field");
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes());
}

#[test]
fn content_escapes_markup_and_drops_invalid_characters() {
    let x = content(&sample());
    assert!(x.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!x.contains("<script>"));
    assert!(x.contains("badchars"));
    assert!(!x.contains('\u{0}') && !x.contains('\u{FFFE}'));
    assert!(x.contains(r#"table:name="Participants concert 2026 Zoë""#));
}

#[test]
fn sheet_names_are_cleaned_and_never_empty() {
    assert_eq!(sheet_name(" [*?] "), "Sheet1");
    assert_eq!(sheet_name("'Quoted'"), "Quoted");
    assert_eq!(sheet_name(&"é".repeat(40)).chars().count(), 31);
}

#[test]
fn spaces_survive_odf_white_space_collapsing() {
    let mut x = String::new();
    paragraph_into(&mut x, " a  b c\t");
    assert_eq!(x, r#"<text:s text:c="1"/>a<text:s text:c="2"/>b c<text:tab/>"#);
}

/// Reads the file back with Python's zipfile and minidom: CRCs, entry order,
/// well-formed XML, and every cell's text as a spreadsheet app would see it.
#[test]
fn python_reads_back_every_cell() {
    let file = temp_file(&to_ods(&sample()), ".ods");
    let script = r#"
import sys, json, zipfile, xml.dom.minidom as M
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
infos = z.infolist()
for n in z.namelist():
    if n.endswith(".xml"):
        M.parseString(z.read(n))
def text(node):
    s = ""
    for c in node.childNodes:
        if c.nodeType == c.TEXT_NODE: s += c.data
        elif c.tagName == "text:s": s += " " * int(c.getAttribute("text:c") or 1)
        elif c.tagName == "text:tab": s += "\t"
        else: s += text(c)
    return s
doc = M.parseString(z.read("content.xml"))
rows = [["\n".join(text(p) for p in cell.getElementsByTagName("text:p"))
         for cell in r.getElementsByTagName("table:table-cell")]
        for r in doc.getElementsByTagName("table:table-row")]
print(json.dumps({
    "names": [i.filename for i in infos],
    "first_stored": infos[0].compress_type == zipfile.ZIP_STORED,
    "mimetype": z.read("mimetype").decode(),
    "table": doc.getElementsByTagName("table:table")[0].getAttribute("table:name"),
    "rows": rows,
}))
"#;
    let Some(out) = python(script, &[], file.path()) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["names"][0], "mimetype");
    assert_eq!(v["first_stored"], true);
    assert_eq!(v["mimetype"], MIMETYPE);
    assert_eq!(v["table"], "Participants concert 2026 Zoë");
    let rows: Vec<Vec<String>> = serde_json::from_value(v["rows"].clone()).expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], ["Name", "Note", "Extra"]);
    assert_eq!(rows[1], ["Zoë Dupré", "<script>alert(1)</script>", "=cmd|' /C calc'!A0"]);
    assert_eq!(rows[2], ["Дмитрий Шостакович", "a & b \"q\" 'x'", "line1\nline2\nline3"]);
    assert_eq!(rows[3], ["Ελευθερία Παπαδοπούλου", "  two  spaces ", "tab\there"]);
    assert_eq!(rows[4], ["فاطمة الزهراء", "badchars", ""]);
}
