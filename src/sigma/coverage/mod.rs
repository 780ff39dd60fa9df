//! What a set of Sigma rules covers (`sigma coverage`), and which
//! techniques of chosen groups no rule covers (`--gaps-for`).
//!
//! Every rule's technique tags are joined to the loaded release: a live
//! technique counts for itself, a revoked one for its live replacement
//! (followed through the revoked-by chain) and is reported; unknown and
//! deprecated techniques, and revoked ones without a live replacement, are
//! reported and not counted. Tactic, group, software and other tags never
//! become techniques. A rule counts once per technique, however many of
//! its tags lead there. Coverage is exact: a rule tagged `T1059` covers
//! T1059, not its sub-techniques, and the reverse.
//!
//! The layers (module `layers`) are built with [`crate::export::navigator`]'s
//! layer code, one entry per (technique, tactic) from the data's tactics.

mod layers;

pub use layers::{COVERED_COLOR, GAP_COLOR, coverage_layers, gap_layers};

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::error::Result;
use crate::export::context::GroupUse;
use crate::model::{Group, Model, Technique};
use crate::selection::{Criteria, Selection};
use crate::text::plural;

use super::check::file_finding;
use super::finding::{Finding, Severity};
use super::judge::Judge;
use super::rules::{Rule, read_rule_file};
use super::tags::{AttackRef, Tag};

/// A Sigma rule `level`, lowest first. The number is the score
/// `--score level` gives (pySigma's `SigmaLevel` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `informational`: 1.
    Informational = 1,
    /// `low`: 2.
    Low = 2,
    /// `medium`: 3.
    Medium = 3,
    /// `high`: 4.
    High = 4,
    /// `critical`: 5.
    Critical = 5,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// Parses a level name (any case, blanks around ignored).
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The name, as Sigma writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// The score of the level, 1 to 5.
    pub fn value(self) -> u64 {
        self as u64
    }
}

/// Which rules count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageOptions {
    /// Only rules of this level or higher (rules without a level are left
    /// out).
    pub min_level: Option<Level>,
    /// Only rules with one of these statuses (any case); empty: all.
    pub statuses: Vec<String>,
}

impl CoverageOptions {
    fn accepts(&self, rule: &Rule) -> bool {
        let level_ok = self.min_level.is_none_or(|min| {
            rule.level
                .as_deref()
                .and_then(Level::parse)
                .is_some_and(|l| l >= min)
        });
        let status_ok = self.statuses.is_empty()
            || rule.status.as_deref().is_some_and(|s| {
                self.statuses
                    .iter()
                    .any(|wanted| wanted.eq_ignore_ascii_case(s.trim()))
            });
        level_ok && status_ok
    }

    /// The filters in command-line form (`--min-level high --status
    /// stable`); empty when none is set.
    pub fn arguments(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(l) = self.min_level {
            parts.push(format!("--min-level {}", l.as_str()));
        }
        parts.extend(self.statuses.iter().map(|s| format!("--status {s}")));
        parts.join(" ")
    }
}

/// What a technique's score is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CoverageScore {
    /// The number of rules tagged with it.
    #[default]
    Count,
    /// The highest `level` among those rules ([`Level::value`]; 0 when
    /// none has a level).
    Level,
}

impl CoverageScore {
    /// `count` or `level`.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageScore::Count => "count",
            CoverageScore::Level => "level",
        }
    }

    /// What the score is, as a phrase.
    pub fn meaning(self) -> String {
        match self {
            CoverageScore::Count => "the number of rules tagged with the technique".to_string(),
            CoverageScore::Level => {
                "the highest level among the rules tagged with the technique: informational 1, low 2, medium 3, high 4, critical 5 (0: no rule has a level)".to_string()
            }
        }
    }

    fn legend_label(self, value: u64) -> String {
        match self {
            CoverageScore::Count => plural(value as usize, "rule", "rules"),
            CoverageScore::Level => Level::ALL
                .into_iter()
                .find(|l| l.value() == value)
                .map_or_else(
                    || "no level".to_string(),
                    |l| format!("highest level {}", l.as_str()),
                ),
        }
    }
}

/// A rule that counts, as coverage names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredRule {
    /// The file.
    pub path: PathBuf,
    /// 1-based line where the rule's document starts.
    pub line: usize,
    /// `title`.
    pub title: Option<String>,
    /// `level`, when it is one of Sigma's levels.
    pub level: Option<Level>,
    /// `status`.
    pub status: Option<String>,
}

impl CoveredRule {
    /// The title, or `(untitled)`.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or("(untitled)")
    }

    /// `path:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.path.display(), self.line)
    }

    /// `Title (path:line, level high)`.
    pub fn label(&self) -> String {
        let level = self
            .level
            .map(|l| format!(", level {}", l.as_str()))
            .unwrap_or_default();
        format!("{} ({}{level})", self.title(), self.location())
    }
}

/// What is wrong with a technique tag that coverage met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteKind {
    /// Revoked; counted under its live replacement (the ID).
    Revoked(String),
    /// Revoked, and no live object ends its revoked-by chain; not counted.
    RevokedWithoutReplacement,
    /// Deprecated; not counted.
    Deprecated,
    /// No such technique in the release; not counted.
    Unknown,
    /// `attack.` followed by no ATT&CK reference; not counted.
    Invalid,
}

impl NoteKind {
    /// `revoked`, `revoked-no-replacement`, `deprecated`, `unknown`,
    /// `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            NoteKind::Revoked(_) => "revoked",
            NoteKind::RevokedWithoutReplacement => "revoked-no-replacement",
            NoteKind::Deprecated => "deprecated",
            NoteKind::Unknown => "unknown",
            NoteKind::Invalid => "invalid",
        }
    }
}

/// A technique tag that does not name a live technique, and what coverage
/// did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagNote {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the tag.
    pub line: usize,
    /// The tag as written.
    pub tag: String,
    /// What is wrong.
    pub kind: NoteKind,
    /// One sentence: what it is and whether it was counted.
    pub message: String,
}

impl fmt::Display for TagNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.path.display(),
            self.line,
            crate::rulefiles::invisible::escape_invisible(&self.tag),
            self.message
        )
    }
}

/// A covered technique and the rules covering it.
#[derive(Debug, Clone)]
pub struct TechniqueCoverage<'m> {
    /// The live technique.
    pub technique: &'m Technique,
    /// Indexes into [`Coverage::rules`], in rule order.
    pub rules: Vec<usize>,
    /// Indexes into [`Coverage::notes`] of the revoked tags counted here.
    pub revoked_tags: Vec<usize>,
}

/// What a rule set covers.
#[derive(Debug, Clone, Default)]
pub struct Coverage<'m> {
    /// Rule files read or tried.
    pub files: usize,
    /// Their paths.
    pub file_paths: Vec<PathBuf>,
    /// The rules that count (after `--min-level` / `--status`), in file
    /// order.
    pub rules: Vec<CoveredRule>,
    /// Rules left out by the level or status filter.
    pub filtered_out: usize,
    /// Counted rules with no technique tag that counts (untagged,
    /// tactic-only, group-only, or only bad technique tags).
    pub without_techniques: usize,
    /// The covered techniques, in ID order.
    pub techniques: Vec<TechniqueCoverage<'m>>,
    /// Technique tags that name no live technique.
    pub notes: Vec<TagNote>,
    /// Files that could not be read and paths that could not be walked.
    pub problems: Vec<Finding>,
}

impl<'m> Coverage<'m> {
    /// Whether any file could not be read (or a path not walked).
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|f| f.severity == Severity::Error)
    }

    /// The coverage of a technique, by ID.
    pub fn of(&self, id: &str) -> Option<&TechniqueCoverage<'m>> {
        self.techniques
            .binary_search_by(|c| c.technique.technique_id.as_str().cmp(id))
            .ok()
            .map(|i| &self.techniques[i])
    }

    /// A technique's score.
    pub fn score(&self, covered: &TechniqueCoverage<'_>, score: CoverageScore) -> u64 {
        match score {
            CoverageScore::Count => covered.rules.len() as u64,
            CoverageScore::Level => covered
                .rules
                .iter()
                .filter_map(|&r| self.rules[r].level)
                .max()
                .map_or(0, Level::value),
        }
    }

    /// How many notes are of a kind (by [`NoteKind::as_str`]).
    pub fn notes_of(&self, kind: &str) -> usize {
        self.notes
            .iter()
            .filter(|n| n.kind.as_str() == kind)
            .count()
    }
}

/// Walks `paths`, reads every rule file (on all cores) and computes what
/// the rules cover.
pub fn coverage<'m>(
    judge: &Judge<'m>,
    paths: &[PathBuf],
    options: &CoverageOptions,
) -> Result<Coverage<'m>> {
    let (files, problems) = super::walk_rules(paths);
    let read = crate::export::parallel_map(&files, |path| Ok(read_rule_file(path)))?;
    let mut builder = Builder {
        judge,
        coverage: Coverage {
            files: files.len(),
            file_paths: files.clone(),
            problems,
            ..Coverage::default()
        },
        covered: BTreeMap::new(),
    };
    for (path, file) in files.iter().zip(read) {
        match file {
            Ok(file) => file
                .rules()
                .iter()
                .for_each(|rule| builder.add(rule, options)),
            Err(err) => builder.coverage.problems.push(file_finding(path, err)),
        }
    }
    Ok(builder.finish())
}

struct Builder<'j, 'm> {
    judge: &'j Judge<'m>,
    coverage: Coverage<'m>,
    covered: BTreeMap<&'m str, TechniqueCoverage<'m>>,
}

impl<'m> Builder<'_, 'm> {
    fn add(&mut self, rule: &Rule, options: &CoverageOptions) {
        if !options.accepts(rule) {
            self.coverage.filtered_out += 1;
            return;
        }
        let index = self.coverage.rules.len();
        self.coverage.rules.push(CoveredRule {
            path: rule.path.clone(),
            line: rule.line,
            title: rule.title.clone(),
            level: rule.level.as_deref().and_then(Level::parse),
            status: rule.status.clone(),
        });
        let mut counted = false;
        for tag in &rule.tags {
            let id = match &tag.parsed {
                Tag::Attack(a) => match &a.target {
                    AttackRef::Technique(id) => id,
                    _ => continue,
                },
                Tag::Invalid(_) | Tag::Lookalike(_) => {
                    self.note(rule, &tag.raw, tag.line, NoteKind::Invalid);
                    continue;
                }
                Tag::Other => continue,
            };
            counted |= self.count(rule, index, &tag.raw, tag.line, id);
        }
        if !counted {
            self.coverage.without_techniques += 1;
        }
    }

    /// Counts rule `index` for the technique `id` names; whether it counted.
    fn count(&mut self, rule: &Rule, index: usize, raw: &str, line: usize, id: &str) -> bool {
        let model = self.judge.model();
        let Some(named) = model.technique(id) else {
            self.note(rule, raw, line, NoteKind::Unknown);
            return false;
        };
        let Some(live) = self.judge.live_technique(id) else {
            let kind = if named.revoked {
                NoteKind::RevokedWithoutReplacement
            } else {
                NoteKind::Deprecated
            };
            self.note(rule, raw, line, kind);
            return false;
        };
        let entry = self
            .covered
            .entry(live.technique_id.as_str())
            .or_insert_with(|| TechniqueCoverage {
                technique: live,
                rules: Vec::new(),
                revoked_tags: Vec::new(),
            });
        if entry.rules.last() != Some(&index) {
            entry.rules.push(index);
        }
        if named.revoked {
            let note = self.coverage.notes.len();
            if let Some(entry) = self.covered.get_mut(live.technique_id.as_str()) {
                entry.revoked_tags.push(note);
            }
            self.note(
                rule,
                raw,
                line,
                NoteKind::Revoked(live.technique_id.clone()),
            );
        }
        true
    }

    fn note(&mut self, rule: &Rule, raw: &str, line: usize, kind: NoteKind) {
        let release = self.judge.release();
        let model = self.judge.model();
        let name = |id: &str| {
            model
                .technique(id)
                .map(|t| format!("{} ({})", t.technique_id, t.full_name))
                .unwrap_or_else(|| id.to_string())
        };
        let id = super::tags::parse(raw);
        let named = match &id {
            Tag::Attack(a) => name(a.target.id()),
            _ => raw.trim().to_string(),
        };
        let message = match &kind {
            NoteKind::Revoked(live) => format!(
                "technique {named} is revoked in {release}; counted under its replacement {}",
                name(live)
            ),
            NoteKind::RevokedWithoutReplacement => format!(
                "technique {named} is revoked in {release} and has no live replacement; not counted"
            ),
            NoteKind::Deprecated => {
                format!("technique {named} is deprecated in {release}; not counted")
            }
            NoteKind::Unknown => {
                format!("there is no technique {named} in {release}; not counted")
            }
            NoteKind::Invalid => "not an ATT&CK reference; not counted".to_string(),
        };
        self.coverage.notes.push(TagNote {
            path: rule.path.clone(),
            line,
            tag: raw.to_string(),
            kind,
            message,
        });
    }

    fn finish(mut self) -> Coverage<'m> {
        self.coverage.techniques = self.covered.into_values().collect();
        self.coverage
    }
}

/// The techniques of the given groups, covered or not.
#[derive(Debug, Clone)]
pub struct GapReport<'m> {
    /// The groups, as resolved.
    pub groups: Vec<&'m Group>,
    /// Every technique the groups use (campaigns included), in ID order.
    pub techniques: Vec<GapEntry<'m>>,
}

/// One technique of a [`GapReport`].
#[derive(Debug, Clone)]
pub struct GapEntry<'m> {
    /// The technique.
    pub technique: &'m Technique,
    /// Indexes into [`Coverage::rules`] of the rules covering it (empty: a
    /// gap).
    pub rules: Vec<usize>,
    /// The given groups that use it, and how.
    pub groups: Vec<GroupUse<'m>>,
    /// Covered techniques next to it: its parent and its sub-techniques,
    /// with their rule counts (a hint for a gap, not coverage).
    pub nearby: Vec<(&'m str, usize)>,
}

impl GapEntry<'_> {
    /// Whether no rule covers it.
    pub fn is_gap(&self) -> bool {
        self.rules.is_empty()
    }
}

impl GapReport<'_> {
    /// The techniques no rule covers.
    pub fn gaps(&self) -> impl Iterator<Item = &GapEntry<'_>> {
        self.techniques.iter().filter(|e| e.is_gap())
    }

    /// `APT29 (G0016)`, or `APT29 (G0016), APT28 (G0007)`.
    pub fn groups_label(&self) -> String {
        self.groups
            .iter()
            .map(|g| format!("{} ({})", g.info.name, g.info.id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The techniques `groups` (IDs, names or aliases) use — directly or
/// through their attributed campaigns, as `export navigator --group`
/// selects them — each with the rules covering it. Errors: an unknown,
/// revoked or deprecated group, as for a selection.
pub fn gaps_for<'m>(
    model: &'m Model,
    coverage: &Coverage<'m>,
    groups: &[String],
) -> Result<GapReport<'m>> {
    let criteria = Criteria {
        groups: groups.to_vec(),
        ..Criteria::default()
    };
    let selection = Selection::resolve(model, &criteria)?;
    let techniques = selection
        .techniques
        .iter()
        .map(|&t| GapEntry {
            technique: t,
            rules: coverage
                .of(&t.technique_id)
                .map_or_else(Vec::new, |c| c.rules.clone()),
            groups: t
                .groups
                .iter()
                .filter(|g| selection.groups.iter().any(|s| s.info.id == g.id))
                .map(GroupUse::new)
                .collect(),
            nearby: nearby(coverage, t),
        })
        .collect();
    Ok(GapReport {
        groups: selection.groups,
        techniques,
    })
}

fn nearby<'m>(coverage: &Coverage<'m>, t: &'m Technique) -> Vec<(&'m str, usize)> {
    t.parent
        .iter()
        .chain(&t.subtechniques)
        .filter_map(|id| coverage.of(id))
        .map(|c| (c.technique.technique_id.as_str(), c.rules.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(Level::parse(" High "), Some(Level::High));
        assert_eq!(Level::parse("severe"), None);
        assert!(Level::Critical > Level::High);
        let values: Vec<u64> = Level::ALL.iter().map(|l| l.value()).collect();
        assert_eq!(values, [1, 2, 3, 4, 5]);
        assert_eq!(CoverageScore::Level.legend_label(4), "highest level high");
        assert_eq!(CoverageScore::Level.legend_label(0), "no level");
        assert_eq!(CoverageScore::Count.legend_label(1), "1 rule");
    }

    #[test]
    fn filters_in_command_line_form() {
        let options = CoverageOptions {
            min_level: Some(Level::High),
            statuses: vec!["stable".into(), "test".into()],
        };
        assert_eq!(
            options.arguments(),
            "--min-level high --status stable --status test"
        );
        assert_eq!(CoverageOptions::default().arguments(), "");
    }
}
