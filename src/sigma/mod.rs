//! Sigma rules: judging and fixing their ATT&CK tags against the loaded
//! release.
//!
//! The path through the module: [`walk`] finds the rule files →
//! [`rules`] reads each one (text, serde_yaml validation, documents with
//! byte positions from [`document`]) → [`judge`] judges every document's
//! tags ([`tags`] reads their syntax) and plans the unambiguous changes →
//! [`fix`] turns the plan into edits of the original text and re-reads
//! the result → [`check`] gathers it all per file. [`diff`] shows a fix as
//! a unified diff. Finding the files, the text edits and the diff are
//! shared with `siem` ([`crate::rulefiles`]).
//!
//! For other commands (`sigma coverage`): [`rules::read_rule_file`] gives
//! a file's [`rules::Rule`]s with titles, levels and parsed tags, and
//! [`judge::Judge::live_technique`] says which live technique a technique
//! tag counts for.

pub mod check;
pub mod coverage;
pub mod document;
pub mod finding;
pub mod fix;
pub mod judge;
pub mod rules;
pub mod tag;
pub mod tags;

pub use crate::rulefiles::diff;
use crate::rulefiles::walk::{self, ProblemKind};

use std::path::PathBuf;

pub use check::{FileReport, check_file};
pub use finding::{Finding, FindingKind, Fix, Severity};
pub use judge::Judge;
pub use rules::{Rule, RuleFile, RuleTag, read_rule_file};

/// Everything a `sigma check` run found.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// One report per file, in walk order.
    pub reports: Vec<FileReport>,
    /// Problems met while walking the paths.
    pub walk_findings: Vec<Finding>,
}

/// Counts over a [`Run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files checked, read or not (paths that could not be read
    /// included).
    pub files: usize,
    /// Files that could not be checked: unreadable paths, binary or not
    /// UTF-8, empty, not YAML, not a rule.
    pub failed_files: usize,
    /// Rules in the files checked.
    pub rules: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
    /// Findings `sigma fix` fixes.
    pub fixable: usize,
    /// Files `sigma fix` changes.
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
            failed_files: self.reports.iter().filter(|r| r.failed()).count() + unreadable,
            rules: self.reports.iter().map(|r| r.rules).sum(),
            files_to_fix: self.reports.iter().filter(|r| r.fixed.is_some()).count(),
            ..Summary::default()
        };
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

/// The extensions of Sigma rule files, looked for in directories.
pub const EXTENSIONS: [&str; 2] = ["yml", "yaml"];

/// The Sigma rule files below `paths`, and the problems met on the way as
/// findings (unreadable paths, directories without rules, symlink loops).
pub fn walk_rules(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Finding>) {
    let walked = walk::rule_files(paths, &EXTENSIONS);
    let findings = walked.problems.into_iter().map(walk_finding).collect();
    (walked.files, findings)
}

/// Walks `paths` and checks every rule file found, on all cores.
pub fn check_paths(judge: &Judge<'_>, paths: &[PathBuf]) -> Run {
    let (files, walk_findings) = walk_rules(paths);
    Run {
        reports: check_all(judge, &files),
        walk_findings,
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

/// Checks files in parallel; the reports keep the files' order.
pub fn check_all(judge: &Judge<'_>, files: &[PathBuf]) -> Vec<FileReport> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len() / 64 + 1);
    if workers <= 1 {
        return files.iter().map(|f| check_file(judge, f)).collect();
    }
    let chunk = files.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|f| check_file(judge, f))
                        .collect::<Vec<_>>()
                });
                (part, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, handle)| {
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|f| crashed(f)).collect())
            })
            .collect()
    })
}

/// The report for a file whose check panicked (a bug): an error, so the
/// run fails rather than skipping the file silently.
fn crashed(file: &std::path::Path) -> FileReport {
    FileReport {
        path: file.to_path_buf(),
        findings: vec![Finding::file(
            file,
            Severity::Error,
            FindingKind::UnsafeEdit,
            "internal error while checking this file; it was left untouched, please report this",
        )],
        ..FileReport::default()
    }
}
