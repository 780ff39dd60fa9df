//! A short Markdown summary of a selection, to paste into a ticket or a
//! wiki: counts, the techniques most used by groups, the techniques with no
//! mitigation, and a line per tactic.
//!
//! The exporter computes the figures (the context part `markdown`); the
//! template `markdown.md.j2` lays them out. `docs/reports.md` describes the
//! report.

use std::collections::HashSet;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::Result;
use crate::model::{Domain, Model, Technique};
use crate::selection::Selection;

use super::table::{selected_tactics, techniques_of_tactic};
use super::templates::technique_url;
use super::{ExportInput, Exporter, FormatContext, Syntax};

/// The Markdown summary exporter.
#[derive(Debug, Clone, Copy)]
pub struct Markdown;

/// Options of the Markdown summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// How many techniques the "top" and "no mitigation" lists show; 0: all.
    pub top: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions { top: 10 }
    }
}

/// The `markdown` part of the context.
#[derive(Debug, Serialize)]
pub struct MarkdownContext {
    /// The length of the lists (0: no limit).
    pub limit: usize,
    /// The names of the domains covered (their IDs when unnamed).
    pub domains: Vec<String>,
    /// The figures.
    pub counts: Counts,
    /// The selected techniques used by at least one group, most groups
    /// first (ties by ID), at most `limit`.
    pub top_techniques: Vec<TechniqueLine>,
    /// The selected techniques with no mitigation, most groups first, at
    /// most `limit`.
    pub gaps: Vec<TechniqueLine>,
    /// How many selected techniques have no mitigation.
    pub gaps_total: usize,
    /// One line per tactic of the domains covered, in matrix order (only
    /// the tactics named with `--tactic`, if any).
    pub tactics: Vec<TacticLine>,
}

/// The figures of a selection.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// Selected techniques.
    pub techniques: usize,
    /// Of which techniques (not sub-techniques).
    pub parents: usize,
    /// Of which sub-techniques.
    pub subtechniques: usize,
    /// Selected techniques used by at least one group.
    pub with_groups: usize,
    /// Selected techniques with no mitigation.
    pub without_mitigations: usize,
    /// Selected techniques with no detection.
    pub without_detections: usize,
    /// Distinct groups using a selected technique.
    pub groups: usize,
    /// Distinct software using a selected technique.
    pub software: usize,
    /// Distinct campaigns using a selected technique.
    pub campaigns: usize,
    /// Distinct mitigations of a selected technique.
    pub mitigations: usize,
    /// Distinct detections of a selected technique.
    pub detections: usize,
}

/// A technique in a list.
#[derive(Debug, Clone, Serialize)]
pub struct TechniqueLine {
    /// `T1059.001`.
    pub id: String,
    /// `Command and Scripting Interpreter: PowerShell`.
    pub name: String,
    /// ATT&CK page.
    pub url: Option<String>,
    /// Tactic names in matrix order.
    pub tactics: Vec<String>,
    /// Groups using it.
    pub groups: usize,
    /// Software using it.
    pub software: usize,
    /// Its mitigations.
    pub mitigations: usize,
}

/// A tactic's line.
#[derive(Debug, Clone, Serialize)]
pub struct TacticLine {
    /// Domain.
    pub domain: String,
    /// `TA0002`.
    pub id: String,
    /// `Execution`.
    pub name: String,
    /// Selected techniques of the tactic.
    pub techniques: usize,
    /// Of which used by at least one group.
    pub with_groups: usize,
    /// Of which with no mitigation.
    pub without_mitigations: usize,
    /// The one used by the most groups (ties by ID), if any group uses one.
    pub most_used: Option<TechniqueLine>,
}

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn summary(&self) -> &'static str {
        "Markdown summary: counts, top techniques by groups, techniques without mitigations, per tactic"
    }

    fn template(&self) -> &'static str {
        "markdown.md.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Text
    }

    fn extension(&self) -> &'static str {
        "md"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let limit = input.options.markdown.top;
        let techniques = &input.selection.techniques;
        let gaps: Vec<&Technique> =
            by_groups(techniques.iter().filter(|t| t.mitigations.is_empty()));
        let part = MarkdownContext {
            limit,
            domains: input
                .domains
                .iter()
                .map(|d| d.name.clone().unwrap_or_else(|| d.id.clone()))
                .collect(),
            counts: counts(techniques),
            top_techniques: first(
                by_groups(techniques.iter().filter(|t| !t.groups.is_empty())),
                limit,
            ),
            gaps_total: gaps.len(),
            gaps: first(gaps, limit),
            tactics: input
                .domains
                .iter()
                .flat_map(|d| tactic_lines(input.model, input.selection, d))
                .collect(),
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings: Vec::new(),
        })
    }
}

fn line(t: &Technique) -> TechniqueLine {
    TechniqueLine {
        id: t.technique_id.clone(),
        name: t.full_name.clone(),
        url: technique_url(&t.technique_id),
        tactics: t.tactics.iter().map(|x| x.name.clone()).collect(),
        groups: t.groups.len(),
        software: t.software.len(),
        mitigations: t.mitigations.len(),
    }
}

/// Most groups first, ties by ID.
fn by_groups<'m>(techniques: impl Iterator<Item = &'m &'m Technique>) -> Vec<&'m Technique> {
    let mut sorted: Vec<&Technique> = techniques.copied().collect();
    sorted.sort_by(|a, b| {
        b.groups
            .len()
            .cmp(&a.groups.len())
            .then_with(|| a.technique_id.cmp(&b.technique_id))
    });
    sorted
}

fn first(techniques: Vec<&Technique>, limit: usize) -> Vec<TechniqueLine> {
    let n = if limit == 0 { techniques.len() } else { limit };
    techniques.into_iter().take(n).map(line).collect()
}

fn counts(techniques: &[&Technique]) -> Counts {
    let distinct = |ids: &mut dyn Iterator<Item = &str>| ids.collect::<HashSet<_>>().len();
    let subtechniques = techniques.iter().filter(|t| t.is_subtechnique).count();
    Counts {
        techniques: techniques.len(),
        parents: techniques.len() - subtechniques,
        subtechniques,
        with_groups: techniques.iter().filter(|t| !t.groups.is_empty()).count(),
        without_mitigations: techniques
            .iter()
            .filter(|t| t.mitigations.is_empty())
            .count(),
        without_detections: techniques
            .iter()
            .filter(|t| t.detections.is_empty())
            .count(),
        groups: distinct(
            &mut techniques
                .iter()
                .flat_map(|t| t.groups.iter().map(|g| g.id.as_str())),
        ),
        software: distinct(
            &mut techniques
                .iter()
                .flat_map(|t| t.software.iter().map(|s| s.id.as_str())),
        ),
        campaigns: distinct(
            &mut techniques
                .iter()
                .flat_map(|t| t.campaigns.iter().map(|c| c.id.as_str())),
        ),
        mitigations: distinct(
            &mut techniques
                .iter()
                .flat_map(|t| t.mitigations.iter().map(|m| m.id.as_str())),
        ),
        detections: distinct(
            &mut techniques
                .iter()
                .flat_map(|t| t.detections.iter().map(|d| d.id.as_str())),
        ),
    }
}

fn tactic_lines(model: &Model, selection: &Selection<'_>, domain: &Domain) -> Vec<TacticLine> {
    selected_tactics(model, selection, domain)
        .into_iter()
        .map(|tactic| {
            let of_tactic = techniques_of_tactic(selection, domain, tactic);
            TacticLine {
                domain: domain.id.clone(),
                id: tactic.id.clone(),
                name: tactic.name.clone(),
                techniques: of_tactic.len(),
                with_groups: of_tactic.iter().filter(|t| !t.groups.is_empty()).count(),
                without_mitigations: of_tactic
                    .iter()
                    .filter(|t| t.mitigations.is_empty())
                    .count(),
                most_used: by_groups(of_tactic.iter().filter(|t| !t.groups.is_empty()))
                    .first()
                    .map(|t| line(t)),
            }
        })
        .collect()
}
