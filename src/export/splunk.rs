//! Splunk: the ATT&CK fields of security_content detections, Enterprise
//! Security correlation searches and SPL lookups.
//!
//! - `splunk`: the `mitre_attack_id` list of a detection YAML, under
//!   `tags:` (contentctl v4/v5 layout) or at the top level (the 2026
//!   flattened layout), chosen with [`SplunkOptions::layout`]. contentctl
//!   refuses a technique listed together with one of its own
//!   sub-techniques, so only the most specific IDs are written
//!   ([`most_specific`]).
//! - `splunk-annotations`: the `action.correlationsearch.annotations`
//!   line of a `savedsearches.conf` stanza, `{"mitre_attack": [...]}`, with
//!   the same IDs.
//! - `splunk-lookup`: a CSV lookup (technique ID, name, tactics, URL) of
//!   every selected technique, for enriching search results in SPL.
//!
//! Tactic labels follow contentctl, which titles the tactic's shortname
//! (`phase_name.replace("-", " ").title()`): `command-and-control` →
//! `Command And Control` ([`tactic_label`]). Everything else comes from the
//! loaded release.

use std::collections::BTreeSet;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::Result;
use crate::model::{Model, TacticRef, Technique};

use super::templates::{parent_id, title_case};
use super::{ExportInput, Exporter, FormatContext, Syntax, live_selected, technique_reference};

/// Where a detection keeps `mitre_attack_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `tags: {mitre_attack_id: [...]}`: security_content up to 2025
    /// (contentctl v4 and v5).
    #[default]
    Tags,
    /// A top-level `mitre_attack_id: [...]`: the 2026 flattened layout.
    Flat,
}

impl Layout {
    /// Every layout, in the order the help lists them.
    pub const ALL: [Layout; 2] = [Layout::Tags, Layout::Flat];

    /// `tags` or `flat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Tags => "tags",
            Layout::Flat => "flat",
        }
    }

    /// Parses `tags` or `flat`.
    pub fn parse(s: &str) -> Option<Layout> {
        Layout::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Options of the `splunk` exporter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplunkOptions {
    /// Where `mitre_attack_id` goes.
    pub layout: Layout,
}

/// The `splunk` exporter: `mitre_attack_id` for detection YAML.
#[derive(Debug, Clone, Copy)]
pub struct Splunk;

/// The `splunk-annotations` exporter: ES correlation search annotations.
#[derive(Debug, Clone, Copy)]
pub struct SplunkAnnotations;

/// The `splunk-lookup` exporter: a CSV lookup of the techniques.
#[derive(Debug, Clone, Copy)]
pub struct SplunkLookup;

/// The contentctl label of a tactic: its shortname with hyphens as
/// spaces, every word capitalised, as contentctl's
/// `phase_name.replace("-", " ").title()` does (`command-and-control` →
/// `Command And Control`, v19's `defense-impairment` → `Defense
/// Impairment`).
pub fn tactic_label(shortname: &str) -> String {
    title_case(shortname)
}

/// The most specific of `ids`, sorted and de-duplicated: a technique is
/// dropped when one of its own sub-techniques is listed (contentctl:
/// "Overlapping MITRE Attack ID Techniques and Subtechniques may not be
/// defined"). The second list says which were dropped, each with the
/// sub-techniques that made it go.
pub fn most_specific<'s>(ids: &[&'s str]) -> (Vec<&'s str>, Vec<(&'s str, Vec<&'s str>)>) {
    let all: BTreeSet<&str> = ids.iter().copied().collect();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for id in &all {
        let subs: Vec<&str> = all
            .iter()
            .copied()
            .filter(|s| *s != *id && parent_id(s) == *id)
            .collect();
        if subs.is_empty() {
            kept.push(*id);
        } else {
            dropped.push((*id, subs));
        }
    }
    (kept, dropped)
}

/// The `splunk` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct SplunkContext {
    /// `tags` or `flat`.
    pub layout: &'static str,
    /// The IDs to list, most specific only, sorted.
    pub mitre_attack_id: Vec<String>,
    /// Techniques left out because a sub-technique of theirs is listed.
    pub left_out: Vec<LeftOut>,
}

/// A technique left out of `mitre_attack_id`.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    /// Its ID.
    pub id: String,
    /// Its sub-techniques that are listed.
    pub subtechniques: Vec<String>,
}

/// The `splunk_annotations` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotationsContext {
    /// The IDs of `mitre_attack`, most specific only, sorted.
    pub mitre_attack: Vec<String>,
    /// `{"mitre_attack": [...]}` as one line of JSON.
    pub json: String,
}

/// The `splunk_lookup` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct LookupContext {
    /// The column names.
    pub columns: Vec<&'static str>,
    /// One row per selected live technique, in ID order.
    pub rows: Vec<LookupRow>,
}

/// One row of the lookup.
#[derive(Debug, Clone, Serialize)]
pub struct LookupRow {
    /// `T1059.001`.
    pub technique_id: String,
    /// `Command and Scripting Interpreter: PowerShell`.
    pub technique_name: String,
    /// `TA0002` (several joined with `, `).
    pub tactic_ids: String,
    /// contentctl labels: `Execution`, `Command And Control` (joined with
    /// `, `).
    pub tactics: String,
    /// The ATT&CK page, trailing slash.
    pub url: String,
}

/// The most specific live IDs of the selection, and the warnings.
fn listed_ids(input: &ExportInput<'_>) -> (Vec<String>, Vec<LeftOut>, Vec<String>) {
    let (live, warnings) = live_selected(input);
    let ids: Vec<&str> = live.iter().map(|(t, _)| t.technique_id.as_str()).collect();
    let (kept, dropped) = most_specific(&ids);
    let left_out = dropped
        .into_iter()
        .map(|(id, subs)| LeftOut {
            id: id.to_string(),
            subtechniques: subs.into_iter().map(str::to_string).collect(),
        })
        .collect();
    (
        kept.into_iter().map(str::to_string).collect(),
        left_out,
        warnings,
    )
}

impl Exporter for Splunk {
    fn name(&self) -> &'static str {
        "splunk"
    }

    fn summary(&self) -> &'static str {
        "Splunk detection YAML: mitre_attack_id under tags: or top-level (--splunk-layout), most specific IDs only"
    }

    fn template(&self) -> &'static str {
        "splunk.yml.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Yaml
    }

    fn extension(&self) -> &'static str {
        "yml"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (ids, left_out, warnings) = listed_ids(input);
        let part = SplunkContext {
            layout: input.options.splunk.layout.as_str(),
            mitre_attack_id: ids,
            left_out,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

impl Exporter for SplunkAnnotations {
    fn name(&self) -> &'static str {
        "splunk-annotations"
    }

    fn context_key(&self) -> &'static str {
        "splunk_annotations"
    }

    fn summary(&self) -> &'static str {
        "Splunk ES savedsearches.conf: action.correlationsearch.annotations = {\"mitre_attack\": [...]}"
    }

    fn template(&self) -> &'static str {
        "splunk-annotations.conf.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Text
    }

    fn extension(&self) -> &'static str {
        "conf"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (ids, _, warnings) = listed_ids(input);
        let json = annotations_json(&ids);
        let part = AnnotationsContext {
            mitre_attack: ids,
            json,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

/// The columns of the lookup, in order.
pub const LOOKUP_COLUMNS: [&str; 5] = [
    "technique_id",
    "technique_name",
    "tactic_ids",
    "tactics",
    "url",
];

impl Exporter for SplunkLookup {
    fn name(&self) -> &'static str {
        "splunk-lookup"
    }

    fn context_key(&self) -> &'static str {
        "splunk_lookup"
    }

    fn summary(&self) -> &'static str {
        "Splunk lookup CSV: technique_id, technique_name, tactic_ids, tactics, url"
    }

    fn template(&self) -> &'static str {
        "splunk-lookup.csv.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Csv
    }

    fn extension(&self) -> &'static str {
        "csv"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (live, warnings) = live_selected(input);
        let rows = live
            .iter()
            .map(|(t, _)| lookup_row(input.model, t, &input.selection.tactics_of(t)))
            .collect();
        let part = LookupContext {
            columns: LOOKUP_COLUMNS.to_vec(),
            rows,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

/// `{"mitre_attack": ["T1059.001", "T1071.001"]}`: the annotations value,
/// one line of JSON with the spacing contentctl writes.
pub fn annotations_json(ids: &[String]) -> String {
    let quoted: Vec<String> = ids
        .iter()
        .map(|id| super::templates::yaml_quote(id))
        .collect();
    format!("{{\"mitre_attack\": [{}]}}", quoted.join(", "))
}

fn lookup_row(model: &Model, t: &Technique, tactics: &[&TacticRef]) -> LookupRow {
    let ids: Vec<&str> = tactics.iter().map(|r| r.id.as_str()).collect();
    let labels: Vec<String> = tactics.iter().map(|r| tactic_label(&r.shortname)).collect();
    LookupRow {
        technique_id: t.technique_id.clone(),
        technique_name: t.full_name.clone(),
        tactic_ids: ids.join(", "),
        tactics: labels.join(", "),
        url: technique_reference(model, &t.technique_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_goes_when_its_subtechnique_is_listed() {
        let (kept, dropped) = most_specific(&["T1560", "T1560.001", "T1059", "T1562.001", "T1560"]);
        assert_eq!(kept, ["T1059", "T1560.001", "T1562.001"]);
        assert_eq!(dropped, [("T1560", vec!["T1560.001"])]);
        let (kept, dropped) = most_specific(&["T1562", "T1562.001", "T1562.008"]);
        assert_eq!(kept, ["T1562.001", "T1562.008"]);
        assert_eq!(dropped[0].1, ["T1562.001", "T1562.008"]);
    }

    #[test]
    fn tactic_labels_are_titled_shortnames() {
        assert_eq!(tactic_label("command-and-control"), "Command And Control");
        assert_eq!(tactic_label("defense-impairment"), "Defense Impairment");
        assert_eq!(tactic_label("stealth"), "Stealth");
        assert_eq!(Layout::parse("FLAT"), Some(Layout::Flat));
    }
}
