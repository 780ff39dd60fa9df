//! Navigator layers from the real enterprise 18.1 release, checked against
//! what MITRE's own library answers (`../shared/oracle/…oracle.json`).
//! Skipped with a message when `../shared` is absent.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use attackmap::Model;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, Each, ExportOptions};
use attackmap::layer_check;
use attackmap::selection::Criteria;

fn oracle() -> Option<Value> {
    let path = common::shared_file("oracle/enterprise-attack-18.1.oracle.json")?;
    Some(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
}

fn with_both() -> Option<(&'static Model, Value)> {
    Some((common::enterprise()?, oracle()?))
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn layer_for(model: &Model, criteria: &Criteria) -> Value {
    let navigator = export::exporter("navigator").unwrap();
    let docs =
        export::prepare(model, criteria, navigator, &ExportOptions::default(), None).unwrap();
    let templates = Templates::new(&TemplateOptions::default(), navigator.template()).unwrap();
    let text = export::render(navigator, &templates, &docs[0].context).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn groups(ids: &[&str]) -> Criteria {
    Criteria {
        groups: ids.iter().map(|s| s.to_string()).collect(),
        ..Criteria::default()
    }
}

/// (technique, tactic) → the entry.
fn cells(layer: &Value) -> BTreeMap<(String, String), &Value> {
    let mut out = BTreeMap::new();
    for c in layer["techniques"].as_array().unwrap() {
        let key = (
            c["techniqueID"].as_str().unwrap().to_string(),
            c["tactic"].as_str().expect("explicit tactic").to_string(),
        );
        assert!(out.insert(key.clone(), c).is_none(), "duplicate {key:?}");
    }
    out
}

/// Every (technique, tactic) pair of these techniques according to the
/// oracle.
fn oracle_cells(oracle: &Value, techniques: &BTreeSet<String>) -> BTreeSet<(String, String)> {
    techniques
        .iter()
        .flat_map(|t| {
            strings(&oracle["techniques"][t]["tactics"])
                .into_iter()
                .map(move |tactic| (t.clone(), tactic))
        })
        .collect()
}

#[test]
fn apt29_layer_has_the_oracles_119_techniques_under_every_tactic() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let layer = layer_for(model, &groups(&["G0016"]));
    let expected = strings(&oracle["groups"]["G0016"]["techniques"]);
    assert_eq!(expected.len(), 119);
    let cells = cells(&layer);
    let ids: BTreeSet<String> = cells.keys().map(|(t, _)| t.clone()).collect();
    assert_eq!(ids, expected, "exactly the oracle's techniques");
    let pairs: BTreeSet<(String, String)> = cells.keys().cloned().collect();
    assert_eq!(pairs, oracle_cells(&oracle, &expected), "every tactic cell");
    let multi = expected
        .iter()
        .filter(|t| strings(&oracle["techniques"][*t]["tactics"]).len() > 1)
        .count();
    assert_eq!(multi, 22, "APT29 uses 22 multi-tactic techniques");
    for cell in cells.values() {
        assert_eq!(cell["score"], 1);
    }

    // Campaign-derived use is marked; direct-only use is not.
    let direct = strings(&oracle["groups"]["G0016"]["techniques_direct"]);
    let via = strings(&oracle["groups"]["G0016"]["techniques_via_campaign"]);
    assert_eq!((direct.len(), via.len()), (66, 75));
    for ((t, _), cell) in &cells {
        let group = cell["metadata"][0]["value"].as_str().unwrap();
        let comment = cell["comment"].as_str().unwrap();
        match (direct.contains(t), via.contains(t)) {
            (true, false) => assert_eq!(group, "APT29 (G0016)", "{t}"),
            (false, true) => {
                assert!(group.starts_with("APT29 (G0016) via C"), "{t}: {group}");
                assert!(comment.starts_with("Used by APT29 (G0016) via C"), "{t}");
            }
            (true, true) => {
                assert!(
                    group.starts_with("APT29 (G0016) directly and via C"),
                    "{t}: {group}"
                )
            }
            (false, false) => panic!("{t} is not APT29's"),
        }
    }
    let solarwinds = &cells[&("T1003.006".to_string(), "credential-access".to_string())];
    assert_eq!(
        solarwinds["metadata"][0]["value"],
        "APT29 (G0016) via C0024 SolarWinds Compromise"
    );
    assert_eq!(layer["versions"]["attack"], "18.1");
    assert_eq!(layer["domain"], "enterprise-attack");
    let platforms = strings(&layer["filters"]["platforms"]);
    let data: BTreeSet<String> = model.domains[0].platforms.iter().cloned().collect();
    assert_eq!(platforms, data);
}

#[test]
fn threat_informed_heat_map_scores_how_many_given_groups_use_each_technique() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let given = ["G0016", "G0007", "G0032", "G0010"];
    let layer = layer_for(model, &groups(&given));
    let union: BTreeSet<String> = given
        .iter()
        .flat_map(|g| strings(&oracle["groups"][*g]["techniques"]))
        .collect();
    let cells = cells(&layer);
    let pairs: BTreeSet<(String, String)> = cells.keys().cloned().collect();
    assert_eq!(
        pairs,
        oracle_cells(&oracle, &union),
        "union of their techniques"
    );
    let mut max = 0;
    for ((t, tactic), cell) in &cells {
        let users = strings(&oracle["techniques"][t]["groups"]);
        let expected = given.iter().filter(|g| users.contains(**g)).count() as u64;
        assert_eq!(cell["score"], expected, "{t} under {tactic}");
        max = max.max(expected);
    }
    assert_eq!(layer["gradient"]["maxValue"], max);
    assert!(max >= 3, "some technique is shared by three of them");
}

#[test]
fn whole_matrix_heat_map_scores_every_technique_under_every_tactic() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let layer = layer_for(model, &Criteria::default());
    let live: BTreeSet<String> = oracle["techniques"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, t)| t["revoked"] == false && t["deprecated"] == false)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(live.len(), 691);
    let cells = cells(&layer);
    let pairs: BTreeSet<(String, String)> = cells.keys().cloned().collect();
    assert_eq!(pairs, oracle_cells(&oracle, &live));
    for ((t, _), cell) in &cells {
        let users = oracle["techniques"][t]["groups"].as_array().unwrap().len();
        assert_eq!(cell["score"], users as u64, "{t}");
        let parent = strings(&oracle["techniques"][t]["subtechniques"]);
        assert_eq!(cell["showSubtechniques"], !parent.is_empty(), "{t}");
    }
    // A valid layer round-trips through `layer check` without a finding.
    assert_eq!(layer_check::check_value(model, &layer), vec![]);
}

#[test]
fn gaps_layer_is_the_109_live_techniques_without_mitigations() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let layer = layer_for(
        model,
        &Criteria {
            gaps: true,
            ..Criteria::default()
        },
    );
    let ids: BTreeSet<String> = cells(&layer).keys().map(|(t, _)| t.clone()).collect();
    let expected: BTreeSet<String> = oracle["techniques"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, t)| {
            t["revoked"] == false
                && t["deprecated"] == false
                && t["mitigations"].as_array().unwrap().is_empty()
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(expected.len(), 109);
    assert_eq!(ids, expected);
}

#[test]
fn each_group_gives_one_layer_per_live_group() {
    let Some((model, oracle)) = with_both() else {
        return;
    };
    let navigator = export::exporter("navigator").unwrap();
    let docs = export::prepare(
        model,
        &Criteria::default(),
        navigator,
        &ExportOptions::default(),
        Some(Each::Group),
    )
    .unwrap();
    assert_eq!(docs.len(), 172);
    for doc in &docs {
        let object = doc.object.as_ref().unwrap();
        let expected = oracle["groups"][&object.id]["techniques"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(doc.techniques, expected, "{}", object.id);
        let name = doc.file_name.as_deref().unwrap();
        assert!(
            name.starts_with(&format!("{}_", object.id)) || name == format!("{}.json", object.id)
        );
        assert!(!name.contains('/') && !name.contains('\\') && !name.starts_with('.'));
    }
    let names: BTreeSet<&str> = docs
        .iter()
        .map(|d| d.file_name.as_deref().unwrap())
        .collect();
    assert_eq!(names.len(), 172, "distinct file names");
    assert!(names.contains("G0016_APT29.json"));
}

#[test]
fn several_domains_give_an_array_of_layers() {
    let (Some(enterprise), Some(mobile)) = (
        common::shared_file("attack/enterprise-attack-18.1.json"),
        common::shared_file("attack/mobile-attack-18.1.json"),
    ) else {
        return;
    };
    let model = common::map_files(&[enterprise, mobile]);
    let criteria = Criteria {
        tactics: vec!["initial-access".into()],
        ..Criteria::default()
    };
    let layers = layer_for(&model, &criteria);
    let layers = layers.as_array().expect("an array of layers");
    let domains: Vec<&str> = layers
        .iter()
        .map(|l| l["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, vec!["enterprise-attack", "mobile-attack"]);
    for layer in layers {
        let domain = layer["domain"].as_str().unwrap();
        assert_eq!(layer["versions"]["attack"], "18.1");
        assert!(layer["name"].as_str().unwrap().ends_with(" ATT&CK)"));
        let d = model.domains.iter().find(|d| d.id == domain).unwrap();
        assert_eq!(
            strings(&layer["filters"]["platforms"]),
            d.platforms.iter().cloned().collect()
        );
        let entries = layer["techniques"].as_array().unwrap();
        assert!(!entries.is_empty());
        for c in entries {
            let t = model.technique(c["techniqueID"].as_str().unwrap()).unwrap();
            assert!(t.domains.iter().any(|x| x == domain), "{}", t.technique_id);
            assert_eq!(c["tactic"], "initial-access");
        }
        assert_eq!(layer_check::check_value(&model, layer), vec![], "{domain}");
    }
}

/// Every technique of 18.1 scored by groups: 52 distinct scores from 0 to
/// 86, so the legend is the lowest, the midpoint of the scale and the
/// highest, each with its gradient colour (the median score present, 27,
/// is not the middle of the colour key).
#[test]
fn the_legend_of_a_wide_heat_map_is_lowest_midpoint_highest() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let layer = layer_for(model, &Criteria::default());
    let scores: BTreeSet<u64> = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["score"].as_u64())
        .collect();
    assert_eq!(scores.len(), 52);
    assert_eq!(scores.last(), Some(&86));
    assert_eq!(layer["gradient"]["maxValue"], 86);
    assert_eq!(
        layer["legendItems"],
        serde_json::json!([
            { "label": "0 groups", "color": "#ffffff" },
            { "label": "43 groups", "color": "#ffb366" },
            { "label": "86 groups", "color": "#ff6666" },
        ])
    );
}
