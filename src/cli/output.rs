//! Printing results: aligned text tables, CSV and JSON, to stdout or a file.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;
use serde_json::{Map, Value};

use attackmap::error::{Error, Result};
use attackmap::export::table::guard_formula;

/// How query results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// A JSON array of objects.
    Json,
    /// CSV with a header row (multi-value cells joined with "; "; text
    /// starting with =, +, -, @, tab or carriage return prefixed with ').
    Csv,
}

/// One cell of a result table.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Int(usize),
    /// Several values.
    List(Vec<String>),
    /// Text never cut in text tables: a path people copy.
    Whole(String),
}

impl Cell {
    fn text(&self, separator: &str) -> String {
        match self {
            Cell::Text(s) | Cell::Whole(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::List(items) => items.join(separator),
        }
    }

    /// The cell as CSV text: multi-value cells joined with "; ", text
    /// that a spreadsheet would read as a formula guarded.
    fn csv(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Text(_) | Cell::Whole(_) | Cell::List(_) => {
                guard_formula(&self.text("; ")).into_owned()
            }
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) | Cell::Whole(s) => Value::String(s.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::List(items) => Value::from(items.clone()),
        }
    }
}

/// A result table: column names and rows of cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names (also the JSON keys).
    pub columns: Vec<&'static str>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// Widest a text-table cell may be before it is cut ([`Cell::Whole`]
/// never is).
const MAX_CELL_WIDTH: usize = 72;

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: Vec<&'static str>) -> Self {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Prints the table to stdout in `format`.
    pub fn print(&self, format: Format) -> Result<()> {
        let mut out = Vec::new();
        match format {
            Format::Table => self.write_text(&mut out),
            Format::Json => self.write_json(&mut out)?,
            Format::Csv => self.write_csv(&mut out)?,
        }
        write_stdout(&out)
    }

    fn write_text(&self, out: &mut Vec<u8>) {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Cell::Whole(s) => s.clone(),
                        other => truncate(&other.text(", "), MAX_CELL_WIDTH),
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &cells {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let header: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
        write_row(out, &header, &widths);
        for row in &cells {
            write_row(out, row, &widths);
        }
    }

    fn write_json(&self, out: &mut Vec<u8>) -> Result<()> {
        let records: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let map: Map<String, Value> = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, cell)| (c.to_string(), cell.json()))
                    .collect();
                Value::Object(map)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &records)
            .map_err(|e| Error::Internal(e.to_string()))?;
        out.push(b'\n');
        Ok(())
    }

    /// CSV with the same formula-injection guard as `export csv`
    /// ([`guard_formula`]) on every text cell; numbers are written as they
    /// are.
    fn write_csv(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        let csv_error = |e: csv::Error| Error::Internal(e.to_string());
        writer.write_record(&self.columns).map_err(csv_error)?;
        for row in &self.rows {
            writer
                .write_record(row.iter().map(Cell::csv))
                .map_err(csv_error)?;
        }
        writer.flush().map_err(|e| Error::Internal(e.to_string()))?;
        Ok(())
    }
}

fn write_row(out: &mut Vec<u8>, cells: &[String], widths: &[usize]) {
    let last = cells.len().saturating_sub(1);
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        line.push_str(cell);
        if i < last {
            let pad = widths[i] - cell.chars().count() + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.extend_from_slice(line.trim_end().as_bytes());
    out.push(b'\n');
}

fn truncate(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// Pretty JSON with a final newline: the JSON documents of the commands.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes bytes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Error::Write {
            path: "<stdout>".into(),
            source: err,
        }),
    }
}

/// One line per item (findings as `file:line: severity: message`).
pub fn lines<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|item| format!("{item}\n")).collect()
}
