//! What `siem check` reports: one [`Finding`] per problem, with its
//! severity, its kind, and what `siem fix` does about it, if anything.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::rulefiles::Severity;

/// What a finding is about. `docs/siem.md` lists each with its severity and
/// fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A technique ID that is not `T####` or `T####.###` (`t1059`,
    /// `T1059x001`).
    MalformedId,
    /// A technique ID the release does not have.
    UnknownTechnique,
    /// A revoked technique.
    Revoked,
    /// A deprecated technique (no replacement exists).
    Deprecated,
    /// Splunk: a technique listed together with one of its own
    /// sub-techniques (contentctl refuses it).
    ParentAndSubtechnique,
    /// The same technique twice in a list.
    DuplicateId,
    /// A tactic the release does not have.
    UnknownTactic,
    /// A tactic of the release spelled another way (`Command and Control`
    /// where Sentinel wants `CommandAndControl`).
    MalformedTactic,
    /// A technique none of whose tactics is listed.
    MissingTactic,
    /// Sentinel: a technique some (not all) of whose tactics are listed.
    IncompleteTactics,
    /// A tactic none of the listed techniques belongs to.
    UnrelatedTactic,
    /// Elastic: a technique under a tactic it does not belong to.
    WrongTactic,
    /// Elastic: a tactic in two `[[rule.threat]]` blocks.
    DuplicateTactic,
    /// Elastic: a sub-technique not nested under its own parent, or a
    /// technique where a sub-technique belongs.
    MisplacedSubtechnique,
    /// Elastic: a name that is not the release's exact name.
    WrongName,
    /// Elastic: a reference URL that is not the ATT&CK page of the ID.
    WrongReference,
    /// Elastic: an `id`, `name` or `reference` missing.
    MissingField,
    /// Sentinel ARM: a sub-technique in `techniques` (only `T####` is
    /// accepted there).
    ArmSubtechnique,
    /// Sentinel ARM: a sub-technique whose parent is not in `techniques`.
    MissingParent,
    /// A misspelled ATT&CK key (Sentinel's `requiredTechniques`).
    MisspelledKey,
    /// An ATT&CK field of the wrong type: a string or a mapping where a
    /// list belongs, a number where a string belongs. Never fixed.
    WrongType,
    /// Sentinel ARM: an ATT&CK key twice in one object (JSON readers keep
    /// one of them, serde_json and attackmap the last).
    DuplicateKey,
    /// The rule has no ATT&CK mapping.
    NoMapping,
    /// Not a Splunk, Sentinel or Elastic rule: skipped.
    UnknownKind,
    /// The file is empty: no bytes, or nothing but blank lines, comments
    /// and empty YAML documents.
    EmptyFile,
    /// The file does not parse as YAML, TOML or JSON.
    InvalidSyntax,
    /// The file is binary or not UTF-8.
    NotText,
    /// The file cannot be read (or written, by `fix`).
    Unreadable,
    /// A directory given holds no rule file.
    NoRuleFiles,
    /// A directory reached again: not walked twice.
    SymlinkLoop,
    /// The fields would change but are written in a way attackmap does
    /// not edit.
    NotEditable,
    /// The fixed text failed the safety check; the file was left untouched.
    UnsafeEdit,
}

impl FindingKind {
    /// The kebab-case name used in JSON output.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One problem found in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when the finding is about a place in the file.
    pub line: Option<usize>,
    /// 1-based column (syntax errors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: FindingKind,
    /// The value as written, when the finding is about one.
    pub value: Option<String>,
    /// What is wrong, in words.
    pub message: String,
    /// What `siem fix` does about it, in words; `None` when it does
    /// nothing (fix by hand).
    pub fix: Option<String>,
}

impl Finding {
    /// A finding about a whole file.
    pub fn file(
        file: impl AsRef<Path>,
        severity: Severity,
        kind: FindingKind,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            file: file.as_ref().to_path_buf(),
            line: None,
            column: None,
            severity,
            kind,
            value: None,
            message: message.into(),
            fix: None,
        }
    }

    /// Whether `siem fix` changes something for it.
    pub fn fixable(&self) -> bool {
        self.fix.is_some()
    }
}

impl fmt::Display for Finding {
    /// `file:line: severity: message (fix: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::rulefiles::write_finding(
            f,
            &self.file,
            self.line,
            self.column,
            self.severity,
            &self.message,
            self.fix.as_ref().map(|x| x as &dyn fmt::Display),
        )
    }
}

/// A finding about a place in a file, before the file's path is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 1-based line.
    pub line: Option<usize>,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: FindingKind,
    /// The value as written.
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What `fix` does.
    pub fix: Option<String>,
}

impl Note {
    /// A note without a fix.
    pub fn new(
        line: Option<usize>,
        severity: Severity,
        kind: FindingKind,
        message: impl Into<String>,
    ) -> Self {
        Note {
            line,
            severity,
            kind,
            value: None,
            message: message.into(),
            fix: None,
        }
    }

    /// The same with the value it is about.
    pub fn about(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }

    /// The same with a fix.
    pub fn fixed_by(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The finding for `file`.
    pub fn in_file(self, file: &Path) -> Finding {
        Finding {
            file: file.to_path_buf(),
            line: self.line,
            column: None,
            severity: self.severity,
            kind: self.kind,
            value: self.value,
            message: self.message,
            fix: self.fix,
        }
    }
}
