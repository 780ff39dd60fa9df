//! Microsoft Sentinel: the ATT&CK fields of analytics rules.
//!
//! - `sentinel`: the `tactics` and `relevantTechniques` of an analytics
//!   rule (or hunting query) YAML template. Tactics are the PascalCase
//!   enum names (`CommandAndControl`) of **every** tactic of every listed
//!   technique, in matrix order: the repository's validator fails a rule
//!   whose technique has none of its tactics listed (and one variant of it
//!   wants all of them). Techniques and sub-techniques are listed as
//!   selected.
//! - `sentinel-arm`: the same for the ARM template / REST API
//!   (`properties`), where `techniques` may hold only `T####`: the parents
//!   (and the parent of every sub-technique), de-duplicated, while the
//!   sub-techniques go in `subTechniques`.
//!
//! Tactic names are the release's display names in PascalCase
//! ([`sentinel_tactic`]): `Command and Control` → `CommandAndControl`, v19's
//! `Stealth` → `Stealth` (which Sentinel's validator did not know yet when
//! last read).

use std::collections::BTreeSet;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::Result;
use crate::model::{Model, Technique};

use super::templates::{parent_id, pascal_case};
use super::{ExportInput, Exporter, FormatContext, Syntax, live_selected};

/// The `sentinel` exporter: analytics rule YAML.
#[derive(Debug, Clone, Copy)]
pub struct Sentinel;

/// The `sentinel-arm` exporter: the ARM / REST `properties` fields.
#[derive(Debug, Clone, Copy)]
pub struct SentinelArm;

/// The Sentinel name of a tactic: its display name in PascalCase
/// (`Command and Control` → `CommandAndControl`).
pub fn sentinel_tactic(name: &str) -> String {
    pascal_case(name)
}

/// The Sentinel names of every tactic of `techniques`, each once, in matrix
/// order (the order of the model's tactics).
pub fn all_tactics(model: &Model, techniques: &[&Technique]) -> Vec<String> {
    let wanted: BTreeSet<&str> = techniques
        .iter()
        .flat_map(|t| t.tactics.iter().map(|r| r.id.as_str()))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for tactic in model
        .tactics
        .iter()
        .filter(|t| wanted.contains(t.id.as_str()))
    {
        let name = sentinel_tactic(&tactic.name);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// ARM's split of technique IDs: the techniques (every `T####` given and
/// the parent of every sub-technique, each once, sorted) and the
/// sub-techniques (sorted, each once).
pub fn split_arm<S: AsRef<str>>(ids: &[S]) -> (Vec<String>, Vec<String>) {
    let parents: BTreeSet<&str> = ids.iter().map(|id| parent_id(id.as_ref())).collect();
    let subs: BTreeSet<&str> = ids
        .iter()
        .map(AsRef::as_ref)
        .filter(|id| parent_id(id) != *id)
        .collect();
    (
        parents.into_iter().map(str::to_string).collect(),
        subs.into_iter().map(str::to_string).collect(),
    )
}

/// The `sentinel` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct SentinelContext {
    /// PascalCase tactics, matrix order.
    pub tactics: Vec<String>,
    /// `relevantTechniques`: the selected live techniques, in ID order.
    pub relevant_techniques: Vec<String>,
}

/// The `sentinel_arm` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct ArmContext {
    /// PascalCase tactics, matrix order.
    pub tactics: Vec<String>,
    /// `T####` only: parents, and the parent of every sub-technique.
    pub techniques: Vec<String>,
    /// `subTechniques`: the sub-techniques.
    pub sub_techniques: Vec<String>,
}

/// The tactics and technique IDs of the live selection, and warnings.
fn fields(input: &ExportInput<'_>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (live, warnings) = live_selected(input);
    let techniques: Vec<&Technique> = live.iter().map(|(t, _)| *t).collect();
    let tactics = all_tactics(input.model, &techniques);
    let ids = techniques.iter().map(|t| t.technique_id.clone()).collect();
    (tactics, ids, warnings)
}

impl Exporter for Sentinel {
    fn name(&self) -> &'static str {
        "sentinel"
    }

    fn summary(&self) -> &'static str {
        "Microsoft Sentinel analytics rule YAML: tactics (PascalCase, every tactic of every technique) and relevantTechniques"
    }

    fn template(&self) -> &'static str {
        "sentinel.yaml.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Yaml
    }

    fn extension(&self) -> &'static str {
        "yaml"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (tactics, ids, warnings) = fields(input);
        let part = SentinelContext {
            tactics,
            relevant_techniques: ids,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

impl Exporter for SentinelArm {
    fn name(&self) -> &'static str {
        "sentinel-arm"
    }

    fn context_key(&self) -> &'static str {
        "sentinel_arm"
    }

    fn summary(&self) -> &'static str {
        "Microsoft Sentinel ARM/REST properties: tactics, techniques (T#### only) and subTechniques"
    }

    fn template(&self) -> &'static str {
        "sentinel-arm.json.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Json
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (tactics, ids, warnings) = fields(input);
        let (techniques, sub_techniques) = split_arm(&ids);
        let part = ArmContext {
            tactics,
            techniques,
            sub_techniques,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_splits_parents_from_subtechniques() {
        let (techniques, subs) = split_arm(&["T1071.001", "T1059.001", "T1059", "T1571"]);
        assert_eq!(techniques, ["T1059", "T1071", "T1571"]);
        assert_eq!(subs, ["T1059.001", "T1071.001"]);
    }

    #[test]
    fn tactics_are_pascal_cased_display_names() {
        assert_eq!(sentinel_tactic("Command and Control"), "CommandAndControl");
        assert_eq!(sentinel_tactic("Defense Impairment"), "DefenseImpairment");
        assert_eq!(
            sentinel_tactic("Inhibit Response Function"),
            "InhibitResponseFunction"
        );
    }
}
