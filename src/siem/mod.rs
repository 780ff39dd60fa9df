//! SIEM rule files: checking and fixing the ATT&CK fields of Splunk
//! detections, Microsoft Sentinel analytics rules and Elastic detection
//! rules against the loaded release (`attackmap siem check|fix`).
//!
//! The path through the module: [`crate::rulefiles::walk`] finds the files
//! → [`check_file`] reads one, decides its [`RuleKind`] by content
//! and hands it to [`splunk`], [`sentinel`], [`arm`] or
//! [`elastic`], which judge the fields against the [`release::Release`]
//! and plan edits of the original text → the edited text is parsed again
//! and compared with the original before it is offered as the fix
//! ([`FileReport::fixed`]). Only the ATT&CK fields ever change.

pub mod arm;
pub mod elastic;
pub mod finding;
pub mod ids;
pub mod json_pos;
pub mod release;
pub mod sentinel;
pub mod shape;
pub mod splunk;
pub mod yaml;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::rulefiles::walk::{self, ProblemKind};
use crate::rulefiles::{BOM, Edit, apply, decode_text};

pub use finding::{Finding, FindingKind, Note, Severity};
pub use release::Release;

/// The extensions looked for in directories.
pub const EXTENSIONS: [&str; 4] = ["yml", "yaml", "toml", "json"];

/// The kind of a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A Splunk security_content detection (YAML).
    Splunk,
    /// A Microsoft Sentinel analytics rule or hunting query (YAML).
    Sentinel,
    /// A Microsoft Sentinel alert rule as an ARM template or REST body
    /// (JSON).
    SentinelArm,
    /// An Elastic detection-rules rule (TOML).
    Elastic,
}

impl RuleKind {
    /// `splunk`, `sentinel`, `sentinel-arm`, `elastic`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Splunk => "splunk",
            RuleKind::Sentinel => "sentinel",
            RuleKind::SentinelArm => "sentinel-arm",
            RuleKind::Elastic => "elastic",
        }
    }
}

/// Why a planned change is not offered as a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The fields are written in a way attackmap does not edit: why, and
    /// what they should hold.
    NotEditable(String, String),
    /// The edited text failed the safety check: why.
    Unsafe(String),
}

/// What judging one file gives: findings, and the fixed text (or why there
/// is none) when something should change.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings, without the file's path.
    pub notes: Vec<Note>,
    /// The fixed text, when something changes.
    pub fixed: Option<Result<String, Blocked>>,
}

impl Outcome {
    /// Applies `edits` to `text` and checks the result with `verify`;
    /// `wanted` says what the fields should hold when that cannot be done.
    pub fn plan(
        &mut self,
        text: &str,
        edits: Result<Vec<Edit>, String>,
        wanted: String,
        verify: impl FnOnce(&str) -> Result<(), String>,
    ) {
        self.fixed = Some(match edits {
            Err(why) => Err(Blocked::NotEditable(why, wanted)),
            Ok(edits) => match apply(text, &edits) {
                None => Err(Blocked::Unsafe("two edits overlap".to_string())),
                Some(new) if new == text => return,
                Some(new) => verify(&new).map(|()| new).map_err(Blocked::Unsafe),
            },
        });
    }
}

/// The result of checking one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its kind, when it is a rule of a known kind.
    pub kind: Option<RuleKind>,
    /// Findings, in line order.
    pub findings: Vec<Finding>,
    /// The file's text, when it could be read.
    pub original: Option<String>,
    /// The fixed text, when fixing changes it and passed the safety check.
    pub fixed: Option<String>,
}

impl FileReport {
    /// Whether the file could not be checked: unreadable, not text, empty
    /// or not parsing.
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| {
            matches!(
                f.kind,
                FindingKind::Unreadable
                    | FindingKind::NotText
                    | FindingKind::InvalidSyntax
                    | FindingKind::EmptyFile
            )
        })
    }
}

/// What a file holds, after parsing.
enum Parsed<'t> {
    Yaml(serde_yaml::Value),
    Toml(toml_edit::Document<&'t str>),
    Json(serde_json::Value),
    /// YAML with no document but empty ones.
    Empty,
}

/// Decides the kind of a parsed file by its content.
fn detect(parsed: &Parsed<'_>) -> Option<RuleKind> {
    match parsed {
        Parsed::Yaml(v) if splunk::is_detection(v) => Some(RuleKind::Splunk),
        Parsed::Yaml(v) if sentinel::is_rule(v) => Some(RuleKind::Sentinel),
        Parsed::Toml(d) if elastic::is_rule(d) => Some(RuleKind::Elastic),
        Parsed::Json(v) if arm::is_rule(v) => Some(RuleKind::SentinelArm),
        _ => None,
    }
}

/// Whether a parsed file holds nothing: no YAML document but empty ones,
/// TOML without a key (comments only).
fn is_empty(parsed: &Parsed<'_>) -> bool {
    match parsed {
        Parsed::Empty => true,
        Parsed::Toml(d) => d.as_table().is_empty(),
        Parsed::Yaml(_) | Parsed::Json(_) => false,
    }
}

/// The error for an empty file (see [`crate::rulefiles::EMPTY_FILE`]).
fn empty_file(path: &Path) -> Finding {
    Finding::file(
        path,
        Severity::Error,
        FindingKind::EmptyFile,
        crate::rulefiles::EMPTY_FILE,
    )
}

/// What an unknown file looks like, for the note that skips it.
fn unknown_note(parsed: &Parsed<'_>) -> String {
    let sigma = matches!(parsed, Parsed::Yaml(v) if v.get("detection").is_some() && v.get("logsource").is_some());
    if sigma {
        "a Sigma rule, not a Splunk, Sentinel or Elastic rule: skipped (use `attackmap sigma check`)".to_string()
    } else {
        "not a Splunk detection, Sentinel rule or Elastic rule: skipped".to_string()
    }
}

/// Parses a file's text as the syntax its extension names (any syntax
/// that works, for other extensions). The error is a finding with the
/// line.
fn parse<'t>(path: &Path, text: &'t str) -> Result<Parsed<'t>, Note> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let yaml = || match yaml::parse(text) {
        Ok(docs) if docs.iter().all(serde_yaml::Value::is_null) => Ok(Parsed::Empty),
        Ok(mut docs) if docs.len() == 1 => Ok(Parsed::Yaml(docs.remove(0))),
        Ok(docs) => Ok(Parsed::Yaml(serde_yaml::Value::Sequence(docs))),
        Err((doc, e)) => {
            let (line, column, more) =
                crate::rulefiles::yaml_error::yaml_error_position(text, doc, &e);
            let message = crate::error::strip_yaml_positions(&e.to_string());
            Err(syntax_note(
                "YAML",
                line,
                column,
                &format!("{message}{more}"),
            ))
        }
    };
    let toml = || {
        toml_edit::Document::parse(text)
            .map(Parsed::Toml)
            .map_err(|e| {
                let (line, column) = e
                    .span()
                    .map_or((0, 0), |s| crate::export::line_column(text, s.start));
                syntax_note("TOML", line, column, e.message())
            })
    };
    let json = || {
        serde_json::from_str(text).map(Parsed::Json).map_err(|e| {
            let (line, column) = crate::error::json_position(text.as_bytes(), e.line(), e.column());
            syntax_note("JSON", line, column, &e.to_string())
        })
    };
    match ext.as_str() {
        "yml" | "yaml" => yaml(),
        "toml" => toml(),
        "json" => json(),
        _ => json().or_else(|_| toml()).or_else(|_| yaml()),
    }
}

fn syntax_note(syntax: &str, line: usize, column: usize, message: &str) -> Note {
    let message = crate::error::strip_position(message);
    let mut note = Note::new(
        (line > 0).then_some(line),
        Severity::Error,
        FindingKind::InvalidSyntax,
        format!("invalid {syntax}: {}; file left untouched", message.trim()),
    );
    note.value = (column > 0).then(|| column.to_string());
    note
}

/// Reads and checks one file. Problems with the file itself become findings.
pub fn check_file(release: &Release<'_>, path: &Path) -> FileReport {
    match std::fs::read(path) {
        Ok(bytes) => check_bytes(release, path, &bytes),
        Err(e) => FileReport {
            path: path.to_path_buf(),
            findings: vec![Finding::file(
                path,
                Severity::Error,
                FindingKind::Unreadable,
                format!("cannot read: {e}"),
            )],
            ..FileReport::default()
        },
    }
}

/// Checks the content of the file at `path` (already read, or as `siem
/// fix` would write it: what remains after a fix is judged on the fixed
/// text). Problems with the content become findings.
pub fn check_bytes(release: &Release<'_>, path: &Path, bytes: &[u8]) -> FileReport {
    let mut report = FileReport {
        path: path.to_path_buf(),
        ..FileReport::default()
    };
    let (bom, text) = match decode_text(path, bytes) {
        Ok(x) => x,
        Err(Error::NotText { reason, .. }) => {
            report.findings.push(Finding::file(
                path,
                Severity::Error,
                FindingKind::NotText,
                reason,
            ));
            return report;
        }
        Err(e) => {
            report.findings.push(Finding::file(
                path,
                Severity::Error,
                FindingKind::Unreadable,
                e.to_string(),
            ));
            return report;
        }
    };
    let prefix = if bom { BOM } else { "" };
    if text.trim().is_empty() {
        report.findings.push(empty_file(path));
        return report;
    }
    report.original = Some(format!("{prefix}{text}"));
    let parsed = match parse(path, text) {
        Ok(p) => p,
        Err(note) => {
            let column = note.value.as_ref().and_then(|c| c.parse().ok());
            let mut finding = Note {
                value: None,
                ..note
            }
            .in_file(path);
            finding.column = column;
            report.findings.push(finding);
            return report;
        }
    };
    if is_empty(&parsed) {
        report.findings.push(empty_file(path));
        return report;
    }
    let Some(kind) = detect(&parsed) else {
        report.findings.push(Finding::file(
            path,
            Severity::Info,
            FindingKind::UnknownKind,
            unknown_note(&parsed),
        ));
        return report;
    };
    report.kind = Some(kind);
    let outcome = match (&parsed, kind) {
        (Parsed::Yaml(v), RuleKind::Splunk) => splunk::check(release, text, v),
        (Parsed::Yaml(v), RuleKind::Sentinel) => sentinel::check(release, text, v),
        (Parsed::Toml(d), RuleKind::Elastic) => elastic::check(release, text, d),
        (Parsed::Json(v), RuleKind::SentinelArm) => arm::check(release, text, v),
        _ => Outcome::default(),
    };
    finish(&mut report, outcome, prefix);
    report
}

/// Turns the outcome into findings and the fixed text.
fn finish(report: &mut FileReport, outcome: Outcome, prefix: &str) {
    let path = report.path.clone();
    let mut findings: Vec<Finding> = outcome
        .notes
        .into_iter()
        .map(|n| n.in_file(&path))
        .collect();
    match outcome.fixed {
        None => {}
        Some(Ok(text)) => report.fixed = Some(format!("{prefix}{text}")),
        Some(Err(blocked)) => {
            for f in findings.iter_mut() {
                f.fix = None;
            }
            let (kind, message) = match blocked {
                Blocked::NotEditable(why, wanted) => (
                    FindingKind::NotEditable,
                    format!(
                        "the ATT&CK fields would change but attackmap does not edit them here ({why}); set them by hand to: {wanted}"
                    ),
                ),
                Blocked::Unsafe(why) => (
                    FindingKind::UnsafeEdit,
                    format!(
                        "the fix failed the safety check ({why}); file left untouched, please report this"
                    ),
                ),
            };
            findings.push(Finding::file(&path, Severity::Error, kind, message));
        }
    }
    findings.sort_by_key(|f| f.line.unwrap_or(0));
    report.findings = findings;
}

/// Everything a `siem check` run found.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// One report per file, in walk order.
    pub reports: Vec<FileReport>,
    /// Problems met while walking the paths.
    pub walk_findings: Vec<Finding>,
}

/// Counts over a [`Run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files checked, read or not (paths that could not be read
    /// included).
    pub files: usize,
    /// Files that are rules of a known kind.
    pub rules: usize,
    /// Files skipped as not a rule of a known kind.
    pub skipped: usize,
    /// Files that could not be checked: unreadable paths, binary or not
    /// UTF-8, empty, not parsing.
    pub failed_files: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
    /// Findings `siem fix` fixes.
    pub fixable: usize,
    /// Files `siem fix` changes.
    pub files_to_fix: usize,
}

impl Run {
    /// Every finding: the walk's, then each file's.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.walk_findings
            .iter()
            .chain(self.reports.iter().flat_map(|r| r.findings.iter()))
    }

    /// Paths met while walking that could not be read (a path that does
    /// not exist, a dangling link, a FIFO, an unreadable directory): each
    /// counts as a file that could not be checked.
    pub fn unreadable_paths(&self) -> usize {
        self.walk_findings
            .iter()
            .filter(|f| f.kind == FindingKind::Unreadable)
            .count()
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let unreadable = self.unreadable_paths();
        let mut s = Summary {
            files: self.reports.len() + unreadable,
            rules: self.reports.iter().filter(|r| r.kind.is_some()).count(),
            failed_files: self.reports.iter().filter(|r| r.failed()).count() + unreadable,
            files_to_fix: self.reports.iter().filter(|r| r.fixed.is_some()).count(),
            ..Summary::default()
        };
        s.skipped = s.files - s.rules - s.failed_files;
        for f in self.findings() {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
            if f.fixable() {
                s.fixable += 1;
            }
        }
        s
    }
}

/// Walks `paths` and checks every file found.
pub fn check_paths(release: &Release<'_>, paths: &[PathBuf]) -> Run {
    let walked = walk::rule_files(paths, &EXTENSIONS);
    Run {
        reports: walked
            .files
            .iter()
            .map(|f| check_file(release, f))
            .collect(),
        walk_findings: walked.problems.into_iter().map(walk_finding).collect(),
    }
}

fn walk_finding(problem: walk::Problem) -> Finding {
    let kind = match problem.kind {
        ProblemKind::Unreadable => FindingKind::Unreadable,
        ProblemKind::NoRuleFiles => FindingKind::NoRuleFiles,
        ProblemKind::SymlinkLoop => FindingKind::SymlinkLoop,
    };
    Finding::file(problem.path, problem.severity, kind, problem.message)
}
