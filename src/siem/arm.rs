//! Microsoft Sentinel alert rules as ARM templates or REST bodies (JSON):
//! `properties.tactics`, `properties.techniques` and
//! `properties.subTechniques`.
//!
//! Judged: `techniques` may hold only `T####` (the API rejects a
//! sub-technique there), every sub-technique's parent should be in
//! `techniques`, every ID against the release, tactics (PascalCase names
//! of the release), and techniques none of whose tactics is listed.
//! Checked only: `siem fix` does not rewrite JSON; `attackmap export
//! sentinel-arm` writes the three fields.

use serde_json::Value;

use crate::export::sentinel::sentinel_tactic;
use crate::export::templates::{is_subtechnique_id, parent_id};

use super::Outcome;
use super::finding::{FindingKind, Note, Severity};
use super::release::Release;

/// The `properties` of the alert rules in a JSON document: the document
/// itself (a resource or a REST body) or the `resources` of a template.
fn rules(value: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let own = |v: &'_ Value| -> bool {
        let is_alert_rule = v
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("alertRules"))
            || v.get("kind").and_then(Value::as_str).is_some();
        let props = v.get("properties").and_then(Value::as_object);
        is_alert_rule
            && props.is_some_and(|p| {
                ["tactics", "techniques", "subTechniques", "query"]
                    .iter()
                    .any(|k| p.contains_key(*k))
            })
    };
    let mut out = Vec::new();
    if own(value) {
        out.extend(value.get("properties").and_then(Value::as_object));
    }
    if let Some(resources) = value.get("resources").and_then(Value::as_array) {
        out.extend(
            resources
                .iter()
                .filter(|r| own(r))
                .filter_map(|r| r.get("properties").and_then(Value::as_object)),
        );
    }
    out
}

/// Whether a JSON document holds Sentinel alert rules.
pub fn is_rule(value: &Value) -> bool {
    !rules(value).is_empty()
}

fn strings<'v>(props: &'v serde_json::Map<String, Value>, key: &str) -> Vec<&'v str> {
    props
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Checks every alert rule of the document.
pub fn check(release: &Release<'_>, value: &Value) -> Outcome {
    let mut outcome = Outcome::default();
    for props in rules(value) {
        check_rule(release, props, &mut outcome.notes);
    }
    outcome
}

fn check_rule(
    release: &Release<'_>,
    props: &serde_json::Map<String, Value>,
    notes: &mut Vec<Note>,
) {
    let techniques = strings(props, "techniques");
    let subs = strings(props, "subTechniques");
    let tactics = strings(props, "tactics");
    if techniques.is_empty() && subs.is_empty() && tactics.is_empty() {
        notes.push(Note::new(
            None,
            Severity::Info,
            FindingKind::NoMapping,
            "an alert rule without tactics, techniques or subTechniques",
        ));
        return;
    }
    for id in &techniques {
        if is_subtechnique_id(id) {
            notes.push(
                Note::new(
                    None,
                    Severity::Error,
                    FindingKind::ArmSubtechnique,
                    format!(
                        "techniques: {id} is a sub-technique; the API accepts only T#### there (\"The technique '{id}' is invalid\"): list {} in techniques and {id} in subTechniques",
                        parent_id(id)
                    ),
                )
                .about(id),
            );
        }
    }
    for id in &subs {
        if !techniques.contains(&parent_id(id)) && is_subtechnique_id(id) {
            notes.push(
                Note::new(
                    None,
                    Severity::Warning,
                    FindingKind::MissingParent,
                    format!(
                        "subTechniques: {id}'s parent {} is not in techniques",
                        parent_id(id)
                    ),
                )
                .about(id),
            );
        }
    }
    let mut live = Vec::new();
    for id in techniques.iter().chain(&subs) {
        notes.extend(release.id_note(id, None));
        live.extend(release.resolve(id).live());
    }
    let mut unknown_tactic = false;
    let mut listed = Vec::new();
    for t in &tactics {
        match release.tactic_by_pascal(t) {
            Some(tactic) => listed.push(sentinel_tactic(&tactic.name)),
            None => {
                unknown_tactic = true;
                notes.push(
                    Note::new(
                        None,
                        Severity::Error,
                        FindingKind::UnknownTactic,
                        format!("tactics: {t} is not a tactic of {} (Sentinel writes tactics in PascalCase)", release.name()),
                    )
                    .about(t),
                );
            }
        }
    }
    if unknown_tactic {
        return;
    }
    for t in live {
        let own: Vec<String> = t
            .tactics
            .iter()
            .filter_map(|r| release.tactic_by_id(&r.id))
            .map(|x| sentinel_tactic(&x.name))
            .collect();
        if !own.is_empty() && !own.iter().any(|n| listed.contains(n)) {
            notes.push(
                Note::new(
                    None,
                    Severity::Error,
                    FindingKind::MissingTactic,
                    format!(
                        "{} ({}): none of its tactics ({}) is in tactics",
                        t.technique_id,
                        t.full_name,
                        own.join(", ")
                    ),
                )
                .about(&t.technique_id),
            );
        }
    }
}
