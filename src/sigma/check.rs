//! Checking one rule file: every document's tags judged, the findings with
//! their lines, and the fixed text (checked by re-reading it) when there is
//! something to fix.

use std::path::{Path, PathBuf};

use crate::error::Error;

use super::document::TagsShape;
use super::finding::{Finding, FindingKind, Fix, Severity};
use super::fix::{self, Edit};
use super::judge::{Judge, Plan};
use super::rules::{self, BOM, Document, Role, RuleFile, TagText, TagsValue};

/// The result of checking one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Findings, in line order.
    pub findings: Vec<Finding>,
    /// Number of rules in the file.
    pub rules: usize,
    /// The file's text (byte order mark included), when it could be read.
    pub original: Option<String>,
    /// The fixed text (byte order mark included), when fixing changes it and
    /// the change passed the safety check.
    pub fixed: Option<String>,
}

impl FileReport {
    /// Whether the file could not be checked at all.
    pub fn failed(&self) -> bool {
        self.original.is_none()
    }
}

/// Reads and checks one file. Problems with the file itself (unreadable,
/// binary, not YAML, not a rule) become findings of the report.
pub fn check_file(judge: &Judge<'_>, path: &Path) -> FileReport {
    match rules::read_rule_file(path) {
        Ok(file) => check_rule_file(judge, &file),
        Err(err) => FileReport {
            path: path.to_path_buf(),
            findings: vec![file_finding(path, err)],
            ..FileReport::default()
        },
    }
}

/// Checks the content of the rule file at `path` (as `sigma fix` would
/// write it: what remains after a fix is judged on the fixed text).
pub fn check_bytes(judge: &Judge<'_>, path: &Path, bytes: &[u8]) -> FileReport {
    match rules::parse_rule_file(path, bytes) {
        Ok(file) => check_rule_file(judge, &file),
        Err(err) => FileReport {
            path: path.to_path_buf(),
            findings: vec![file_finding(path, err)],
            ..FileReport::default()
        },
    }
}

/// Turns an error reading a rule file into a finding.
pub fn file_finding(path: &Path, err: Error) -> Finding {
    let (kind, line, column, message) = match err {
        Error::Read { source, .. } => (
            FindingKind::Unreadable,
            None,
            None,
            format!("cannot read: {source}"),
        ),
        Error::NotText { reason, .. } => (FindingKind::NotText, None, None, reason),
        Error::Yaml {
            line,
            column,
            message,
            ..
        } => (
            FindingKind::InvalidYaml,
            (line > 0).then_some(line),
            (column > 0).then_some(column),
            format!("invalid YAML: {message}; file left untouched"),
        ),
        Error::EmptyFile { .. } => (
            FindingKind::EmptyFile,
            None,
            None,
            crate::rulefiles::EMPTY_FILE.to_string(),
        ),
        Error::NotARule { reason, .. } => (FindingKind::NotARule, None, None, reason),
        other => (FindingKind::Unreadable, None, None, other.to_string()),
    };
    Finding {
        line,
        column,
        ..Finding::file(path, Severity::Error, kind, message)
    }
}

/// Checks a file already read.
pub fn check_rule_file(judge: &Judge<'_>, file: &RuleFile) -> FileReport {
    let indent = fix::list_indent(&file.text);
    let mut findings = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut expected: Vec<Option<Vec<String>>> = vec![None; file.documents.len()];
    for doc in &file.documents {
        let outcome = check_document(judge, file, doc, &indent);
        findings.extend(outcome.findings);
        if !outcome.edits.is_empty() {
            edits.extend(outcome.edits);
            expected[doc.index] = outcome.tags;
        }
    }
    findings.extend(overridden_tags(file));
    let original = format!("{}{}", if file.bom { BOM } else { "" }, file.text);
    let mut fixed = None;
    if !edits.is_empty() {
        match safe_apply(file, &edits, &expected) {
            Ok(text) => fixed = Some(format!("{}{text}", if file.bom { BOM } else { "" })),
            Err(why) => {
                for f in findings.iter_mut() {
                    f.fix = None;
                }
                findings.push(Finding::file(
                    &file.path,
                    Severity::Error,
                    FindingKind::UnsafeEdit,
                    format!("the fix failed the safety check ({why}); file left untouched, please report this"),
                ));
            }
        }
    }
    for f in &mut findings {
        // Tags with invisible characters are printed with them escaped.
        f.message = crate::rulefiles::invisible::escape_invisible(&f.message);
    }
    findings.sort_by_key(|f| f.line.unwrap_or(0));
    FileReport {
        path: file.path.clone(),
        findings,
        rules: file.rule_count(),
        original: Some(original),
        fixed,
    }
}

fn safe_apply(
    file: &RuleFile,
    edits: &[Edit],
    expected: &[Option<Vec<String>>],
) -> Result<String, String> {
    let text = fix::apply(&file.text, edits).ok_or("two edits overlap")?;
    fix::verify(&file.documents, &text, expected)?;
    Ok(text)
}

struct DocOutcome {
    findings: Vec<Finding>,
    edits: Vec<Edit>,
    tags: Option<Vec<String>>,
}

fn check_document(judge: &Judge<'_>, file: &RuleFile, doc: &Document, indent: &str) -> DocOutcome {
    let mut out = DocOutcome {
        findings: Vec::new(),
        edits: Vec::new(),
        tags: None,
    };
    out.findings.extend(not_strings(file, doc));
    let (items, single): (&[TagText], bool) = match &doc.tags {
        TagsValue::Missing => return out,
        TagsValue::Invalid(why) => {
            out.findings.push(Finding {
                line: Some(doc.tags_line),
                ..Finding::file(
                    &file.path,
                    Severity::Error,
                    FindingKind::TagNotAString,
                    format!("{why}; fix by hand"),
                )
            });
            return out;
        }
        TagsValue::List(items) => (items, false),
        TagsValue::Single(item) => (std::slice::from_ref(item), true),
    };
    let values: Vec<String> = items.iter().map(|t| t.value.clone()).collect();
    let plan = judge.judge(&values);
    let changes = plan.changes() || single;
    let editable = doc.editable()
        && doc
            .text
            .tags
            .as_ref()
            .is_some_and(|t| t.shape != TagsShape::Empty || !changes);
    if single {
        out.findings.push(Finding {
            line: Some(doc.tags_line),
            tag: Some(values[0].clone()),
            fix: editable.then_some(Fix::List),
            ..Finding::file(
                &file.path,
                Severity::Error,
                FindingKind::TagsNotAList,
                "tags holds a single string; Sigma wants a list",
            )
        });
    }
    for f in &plan.findings {
        out.findings.push(Finding {
            file: file.path.clone(),
            line: Some(items[f.item].line),
            column: None,
            severity: f.severity,
            kind: f.kind,
            tag: Some(values[f.item].clone()),
            message: f.message.clone(),
            fix: if editable { f.fix.clone() } else { None },
        });
    }
    if !changes {
        return out;
    }
    match (&doc.text.tags, editable) {
        (Some(block), true) => {
            out.edits = fix::plan_edits(&file.text, block, &plan, file.line_ending, indent);
            out.tags = Some(plan.apply(&values));
        }
        _ => out.findings.push(not_editable(file, doc, &plan)),
    }
    out
}

/// One error per item of the tags list that is not a string, at its line.
fn not_strings<'d>(file: &'d RuleFile, doc: &'d Document) -> impl Iterator<Item = Finding> + 'd {
    doc.not_strings.iter().map(|item| Finding {
        line: Some(item.line),
        ..Finding::file(
            &file.path,
            Severity::Error,
            FindingKind::TagNotAString,
            format!(
                "tags item {} is {}, not a string; fix by hand",
                item.index + 1,
                item.what
            ),
        )
    })
}

fn not_editable(file: &RuleFile, doc: &Document, plan: &Plan) -> Finding {
    let why = doc
        .not_editable
        .clone()
        .unwrap_or_else(|| "no tags list to edit".to_string());
    let wanted = plan.apply(&match &doc.tags {
        TagsValue::List(items) => items.iter().map(|t| t.value.clone()).collect(),
        TagsValue::Single(item) => vec![item.value.clone()],
        _ => Vec::new(),
    });
    Finding {
        line: Some(doc.tags_line),
        ..Finding::file(
            &file.path,
            Severity::Error,
            FindingKind::NotEditable,
            format!(
                "the tags would change but attackmap does not edit them here ({why}); set them by hand to: {}",
                wanted.join(", ")
            ),
        )
    }
}

/// Tags of rule documents that an `action: global` document with tags
/// replaces.
fn overridden_tags(file: &RuleFile) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut global: Option<&Document> = None;
    for doc in &file.documents {
        match doc.role {
            Role::Global => global = Some(doc).filter(|g| g.tags != TagsValue::Missing),
            Role::Reset => global = None,
            _ => {
                if let (Some(g), true) = (global, doc.tags != TagsValue::Missing) {
                    out.push(Finding {
                        line: Some(doc.tags_line),
                        ..Finding::file(
                            &file.path,
                            Severity::Info,
                            FindingKind::OverriddenTags,
                            format!(
                                "these tags are replaced by those of the 'action: global' document (line {}) when the collection is read",
                                g.tags_line
                            ),
                        )
                    });
                }
            }
        }
    }
    out
}
