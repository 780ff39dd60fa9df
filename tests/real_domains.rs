//! The mobile and ICS releases in `../shared/attack` (STIX 2.0 and 2.1, v17
//! and v18 detection models), alone and together in one model. The expected
//! counts were computed independently from the raw JSON with a short script
//! applying the same live-only rules (see docs/model.md). Skipped when
//! `../shared` is absent.

mod common;

use attackmap::model::{DetectionKind, Model};
use attackmap::query::{self, Count, Filter, Resolved};

struct Counts {
    techniques: usize,
    live: usize,
    subtechniques: usize,
    revoked: usize,
    deprecated: usize,
    tactics: usize,
    groups: usize,
    software: usize,
    campaigns: usize,
    mitigations: usize,
    group_pairs: usize,
    mitigation_pairs: usize,
}

fn live_count<'a>(infos: impl Iterator<Item = &'a attackmap::model::ObjectInfo>) -> usize {
    infos.filter(|i| !i.revoked && !i.deprecated).count()
}

fn check(model: &Model, expected: &Counts) {
    let live: Vec<_> = model.live_techniques().collect();
    assert_eq!(model.techniques.len(), expected.techniques);
    assert_eq!(live.len(), expected.live);
    assert_eq!(
        live.iter().filter(|t| t.is_subtechnique).count(),
        expected.subtechniques
    );
    assert_eq!(
        model.techniques.iter().filter(|t| t.revoked).count(),
        expected.revoked
    );
    assert_eq!(
        model.techniques.iter().filter(|t| t.deprecated).count(),
        expected.deprecated
    );
    assert_eq!(model.tactics.len(), expected.tactics);
    assert_eq!(
        live_count(model.groups.iter().map(|g| &g.info)),
        expected.groups
    );
    assert_eq!(
        live_count(model.software.iter().map(|s| &s.info)),
        expected.software
    );
    assert_eq!(
        live_count(model.campaigns.iter().map(|c| &c.info)),
        expected.campaigns
    );
    assert_eq!(
        live_count(model.mitigations.iter().map(|m| &m.info)),
        expected.mitigations
    );
    assert_eq!(
        live.iter().map(|t| t.groups.len()).sum::<usize>(),
        expected.group_pairs
    );
    assert_eq!(
        live.iter().map(|t| t.mitigations.len()).sum::<usize>(),
        expected.mitigation_pairs
    );
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
}

#[test]
fn mobile_18_1() {
    let Some(path) = common::shared_file("attack/mobile-attack-18.1.json") else {
        return;
    };
    let model = common::map_files(&[path]);
    check(
        &model,
        &Counts {
            techniques: 190,
            live: 124,
            subtechniques: 47,
            revoked: 53,
            deprecated: 13,
            tactics: 12,
            groups: 17,
            software: 122,
            campaigns: 3,
            mitigations: 13,
            group_pairs: 51,
            mitigation_pairs: 167,
        },
    );
    let part = &model.source.inputs[0].parts[0];
    assert_eq!(part.domain.as_deref(), Some("mobile-attack"));
    assert_eq!(part.stix_version.as_deref(), Some("2.0"));
    assert_eq!(part.attack_version.as_deref(), Some("18.1"));
    // Mobile keeps defense-evasion, with its own tactic ID.
    let evasion = model
        .tactics
        .iter()
        .find(|t| t.shortname == "defense-evasion")
        .unwrap();
    assert_eq!(evasion.id, "TA0030");
    assert_eq!(
        model.domains[0].name.as_deref(),
        Some("Mobile ATT&CK"),
        "the live matrix, not the deprecated one"
    );
    // Assets are ICS only.
    assert!(model.assets.is_empty());
    assert!(model.techniques.iter().all(|t| t.assets.is_empty()));
}

fn ics(version: &str) -> Option<Model> {
    let path = common::shared_file(&format!("attack/ics-attack-{version}.json"))?;
    Some(common::map_files(&[path]))
}

fn ics_counts() -> Counts {
    Counts {
        techniques: 95,
        live: 83,
        subtechniques: 0,
        revoked: 0,
        deprecated: 12,
        tactics: 12,
        groups: 14,
        software: 23,
        campaigns: 7,
        mitigations: 52,
        group_pairs: 59,
        mitigation_pairs: 331,
    }
}

#[test]
fn ics_17_1_uses_data_components_for_detections() {
    let Some(model) = ics("17.1") else { return };
    check(&model, &ics_counts());
    let part = &model.source.inputs[0].parts[0];
    assert_eq!(part.stix_version.as_deref(), Some("2.1"));
    assert_eq!(part.attack_version.as_deref(), Some("17.1"));
    assert_eq!(
        part.attack_version_source.as_deref(),
        Some("x-mitre-collection")
    );
    let detections: usize = model.live_techniques().map(|t| t.detections.len()).sum();
    assert_eq!(detections, 238);
    assert!(
        model
            .live_techniques()
            .flat_map(|t| &t.detections)
            .all(|d| d.kind == DetectionKind::DataComponent)
    );
    let t0800 = model.technique("T0800").unwrap();
    let labels: Vec<&str> = t0800.detections.iter().map(|d| d.name.as_str()).collect();
    assert!(
        labels.iter().all(|l| l.contains(": ")),
        "Data Source: Data Component labels, got {labels:?}"
    );
    // ICS tactic shortnames have no -ics suffix.
    assert!(model.tactics.iter().any(|t| t.shortname == "evasion"));
}

#[test]
fn ics_18_1_uses_detection_strategies() {
    let Some(model) = ics("18.1") else { return };
    check(&model, &ics_counts());
    assert_eq!(model.source.attack_version.as_deref(), Some("18.1"));
    assert_eq!(
        model.source.inputs[0].parts[0]
            .attack_version_source
            .as_deref(),
        Some("x-mitre-collection")
    );
    let live: Vec<_> = model.live_techniques().collect();
    assert!(live.iter().all(
        |t| t.detections.len() == 1 && t.detections[0].kind == DetectionKind::DetectionStrategy
    ));
}

#[test]
fn three_domains_in_one_model() {
    let (Some(e), Some(m), Some(i)) = (
        common::shared_file("attack/enterprise-attack-18.1.json"),
        common::shared_file("attack/mobile-attack-18.1.json"),
        common::shared_file("attack/ics-attack-18.1.json"),
    ) else {
        return;
    };
    let model = common::map_files(&[e, m, i]);
    let domains: Vec<&str> = model.domains.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        domains,
        ["enterprise-attack", "mobile-attack", "ics-attack"]
    );
    assert_eq!(model.techniques.len(), 835 + 190 + 95);
    assert_eq!(model.tactics.len(), 14 + 12 + 12);
    assert_eq!(model.assets.len(), 18);
    assert_eq!(
        model.assets[0].info.domains,
        ["ics-attack"],
        "assets are tagged with their domain"
    );
    assert_eq!(model.source.attack_version.as_deref(), Some("18.1"));
    // Sandworm Team is in all three bundles (same STIX id): one group, three
    // domains, and its techniques from every domain in one view.
    let sandworm = model.group("G0034").unwrap();
    assert_eq!(sandworm.info.name, "Sandworm Team");
    assert_eq!(
        sandworm.info.domains,
        ["enterprise-attack", "ics-attack", "mobile-attack"]
    );
    let technique_domains: std::collections::BTreeSet<&str> = sandworm
        .techniques
        .iter()
        .filter_map(|t| model.technique(&t.id))
        .flat_map(|t| t.domains.iter().map(String::as_str))
        .collect();
    assert_eq!(
        technique_domains.into_iter().collect::<Vec<_>>(),
        ["enterprise-attack", "ics-attack", "mobile-attack"]
    );
    for t in &model.techniques {
        assert_eq!(
            t.domains.len(),
            1,
            "{} belongs to one domain",
            t.technique_id
        );
    }
    tactic_names_shared_by_domains(&model);
}

/// A tactic name three domains share is ambiguous for `show`, like a shared
/// technique name; `--tactic` (a technique filter) takes all of them. The
/// counts (22 enterprise + 11 mobile + 12 ICS live initial-access
/// techniques) were counted in the raw JSON.
fn tactic_names_shared_by_domains(model: &Model) {
    let err = query::resolve(model, "Initial Access")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "'Initial Access' names several objects: tactic TA0001 (Initial Access, enterprise-attack), \
         tactic TA0027 (Initial Access, mobile-attack), tactic TA0108 (Initial Access, ics-attack); give the ID"
    );
    let err = query::resolve(model, "execution").unwrap_err().to_string();
    assert!(
        err.contains("tactic TA0002 (Execution, enterprise-attack), tactic TA0041 (Execution, mobile-attack), tactic TA0104 (Execution, ics-attack)"),
        "{err}"
    );
    let ics = query::resolve(model, "TA0108").unwrap();
    assert!(matches!(ics, Resolved::Tactic(t) if t.domain == "ics-attack"));
    assert_eq!(
        model
            .tactics_named("initial-access")
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["TA0001", "TA0027", "TA0108"]
    );
    let filter = Filter {
        tactic: Some("Initial Access".to_string()),
        ..Filter::default()
    };
    filter.validate(model).unwrap();
    let all = query::top(model, Count::Groups, 0, &filter);
    assert_eq!(all.len(), 22 + 11 + 12, "0 means all, across the domains");
    let per_domain = |d: &str| all.iter().filter(|(t, _)| t.domains[0] == d).count();
    assert_eq!(per_domain("enterprise-attack"), 22);
    assert_eq!(per_domain("mobile-attack"), 11);
    assert_eq!(per_domain("ics-attack"), 12);
}

/// The asset-side figures of an ICS release: the number of assets, of
/// (technique, asset) pairs over live techniques, and T0800's assets.
///
/// The figures were checked with python3 over the raw JSON, applying the
/// same rules: a `targets` relationship counts when it is live (neither
/// `revoked` nor `x_mitre_deprecated`), its source is an attack-pattern and
/// its target an `x-mitre-asset` in the file, and the asset is live; pairs
/// are (technique ATT&CK ID, asset ATT&CK ID), de-duplicated. In 18.1 all 685
/// `targets` relationships and all 18 assets are live and every source is a
/// live technique, so every relationship counts (17.1: 524 and 14).
struct AssetCounts {
    assets: usize,
    pairs: usize,
    t0800: &'static [&'static str],
}

fn check_assets(model: &Model, expected: &AssetCounts) {
    assert_eq!(model.assets.len(), expected.assets);
    assert!(
        model
            .assets
            .iter()
            .all(|a| !a.info.revoked && !a.info.deprecated)
    );
    let pairs: usize = model.live_techniques().map(|t| t.assets.len()).sum();
    assert_eq!(pairs, expected.pairs);
    // The reverse view holds the same pairs.
    let reverse: usize = model.assets.iter().map(|a| a.techniques.len()).sum();
    assert_eq!(reverse, expected.pairs);
    let t0800: Vec<&str> = model
        .technique("T0800")
        .unwrap()
        .assets
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(t0800, expected.t0800);
}

#[test]
fn ics_18_1_assets_and_targets() {
    let Some(model) = ics("18.1") else { return };
    check_assets(
        &model,
        &AssetCounts {
            assets: 18,
            pairs: 685,
            t0800: &[
                "A0002", "A0003", "A0004", "A0005", "A0009", "A0010", "A0013", "A0017", "A0018",
            ],
        },
    );
    let server = model.asset("A0008").unwrap();
    assert_eq!(server.info.name, "Application Server");
    assert_eq!(server.platforms, ["Windows", "Linux"]);
    assert_eq!(server.sectors, ["General"]);
    assert_eq!(server.related_assets.len(), 8);
    assert_eq!(server.related_assets[0].name, "File Server");
    assert_eq!(server.techniques.len(), 35);
    assert_eq!(model.asset("A0003").unwrap().techniques.len(), 48);
    // Field I/O has no sectors in the data.
    assert!(model.asset("A0013").unwrap().sectors.is_empty());
    // 1,826 objects in the file; only its identity and marking-definition
    // are not read.
    assert_eq!(model.source.inputs[0].parts[0].objects, 1824);
}

#[test]
fn ics_17_1_assets_and_targets() {
    let Some(model) = ics("17.1") else { return };
    check_assets(
        &model,
        &AssetCounts {
            assets: 14,
            pairs: 524,
            t0800: &[
                "A0002", "A0003", "A0004", "A0005", "A0009", "A0010", "A0013",
            ],
        },
    );
}
