//! `sigma coverage`: what the fixture rule set of `fixtures/sigma/coverage/`
//! covers in the example bundle (scores by count and level, revoked tags,
//! multi-tactic techniques, tags that are no techniques), `--gaps-for`, the
//! real SigmaHQ corpus against ATT&CK 18.1 (skipped without `../shared`),
//! and the command line.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use attackmap::Model;
use attackmap::sigma::Judge;
use attackmap::sigma::coverage::{self, Coverage, CoverageOptions, CoverageScore, Level, NoteKind};

use common::{
    enterprise, expect_bad_input, expect_success, fixture, run, shared_file, stderr, stdout,
};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn fixture_rules() -> PathBuf {
    fixture("sigma/coverage")
}

fn cover<'m>(judge: &Judge<'m>, paths: &[PathBuf], options: &CoverageOptions) -> Coverage<'m> {
    coverage::coverage(judge, paths, options).expect("coverage")
}

/// (technique, tactic) → score of every entry of the layers.
fn cells(layers: &[attackmap::export::navigator::Layer]) -> BTreeMap<(String, String), u64> {
    layers
        .iter()
        .flat_map(|l| &l.techniques)
        .map(|c| {
            (
                (c.technique_id.clone(), c.tactic.clone().unwrap_or_default()),
                c.score.unwrap(),
            )
        })
        .collect()
}

fn expected(entries: &[(&str, &str, u64)]) -> BTreeMap<(String, String), u64> {
    entries
        .iter()
        .map(|(t, tactic, s)| ((t.to_string(), tactic.to_string()), *s))
        .collect()
}

#[test]
fn fixture_rules_scored_by_count_and_by_level() {
    let model = example();
    let judge = Judge::new(&model);
    let options = CoverageOptions::default();
    let c = cover(&judge, &[fixture_rules()], &options);
    assert_eq!(c.files, 8);
    assert_eq!(c.rules.len(), 9);
    assert!(!c.failed(), "{:?}", c.problems);
    // no_tags, software_only, tactic_and_group_only.
    assert_eq!(c.without_techniques, 3);
    let ids: Vec<&str> = c
        .techniques
        .iter()
        .map(|t| t.technique.technique_id.as_str())
        .collect();
    // The defense-evasion and G0016 tags do not make T1027 (or anything) covered.
    assert_eq!(ids, ["T1053.005", "T1059.001", "T1071.001", "T1566.001"]);

    let by_count = coverage::coverage_layers(&model, &c, CoverageScore::Count, &options, None);
    assert_eq!(by_count.len(), 1);
    assert_eq!(
        cells(&by_count),
        expected(&[
            // A multi-tactic technique is scored under each of its tactics.
            ("T1053.005", "execution", 1),
            ("T1053.005", "persistence", 1),
            ("T1053.005", "privilege-escalation", 1),
            // One rule tagged T1059.001, one tagged the revoked T1086.
            ("T1059.001", "execution", 2),
            // Both rules of the action: global collection.
            ("T1071.001", "command-and-control", 2),
            // Tagged twice (attack.T1566.001) in one rule: counted once.
            ("T1566.001", "initial-access", 1),
        ])
    );
    let by_level = coverage::coverage_layers(&model, &c, CoverageScore::Level, &options, None);
    assert_eq!(
        cells(&by_level),
        expected(&[
            ("T1053.005", "execution", 2),            // low
            ("T1053.005", "persistence", 2),          // low
            ("T1053.005", "privilege-escalation", 2), // low
            ("T1059.001", "execution", 4),            // high and medium
            ("T1071.001", "command-and-control", 4),  // medium and high
            ("T1566.001", "initial-access", 5),       // critical
        ])
    );
    let layer = &by_level[0];
    assert_eq!(layer.gradient.max_value, 5);
    let labels: Vec<&str> = layer
        .legend_items
        .iter()
        .map(|l| l.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "highest level low",
            "highest level high",
            "highest level critical"
        ]
    );
}

#[test]
fn revoked_unknown_and_deprecated_tags_are_reported() {
    let model = example();
    let judge = Judge::new(&model);
    let options = CoverageOptions::default();
    let c = cover(&judge, &[fixture_rules()], &options);
    let notes: Vec<(String, usize, &str, &str)> = c
        .notes
        .iter()
        .map(|n| {
            (
                n.path.file_name().unwrap().to_string_lossy().into_owned(),
                n.line,
                n.tag.as_str(),
                n.kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            (
                "powershell_old_tag.yml".to_string(),
                9,
                "attack.t1086",
                "revoked"
            ),
            (
                "unknown_and_deprecated.yml".to_string(),
                10,
                "attack.t9999",
                "unknown"
            ),
            (
                "unknown_and_deprecated.yml".to_string(),
                11,
                "attack.t1064",
                "deprecated"
            ),
        ]
    );
    assert_eq!(c.notes[0].kind, NoteKind::Revoked("T1059.001".into()));
    assert!(c.notes[0].message.ends_with(
        "technique T1086 (PowerShell) is revoked in ATT&CK 18.1; counted under its replacement T1059.001 (Command and Scripting Interpreter: PowerShell)"
    ));
    // The entry says where the revoked tag was counted from, and the layer
    // lists every note in its metadata.
    let layers = coverage::coverage_layers(&model, &c, CoverageScore::Count, &options, None);
    let value = serde_json::to_value(&layers[0]).unwrap();
    let entry = value["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["techniqueID"] == "T1059.001")
        .unwrap();
    let comment = entry["comment"].as_str().unwrap();
    assert!(
        comment.starts_with(
            "Covered by 2 rules: Encoded PowerShell; PowerShell Tagged With A Revoked ID. Highest level: high. Counted from revoked tags: attack.t1086 ("
        ),
        "{comment}"
    );
    let rules: Vec<&str> = entry["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == "rule")
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 2);
    assert!(rules[0].starts_with("Encoded PowerShell ("), "{rules:?}");
    assert!(
        rules[0].ends_with("powershell_encoded.yml:1, level high)"),
        "{rules:?}"
    );
    let names: Vec<&str> = value["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    for name in [
        "revoked_tag",
        "unknown_tag",
        "deprecated_tag",
        "rules",
        "files",
        "score",
    ] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
}

#[test]
fn level_and_status_filters_leave_rules_out() {
    let model = example();
    let judge = Judge::new(&model);
    let high = CoverageOptions {
        min_level: Some(Level::High),
        ..CoverageOptions::default()
    };
    let c = cover(&judge, &[fixture_rules()], &high);
    // encoded (high), spearphishing (critical), the DNS rule of the
    // collection (high), no_tags (high), software_only (high).
    assert_eq!(c.rules.len(), 5);
    assert_eq!(c.filtered_out, 4);
    let counts: Vec<(&str, usize)> = c
        .techniques
        .iter()
        .map(|t| (t.technique.technique_id.as_str(), t.rules.len()))
        .collect();
    assert_eq!(
        counts,
        [("T1059.001", 1), ("T1071.001", 1), ("T1566.001", 1)]
    );

    let stable = CoverageOptions {
        statuses: vec!["STABLE".into()],
        ..CoverageOptions::default()
    };
    let c = cover(&judge, &[fixture_rules()], &stable);
    assert_eq!(c.rules.len(), 1);
    let ids: Vec<&str> = c
        .techniques
        .iter()
        .map(|t| t.technique.technique_id.as_str())
        .collect();
    assert_eq!(ids, ["T1053.005"]);
}

#[test]
fn gaps_for_example_groups() {
    let model = example();
    let judge = Judge::new(&model);
    let c = cover(&judge, &[fixture_rules()], &CoverageOptions::default());
    let report = coverage::gaps_for(&model, &c, &["Cozy Bear".into()]).unwrap();
    assert_eq!(report.groups_label(), "APT29 (G0016)");
    assert_eq!(report.techniques.len(), 5);
    let gaps: Vec<&str> = report
        .gaps()
        .map(|e| e.technique.technique_id.as_str())
        .collect();
    // T1027: only a defense-evasion tactic tag and a G0016 tag point at it.
    assert_eq!(gaps, ["T1027"]);
    assert_eq!(
        report.techniques[0].groups[0].label(),
        "APT29 (G0016) via C0024 SolarWinds Compromise"
    );

    let both = coverage::gaps_for(&model, &c, &["G0016".into(), "APT28".into()]).unwrap();
    assert_eq!(both.techniques.len(), 6);
    let gaps: Vec<&str> = both
        .gaps()
        .map(|e| e.technique.technique_id.as_str())
        .collect();
    assert_eq!(gaps, ["T1027", "T1059.003"]);

    let layers = coverage::gap_layers(&model, &c, &both, None);
    let value = serde_json::to_value(&layers[0]).unwrap();
    assert_eq!(value["name"], "Sigma coverage of 2 groups");
    let colours: BTreeMap<(String, String), (String, u64)> = value["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                (
                    e["techniqueID"].as_str().unwrap().to_string(),
                    e["tactic"].as_str().unwrap().to_string(),
                ),
                (
                    e["color"].as_str().unwrap().to_string(),
                    e["score"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    let red = coverage::GAP_COLOR.to_string();
    let green = coverage::COVERED_COLOR.to_string();
    assert_eq!(colours.len(), 8);
    assert_eq!(
        colours[&("T1027".into(), "defense-evasion".into())],
        (red.clone(), 0)
    );
    assert_eq!(colours[&("T1059.003".into(), "execution".into())], (red, 0));
    assert_eq!(
        colours[&("T1059.001".into(), "execution".into())],
        (green.clone(), 2)
    );
    assert_eq!(
        colours[&("T1053.005".into(), "privilege-escalation".into())],
        (green, 1)
    );
    assert_eq!(value["legendItems"][0]["label"], "gap: no rule covers it");

    let err = coverage::gaps_for(&model, &c, &["G016".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean G0016"), "{err}");
}

/// The technique–tactic entries the 13 corpus rules give against 18.1,
/// with the number of rules and the highest level. Checked by hand: each
/// technique tag of each file, its tactics in 18.1 (T1112 Modify Registry
/// is defense-evasion and persistence; T1053.005 execution, persistence and
/// privilege-escalation), and `attack.t1086` in
/// sysmon_powershell_execution_moduleload.yml counted under T1059.001,
/// which the same rule also tags (so once). No other tag is a technique:
/// the tactic-only vscode rule, the ds0005/s0039/s0075/s0111/g0128 tags
/// and the three untagged godmode rules and the AS-REP rule add nothing.
const CORPUS: &[(&str, &str, u64, u64)] = &[
    ("T1003.001", "credential-access", 1, 5), // APT31 Judgement Panda, critical
    ("T1003.003", "credential-access", 1, 4), // volume shadow copy, high
    ("T1007", "discovery", 1, 2),             // net.exe, low
    ("T1012", "discovery", 1, 3),             // reg.exe remote registry, medium
    ("T1018", "discovery", 1, 2),             // net.exe
    ("T1021.002", "lateral-movement", 1, 2),  // net.exe
    ("T1049", "discovery", 1, 2),             // net.exe
    ("T1053.005", "execution", 1, 2),         // schtasks, low
    ("T1053.005", "persistence", 1, 2),       // schtasks
    ("T1053.005", "privilege-escalation", 1, 2), // schtasks
    ("T1059.001", "execution", 1, 3),         // PowerShell module load, medium
    ("T1069.001", "discovery", 1, 2),         // net.exe
    ("T1069.002", "discovery", 1, 2),         // net.exe
    ("T1070", "defense-evasion", 1, 2),       // Linux package uninstall, low
    ("T1071.001", "command-and-control", 1, 4), // Cobalt Strike OCSP, high
    ("T1087.001", "discovery", 1, 2),         // net.exe
    ("T1087.002", "discovery", 1, 2),         // net.exe
    ("T1112", "defense-evasion", 1, 3),       // reg.exe
    ("T1112", "persistence", 1, 3),           // reg.exe
    ("T1135", "discovery", 1, 2),             // net.exe
    ("T1190", "initial-access", 1, 5),        // Citrix CVE-2019-19781, critical
    ("T1201", "discovery", 1, 2),             // net.exe
    ("T1552.002", "credential-access", 1, 3), // reg.exe
    ("T1560.001", "collection", 1, 5),        // APT31
    ("T1587.001", "resource-development", 1, 4), // Mustang Panda, high
];

#[test]
fn real_corpus_coverage_against_18_1() {
    let (Some(model), Some(corpus)) = (enterprise(), shared_file("corpus/sigma")) else {
        return;
    };
    let judge = Judge::new(model);
    let options = CoverageOptions::default();
    let c = cover(&judge, &[corpus], &options);
    assert_eq!((c.files, c.rules.len(), c.without_techniques), (13, 15, 5));
    assert!(!c.failed(), "{:?}", c.problems);
    let count = coverage::coverage_layers(model, &c, CoverageScore::Count, &options, None);
    let level = coverage::coverage_layers(model, &c, CoverageScore::Level, &options, None);
    let want_count: Vec<(&str, &str, u64)> =
        CORPUS.iter().map(|(t, a, n, _)| (*t, *a, *n)).collect();
    let want_level: Vec<(&str, &str, u64)> =
        CORPUS.iter().map(|(t, a, _, l)| (*t, *a, *l)).collect();
    assert_eq!(cells(&count), expected(&want_count));
    assert_eq!(cells(&level), expected(&want_level));
    assert_eq!(c.techniques.len(), 22);
    let notes: Vec<(&str, &str)> = c
        .notes
        .iter()
        .map(|n| (n.tag.as_str(), n.kind.as_str()))
        .collect();
    assert_eq!(notes, [("attack.t1086", "revoked")]);
}

/// APT29 uses 119 techniques in 18.1 (MITRE's library, the oracle). Of
/// them the corpus covers 11 — T1018, T1021.002, T1053.005, T1059.001,
/// T1069.002, T1070, T1071.001, T1087.002, T1190, T1560.001, T1587.001 —
/// and the coverage fixtures add T1566.001 (their T1053.005, T1059.001 and
/// T1071.001 are covered already): 108 gaps, then 107.
#[test]
fn real_gaps_for_apt29() {
    let (Some(model), Some(corpus)) = (enterprise(), shared_file("corpus/sigma")) else {
        return;
    };
    let judge = Judge::new(model);
    let options = CoverageOptions::default();
    let c = cover(&judge, std::slice::from_ref(&corpus), &options);
    let report = coverage::gaps_for(model, &c, &["G0016".into()]).unwrap();
    assert_eq!(report.techniques.len(), 119);
    let covered: Vec<&str> = report
        .techniques
        .iter()
        .filter(|e| !e.is_gap())
        .map(|e| e.technique.technique_id.as_str())
        .collect();
    assert_eq!(
        covered,
        [
            "T1018",
            "T1021.002",
            "T1053.005",
            "T1059.001",
            "T1069.002",
            "T1070",
            "T1071.001",
            "T1087.002",
            "T1190",
            "T1560.001",
            "T1587.001"
        ]
    );
    assert_eq!(report.gaps().count(), 119 - 11);

    let both = cover(&judge, &[corpus, fixture_rules()], &options);
    let report = coverage::gaps_for(model, &both, &["APT29".into()]).unwrap();
    assert_eq!(report.gaps().count(), 119 - 12);
    assert!(
        report
            .techniques
            .iter()
            .any(|e| e.technique.technique_id == "T1566.001" && !e.is_gap())
    );
}

#[test]
fn cli_writes_the_layer_and_reports_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let layer = dir.path().join("coverage.json");
    let rules = fixture_rules();
    let out = run(&[
        "sigma",
        "coverage",
        rules.to_str().unwrap(),
        "-o",
        layer.to_str().unwrap(),
        "--score",
        "level",
        "--name",
        "Our rules",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(stdout(&out).is_empty());
    assert!(err.contains("powershell_old_tag.yml:9: attack.t1086: technique T1086 (PowerShell) is revoked in ATT&CK 18.1; counted under its replacement T1059.001"), "{err}");
    assert!(err.contains("unknown_and_deprecated.yml:10: attack.t9999: there is no technique T9999 in ATT&CK 18.1; not counted"), "{err}");
    assert!(
        err.contains(
            "sigma coverage: 8 files, 9 rules against ATT&CK 18.1: 4 techniques covered (6 technique-tactic entries); 3 rules without a technique tag; 1 revoked tag counted under its replacement, 1 unknown, 1 deprecated"
        ),
        "{err}"
    );
    let value: Value = serde_json::from_slice(&fs::read(&layer).unwrap()).unwrap();
    assert_eq!(value["name"], "Our rules");
    assert_eq!(value["versions"]["layer"], "4.5");
    assert_eq!(value["versions"]["attack"], "18.1");
    assert_eq!(value["techniques"].as_array().unwrap().len(), 6);

    // The layer on stdout, and it checks clean.
    let out = run(&["sigma", "coverage", rules.to_str().unwrap(), "-q"]);
    let text = expect_success(&out);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let check = dir.path().join("stdout.json");
    fs::write(&check, &text).unwrap();
    checks_clean(&check);
}

/// `layer check` finds nothing wrong with the layer.
fn checks_clean(layer: &std::path::Path) {
    let out = run(&["layer", "check", layer.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn cli_gaps_for_prints_the_list_and_writes_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let layer = dir.path().join("gaps.json");
    let rules = fixture_rules();
    let out = run(&[
        "sigma",
        "coverage",
        rules.to_str().unwrap(),
        "--gaps-for",
        "G0016",
        "--gaps-for",
        "Fancy Bear",
        "--format",
        "csv",
        "-o",
        layer.to_str().unwrap(),
    ]);
    let text = expect_success(&out);
    assert_eq!(
        text,
        "technique,name,tactics,groups,nearby\n\
         T1027,Obfuscated Files or Information,defense-evasion,APT29 (G0016) via C0024 SolarWinds Compromise,\n\
         T1059.003,Command and Scripting Interpreter: Windows Command Shell,execution,APT28 (G0007),\n"
    );
    assert!(
        stderr(&out).contains(
            "sigma coverage: gaps for APT29 (G0016), APT28 (G0007): 2 of 6 techniques have no rule (4 covered)"
        ),
        "{}",
        stderr(&out)
    );
    let value: Value = serde_json::from_slice(&fs::read(&layer).unwrap()).unwrap();
    assert_eq!(value["techniques"].as_array().unwrap().len(), 8);
    checks_clean(&layer);

    let out = run(&[
        "sigma",
        "coverage",
        rules.to_str().unwrap(),
        "--gaps-for",
        "APT29",
        "--format",
        "json",
        "-q",
    ]);
    let list: Value = serde_json::from_str(&expect_success(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["technique"], "T1027");
}

#[test]
fn cli_exit_codes() {
    let rules = fixture_rules();
    let rules = rules.to_str().unwrap();
    // Unknown group, bad options: 2, nothing written.
    let err = expect_bad_input(&run(&["sigma", "coverage", rules, "--gaps-for", "G9999"]));
    assert!(err.contains("unknown ID 'G9999'"), "{err}");
    expect_bad_input(&run(&["sigma", "coverage", rules, "--min-level", "severe"]));
    expect_bad_input(&run(&["sigma", "coverage", rules, "--format", "csv"]));
    expect_bad_input(&run(&[
        "sigma",
        "coverage",
        rules,
        "--gaps-for",
        "G0016",
        "-o",
        "-",
    ]));
    expect_bad_input(&run(&["sigma", "coverage"]));
    // A file that cannot be read: reported, the rest counted, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    fs::write(&broken, "title: [unclosed\n").unwrap();
    let out = run(&["sigma", "coverage", rules, broken.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.yml:"), "{}", stderr(&out));
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["techniques"].as_array().unwrap().len(), 6);
    // Filters on the command line.
    let out = run(&["sigma", "coverage", rules, "--status", "stable", "-q"]);
    let layer: Value = serde_json::from_str(&expect_success(&out)).unwrap();
    assert_eq!(layer["techniques"].as_array().unwrap().len(), 3);
}

/// A tag with an invisible character inside is not counted, and the note
/// shows the character escaped, as `sigma check` does.
#[test]
fn invisible_characters_in_tags_are_shown_escaped_in_notes() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("zw.yml");
    fs::write(
        &rule,
        "title: Zero width\nid: 5b1c2f0e-6a57-4bb6-9d0a-2f4c8d1e7a10\nstatus: test\n\
         logsource:\n    category: process_creation\n    product: windows\n\
         detection:\n    sel:\n        Image|endswith: '\\x.exe'\n    condition: sel\n\
         level: low\ntags:\n    - attack.t10\u{200b}59\n",
    )
    .unwrap();
    let model = example();
    let judge = Judge::new(&model);
    let c = cover(&judge, &[rule], &CoverageOptions::default());
    assert!(c.techniques.is_empty(), "not counted");
    assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    assert_eq!(c.notes[0].line, 13);
    let shown = c.notes[0].to_string();
    assert!(shown.contains(":13: attack.t10\\u{200b}59: "), "{shown}");
    assert!(!shown.contains('\u{200b}'), "{shown}");
}
