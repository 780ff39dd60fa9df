//! Questions analysts ask of the model: the techniques with no mitigations,
//! the top techniques by number of groups (or software, campaigns, …), the
//! groups that use all of a set of techniques, and "what is this ID".
//!
//! Queries skip revoked and deprecated techniques and objects unless the
//! [`Filter`] asks for them.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;

/// Which techniques a query looks at.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only techniques of this tactic (ID, shortname or name).
    pub tactic: Option<String>,
    /// Only techniques on this platform.
    pub platform: Option<String>,
    /// Only techniques of this domain (`enterprise-attack`, or `enterprise`).
    pub domain: Option<String>,
    /// Keep revoked techniques.
    pub include_revoked: bool,
    /// Keep deprecated techniques.
    pub include_deprecated: bool,
}

impl Filter {
    /// Whether the technique passes the filter.
    pub fn accepts(&self, technique: &Technique) -> bool {
        (self.include_revoked || !technique.revoked)
            && (self.include_deprecated || !technique.deprecated)
            && self
                .tactic
                .as_deref()
                .is_none_or(|t| technique.has_tactic(t))
            && self
                .platform
                .as_deref()
                .is_none_or(|p| technique.has_platform(p))
            && self
                .domain
                .as_deref()
                .is_none_or(|d| technique.domains.iter().any(|td| domain_matches(td, d)))
    }

    /// Checks that the tactic, platform and domain named exist in the model,
    /// so that a typo is an error rather than an empty answer.
    pub fn validate(&self, model: &Model) -> Result<()> {
        if let Some(tactic) = &self.tactic {
            if model.tactic(tactic).is_none() {
                return Err(unknown_tactic(model, tactic));
            }
        }
        if let Some(platform) = &self.platform {
            find_platform(model, platform)?;
        }
        if let Some(domain) = &self.domain {
            if !model.domains.iter().any(|d| domain_matches(&d.id, domain)) {
                let known: Vec<&str> = model.domains.iter().map(|d| d.id.as_str()).collect();
                return Err(Error::Invalid(format!(
                    "unknown domain '{domain}'; the loaded data has: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// The error for a tactic the loaded data does not have, with the closest
/// shortname.
pub fn unknown_tactic(model: &Model, query: &str) -> Error {
    let names: Vec<&str> = model.tactics.iter().map(|t| t.shortname.as_str()).collect();
    let suggestion = closest_tactic(query, names.iter().copied())
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    Error::Invalid(format!(
        "unknown tactic '{query}'{suggestion}; the loaded data has: {}",
        unique.join(", ")
    ))
}

/// The platform as the data spells it (`windows` → `Windows`); an unknown
/// one is an error with the closest name and the list.
pub fn find_platform(model: &Model, query: &str) -> Result<String> {
    let known: std::collections::BTreeSet<&str> = model
        .domains
        .iter()
        .flat_map(|d| d.platforms.iter().map(String::as_str))
        .collect();
    if let Some(p) = known.iter().find(|p| p.eq_ignore_ascii_case(query.trim())) {
        return Ok(p.to_string());
    }
    let suggestion = closest(query, known.iter().copied())
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    Err(Error::Invalid(format!(
        "unknown platform '{query}'{suggestion}; the loaded data has: {}",
        known.into_iter().collect::<Vec<_>>().join(", ")
    )))
}

/// A part of detection strategies that the model does not hold as an object
/// of its own (ATT&CK v18): a data component (`DC0032`) or an analytic
/// (`AN1252`), found by scanning the detection strategies that name it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DetectionPart<'m> {
    /// The ID asked for, as the data spells it.
    pub id: String,
    /// The data component's name; analytics have none in the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `data-component` or `analytic`.
    pub kind: &'static str,
    /// The detection strategies that read it (data component) or hold it
    /// (analytic), in model order.
    pub detection_strategies: Vec<NamedRef>,
    /// The techniques those strategies detect, by ID, without repeats.
    pub techniques: Vec<&'m TechniqueRef>,
}

/// The data component or analytic with this ID, when the loaded detection
/// strategies name it; `None` for any other ID.
pub fn detection_part<'m>(model: &'m Model, query: &str) -> Option<DetectionPart<'m>> {
    let q = query.trim();
    let mut part: Option<DetectionPart<'m>> = None;
    for d in &model.detections {
        let component = d
            .data_components
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(q));
        let analytic = d.analytics.iter().find(|a| a.eq_ignore_ascii_case(q));
        let (id, name, kind) = match (component, analytic) {
            (Some(c), _) => (c.id.clone(), Some(c.name.clone()), "data-component"),
            (None, Some(a)) => (a.clone(), None, "analytic"),
            (None, None) => continue,
        };
        let entry = part.get_or_insert_with(|| DetectionPart {
            id,
            name,
            kind,
            detection_strategies: Vec::new(),
            techniques: Vec::new(),
        });
        entry.detection_strategies.push(NamedRef {
            id: d.info.id.clone(),
            name: d.info.name.clone(),
        });
        for t in &d.techniques {
            if !entry.techniques.iter().any(|x| x.id == t.id) {
                entry.techniques.push(t);
            }
        }
    }
    if let Some(p) = part.as_mut() {
        p.techniques.sort_by(|a, b| a.id.cmp(&b.id));
    }
    part
}

/// `enterprise` matches `enterprise-attack`.
pub fn domain_matches(domain: &str, query: &str) -> bool {
    domain.eq_ignore_ascii_case(query) || domain.eq_ignore_ascii_case(&format!("{query}-attack"))
}

/// Techniques with no mitigations: the defender's gaps.
pub fn gaps<'m>(model: &'m Model, filter: &Filter) -> Vec<&'m Technique> {
    model
        .techniques
        .iter()
        .filter(|t| filter.accepts(t) && t.mitigations.is_empty())
        .collect()
}

/// What to count in [`top`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Groups (campaign attribution included).
    Groups,
    /// Software.
    Software,
    /// Campaigns.
    Campaigns,
    /// Mitigations.
    Mitigations,
    /// Detections.
    Detections,
    /// ICS assets targeted.
    Assets,
}

impl Count {
    /// Parses `groups`, `software`, `campaigns`, `mitigations`, `detections`,
    /// `assets` (the singular is accepted too).
    pub fn parse(s: &str) -> Option<Count> {
        Some(match s.to_ascii_lowercase().as_str() {
            "groups" | "group" => Count::Groups,
            "software" => Count::Software,
            "campaigns" | "campaign" => Count::Campaigns,
            "mitigations" | "mitigation" => Count::Mitigations,
            "detections" | "detection" => Count::Detections,
            "assets" | "asset" => Count::Assets,
            _ => return None,
        })
    }

    /// Lower-case plural name.
    pub fn as_str(self) -> &'static str {
        match self {
            Count::Groups => "groups",
            Count::Software => "software",
            Count::Campaigns => "campaigns",
            Count::Mitigations => "mitigations",
            Count::Detections => "detections",
            Count::Assets => "assets",
        }
    }

    /// The count for one technique.
    pub fn of(self, technique: &Technique) -> usize {
        match self {
            Count::Groups => technique.groups.len(),
            Count::Software => technique.software.len(),
            Count::Campaigns => technique.campaigns.len(),
            Count::Mitigations => technique.mitigations.len(),
            Count::Detections => technique.detections.len(),
            Count::Assets => technique.assets.len(),
        }
    }
}

/// The `n` techniques with the highest count (all of them for 0), highest
/// first; ties by ID.
pub fn top<'m>(
    model: &'m Model,
    by: Count,
    n: usize,
    filter: &Filter,
) -> Vec<(&'m Technique, usize)> {
    let mut counted: Vec<(&Technique, usize)> = model
        .techniques
        .iter()
        .filter(|t| filter.accepts(t))
        .map(|t| (t, by.of(t)))
        .collect();
    counted.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.technique_id.cmp(&b.0.technique_id))
    });
    if n > 0 {
        counted.truncate(n);
    }
    counted
}

/// A group that uses every technique asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMatch<'m> {
    /// The group.
    pub group: &'m Group,
    /// For each technique asked about, in order: how the group uses it.
    pub uses: Vec<&'m GroupTechnique>,
}

/// The live groups that use all of `technique_ids` (campaign attribution
/// included). Unknown IDs are an error with a suggestion; revoked IDs are an
/// error naming their replacement.
pub fn groups_using_all<'m>(
    model: &'m Model,
    technique_ids: &[String],
) -> Result<Vec<GroupMatch<'m>>> {
    let mut ids = Vec::with_capacity(technique_ids.len());
    // `T1059.001,T1566.001` as one argument, as `export -t` takes it.
    let split = technique_ids
        .iter()
        .flat_map(|arg| arg.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty());
    for id in split {
        let technique = live_technique(model, id)?;
        ids.push(technique.technique_id.as_str());
    }
    if ids.is_empty() {
        return Err(Error::Invalid("name at least one technique".to_string()));
    }
    let matches = model
        .groups
        .iter()
        .filter(|g| !g.info.revoked && !g.info.deprecated)
        .filter_map(|g| {
            let uses: Option<Vec<&GroupTechnique>> = ids
                .iter()
                .map(|id| g.techniques.iter().find(|t| t.id == *id))
                .collect();
            uses.map(|uses| GroupMatch { group: g, uses })
        })
        .collect();
    Ok(matches)
}

/// The live technique with this ID; a revoked or deprecated one is an error
/// that says what replaced it.
pub fn live_technique<'m>(model: &'m Model, id: &str) -> Result<&'m Technique> {
    let Some(technique) = model.technique(id) else {
        return Err(not_of_kind(model, id, ObjectKind::Technique));
    };
    if technique.revoked {
        let replacement = technique
            .replaced_by
            .as_deref()
            .map(|r| format!("; use {r} instead"))
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "{} ({}) is revoked{replacement}",
            technique.technique_id, technique.name
        )));
    }
    if technique.deprecated {
        return Err(Error::Invalid(format!(
            "{} ({}) is deprecated and has no replacement",
            technique.technique_id, technique.name
        )));
    }
    Ok(technique)
}

/// An object the user named.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'m> {
    /// A technique or sub-technique.
    Technique(&'m Technique),
    /// A tactic.
    Tactic(&'m Tactic),
    /// A group.
    Group(&'m Group),
    /// Software.
    Software(&'m Software),
    /// A campaign.
    Campaign(&'m Campaign),
    /// A mitigation.
    Mitigation(&'m Mitigation),
    /// A detection strategy or data component.
    Detection(&'m Detection),
    /// An ICS asset.
    Asset(&'m Asset),
}

/// Finds an object by ATT&CK ID (the prefix says the type: `T`, `TA`, `G`,
/// `S`, `C`, `M`, `DET`, `DC`, `A`), or else by exact name or alias
/// (case-insensitive; an ICS asset also by its name without the trailing
/// abbreviation, or the abbreviation: `Programmable Logic Controller`,
/// `PLC`). An ID carried by both a technique and an old-style
/// mitigation resolves to the technique. A name several live objects carry
/// (`Carbanak` is a group and software; two techniques are named
/// `Spearphishing Attachment`) is an error listing them.
pub fn resolve<'m>(model: &'m Model, query: &str) -> Result<Resolved<'m>> {
    let q = query.trim();
    if let Some(found) = resolve_id(model, q) {
        return Ok(found);
    }
    match pick(q, name_matches(model, q))? {
        Some(found) => Ok(found),
        None => Err(unknown(model, q)),
    }
}

/// Like [`resolve`], but only objects of `kind` are candidates, so a name
/// that a group and a piece of software share finds the one asked for. When
/// only objects of other kinds match, the error says what they are.
pub fn resolve_kind<'m>(model: &'m Model, query: &str, kind: ObjectKind) -> Result<Resolved<'m>> {
    let q = query.trim();
    if let Some(found) = resolve_id(model, q).filter(|r| r.kind() == kind) {
        return Ok(found);
    }
    let all = name_matches(model, q);
    let (of_kind, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r.kind() == kind);
    if let Some(found) = pick(q, of_kind)? {
        return Ok(found);
    }
    let other = resolve_id(model, q).or_else(|| others.into_iter().next());
    match other {
        Some(other) => Err(wrong_kind(q, kind, other)),
        None => Err(unknown(model, q)),
    }
}

/// The error for `query` given where an object of `kind` is expected and
/// none has that ID: when the ID or name is another kind of object, an
/// error saying what it is (`'G0016' is not a technique: it is group G0016
/// (APT29)`); else an unknown ID with a suggestion.
pub fn not_of_kind(model: &Model, query: &str, kind: ObjectKind) -> Error {
    let q = query.trim();
    let other = resolve_id(model, q)
        .filter(|r| r.kind() != kind)
        .or_else(|| {
            name_matches(model, q)
                .into_iter()
                .find(|r| r.kind() != kind)
        });
    match other {
        Some(other) => wrong_kind(q, kind, other),
        None => unknown(model, q),
    }
}

fn wrong_kind(query: &str, expected: ObjectKind, actual: Resolved<'_>) -> Error {
    Error::WrongKind {
        query: query.to_string(),
        expected: expected.as_str(),
        actual: actual.describe(),
    }
}

impl Resolved<'_> {
    /// The kind of object.
    pub fn kind(&self) -> ObjectKind {
        match self {
            Resolved::Technique(_) => ObjectKind::Technique,
            Resolved::Tactic(_) => ObjectKind::Tactic,
            Resolved::Group(_) => ObjectKind::Group,
            Resolved::Software(_) => ObjectKind::Software,
            Resolved::Campaign(_) => ObjectKind::Campaign,
            Resolved::Mitigation(_) => ObjectKind::Mitigation,
            Resolved::Detection(_) => ObjectKind::Detection,
            Resolved::Asset(_) => ObjectKind::Asset,
        }
    }

    /// Neither revoked nor deprecated.
    pub fn is_live(&self) -> bool {
        let live = |i: &ObjectInfo| !i.revoked && !i.deprecated;
        match self {
            Resolved::Technique(t) => t.is_live(),
            Resolved::Tactic(_) => true,
            Resolved::Group(g) => live(&g.info),
            Resolved::Software(s) => live(&s.info),
            Resolved::Campaign(c) => live(&c.info),
            Resolved::Mitigation(m) => live(&m.info),
            Resolved::Detection(d) => live(&d.info),
            Resolved::Asset(a) => live(&a.info),
        }
    }

    /// `group G0016 (APT29)`, `technique T1059.001 (Command and Scripting
    /// Interpreter: PowerShell)`, …
    pub fn describe(&self) -> String {
        let (id, name) = match self {
            Resolved::Technique(t) => (&t.technique_id, &t.full_name),
            Resolved::Tactic(t) => (&t.id, &t.name),
            Resolved::Group(g) => (&g.info.id, &g.info.name),
            Resolved::Software(s) => (&s.info.id, &s.info.name),
            Resolved::Campaign(c) => (&c.info.id, &c.info.name),
            Resolved::Mitigation(m) => (&m.info.id, &m.info.name),
            Resolved::Detection(d) => (&d.info.id, &d.info.name),
            Resolved::Asset(a) => (&a.info.id, &a.info.name),
        };
        format!("{} {id} ({name})", self.kind().as_str())
    }

    /// Like [`Resolved::describe`], with the domain of a tactic
    /// (`tactic TA0108 (Initial Access, ics-attack)`): for lists of objects
    /// that share a name, where tactics differ only by domain.
    pub fn describe_in_list(&self) -> String {
        match self {
            Resolved::Tactic(t) => format!("tactic {} ({}, {})", t.id, t.name, t.domain),
            other => other.describe(),
        }
    }
}

fn resolve_id<'m>(model: &'m Model, id: &str) -> Option<Resolved<'m>> {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("TA") {
        model
            .tactics
            .iter()
            .find(|t| t.id == upper)
            .map(Resolved::Tactic)
    } else if upper.starts_with("DET") || upper.starts_with("DC") {
        model.detection(&upper).map(Resolved::Detection)
    } else if upper.starts_with('T') {
        model
            .technique(&upper)
            .map(Resolved::Technique)
            .or_else(|| model.mitigation(&upper).map(Resolved::Mitigation))
    } else if upper.starts_with('G') {
        model.group(&upper).map(Resolved::Group)
    } else if upper.starts_with('S') {
        model.software_by_id(&upper).map(Resolved::Software)
    } else if upper.starts_with('C') {
        model.campaign(&upper).map(Resolved::Campaign)
    } else if upper.starts_with('M') {
        model.mitigation(&upper).map(Resolved::Mitigation)
    } else if upper.starts_with('A') {
        model.asset(&upper).map(Resolved::Asset)
    } else {
        None
    }
}

/// Every object whose name (a technique's name or full name, a tactic's
/// name or shortname) or alias is `name`, case-insensitively.
fn name_matches<'m>(model: &'m Model, name: &str) -> Vec<Resolved<'m>> {
    let eq = |s: &str| s.eq_ignore_ascii_case(name);
    let named =
        |info: &ObjectInfo, aliases: &[String]| eq(&info.name) || aliases.iter().any(|a| eq(a));
    let mut found: Vec<Resolved<'m>> = Vec::new();
    found.extend(
        model
            .techniques
            .iter()
            .filter(|t| eq(&t.name) || eq(&t.full_name))
            .map(Resolved::Technique),
    );
    found.extend(model.tactics_named(name).into_iter().map(Resolved::Tactic));
    found.extend(
        model
            .groups
            .iter()
            .filter(|g| named(&g.info, &g.aliases))
            .map(Resolved::Group),
    );
    found.extend(
        model
            .software
            .iter()
            .filter(|s| named(&s.info, &s.aliases))
            .map(Resolved::Software),
    );
    found.extend(
        model
            .campaigns
            .iter()
            .filter(|c| named(&c.info, &c.aliases))
            .map(Resolved::Campaign),
    );
    found.extend(
        model
            .mitigations
            .iter()
            .filter(|m| eq(&m.info.name))
            .map(Resolved::Mitigation),
    );
    found.extend(
        model
            .detections
            .iter()
            .filter(|d| eq(&d.info.name))
            .map(Resolved::Detection),
    );
    found.extend(
        model
            .assets
            .iter()
            .filter(|a| asset_names(&a.info.name).any(eq))
            .map(Resolved::Asset),
    );
    found
}

/// The names an ICS asset answers to: its name and, for a name ending in an
/// abbreviation (`Programmable Logic Controller (PLC)`), the name without it
/// and the abbreviation.
pub fn asset_names(name: &str) -> impl Iterator<Item = &str> {
    let short = name
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once(" ("))
        .filter(|(long, abbreviation)| !long.trim().is_empty() && !abbreviation.trim().is_empty());
    std::iter::once(name).chain(
        short
            .into_iter()
            .flat_map(|(long, abbreviation)| [long.trim(), abbreviation.trim()]),
    )
}

/// The one object `candidates` mean: the only live one, or the only one.
/// Several live candidates (or several dead ones and no live one) are an
/// error that lists them.
fn pick<'m>(query: &str, candidates: Vec<Resolved<'m>>) -> Result<Option<Resolved<'m>>> {
    let live: Vec<Resolved<'m>> = candidates
        .iter()
        .copied()
        .filter(Resolved::is_live)
        .collect();
    let pool = if live.is_empty() { candidates } else { live };
    match pool.len() {
        0 => Ok(None),
        1 => Ok(pool.into_iter().next()),
        _ => {
            let names: Vec<String> = pool.iter().map(Resolved::describe_in_list).collect();
            Err(Error::Invalid(format!(
                "'{query}' names several objects: {}; give the ID",
                names.join(", ")
            )))
        }
    }
}

/// The error for an ID or name the model does not have, with the closest
/// ID or name as a suggestion. A data source ID (`DS0017`) gets an error
/// saying that the model has no data sources.
pub fn unknown(model: &Model, query: &str) -> Error {
    if is_data_source_id(query.trim()) {
        return Error::DataSource {
            id: query.trim().to_string(),
        };
    }
    Error::UnknownId {
        id: query.to_string(),
        suggestion: suggest(model, query),
    }
}

/// `DS` and four digits: the ID of an ATT&CK data source.
fn is_data_source_id(id: &str) -> bool {
    id.len() == 6
        && id[..2].eq_ignore_ascii_case("DS")
        && id[2..].bytes().all(|b| b.is_ascii_digit())
}

/// The closest known ID (same type prefix, edit distance ≤ 2), else the
/// closest name or alias (a few typing errors away: one per four characters),
/// else a name containing the query, formatted as `ID (name)` (`"alias"
/// (ID name)` for an alias).
pub fn suggest(model: &Model, query: &str) -> Option<String> {
    let q = query.trim();
    let upper = q.to_ascii_uppercase();
    let candidates = all_ids(model);
    let prefix_len = upper
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let prefix = &upper[..prefix_len];
    if !prefix.is_empty() && upper.len() > prefix_len {
        // Live objects first, then the nearest: a revoked ID one edit away
        // is a worse suggestion than a live one two edits away.
        let best = candidates
            .iter()
            .filter(|(_, id, _)| {
                id.starts_with(prefix)
                    && id[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
            .map(|(live, id, name)| (!live, edit_distance(&upper, id), *id, *name))
            .filter(|(_, d, _, _)| *d <= 2)
            .min();
        if let Some((_, _, id, name)) = best {
            return Some(format!("{id} ({name})"));
        }
    }
    if let Some(found) = close_name(model, q) {
        return Some(found);
    }
    word_match(model, q)
}

/// A name or alias in which `query` (three characters or more) begins a
/// word: `APT` finds APT1, not "Input Capture". Live objects first, then
/// names that start with the query, then the shortest.
fn word_match(model: &Model, query: &str) -> Option<String> {
    let q = query.to_lowercase();
    if q.chars().count() < 3 {
        return None;
    }
    let starts_word = |text: &str| {
        let text = text.to_lowercase();
        text.match_indices(&q)
            .any(|(at, _)| {
                text[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
            })
            .then(|| !text.starts_with(&q))
    };
    let (_, _, _, found) = name_candidates(model)
        .into_iter()
        .filter_map(|c| starts_word(c.text).map(|inside| (!c.live, inside, c.text.len(), c)))
        .min_by_key(|(dead, inside, len, c)| (*dead, *inside, *len, c.id))?;
    Some(match found.alias_of {
        None => format!("{} ({})", found.id, found.text),
        Some(real) => format!("\"{}\" ({} {real})", found.text, found.id),
    })
}

/// The name or alias nearest to `query` (case-insensitive) when it is a
/// near miss: at most one edit per four characters of the query, at most
/// two. Live objects win over dead ones, then the nearest. Formatted as
/// `ID (name)`, or `"alias" (ID name)` when an alias matched.
fn close_name(model: &Model, query: &str) -> Option<String> {
    let q = query.to_lowercase();
    let allowed = (q.chars().count() / 4).min(2);
    if allowed == 0 {
        return None;
    }
    let (_, _, name) = name_candidates(model)
        .into_iter()
        .map(|c| (!c.live, edit_distance(&q, &c.text.to_lowercase()), c))
        .filter(|(_, d, _)| *d <= allowed)
        .min_by_key(|(dead, d, _)| (*dead, *d))?;
    Some(match name.alias_of {
        None => format!("{} ({})", name.id, name.text),
        Some(real) => format!("\"{}\" ({} {real})", name.text, name.id),
    })
}

/// A name or alias of an object, for suggestions.
struct NameCandidate<'m> {
    /// Neither revoked nor deprecated.
    live: bool,
    /// The object's ID.
    id: &'m str,
    /// The name or alias.
    text: &'m str,
    /// For an alias: the object's name.
    alias_of: Option<&'m str>,
}

/// Every name and alias in the model (technique names and full names,
/// tactic names, group, software and campaign names and aliases,
/// mitigation, detection and asset names).
fn name_candidates(model: &Model) -> Vec<NameCandidate<'_>> {
    let mut out = Vec::new();
    let named = |live, id, text| NameCandidate {
        live,
        id,
        text,
        alias_of: None,
    };
    for t in &model.techniques {
        out.push(named(t.is_live(), &t.technique_id, &t.name));
        out.push(named(t.is_live(), &t.technique_id, &t.full_name));
    }
    out.extend(model.tactics.iter().map(|t| named(true, &t.id, &t.name)));
    let with_aliases = model
        .groups
        .iter()
        .map(|g| (&g.info, &g.aliases))
        .chain(model.software.iter().map(|s| (&s.info, &s.aliases)))
        .chain(model.campaigns.iter().map(|c| (&c.info, &c.aliases)));
    for (info, aliases) in with_aliases {
        let live = !info.revoked && !info.deprecated;
        out.push(named(live, &info.id, &info.name));
        out.extend(
            aliases
                .iter()
                .filter(|a| **a != info.name)
                .map(|a| NameCandidate {
                    live,
                    id: &info.id,
                    text: a,
                    alias_of: Some(&info.name),
                }),
        );
    }
    let plain = model
        .mitigations
        .iter()
        .map(|m| &m.info)
        .chain(model.detections.iter().map(|d| &d.info))
        .chain(model.assets.iter().map(|a| &a.info));
    out.extend(plain.map(|i| named(!i.revoked && !i.deprecated, &i.id, &i.name)));
    out
}

/// Every (live, ID, name) in the model, live objects first.
fn all_ids(model: &Model) -> Vec<(bool, &str, &str)> {
    let mut ids: Vec<(bool, &str, &str)> = Vec::new();
    ids.extend(
        model
            .techniques
            .iter()
            .map(|t| (t.is_live(), t.technique_id.as_str(), t.name.as_str())),
    );
    ids.extend(
        model
            .tactics
            .iter()
            .map(|t| (true, t.id.as_str(), t.name.as_str())),
    );
    let infos = model
        .groups
        .iter()
        .map(|g| &g.info)
        .chain(model.software.iter().map(|s| &s.info))
        .chain(model.campaigns.iter().map(|c| &c.info))
        .chain(model.mitigations.iter().map(|m| &m.info))
        .chain(model.detections.iter().map(|d| &d.info))
        .chain(model.assets.iter().map(|a| &a.info));
    ids.extend(infos.map(|i| (!i.revoked && !i.deprecated, i.id.as_str(), i.name.as_str())));
    ids.sort_by_key(|(live, _, _)| !*live);
    ids
}

/// The closest of `candidates` to `query` within edit distance 3.
pub fn closest<'c>(query: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let q = query.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&q, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| c)
}

/// The tactic shortname among `candidates` that `query` most likely means:
/// the one it equals once normalised — lower case, `_` and blanks as `-`,
/// without a domain suffix (`inhibit_response_function`,
/// `inhibit-response-function-ics`, `Defense Evasion` all name theirs) —,
/// else the closest to the normalised query within three edits.
pub fn closest_tactic<'c>(
    query: &str,
    candidates: impl Iterator<Item = &'c str> + Clone,
) -> Option<&'c str> {
    let normalised = normalise_tactic(query);
    candidates
        .clone()
        .find(|c| normalise_tactic(c) == normalised)
        .or_else(|| closest(&normalised, candidates))
}

/// `Inhibit_Response_Function-ICS` → `inhibit-response-function`.
fn normalise_tactic(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    ["-ics", "-mobile", "-enterprise", "-attack"]
        .iter()
        .fold(lower, |s, suffix| {
            s.strip_suffix(suffix).map(str::to_string).unwrap_or(s)
        })
}

/// Levenshtein distance between two strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("T1059.001", "T1059.001"), 0);
        assert_eq!(edit_distance("T1059.01", "T1059.001"), 1);
        assert_eq!(edit_distance("G0061", "G0016"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_tactic_ignores_domain_suffixes_and_separators() {
        let ics = [
            "inhibit-response-function",
            "impair-process-control",
            "evasion",
        ];
        for query in [
            "inhibit-response-function-ics",
            "inhibit_response_function",
            "Inhibit Response Function",
            "INHIBIT_RESPONSE_FUNCTION_ICS",
        ] {
            assert_eq!(
                closest_tactic(query, ics.iter().copied()),
                Some("inhibit-response-function"),
                "{query}"
            );
        }
        assert_eq!(
            closest_tactic("evasion-mobile", ics.iter().copied()),
            Some("evasion")
        );
        assert_eq!(
            closest_tactic("impair-proces-control-ics", ics.iter().copied()),
            Some("impair-process-control")
        );
        assert_eq!(
            closest_tactic("lateral-movement", ics.iter().copied()),
            None
        );
    }

    #[test]
    fn closest_picks_the_nearest_within_three_edits() {
        let names = ["execution", "persistence", "defense-evasion"];
        assert_eq!(
            closest("executon", names.iter().copied()),
            Some("execution")
        );
        assert_eq!(closest("zzzzzzzzzzzz", names.iter().copied()), None);
    }
}
