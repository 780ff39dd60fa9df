//! Elastic: the `threat` of detection rules, and ECS `threat.*` fields.
//!
//! - `elastic`: the `[[rule.threat]]` blocks of an elastic/detection-rules
//!   TOML rule: one block per tactic (a technique in two tactics is written
//!   under both), the exact ATT&CK names, reference URLs with the trailing
//!   slash, sub-techniques nested under their technique (whose entry is
//!   added when only the sub-technique is selected), in the order the
//!   repository's formatter writes: `framework`, the techniques, then the
//!   `[rule.threat.tactic]` table.
//! - `elastic-json`: the same `threat` array as JSON, for the Kibana
//!   detection engine API and NDJSON rule exports.
//! - `elastic-ecs`: ECS `threat.*` fields for events and alerts: parallel
//!   arrays of tactic, technique and sub-technique IDs, names and
//!   references (the pairing of techniques with tactics is not kept there).
//!
//! Blocks follow the matrix order of the tactics, techniques their ID
//! order. Names and URLs come from the loaded release
//! ([`super::technique_reference`]); `siem fix` builds its blocks with the
//! same functions ([`threat_entry`]).

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::Result;
use crate::model::{Model, Technique};

use super::templates::parent_id;
use super::{
    ExportInput, Exporter, FormatContext, Syntax, live_selected, tactic_reference,
    technique_reference,
};

/// `framework` of ATT&CK threat entries.
pub const FRAMEWORK: &str = "MITRE ATT&CK";

/// The `elastic` exporter: TOML `[[rule.threat]]` blocks.
#[derive(Debug, Clone, Copy)]
pub struct Elastic;

/// The `elastic-json` exporter: the `threat` array as JSON.
#[derive(Debug, Clone, Copy)]
pub struct ElasticJson;

/// The `elastic-ecs` exporter: ECS `threat.*` fields.
#[derive(Debug, Clone, Copy)]
pub struct ElasticEcs;

/// An ID, its exact ATT&CK name and its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatRef {
    /// `TA0002`, `T1059`, `T1059.001`.
    pub id: String,
    /// `Execution`, `Command and Scripting Interpreter`, `PowerShell`.
    pub name: String,
    /// `https://attack.mitre.org/techniques/T1059/001/`.
    pub reference: String,
}

/// A technique of a threat entry, with its sub-techniques.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueEntry {
    /// `T1059`.
    pub id: String,
    /// `Command and Scripting Interpreter`.
    pub name: String,
    /// `https://attack.mitre.org/techniques/T1059/`.
    pub reference: String,
    /// Its sub-techniques in the entry.
    pub subtechnique: Vec<ThreatRef>,
}

/// One `[[rule.threat]]`: a tactic and its techniques.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatEntry {
    /// [`FRAMEWORK`].
    pub framework: String,
    /// The tactic.
    pub tactic: ThreatRef,
    /// Its techniques (possibly none).
    pub technique: Vec<TechniqueEntry>,
}

/// The `elastic` and `elastic_json` parts of the context.
#[derive(Debug, Clone, Serialize)]
pub struct ElasticContext {
    /// One entry per tactic, matrix order.
    pub threat: Vec<ThreatEntry>,
}

/// The `elastic_ecs` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct EcsContext {
    /// `threat.*`.
    pub threat: EcsThreat,
}

/// ECS `threat`.
#[derive(Debug, Clone, Serialize)]
pub struct EcsThreat {
    /// `MITRE ATT&CK`.
    pub framework: &'static str,
    /// `threat.tactic.*`: every tactic, matrix order.
    pub tactic: EcsFields,
    /// `threat.technique.*`: every technique (and the parent of every
    /// sub-technique), ID order.
    pub technique: EcsTechnique,
}

/// Parallel arrays of IDs, names and references.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EcsFields {
    /// IDs.
    pub id: Vec<String>,
    /// Names.
    pub name: Vec<String>,
    /// Pages.
    pub reference: Vec<String>,
}

/// ECS `threat.technique`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EcsTechnique {
    /// IDs.
    pub id: Vec<String>,
    /// Names.
    pub name: Vec<String>,
    /// Pages.
    pub reference: Vec<String>,
    /// `threat.technique.subtechnique.*`: full IDs (`T1059.001`).
    pub subtechnique: EcsFields,
}

impl EcsFields {
    fn push(&mut self, r: ThreatRef) {
        self.id.push(r.id);
        self.name.push(r.name);
        self.reference.push(r.reference);
    }
}

/// The reference of a technique as Elastic writes it: ID, exact name
/// (the technique's own name, not `Parent: Sub`), page.
pub fn technique_ref(model: &Model, t: &Technique) -> ThreatRef {
    ThreatRef {
        id: t.technique_id.clone(),
        name: t.name.clone(),
        reference: technique_reference(model, &t.technique_id),
    }
}

/// The parent technique of a sub-technique as a reference: from the
/// release, or (a parent missing from the data) from the first part of the
/// sub-technique's full name.
pub fn parent_ref(model: &Model, sub: &Technique) -> ThreatRef {
    let id = sub
        .parent
        .clone()
        .unwrap_or_else(|| parent_id(&sub.technique_id).to_string());
    match model.technique(&id) {
        Some(parent) => technique_ref(model, parent),
        None => ThreatRef {
            name: sub
                .full_name
                .split_once(": ")
                .map_or_else(|| id.clone(), |(p, _)| p.to_string()),
            reference: technique_reference(model, &id),
            id,
        },
    }
}

/// The techniques of one entry being built: each technique once, in the
/// order added, every sub-technique nested under its parent (the parent's
/// entry added where the sub-technique first appears when the parent is
/// not given). `siem fix` also adds entries kept as written (IDs the
/// release does not have).
#[derive(Debug, Clone, Default)]
pub struct TechniqueList {
    entries: Vec<TechniqueEntry>,
}

impl TechniqueList {
    /// Adds a technique or sub-technique of the release.
    pub fn add(&mut self, model: &Model, t: &Technique) {
        let is_sub = t.is_subtechnique || parent_id(&t.technique_id) != t.technique_id;
        if is_sub {
            self.add_sub(parent_ref(model, t), technique_ref(model, t));
        } else {
            self.slot(technique_ref(model, t));
        }
    }

    /// Adds a technique entry as written (with its sub-techniques), merged
    /// into an entry of the same ID.
    pub fn add_entry(&mut self, entry: TechniqueEntry) {
        let parent = ThreatRef {
            id: entry.id,
            name: entry.name,
            reference: entry.reference,
        };
        let at = self.slot(parent);
        for sub in entry.subtechnique {
            if !self.entries[at].subtechnique.iter().any(|s| s.id == sub.id) {
                self.entries[at].subtechnique.push(sub);
            }
        }
    }

    /// Adds a sub-technique under `parent`.
    pub fn add_sub(&mut self, parent: ThreatRef, sub: ThreatRef) {
        let at = self.slot(parent);
        if !self.entries[at].subtechnique.iter().any(|s| s.id == sub.id) {
            self.entries[at].subtechnique.push(sub);
        }
    }

    /// The index of the entry of `parent`, added if missing.
    fn slot(&mut self, parent: ThreatRef) -> usize {
        if let Some(i) = self.entries.iter().position(|e| e.id == parent.id) {
            return i;
        }
        self.entries.push(TechniqueEntry {
            id: parent.id,
            name: parent.name,
            reference: parent.reference,
            subtechnique: Vec::new(),
        });
        self.entries.len() - 1
    }

    /// The entries.
    pub fn finish(self) -> Vec<TechniqueEntry> {
        self.entries
    }
}

/// The techniques of one entry, from techniques of the release in this
/// order (see [`TechniqueList`]).
pub fn technique_entries(model: &Model, techniques: &[&Technique]) -> Vec<TechniqueEntry> {
    let mut list = TechniqueList::default();
    for t in techniques {
        list.add(model, t);
    }
    list.finish()
}

/// The tactic of an entry as a reference: ID, the release's name, page.
pub fn tactic_ref(model: &Model, tactic_id: &str) -> ThreatRef {
    let name = model
        .tactics
        .iter()
        .find(|t| t.id == tactic_id)
        .map_or_else(|| tactic_id.to_string(), |t| t.name.clone());
    ThreatRef {
        id: tactic_id.to_string(),
        name,
        reference: tactic_reference(model, tactic_id),
    }
}

/// One `[[rule.threat]]` entry for tactic `tactic_id` (its name and page
/// from the release) and these techniques.
pub fn threat_entry(model: &Model, tactic_id: &str, techniques: &[&Technique]) -> ThreatEntry {
    ThreatEntry {
        framework: FRAMEWORK.to_string(),
        tactic: tactic_ref(model, tactic_id),
        technique: technique_entries(model, techniques),
    }
}

/// One entry per tactic of the live selection (the selected tactics of each
/// technique), matrix order.
fn entries(input: &ExportInput<'_>) -> (Vec<ThreatEntry>, Vec<String>) {
    let (live, warnings) = live_selected(input);
    let model = input.model;
    let mut entries = Vec::new();
    let mut seen = Vec::new();
    for tactic in &model.tactics {
        if seen.contains(&tactic.id.as_str()) {
            continue;
        }
        let under: Vec<&Technique> = live
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| {
                input
                    .selection
                    .tactics_of(t)
                    .iter()
                    .any(|r| r.id == tactic.id)
            })
            .collect();
        if !under.is_empty() {
            seen.push(tactic.id.as_str());
            entries.push(threat_entry(model, &tactic.id, &under));
        }
    }
    (entries, warnings)
}

impl Exporter for Elastic {
    fn name(&self) -> &'static str {
        "elastic"
    }

    fn summary(&self) -> &'static str {
        "Elastic detection-rules TOML: one [[rule.threat]] block per tactic, sub-techniques nested"
    }

    fn template(&self) -> &'static str {
        "elastic.toml.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Toml
    }

    fn extension(&self) -> &'static str {
        "toml"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (threat, warnings) = entries(input);
        Ok(FormatContext {
            value: Value::from(Serde(&ElasticContext { threat })),
            warnings,
        })
    }
}

impl Exporter for ElasticJson {
    fn name(&self) -> &'static str {
        "elastic-json"
    }

    fn context_key(&self) -> &'static str {
        "elastic_json"
    }

    fn summary(&self) -> &'static str {
        "Elastic rule threat array as JSON (Kibana detection engine API, NDJSON)"
    }

    fn template(&self) -> &'static str {
        "elastic.json.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Json
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        Elastic.context(input)
    }
}

impl Exporter for ElasticEcs {
    fn name(&self) -> &'static str {
        "elastic-ecs"
    }

    fn context_key(&self) -> &'static str {
        "elastic_ecs"
    }

    fn summary(&self) -> &'static str {
        "ECS threat.* fields for events: tactic, technique and sub-technique IDs, names, references"
    }

    fn template(&self) -> &'static str {
        "elastic-ecs.json.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Json
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let (threat, warnings) = entries(input);
        let mut ecs = EcsThreat {
            framework: "MITRE ATT&CK",
            tactic: EcsFields::default(),
            technique: EcsTechnique::default(),
        };
        let mut techniques: Vec<&TechniqueEntry> =
            threat.iter().flat_map(|e| &e.technique).collect();
        techniques.sort_by(|a, b| a.id.cmp(&b.id));
        techniques.dedup_by(|a, b| a.id == b.id);
        let mut subs: Vec<&ThreatRef> = threat
            .iter()
            .flat_map(|e| &e.technique)
            .flat_map(|t| &t.subtechnique)
            .collect();
        subs.sort_by(|a, b| a.id.cmp(&b.id));
        subs.dedup_by(|a, b| a.id == b.id);
        for entry in &threat {
            ecs.tactic.push(entry.tactic.clone());
        }
        for t in techniques {
            ecs.technique.id.push(t.id.clone());
            ecs.technique.name.push(t.name.clone());
            ecs.technique.reference.push(t.reference.clone());
        }
        for s in subs {
            ecs.technique.subtechnique.push(s.clone());
        }
        Ok(FormatContext {
            value: Value::from(Serde(&EcsContext { threat: ecs })),
            warnings,
        })
    }
}
