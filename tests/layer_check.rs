//! `attackmap layer check`: hand-made faulty layers against the example
//! bundle, and the real layers of `../shared/corpus/navigator/` against the
//! real 18.1 release (findings checked by hand against the STIX data).

mod common;

use std::path::PathBuf;

use serde_json::Value;

use attackmap::layer_check::{self, Finding, Severity};

fn example() -> attackmap::Model {
    common::fixture_model("example/attackmap-example.json")
}

fn layer_fixture(name: &str) -> PathBuf {
    common::fixture(&format!("layers/{name}"))
}

/// (severity, location) of each finding, for compact comparisons.
fn summary(findings: &[Finding]) -> Vec<(Severity, String)> {
    findings
        .iter()
        .map(|f| (f.severity, f.location()))
        .collect()
}

fn pairs(expected: &[(Severity, &str)]) -> Vec<(Severity, String)> {
    expected.iter().map(|(s, l)| (*s, l.to_string())).collect()
}

use Severity::{Error, Note, Warning};

#[test]
fn every_fault_of_the_faulty_layer_is_reported_with_its_entry() {
    let model = example();
    let findings = layer_check::check_file(&model, &layer_fixture("faulty-layer.json")).unwrap();
    assert_eq!(
        summary(&findings),
        pairs(&[
            (Error, "versions.attack"),
            (Error, "versions.navigator"),
            (Note, "versions.layer"),
            (Warning, "filters.platforms[1]"),
            (Note, "filters.platforms[2]"),
            (Warning, "gradient"),
            (Warning, "metadata[0]"),
            (Error, "techniques[0] (T1059.001, execution) score"),
            (Error, "techniques[1] (T1053.005, defense-evasion) tactic"),
            (Error, "techniques[2] (T1059.002, execution) techniqueID"),
            (Error, "techniques[3] (T1059.01) techniqueID"),
            (Error, "techniques[4] (T1086, execution) techniqueID"),
            (Error, "techniques[5] (T1064, defense-evasion) techniqueID"),
            (Error, "techniques[6] (T1566.001) tactic"),
            (Error, "techniques[7] (t1027, defense-evasion) techniqueID"),
            (Warning, "techniques[8] (T1059.001, execution)"),
            (
                Error,
                "techniques[9] (T1071.001, command_and_control) tactic"
            ),
            (Warning, "techniques[10] (T1027, defense-evasion) color"),
            (
                Warning,
                "techniques[10] (T1027, defense-evasion) metadata[0]"
            ),
        ])
    );
    let message = |i: usize| findings[i].message.as_str();
    assert!(message(0).contains("is a number (18); it must be a string"));
    assert!(message(7).contains("score is a string (\"5\")"));
    assert!(message(8).contains("its tactics: execution, persistence, privilege-escalation"));
    assert!(message(9).contains("did you mean T1059.001 (PowerShell)?"));
    assert!(message(11).contains("revoked in ATT&CK 18.1, replaced by T1059.001"));
    assert!(message(12).contains("deprecated"));
    assert!(message(14).contains("should be written T1027"));
    assert!(message(15).contains("duplicate of techniques[0]"));
    assert!(message(16).contains("did you mean command-and-control?"));
    assert_eq!(findings[7].entry, Some(0));
    assert_eq!(findings[7].technique_id.as_deref(), Some("T1059.001"));
    assert_eq!(findings[7].field, "techniques[0].score");
}

#[test]
fn array_files_report_each_layer() {
    let model = example();
    let findings = layer_check::check_file(&model, &layer_fixture("two-layers.json")).unwrap();
    assert_eq!(
        summary(&findings),
        pairs(&[
            (Warning, "layers[1].domain"),
            (Error, "layers[2].name"),
            (Error, "layers[2].domain"),
        ])
    );
    assert!(
        findings[0]
            .message
            .contains("not in the loaded ATT&CK data")
    );
    assert!(findings[2].message.contains("invalid domain 'enterprise'"));
}

#[test]
fn unparsable_and_non_layer_input() {
    let model = example();
    let err = layer_check::check_file(&model, &layer_fixture("unparsable-layer.json"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unparsable-layer.json:4:31: invalid JSON"),
        "{err}"
    );
    let findings = layer_check::check_value(&model, &serde_json::json!(42));
    assert_eq!(findings[0].severity, Error);
    assert!(findings[0].message.contains("not a layer: a number"));
    let findings = layer_check::check_value(&model, &serde_json::json!([]));
    assert!(findings[0].message.contains("empty array"));
}

#[test]
fn cli_reports_lines_json_and_exit_codes() {
    let faulty = layer_fixture("faulty-layer.json");
    let faulty = faulty.to_str().unwrap();
    let out = common::run(&["layer", "check", "--no-cache", "-q", faulty]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 19);
    assert_eq!(
        lines[7],
        format!(
            "{faulty}: error: techniques[0] (T1059.001, execution) score: score is a string (\"5\"); Navigator drops it — write a number"
        )
    );

    let out = common::run(&[
        "layer",
        "check",
        "--no-cache",
        "-q",
        "--format",
        "json",
        faulty,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first_entry = &json.as_array().unwrap()[7];
    assert_eq!(first_entry["file"], faulty);
    assert_eq!(first_entry["severity"], "error");
    assert_eq!(first_entry["entry"], 0);
    assert_eq!(first_entry["techniqueID"], "T1059.001");
    assert_eq!(first_entry["tactic"], "execution");
    assert_eq!(first_entry["field"], "techniques[0].score");

    // Unparsable: exit 2 with line and column; the other files are still
    // checked.
    let broken = layer_fixture("unparsable-layer.json");
    let out = common::run(&[
        "layer",
        "check",
        "--no-cache",
        "-q",
        broken.to_str().unwrap(),
        faulty,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("unparsable-layer.json:4:31: invalid JSON"));
    assert_eq!(common::stdout(&out).lines().count(), 19);

    let out = common::run(&[
        "layer",
        "check",
        "--no-cache",
        "-q",
        "/nonexistent/layer.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("/nonexistent/layer.json: cannot read"));
}

#[test]
fn a_layer_written_by_export_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let layer = dir.path().join("layer.json");
    let out = common::attackmap()
        .env_remove("ATTACKMAP_TEMPLATE_DIR")
        .args([
            "export",
            "navigator",
            "--no-cache",
            "-q",
            "--group",
            "G0016",
            "-o",
            layer.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let out = common::run(&["layer", "check", "--no-cache", layer.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert_eq!(common::stdout(&out), "");
    assert!(common::stderr(&out).contains("0 errors, 0 warnings, 0 notes"));
}

/// The real layers of the corpus against the real 18.1 release. Every
/// finding was checked by hand against the STIX bundle: the IDs are revoked
/// (with these replacements) or deprecated in 18.1, T1218 System Binary
/// Proxy Execution is only in defense-evasion, and the legacy 3.0 file has
/// the legacy fields.
#[test]
fn corpus_layers_have_the_faults_found_by_hand() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let Some(red_pins) = common::shared_file("corpus/navigator/ATTACKcon2018_Red_Pins.json") else {
        return;
    };
    let findings = layer_check::check_file(model, &red_pins).unwrap();
    let got: Vec<(Severity, String, String)> = findings
        .iter()
        .map(|f| (f.severity, f.location(), f.message.clone()))
        .collect();
    let revoked = |entry: &str, id: &str, name: &str, by: &str| {
        (
            Error,
            format!("{entry} techniqueID"),
            format!(
                "{id} ({name}) is revoked in ATT&CK 18.1, replaced by {by}: Navigator never shows it"
            ),
        )
    };
    let expected = vec![
        (
            Warning,
            "domain".to_string(),
            "legacy domain name 'mitre-enterprise' (layer format 3.0); Navigator reads it as enterprise-attack".to_string(),
        ),
        (
            Warning,
            "version".to_string(),
            "legacy layer format 3.0 (a top-level \"version\" instead of \"versions\"): Navigator 5 shows a blocking version warning before loading it".to_string(),
        ),
        (
            Warning,
            "description".to_string(),
            "description contains 2 control character(s) (U+000B) that show as garbage".to_string(),
        ),
        (
            Warning,
            "filters.stages".to_string(),
            "filters.stages is a layer format 3.0 field (PRE-ATT&CK stages); Navigator 4 and later ignore it".to_string(),
        ),
        revoked("techniques[0] (T1155, execution)", "T1155", "AppleScript", "T1059.002 Command and Scripting Interpreter: AppleScript"),
        revoked("techniques[1] (T1155, lateral-movement)", "T1155", "AppleScript", "T1059.002 Command and Scripting Interpreter: AppleScript"),
        revoked("techniques[2] (T1067, persistence)", "T1067", "Bootkit", "T1542.003 Pre-OS Boot: Bootkit"),
        revoked("techniques[3] (T1109, defense-evasion)", "T1109", "Component Firmware", "T1542.002 Pre-OS Boot: Component Firmware"),
        revoked("techniques[4] (T1109, persistence)", "T1109", "Component Firmware", "T1542.002 Pre-OS Boot: Component Firmware"),
        revoked("techniques[5] (T1024, command-and-control)", "T1024", "Custom Cryptographic Protocol", "T1573 Encrypted Channel"),
        (
            Error,
            "techniques[9] (T1062, persistence) techniqueID".to_string(),
            "T1062 (Hypervisor) is deprecated in ATT&CK 18.1 (no replacement): Navigator never shows it".to_string(),
        ),
        revoked("techniques[10] (T1215, persistence)", "T1215", "Kernel Modules and Extensions", "T1547.006 Boot or Logon Autostart Execution: Kernel Modules and Extensions"),
        revoked("techniques[11] (T1079, command-and-control)", "T1079", "Multilayer Encryption", "T1573 Encrypted Channel"),
        revoked("techniques[15] (T1145, credential-access)", "T1145", "Private Keys", "T1552.004 Unsecured Credentials: Private Keys"),
        (
            Error,
            "techniques[21] (T1218, execution) tactic".to_string(),
            "T1218 (System Binary Proxy Execution) is not in tactic execution in ATT&CK 18.1 (its tactics: defense-evasion): Navigator never shows this entry".to_string(),
        ),
        revoked("techniques[23] (T1099, defense-evasion)", "T1099", "Timestomp", "T1070.006 Indicator Removal: Timestomp"),
    ];
    assert_eq!(got, expected);

    // The mitreattack-python changelog layer (format 4.5, ATT&CK 17.0):
    // all 874 entries are still valid in 18.1; only the release differs.
    let Some(changelog) =
        common::shared_file("corpus/navigator/changelog-v16.1_to_v17.0_layer-enterprise.json")
    else {
        return;
    };
    let findings = layer_check::check_file(model, &changelog).unwrap();
    assert_eq!(summary(&findings), pairs(&[(Note, "versions.attack")]));
    assert!(
        findings[0].message.starts_with(
            "the layer is for ATT&CK 17.0; it is checked against the loaded ATT&CK 18.1"
        )
    );
}

#[test]
fn cli_on_the_corpus_exits_1_with_one_line_per_finding() {
    let (Some(stix), Some(red_pins), Some(changelog)) = (
        common::shared_file("attack/enterprise-attack-18.1.json"),
        common::shared_file("corpus/navigator/ATTACKcon2018_Red_Pins.json"),
        common::shared_file("corpus/navigator/changelog-v16.1_to_v17.0_layer-enterprise.json"),
    ) else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "layer",
        "check",
        "--stix",
        stix.to_str().unwrap(),
        "--cache-dir",
        cache.path().to_str().unwrap(),
        red_pins.to_str().unwrap(),
        changelog.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = common::stdout(&out);
    let red = red_pins.display().to_string();
    assert_eq!(text.lines().filter(|l| l.starts_with(&red)).count(), 16);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with(&format!("{red}: error: ")))
            .count(),
        12
    );
    let stderr = common::stderr(&out);
    assert!(
        stderr.contains("ATTACKcon2018_Red_Pins.json: 12 errors, 4 warnings, 0 notes"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "changelog-v16.1_to_v17.0_layer-enterprise.json: 0 errors, 0 warnings, 1 note"
        ),
        "{stderr}"
    );
}

/// A valid 18.1 enterprise layer holding `techniques`.
fn layer_with(techniques: Value) -> Value {
    serde_json::json!({
        "name": "tactics",
        "versions": { "attack": "18.1", "navigator": "5.1.0", "layer": "4.5" },
        "domain": "enterprise-attack",
        "techniques": techniques,
    })
}

#[test]
fn a_missing_tactic_and_an_empty_tactic_are_not_duplicates() {
    let model = example();
    // Navigator applies the first entry to every tactic of T1059.001 and
    // never shows the second (an empty tactic is an error of its own).
    let layer = layer_with(serde_json::json!([
        { "techniqueID": "T1059.001", "score": 1 },
        { "techniqueID": "T1059.001", "tactic": "", "score": 2 },
    ]));
    let findings = layer_check::check_value(&model, &layer);
    assert_eq!(
        summary(&findings),
        pairs(&[(Error, "techniques[1] (T1059.001) tactic")]),
        "{findings:#?}"
    );
    assert_eq!(
        findings[0].message,
        "tactic is empty: Navigator shows an alert and drops the entry"
    );

    // Two entries without a tactic are duplicates; so are two with the
    // same tactic; a non-string tactic duplicates nothing.
    let layer = layer_with(serde_json::json!([
        { "techniqueID": "T1059.001" },
        { "techniqueID": "T1059.001", "tactic": "execution" },
        { "techniqueID": "T1059.001" },
        { "techniqueID": "T1059.001", "tactic": "execution" },
        { "techniqueID": "T1059.001", "tactic": 7 },
    ]));
    let findings = layer_check::check_value(&model, &layer);
    let duplicates: Vec<(String, &str)> = findings
        .iter()
        .filter(|f| f.message.starts_with("duplicate"))
        .map(|f| (f.location(), f.message.as_str()))
        .collect();
    assert_eq!(
        duplicates,
        [
            (
                "techniques[2] (T1059.001)".to_string(),
                "duplicate of techniques[0] (same technique and tactic): Navigator keeps only the later entry"
            ),
            (
                "techniques[3] (T1059.001, execution)".to_string(),
                "duplicate of techniques[1] (same technique and tactic): Navigator keeps only the later entry"
            ),
        ]
    );
}

#[test]
fn json_output_names_a_file_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::attackmap()
        .current_dir(dir.path())
        .args([
            "layer",
            "check",
            "--no-cache",
            "-q",
            "--format",
            "json",
            "missing-layer.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let stderr = common::stderr(&out);
    assert!(
        stderr.contains("attackmap: error: missing-layer.json: cannot read: "),
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{json:#}");
    assert_eq!(entries[0]["file"], "missing-layer.json");
    assert_eq!(entries[0]["severity"], "error");
    assert_eq!(entries[0]["field"], "file");
    let message = entries[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("missing-layer.json: cannot read: "),
        "{message}"
    );

    // Beside a readable file: its findings follow the unreadable one's entry.
    let faulty = layer_fixture("faulty-layer.json");
    let out = common::attackmap()
        .current_dir(dir.path())
        .args(["layer", "check", "--no-cache", "-q", "--format", "json"])
        .arg(&faulty)
        .arg("missing-layer.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 20);
    assert_eq!(entries[0]["file"], "missing-layer.json");
    assert_eq!(entries[1]["file"], faulty.to_str().unwrap());
}

/// Colours are checked against what Navigator and a browser read (hex with
/// `#`, CSS names, rgb()/hsl()): words that are no colour are flagged like
/// bad hex values, and a legend item with an empty label is dropped by
/// Navigator.
#[test]
fn words_that_are_no_colour_and_empty_legend_labels_are_flagged() {
    let model = example();
    let findings = layer_check::check_file(&model, &layer_fixture("colours-layer.json")).unwrap();
    assert_eq!(
        summary(&findings),
        pairs(&[
            (Warning, "gradient.colors[0]"),
            (Warning, "gradient.colors[3]"),
            (Warning, "legendItems[0].color"),
            (Warning, "legendItems[1].label"),
            (Warning, "legendItems[3].label"),
            (Warning, "legendItems[3].color"),
            (Warning, "tacticRowBackground"),
            (Warning, "techniques[0] (T1059.001, execution) color"),
            (Warning, "techniques[3] (T1053.005, persistence) color"),
        ])
    );
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "'notacolor' is not a colour: write #rrggbb, a CSS colour name, rgb() or hsl(); Navigator cannot draw the gradient with it",
            "'gren' is not a colour (did you mean green?): write #rrggbb, a CSS colour name, rgb() or hsl(); Navigator cannot draw the gradient with it",
            "'zzz' is not a colour: write #rrggbb, a CSS colour name, rgb() or hsl(): Navigator drops the legend item",
            "the label is empty: Navigator drops the legend item",
            "the label is missing: Navigator drops the legend item",
            "color is a number; it must be a colour string: Navigator drops the legend item",
            "'light grey' is not a colour (did you mean lightgrey?): write #rrggbb, a CSS colour name, rgb() or hsl(); Navigator cannot paint the tactic row with it",
            "'blah' is not a colour: write #rrggbb, a CSS colour name, rgb() or hsl(); Navigator ignores it (the cell keeps its score colour)",
            "'ff6666' is not a colour: a hex colour starts with # (#ff6666); Navigator ignores it (the cell keeps its score colour)",
        ]
    );
}

/// Whole-file and whole-layer findings name `file` and `layers[1]`, not an
/// empty field or a trailing dot.
#[test]
fn file_and_layer_findings_have_a_location() {
    let model = example();
    let empty = layer_check::check_value(&model, &serde_json::json!([]));
    assert_eq!(summary(&empty), pairs(&[(Error, "file")]));
    assert_eq!(empty[0].field, "file");
    let scalar = layer_check::check_value(&model, &serde_json::json!("layer"));
    assert_eq!(summary(&scalar), pairs(&[(Error, "file")]));
    let array = layer_check::check_value(
        &model,
        &serde_json::json!([layer_with(serde_json::json!([])), 7]),
    );
    assert_eq!(summary(&array), pairs(&[(Error, "layers[1]")]));
    assert_eq!(
        array[0].message,
        "not a layer: a number instead of a layer object (or an array of layers)"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.json");
    std::fs::write(&file, "[]").unwrap();
    let out = common::run(&["layer", "check", "--no-cache", "-q", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        common::stdout(&out),
        format!(
            "{}: error: file: the file is an empty array: it holds no layer\n",
            file.display()
        )
    );
}

/// ICS tactic shortnames written with a domain suffix or underscores get
/// the shortname they mean (ICS 18.1, skipped without `../shared`).
#[test]
fn ics_tactic_variants_get_a_suggestion() {
    let Some(ics) = common::shared_file("attack/ics-attack-18.1.json") else {
        return;
    };
    let model = common::map_files(&[ics]);
    let layer = serde_json::json!({
        "name": "ICS",
        "versions": { "attack": "18.1", "navigator": "5.1.0", "layer": "4.5" },
        "domain": "ics-attack",
        "techniques": [
            { "techniqueID": "T0800", "tactic": "inhibit-response-function-ics" },
            { "techniqueID": "T0800", "tactic": "inhibit_response_function" },
            { "techniqueID": "T0800", "tactic": "Inhibit Response Function" },
            { "techniqueID": "T0800", "tactic": "inhibit-response-function" }
        ]
    });
    let findings = layer_check::check_value(&model, &layer);
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    let expected = |t: &str| {
        format!(
            "'{t}' is not a tactic shortname of ics-attack in ATT&CK 18.1 (did you mean inhibit-response-function?): Navigator never shows this entry"
        )
    };
    assert_eq!(
        messages,
        [
            expected("inhibit-response-function-ics"),
            expected("inhibit_response_function"),
            expected("Inhibit Response Function"),
        ]
    );
}
