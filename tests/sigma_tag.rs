//! `sigma tag`: adding technique tags (and their tactics) to the rules of
//! `fixtures/sigma/tag/` against the example bundle. Every fixture `x.yml`
//! that can be tagged has the expected result beside it, `x.tagged.yml`,
//! compared byte for byte; tagging again changes nothing, and `sigma check`
//! finds nothing to fix in the result.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use attackmap::Model;
use attackmap::export::sigma::technique_tags;
use attackmap::sigma::check;
use attackmap::sigma::rules::{parse_rule_file, read_rule_file};
use attackmap::sigma::tag::tag_file;
use attackmap::sigma::{FindingKind, Judge, Severity};

use common::{expect_bad_input, expect_success, fixture, run, stderr, stdout};

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

/// What `-t T1053.005,T1059.001` adds.
fn wanted(model: &Model) -> Vec<String> {
    let techniques: Vec<_> = ["T1059.001", "T1053.005"]
        .iter()
        .map(|id| model.technique(id).unwrap())
        .collect();
    technique_tags(model, &techniques)
}

fn tag_fixture(name: &str) -> PathBuf {
    fixture(&format!("sigma/tag/{name}"))
}

/// Tags `name` (document `document`) and returns the new text, checking
/// it is the expected file byte for byte, that tagging it again changes
/// nothing and that `sigma check` has nothing to fix in it.
fn tags_to_expected(model: &Model, name: &str, document: Option<usize>, expected: &str) {
    let tags = wanted(model);
    let file = read_rule_file(&tag_fixture(name)).unwrap();
    let tagging = tag_file(&file, &tags, document).unwrap();
    let new = tagging.tagged.expect("something is added");
    let want = fs::read(tag_fixture(expected)).unwrap();
    assert_eq!(
        new.as_bytes(),
        want.as_slice(),
        "{name}:\n{new}\n---- expected:\n{}",
        String::from_utf8_lossy(&want)
    );
    let again = parse_rule_file(Path::new(name), new.as_bytes()).unwrap();
    let second = tag_file(&again, &tags, document).unwrap();
    assert_eq!(second.tagged, None, "{name}: tagging twice changes it");
    assert!(second.added.is_empty());
    assert_eq!(second.present, tags);
    // Nothing sigma check would object to in what was added (the
    // upper-case tag partly-tagged.yml had is another matter).
    let report = check::check_rule_file(&Judge::new(model), &again);
    let bad: Vec<_> = report
        .findings
        .iter()
        .filter(|f| {
            f.severity == Severity::Error
                || matches!(
                    f.kind,
                    FindingKind::MissingTactic
                        | FindingKind::UnrelatedTactic
                        | FindingKind::Duplicate
                )
        })
        .collect();
    assert!(bad.is_empty(), "{name}: {bad:?}");
}

#[test]
fn tags_are_tactics_in_matrix_order_then_techniques() {
    assert_eq!(
        wanted(&example()),
        [
            "attack.execution",
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.t1053.005",
            "attack.t1059.001"
        ]
    );
}

#[test]
fn a_tags_key_is_inserted_where_there_is_none() {
    let model = example();
    // After `modified`, four spaces, LF.
    tags_to_expected(&model, "no-tags.yml", None, "no-tags.tagged.yml");
    // CRLF line endings are kept and used.
    tags_to_expected(&model, "no-tags-crlf.yml", None, "no-tags-crlf.tagged.yml");
    // Two-space indentation is copied.
    tags_to_expected(
        &model,
        "no-tags-two-space.yml",
        None,
        "no-tags-two-space.tagged.yml",
    );
    // A byte order mark and CRLF stay; the key goes after `author` (its
    // comment kept), before the blank line and the comment that follow.
    tags_to_expected(
        &model,
        "no-tags-bom-crlf.yml",
        None,
        "no-tags-bom-crlf.tagged.yml",
    );
    // No key of SigmaHQ's header: before `logsource`.
    tags_to_expected(
        &model,
        "no-tags-no-header.yml",
        None,
        "no-tags-no-header.tagged.yml",
    );
}

#[test]
fn the_fixtures_differ_only_by_the_inserted_lines() {
    // The expected files are the originals plus the new lines, nothing
    // else: checked line by line, independently of attackmap.
    for (name, eol, indent) in [
        ("no-tags", "\n", "    "),
        ("no-tags-crlf", "\r\n", "    "),
        ("no-tags-two-space", "\n", "  "),
        ("no-tags-bom-crlf", "\r\n", "    "),
    ] {
        let old = fs::read_to_string(tag_fixture(&format!("{name}.yml"))).unwrap();
        let new = fs::read_to_string(tag_fixture(&format!("{name}.tagged.yml"))).unwrap();
        let mut inserted = format!("tags:{eol}");
        for tag in wanted(&example()) {
            inserted.push_str(&format!("{indent}- {tag}{eol}"));
        }
        assert_eq!(new.replacen(&inserted, "", 1), old, "{name}");
        assert_eq!(old.starts_with('\u{feff}'), name.contains("bom"));
        assert_eq!(new.starts_with('\u{feff}'), name.contains("bom"));
    }
}

#[test]
fn existing_tags_get_only_what_is_missing() {
    let model = example();
    // 'attack.execution' and 'attack.T1059.001' count as present; the new
    // tactics go after the tactic tag and the technique after the
    // technique tag, quoted like their neighbours; the comment stays.
    tags_to_expected(
        &model,
        "partly-tagged.yml",
        None,
        "partly-tagged.tagged.yml",
    );
    tags_to_expected(&model, "flow.yml", None, "flow.tagged.yml");
    // `tags:` with nothing: items below, the comment stays.
    tags_to_expected(&model, "empty-tags.yml", None, "empty-tags.tagged.yml");
    let file = read_rule_file(&tag_fixture("partly-tagged.yml")).unwrap();
    let tagging = tag_file(&file, &wanted(&model), None).unwrap();
    assert_eq!(tagging.present, ["attack.execution", "attack.t1059.001"]);
    assert_eq!(
        tagging.added,
        [
            "attack.persistence",
            "attack.privilege-escalation",
            "attack.t1053.005"
        ]
    );
}

#[test]
fn ambiguous_and_uneditable_files_are_refused() {
    let model = example();
    let tags = wanted(&model);
    let refusal = |name: &str, document: Option<usize>| {
        let file = read_rule_file(&tag_fixture(name)).unwrap();
        tag_file(&file, &tags, document).unwrap_err().to_string()
    };
    let err = refusal("collection.yml", None);
    assert!(
        err.ends_with(
            "not tagged: the file holds 2 rules (documents 2: A collection; 3: A collection); say which document to tag with --document N"
        ),
        "{err}"
    );
    // The global document's tags apply to the whole collection.
    tags_to_expected(
        &model,
        "collection.yml",
        Some(1),
        "collection.document-1.tagged.yml",
    );
    let err = refusal("collection.yml", Some(9));
    assert!(
        err.ends_with(
            "not tagged: there is no document 9: the file has 3 documents (numbered from 1)"
        ),
        "{err}"
    );
    let err = refusal("collection.yml", Some(0));
    assert!(
        err.ends_with(
            "not tagged: documents are numbered from 1: there is no document 0 (the file has 3 documents)"
        ),
        "{err}"
    );
    let err = refusal("no-tags.yml", Some(0));
    assert!(
        err.ends_with(
            "not tagged: documents are numbered from 1: there is no document 0 (the file has 1 document)"
        ),
        "{err}"
    );
    let err = refusal("scalar-tags.yml", None);
    assert!(err.contains("run `attackmap sigma fix` first"), "{err}");

    // A correlation rule has no tags; its base rule can be tagged.
    let correlation = fixture("sigma/rules/correlation.yml");
    let file = read_rule_file(&correlation).unwrap();
    let err = tag_file(&file, &tags, None).unwrap_err().to_string();
    assert!(err.contains("the file holds 2 rules"), "{err}");
    let err = tag_file(&file, &tags, Some(2)).unwrap_err().to_string();
    assert!(err.contains("correlation rules have no tags"), "{err}");
    assert!(tag_file(&file, &tags, Some(1)).unwrap().tagged.is_some());

    // A rule document whose tags the global document replaces.
    let global = fixture("sigma/rules/global-collection.yml");
    let file = read_rule_file(&global).unwrap();
    let err = tag_file(&file, &tags, Some(2)).unwrap_err().to_string();
    assert!(
        err.contains("are replaced by those of the 'action: global' document 1"),
        "{err}"
    );
}

/// Copies the taggable fixtures (not the expectations) into a temp dir.
fn copy_fixtures() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(fixture("sigma/tag")).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".yml") && !name.contains(".tagged") {
            fs::copy(&p, tmp.path().join(&name)).unwrap();
        }
    }
    tmp
}

#[test]
fn cli_tags_in_place_and_a_second_run_changes_nothing() {
    let tmp = copy_fixtures();
    let file = |n: &str| tmp.path().join(n);
    let paths = ["no-tags.yml", "no-tags-crlf.yml", "partly-tagged.yml"];
    let mut args = vec!["sigma", "tag", "-t", "T1059.001", "-t", "T1053.005"];
    let owned: Vec<String> = paths
        .iter()
        .map(|p| file(p).to_str().unwrap().to_string())
        .collect();
    args.extend(owned.iter().map(String::as_str));
    let out = run(&args);
    let text = expect_success(&out);
    assert!(
        text.contains("no-tags.yml: added attack.execution, attack.persistence, attack.privilege-escalation, attack.t1053.005, attack.t1059.001 (document 1)"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("sigma tag: 3 files with attack.execution, attack.persistence, attack.privilege-escalation, attack.t1053.005, attack.t1059.001: tagged 3, 0 already tagged, 0 not tagged"),
        "{}",
        stderr(&out)
    );
    for p in paths {
        let expected = p.replace(".yml", ".tagged.yml");
        assert_eq!(
            fs::read(file(p)).unwrap(),
            fs::read(tag_fixture(&expected)).unwrap(),
            "{p}"
        );
    }
    let out = run(&args);
    let text = expect_success(&out);
    assert_eq!(text.matches("already tagged").count(), 3, "{text}");
    for p in paths {
        let expected = p.replace(".yml", ".tagged.yml");
        assert_eq!(
            fs::read(file(p)).unwrap(),
            fs::read(tag_fixture(&expected)).unwrap()
        );
    }
}

#[test]
fn cli_dry_run_prints_a_diff_and_writes_nothing() {
    let tmp = copy_fixtures();
    let rule = tmp.path().join("no-tags.yml");
    let before = fs::read(&rule).unwrap();
    let out = run(&[
        "sigma",
        "tag",
        rule.to_str().unwrap(),
        "-t",
        "T1566.001",
        "--dry-run",
    ]);
    let diff = expect_success(&out);
    assert!(
        diff.contains("+tags:\n+    - attack.initial-access\n+    - attack.t1566.001\n"),
        "{diff}"
    );
    assert_eq!(fs::read(&rule).unwrap(), before);
}

#[test]
fn cli_exit_codes_and_refusals() {
    let tmp = copy_fixtures();
    let file = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    // Unknown technique: 2, before any file.
    let err = expect_bad_input(&run(&[
        "sigma",
        "tag",
        &file("no-tags.yml"),
        "-t",
        "T1059.0001",
    ]));
    assert!(err.contains("T1059.0001"), "{err}");
    expect_bad_input(&run(&["sigma", "tag", &file("no-tags.yml")]));
    // A deprecated technique has no replacement.
    let err = expect_bad_input(&run(&["sigma", "tag", &file("no-tags.yml"), "-t", "T1064"]));
    assert!(err.contains("T1064 (Scripting) is deprecated"), "{err}");
    assert_eq!(
        fs::read(file("no-tags.yml")).unwrap(),
        fs::read(tag_fixture("no-tags.yml")).unwrap()
    );
    // A revoked technique stands for its replacement, with a warning.
    let out = run(&["sigma", "tag", &file("no-tags.yml"), "-t", "T1086"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains(
            "warning: T1086 (PowerShell) is revoked; tagging with its replacement T1059.001"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        fs::read_to_string(file("no-tags.yml"))
            .unwrap()
            .contains("    - attack.t1059.001\n")
    );
    // A rule file that does not exist: a usage error, named, exit 2,
    // before anything is written.
    let out = run(&[
        "sigma",
        "tag",
        &file("no-tags-crlf.yml"),
        &file("missing.yml"),
        "-t",
        "T1059.001",
    ]);
    let err = expect_bad_input(&out);
    assert_eq!(
        err.trim(),
        format!(
            "attackmap: error: {}: does not exist (no such file or directory)",
            file("missing.yml")
        )
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_eq!(
        fs::read(file("no-tags-crlf.yml")).unwrap(),
        fs::read(tag_fixture("no-tags-crlf.yml")).unwrap()
    );
    // --document 0: documents are numbered from 1; nothing written, exit 1.
    let out = run(&[
        "sigma",
        "tag",
        &file("no-tags-crlf.yml"),
        "-t",
        "T1059.001",
        "--document",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "\nattackmap: error: {}: not tagged: documents are numbered from 1: there is no document 0 (the file has 1 document)\n",
            file("no-tags-crlf.yml")
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(file("no-tags-crlf.yml")).unwrap(),
        fs::read(tag_fixture("no-tags-crlf.yml")).unwrap()
    );
    // A refused file among others: reported, the others tagged, exit 1.
    let out = run(&[
        "sigma",
        "tag",
        &file("collection.yml"),
        &file("no-tags-crlf.yml"),
        "-t",
        "T1059.001",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("collection.yml: not tagged: the file holds 2 rules"),
        "{err}"
    );
    assert!(
        err.contains("sigma tag: 2 files with attack.execution, attack.t1059.001: tagged 1, 0 already tagged, 1 not tagged"),
        "{err}"
    );
    assert!(stdout(&out).contains("no-tags-crlf.yml: added attack.execution, attack.t1059.001"));
    // One file: "1 file", not "1 files".
    let out = run(&["sigma", "tag", &file("no-tags-crlf.yml"), "-t", "T1059.001"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("sigma tag: 1 file with attack.execution, attack.t1059.001: tagged 0, 1 already tagged, 0 not tagged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(file("collection.yml")).unwrap(),
        fs::read(tag_fixture("collection.yml")).unwrap()
    );
}

/// `-t @FILE` with a file that names no technique is an error (there is
/// nothing to tag with), and an ID of another kind says what it is; the
/// rule is left as it was.
#[test]
fn cli_refuses_an_empty_list_and_ids_of_other_kinds() {
    let tmp = copy_fixtures();
    let rule = tmp.path().join("no-tags.yml");
    let list = tmp.path().join("rules.txt");
    fs::write(&list, "# nothing yet\n\n").unwrap();
    let arg = format!("@{}", list.display());
    let err = expect_bad_input(&run(&["sigma", "tag", rule.to_str().unwrap(), "-t", &arg]));
    assert!(
        err.contains(&format!(
            "{}: the technique list is empty (no ID, only blank lines or comments); sigma tag needs at least one technique",
            list.display()
        )),
        "{err}"
    );
    let err = expect_bad_input(&run(&[
        "sigma",
        "tag",
        rule.to_str().unwrap(),
        "-t",
        "S0154",
    ]));
    assert!(
        err.contains("'S0154' is not a technique: it is software S0154 (Cobalt Strike)"),
        "{err}"
    );
    assert_eq!(
        fs::read(&rule).unwrap(),
        fs::read(tag_fixture("no-tags.yml")).unwrap()
    );
    // An empty list beside IDs adds nothing: the IDs are tagged.
    let out = run(&[
        "sigma",
        "tag",
        rule.to_str().unwrap(),
        "-t",
        &arg,
        "-t",
        "T1059.001",
    ]);
    expect_success(&out);
    assert!(
        fs::read_to_string(&rule)
            .unwrap()
            .contains("- attack.t1059.001"),
        "{}",
        fs::read_to_string(&rule).unwrap()
    );
}
