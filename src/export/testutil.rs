//! Helpers for the export tests that check our output with independent
//! readers (Python's zipfile/minidom/icalendar, poppler's pdftotext).

use std::path::Path;
use std::process::Command;

/// Debian's interpreter: `python3` on PATH may be a pyenv shim that does not
/// see the Debian packages (python3-icalendar) the tests rely on.
pub const PYTHON: &str = "/usr/bin/python3";

/// Writes `bytes` to a fresh temporary file with the given suffix.
pub fn temp_file(bytes: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(suffix).tempfile().expect("temp file");
    std::fs::write(file.path(), bytes).expect("write temp file");
    file
}

/// Runs `/usr/bin/python3 -c script path` and returns its stdout, or `None`
/// (after a loud message) when the interpreter or a module it needs is
/// missing, so the Rust-side assertions still run on bare machines.
pub fn python(script: &str, modules: &[&str], path: &Path) -> Option<String> {
    if !Path::new(PYTHON).exists() {
        eprintln!("!!! SKIPPED: {PYTHON} is missing (tests/run installs it)");
        return None;
    }
    for module in modules {
        let ok = Command::new(PYTHON)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("!!! SKIPPED: Python module {module} is missing (tests/run installs it)");
            return None;
        }
    }
    let out = Command::new(PYTHON).arg("-c").arg(script).arg(path).output().expect("run python3");
    assert!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("python3 prints UTF-8"))
}
