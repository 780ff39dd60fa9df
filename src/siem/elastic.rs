//! Elastic detection-rules TOML: the `[[rule.threat]]` blocks.
//!
//! Judged, as the repository's tests do: every technique and sub-technique
//! ID (malformed, unknown, revoked, deprecated); each technique under a
//! tactic it belongs to; sub-techniques nested under their own parent;
//! exact names; reference URLs (the ID's ATT&CK page, trailing slash);
//! the tactic's ID, name and reference; a tactic in one block only.
//!
//! Fixed: the blocks are rebuilt from the release — replacements followed,
//! names and references corrected, techniques moved to their tactics,
//! duplicate tactic blocks merged — and written back in place. When the
//! blocks keep their shape only the wrong strings are replaced; otherwise
//! the region of the `[[rule.threat]]` tables is rewritten with the
//! built-in `elastic-threat.toml.j2` (the `elastic` exporter's layout).
//! Nothing outside that region changes; the result is parsed again and
//! compared with the original before it is written.

use std::ops::Range;

use minijinja::value::{Serde, Value as TemplateValue};
use toml_edit::{Document, Item, Table, TableLike};

use crate::export::elastic::{
    FRAMEWORK, TechniqueEntry, TechniqueList, ThreatEntry, ThreatRef, tactic_ref, technique_ref,
};
use crate::export::templates::{TemplateOptions, Templates, parent_id, toml_quote};
use crate::model::{Tactic, Technique};
use crate::rulefiles::{Edit, LineEnding, LineIndex};

use super::Outcome;
use super::finding::{FindingKind, Note, Severity};
use super::release::{Release, Resolved};

/// The built-in template that lays out the blocks.
const TEMPLATE: &str = "elastic-threat.toml.j2";

/// Whether a TOML document is an Elastic detection rule: a `[rule]` table
/// and a `[metadata]` table or a `rule_id`.
pub fn is_rule(doc: &Document<&str>) -> bool {
    let root = doc.as_table();
    let rule = root.get("rule").and_then(Item::as_table_like);
    rule.is_some_and(|r| root.contains_key("metadata") || r.contains_key("rule_id"))
}

/// A string field as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Field {
    value: Option<String>,
    span: Option<Range<usize>>,
    line: usize,
    /// Present but not a string (noted as `wrong-type`).
    wrong: bool,
}

/// An `{id, name, reference}` table as written.
#[derive(Debug, Clone, Default)]
struct RawRef {
    id: Field,
    name: Field,
    reference: Field,
    line: usize,
}

impl RawRef {
    fn fields(&self) -> [&Field; 3] {
        [&self.id, &self.name, &self.reference]
    }

    fn to_ref(&self) -> ThreatRef {
        let v = |f: &Field| f.value.clone().unwrap_or_default();
        ThreatRef {
            id: v(&self.id),
            name: v(&self.name),
            reference: v(&self.reference),
        }
    }

    fn complete(&self) -> bool {
        self.fields().iter().all(|f| f.value.is_some())
    }

    fn id(&self) -> &str {
        self.id.value.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Default)]
struct RawTechnique {
    reference: RawRef,
    subs: Vec<RawRef>,
}

#[derive(Debug, Clone, Default)]
struct RawEntry {
    framework: Field,
    tactic: Option<RawRef>,
    techniques: Vec<RawTechnique>,
    line: usize,
}

impl RawEntry {
    fn complete(&self) -> bool {
        self.framework.value.is_some()
            && self.tactic.as_ref().is_some_and(RawRef::complete)
            && self
                .techniques
                .iter()
                .all(|t| t.reference.complete() && t.subs.iter().all(RawRef::complete))
    }

    fn to_entry(&self) -> ThreatEntry {
        ThreatEntry {
            framework: self.framework.value.clone().unwrap_or_default(),
            tactic: self
                .tactic
                .as_ref()
                .map(RawRef::to_ref)
                .unwrap_or(ThreatRef {
                    id: String::new(),
                    name: String::new(),
                    reference: String::new(),
                }),
            technique: self
                .techniques
                .iter()
                .map(|t| {
                    let r = t.reference.to_ref();
                    TechniqueEntry {
                        id: r.id,
                        name: r.name,
                        reference: r.reference,
                        subtechnique: t.subs.iter().map(RawRef::to_ref).collect(),
                    }
                })
                .collect(),
        }
    }
}

/// The keys each table of `rule.threat` may hold; anything else is kept
/// as written and stops the blocks from being rewritten.
const ENTRY_KEYS: [&str; 3] = ["framework", "tactic", "technique"];
const TECHNIQUE_KEYS: [&str; 4] = ["id", "name", "reference", "subtechnique"];
const REF_KEYS: [&str; 3] = ["id", "name", "reference"];

/// `rule.threat` as written: the blocks, the fields of the wrong type
/// (error notes: no fix is planned while there is one), the keys attackmap
/// does not know, and both as text for the safety check.
#[derive(Debug, Default)]
struct Threat {
    entries: Vec<RawEntry>,
    wrong: Vec<Note>,
    unknown: Vec<(usize, String)>,
    foreign: Vec<String>,
}

/// Reads `rule.threat` with positions and types.
struct Reader<'l> {
    lines: &'l LineIndex,
    threat: Threat,
}

impl Reader<'_> {
    /// The line of an item (its header or value), else `fallback`.
    fn line_of(&self, item: &Item, fallback: usize) -> usize {
        item.span().map_or(fallback, |s| self.lines.line(s.start))
    }

    /// Notes an item of the wrong type and keeps it as foreign text.
    fn wrong(&mut self, key: &str, item: &Item, want: &str, line: usize) {
        let written = item.as_value().map(value_text).unwrap_or_default();
        self.threat.wrong.push(super::shape::wrong_type(
            Some(line),
            key,
            want,
            super::shape::toml_kind(item),
            &written,
        ));
        self.threat
            .foreign
            .push(format!("{key} = {}", item_json(item)));
    }

    /// The keys of `table` not in `known`, kept as foreign.
    fn unknown_keys(&mut self, table: &dyn TableLike, known: &[&str], fallback: usize) {
        for (key, item) in table.iter().filter(|(k, _)| !known.contains(k)) {
            let line = self.line_of(item, fallback);
            self.threat.unknown.push((line, key.to_string()));
            self.threat
                .foreign
                .push(format!("{key} = {}", item_json(item)));
        }
    }

    /// The tables of an array of tables (or an array of inline tables),
    /// each with its line; anything else is of the wrong type.
    fn tables<'d>(
        &mut self,
        table: &'d dyn TableLike,
        key: &str,
        header: &str,
        fallback: usize,
    ) -> Vec<(&'d dyn TableLike, usize)> {
        let Some(item) = table.get(key) else {
            return Vec::new();
        };
        let line = self.line_of(item, fallback);
        let want = format!("an array of tables {header}");
        match item {
            Item::ArrayOfTables(a) => a
                .iter()
                .map(|t| {
                    (
                        t as &dyn TableLike,
                        table_line(t, t.span().map(|s| s.start), self.lines),
                    )
                })
                .collect(),
            Item::Value(toml_edit::Value::Array(a)) if a.iter().all(|v| v.is_inline_table()) => a
                .iter()
                .filter_map(|v| v.as_inline_table())
                .map(|t| (t as &dyn TableLike, table_line(t, None, self.lines)))
                .collect(),
            _ => {
                self.wrong(key, item, &want, line);
                Vec::new()
            }
        }
    }

    /// A string field; a value of another type is noted and read as
    /// absent (`wrong` set), never as missing.
    /// `shown` names the field in the note (`tactic.id`).
    fn field(&mut self, table: &dyn TableLike, key: &str, shown: &str, fallback: usize) -> Field {
        let item = table.get(key);
        let span = item.and_then(Item::span);
        let line = span.as_ref().map_or(fallback, |s| self.lines.line(s.start));
        let mut wrong = false;
        if let Some(item) = item.filter(|i| i.as_str().is_none()) {
            self.wrong(shown, item, "a string", line);
            wrong = true;
        }
        Field {
            value: item.and_then(Item::as_str).map(str::to_string),
            span,
            line,
            wrong,
        }
    }

    /// The `id`, `name` and `reference` of a `what` table (`tactic`,
    /// `technique`, `subtechnique`).
    fn raw_ref(
        &mut self,
        table: &dyn TableLike,
        what: &str,
        line: usize,
        known: &[&str],
    ) -> RawRef {
        self.unknown_keys(table, known, line);
        let [id, name, reference] =
            REF_KEYS.map(|key| self.field(table, key, &format!("{what}.{key}"), line));
        RawRef {
            id,
            name,
            reference,
            line,
        }
    }

    fn technique(&mut self, table: &dyn TableLike, line: usize) -> RawTechnique {
        let reference = self.raw_ref(table, "technique", line, &TECHNIQUE_KEYS);
        let subs = self
            .tables(
                table,
                "subtechnique",
                "[[rule.threat.technique.subtechnique]]",
                line,
            )
            .into_iter()
            .map(|(s, l)| self.raw_ref(s, "subtechnique", l, &REF_KEYS))
            .collect();
        RawTechnique { reference, subs }
    }

    fn entry(&mut self, table: &dyn TableLike, line: usize) -> RawEntry {
        self.unknown_keys(table, &ENTRY_KEYS, line);
        let tactic = match table.get("tactic") {
            None => None,
            Some(item) => match item.as_table_like() {
                Some(t) => {
                    let at = self.line_of(item, line);
                    Some(self.raw_ref(t, "tactic", at, &REF_KEYS))
                }
                None => {
                    let at = self.line_of(item, line);
                    self.wrong("tactic", item, "a table [rule.threat.tactic]", at);
                    let unread = Field {
                        line: at,
                        wrong: true,
                        ..Field::default()
                    };
                    Some(RawRef {
                        id: unread.clone(),
                        name: unread.clone(),
                        reference: unread,
                        line: at,
                    })
                }
            },
        };
        RawEntry {
            framework: self.field(table, "framework", "framework", line),
            tactic,
            techniques: self
                .tables(table, "technique", "[[rule.threat.technique]]", line)
                .into_iter()
                .map(|(t, l)| self.technique(t, l))
                .collect(),
            line,
        }
    }
}

/// A TOML value as written (decoded when it is a string).
fn value_text(value: &toml_edit::Value) -> String {
    match value.as_str() {
        Some(s) => s.to_string(),
        None => value.to_string().trim().to_string(),
    }
}

/// The header line of a table, else the line of its first value.
fn table_line(table: &dyn TableLike, header: Option<usize>, lines: &LineIndex) -> usize {
    match header {
        Some(at) => lines.line(at),
        None => table
            .iter()
            .filter_map(|(_, i)| i.span())
            .map(|s| lines.line(s.start))
            .min()
            .unwrap_or(1),
    }
}

/// `rule.threat`, read with positions and types; `None` when the rule has
/// none.
fn read_threat(doc: &Document<&str>, lines: &LineIndex) -> Option<Threat> {
    let rule = doc.as_table().get("rule")?.as_table_like()?;
    rule.get("threat")?;
    let mut reader = Reader {
        lines,
        threat: Threat::default(),
    };
    let fallback = rule.get("threat").map_or(1, |item| reader.line_of(item, 1));
    let entries: Vec<RawEntry> = reader
        .tables(rule, "threat", "[[rule.threat]]", fallback)
        .into_iter()
        .map(|(t, line)| reader.entry(t, line))
        .collect();
    reader.threat.entries = entries;
    reader.threat.foreign.sort();
    Some(reader.threat)
}

/// Where the blocks are in the text, or why they cannot be rewritten.
fn region(doc: &Document<&str>, text: &str) -> Result<Range<usize>, String> {
    let mut headers: Vec<(usize, bool)> = Vec::new();
    collect_headers(doc.as_table(), &mut Vec::new(), &mut headers);
    headers.sort();
    let threat: Vec<usize> = headers.iter().filter(|h| h.1).map(|h| h.0).collect();
    let (Some(&first), Some(&last)) = (threat.first(), threat.last()) else {
        return Err("rule.threat is not written as [[rule.threat]] tables".to_string());
    };
    let next = headers.iter().find(|h| !h.1 && h.0 > first).map(|h| h.0);
    if next.is_some_and(|n| n < last) {
        return Err("the [[rule.threat]] tables are interleaved with other tables".to_string());
    }
    let limit = next.map_or(text.len(), |n| text[..n].rfind('\n').map_or(n, |i| i + 1));
    let start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    let mut end = start;
    let mut offset = start;
    for line in text[start..limit].split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !body.trim().is_empty() && !body.trim_start().starts_with('#') {
            end = offset + body.len();
        }
        offset += line.len();
    }
    let region = start..end;
    if has_comments(&text[region.clone()]) {
        return Err("the [[rule.threat]] tables hold comments".to_string());
    }
    Ok(region)
}

/// Whether TOML text (tables of plain key = "string" lines) holds a
/// comment: a `#` line, or a `#` after a line's last quote.
fn has_comments(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with('#')
            || l.rfind(['"', '\''])
                .map_or(l.contains('#'), |q| l[q..].contains('#'))
    })
}

fn collect_headers(table: &Table, path: &mut Vec<String>, out: &mut Vec<(usize, bool)>) {
    for (key, item) in table.iter() {
        path.push(key.to_string());
        let is_threat = path.len() >= 2 && path[0] == "rule" && path[1] == "threat";
        let children: Vec<&Table> = match item {
            Item::Table(t) => vec![t],
            Item::ArrayOfTables(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        for t in children {
            if let Some(span) = t.span() {
                out.push((span.start, is_threat));
            }
            collect_headers(t, path, out);
        }
        path.pop();
    }
}

/// The tactic of a block: one of the release, or as written (an unknown
/// tactic, another framework's block), kept as it is.
enum SlotTactic<'m> {
    Known(&'m Tactic),
    Written(Box<RawEntry>),
}

/// One block of the fixed rule.
struct Slot<'m> {
    tactic: SlotTactic<'m>,
    /// Line of the block that made it.
    line: usize,
    techniques: TechniqueList,
}

struct Judging<'r, 'm> {
    release: &'r Release<'m>,
    notes: Vec<Note>,
    slots: Vec<Slot<'m>>,
    /// Techniques under a tactic they do not belong to: placed under their
    /// own tactics at the end.
    moved: Vec<&'m Technique>,
}

/// Checks a rule.
pub fn check(release: &Release<'_>, text: &str, doc: &Document<&str>) -> Outcome {
    let mut outcome = Outcome::default();
    let lines = LineIndex::new(text);
    let Some(threat) = read_threat(doc, &lines) else {
        outcome.notes.push(Note::new(
            None,
            Severity::Info,
            FindingKind::NoMapping,
            "no [[rule.threat]]: the rule maps to no ATT&CK tactic or technique",
        ));
        return outcome;
    };
    let mut judging = Judging {
        release,
        notes: Vec::new(),
        slots: Vec::new(),
        moved: Vec::new(),
    };
    let entries = &threat.entries;
    for entry in entries {
        judging.entry(entry);
    }
    let desired = judging.desired();
    let mut notes = judging.notes;
    if !threat.wrong.is_empty() {
        // A field of the wrong type is not understood: nothing in
        // rule.threat is changed until it is fixed by hand.
        for note in &mut notes {
            note.fix = None;
        }
        notes.extend(threat.wrong.iter().cloned());
        notes.sort_by_key(|n| n.line);
        outcome.notes = notes;
        return outcome;
    }
    notes.sort_by_key(|n| n.line);
    outcome.notes = notes;
    let current: Vec<ThreatEntry> = entries.iter().map(RawEntry::to_entry).collect();
    if desired == current {
        return outcome;
    }
    let wanted = summary(&desired);
    let edits = if same_shape(entries, &desired) {
        Ok(value_edits(entries, &desired))
    } else if let Some((line, key)) = threat.unknown.first() {
        Err(format!(
            "the [[rule.threat]] tables hold a key attackmap does not know (`{key}`, line {line}), which rewriting them would lose"
        ))
    } else {
        rewrite(doc, text, &desired)
    };
    outcome.plan(text, edits, wanted, |new| verify(text, new, &desired));
    outcome
}

impl<'m> Judging<'_, 'm> {
    fn entry(&mut self, entry: &RawEntry) {
        match entry.framework.value.as_deref() {
            Some(FRAMEWORK) => {}
            Some(_) => {
                // Another framework (MITRE ATLAS): kept as written.
                self.push_slot(SlotTactic::Written(Box::new(entry.clone())), entry.line);
                return;
            }
            None if entry.framework.wrong => {}
            None => self.notes.push(missing(entry.line, "framework", FRAMEWORK)),
        }
        let tactic = self.tactic(entry);
        let slot = match tactic {
            Some(t) => match self.slot_of(&t.id) {
                Some(existing) => {
                    let first = self.slots[existing].line;
                    self.notes.push(
                        Note::new(
                            Some(entry.line),
                            Severity::Error,
                            FindingKind::DuplicateTactic,
                            format!(
                                "{} ({}) already has a [[rule.threat]] block (line {first}); a tactic may appear in one block only",
                                t.id, t.name
                            ),
                        )
                        .about(&t.id)
                        .fixed_by("merge the two blocks"),
                    );
                    existing
                }
                None => self.push_slot(SlotTactic::Known(t), entry.line),
            },
            None => {
                let mut written = entry.clone();
                written.techniques.clear();
                self.push_slot(SlotTactic::Written(Box::new(written)), entry.line)
            }
        };
        for technique in &entry.techniques {
            self.technique(slot, tactic, technique);
        }
    }

    fn push_slot(&mut self, tactic: SlotTactic<'m>, line: usize) -> usize {
        self.slots.push(Slot {
            tactic,
            line,
            techniques: TechniqueList::default(),
        });
        self.slots.len() - 1
    }

    fn slot_of(&self, tactic_id: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| matches!(s.tactic, SlotTactic::Known(t) if t.id == tactic_id))
    }

    /// The block's tactic: by ID when the release has it, else by name;
    /// notes for a wrong name, ID or reference.
    fn tactic(&mut self, entry: &RawEntry) -> Option<&'m Tactic> {
        let Some(raw) = &entry.tactic else {
            self.notes.push(Note::new(
                Some(entry.line),
                Severity::Error,
                FindingKind::MissingField,
                "the block has no [rule.threat.tactic]; fix by hand",
            ));
            return None;
        };
        if raw.fields().iter().all(|f| f.wrong) {
            // `tactic` is not a table: noted as wrong-type already.
            return None;
        }
        let by_id = raw
            .id
            .value
            .as_deref()
            .and_then(|id| self.release.tactic_by_id(id));
        let by_name = raw
            .name
            .value
            .as_deref()
            .and_then(|n| self.release.tactic_by_name(n));
        let Some(tactic) = by_id.or(by_name) else {
            let written = raw
                .id
                .value
                .clone()
                .or(raw.name.value.clone())
                .unwrap_or_default();
            let names: Vec<String> = self
                .release
                .tactics()
                .iter()
                .map(|t| format!("{} {}", t.id, t.name))
                .collect();
            self.notes.push(
                Note::new(
                    Some(raw.line),
                    Severity::Error,
                    FindingKind::UnknownTactic,
                    format!(
                        "tactic {written} ({}): not a tactic of {}; its tactics are {}",
                        raw.name.value.as_deref().unwrap_or("no name"),
                        self.release.name(),
                        names.join(", ")
                    ),
                )
                .about(&written),
            );
            return None;
        };
        let expected = tactic_ref(self.release.model(), &tactic.id);
        self.check_ref(raw, &expected, "tactic");
        Some(tactic)
    }

    /// Notes for the ID, name and reference of a table against `expected`.
    fn check_ref(&mut self, raw: &RawRef, expected: &ThreatRef, what: &str) {
        let checks = [
            (&raw.id, &expected.id, "id", FindingKind::WrongName),
            (&raw.name, &expected.name, "name", FindingKind::WrongName),
            (
                &raw.reference,
                &expected.reference,
                "reference",
                FindingKind::WrongReference,
            ),
        ];
        for (field, want, key, kind) in checks {
            match &field.value {
                None if field.wrong => {}
                None => self
                    .notes
                    .push(missing(raw.line, &format!("{what} {key}"), want)),
                Some(v) if v != want => {
                    let (severity, kind, why) = if key == "id" {
                        (
                            Severity::Error,
                            FindingKind::WrongName,
                            format!(
                                "{what} {} is {} in {}",
                                expected.name,
                                expected.id,
                                self.release.name()
                            ),
                        )
                    } else if key == "reference" && format!("{v}/") == *want {
                        (
                            Severity::Warning,
                            kind,
                            format!("{what} {} reference lacks the trailing slash", expected.id),
                        )
                    } else if key == "reference" {
                        (
                            Severity::Error,
                            kind,
                            format!("{what} {} reference is not its ATT&CK page", expected.id),
                        )
                    } else {
                        (
                            Severity::Error,
                            kind,
                            format!(
                                "{what} {} is named {want:?} in {}",
                                expected.id,
                                self.release.name()
                            ),
                        )
                    };
                    self.notes.push(
                        Note::new(
                            Some(field.line),
                            severity,
                            kind,
                            format!("{key} = {v:?}: {why}"),
                        )
                        .about(v)
                        .fixed_by(format!("set {key} = {want:?}")),
                    );
                }
                Some(_) => {}
            }
        }
    }

    /// Judges a technique entry and its sub-techniques, and places them.
    fn technique(&mut self, slot: usize, tactic: Option<&'m Tactic>, raw: &RawTechnique) {
        let resolved = self.release.resolve(raw.reference.id());
        let target = self.judge_id(&raw.reference, resolved, "technique");
        let parent_id_now = match target {
            Some(t) => {
                if t.is_subtechnique && resolved.replacement().is_none() {
                    self.notes.push(
                        Note::new(
                            Some(raw.reference.line),
                            Severity::Error,
                            FindingKind::MisplacedSubtechnique,
                            format!(
                                "{} ({}) is a sub-technique listed as a technique; it belongs under its parent {}",
                                t.technique_id,
                                t.full_name,
                                parent_id(&t.technique_id)
                            ),
                        )
                        .about(&t.technique_id)
                        .fixed_by(format!("nest it under {}", parent_id(&t.technique_id))),
                    );
                }
                self.place(slot, tactic, t, raw.reference.line);
                Some(parent_id(&t.technique_id).to_string())
            }
            None => {
                self.slots[slot]
                    .techniques
                    .add_entry(as_entry(&raw.reference));
                None
            }
        };
        for sub in &raw.subs {
            let resolved = self.release.resolve(sub.id());
            match self.judge_id(sub, resolved, "sub-technique") {
                Some(t) => {
                    let own_parent = parent_id(&t.technique_id);
                    if !t.is_subtechnique {
                        self.notes.push(
                            Note::new(
                                Some(sub.line),
                                Severity::Error,
                                FindingKind::MisplacedSubtechnique,
                                format!(
                                    "{} ({}) is a technique listed as a sub-technique",
                                    t.technique_id, t.full_name
                                ),
                            )
                            .about(&t.technique_id)
                            .fixed_by("list it as a technique"),
                        );
                    } else if parent_id_now.as_deref() != Some(own_parent) {
                        self.notes.push(
                            Note::new(
                                Some(sub.line),
                                Severity::Error,
                                FindingKind::MisplacedSubtechnique,
                                format!(
                                    "{} ({}) is nested under {}, not under its parent {own_parent}",
                                    t.technique_id,
                                    t.full_name,
                                    raw.reference.id()
                                ),
                            )
                            .about(&t.technique_id)
                            .fixed_by(format!("nest it under {own_parent}")),
                        );
                    }
                    self.place(slot, tactic, t, sub.line);
                }
                None => {
                    let parent = raw.reference.to_ref();
                    self.slots[slot].techniques.add_sub(parent, sub.to_ref());
                }
            }
        }
    }

    /// The note for an ID, name and reference; the technique of the release
    /// it stands for (its replacement when revoked), if any.
    fn judge_id(
        &mut self,
        raw: &RawRef,
        resolved: Resolved<'m>,
        what: &str,
    ) -> Option<&'m Technique> {
        let written = raw.id();
        if raw.id.value.is_none() {
            if raw.id.wrong {
                return None;
            }
            self.notes.push(Note::new(
                Some(raw.line),
                Severity::Error,
                FindingKind::MissingField,
                format!("a {what} without an id; fix by hand"),
            ));
            return None;
        }
        if let Some(note) = self.release.id_note(written, Some(raw.id.line)) {
            self.notes.push(note);
        }
        let target = match resolved {
            Resolved::Deprecated(t) => Some(t),
            other => other.live(),
        };
        if let (Some(t), None) = (target, resolved.replacement()) {
            let expected = technique_ref(self.release.model(), t);
            self.check_ref(raw, &expected, what);
        }
        target
    }

    /// Puts a technique under the block's tactic when it belongs there,
    /// else notes it and moves it.
    fn place(&mut self, slot: usize, tactic: Option<&'m Tactic>, t: &'m Technique, line: usize) {
        let model = self.release.model();
        match tactic {
            Some(tac) if !t.tactics.iter().any(|r| r.id == tac.id) && !t.tactics.is_empty() => {
                let own: Vec<String> = t
                    .tactics
                    .iter()
                    .map(|r| format!("{} {}", r.id, r.name))
                    .collect();
                self.notes.push(
                    Note::new(
                        Some(line),
                        Severity::Error,
                        FindingKind::WrongTactic,
                        format!(
                            "{} ({}) is not a technique of {} ({}) in {}; its tactics: {}",
                            t.technique_id,
                            t.full_name,
                            tac.id,
                            tac.name,
                            self.release.name(),
                            own.join(", ")
                        ),
                    )
                    .about(&t.technique_id)
                    .fixed_by("move it under its own tactics"),
                );
                self.moved.push(t);
            }
            _ => self.slots[slot].techniques.add(model, t),
        }
    }

    /// The blocks of the fixed rule: the blocks kept (duplicates merged),
    /// moved techniques under the rule's tactics they belong to, or under
    /// all their tactics in new blocks (matrix order).
    fn desired(&mut self) -> Vec<ThreatEntry> {
        let model = self.release.model();
        let moved = std::mem::take(&mut self.moved);
        let mut new_tactics: Vec<&'m Tactic> = Vec::new();
        for t in &moved {
            let in_rule: Vec<usize> = t
                .tactics
                .iter()
                .filter_map(|r| self.slot_of(&r.id))
                .collect();
            if in_rule.is_empty() {
                for r in &t.tactics {
                    if let Some(tac) = self.release.tactic_by_id(&r.id) {
                        if !new_tactics.iter().any(|x| x.id == tac.id) {
                            new_tactics.push(tac);
                        }
                    }
                }
            }
        }
        new_tactics.sort_by_key(|t| self.release.tactic_order(&t.id));
        for tac in new_tactics {
            let line = self.slots.last().map_or(0, |s| s.line);
            self.push_slot(SlotTactic::Known(tac), line);
        }
        for t in moved {
            for r in &t.tactics {
                if let Some(slot) = self.slot_of(&r.id) {
                    self.slots[slot].techniques.add(model, t);
                }
            }
        }
        self.slots
            .iter()
            .map(|slot| match &slot.tactic {
                SlotTactic::Known(t) => ThreatEntry {
                    framework: FRAMEWORK.to_string(),
                    tactic: tactic_ref(model, &t.id),
                    technique: slot.techniques.clone().finish(),
                },
                SlotTactic::Written(entry) => {
                    let mut out = entry.to_entry();
                    if out.framework.is_empty() {
                        out.framework = FRAMEWORK.to_string();
                    }
                    let mut list = TechniqueList::default();
                    for t in out.technique.drain(..) {
                        list.add_entry(t);
                    }
                    for t in slot.techniques.clone().finish() {
                        list.add_entry(t);
                    }
                    out.technique = list.finish();
                    out
                }
            })
            .collect()
    }
}

fn as_entry(raw: &RawRef) -> TechniqueEntry {
    let r = raw.to_ref();
    TechniqueEntry {
        id: r.id,
        name: r.name,
        reference: r.reference,
        subtechnique: Vec::new(),
    }
}

fn missing(line: usize, key: &str, want: &str) -> Note {
    Note::new(
        Some(line),
        Severity::Error,
        FindingKind::MissingField,
        format!("{key} is missing (it should be {want:?})"),
    )
    .fixed_by(format!("add {key}"))
}

/// The fixed blocks in one line: `TA0002 Execution: T1059, T1059.001; …`.
fn summary(entries: &[ThreatEntry]) -> String {
    entries
        .iter()
        .map(|e| {
            let ids: Vec<&str> = e
                .technique
                .iter()
                .flat_map(|t| {
                    std::iter::once(t.id.as_str())
                        .chain(t.subtechnique.iter().map(|s| s.id.as_str()))
                })
                .collect();
            format!("{} {}: {}", e.tactic.id, e.tactic.name, ids.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether the fixed blocks have the written ones' shape (same blocks,
/// techniques and sub-techniques, every field present), so that only
/// strings change.
fn same_shape(entries: &[RawEntry], desired: &[ThreatEntry]) -> bool {
    entries.len() == desired.len()
        && entries.iter().zip(desired).all(|(e, d)| {
            e.complete()
                && e.techniques.len() == d.technique.len()
                && e.techniques
                    .iter()
                    .zip(&d.technique)
                    .all(|(t, dt)| t.subs.len() == dt.subtechnique.len())
        })
}

/// The strings that differ, replaced in place.
fn value_edits(entries: &[RawEntry], desired: &[ThreatEntry]) -> Vec<Edit> {
    let mut pairs: Vec<(&Field, String)> = Vec::new();
    fn refs<'a>(pairs: &mut Vec<(&'a Field, String)>, raw: &'a RawRef, want: [&str; 3]) {
        for (field, value) in raw.fields().into_iter().zip(want) {
            pairs.push((field, value.to_string()));
        }
    }
    for (e, d) in entries.iter().zip(desired) {
        pairs.push((&e.framework, d.framework.clone()));
        if let Some(t) = &e.tactic {
            refs(
                &mut pairs,
                t,
                [&d.tactic.id, &d.tactic.name, &d.tactic.reference],
            );
        }
        for (t, dt) in e.techniques.iter().zip(&d.technique) {
            refs(&mut pairs, &t.reference, [&dt.id, &dt.name, &dt.reference]);
            for (s, ds) in t.subs.iter().zip(&dt.subtechnique) {
                refs(&mut pairs, s, [&ds.id, &ds.name, &ds.reference]);
            }
        }
    }
    let mut edits: Vec<Edit> = pairs
        .into_iter()
        .filter(|(f, w)| f.value.as_deref() != Some(w.as_str()))
        .filter_map(|(f, w)| {
            f.span.clone().map(|range| Edit {
                range,
                text: toml_quote(&w),
            })
        })
        .collect();
    edits.sort_by_key(|e| e.range.start);
    edits
}

/// The region of the blocks rendered anew.
fn rewrite(doc: &Document<&str>, text: &str, desired: &[ThreatEntry]) -> Result<Vec<Edit>, String> {
    let range = region(doc, text)?;
    let blocks = render(desired)?;
    let eol = LineEnding::of(text);
    let body = blocks.trim_end_matches('\n').replace('\n', eol.as_str());
    Ok(vec![Edit { range, text: body }])
}

/// The blocks laid out by the built-in template.
pub fn render(entries: &[ThreatEntry]) -> Result<String, String> {
    let templates =
        Templates::new(&TemplateOptions::default(), TEMPLATE).map_err(|e| e.to_string())?;
    let context = TemplateValue::from(Serde(serde_json::json!({ "threat": entries })));
    templates
        .render(TEMPLATE, &context)
        .map_err(|e| e.to_string())
}

/// Parses the fixed text and compares it with the original: equal outside
/// `rule.threat`, and `rule.threat` exactly the planned blocks.
fn verify(old_text: &str, new_text: &str, desired: &[ThreatEntry]) -> Result<(), String> {
    let old =
        Document::parse(old_text).map_err(|e| format!("the original does not parse ({e})"))?;
    let new = Document::parse(new_text)
        .map_err(|e| format!("the fixed text is not valid TOML ({})", e.message()))?;
    let lines = LineIndex::new(new_text);
    let old_threat = read_threat(&old, &LineIndex::new(old_text)).unwrap_or_default();
    let new_threat = read_threat(&new, &lines).unwrap_or_default();
    let got: Vec<ThreatEntry> = new_threat.entries.iter().map(RawEntry::to_entry).collect();
    if got != desired {
        return Err("rule.threat is not the planned blocks".to_string());
    }
    if old_threat.foreign != new_threat.foreign {
        return Err("a field of rule.threat that attackmap does not edit changed".to_string());
    }
    if without_threat(&old) != without_threat(&new) {
        return Err("the rule changed outside rule.threat".to_string());
    }
    Ok(())
}

/// The document as plain JSON, without `rule.threat`.
fn without_threat(doc: &Document<&str>) -> serde_json::Value {
    let mut plain = table_json(doc.as_table());
    if let Some(rule) = plain
        .get_mut("rule")
        .and_then(serde_json::Value::as_object_mut)
    {
        rule.remove("threat");
    }
    plain
}

fn table_json(table: &dyn TableLike) -> serde_json::Value {
    let map = table
        .iter()
        .map(|(k, v)| (k.to_string(), item_json(v)))
        .collect();
    serde_json::Value::Object(map)
}

fn item_json(item: &Item) -> serde_json::Value {
    use serde_json::Value as J;
    match item {
        Item::None => J::Null,
        Item::Table(t) => table_json(t),
        Item::ArrayOfTables(a) => J::Array(a.iter().map(|t| table_json(t)).collect()),
        Item::Value(v) => value_json(v),
    }
}

fn value_json(value: &toml_edit::Value) -> serde_json::Value {
    use serde_json::Value as J;
    use toml_edit::Value as V;
    match value {
        V::String(s) => J::String(s.value().clone()),
        V::Integer(i) => J::from(*i.value()),
        V::Float(f) => J::String(format!("float:{}", f.value())),
        V::Boolean(b) => J::Bool(*b.value()),
        V::Datetime(d) => J::String(format!("datetime:{}", d.value())),
        V::Array(a) => J::Array(a.iter().map(value_json).collect()),
        V::InlineTable(t) => table_json(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings() {
        assert!(has_comments("# x\nid = \"T1\"\n"));
        assert!(has_comments("id = \"T1\" # x\n"));
        assert!(!has_comments("name = \"C# tools\"\n"));
    }
}
