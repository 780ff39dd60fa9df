//! `attackmap export` and `attackmap templates` from the command line, on
//! the example bundle built into the binary (and the hostile-names
//! fixture): overrides, bad templates, bad input, output handling.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

/// Runs the binary quietly, without the cache.
fn run(args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--no-cache", "-q"]);
    bare(&all)
}

/// Runs the binary with exactly these arguments, ignoring a template
/// directory set in the environment.
fn bare(args: &[&str]) -> Output {
    common::attackmap()
        .env_remove("ATTACKMAP_TEMPLATE_DIR")
        .args(args)
        .output()
        .expect("runs attackmap")
}

/// Writes `source` to `dir/name` and exports the navigator format with it
/// as `--template`, with `args` added.
fn export_with_template(dir: &Path, name: &str, source: &str, args: &[&str]) -> Output {
    let template = dir.join(name);
    fs::write(&template, source).unwrap();
    let mut all = vec![
        "export",
        "navigator",
        "--template",
        template.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run(&all)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn writes_a_layer_to_stdout_or_a_file() {
    let out = run(&["export", "navigator", "--group", "G0016"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["name"], "APT29 (G0016)");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("apt29.json");
    let out = run(&[
        "export",
        "navigator",
        "-g",
        "G0016",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let written: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(written, layer);

    // -o DIR: a file named after the one object selected.
    let out = run(&[
        "export",
        "navigator",
        "-g",
        "G0016",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(dir.path().join("G0016_APT29.json").is_file());
    // `-o -` is stdout.
    let out = run(&["export", "navigator", "-g", "G0016", "-o", "-"]);
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), layer);
}

#[test]
fn technique_file_counts_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("rules.txt");
    fs::write(
        &list,
        "# one line per detection rule\nT1059.001\nT1059.001  # encoded\nT1053.005\n\n",
    )
    .unwrap();
    let arg = format!("@{}", list.display());
    let out = run(&["export", "navigator", "--technique", &arg]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let scores: Vec<(String, u64)> = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{}/{}",
                    c["techniqueID"].as_str().unwrap(),
                    c["tactic"].as_str().unwrap()
                ),
                c["score"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        scores,
        vec![
            ("T1053.005/execution".to_string(), 1),
            ("T1053.005/persistence".to_string(), 1),
            ("T1053.005/privilege-escalation".to_string(), 1),
            ("T1059.001/execution".to_string(), 2),
        ]
    );

    // An unknown ID in the file names the file and line.
    fs::write(&list, "T1059.001\nT1059.0001\n").unwrap();
    let out = run(&["export", "navigator", "--technique", &arg]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("rules.txt:2: unknown ID 'T1059.0001'"),
        "{err}"
    );
    assert!(err.contains("did you mean T1059.001"), "{err}");
}

#[test]
fn template_file_overrides_the_builtin_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = export_with_template(
        dir.path(),
        "mine.json.j2",
        "{\"layers\": {{ navigator.layers | length }}, \"first\": {{ techniques[0].id }}, \"tag\": {{ techniques[0].id | sigma_tag }}, \"url\": {{ techniques[0].id | technique_url }}}\n",
        &["-g", "G0016"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "layers": 1,
            "first": "T1027",
            "tag": "attack.t1027",
            "url": "https://attack.mitre.org/techniques/T1027/"
        })
    );
}

#[test]
fn template_directory_shadows_builtins_and_templates_list_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let out = bare(&["templates", "eject", "-q", templates.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let ejected = templates.join("navigator.json.j2");
    let builtin = fs::read_to_string(&ejected).unwrap();
    // A second eject keeps the user's file unless --force.
    fs::write(
        &ejected,
        builtin.replace(
            "\"tacticRowBackground\": {{ l.tacticRowBackground }}",
            "\"tacticRowBackground\": \"#123456\"",
        ),
    )
    .unwrap();
    let out = bare(&["templates", "eject", templates.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(common::stderr(&out).contains("kept"));
    assert!(fs::read_to_string(&ejected).unwrap().contains("#123456"));

    let out = run(&[
        "export",
        "navigator",
        "-g",
        "G0016",
        "--template-dir",
        templates.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["tacticRowBackground"], "#123456");
    assert_eq!(layer["name"], "APT29 (G0016)");

    let out = bare(&[
        "templates",
        "list",
        "--template-dir",
        templates.to_str().unwrap(),
    ]);
    let text = common::stdout(&out);
    assert!(text.contains("navigator.json.j2"), "{text}");
    assert!(text.contains("(shadows built-in)"), "{text}");
    let out = bare(&["templates", "list"]);
    assert!(common::stdout(&out).contains("built-in"));
    let out = bare(&["templates", "show", "navigator.json.j2"]);
    assert_eq!(common::stdout(&out), builtin);

    let out = bare(&[
        "templates",
        "eject",
        "--force",
        "-q",
        templates.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(fs::read_to_string(&ejected).unwrap(), builtin);
}

#[test]
fn template_syntax_error_names_template_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    let out = export_with_template(
        dir.path(),
        "broken.json.j2",
        "{\n  \"name\": {{ navigator.layers[0].name }},\n  {% for x in techniques %}\n}\n",
        &["-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("template navigator.json.j2"), "{err}");
    assert!(err.contains("broken.json.j2"), "names the file: {err}");
    assert!(err.contains("syntax error"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert_eq!(
        files_in(dir.path()),
        vec!["broken.json.j2"],
        "no output file"
    );
}

#[test]
fn template_render_error_names_the_expression() {
    let dir = tempfile::tempdir().unwrap();
    let out = export_with_template(
        dir.path(),
        "typo.json.j2",
        "{\n  \"name\": {{ navigator.layers[0].nmae }}\n}\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("navigator.layers[0].nmae"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn template_producing_invalid_json_is_an_error_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    let out = export_with_template(
        dir.path(),
        "bad.json.j2",
        "{\"techniques\": [{% for t in techniques %}{{ t.id }}, {% endfor %}]}\n",
        &["-g", "G0016", "-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("produced invalid JSON"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    assert!(!target.exists());
}

#[test]
fn unknown_format_and_unknown_ids_are_errors_with_suggestions() {
    let out = run(&["export", "navigatr", "-g", "G0016"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains(
        "unknown export format 'navigatr' (did you mean navigator?); formats: navigator, csv, xlsx, markdown, sigma, sigma-skeleton"
    ));

    let out = run(&["export", "navigator", "-g", "G016"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("unknown ID 'G016' (did you mean G0016 (APT29)?)"));

    let out = run(&["export", "navigator", "--technique", "T1086"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("T1086 (PowerShell) is revoked; use T1059.001 instead"));

    let out = run(&["export", "navigator", "--tactic", "executon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("did you mean execution?"));
    assert!(out.stdout.is_empty());
}

#[test]
fn empty_selection_is_a_valid_empty_layer_with_a_warning() {
    let out = bare(&[
        "export",
        "navigator",
        "-g",
        "G0007",
        "--tactic",
        "persistence",
        "--no-cache",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = common::stderr(&out);
    assert!(
        err.contains("warning: no technique matches the selection --group G0007 --tactic persistence; the output is empty"),
        "{err}"
    );
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["techniques"], serde_json::json!([]));
    assert_eq!(layer["versions"]["layer"], "4.5");
}

#[test]
fn unwritable_output_is_an_error_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    // The parent of the output is a file, so nothing can be created there.
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, "x").unwrap();
    let target = blocker.join("layer.json");
    let out = run(&[
        "export",
        "navigator",
        "-g",
        "G0016",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("cannot write"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(files_in(dir.path()), vec!["not-a-dir"]);

    // An existing output is replaced whole or not at all.
    let target = dir.path().join("layer.json");
    fs::write(&target, "previous").unwrap();
    let out = export_with_template(
        dir.path(),
        "bad.json.j2",
        "{{ nothing_here }}",
        &["-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&target).unwrap(), "previous");
    assert_eq!(
        files_in(dir.path()),
        vec!["bad.json.j2", "layer.json", "not-a-dir"]
    );
}

#[test]
fn each_group_writes_safe_file_names_inside_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("layers");
    let fixture = common::fixture("export/hostile-names.json");
    let out = run(&[
        "export",
        "navigator",
        "--stix",
        fixture.to_str().unwrap(),
        "--each",
        "group",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(
        files_in(&out_dir),
        vec![
            "G0901_tmp_attackmap-escape.json",
            "G0902_a_b_c_d_e.json",
            "G0903.json",
            "G0904_etc_passwd.json",
            "G0905_n_c_d_name.json",
        ]
    );
    assert_eq!(
        files_in(dir.path()),
        vec!["layers"],
        "nothing outside the directory"
    );
    let layer: Value =
        serde_json::from_slice(&fs::read(out_dir.join("G0902_a_b_c_d_e.json")).unwrap()).unwrap();
    assert_eq!(layer["name"], "a\\b/c: <d> | \"e\"?* (G0902)");

    // --each needs a directory.
    let out = run(&["export", "navigator", "--each", "group"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("-o DIR"));
}

#[test]
fn context_dump_renders_back_to_the_same_layer() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context.json");
    let out = run(&[
        "export",
        "navigator",
        "-g",
        "G0016",
        "-g",
        "G0032",
        "--context",
        "-o",
        context.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let ctx: Value = serde_json::from_slice(&fs::read(&context).unwrap()).unwrap();
    assert_eq!(ctx["attackmap"]["format"], "navigator");
    assert_eq!(ctx["selection"]["arguments"], "--group G0016 --group G0032");

    let direct = run(&["export", "navigator", "-g", "G0016", "-g", "G0032"]);
    let from = bare(&[
        "export",
        "navigator",
        "--from-context",
        context.to_str().unwrap(),
        "-q",
    ]);
    assert!(from.status.success(), "{}", common::stderr(&from));
    assert_eq!(from.stdout, direct.stdout, "byte for byte");

    // --each --context writes one context per object.
    let contexts = dir.path().join("contexts");
    let out = run(&[
        "export",
        "navigator",
        "--each",
        "group",
        "--context",
        "-o",
        contexts.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        files_in(&contexts),
        vec![
            "G0007_APT28.context.json",
            "G0016_APT29.context.json",
            "G0032_Lazarus_Group.context.json"
        ]
    );
    let one: Value =
        serde_json::from_slice(&fs::read(contexts.join("G0016_APT29.context.json")).unwrap())
            .unwrap();
    assert_eq!(one["object"]["id"], "G0016");
    assert_eq!(one["object"]["kind"], "group");
}

#[test]
fn a_set_of_groups_can_come_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("sector.txt");
    fs::write(
        &list,
        "G0016  # APT29 by ID\nLazarus Group\n\n# names with spaces work\nFancy Bear\n",
    )
    .unwrap();
    let arg = format!("@{}", list.display());
    let out = run(&["export", "navigator", "--group", &arg, "--score", "groups"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["name"], "3 groups");
    // T1566.001 is used by all three groups in the example bundle.
    let spearphishing = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["techniqueID"] == "T1566.001")
        .unwrap();
    assert_eq!(spearphishing["score"], 3);
    let missing = format!("@{}", dir.path().join("nope.txt").display());
    let out = run(&["export", "navigator", "--group", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("nope.txt: cannot read"),
        "{}",
        common::stderr(&out)
    );
}

/// Runs the binary quietly, without the cache, in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::attackmap()
        .env_remove("ATTACKMAP_TEMPLATE_DIR")
        .current_dir(dir)
        .args(args)
        .args(["--no-cache", "-q"])
        .output()
        .expect("runs attackmap")
}

#[test]
fn format_options_are_refused_where_they_do_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    // (the option with its value, a format that takes it, a format that
    // does not, the formats the error names)
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &["--score", "groups"],
            "navigator",
            "csv",
            "`export navigator`",
        ),
        (
            &["--name", "x"],
            "navigator",
            "markdown",
            "`export navigator`",
        ),
        (
            &["--hide-unselected"],
            "navigator",
            "sigma",
            "`export navigator`",
        ),
        (&["--rows", "groups"], "csv", "xlsx", "`export csv`"),
        (&["--columns", "id"], "csv", "navigator", "`export csv`"),
        (&["--no-formula-guard"], "csv", "markdown", "`export csv`"),
        (&["--bom"], "csv", "splunk-lookup", "`export csv`"),
        (
            &["--separator", "|"],
            "xlsx",
            "navigator",
            "`export csv` and `export xlsx`",
        ),
        (
            &["--descriptions"],
            "csv",
            "navigator",
            "`export csv` and `export xlsx`",
        ),
        (&["--top", "3"], "markdown", "csv", "`export markdown`"),
        (
            &["--with-groups"],
            "sigma",
            "navigator",
            "`export sigma` and `export sigma-skeleton`",
        ),
        (
            &["--with-software"],
            "sigma-skeleton",
            "splunk",
            "`export sigma` and `export sigma-skeleton`",
        ),
        (
            &["--author", "me"],
            "sigma-skeleton",
            "navigator",
            "`export sigma-skeleton`",
        ),
        (
            &["--date", "2025-01-02"],
            "sigma-skeleton",
            "sigma",
            "`export sigma-skeleton`",
        ),
        (
            &["--level", "high"],
            "sigma-skeleton",
            "sentinel",
            "`export sigma-skeleton`",
        ),
        (
            &["--splunk-layout", "flat"],
            "splunk",
            "navigator",
            "`export splunk`",
        ),
    ];
    for (option, good, bad, takes) in cases {
        let mut args = vec!["export", bad, "-o", "out.file"];
        args.extend_from_slice(option);
        let out = run_in(dir.path(), &args);
        let err = common::expect_bad_input(&out);
        assert!(
            err.contains(&format!(
                "{} applies to {takes}, not to `export {bad}`",
                option[0]
            )),
            "{option:?} with {bad}: {err}"
        );
        assert!(out.stdout.is_empty());
        assert!(!dir.path().join("out.file").exists(), "nothing written");

        let mut args = vec!["export", good, "-o", "out.file"];
        args.extend_from_slice(option);
        let out = run_in(dir.path(), &args);
        assert!(
            out.status.success(),
            "{option:?} with {good}: {}",
            common::stderr(&out)
        );
        fs::remove_file(dir.path().join("out.file")).unwrap();
    }

    // The option still does its work where it applies.
    let out = run_in(dir.path(), &["export", "splunk", "--splunk-layout", "flat"]);
    let text = common::expect_success(&out);
    assert!(text.contains("\nmitre_attack_id:\n"), "{text}");
    assert!(!text.contains("tags:"), "{text}");
}

#[test]
fn each_into_an_existing_file_says_a_directory_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("layers"), "not a directory").unwrap();
    let out = run_in(
        dir.path(),
        &["export", "navigator", "--each", "group", "-o", "layers"],
    );
    let err = common::expect_bad_input(&out);
    assert!(
        err.contains(
            "layers: --each writes one file per object and needs a directory, but this path is an existing file"
        ),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("layers")).unwrap(),
        "not a directory"
    );
    assert_eq!(files_in(dir.path()), vec!["layers"]);
}

#[test]
fn each_write_failure_names_the_file_and_leaves_only_complete_files() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("layers");
    fs::create_dir(&out_dir).unwrap();
    // A directory where APT28's layer must go: that file cannot be written
    // (also when the tests run as root).
    fs::create_dir(out_dir.join("G0007_APT28.json")).unwrap();
    let out = run_in(
        dir.path(),
        &["export", "navigator", "--each", "group", "-o", "layers"],
    );
    let err = common::expect_bad_input(&out);
    assert!(
        err.contains("layers/G0007_APT28.json: cannot write: "),
        "{err}"
    );
    assert!(
        err.contains("files were written to layers before the failure and are left there"),
        "{err}"
    );
    // No temporary or half-written file: every regular file is a whole layer.
    for name in files_in(&out_dir) {
        assert!(!name.starts_with('.'), "temporary file left: {name}");
        let path = out_dir.join(&name);
        if path.is_file() {
            let layer: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
            assert_eq!(layer["versions"]["layer"], "4.5", "{name}");
        }
    }
    let written = files_in(&out_dir)
        .into_iter()
        .filter(|n| out_dir.join(n).is_file())
        .count();
    assert!(
        err.contains(&format!("; {written} of 3 files were written")),
        "{err}"
    );
}

#[test]
fn an_empty_description_column_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    // A template that names the description column, without --descriptions.
    fs::create_dir(dir.path().join("tpl")).unwrap();
    fs::write(dir.path().join("tpl/csv.columns.j2"), "id\ndescription\n").unwrap();
    let out = common::attackmap()
        .current_dir(dir.path())
        .args(["export", "csv", "--no-cache", "--template-dir", "tpl"])
        .output()
        .unwrap();
    let text = common::expect_success(&out);
    assert_eq!(text.lines().nth(1), Some("T1027,"));
    let warning = "warning: the 'Description' column of the techniques rows is empty: the model was built without descriptions (pass --descriptions; a model file needs `attackmap map --descriptions`)";
    assert!(
        common::stderr(&out).contains(warning),
        "{}",
        common::stderr(&out)
    );

    // With --descriptions the column is filled and nothing is said.
    let out = common::attackmap()
        .current_dir(dir.path())
        .args([
            "export",
            "csv",
            "--no-cache",
            "--template-dir",
            "tpl",
            "--descriptions",
        ])
        .output()
        .unwrap();
    let text = common::expect_success(&out);
    assert_eq!(
        text.lines().nth(1),
        Some("T1027,\"Content is encoded, encrypted or packed to hinder analysis.\"")
    );
    assert!(!common::stderr(&out).contains("is empty"));

    // A model file written without descriptions: --columns cannot load
    // them, so the workbook's column is empty and a warning says so.
    let out = run_in(dir.path(), &["map", "--out", "model.json"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    fs::write(
        dir.path().join("tpl/xlsx.sheets.j2"),
        "[groups: Groups]\nid\ndescription: About\n",
    )
    .unwrap();
    let out = common::attackmap()
        .current_dir(dir.path())
        .args([
            "export",
            "xlsx",
            "--model",
            "model.json",
            "--template-dir",
            "tpl",
            "-o",
            "book.xlsx",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains(
            "warning: the 'About' column of the groups rows is empty: the model was built without descriptions"
        ),
        "{}",
        common::stderr(&out)
    );
}

/// `--from-context` renders a finished context: inputs, a selection and the
/// options that shape a context would be silently ignored, so they are
/// refused; the options that only change how the output is written apply.
#[test]
fn from_context_refuses_what_it_would_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("csv.context.json");
    let out = run(&[
        "export",
        "csv",
        "--context",
        "-o",
        context.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let from = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "csv",
            "--from-context",
            context.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(extra);
        bare(&args)
    };
    let plain = from(&[]);
    assert!(plain.status.success(), "{}", common::stderr(&plain));
    assert!(common::stdout(&plain).starts_with("ID,Name,Tactics,"));
    let bom = from(&["--bom"]);
    assert!(bom.status.success(), "{}", common::stderr(&bom));
    assert_eq!(&bom.stdout[..5], b"\xef\xbb\xbfID");
    let fixture = common::fixture("stix/stix20.json");
    for (extra, says) in [
        (
            vec!["--rows", "groups"],
            "--rows has no effect with --from-context",
        ),
        (
            vec!["-g", "G0016"],
            "a selection has no effect with --from-context",
        ),
        (
            vec!["--stix", fixture.to_str().unwrap()],
            "ATT&CK inputs (--stix, --data, --model) are not read with --from-context",
        ),
    ] {
        let out = from(&extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            common::stderr(&out).contains(says),
            "{extra:?}: {}",
            common::stderr(&out)
        );
        assert!(out.stdout.is_empty(), "{extra:?}");
    }
}

/// The technique IDs of a Navigator layer, each once, in order.
fn layer_ids(layer: &Value) -> Vec<String> {
    let mut ids: Vec<String> = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["techniqueID"].as_str().unwrap().to_string())
        .collect();
    ids.dedup();
    ids
}

/// A `@FILE` list that names nothing (an empty file, or only comments)
/// selects nothing — never every technique — with a warning naming the
/// file; an empty list beside other values of its kind adds nothing to
/// their union.
#[test]
fn an_empty_list_file_selects_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    fs::write(&empty, "").unwrap();
    let comments = dir.path().join("comments.txt");
    fs::write(&comments, "# no rule is tagged yet\n\n   \n").unwrap();
    let empty_arg = format!("@{}", empty.display());
    let comments_arg = format!("@{}", comments.display());
    for (flag, list) in [
        ("-t", &empty_arg),
        ("-t", &comments_arg),
        ("-g", &empty_arg),
        ("--software", &comments_arg),
        ("--campaign", &empty_arg),
        ("--mitigation", &comments_arg),
    ] {
        let out = bare(&["export", "navigator", "--no-cache", flag, list]);
        assert!(out.status.success(), "{flag}: {}", common::stderr(&out));
        let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(layer["techniques"], serde_json::json!([]), "{flag} {list}");
        assert_ne!(layer["name"], "All techniques", "{flag} {list}");
        let file = list.trim_start_matches('@');
        let err = common::stderr(&out);
        assert!(
            err.contains(&format!(
                "warning: no technique matches the selection --{} {list} ({file} is an empty list",
                match flag {
                    "-t" => "technique",
                    "-g" => "group",
                    other => other.trim_start_matches("--"),
                }
            )),
            "{flag}: {err}"
        );
    }
    // The layer says what it is.
    let out = run(&["export", "navigator", "-t", &empty_arg]);
    let layer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        layer["name"],
        format!("empty technique list {}", empty.display())
    );
    // Stdin works the same way.
    let out = common::attackmap()
        .args(["export", "csv", "--no-cache", "-t", "@-"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(common::stdout(&out).lines().count(), 1, "header only");
    assert!(
        common::stderr(&out).contains("(<stdin> is an empty list"),
        "{}",
        common::stderr(&out)
    );
    // An empty list beside other values of its kind adds nothing.
    let out = run(&["export", "navigator", "-g", &empty_arg, "-g", "G0007"]);
    let with_empty: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alone: Value =
        serde_json::from_slice(&run(&["export", "navigator", "-g", "G0007"]).stdout).unwrap();
    assert_eq!(layer_ids(&with_empty), layer_ids(&alone));
    assert_eq!(
        layer_ids(&alone),
        vec!["T1059.003", "T1071.001", "T1566.001"]
    );
    // --each of the kind of an empty list writes nothing, and says why.
    let each_dir = dir.path().join("each");
    let out = bare(&[
        "export",
        "navigator",
        "--no-cache",
        "--each",
        "group",
        "-g",
        &empty_arg,
        "-o",
        each_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!each_dir.exists(), "no file, no directory");
    assert!(
        common::stderr(&out).contains(&format!(
            "warning: --each group: no group to write a file for (--group {empty_arg} is empty); nothing was written"
        )),
        "{}",
        common::stderr(&out)
    );
}

/// A technique option given the ID of another kind of object says what
/// that ID is, instead of "unknown ID 'G0016' (did you mean G0016 …?)".
#[test]
fn a_technique_option_names_the_kind_of_a_wrong_id() {
    for (id, says) in [
        (
            "G0016",
            "'G0016' is not a technique: it is group G0016 (APT29)",
        ),
        (
            "S0154",
            "'S0154' is not a technique: it is software S0154 (Cobalt Strike)",
        ),
        (
            "TA0002",
            "'TA0002' is not a technique: it is tactic TA0002 (Execution)",
        ),
        (
            "M1038",
            "'M1038' is not a technique: it is mitigation M1038 (Execution Prevention)",
        ),
    ] {
        let err = common::expect_bad_input(&run(&["export", "navigator", "-t", id]));
        assert!(err.contains(says), "{id}: {err}");
        assert!(!err.contains("did you mean"), "{id}: {err}");
    }
    // From a file, with the file and line.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("rules.txt");
    fs::write(&list, "T1059.001\nAPT28\n").unwrap();
    let arg = format!("@{}", list.display());
    let err = common::expect_bad_input(&run(&["export", "csv", "-t", &arg]));
    assert!(
        err.contains(&format!(
            "{}:2: 'APT28' is not a technique: it is group G0007 (APT28)",
            list.display()
        )),
        "{err}"
    );
}

/// `--from-context` reads contexts only, and only for the format they
/// were written for.
#[test]
fn from_context_checks_what_the_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    common::expect_success(&run(&["export", "navigator", "-o", &path("layer.json")]));
    common::expect_success(&run(&[
        "export",
        "csv",
        "--context",
        "-o",
        &path("csv.context.json"),
    ]));
    fs::write(path("other.json"), r#"{"name": "not a context"}"#).unwrap();
    fs::write(path("list.json"), "[1, 2]").unwrap();
    let cases = [
        (
            "layer.json",
            "layer.json: not an attackmap context: it is an ATT&CK Navigator layer; --from-context reads a file written by `attackmap export FORMAT --context`".to_string(),
        ),
        (
            "csv.context.json",
            format!(
                "csv.context.json: this context was written by `attackmap export csv --context` and cannot be rendered as `export navigator`; render it with `attackmap export csv --from-context {}`",
                path("csv.context.json")
            ),
        ),
        (
            "other.json",
            "other.json: not an attackmap context: it has no `attackmap.format`".to_string(),
        ),
        (
            "list.json",
            "list.json: not an attackmap context: it is not a JSON object".to_string(),
        ),
    ];
    for (name, says) in cases {
        let out = bare(&["export", "navigator", "--from-context", &path(name)]);
        let err = common::expect_bad_input(&out);
        assert!(err.contains(&says), "{name}: {err}");
        assert!(!err.contains("undefined"), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    // The right format still renders.
    let out = bare(&["export", "csv", "--from-context", &path("csv.context.json")]);
    assert!(common::expect_success(&out).starts_with("ID,Name,Tactics,"));
}

/// `--separator ''` would glue the values of a cell together.
#[test]
fn an_empty_separator_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "xlsx"] {
        // A path of our own: a test never writes to a system file, even if
        // the refusal it checks were to break.
        let output = dir.path().join(format!("out.{format}"));
        let out = run(&[
            "export",
            format,
            "--separator",
            "",
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(!output.exists(), "{format}: nothing written");
        let err = common::expect_bad_input(&out);
        assert!(
            err.contains(
                "invalid value '' for '--separator <TEXT>': the separator must not be empty"
            ),
            "{format}: {err}"
        );
    }
    let out = run(&["export", "csv", "--separator", "|", "-t", "T1059.001"]);
    let text = common::expect_success(&out);
    assert!(
        text.contains(",M1038|M1042,Execution Prevention|Disable or Remove Feature or Program,"),
        "{text}"
    );
}

/// `--rows`, `--each` and `--score` take the singular and the plural.
#[test]
fn kind_options_take_singular_and_plural() {
    let groups = common::expect_success(&run(&["export", "csv", "--rows", "groups"]));
    assert!(groups.starts_with("ID,Name,Aliases,"), "{groups}");
    assert_eq!(groups.lines().count(), 4, "three groups: {groups}");
    let group = common::expect_success(&run(&["export", "csv", "--rows", "group"]));
    assert_eq!(group, groups);
    let technique = common::expect_success(&run(&["export", "csv", "--rows", "technique"]));
    assert_eq!(
        technique,
        common::expect_success(&run(&["export", "csv", "--rows", "techniques"]))
    );

    let dir = tempfile::tempdir().unwrap();
    for each in ["group", "groups"] {
        let out_dir = dir.path().join(each);
        common::expect_success(&run(&[
            "export",
            "csv",
            "--each",
            each,
            "-o",
            out_dir.to_str().unwrap(),
        ]));
        assert_eq!(
            files_in(&out_dir),
            vec![
                "G0007_APT28.csv",
                "G0016_APT29.csv",
                "G0032_Lazarus_Group.csv"
            ],
            "{each}"
        );
    }
    let score = |value: &str| {
        let out = run(&["export", "navigator", "-g", "G0016", "--score", value]);
        serde_json::from_slice::<Value>(&common::expect_success(&out).into_bytes()).unwrap()
    };
    assert_eq!(score("mitigation"), score("mitigations"));
    // The help shows the documented spellings only.
    let help = common::expect_success(&bare(&["export", "--help"]));
    assert!(
        help.contains(
            "[possible values: techniques, relationships, groups, software, mitigations]"
        ),
        "{help}"
    );
    assert!(
        help.contains("[possible values: group, software, campaign, technique]"),
        "{help}"
    );
}
