//! The loaded ATT&CK release, as `siem check` asks it: what a technique ID
//! stands for (live, revoked and replaced, deprecated, unknown, malformed)
//! and which tactic a written tactic is. Nothing about ATT&CK is hard-coded:
//! the same rule is judged differently against v18 (`Defense Evasion`) and
//! v19 (`Stealth`).

use crate::export::templates::{is_technique_id, pascal_case, tactic_shortname};
use crate::model::{Model, Tactic, Technique};
use crate::query::edit_distance;

use super::finding::{FindingKind, Note, Severity};

/// The release judged against.
#[derive(Debug)]
pub struct Release<'m> {
    model: &'m Model,
    name: String,
    newest: u32,
}

/// What a written technique ID stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved<'m> {
    /// A live technique, written correctly.
    Live(&'m Technique),
    /// A live technique written another way (`t1059`, ` T1059.001`); the
    /// technique is the one meant.
    Respelled(&'m Technique),
    /// A revoked technique and the live end of its revoked-by chain.
    Revoked(&'m Technique, Option<&'m Technique>),
    /// A deprecated technique (no replacement).
    Deprecated(&'m Technique),
    /// Technique-shaped but not in the release.
    Unknown,
    /// Not a technique ID at all.
    Malformed,
}

impl<'m> Resolved<'m> {
    /// The live technique the ID should be written as, when there is one:
    /// itself, its correct spelling, or its replacement.
    pub fn live(self) -> Option<&'m Technique> {
        match self {
            Resolved::Live(t) | Resolved::Respelled(t) => Some(t),
            Resolved::Revoked(_, replacement) => replacement,
            _ => None,
        }
    }

    /// The technique of the data it names, live or not.
    pub fn known(self) -> Option<&'m Technique> {
        match self {
            Resolved::Live(t)
            | Resolved::Respelled(t)
            | Resolved::Revoked(t, _)
            | Resolved::Deprecated(t) => Some(t),
            _ => None,
        }
    }

    /// The ID the list should hold instead, when it changes.
    pub fn replacement(self) -> Option<&'m str> {
        match self {
            Resolved::Respelled(t) => Some(&t.technique_id),
            Resolved::Revoked(_, Some(r)) => Some(&r.technique_id),
            _ => None,
        }
    }
}

impl<'m> Release<'m> {
    /// The release of `model`.
    pub fn new(model: &'m Model) -> Self {
        let name = match &model.source.attack_version {
            Some(v) => format!("ATT&CK {v}"),
            None => "the loaded ATT&CK data".to_string(),
        };
        let newest = model
            .techniques
            .iter()
            .filter_map(|t| t.technique_id.get(1..5)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        Release {
            model,
            name,
            newest,
        }
    }

    /// `ATT&CK 18.1`, or a phrase for data without a release.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The model.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// What a written technique ID stands for.
    pub fn resolve(&self, raw: &str) -> Resolved<'m> {
        let written = raw.trim();
        let exact = is_technique_id(written);
        let id = if exact {
            written.to_string()
        } else {
            match respell(written) {
                Some(id) => id,
                None => return Resolved::Malformed,
            }
        };
        let Some(t) = self.model.technique(&id).filter(|t| t.technique_id == id) else {
            return Resolved::Unknown;
        };
        if t.revoked {
            let replacement = t
                .replaced_by
                .as_deref()
                .and_then(|r| self.model.technique(r))
                .filter(|r| r.is_live());
            return Resolved::Revoked(t, replacement);
        }
        if t.deprecated {
            return Resolved::Deprecated(t);
        }
        if exact && raw == written {
            Resolved::Live(t)
        } else {
            Resolved::Respelled(t)
        }
    }

    /// The note for an ID that is not a live technique written correctly,
    /// with the fix (replacement) when there is one; `None` for a live one.
    pub fn id_note(&self, raw: &str, line: Option<usize>) -> Option<Note> {
        let resolved = self.resolve(raw);
        let release = &self.name;
        let note = match resolved {
            Resolved::Live(_) => return None,
            Resolved::Respelled(t) => Note::new(
                line,
                Severity::Warning,
                FindingKind::MalformedId,
                format!(
                    "{raw}: technique IDs are written {} ({})",
                    t.technique_id, t.full_name
                ),
            )
            .fixed_by(format!("replace with {}", t.technique_id)),
            Resolved::Revoked(t, Some(r)) => Note::new(
                line,
                Severity::Error,
                FindingKind::Revoked,
                format!(
                    "{raw} ({}) is revoked in {release}; replaced by {} ({})",
                    t.full_name, r.technique_id, r.full_name
                ),
            )
            .fixed_by(format!("replace with {}", r.technique_id)),
            Resolved::Revoked(t, None) => Note::new(
                line,
                Severity::Error,
                FindingKind::Revoked,
                format!(
                    "{raw} ({}) is revoked in {release} and its revoked-by chain ends on no live technique; remap by hand",
                    t.full_name
                ),
            ),
            Resolved::Deprecated(t) => Note::new(
                line,
                Severity::Warning,
                FindingKind::Deprecated,
                format!(
                    "{raw} ({}) is deprecated in {release} and has no replacement; remap by hand",
                    t.full_name
                ),
            ),
            Resolved::Unknown => Note::new(
                line,
                Severity::Error,
                FindingKind::UnknownTechnique,
                format!(
                    "{raw}: there is no technique {} in {release}{}",
                    raw.trim(),
                    self.hint(raw)
                ),
            ),
            Resolved::Malformed => Note::new(
                line,
                Severity::Error,
                FindingKind::MalformedId,
                format!("{raw}: not a technique ID (T#### or T####.###)"),
            ),
        };
        Some(note.about(raw))
    }

    /// Why an ID is unknown: newer than the release, or close to one.
    fn hint(&self, raw: &str) -> String {
        let id = respell(raw.trim()).unwrap_or_else(|| raw.trim().to_string());
        let number = id.get(1..5).and_then(|n| n.parse::<u32>().ok());
        if number.is_some_and(|n| n > self.newest) {
            return format!(
                " (newer than every technique of {}, whose highest is T{:04}: an ID of a later release?)",
                self.name, self.newest
            );
        }
        self.model
            .live_techniques()
            .map(|t| (edit_distance(&id, &t.technique_id), t))
            .filter(|(d, _)| *d <= 2)
            .min_by_key(|(d, t)| (*d, t.technique_id.clone()))
            .map(|(_, t)| format!("; did you mean {} ({})?", t.technique_id, t.full_name))
            .unwrap_or_default()
    }

    /// The tactic with this exact ID.
    pub fn tactic_by_id(&self, id: &str) -> Option<&'m Tactic> {
        self.model.tactics.iter().find(|t| t.id == id.trim())
    }

    /// The tactic with this exact display name.
    pub fn tactic_by_name(&self, name: &str) -> Option<&'m Tactic> {
        self.model.tactics.iter().find(|t| t.name == name.trim())
    }

    /// The tactic whose Sentinel name (PascalCase display name) is exactly
    /// `value`.
    pub fn tactic_by_pascal(&self, value: &str) -> Option<&'m Tactic> {
        self.model
            .tactics
            .iter()
            .find(|t| pascal_case(&t.name) == value)
    }

    /// A tactic written any way: ID, display name, shortname or PascalCase,
    /// in any case and with `-`, `_` or spaces between words.
    pub fn tactic_loosely(&self, value: &str) -> Option<&'m Tactic> {
        let key = tactic_shortname(&split_pascal(value.trim()));
        let upper = value.trim().to_ascii_uppercase();
        self.model
            .tactics
            .iter()
            .find(|t| t.id == upper || tactic_shortname(&t.name) == key || t.shortname == key)
    }

    /// The tactics of the release, each once, matrix order.
    pub fn tactics(&self) -> Vec<&'m Tactic> {
        let mut out: Vec<&Tactic> = Vec::new();
        for t in &self.model.tactics {
            if !out.iter().any(|x| x.id == t.id) {
                out.push(t);
            }
        }
        out
    }

    /// The position of a tactic in matrix order.
    pub fn tactic_order(&self, id: &str) -> usize {
        self.model
            .tactics
            .iter()
            .position(|t| t.id == id)
            .unwrap_or(usize::MAX)
    }
}

/// `t1059` / `T1059/001` / `T1059_001` → the canonical ID, when it is one.
fn respell(written: &str) -> Option<String> {
    let id: String = written
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '/' | '_' => '.',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    is_technique_id(&id).then_some(id)
}

/// `CommandAndControl` → `Command And Control` (other text unchanged).
fn split_pascal(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && !value.contains([' ', '-', '_']) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_respelled_only_when_unambiguous() {
        assert_eq!(respell("t1059").as_deref(), Some("T1059"));
        assert_eq!(respell("T1059/001").as_deref(), Some("T1059.001"));
        assert_eq!(respell(" t1059.001 ").as_deref(), Some("T1059.001"));
        assert_eq!(respell("T1059x001"), None);
        assert_eq!(respell("TA0002"), None);
        assert_eq!(split_pascal("CommandAndControl"), "Command And Control");
        assert_eq!(split_pascal("command-and-control"), "command-and-control");
    }
}
