//! The mapper: from parsed STIX objects to the enriched [`Model`].
//!
//! The relationship rules are those of MITRE's own library
//! (mitreattack-python), written down in `docs/model.md`:
//!
//! 1. A relationship counts only if it is live (neither revoked nor
//!    deprecated), both its ends exist, and the object at the *other* end from
//!    the one asked about is live. Relationships to missing objects are
//!    ignored.
//! 2. Groups of a technique are the groups with a counted `uses` relationship
//!    to it, plus every live group that a live campaign using the technique is
//!    `attributed-to`. Software does not make a group use a technique, and a
//!    parent technique does not inherit its sub-techniques' groups.
//! 3. Software, campaigns, mitigations and detections of a technique come
//!    from direct relationships only; so do the ICS assets it `targets`.
//! 4. Objects are looked up by STIX id, and by (type, ATT&CK ID) in the
//!    model, never by ATT&CK ID alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{Error, Result};
use crate::loading::{Input, Parsed, Part, Warning};
use crate::model::*;
use crate::stix::{Relationship, StixObject};

/// Options that change what the model holds.
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    /// Keep the descriptions of techniques, tactics and other objects
    /// (relationship descriptions, the procedure examples, are always kept).
    pub descriptions: bool,
}

/// Builds the enriched model from parsed inputs. Returns the model and the
/// warnings found while mapping (for example a technique with no ATT&CK ID).
pub fn build_model(
    inputs: &[Input],
    parsed: &Parsed<'_>,
    options: &MapOptions,
) -> Result<(Model, Vec<Warning>)> {
    let store = Store::new(&parsed.parts);
    let mut mapper = Mapper::new(&store, options);
    let model = mapper.build(inputs, &parsed.parts);
    if model.techniques.is_empty() {
        // No attack-pattern, or every one was skipped (malformed while
        // loading, no ATT&CK ID while mapping): say which.
        let names: Vec<String> = inputs
            .iter()
            .map(|i| i.path.display().to_string())
            .collect();
        let warnings: Vec<Warning> = parsed
            .warnings
            .iter()
            .chain(&mapper.warnings)
            .cloned()
            .collect();
        return Err(Error::NoTechniques {
            inputs: names.join(", "),
            skipped: skipped_note(&warnings, &names),
        });
    }
    Ok((model, mapper.warnings))
}

/// For the error of inputs without techniques: the objects that loading
/// skipped as malformed (it may have skipped the techniques), with the
/// first of them.
fn skipped_note(warnings: &[Warning], inputs: &[String]) -> String {
    let skipped: Vec<&Warning> = warnings
        .iter()
        .filter(|w| w.message.starts_with("skipped") || w.message.ends_with("; skipped"))
        .collect();
    let Some(first) = skipped.first() else {
        return String::new();
    };
    // The error names the file already: of the location keep the position.
    let first = match inputs
        .iter()
        .find_map(|i| first.location.strip_prefix(i.as_str()))
    {
        Some("") => first.message.clone(),
        Some(position) => {
            let position = position
                .trim_start_matches(':')
                .replacen(':', ", column ", 1);
            format!("line {position}: {}", first.message)
        }
        None => first.to_string(),
    };
    match skipped.len() {
        1 => format!("; 1 object was skipped: {first}"),
        n => format!("; {n} objects were skipped, the first: {first}"),
    }
}

/// A hash map with a fast, non-cryptographic hasher: the keys are STIX ids
/// from the input, and SipHash's protection against crafted keys buys
/// nothing for a one-shot batch job but costs a noticeable share of the run.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The multiply-rotate hash used by rustc ("FxHash"), over 8-byte words.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// One unique object (by STIX id) and the domains of the parts it came from.
struct Entry<'p, 'a> {
    object: &'p StixObject<'a>,
    /// Indexes into `Store::domains`.
    domains: Vec<usize>,
    /// Label of the part it came from, for warnings.
    part: usize,
}

/// All objects of all parts, de-duplicated by STIX id (the newest `modified`
/// wins), with an index by STIX id.
struct Store<'p, 'a> {
    objects: Vec<Entry<'p, 'a>>,
    by_stix_id: FastMap<&'p str, usize>,
    /// Relationships, de-duplicated by STIX id when several parts are loaded.
    relationships: Vec<&'p Relationship<'a>>,
    /// Domain names in order of first appearance.
    domains: Vec<String>,
    part_labels: Vec<String>,
}

impl<'p, 'a> Store<'p, 'a> {
    fn new(parts: &'p [Part<'a>]) -> Self {
        let total: usize = parts.iter().map(|p| p.objects.len()).sum();
        let mut store = Store {
            objects: Vec::with_capacity(total),
            by_stix_id: FastMap::with_capacity_and_hasher(total, Default::default()),
            relationships: Vec::new(),
            domains: Vec::new(),
            part_labels: parts.iter().map(|p| p.label.clone()).collect(),
        };
        for (part_index, part) in parts.iter().enumerate() {
            let domain = part.domain.as_ref().map(|d| store.domain_index(d));
            for object in &part.objects {
                store.add(object, domain, part_index);
            }
        }
        store.relationships = unique_relationships(parts);
        store
    }

    fn domain_index(&mut self, domain: &str) -> usize {
        match self.domains.iter().position(|d| d == domain) {
            Some(i) => i,
            None => {
                self.domains.push(domain.to_string());
                self.domains.len() - 1
            }
        }
    }

    fn add(&mut self, object: &'p StixObject<'a>, domain: Option<usize>, part: usize) {
        match self.by_stix_id.get(object.id.as_ref()) {
            Some(&i) => {
                let entry = &mut self.objects[i];
                if let Some(d) = domain {
                    if !entry.domains.contains(&d) {
                        entry.domains.push(d);
                    }
                }
                if object.modified > entry.object.modified {
                    entry.object = object;
                    entry.part = part;
                }
            }
            None => {
                self.by_stix_id
                    .insert(object.id.as_ref(), self.objects.len());
                self.objects.push(Entry {
                    object,
                    domains: domain.into_iter().collect(),
                    part,
                });
            }
        }
    }

    fn get(&self, stix_id: &str) -> Option<usize> {
        self.by_stix_id.get(stix_id).copied()
    }

    fn obj(&self, i: usize) -> &'p StixObject<'a> {
        self.objects[i].object
    }

    fn kind(&self, i: usize) -> &str {
        &self.objects[i].object.kind
    }

    fn live(&self, i: usize) -> bool {
        self.objects[i].object.is_live()
    }

    fn domain_names(&self, i: usize) -> Vec<String> {
        let mut names: Vec<String> = self.objects[i]
            .domains
            .iter()
            .map(|&d| self.domains[d].clone())
            .collect();
        names.sort();
        names
    }
}

/// Every relationship of the parts; when several parts are loaded, one per
/// STIX id (the newest `modified` wins).
fn unique_relationships<'p, 'a>(parts: &'p [Part<'a>]) -> Vec<&'p Relationship<'a>> {
    if parts.len() == 1 {
        return parts[0].relationships.iter().collect();
    }
    let mut unique: Vec<&Relationship<'a>> = Vec::new();
    let mut seen: FastMap<&str, usize> = FastMap::default();
    for relationship in parts.iter().flat_map(|p| &p.relationships) {
        match seen.get(relationship.id.as_ref()) {
            Some(&i) if relationship.modified > unique[i].modified => unique[i] = relationship,
            Some(_) => {}
            None => {
                seen.insert(relationship.id.as_ref(), unique.len());
                unique.push(relationship);
            }
        }
    }
    unique
}

/// The relationship kinds the mapper uses, with their (source, target) types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    /// intrusion-set uses attack-pattern
    GroupUsesTechnique,
    /// malware/tool uses attack-pattern
    SoftwareUsesTechnique,
    /// campaign uses attack-pattern
    CampaignUsesTechnique,
    /// course-of-action mitigates attack-pattern
    Mitigates,
    /// detection strategy or data component detects attack-pattern
    Detects,
    /// campaign attributed-to intrusion-set
    AttributedTo,
    /// intrusion-set uses malware/tool
    GroupUsesSoftware,
    /// campaign uses malware/tool
    CampaignUsesSoftware,
    /// attack-pattern subtechnique-of attack-pattern
    SubtechniqueOf,
    /// attack-pattern targets x-mitre-asset (ICS)
    Targets,
    /// anything revoked-by anything
    RevokedBy,
}

/// A live relationship whose two ends exist.
#[derive(Debug, Clone, Copy)]
struct Edge {
    kind: EdgeKind,
    source: usize,
    target: usize,
    /// Position in `Store::relationships`, for the description.
    rel: usize,
}

fn classify(rel_type: &str, source: &str, target: &str) -> Option<EdgeKind> {
    let software = |t: &str| t == "malware" || t == "tool";
    Some(match (rel_type, source, target) {
        ("uses", "intrusion-set", "attack-pattern") => EdgeKind::GroupUsesTechnique,
        ("uses", s, "attack-pattern") if software(s) => EdgeKind::SoftwareUsesTechnique,
        ("uses", "campaign", "attack-pattern") => EdgeKind::CampaignUsesTechnique,
        ("mitigates", "course-of-action", "attack-pattern") => EdgeKind::Mitigates,
        ("detects", "x-mitre-detection-strategy" | "x-mitre-data-component", "attack-pattern") => {
            EdgeKind::Detects
        }
        ("attributed-to", "campaign", "intrusion-set") => EdgeKind::AttributedTo,
        ("uses", "intrusion-set", t) if software(t) => EdgeKind::GroupUsesSoftware,
        ("uses", "campaign", t) if software(t) => EdgeKind::CampaignUsesSoftware,
        ("subtechnique-of", "attack-pattern", "attack-pattern") => EdgeKind::SubtechniqueOf,
        ("targets", "attack-pattern", "x-mitre-asset") => EdgeKind::Targets,
        ("revoked-by", _, _) => EdgeKind::RevokedBy,
        _ => return None,
    })
}

/// Edges grouped by the object at each end, indexed by object position.
struct Adjacency {
    /// Edges whose target is the object.
    into: Vec<Vec<Edge>>,
    /// Edges whose source is the object.
    out: Vec<Vec<Edge>>,
}

impl Adjacency {
    fn new(objects: usize) -> Self {
        Adjacency {
            into: vec![Vec::new(); objects],
            out: vec![Vec::new(); objects],
        }
    }

    fn incoming(&self, i: usize) -> &[Edge] {
        &self.into[i]
    }

    fn outgoing(&self, i: usize) -> &[Edge] {
        &self.out[i]
    }
}

struct Mapper<'s, 'p, 'a> {
    store: &'s Store<'p, 'a>,
    options: &'s MapOptions,
    adjacency: Adjacency,
    /// ATT&CK ID of every object that has one.
    attack_ids: Vec<Option<&'p str>>,
    /// (domain, shortname) → tactic position in `tactics`.
    tactic_lookup: HashMap<(usize, String), usize>,
    tactics: Vec<Tactic>,
    warnings: Vec<Warning>,
}

impl<'s, 'p, 'a> Mapper<'s, 'p, 'a> {
    fn new(store: &'s Store<'p, 'a>, options: &'s MapOptions) -> Self {
        let attack_ids = store.objects.iter().map(|e| e.object.attack_id()).collect();
        let mut mapper = Mapper {
            store,
            options,
            adjacency: Adjacency::new(store.objects.len()),
            attack_ids,
            tactic_lookup: HashMap::new(),
            tactics: Vec::new(),
            warnings: Vec::new(),
        };
        mapper.collect_edges();
        mapper.collect_tactics();
        mapper
    }

    fn id(&self, i: usize) -> Option<&'p str> {
        self.attack_ids[i]
    }

    fn name(&self, i: usize) -> String {
        self.store
            .obj(i)
            .name
            .as_deref()
            .unwrap_or_default()
            .to_string()
    }

    fn named(&self, i: usize) -> Option<NamedRef> {
        Some(NamedRef {
            id: self.id(i)?.to_string(),
            name: self.name(i),
        })
    }

    fn description(&self, i: usize) -> Option<String> {
        if !self.options.descriptions {
            return None;
        }
        self.store.obj(i).description()
    }

    fn warn(&mut self, i: usize, message: String) {
        let part = self.store.objects[i].part;
        self.warnings.push(Warning {
            location: self.store.part_labels[part].clone(),
            message,
        });
    }

    /// Reads every live relationship whose ends exist into the adjacency lists.
    fn collect_edges(&mut self) {
        for (rel, relationship) in self.store.relationships.iter().enumerate() {
            if !relationship.live {
                continue;
            }
            let (Some(source), Some(target)) = (
                self.store.get(&relationship.source_ref),
                self.store.get(&relationship.target_ref),
            ) else {
                continue;
            };
            let kind = classify(
                &relationship.relationship_type,
                self.store.kind(source),
                self.store.kind(target),
            );
            let Some(kind) = kind else {
                continue;
            };
            if source == target {
                let message = format!(
                    "relationship {} ({}) relates {} to itself; ignored",
                    relationship.id,
                    relationship.relationship_type,
                    self.id(source).unwrap_or(&relationship.source_ref)
                );
                self.warn(source, message);
                continue;
            }
            let edge = Edge {
                kind,
                source,
                target,
                rel,
            };
            self.adjacency.into[target].push(edge);
            self.adjacency.out[source].push(edge);
        }
    }

    /// Builds the tactics of every domain in matrix order (from the live
    /// `x-mitre-matrix.tactic_refs`); live tactics no matrix lists follow, by ID.
    fn collect_tactics(&mut self) {
        let store = self.store;
        for domain in 0..store.domains.len() {
            let in_domain = |i: &usize| store.objects[*i].domains.contains(&domain);
            let mut ordered: Vec<usize> = Vec::new();
            let matrices = (0..store.objects.len())
                .filter(|i| store.kind(*i) == "x-mitre-matrix" && store.live(*i))
                .filter(in_domain);
            for matrix in matrices {
                for tactic_ref in &store.obj(matrix).tactic_refs {
                    if let Some(t) = store.get(tactic_ref) {
                        if store.kind(t) == "x-mitre-tactic" && !ordered.contains(&t) {
                            ordered.push(t);
                        }
                    }
                }
            }
            let mut rest: Vec<usize> = (0..store.objects.len())
                .filter(|i| store.kind(*i) == "x-mitre-tactic" && store.live(*i))
                .filter(in_domain)
                .filter(|i| !ordered.contains(i))
                .collect();
            rest.sort_by_key(|i| self.id(*i));
            ordered.extend(rest);
            for (order, t) in ordered.into_iter().enumerate() {
                self.add_tactic(domain, order, t);
            }
        }
    }

    fn add_tactic(&mut self, domain: usize, order: usize, t: usize) {
        let object = self.store.obj(t);
        let (Some(id), Some(shortname)) = (self.id(t), object.x_mitre_shortname.as_deref()) else {
            self.warn(
                t,
                format!(
                    "tactic {} has no ATT&CK ID or shortname; skipped",
                    object.id
                ),
            );
            return;
        };
        self.tactic_lookup
            .insert((domain, shortname.to_string()), self.tactics.len());
        self.tactics.push(Tactic {
            id: id.to_string(),
            shortname: shortname.to_string(),
            name: self.name(t),
            domain: self.store.domains[domain].clone(),
            order,
            url: object.attack_url().map(str::to_string),
            stix_id: object.id.to_string(),
            description: self.description(t),
        });
    }

    fn build(&mut self, inputs: &[Input], parts: &[Part<'_>]) -> Model {
        let techniques = self.techniques();
        let groups = self.groups();
        let software = self.software();
        let campaigns = self.campaigns();
        let mitigations = self.mitigations();
        let detections = self.detections();
        let assets = self.assets();
        let domains = self.domains(parts, &techniques);
        Model {
            schema_version: SCHEMA_VERSION,
            generator: format!("attackmap {}", env!("CARGO_PKG_VERSION")),
            source: source(inputs, parts),
            domains,
            tactics: self.tactics.clone(),
            techniques,
            groups,
            software,
            campaigns,
            mitigations,
            detections,
            assets,
        }
    }

    fn domains(&self, parts: &[Part<'_>], techniques: &[Technique]) -> Vec<Domain> {
        self.store
            .domains
            .iter()
            .map(|name| {
                let part = parts.iter().find(|p| p.domain.as_deref() == Some(name));
                let platforms: BTreeSet<&str> = techniques
                    .iter()
                    .filter(|t| t.is_live() && t.domains.contains(name))
                    .flat_map(|t| t.platforms.iter().map(String::as_str))
                    .collect();
                Domain {
                    id: name.clone(),
                    name: part.and_then(|p| p.matrix_name.clone()),
                    attack_version: part
                        .and_then(|p| p.attack_version.as_ref())
                        .map(|v| v.0.clone()),
                    stix_version: part.and_then(|p| p.stix_version.clone()),
                    tactics: self
                        .tactics
                        .iter()
                        .filter(|t| &t.domain == name)
                        .map(|t| t.id.clone())
                        .collect(),
                    platforms: platforms.into_iter().map(str::to_string).collect(),
                }
            })
            .collect()
    }

    /// Objects of the given STIX types that have an ATT&CK ID; warns about
    /// those without one.
    fn objects_of(&mut self, types: &[&str]) -> Vec<usize> {
        let mut found = Vec::new();
        for i in 0..self.store.objects.len() {
            if !types.contains(&self.store.kind(i)) {
                continue;
            }
            let stix_id = self.store.obj(i).id.to_string();
            match self.id(i) {
                Some(id) if self.store.kind(i) == "attack-pattern" && !is_technique_id(id) => {
                    self.warn(
                        i,
                        format!(
                            "{stix_id}: '{id}' is not a technique ID (T#### or T####.###); skipped"
                        ),
                    );
                }
                Some(id) => {
                    if self.store.obj(i).name.as_deref().is_none_or(str::is_empty) {
                        let id = id.to_string();
                        self.warn(i, format!("{id} ({stix_id}) has no name; kept, unnamed"));
                    }
                    found.push(i)
                }
                None if types != ["x-mitre-data-component"] => self.warn(
                    i,
                    format!(
                        "{stix_id} has no ATT&CK ID (no mitre-attack external reference); skipped"
                    ),
                ),
                None => {}
            }
        }
        found.sort_by(|a, b| self.id(*a).cmp(&self.id(*b)));
        self.one_per_id(found)
    }

    /// Keeps one object per ATT&CK ID (of one type: `found` holds one type
    /// family): a live one before a revoked or deprecated one, then the newest
    /// `modified`. Each object left out is a warning.
    fn one_per_id(&mut self, found: Vec<usize>) -> Vec<usize> {
        let mut kept: Vec<usize> = Vec::with_capacity(found.len());
        for i in found {
            let Some(&last) = kept.last() else {
                kept.push(i);
                continue;
            };
            if self.id(last) != self.id(i) {
                kept.push(i);
                continue;
            }
            let rank = |x: usize| (self.store.live(x), self.store.obj(x).modified.clone());
            let (keep, drop) = if rank(i) > rank(last) {
                (i, last)
            } else {
                (last, i)
            };
            if let Some(slot) = kept.last_mut() {
                *slot = keep;
            }
            let id = self.id(keep).unwrap_or_default().to_string();
            let (kept_id, dropped_id) = (
                self.store.obj(keep).id.to_string(),
                self.store.obj(drop).id.to_string(),
            );
            self.warn(
                drop,
                format!(
                    "{id} is carried by two objects ({kept_id} and {dropped_id}); kept {kept_id}"
                ),
            );
        }
        kept
    }

    fn info(&self, i: usize) -> ObjectInfo {
        let object = self.store.obj(i);
        ObjectInfo {
            id: self.id(i).unwrap_or_default().to_string(),
            stix_id: object.id.to_string(),
            name: self.name(i),
            domains: self.store.domain_names(i),
            url: object.attack_url().map(str::to_string),
            revoked: object.is_revoked(),
            deprecated: object.is_deprecated(),
            revoked_by: self
                .revoked_by(i)
                .and_then(|r| self.id(r))
                .map(str::to_string),
            description: self.description(i),
        }
    }

    /// The first counted `revoked-by` target of an object (one hop).
    fn revoked_by(&self, i: usize) -> Option<usize> {
        self.adjacency
            .outgoing(i)
            .iter()
            .filter(|e| e.kind == EdgeKind::RevokedBy)
            .map(|e| e.target)
            .min_by_key(|t| self.id(*t))
    }

    /// Every hop of the revoked-by chain, and the live object it ends on (if
    /// it ends on one; a cycle or a dead end gives `None`).
    fn revoked_by_chain(&self, i: usize) -> (Vec<String>, Option<String>) {
        let mut chain = Vec::new();
        let mut visited = vec![i];
        let mut current = i;
        while let Some(next) = self.revoked_by(current) {
            if visited.contains(&next) {
                return (chain, None);
            }
            chain.push(self.id(next).unwrap_or_default().to_string());
            visited.push(next);
            if self.store.live(next) {
                return (chain, self.id(next).map(str::to_string));
            }
            current = next;
        }
        (chain, None)
    }

    /// Counted edges of `kind` into `target`, whose source is live, sorted by
    /// the source's ATT&CK ID; one edge per source.
    fn sources_into(&self, target: usize, kind: EdgeKind) -> Vec<Edge> {
        let mut edges: Vec<Edge> = self
            .adjacency
            .incoming(target)
            .iter()
            .filter(|e| e.kind == kind && self.store.live(e.source) && self.id(e.source).is_some())
            .copied()
            .collect();
        edges.sort_by(|a, b| self.id(a.source).cmp(&self.id(b.source)));
        edges.dedup_by_key(|e| e.source);
        edges
    }

    /// Counted edges of `kind` out of `source`, whose target is live, sorted
    /// by the target's ATT&CK ID; one edge per target.
    fn targets_of(&self, source: usize, kind: EdgeKind) -> Vec<Edge> {
        let mut edges: Vec<Edge> = self
            .adjacency
            .outgoing(source)
            .iter()
            .filter(|e| e.kind == kind && self.store.live(e.target) && self.id(e.target).is_some())
            .copied()
            .collect();
        edges.sort_by(|a, b| self.id(a.target).cmp(&self.id(b.target)));
        edges.dedup_by_key(|e| e.target);
        edges
    }

    fn procedure(&self, edge: &Edge) -> Option<String> {
        self.store.relationships[edge.rel].description()
    }

    fn related(&self, edge: &Edge, with_kind: bool) -> Related {
        Related {
            id: self.id(edge.source).unwrap_or_default().to_string(),
            name: self.name(edge.source),
            kind: with_kind.then(|| self.store.kind(edge.source).to_string()),
            procedure: self.procedure(edge),
        }
    }

    fn techniques(&mut self) -> Vec<Technique> {
        let indexes = self.objects_of(&["attack-pattern"]);
        let mut techniques: Vec<Technique> = Vec::with_capacity(indexes.len());
        for t in indexes {
            let technique = self.technique(t);
            techniques.push(technique);
        }
        // Sub-technique full names need the parent's name.
        let names: HashMap<String, String> = techniques
            .iter()
            .map(|t| (t.technique_id.clone(), t.name.clone()))
            .collect();
        for t in &mut techniques {
            if let Some(parent_name) = t.parent.as_ref().and_then(|p| names.get(p)) {
                t.full_name = format!("{parent_name}: {}", t.name);
            }
        }
        self.warn_nested_subtechniques(&techniques);
        techniques
    }

    /// ATT&CK sub-techniques have one level: a parent that is itself a
    /// sub-technique (or a loop of parents) is kept as the data says, with
    /// a warning.
    fn warn_nested_subtechniques(&mut self, techniques: &[Technique]) {
        let parents: HashMap<&str, &str> = techniques
            .iter()
            .filter_map(|t| Some((t.technique_id.as_str(), t.parent.as_deref()?)))
            .collect();
        let nested: Vec<(&Technique, &str, &str)> = techniques
            .iter()
            .filter_map(|t| {
                let parent = t.parent.as_deref()?;
                Some((t, parent, *parents.get(parent)?))
            })
            .collect();
        for (t, parent, grandparent) in nested {
            let Some(i) = self.store.get(&t.stix_id) else {
                continue;
            };
            let child = &t.technique_id;
            self.warn(
                i,
                format!(
                    "{child}'s parent {parent} is itself a sub-technique of {grandparent} \
                     (ATT&CK sub-techniques have one level); kept as the data says"
                ),
            );
        }
    }

    fn technique(&mut self, t: usize) -> Technique {
        let object = self.store.obj(t);
        let (revoked_by_chain, replaced_by) = self.revoked_by_chain(t);
        let tactics = self.technique_tactics(t);
        let parent = self
            .targets_of(t, EdgeKind::SubtechniqueOf)
            .first()
            .and_then(|e| self.id(e.target))
            .map(str::to_string);
        let subtechniques = self
            .sources_into(t, EdgeKind::SubtechniqueOf)
            .iter()
            .filter_map(|e| self.id(e.source).map(str::to_string))
            .collect();
        let name = self.name(t);
        Technique {
            technique_id: self.id(t).unwrap_or_default().to_string(),
            stix_id: object.id.to_string(),
            full_name: name.clone(),
            name,
            domains: self.store.domain_names(t),
            url: object.attack_url().map(str::to_string),
            description: self.description(t),
            tactics,
            platforms: object
                .x_mitre_platforms
                .iter()
                .map(|p| p.to_string())
                .collect(),
            is_subtechnique: object.x_mitre_is_subtechnique.unwrap_or(false),
            parent,
            subtechniques,
            revoked: object.is_revoked(),
            deprecated: object.is_deprecated(),
            revoked_by: revoked_by_chain.first().cloned(),
            revoked_by_chain,
            replaced_by,
            created: object.created.as_deref().map(str::to_string),
            modified: object.modified.as_deref().map(str::to_string),
            version: object.x_mitre_version.as_deref().map(str::to_string),
            groups: self.technique_groups(t),
            software: self
                .sources_into(t, EdgeKind::SoftwareUsesTechnique)
                .iter()
                .map(|e| self.related(e, true))
                .collect(),
            campaigns: self
                .sources_into(t, EdgeKind::CampaignUsesTechnique)
                .iter()
                .map(|e| self.related(e, false))
                .collect(),
            mitigations: self
                .sources_into(t, EdgeKind::Mitigates)
                .iter()
                .map(|e| self.related(e, false))
                .collect(),
            detections: self.technique_detections(t),
            assets: self.named_targets(t, EdgeKind::Targets),
        }
    }

    /// The technique's tactics, resolved in the domain its kill chain names,
    /// in matrix order, without duplicates.
    fn technique_tactics(&mut self, t: usize) -> Vec<TacticRef> {
        let object = self.store.obj(t);
        let mut found: Vec<usize> = Vec::new();
        for phase in &object.kill_chain_phases {
            let domain = kill_chain_domain(&phase.kill_chain_name)
                .and_then(|d| self.store.domains.iter().position(|n| n == d))
                .or_else(|| self.store.objects[t].domains.first().copied());
            let hit =
                domain.and_then(|d| self.tactic_lookup.get(&(d, phase.phase_name.to_string())));
            match hit {
                Some(&i) if !found.contains(&i) => found.push(i),
                Some(_) => {}
                None if object.is_live() => {
                    let id = self.id(t).unwrap_or_default().to_string();
                    self.warn(
                        t,
                        format!(
                            "technique {id}: tactic '{}' (kill chain '{}') is not in the loaded data; ignored",
                            phase.phase_name, phase.kill_chain_name
                        ),
                    );
                }
                None => {}
            }
        }
        found.sort_by_key(|&i| (self.tactics[i].domain.clone(), self.tactics[i].order));
        found
            .into_iter()
            .map(|i| TacticRef {
                id: self.tactics[i].id.clone(),
                shortname: self.tactics[i].shortname.clone(),
                name: self.tactics[i].name.clone(),
            })
            .collect()
    }

    /// Direct groups plus groups of attributed campaigns that use the technique.
    fn technique_groups(&self, t: usize) -> Vec<TechniqueGroup> {
        let mut groups: BTreeMap<&str, (usize, Option<Edge>, Vec<NamedRef>)> = BTreeMap::new();
        for edge in self.sources_into(t, EdgeKind::GroupUsesTechnique) {
            let id = self.id(edge.source).unwrap_or_default();
            groups.insert(id, (edge.source, Some(edge), Vec::new()));
        }
        for campaign_edge in self.sources_into(t, EdgeKind::CampaignUsesTechnique) {
            let campaign = campaign_edge.source;
            for attribution in self.targets_of(campaign, EdgeKind::AttributedTo) {
                let group = attribution.target;
                let id = self.id(group).unwrap_or_default();
                let entry = groups.entry(id).or_insert((group, None, Vec::new()));
                if let Some(named) = self.named(campaign) {
                    if !entry.2.contains(&named) {
                        entry.2.push(named);
                    }
                }
            }
        }
        groups
            .into_iter()
            .map(|(id, (group, direct, mut via))| {
                via.sort();
                TechniqueGroup {
                    id: id.to_string(),
                    name: self.name(group),
                    relation: Relation::from_paths(direct.is_some(), !via.is_empty()),
                    via_campaigns: via,
                    procedure: direct.and_then(|e| self.procedure(&e)),
                }
            })
            .collect()
    }

    /// Detection strategies (with their analytics and data components) and
    /// v17-style data components that detect the technique.
    fn technique_detections(&self, t: usize) -> Vec<DetectionRef> {
        let mut detections: Vec<DetectionRef> = self
            .adjacency
            .incoming(t)
            .iter()
            .filter(|e| e.kind == EdgeKind::Detects && self.store.live(e.source))
            .filter_map(|e| self.detection_ref(e.source))
            .collect();
        detections.sort_by(|a, b| a.id.cmp(&b.id));
        detections.dedup_by(|a, b| a.id == b.id);
        detections
    }

    fn detection_ref(&self, d: usize) -> Option<DetectionRef> {
        let (kind, id, analytics, data_components) = self.detection_parts(d)?;
        Some(DetectionRef {
            id,
            name: self.detection_name(d),
            kind,
            analytics,
            data_components,
        })
    }

    /// Kind, ID, analytic IDs and data components of a detection object.
    fn detection_parts(
        &self,
        d: usize,
    ) -> Option<(DetectionKind, String, Vec<String>, Vec<NamedRef>)> {
        if self.store.kind(d) == "x-mitre-detection-strategy" {
            let id = self.id(d)?.to_string();
            let (analytics, data_components) = self.strategy_analytics(d);
            Some((
                DetectionKind::DetectionStrategy,
                id,
                analytics,
                data_components,
            ))
        } else {
            let label = self.detection_name(d);
            let id = self
                .id(d)
                .map(str::to_string)
                .unwrap_or_else(|| label.clone());
            let component = NamedRef {
                id: id.clone(),
                name: label,
            };
            Some((
                DetectionKind::DataComponent,
                id,
                Vec::new(),
                vec![component],
            ))
        }
    }

    /// For a v17 data component without an ATT&CK ID, MITRE labels it
    /// `Data Source: Data Component`; everything else uses its name.
    fn detection_name(&self, d: usize) -> String {
        let object = self.store.obj(d);
        if self.store.kind(d) == "x-mitre-data-component" && self.id(d).is_none() {
            let source_name = object
                .x_mitre_data_source_ref
                .as_deref()
                .and_then(|r| self.store.get(r))
                .map(|s| self.name(s));
            if let Some(source_name) = source_name {
                return format!("{source_name}: {}", self.name(d));
            }
        }
        self.name(d)
    }

    /// Live analytics of a detection strategy and the live data components
    /// their log sources name, each sorted and de-duplicated.
    fn strategy_analytics(&self, d: usize) -> (Vec<String>, Vec<NamedRef>) {
        let mut analytics = BTreeSet::new();
        let mut components = BTreeSet::new();
        for analytic_ref in &self.store.obj(d).x_mitre_analytic_refs {
            let Some(a) = self.store.get(analytic_ref).filter(|a| self.store.live(*a)) else {
                continue;
            };
            if let Some(id) = self.id(a) {
                analytics.insert(id.to_string());
            }
            for log_source in &self.store.obj(a).x_mitre_log_source_references {
                let component = log_source
                    .x_mitre_data_component_ref
                    .as_deref()
                    .and_then(|r| self.store.get(r))
                    .filter(|c| self.store.live(*c));
                if let Some(named) = component.and_then(|c| self.named(c)) {
                    components.insert(named);
                }
            }
        }
        (
            analytics.into_iter().collect(),
            components.into_iter().collect(),
        )
    }

    fn technique_refs(&self, edges: &[Edge]) -> Vec<TechniqueRef> {
        edges
            .iter()
            .map(|e| TechniqueRef {
                id: self.id(e.target).unwrap_or_default().to_string(),
                name: self.name(e.target),
            })
            .collect()
    }

    /// The sources of `edges` as techniques (for reverse views built from
    /// [`Mapper::sources_into`]).
    fn source_technique_refs(&self, edges: &[Edge]) -> Vec<TechniqueRef> {
        edges
            .iter()
            .map(|e| TechniqueRef {
                id: self.id(e.source).unwrap_or_default().to_string(),
                name: self.name(e.source),
            })
            .collect()
    }

    fn named_targets(&self, source: usize, kind: EdgeKind) -> Vec<NamedRef> {
        self.targets_of(source, kind)
            .iter()
            .filter_map(|e| self.named(e.target))
            .collect()
    }

    fn named_sources(&self, target: usize, kind: EdgeKind) -> Vec<NamedRef> {
        self.sources_into(target, kind)
            .iter()
            .filter_map(|e| self.named(e.source))
            .collect()
    }

    fn groups(&mut self) -> Vec<Group> {
        self.objects_of(&["intrusion-set"])
            .into_iter()
            .map(|g| Group {
                info: self.info(g),
                aliases: self
                    .store
                    .obj(g)
                    .aliases
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
                techniques: self.group_techniques(g),
                software: self.group_software(g),
                campaigns: self.named_sources(g, EdgeKind::AttributedTo),
            })
            .collect()
    }

    /// A group's direct techniques plus those of its attributed live campaigns.
    fn group_techniques(&self, g: usize) -> Vec<GroupTechnique> {
        let mut techniques: BTreeMap<&str, (usize, bool, Vec<NamedRef>)> = BTreeMap::new();
        for edge in self.targets_of(g, EdgeKind::GroupUsesTechnique) {
            let id = self.id(edge.target).unwrap_or_default();
            techniques.insert(id, (edge.target, true, Vec::new()));
        }
        for attribution in self.sources_into(g, EdgeKind::AttributedTo) {
            let campaign = attribution.source;
            let Some(named) = self.named(campaign) else {
                continue;
            };
            for edge in self.targets_of(campaign, EdgeKind::CampaignUsesTechnique) {
                let id = self.id(edge.target).unwrap_or_default();
                let entry = techniques
                    .entry(id)
                    .or_insert((edge.target, false, Vec::new()));
                if !entry.2.contains(&named) {
                    entry.2.push(named.clone());
                }
            }
        }
        techniques
            .into_iter()
            .map(|(id, (t, direct, mut via))| {
                via.sort();
                GroupTechnique {
                    id: id.to_string(),
                    name: self.name(t),
                    relation: Relation::from_paths(direct, !via.is_empty()),
                    via_campaigns: via,
                }
            })
            .collect()
    }

    /// Software a group uses directly or through its attributed live
    /// campaigns (MITRE's library counts both).
    fn group_software(&self, g: usize) -> Vec<NamedRef> {
        let mut software: BTreeSet<NamedRef> = self
            .named_targets(g, EdgeKind::GroupUsesSoftware)
            .into_iter()
            .collect();
        for attribution in self.sources_into(g, EdgeKind::AttributedTo) {
            software.extend(self.named_targets(attribution.source, EdgeKind::CampaignUsesSoftware));
        }
        software.into_iter().collect()
    }

    /// Groups using a piece of software directly or through an attributed
    /// live campaign that uses it.
    fn software_groups(&self, s: usize) -> Vec<NamedRef> {
        let mut groups: BTreeSet<NamedRef> = self
            .named_sources(s, EdgeKind::GroupUsesSoftware)
            .into_iter()
            .collect();
        for campaign in self.sources_into(s, EdgeKind::CampaignUsesSoftware) {
            groups.extend(self.named_targets(campaign.source, EdgeKind::AttributedTo));
        }
        groups.into_iter().collect()
    }

    fn software(&mut self) -> Vec<Software> {
        self.objects_of(&["malware", "tool"])
            .into_iter()
            .map(|s| {
                let object = self.store.obj(s);
                Software {
                    info: self.info(s),
                    kind: object.kind.to_string(),
                    aliases: object
                        .x_mitre_aliases
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                    platforms: object
                        .x_mitre_platforms
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                    techniques: self
                        .technique_refs(&self.targets_of(s, EdgeKind::SoftwareUsesTechnique)),
                    groups: self.software_groups(s),
                    campaigns: self.named_sources(s, EdgeKind::CampaignUsesSoftware),
                }
            })
            .collect()
    }

    fn campaigns(&mut self) -> Vec<Campaign> {
        self.objects_of(&["campaign"])
            .into_iter()
            .map(|c| {
                let object = self.store.obj(c);
                Campaign {
                    info: self.info(c),
                    aliases: object.aliases.iter().map(|a| a.to_string()).collect(),
                    first_seen: object.first_seen.as_deref().map(str::to_string),
                    last_seen: object.last_seen.as_deref().map(str::to_string),
                    groups: self.named_targets(c, EdgeKind::AttributedTo),
                    techniques: self
                        .technique_refs(&self.targets_of(c, EdgeKind::CampaignUsesTechnique)),
                    software: self.named_targets(c, EdgeKind::CampaignUsesSoftware),
                }
            })
            .collect()
    }

    fn mitigations(&mut self) -> Vec<Mitigation> {
        self.objects_of(&["course-of-action"])
            .into_iter()
            .map(|m| Mitigation {
                info: self.info(m),
                techniques: self.technique_refs(&self.targets_of(m, EdgeKind::Mitigates)),
            })
            .collect()
    }

    /// Detection strategies, and data components that detect something
    /// (v17-style); v18 data components appear inside the strategies.
    fn detections(&mut self) -> Vec<Detection> {
        let mut candidates = self.objects_of(&["x-mitre-detection-strategy"]);
        let detecting_components = (0..self.store.objects.len()).filter(|&i| {
            self.store.kind(i) == "x-mitre-data-component"
                && self
                    .adjacency
                    .outgoing(i)
                    .iter()
                    .any(|e| e.kind == EdgeKind::Detects)
        });
        candidates.extend(detecting_components);
        let mut detections: Vec<Detection> = candidates
            .into_iter()
            .filter_map(|d| {
                let (kind, id, analytics, data_components) = self.detection_parts(d)?;
                let mut info = self.info(d);
                info.id = id;
                info.name = self.detection_name(d);
                Some(Detection {
                    info,
                    kind,
                    analytics,
                    data_components,
                    techniques: self.technique_refs(&self.targets_of(d, EdgeKind::Detects)),
                })
            })
            .collect();
        detections.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        detections
    }
}

impl Mapper<'_, '_, '_> {
    /// ICS assets, each with the live techniques that target it.
    fn assets(&mut self) -> Vec<Asset> {
        self.objects_of(&["x-mitre-asset"])
            .into_iter()
            .map(|a| {
                let object = self.store.obj(a);
                Asset {
                    info: self.info(a),
                    platforms: object
                        .x_mitre_platforms
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                    sectors: object
                        .x_mitre_sectors
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    related_assets: self.related_assets(a),
                    techniques: self
                        .source_technique_refs(&self.sources_into(a, EdgeKind::Targets)),
                }
            })
            .collect()
    }

    /// The named entries of an asset's `x_mitre_related_assets`, in the
    /// order of the data (entries without a name are left out).
    fn related_assets(&self, a: usize) -> Vec<RelatedAsset> {
        self.store
            .obj(a)
            .x_mitre_related_assets
            .iter()
            .filter_map(|entry| {
                let name = entry.name.as_deref().filter(|n| !n.trim().is_empty())?;
                Some(RelatedAsset {
                    name: name.to_string(),
                    sectors: entry
                        .related_asset_sectors
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    description: self
                        .options
                        .descriptions
                        .then(|| entry.description())
                        .flatten(),
                })
            })
            .collect()
    }
}

/// `T1059` or `T1059.001`.
fn is_technique_id(id: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match id.strip_prefix('T').map(|rest| rest.split_once('.')) {
        Some(Some((technique, sub))) => digits(technique, 4) && digits(sub, 3),
        Some(None) => digits(&id[1..], 4),
        None => false,
    }
}

/// The domain a kill chain name belongs to, by ATT&CK's STIX conventions.
fn kill_chain_domain(kill_chain_name: &str) -> Option<&'static str> {
    match kill_chain_name {
        "mitre-attack" => Some("enterprise-attack"),
        "mitre-mobile-attack" => Some("mobile-attack"),
        "mitre-ics-attack" => Some("ics-attack"),
        "mitre-pre-attack" => Some("pre-attack"),
        _ => None,
    }
}

fn source(inputs: &[Input], parts: &[Part<'_>]) -> Source {
    let source_inputs: Vec<SourceInput> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| SourceInput {
            path: input.path.display().to_string(),
            file_name: input
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| input.path.display().to_string()),
            kind: input.kind.as_str().to_string(),
            sha256: input.sha256().to_string(),
            size: input.size,
            parts: parts
                .iter()
                .filter(|p| p.input == index)
                .map(|p| SourcePart {
                    label: p.label.clone(),
                    domain: p.domain.clone(),
                    stix_version: p.stix_version.clone(),
                    attack_version: p.attack_version.as_ref().map(|v| v.0.clone()),
                    attack_version_source: p
                        .attack_version
                        .as_ref()
                        .map(|v| v.1.as_str().to_string()),
                    objects: p.objects.len() + p.relationships.len(),
                })
                .collect(),
        })
        .collect();
    let versions: BTreeSet<&str> = parts
        .iter()
        .filter_map(|p| p.attack_version.as_ref().map(|v| v.0.as_str()))
        .collect();
    let attack_version = match (
        versions.len(),
        parts.iter().all(|p| p.attack_version.is_some()),
    ) {
        (1, true) => versions.into_iter().next().map(str::to_string),
        _ => None,
    };
    Source {
        inputs: source_inputs,
        attack_version,
        domains: parts
            .iter()
            .filter_map(|p| p.domain.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        stix_versions: parts
            .iter()
            .filter_map(|p| p.stix_version.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        warnings: Vec::new(),
        cache_key: None,
    }
}
