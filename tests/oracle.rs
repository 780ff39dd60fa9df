//! The real enterprise 18.1 release, checked field by field against what
//! MITRE's own library (mitreattack-python 6.3.1) answers for it:
//! `../shared/oracle/enterprise-attack-18.1.oracle.json`. Skipped with a
//! message when `../shared` is absent.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

use attackmap::model::{DetectionKind, Model, Relation};

fn oracle() -> Option<Value> {
    let path = common::shared_file("oracle/enterprise-attack-18.1.oracle.json")?;
    Some(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn sorted<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    let set: BTreeSet<String> = items.into_iter().map(Into::into).collect();
    set.into_iter().collect()
}

fn opt(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn with_both() -> Option<(&'static Model, Value)> {
    Some((common::enterprise()?, oracle()?))
}

#[test]
fn every_technique_agrees_with_mitre_library() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let expected = oracle["techniques"].as_object().unwrap();
    assert_eq!(
        model.techniques.len(),
        expected.len(),
        "one entry per attack-pattern"
    );
    let mut checked = 0;
    for t in &model.techniques {
        let o = &expected[&t.technique_id];
        let id = &t.technique_id;
        assert_eq!(t.stix_id, o["stix_id"].as_str().unwrap(), "{id} stix id");
        assert_eq!(t.name, o["name"].as_str().unwrap(), "{id} name");
        assert_eq!(t.revoked, o["revoked"].as_bool().unwrap(), "{id} revoked");
        assert_eq!(
            t.deprecated,
            o["deprecated"].as_bool().unwrap(),
            "{id} deprecated"
        );
        assert_eq!(
            t.is_subtechnique,
            o["is_subtechnique"].as_bool().unwrap(),
            "{id} is_subtechnique"
        );
        assert_eq!(t.parent, opt(&o["parent"]), "{id} parent");
        assert_eq!(
            t.subtechniques,
            ids(&o["subtechniques"]),
            "{id} subtechniques"
        );
        assert_eq!(t.revoked_by, opt(&o["revoked_by"]), "{id} revoked_by");
        assert_eq!(
            sorted(t.tactics.iter().map(|x| x.shortname.clone())),
            ids(&o["tactics"]),
            "{id} tactics"
        );
        assert_eq!(
            sorted(t.platforms.clone()),
            sorted(ids(&o["platforms"])),
            "{id} platforms"
        );
        let group_ids: Vec<String> = t.groups.iter().map(|g| g.id.clone()).collect();
        assert_eq!(group_ids, ids(&o["groups"]), "{id} groups");
        let direct = t
            .groups
            .iter()
            .filter(|g| matches!(g.relation, Relation::Direct | Relation::Both))
            .map(|g| g.id.clone());
        assert_eq!(
            sorted(direct),
            ids(&o["groups_direct"]),
            "{id} groups_direct"
        );
        let via = t
            .groups
            .iter()
            .filter(|g| matches!(g.relation, Relation::Campaign | Relation::Both))
            .map(|g| g.id.clone());
        assert_eq!(
            sorted(via),
            ids(&o["groups_via_campaign"]),
            "{id} groups_via_campaign"
        );
        let list =
            |xs: &[attackmap::model::Related]| xs.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        assert_eq!(list(&t.software), ids(&o["software"]), "{id} software");
        assert_eq!(list(&t.campaigns), ids(&o["campaigns"]), "{id} campaigns");
        assert_eq!(
            list(&t.mitigations),
            ids(&o["mitigations"]),
            "{id} mitigations"
        );
        let strategies: Vec<String> = t
            .detections
            .iter()
            .filter(|d| d.kind == DetectionKind::DetectionStrategy)
            .map(|d| d.id.clone())
            .collect();
        assert_eq!(
            strategies,
            ids(&o["detection_strategies"]),
            "{id} detection strategies"
        );
        let components: Vec<String> = t
            .detections
            .iter()
            .filter(|d| d.kind == DetectionKind::DataComponent)
            .map(|d| d.id.clone())
            .collect();
        assert_eq!(
            components,
            ids(&o["datacomponents"]),
            "{id} data components (v17 model)"
        );
        let analytics = sorted(t.detections.iter().flat_map(|d| d.analytics.clone()));
        assert_eq!(analytics, ids(&o["derived"]["analytics"]), "{id} analytics");
        let via_analytics = sorted(
            t.detections
                .iter()
                .flat_map(|d| d.data_components.iter().map(|c| c.id.clone())),
        );
        assert_eq!(
            via_analytics,
            ids(&o["derived"]["datacomponents_via_analytics"]),
            "{id} data components via analytics"
        );
        checked += 1;
    }
    assert_eq!(checked, 835);
}

#[test]
fn tactics_follow_matrix_order_not_file_order() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let matrix: Vec<String> = oracle["tactics"][0]["tactics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["shortname"].as_str().unwrap().to_string())
        .collect();
    let ours: Vec<String> = model.tactics.iter().map(|t| t.shortname.clone()).collect();
    assert_eq!(ours, matrix);
    let names: Vec<(String, String)> = oracle["tactics"][0]["tactics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let our_names: Vec<(String, String)> = model
        .tactics
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    assert_eq!(our_names, names);
    // Every multi-tactic technique lists its tactics in matrix order.
    let position = |shortname: &str| ours.iter().position(|s| s == shortname).unwrap();
    let mut multi = 0;
    let mut reordered = 0;
    for t in model.live_techniques().filter(|t| t.tactics.len() > 1) {
        multi += 1;
        let order: Vec<usize> = t.tactics.iter().map(|x| position(&x.shortname)).collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "{} not in matrix order",
            t.technique_id
        );
        let file_order = ids(&oracle["techniques"][&t.technique_id]["tactics_kcp_order"]);
        let ours_order: Vec<String> = t.tactics.iter().map(|x| x.shortname.clone()).collect();
        if file_order != ours_order {
            reordered += 1;
        }
    }
    assert_eq!(
        multi, 154,
        "live techniques with several tactics (oracle README)"
    );
    assert_eq!(
        reordered, 71,
        "of which the file order is not matrix order (oracle README)"
    );
}

#[test]
fn groups_agree_with_mitre_library() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let expected = oracle["groups"].as_object().unwrap();
    assert_eq!(model.groups.len(), expected.len());
    for g in &model.groups {
        let o = &expected[&g.info.id];
        let id = &g.info.id;
        assert_eq!(g.info.name, o["name"].as_str().unwrap(), "{id}");
        assert_eq!(g.info.revoked, o["revoked"].as_bool().unwrap(), "{id}");
        assert_eq!(
            g.info.deprecated,
            o["deprecated"].as_bool().unwrap(),
            "{id}"
        );
        let all: Vec<String> = g.techniques.iter().map(|t| t.id.clone()).collect();
        assert_eq!(all, ids(&o["techniques"]), "{id} techniques");
        let direct = g
            .techniques
            .iter()
            .filter(|t| matches!(t.relation, Relation::Direct | Relation::Both))
            .map(|t| t.id.clone());
        assert_eq!(
            sorted(direct),
            ids(&o["techniques_direct"]),
            "{id} techniques_direct"
        );
        let via = g
            .techniques
            .iter()
            .filter(|t| matches!(t.relation, Relation::Campaign | Relation::Both))
            .map(|t| t.id.clone());
        assert_eq!(
            sorted(via),
            ids(&o["techniques_via_campaign"]),
            "{id} techniques_via_campaign"
        );
        let software: Vec<String> = g.software.iter().map(|s| s.id.clone()).collect();
        assert_eq!(software, ids(&o["software"]), "{id} software");
        let campaigns: Vec<String> = g.campaigns.iter().map(|c| c.id.clone()).collect();
        assert_eq!(campaigns, ids(&o["campaigns"]), "{id} campaigns");
    }
    let apt29 = model.group("G0016").unwrap();
    let direct = apt29
        .techniques
        .iter()
        .filter(|t| t.relation != Relation::Campaign)
        .count();
    assert_eq!((apt29.techniques.len(), direct), (119, 66));
}

#[test]
fn software_campaigns_mitigations_and_strategies_agree() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let names =
        |xs: &[attackmap::model::NamedRef]| xs.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    let techs =
        |xs: &[attackmap::model::TechniqueRef]| xs.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    let software = oracle["software"].as_object().unwrap();
    assert_eq!(model.software.len(), software.len());
    for s in &model.software {
        let o = &software[&s.info.id];
        assert_eq!(s.kind, o["type"].as_str().unwrap(), "{}", s.info.id);
        assert_eq!(
            techs(&s.techniques),
            ids(&o["techniques"]),
            "{} techniques",
            s.info.id
        );
        assert_eq!(names(&s.groups), ids(&o["groups"]), "{} groups", s.info.id);
        assert_eq!(
            names(&s.campaigns),
            ids(&o["campaigns"]),
            "{} campaigns",
            s.info.id
        );
    }
    let campaigns = oracle["campaigns"].as_object().unwrap();
    assert_eq!(model.campaigns.len(), campaigns.len());
    for c in &model.campaigns {
        let o = &campaigns[&c.info.id];
        assert_eq!(
            techs(&c.techniques),
            ids(&o["techniques"]),
            "{} techniques",
            c.info.id
        );
        assert_eq!(names(&c.groups), ids(&o["groups"]), "{} groups", c.info.id);
        assert_eq!(
            names(&c.software),
            ids(&o["software"]),
            "{} software",
            c.info.id
        );
    }
    let mitigations = oracle["mitigations"].as_object().unwrap();
    assert_eq!(model.mitigations.len(), mitigations.len());
    for m in &model.mitigations {
        let o = &mitigations[&m.info.id];
        assert_eq!(
            m.info.deprecated,
            o["deprecated"].as_bool().unwrap(),
            "{}",
            m.info.id
        );
        assert_eq!(
            techs(&m.techniques),
            ids(&o["techniques"]),
            "{} techniques",
            m.info.id
        );
    }
    let strategies = oracle["detection_strategies"].as_object().unwrap();
    let ours: Vec<_> = model
        .detections
        .iter()
        .filter(|d| d.kind == DetectionKind::DetectionStrategy)
        .collect();
    assert_eq!(ours.len(), strategies.len());
    for d in ours {
        let o = &strategies[&d.info.id];
        assert_eq!(
            techs(&d.techniques),
            ids(&o["techniques"]),
            "{} techniques",
            d.info.id
        );
        assert_eq!(d.analytics, ids(&o["analytics"]), "{} analytics", d.info.id);
    }
}

#[test]
fn counts_match_the_oracle_readme() {
    let Some((model, _)) = with_both() else {
        return;
    };
    let live: Vec<_> = model.live_techniques().collect();
    assert_eq!(live.len(), 691);
    assert_eq!(live.iter().filter(|t| !t.is_subtechnique).count(), 216);
    assert_eq!(live.iter().filter(|t| t.groups.is_empty()).count(), 182);
    assert_eq!(
        live.iter()
            .filter(|t| !t.groups.is_empty()
                && t.groups.iter().all(|g| g.relation == Relation::Campaign))
            .count(),
        21
    );
    assert_eq!(live.iter().filter(|t| t.software.is_empty()).count(), 220);
    assert_eq!(live.iter().filter(|t| t.campaigns.is_empty()).count(), 394);
    assert_eq!(
        live.iter().filter(|t| t.mitigations.is_empty()).count(),
        109
    );
    let pairs = |f: &dyn Fn(&attackmap::model::Technique) -> usize| {
        live.iter().map(|t| f(t)).sum::<usize>()
    };
    assert_eq!(pairs(&|t| t.groups.len()), 4640);
    assert_eq!(
        pairs(&|t| t
            .groups
            .iter()
            .filter(|g| g.relation != Relation::Campaign)
            .count()),
        4362
    );
    assert_eq!(pairs(&|t| t.software.len()), 10636);
    assert_eq!(pairs(&|t| t.campaigns.len()), 1019);
    assert_eq!(pairs(&|t| t.mitigations.len()), 1445);
    assert_eq!(pairs(&|t| t.detections.len()), 691);
    let live_count = |infos: Vec<&attackmap::model::ObjectInfo>| {
        infos.iter().filter(|i| !i.revoked && !i.deprecated).count()
    };
    assert_eq!(
        live_count(model.groups.iter().map(|g| &g.info).collect()),
        172
    );
    assert_eq!(
        live_count(model.software.iter().map(|s| &s.info).collect()),
        784
    );
    assert_eq!(
        live_count(model.campaigns.iter().map(|c| &c.info).collect()),
        52
    );
    assert_eq!(
        live_count(model.mitigations.iter().map(|m| &m.info).collect()),
        44
    );
}

#[test]
fn revoked_by_chains_are_followed_to_a_live_technique() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let t1150 = model.technique("T1150").unwrap();
    assert_eq!(
        t1150.revoked_by.as_deref(),
        Some("T1547.011"),
        "one hop, as MITRE's library"
    );
    assert_eq!(t1150.revoked_by_chain, ["T1547.011", "T1647"]);
    assert_eq!(t1150.replaced_by.as_deref(), Some("T1647"));
    let t1086 = model.technique("T1086").unwrap();
    assert_eq!(t1086.replaced_by.as_deref(), Some("T1059.001"));
    for t in model.techniques.iter().filter(|t| t.revoked) {
        let target = model.technique(t.replaced_by.as_deref().unwrap()).unwrap();
        assert!(
            target.is_live(),
            "{} → {}",
            t.technique_id,
            target.technique_id
        );
    }
}

#[test]
fn source_and_domain_come_from_the_data() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let part = &model.source.inputs[0].parts[0];
    assert_eq!(part.domain.as_deref(), Some("enterprise-attack"));
    assert_eq!(part.stix_version.as_deref(), Some("2.0"));
    // The file has no x-mitre-collection and is not byte-identical to a
    // published release, so the release is inferred from its newest object.
    assert_eq!(part.attack_version.as_deref(), Some("18.1"));
    assert_eq!(
        part.attack_version_source.as_deref(),
        Some("inferred-from-modified")
    );
    assert_eq!(
        model.source.inputs[0].sha256,
        "9f18529bb75d1206a4f49bba74d4a6c6b79a00412c9504b0947c5f34b52bc047"
    );
    assert_eq!(model.domains[0].name.as_deref(), Some("Enterprise ATT&CK"));
    assert!(model.domains[0].platforms.contains(&"ESXi".to_string()));
    assert!(
        model.source.warnings.is_empty(),
        "{:?}",
        model.source.warnings
    );
}

/// `show DC…` / `show AN…` scan the detection strategies; every data
/// component and analytic the oracle derives for a technique is found that
/// way, with exactly the techniques the oracle derives it for.
#[test]
fn data_components_and_analytics_are_found_through_strategies() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let mut expected: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (id, t) in oracle["techniques"].as_object().unwrap() {
        let derived = &t["derived"];
        for key in ["datacomponents_via_analytics", "analytics"] {
            for part in ids(&derived[key]) {
                expected.entry(part).or_default().insert(id.clone());
            }
        }
    }
    assert!(expected.len() > 1000, "{} parts", expected.len());
    for (part, techniques) in &expected {
        let found = attackmap::query::detection_part(model, part)
            .unwrap_or_else(|| panic!("{part} not found in any strategy"));
        let got: BTreeSet<String> = found.techniques.iter().map(|t| t.id.clone()).collect();
        assert_eq!(&got, techniques, "{part}");
    }
    let dc = attackmap::query::detection_part(model, "dc0032").unwrap();
    assert_eq!(
        (dc.id.as_str(), dc.name.as_deref(), dc.kind),
        ("DC0032", Some("Process Creation"), "data-component")
    );
    assert_eq!(dc.techniques.len(), 452);
    assert!(attackmap::query::detection_part(model, "DC9999").is_none());
}
