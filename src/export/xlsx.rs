//! Excel workbooks (`.xlsx`): one sheet per view of the selection —
//! techniques, relationships, groups, software, mitigations — and a matrix
//! sheet with the tactics as columns in matrix order.
//!
//! Like the CSV exporter, the context holds every table (`xlsx.tables`,
//! every column) and the template `xlsx.sheets.j2` renders a column spec
//! that says which sheets to write, under which titles, with which columns:
//! `[kind: Title]` starts a sheet (`kind` is a [`RowKind`] or `matrix`),
//! followed by `key: Header` lines. The workbook is written with
//! `rust_xlsxwriter`: header row bold and frozen, autofilter over the table,
//! column widths from the content (at most 60 characters), counts as
//! numbers, flags as booleans, ATT&CK pages as links, lists joined by the
//! separator. Cells are typed strings, never formulas, so no formula guard
//! is needed. `docs/reports.md` describes the sheets.

use std::collections::HashSet;
use std::sync::Arc;

use minijinja::value::{Serde, Value};
use rust_xlsxwriter::{DocProperties, Format, FormatBorder, Url, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::selection::Selection;

use super::table::{
    Cell, ColumnRef, RowKind, SpecSection, Table, missing_descriptions, model_has_descriptions,
    parse_spec, resolve_columns, selected_tactics, techniques_of_tactic,
};
use super::{ExportInput, Exporter, FormatContext, Output, Syntax};

/// Excel's row limit per sheet (header included).
pub const MAX_ROWS: usize = 1_048_576;
/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Links per sheet Excel accepts; columns of links past it are written as text.
const MAX_LINKS: usize = 65_530;
/// Widest column, in characters.
const MAX_WIDTH: usize = 60;

/// The workbook exporter.
#[derive(Debug, Clone, Copy)]
pub struct Xlsx;

/// Options of the workbook exporter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsxOptions {
    /// Joins the values of a multi-value cell.
    pub separator: String,
}

impl Default for XlsxOptions {
    fn default() -> Self {
        XlsxOptions {
            separator: super::csv::DEFAULT_SEPARATOR.to_string(),
        }
    }
}

/// The `xlsx` part of the context.
#[derive(Debug, Serialize)]
pub struct XlsxContext {
    /// The table sheets, with their default titles and columns.
    pub sheets: Vec<SheetContext>,
    /// Every table, every column: `techniques`, `relationships`, `groups`,
    /// `software`, `mitigations` (records as in `csv.records`).
    pub tables: Tables,
    /// One matrix per domain covered.
    pub matrix: Vec<Matrix>,
    /// Whether the model has descriptions (built with `--descriptions`);
    /// without, a `description` column is empty and a warning says so.
    pub descriptions: bool,
}

/// A table sheet.
#[derive(Debug, Serialize)]
pub struct SheetContext {
    /// The row kind (`techniques`).
    pub kind: &'static str,
    /// The default title (`Techniques`).
    pub title: &'static str,
    /// The default columns.
    pub columns: Vec<ColumnRef>,
    /// Every column of the kind.
    pub available: Vec<ColumnRef>,
}

/// The records of every row kind.
#[derive(Debug, Serialize)]
pub struct Tables {
    /// One record per selected technique.
    pub techniques: Value,
    /// One record per technique–object pair.
    pub relationships: Value,
    /// One record per group.
    pub groups: Value,
    /// One record per software.
    pub software: Value,
    /// One record per mitigation.
    pub mitigations: Value,
}

/// A domain's matrix: its tactics in matrix order, each with the selected
/// techniques under it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matrix {
    /// `enterprise-attack`.
    pub domain: String,
    /// `Enterprise ATT&CK`.
    pub name: Option<String>,
    /// The tactics (only those named with `--tactic`, if any).
    pub tactics: Vec<MatrixTactic>,
}

/// A column of a matrix.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixTactic {
    /// `TA0002`.
    pub id: String,
    /// `Execution`.
    pub name: String,
    /// The selected techniques of the tactic, in ID order (a parent before
    /// its sub-techniques).
    pub techniques: Vec<MatrixEntry>,
}

/// A technique in a matrix column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixEntry {
    /// `T1059.001`.
    pub id: String,
    /// The full name, as ATT&CK writes it: `Command and Scripting
    /// Interpreter: PowerShell` for a sub-technique.
    pub name: String,
    /// Shown indented.
    pub is_subtechnique: bool,
}

impl Exporter for Xlsx {
    fn name(&self) -> &'static str {
        "xlsx"
    }

    fn summary(&self) -> &'static str {
        "Excel workbook: techniques, relationships, groups, software, mitigations and matrix sheets"
    }

    fn template(&self) -> &'static str {
        "xlsx.sheets.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Text
    }

    fn extension(&self) -> &'static str {
        "xlsx"
    }

    fn binary(&self) -> bool {
        true
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let table = |kind| Arc::new(Table::build(kind, input.model, input.selection)).to_value();
        let part = XlsxContext {
            sheets: RowKind::ALL
                .iter()
                .map(|&kind| SheetContext {
                    kind: kind.as_str(),
                    title: kind.title(),
                    columns: kind
                        .default_columns()
                        .into_iter()
                        .map(ColumnRef::from)
                        .collect(),
                    available: kind.columns().iter().map(ColumnRef::from).collect(),
                })
                .collect(),
            tables: Tables {
                techniques: table(RowKind::Techniques),
                relationships: table(RowKind::Relationships),
                groups: table(RowKind::Groups),
                software: table(RowKind::Software),
                mitigations: table(RowKind::Mitigations),
            },
            matrix: input
                .domains
                .iter()
                .map(|d| matrix(input.model, input.selection, d))
                .collect(),
            descriptions: model_has_descriptions(input.model),
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings: Vec::new(),
        })
    }

    fn finish(&self, spec: String, out: &Output<'_>) -> Result<Vec<u8>> {
        let part = out.part("xlsx")?;
        let sections = parse_spec(out.template, &spec)?;
        let mut book = Book::new(out);
        book.descriptions = out.descriptions(&part);
        for section in &sections {
            let Some(kind) = section.kind.as_deref() else {
                return Err(Error::Template(format!(
                    "template {}: start every sheet with a `[kind: Title]` line (kinds: {}, matrix)",
                    out.template,
                    kind_names()
                )));
            };
            if kind == "matrix" {
                let value = out.attr(&part, "xlsx", "matrix")?;
                let matrices: Vec<Matrix> = serde_json::to_value(&value)
                    .and_then(serde_json::from_value)
                    .map_err(|e| Error::Invalid(format!("context: xlsx.matrix: {e}")))?;
                book.matrices(section, &matrices)?;
                continue;
            }
            let Some(rows) = RowKind::parse(kind) else {
                return Err(Error::Template(format!(
                    "template {} (output line {}): unknown sheet kind '{kind}'; kinds: {}, matrix",
                    out.template,
                    section.line,
                    kind_names()
                )));
            };
            let tables = out.attr(&part, "xlsx", "tables")?;
            let records = out.attr(&tables, "xlsx.tables", rows.as_str())?;
            let what = format!("xlsx.tables.{}", rows.as_str());
            let table = Table::from_value(rows, &records, &what)?;
            book.table(section, &table)?;
        }
        book.finish()
    }
}

fn kind_names() -> String {
    RowKind::ALL.map(RowKind::as_str).join(", ")
}

/// The matrix of one domain for the selection.
fn matrix(model: &Model, selection: &Selection<'_>, domain: &crate::model::Domain) -> Matrix {
    let tactics = selected_tactics(model, selection, domain)
        .into_iter()
        .map(|tactic| MatrixTactic {
            id: tactic.id.clone(),
            name: tactic.name.clone(),
            techniques: techniques_of_tactic(selection, domain, tactic)
                .into_iter()
                .map(|t| MatrixEntry {
                    id: t.technique_id.clone(),
                    name: t.full_name.clone(),
                    is_subtechnique: t.is_subtechnique,
                })
                .collect(),
        })
        .collect();
    Matrix {
        domain: domain.id.clone(),
        name: domain.name.clone(),
        tactics,
    }
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::Invalid(format!("writing the workbook: {e}"))
}

/// A workbook being written, with the titles used so far.
struct Book<'a> {
    workbook: Workbook,
    out: &'a Output<'a>,
    titles: HashSet<String>,
    header: Format,
    indent: Format,
    /// Whether the model has descriptions.
    descriptions: bool,
}

impl<'a> Book<'a> {
    fn new(out: &'a Output<'a>) -> Book<'a> {
        let mut workbook = Workbook::new();
        workbook.set_properties(&properties(out.context));
        Book {
            workbook,
            out,
            titles: HashSet::new(),
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            indent: Format::new().set_indent(1),
            descriptions: true,
        }
    }

    /// A new sheet called `title`, checked against Excel's rules.
    fn sheet(&mut self, title: &str, line: usize) -> Result<&mut Worksheet> {
        let title = title.trim();
        let problem = check_title(title).err().or_else(|| {
            (!self.titles.insert(title.to_lowercase()))
                .then(|| "another sheet has this title".to_string())
        });
        if let Some(problem) = problem {
            return Err(Error::Template(format!(
                "template {} (output line {line}): sheet title '{title}': {problem}",
                self.out.template
            )));
        }
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(title).map_err(xlsx_error)?;
        Ok(sheet)
    }

    /// A sheet of `table` with the section's columns.
    fn table(&mut self, section: &SpecSection, table: &Table) -> Result<()> {
        let kind = table.kind;
        let columns = resolve_columns(kind, section, self.out.template)?;
        if let Some(warning) = missing_descriptions(kind, &columns, self.descriptions) {
            self.out.warn(warning);
        }
        if table.rows.len() + 1 > MAX_ROWS {
            return Err(Error::Invalid(format!(
                "the {} sheet would have {} rows, more than Excel's {MAX_ROWS}; narrow the selection or export csv",
                kind.as_str(),
                table.rows.len() + 1
            )));
        }
        if columns.len() > usize::from(u16::MAX) {
            return Err(Error::Invalid("too many columns for a sheet".to_string()));
        }
        let separator = self.out.options.xlsx.separator.clone();
        let header = self.header.clone();
        let title = section.title.as_deref().unwrap_or(kind.title()).to_string();
        let links_ok = table.rows.len() <= MAX_LINKS;
        let sheet = self.sheet(&title, section.line)?;
        let mut widths: Vec<usize> = columns.iter().map(|(_, h)| h.chars().count()).collect();
        for (c, (_, text)) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, text, &header)
                .map_err(xlsx_error)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, (index, _)) in columns.iter().enumerate() {
                let cell = row.get(*index).unwrap_or(&Cell::Empty);
                let link = links_ok && kind.columns()[*index].link;
                let chars = write_cell(sheet, r, c as u16, cell, &separator, link)?;
                widths[c] = widths[c].max(chars);
            }
        }
        for (c, width) in widths.iter().enumerate() {
            sheet
                .set_column_width(c as u16, column_width(*width))
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        let last_column = columns.len().saturating_sub(1) as u16;
        sheet
            .autofilter(0, 0, table.rows.len() as u32, last_column)
            .map_err(xlsx_error)?;
        Ok(())
    }

    /// One matrix sheet per domain; with several, the domain is appended
    /// to the title.
    fn matrices(&mut self, section: &SpecSection, matrices: &[Matrix]) -> Result<()> {
        let base = section.title.as_deref().unwrap_or("Matrix").to_string();
        for m in matrices {
            let title = if matrices.len() == 1 {
                base.clone()
            } else {
                let suffix = format!(" ({})", m.domain.trim_end_matches("-attack"));
                let room = 31usize.saturating_sub(suffix.chars().count());
                format!("{}{suffix}", base.chars().take(room).collect::<String>())
            };
            self.matrix(&title, section.line, m)?;
        }
        Ok(())
    }

    fn matrix(&mut self, title: &str, line: usize, m: &Matrix) -> Result<()> {
        let header = self.header.clone();
        let indent = self.indent.clone();
        let sheet = self.sheet(title, line)?;
        for (c, tactic) in m.tactics.iter().enumerate() {
            let c = c as u16;
            sheet
                .write_string_with_format(0, c, &tactic.name, &header)
                .map_err(xlsx_error)?;
            let mut width = tactic.name.chars().count();
            for (r, t) in tactic.techniques.iter().enumerate() {
                let text = format!("{} {}", t.id, t.name);
                width = width.max(text.chars().count() + usize::from(t.is_subtechnique) * 2);
                let r = (r + 1) as u32;
                let text = limit_chars(&text);
                if t.is_subtechnique {
                    sheet.write_string_with_format(r, c, text.as_ref(), &indent)
                } else {
                    sheet.write_string(r, c, text.as_ref())
                }
                .map_err(xlsx_error)?;
            }
            sheet
                .set_column_width(c, column_width(width).min(45.0))
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>> {
        if self.titles.is_empty() {
            return Err(Error::Template(format!(
                "template {} produced no sheet",
                self.out.template
            )));
        }
        self.workbook.save_to_buffer().map_err(xlsx_error)
    }
}

/// Writes one cell; returns its width in characters.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    separator: &str,
    link: bool,
) -> Result<usize> {
    let width = match cell {
        Cell::Empty => 0,
        Cell::Number(n) => {
            sheet
                .write_number(row, col, *n as f64)
                .map_err(xlsx_error)?;
            n.to_string().len()
        }
        Cell::Flag(b) => {
            sheet.write_boolean(row, col, *b).map_err(xlsx_error)?;
            5
        }
        Cell::Text(_) | Cell::List(_) => {
            let text = cell.render(separator);
            let text = limit_chars(&text);
            if !(link && sheet.write_url(row, col, Url::new(text.as_ref())).is_ok()) {
                sheet
                    .write_string(row, col, text.as_ref())
                    .map_err(xlsx_error)?;
            }
            text.chars().count().min(MAX_WIDTH)
        }
    };
    Ok(width)
}

/// The text cut to Excel's cell limit (with `…`).
fn limit_chars(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_CELL_CHARS || text.encode_utf16().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    // Excel counts UTF-16 units; keep room for the ellipsis.
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_CHARS - 1 {
            break;
        }
        end = i + c.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

fn column_width(chars: usize) -> f64 {
    (chars + 2).clamp(6, MAX_WIDTH) as f64
}

/// Excel's rules for sheet titles.
fn check_title(title: &str) -> std::result::Result<(), String> {
    let chars = title.chars().count();
    if chars == 0 || chars > 31 {
        return Err(format!("must be 1 to 31 characters, not {chars}"));
    }
    if let Some(c) = title.chars().find(|c| "[]:*?/\\".contains(*c)) {
        return Err(format!("may not contain '{c}'"));
    }
    if title.starts_with('\'') || title.ends_with('\'') {
        return Err("may not start or end with an apostrophe".to_string());
    }
    if title.eq_ignore_ascii_case("history") {
        return Err("'History' is reserved by Excel".to_string());
    }
    Ok(())
}

/// Document properties: the title says what the workbook holds.
fn properties(context: &Value) -> DocProperties {
    let text = |path: &[&str]| -> Option<String> {
        let mut value = context.clone();
        for key in path {
            value = value.get_attr(key).ok()?;
        }
        value.as_str().map(str::to_string)
    };
    let release = text(&["source", "attack_version"])
        .map(|v| format!("ATT&CK {v}"))
        .unwrap_or_else(|| "ATT&CK".to_string());
    let selection = text(&["selection", "title"]).unwrap_or_default();
    let generator = text(&["attackmap", "generator"]).unwrap_or_else(|| "attackmap".to_string());
    let arguments = text(&["selection", "arguments"]).unwrap_or_default();
    DocProperties::new()
        .set_title(format!("{release}: {selection}"))
        .set_subject("MITRE ATT&CK techniques and the groups, software, campaigns, mitigations and detections related to them")
        .set_comment(format!("{generator} export xlsx {arguments}").trim_end().to_string())
        .set_author(generator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_titles_follow_excels_rules() {
        assert!(check_title("Techniques").is_ok());
        assert!(check_title("").is_err());
        assert!(check_title(&"x".repeat(32)).is_err());
        assert!(check_title("a/b").is_err());
        assert!(check_title("'quoted'").is_err());
        assert!(check_title("History").is_err());
    }

    #[test]
    fn long_cells_are_cut_to_excels_limit() {
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        let cut = limit_chars(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(limit_chars("short"), "short");
    }
}
