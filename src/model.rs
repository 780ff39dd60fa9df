//! The enriched model: every technique with its tactics and the groups,
//! software, campaigns, mitigations and detections related to it (and, for
//! ICS, the assets it targets), plus the reverse views. This is what `attackmap map` writes as JSON and what every
//! other command reads. `docs/model.md` documents every field.
//!
//! Lists of related objects hold only *counted* relationships (see
//! `docs/model.md`: live relationship, live object at the other end), so they
//! agree with MITRE's own library. Revoked and deprecated techniques and
//! objects are kept, flagged, so that tools can redirect old IDs.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Version of the model's JSON shape. Bumped on any incompatible change; the
/// cache key includes it, so a new attackmap never reads a stale cache. Added
/// fields (such as `assets`) keep it: they are `#[serde(default)]`, so older
/// model files still read (see `docs/model.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// The whole enriched model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// `attackmap <version>` that produced the file.
    pub generator: String,
    /// What the model was built from.
    pub source: Source,
    /// One entry per loaded domain.
    pub domains: Vec<Domain>,
    /// Every tactic, grouped by domain, in matrix order.
    pub tactics: Vec<Tactic>,
    /// Every technique and sub-technique, sorted by ATT&CK ID.
    pub techniques: Vec<Technique>,
    /// Groups (intrusion sets), sorted by ID.
    pub groups: Vec<Group>,
    /// Software (malware and tools), sorted by ID.
    pub software: Vec<Software>,
    /// Campaigns, sorted by ID.
    pub campaigns: Vec<Campaign>,
    /// Mitigations (course-of-action objects), sorted by ID.
    pub mitigations: Vec<Mitigation>,
    /// Detection strategies (v18+) and data components with `detects`
    /// relationships (v17 and older), sorted by ID.
    pub detections: Vec<Detection>,
    /// ICS assets (`x-mitre-asset`, `A0008`), sorted by ID. Absent in models
    /// written before attackmap read assets, hence the default.
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// Where the model came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    /// One entry per input, in the order given.
    pub inputs: Vec<SourceInput>,
    /// The ATT&CK release when every input agrees, else `null`.
    pub attack_version: Option<String>,
    /// Every domain loaded, sorted.
    pub domains: Vec<String>,
    /// Every STIX version seen, sorted.
    pub stix_versions: Vec<String>,
    /// The warnings printed while loading and mapping (skipped objects,
    /// undeterminable release, …).
    pub warnings: Vec<String>,
    /// In a cache file: the full cache key it was written under (its file
    /// name holds only the first 16 hex digits). Absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_key: Option<String>,
}

/// One input (file, directory or the embedded example).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceInput {
    /// The path as given.
    pub path: String,
    /// File name (last path component).
    pub file_name: String,
    /// `bundle`, `directory` or `embedded`.
    pub kind: String,
    /// SHA-256 of the bytes (directories: of every file's path and bytes).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The parts of this input (a bundle has one; a mitre/cti tree one per domain).
    pub parts: Vec<SourcePart>,
}

/// A domain-level unit of an input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourcePart {
    /// Name in messages.
    pub label: String,
    /// Domain of the part.
    pub domain: Option<String>,
    /// `2.0` or `2.1`.
    pub stix_version: Option<String>,
    /// ATT&CK release of the part.
    pub attack_version: Option<String>,
    /// How the release was found: `x-mitre-collection`,
    /// `pinned-release-sha256`, `option` or `inferred-from-modified`.
    pub attack_version_source: Option<String>,
    /// Number of objects of the types attackmap reads.
    pub objects: usize,
}

/// A loaded domain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Domain {
    /// `enterprise-attack`, `mobile-attack`, `ics-attack`.
    pub id: String,
    /// Name of its live matrix (`Enterprise ATT&CK`).
    pub name: Option<String>,
    /// ATT&CK release of the domain's data.
    pub attack_version: Option<String>,
    /// STIX version of the domain's data.
    pub stix_version: Option<String>,
    /// Tactic IDs in matrix order.
    pub tactics: Vec<String>,
    /// Platforms of the domain's live techniques, sorted.
    pub platforms: Vec<String>,
}

/// A tactic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tactic {
    /// ATT&CK ID (`TA0002`).
    pub id: String,
    /// Shortname (`execution`): Navigator `tactic`, Sigma tag, STIX `phase_name`.
    pub shortname: String,
    /// Display name (`Execution`).
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Position in the domain's matrix, from 0.
    pub order: usize,
    /// ATT&CK page.
    pub url: Option<String>,
    /// STIX id.
    pub stix_id: String,
    /// Description, when the model was written with descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A tactic as listed on a technique.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct TacticRef {
    /// ATT&CK ID (`TA0002`).
    pub id: String,
    /// Shortname (`execution`).
    pub shortname: String,
    /// Display name (`Execution`).
    pub name: String,
}

/// A technique or sub-technique.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Technique {
    /// ATT&CK ID (`T1059`, `T1059.001`).
    pub technique_id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name (`PowerShell`).
    pub name: String,
    /// For a sub-technique `Parent name: Name`, else the name.
    pub full_name: String,
    /// Domains it was loaded from.
    pub domains: Vec<String>,
    /// ATT&CK page.
    pub url: Option<String>,
    /// Description, when the model was written with descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tactics in matrix order.
    pub tactics: Vec<TacticRef>,
    /// Platforms as in the data.
    pub platforms: Vec<String>,
    /// `x_mitre_is_subtechnique`.
    pub is_subtechnique: bool,
    /// Parent technique ID (through a counted `subtechnique-of`).
    pub parent: Option<String>,
    /// Live sub-technique IDs, sorted.
    pub subtechniques: Vec<String>,
    /// `revoked: true`.
    pub revoked: bool,
    /// `x_mitre_deprecated: true`.
    pub deprecated: bool,
    /// The object named by this technique's `revoked-by` relationship (one
    /// hop, as MITRE's library answers).
    pub revoked_by: Option<String>,
    /// Every hop of the revoked-by chain, starting with `revoked_by`.
    pub revoked_by_chain: Vec<String>,
    /// The live technique at the end of the revoked-by chain: where an old
    /// ID should be redirected. `null` if the chain ends on a deprecated
    /// object, a missing object or a cycle.
    pub replaced_by: Option<String>,
    /// `created` timestamp.
    pub created: Option<String>,
    /// `modified` timestamp.
    pub modified: Option<String>,
    /// `x_mitre_version`.
    pub version: Option<String>,
    /// Groups using it: directly, through an attributed campaign, or both.
    pub groups: Vec<TechniqueGroup>,
    /// Software using it.
    pub software: Vec<Related>,
    /// Campaigns using it.
    pub campaigns: Vec<Related>,
    /// Mitigations of it.
    pub mitigations: Vec<Related>,
    /// Detections of it.
    pub detections: Vec<DetectionRef>,
    /// ICS assets it targets (counted `targets` relationships to live
    /// assets), sorted by ID; empty outside ICS.
    #[serde(default)]
    pub assets: Vec<NamedRef>,
}

impl Technique {
    /// Neither revoked nor deprecated.
    pub fn is_live(&self) -> bool {
        !self.revoked && !self.deprecated
    }

    /// Whether the technique belongs to the tactic given by ID, shortname or
    /// name (case-insensitive; `_` and `-` are the same).
    pub fn has_tactic(&self, tactic: &str) -> bool {
        self.tactics.iter().any(|t| tactic_matches(t, tactic))
    }

    /// Whether the technique runs on the platform (case-insensitive).
    pub fn has_platform(&self, platform: &str) -> bool {
        self.platforms
            .iter()
            .any(|p| p.eq_ignore_ascii_case(platform))
    }
}

/// Whether `query` names this tactic by ID, shortname or display name.
pub fn tactic_matches(tactic: &TacticRef, query: &str) -> bool {
    let normalised = query.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    tactic.id.eq_ignore_ascii_case(query.trim())
        || tactic.shortname == normalised
        || tactic.name.to_ascii_lowercase().replace(' ', "-") == normalised
}

/// How a group is related to a technique.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// A `uses` relationship from the group.
    Direct,
    /// Only through campaigns attributed to the group.
    Campaign,
    /// Both.
    Both,
}

impl Relation {
    /// From whether there is a direct relationship and campaign paths.
    pub fn from_paths(direct: bool, via_campaign: bool) -> Relation {
        match (direct, via_campaign) {
            (true, true) => Relation::Both,
            (false, true) => Relation::Campaign,
            _ => Relation::Direct,
        }
    }

    /// `direct`, `campaign` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Direct => "direct",
            Relation::Campaign => "campaign",
            Relation::Both => "both",
        }
    }
}

/// A group related to a technique.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueGroup {
    /// Group ID (`G0016`).
    pub id: String,
    /// Group name.
    pub name: String,
    /// `direct`, `campaign` or `both`.
    pub relation: Relation,
    /// The attributed campaigns through which the group uses the technique.
    pub via_campaigns: Vec<NamedRef>,
    /// The direct relationship's description (the procedure example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
}

/// An ID and a name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamedRef {
    /// ATT&CK ID.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A related object of a technique, with the relationship's description.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Related {
    /// ATT&CK ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// For software: `malware` or `tool`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The relationship's description (procedure example or mitigation text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
}

/// What kind of detection object a [`DetectionRef`] or [`Detection`] is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DetectionKind {
    /// `x-mitre-detection-strategy` (ATT&CK v18 and newer).
    DetectionStrategy,
    /// `x-mitre-data-component` with a `detects` relationship (v17 and older).
    DataComponent,
}

/// A detection of a technique.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DetectionRef {
    /// `DET0455`; for v17 data components the ATT&CK ID if any, else the
    /// `Data Source: Data Component` label.
    pub id: String,
    /// Name.
    pub name: String,
    /// `detection-strategy` or `data-component`.
    pub kind: DetectionKind,
    /// Analytic IDs of a detection strategy.
    pub analytics: Vec<String>,
    /// Data components the analytics read (or the data component itself).
    pub data_components: Vec<NamedRef>,
}

impl DetectionRef {
    /// Whether `id` is an ATT&CK ID (`DET0455`, `DC0032`). A v17 data
    /// component without one carries its `Data Source: Data Component`
    /// label as both `id` and `name`.
    pub fn has_attack_id(&self) -> bool {
        self.id != self.name
    }
}

/// A technique as listed on a group, software, campaign or mitigation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueRef {
    /// Technique ID.
    pub id: String,
    /// Technique name.
    pub name: String,
}

/// A technique as listed on a group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupTechnique {
    /// Technique ID.
    pub id: String,
    /// Technique name.
    pub name: String,
    /// `direct`, `campaign` or `both`.
    pub relation: Relation,
    /// The group's attributed campaigns that use it.
    pub via_campaigns: Vec<NamedRef>,
}

/// Fields every ATT&CK object in the model has.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ObjectInfo {
    /// ATT&CK ID.
    pub id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name.
    pub name: String,
    /// Domains it was loaded from.
    pub domains: Vec<String>,
    /// ATT&CK page.
    pub url: Option<String>,
    /// `revoked: true`.
    pub revoked: bool,
    /// `x_mitre_deprecated: true`.
    pub deprecated: bool,
    /// One hop of `revoked-by`.
    pub revoked_by: Option<String>,
    /// Description, when the model was written with descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A group (intrusion set).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    /// ID, name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Techniques: direct `uses` plus those of attributed campaigns.
    pub techniques: Vec<GroupTechnique>,
    /// Software it uses.
    pub software: Vec<NamedRef>,
    /// Campaigns attributed to it.
    pub campaigns: Vec<NamedRef>,
}

/// Software (malware or tool).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Software {
    /// ID, name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// `malware` or `tool`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Platforms.
    pub platforms: Vec<String>,
    /// Techniques it uses.
    pub techniques: Vec<TechniqueRef>,
    /// Groups using it.
    pub groups: Vec<NamedRef>,
    /// Campaigns using it.
    pub campaigns: Vec<NamedRef>,
}

/// A campaign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Campaign {
    /// ID, name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// Aliases.
    pub aliases: Vec<String>,
    /// First seen.
    pub first_seen: Option<String>,
    /// Last seen.
    pub last_seen: Option<String>,
    /// Groups it is attributed to.
    pub groups: Vec<NamedRef>,
    /// Techniques it uses.
    pub techniques: Vec<TechniqueRef>,
    /// Software it uses.
    pub software: Vec<NamedRef>,
}

/// A mitigation (course of action).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mitigation {
    /// ID, name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// Techniques it mitigates.
    pub techniques: Vec<TechniqueRef>,
}

/// A detection strategy or data component.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Detection {
    /// ID, name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// `detection-strategy` or `data-component`.
    pub kind: DetectionKind,
    /// Analytic IDs of a detection strategy.
    pub analytics: Vec<String>,
    /// Data components read by its analytics.
    pub data_components: Vec<NamedRef>,
    /// Techniques it detects.
    pub techniques: Vec<TechniqueRef>,
}

/// An ICS asset (`x-mitre-asset`): a kind of device or system that
/// techniques target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Asset {
    /// ID (`A0008`), name, flags.
    #[serde(flatten)]
    pub info: ObjectInfo,
    /// Platforms (`x_mitre_platforms`), as in the data.
    pub platforms: Vec<String>,
    /// Sectors (`x_mitre_sectors`), as in the data; empty when absent.
    pub sectors: Vec<String>,
    /// Other names of the asset in some sectors (`x_mitre_related_assets`),
    /// in the order of the data.
    pub related_assets: Vec<RelatedAsset>,
    /// Live techniques targeting it.
    pub techniques: Vec<TechniqueRef>,
}

/// A name an ICS asset goes by (one `x_mitre_related_assets` entry).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelatedAsset {
    /// Name (`Engineering Workstation (EWS)`).
    pub name: String,
    /// Sectors where it is found (`related_asset_sectors`).
    pub sectors: Vec<String>,
    /// Description, when the model was written with descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The kinds of object a user can name by ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// Technique or sub-technique.
    Technique,
    /// Tactic.
    Tactic,
    /// Group.
    Group,
    /// Software.
    Software,
    /// Campaign.
    Campaign,
    /// Mitigation.
    Mitigation,
    /// Detection strategy or data component.
    Detection,
    /// ICS asset.
    Asset,
}

impl ObjectKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Technique => "technique",
            ObjectKind::Tactic => "tactic",
            ObjectKind::Group => "group",
            ObjectKind::Software => "software",
            ObjectKind::Campaign => "campaign",
            ObjectKind::Mitigation => "mitigation",
            ObjectKind::Detection => "detection",
            ObjectKind::Asset => "asset",
        }
    }
}

/// Lookup of model objects by ATT&CK ID, kept by kind so that an ID shared
/// by a technique and a deprecated old-style mitigation never collides.
#[derive(Debug, Default)]
pub struct ModelIndex {
    by_kind: HashMap<(KindKey, String), usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KindKey {
    Technique,
    Tactic,
    Group,
    Software,
    Campaign,
    Mitigation,
    Detection,
    Asset,
}

impl From<ObjectKind> for KindKey {
    fn from(kind: ObjectKind) -> Self {
        match kind {
            ObjectKind::Technique => KindKey::Technique,
            ObjectKind::Tactic => KindKey::Tactic,
            ObjectKind::Group => KindKey::Group,
            ObjectKind::Software => KindKey::Software,
            ObjectKind::Campaign => KindKey::Campaign,
            ObjectKind::Mitigation => KindKey::Mitigation,
            ObjectKind::Detection => KindKey::Detection,
            ObjectKind::Asset => KindKey::Asset,
        }
    }
}

impl ModelIndex {
    /// Builds the index of a model.
    pub fn new(model: &Model) -> Self {
        let mut by_kind = HashMap::new();
        let mut add = |kind: ObjectKind, id: &str, i: usize| {
            by_kind
                .entry((kind.into(), id.to_ascii_uppercase()))
                .or_insert(i);
        };
        for (i, t) in model.techniques.iter().enumerate() {
            add(ObjectKind::Technique, &t.technique_id, i);
        }
        for (i, t) in model.tactics.iter().enumerate() {
            add(ObjectKind::Tactic, &t.id, i);
        }
        for (i, g) in model.groups.iter().enumerate() {
            add(ObjectKind::Group, &g.info.id, i);
        }
        for (i, s) in model.software.iter().enumerate() {
            add(ObjectKind::Software, &s.info.id, i);
        }
        for (i, c) in model.campaigns.iter().enumerate() {
            add(ObjectKind::Campaign, &c.info.id, i);
        }
        for (i, m) in model.mitigations.iter().enumerate() {
            add(ObjectKind::Mitigation, &m.info.id, i);
        }
        for (i, d) in model.detections.iter().enumerate() {
            add(ObjectKind::Detection, &d.info.id, i);
        }
        for (i, a) in model.assets.iter().enumerate() {
            add(ObjectKind::Asset, &a.info.id, i);
        }
        ModelIndex { by_kind }
    }

    /// Position of the object of `kind` with this ID (case-insensitive).
    pub fn get(&self, kind: ObjectKind, id: &str) -> Option<usize> {
        self.by_kind
            .get(&(kind.into(), id.trim().to_ascii_uppercase()))
            .copied()
    }
}

impl Model {
    /// The technique with this ID (case-insensitive), live or not.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        let id = id.trim();
        self.techniques
            .binary_search_by(|t| t.technique_id.as_str().cmp(id))
            .ok()
            .map(|i| &self.techniques[i])
            .or_else(|| {
                self.techniques
                    .iter()
                    .find(|t| t.technique_id.eq_ignore_ascii_case(id))
            })
    }

    /// The group with this ID.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The software with this ID.
    pub fn software_by_id(&self, id: &str) -> Option<&Software> {
        self.software
            .iter()
            .find(|s| s.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The campaign with this ID.
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns
            .iter()
            .find(|c| c.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The mitigation with this ID.
    pub fn mitigation(&self, id: &str) -> Option<&Mitigation> {
        self.mitigations
            .iter()
            .find(|m| m.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The detection with this ID.
    pub fn detection(&self, id: &str) -> Option<&Detection> {
        self.detections
            .iter()
            .find(|d| d.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The ICS asset with this ID.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets
            .iter()
            .find(|a| a.info.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The tactic with this ID, shortname or name, in the first domain that
    /// has it.
    pub fn tactic(&self, query: &str) -> Option<&Tactic> {
        self.tactics_named(query).into_iter().next()
    }

    /// Every tactic `query` names by ID, shortname or display name: one per
    /// domain for a name several domains share (`Initial Access` is TA0001
    /// in enterprise, TA0027 in mobile and TA0108 in ICS).
    pub fn tactics_named(&self, query: &str) -> Vec<&Tactic> {
        self.tactics
            .iter()
            .filter(|t| {
                tactic_matches(
                    &TacticRef {
                        id: t.id.clone(),
                        shortname: t.shortname.clone(),
                        name: t.name.clone(),
                    },
                    query,
                )
            })
            .collect()
    }

    /// Live techniques (neither revoked nor deprecated).
    pub fn live_techniques(&self) -> impl Iterator<Item = &Technique> {
        self.techniques.iter().filter(|t| t.is_live())
    }
}
