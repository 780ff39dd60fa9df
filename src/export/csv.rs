//! Flat CSV: one row per technique, per technique–object pair, per group,
//! per software or per mitigation ([`RowKind`]).
//!
//! The exporter puts the whole table into the context (`csv.records`, every
//! column) with the columns to write (`csv.columns`: `--columns`, else the
//! row kind's defaults). The template `csv.columns.j2` renders the **column
//! spec** — one `key: Header` per line — and the rows are then written from
//! the records with the `csv` crate: RFC 4180 quoting (fields holding a
//! comma, quote or line break are quoted, quotes doubled), `\n` line ends,
//! multi-value cells joined by one separator (`; ` by default). So a
//! template chooses and names the columns, and the data can never break the
//! file.
//!
//! Spreadsheet safety: a text cell starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return gets a leading `'` (OWASP's advice against formula
//! injection) unless the guard is turned off; a UTF-8 byte order mark can be
//! written for Excel. `docs/reports.md` describes every column.

use std::sync::Arc;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::{Error, Result};

use super::table::{Cell, missing_descriptions, model_has_descriptions, resolve_columns};
use super::table::{ColumnRef, RowKind, Table, choose_columns, guard_formula, parse_spec};
use super::{ExportInput, Exporter, FormatContext, Output, Syntax};

/// The separator of multi-value cells unless another is asked for.
pub const DEFAULT_SEPARATOR: &str = "; ";

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV exporter.
#[derive(Debug, Clone, Copy)]
pub struct Csv;

/// Options of the CSV exporter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// What a row stands for.
    pub rows: RowKind,
    /// The columns to write (keys, comma-separated values allowed); `None`:
    /// the row kind's defaults.
    pub columns: Option<Vec<String>>,
    /// Joins the values of a multi-value cell.
    pub separator: String,
    /// Neutralise cells a spreadsheet would read as a formula.
    pub formula_guard: bool,
    /// Start the file with a UTF-8 byte order mark (for Excel).
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            rows: RowKind::Techniques,
            columns: None,
            separator: DEFAULT_SEPARATOR.to_string(),
            formula_guard: true,
            bom: false,
        }
    }
}

/// The `csv` part of the context.
#[derive(Debug, Serialize)]
pub struct CsvContext {
    /// What a row stands for (`techniques`, `relationships`, …).
    pub rows: &'static str,
    /// The columns to write, in order.
    pub columns: Vec<ColumnRef>,
    /// Every column rows of this kind have.
    pub available: Vec<ColumnRef>,
    /// The rows: one record (column key → cell) per row, every column.
    pub records: Value,
    /// Whether the model has descriptions (built with `--descriptions`);
    /// without, a `description` column is empty and a warning says so.
    pub descriptions: bool,
}

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn summary(&self) -> &'static str {
        "flat CSV: one row per technique, technique–object pair, group, software or mitigation"
    }

    fn template(&self) -> &'static str {
        "csv.columns.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Text
    }

    fn extension(&self) -> &'static str {
        "csv"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let options = &input.options.csv;
        let kind = options.rows;
        let columns = match &options.columns {
            Some(keys) => choose_columns(kind, keys)?,
            None => kind.default_columns(),
        };
        let table = Table::build(kind, input.model, input.selection);
        let part = CsvContext {
            rows: kind.as_str(),
            columns: columns.into_iter().map(ColumnRef::from).collect(),
            available: kind.columns().iter().map(ColumnRef::from).collect(),
            records: Arc::new(table).to_value(),
            descriptions: model_has_descriptions(input.model),
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings: Vec::new(),
        })
    }

    fn finish(&self, spec: String, out: &Output<'_>) -> Result<Vec<u8>> {
        let part = out.part("csv")?;
        let rows = out.attr(&part, "csv", "rows")?;
        let kind = rows.as_str().and_then(RowKind::parse).ok_or_else(|| {
            Error::Invalid(format!("context: csv.rows: '{rows}' is not a row kind"))
        })?;
        let records = out.attr(&part, "csv", "records")?;
        let table = Table::from_value(kind, &records, "csv.records")?;
        let sections = parse_spec(out.template, &spec)?;
        let section = match sections.as_slice() {
            [one] if one.kind.is_none() => one,
            [] => {
                return Err(Error::Template(format!(
                    "template {} produced no column",
                    out.template
                )));
            }
            _ => {
                return Err(Error::Template(format!(
                    "template {}: `[kind: Title]` sections are for workbooks (xlsx); a CSV template lists columns only",
                    out.template
                )));
            }
        };
        let columns = resolve_columns(kind, section, out.template)?;
        if let Some(warning) = missing_descriptions(kind, &columns, out.descriptions(&part)) {
            out.warn(warning);
        }
        write_csv(&table, &columns, &out.options.csv)
    }
}

/// Writes `columns` (index in the table, header) of `table` as CSV.
pub fn write_csv(
    table: &Table,
    columns: &[(usize, String)],
    options: &CsvOptions,
) -> Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(64 + table.rows.len() * 32 * columns.len());
    if options.bom {
        buffer.extend_from_slice(BOM);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(buffer);
    let guard = |text: &str| -> String {
        if options.formula_guard {
            guard_formula(text).into_owned()
        } else {
            text.to_string()
        }
    };
    let failed = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    writer
        .write_record(columns.iter().map(|(_, header)| guard(header)))
        .map_err(failed)?;
    let mut record: Vec<String> = Vec::with_capacity(columns.len());
    for row in &table.rows {
        record.clear();
        for (index, _) in columns {
            let cell = row.get(*index).unwrap_or(&Cell::Empty);
            let text = cell.render(&options.separator);
            record.push(match cell {
                Cell::Text(_) | Cell::List(_) => guard(&text),
                _ => text.into_owned(),
            });
        }
        writer.write_record(&record).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}
