//! `attackmap data …` and the default input: importing local files
//! (verified by their SHA-256 against the pinned table, or marked
//! unverified), listing, paths, removal, and which data commands read when
//! given no `--stix`. Every test uses temporary data and cache directories.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use attackmap::loading::sha256_hex;
use common::{attackmap, expect_bad_input, expect_success, fixture, shared_file, stderr};

/// Runs attackmap with this data directory and a cache directory beside it.
fn run_in(data: &Path, args: &[&str]) -> Output {
    attackmap()
        .env("ATTACKMAP_DATA_DIR", data)
        .env("ATTACKMAP_CACHE_DIR", data.with_file_name("cache"))
        .args(args)
        .output()
        .expect("runs attackmap")
}

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    (temp, data)
}

/// A valid enterprise bundle that is no official release (the example with
/// one more byte), written in `dir`; with its SHA-256.
fn unknown_bundle(dir: &Path) -> (PathBuf, String) {
    let mut bytes = fs::read(fixture("example/attackmap-example.json")).unwrap();
    bytes.extend_from_slice(b"\n");
    let file = dir.join("my-enterprise.json");
    fs::write(&file, &bytes).unwrap();
    (file, sha256_hex(&bytes))
}

fn listed(data: &Path) -> Vec<serde_json::Value> {
    let out = run_in(data, &["data", "list", "--format", "json"]);
    serde_json::from_str(&expect_success(&out)).expect("data list prints JSON")
}

#[test]
fn data_add_verifies_the_official_ics_18_1_file() {
    let Some(ics) = shared_file("attack/ics-attack-18.1.json") else {
        return;
    };
    let (_temp, data) = data_dir();
    let out = run_in(&data, &["data", "add", ics.to_str().unwrap()]);
    let stored = data.join("ics-attack/2.1/ics-attack-18.1.json");
    assert_eq!(expect_success(&out).trim(), stored.display().to_string());
    let err = stderr(&out);
    assert!(
        err.contains("added ics-attack 18.1 (STIX 2.1)") && err.contains("SHA-256 verified"),
        "{err}"
    );
    assert_eq!(fs::read(&stored).unwrap(), fs::read(&ics).unwrap());

    let entries = listed(&data);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["domain"], "ics-attack");
    assert_eq!(entries[0]["attack_version"], "18.1");
    assert_eq!(entries[0]["verified"], true);
    assert_eq!(entries[0]["default"], true);
    assert_eq!(
        entries[0]["sha256"],
        "a7c0106492843485340710be9e841c1584d8fc6da8950e7097db0e7b5bc9f164"
    );

    // Adding it again copies nothing.
    let out = run_in(&data, &["data", "add", ics.to_str().unwrap()]);
    expect_success(&out);
    assert!(stderr(&out).contains("already stored"), "{}", stderr(&out));

    // `data path` and `--data ics` find it; with no --data, commands look for
    // enterprise data, find none and use the example.
    let out = run_in(&data, &["data", "path", "--domain", "ics"]);
    assert_eq!(expect_success(&out).trim(), stored.display().to_string());
    let out = run_in(&data, &["map", "--data", "ics"]);
    expect_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("using the stored ics-attack 18.1 (STIX 2.1)")
            && err.contains("— ics-attack, ATT&CK 18.1 (x-mitre-collection), STIX 2.1"),
        "{err}"
    );
    let out = run_in(&data, &["map"]);
    expect_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("no enterprise-attack data is stored in")
            && err.contains("example bundle")
            && err.contains("attackmap fetch"),
        "{err}"
    );
}

#[test]
fn two_ics_releases_default_to_the_newest_and_can_be_picked_and_removed() {
    let (Some(new), Some(old)) = (
        shared_file("attack/ics-attack-18.1.json"),
        shared_file("attack/ics-attack-17.1.json"),
    ) else {
        return;
    };
    let (_temp, data) = data_dir();
    expect_success(&run_in(&data, &["data", "add", old.to_str().unwrap()]));
    expect_success(&run_in(&data, &["data", "add", new.to_str().unwrap()]));
    let entries = listed(&data);
    let defaults: Vec<_> = entries
        .iter()
        .filter(|e| e["default"] == true)
        .map(|e| e["attack_version"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, vec!["18.1"]);

    let out = run_in(&data, &["map", "--data", "ics@17.1", "--quiet"]);
    expect_success(&out);
    let out = run_in(&data, &["data", "path", "--domain", "ics@17.1"]);
    assert!(
        expect_success(&out)
            .trim()
            .ends_with("ics-attack-17.1.json")
    );

    let out = run_in(
        &data,
        &["data", "remove", "--domain", "ics", "--version", "18.1"],
    );
    expect_success(&out);
    assert!(!data.join("ics-attack/2.1/ics-attack-18.1.json").exists());
    let out = run_in(&data, &["data", "path", "--domain", "ics"]);
    assert!(
        expect_success(&out)
            .trim()
            .ends_with("ics-attack-17.1.json")
    );
    let err = expect_bad_input(&run_in(
        &data,
        &["data", "remove", "--domain", "ics", "--version", "18.1"],
    ));
    assert!(err.contains("no stored ics-attack 18.1 to remove"), "{err}");
}

#[test]
fn an_unknown_file_needs_unverified_and_is_marked_so() {
    let (temp, data) = data_dir();
    let (file, sha) = unknown_bundle(temp.path());

    let err = expect_bad_input(&run_in(&data, &["data", "add", file.to_str().unwrap()]));
    assert!(
        err.contains(&format!(
            "SHA-256 {sha} matches no official ATT&CK release; pass --unverified"
        )),
        "{err}"
    );
    assert!(!data.exists(), "nothing is stored");

    let out = run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    );
    let stored = data.join(format!(
        "enterprise-attack/2.1/enterprise-attack-18.1-unverified-{}.json",
        &sha[..12]
    ));
    assert_eq!(expect_success(&out).trim(), stored.display().to_string());
    assert!(stderr(&out).contains("UNVERIFIED"), "{}", stderr(&out));
    let entries = listed(&data);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["verified"], false);
    assert_eq!(entries[0]["attack_version"], "18.1");
    assert_eq!(entries[0]["default"], true);
    let table = expect_success(&run_in(&data, &["data", "list"]));
    assert!(table.contains("NO"), "{table}");

    // It is the enterprise default now, and said to be unverified.
    let out = run_in(&data, &["map"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("using the stored enterprise-attack 18.1 (STIX 2.1, unverified)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn data_add_refuses_what_is_no_bundle() {
    let (temp, data) = data_dir();
    let file = temp.path().join("notes.json");
    fs::write(&file, br#"{"hello": "world"}"#).unwrap();
    let err = expect_bad_input(&run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    ));
    assert!(err.contains("not a STIX bundle"), "{err}");
    let err = expect_bad_input(&run_in(
        &data,
        &["data", "add", temp.path().to_str().unwrap()],
    ));
    assert!(err.contains("is a directory"), "{err}");
    let missing = temp.path().join("missing.json");
    let err = expect_bad_input(&run_in(&data, &["data", "add", missing.to_str().unwrap()]));
    assert!(err.contains("missing.json: cannot read"), "{err}");
    assert!(!data.exists(), "nothing is stored");
}

#[test]
fn an_empty_store_lists_nothing_and_explicit_data_is_an_error() {
    let (_temp, data) = data_dir();
    let out = run_in(&data, &["data", "list"]);
    assert_eq!(expect_success(&out), "");
    assert!(
        stderr(&out).contains("no ATT&CK data is stored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(listed(&data), Vec::<serde_json::Value>::new());
    let out = run_in(&data, &["data", "path"]);
    assert_eq!(expect_success(&out).trim(), data.display().to_string());

    let err = expect_bad_input(&run_in(&data, &["map", "--data", "mobile@17.1"]));
    assert!(
        err.contains("no mobile-attack 17.1 data is stored in")
            && err.contains("attackmap fetch --domain mobile --version 17.1"),
        "{err}"
    );
    let err = expect_bad_input(&run_in(&data, &["map", "--data", "cloud"]));
    assert!(err.contains("unknown ATT&CK domain 'cloud'"), "{err}");
    assert!(!data.exists(), "nothing was created");
}

#[test]
fn a_broken_index_is_a_clear_error() {
    let (_temp, data) = data_dir();
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("index.json"), b"{ not json").unwrap();
    for args in [&["data", "list"][..], &["map"][..]] {
        let err = expect_bad_input(&run_in(&data, args));
        assert!(
            err.contains("index.json: not a usable attackmap data index"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn stix_and_attackmap_stix_come_before_stored_data() {
    let (temp, data) = data_dir();
    let (file, _) = unknown_bundle(temp.path());
    expect_success(&run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    ));

    let example = fixture("example/attackmap-example.json");
    let out = run_in(&data, &["map", "--stix", example.to_str().unwrap()]);
    expect_success(&out);
    assert!(
        !stderr(&out).contains("using the stored"),
        "{}",
        stderr(&out)
    );

    let out = attackmap()
        .env("ATTACKMAP_DATA_DIR", &data)
        .env("ATTACKMAP_CACHE_DIR", temp.path().join("cache"))
        .env("ATTACKMAP_STIX", &example)
        .arg("map")
        .output()
        .unwrap();
    expect_success(&out);
    let err = stderr(&out);
    assert!(!err.contains("using the stored"), "{err}");
    assert!(
        err.contains(&format!("source: {}", example.display())),
        "{err}"
    );
}
