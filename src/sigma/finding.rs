//! What `sigma check` reports: one [`Finding`] per problem, with its
//! severity, its kind and the fix when there is an unambiguous one.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

pub use crate::rulefiles::Severity;

/// What a finding is about. `docs/sigma.md` lists each with its severity
/// and fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A tag spelled wrongly: upper case, no dot, spaces, an unpadded
    /// sub-technique, a tactic by ID or display name.
    Malformed,
    /// A tactic with underscores (`attack.defense_evasion`).
    UnderscoreTactic,
    /// A tag in the `attack` namespace that is not an ATT&CK reference.
    InvalidTag,
    /// A technique, group, software, mitigation or campaign ID that the
    /// release does not have.
    UnknownId,
    /// A tactic that the release does not have.
    UnknownTactic,
    /// A revoked object.
    Revoked,
    /// A deprecated object (no replacement exists).
    Deprecated,
    /// A technique tagged without any of its tactics.
    MissingTactic,
    /// A tactic none of the rule's techniques belongs to.
    UnrelatedTactic,
    /// The same ATT&CK tag twice.
    Duplicate,
    /// A data-source or asset tag, accepted without checking.
    NotChecked,
    /// `tags:` holds a single string instead of a list.
    TagsNotAList,
    /// `tags:` holds something that is not a string.
    TagNotAString,
    /// The tags are written in a way attackmap does not edit.
    NotEditable,
    /// A document's tags are replaced by those of the `action: global`
    /// document and have no effect.
    OverriddenTags,
    /// The file could not be read.
    Unreadable,
    /// The file is binary or not UTF-8 text.
    NotText,
    /// The file is not valid YAML.
    InvalidYaml,
    /// The file is empty: no bytes, or nothing but blank lines, comments
    /// and empty documents.
    EmptyFile,
    /// The file is YAML but holds no Sigma rule.
    NotARule,
    /// A path given holds no `.yml`/`.yaml` file.
    NoRuleFiles,
    /// A directory reached again through a symbolic link: not walked twice.
    SymlinkLoop,
    /// The fixed text failed the safety check; the file was left untouched.
    UnsafeEdit,
}

impl FindingKind {
    /// The kebab-case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Malformed => "malformed",
            FindingKind::UnderscoreTactic => "underscore-tactic",
            FindingKind::InvalidTag => "invalid-tag",
            FindingKind::UnknownId => "unknown-id",
            FindingKind::UnknownTactic => "unknown-tactic",
            FindingKind::Revoked => "revoked",
            FindingKind::Deprecated => "deprecated",
            FindingKind::MissingTactic => "missing-tactic",
            FindingKind::UnrelatedTactic => "unrelated-tactic",
            FindingKind::Duplicate => "duplicate",
            FindingKind::NotChecked => "not-checked",
            FindingKind::TagsNotAList => "tags-not-a-list",
            FindingKind::TagNotAString => "tag-not-a-string",
            FindingKind::NotEditable => "not-editable",
            FindingKind::OverriddenTags => "overridden-tags",
            FindingKind::Unreadable => "unreadable",
            FindingKind::NotText => "not-text",
            FindingKind::InvalidYaml => "invalid-yaml",
            FindingKind::EmptyFile => "empty-file",
            FindingKind::NotARule => "not-a-rule",
            FindingKind::NoRuleFiles => "no-rule-files",
            FindingKind::SymlinkLoop => "symlink-loop",
            FindingKind::UnsafeEdit => "unsafe-edit",
        }
    }
}

/// The change that fixes a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "tags", rename_all = "lowercase")]
pub enum Fix {
    /// Replace the tag with this one.
    Replace(String),
    /// Remove the tag.
    Remove,
    /// Add these tags.
    Add(Vec<String>),
    /// Turn the single string into a list.
    List,
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::Replace(tag) => write!(f, "replace with {tag}"),
            Fix::Remove => f.write_str("remove it"),
            Fix::Add(tags) => write!(f, "add {}", tags.join(", ")),
            Fix::List => f.write_str("make it a list"),
        }
    }
}

/// One problem found in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when the finding is about a place in the file.
    pub line: Option<usize>,
    /// 1-based column (YAML syntax errors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: FindingKind,
    /// The tag as written, when the finding is about one.
    pub tag: Option<String>,
    /// What is wrong, in words.
    pub message: String,
    /// The fix `sigma fix` applies, if there is an unambiguous one.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding about a whole file.
    pub fn file(
        file: impl Into<PathBuf>,
        severity: Severity,
        kind: FindingKind,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            file: file.into(),
            line: None,
            column: None,
            severity,
            kind,
            tag: None,
            message: message.into(),
            fix: None,
        }
    }

    /// Whether `sigma fix` changes something for it.
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
