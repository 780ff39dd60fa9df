//! Sigma rules from a selection: the ATT&CK `tags:` frontmatter
//! (`export sigma`) and whole rule skeletons, one per technique
//! (`export sigma-skeleton`).
//!
//! Both exporters build the same context part, `sigma`: the tags of the
//! selection — tactic tags first (`attack.<shortname>` from the loaded
//! data's own tactics, in matrix order), then technique tags
//! (`attack.t1059.001`, in ID order), then group and software tags — all
//! lower-case and de-duplicated. The skeleton exporter adds one rule per
//! technique (`sigma.rules`), each with a fresh random UUIDv4.
//!
//! Sigma validators reject revoked and deprecated IDs, so those never
//! become tags: a revoked technique kept in the selection is tagged as its
//! live replacement, one without a replacement (or a deprecated one) is
//! left out, each with a warning. Group tags are written for the groups
//! named in the selection (`--group`, or the group of an `--each group`
//! output), software tags for the software named; `with_groups` /
//! `with_software` add every group / software related to the selected
//! techniques. Campaigns and mitigations get no tags (Sigma rules do not
//! use them). `docs/sigma.md` describes the output.

use std::collections::{BTreeSet, HashMap};
use std::io::Read as _;

use minijinja::value::{Serde, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::model::{Model, TacticRef, Technique};
use crate::selection::Selection;

use super::templates::technique_url;
use super::{ExportInput, Exporter, FormatContext, Syntax};

/// The namespace of ATT&CK tags.
const ATTACK: &str = "attack";

/// The rule levels of the Sigma specification, lowest first.
pub const LEVELS: [&str; 5] = ["informational", "low", "medium", "high", "critical"];

/// The `tags:` frontmatter exporter (`export sigma`).
#[derive(Debug, Clone, Copy)]
pub struct SigmaTags;

/// The rule skeleton exporter (`export sigma-skeleton`).
#[derive(Debug, Clone, Copy)]
pub struct SigmaSkeleton;

/// Options of the Sigma exporters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigmaOptions {
    /// Also tag every group that uses a selected technique (not only the
    /// groups named in the selection).
    pub with_groups: bool,
    /// Also tag every software that implements a selected technique.
    pub with_software: bool,
    /// Skeletons: `author` (default: a `TODO` placeholder).
    pub author: Option<String>,
    /// Skeletons: `date`, `YYYY-MM-DD` (default: today, UTC).
    pub date: Option<String>,
    /// Skeletons: `level` (default: `medium`).
    pub level: Option<String>,
}

/// The `sigma` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct SigmaContext {
    /// The ATT&CK release the tags are for (`18.1`), if known.
    pub attack_version: Option<String>,
    /// Every tag: `tactic_tags`, `technique_tags`, `group_tags`,
    /// `software_tags`, in that order.
    pub tags: Vec<String>,
    /// Tactic tags in matrix order.
    pub tactic_tags: Vec<String>,
    /// Technique tags in ID order.
    pub technique_tags: Vec<String>,
    /// Group tags in ID order.
    pub group_tags: Vec<String>,
    /// Software tags in ID order.
    pub software_tags: Vec<String>,
    /// `export sigma-skeleton`: one rule per technique, in ID order; empty
    /// for `export sigma`.
    pub rules: Vec<RuleSkeleton>,
}

/// The fields of one rule skeleton.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSkeleton {
    /// The technique the rule is for (`T1059.001`).
    pub technique: String,
    /// Its ATT&CK page, for a comment (SigmaHQ keeps ATT&CK pages out of
    /// `references`: the tags say it).
    pub url: Option<String>,
    /// `title`: the technique's full name.
    pub title: String,
    /// `id`: a random UUIDv4.
    pub id: String,
    /// `status`: `experimental`.
    pub status: &'static str,
    /// `description`, with a `TODO`.
    pub description: String,
    /// `author`.
    pub author: String,
    /// `date`, `YYYY-MM-DD`.
    pub date: String,
    /// `level`.
    pub level: String,
    /// `tags`: the technique's tactics, the technique, and the group and
    /// software tags that apply to it.
    pub tags: Vec<String>,
    /// The technique's tactics (display names) within the selection.
    pub tactics: Vec<String>,
    /// The technique's platforms, as the data spells them.
    pub platforms: Vec<String>,
    /// `logsource.product` when the platforms name exactly one of Windows,
    /// Linux and macOS (`windows`, `linux`, `macos`), else `null`.
    pub product: Option<&'static str>,
}

impl Exporter for SigmaTags {
    fn name(&self) -> &'static str {
        "sigma"
    }

    fn summary(&self) -> &'static str {
        "Sigma rule `tags:` block: tactic, technique (and group/software) tags of the selection"
    }

    fn template(&self) -> &'static str {
        "sigma.yml.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Yaml
    }

    fn extension(&self) -> &'static str {
        "yml"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        sigma_context(input, false)
    }
}

impl Exporter for SigmaSkeleton {
    fn name(&self) -> &'static str {
        "sigma-skeleton"
    }

    fn context_key(&self) -> &'static str {
        "sigma"
    }

    fn summary(&self) -> &'static str {
        "Sigma rule skeletons, one per technique: title, id, tags, logsource and detection stubs"
    }

    fn template(&self) -> &'static str {
        "sigma-skeleton.yml.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Yaml
    }

    fn extension(&self) -> &'static str {
        "yml"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        sigma_context(input, true)
    }
}

fn sigma_context(input: &ExportInput<'_>, skeleton: bool) -> Result<FormatContext> {
    let model = input.model;
    let selection = input.selection;
    let options = &input.options.sigma;
    let live = live_techniques(model, &selection.techniques);
    let (techniques, warnings) = (&live.techniques, live.warnings());
    let order = TacticOrder::new(model);
    let mut part = SigmaContext {
        attack_version: input
            .domains
            .iter()
            .find_map(|d| d.attack_version.clone())
            .or_else(|| model.source.attack_version.clone()),
        tags: Vec::new(),
        tactic_tags: tactic_tags(&order, techniques, |t| selection.tactics_of(t)),
        technique_tags: techniques.iter().map(|t| id_tag(&t.technique_id)).collect(),
        group_tags: group_tags(selection, techniques, options),
        software_tags: software_tags(selection, techniques, options),
        rules: Vec::new(),
    };
    part.tags = [
        &part.tactic_tags,
        &part.technique_tags,
        &part.group_tags,
        &part.software_tags,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if skeleton {
        let fields = SkeletonFields::new(options);
        part.rules = techniques
            .iter()
            .map(|t| rule_skeleton(&order, selection, t, options, &fields))
            .collect();
    }
    Ok(FormatContext {
        value: Value::from(Serde(&part)),
        warnings,
    })
}

/// Techniques as Sigma may tag them: live ones.
#[derive(Debug, Clone, Default)]
pub struct LiveTechniques<'m> {
    /// The live techniques, in ID order, without repeats.
    pub techniques: Vec<&'m Technique>,
    /// Revoked techniques and the live replacement standing for each.
    pub replaced: Vec<(&'m Technique, &'m Technique)>,
    /// Deprecated techniques, and revoked ones without a live replacement:
    /// left out.
    pub dropped: Vec<&'m Technique>,
}

impl LiveTechniques<'_> {
    /// One sentence per replaced or dropped technique.
    pub fn warnings(&self) -> Vec<String> {
        let replaced = self.replaced.iter().map(|(t, r)| {
            format!(
                "{} ({}) is revoked; tagged as its replacement {} ({})",
                t.technique_id, t.name, r.technique_id, r.full_name
            )
        });
        let dropped = self.dropped.iter().map(|t| {
            format!(
                "{} ({}) is {} and has no live replacement: Sigma validators reject it, so it gets no tag",
                t.technique_id,
                t.name,
                if t.revoked { "revoked" } else { "deprecated" }
            )
        });
        replaced.chain(dropped).collect()
    }
}

/// `techniques` as live ones: a revoked technique becomes its live
/// replacement (the end of its revoked-by chain); a deprecated one, or a
/// revoked one without a live replacement, is dropped.
pub fn live_techniques<'m>(model: &'m Model, techniques: &[&'m Technique]) -> LiveTechniques<'m> {
    let mut live = LiveTechniques::default();
    for &t in techniques {
        if t.is_live() {
            live.techniques.push(t);
            continue;
        }
        let replacement = t
            .replaced_by
            .as_deref()
            .and_then(|r| model.technique(r))
            .filter(|r| t.revoked && r.is_live());
        match replacement {
            Some(r) => {
                live.replaced.push((t, r));
                live.techniques.push(r);
            }
            None => live.dropped.push(t),
        }
    }
    live.techniques
        .sort_by(|a, b| a.technique_id.cmp(&b.technique_id));
    live.techniques
        .dedup_by(|a, b| a.technique_id == b.technique_id);
    live
}

/// Positions of the tactics in the matrices of the loaded data.
struct TacticOrder<'m> {
    position: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> TacticOrder<'m> {
    fn new(model: &'m Model) -> Self {
        let position = model
            .tactics
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.id.as_str(), t.domain.as_str()), i))
            .collect();
        TacticOrder { position }
    }

    /// `tactics` of `t`, in matrix order.
    fn sorted<'t>(&self, t: &Technique, mut tactics: Vec<&'t TacticRef>) -> Vec<&'t TacticRef> {
        tactics.sort_by_key(|r| self.key(r, t));
        tactics
    }

    fn key(&self, r: &TacticRef, t: &Technique) -> usize {
        t.domains
            .iter()
            .filter_map(|d| self.position.get(&(r.id.as_str(), d.as_str())))
            .min()
            .copied()
            .unwrap_or(usize::MAX)
    }
}

/// The tactic tags of all `techniques` (`tactics_of` each), in matrix
/// order, once each.
fn tactic_tags<'t>(
    order: &TacticOrder<'_>,
    techniques: &[&'t Technique],
    tactics_of: impl Fn(&'t Technique) -> Vec<&'t TacticRef>,
) -> Vec<String> {
    let mut keyed: Vec<(usize, String)> = techniques
        .iter()
        .flat_map(|&t| {
            tactics_of(t)
                .into_iter()
                .map(move |r| (order.key(r, t), tactic_tag(&r.shortname)))
        })
        .collect();
    keyed.sort();
    let mut seen = BTreeSet::new();
    keyed
        .into_iter()
        .filter_map(|(_, tag)| seen.insert(tag.clone()).then_some(tag))
        .collect()
}

/// The tags saying that a rule detects `techniques`: all their tactics
/// (shortnames of the loaded data, in matrix order), then the techniques
/// (in ID order); lower-case, once each. What `sigma tag` adds.
pub fn technique_tags(model: &Model, techniques: &[&Technique]) -> Vec<String> {
    let order = TacticOrder::new(model);
    let mut tags = tactic_tags(&order, techniques, |t| t.tactics.iter().collect());
    let ids: BTreeSet<&str> = techniques.iter().map(|t| t.technique_id.as_str()).collect();
    tags.extend(ids.into_iter().map(id_tag));
    tags
}

/// `attack.` and the lower-cased ID.
fn id_tag(id: &str) -> String {
    format!("{ATTACK}.{}", id.trim().to_ascii_lowercase())
}

/// `attack.` and the tactic's shortname, lower-cased.
fn tactic_tag(shortname: &str) -> String {
    format!("{ATTACK}.{}", shortname.trim().to_ascii_lowercase())
}

/// The group tags: the named groups that use one of the techniques, and
/// with `with_groups` every group that does; in ID order.
fn group_tags(
    selection: &Selection<'_>,
    techniques: &[&Technique],
    options: &SigmaOptions,
) -> Vec<String> {
    let named: Vec<&str> = selection
        .groups
        .iter()
        .map(|g| g.info.id.as_str())
        .collect();
    let ids = techniques
        .iter()
        .flat_map(|t| t.groups.iter().map(|g| g.id.as_str()));
    related_tags(ids, &named, options.with_groups)
}

/// The software tags, as [`group_tags`] for software.
fn software_tags(
    selection: &Selection<'_>,
    techniques: &[&Technique],
    options: &SigmaOptions,
) -> Vec<String> {
    let named: Vec<&str> = selection
        .software
        .iter()
        .map(|s| s.info.id.as_str())
        .collect();
    let ids = techniques
        .iter()
        .flat_map(|t| t.software.iter().map(|s| s.id.as_str()));
    related_tags(ids, &named, options.with_software)
}

/// Tags of the related IDs that are named (or all of them with `all`),
/// sorted, once each.
fn related_tags<'a>(ids: impl Iterator<Item = &'a str>, named: &[&str], all: bool) -> Vec<String> {
    let chosen: BTreeSet<&str> = ids.filter(|id| all || named.contains(id)).collect();
    chosen.into_iter().map(id_tag).collect()
}

/// Skeleton fields that are the same for every rule.
struct SkeletonFields {
    author: String,
    date: String,
    level: String,
}

impl SkeletonFields {
    fn new(options: &SigmaOptions) -> Self {
        SkeletonFields {
            author: options
                .author
                .clone()
                .unwrap_or_else(|| "TODO: your name".to_string()),
            date: options.date.clone().unwrap_or_else(today),
            level: options
                .level
                .clone()
                .unwrap_or_else(|| "medium".to_string()),
        }
    }
}

fn rule_skeleton(
    order: &TacticOrder<'_>,
    selection: &Selection<'_>,
    t: &Technique,
    options: &SigmaOptions,
    fields: &SkeletonFields,
) -> RuleSkeleton {
    let tactics = order.sorted(t, selection.tactics_of(t));
    let one = [t];
    let mut tags: Vec<String> = tactics.iter().map(|r| tactic_tag(&r.shortname)).collect();
    tags.push(id_tag(&t.technique_id));
    tags.extend(group_tags(selection, &one, options));
    tags.extend(software_tags(selection, &one, options));
    let tactic_names: Vec<String> = tactics.iter().map(|r| r.name.clone()).collect();
    let within = if tactic_names.is_empty() {
        String::new()
    } else {
        format!(", {}", tactic_names.join(", "))
    };
    RuleSkeleton {
        technique: t.technique_id.clone(),
        url: technique_url(&t.technique_id),
        title: t.full_name.clone(),
        id: random_uuid(),
        status: "experimental",
        description: format!(
            "Detects {} ({}{within}). TODO: say what exactly the rule looks for and why it matters.",
            t.full_name, t.technique_id
        ),
        author: fields.author.clone(),
        date: fields.date.clone(),
        level: fields.level.clone(),
        tags,
        tactics: tactic_names,
        platforms: t.platforms.clone(),
        product: product(&t.platforms),
    }
}

/// The Sigma `product` of an operating system platform, when the platforms
/// name exactly one of Windows, Linux and macOS.
fn product(platforms: &[String]) -> Option<&'static str> {
    let found: Vec<&'static str> = platforms
        .iter()
        .filter_map(|p| match p.to_ascii_lowercase().as_str() {
            "windows" => Some("windows"),
            "linux" => Some("linux"),
            "macos" => Some("macos"),
            _ => None,
        })
        .collect();
    match found.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    crate::datastore::now_rfc3339()
        .get(..10)
        .unwrap_or("1970-01-01")
        .to_string()
}

/// Checks that `date` is a `YYYY-MM-DD` date that exists in the calendar:
/// a month 01–12 and a day that month has (29 February only in leap
/// years). The error says what is wrong, in words (without the date).
pub fn check_sigma_date(date: &str) -> std::result::Result<(), String> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    if !shaped || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return Err("expected a date as YYYY-MM-DD".to_string());
    }
    let year: u32 = date[..4].parse().unwrap_or(0);
    let month: u32 = date[5..7].parse().unwrap_or(0);
    let day: u32 = date[8..10].parse().unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(format!(
            "not a calendar date: there is no month {month:02} (expected YYYY-MM-DD)"
        ));
    }
    let last = days_in_month(year, month);
    if !(1..=last).contains(&day) {
        return Err(format!(
            "not a calendar date: {year}-{month:02} has {last} days (expected YYYY-MM-DD)"
        ));
    }
    Ok(())
}

/// The number of days of `month` (1–12) in `year` (Gregorian calendar).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A random UUID (version 4, RFC 9562) for a rule's `id`: 16 bytes from
/// `/dev/urandom`, or where that cannot be read, the SHA-256 of the time,
/// the process, a counter and the address of a stack value.
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !from_os {
        bytes = fallback_random();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn fallback_random() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let local = 0u8;
    let mut hasher = Sha256::new();
    hasher.update(nanos.to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hasher.update((&local as *const u8 as usize).to_le_bytes());
    let digest = hasher.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_uuid_v4(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
            && parts[2].starts_with('4')
            && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
    }

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = random_uuid();
        let b = random_uuid();
        assert!(is_uuid_v4(&a), "{a}");
        assert_ne!(a, b);
        assert_ne!(fallback_random(), fallback_random());
    }

    #[test]
    fn sigma_dates_are_checked() {
        let is_sigma_date = |date: &str| check_sigma_date(date).is_ok();
        assert!(is_sigma_date("2025-01-31"));
        assert!(is_sigma_date(&today()));
        assert!(!is_sigma_date("2025/01/31"));
        assert!(!is_sigma_date("2025-13-01"));
        assert!(!is_sigma_date("2025-1-1"));
        assert!(!is_sigma_date("2025-01-3x"));
        assert!(!is_sigma_date("２０２５-01-01"));
        assert!(!is_sigma_date("2026-02-30"));
        assert!(!is_sigma_date("2026-02-29"));
        assert!(is_sigma_date("2028-02-29"));
        assert!(is_sigma_date("2000-02-29"));
        assert!(!is_sigma_date("2100-02-29"));
        assert!(!is_sigma_date("2026-04-31"));
        assert!(!is_sigma_date("2026-01-00"));
        assert_eq!(
            check_sigma_date("2026-02-30").unwrap_err(),
            "not a calendar date: 2026-02 has 28 days (expected YYYY-MM-DD)"
        );
    }

    #[test]
    fn product_only_for_one_operating_system() {
        let p = |v: &[&str]| product(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["Windows"]), Some("windows"));
        assert_eq!(p(&["macOS", "IaaS"]), Some("macos"));
        assert_eq!(p(&["Windows", "Linux"]), None);
        assert_eq!(p(&["SaaS"]), None);
    }
}
