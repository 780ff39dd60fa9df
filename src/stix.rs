//! Raw STIX objects as they appear in ATT&CK bundles, borrowed from the
//! input bytes.
//!
//! Only the fields attackmap uses are declared; every other field is ignored
//! by serde. Strings are `Cow` so that plain strings borrow from the input and
//! only strings with JSON escapes are copied.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// A borrowed string from the input.
pub type Str<'a> = Cow<'a, str>;

/// The outer bundle. `objects` is kept raw so that one malformed object can
/// be skipped without losing the rest of the file.
#[derive(Debug, Deserialize)]
pub struct RawBundle<'a> {
    /// Must be `"bundle"`.
    #[serde(rename = "type", borrow)]
    pub kind: Option<Str<'a>>,
    /// STIX 2.0 bundles carry the spec version here.
    #[serde(borrow)]
    pub spec_version: Option<Str<'a>>,
    /// The objects, each still unparsed.
    #[serde(borrow)]
    pub objects: Option<Vec<&'a RawValue>>,
}

/// Just enough of an object to name it in a warning when the full parse fails.
#[derive(Debug, Deserialize)]
pub struct ObjectIdent<'a> {
    /// STIX type.
    #[serde(rename = "type", borrow)]
    pub kind: Option<Str<'a>>,
    /// STIX id.
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
}

/// One `external_references` entry.
#[derive(Debug, Deserialize)]
pub struct ExternalReference<'a> {
    /// `mitre-attack`, `mitre-mobile-attack`, `mitre-ics-attack` or a citation name.
    #[serde(borrow)]
    pub source_name: Option<Str<'a>>,
    /// The ATT&CK ID when `source_name` is an ATT&CK source.
    #[serde(borrow)]
    pub external_id: Option<Str<'a>>,
    /// The ATT&CK page of the object.
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
}

/// One `kill_chain_phases` entry: the technique's tactic.
#[derive(Debug, Deserialize)]
pub struct KillChainPhase<'a> {
    /// `mitre-attack`, `mitre-mobile-attack` or `mitre-ics-attack`.
    #[serde(borrow)]
    pub kill_chain_name: Str<'a>,
    /// The tactic's `x_mitre_shortname`.
    #[serde(borrow)]
    pub phase_name: Str<'a>,
}

/// One entry of an analytic's `x_mitre_log_source_references`.
#[derive(Debug, Deserialize)]
pub struct LogSourceReference<'a> {
    /// The data component the log source belongs to.
    #[serde(borrow)]
    pub x_mitre_data_component_ref: Option<Str<'a>>,
}

/// One `x_mitre_related_assets` entry of an ICS asset: another name the
/// asset goes by in some sectors.
#[derive(Debug, Deserialize)]
pub struct RelatedAssetEntry<'a> {
    /// The related asset's name (`Engineering Workstation (EWS)`).
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    /// The sectors where that name is used.
    #[serde(borrow, default)]
    pub related_asset_sectors: Vec<Str<'a>>,
    /// Its description, still as JSON (decoded on demand).
    #[serde(borrow, default, rename = "description")]
    pub raw_description: Option<&'a RawValue>,
}

impl RelatedAssetEntry<'_> {
    /// The description, decoded and trimmed; `None` when absent or empty.
    pub fn description(&self) -> Option<String> {
        decode_description(self.raw_description)
    }
}

/// Every STIX object type attackmap reads, in one flat struct.
///
/// Fields that a type does not have are simply absent (`None` or empty).
#[derive(Debug, Deserialize)]
pub struct StixObject<'a> {
    /// STIX type (`attack-pattern`, `relationship`, …).
    #[serde(rename = "type", borrow)]
    pub kind: Str<'a>,
    /// STIX id (`attack-pattern--…`).
    #[serde(borrow)]
    pub id: Str<'a>,
    /// STIX 2.1 objects carry their spec version.
    #[serde(borrow, default)]
    pub spec_version: Option<Str<'a>>,
    /// Display name.
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    /// Description (a procedure example on relationships), still as JSON:
    /// most descriptions are never needed, so they are decoded on demand
    /// with [`StixObject::description`].
    #[serde(borrow, default, rename = "description")]
    pub raw_description: Option<&'a RawValue>,
    /// Creation time.
    #[serde(borrow, default)]
    pub created: Option<Str<'a>>,
    /// Last modification time; the newest copy wins when an object is loaded twice.
    #[serde(borrow, default)]
    pub modified: Option<Str<'a>>,
    /// STIX revocation flag.
    #[serde(default)]
    pub revoked: Option<bool>,
    /// ATT&CK deprecation flag.
    #[serde(default)]
    pub x_mitre_deprecated: Option<bool>,
    /// ATT&CK object version.
    #[serde(borrow, default)]
    pub x_mitre_version: Option<Str<'a>>,
    /// Domains the object belongs to.
    #[serde(borrow, default)]
    pub x_mitre_domains: Vec<Str<'a>>,
    /// The ATT&CK entry of `external_references` (ID and URL); the
    /// citations are skipped while parsing.
    #[serde(
        borrow,
        default,
        rename = "external_references",
        deserialize_with = "attack_reference"
    )]
    pub attack_ref: Option<ExternalReference<'a>>,
    /// Tactics of a technique.
    #[serde(borrow, default)]
    pub kill_chain_phases: Vec<KillChainPhase<'a>>,
    /// Platforms of a technique, software or ICS asset.
    #[serde(borrow, default)]
    pub x_mitre_platforms: Vec<Str<'a>>,
    /// Sub-technique flag.
    #[serde(default)]
    pub x_mitre_is_subtechnique: Option<bool>,
    /// Tactic shortname.
    #[serde(borrow, default)]
    pub x_mitre_shortname: Option<Str<'a>>,
    /// Matrix: tactic ids in matrix order.
    #[serde(borrow, default)]
    pub tactic_refs: Vec<Str<'a>>,
    /// Group and campaign aliases.
    #[serde(borrow, default)]
    pub aliases: Vec<Str<'a>>,
    /// Software aliases.
    #[serde(borrow, default)]
    pub x_mitre_aliases: Vec<Str<'a>>,
    /// Campaign first seen.
    #[serde(borrow, default)]
    pub first_seen: Option<Str<'a>>,
    /// Campaign last seen.
    #[serde(borrow, default)]
    pub last_seen: Option<Str<'a>>,
    /// Relationship type (`uses`, `mitigates`, …).
    #[serde(borrow, default)]
    pub relationship_type: Option<Str<'a>>,
    /// Relationship source.
    #[serde(borrow, default)]
    pub source_ref: Option<Str<'a>>,
    /// Relationship target.
    #[serde(borrow, default)]
    pub target_ref: Option<Str<'a>>,
    /// Detection strategy: its analytics.
    #[serde(borrow, default)]
    pub x_mitre_analytic_refs: Vec<Str<'a>>,
    /// Analytic: the log sources it reads, with their data components.
    #[serde(borrow, default)]
    pub x_mitre_log_source_references: Vec<LogSourceReference<'a>>,
    /// Data component (v17 and older): its data source.
    #[serde(borrow, default)]
    pub x_mitre_data_source_ref: Option<Str<'a>>,
    /// ICS asset: the sectors it is found in.
    #[serde(borrow, default)]
    pub x_mitre_sectors: Vec<Str<'a>>,
    /// ICS asset: the names it goes by in some sectors.
    #[serde(borrow, default)]
    pub x_mitre_related_assets: Vec<RelatedAssetEntry<'a>>,
}

impl<'a> StixObject<'a> {
    /// Neither revoked nor deprecated (a missing flag counts as false).
    pub fn is_live(&self) -> bool {
        !self.is_revoked() && !self.is_deprecated()
    }

    /// `revoked: true`.
    pub fn is_revoked(&self) -> bool {
        self.revoked.unwrap_or(false)
    }

    /// `x_mitre_deprecated: true`.
    pub fn is_deprecated(&self) -> bool {
        self.x_mitre_deprecated.unwrap_or(false)
    }

    /// The ATT&CK ID (`T1059.001`, `G0016`, `TA0002`, …), if any.
    pub fn attack_id(&self) -> Option<&str> {
        self.attack_ref
            .as_ref()
            .and_then(|r| r.external_id.as_deref())
    }

    /// The ATT&CK URL, if any.
    pub fn attack_url(&self) -> Option<&str> {
        self.attack_ref.as_ref().and_then(|r| r.url.as_deref())
    }

    /// The description, decoded and trimmed; `None` when absent, not a
    /// string or empty.
    pub fn description(&self) -> Option<String> {
        decode_description(self.raw_description)
    }
}

/// A relationship, kept in this compact form after parsing: relationships
/// are most of a bundle, and the full [`StixObject`] is large.
#[derive(Debug)]
pub struct Relationship<'a> {
    /// STIX id.
    pub id: Str<'a>,
    /// `uses`, `mitigates`, `detects`, `targets`, `subtechnique-of`, `revoked-by`, …
    pub relationship_type: Str<'a>,
    /// Source object.
    pub source_ref: Str<'a>,
    /// Target object.
    pub target_ref: Str<'a>,
    /// Description (the procedure example), still as JSON.
    pub raw_description: Option<&'a RawValue>,
    /// Last modification time.
    pub modified: Option<Str<'a>>,
    /// Neither revoked nor deprecated.
    pub live: bool,
}

impl<'a> Relationship<'a> {
    /// The relationship part of a parsed object; `None` if it lacks a type,
    /// a source or a target.
    pub fn from_object(object: StixObject<'a>) -> Option<Relationship<'a>> {
        let live = object.is_live();
        Some(Relationship {
            id: object.id,
            relationship_type: object.relationship_type?,
            source_ref: object.source_ref?,
            target_ref: object.target_ref?,
            raw_description: object.raw_description,
            modified: object.modified,
            live,
        })
    }

    /// The description, decoded and trimmed; `None` when absent or empty.
    pub fn description(&self) -> Option<String> {
        decode_description(self.raw_description)
    }
}

fn decode_description(raw: Option<&RawValue>) -> Option<String> {
    let text = serde_json::from_str::<String>(raw?.get()).ok()?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_string())
    }
}

/// Whether an external reference is the object's ATT&CK entry
/// (`mitre-attack`, `mitre-mobile-attack` or `mitre-ics-attack`, with an
/// `external_id`).
fn is_attack_reference(r: &ExternalReference<'_>) -> bool {
    r.external_id.is_some()
        && matches!(
            r.source_name.as_deref(),
            Some("mitre-attack" | "mitre-mobile-attack" | "mitre-ics-attack")
        )
}

/// Reads `external_references` keeping only the first ATT&CK entry, without
/// collecting the citations into a vector.
fn attack_reference<'de, D>(deserializer: D) -> Result<Option<ExternalReference<'de>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct FirstAttackReference;

    impl<'de> serde::de::Visitor<'de> for FirstAttackReference {
        type Value = Option<ExternalReference<'de>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of external references")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(reference) = seq.next_element::<ExternalReference<'de>>()? {
                if found.is_none() && is_attack_reference(&reference) {
                    found = Some(reference);
                }
            }
            Ok(found)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(FirstAttackReference)
}

/// The STIX object types attackmap reads. Other types are ignored.
pub const KNOWN_TYPES: &[&str] = &[
    "attack-pattern",
    "x-mitre-tactic",
    "x-mitre-matrix",
    "x-mitre-collection",
    "intrusion-set",
    "malware",
    "tool",
    "campaign",
    "course-of-action",
    "x-mitre-data-component",
    "x-mitre-data-source",
    "x-mitre-detection-strategy",
    "x-mitre-analytic",
    "x-mitre-asset",
    "relationship",
];

/// Whether attackmap reads objects of this STIX type.
pub fn is_known_type(kind: &str) -> bool {
    KNOWN_TYPES.contains(&kind)
}
