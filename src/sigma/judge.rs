//! Judging a rule's tags against the loaded ATT&CK release, and planning
//! the unambiguous changes.
//!
//! Everything comes from the data: the tactics of the domains the rule's
//! techniques belong to (`x_mitre_shortname`s of that release), the
//! technique → tactic membership, revoked-by chains and deprecation flags.
//! Nothing about ATT&CK is hard-coded, so the same rule is judged
//! differently against v18 (where `defense-evasion` exists) and v19 (where
//! TA0005 is `stealth`).

use std::collections::{HashMap, HashSet};

use crate::model::{Model, ModelIndex, ObjectInfo, ObjectKind, Tactic, Technique};
use crate::query::edit_distance;

use super::finding::{FindingKind, Fix, Severity};
use super::tags::{self, AttackRef, AttackTag, SyntaxIssue, Tag};

/// Longest revoked-by chain followed for groups, software and the like.
const MAX_CHAIN: usize = 16;

/// The loaded release, indexed for judging tags.
#[derive(Debug)]
pub struct Judge<'m> {
    model: &'m Model,
    index: ModelIndex,
    release: String,
    tactic_order: HashMap<&'m str, usize>,
}

use crate::rulefiles::yaml_list::ListPlan;
pub use crate::rulefiles::yaml_list::{Action, Insert};

/// A finding about one tag (or the rule's tags as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFinding {
    /// Index of the tag it is about.
    pub item: usize,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: FindingKind,
    /// What is wrong.
    pub message: String,
    /// The fix, when there is an unambiguous one.
    pub fix: Option<Fix>,
}

/// The judgement of a rule's tags: findings, and the changes that fix what
/// can be fixed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Findings, in tag order.
    pub findings: Vec<TagFinding>,
    /// One action per tag.
    pub actions: Vec<Action>,
    /// Tags to add (tactics of techniques tagged without any), in matrix
    /// order.
    pub additions: Vec<String>,
    /// Where the additions go.
    pub insert: Option<Insert>,
}

impl Plan {
    /// The changes of the tag list.
    pub fn list(&self) -> ListPlan<'_> {
        ListPlan {
            actions: &self.actions,
            additions: &self.additions,
            insert: self.insert,
        }
    }

    /// Whether applying the plan changes anything.
    pub fn changes(&self) -> bool {
        self.list().changes()
    }

    /// The tag list after the plan is applied to `tags`.
    pub fn apply(&self, tags: &[String]) -> Vec<String> {
        self.list().apply(tags)
    }
}

/// What the tag of one item resolves to, after the first pass.
#[derive(Debug, Clone, Default)]
struct Item {
    /// Canonical tag it should be (None: no correct form is known).
    target: Option<String>,
    /// A live technique it names (after following revocations).
    technique: Option<String>,
    /// The tactic shortname it names, when it is a valid tactic tag.
    tactic: Option<String>,
    /// A tactic tag that is not a tactic of this release.
    bad_tactic: bool,
    /// Its finding, if any.
    finding: Option<TagFinding>,
    /// Whether it is in the attack namespace.
    attack: bool,
}

impl<'m> Judge<'m> {
    /// Indexes `model` for judging.
    pub fn new(model: &'m Model) -> Self {
        let release = match &model.source.attack_version {
            Some(v) => format!("ATT&CK {v}"),
            None => "the loaded ATT&CK data".to_string(),
        };
        let mut tactic_order = HashMap::new();
        for (i, t) in model.tactics.iter().enumerate() {
            tactic_order.entry(t.shortname.as_str()).or_insert(i);
        }
        Judge {
            model,
            index: ModelIndex::new(model),
            release,
            tactic_order,
        }
    }

    /// `ATT&CK 18.1`, or a phrase for data without a release.
    pub fn release(&self) -> &str {
        &self.release
    }

    /// The model judged against.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The live technique a technique ID stands for: itself if live, its
    /// replacement if revoked and replaced; `None` otherwise. What
    /// `sigma coverage` counts a technique tag under.
    pub fn live_technique(&self, id: &str) -> Option<&'m Technique> {
        let technique = self.model.technique(id)?;
        if technique.is_live() {
            return Some(technique);
        }
        if technique.revoked {
            return technique
                .replaced_by
                .as_deref()
                .and_then(|r| self.model.technique(r))
                .filter(|t| t.is_live());
        }
        None
    }

    /// Judges the tags of one rule, in order.
    pub fn judge(&self, tags: &[String]) -> Plan {
        let mut items: Vec<Item> = tags
            .iter()
            .enumerate()
            .map(|(i, raw)| self.first_pass(i, raw))
            .collect();
        let tactics = self.rule_tactics(&items);
        for (i, raw) in tags.iter().enumerate() {
            if let Tag::Attack(tag) = tags::parse(raw) {
                if matches!(tag.target, AttackRef::Tactic(_) | AttackRef::TacticId(_)) {
                    items[i] = self.tactic_item(i, raw, &tag, &tactics);
                }
            }
        }
        let mut plan = Plan {
            actions: vec![Action::Keep; tags.len()],
            ..Plan::default()
        };
        for (i, item) in items.iter().enumerate() {
            if let Some(Fix::Replace(new)) = item.finding.as_ref().and_then(|f| f.fix.clone()) {
                plan.actions[i] = Action::Replace(new);
            }
        }
        self.remove_duplicates(tags, &mut items, &mut plan);
        self.tactic_coverage(tags, &items, &mut plan);
        let mut findings: Vec<TagFinding> = items.into_iter().filter_map(|i| i.finding).collect();
        findings.append(&mut plan.findings);
        findings.sort_by_key(|f| f.item);
        plan.findings = findings;
        plan
    }

    /// Everything but tactics, which need to know the rule's domains.
    fn first_pass(&self, i: usize, raw: &str) -> Item {
        match tags::parse(raw) {
            Tag::Other => Item::default(),
            Tag::Invalid(_) => Item {
                attack: true,
                finding: Some(finding(
                    i,
                    Severity::Error,
                    FindingKind::InvalidTag,
                    format!(
                        "{raw}: not an ATT&CK tag (expected attack.t####, attack.t####.###, a tactic \
                         shortname such as attack.execution, or attack.g####, attack.s####, \
                         attack.m####, attack.ds####){}",
                        inner_invisible(raw)
                    ),
                    None,
                )),
                ..Item::default()
            },
            Tag::Lookalike(tag) => lookalike_item(i, raw, &tag),
            Tag::Attack(tag) => match &tag.target {
                AttackRef::Tactic(_) | AttackRef::TacticId(_) => Item {
                    attack: true,
                    ..Item::default()
                },
                AttackRef::Technique(id) => self.technique_item(i, raw, &tag, id),
                AttackRef::DataSource(_) | AttackRef::Asset(_) => self.unchecked_item(i, raw, &tag),
                other => self.object_item(i, raw, &tag, other),
            },
        }
    }

    fn technique_item(&self, i: usize, raw: &str, tag: &AttackTag, id: &str) -> Item {
        let mut item = Item {
            attack: true,
            ..Item::default()
        };
        let Some(technique) = self.model.technique(id) else {
            let suggestion = self.closest_technique(id);
            item.finding = Some(unknown(i, raw, "technique", id, &self.release, suggestion));
            return item;
        };
        let what = format!(
            "{raw}: technique {} ({})",
            technique.technique_id, technique.full_name
        );
        if technique.revoked {
            let live = technique
                .replaced_by
                .as_deref()
                .and_then(|r| self.model.technique(r));
            item.technique = live.map(|t| t.technique_id.clone());
            let (target, found) = self.revoked(
                i,
                &what,
                live.map(|t| (t.technique_id.as_str(), t.full_name.as_str())),
            );
            item.target = target;
            item.finding = Some(found);
            return item;
        }
        if technique.deprecated {
            item.target = Some(lower_tag(&technique.technique_id));
            item.finding = Some(self.deprecated(i, &what));
            return item;
        }
        item.technique = Some(technique.technique_id.clone());
        item.target = Some(lower_tag(&technique.technique_id));
        item.finding = spelling(i, raw, tag, item.target.as_deref());
        item
    }

    fn unchecked_item(&self, i: usize, raw: &str, tag: &AttackTag) -> Item {
        let target = tag.target.tag();
        let finding = spelling(i, raw, tag, target.as_deref()).or_else(|| {
            Some(finding(
                i,
                Severity::Info,
                FindingKind::NotChecked,
                format!(
                    "{raw}: {} tags are accepted without checking ({})",
                    tag.target.kind(),
                    unchecked_reason(&tag.target)
                ),
                None,
            ))
        });
        Item {
            attack: true,
            target,
            finding,
            ..Item::default()
        }
    }

    /// Groups, software, mitigations, campaigns.
    fn object_item(&self, i: usize, raw: &str, tag: &AttackTag, target: &AttackRef) -> Item {
        let mut item = Item {
            attack: true,
            ..Item::default()
        };
        let (kind, name) = match target {
            AttackRef::Group(_) => (ObjectKind::Group, "group"),
            AttackRef::Software(_) => (ObjectKind::Software, "software"),
            AttackRef::Mitigation(_) => (ObjectKind::Mitigation, "mitigation"),
            _ => (ObjectKind::Campaign, "campaign"),
        };
        let id = target.id();
        let Some(info) = self.object(kind, id) else {
            let suggestion = self.closest_object(kind, id);
            item.finding = Some(unknown(i, raw, name, id, &self.release, suggestion));
            return item;
        };
        let what = format!("{raw}: {name} {} ({})", info.id, info.name);
        if info.revoked {
            let live = self.object_replacement(kind, info);
            let (target, found) =
                self.revoked(i, &what, live.map(|o| (o.id.as_str(), o.name.as_str())));
            item.target = target;
            item.finding = Some(found);
            return item;
        }
        item.target = Some(lower_tag(&info.id));
        if info.deprecated {
            item.finding = Some(self.deprecated(i, &what));
            return item;
        }
        item.finding = spelling(i, raw, tag, item.target.as_deref());
        item
    }

    /// The finding for a revoked object, and its replacement's tag.
    fn revoked(
        &self,
        i: usize,
        what: &str,
        live: Option<(&str, &str)>,
    ) -> (Option<String>, TagFinding) {
        let release = &self.release;
        match live {
            Some((id, name)) => {
                let new = lower_tag(id);
                let message = format!("{what} is revoked in {release}; replaced by {id} ({name})");
                let found = finding(
                    i,
                    Severity::Error,
                    FindingKind::Revoked,
                    message,
                    Some(Fix::Replace(new.clone())),
                );
                (Some(new), found)
            }
            None => {
                let message = format!(
                    "{what} is revoked in {release} and its revoked-by chain ends on no live object; retag by hand"
                );
                let found = finding(i, Severity::Error, FindingKind::Revoked, message, None);
                (None, found)
            }
        }
    }

    fn deprecated(&self, i: usize, what: &str) -> TagFinding {
        let message = format!(
            "{what} is deprecated in {} and has no replacement; retag by hand",
            self.release
        );
        finding(i, Severity::Warning, FindingKind::Deprecated, message, None)
    }

    fn object(&self, kind: ObjectKind, id: &str) -> Option<&'m ObjectInfo> {
        let i = self.index.get(kind, id)?;
        Some(match kind {
            ObjectKind::Group => &self.model.groups[i].info,
            ObjectKind::Software => &self.model.software[i].info,
            ObjectKind::Mitigation => &self.model.mitigations[i].info,
            ObjectKind::Campaign => &self.model.campaigns[i].info,
            _ => return None,
        })
    }

    /// The live end of an object's revoked-by chain.
    fn object_replacement(&self, kind: ObjectKind, info: &ObjectInfo) -> Option<&'m ObjectInfo> {
        let mut current = self.object(kind, &info.id)?;
        for _ in 0..MAX_CHAIN {
            let next = self.object(kind, current.revoked_by.as_deref()?)?;
            if !next.revoked && !next.deprecated {
                return Some(next);
            }
            current = next;
        }
        None
    }

    /// The domains of the rule's techniques, or every loaded domain when it
    /// has none, and their tactics.
    fn rule_tactics(&self, items: &[Item]) -> Vec<&'m Tactic> {
        let domains: HashSet<&str> = items
            .iter()
            .filter_map(|i| i.technique.as_deref())
            .filter_map(|id| self.model.technique(id))
            .flat_map(|t| t.domains.iter().map(String::as_str))
            .collect();
        self.model
            .tactics
            .iter()
            .filter(|t| domains.is_empty() || domains.contains(t.domain.as_str()))
            .collect()
    }

    fn tactic_item(&self, i: usize, raw: &str, tag: &AttackTag, tactics: &[&'m Tactic]) -> Item {
        let found = match &tag.target {
            AttackRef::TacticId(id) => tactics.iter().find(|t| t.id == *id),
            AttackRef::Tactic(name) => tactics
                .iter()
                .find(|t| t.shortname == *name)
                .or_else(|| tactics.iter().find(|t| display_key(&t.name) == *name)),
            _ => None,
        };
        let mut item = Item {
            attack: true,
            ..Item::default()
        };
        let Some(tactic) = found else {
            item.bad_tactic = true;
            item.finding = Some(self.unknown_tactic(i, raw, tag, tactics));
            return item;
        };
        let target = format!("{}.{}", tags::ATTACK_NAMESPACE, tactic.shortname);
        let mut tag = tag.clone();
        if matches!(&tag.target, AttackRef::Tactic(n) if *n != tactic.shortname) {
            tag.issues.push(SyntaxIssue::TacticName);
        }
        item.finding = spelling(i, raw, &tag, Some(&target));
        item.tactic = Some(tactic.shortname.clone());
        item.target = Some(target);
        item
    }

    fn unknown_tactic(
        &self,
        i: usize,
        raw: &str,
        tag: &AttackTag,
        tactics: &[&Tactic],
    ) -> TagFinding {
        let name = tag.target.id();
        let domains: Vec<&str> = {
            let mut d: Vec<&str> = tactics.iter().map(|t| t.domain.as_str()).collect();
            d.dedup();
            d
        };
        let elsewhere = self
            .model
            .tactics
            .iter()
            .find(|t| t.shortname == name && !domains.contains(&t.domain.as_str()));
        let closest = tactics
            .iter()
            .map(|t| (edit_distance(name, &t.shortname), t.shortname.as_str()))
            .filter(|(d, _)| *d <= 3)
            .min();
        let mut message = format!(
            "{raw}: '{name}' is not a tactic of {} in {}",
            domains.join(", "),
            self.release
        );
        if let Some(other) = elsewhere {
            message.push_str(&format!(" (it is a tactic of {})", other.domain));
        }
        match closest {
            Some((_, s)) => message.push_str(&format!("; did you mean attack.{s}?")),
            None => {
                let names: Vec<&str> = tactics.iter().map(|t| t.shortname.as_str()).collect();
                message.push_str(&format!("; its tactics are: {}", names.join(", ")));
            }
        }
        finding(
            i,
            Severity::Error,
            FindingKind::UnknownTactic,
            message,
            None,
        )
    }

    /// Several tags that end up the same: keep one, remove the others. The
    /// one kept is the first already written correctly, else the first.
    fn remove_duplicates(&self, tags: &[String], items: &mut [Item], plan: &mut Plan) {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if !item.attack {
                continue;
            }
            let key = item
                .target
                .clone()
                .unwrap_or_else(|| tags[i].trim().to_ascii_lowercase());
            groups.entry(key).or_default().push(i);
        }
        let mut groups: Vec<(String, Vec<usize>)> =
            groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
        groups.sort_by_key(|(_, v)| v[0]);
        for (key, members) in groups {
            let keep = members
                .iter()
                .copied()
                .find(|&i| tags[i] == key)
                .unwrap_or(members[0]);
            for &i in members.iter().filter(|&&i| i != keep) {
                plan.actions[i] = Action::Remove;
                let note = format!("{}: duplicate tag; {key} is already tagged", tags[i]);
                match items[i].finding.as_mut() {
                    Some(f) => {
                        f.message.push_str(&format!("; {key} is already tagged"));
                        f.fix = Some(Fix::Remove);
                    }
                    None => {
                        items[i].finding = Some(finding(
                            i,
                            Severity::Warning,
                            FindingKind::Duplicate,
                            note,
                            Some(Fix::Remove),
                        ));
                    }
                }
            }
        }
    }

    /// Techniques tagged without any of their tactics, and tactics none of
    /// the techniques belongs to.
    fn tactic_coverage(&self, tags: &[String], items: &[Item], plan: &mut Plan) {
        let kept_items: Vec<bool> = plan.actions.iter().map(|a| *a != Action::Remove).collect();
        let kept = |i: usize| kept_items[i];
        let tagged: HashSet<&str> = items
            .iter()
            .enumerate()
            .filter(|(i, _)| kept(*i))
            .filter_map(|(_, it)| it.tactic.as_deref())
            .collect();
        let techniques: Vec<(usize, &Technique)> = items
            .iter()
            .enumerate()
            .filter(|(i, _)| kept(*i))
            .filter_map(|(i, it)| Some((i, self.model.technique(it.technique.as_deref()?)?)))
            .collect();
        let bad_tactic = items
            .iter()
            .enumerate()
            .find(|(_, it)| it.bad_tactic)
            .map(|(i, _)| tags[i].trim().to_string());
        let mut additions: Vec<&str> = Vec::new();
        let mut seen_techniques = HashSet::new();
        for &(i, technique) in &techniques {
            if technique.tactics.is_empty()
                || !seen_techniques.insert(technique.technique_id.as_str())
                || technique
                    .tactics
                    .iter()
                    .any(|t| tagged.contains(t.shortname.as_str()))
            {
                continue;
            }
            let wanted: Vec<String> = technique
                .tactics
                .iter()
                .map(|t| format!("{}.{}", tags::ATTACK_NAMESPACE, t.shortname))
                .collect();
            let mut message = format!(
                "{}: none of the tactics of {} ({}) is tagged",
                tags[i].trim(),
                technique.technique_id,
                technique.full_name
            );
            let fix = match &bad_tactic {
                Some(bad) => {
                    message.push_str(&format!(
                        "; its tactics are {}; not added while the rule has {bad}, which is not a tactic of {} (fix that first)",
                        wanted.join(", "),
                        self.release
                    ));
                    None
                }
                None => {
                    additions.extend(technique.tactics.iter().map(|t| t.shortname.as_str()));
                    Some(Fix::Add(wanted))
                }
            };
            plan.findings.push(finding(
                i,
                Severity::Warning,
                FindingKind::MissingTactic,
                message,
                fix,
            ));
        }
        self.plan_additions(additions, items, plan);
        if techniques.is_empty() {
            return;
        }
        for (i, item) in items.iter().enumerate().filter(|(i, _)| kept(*i)) {
            let Some(tactic) = item.tactic.as_deref() else {
                continue;
            };
            if techniques
                .iter()
                .any(|(_, t)| t.tactics.iter().any(|x| x.shortname == tactic))
            {
                continue;
            }
            plan.findings.push(finding(
                i,
                Severity::Warning,
                FindingKind::UnrelatedTactic,
                format!(
                    "{}: none of the rule's techniques belongs to tactic {tactic} in {}",
                    tags[i].trim(),
                    self.release
                ),
                None,
            ));
        }
    }

    /// Orders the tactics to add in matrix order and picks where they go:
    /// after the last tactic tag kept, else before the first ATT&CK tag.
    fn plan_additions(&self, mut additions: Vec<&str>, items: &[Item], plan: &mut Plan) {
        if additions.is_empty() {
            return;
        }
        additions.sort_by_key(|s| self.tactic_order.get(s).copied().unwrap_or(usize::MAX));
        additions.dedup();
        let kept = |i: &usize| plan.actions[*i] != Action::Remove;
        let last_tactic = (0..items.len())
            .rev()
            .filter(kept)
            .find(|&i| items[i].tactic.is_some());
        let first_attack = (0..items.len()).filter(kept).find(|&i| items[i].attack);
        plan.insert = match (last_tactic, first_attack) {
            (Some(i), _) => Some(Insert::After(i)),
            (None, Some(i)) => Some(Insert::Before(i)),
            (None, None) => None,
        };
        if plan.insert.is_some() {
            plan.additions = additions
                .into_iter()
                .map(|s| format!("{}.{s}", tags::ATTACK_NAMESPACE))
                .collect();
        }
    }

    fn closest_technique(&self, id: &str) -> Option<String> {
        closest(
            id,
            self.model
                .live_techniques()
                .map(|t| (t.technique_id.as_str(), t.name.as_str())),
        )
    }

    fn closest_object(&self, kind: ObjectKind, id: &str) -> Option<String> {
        let infos: Box<dyn Iterator<Item = &ObjectInfo>> = match kind {
            ObjectKind::Group => Box::new(self.model.groups.iter().map(|g| &g.info)),
            ObjectKind::Software => Box::new(self.model.software.iter().map(|s| &s.info)),
            ObjectKind::Mitigation => Box::new(self.model.mitigations.iter().map(|m| &m.info)),
            _ => Box::new(self.model.campaigns.iter().map(|c| &c.info)),
        };
        closest(
            id,
            infos
                .filter(|i| !i.revoked && !i.deprecated)
                .map(|i| (i.id.as_str(), i.name.as_str())),
        )
    }
}

/// The closest live ID within two edits, as `attack.x (Name)`.
fn closest<'a>(id: &str, candidates: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
    candidates
        .map(|(c, name)| (edit_distance(id, c), c, name))
        .filter(|(d, _, _)| *d <= 2)
        .min()
        .map(|(_, c, name)| format!("{} ({name})", lower_tag(c)))
}

/// `attack.` and the lower-cased ID.
fn lower_tag(id: &str) -> String {
    format!("{}.{}", tags::ATTACK_NAMESPACE, id.to_ascii_lowercase())
}

/// A tactic display name as a tag name: `Command and Control` →
/// `command-and-control`.
fn display_key(name: &str) -> String {
    name.to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

fn finding(
    item: usize,
    severity: Severity,
    kind: FindingKind,
    message: String,
    fix: Option<Fix>,
) -> TagFinding {
    TagFinding {
        item,
        severity,
        kind,
        message,
        fix,
    }
}

fn unknown(
    i: usize,
    raw: &str,
    kind: &str,
    id: &str,
    release: &str,
    suggestion: Option<String>,
) -> TagFinding {
    let hint = suggestion
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default();
    finding(
        i,
        Severity::Error,
        FindingKind::UnknownId,
        format!("{raw}: there is no {kind} {id} in {release}{hint}"),
        None,
    )
}

/// What to say about invisible characters inside a tag (those at either
/// end are stripped by the fix), if it has any.
fn inner_invisible(raw: &str) -> &'static str {
    let invisible = crate::rulefiles::invisible::is_invisible;
    let inner = raw.trim_matches(|c: char| c == ' ' || invisible(c));
    if inner.chars().any(|c| c != ' ' && invisible(c)) {
        "; it holds an invisible character inside, which attackmap does not remove (fix by hand)"
    } else {
        ""
    }
}

/// A tag that reads as an ATT&CK tag only with characters of another
/// script taken for the ASCII they look like: an error, never fixed (a
/// lookalike is a guess).
fn lookalike_item(i: usize, raw: &str, tag: &AttackTag) -> Item {
    let reads_as = tag
        .target
        .tag()
        .unwrap_or_else(|| format!("attack.{}", tag.target.id().to_ascii_lowercase()));
    let odd: Vec<String> = raw
        .chars()
        .filter(|c| !c.is_ascii() && !crate::rulefiles::invisible::is_invisible(*c))
        .map(|c| format!("{c} (U+{:04X})", c as u32))
        .collect();
    Item {
        attack: true,
        finding: Some(finding(
            i,
            Severity::Error,
            FindingKind::Malformed,
            format!(
                "{raw}: {} ({}); it looks like {reads_as} but is not that tag, and a lookalike is a guess: not fixed automatically, fix by hand",
                SyntaxIssue::Lookalike,
                odd.join(", ")
            ),
            None,
        )),
        ..Item::default()
    }
}

/// The finding for a tag whose spelling differs from `target`.
fn spelling(i: usize, raw: &str, tag: &AttackTag, target: Option<&str>) -> Option<TagFinding> {
    let target = target?;
    if raw == target {
        return None;
    }
    let kind = if tag.issues == [SyntaxIssue::Underscore] {
        FindingKind::UnderscoreTactic
    } else {
        FindingKind::Malformed
    };
    let mut words: Vec<String> = tag.issues.iter().map(ToString::to_string).collect();
    if words.is_empty() {
        words.push("not the canonical spelling".to_string());
    }
    Some(finding(
        i,
        Severity::Warning,
        kind,
        format!("{raw}: {}; the tag is {target}", words.join(", ")),
        Some(Fix::Replace(target.to_string())),
    ))
}

/// Why a data-source or asset tag is not checked.
fn unchecked_reason(target: &AttackRef) -> &'static str {
    match target {
        AttackRef::Asset(_) => "tags are not yet checked against the model's ICS assets",
        _ => "attackmap's model holds no data sources",
    }
}
