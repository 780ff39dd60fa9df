//! Every relationship rule of the mapper, pinned on a small fixture bundle
//! written for it (`fixtures/mapping/`, `fixtures/stix/`, `fixtures/cti/`).

mod common;

use attackmap::loading::{self, LoadOptions};
use attackmap::model::{DetectionKind, Model, Relation};

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|x| id(x).to_string()).collect()
}

fn groups_of(model: &Model, technique: &str) -> Vec<(String, Relation, Vec<String>)> {
    model
        .technique(technique)
        .unwrap()
        .groups
        .iter()
        .map(|g| (g.id.clone(), g.relation, ids(&g.via_campaigns, |c| &c.id)))
        .collect()
}

#[test]
fn groups_inherit_techniques_from_attributed_campaigns_only() {
    let model = common::fixture_model("mapping/campaign-inheritance.json");
    assert_eq!(
        groups_of(&model, "T1001"),
        [("G0001".to_string(), Relation::Direct, vec![])]
    );
    assert_eq!(
        groups_of(&model, "T1002"),
        [(
            "G0001".to_string(),
            Relation::Campaign,
            vec!["C0001".to_string()]
        )]
    );
    assert_eq!(
        groups_of(&model, "T1003"),
        [(
            "G0001".to_string(),
            Relation::Both,
            vec!["C0001".to_string(), "C0004".to_string()]
        )]
    );
    // Software used by the group does not make the group use its techniques.
    assert!(groups_of(&model, "T1004").is_empty());
    // An unattributed campaign and a revoked campaign give no group; the
    // deprecated group attributed to C0001 is never listed.
    assert!(groups_of(&model, "T1005").is_empty());
    let t1005 = model.technique("T1005").unwrap();
    assert_eq!(
        ids(&t1005.campaigns, |c| &c.id),
        ["C0002"],
        "the revoked campaign is not counted"
    );

    let group = model.group("G0001").unwrap();
    let techniques: Vec<(String, Relation)> = group
        .techniques
        .iter()
        .map(|t| (t.id.clone(), t.relation))
        .collect();
    assert_eq!(
        techniques,
        [
            ("T1001".to_string(), Relation::Direct),
            ("T1002".to_string(), Relation::Campaign),
            ("T1003".to_string(), Relation::Both),
        ]
    );
    assert_eq!(ids(&group.campaigns, |c| &c.id), ["C0001", "C0004"]);
    assert_eq!(ids(&group.software, |s| &s.id), ["S0001"]);
    let software = model.software_by_id("S0001").unwrap();
    assert_eq!(ids(&software.groups, |g| &g.id), ["G0001"]);
    assert_eq!(ids(&software.campaigns, |c| &c.id), ["C0001"]);
    let campaign = model.campaign("C0001").unwrap();
    assert_eq!(
        ids(&campaign.groups, |g| &g.id),
        ["G0001"],
        "the deprecated group is not listed"
    );
    // The procedure example of the direct relationship is kept.
    let t1001 = model.technique("T1001").unwrap();
    assert_eq!(
        t1001.groups[0].procedure.as_deref(),
        Some("Alpha Group used Direct Only.")
    );
    let t1002 = model.technique("T1002").unwrap();
    assert_eq!(
        t1002.campaigns[0].procedure.as_deref(),
        Some("During Attributed Campaign, Campaign Only was used.")
    );
}

#[test]
fn relationships_to_missing_objects_are_ignored() {
    let model = common::fixture_model("mapping/dangling-relationship.json");
    let t = model.technique("T1001").unwrap();
    assert_eq!(ids(&t.groups, |g| &g.id), ["G0001"]);
    assert!(t.mitigations.is_empty());
    assert_eq!(
        ids(&model.group("G0001").unwrap().techniques, |t| &t.id),
        ["T1001"]
    );
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
}

#[test]
fn only_live_relationships_from_live_objects_count() {
    let model = common::fixture_model("mapping/revoked-relationship.json");
    let t = model.technique("T1001").unwrap();
    assert_eq!(ids(&t.groups, |g| &g.id), ["G0001"]);
    assert_eq!(ids(&t.mitigations, |m| &m.id), ["M0001"]);
    // The revoked technique still gets the answers a live relationship gives it.
    let revoked = model.technique("T1002").unwrap();
    assert!(revoked.revoked);
    assert_eq!(ids(&revoked.groups, |g| &g.id), ["G0001"]);
    // ... but the group's view lists live techniques only.
    assert_eq!(
        ids(&model.group("G0001").unwrap().techniques, |t| &t.id),
        ["T1001"]
    );
    // Revoked and deprecated objects stay in the model, flagged; like a
    // revoked technique, the object asked about is not itself filtered.
    let g4 = model.group("G0004").unwrap();
    assert!(g4.info.revoked);
    assert_eq!(ids(&g4.techniques, |t| &t.id), ["T1001"]);
    assert!(model.group("G0005").unwrap().info.deprecated);
}

#[test]
fn revoked_by_chains_end_on_a_live_object_and_cycles_stop() {
    let model = common::fixture_model("mapping/revoked-chain.json");
    let t = |id: &str| model.technique(id).unwrap();
    assert_eq!(t("T1001").revoked_by.as_deref(), Some("T1002"));
    assert_eq!(t("T1001").revoked_by_chain, ["T1002", "T1003"]);
    assert_eq!(t("T1001").replaced_by.as_deref(), Some("T1003"));
    assert_eq!(t("T1002").replaced_by.as_deref(), Some("T1003"));
    assert_eq!(t("T1004").revoked_by.as_deref(), Some("T1005"));
    assert_eq!(t("T1004").revoked_by_chain, ["T1005"]);
    assert_eq!(t("T1004").replaced_by, None, "a cycle has no live end");
    assert_eq!(t("T1006").revoked_by_chain, ["T1007"]);
    assert_eq!(
        t("T1006").replaced_by,
        None,
        "ends on a deprecated technique"
    );
    assert_eq!(t("T1003").replaced_by, None);
}

#[test]
fn ids_are_looked_up_by_type_and_id() {
    let model = common::fixture_model("mapping/id-collision.json");
    let technique = model.technique("T1174").unwrap();
    assert!(technique.revoked);
    assert_eq!(technique.name, "Password Filter DLL");
    assert_eq!(technique.replaced_by.as_deref(), Some("T1556.002"));
    let old = model.mitigation("T1174").unwrap();
    assert!(old.info.deprecated);
    assert_eq!(old.info.name, "Password Filter DLL Mitigation");
    assert!(old.techniques.is_empty(), "its relationship is deprecated");
    let new = model.technique("T1556.002").unwrap();
    assert_eq!(ids(&new.mitigations, |m| &m.id), ["M1027"]);
    assert_eq!(new.parent.as_deref(), Some("T1556"));
    assert_eq!(
        new.full_name,
        "Modify Authentication Process: Password Filter DLL"
    );
    // `show T1174` resolves to the technique, not the mitigation.
    match attackmap::query::resolve(&model, "T1174").unwrap() {
        attackmap::query::Resolved::Technique(t) => assert_eq!(t.technique_id, "T1174"),
        other => panic!("resolved to {other:?}"),
    }
}

#[test]
fn tactics_are_listed_in_matrix_order() {
    let model = common::fixture_model("mapping/multi-tactic.json");
    let order: Vec<&str> = model.tactics.iter().map(|t| t.shortname.as_str()).collect();
    assert_eq!(
        order,
        [
            "initial-access",
            "execution",
            "persistence",
            "privilege-escalation",
            "defense-evasion",
            "command-and-control"
        ]
    );
    let tactics = |id: &str| -> Vec<String> {
        model
            .technique(id)
            .unwrap()
            .tactics
            .iter()
            .map(|t| format!("{} {}", t.id, t.shortname))
            .collect()
    };
    assert_eq!(
        tactics("T1053"),
        [
            "TA0002 execution",
            "TA0003 persistence",
            "TA0004 privilege-escalation"
        ]
    );
    assert_eq!(
        tactics("T1078"),
        [
            "TA0001 initial-access",
            "TA0003 persistence",
            "TA0004 privilege-escalation",
            "TA0005 defense-evasion"
        ]
    );
}

#[test]
fn stix_20_and_21_give_the_same_model() {
    let v20 = common::fixture_model("stix/stix20.json");
    let v21 = common::fixture_model("stix/stix21.json");
    assert_eq!(v20.techniques, v21.techniques);
    assert_eq!(v20.groups, v21.groups);
    assert_eq!(v20.tactics, v21.tactics);
    let p20 = &v20.source.inputs[0].parts[0];
    let p21 = &v21.source.inputs[0].parts[0];
    assert_eq!(p20.stix_version.as_deref(), Some("2.0"));
    assert_eq!(p21.stix_version.as_deref(), Some("2.1"));
    // The 2.1 bundle names its release in x-mitre-collection.
    assert_eq!(p21.attack_version.as_deref(), Some("17.1"));
    assert_eq!(
        p21.attack_version_source.as_deref(),
        Some("x-mitre-collection")
    );
    // The 2.0 bundle does not: its newest object (2025-11-01) is inferred as 18.1.
    assert_eq!(p20.attack_version.as_deref(), Some("18.1"));
    assert_eq!(
        p20.attack_version_source.as_deref(),
        Some("inferred-from-modified")
    );
}

#[test]
fn attack_version_option_overrides_the_data() {
    let inputs = loading::read_inputs(&[common::fixture("stix/stix21.json")]).unwrap();
    let options = LoadOptions {
        attack_version: Some("16.1".to_string()),
    };
    let parsed = loading::parse_inputs(&inputs, &options).unwrap();
    assert_eq!(
        parsed.parts[0].attack_version,
        Some(("16.1".to_string(), loading::VersionSource::Option))
    );
}

#[test]
fn v17_data_components_detect_techniques_directly() {
    let model = common::fixture_model("mapping/detections-v17.json");
    let t = model.technique("T1059").unwrap();
    assert_eq!(
        t.detections.len(),
        1,
        "the deprecated component does not count"
    );
    let d = &t.detections[0];
    assert_eq!(d.kind, DetectionKind::DataComponent);
    assert_eq!(d.id, "Command: Command Execution");
    assert_eq!(d.name, "Command: Command Execution");
    assert_eq!(
        model.detections.len(),
        2,
        "both components detect something"
    );
}

#[test]
fn v18_detection_strategies_reach_data_components_through_analytics() {
    let model = common::fixture_model("mapping/detections-v18.json");
    let t = model.technique("T1059").unwrap();
    assert_eq!(t.detections.len(), 1);
    let d = &t.detections[0];
    assert_eq!(
        (d.id.as_str(), d.kind),
        ("DET0001", DetectionKind::DetectionStrategy)
    );
    assert_eq!(d.name, "Detect Interpreter Abuse");
    assert_eq!(
        d.analytics,
        ["AN0001"],
        "the deprecated and the missing analytic are ignored"
    );
    assert_eq!(ids(&d.data_components, |c| &c.id), ["DC0032", "DC0064"]);
    let strategy = model.detection("DET0001").unwrap();
    assert_eq!(ids(&strategy.techniques, |t| &t.id), ["T1059"]);
}

#[test]
fn unknown_types_are_ignored_and_malformed_objects_skipped_with_a_warning() {
    let model = common::fixture_model("mapping/unknown-and-malformed.json");
    let ids: Vec<&str> = model
        .techniques
        .iter()
        .map(|t| t.technique_id.as_str())
        .collect();
    assert_eq!(ids, ["T1001"]);
    assert_eq!(
        model.source.warnings.len(),
        1,
        "{:?}",
        model.source.warnings
    );
    let warning = &model.source.warnings[0];
    assert!(warning.contains("unknown-and-malformed.json:"), "{warning}");
    assert!(warning.contains("skipped attack-pattern--"), "{warning}");
    assert!(
        warning.contains("invalid type: integer `12345`"),
        "{warning}"
    );
}

#[test]
fn wrong_field_types_skip_the_object_and_name_its_position() {
    let model = common::fixture_model("bad-input/wrong-field-types.json");
    let ids: Vec<&str> = model
        .techniques
        .iter()
        .map(|t| t.technique_id.as_str())
        .collect();
    assert_eq!(ids, ["T1001"]);
    assert_eq!(
        model.source.warnings.len(),
        3,
        "{:?}",
        model.source.warnings
    );
    // Positions are lines of the file, not of the object.
    let text =
        std::fs::read_to_string(common::fixture("bad-input/wrong-field-types.json")).unwrap();
    let line_of_revoked = text
        .lines()
        .position(|l| l.contains("\"revoked\": \"yes\""))
        .unwrap()
        + 1;
    assert!(
        model.source.warnings[0].contains(&format!("wrong-field-types.json:{line_of_revoked}:")),
        "{} (expected line {line_of_revoked})",
        model.source.warnings[0]
    );
}

#[test]
fn a_mitre_cti_directory_loads_each_object_once() {
    let model = common::fixture_model("cti");
    assert_eq!(model.techniques.len(), 1);
    assert_eq!(model.tactics.len(), 6);
    let t = model.technique("T1059").unwrap();
    assert_eq!(ids(&t.groups, |g| &g.id), ["G0016"]);
    let input = &model.source.inputs[0];
    assert_eq!(input.kind, "directory");
    assert_eq!(input.parts.len(), 1);
    assert_eq!(input.parts[0].domain.as_deref(), Some("enterprise-attack"));
    assert!(
        input.parts[0].label.ends_with("cti/enterprise-attack"),
        "{}",
        input.parts[0].label
    );
}

#[test]
fn several_domains_end_up_in_one_model() {
    let model = common::map_files(&[
        common::fixture("stix/stix20.json"),
        common::fixture("stix/mobile-small.json"),
    ]);
    let domains: Vec<&str> = model.domains.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(domains, ["enterprise-attack", "mobile-attack"]);
    assert_eq!(model.source.domains, ["enterprise-attack", "mobile-attack"]);
    // Tactics keep their own IDs per domain even where shortnames are shared.
    let mobile_execution = model
        .tactics
        .iter()
        .find(|t| t.domain == "mobile-attack" && t.shortname == "execution")
        .unwrap();
    assert_eq!(mobile_execution.id, "TA0041");
    let phishing = model.technique("T1660").unwrap();
    assert_eq!(phishing.domains, ["mobile-attack"]);
    assert_eq!(phishing.tactics[0].id, "TA0027");
    // The group present in both bundles is one group, tagged with both domains.
    let apt29 = model.group("G0016").unwrap();
    assert_eq!(apt29.info.domains, ["enterprise-attack", "mobile-attack"]);
    let techniques: Vec<&str> = apt29.techniques.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(techniques, ["T1059.001", "T1660"]);
}

#[test]
fn the_example_bundle_has_every_shape_the_readme_promises() {
    let model = common::map_files(&[]);
    assert_eq!(model.source.inputs[0].kind, "embedded");
    assert_eq!(model.source.attack_version.as_deref(), Some("18.1"));
    let t1053 = model.technique("T1053").unwrap();
    assert_eq!(t1053.tactics.len(), 3, "a multi-tactic technique");
    assert_eq!(
        model.technique("T1059").unwrap().subtechniques,
        ["T1059.001", "T1059.003"]
    );
    assert!(model.technique("T1086").unwrap().revoked);
    assert!(model.technique("T1064").unwrap().deprecated);
    assert_eq!(model.campaign("C0024").unwrap().groups[0].id, "G0016");
    assert!(
        model.technique("T1059.001").unwrap().detections[0].kind
            == DetectionKind::DetectionStrategy
    );
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
}

#[test]
fn one_object_per_attack_id_and_technique_ids_are_checked() {
    let model = common::fixture_model("mapping/duplicate-ids.json");
    let ids: Vec<&str> = model
        .techniques
        .iter()
        .map(|t| t.technique_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["T1001", "T1002"],
        "one T1001; the ID with a path in it is skipped"
    );
    assert_eq!(
        model.technique("T1001").unwrap().name,
        "Current Copy",
        "the newer copy is kept"
    );
    assert_eq!(
        model.source.warnings.len(),
        2,
        "{:?}",
        model.source.warnings
    );
    assert!(model.source.warnings[0].contains("'../../x/T0999' is not a technique ID"));
    assert!(model.source.warnings[1].contains("T1001 is carried by two objects"));
}

#[test]
fn two_releases_of_one_domain_are_refused() {
    // stix21.json says 17.1 (x-mitre-collection); stix20.json is inferred as 18.1.
    let inputs = loading::read_inputs(&[
        common::fixture("stix/stix20.json"),
        common::fixture("stix/stix21.json"),
    ])
    .unwrap();
    let err = loading::parse_inputs(&inputs, &LoadOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("are two releases of enterprise-attack (ATT&CK 18.1 and 17.1)"),
        "{message}"
    );
    assert!(
        message.contains("stix20.json") && message.contains("stix21.json"),
        "{message}"
    );
    // One release given twice is fine.
    let same = loading::read_inputs(&[
        common::fixture("stix/stix20.json"),
        common::fixture("stix/stix20.json"),
    ])
    .unwrap();
    assert!(loading::parse_inputs(&same, &LoadOptions::default()).is_ok());
}

#[test]
fn a_directory_mixing_a_cti_tree_and_bundles_reads_both() {
    let dir = tempfile::tempdir().unwrap();
    let bundles = dir.path().join("bundles");
    let tree = dir
        .path()
        .join("deep")
        .join("cti")
        .join("enterprise-attack");
    std::fs::create_dir_all(&bundles).unwrap();
    std::fs::copy(
        common::fixture("stix/mobile-small.json"),
        bundles.join("mobile.json"),
    )
    .unwrap();
    copy_dir(&common::fixture("cti/enterprise-attack"), &tree);
    let model = common::map_files(&[dir.path().to_path_buf()]);
    assert_eq!(model.source.domains, ["enterprise-attack", "mobile-attack"]);
    let labels: Vec<&str> = model.source.inputs[0]
        .parts
        .iter()
        .map(|p| p.label.as_str())
        .collect();
    assert!(
        labels
            .iter()
            .any(|l| l.ends_with("deep/cti/enterprise-attack")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.ends_with("bundles/mobile.json")),
        "{labels:?}"
    );
    // The whole-domain bundle beside the per-object files is not read twice.
    assert_eq!(
        model
            .techniques
            .iter()
            .filter(|t| t.technique_id == "T1059")
            .count(),
        1
    );
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A technique without a name is kept (its ID is what rules and layers
/// refer to) but the loss is a warning, not silent.
#[test]
fn a_technique_without_a_name_is_kept_with_a_warning() {
    let model = common::fixture_model("mapping/nameless-technique.json");
    let names: Vec<(&str, &str)> = model
        .techniques
        .iter()
        .map(|t| (t.technique_id.as_str(), t.name.as_str()))
        .collect();
    assert_eq!(names, [("T1001", "Named Technique"), ("T1002", "")]);
    let unnamed: Vec<&String> = model
        .source
        .warnings
        .iter()
        .filter(|w| w.contains("has no name"))
        .collect();
    assert_eq!(unnamed.len(), 1, "{:?}", model.source.warnings);
    assert!(
        unnamed[0].contains(
            "T1002 (attack-pattern--7a2c0000-0000-4000-8000-000000000003) has no name; kept, unnamed"
        ),
        "{}",
        unnamed[0]
    );
}

/// A relationship from an object to itself is ignored with a warning (T1002
/// is not its own parent); a sub-technique of a sub-technique is kept as
/// the data says, with a warning, since ATT&CK has one level.
#[test]
fn self_relationships_are_ignored_and_nested_subtechniques_warned() {
    let model = common::fixture_model("mapping/self-and-nested-subtechniques.json");
    let loner = model.technique("T1002").unwrap();
    assert_eq!(loner.parent, None);
    assert!(loner.subtechniques.is_empty());
    assert_eq!(loner.full_name, "Loner");
    let grandchild = model.technique("T1001.002").unwrap();
    assert_eq!(grandchild.parent.as_deref(), Some("T1001.001"));
    assert_eq!(grandchild.full_name, "Child: Grandchild");
    // The fixture states neither release nor domain: two warnings of their
    // own, then the two of the rules.
    let warnings: Vec<&String> = model
        .source
        .warnings
        .iter()
        .filter(|w| !w.contains("could not be"))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.ends_with(
            "relationship relationship--5e1f0000-0000-4000-8000-000000000103 (subtechnique-of) \
             relates T1002 to itself; ignored"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.ends_with(
            "T1001.002's parent T1001.001 is itself a sub-technique of T1001 (ATT&CK \
             sub-techniques have one level); kept as the data says"
        )),
        "{warnings:?}"
    );
}

/// A broken symbolic link in a mitre/cti tree is skipped with a warning
/// naming it: the object file it pointed at may be part of the data.
#[cfg(unix)]
#[test]
fn a_broken_link_in_a_directory_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("enterprise-attack");
    copy_dir(&common::fixture("cti/enterprise-attack"), &tree);
    let link = tree
        .join("attack-pattern")
        .join("attack-pattern--gone.json");
    std::os::unix::fs::symlink(dir.path().join("nowhere.json"), &link).unwrap();
    let model = common::map_files(&[dir.path().to_path_buf()]);
    let broken: Vec<&String> = model
        .source
        .warnings
        .iter()
        .filter(|w| w.contains("broken symbolic link"))
        .collect();
    assert_eq!(broken.len(), 1, "{:?}", model.source.warnings);
    assert!(
        broken[0].ends_with(
            "attack-pattern/attack-pattern--gone.json: a broken symbolic link (its target does \
             not exist); skipped"
        ),
        "{}",
        broken[0]
    );
    assert!(model.technique("T1059").is_some(), "the rest is loaded");
}

/// ICS assets follow the live-only rules of every other relationship: a
/// technique's assets come from live `targets` relationships to live assets;
/// a revoked or deprecated relationship, a revoked asset and a dangling
/// `target_ref` give nothing; the asset's reverse view lists live
/// techniques only, while the deprecated technique (and the revoked asset)
/// asked about are not themselves filtered.
#[test]
fn ics_assets_come_from_live_targets_relationships() {
    let model = common::fixture_model("mapping/ics-assets.json");
    let assets_of = |t: &str| ids(&model.technique(t).unwrap().assets, |a| &a.id);
    // Live relationship kept (its second copy counts once); revoked
    // relationship (A0002), revoked asset (A0003), deprecated relationship
    // (A0004) and the dangling target ignored.
    assert_eq!(assets_of("T0801"), ["A0001"]);
    assert_eq!(
        model.technique("T0801").unwrap().assets[0].name,
        "Programmable Logic Controller (PLC)"
    );
    // A deprecated technique still lists what its live relationships give it.
    assert_eq!(assets_of("T0802"), ["A0001"]);
    assert_eq!(assets_of("T0803"), ["A0002"]);

    let asset_ids = ids(&model.assets, |a| &a.info.id);
    assert_eq!(asset_ids, ["A0001", "A0002", "A0003", "A0004"]);
    let techniques_of = |a: &str| ids(&model.asset(a).unwrap().techniques, |t| &t.id);
    // The reverse view: live techniques only (not the deprecated T0802).
    assert_eq!(techniques_of("A0001"), ["T0801"]);
    // T0801's relationship to A0002 is revoked; T0803's is live.
    assert_eq!(techniques_of("A0002"), ["T0803"]);
    // The revoked asset is kept, flagged, with its live relationship.
    let revoked = model.asset("A0003").unwrap();
    assert!(revoked.info.revoked);
    assert_eq!(techniques_of("A0003"), ["T0801"]);
    // Only a deprecated relationship points at A0004.
    assert!(techniques_of("A0004").is_empty());

    let plc = model.asset("a0001").unwrap();
    assert_eq!(plc.info.domains, ["ics-attack"]);
    assert_eq!(
        plc.info.url.as_deref(),
        Some("https://attack.mitre.org/assets/A0001")
    );
    assert_eq!(plc.platforms, ["Embedded"]);
    assert_eq!(plc.sectors, ["General", "Electric"]);
    let related: Vec<(&str, Vec<&str>)> = plc
        .related_assets
        .iter()
        .map(|r| {
            let sectors = r.sectors.iter().map(String::as_str).collect();
            (r.name.as_str(), sectors)
        })
        .collect();
    // The entry without a name is left out; descriptions only on request.
    assert_eq!(
        related,
        [
            ("Field Device / Controller", vec!["General"]),
            ("Process Automation Controller (PAC)", vec![]),
        ]
    );
    assert!(plc.related_assets.iter().all(|r| r.description.is_none()));
    let hmi = model.asset("A0002").unwrap();
    assert!(hmi.sectors.is_empty() && hmi.related_assets.is_empty());
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
    // The object count includes the assets: 10 objects and 9 relationships.
    assert_eq!(model.source.inputs[0].parts[0].objects, 19);
}

/// With `--descriptions`, an asset and its related assets keep their
/// descriptions.
#[test]
fn ics_asset_descriptions_are_kept_on_request() {
    let inputs = loading::read_inputs(&[common::fixture("mapping/ics-assets.json")]).unwrap();
    let parsed = loading::parse_inputs(&inputs, &LoadOptions::default()).unwrap();
    let options = attackmap::mapping::MapOptions { descriptions: true };
    let (model, _) = attackmap::mapping::build_model(&inputs, &parsed, &options).unwrap();
    let plc = model.asset("A0001").unwrap();
    assert_eq!(
        plc.info.description.as_deref(),
        Some("A controller (fixture text).")
    );
    assert_eq!(
        plc.related_assets[0].description.as_deref(),
        Some("Another name (fixture text).")
    );
    assert_eq!(plc.related_assets[1].description, None);
}

/// A model written before attackmap read assets (no `assets` anywhere)
/// still reads, with no assets.
#[test]
fn models_without_assets_still_read() {
    let model = common::fixture_model("mapping/ics-assets.json");
    let mut json = serde_json::to_value(&model).unwrap();
    json.as_object_mut().unwrap().remove("assets");
    for t in json["techniques"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("assets");
    }
    let bytes = serde_json::to_vec(&json).unwrap();
    let old = attackmap::cache::parse_model(std::path::Path::new("old.json"), &bytes).unwrap();
    assert!(old.assets.is_empty());
    assert!(old.techniques.iter().all(|t| t.assets.is_empty()));
    assert_eq!(old.techniques.len(), model.techniques.len());
}
