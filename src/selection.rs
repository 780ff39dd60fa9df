//! Which techniques an export (or any other command) covers: the
//! **selection**.
//!
//! A selection is built from [`Criteria`] — technique IDs, groups, software,
//! campaigns, mitigations, tactics, platforms, domains and "gaps" — and
//! resolved against a model by [`Selection::resolve`]:
//!
//! - values of **one kind are a union**: `--group G0016 --group G0007` selects
//!   every technique used by either group;
//! - **different kinds are intersected**: `--group G0016 --tactic execution`
//!   selects the execution techniques of G0016;
//! - with no technique, group, software, campaign or mitigation named, the
//!   starting set is every technique of the model;
//! - revoked and deprecated techniques are left out unless
//!   `include_revoked` / `include_deprecated` is set.
//!
//! A `@FILE` list that names nothing (an empty file, or only blank lines
//! and comments) selects **no** technique rather than every one: the
//! selection is empty, with a warning naming the file.
//!
//! Every ID named must exist: an unknown ID is an [`Error::UnknownId`] with
//! a close match as suggestion, a revoked one an error naming its
//! replacement. A selection that matches nothing is valid (an empty export)
//! and carries a warning.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::*;
use crate::query::{self, Resolved, domain_matches};

/// A technique ID as the user gave it, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechniqueArg {
    /// The ID (`T1059.001`).
    pub id: String,
    /// `file:line` when the ID was read from a file, else `None`.
    pub from: Option<String>,
}

/// What to select, as given on the command line. All lists may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// Technique IDs. An ID named several times counts several times for
    /// scores that count how often a technique was named.
    pub techniques: Vec<TechniqueArg>,
    /// Group IDs, names or aliases: the techniques they use, directly or
    /// through attributed campaigns.
    pub groups: Vec<String>,
    /// Software IDs, names or aliases: the techniques they use.
    pub software: Vec<String>,
    /// Campaign IDs, names or aliases: the techniques they use.
    pub campaigns: Vec<String>,
    /// Mitigation IDs or names: the techniques they mitigate.
    pub mitigations: Vec<String>,
    /// Tactics (ID, shortname or name): techniques of any of them. Also limits
    /// per-tactic outputs (Navigator cells) to these tactics.
    pub tactics: Vec<String>,
    /// Platforms as the data names them (case-insensitive): techniques on any
    /// of them.
    pub platforms: Vec<String>,
    /// Domains (`enterprise-attack` or `enterprise`, …).
    pub domains: Vec<String>,
    /// Only techniques with no mitigations.
    pub gaps: bool,
    /// Keep revoked techniques (and accept revoked IDs).
    pub include_revoked: bool,
    /// Keep deprecated techniques (and accept deprecated IDs).
    pub include_deprecated: bool,
    /// `@FILE` lists that were given but name nothing. Each restricts the
    /// selection to nothing: a list that was given and is empty never means
    /// "everything".
    pub empty_lists: Vec<EmptyList>,
}

/// A `@FILE` list that was given but names nothing: an empty file, or one
/// with only blank lines and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyList {
    /// The kind of object the list was for (`technique`, `group`,
    /// `software`, `campaign`, `mitigation`).
    pub kind: ObjectKind,
    /// The file as given after `@` (`-` for stdin).
    pub file: String,
}

impl EmptyList {
    /// The list in command-line form: `--technique @rules.txt`.
    pub fn argument(&self) -> String {
        format!("--{} @{}", self.kind.as_str(), self.file)
    }

    /// The file for messages: `<stdin>` for `-`.
    pub fn label(&self) -> &str {
        if self.file == "-" {
            "<stdin>"
        } else {
            &self.file
        }
    }
}

impl Criteria {
    /// Adds technique IDs from one command-line value: an ID, several IDs
    /// separated by commas, or `@FILE` (`@-` for stdin) with IDs one per line
    /// (`#` starts a comment; commas and blanks also separate IDs). A file
    /// that names no ID is recorded in [`Criteria::empty_lists`].
    pub fn add_technique_arg(&mut self, value: &str) -> Result<()> {
        match value.strip_prefix('@') {
            Some(path) => {
                let (label, text) = read_list(path, "technique")?;
                let ids = parse_technique_list(&label, &text);
                if ids.is_empty() {
                    self.empty_lists.push(EmptyList {
                        kind: ObjectKind::Technique,
                        file: path.to_string(),
                    });
                }
                self.techniques.extend(ids);
            }
            None => self
                .techniques
                .extend(split_ids(value).map(|id| TechniqueArg {
                    id: id.to_string(),
                    from: None,
                })),
        }
        Ok(())
    }

    /// Adds values of `--group`, `--software`, `--campaign` or
    /// `--mitigation` (`kind`) to the list of that kind: a value is an ID,
    /// name or alias, or `@FILE` (`@-` for stdin) naming one object per line
    /// (`#` starts a comment, blank lines are ignored; names may contain
    /// spaces and commas). A file that names nothing is recorded in
    /// [`Criteria::empty_lists`]. Any other kind is an internal error.
    pub fn add_object_args(&mut self, kind: ObjectKind, values: &[String]) -> Result<()> {
        let mut names = Vec::with_capacity(values.len());
        for value in values {
            match value.strip_prefix('@') {
                Some(path) => {
                    let (_, text) = read_list(path, kind.as_str())?;
                    let before = names.len();
                    names.extend(parse_object_list(&text));
                    if names.len() == before {
                        self.empty_lists.push(EmptyList {
                            kind,
                            file: path.to_string(),
                        });
                    }
                }
                None => names.push(value.clone()),
            }
        }
        let list = match kind {
            ObjectKind::Group => &mut self.groups,
            ObjectKind::Software => &mut self.software,
            ObjectKind::Campaign => &mut self.campaigns,
            ObjectKind::Mitigation => &mut self.mitigations,
            other => {
                return Err(Error::Internal(format!(
                    "{} lists are not object lists of a selection",
                    other.as_str()
                )));
            }
        };
        list.extend(names);
        Ok(())
    }

    /// Whether an empty `@FILE` list was given for `kind`.
    pub fn has_empty_list(&self, kind: ObjectKind) -> bool {
        self.empty_lists.iter().any(|l| l.kind == kind)
    }

    /// The empty lists given for a kind that has no other value: each makes
    /// the selection empty. (`-t @empty.txt -t T1059` is T1059: the values
    /// of one kind are a union, and the empty list adds nothing to it.)
    pub fn lists_naming_nothing(&self) -> impl Iterator<Item = &EmptyList> {
        self.empty_lists
            .iter()
            .filter(|l| self.values_of(l.kind) == 0)
    }

    /// Whether an empty list leaves `kind` with no value (see
    /// [`Criteria::lists_naming_nothing`]).
    pub fn names_nothing_of(&self, kind: ObjectKind) -> bool {
        self.lists_naming_nothing().any(|l| l.kind == kind)
    }

    /// How many values of `kind` the criteria name.
    fn values_of(&self, kind: ObjectKind) -> usize {
        match kind {
            ObjectKind::Technique => self.techniques.len(),
            ObjectKind::Group => self.groups.len(),
            ObjectKind::Software => self.software.len(),
            ObjectKind::Campaign => self.campaigns.len(),
            ObjectKind::Mitigation => self.mitigations.len(),
            ObjectKind::Tactic => self.tactics.len(),
            ObjectKind::Detection | ObjectKind::Asset => 0,
        }
    }

    /// Whether techniques were named with `--technique`, including by a
    /// `@FILE` list that turned out empty.
    pub fn names_techniques(&self) -> bool {
        !self.techniques.is_empty() || self.has_empty_list(ObjectKind::Technique)
    }

    /// Whether any object (technique, group, software, campaign, mitigation)
    /// is named, or a list of them was given (even an empty one); without
    /// one the starting set is the whole model.
    pub fn names_objects(&self) -> bool {
        !(self.empty_lists.is_empty()
            && self.techniques.is_empty()
            && self.groups.is_empty()
            && self.software.is_empty()
            && self.campaigns.is_empty()
            && self.mitigations.is_empty())
    }

    /// The criteria in command-line form (`--group G0016 --tactic execution`);
    /// empty when nothing is restricted.
    pub fn arguments(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |flag: &str, values: &mut dyn Iterator<Item = &str>| {
            for v in values {
                if v.is_empty() || v.contains(char::is_whitespace) {
                    parts.push(format!("--{flag} {v:?}"));
                } else {
                    parts.push(format!("--{flag} {v}"));
                }
            }
        };
        push(
            "technique",
            &mut self.techniques.iter().map(|t| t.id.as_str()),
        );
        push("group", &mut self.groups.iter().map(String::as_str));
        push("software", &mut self.software.iter().map(String::as_str));
        push("campaign", &mut self.campaigns.iter().map(String::as_str));
        push(
            "mitigation",
            &mut self.mitigations.iter().map(String::as_str),
        );
        push("tactic", &mut self.tactics.iter().map(String::as_str));
        push("platform", &mut self.platforms.iter().map(String::as_str));
        push("domain", &mut self.domains.iter().map(String::as_str));
        parts.extend(self.empty_lists.iter().map(EmptyList::argument));
        if self.gaps {
            parts.push("--gaps".to_string());
        }
        if self.include_revoked {
            parts.push("--include-revoked".to_string());
        }
        if self.include_deprecated {
            parts.push("--include-deprecated".to_string());
        }
        parts.join(" ")
    }
}

fn read_list(path: &str, flag: &str) -> Result<(String, String)> {
    if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
            Error::Read {
                path: "<stdin>".into(),
                source,
            }
        })?;
        return Ok(("<stdin>".to_string(), text));
    }
    if path.is_empty() {
        return Err(Error::Invalid(format!(
            "--{flag} @FILE: the file name is missing"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })?;
    Ok((Path::new(path).display().to_string(), text))
}

fn split_ids(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The names of an object list: one per line, `#` comments and blank lines
/// ignored.
fn parse_object_list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(|line| {
            line.split('#')
                .next()
                .unwrap_or_default()
                .trim_start_matches('\u{feff}')
                .trim()
        })
        .filter(|line| !line.is_empty())
        .map(str::to_string)
}

/// Parses a technique list: one ID per line, `#` comments, blank lines
/// ignored; commas and blanks also separate IDs. `label` names the file in
/// each [`TechniqueArg::from`].
pub fn parse_technique_list(label: &str, text: &str) -> Vec<TechniqueArg> {
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        for id in split_ids(content) {
            ids.push(TechniqueArg {
                id: id.trim_start_matches('\u{feff}').to_string(),
                from: Some(format!("{label}:{}", n + 1)),
            });
        }
    }
    ids
}

/// A resolved selection: the techniques, and the objects that were named.
#[derive(Debug, Clone)]
pub struct Selection<'m> {
    /// The criteria it was resolved from.
    pub criteria: Criteria,
    /// The selected techniques, in ATT&CK ID order.
    pub techniques: Vec<&'m Technique>,
    /// The groups named.
    pub groups: Vec<&'m Group>,
    /// The software named.
    pub software: Vec<&'m Software>,
    /// The campaigns named.
    pub campaigns: Vec<&'m Campaign>,
    /// The mitigations named.
    pub mitigations: Vec<&'m Mitigation>,
    /// The tactics named (a shortname shared by several domains gives one
    /// tactic per domain).
    pub tactics: Vec<&'m Tactic>,
    /// The platforms named, spelled as the data spells them.
    pub platforms: Vec<String>,
    /// The domains named.
    pub domains: Vec<&'m Domain>,
    /// Things the user should know (empty selection, revoked techniques
    /// kept, …).
    pub warnings: Vec<String>,
    named: HashMap<&'m str, usize>,
}

impl<'m> Selection<'m> {
    /// Resolves `criteria` against `model`.
    pub fn resolve(model: &'m Model, criteria: &Criteria) -> Result<Selection<'m>> {
        let mut selection = Selection {
            criteria: criteria.clone(),
            techniques: Vec::new(),
            groups: Vec::new(),
            software: Vec::new(),
            campaigns: Vec::new(),
            mitigations: Vec::new(),
            tactics: Vec::new(),
            platforms: Vec::new(),
            domains: Vec::new(),
            warnings: Vec::new(),
            named: HashMap::new(),
        };
        // `None` = not restricted yet; otherwise the IDs still in.
        let mut set: Option<BTreeSet<&'m str>> = None;
        let mut narrow = |ids: BTreeSet<&'m str>| {
            set = Some(match set.take() {
                None => ids,
                Some(current) => current.intersection(&ids).copied().collect(),
            });
        };

        if criteria.lists_naming_nothing().next().is_some() {
            // A list that was given and is empty selects nothing.
            narrow(BTreeSet::new());
        }
        if !criteria.techniques.is_empty() {
            let mut ids = BTreeSet::new();
            for arg in &criteria.techniques {
                let technique = named_technique(model, criteria, arg)?;
                *selection
                    .named
                    .entry(technique.technique_id.as_str())
                    .or_default() += 1;
                ids.insert(technique.technique_id.as_str());
            }
            narrow(ids);
        }
        if !criteria.groups.is_empty() {
            let (found, ids) = resolve_named::<Group>(model, &criteria.groups, criteria)?;
            selection.groups = found;
            narrow(ids);
        }
        if !criteria.software.is_empty() {
            let (found, ids) = resolve_named::<Software>(model, &criteria.software, criteria)?;
            selection.software = found;
            narrow(ids);
        }
        if !criteria.campaigns.is_empty() {
            let (found, ids) = resolve_named::<Campaign>(model, &criteria.campaigns, criteria)?;
            selection.campaigns = found;
            narrow(ids);
        }
        if !criteria.mitigations.is_empty() {
            let (found, ids) = resolve_named::<Mitigation>(model, &criteria.mitigations, criteria)?;
            selection.mitigations = found;
            narrow(ids);
        }
        for query in &criteria.tactics {
            let found: Vec<&Tactic> = model
                .tactics
                .iter()
                .filter(|t| tactic_matches(&tactic_ref(t), query))
                .collect();
            if found.is_empty() {
                return Err(query::unknown_tactic(model, query));
            }
            for t in found {
                if !selection.tactics.iter().any(|x| x.stix_id == t.stix_id) {
                    selection.tactics.push(t);
                }
            }
        }
        for query in &criteria.platforms {
            let platform = query::find_platform(model, query)?;
            if !selection.platforms.contains(&platform) {
                selection.platforms.push(platform);
            }
        }
        for query in &criteria.domains {
            let Some(domain) = model.domains.iter().find(|d| domain_matches(&d.id, query)) else {
                let known: Vec<&str> = model.domains.iter().map(|d| d.id.as_str()).collect();
                return Err(Error::Invalid(format!(
                    "unknown domain '{query}'; the loaded data has: {}",
                    known.join(", ")
                )));
            };
            if !selection.domains.iter().any(|d| d.id == domain.id) {
                selection.domains.push(domain);
            }
        }

        let accepted = |t: &&'m Technique| {
            set.as_ref()
                .is_none_or(|ids| ids.contains(t.technique_id.as_str()))
                && (!t.revoked || criteria.include_revoked)
                && (!t.deprecated || criteria.include_deprecated)
                && (selection.tactics.is_empty()
                    || t.tactics
                        .iter()
                        .any(|r| selection.tactics.iter().any(|x| x.id == r.id)))
                && (selection.platforms.is_empty()
                    || selection.platforms.iter().any(|p| t.has_platform(p)))
                && (selection.domains.is_empty()
                    || selection.domains.iter().any(|d| t.domains.contains(&d.id)))
                && (!criteria.gaps || t.mitigations.is_empty())
        };
        selection.techniques = model.techniques.iter().filter(accepted).collect();

        for t in selection.techniques.iter().filter(|t| t.revoked) {
            let replacement = t
                .replaced_by
                .as_deref()
                .map(|r| format!(" (replaced by {r})"))
                .unwrap_or_default();
            selection.warnings.push(format!(
                "{} {} is revoked{replacement}; it is kept because of --include-revoked",
                t.technique_id, t.name
            ));
        }
        if selection.techniques.is_empty() {
            let what = match criteria.arguments() {
                a if a.is_empty() => "the loaded data has no techniques".to_string(),
                a => format!(
                    "no technique matches the selection {a}{}",
                    empty_note(criteria)
                ),
            };
            selection
                .warnings
                .push(format!("{what}; the output is empty"));
        }
        Ok(selection)
    }

    /// How many times the technique was named with `--technique` (0 when it
    /// came from other criteria).
    pub fn times_named(&self, technique: &Technique) -> usize {
        self.named
            .get(technique.technique_id.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// The tactics of `technique` the selection covers: all of them, or
    /// only the tactics named with `--tactic`.
    pub fn tactics_of<'t>(&self, technique: &'t Technique) -> Vec<&'t TacticRef> {
        technique
            .tactics
            .iter()
            .filter(|r| self.tactics.is_empty() || self.tactics.iter().any(|x| x.id == r.id))
            .collect()
    }

    /// Whether nothing was selected.
    pub fn is_empty(&self) -> bool {
        self.techniques.is_empty()
    }

    /// A short title: `APT29 (G0016)`, `3 groups`, `Cobalt Strike (S0154)`,
    /// `techniques without mitigations`, `all techniques`, …
    pub fn title(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut named = |infos: Vec<&ObjectInfo>, plural: &str| match infos.as_slice() {
            [] => {}
            [one] => parts.push(format!("{} ({})", one.name, one.id)),
            many => parts.push(format!("{} {plural}", many.len())),
        };
        named(self.groups.iter().map(|g| &g.info).collect(), "groups");
        named(self.software.iter().map(|s| &s.info).collect(), "software");
        named(
            self.campaigns.iter().map(|c| &c.info).collect(),
            "campaigns",
        );
        named(
            self.mitigations.iter().map(|m| &m.info).collect(),
            "mitigations",
        );
        match self.criteria.techniques.len() {
            0 => {}
            1 => parts.push(self.criteria.techniques[0].id.clone()),
            _ => parts.push(format!("{} named techniques", self.named.len())),
        }
        for list in self.criteria.lists_naming_nothing() {
            parts.push(format!(
                "empty {} list {}",
                list.kind.as_str(),
                list.label()
            ));
        }
        let mut title = if parts.is_empty() {
            if self.criteria.gaps {
                "Techniques without mitigations".to_string()
            } else {
                "All techniques".to_string()
            }
        } else {
            let mut t = parts.join(" ∩ ");
            if self.criteria.gaps {
                t.push_str(" without mitigations");
            }
            t
        };
        let tactics: BTreeSet<&str> = self.tactics.iter().map(|t| t.name.as_str()).collect();
        if !tactics.is_empty() {
            let _ = write!(
                title,
                " — {}",
                tactics.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        if !self.platforms.is_empty() {
            let _ = write!(title, " on {}", self.platforms.join(", "));
        }
        title
    }

    /// One sentence saying what was selected and how, e.g. "Techniques used
    /// by APT29 (G0016), directly or through its attributed campaigns."
    pub fn description(&self) -> String {
        let mut clauses: Vec<String> = Vec::new();
        if !self.groups.is_empty() {
            let names = list_infos(self.groups.iter().map(|g| &g.info));
            let how = if self.groups.len() == 1 {
                "directly or through its attributed campaigns"
            } else {
                "directly or through attributed campaigns; the union of their techniques"
            };
            clauses.push(format!("used by {names}, {how}"));
        }
        if !self.software.is_empty() {
            let names = list_infos(self.software.iter().map(|s| &s.info));
            let union = if self.software.len() > 1 {
                " (the union of their techniques)"
            } else {
                ""
            };
            clauses.push(format!("implemented by {names}{union}"));
        }
        if !self.campaigns.is_empty() {
            let names = list_infos(self.campaigns.iter().map(|c| &c.info));
            clauses.push(format!("used in {names}"));
        }
        if !self.mitigations.is_empty() {
            let names = list_infos(self.mitigations.iter().map(|m| &m.info));
            clauses.push(format!("mitigated by {names}"));
        }
        if !self.criteria.techniques.is_empty() {
            clauses.push(format!(
                "named in the technique list ({} distinct)",
                self.named.len()
            ));
        }
        for list in self.criteria.lists_naming_nothing() {
            clauses.push(format!(
                "of the empty {} list {}",
                list.kind.as_str(),
                list.label()
            ));
        }
        if !self.tactics.is_empty() {
            let names: BTreeSet<&str> = self.tactics.iter().map(|t| t.name.as_str()).collect();
            clauses.push(format!(
                "in the tactic(s) {}",
                names.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if !self.platforms.is_empty() {
            clauses.push(format!("on {}", self.platforms.join(" or ")));
        }
        if !self.domains.is_empty() {
            let ids: Vec<&str> = self.domains.iter().map(|d| d.id.as_str()).collect();
            clauses.push(format!("in {}", ids.join(" or ")));
        }
        if self.criteria.gaps {
            clauses.push("with no mitigations".to_string());
        }
        let kind = match (
            self.criteria.include_revoked,
            self.criteria.include_deprecated,
        ) {
            (false, false) => "Live techniques",
            (true, false) => "Techniques (revoked included)",
            (false, true) => "Techniques (deprecated included)",
            (true, true) => "Techniques (revoked and deprecated included)",
        };
        if clauses.is_empty() {
            format!("{kind}: all of them.")
        } else {
            format!("{kind} {}.", clauses.join("; "))
        }
    }
}

/// ` (rules.txt is an empty list: …)` when `@FILE` lists were empty.
fn empty_note(criteria: &Criteria) -> String {
    let files: Vec<&str> = criteria
        .lists_naming_nothing()
        .map(EmptyList::label)
        .collect();
    match files.as_slice() {
        [] => String::new(),
        [one] => format!(" ({one} is an empty list: no ID or name, only blank lines or comments)"),
        many => format!(
            " ({} are empty lists: no ID or name, only blank lines or comments)",
            many.join(", ")
        ),
    }
}

fn list_infos<'a>(infos: impl Iterator<Item = &'a ObjectInfo>) -> String {
    let names: Vec<String> = infos.map(|i| format!("{} ({})", i.name, i.id)).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn tactic_ref(t: &Tactic) -> TacticRef {
    TacticRef {
        id: t.id.clone(),
        shortname: t.shortname.clone(),
        name: t.name.clone(),
    }
}

fn named_technique<'m>(
    model: &'m Model,
    criteria: &Criteria,
    arg: &TechniqueArg,
) -> Result<&'m Technique> {
    let located = |err: Error| match &arg.from {
        Some(from) => Error::Invalid(format!("{from}: {err}")),
        None => err,
    };
    let Some(technique) = model.technique(&arg.id) else {
        // Accept a technique's exact name too; an ID or name of another
        // kind is an error saying what it is.
        return match query::resolve_kind(model, &arg.id, ObjectKind::Technique) {
            Ok(Resolved::Technique(t)) => check_technique_status(t, criteria).map_err(located),
            Ok(other) => Err(located(Error::Internal(format!(
                "'{}' resolved to {}",
                arg.id,
                other.describe()
            )))),
            Err(err) => Err(located(err)),
        };
    };
    check_technique_status(technique, criteria).map_err(located)
}

fn check_technique_status<'m>(t: &'m Technique, criteria: &Criteria) -> Result<&'m Technique> {
    if t.revoked && !criteria.include_revoked {
        let replacement = match &t.replaced_by {
            Some(r) => format!("; use {r} instead"),
            None => "; it has no live replacement".to_string(),
        };
        return Err(Error::Invalid(format!(
            "{} ({}) is revoked{replacement} (or pass --include-revoked)",
            t.technique_id, t.name
        )));
    }
    if t.deprecated && !t.revoked && !criteria.include_deprecated {
        return Err(Error::Invalid(format!(
            "{} ({}) is deprecated and has no replacement (pass --include-deprecated to keep it)",
            t.technique_id, t.name
        )));
    }
    Ok(t)
}

/// The kinds of object a selection names: groups, software, campaigns,
/// mitigations.
trait Named: Sized + 'static {
    const KIND: ObjectKind;
    fn info(&self) -> &ObjectInfo;
    fn technique_ids(&self) -> Vec<&str>;
    fn by_id<'m>(model: &'m Model, id: &str) -> Option<&'m Self>;
    fn from_resolved(resolved: Resolved<'_>) -> Option<&Self>;
}

/// Implements [`Named`] for a model type: its kind, how the model finds it
/// by ID, and its `Resolved` variant.
macro_rules! named {
    ($type:ty, $kind:ident, $by_id:ident, $variant:ident) => {
        impl Named for $type {
            const KIND: ObjectKind = ObjectKind::$kind;
            fn info(&self) -> &ObjectInfo {
                &self.info
            }
            fn technique_ids(&self) -> Vec<&str> {
                self.techniques.iter().map(|t| t.id.as_str()).collect()
            }
            fn by_id<'m>(model: &'m Model, id: &str) -> Option<&'m Self> {
                model.$by_id(id)
            }
            fn from_resolved(resolved: Resolved<'_>) -> Option<&Self> {
                match resolved {
                    Resolved::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }
    };
}

named!(Group, Group, group, Group);
named!(Software, Software, software_by_id, Software);
named!(Campaign, Campaign, campaign, Campaign);
named!(Mitigation, Mitigation, mitigation, Mitigation);

/// The objects of one kind named by `queries` (each once, in order) and
/// the union of their techniques.
fn resolve_named<'m, T: Named>(
    model: &'m Model,
    queries: &[String],
    criteria: &Criteria,
) -> Result<(Vec<&'m T>, BTreeSet<&'m str>)> {
    let mut found: Vec<&'m T> = Vec::new();
    let mut ids = BTreeSet::new();
    for query in queries {
        let object = find_named::<T>(model, query, criteria)?;
        if !found.iter().any(|o| o.info().id == object.info().id) {
            found.push(object);
        }
        ids.extend(object.technique_ids());
    }
    Ok((found, ids))
}

/// Finds an object of one kind by ID, else by name or alias through
/// [`query::resolve`]; checks that it is live (unless included).
fn find_named<'m, T: Named>(model: &'m Model, query: &str, criteria: &Criteria) -> Result<&'m T> {
    let kind = T::KIND.as_str();
    let found = match T::by_id(model, query) {
        Some(found) => found,
        None => {
            let resolved = query::resolve_kind(model, query, T::KIND)?;
            T::from_resolved(resolved).ok_or_else(|| {
                Error::Internal(format!("'{query}' resolved to {}", resolved.describe()))
            })?
        }
    };
    let i = found.info();
    if i.revoked && !criteria.include_revoked {
        let replacement = match &i.revoked_by {
            Some(r) => format!("; use {r} instead"),
            None => String::new(),
        };
        return Err(Error::Invalid(format!(
            "{kind} {} ({}) is revoked{replacement}",
            i.id, i.name
        )));
    }
    if i.deprecated && !criteria.include_deprecated {
        return Err(Error::Invalid(format!(
            "{kind} {} ({}) is deprecated (pass --include-deprecated to use it anyway)",
            i.id, i.name
        )));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_lists_take_comments_blanks_and_commas() {
        let ids = parse_technique_list(
            "rules.txt",
            "\u{feff}T1059.001\n# a comment\n\nT1003, T1566.001  # phishing\n  t1027 \n",
        );
        let got: Vec<(&str, &str)> = ids
            .iter()
            .map(|a| (a.id.as_str(), a.from.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("T1059.001", "rules.txt:1"),
                ("T1003", "rules.txt:4"),
                ("T1566.001", "rules.txt:4"),
                ("t1027", "rules.txt:5"),
            ]
        );
    }

    #[test]
    fn arguments_are_in_command_line_form() {
        let mut c = Criteria {
            groups: vec!["G0016".into(), "Lazarus Group".into()],
            tactics: vec!["execution".into()],
            gaps: true,
            ..Criteria::default()
        };
        c.add_technique_arg("T1059,T1003").unwrap();
        assert_eq!(
            c.arguments(),
            "--technique T1059 --technique T1003 --group G0016 --group \"Lazarus Group\" --tactic execution --gaps"
        );
        assert!(c.names_objects());
        assert!(!Criteria::default().names_objects());
    }
}
