//! `sigma check` / `sigma fix` on the fixture rules of `fixtures/sigma/`,
//! through the library, against small fixture releases: a v18-style one
//! (`attack-v18.json`, TA0005 is defense-evasion, with a revoked group and
//! software) and a v19-style one (`attack-v19.json`, TA0005 is Stealth and
//! TA0112 Defense Impairment exists). Every fixture `x.yml` has the
//! expected result of fixing it beside it, `x.fixed.yml`, compared byte for
//! byte.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use attackmap::model::Model;
use attackmap::sigma::check::{self, FileReport};
use attackmap::sigma::document::LineEnding;
use attackmap::sigma::rules::{self, parse_rule_file};
use attackmap::sigma::{Finding, FindingKind, Judge, Severity, fix};

use common::{fixture, fixture_model};

fn v18() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| fixture_model("sigma/attack-v18.json"))
}

fn v19() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| fixture_model("sigma/attack-v19.json"))
}

/// The fixture rules of a directory (not the `.fixed.yml` expectations).
fn rules_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixture(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.ends_with(".yml")
                && !name.ends_with(".fixed.yml")
                && !name.ends_with(".inserted.yml")
        })
        .collect();
    files.sort();
    files
}

fn expected_path(rule: &Path) -> PathBuf {
    let name = rule.file_name().unwrap().to_str().unwrap();
    rule.with_file_name(name.replace(".yml", ".fixed.yml"))
}

fn fixed_text(report: &FileReport) -> String {
    report
        .fixed
        .clone()
        .or_else(|| report.original.clone())
        .expect("readable")
}

/// Fixing gives the expected file byte for byte, and fixing that again
/// changes nothing and leaves nothing fixable (idempotence).
fn fixes_to_expected(model: &Model, dir: &str) {
    let judge = Judge::new(model);
    let rules = rules_in(dir);
    assert!(rules.len() >= 2, "{dir}: {rules:?}");
    for rule in rules {
        let report = check::check_file(&judge, &rule);
        let fixed = fixed_text(&report);
        let expected = fs::read_to_string(expected_path(&rule)).expect("expected file");
        assert_eq!(fixed, expected, "{}", rule.display());

        let again = parse_rule_file(&rule, fixed.as_bytes()).unwrap();
        let second = check::check_rule_file(&judge, &again);
        assert_eq!(
            second.fixed,
            None,
            "{}: second fix changes it",
            rule.display()
        );
        let fixable: Vec<&Finding> = second.findings.iter().filter(|f| f.fixable()).collect();
        assert!(fixable.is_empty(), "{}: {fixable:?}", rule.display());
    }
}

#[test]
fn every_v18_fixture_fixes_to_its_expected_file_and_fixing_is_idempotent() {
    fixes_to_expected(v18(), "sigma/rules");
}

#[test]
fn every_v19_fixture_fixes_to_its_expected_file() {
    fixes_to_expected(v19(), "sigma/rules-v19");
}

/// `line:severity:kind[:fix action]` for each finding.
fn summary(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let fix = match &f.fix {
                None => String::new(),
                Some(attackmap::sigma::Fix::Replace(_)) => ":replace".into(),
                Some(attackmap::sigma::Fix::Remove) => ":remove".into(),
                Some(attackmap::sigma::Fix::Add(_)) => ":add".into(),
                Some(attackmap::sigma::Fix::List) => ":list".into(),
            };
            format!(
                "{}:{}:{}{fix}",
                f.line.unwrap_or(0),
                f.severity,
                f.kind.as_str()
            )
        })
        .collect()
}

#[test]
fn each_fixture_has_exactly_its_findings() {
    let expected: &[(&str, &[&str])] = &[
        ("bom.yml", &["8:warning:underscore-tactic:replace"]),
        ("correlation.yml", &["9:warning:malformed:replace"]),
        (
            "crlf.yml",
            &[
                "8:warning:malformed:replace",
                "8:warning:missing-tactic:add",
                "9:warning:missing-tactic:add",
            ],
        ),
        ("dash-at-key-column.yml", &["9:warning:malformed:replace"]),
        (
            "deprecated.yml",
            &["9:warning:deprecated", "10:warning:deprecated"],
        ),
        (
            "duplicates.yml",
            &["10:warning:duplicate:remove", "11:warning:malformed:remove"],
        ),
        (
            "flow.yml",
            &[
                "7:warning:malformed:replace",
                "7:warning:missing-tactic:add",
                "7:warning:underscore-tactic:replace",
                "7:error:revoked:remove",
            ],
        ),
        (
            "global-collection.yml",
            &["9:warning:malformed:replace", "28:info:overridden-tags"],
        ),
        (
            "inline-comments.yml",
            &[
                "10:warning:malformed:replace",
                "12:warning:underscore-tactic:replace",
            ],
        ),
        (
            "invisible.yml",
            &[
                "9:warning:malformed:replace",
                "10:warning:malformed:replace",
                "11:warning:malformed:replace",
                "12:error:malformed",
                "13:error:invalid-tag",
            ],
        ),
        (
            "malformed.yml",
            &[
                "9:warning:malformed:replace",
                "10:warning:malformed:replace",
                "11:warning:malformed:replace",
                "12:warning:malformed:replace",
            ],
        ),
        (
            "missing-tactic-after.yml",
            &["10:warning:missing-tactic:add"],
        ),
        ("missing-tactic.yml", &["8:warning:missing-tactic:add"]),
        (
            "multi-document.yml",
            &[
                "28:error:revoked:replace",
                "28:warning:missing-tactic:add",
                "29:warning:underscore-tactic:replace",
            ],
        ),
        ("no-final-newline.yml", &["20:error:revoked:remove"]),
        ("no-tags-key.yml", &[]),
        (
            "other-namespaces.yml",
            &["9:warning:malformed:replace", "12:info:not-checked"],
        ),
        ("revoked-duplicate.yml", &["9:error:revoked:remove"]),
        (
            "revoked.yml",
            &[
                "9:error:revoked:replace",
                "10:error:revoked:replace",
                "11:error:revoked:replace",
            ],
        ),
        (
            "scalar-tags.yml",
            &[
                "7:error:tags-not-a-list:list",
                "7:warning:missing-tactic:add",
            ],
        ),
        (
            "tactic-names.yml",
            &["8:warning:malformed:replace", "9:warning:malformed:replace"],
        ),
        (
            "two-space-indent.yml",
            &[
                "8:warning:missing-tactic:add",
                "9:warning:malformed:replace",
                "9:warning:missing-tactic:add",
            ],
        ),
        (
            "underscore-tactic.yml",
            &[
                "8:warning:underscore-tactic:replace",
                "9:warning:underscore-tactic:replace",
            ],
        ),
        (
            "unknown-id.yml",
            &[
                "9:error:unknown-id",
                "10:error:unknown-id",
                "11:error:unknown-id",
                "12:error:unknown-id",
                "13:error:invalid-tag",
            ],
        ),
        (
            "unknown-tactic.yml",
            &["8:error:unknown-tactic", "9:warning:missing-tactic"],
        ),
        ("unrelated-tactic.yml", &["8:warning:unrelated-tactic"]),
    ];
    let judge = Judge::new(v18());
    let files = rules_in("sigma/rules");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "every fixture is listed here, in order");
    for (path, (name, want)) in files.iter().zip(expected) {
        let report = check::check_file(&judge, path);
        assert_eq!(summary(&report.findings), *want, "{name}");
    }
}

fn messages(model: &Model, relative: &str) -> Vec<String> {
    let judge = Judge::new(model);
    let report = check::check_file(&judge, &fixture(relative));
    report.findings.iter().map(|f| f.to_string()).collect()
}

#[test]
fn invisible_characters_are_printed_escaped_and_lookalikes_never_fixed() {
    let m = messages(v18(), "sigma/rules/invisible.yml");
    let tail: Vec<&str> = m.iter().map(|l| l.split_once(".yml:").unwrap().1).collect();
    assert_eq!(
        tail,
        [
            "9: warning: attack.t1059\\u{200b}: invisible characters around the tag; the tag is attack.t1059 (fix: replace with attack.t1059)",
            "10: warning: \\u{200b}attack.t1053: invisible characters around the tag; the tag is attack.t1053 (fix: replace with attack.t1053)",
            "11: warning: attack\u{ff0e}t1053.005: fullwidth characters; the tag is attack.t1053.005 (fix: replace with attack.t1053.005)",
            "12: error: attack.\u{442}1059.001: characters of another script that look like ASCII (\u{442} (U+0442)); it looks like attack.t1059.001 but is not that tag, and a lookalike is a guess: not fixed automatically, fix by hand",
            "13: error: attack.t10\\u{200b}59: not an ATT&CK tag (expected attack.t####, attack.t####.###, a tactic shortname such as attack.execution, or attack.g####, attack.s####, attack.m####, attack.ds####); it holds an invisible character inside, which attackmap does not remove (fix by hand)",
        ]
    );
    // The tag as written is kept raw in the finding's data.
    let judge = Judge::new(v18());
    let report = check::check_file(&judge, &fixture("sigma/rules/invisible.yml"));
    assert_eq!(
        report.findings[0].tag.as_deref(),
        Some("attack.t1059\u{200b}")
    );
}

#[test]
fn messages_name_the_tag_the_object_and_the_fix() {
    let m = messages(v18(), "sigma/rules/revoked.yml");
    assert!(m[0].ends_with(
        "revoked.yml:9: error: attack.t1086: technique T1086 (PowerShell) is revoked in ATT&CK 18.1; \
         replaced by T1059.001 (Command and Scripting Interpreter: PowerShell) (fix: replace with attack.t1059.001)"
    ), "{}", m[0]);
    assert!(m[1].ends_with(
        "attack.g0099: group G0099 (Old APT29 entry) is revoked in ATT&CK 18.1; replaced by G0016 (APT29) (fix: replace with attack.g0016)"
    ), "{}", m[1]);
    let m = messages(v18(), "sigma/rules/unknown-id.yml");
    assert!(m[0].ends_with("attack.t1059.011: there is no technique T1059.011 in ATT&CK 18.1; did you mean attack.t1059.001 (PowerShell)?"), "{}", m[0]);
    assert!(
        m[1].ends_with("attack.t9999: there is no technique T9999 in ATT&CK 18.1"),
        "{}",
        m[1]
    );
    let m = messages(v18(), "sigma/rules/missing-tactic.yml");
    assert!(m[0].ends_with(
        "attack.t1053.005: none of the tactics of T1053.005 (Scheduled Task/Job: Scheduled Task) is tagged \
         (fix: add attack.execution, attack.persistence, attack.privilege-escalation)"
    ), "{}", m[0]);
    let m = messages(v18(), "sigma/rules/deprecated.yml");
    assert!(m[0].ends_with("attack.t1064: technique T1064 (Scripting) is deprecated in ATT&CK 18.1 and has no replacement; retag by hand"), "{}", m[0]);
}

#[test]
fn tactics_come_from_the_release_v18_against_v19() {
    // attack.stealth: an error against v18, clean against v19.
    let v18_findings = messages(v18(), "sigma/rules/unknown-tactic.yml");
    assert!(
        v18_findings[0].contains(
            "attack.stealth: 'stealth' is not a tactic of enterprise-attack in ATT&CK 18.1; its tactics are: \
             initial-access, execution, persistence, privilege-escalation, defense-evasion, command-and-control"
        ),
        "{v18_findings:?}"
    );
    assert!(messages(v19(), "sigma/rules/unknown-tactic.yml").is_empty());
    // attack.defense-evasion (either spelling): clean against v18, an error against v19.
    let v19_findings = messages(v19(), "sigma/rules-v19/defense-evasion.yml");
    assert_eq!(v19_findings.len(), 3, "{v19_findings:?}");
    assert!(v19_findings[0].contains("attack.defense-evasion: 'defense-evasion' is not a tactic of enterprise-attack in ATT&CK 19.0"), "{v19_findings:?}");
    assert!(
        v19_findings[1].contains("attack.defense_evasion: 'defense-evasion' is not a tactic"),
        "{v19_findings:?}"
    );
    assert!(
        v19_findings[2].contains(
            "its tactics are attack.stealth; not added while the rule has attack.defense-evasion"
        ),
        "{v19_findings:?}"
    );
    // Against v18 the same rule only has a duplicate in the old spelling.
    let judge = Judge::new(v18());
    let report = check::check_file(&judge, &fixture("sigma/rules-v19/defense-evasion.yml"));
    assert_eq!(
        summary(&report.findings),
        ["9:warning:underscore-tactic:remove"]
    );
    assert!(messages(v19(), "sigma/rules-v19/stealth.yml").is_empty());
}

#[test]
fn crlf_and_bom_are_kept() {
    let judge = Judge::new(v18());
    let report = check::check_file(&judge, &fixture("sigma/rules/crlf.yml"));
    let fixed = report.fixed.unwrap();
    assert!(fixed.contains("\r\n    - attack.execution\r\n    - attack.defense-evasion\r\n"));
    assert_eq!(
        fixed.matches('\n').count(),
        fixed.matches("\r\n").count(),
        "no bare LF"
    );
    assert!(
        fixed.contains("- attack.t1027 # evasion\r\n"),
        "inline comment kept"
    );

    let report = check::check_file(&judge, &fixture("sigma/rules/bom.yml"));
    let fixed = report.fixed.unwrap();
    assert!(
        fixed.starts_with("\u{feff}title: Byte order mark\n"),
        "{fixed:?}"
    );
    assert_eq!(fixed.matches('\u{feff}').count(), 1);
}

#[test]
fn a_tags_key_is_inserted_at_the_conventional_place_with_the_files_style() {
    let path = fixture("sigma/rules/no-tags-key.yml");
    let file = rules::read_rule_file(&path).unwrap();
    let tags = vec![
        "attack.execution".to_string(),
        "attack.t1059.001".to_string(),
    ];
    let indent = fix::list_indent(&file.text);
    let doc = &file.documents[0].text;
    let edit = fix::insert_tags_key(&file.text, doc, &tags, file.line_ending, &indent).unwrap();
    let inserted = fix::apply(&file.text, &[edit]).unwrap();
    let expected = fs::read_to_string(fixture("sigma/rules/no-tags-key.inserted.yml")).unwrap();
    assert_eq!(inserted, expected);

    // The same in a CRLF file with two-space indentation.
    let crlf = file.text.replace("    ", "  ").replace('\n', "\r\n");
    let file = parse_rule_file(&path, crlf.as_bytes()).unwrap();
    assert_eq!(file.line_ending, LineEnding::CrLf);
    let indent = fix::list_indent(&file.text);
    assert_eq!(indent, "  ");
    let doc = &file.documents[0].text;
    let edit = fix::insert_tags_key(&file.text, doc, &tags, file.line_ending, &indent).unwrap();
    let inserted = fix::apply(&file.text, &[edit]).unwrap();
    assert_eq!(
        inserted,
        expected.replace("    ", "  ").replace('\n', "\r\n")
    );
    // A document that has tags gets no second key.
    let with_tags = rules::read_rule_file(&fixture("sigma/rules/malformed.yml")).unwrap();
    let doc = &with_tags.documents[0].text;
    assert!(fix::insert_tags_key(&with_tags.text, doc, &tags, LineEnding::Lf, "    ").is_none());
}

#[test]
fn rules_of_a_file_are_readable_for_other_commands() {
    let file = rules::read_rule_file(&fixture("sigma/rules/global-collection.yml")).unwrap();
    let rules = file.rules();
    assert_eq!(rules.len(), 2, "the global document is not a rule");
    for rule in &rules {
        assert_eq!(
            rule.title.as_deref(),
            Some("A collection with tags in the global document")
        );
        assert_eq!(rule.level.as_deref(), Some("high"));
        assert_eq!(
            rule.tags_document,
            Some(0),
            "the global tags win, as in pySigma"
        );
        let tags: Vec<&str> = rule.tags.iter().map(|t| t.raw.as_str()).collect();
        assert_eq!(tags, ["attack.t1053.005", "attack.Persistence"]);
        assert_eq!(rule.tags[0].line, 8);
    }
    let file = rules::read_rule_file(&fixture("sigma/rules/correlation.yml")).unwrap();
    let rules = file.rules();
    assert_eq!(rules.len(), 2);
    assert!(!rules[0].correlation && rules[1].correlation);
    assert_eq!(rules[1].title.as_deref(), Some("Many of the base rule"));
    assert!(rules[1].tags.is_empty());

    // Which live technique a tag counts for.
    let judge = Judge::new(v18());
    assert_eq!(
        judge
            .live_technique("T1086")
            .map(|t| t.technique_id.as_str()),
        Some("T1059.001")
    );
    assert!(judge.live_technique("T1064").is_none(), "deprecated");
    assert!(judge.live_technique("T9999").is_none());
}

#[test]
fn yaml_errors_have_their_real_line_and_column() {
    let judge = Judge::new(v18());
    let said = |name: &str| {
        let report = check::check_file(&judge, &fixture(&format!("sigma/bad/{name}")));
        let f = &report.findings[0];
        assert_eq!(f.kind, FindingKind::InvalidYaml, "{name}");
        let text = f.to_string();
        text.split_once(name).unwrap().1.to_string()
    };
    // serde_yaml reports a duplicate key at the start of its mapping (1:1
    // for `tags`): the second copy is where it is.
    assert_eq!(
        said("duplicate-tags.yml"),
        ":14:1: error: invalid YAML: duplicate entry with key \"tags\"; file left untouched"
    );
    assert_eq!(
        said("duplicate-nested.yml"),
        ":6:59: error: invalid YAML: logsource: duplicate entry with key \"product\"; file left untouched"
    );
    // An alias bomb has no position from serde_yaml: the first alias of
    // the document (not the `*` in a quoted string or a comment before it).
    assert_eq!(
        said("alias-bomb.yml"),
        ":13:14: error: invalid YAML: repetition limit exceeded (the document's aliases expand to too many values, as in an alias bomb; its first alias is here); file left untouched"
    );
}

#[test]
fn bad_files_are_reported_as_findings() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    let judge = Judge::new(v18());
    let kinds = |p: &Path| -> Vec<(Severity, FindingKind, Option<usize>)> {
        check::check_file(&judge, p)
            .findings
            .iter()
            .map(|f| (f.severity, f.kind, f.line))
            .collect()
    };
    let not_yaml = write(
        "not-yaml.yml",
        b"title: x\ntags: [attack.t1059\nlevel: high\n",
    );
    assert_eq!(
        kinds(&not_yaml),
        [(Severity::Error, FindingKind::InvalidYaml, Some(3))]
    );
    let workflow = write(
        "ci.yml",
        b"name: CI\non: [push]\njobs:\n  test:\n    runs-on: x\n",
    );
    assert_eq!(
        kinds(&workflow),
        [(Severity::Error, FindingKind::NotARule, None)]
    );
    // Empty: no bytes, blank lines, comments, empty documents; the same
    // error as `siem check` gives.
    for (name, bytes) in [
        ("empty.yml", &b""[..]),
        ("blank.yml", b"\n  \n"),
        ("comments.yml", b"# a rule will go here\n---\n"),
    ] {
        let path = write(name, bytes);
        assert_eq!(
            kinds(&path),
            [(Severity::Error, FindingKind::EmptyFile, None)],
            "{name}"
        );
        assert_eq!(
            check::check_file(&judge, &path).findings[0].message,
            "the file is empty (nothing but blank lines or comments): it holds no rule"
        );
    }
    let binary = write("binary.yml", b"\x7fELF\x02\x01\x01\x00\x00\x00");
    assert_eq!(
        kinds(&binary),
        [(Severity::Error, FindingKind::NotText, None)]
    );
    let latin1 = write("latin1.yml", b"title: caf\xe9\ndetection: {}\n");
    assert_eq!(
        kinds(&latin1),
        [(Severity::Error, FindingKind::NotText, None)]
    );
    let missing = dir.path().join("missing.yml");
    assert_eq!(
        kinds(&missing),
        [(Severity::Error, FindingKind::Unreadable, None)]
    );
    let message = check::check_file(&judge, &not_yaml).findings[0].to_string();
    assert!(
        message.ends_with(
            "not-yaml.yml:3:6: error: invalid YAML: did not find expected ',' or ']', \
             while parsing a flow sequence; file left untouched"
        ),
        "{message}"
    );
}

/// Truncated and mangled rules never panic: every outcome is a report.
#[test]
fn mangled_rules_never_panic() {
    let judge = Judge::new(v18());
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let noise: &[&[u8]] = &[
        b"\n",
        b"\r\n",
        b"- ",
        b"'",
        b"\"",
        b"[",
        b"]",
        b",",
        b"#",
        b":",
        b"---\n",
        b"\xc3\xa9",
        b"\xff",
        b"\t",
        b"&a ",
        b"*a",
    ];
    for rule in rules_in("sigma/rules") {
        let bytes = fs::read(&rule).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let file = parse_rule_file(&rule, &bytes[..cut]);
            if let Ok(file) = file {
                let _ = check::check_rule_file(&judge, &file);
            }
        }
        for _ in 0..40 {
            let mut mangled = bytes.clone();
            let at = next() % (mangled.len() + 1);
            let piece = noise[next() % noise.len()];
            mangled.splice(at..at, piece.iter().copied());
            if let Ok(file) = parse_rule_file(&rule, &mangled) {
                let report = check::check_rule_file(&judge, &file);
                if let Some(fixed) = report.fixed {
                    // A fix that passed the safety check is valid YAML.
                    assert!(
                        parse_rule_file(&rule, fixed.as_bytes()).is_ok(),
                        "{}",
                        rule.display()
                    );
                }
            }
        }
    }
}

/// (line, kind, tag) of every finding of an odd-shapes fixture.
fn lines_of(name: &str) -> Vec<(Option<usize>, FindingKind, Option<String>)> {
    let judge = Judge::new(v18());
    let report = check::check_file(&judge, &fixture(&format!("sigma/odd-shapes/{name}")));
    report
        .findings
        .iter()
        .map(|f| (f.line, f.kind, f.tag.clone()))
        .collect()
}

#[test]
fn findings_point_at_the_line_of_the_tag_in_odd_shapes() {
    use FindingKind::*;
    let t = |s: &str| Some(s.to_string());
    // Numbers and nested maps among the tags: one error per item, at its
    // line; the string tags are still judged.
    assert_eq!(
        lines_of("not-strings.yml"),
        [
            (Some(11), TagNotAString, None),
            (Some(12), TagNotAString, None),
            (Some(14), UnknownId, t("attack.t9999")),
        ]
    );
    // An anchored item and its alias: the duplicate is the alias's line.
    assert_eq!(
        lines_of("aliases.yml"),
        [
            (Some(9), NotEditable, None),
            (Some(12), Duplicate, t("attack.t1059")),
            (Some(13), UnknownId, t("attack.t9999")),
        ]
    );
    // `tags: *common`: the items are where the list is anchored.
    assert_eq!(
        lines_of("list-alias.yml"),
        [(Some(3), UnknownId, t("attack.t9999"))]
    );
    // Block scalar items: their content line.
    assert_eq!(
        lines_of("block-scalars.yml"),
        [
            (Some(9), NotEditable, None),
            (Some(12), UnknownId, t("attack.t9999")),
            (Some(14), Malformed, t("attack.T1059\n")),
        ]
    );
    // A flow list over several lines, with an escaped item.
    assert_eq!(
        lines_of("flow.yml"),
        [
            (Some(9), NotEditable, None),
            (Some(10), UnknownId, t("attack.t9999")),
            (Some(11), Duplicate, t("attack.execution")),
        ]
    );
    // Nested lists and maps in a flow list.
    assert_eq!(
        lines_of("flow-nested.yml"),
        [
            (Some(9), TagNotAString, None),
            (Some(9), UnknownId, t("attack.t9999")),
            (Some(10), TagNotAString, None),
        ]
    );
    let judge = Judge::new(v18());
    let report = check::check_file(&judge, &fixture("sigma/odd-shapes/not-strings.yml"));
    assert_eq!(
        report.findings[0].message,
        "tags item 2 is a number (42), not a string; fix by hand"
    );
    assert_eq!(
        report.findings[1].message,
        "tags item 3 is a mapping, not a string; fix by hand"
    );
    assert!(report.fixed.is_none());
}

#[test]
fn the_line_of_each_odd_tag_holds_that_tag() {
    let judge = Judge::new(v18());
    for name in [
        "aliases.yml",
        "list-alias.yml",
        "block-scalars.yml",
        "flow.yml",
    ] {
        let path = fixture(&format!("sigma/odd-shapes/{name}"));
        let text = fs::read_to_string(&path).unwrap();
        let report = check::check_file(&judge, &path);
        for f in report.findings.iter().filter(|f| f.tag.is_some()) {
            let tag = f.tag.as_deref().unwrap().trim();
            let line = text.lines().nth(f.line.unwrap() - 1).unwrap();
            let shown = if line.contains("*t") { "*t" } else { tag };
            assert!(
                line.to_lowercase().contains(&shown.to_lowercase()),
                "{name}: {tag} at {line:?}"
            );
        }
    }
}
