//! Splunk security_content detections: `mitre_attack_id`, under `tags:`
//! (contentctl v4/v5) or at the top level (the 2026 layout).
//!
//! Judged: every ID against the release (malformed, unknown, revoked,
//! deprecated), copies, and contentctl's rule that a technique is never
//! listed with one of its own sub-techniques. Fixed: respelled and revoked
//! IDs replaced, copies and such parents removed.

use serde_yaml::Value;

use super::Outcome;
use super::finding::{FindingKind, Note, Severity};
use super::ids;
use super::release::Release;
use super::yaml::{self, ListField};

/// The key paths of `mitre_attack_id`, in the order looked for.
pub const PATHS: [&[&str]; 2] = [&["tags", "mitre_attack_id"], &["mitre_attack_id"]];

/// Whether a YAML document is a Splunk detection: it has a `search` and
/// either `mitre_attack_id` (in `tags:` or at the top) or Splunk's
/// `analytic_story`.
pub fn is_detection(value: &Value) -> bool {
    let has = |path: &[&str]| yaml::at(value, path).is_some();
    has(&["search"])
        && (PATHS.iter().any(|p| has(p))
            || has(&["tags", "analytic_story"])
            || has(&["analytic_story"]))
}

/// Checks a detection.
pub fn check(release: &Release<'_>, text: &str, value: &Value) -> Outcome {
    let fields: Vec<ListField> = PATHS
        .iter()
        .filter_map(|p| yaml::list_field(text, value, p))
        .collect();
    let mut outcome = Outcome::default();
    for f in &fields {
        outcome.notes.extend(f.wrong.iter().cloned());
    }
    let Some(field) = fields.first() else {
        outcome.notes.push(Note::new(
            None,
            Severity::Info,
            FindingKind::NoMapping,
            "no mitre_attack_id (neither under tags: nor at the top level): the detection maps to no ATT&CK technique",
        ));
        return outcome;
    };
    if let Some(other) = fields.get(1) {
        outcome.notes.push(Note::new(
            Some(other.line),
            Severity::Warning,
            FindingKind::MisspelledKey,
            format!(
                "mitre_attack_id appears both at {} (line {}) and at the top level; only one layout is read by contentctl",
                field.name(),
                field.line
            ),
        ));
    }
    let mut list = ids::judge(release, &field.values, &field.lines);
    ids::drop_parents(&mut list, &field.values, &field.lines);
    outcome.notes.extend(list.notes());
    if list.changes() {
        let wanted = list.result(&field.values);
        let edits = yaml::edit_list(text, field, &list.actions, &[]);
        outcome.plan(text, edits, wanted.join(", "), |new| {
            yaml::verify(value, new, &[(field.path.clone(), Some(wanted.clone()))])
        });
    }
    outcome
}
