//! Microsoft Sentinel analytics rules and hunting queries (YAML):
//! `tactics` and `relevantTechniques`.
//!
//! Judged: every technique ID (malformed, unknown, revoked, deprecated,
//! copies); every tactic (the PascalCase name of a tactic of the release);
//! that each technique has at least one of its tactics listed (the
//! repository's validator fails the rule otherwise), all of them ideally;
//! tactics no listed technique belongs to; the `requiredTechniques`
//! misspelling. Fixed: IDs replaced or removed, tactics respelled or
//! removed, the tactics of techniques that have none listed added (a
//! `tactics:` key inserted when there is none), the key renamed.

use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::export::sentinel::sentinel_tactic;
use crate::model::{Tactic, Technique};
use crate::query::edit_distance;
use crate::rulefiles::yaml_list::Action;
use crate::rulefiles::{Edit, LineEnding};

use super::Outcome;
use super::finding::{FindingKind, Note, Severity};
use super::ids;
use super::release::Release;
use super::yaml::{self, ListField};

/// The misspelling of `relevantTechniques` that Sentinel's packaging
/// silently ignores.
const MISSPELLED: &str = "requiredTechniques";

/// Whether a YAML document is a Sentinel analytics rule or hunting query:
/// a `query` and one of Sentinel's keys.
pub fn is_rule(value: &Value) -> bool {
    let has = |k: &str| value.get(k).is_some();
    has("query")
        && [
            "tactics",
            "relevantTechniques",
            MISSPELLED,
            "requiredDataConnectors",
            "queryFrequency",
            "entityMappings",
        ]
        .iter()
        .any(|k| has(k))
}

/// What the tactics list becomes.
struct Tactics {
    notes: Vec<Note>,
    actions: Vec<Action>,
    /// Per item, the tactic it ends as.
    tactics: Vec<Option<String>>,
    unknown: bool,
}

/// Checks a rule.
pub fn check(release: &Release<'_>, text: &str, value: &Value) -> Outcome {
    let mut outcome = Outcome::default();
    let techniques_field = yaml::list_field(text, value, &["relevantTechniques"]);
    let misspelled = yaml::list_field(text, value, &[MISSPELLED]);
    let tactics_field = yaml::list_field(text, value, &["tactics"]);
    let mut edits: Vec<Edit> = Vec::new();
    let mut changed: Vec<(Vec<String>, Option<Vec<String>>)> = Vec::new();
    let mut blocked: Option<String> = None;
    let mut wanted_text = Vec::new();
    for f in [&techniques_field, &misspelled, &tactics_field]
        .into_iter()
        .flatten()
    {
        outcome.notes.extend(f.wrong.iter().cloned());
    }

    let field = techniques_field.as_ref().or(misspelled.as_ref());
    let technique_list = field.map(|f| ids::judge(release, &f.values, &f.lines));
    if let (Some(f), Some(list)) = (field, &technique_list) {
        outcome.notes.extend(list.notes());
        if list.changes() {
            let wanted = list.result(&f.values);
            wanted_text.push(format!("{}: {}", f.name(), wanted.join(", ")));
            changed.push((f.path.clone(), Some(wanted)));
            match yaml::edit_list(text, f, &list.actions, &[]) {
                Ok(e) => edits.extend(e),
                Err(why) => blocked = Some(why),
            }
        }
    }
    let renamable = misspelled.as_ref().filter(|f| f.wrong.is_empty());
    if let (Some(f), None) = (renamable, &techniques_field) {
        outcome.notes.push(
            Note::new(
                Some(f.line),
                Severity::Warning,
                FindingKind::MisspelledKey,
                format!("{MISSPELLED}: the key is relevantTechniques; Sentinel's packaging ignores {MISSPELLED}, so these techniques never reach the content hub"),
            )
            .about(MISSPELLED)
            .fixed_by("rename the key to relevantTechniques"),
        );
        edits.push(rename_key(text, f.key_start));
        let values = changed
            .iter()
            .find(|(p, _)| p[0] == MISSPELLED)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_else(|| f.values.clone());
        changed.retain(|(p, _)| p[0] != MISSPELLED);
        changed.push((vec![MISSPELLED.to_string()], None));
        changed.push((vec!["relevantTechniques".to_string()], Some(values)));
    }
    let techniques: Vec<(&Technique, Option<usize>)> = match (field, &technique_list) {
        (Some(f), Some(list)) => list.kept_at(&f.lines),
        _ => Vec::new(),
    };

    let empty = ListField {
        path: vec!["tactics".to_string()],
        line: field.map_or(1, |f| f.line),
        key_start: 0,
        values: Vec::new(),
        lines: Vec::new(),
        block: None,
        not_editable: None,
        wrong: Vec::new(),
    };
    let tf = tactics_field.as_ref().unwrap_or(&empty);
    let judged = judge_tactics(release, tf);
    outcome.notes.extend(judged.notes.iter().cloned());
    // Coverage needs the tactics: none when `tactics` is of the wrong type.
    let (coverage_notes, additions) = if tf.wrong.is_empty() {
        coverage(release, &techniques, &judged, tf)
    } else {
        (Vec::new(), Vec::new())
    };
    outcome.notes.extend(coverage_notes);
    let tactics_change = judged.actions.iter().any(|a| *a != Action::Keep) || !additions.is_empty();
    if tactics_change {
        let mut wanted = crate::rulefiles::yaml_list::ListPlan {
            actions: &judged.actions,
            additions: &[],
            insert: None,
        }
        .apply(&tf.values);
        wanted.extend(additions.iter().cloned());
        wanted_text.push(format!("tactics: {}", wanted.join(", ")));
        changed.push((tf.path.clone(), Some(wanted)));
        match &tactics_field {
            Some(f) => match yaml::edit_list(text, f, &judged.actions, &additions) {
                Ok(e) => edits.extend(e),
                Err(why) => blocked = Some(why),
            },
            None => match field {
                Some(f) => edits.push(yaml::insert_key(
                    f.key_start,
                    "tactics",
                    &additions,
                    LineEnding::of(text),
                    &yaml::item_indent(text, Some(f)),
                )),
                None => blocked = Some("no relevantTechniques key to put tactics before".into()),
            },
        }
    }
    if !edits.is_empty() || blocked.is_some() {
        let result = match blocked {
            Some(why) => Err(why),
            None => Ok(edits),
        };
        outcome.plan(text, result, wanted_text.join("; "), |new| {
            yaml::verify(value, new, &changed)
        });
    }
    outcome
}

fn rename_key(text: &str, key_start: usize) -> Edit {
    let at = key_start + text[key_start..].find(MISSPELLED).unwrap_or(0);
    Edit {
        range: at..at + MISSPELLED.len(),
        text: "relevantTechniques".to_string(),
    }
}

/// Each written tactic: a Sentinel tactic name of the release, another
/// spelling of one, or unknown; and copies.
fn judge_tactics(release: &Release<'_>, field: &ListField) -> Tactics {
    let mut out = Tactics {
        notes: Vec::new(),
        actions: vec![Action::Keep; field.values.len()],
        tactics: vec![None; field.values.len()],
        unknown: false,
    };
    for (i, raw) in field.values.iter().enumerate() {
        let line = field.lines.get(i).copied();
        if let Some(t) = release.tactic_by_pascal(raw) {
            out.tactics[i] = Some(sentinel_tactic(&t.name));
        } else if let Some(t) = release.tactic_loosely(raw) {
            let name = sentinel_tactic(&t.name);
            out.notes.push(
                Note::new(
                    line,
                    Severity::Warning,
                    FindingKind::MalformedTactic,
                    format!(
                        "{raw}: Sentinel writes the tactic {} ({}) as {name}",
                        t.name, t.id
                    ),
                )
                .about(raw)
                .fixed_by(format!("replace with {name}")),
            );
            out.actions[i] = Action::Replace(name.clone());
            out.tactics[i] = Some(name);
        } else {
            out.unknown = true;
            out.notes.push(unknown_tactic(release, raw, line));
        }
        let seen = out.tactics[i]
            .as_ref()
            .and_then(|name| (0..i).find(|&j| out.tactics[j].as_ref() == Some(name)));
        if let Some(j) = seen {
            let why = format!(
                "{} is already listed (line {})",
                out.tactics[i].clone().unwrap_or_default(),
                field.lines.get(j).copied().unwrap_or(0)
            );
            out.actions[i] = Action::Remove;
            out.tactics[i] = None;
            match out
                .notes
                .last_mut()
                .filter(|n| n.line == line && n.value.as_deref() == Some(raw))
            {
                Some(n) => {
                    n.message.push_str(&format!("; {why}"));
                    n.fix = Some("remove it".to_string());
                }
                None => out.notes.push(
                    Note::new(
                        line,
                        Severity::Warning,
                        FindingKind::DuplicateId,
                        format!("{raw}: duplicate; {why}"),
                    )
                    .about(raw)
                    .fixed_by("remove it"),
                ),
            }
        }
    }
    out
}

/// The message of an `incomplete-tactics` finding: `T1078.004 (Valid
/// Accounts: Cloud Accounts) also belongs to Persistence and
/// DefenseEvasion, which are not listed in tactics (…)`.
fn incomplete_message(t: &Technique, missing: &[&str]) -> String {
    let (names, verb) = match missing.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            (format!("{} and {last}", rest.join(", ")), "are")
        }
        _ => (missing.concat(), "is"),
    };
    format!(
        "{} ({}) also belongs to {names}, which {verb} not listed in tactics (Sentinel's validator needs only one of a technique's tactics; listing all of them is safest)",
        t.technique_id, t.full_name
    )
}

fn unknown_tactic(release: &Release<'_>, raw: &str, line: Option<usize>) -> Note {
    let names: Vec<String> = release
        .tactics()
        .iter()
        .map(|t| sentinel_tactic(&t.name))
        .collect();
    let closest = names
        .iter()
        .map(|n| {
            (
                edit_distance(&raw.to_ascii_lowercase(), &n.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min();
    let hint = match closest {
        Some((_, n)) => format!("; did you mean {n}?"),
        None => format!("; its tactics are {}", names.join(", ")),
    };
    Note::new(
        line,
        Severity::Error,
        FindingKind::UnknownTactic,
        format!("{raw}: not a tactic of {}{hint}", release.name()),
    )
    .about(raw)
}

/// Techniques none (or not all) of whose tactics are listed (at the
/// technique's own line), tactics no technique belongs to (at the tactic's
/// line); and the tactics to add.
fn coverage(
    release: &Release<'_>,
    techniques: &[(&Technique, Option<usize>)],
    judged: &Tactics,
    field: &ListField,
) -> (Vec<Note>, Vec<String>) {
    let listed: BTreeSet<&str> = judged
        .tactics
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let mut notes = Vec::new();
    let mut add: Vec<&Tactic> = Vec::new();
    let mut seen = BTreeSet::new();
    for &(t, line) in techniques {
        if !seen.insert(t.technique_id.as_str()) || t.tactics.is_empty() {
            continue;
        }
        let names: Vec<(String, &Tactic)> = t
            .tactics
            .iter()
            .filter_map(|r| release.tactic_by_id(&r.id))
            .map(|tac| (sentinel_tactic(&tac.name), tac))
            .collect();
        let missing: Vec<&(String, &Tactic)> = names
            .iter()
            .filter(|(n, _)| !listed.contains(n.as_str()))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let all: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        let missing_names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
        if missing.len() == names.len() {
            let mut note = Note::new(
                line.or(Some(field.line)),
                Severity::Error,
                FindingKind::MissingTactic,
                format!(
                    "{} ({}): none of its tactics ({}) is listed; Sentinel's validator fails the rule",
                    t.technique_id,
                    t.full_name,
                    all.join(", ")
                ),
            )
            .about(&t.technique_id);
            if judged.unknown {
                note.message.push_str("; not added while tactics holds a tactic unknown to this release (fix that first)");
            } else {
                note = note.fixed_by(format!("add {}", all.join(", ")));
                add.extend(names.iter().map(|(_, tac)| *tac));
            }
            notes.push(note);
        } else {
            notes.push(
                Note::new(
                    line.or(Some(field.line)),
                    Severity::Info,
                    FindingKind::IncompleteTactics,
                    incomplete_message(t, &missing_names),
                )
                .about(&t.technique_id),
            );
        }
    }
    add.sort_by_key(|t| release.tactic_order(&t.id));
    let mut additions: Vec<String> = Vec::new();
    for t in add {
        let name = sentinel_tactic(&t.name);
        if !additions.contains(&name) && !listed.contains(name.as_str()) {
            additions.push(name);
        }
    }
    if !techniques.is_empty() {
        for (i, tactic) in judged.tactics.iter().enumerate() {
            let Some(name) = tactic else { continue };
            let used = techniques.iter().any(|(t, _)| {
                t.tactics.iter().any(|r| {
                    release
                        .tactic_by_id(&r.id)
                        .is_some_and(|x| sentinel_tactic(&x.name) == *name)
                })
            });
            if !used {
                notes.push(
                    Note::new(
                        field.lines.get(i).copied(),
                        Severity::Warning,
                        FindingKind::UnrelatedTactic,
                        format!(
                            "{name}: none of the rule's techniques belongs to this tactic in {}",
                            release.name()
                        ),
                    )
                    .about(&field.values[i]),
                );
            }
        }
    }
    (notes, additions)
}
