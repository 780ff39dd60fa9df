//! Judging a list of technique IDs (Splunk `mitre_attack_id`, Sentinel
//! `relevantTechniques`, ARM `techniques`): each ID against the release,
//! copies, and the planned action for each item.

use crate::export::templates::parent_id;
use crate::model::Technique;
use crate::rulefiles::yaml_list::{Action, ListPlan};

use super::finding::{FindingKind, Note, Severity};
use super::release::Release;

/// The judgement of an ID list.
#[derive(Debug, Clone)]
pub struct IdList<'m> {
    /// The finding of each item, if it has one.
    pub item_notes: Vec<Option<Note>>,
    /// One action per item.
    pub actions: Vec<Action>,
    /// Per item, the live technique it ends up as (`None` when removed,
    /// unknown, deprecated or malformed).
    pub techniques: Vec<Option<&'m Technique>>,
}

impl<'m> IdList<'m> {
    /// The list after the actions.
    pub fn result(&self, values: &[String]) -> Vec<String> {
        ListPlan {
            actions: &self.actions,
            additions: &[],
            insert: None,
        }
        .apply(values)
    }

    /// The live techniques kept, in order.
    pub fn kept(&self) -> Vec<&'m Technique> {
        self.techniques
            .iter()
            .zip(&self.actions)
            .filter(|(_, a)| **a != Action::Remove)
            .filter_map(|(t, _)| *t)
            .collect()
    }

    /// The live techniques kept, in order, each with the line of its item
    /// (`lines` holds one line per item; `None` when it is missing).
    pub fn kept_at(&self, lines: &[usize]) -> Vec<(&'m Technique, Option<usize>)> {
        self.techniques
            .iter()
            .zip(&self.actions)
            .enumerate()
            .filter(|(_, (_, a))| **a != Action::Remove)
            .filter_map(|(i, (t, _))| t.map(|t| (t, lines.get(i).copied())))
            .collect()
    }

    /// The findings, in item order.
    pub fn notes(&self) -> Vec<Note> {
        self.item_notes.iter().flatten().cloned().collect()
    }

    /// Whether anything changes.
    pub fn changes(&self) -> bool {
        self.actions.iter().any(|a| *a != Action::Keep)
    }

    /// Removes item `i` with a note: appended to its existing note (which
    /// then says so and gets the removal as its fix), else a new one.
    fn remove(&mut self, i: usize, note: Note, why: &str) {
        self.actions[i] = Action::Remove;
        self.techniques[i] = None;
        match &mut self.item_notes[i] {
            Some(existing) => {
                existing.message.push_str(&format!("; {why}"));
                existing.fix = Some("remove it".to_string());
            }
            slot => *slot = Some(note),
        }
    }
}

/// Judges `values` (at `lines`): each ID, then copies (the same live
/// technique twice, also after respelling or replacement: the later ones
/// go).
pub fn judge<'m>(release: &Release<'m>, values: &[String], lines: &[usize]) -> IdList<'m> {
    let mut list = IdList {
        item_notes: vec![None; values.len()],
        actions: vec![Action::Keep; values.len()],
        techniques: vec![None; values.len()],
    };
    for (i, raw) in values.iter().enumerate() {
        let resolved = release.resolve(raw);
        list.techniques[i] = resolved.live();
        if let Some(new) = resolved.replacement() {
            list.actions[i] = Action::Replace(new.to_string());
        }
        list.item_notes[i] = release.id_note(raw, lines.get(i).copied());
    }
    for (i, value) in values.iter().enumerate() {
        let Some(t) = list.techniques[i] else {
            continue;
        };
        let first =
            (0..i).find(|&j| list.techniques[j].is_some_and(|x| x.technique_id == t.technique_id));
        if let Some(j) = first {
            let line = lines.get(i).copied();
            let why = format!(
                "{} is already listed (line {})",
                t.technique_id,
                lines.get(j).copied().unwrap_or(0)
            );
            let note = Note::new(
                line,
                Severity::Warning,
                FindingKind::DuplicateId,
                format!("{value}: duplicate; {why}"),
            )
            .about(value)
            .fixed_by("remove it");
            list.remove(i, note, &why);
        }
    }
    list
}

/// Splunk's rule: a technique listed with one of its own sub-techniques
/// goes (contentctl keeps the most specific).
pub fn drop_parents(list: &mut IdList<'_>, values: &[String], lines: &[usize]) {
    let kept: Vec<String> = list.kept().iter().map(|t| t.technique_id.clone()).collect();
    for (i, value) in values.iter().enumerate() {
        let Some(t) = list.techniques[i] else {
            continue;
        };
        if list.actions[i] == Action::Remove {
            continue;
        }
        let subs: Vec<&str> = kept
            .iter()
            .map(String::as_str)
            .filter(|s| *s != t.technique_id && parent_id(s) == t.technique_id)
            .collect();
        if subs.is_empty() {
            continue;
        }
        let why = format!(
            "its sub-technique {} is listed too, and contentctl refuses a technique together with its own sub-techniques (keep the most specific)",
            subs.join(", ")
        );
        let note = Note::new(
            lines.get(i).copied(),
            Severity::Error,
            FindingKind::ParentAndSubtechnique,
            format!("{value}: {why}"),
        )
        .about(value)
        .fixed_by("remove it");
        list.remove(i, note, &why);
    }
}
