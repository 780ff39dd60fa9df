//! `attackmap sigma check` and `attackmap sigma fix` as a user runs them:
//! exit codes, output format, in-place fixing, dry runs and bad input.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture, run, stderr, stdout};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `attackmap sigma <args> --stix <fixture release> --no-cache`.
fn sigma(release: &str, args: &[&str]) -> Output {
    let stix = fixture(&format!("sigma/attack-{release}.json"));
    let mut all = vec!["sigma"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--stix", path(&stix), "--no-cache"]);
    run(&all)
}

/// Copies the fixture rules (not the expectations) into a new temp dir.
fn copy_rules(dir: &str) -> (tempfile::TempDir, Vec<(PathBuf, PathBuf)>) {
    let tmp = tempfile::tempdir().unwrap();
    let mut pairs = Vec::new();
    for entry in fs::read_dir(fixture(dir)).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".fixed.yml")
            || name.ends_with(".inserted.yml")
            || !name.ends_with(".yml")
        {
            continue;
        }
        let copy = tmp.path().join(&name);
        fs::copy(&p, &copy).unwrap();
        pairs.push((copy, p.with_file_name(name.replace(".yml", ".fixed.yml"))));
    }
    pairs.sort();
    (tmp, pairs)
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn check_prints_one_line_per_finding_and_exits_1() {
    let rule = fixture("sigma/rules/revoked.yml");
    let out = sigma("v18", &["check", path(&rule)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        format!(
            "{}:9: error: attack.t1086: technique T1086 (PowerShell) is revoked in ATT&CK 18.1; replaced by \
             T1059.001 (Command and Scripting Interpreter: PowerShell) (fix: replace with attack.t1059.001)",
            rule.display()
        )
    );
    assert!(
        lines[2].contains(":11: error: attack.s0999: software S0999"),
        "{text}"
    );
    assert_eq!(
        stderr(&out).trim(),
        "sigma check: 1 file (1 rule) against ATT&CK 18.1: 3 errors, 0 warnings, 0 info; \
         3 fixable in 1 file (run `attackmap sigma fix`)"
    );
}

#[test]
fn a_clean_rule_set_exits_0_and_warnings_only_with_deny_warnings() {
    let clean = fixture("sigma/rules-v19/stealth.yml");
    let out = sigma("v19", &["check", path(&clean)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // Warnings that fix cannot fix (deprecated) do not fail the check…
    let deprecated = fixture("sigma/rules/deprecated.yml");
    let out = sigma("v18", &["check", path(&deprecated)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    // … unless asked to.
    let out = sigma("v18", &["check", "--deny-warnings", path(&deprecated)]);
    assert_eq!(out.status.code(), Some(1));
    // A fixable warning does.
    let out = sigma(
        "v18",
        &["check", path(&fixture("sigma/rules/underscore-tactic.yml"))],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn check_json_has_every_finding_and_the_summary() {
    let out = sigma(
        "v18",
        &[
            "check",
            "--format",
            "json",
            path(&fixture("sigma/rules/missing-tactic.yml")),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["attack_version"], "18.1");
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(json["summary"]["fixable"], 1);
    let f = &json["findings"][0];
    assert_eq!(f["line"], 8);
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["kind"], "missing-tactic");
    assert_eq!(f["tag"], "attack.t1053.005");
    assert_eq!(
        f["fix"],
        serde_json::json!({"action": "add", "tags": ["attack.execution", "attack.persistence", "attack.privilege-escalation"]})
    );
}

#[test]
fn fix_rewrites_in_place_and_a_second_run_changes_nothing() {
    let (tmp, pairs) = copy_rules("sigma/rules");
    let out = sigma("v18", &["fix", path(tmp.path())]);
    // Errors that cannot be fixed remain (unknown IDs, stealth), so exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("revoked.yml: fixed 3 findings\n"), "{text}");
    assert!(
        text.contains("unknown-id.yml:9: error:"),
        "remaining findings are listed: {text}"
    );
    for (copy, expected) in &pairs {
        assert_eq!(
            fs::read(copy).unwrap(),
            fs::read(expected).unwrap(),
            "{}",
            copy.display()
        );
    }
    let before = dir_names(tmp.path());
    let again = sigma("v18", &["fix", path(tmp.path())]);
    assert!(!stdout(&again).contains(": fixed "), "{}", stdout(&again));
    assert!(
        stderr(&again).contains("fixed 0 findings in 0 files"),
        "{}",
        stderr(&again)
    );
    for (copy, expected) in &pairs {
        assert_eq!(fs::read(copy).unwrap(), fs::read(expected).unwrap());
    }
    assert_eq!(
        dir_names(tmp.path()),
        before,
        "no temporary files left behind"
    );
    // check is then clean of fixable findings.
    let check = sigma("v18", &["check", path(tmp.path())]);
    assert!(!stdout(&check).contains("(fix:"), "{}", stdout(&check));
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let (tmp, pairs) = copy_rules("sigma/rules");
    let originals: Vec<Vec<u8>> = pairs.iter().map(|(c, _)| fs::read(c).unwrap()).collect();
    let file = tmp.path().join("revoked-duplicate.yml");
    let out = sigma("v18", &["fix", "--dry-run", path(&file)]);
    assert_eq!(out.status.code(), Some(1), "would change: exit 1");
    let name = file.display();
    assert_eq!(
        stdout(&out),
        format!(
            "--- {name}\n+++ {name}\n@@ -6,7 +6,6 @@\n date: 2025-01-10\n tags:\n     - attack.execution\n\
             -    - attack.t1086          # an old one\n     - attack.t1059.001\n logsource:\n     category: process_creation\n"
        )
    );
    let out = sigma("v18", &["fix", "--dry-run", path(tmp.path())]);
    assert!(stdout(&out).contains("+    - attack.privilege-escalation\n"));
    for ((copy, _), original) in pairs.iter().zip(&originals) {
        assert_eq!(&fs::read(copy).unwrap(), original, "{}", copy.display());
    }
}

#[test]
fn bad_files_are_reported_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let good = fs::read(fixture("sigma/rules/underscore-tactic.yml")).unwrap();
    fs::write(d.join("good.yml"), &good).unwrap();
    fs::write(d.join("not-yaml.yml"), "title: [unclosed\ndetection: x\n").unwrap();
    fs::write(d.join("workflow.yaml"), "name: CI\non: push\njobs: {}\n").unwrap();
    fs::write(d.join("binary.yml"), b"\x00\x01\x02binary").unwrap();
    fs::write(d.join("empty.yml"), "").unwrap();
    fs::write(d.join("notes.txt"), "not a rule file name: ignored").unwrap();
    symlink(d.join("does-not-exist"), d.join("dangling.yml")).unwrap();
    fs::create_dir(d.join("folder.yml")).unwrap();
    fs::write(d.join("folder.yml").join("inner.yml"), &good).unwrap();
    fs::create_dir(d.join("sub")).unwrap();
    symlink("..", d.join("sub").join("loop")).unwrap();
    let snapshot = |name: &str| fs::read(d.join(name)).unwrap();
    let bad = ["not-yaml.yml", "workflow.yaml", "binary.yml"].map(|n| (n, snapshot(n)));

    let out = sigma("v18", &["check", path(d)]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let has = |s: &str| assert!(text.contains(s), "missing {s:?} in:\n{text}");
    has("binary.yml: error: binary file (it holds NUL bytes)");
    has(
        "empty.yml: error: the file is empty (nothing but blank lines or comments): it holds no rule",
    );
    has("dangling.yml: error: cannot read: No such file or directory");
    has(
        "not-yaml.yml:2:10: error: invalid YAML: did not find expected ',' or ']', while parsing a flow sequence; file left untouched",
    );
    has(
        "workflow.yaml: error: no document has any of the keys detection, logsource, correlation, filter, action (is this a rule?)",
    );
    has("folder.yml/inner.yml:8: warning: attack.command_and_control");
    has("good.yml:8: warning: attack.command_and_control");
    has("loop: info: directory already walked");
    assert!(!text.contains("notes.txt"), "{text}");
    // Five broken files (not YAML, not a rule, binary, empty, a dangling
    // link found while walking) and two good ones; the symlink loop is a
    // directory, not a file.
    assert_eq!(
        stderr(&out).trim(),
        "sigma check: 7 files (2 rules) against ATT&CK 18.1: 5 errors, 4 warnings, 1 info; \
         5 files could not be checked; 4 fixable in 2 files (run `attackmap sigma fix`)"
    );
    let json = sigma("v18", &["check", path(d), "--format", "json", "-q"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["summary"]["files"], 7);
    assert_eq!(value["summary"]["failed_files"], 5);

    // siem check counts the same way: what it cannot read, decode or
    // parse, and the empty file; YAML that is not a SIEM rule is skipped.
    let stix = fixture("sigma/attack-v18.json");
    let siem = run(&[
        "siem",
        "check",
        path(d),
        "--stix",
        path(&stix),
        "--no-cache",
    ]);
    assert_eq!(siem.status.code(), Some(1));
    assert!(
        stdout(&siem).contains(
            "empty.yml: error: the file is empty (nothing but blank lines or comments): it holds no rule"
        ),
        "{}",
        stdout(&siem)
    );
    assert_eq!(
        stderr(&siem).trim(),
        "siem check: 7 files (0 rules, 3 skipped) against ATT&CK 18.1: 4 errors, 0 warnings, \
         4 info; 4 files could not be checked"
    );

    let out = sigma("v18", &["fix", path(d)]);
    assert_eq!(out.status.code(), Some(1), "bad files make the run fail");
    let fixed = fs::read(fixture("sigma/rules/underscore-tactic.fixed.yml")).unwrap();
    assert_eq!(snapshot("good.yml"), fixed);
    assert_eq!(fs::read(d.join("folder.yml/inner.yml")).unwrap(), fixed);
    for (name, bytes) in &bad {
        assert_eq!(&snapshot(name), bytes, "{name} left untouched");
    }
}

#[test]
fn a_missing_path_is_reported_and_the_other_paths_are_checked() {
    let out = sigma(
        "v18",
        &[
            "check",
            "/nonexistent/rules",
            path(&fixture("sigma/rules/deprecated.yml")),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("/nonexistent/rules: error: cannot read: No such file or directory"),
        "{text}"
    );
    assert!(text.contains("deprecated.yml:9: warning:"), "{text}");
    assert_eq!(
        stderr(&out).trim(),
        "sigma check: 2 files (1 rule) against ATT&CK 18.1: 1 error, 2 warnings, 0 info; \
         1 file could not be checked"
    );
}

#[test]
fn an_empty_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sigma("v18", &["check", path(tmp.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error: no .yml or .yaml files in this directory"));
}

#[test]
fn bad_attack_input_exits_2() {
    let out = run(&[
        "sigma",
        "check",
        path(&fixture("sigma/rules/revoked.yml")),
        "--stix",
        "/nonexistent/enterprise-attack.json",
        "--no-cache",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("/nonexistent/enterprise-attack.json"));
}

#[test]
fn fix_writes_through_a_symlink_and_keeps_it_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real.yml");
    fs::copy(fixture("sigma/rules/revoked.yml"), &real).unwrap();
    let link_dir = tmp.path().join("rules");
    fs::create_dir(&link_dir).unwrap();
    symlink(&real, link_dir.join("link.yml")).unwrap();
    let out = sigma("v18", &["fix", path(&link_dir)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        fs::symlink_metadata(link_dir.join("link.yml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read(&real).unwrap(),
        fs::read(fixture("sigma/rules/revoked.fixed.yml")).unwrap()
    );
}

#[test]
fn a_directory_with_many_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let template =
        fs::read_to_string(fixture("sigma/rules/missing-tactic-after.fixed.yml")).unwrap();
    for i in 0..2000 {
        let sub = tmp.path().join(format!("d{}", i % 20));
        fs::create_dir_all(&sub).unwrap();
        fs::write(
            sub.join(format!("rule_{i:05}.yml")),
            template.replace("One technique", &format!("Rule {i}")),
        )
        .unwrap();
    }
    let out = sigma("v18", &["check", path(tmp.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "sigma check: 2000 files (2000 rules) against ATT&CK 18.1: 0 errors, 0 warnings, 0 info"
        ),
        "{}",
        stderr(&out)
    );
}

/// A rule whose fix removes a line and respells a tag that stays wrong.
const REMAINS_AFTER_FIX: &str = "title: Remaining findings after a fix
status: test
logsource:
    product: windows
detection:
    selection:
        Image: x.exe
    condition: selection
tags:
    - attack.execution
    - attack.execution
    - attack.Initial_Access
    - attack.t1059.001
    - attack.t9999
";

#[test]
fn what_remains_after_a_fix_is_judged_on_the_fixed_text() {
    let tmp = tempfile::tempdir().unwrap();
    let rule = tmp.path().join("remains.yml");
    fs::write(&rule, REMAINS_AFTER_FIX).unwrap();
    let name = rule.display();
    // Before: the tactic is spelled the old way, on line 12.
    let check = sigma("v18", &["check", path(&rule)]);
    assert!(
        stdout(&check).contains(&format!(
            "{name}:12: warning: attack.Initial_Access: none of the rule's techniques"
        )),
        "{}",
        stdout(&check)
    );
    // A dry run tells what would remain, on the fixed text.
    let dry = sigma("v18", &["fix", "--dry-run", path(&rule)]);
    assert_eq!(dry.status.code(), Some(1));
    assert!(
        stderr(&dry).starts_with(&format!(
            "{name}:11: warning: attack.initial-access: none of the rule's techniques belongs to tactic initial-access in ATT&CK 18.1\n\
             {name}:13: error: attack.t9999: there is no technique T9999 in ATT&CK 18.1\n"
        )),
        "{}",
        stderr(&dry)
    );
    let out = sigma("v18", &["fix", path(&rule)]);
    assert_eq!(out.status.code(), Some(1), "an error remains");
    assert_eq!(
        stdout(&out),
        format!(
            "{name}: fixed 2 findings\n\
             {name}:11: warning: attack.initial-access: none of the rule's techniques belongs to tactic initial-access in ATT&CK 18.1\n\
             {name}:13: error: attack.t9999: there is no technique T9999 in ATT&CK 18.1\n"
        )
    );
    assert_eq!(
        stderr(&out).trim(),
        "sigma fix: 1 file (1 rule) against ATT&CK 18.1: fixed 2 findings in 1 file; 1 error and 1 warning remain"
    );
    let fixed = fs::read_to_string(&rule).unwrap();
    assert_eq!(fixed.lines().nth(10), Some("    - attack.initial-access"));
    assert_eq!(fixed.lines().nth(12), Some("    - attack.t9999"));
}

#[test]
fn a_failed_write_is_an_error_naming_the_file_once_and_is_not_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let revoked = fs::read(fixture("sigma/rules/revoked.yml")).unwrap();
    // A name so long that the temporary file beside it cannot be created
    // (the name limit is 255 bytes): a write that fails even for root.
    let long = tmp.path().join(format!("{}.yml", "r".repeat(246)));
    let good = tmp.path().join("good.yml");
    fs::write(&long, &revoked).unwrap();
    fs::write(&good, &revoked).unwrap();
    let out = sigma("v18", &["fix", path(&good), path(&long)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(fs::read(&long).unwrap(), revoked, "the old file stays");
    assert_eq!(
        fs::read(&good).unwrap(),
        fs::read(fixture("sigma/rules/revoked.fixed.yml")).unwrap()
    );
    let text = stdout(&out);
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cannot write"))
        .collect();
    assert_eq!(
        failures,
        [format!(
            "{}: error: cannot write: File name too long (os error 36); file left as it was",
            long.display()
        )],
        "{text}"
    );
    assert!(text.starts_with(&format!("{}: fixed 3 findings\n", good.display())));
    assert!(
        !text.contains(&format!("{}: fixed", long.display())),
        "{text}"
    );
    // The findings of the file not written remain, with their fixes.
    assert!(text.contains(&format!("{}:9: error: attack.t1086", long.display())));
    assert_eq!(
        stderr(&out).trim(),
        "sigma fix: 2 files (2 rules) against ATT&CK 18.1: fixed 3 findings in 1 file; \
         1 file could not be written; 4 errors and 0 warnings remain"
    );
    let json = sigma("v18", &["fix", path(&long), "--format", "json", "-q"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["summary"]["failed_writes"], 1);
    assert_eq!(value["summary"]["changed_files"], 0);
    assert_eq!(value["summary"]["fixed_findings"], 0);
    assert_eq!(value["files"][0]["changed"], false);
    assert_eq!(
        value["files"][0]["error"],
        "cannot write: File name too long (os error 36)"
    );
}

#[test]
fn fix_keeps_the_owner_group_and_mode_of_someone_elses_rule() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
    let tmp = tempfile::tempdir().unwrap();
    let rule = tmp.path().join("theirs.yml");
    fs::copy(fixture("sigma/rules/revoked.yml"), &rule).unwrap();
    fs::set_permissions(&rule, fs::Permissions::from_mode(0o640)).unwrap();
    if chown(&rule, Some(4321), Some(4322)).is_err() {
        eprintln!("SKIPPED: giving a file to another user needs root");
        return;
    }
    let out = sigma("v18", &["fix", path(&rule)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let meta = fs::metadata(&rule).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_eq!(
        fs::read(&rule).unwrap(),
        fs::read(fixture("sigma/rules/revoked.fixed.yml")).unwrap()
    );
}

/// The keys of a JSON object, sorted.
fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[test]
fn fix_json_has_the_same_shape_as_siem_fix_json() {
    let tmp = tempfile::tempdir().unwrap();
    let rule = tmp.path().join("remains.yml");
    fs::write(&rule, REMAINS_AFTER_FIX).unwrap();
    let out = sigma("v18", &["fix", path(&rule), "--format", "json", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let sigma_json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sigma_json["attack_version"], "18.1");
    assert_eq!(sigma_json["dry_run"], false);
    assert_eq!(sigma_json["summary"]["files"], 1);
    assert_eq!(sigma_json["summary"]["changed_files"], 1);
    assert_eq!(sigma_json["summary"]["fixed_findings"], 2);
    assert_eq!(sigma_json["summary"]["errors"], 1);
    assert_eq!(sigma_json["summary"]["warnings"], 1);
    let file = &sigma_json["files"][0];
    assert_eq!(file["file"], path(&rule));
    assert_eq!(file["changed"], true);
    assert_eq!(file["findings"]["fixed"][0]["kind"], "duplicate");
    assert_eq!(file["findings"]["fixed"][1]["tag"], "attack.Initial_Access");
    assert_eq!(file["findings"]["remaining"][0]["line"], 11);
    assert_eq!(
        file["findings"]["remaining"][0]["tag"],
        "attack.initial-access"
    );
    assert_eq!(file["findings"]["remaining"][1]["line"], 13);

    let siem_dir = tempfile::tempdir().unwrap();
    let splunk = siem_dir.path().join("parent-and-sub.yml");
    fs::copy(fixture("siem/splunk/parent-and-sub.yml"), &splunk).unwrap();
    let out = run(&["siem", "fix", path(&splunk), "--format", "json", "-q"]);
    let siem_json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(siem_json["files"][0]["file"], path(&splunk));
    assert_eq!(siem_json["files"][0]["changed"], true);
    assert_eq!(keys(&sigma_json), keys(&siem_json));
    assert_eq!(keys(&sigma_json["summary"]), keys(&siem_json["summary"]));
    assert_eq!(keys(file), keys(&siem_json["files"][0]));
    assert_eq!(
        keys(&file["findings"]),
        keys(&siem_json["files"][0]["findings"])
    );
    assert_eq!(keys(&file["findings"]), ["fixed", "remaining"]);
}
