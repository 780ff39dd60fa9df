//! `siem check` and `siem fix` on the fixture rule files of
//! `fixtures/siem/`, against the example bundle: every finding, the fixed
//! text byte for byte (`*.fixed.*`), idempotence, CRLF, bad input, the
//! command line.

mod common;

use std::path::{Path, PathBuf};

use attackmap::Model;
use attackmap::siem::{self, FindingKind, Release, RuleKind, Severity};

use common::{fixture, run, stdout};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn siem_fixture(relative: &str) -> PathBuf {
    fixture(&format!("siem/{relative}"))
}

/// (line, severity, kind, fixable) of every finding of a file.
fn kinds(model: &Model, relative: &str) -> Vec<(Option<usize>, Severity, FindingKind, bool)> {
    let release = Release::new(model);
    siem::check_file(&release, &siem_fixture(relative))
        .findings
        .iter()
        .map(|f| (f.line, f.severity, f.kind, f.fixable()))
        .collect()
}

/// The fixed text equals `<name>.fixed.<ext>` byte for byte, and checking
/// the fixed text finds nothing more to fix.
fn fixes_to_expected(model: &Model, relative: &str) {
    let release = Release::new(model);
    let path = siem_fixture(relative);
    let report = siem::check_file(&release, &path);
    let (stem, ext) = relative.rsplit_once('.').unwrap();
    let expected = std::fs::read_to_string(siem_fixture(&format!("{stem}.fixed.{ext}"))).unwrap();
    let fixed = report
        .fixed
        .clone()
        .unwrap_or_else(|| panic!("{relative}: no fix; findings: {:#?}", report.findings));
    assert_eq!(fixed, expected, "{relative}");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(Path::new(relative).file_name().unwrap());
    std::fs::write(&copy, &fixed).unwrap();
    let again = siem::check_file(&release, &copy);
    assert!(
        again.fixed.is_none(),
        "{relative}: fixing twice changes it again"
    );
    assert!(
        again.findings.iter().all(|f| !f.fixable()),
        "{relative}: {:#?}",
        again.findings
    );
}

use FindingKind::*;
use Severity::{Error, Info, Warning};

#[test]
fn splunk_parent_with_own_subtechnique_revoked_respelled_and_copies() {
    let model = example();
    assert_eq!(
        kinds(&model, "splunk/parent-and-sub.yml"),
        [
            (Some(22), Error, ParentAndSubtechnique, true),
            (Some(23), Error, Revoked, true),
            (Some(24), Warning, MalformedId, true),
            (Some(26), Warning, DuplicateId, true),
        ]
    );
    fixes_to_expected(&model, "splunk/parent-and-sub.yml");
}

#[test]
fn splunk_flat_layout_and_an_id_newer_than_the_release() {
    let model = example();
    assert_eq!(
        kinds(&model, "splunk/flat-2026.yml"),
        [
            (Some(16), Error, ParentAndSubtechnique, true),
            (Some(17), Error, UnknownTechnique, false),
        ]
    );
    let release = Release::new(&model);
    let report = siem::check_file(&release, &siem_fixture("splunk/flat-2026.yml"));
    assert_eq!(report.kind, Some(RuleKind::Splunk));
    let unknown = &report.findings[1].message;
    assert!(unknown.contains("newer than every technique"), "{unknown}");
    fixes_to_expected(&model, "splunk/flat-2026.yml");
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let model = example();
    fixes_to_expected(&model, "splunk/crlf.yml");
    fixes_to_expected(&model, "elastic/crlf.toml");
    let fixed = std::fs::read_to_string(siem_fixture("elastic/crlf.fixed.toml")).unwrap();
    assert_eq!(fixed.matches("\r\n").count(), fixed.matches('\n').count());
}

#[test]
fn clean_rules_have_no_findings() {
    let model = example();
    assert_eq!(kinds(&model, "splunk/clean.yml"), []);
    assert_eq!(kinds(&model, "elastic/clean.toml"), []);
}

#[test]
fn sentinel_tactic_spelling_copies_and_revoked_ids() {
    let model = example();
    assert_eq!(
        kinds(&model, "sentinel/tactics.yaml"),
        [
            (Some(13), Warning, MalformedTactic, true),
            (Some(14), Warning, DuplicateId, true),
            // T1053.005's own line, not the `tactics:` key's (11).
            (Some(18), Info, IncompleteTactics, false),
            (Some(19), Error, Revoked, true),
        ]
    );
    fixes_to_expected(&model, "sentinel/tactics.yaml");
}

#[test]
fn sentinel_missing_tactics_key_and_misspelled_techniques_key() {
    let model = example();
    assert_eq!(
        kinds(&model, "sentinel/no-tactics.yaml"),
        [
            (Some(6), Warning, MisspelledKey, true),
            // Each technique's own line, not the key's.
            (Some(7), Error, MissingTactic, true),
            (Some(8), Error, MissingTactic, true),
        ]
    );
    fixes_to_expected(&model, "sentinel/no-tactics.yaml");
}

#[test]
fn a_v19_tactic_is_unknown_in_18_and_blocks_adding_tactics() {
    let model = example();
    assert_eq!(
        kinds(&model, "sentinel/v19.yaml"),
        [
            (Some(8), Error, UnknownTactic, false),
            // T1027's line, not the `tactics:` key's (7).
            (Some(10), Error, MissingTactic, false),
        ]
    );
    let release = Release::new(&model);
    assert!(
        siem::check_file(&release, &siem_fixture("sentinel/v19.yaml"))
            .fixed
            .is_none()
    );
}

#[test]
fn elastic_names_references_and_v19_tactic_name_fixed_in_place() {
    let model = example();
    assert_eq!(
        kinds(&model, "elastic/wrong-fields.toml"),
        [
            (Some(29), Error, WrongName, true),
            (Some(30), Warning, WrongReference, true),
            (Some(34), Error, WrongName, true),
            (Some(47), Error, WrongName, true),
            (Some(48), Error, WrongReference, true),
        ]
    );
    fixes_to_expected(&model, "elastic/wrong-fields.toml");
}

#[test]
fn elastic_blocks_are_restructured_merged_and_moved() {
    let model = example();
    assert_eq!(
        kinds(&model, "elastic/restructure.toml"),
        [
            (Some(21), Error, MisplacedSubtechnique, true),
            (Some(25), Error, MisplacedSubtechnique, true),
            (Some(25), Error, WrongTactic, true),
            (Some(34), Error, DuplicateTactic, true),
            (Some(45), Error, Revoked, true),
        ]
    );
    fixes_to_expected(&model, "elastic/restructure.toml");
    // Everything before the first [[rule.threat]] is byte for byte the same.
    let old = std::fs::read_to_string(siem_fixture("elastic/restructure.toml")).unwrap();
    let new = std::fs::read_to_string(siem_fixture("elastic/restructure.fixed.toml")).unwrap();
    let head = old.find("[[rule.threat]]").unwrap();
    assert_eq!(old[..head], new[..head]);
}

#[test]
fn arm_subtechniques_in_techniques_are_errors() {
    let model = example();
    assert_eq!(
        kinds(&model, "arm/alert-rule.json"),
        [
            (Some(12), Error, ArmSubtechnique, false),
            (Some(12), Error, MissingTactic, false),
            (Some(13), Warning, MissingParent, false),
            (Some(13), Error, MissingTactic, false),
        ]
    );
}

#[test]
fn arm_template_findings_have_lines_and_are_not_fixable() {
    let model = example();
    let release = Release::new(&model);
    let path = siem_fixture("arm/template.json");
    let report = siem::check_file(&release, &path);
    assert!(report.fixed.is_none(), "JSON is not rewritten");
    let found: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.line, f.kind, f.value.as_deref(), f.fixable()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(23), UnknownTactic, Some("Stealth"), false),
            (Some(27), MalformedId, Some("t1053"), false),
            (Some(28), Revoked, Some("T1086"), false),
            (Some(36), NoMapping, None, false),
        ]
    );
    assert_eq!(
        report.findings[1].message,
        "t1053: technique IDs are written T1053 (Scheduled Task/Job); fix it by hand (siem fix does not rewrite JSON)"
    );
    // The lines are those of the values in the file.
    let text = std::fs::read_to_string(&path).unwrap();
    let line = |n: usize| text.lines().nth(n - 1).unwrap().trim();
    assert_eq!(line(23), "\"Stealth\"");
    assert_eq!(line(27), "\"t1053\",");
    assert_eq!(line(28), "\"T1086\"");

    // check says nothing is fixable; fix changes nothing and says so.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("template.json");
    std::fs::copy(&path, &copy).unwrap();
    let target = copy.to_str().unwrap();
    let json = run(&["siem", "check", target, "-q", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["summary"]["fixable"], 0);
    assert_eq!(value["summary"]["files_to_fix"], 0);
    assert_eq!(value["files"][0]["fixable"], false);
    let fix = run(&["siem", "fix", target]);
    assert_eq!(fix.status.code(), Some(1), "errors remain");
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&path).unwrap());
    assert!(
        common::stderr(&fix).contains(
            "siem fix: 1 file (1 rule) against ATT&CK 18.1: fixed 0 findings in 0 files; 2 errors and 1 warning remain"
        ),
        "{}",
        common::stderr(&fix)
    );
}

#[test]
fn bad_input_is_reported_and_left_untouched() {
    let model = example();
    assert_eq!(
        kinds(&model, "bad/not-a-rule.yml"),
        [(None, Info, UnknownKind, false)]
    );
    assert_eq!(
        kinds(&model, "bad/sigma.yml"),
        [(None, Info, UnknownKind, false)]
    );
    assert_eq!(
        kinds(&model, "bad/broken.yaml"),
        [(Some(4), Error, InvalidSyntax, false)]
    );
    assert_eq!(
        kinds(&model, "bad/broken.toml"),
        [(Some(2), Error, InvalidSyntax, false)]
    );
    let release = Release::new(&model);
    let report = siem::check_file(&release, &siem_fixture("bad/broken.toml"));
    assert_eq!(report.findings[0].column, Some(15));
    assert!(report.fixed.is_none());
    // A duplicate key is reported at its second copy, not at the start of
    // its mapping.
    let report = siem::check_file(&release, &siem_fixture("bad/duplicate-key.yml"));
    let f = &report.findings[0];
    assert_eq!(
        (f.line, f.column, f.kind),
        (Some(11), Some(3), InvalidSyntax)
    );
    assert!(
        f.to_string().ends_with(
            "duplicate-key.yml:11:3: error: invalid YAML: tags: duplicate entry with key \"mitre_attack_id\"; file left untouched"
        ),
        "{f}"
    );
}

#[test]
fn empty_files_are_errors_like_in_sigma_check() {
    let model = example();
    let release = Release::new(&model);
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.yaml", &b""[..]),
        ("blank.yml", b"\n \n"),
        ("comments.yaml", b"# tactics: to do\n---\n...\n"),
        ("empty.toml", b""),
        ("comments.toml", b"# [rule] to come\n"),
        ("empty.json", b" \n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let report = siem::check_file(&release, &path);
        let found: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.line, f.severity, f.kind, f.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [(
                None,
                Error,
                EmptyFile,
                "the file is empty (nothing but blank lines or comments): it holds no rule"
            )],
            "{name}"
        );
        assert!(report.failed(), "{name}");
    }
    // `{}` is JSON, not an empty file: skipped like any other non-rule.
    let object = dir.path().join("object.json");
    std::fs::write(&object, "{}\n").unwrap();
    assert_eq!(
        kinds_at(&release, &object),
        [(None, Info, UnknownKind, false)]
    );

    let target = dir.path().to_str().unwrap();
    let out = run(&["siem", "check", target]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an empty rule file fails the check"
    );
    let name = dir.path().join("empty.yaml").display().to_string();
    assert!(
        stdout(&out).contains(&format!(
            "{name}: error: the file is empty (nothing but blank lines or comments): it holds no rule\n"
        )),
        "{}",
        stdout(&out)
    );
    assert!(
        common::stderr(&out).contains(
            "siem check: 7 files (0 rules, 1 skipped) against ATT&CK 18.1: 6 errors, 0 warnings, \
             1 info; 6 files could not be checked"
        ),
        "{}",
        common::stderr(&out)
    );
}

/// (line, severity, kind, fixable) of every finding of a file anywhere.
fn kinds_at(
    release: &Release<'_>,
    path: &Path,
) -> Vec<(Option<usize>, Severity, FindingKind, bool)> {
    siem::check_file(release, path)
        .findings
        .iter()
        .map(|f| (f.line, f.severity, f.kind, f.fixable()))
        .collect()
}

#[test]
fn json_syntax_errors_have_a_line_and_a_column() {
    let model = example();
    let release = Release::new(&model);
    let dir = tempfile::tempdir().unwrap();
    // (text, line, column): serde_json's column 0 (just after a line
    // break) becomes the line break itself, at the end of the line before.
    for (text, line, column) in [
        ("{\n  \"kind\": ,\n}\n", 2, 11),
        ("{\n  \"properties\": {\n", 2, 18),
        ("{\n  \"kind\": \"Sch\neduled\"\n}\n", 2, 15),
        ("{\r\n  \"kind\": 1\r\n", 2, 12),
        ("{\"a\": 1}\n}\n", 2, 1),
        ("{", 1, 1),
    ] {
        let path = dir.path().join("broken.json");
        std::fs::write(&path, text).unwrap();
        let report = siem::check_file(&release, &path);
        let f = &report.findings[0];
        assert_eq!(
            (f.line, f.column, f.kind),
            (Some(line), Some(column), InvalidSyntax),
            "{text:?}: {}",
            f.message
        );
    }
    std::fs::write(dir.path().join("broken.json"), "{\n  \"properties\": {\n").unwrap();
    let out = run(&[
        "siem",
        "check",
        dir.path().join("broken.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with(
            "broken.json:2:18: error: invalid JSON: EOF while parsing an object; file left untouched\n"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn lists_written_in_odd_ways_are_not_edited() {
    let model = example();
    let release = Release::new(&model);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anchor.yml");
    std::fs::write(
        &path,
        "name: x\nsearch: y\ntags:\n  analytic_story: [s]\n  mitre_attack_id:\n  - &a T1059\n  - T1059.001\n",
    )
    .unwrap();
    let report = siem::check_file(&release, &path);
    let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [NotEditable, ParentAndSubtechnique]);
    assert!(report.fixed.is_none());
    assert!(!report.findings[1].fixable());
    assert!(
        report.findings[0]
            .message
            .contains("set them by hand to: T1059.001")
    );
}

#[test]
fn check_and_fix_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["parent-and-sub.yml", "clean.yml"] {
        std::fs::copy(
            siem_fixture(&format!("splunk/{name}")),
            dir.path().join(name),
        )
        .unwrap();
    }
    let target = dir.path().to_str().unwrap();
    let check = run(&["siem", "check", target, "-q"]);
    assert_eq!(check.status.code(), Some(1));
    let out = stdout(&check);
    assert!(
        out.contains(
            "parent-and-sub.yml:22: error: T1059: its sub-technique T1059.001 is listed too"
        ),
        "{out}"
    );

    let json = run(&["siem", "check", target, "-q", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["summary"]["fixable"], 4);
    assert_eq!(value["findings"][0]["kind"], "parent-and-subtechnique");
    assert_eq!(value["files"][0]["kind"], "splunk");

    let before = std::fs::read(dir.path().join("parent-and-sub.yml")).unwrap();
    let dry = run(&["siem", "fix", target, "-q", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(1));
    assert!(stdout(&dry).contains("-  - T1059\n"), "{}", stdout(&dry));
    assert_eq!(
        std::fs::read(dir.path().join("parent-and-sub.yml")).unwrap(),
        before
    );

    let fix = run(&["siem", "fix", target, "-q"]);
    assert_eq!(fix.status.code(), Some(0), "{}", stdout(&fix));
    let expected = std::fs::read(siem_fixture("splunk/parent-and-sub.fixed.yml")).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("parent-and-sub.yml")).unwrap(),
        expected
    );
    assert_eq!(run(&["siem", "check", target, "-q"]).status.code(), Some(0));

    let missing = run(&["siem", "check", "/nonexistent/rules", "-q"]);
    assert_eq!(missing.status.code(), Some(1));
    let bad_stix = run(&["siem", "check", target, "--stix", "/nonexistent.json"]);
    assert_eq!(bad_stix.status.code(), Some(2));
}

#[test]
fn findings_in_odd_yaml_lists_point_at_their_item() {
    let model = example();
    // A number (of the wrong type), an anchored item, its alias and a
    // block scalar: each finding on its item's line, not on the key's (7);
    // nothing editable.
    assert_eq!(
        kinds(&model, "splunk/odd-shapes.yml"),
        [
            (None, Error, NotEditable, false),
            (Some(9), Error, WrongType, false),
            (Some(10), Error, UnknownTechnique, false),
            (Some(11), Error, UnknownTechnique, false),
            (Some(13), Error, Revoked, false),
        ]
    );
}

#[test]
fn siem_fix_reports_a_failed_write_once_and_does_not_count_it() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(siem_fixture("splunk/parent-and-sub.yml")).unwrap();
    // Too long a name for the temporary file beside it: the write fails,
    // even for root.
    let long = dir.path().join(format!("{}.yml", "s".repeat(246)));
    std::fs::write(&long, &original).unwrap();
    let out = run(&["siem", "fix", long.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&long).unwrap(), original, "left as it was");
    let text = stdout(&out);
    let name = long.display().to_string();
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cannot write"))
        .collect();
    assert_eq!(
        failed,
        [format!(
            "{name}: error: cannot write: File name too long (os error 36); file left as it was"
        )]
    );
    assert!(!text.contains(&format!("{name}: fixed")), "{text}");
    let err = common::stderr(&out);
    assert!(
        err.contains(": fixed 0 findings in 0 files; 1 file could not be written; "),
        "{err}"
    );
    // What remains after a successful fix is judged on the fixed text.
    let ok = dir.path().join("ok.yml");
    std::fs::write(&ok, &original).unwrap();
    let out = run(&[
        "siem",
        "fix",
        ok.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &value["files"][0];
    assert_eq!(file["changed"], true);
    assert_eq!(file["error"], serde_json::Value::Null);
    assert_eq!(file["findings"]["fixed"].as_array().unwrap().len(), 4);
    assert_eq!(file["findings"]["remaining"], serde_json::json!([]));
    assert_eq!(value["summary"]["fixed_findings"], 4);
    assert_eq!(value["summary"]["changed_files"], 1);
}

/// A finding as (line, kind, message).
type Said = (Option<usize>, FindingKind, String);

/// Each finding as (line, kind, message), and the report's fixed text.
fn findings_of(model: &Model, relative: &str) -> (Vec<Said>, Option<String>) {
    let release = Release::new(model);
    let report = siem::check_file(&release, &siem_fixture(relative));
    let findings = report
        .findings
        .iter()
        .map(|f| (f.line, f.kind, f.message.clone()))
        .collect();
    (findings, report.fixed)
}

const BY_HAND: &str = "; fix by hand (siem fix does not touch a field of the wrong type)";

#[test]
fn elastic_fields_of_the_wrong_type_are_errors_and_never_rewritten() {
    let model = example();
    // `technique` a string and the tactic's `id` a number: two errors at
    // their lines (not "tactic id is missing"), and no fix at all (the fix
    // used to delete the `technique` line and rewrite `id = 5`).
    let (findings, fixed) = findings_of(&model, "elastic/wrong-types.toml");
    assert_eq!(
        findings,
        [
            (
                Some(16),
                WrongType,
                format!(
                    "`technique` must be an array of tables [[rule.threat.technique]], found a string (T1059.001){BY_HAND}"
                )
            ),
            (
                Some(18),
                WrongType,
                format!("`tactic.id` must be a string, found an integer (5){BY_HAND}")
            ),
        ]
    );
    assert_eq!(fixed, None);
    // With a right `id`, a revoked ID written as a string is still an error.
    let (findings, fixed) = findings_of(&model, "elastic/technique-string.toml");
    assert_eq!(
        findings,
        [(
            Some(16),
            WrongType,
            format!(
                "`technique` must be an array of tables [[rule.threat.technique]], found a string (T1086){BY_HAND}"
            )
        )]
    );
    assert_eq!(fixed, None);
    let (findings, fixed) = findings_of(&model, "elastic/threat-string.toml");
    assert_eq!(
        findings,
        [(
            Some(7),
            WrongType,
            format!(
                "`threat` must be an array of tables [[rule.threat]], found a string (T1086){BY_HAND}"
            )
        )]
    );
    assert_eq!(fixed, None);
}

#[test]
fn elastic_blocks_with_a_key_attackmap_does_not_know_are_not_rewritten() {
    let model = example();
    let (findings, fixed) = findings_of(&model, "elastic/unknown-key.toml");
    let kinds: Vec<(Option<usize>, FindingKind)> = findings.iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(kinds, [(None, NotEditable), (Some(18), WrongTactic)]);
    assert!(
        findings[0]
            .2
            .contains("hold a key attackmap does not know (`note`, line 16)"),
        "{}",
        findings[0].2
    );
    assert_eq!(fixed, None);
}

#[test]
fn yaml_fields_of_the_wrong_type_are_errors_left_alone() {
    let model = example();
    let (findings, fixed) = findings_of(&model, "sentinel/wrong-types.yaml");
    assert_eq!(
        findings,
        [
            (
                Some(11),
                WrongType,
                format!("`tactics` must be a list of strings, found a string (Execution){BY_HAND}")
            ),
            (
                Some(12),
                WrongType,
                format!(
                    "`relevantTechniques` must be a list of strings, found a mapping (T1086: yes){BY_HAND}"
                )
            ),
        ]
    );
    assert_eq!(fixed, None);
    let (findings, fixed) = findings_of(&model, "splunk/wrong-types.yml");
    assert_eq!(
        findings,
        [(
            Some(7),
            WrongType,
            format!(
                "`tags.mitre_attack_id` must be a list of strings, found a mapping (T1086: 1){BY_HAND}"
            )
        )]
    );
    assert_eq!(fixed, None);
    // A number among the tactics is left as it is (and no tactic is added
    // while the tactics are not all understood); the revoked technique in
    // the other list is still replaced.
    let (findings, fixed) = findings_of(&model, "sentinel/wrong-items.yaml");
    let kinds: Vec<(Option<usize>, FindingKind)> = findings.iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(kinds, [(Some(10), WrongType), (Some(12), Revoked)]);
    assert_eq!(
        findings[0].2,
        format!("`tactics[2]` must be a string, found a number (5){BY_HAND}")
    );
    let original = std::fs::read_to_string(siem_fixture("sentinel/wrong-items.yaml")).unwrap();
    assert_eq!(
        fixed.as_deref(),
        Some(original.replace("  - T1086\n", "  - T1059.001\n").as_str())
    );
}

#[test]
fn arm_fields_of_the_wrong_type_and_duplicate_keys_are_errors() {
    let model = example();
    let (findings, _) = findings_of(&model, "arm/wrong-types.json");
    assert_eq!(
        findings,
        [
            (
                Some(10),
                WrongType,
                format!("`tactics` must be an array of strings, found a number (5){BY_HAND}")
            ),
            (
                Some(11),
                WrongType,
                format!(
                    "`techniques` must be an array of strings, found an object ({{\"T1086\":1}}){BY_HAND}"
                )
            ),
        ]
    );
    let (findings, _) = findings_of(&model, "arm/duplicate-key.json");
    assert_eq!(
        findings,
        [(
            Some(10),
            DuplicateKey,
            "`tactics` appears 2 times in properties; JSON readers keep only one of them (attackmap and serde_json the last, line 12), so this one is ignored; fix by hand".to_string()
        )]
    );
}

#[test]
fn siem_fix_leaves_wrong_types_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "elastic/wrong-types.toml",
        "elastic/technique-string.toml",
        "elastic/threat-string.toml",
        "sentinel/wrong-types.yaml",
        "splunk/wrong-types.yml",
        "arm/wrong-types.json",
        "arm/duplicate-key.json",
    ];
    for name in names {
        let to = dir.path().join(name.replace('/', "-"));
        std::fs::copy(siem_fixture(name), &to).unwrap();
    }
    let target = dir.path().to_str().unwrap();
    let check = run(&["siem", "check", target, "-q"]);
    assert_eq!(check.status.code(), Some(1));
    let dry = run(&["siem", "fix", target, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(1));
    assert!(!stdout(&dry).contains("\n+"), "{}", stdout(&dry));
    let fix = run(&["siem", "fix", target]);
    assert_eq!(fix.status.code(), Some(1));
    for name in names {
        let to = dir.path().join(name.replace('/', "-"));
        assert_eq!(
            std::fs::read(&to).unwrap(),
            std::fs::read(siem_fixture(name)).unwrap(),
            "{name}"
        );
    }
    let err = String::from_utf8_lossy(&fix.stderr);
    assert!(err.contains("0 findings"), "{err}");
}
