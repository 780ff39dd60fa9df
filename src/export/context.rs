//! The data a template receives: the **context**.
//!
//! Every exporter gets the same common part, built here from the model and
//! the [`Selection`]; the exporter adds its own part under its name
//! (`navigator`, …). `attackmap export FORMAT --context` writes exactly this
//! structure as JSON, and `--from-context FILE` renders from such a file.
//! `docs/export.md` documents every field.
//!
//! The structures borrow from the model; nothing is copied until the
//! context is converted to a template value.

use std::sync::{Arc, OnceLock};

use minijinja::value::Serde;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::model::*;
use crate::selection::Selection;

use super::templates::{attack_url, technique_url};

/// The whole context: the common part plus the exporter's part.
#[derive(Debug)]
pub struct Context<'a> {
    /// Who produced it.
    pub attackmap: Generator,
    /// The data it was produced from.
    pub source: SourceContext<'a>,
    /// What was selected.
    pub selection: SelectionContext<'a>,
    /// With `--each`: the object this output is for.
    pub object: Option<ObjectContext>,
    /// The domains the output covers (those of the selected techniques).
    pub domains: Vec<DomainContext<'a>>,
    /// The selected techniques, in ATT&CK ID order.
    pub techniques: Vec<TechniqueContext<'a>>,
    /// The exporter's own part, stored under `format_key`.
    pub format_part: minijinja::Value,
    /// The key of the exporter's part (the exporter's name).
    pub format_key: &'static str,
}

impl Serialize for Context<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("attackmap", &self.attackmap)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("selection", &self.selection)?;
        map.serialize_entry("object", &self.object)?;
        map.serialize_entry("domains", &self.domains)?;
        map.serialize_entry("techniques", &self.techniques)?;
        map.serialize_entry(self.format_key, &self.format_part)?;
        map.end()
    }
}

/// `attackmap`: the program and the format.
#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    /// attackmap's version (`0.1.0`).
    pub version: &'static str,
    /// `attackmap 0.1.0`.
    pub generator: String,
    /// The export format (`navigator`).
    pub format: &'static str,
}

impl Generator {
    /// For this build of attackmap and `format`.
    pub fn new(format: &'static str) -> Generator {
        let version = env!("CARGO_PKG_VERSION");
        Generator {
            version,
            generator: format!("attackmap {version}"),
            format,
        }
    }
}

/// `source`: what the model was built from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceContext<'a> {
    /// The ATT&CK release when every input agrees, else `null`.
    pub attack_version: Option<&'a str>,
    /// Every domain loaded.
    pub domains: &'a [String],
    /// One entry per input.
    pub inputs: Vec<InputContext<'a>>,
}

/// One input of the model.
#[derive(Debug, Clone, Serialize)]
pub struct InputContext<'a> {
    /// File name (no directory).
    pub file_name: &'a str,
    /// `bundle`, `directory` or `embedded`.
    pub kind: &'a str,
    /// SHA-256 of its bytes.
    pub sha256: &'a str,
    /// Size in bytes.
    pub size: u64,
}

impl<'a> SourceContext<'a> {
    /// From the model's source.
    pub fn new(model: &'a Model) -> Self {
        SourceContext {
            attack_version: model.source.attack_version.as_deref(),
            domains: &model.source.domains,
            inputs: model
                .source
                .inputs
                .iter()
                .map(|i| InputContext {
                    file_name: &i.file_name,
                    kind: &i.kind,
                    sha256: &i.sha256,
                    size: i.size,
                })
                .collect(),
        }
    }
}

/// `selection`: what was selected and how.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionContext<'a> {
    /// Short title (`APT29 (G0016)`, `3 groups`, `All techniques`).
    pub title: String,
    /// One sentence describing the selection.
    pub description: String,
    /// The selection in command-line form (`--group G0016`); empty for all.
    pub arguments: String,
    /// Number of selected techniques.
    pub count: usize,
    /// Whether nothing was selected.
    pub empty: bool,
    /// Technique IDs named with `--technique`, as given (repeats kept).
    pub techniques_named: Vec<&'a str>,
    /// Groups named.
    pub groups: Vec<NamedObject<'a>>,
    /// Software named.
    pub software: Vec<NamedObject<'a>>,
    /// Campaigns named.
    pub campaigns: Vec<NamedObject<'a>>,
    /// Mitigations named.
    pub mitigations: Vec<NamedObject<'a>>,
    /// Tactics named.
    pub tactics: Vec<TacticContext<'a>>,
    /// Platforms named, as the data spells them.
    pub platforms: &'a [String],
    /// Domains named.
    pub domains: Vec<&'a str>,
    /// `--gaps`.
    pub gaps: bool,
    /// `--include-revoked`.
    pub include_revoked: bool,
    /// `--include-deprecated`.
    pub include_deprecated: bool,
    /// Warnings about the selection (also printed on stderr).
    pub warnings: &'a [String],
}

/// A group, software, campaign or mitigation named in the selection.
#[derive(Debug, Clone, Serialize)]
pub struct NamedObject<'a> {
    /// ATT&CK ID.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// ATT&CK page (trailing slash).
    pub url: Option<String>,
}

impl<'a> NamedObject<'a> {
    /// From an object's common fields.
    pub fn new(info: &'a ObjectInfo) -> Self {
        NamedObject {
            id: &info.id,
            name: &info.name,
            url: attack_url(&info.id),
        }
    }
}

/// A tactic.
#[derive(Debug, Clone, Serialize)]
pub struct TacticContext<'a> {
    /// `TA0002`.
    pub id: &'a str,
    /// `execution`.
    pub shortname: &'a str,
    /// `Execution`.
    pub name: &'a str,
}

impl<'a> TacticContext<'a> {
    /// From a tactic reference.
    pub fn of_ref(t: &'a TacticRef) -> Self {
        TacticContext {
            id: &t.id,
            shortname: &t.shortname,
            name: &t.name,
        }
    }

    /// From a tactic.
    pub fn of_tactic(t: &'a Tactic) -> Self {
        TacticContext {
            id: &t.id,
            shortname: &t.shortname,
            name: &t.name,
        }
    }
}

impl<'a> SelectionContext<'a> {
    /// From a resolved selection.
    pub fn new(selection: &'a Selection<'a>) -> Self {
        let c = &selection.criteria;
        SelectionContext {
            title: selection.title(),
            description: selection.description(),
            arguments: c.arguments(),
            count: selection.techniques.len(),
            empty: selection.is_empty(),
            techniques_named: c.techniques.iter().map(|t| t.id.as_str()).collect(),
            groups: selection
                .groups
                .iter()
                .map(|g| NamedObject::new(&g.info))
                .collect(),
            software: selection
                .software
                .iter()
                .map(|s| NamedObject::new(&s.info))
                .collect(),
            campaigns: selection
                .campaigns
                .iter()
                .map(|x| NamedObject::new(&x.info))
                .collect(),
            mitigations: selection
                .mitigations
                .iter()
                .map(|m| NamedObject::new(&m.info))
                .collect(),
            tactics: selection
                .tactics
                .iter()
                .map(|t| TacticContext::of_tactic(t))
                .collect(),
            platforms: &selection.platforms,
            domains: selection.domains.iter().map(|d| d.id.as_str()).collect(),
            gaps: c.gaps,
            include_revoked: c.include_revoked,
            include_deprecated: c.include_deprecated,
            warnings: &selection.warnings,
        }
    }
}

/// `object`: with `--each`, the object the output is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectContext {
    /// `group`, `software`, `campaign` or `technique`.
    pub kind: &'static str,
    /// ATT&CK ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// ATT&CK page (trailing slash).
    pub url: Option<String>,
}

/// A domain the output covers.
#[derive(Debug, Clone, Serialize)]
pub struct DomainContext<'a> {
    /// `enterprise-attack`.
    pub id: &'a str,
    /// `Enterprise ATT&CK`.
    pub name: Option<&'a str>,
    /// The domain's ATT&CK release (`18.1`).
    pub attack_version: Option<&'a str>,
    /// Platforms of its live techniques, as the data spells them.
    pub platforms: &'a [String],
    /// Its tactics in matrix order.
    pub tactics: Vec<TacticContext<'a>>,
}

impl<'a> DomainContext<'a> {
    /// From a model domain.
    pub fn new(model: &'a Model, domain: &'a Domain) -> Self {
        DomainContext {
            id: &domain.id,
            name: domain.name.as_deref(),
            attack_version: domain
                .attack_version
                .as_deref()
                .or(model.source.attack_version.as_deref()),
            platforms: &domain.platforms,
            tactics: domain
                .tactics
                .iter()
                .filter_map(|id| {
                    model
                        .tactics
                        .iter()
                        .find(|t| &t.id == id && t.domain == domain.id)
                })
                .map(TacticContext::of_tactic)
                .collect(),
        }
    }
}

/// A selected technique with everything related to it.
///
/// Serialised with the fields in the order below; the five lists of every
/// related object (`groups` … `detections`) come from a [`RelatedCache`],
/// so a technique shared by many outputs (`--each`) is converted to a
/// template value once.
#[derive(Debug, Clone)]
pub struct TechniqueContext<'a> {
    /// `T1059.001`.
    pub id: &'a str,
    /// `PowerShell`.
    pub name: &'a str,
    /// `Command and Scripting Interpreter: PowerShell`.
    pub full_name: &'a str,
    /// ATT&CK page with trailing slash.
    pub url: Option<String>,
    /// Domains it belongs to.
    pub domains: &'a [String],
    /// All its tactics, in matrix order.
    pub tactics: Vec<TacticContext<'a>>,
    /// Its tactics within the selection (all of them unless `--tactic`).
    pub selected_tactics: Vec<TacticContext<'a>>,
    /// Platforms.
    pub platforms: &'a [String],
    /// Whether it is a sub-technique.
    pub is_subtechnique: bool,
    /// Parent technique ID.
    pub parent: Option<&'a str>,
    /// Live sub-technique IDs.
    pub subtechniques: &'a [String],
    /// Revoked.
    pub revoked: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// For a revoked technique, the live technique replacing it.
    pub replaced_by: Option<&'a str>,
    /// How many times it was named with `--technique` (0 if not named).
    pub times_named: usize,
    /// Every group using it (campaign attribution included).
    pub groups: Vec<GroupUse<'a>>,
    /// Every software using it.
    pub software: Vec<RelatedContext<'a>>,
    /// Every campaign using it.
    pub campaigns: Vec<RelatedContext<'a>>,
    /// Every mitigation of it.
    pub mitigations: Vec<RelatedContext<'a>>,
    /// Every detection of it.
    pub detections: Vec<RelatedContext<'a>>,
    /// The groups named in the selection that use it.
    pub named_groups: Vec<GroupUse<'a>>,
    /// The software named in the selection that uses it; when groups (and
    /// no software) are named: the named groups' software that uses it.
    pub named_software: Vec<RelatedContext<'a>>,
    /// The campaigns named in the selection that use it; when groups (and
    /// no campaigns) are named: the named groups' campaigns that use it.
    pub named_campaigns: Vec<RelatedContext<'a>>,
    /// The mitigations named in the selection that mitigate it.
    pub named_mitigations: Vec<RelatedContext<'a>>,
    /// The five full lists as template values (from the cache).
    related: Arc<RelatedValues>,
}

impl Serialize for TechniqueContext<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(25))?;
        map.serialize_entry("id", self.id)?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("full_name", self.full_name)?;
        map.serialize_entry("url", &self.url)?;
        map.serialize_entry("domains", self.domains)?;
        map.serialize_entry("tactics", &self.tactics)?;
        map.serialize_entry("selected_tactics", &self.selected_tactics)?;
        map.serialize_entry("platforms", self.platforms)?;
        map.serialize_entry("is_subtechnique", &self.is_subtechnique)?;
        map.serialize_entry("parent", &self.parent)?;
        map.serialize_entry("subtechniques", self.subtechniques)?;
        map.serialize_entry("revoked", &self.revoked)?;
        map.serialize_entry("deprecated", &self.deprecated)?;
        map.serialize_entry("replaced_by", &self.replaced_by)?;
        map.serialize_entry("times_named", &self.times_named)?;
        map.serialize_entry("groups", &self.related.groups)?;
        map.serialize_entry("software", &self.related.software)?;
        map.serialize_entry("campaigns", &self.related.campaigns)?;
        map.serialize_entry("mitigations", &self.related.mitigations)?;
        map.serialize_entry("detections", &self.related.detections)?;
        map.serialize_entry("named_groups", &self.named_groups)?;
        map.serialize_entry("named_software", &self.named_software)?;
        map.serialize_entry("named_campaigns", &self.named_campaigns)?;
        map.serialize_entry("named_mitigations", &self.named_mitigations)?;
        map.end()
    }
}

/// A technique's full lists of related objects, converted to template
/// values.
#[derive(Debug)]
struct RelatedValues {
    groups: minijinja::Value,
    software: minijinja::Value,
    campaigns: minijinja::Value,
    mitigations: minijinja::Value,
    detections: minijinja::Value,
}

/// The related-object lists of a model's techniques as template values,
/// converted on first use and shared by every output of an export (and by
/// threads).
#[derive(Debug)]
pub struct RelatedCache {
    slots: Vec<OnceLock<Arc<RelatedValues>>>,
}

impl RelatedCache {
    /// An empty cache for `model`.
    pub fn new(model: &Model) -> Self {
        RelatedCache {
            slots: (0..model.techniques.len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    fn get(&self, model: &Model, t: &Technique, tc: &TechniqueContext<'_>) -> Arc<RelatedValues> {
        let convert = || {
            Arc::new(RelatedValues {
                groups: minijinja::Value::from(Serde(&tc.groups)),
                software: minijinja::Value::from(Serde(&tc.software)),
                campaigns: minijinja::Value::from(Serde(&tc.campaigns)),
                mitigations: minijinja::Value::from(Serde(&tc.mitigations)),
                detections: minijinja::Value::from(Serde(&tc.detections)),
            })
        };
        let index = model
            .techniques
            .binary_search_by(|x| x.technique_id.as_str().cmp(&t.technique_id))
            .ok()
            .filter(|&i| std::ptr::eq(&model.techniques[i], t));
        match index.and_then(|i| self.slots.get(i)) {
            Some(slot) => Arc::clone(slot.get_or_init(convert)),
            None => convert(),
        }
    }
}

/// How a group uses a technique.
#[derive(Debug, Clone, Serialize)]
pub struct GroupUse<'a> {
    /// `G0016`.
    pub id: &'a str,
    /// `APT29`.
    pub name: &'a str,
    /// `direct`, `campaign` or `both`.
    pub relation: &'static str,
    /// The attributed campaigns through which it uses the technique.
    pub via_campaigns: Vec<IdName<'a>>,
}

/// An ID and a name.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IdName<'a> {
    /// ATT&CK ID.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
}

/// A related object: software, campaign, mitigation or detection.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedContext<'a> {
    /// ATT&CK ID.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Software: `malware` or `tool`; detections: `detection-strategy` or
    /// `data-component`; otherwise `null`.
    #[serde(rename = "type")]
    pub kind: Option<&'a str>,
}

impl<'a> GroupUse<'a> {
    /// From a technique's group entry.
    pub fn new(g: &'a TechniqueGroup) -> Self {
        GroupUse {
            id: &g.id,
            name: &g.name,
            relation: g.relation.as_str(),
            via_campaigns: g
                .via_campaigns
                .iter()
                .map(|c| IdName {
                    id: &c.id,
                    name: &c.name,
                })
                .collect(),
        }
    }

    /// `APT29 (G0016)`, `APT29 (G0016) via C0024 SolarWinds Compromise` or
    /// `APT29 (G0016) directly and via C0024 SolarWinds Compromise`.
    pub fn label(&self) -> String {
        let via: Vec<String> = self
            .via_campaigns
            .iter()
            .map(|c| format!("{} {}", c.id, c.name))
            .collect();
        match (self.relation, via.is_empty()) {
            (_, true) | ("direct", _) => format!("{} ({})", self.name, self.id),
            ("both", false) => format!(
                "{} ({}) directly and via {}",
                self.name,
                self.id,
                via.join(", ")
            ),
            _ => format!("{} ({}) via {}", self.name, self.id, via.join(", ")),
        }
    }
}

impl<'a> RelatedContext<'a> {
    fn of(r: &'a Related) -> Self {
        RelatedContext {
            id: &r.id,
            name: &r.name,
            kind: r.kind.as_deref(),
        }
    }

    fn of_detection(d: &'a DetectionRef) -> Self {
        RelatedContext {
            id: &d.id,
            name: &d.name,
            kind: Some(match d.kind {
                DetectionKind::DetectionStrategy => "detection-strategy",
                DetectionKind::DataComponent => "data-component",
            }),
        }
    }

    /// `Cobalt Strike (S0154)`; the name alone when it is the ID (a v17
    /// data component without an ATT&CK ID: `Application Log: Application
    /// Log Content`).
    pub fn label(&self) -> String {
        if self.id == self.name {
            self.name.to_string()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }
}

/// The entries of `related` whose ID is `named`; when none is named, those
/// among `of_named_groups` (the named groups' software or campaigns).
fn named_related<'a, 'n>(
    related: &'a [Related],
    named: impl Iterator<Item = &'n str>,
    of_named_groups: impl Iterator<Item = &'n NamedRef>,
) -> Vec<RelatedContext<'a>> {
    let mut wanted: Vec<&str> = named.collect();
    if wanted.is_empty() {
        wanted = of_named_groups.map(|x| x.id.as_str()).collect();
    }
    related
        .iter()
        .filter(|r| wanted.contains(&r.id.as_str()))
        .map(RelatedContext::of)
        .collect()
}

impl<'a> TechniqueContext<'a> {
    /// The context of one selected technique of `model`.
    pub fn new(
        model: &Model,
        selection: &Selection<'a>,
        t: &'a Technique,
        cache: &RelatedCache,
    ) -> Self {
        let named_groups: Vec<GroupUse<'a>> = if selection.groups.is_empty() {
            Vec::new()
        } else {
            t.groups
                .iter()
                .filter(|g| selection.groups.iter().any(|s| s.info.id == g.id))
                .map(GroupUse::new)
                .collect()
        };
        let named_software = named_related(
            &t.software,
            selection.software.iter().map(|x| x.info.id.as_str()),
            selection.groups.iter().flat_map(|g| &g.software),
        );
        let named_campaigns = named_related(
            &t.campaigns,
            selection.campaigns.iter().map(|x| x.info.id.as_str()),
            selection.groups.iter().flat_map(|g| &g.campaigns),
        );
        let named_mitigations = named_related(
            &t.mitigations,
            selection.mitigations.iter().map(|x| x.info.id.as_str()),
            std::iter::empty(),
        );
        let mut tc = TechniqueContext {
            id: &t.technique_id,
            name: &t.name,
            full_name: &t.full_name,
            url: technique_url(&t.technique_id),
            domains: &t.domains,
            tactics: t.tactics.iter().map(TacticContext::of_ref).collect(),
            selected_tactics: selection
                .tactics_of(t)
                .into_iter()
                .map(TacticContext::of_ref)
                .collect(),
            platforms: &t.platforms,
            is_subtechnique: t.is_subtechnique,
            parent: t.parent.as_deref(),
            subtechniques: &t.subtechniques,
            revoked: t.revoked,
            deprecated: t.deprecated,
            replaced_by: t.replaced_by.as_deref(),
            times_named: selection.times_named(t),
            groups: t.groups.iter().map(GroupUse::new).collect(),
            software: t.software.iter().map(RelatedContext::of).collect(),
            campaigns: t.campaigns.iter().map(RelatedContext::of).collect(),
            mitigations: t.mitigations.iter().map(RelatedContext::of).collect(),
            detections: t
                .detections
                .iter()
                .map(RelatedContext::of_detection)
                .collect(),
            named_groups,
            named_software,
            named_campaigns,
            named_mitigations,
            related: Arc::new(RelatedValues {
                groups: minijinja::Value::UNDEFINED,
                software: minijinja::Value::UNDEFINED,
                campaigns: minijinja::Value::UNDEFINED,
                mitigations: minijinja::Value::UNDEFINED,
                detections: minijinja::Value::UNDEFINED,
            }),
        };
        tc.related = cache.get(model, t, &tc);
        tc
    }
}
