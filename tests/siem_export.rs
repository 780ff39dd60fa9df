//! The Splunk, Sentinel and Elastic exporters: golden outputs on the
//! example bundle for every format (parsed back — YAML, TOML, JSON, CSV —
//! and compared structurally), the multi-tactic technique, ARM's
//! sub-technique split, Splunk's parent rule, and round trips through
//! `siem check` (what the exporters write, the checker finds clean), also
//! on the real 18.1 release.
//!
//! Regenerate the goldens after a deliberate change with
//! `UPDATE_GOLDEN=1 cargo test --test siem_export`, then review the diff.

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};

use attackmap::Model;
use attackmap::export::splunk::{Layout, SplunkOptions};
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, ExportOptions};
use attackmap::selection::{Criteria, TechniqueArg};
use attackmap::siem::{self, Release};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn techniques(ids: &[&str]) -> Criteria {
    Criteria {
        techniques: ids
            .iter()
            .map(|id| TechniqueArg {
                id: id.to_string(),
                from: None,
            })
            .collect(),
        ..Criteria::default()
    }
}

/// The selection of the goldens: a technique in three tactics
/// (T1053.005), a parent with its sub-technique (T1059, T1059.001) and
/// sub-techniques alone (T1071.001, T1566.001).
fn golden_selection() -> Criteria {
    techniques(&["T1053.005", "T1059", "T1059.001", "T1071.001", "T1566.001"])
}

fn render(model: &Model, format: &str, criteria: &Criteria, options: &ExportOptions) -> String {
    let exporter = export::exporter(format).unwrap();
    let docs = export::prepare(model, criteria, exporter, options, None).unwrap();
    let templates = Templates::new(&TemplateOptions::default(), exporter.template()).unwrap();
    export::render(exporter, &templates, &docs[0].context).unwrap()
}

fn toml_json(item: &toml_edit::Item) -> Value {
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_json(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| toml_json(&toml_edit::Item::Table(t.clone())))
                .collect(),
        ),
        toml_edit::Item::Value(v) => match v {
            toml_edit::Value::String(s) => Value::String(s.value().clone()),
            toml_edit::Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| toml_json(&toml_edit::Item::Value(x.clone())))
                    .collect(),
            ),
            other => Value::String(other.to_string()),
        },
    }
}

/// The output as data.
fn parse(format: &str, text: &str) -> Value {
    match format {
        "splunk" | "sentinel" => {
            serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(text).unwrap()).unwrap()
        }
        "elastic" => toml_json(toml_edit::Document::parse(text).unwrap().as_item()),
        "splunk-lookup" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let headers = reader.headers().unwrap().clone();
            Value::Array(
                reader
                    .records()
                    .map(|r| {
                        let r = r.unwrap();
                        Value::Object(
                            headers
                                .iter()
                                .zip(r.iter())
                                .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
                                .collect(),
                        )
                    })
                    .collect(),
            )
        }
        "splunk-annotations" => {
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix("action.correlationsearch.annotations = "))
                .expect("the annotations line");
            json!({ "action.correlationsearch.annotations": serde_json::from_str::<Value>(line).unwrap() })
        }
        _ => serde_json::from_str(text).unwrap(),
    }
}

fn golden(name: &str, actual: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let mut text = serde_json::to_string_pretty(actual).unwrap();
        text.push('\n');
        std::fs::write(&path, text).unwrap();
    }
    let expected: Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    assert_eq!(
        *actual,
        expected,
        "{name} differs from the golden file; actual:\n{}",
        serde_json::to_string_pretty(actual).unwrap()
    );
}

const FORMATS: [&str; 8] = [
    "splunk",
    "splunk-annotations",
    "splunk-lookup",
    "sentinel",
    "sentinel-arm",
    "elastic",
    "elastic-json",
    "elastic-ecs",
];

#[test]
fn golden_outputs_of_every_format() {
    let model = example();
    for format in FORMATS {
        let text = render(
            &model,
            format,
            &golden_selection(),
            &ExportOptions::default(),
        );
        golden(&format!("siem_{format}.json"), &parse(format, &text));
    }
    let flat = ExportOptions {
        splunk: SplunkOptions {
            layout: Layout::Flat,
        },
        ..ExportOptions::default()
    };
    let text = render(&model, "splunk", &golden_selection(), &flat);
    golden("siem_splunk_flat.json", &parse("splunk", &text));
}

#[test]
fn splunk_lists_the_most_specific_ids_only() {
    let model = example();
    let text = render(
        &model,
        "splunk",
        &golden_selection(),
        &ExportOptions::default(),
    );
    let value = parse("splunk", &text);
    assert_eq!(
        value["tags"]["mitre_attack_id"],
        json!(["T1053.005", "T1059.001", "T1071.001", "T1566.001"])
    );
    assert!(text.contains("# T1059 is left out: its sub-technique T1059.001 is listed"));
    let lookup = parse(
        "splunk-lookup",
        &render(
            &model,
            "splunk-lookup",
            &golden_selection(),
            &ExportOptions::default(),
        ),
    );
    assert_eq!(
        lookup.as_array().unwrap().len(),
        5,
        "the lookup keeps every technique"
    );
    assert_eq!(
        lookup[3]["tactics"], "Command And Control",
        "contentctl's label"
    );
}

#[test]
fn a_multi_tactic_technique_in_every_format() {
    let model = example();
    let one = techniques(&["T1053.005"]);
    let options = ExportOptions::default();
    let sentinel = parse("sentinel", &render(&model, "sentinel", &one, &options));
    assert_eq!(
        sentinel["tactics"],
        json!(["Execution", "Persistence", "PrivilegeEscalation"])
    );
    let elastic = parse("elastic", &render(&model, "elastic", &one, &options));
    let blocks = elastic["rule"]["threat"].as_array().unwrap();
    let tactics: Vec<&str> = blocks
        .iter()
        .map(|b| b["tactic"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(tactics, ["TA0002", "TA0003", "TA0004"]);
    for b in blocks {
        assert_eq!(b["technique"][0]["id"], "T1053", "parent entry added");
        assert_eq!(b["technique"][0]["subtechnique"][0]["id"], "T1053.005");
    }
    let ecs = parse(
        "elastic-ecs",
        &render(&model, "elastic-ecs", &one, &options),
    );
    assert_eq!(
        ecs["threat"]["tactic"]["name"],
        json!(["Execution", "Persistence", "Privilege Escalation"])
    );
    let lookup = parse(
        "splunk-lookup",
        &render(&model, "splunk-lookup", &one, &options),
    );
    assert_eq!(lookup[0]["tactic_ids"], "TA0002, TA0003, TA0004");
    // With --tactic, Elastic writes only that tactic's block; Sentinel
    // still lists every tactic its validator wants.
    let persistence = Criteria {
        tactics: vec!["persistence".into()],
        ..one.clone()
    };
    let elastic = parse(
        "elastic",
        &render(&model, "elastic", &persistence, &options),
    );
    assert_eq!(elastic["rule"]["threat"].as_array().unwrap().len(), 1);
    let sentinel = parse(
        "sentinel",
        &render(&model, "sentinel", &persistence, &options),
    );
    assert_eq!(sentinel["tactics"].as_array().unwrap().len(), 3);
}

#[test]
fn arm_techniques_hold_parents_only() {
    let model = example();
    let arm = parse(
        "sentinel-arm",
        &render(
            &model,
            "sentinel-arm",
            &golden_selection(),
            &ExportOptions::default(),
        ),
    );
    assert_eq!(
        arm["techniques"],
        json!(["T1053", "T1059", "T1071", "T1566"])
    );
    assert_eq!(
        arm["subTechniques"],
        json!(["T1053.005", "T1059.001", "T1071.001", "T1566.001"])
    );
}

#[test]
fn revoked_techniques_are_left_out_with_a_warning() {
    let model = example();
    let criteria = Criteria {
        include_revoked: true,
        ..techniques(&["T1086", "T1027"])
    };
    let exporter = export::exporter("sentinel").unwrap();
    let docs =
        export::prepare(&model, &criteria, exporter, &ExportOptions::default(), None).unwrap();
    assert!(docs[0].warnings.iter().any(|w| w.contains(
        "T1086 (PowerShell) is revoked and is left out of this format; use T1059.001 instead"
    )));
    let text = render(&model, "sentinel", &criteria, &ExportOptions::default());
    assert_eq!(
        parse("sentinel", &text)["relevantTechniques"],
        json!(["T1027"])
    );
}

#[test]
fn empty_selections_give_valid_empty_outputs() {
    let model = example();
    let nothing = Criteria {
        groups: vec!["G0007".into()],
        tactics: vec!["persistence".into()],
        ..Criteria::default()
    };
    for format in FORMATS {
        let text = render(&model, format, &nothing, &ExportOptions::default());
        parse(format, &text);
    }
}

/// Exported fields pasted into a rule: `siem check` finds nothing.
fn round_trip(model: &Model, criteria: &Criteria) {
    let release = Release::new(model);
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions::default();
    let splunk = format!(
        "name: x\nsearch: y\n{}",
        render(model, "splunk", criteria, &options)
    );
    let sentinel = format!(
        "name: x\nquery: y\nrequiredDataConnectors: []\n{}",
        render(model, "sentinel", criteria, &options)
    );
    let elastic = format!(
        "[metadata]\nmaturity = \"production\"\n\n[rule]\nname = \"x\"\nrule_id = \"y\"\n\n{}",
        render(model, "elastic", criteria, &options)
    );
    for (name, text) in [("s.yml", splunk), ("t.yaml", sentinel), ("e.toml", elastic)] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let report = siem::check_file(&release, &path);
        assert!(report.kind.is_some(), "{name}");
        assert!(
            report.findings.is_empty(),
            "{name}:\n{text}\n{:#?}",
            report.findings
        );
    }
}

#[test]
fn exported_fields_pass_the_checker() {
    round_trip(&example(), &golden_selection());
}

#[test]
fn exported_fields_of_a_real_group_pass_the_checker() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let apt29 = Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    };
    round_trip(model, &apt29);
    let text = render(model, "elastic", &apt29, &ExportOptions::default());
    assert!(
        text.contains("name = \"Defense Evasion\""),
        "18.1 names TA0005 Defense Evasion"
    );
    let arm = parse(
        "sentinel-arm",
        &render(model, "sentinel-arm", &apt29, &ExportOptions::default()),
    );
    assert!(
        arm["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.as_str().unwrap().len() == 5)
    );
}
