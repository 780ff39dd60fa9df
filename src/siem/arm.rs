//! Microsoft Sentinel alert rules as ARM templates or REST bodies (JSON):
//! `properties.tactics`, `properties.techniques` and
//! `properties.subTechniques`.
//!
//! Judged: `techniques` may hold only `T####` (the API rejects a
//! sub-technique there), every sub-technique's parent should be in
//! `techniques`, every ID against the release, tactics (PascalCase names
//! of the release), and techniques none of whose tactics is listed.
//! Checked only: `siem fix` does not rewrite JSON, so no finding here is
//! fixable (`attackmap export sentinel-arm` writes the three fields).
//! Findings name the line of the value they are about ([`super::json_pos`]).

use serde_json::Value;

use crate::export::sentinel::sentinel_tactic;
use crate::export::templates::{is_subtechnique_id, parent_id};

use super::Outcome;
use super::finding::{FindingKind, Note, Severity};
use super::json_pos::{Located, Node, locate};
use super::shape::{json_kind, wrong_type};

/// The ATT&CK keys of an alert rule's properties.
const ATTACK_KEYS: [&str; 3] = ["tactics", "techniques", "subTechniques"];
use super::release::Release;

/// The properties of one alert rule, with the located value of the same
/// properties (for lines), when the text could be located.
struct ArmRule<'v> {
    props: &'v serde_json::Map<String, Value>,
    at: Option<&'v Located>,
}

/// Whether a JSON value is an alert rule with ATT&CK fields or a query.
fn is_alert_rule(v: &Value) -> bool {
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
}

/// The alert rules in a JSON document: the document itself (a resource or
/// a REST body) or the `resources` of a template. `at` is the located
/// document.
fn rules<'v>(value: &'v Value, at: Option<&'v Located>) -> Vec<ArmRule<'v>> {
    let props = |v: &'v Value, at: Option<&'v Located>| {
        v.get("properties")
            .and_then(Value::as_object)
            .map(|props| ArmRule {
                props,
                at: at.and_then(|a| a.get("properties")),
            })
    };
    let mut out = Vec::new();
    if is_alert_rule(value) {
        out.extend(props(value, at));
    }
    if let Some(resources) = value.get("resources").and_then(Value::as_array) {
        let located = at.and_then(|a| a.get("resources"));
        for (i, r) in resources.iter().enumerate() {
            if is_alert_rule(r) {
                out.extend(props(r, located.and_then(|l| l.item(i))));
            }
        }
    }
    out
}

/// Whether a JSON document holds Sentinel alert rules.
pub fn is_rule(value: &Value) -> bool {
    !rules(value, None).is_empty()
}

/// A string of a list field, with its line.
struct Listed<'v> {
    value: &'v str,
    line: Option<usize>,
}

impl ArmRule<'_> {
    /// The strings of a list field, with their lines.
    fn strings(&self, key: &str) -> Vec<Listed<'_>> {
        let located = self.at.and_then(|a| a.get(key));
        self.props
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        Some(Listed {
                            value: v.as_str()?,
                            line: located.and_then(|l| l.item(i)).map(|l| l.line),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `wrong-type` errors for ATT&CK fields that are not arrays of
    /// strings, and `duplicate-key` errors for an ATT&CK key written twice.
    fn shape_notes(&self) -> Vec<Note> {
        let mut notes = Vec::new();
        for key in ATTACK_KEYS {
            let located = self.at.and_then(|a| a.get(key));
            let line = located.map(|l| l.line).or(self.line());
            match self.props.get(key) {
                None => {}
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_string()) {
                        let at = located.and_then(|l| l.item(i)).map(|l| l.line).or(line);
                        notes.push(wrong_type(
                            at,
                            &format!("{key}[{}]", i + 1),
                            "a string",
                            json_kind(item),
                            &item.to_string(),
                        ));
                    }
                }
                Some(other) => notes.push(wrong_type(
                    line,
                    key,
                    "an array of strings",
                    json_kind(other),
                    &other.to_string(),
                )),
            }
            notes.extend(self.duplicates(key));
        }
        notes
    }

    /// An error for each earlier copy of `key` in `properties` (serde_json
    /// keeps the last).
    fn duplicates(&self, key: &str) -> Vec<Note> {
        let Some(Node::Object(members)) = self.at.map(|a| &a.node) else {
            return Vec::new();
        };
        let lines: Vec<usize> = members
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.line)
            .collect();
        let Some((last, earlier)) = lines.split_last() else {
            return Vec::new();
        };
        earlier
            .iter()
            .map(|line| {
                Note::new(
                    Some(*line),
                    Severity::Error,
                    FindingKind::DuplicateKey,
                    format!(
                        "`{key}` appears {} times in properties; JSON readers keep only one of them (attackmap and serde_json the last, line {last}), so this one is ignored; fix by hand",
                        lines.len()
                    ),
                )
                .about(key)
            })
            .collect()
    }

    /// The line of the rule's `properties`.
    fn line(&self) -> Option<usize> {
        self.at.map(|a| a.line)
    }
}

/// Checks every alert rule of the document; `text` is the document's text
/// (for the lines of the findings). Nothing is fixable: `siem fix` does
/// not rewrite JSON.
pub fn check(release: &Release<'_>, text: &str, value: &Value) -> Outcome {
    let located = locate(text);
    let mut outcome = Outcome::default();
    for rule in rules(value, located.as_ref()) {
        check_rule(release, &rule, &mut outcome.notes);
    }
    for note in &mut outcome.notes {
        if note.fix.take().is_some() {
            note.message
                .push_str("; fix it by hand (siem fix does not rewrite JSON)");
        }
    }
    outcome
}

fn check_rule(release: &Release<'_>, rule: &ArmRule<'_>, notes: &mut Vec<Note>) {
    let techniques = rule.strings("techniques");
    let subs = rule.strings("subTechniques");
    let tactics = rule.strings("tactics");
    let shape = rule.shape_notes();
    let wrong = !shape.is_empty();
    notes.extend(shape);
    if !wrong && techniques.is_empty() && subs.is_empty() && tactics.is_empty() {
        notes.push(Note::new(
            rule.line(),
            Severity::Info,
            FindingKind::NoMapping,
            "an alert rule without tactics, techniques or subTechniques",
        ));
        return;
    }
    for Listed { value: id, line } in &techniques {
        if is_subtechnique_id(id) {
            notes.push(
                Note::new(
                    *line,
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
    for Listed { value: id, line } in &subs {
        if !techniques.iter().any(|t| t.value == parent_id(id)) && is_subtechnique_id(id) {
            notes.push(
                Note::new(
                    *line,
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
    for Listed { value: id, line } in techniques.iter().chain(&subs) {
        notes.extend(release.id_note(id, *line));
        live.extend(release.resolve(id).live().map(|t| (t, *line)));
    }
    let mut unknown_tactic = false;
    let mut listed = Vec::new();
    for Listed { value: t, line } in &tactics {
        match release.tactic_by_pascal(t) {
            Some(tactic) => listed.push(sentinel_tactic(&tactic.name)),
            None => {
                unknown_tactic = true;
                notes.push(
                    Note::new(
                        *line,
                        Severity::Error,
                        FindingKind::UnknownTactic,
                        format!("tactics: {t} is not a tactic of {} (Sentinel writes tactics in PascalCase)", release.name()),
                    )
                    .about(t),
                );
            }
        }
    }
    if unknown_tactic || wrong {
        // Which tactics the rule lists is not known for sure.
        return;
    }
    for (t, line) in live {
        let own: Vec<String> = t
            .tactics
            .iter()
            .filter_map(|r| release.tactic_by_id(&r.id))
            .map(|x| sentinel_tactic(&x.name))
            .collect();
        if !own.is_empty() && !own.iter().any(|n| listed.contains(n)) {
            notes.push(
                Note::new(
                    line,
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
