//! The Navigator layers of [`super::Coverage`] and [`super::GapReport`],
//! built with `export::navigator`'s layer code.

use crate::export::context::GroupUse;
use crate::export::navigator::{self, Cell, Layer, LayerFrame, Legend, LegendItem, Link, Metadata};
use crate::export::templates::attack_url;
use crate::model::{Domain, Model, TacticRef, Technique};
use crate::text::plural;

use super::{
    Coverage, CoverageOptions, CoverageScore, GapEntry, GapReport, NoteKind, TechniqueCoverage,
};

/// Most rules named in an entry's comment; the rest are counted.
const RULES_IN_COMMENT: usize = 10;
/// Most rules listed in an entry's metadata.
const RULES_IN_METADATA: usize = 100;
/// Most tag notes listed in a layer's metadata.
const NOTES_IN_METADATA: usize = 100;
/// Colour of a technique no rule covers.
pub const GAP_COLOR: &str = "#ff6666";
/// Colour of a covered technique.
pub const COVERED_COLOR: &str = "#8ec843";

/// The domains of `techniques` in the model's order; every loaded domain
/// when there are none.
fn domains_of<'m>(model: &'m Model, techniques: &[&Technique]) -> Vec<&'m Domain> {
    let used: Vec<&Domain> = model
        .domains
        .iter()
        .filter(|d| techniques.iter().any(|t| t.domains.contains(&d.id)))
        .collect();
    if used.is_empty() {
        model.domains.iter().collect()
    } else {
        used
    }
}

/// The Navigator layers of what the rules cover: one per domain, one entry
/// per (covered technique, tactic), scored by `score`, with the rules in
/// the comment and metadata and the tag notes in the layer's metadata.
pub fn coverage_layers(
    model: &Model,
    coverage: &Coverage<'_>,
    score: CoverageScore,
    options: &CoverageOptions,
    name: Option<&str>,
) -> Vec<Layer> {
    let techniques: Vec<&Technique> = coverage.techniques.iter().map(|c| c.technique).collect();
    let domains = domains_of(model, &techniques);
    let several = domains.len() > 1;
    let label = |v: u64| score.legend_label(v);
    domains
        .into_iter()
        .map(|domain| {
            let cells: Vec<Cell> = coverage
                .techniques
                .iter()
                .filter(|c| c.technique.domains.contains(&domain.id))
                .flat_map(|c| coverage_cells(coverage, c, score, domain))
                .collect();
            let count = cells
                .iter()
                .map(|c| c.technique_id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let attack_version = navigator::layer_attack_version(model, domain);
            let frame = LayerFrame {
                name: navigator::domain_title(
                    name.unwrap_or("Sigma rule coverage").to_string(),
                    domain,
                    several,
                ),
                description: coverage_description(model, coverage, score, count, &attack_version),
                platforms: domain.platforms.clone(),
                hide_disabled: false,
                colors: vec!["#ffffff", COVERED_COLOR],
                legend: Legend::Scores(&label),
                metadata: coverage_metadata(
                    model,
                    coverage,
                    score,
                    options,
                    count,
                    &attack_version,
                ),
                links: Vec::new(),
            };
            navigator::assemble(model, domain, frame, cells)
        })
        .collect()
}

fn all_tactics(t: &Technique) -> Vec<&TacticRef> {
    t.tactics.iter().collect()
}

fn coverage_cells(
    coverage: &Coverage<'_>,
    c: &TechniqueCoverage<'_>,
    score: CoverageScore,
    domain: &Domain,
) -> Vec<Cell> {
    let t = c.technique;
    let mut comment = rules_sentence(coverage, &c.rules);
    if let Some(level) = c
        .rules
        .iter()
        .filter_map(|&r| coverage.rules[r].level)
        .max()
    {
        comment.push_str(&format!(" Highest level: {}.", level.as_str()));
    }
    if !c.revoked_tags.is_empty() {
        let tags: Vec<String> = c
            .revoked_tags
            .iter()
            .map(|&n| {
                let note = &coverage.notes[n];
                format!(
                    "{} ({}:{})",
                    crate::rulefiles::invisible::escape_invisible(note.tag.trim()),
                    note.path.display(),
                    note.line
                )
            })
            .collect();
        comment.push_str(&format!(" Counted from revoked tags: {}.", tags.join(", ")));
    }
    let mut metadata = rule_metadata(coverage, &c.rules);
    let revoked: Vec<Metadata> = c
        .revoked_tags
        .iter()
        .map(|&n| Metadata::Entry {
            name: "revoked_tag",
            value: coverage.notes[n].to_string(),
        })
        .collect();
    if !revoked.is_empty() {
        metadata.push(Metadata::Divider { divider: true });
        metadata.extend(revoked);
    }
    let entry = Cell {
        score: Some(coverage.score(c, score)),
        comment,
        metadata,
        links: navigator::technique_links(t),
        ..Cell::new(t)
    };
    navigator::technique_cells(domain, &all_tactics(t), entry)
}

/// `Covered by 2 rules: A; B.` (at most [`RULES_IN_COMMENT`] titles).
fn rules_sentence(coverage: &Coverage<'_>, rules: &[usize]) -> String {
    let titles: Vec<&str> = rules
        .iter()
        .take(RULES_IN_COMMENT)
        .map(|&r| coverage.rules[r].title())
        .collect();
    let more = rules.len().saturating_sub(RULES_IN_COMMENT);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!(
        "Covered by {}: {}{tail}.",
        plural(rules.len(), "rule", "rules"),
        titles.join("; ")
    )
}

/// One `rule` entry per rule (`Title (path:line, level x)`), at most
/// [`RULES_IN_METADATA`].
fn rule_metadata(coverage: &Coverage<'_>, rules: &[usize]) -> Vec<Metadata> {
    let mut out: Vec<Metadata> = rules
        .iter()
        .take(RULES_IN_METADATA)
        .map(|&r| Metadata::Entry {
            name: "rule",
            value: coverage.rules[r].label(),
        })
        .collect();
    if rules.len() > RULES_IN_METADATA {
        out.push(Metadata::Entry {
            name: "rule",
            value: format!("… and {} more", rules.len() - RULES_IN_METADATA),
        });
    }
    out
}

fn coverage_description(
    model: &Model,
    coverage: &Coverage<'_>,
    score: CoverageScore,
    count: usize,
    attack_version: &Option<String>,
) -> String {
    format!(
        "What {} in {} cover: {} in this layer. Score: {}. {}",
        plural(coverage.rules.len(), "Sigma rule", "Sigma rules"),
        plural(coverage.files, "file", "files"),
        plural(count, "technique", "techniques"),
        score.meaning(),
        navigator::provenance(model, attack_version.as_deref())
    )
}

fn coverage_metadata(
    model: &Model,
    coverage: &Coverage<'_>,
    score: CoverageScore,
    options: &CoverageOptions,
    count: usize,
    attack_version: &Option<String>,
) -> Vec<Metadata> {
    let entry = |name: &'static str, value: String| Metadata::Entry { name, value };
    let mut out = vec![
        navigator::generator_metadata(),
        entry("rules", coverage.rules.len().to_string()),
        entry("files", coverage.files.to_string()),
        entry("techniques", count.to_string()),
        entry("score", format!("{}: {}", score.as_str(), score.meaning())),
    ];
    let filters = options.arguments();
    if !filters.is_empty() {
        out.push(entry("filters", filters));
        out.push(entry("rules_left_out", coverage.filtered_out.to_string()));
    }
    out.extend(navigator::source_metadata(model, attack_version.as_deref()));
    out.extend(note_metadata(coverage));
    out
}

/// A divider, then one entry per tag note (at most [`NOTES_IN_METADATA`]).
fn note_metadata(coverage: &Coverage<'_>) -> Vec<Metadata> {
    if coverage.notes.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Metadata::Divider { divider: true }];
    out.extend(
        coverage
            .notes
            .iter()
            .take(NOTES_IN_METADATA)
            .map(|n| Metadata::Entry {
                name: match n.kind {
                    NoteKind::Revoked(_) => "revoked_tag",
                    NoteKind::Unknown => "unknown_tag",
                    NoteKind::Deprecated => "deprecated_tag",
                    NoteKind::RevokedWithoutReplacement => "revoked_tag_not_counted",
                    NoteKind::Invalid => "invalid_tag",
                },
                value: n.to_string(),
            }),
    );
    if coverage.notes.len() > NOTES_IN_METADATA {
        out.push(Metadata::Entry {
            name: "more_tag_notes",
            value: (coverage.notes.len() - NOTES_IN_METADATA).to_string(),
        });
    }
    out
}

/// The Navigator layers of a gap report: every technique the groups use,
/// red where no rule covers it and green where one does (explicit colours
/// and a legend), scored by the number of rules (0 = a gap).
pub fn gap_layers(
    model: &Model,
    coverage: &Coverage<'_>,
    report: &GapReport<'_>,
    name: Option<&str>,
) -> Vec<Layer> {
    let techniques: Vec<&Technique> = report.techniques.iter().map(|e| e.technique).collect();
    let domains = domains_of(model, &techniques);
    let several = domains.len() > 1;
    let title = name.map_or_else(
        || match report.groups.as_slice() {
            [one] => format!("Sigma coverage of {} ({})", one.info.name, one.info.id),
            many => format!("Sigma coverage of {} groups", many.len()),
        },
        str::to_string,
    );
    domains
        .into_iter()
        .map(|domain| {
            let entries: Vec<&GapEntry<'_>> = report
                .techniques
                .iter()
                .filter(|e| e.technique.domains.contains(&domain.id))
                .collect();
            let cells: Vec<Cell> = entries
                .iter()
                .flat_map(|e| gap_cells(coverage, e, domain))
                .collect();
            let attack_version = navigator::layer_attack_version(model, domain);
            let frame = LayerFrame {
                name: navigator::domain_title(title.clone(), domain, several),
                description: gap_description(model, coverage, report, &entries, &attack_version),
                platforms: domain.platforms.clone(),
                hide_disabled: false,
                colors: vec![GAP_COLOR, COVERED_COLOR],
                legend: Legend::Fixed(vec![
                    LegendItem {
                        label: "gap: no rule covers it".to_string(),
                        color: GAP_COLOR.to_string(),
                    },
                    LegendItem {
                        label: "covered by at least one rule".to_string(),
                        color: COVERED_COLOR.to_string(),
                    },
                ]),
                metadata: gap_metadata(model, coverage, report, &entries, &attack_version),
                links: report
                    .groups
                    .iter()
                    .filter_map(|g| {
                        attack_url(&g.info.id).map(|url| Link {
                            label: format!("{} ({})", g.info.name, g.info.id),
                            url,
                        })
                    })
                    .collect(),
            };
            navigator::assemble(model, domain, frame, cells)
        })
        .collect()
}

fn gap_cells(coverage: &Coverage<'_>, e: &GapEntry<'_>, domain: &Domain) -> Vec<Cell> {
    let t = e.technique;
    let groups: Vec<String> = e.groups.iter().map(GroupUse::label).collect();
    let mut comment = if e.is_gap() {
        "Gap: no rule covers it.".to_string()
    } else {
        rules_sentence(coverage, &e.rules)
    };
    if e.is_gap() && !e.nearby.is_empty() {
        let near: Vec<String> = e
            .nearby
            .iter()
            .map(|(id, n)| format!("{id} ({})", plural(*n, "rule", "rules")))
            .collect();
        comment.push_str(&format!(" Rules cover {} nearby.", near.join(", ")));
    }
    comment.push_str(&format!(" Used by {}.", groups.join("; ")));
    let mut metadata: Vec<Metadata> = groups
        .into_iter()
        .map(|value| Metadata::Entry {
            name: "group",
            value,
        })
        .collect();
    if !e.is_gap() {
        metadata.push(Metadata::Divider { divider: true });
        metadata.extend(rule_metadata(coverage, &e.rules));
    }
    let entry = Cell {
        score: Some(e.rules.len() as u64),
        color: if e.is_gap() { GAP_COLOR } else { COVERED_COLOR },
        comment,
        metadata,
        links: navigator::technique_links(t),
        ..Cell::new(t)
    };
    navigator::technique_cells(domain, &all_tactics(t), entry)
}

fn gap_description(
    model: &Model,
    coverage: &Coverage<'_>,
    report: &GapReport<'_>,
    entries: &[&GapEntry<'_>],
    attack_version: &Option<String>,
) -> String {
    let gaps = entries.iter().filter(|e| e.is_gap()).count();
    format!(
        "The techniques {} use{}, directly or through attributed campaigns: {} of {} covered by no Sigma rule (red), {} covered (green), from {} in {}. Score: the number of rules. {}",
        report.groups_label(),
        if report.groups.len() == 1 { "s" } else { "" },
        gaps,
        plural(entries.len(), "technique", "techniques"),
        entries.len() - gaps,
        plural(coverage.rules.len(), "rule", "rules"),
        plural(coverage.files, "file", "files"),
        navigator::provenance(model, attack_version.as_deref())
    )
}

fn gap_metadata(
    model: &Model,
    coverage: &Coverage<'_>,
    report: &GapReport<'_>,
    entries: &[&GapEntry<'_>],
    attack_version: &Option<String>,
) -> Vec<Metadata> {
    let entry = |name: &'static str, value: String| Metadata::Entry { name, value };
    let gaps = entries.iter().filter(|e| e.is_gap()).count();
    let mut out = vec![navigator::generator_metadata()];
    out.extend(
        report
            .groups
            .iter()
            .map(|g| entry("group", format!("{} ({})", g.info.name, g.info.id))),
    );
    out.extend([
        entry("techniques", entries.len().to_string()),
        entry("covered", (entries.len() - gaps).to_string()),
        entry("gaps", gaps.to_string()),
        entry("rules", coverage.rules.len().to_string()),
        entry("files", coverage.files.to_string()),
    ]);
    out.extend(navigator::source_metadata(model, attack_version.as_deref()));
    out.extend(note_metadata(coverage));
    out
}
