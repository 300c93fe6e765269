//! The one input every tabular export takes, so a page builds its rows once
//! and offers CSV, ODS and PDF from the same data.

/// A titled grid of plain-text cells, already translated by the caller.
///
/// Cells may hold anything (markup, formulas, line breaks, any script): each
/// writer is responsible for making them inert in its own format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The number of columns: ragged rows are padded rather than dropped, so
    /// a row longer than the header still shows all its cells.
    pub fn columns(&self) -> usize {
        self.rows.iter().map(Vec::len).chain(std::iter::once(self.headers.len())).max().unwrap_or(0)
    }

    /// The cell at `column` of `row`, empty when the row is short.
    pub fn cell(row: &[String], column: usize) -> &str {
        row.get(column).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_longest_row() {
        let t = Table {
            title: "t".into(),
            headers: vec!["a".into()],
            rows: vec![vec![], vec!["1".into(), "2".into(), "3".into()]],
        };
        assert_eq!(t.columns(), 3);
        assert_eq!(Table::cell(&t.rows[0], 2), "");
        assert_eq!(Table::cell(&t.rows[1], 2), "3");
    }
}
