//! The exporter framework and the Navigator exporter on the small example
//! bundle (`fixtures/example/attackmap-example.json`): golden layers and
//! contexts (compared as parsed JSON), every built-in template, selections.
//!
//! Regenerate the goldens after a deliberate change with
//! `UPDATE_GOLDEN=1 cargo test --test export`, then review the diff.

mod common;

use std::path::PathBuf;

use serde_json::Value;

use attackmap::Model;
use attackmap::error::Error;
use attackmap::export::navigator::{NavigatorOptions, Score};
use attackmap::export::templates::{self, TemplateOptions, Templates};
use attackmap::export::{self, EXPORTERS, Each, ExportOptions};
use attackmap::selection::{Criteria, Selection, TechniqueArg};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn navigator_options(score: Option<Score>, hide_unselected: bool) -> ExportOptions {
    ExportOptions {
        navigator: NavigatorOptions {
            score,
            name: None,
            hide_unselected,
        },
        ..ExportOptions::default()
    }
}

/// Renders the navigator export of `criteria` and returns the text.
fn render(model: &Model, criteria: &Criteria, options: &ExportOptions) -> String {
    let navigator = export::exporter("navigator").unwrap();
    let docs = export::prepare(model, criteria, navigator, options, None).unwrap();
    assert_eq!(docs.len(), 1);
    let templates = Templates::new(&TemplateOptions::default(), navigator.template()).unwrap();
    export::render(navigator, &templates, &docs[0].context).unwrap()
}

fn context(model: &Model, criteria: &Criteria, options: &ExportOptions) -> String {
    let navigator = export::exporter("navigator").unwrap();
    let docs = export::prepare(model, criteria, navigator, options, None).unwrap();
    export::context_to_json(&docs[0].context).unwrap()
}

/// Replaces this build's version with `VERSION` so goldens survive releases.
fn normalise(value: &mut Value) {
    let version = env!("CARGO_PKG_VERSION");
    match value {
        Value::String(s) => {
            *s = s.replace(&format!("attackmap {version}"), "attackmap VERSION");
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => {
            if let Some(Value::Object(a)) = map.get_mut("attackmap") {
                a.insert("version".into(), Value::String("VERSION".into()));
            }
            map.values_mut().for_each(normalise);
        }
        _ => {}
    }
}

fn golden(name: &str, actual: &str) {
    let mut actual: Value = serde_json::from_str(actual).expect("output is JSON");
    normalise(&mut actual);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let mut text = serde_json::to_string_pretty(&actual).unwrap();
        text.push('\n');
        std::fs::write(&path, text).unwrap();
    }
    let expected: Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    if actual != expected {
        panic!(
            "{name} differs from the golden file; actual:\n{}",
            serde_json::to_string_pretty(&actual).unwrap()
        );
    }
}

fn techniques(ids: &[&str]) -> Vec<TechniqueArg> {
    ids.iter()
        .map(|id| TechniqueArg {
            id: id.to_string(),
            from: None,
        })
        .collect()
}

/// (technique, tactic, score) of every entry of a layer.
fn scored_cells(layer: &Value) -> Vec<(&str, &str, u64)> {
    layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["techniqueID"].as_str().unwrap(),
                c["tactic"].as_str().unwrap(),
                c["score"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn golden_group_layer_marks_campaign_use() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    };
    let text = render(&model, &criteria, &ExportOptions::default());
    golden("navigator_group_G0016.json", &text);

    // What the golden holds, spelled out: APT29's five techniques, T1053.005
    // under all three of its tactics, campaign use marked.
    let layer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        scored_cells(&layer),
        vec![
            ("T1027", "defense-evasion", 1),
            ("T1053.005", "execution", 1),
            ("T1053.005", "persistence", 1),
            ("T1053.005", "privilege-escalation", 1),
            ("T1059.001", "execution", 1),
            ("T1071.001", "command-and-control", 1),
            ("T1566.001", "initial-access", 1),
        ]
    );
    let t1027 = &layer["techniques"][0];
    assert_eq!(
        t1027["metadata"][0]["value"],
        "APT29 (G0016) via C0024 SolarWinds Compromise"
    );
    assert!(
        t1027["comment"]
            .as_str()
            .unwrap()
            .starts_with("Used by APT29 (G0016) via C0024 SolarWinds Compromise.")
    );
    assert_eq!(
        layer["techniques"][4]["metadata"][0]["value"],
        "APT29 (G0016) directly and via C0024 SolarWinds Compromise"
    );
    assert_eq!(layer["versions"]["attack"], "18.1");
    assert_eq!(layer["versions"]["layer"], "4.5");
    assert_eq!(layer["versions"]["navigator"], "5.1.0");
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["gradient"]["minValue"], 0);
    assert_eq!(layer["gradient"]["maxValue"], 1);
    assert_eq!(
        layer["techniques"][4]["links"][0]["url"],
        "https://attack.mitre.org/techniques/T1059/001/"
    );
}

#[test]
fn golden_threat_informed_heat_map_counts_the_given_groups() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into(), "APT28".into(), "Lazarus Group".into()],
        ..Criteria::default()
    };
    let text = render(&model, &criteria, &ExportOptions::default());
    golden("navigator_heatmap_3_groups.json", &text);
    let layer: Value = serde_json::from_str(&text).unwrap();
    let score = |id: &str, tactic: &str| {
        layer["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["techniqueID"] == id && c["tactic"] == tactic)
            .map(|c| c["score"].as_u64().unwrap())
    };
    // T1566.001 is used by all three; T1053.005 by APT29 and Lazarus, under
    // each of its three tactics; T1059.003 by APT28 only.
    assert_eq!(score("T1566.001", "initial-access"), Some(3));
    for tactic in ["execution", "persistence", "privilege-escalation"] {
        assert_eq!(score("T1053.005", tactic), Some(2), "{tactic}");
    }
    assert_eq!(score("T1059.003", "execution"), Some(1));
    assert_eq!(layer["gradient"]["maxValue"], 3);
    assert_eq!(layer["sorting"], 3);
    let labels: Vec<&str> = layer["legendItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        vec![
            "1 of the 3 given groups",
            "2 of the 3 given groups",
            "3 of the 3 given groups"
        ]
    );
}

#[test]
fn golden_technique_list_counts_repeats_and_scores_every_tactic() {
    let model = example();
    let criteria = Criteria {
        techniques: techniques(&[
            "T1059.001",
            "T1053.005",
            "T1059.001",
            "t1566.001",
            "T1059.001",
        ]),
        ..Criteria::default()
    };
    let text = render(&model, &criteria, &ExportOptions::default());
    golden("navigator_techniques_count.json", &text);
    let layer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        scored_cells(&layer),
        vec![
            ("T1053.005", "execution", 1),
            ("T1053.005", "persistence", 1),
            ("T1053.005", "privilege-escalation", 1),
            ("T1059.001", "execution", 3),
            ("T1566.001", "initial-access", 1),
        ]
    );
}

#[test]
fn golden_whole_matrix_shows_subtechniques_of_parents() {
    let model = example();
    let text = render(&model, &Criteria::default(), &ExportOptions::default());
    golden("navigator_all.json", &text);
    let layer: Value = serde_json::from_str(&text).unwrap();
    let cells = layer["techniques"].as_array().unwrap();
    // Every live technique, none of the revoked (T1086) or deprecated (T1064).
    let ids: std::collections::BTreeSet<&str> = cells
        .iter()
        .map(|c| c["techniqueID"].as_str().unwrap())
        .collect();
    let live: std::collections::BTreeSet<&str> = model
        .live_techniques()
        .map(|t| t.technique_id.as_str())
        .collect();
    assert_eq!(ids, live);
    for c in cells {
        let id = c["techniqueID"].as_str().unwrap();
        let has_sub = ids.iter().any(|x| x.starts_with(&format!("{id}.")));
        assert_eq!(c["showSubtechniques"], has_sub, "{id}");
        // Score = all groups using it.
        let t = model.technique(id).unwrap();
        assert_eq!(c["score"], t.groups.len() as u64, "{id}");
    }
    assert_eq!(layer["layout"]["expandedSubtechniques"], "annotated");
}

#[test]
fn golden_gaps_with_unselected_techniques_hidden() {
    let model = example();
    let criteria = Criteria {
        gaps: true,
        ..Criteria::default()
    };
    let text = render(
        &model,
        &criteria,
        &navigator_options(Some(Score::Mitigations), true),
    );
    golden("navigator_gaps_hidden.json", &text);
    let layer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(layer["hideDisabled"], true);
    for c in layer["techniques"].as_array().unwrap() {
        let t = model.technique(c["techniqueID"].as_str().unwrap()).unwrap();
        if c["enabled"] == true {
            assert!(t.mitigations.is_empty(), "{}", t.technique_id);
            assert_eq!(c["score"], 0);
        } else {
            assert!(!t.mitigations.is_empty(), "{}", t.technique_id);
            assert!(c.get("score").is_none());
        }
    }
    // Mitigation scores use a red→green gradient; all zero still gives
    // min < max.
    assert_eq!(layer["gradient"]["minValue"], 0);
    assert_eq!(layer["gradient"]["maxValue"], 1);
}

#[test]
fn golden_context_of_a_group_selection() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    };
    let text = context(&model, &criteria, &ExportOptions::default());
    golden("context_group_G0016.json", &text);
    let ctx: Value = serde_json::from_str(&text).unwrap();
    // The top-level keys, in the documented order.
    let positions: Vec<usize> = [
        "attackmap",
        "source",
        "selection",
        "object",
        "domains",
        "techniques",
        "navigator",
    ]
    .iter()
    .map(|k| {
        text.find(&format!("\n  \"{k}\": "))
            .unwrap_or_else(|| panic!("no top-level {k}"))
    })
    .collect();
    assert!(positions.is_sorted(), "{positions:?}");
    assert_eq!(ctx.as_object().unwrap().len(), 7);
    assert_eq!(ctx["selection"]["count"], 5);
    assert_eq!(ctx["selection"]["groups"][0]["id"], "G0016");
    assert_eq!(ctx["techniques"][0]["id"], "T1027");
    assert_eq!(
        ctx["techniques"][0]["named_groups"][0]["relation"],
        "campaign"
    );
}

#[test]
fn rendering_from_a_dumped_context_gives_the_same_output() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into(), "G0032".into()],
        tactics: vec!["execution".into()],
        ..Criteria::default()
    };
    let direct = render(&model, &criteria, &ExportOptions::default());
    let dumped = context(&model, &criteria, &ExportOptions::default());
    let navigator = export::exporter("navigator").unwrap();
    let templates = Templates::new(&TemplateOptions::default(), navigator.template()).unwrap();
    let reloaded = export::context_from_json("ctx.json".as_ref(), dumped.as_bytes()).unwrap();
    let again = export::render(navigator, &templates, &reloaded).unwrap();
    assert_eq!(direct, again);
}

#[test]
fn every_builtin_template_renders_against_the_example_model() {
    let model = example();
    let selections = [
        Criteria::default(),
        Criteria {
            groups: vec!["G0016".into()],
            ..Criteria::default()
        },
        Criteria {
            techniques: techniques(&["T1086"]),
            include_revoked: true,
            ..Criteria::default()
        },
        Criteria {
            techniques: techniques(&["T1059"]),
            tactics: vec!["persistence".into()],
            ..Criteria::default()
        },
    ];
    for builtin in templates::BUILTIN {
        let users: Vec<_> = EXPORTERS
            .iter()
            .filter(|e| e.template() == builtin.name)
            .collect();
        let included = templates::BUILTIN
            .iter()
            .any(|other| other.source.contains(&format!("\"{}\"", builtin.name)));
        assert!(
            !users.is_empty() || included,
            "built-in template {} is used by no exporter and included by no template",
            builtin.name
        );
        for exporter in users {
            let templates = Templates::new(&TemplateOptions::default(), exporter.template())
                .expect("templates");
            templates.compile(builtin.name).expect("compiles");
            for criteria in &selections {
                let docs =
                    export::prepare(&model, criteria, *exporter, &ExportOptions::default(), None)
                        .unwrap();
                let text = export::render(*exporter, &templates, &docs[0].context)
                    .unwrap_or_else(|e| panic!("{} with {criteria:?}: {e}", builtin.name));
                assert!(text.ends_with('\n'));
                assert!(!text.trim().is_empty());
            }
        }
    }
}

#[test]
fn revoked_technique_kept_on_request_is_flagged() {
    let model = example();
    let criteria = Criteria {
        techniques: techniques(&["T1086"]),
        include_revoked: true,
        ..Criteria::default()
    };
    let selection = Selection::resolve(&model, &criteria).unwrap();
    assert_eq!(selection.techniques.len(), 1);
    assert!(selection.warnings[0].contains("replaced by T1059.001"));
    let layer: Value =
        serde_json::from_str(&render(&model, &criteria, &ExportOptions::default())).unwrap();
    let comment = layer["techniques"][0]["comment"].as_str().unwrap();
    assert!(
        comment.ends_with("Revoked: replaced by T1059.001."),
        "{comment}"
    );
}

#[test]
fn selection_errors_name_the_problem() {
    let model = example();
    let resolve = |criteria: Criteria| Selection::resolve(&model, &criteria).map(|_| ());
    let err = resolve(Criteria {
        groups: vec!["G016".into()],
        ..Criteria::default()
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownId { id, suggestion: Some(s) } if id == "G016" && s == "G0016 (APT29)"),
        "{err}"
    );
    let err = resolve(Criteria {
        techniques: techniques(&["T1086"]),
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("T1086 (PowerShell) is revoked; use T1059.001 instead"),
        "{err}"
    );
    let err = resolve(Criteria {
        techniques: techniques(&["T1064"]),
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("deprecated"), "{err}");
    let err = resolve(Criteria {
        techniques: vec![TechniqueArg {
            id: "T1059.01".into(),
            from: Some("rules.txt:7".into()),
        }],
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("rules.txt:7: unknown ID 'T1059.01'"),
        "{err}"
    );
    assert!(err.contains("did you mean T1059.001"), "{err}");
    let err = resolve(Criteria {
        tactics: vec!["executon".into()],
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("did you mean execution"), "{err}");
    let err = resolve(Criteria {
        platforms: vec!["windwos".into()],
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("did you mean Windows"), "{err}");
    let err = resolve(Criteria {
        groups: vec!["Cobalt Strike".into()],
        ..Criteria::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("is not a group: it is software S0154"),
        "{err}"
    );
}

#[test]
fn criteria_of_different_kinds_intersect_and_one_kind_unites() {
    let model = example();
    let ids = |criteria: Criteria| -> Vec<String> {
        Selection::resolve(&model, &criteria)
            .unwrap()
            .techniques
            .iter()
            .map(|t| t.technique_id.clone())
            .collect()
    };
    let apt29 = ids(Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    });
    let apt28 = ids(Criteria {
        groups: vec!["G0007".into()],
        ..Criteria::default()
    });
    let both = ids(Criteria {
        groups: vec!["G0016".into(), "G0007".into()],
        ..Criteria::default()
    });
    let mut union: Vec<String> = apt29.iter().chain(&apt28).cloned().collect();
    union.sort();
    union.dedup();
    assert_eq!(both, union);
    assert_eq!(
        ids(Criteria {
            groups: vec!["G0016".into()],
            software: vec!["S0363".into()],
            ..Criteria::default()
        }),
        vec!["T1059.001", "T1566.001"],
        "APT29 ∩ Empire"
    );
    assert_eq!(
        ids(Criteria {
            groups: vec!["G0016".into()],
            tactics: vec!["persistence".into()],
            ..Criteria::default()
        }),
        vec!["T1053.005"]
    );
    assert_eq!(
        ids(Criteria {
            groups: vec!["G0016".into()],
            gaps: true,
            ..Criteria::default()
        }),
        vec!["T1053.005"],
        "APT29's techniques with no mitigation"
    );
    assert_eq!(
        ids(Criteria {
            campaigns: vec!["SolarWinds Compromise".into()],
            platforms: vec!["windows".into()],
            ..Criteria::default()
        }),
        ids(Criteria {
            campaigns: vec!["C0024".into()],
            ..Criteria::default()
        })
    );
    let empty = Selection::resolve(
        &model,
        &Criteria {
            groups: vec!["G0007".into()],
            tactics: vec!["persistence".into()],
            ..Criteria::default()
        },
    )
    .unwrap();
    assert!(empty.is_empty());
    assert!(
        empty.warnings[0].ends_with("the output is empty"),
        "{:?}",
        empty.warnings
    );
}

#[test]
fn empty_selection_renders_a_valid_empty_layer() {
    let model = example();
    let criteria = Criteria {
        techniques: techniques(&["T1059"]),
        tactics: vec!["persistence".into()],
        ..Criteria::default()
    };
    let layer: Value =
        serde_json::from_str(&render(&model, &criteria, &ExportOptions::default())).unwrap();
    assert_eq!(layer["techniques"], Value::Array(vec![]));
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["gradient"]["minValue"], 0);
    assert_eq!(layer["gradient"]["maxValue"], 1);
}

#[test]
fn each_group_names_files_by_id_and_sanitised_name() {
    let model = common::fixture_model("export/hostile-names.json");
    let navigator = export::exporter("navigator").unwrap();
    let docs = export::prepare(
        &model,
        &Criteria::default(),
        navigator,
        &ExportOptions::default(),
        Some(Each::Group),
    )
    .unwrap();
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d.file_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "G0901_tmp_attackmap-escape.json",
            "G0902_a_b_c_d_e.json",
            "G0903.json",
            "G0904_etc_passwd.json",
            "G0905_n_c_d_name.json",
        ]
    );
    for doc in &docs {
        assert_eq!(doc.techniques, 1);
    }
}
