//! The `map`, `query` and `show` commands and the cache, run as a user runs
//! them: the binary, real arguments, temporary directories.

mod common;

use std::fs;
use std::path::Path;

use common::{attackmap, fixture, run, stderr, stdout};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn cache_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn map_with_no_input_uses_the_example_and_says_so() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&["map", "--cache-dir", path(cache.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("using the small example bundle built into attackmap"),
        "{err}"
    );
    assert!(
        err.contains("--stix"),
        "says how to point it at real data: {err}"
    );
    assert!(
        err.contains(
            "techniques: 12 (10 live: 5 techniques + 5 sub-techniques; 1 revoked, 1 deprecated)"
        ),
        "{err}"
    );
    // stdout names the model file, which is in the cache directory.
    let written = stdout(&out).trim().to_string();
    assert!(written.starts_with(path(cache.path())), "{written}");
    assert!(
        Path::new(&written)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("mapped_")
    );
    let model: serde_json::Value = serde_json::from_slice(&fs::read(&written).unwrap()).unwrap();
    assert_eq!(model["schema_version"], 1);
    assert_eq!(model["source"]["inputs"][0]["kind"], "embedded");
}

#[test]
fn map_out_writes_the_documented_model() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.json");
    let out = run(&[
        "map",
        "--no-cache",
        "--out",
        path(&model_path),
        "--stix",
        path(&fixture("stix/stix21.json")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let model: serde_json::Value = serde_json::from_slice(&fs::read(&model_path).unwrap()).unwrap();
    let source = &model["source"];
    assert_eq!(source["attack_version"], "17.1");
    assert_eq!(source["domains"], serde_json::json!(["enterprise-attack"]));
    assert_eq!(source["stix_versions"], serde_json::json!(["2.1"]));
    assert_eq!(source["inputs"][0]["file_name"], "stix21.json");
    assert_eq!(source["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    let t = &model["techniques"][1];
    assert_eq!(t["technique_id"], "T1059.001");
    for field in [
        "name",
        "tactics",
        "platforms",
        "is_subtechnique",
        "parent",
        "revoked",
        "deprecated",
        "revoked_by",
        "groups",
        "software",
        "campaigns",
        "mitigations",
        "detections",
        "assets",
    ] {
        assert!(t.get(field).is_some(), "technique field {field}");
    }
    assert_eq!(t["groups"][0]["id"], "G0016");
    assert_eq!(t["groups"][0]["name"], "APT29");
    assert_eq!(t["groups"][0]["relation"], "direct");
    assert_eq!(t["groups"][0]["procedure"], "APT29 used PowerShell.");
    assert!(
        t.get("description").is_none(),
        "descriptions only with --descriptions"
    );
    for list in [
        "groups",
        "software",
        "campaigns",
        "mitigations",
        "detections",
        "assets",
        "tactics",
        "domains",
    ] {
        assert!(model[list].is_array(), "top-level {list}");
    }
    // The model file is read back by every other command.
    let out = run(&["show", "G0016", "--model", path(&model_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("T1059.001  PowerShell  [direct]"),
        "{}",
        stdout(&out)
    );
    // ... also when given as --stix (recognised by its content).
    let out = run(&["show", "T1059", "--stix", path(&model_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn descriptions_are_kept_on_request() {
    let out = run(&["map", "--no-cache", "--descriptions", "--out", "-", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = model["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["technique_id"] == "T1059.001")
        .unwrap();
    assert_eq!(
        t["description"],
        "PowerShell runs commands, downloads payloads and executes code in memory."
    );
}

#[test]
fn the_cache_hits_rebuilds_and_misses() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let bundle = work.path().join("bundle.json");
    fs::copy(fixture("stix/stix20.json"), &bundle).unwrap();
    let map = || {
        run(&[
            "map",
            "--cache-dir",
            path(cache.path()),
            "--stix",
            path(&bundle),
        ])
    };

    let first = map();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("cache: miss, wrote"),
        "{}",
        stderr(&first)
    );
    let files = cache_files(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].starts_with("mapped_") && files[0].len() == "mapped_".len() + 16 + ".json".len()
    );

    let second = map();
    assert!(
        stderr(&second).contains("cache: hit"),
        "{}",
        stderr(&second)
    );
    assert_eq!(stdout(&first), stdout(&second));

    // A corrupted cache file is rebuilt with a warning.
    let cached = cache.path().join(&files[0]);
    fs::write(&cached, b"{\"schema_version\": 1, \"techniques\": [").unwrap();
    let third = map();
    assert_eq!(third.status.code(), Some(0));
    assert!(
        stderr(&third).contains("was unusable"),
        "{}",
        stderr(&third)
    );
    assert!(
        stderr(&third).contains("cache: rebuilt"),
        "{}",
        stderr(&third)
    );
    serde_json::from_slice::<serde_json::Value>(&fs::read(&cached).unwrap()).expect("valid again");

    // So is a 0-byte one, and one of another schema.
    fs::write(&cached, b"").unwrap();
    assert!(stderr(&map()).contains("file is empty"));
    fs::write(&cached, b"{\"schema_version\": 999}").unwrap();
    assert!(stderr(&map()).contains("schema_version 999"));
    assert!(stderr(&map()).contains("cache: hit"));

    // A changed input is a miss: a second file appears.
    let mut text = fs::read_to_string(&bundle).unwrap();
    text = text.replace("APT29 used PowerShell.", "APT29 used PowerShell (edited).");
    fs::write(&bundle, text).unwrap();
    let changed = map();
    assert!(
        stderr(&changed).contains("cache: miss"),
        "{}",
        stderr(&changed)
    );
    assert_eq!(cache_files(cache.path()).len(), 2);
    // No temporary files are left behind.
    assert!(
        cache_files(cache.path())
            .iter()
            .all(|f| f.starts_with("mapped_") && f.ends_with(".json"))
    );
}

#[test]
fn the_cache_directory_comes_from_the_environment() {
    let cache = tempfile::tempdir().unwrap();
    let out = attackmap()
        .args(["map", "-q"])
        .env("ATTACKMAP_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(cache_files(cache.path()).len(), 1);
}

#[test]
fn attackmap_stix_environment_variable_names_the_inputs() {
    let joined = std::env::join_paths([
        fixture("stix/stix20.json"),
        fixture("stix/mobile-small.json"),
    ])
    .unwrap();
    let out = attackmap()
        .args(["show", "G0016", "--no-cache", "-q"])
        .env("ATTACKMAP_STIX", joined)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("domains        enterprise-attack, mobile-attack"),
        "{text}"
    );
    assert!(text.contains("T1660"), "{text}");
    assert!(!stderr(&out).contains("example bundle"));
}

#[test]
fn bad_inputs_get_one_clear_line_and_exit_2() {
    let cases: &[(&str, &str)] = &[
        (
            "bad-input/empty.json",
            "bad-input/empty.json: file is empty",
        ),
        (
            "bad-input/truncated.json",
            "bad-input/truncated.json:143:6: invalid JSON: EOF while parsing",
        ),
        (
            "bad-input/not-a-bundle.json",
            "not a STIX bundle: the top level is a JSON array",
        ),
        (
            "bad-input/wrong-type.json",
            "top-level \"type\" is \"x-mitre-collection\", expected \"bundle\"",
        ),
        (
            "bad-input/no-techniques.json",
            "no ATT&CK techniques (attack-pattern objects) found",
        ),
        (
            "missing-file.json",
            "missing-file.json: cannot read: No such file",
        ),
        (
            // The techniques were there but malformed: the error says so.
            "bad-input/only-malformed-techniques.json",
            "no ATT&CK techniques (attack-pattern objects) found; 2 objects were \
             skipped, the first: ",
        ),
        (
            // Techniques skipped while mapping, not loading: the same error.
            "bad-input/no-attack-ids.json",
            "no-attack-ids.json: no ATT&CK techniques (attack-pattern objects) found; 1 object \
             was skipped: attack-pattern--5e1f0000-0000-4000-8000-000000000009 has no ATT&CK ID",
        ),
        (
            "bad-input/only-malformed-techniques.json",
            "found; 2 objects were skipped, the first: line 5, column 5: skipped an object of \
             type attack-pattern without an id: missing field `id`",
        ),
    ];
    for (file, expected) in cases {
        let out = run(&["map", "--no-cache", "--stix", path(&fixture(file))]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{file}: {err}");
        assert_eq!(
            err.lines().filter(|l| l.contains("error")).count(),
            1,
            "{file}: {err}"
        );
        assert!(!err.contains("panicked"), "{file}: {err}");
    }
    let empty_dir = tempfile::tempdir().unwrap();
    fs::write(empty_dir.path().join("notes.txt"), "not json").unwrap();
    let out = run(&["map", "--no-cache", "--stix", path(empty_dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no ATT&CK STIX files found in this directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_run_leaves_the_old_output_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.json");
    fs::write(&model_path, "previous model").unwrap();
    let out = run(&[
        "map",
        "--no-cache",
        "--out",
        path(&model_path),
        "--stix",
        path(&fixture("bad-input/truncated.json")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&model_path).unwrap(), "previous model");
    assert_eq!(
        cache_files(dir.path()),
        ["model.json"],
        "no temporary file left"
    );
    // An output path in a missing directory is an error naming it, and writes nothing.
    let nowhere = dir.path().join("missing").join("model.json");
    let out = run(&["map", "--no-cache", "-q", "--out", path(&nowhere)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing/model.json: cannot write"),
        "{}",
        stderr(&out)
    );
}

/// An unwritable cache directory is a warning naming it: the command goes
/// on with the mapped model. Only `map` without `--out`, whose product the
/// cache file is, fails.
#[test]
fn an_unwritable_cache_directory_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let cache = file.join("cache");
    let out = run(&["map", "-q", "--cache-dir", path(&cache)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cache directory {}: not writable",
            cache.display()
        )),
        "{err}"
    );
    assert!(err.contains("--no-cache"), "{err}");
    assert!(err.contains("written nowhere (give --out FILE)"), "{err}");

    let show = run(&["show", "T1027", "--cache-dir", path(&cache)]);
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    assert!(stdout(&show).starts_with("T1027 Obfuscated Files or Information (technique)"));
    assert!(
        stderr(&show).contains(&format!(
            "attackmap: warning: cache directory {}: not writable: Not a directory (os error 20) \
             (use --cache-dir DIR or --no-cache); going on without caching the model\n",
            cache.display()
        )),
        "{}",
        stderr(&show)
    );
    assert!(!stderr(&show).contains("unusable"), "{}", stderr(&show));
}

#[test]
fn strict_turns_warnings_into_a_failure() {
    let file = fixture("bad-input/wrong-field-types.json");
    let lenient = run(&["map", "--no-cache", "--stix", path(&file)]);
    assert_eq!(lenient.status.code(), Some(0));
    let err = stderr(&lenient);
    assert_eq!(err.matches("attackmap: warning:").count(), 3, "{err}");
    assert!(err.contains("warnings: 3"), "{err}");
    let strict = run(&["map", "--no-cache", "--strict", "--stix", path(&file)]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        stderr(&strict).contains("--strict: loading produced 3 warnings"),
        "{}",
        stderr(&strict)
    );
}

/// `--procedures` prints each relationship's description under the line it
/// belongs to, on the technique's side and on the other objects' side; the
/// texts are those of the example bundle's relationships.
#[test]
fn show_procedures_on_every_side_of_a_relationship() {
    let show = |id: &str| {
        let out = run(&["show", id, "--procedures", "--no-cache", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        stdout(&out)
    };
    let group = show("G0016");
    assert!(
        group.contains(
            "T1053.005  Scheduled Task  [direct]\n      APT29 created scheduled tasks to relaunch its backdoor (example)."
        ),
        "{group}"
    );
    let software = show("S0363");
    assert!(
        software.contains(
            "T1566.001  Spearphishing Attachment\n      Empire can use this technique (example)."
        ),
        "{software}"
    );
    let campaign = show("C0024");
    assert!(
        campaign.contains("T1027      Obfuscated Files or Information\n      During the SolarWinds Compromise, payloads were obfuscated (example)."),
        "{campaign}"
    );
    let mitigation = show("M1038");
    assert!(
        mitigation.contains("T1059      Command and Scripting Interpreter\n      Allow only approved interpreters to run."),
        "{mitigation}"
    );
    let without = run(&["show", "M1038", "--no-cache", "-q"]);
    assert!(!stdout(&without).contains("Allow only approved"));
}

/// Data components and analytics (ATT&CK v18) are not objects of the
/// model; `show` finds them in the example's detection strategies.
#[test]
fn show_finds_data_components_and_analytics_in_strategies() {
    let out = run(&["show", "DC0032", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("DC0032 Process Creation (data component)\n"),
        "{text}"
    );
    assert!(text.contains("in detection strategies (3)"), "{text}");
    assert!(
        text.contains("  T1566.001  Spearphishing Attachment"),
        "{text}"
    );
    let out = run(&["show", "AN1252", "--format", "json", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "analytic");
    assert_eq!(json["detection_strategies"][0]["id"], "DET0455");
    assert_eq!(json["techniques"][0]["id"], "T1059.001");
    let out = run(&["show", "DC0099", "--no-cache", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown part is still unknown"
    );
}

/// ICS assets: `show` finds them by ID, by name, by the name without its
/// abbreviation and by the abbreviation; a technique lists the assets it
/// targets; the CSV export has asset columns on request.
#[test]
fn show_and_export_ics_assets() {
    let bundle = fixture("mapping/ics-assets.json");
    let show = |id: &str| {
        let out = run(&["show", id, "--stix", path(&bundle), "--no-cache", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        stdout(&out)
    };
    let asset = show("A0001");
    assert_eq!(
        asset,
        "A0001 Programmable Logic Controller (PLC) (asset)\n\
         status         live\n\
         domains        ics-attack\n\
         url            https://attack.mitre.org/assets/A0001\n\
         platforms      Embedded\n\
         sectors        General, Electric\n\
         \n\
         related assets (2)\n\
         \x20 Field Device / Controller  [General]\n\
         \x20 Process Automation Controller (PAC)\n\
         \n\
         targeted by (1)\n\
         \x20 T0801      Live Technique\n"
    );
    for name in [
        "Programmable Logic Controller (PLC)",
        "programmable logic controller",
        "PLC",
    ] {
        assert_eq!(show(name), asset, "{name}");
    }
    let technique = show("T0801");
    assert!(
        technique.ends_with("\ntargets (1)\n  A0001      Programmable Logic Controller (PLC)\n"),
        "{technique}"
    );
    let out = run(&[
        "show",
        "A0001",
        "--stix",
        path(&bundle),
        "--no-cache",
        "-q",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sectors"], serde_json::json!(["General", "Electric"]));
    assert_eq!(json["techniques"][0]["id"], "T0801");
    let out = run(&["show", "A0009", "--stix", path(&bundle), "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown ID 'A0009'"),
        "{}",
        stderr(&out)
    );

    let out = run(&[
        "export",
        "csv",
        "--stix",
        path(&bundle),
        "--no-cache",
        "-q",
        "--columns",
        "id,asset_ids,assets",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ID,Asset IDs,Assets\n\
         T0801,A0001,Programmable Logic Controller (PLC)\n\
         T0803,A0002,Human-Machine Interface (HMI)\n"
    );
    let out = run(&[
        "query",
        "top",
        "--by",
        "assets",
        "--format",
        "csv",
        "--stix",
        path(&bundle),
        "--no-cache",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "id,name,tactics,platforms,assets\n\
         T0801,Live Technique,execution,None,1\n\
         T0803,Other Live Technique,execution,None,1\n"
    );
    // A Navigator entry's metadata names the assets the technique targets.
    let out = run(&[
        "export",
        "navigator",
        "--stix",
        path(&bundle),
        "--no-cache",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let layer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(layer["techniques"][0]["techniqueID"], "T0801");
    assert_eq!(
        layer["techniques"][0]["metadata"],
        serde_json::json!([{"name": "asset", "value": "Programmable Logic Controller (PLC) (A0001)"}])
    );
}

#[test]
fn show_answers_for_every_kind_of_object() {
    let show = |id: &str| {
        let out = run(&["show", id, "--no-cache", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        stdout(&out)
    };
    let t = show("T1059.001");
    assert!(
        t.starts_with("T1059.001 Command and Scripting Interpreter: PowerShell (sub-technique)"),
        "{t}"
    );
    assert!(
        t.contains("G0016      APT29  [both via C0024 SolarWinds Compromise]"),
        "{t}"
    );
    assert!(
        t.contains("DET0455    Abuse of PowerShell for Arbitrary Execution"),
        "{t}"
    );
    let g = show("G0016");
    assert!(
        g.contains("T1071.001  Web Protocols  [campaign via C0024 SolarWinds Compromise]"),
        "{g}"
    );
    assert!(show("S0154").contains("T1027      Obfuscated Files or Information"));
    assert!(show("M1038").contains("mitigates (2)"));
    assert!(show("C0024").contains("attributed to (1)\n  G0016      APT29"));
    assert!(
        show("TA0002").contains("techniques (5)\n  T1053      Scheduled Task/Job\n"),
        "T1059, .001, .003, T1053, .005; not the revoked or deprecated"
    );
    assert!(show("DET0455").contains("Process Creation"));
    assert!(
        show("apt29").starts_with("G0016 APT29 (group)"),
        "names and aliases resolve"
    );
    assert!(show("Cozy Bear").starts_with("G0016 APT29 (group)"));
    let revoked = show("T1086");
    assert!(
        revoked.contains("REVOKED (replaced by T1059.001)"),
        "{revoked}"
    );
    assert!(
        revoked.contains("also an old-style mitigation: PowerShell Mitigation"),
        "{revoked}"
    );
    let json: serde_json::Value = serde_json::from_str(&{
        let out = run(&["show", "T1053", "--format", "json", "--no-cache", "-q"]);
        stdout(&out)
    })
    .unwrap();
    assert_eq!(json["technique_id"], "T1053");
    assert_eq!(json["tactics"].as_array().unwrap().len(), 3);
}

#[test]
fn show_unknown_id_suggests_a_close_match() {
    let out = run(&["show", "T1059.01", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "attackmap: error: unknown ID 'T1059.01' (did you mean T1059.001 (PowerShell)?)"
    );
    let out = run(&["show", "G9999", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim(), "attackmap: error: unknown ID 'G9999'");
}

#[test]
fn queries_answer_in_table_json_and_csv() {
    let query = |args: &[&str]| {
        let mut all = vec!["query"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--no-cache", "-q"]);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // Gaps: the live techniques of the example that nothing mitigates.
    let gaps: serde_json::Value =
        serde_json::from_str(&query(&["gaps", "--format", "json"])).unwrap();
    let ids: Vec<&str> = gaps
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T1053", "T1053.005", "T1059.003"]);
    let persistence = query(&["gaps", "--tactic", "persistence", "--format", "csv"]);
    assert_eq!(
        persistence,
        "id,name,tactics,platforms,groups\n\
         T1053,Scheduled Task/Job,execution; persistence; privilege-escalation,Windows; Linux; macOS,0\n\
         T1053.005,Scheduled Task/Job: Scheduled Task,execution; persistence; privilege-escalation,Windows,2\n"
    );
    let linux = query(&["gaps", "--platform", "linux", "--format", "csv"]);
    assert_eq!(linux.lines().count(), 2, "{linux}");
    let top = query(&["top", "--by", "groups", "-n", "2"]);
    let lines: Vec<&str> = top.lines().collect();
    assert!(lines[0].starts_with("ID"), "{top}");
    assert!(
        lines[1].starts_with("T1566.001") && lines[1].ends_with('3'),
        "{top}"
    );
    assert_eq!(lines.len(), 3);
    let software = query(&["top", "--by", "software", "-n", "1", "--format", "json"]);
    assert!(
        software.contains("\"id\": \"T1059.001\"") && software.contains("\"software\": 2"),
        "{software}"
    );
    let both: serde_json::Value = serde_json::from_str(&query(&[
        "groups-using",
        "T1566.001",
        "T1053.005",
        "--format",
        "json",
    ]))
    .unwrap();
    let groups: Vec<&str> = both
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["G0016", "G0032"]);
    // Revoked techniques are skipped unless asked for.
    assert!(!query(&["top", "-n", "20"]).contains("T1086"));
    assert!(query(&["top", "-n", "20", "--include-revoked"]).contains("T1086"));
}

#[test]
fn query_input_errors_are_clear() {
    let out = run(&["query", "groups-using", "T1086", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("T1086 (PowerShell) is revoked; use T1059.001 instead"),
        "{}",
        stderr(&out)
    );
    let out = run(&["query", "gaps", "--tactic", "executon", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown tactic 'executon' (did you mean execution?)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("the loaded data has: "),
        "the message lists the tactics: {}",
        stderr(&out)
    );
    let out = run(&["query", "gaps", "--platform", "windws", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown platform 'windws' (did you mean Windows?)"),
        "{}",
        stderr(&out)
    );
    // Comma-separated IDs in one argument, as `export -t` takes them.
    let out = run(&[
        "query",
        "groups-using",
        "T1059.001,T1053.005",
        "--no-cache",
        "-q",
    ]);
    assert_eq!(
        common::expect_success(&out),
        "ID     NAME   HOW\nG0016  APT29  T1059.001: both via C0024, T1053.005: direct\n"
    );
    let out = run(&["query", "groups-using", ",", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("name at least one technique"));
    let out = run(&["query", "top", "--by", "colours", "--no-cache", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("in.json");
    fs::copy(fixture("stix/stix20.json"), &bundle).unwrap();
    let before = fs::read(&bundle).unwrap();
    for args in [
        vec![
            "map",
            "--stix",
            path(&bundle),
            "--no-cache",
            "--out",
            path(&bundle),
        ],
        vec![
            "export",
            "navigator",
            "--stix",
            path(&bundle),
            "--no-cache",
            "-o",
            path(&bundle),
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("this is an input of the run"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            fs::read(&bundle).unwrap(),
            before,
            "{args:?} left the input as it was"
        );
    }
    // Through another path to the same file, too.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    let out = run(&[
        "map",
        "--stix",
        path(&bundle),
        "--no-cache",
        "--out",
        path(&link),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn devices_and_fifos_are_not_read() {
    let out = run(&["map", "--no-cache", "--stix", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/dev/zero: cannot read: not a regular file"),
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let out = run(&["map", "--no-cache", "--stix", path(&fifo)]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "a FIFO is refused rather than waited on"
        );
    }
}

#[test]
fn a_cache_file_is_used_only_for_the_inputs_it_was_written_for() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("first.json");
    let second = work.path().join("second.json");
    fs::copy(fixture("stix/stix20.json"), &first).unwrap();
    fs::copy(fixture("stix/stix20.json"), &second).unwrap();
    let map = |p: &Path| {
        run(&[
            "map",
            "--cache-dir",
            path(cache.path()),
            "--stix",
            path(p),
            "--out",
            "-",
            "-q",
        ])
    };
    assert_eq!(map(&first).status.code(), Some(0));
    // The same bytes under another name: a hit, but the model names this run's file.
    let hit = map(&second);
    let model: serde_json::Value = serde_json::from_slice(&hit.stdout).unwrap();
    assert_eq!(model["source"]["inputs"][0]["path"], path(&second));
    assert_eq!(model["source"]["inputs"][0]["file_name"], "second.json");
    assert!(
        model["source"].get("cache_key").is_none(),
        "the key stays in the cache file"
    );
    // A cache file copied under another key is not trusted.
    let other = work.path().join("other.json");
    fs::copy(fixture("stix/mobile-small.json"), &other).unwrap();
    let out = run(&[
        "map",
        "--cache-dir",
        path(cache.path()),
        "--stix",
        path(&other),
    ]);
    let written = stdout(&out).trim().to_string();
    let cached = cache_files(cache.path());
    let existing = cache.path().join(
        cached
            .iter()
            .find(|f| !written.ends_with(f.as_str()))
            .unwrap(),
    );
    fs::copy(&existing, &written).unwrap();
    let out = run(&[
        "map",
        "--cache-dir",
        path(cache.path()),
        "--stix",
        path(&other),
    ]);
    assert!(
        stderr(&out).contains("written for other inputs"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("cache: rebuilt"), "{}", stderr(&out));
}

#[test]
fn options_are_checked_and_empty_variables_are_unset() {
    let out = run(&["map", "--no-cache", "--attack-version", "banana"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected an ATT&CK release such as 18.1"),
        "{}",
        stderr(&out)
    );
    let cache = tempfile::tempdir().unwrap();
    let out = attackmap()
        .args(["map", "-q", "--cache-dir", path(cache.path())])
        .env("ATTACKMAP_STIX", "")
        .env("ATTACKMAP_TEMPLATE_DIR", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A model file is read alone; among other `--stix` inputs it is refused
/// with a message that says what it is, not a STIX parse error.
#[test]
fn a_model_mixed_with_bundles_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("example.model.json");
    common::expect_success(&run(&["map", "--no-cache", "-q", "--out", path(&model)]));
    let alone = run(&["show", "T1059", "--stix", path(&model), "-q"]);
    assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
    let bundle = fixture("stix/stix20.json");
    let mixed = run(&[
        "show",
        "T1059",
        "--stix",
        path(&model),
        "--stix",
        path(&bundle),
        "-q",
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    let err = stderr(&mixed);
    assert!(
        err.contains("example.model.json: this is an attackmap model, which is read alone"),
        "{err}"
    );
}

#[test]
fn query_csv_guards_formula_starts_like_export_csv() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = common::fixture("reports/tricky-fields.json");
    let query = |args: &[&str]| {
        let out = common::attackmap()
            .current_dir(dir.path())
            .arg("query")
            .args(args)
            .arg("--stix")
            .arg(&tricky)
            .args(["--no-cache", "-q", "--format", "csv"])
            .output()
            .unwrap();
        common::expect_success(&out)
    };
    // Group G0901 is called "@evil": a spreadsheet would read it as a
    // formula.
    assert_eq!(
        query(&["groups-using", "T1059"]),
        "id,name,how\nG0901,'@evil,T1059: direct\nG0902,\"Grüne \"\"Gruppe\"\", Ltd.\",T1059: direct\n"
    );
    // The same cell as `export csv` writes it: one guard for both.
    let out = common::attackmap()
        .current_dir(dir.path())
        .args(["export", "csv", "--rows", "groups", "--columns", "id,name"])
        .arg("--stix")
        .arg(&tricky)
        .args(["--no-cache", "-q"])
        .output()
        .unwrap();
    let export = common::expect_success(&out);
    assert!(export.contains("G0901,'@evil\n"), "{export}");
    // Numbers are written as they are.
    let top = query(&["top", "--by", "groups"]);
    assert_eq!(
        top.lines().nth(1),
        Some("T1059,\"Command, \"\"Scripting\"\" Interpreter\",execution,Windows; Linux,2")
    );
}

/// `query groups-using` and `show` say what an ID of the wrong kind is,
/// that data sources are not modelled, and suggest a near-miss name.
#[test]
fn ids_of_other_kinds_data_sources_and_near_miss_names() {
    for (id, says) in [
        (
            "G0016",
            "'G0016' is not a technique: it is group G0016 (APT29)",
        ),
        (
            "TA0002",
            "'TA0002' is not a technique: it is tactic TA0002 (Execution)",
        ),
        (
            "C0024",
            "'C0024' is not a technique: it is campaign C0024 (SolarWinds Compromise)",
        ),
    ] {
        let out = run(&["query", "groups-using", "T1059.001", id, "--no-cache"]);
        assert_eq!(out.status.code(), Some(2), "{id}");
        assert!(stderr(&out).contains(says), "{id}: {}", stderr(&out));
        assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
    }
    let out = run(&["show", "DS0017", "--no-cache"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("'DS0017' is a data source: data sources are not part of the attackmap model"),
        "{err}"
    );
    assert!(err.contains("`attackmap show DC…`"), "{err}");
    for (query, suggestion) in [
        ("Cozy Bar", "(did you mean \"Cozy Bear\" (G0016 APT29)?)"),
        ("Lazarus Grop", "(did you mean G0032 (Lazarus Group)?)"),
        ("Cobalt Strik", "(did you mean S0154 (Cobalt Strike)?)"),
    ] {
        let out = run(&["show", query, "--no-cache"]);
        assert_eq!(out.status.code(), Some(2), "{query}");
        assert!(
            stderr(&out).contains(&format!("unknown ID or name '{query}' {suggestion}")),
            "{query}: {}",
            stderr(&out)
        );
    }
    // Far from every name: no suggestion.
    let out = run(&["show", "Zebra Qux", "--no-cache"]);
    assert!(
        stderr(&out).contains("unknown ID or name 'Zebra Qux'\n"),
        "{}",
        stderr(&out)
    );
}

/// `map --out DIR` writes DIR/model.json and prints that path on stdout;
/// `--model` given a STIX bundle points to `--stix`.
#[test]
fn map_out_into_a_directory_and_model_given_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let stix = fixture("stix/stix21.json");
    let out = run(&[
        "map",
        "--no-cache",
        "-q",
        "--out",
        path(dir.path()),
        "--stix",
        path(&stix),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = dir.path().join("model.json");
    assert_eq!(stdout(&out), format!("{}\n", written.display()));
    let model: serde_json::Value = serde_json::from_slice(&fs::read(&written).unwrap()).unwrap();
    assert_eq!(model["schema_version"], 1);
    // A path ending in / is a directory, created if missing.
    let new_dir = format!("{}/models/", dir.path().display());
    let out = run(&[
        "map",
        "--no-cache",
        "-q",
        "--out",
        &new_dir,
        "--stix",
        path(&stix),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{new_dir}model.json\n"));
    assert!(dir.path().join("models/model.json").is_file());

    let out = run(&["show", "T1059", "--model", path(&stix)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "{}: not an attackmap model: it is a STIX bundle; read STIX bundles with --stix FILE",
            stix.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// A bundle saved as UTF-16 (as some Windows editors do) is named as such,
/// with the conversion to run, instead of a JSON error at 1:1.
#[test]
fn a_utf16_bundle_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(fixture("stix/stix20.json")).unwrap();
    let little: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes, encoding) in [
        ("le.json", little, "UTF-16LE"),
        ("be.json", big, "UTF-16BE"),
    ] {
        let file = dir.path().join(name);
        fs::write(&file, bytes).unwrap();
        let out = run(&["map", "--no-cache", "-q", "--stix", path(&file)]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(
            stderr(&out).contains(&format!(
                "{name}: not a STIX bundle: the file is {encoding}; STIX bundles are UTF-8 \
                 (convert it, e.g. iconv -f {encoding} -t UTF-8)"
            )),
            "{name}: {}",
            stderr(&out)
        );
    }
}

/// Help never prints the values of the environment variables behind
/// options (a data directory can be a private path), only their names; and
/// `--domain` says that the short domain names work.
#[test]
fn help_names_environment_variables_without_their_values() {
    let secret = "/home/someone/private-attack-data";
    for args in [
        &["query", "gaps", "--help"][..],
        &["export", "--help"],
        &["data", "list", "--help"],
        &["templates", "list", "--help"],
    ] {
        let out = attackmap()
            .args(args)
            .env("ATTACKMAP_DATA_DIR", secret)
            .env("ATTACKMAP_CACHE_DIR", secret)
            .env("ATTACKMAP_TEMPLATE_DIR", secret)
            .output()
            .unwrap();
        let help = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!help.contains(secret), "{args:?} shows a value: {help}");
        let env_lines: Vec<&str> = help.lines().filter(|l| l.contains("[env:")).collect();
        assert!(!env_lines.is_empty(), "{args:?} names its variable: {help}");
        assert!(
            env_lines.iter().all(|l| !l.contains('=')),
            "{args:?}: {env_lines:?}"
        );
    }
    let help = stdout(&run(&["query", "gaps", "--help"]));
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "Only techniques of this domain (enterprise-attack, mobile-attack, ics-attack, or enterprise, mobile, ics)"
        ),
        "{help}"
    );
}
