//! `export sigma` (the `tags:` frontmatter) and `export sigma-skeleton`
//! (rule skeletons) on the example bundle: goldens compared structurally
//! as parsed YAML, the order and spelling of the tags, and the command
//! line.
//!
//! Regenerate the goldens after a deliberate change with
//! `UPDATE_GOLDEN=1 cargo test --test sigma_export`, then review the diff.

mod common;

use std::path::PathBuf;

use serde_yaml::Value;

use attackmap::Model;
use attackmap::export::sigma::SigmaOptions;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, Each, ExportOptions};
use attackmap::selection::{Criteria, TechniqueArg};

use common::{expect_success, run, stderr, stdout};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn options(sigma: SigmaOptions) -> ExportOptions {
    ExportOptions {
        sigma,
        ..ExportOptions::default()
    }
}

fn fixed_skeleton_options() -> ExportOptions {
    options(SigmaOptions {
        author: Some("attackmap tests".into()),
        date: Some("2025-01-10".into()),
        ..SigmaOptions::default()
    })
}

/// Renders `format` for `criteria`; the text and the warnings.
fn render(
    model: &Model,
    format: &str,
    criteria: &Criteria,
    options: &ExportOptions,
) -> (String, Vec<String>) {
    let exporter = export::exporter(format).unwrap();
    let docs = export::prepare(model, criteria, exporter, options, None).unwrap();
    let templates = Templates::new(&TemplateOptions::default(), exporter.template()).unwrap();
    let text = export::render(exporter, &templates, &docs[0].context).unwrap();
    (text, docs[0].warnings.clone())
}

fn techniques(ids: &[&str]) -> Vec<TechniqueArg> {
    ids.iter()
        .map(|id| TechniqueArg {
            id: id.to_string(),
            from: None,
        })
        .collect()
}

fn group(id: &str) -> Criteria {
    Criteria {
        groups: vec![id.into()],
        ..Criteria::default()
    }
}

/// Every YAML document of `text`.
fn documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).expect("valid YAML"))
        .collect()
}

/// The `tags` of a frontmatter output, as strings.
fn tags_of(text: &str) -> Vec<String> {
    let docs = documents(text);
    assert_eq!(docs.len(), 1, "{text}");
    docs[0]["tags"]
        .as_sequence()
        .expect("tags is a list")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn is_uuid_v4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && parts[2].starts_with('4')
        && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
}

/// Checks every document's `id` is a UUIDv4 (all different) and replaces
/// it with `UUID`.
fn normalise_ids(docs: &mut [Value]) {
    let mut seen = std::collections::HashSet::new();
    for doc in docs.iter_mut() {
        if let Some(map) = doc.as_mapping_mut() {
            if let Some(id) = map.get_mut("id") {
                let text = id.as_str().expect("id is a string").to_string();
                assert!(is_uuid_v4(&text), "not a UUIDv4: {text}");
                assert!(seen.insert(text), "repeated id");
                *id = Value::String("UUID".into());
            }
        }
    }
}

fn golden(name: &str, mut actual: Vec<Value>) {
    normalise_ids(&mut actual);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text: Vec<String> = actual
            .iter()
            .map(|d| serde_yaml::to_string(d).unwrap())
            .collect();
        std::fs::write(&path, text.join("---\n")).unwrap();
    }
    let expected =
        documents(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}")));
    assert_eq!(actual, expected, "{name} differs from the golden file");
}

#[test]
fn golden_frontmatter_of_apt29_is_tactics_then_techniques_then_the_group() {
    let (text, warnings) = render(
        &example(),
        "sigma",
        &group("G0016"),
        &ExportOptions::default(),
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        text.starts_with("# ATT&CK tags for APT29 (G0016): 5 techniques, ATT&CK 18.1 (attackmap "),
        "{text}"
    );
    golden("sigma_tags_G0016.yml", documents(&text));
    assert_eq!(
        tags_of(&text),
        [
            // Tactics in the matrix order of the data (TA0001, TA0002, …, TA0011).
            "attack.initial-access",
            "attack.execution",
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.defense-evasion",
            "attack.command-and-control",
            // Techniques in ID order.
            "attack.t1027",
            "attack.t1053.005",
            "attack.t1059.001",
            "attack.t1071.001",
            "attack.t1566.001",
            // The group named.
            "attack.g0016",
        ]
    );
}

#[test]
fn tags_are_lower_case_unique_and_tactics_come_first() {
    let model = example();
    let criteria = Criteria {
        techniques: techniques(&["T1053.005", "t1053.005", "T1053", "T1059.001", "T1059.003"]),
        ..Criteria::default()
    };
    let with_all = options(SigmaOptions {
        with_groups: true,
        with_software: true,
        ..SigmaOptions::default()
    });
    let (text, _) = render(&model, "sigma", &criteria, &with_all);
    let tags = tags_of(&text);
    assert!(tags.iter().all(|t| *t == t.to_lowercase()), "{tags:?}");
    let unique: std::collections::BTreeSet<&String> = tags.iter().collect();
    assert_eq!(unique.len(), tags.len(), "{tags:?}");
    // The multi-tactic T1053 and T1053.005 give each of their tactics once.
    assert_eq!(
        tags,
        [
            "attack.execution",
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.t1053",
            "attack.t1053.005",
            "attack.t1059.001",
            "attack.t1059.003",
            // --with-groups: every group using one of them.
            "attack.g0007",
            "attack.g0016",
            "attack.g0032",
            // --with-software.
            "attack.s0154",
            "attack.s0363",
        ]
    );
}

#[test]
fn a_multi_tactic_technique_gives_all_its_tactic_tags_unless_a_tactic_is_chosen() {
    let model = example();
    let one = Criteria {
        techniques: techniques(&["T1053.005"]),
        ..Criteria::default()
    };
    let (text, _) = render(&model, "sigma", &one, &ExportOptions::default());
    assert_eq!(
        tags_of(&text),
        [
            "attack.execution",
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.t1053.005"
        ]
    );
    let persistence = Criteria {
        tactics: vec!["TA0003".into()],
        ..one
    };
    let (text, _) = render(&model, "sigma", &persistence, &ExportOptions::default());
    assert_eq!(tags_of(&text), ["attack.persistence", "attack.t1053.005"]);
}

#[test]
fn revoked_techniques_are_tagged_as_their_replacement_and_deprecated_ones_left_out() {
    let criteria = Criteria {
        techniques: techniques(&["T1086", "T1064", "T1566.001"]),
        include_revoked: true,
        include_deprecated: true,
        ..Criteria::default()
    };
    let (text, warnings) = render(&example(), "sigma", &criteria, &ExportOptions::default());
    assert_eq!(
        tags_of(&text),
        [
            "attack.initial-access",
            "attack.execution",
            "attack.t1059.001",
            "attack.t1566.001"
        ]
    );
    assert!(
        warnings
            .iter()
            .any(|w| w
                .contains("T1086 (PowerShell) is revoked; tagged as its replacement T1059.001")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("T1064 (Scripting) is deprecated and has no live replacement")),
        "{warnings:?}"
    );
}

#[test]
fn an_empty_selection_is_an_empty_tags_list() {
    let criteria = Criteria {
        groups: vec!["G0007".into()],
        tactics: vec!["persistence".into()],
        ..Criteria::default()
    };
    let (text, warnings) = render(&example(), "sigma", &criteria, &ExportOptions::default());
    assert_eq!(documents(&text)[0]["tags"], Value::Sequence(Vec::new()));
    assert!(warnings[0].contains("the output is empty"), "{warnings:?}");
    let (text, _) = render(
        &example(),
        "sigma-skeleton",
        &criteria,
        &ExportOptions::default(),
    );
    assert!(
        text.contains("# No rule skeleton: no technique is selected"),
        "{text}"
    );
}

#[test]
fn golden_skeletons_of_apt29_one_rule_per_technique() {
    let (text, _) = render(
        &example(),
        "sigma-skeleton",
        &group("G0016"),
        &fixed_skeleton_options(),
    );
    let docs = documents(&text);
    assert_eq!(docs.len(), 5, "{text}");
    for doc in &docs {
        for key in [
            "title",
            "id",
            "status",
            "description",
            "references",
            "author",
            "date",
            "tags",
            "logsource",
            "detection",
            "falsepositives",
            "level",
        ] {
            assert!(doc.get(key).is_some(), "{key} missing in {doc:?}");
        }
        assert_eq!(doc["status"], "experimental");
        assert_eq!(doc["detection"]["condition"], "selection");
    }
    // SigmaHQ's key order.
    let keys: Vec<&str> = docs[0]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "title",
            "id",
            "status",
            "description",
            "references",
            "author",
            "date",
            "tags",
            "logsource",
            "detection",
            "falsepositives",
            "level"
        ]
    );
    golden("sigma_skeleton_G0016.yml", docs);
}

#[test]
fn skeleton_of_a_multi_tactic_technique_carries_all_its_tactics() {
    let criteria = Criteria {
        techniques: techniques(&["T1053.005"]),
        groups: vec!["Lazarus Group".into()],
        ..Criteria::default()
    };
    let (text, _) = render(
        &example(),
        "sigma-skeleton",
        &criteria,
        &fixed_skeleton_options(),
    );
    let docs = documents(&text);
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!(doc["title"], "Scheduled Task/Job: Scheduled Task");
    assert_eq!(doc["date"], "2025-01-10");
    assert_eq!(doc["author"], "attackmap tests");
    assert_eq!(doc["level"], "medium");
    assert_eq!(doc["logsource"]["product"], "windows");
    let tags: Vec<&str> = doc["tags"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "attack.execution",
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.t1053.005",
            "attack.g0032"
        ]
    );
    assert!(
        doc["description"]
            .as_str()
            .unwrap()
            .contains("(T1053.005, Execution, Persistence, Privilege Escalation)")
    );
}

#[test]
fn names_from_the_data_cannot_break_the_yaml() {
    let mut model = example();
    let t = model
        .techniques
        .iter_mut()
        .find(|t| t.technique_id == "T1059.001")
        .unwrap();
    t.full_name = "Evil: 'quoted' \"double\" # not a comment\n- not: a list".into();
    t.platforms = vec!["Windows\n- injected: yes".into()];
    let criteria = Criteria {
        techniques: techniques(&["T1059.001"]),
        ..Criteria::default()
    };
    let (text, _) = render(
        &model,
        "sigma-skeleton",
        &criteria,
        &fixed_skeleton_options(),
    );
    let docs = documents(&text);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["title"].as_str(), Some(t_name()));
    assert!(docs[0].get("injected").is_none());
    assert!(docs[0]["logsource"].get("injected").is_none());

    fn t_name() -> &'static str {
        "Evil: 'quoted' \"double\" # not a comment\n- not: a list"
    }
}

#[test]
fn each_technique_gives_one_skeleton_per_technique_with_safe_names() {
    let model = example();
    let exporter = export::exporter("sigma-skeleton").unwrap();
    let docs = export::prepare(
        &model,
        &group("G0016"),
        exporter,
        &fixed_skeleton_options(),
        Some(Each::Technique),
    )
    .unwrap();
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d.file_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "T1027_Obfuscated_Files_or_Information.yml",
            "T1053_005_Scheduled_Task.yml",
            "T1059_001_PowerShell.yml",
            "T1071_001_Web_Protocols.yml",
            "T1566_001_Spearphishing_Attachment.yml"
        ]
    );
    let templates = Templates::new(&TemplateOptions::default(), exporter.template()).unwrap();
    for doc in &docs {
        let text = export::render(exporter, &templates, &doc.context).unwrap();
        let parsed = documents(&text);
        assert_eq!(parsed.len(), 1);
        let object = doc.object.as_ref().unwrap();
        assert_eq!(object.kind, "technique");
        let tag = format!("attack.{}", object.id.to_lowercase());
        let tags = parsed[0]["tags"].as_sequence().unwrap();
        assert!(tags.iter().any(|v| v.as_str() == Some(tag.as_str())));
        assert!(tags.iter().any(|v| v.as_str() == Some("attack.g0016")));
    }
}

#[test]
fn cli_writes_frontmatter_and_skeleton_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["export", "sigma", "-g", "APT29", "--with-software", "-q"]);
    let text = expect_success(&out);
    let tags = tags_of(&text);
    assert_eq!(tags.last().map(String::as_str), Some("attack.s0363"));
    assert!(tags.contains(&"attack.g0016".to_string()));

    let skeletons = dir.path().join("rules");
    let out = run(&[
        "export",
        "sigma-skeleton",
        "-g",
        "G0016",
        "--each",
        "technique",
        "-o",
        skeletons.to_str().unwrap(),
        "--author",
        "Jane O'Brien",
        "--date",
        "2025-02-03",
        "--level",
        "high",
    ]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("wrote 5 sigma-skeleton files"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(skeletons.join("T1059_001_PowerShell.yml")).unwrap();
    let doc = &documents(&text)[0];
    assert_eq!(doc["author"], "Jane O'Brien");
    assert_eq!(doc["date"], "2025-02-03");
    assert_eq!(doc["level"], "high");
    assert!(text.contains("\ndate: 2025-02-03\n"), "{text}");

    // A stream of documents on stdout.
    let out = run(&[
        "export",
        "sigma-skeleton",
        "-t",
        "T1059.001,T1566.001",
        "-q",
    ]);
    assert_eq!(documents(&expect_success(&out)).len(), 2);

    let out = run(&[
        "export",
        "sigma-skeleton",
        "-t",
        "T1059.001",
        "--date",
        "2025/02/03",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("expected a date as YYYY-MM-DD"));
    // Dates of the right shape that the calendar does not have.
    for (date, why) in [
        ("2026-02-30", "not a calendar date: 2026-02 has 28 days"),
        ("2026-13-01", "not a calendar date: there is no month 13"),
        ("2026-04-31", "not a calendar date: 2026-04 has 30 days"),
    ] {
        let out = run(&[
            "export",
            "sigma-skeleton",
            "-t",
            "T1059.001",
            "--date",
            date,
        ]);
        assert_eq!(out.status.code(), Some(2), "{date}: {}", stdout(&out));
        assert!(stdout(&out).is_empty(), "{date}: nothing written");
        let err = stderr(&out);
        assert!(err.contains(&format!("'{date}'")), "{err}");
        assert!(err.contains(why), "{err}");
    }
    let out = run(&[
        "export",
        "sigma-skeleton",
        "-t",
        "T1059.001",
        "-q",
        "--date",
        "2028-02-29",
    ]);
    assert!(expect_success(&out).contains("\ndate: 2028-02-29\n"));
    let out = run(&[
        "export",
        "sigma-skeleton",
        "-t",
        "T1059.001",
        "--level",
        "severe",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_context_round_trips_to_the_same_skeleton() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("ctx.json");
    let out = run(&[
        "export",
        "sigma-skeleton",
        "-g",
        "G0016",
        "--context",
        "-o",
        context.to_str().unwrap(),
        "-q",
    ]);
    expect_success(&out);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&context).unwrap()).unwrap();
    assert_eq!(json["sigma"]["rules"].as_array().unwrap().len(), 5);
    assert_eq!(json["sigma"]["tags"][0], "attack.initial-access");
    let first = run(&[
        "export",
        "sigma-skeleton",
        "--from-context",
        context.to_str().unwrap(),
    ]);
    let second = run(&[
        "export",
        "sigma-skeleton",
        "--from-context",
        context.to_str().unwrap(),
    ]);
    assert_eq!(expect_success(&first), expect_success(&second));
}
