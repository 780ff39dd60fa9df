//! `attackmap data …` and the default input: importing local files
//! (verified by their SHA-256 against the pinned table, or marked
//! unverified), listing, paths, removal, and which data commands read when
//! given no `--stix`. Every test uses temporary data and cache directories.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant, SystemTime};

use attackmap::datastore::{DataStore, Entry};
use attackmap::error::Error;
use attackmap::loading::sha256_hex;
use attackmap::releases::ReleaseTable;
use common::{attackmap, expect_bad_input, expect_success, fixture, shared_file, stderr, tree};

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

/// The `n`-th of several distinct valid enterprise bundles that are no
/// official release (the example with `n + 1` more newlines), written in
/// `dir`; with its SHA-256.
fn nth_bundle(dir: &Path, n: usize) -> (PathBuf, String) {
    let mut bytes = fs::read(fixture("example/attackmap-example.json")).unwrap();
    bytes.extend(std::iter::repeat_n(b'\n', n + 1));
    let file = dir.join(format!("bundle-{n}.json"));
    fs::write(&file, &bytes).unwrap();
    (file, sha256_hex(&bytes))
}

/// An index entry for a file that need not exist (for tests of the index).
fn test_entry(file: &str) -> Entry {
    Entry {
        domain: "enterprise-attack".into(),
        stix_version: "2.1".into(),
        attack_version: "1.0".into(),
        file: file.into(),
        sha256: "0".repeat(64),
        size: 1,
        modified: None,
        verified: false,
        source: "test".into(),
        added: "2025-01-01T00:00:00Z".into(),
    }
}

#[test]
fn concurrent_data_adds_keep_every_entry() {
    let (temp, data) = data_dir();
    let bundles: Vec<(PathBuf, String)> = (0..6).map(|n| nth_bundle(temp.path(), n)).collect();
    let children: Vec<_> = bundles
        .iter()
        .map(|(file, _)| {
            attackmap()
                .env("ATTACKMAP_DATA_DIR", &data)
                .args(["data", "add", "--unverified", "--quiet"])
                .arg(file)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starts attackmap")
        })
        .collect();
    for child in children {
        expect_success(&child.wait_with_output().unwrap());
    }
    let mut stored: Vec<String> = listed(&data)
        .iter()
        .map(|e| e["sha256"].as_str().unwrap().to_string())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = bundles.into_iter().map(|(_, sha)| sha).collect();
    expected.sort();
    assert_eq!(stored, expected, "every add is in the index");
    let files = tree(&data);
    assert!(!files.contains(&"index.lock".to_string()), "{files:?}");
    assert_eq!(
        files.len(),
        2 + 1 + 6,
        "two dirs, index, six files: {files:?}"
    );
}

#[test]
fn threads_recording_at_once_lose_no_entry() {
    let (_temp, data) = data_dir();
    let store = DataStore::new(&data);
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let store = store.clone();
            scope.spawn(move || {
                for n in 0..15 {
                    let file = format!("enterprise-attack/2.1/t{thread}-{n}.json");
                    store.record(test_entry(&file)).unwrap();
                }
            });
        }
    });
    let files: BTreeSet<String> = store
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.file)
        .collect();
    assert_eq!(files.len(), 8 * 15);
    assert!(files.contains("enterprise-attack/2.1/t7-14.json"));
    assert!(!data.join("index.lock").exists());
}

/// Writes a lock file as another process holding it would, `age` old.
fn hold_lock(data: &Path, age: Duration) -> PathBuf {
    fs::create_dir_all(data).unwrap();
    let lock = data.join("index.lock");
    fs::write(&lock, "pid 4242 since 2020-01-01T00:00:00Z (lock 0.1)\n").unwrap();
    let file = fs::File::options().write(true).open(&lock).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
    lock
}

#[test]
fn a_stale_lock_is_taken_over_with_a_warning() {
    let (temp, data) = data_dir();
    let lock = hold_lock(&data, Duration::from_secs(10 * 60));
    let (file, sha) = nth_bundle(temp.path(), 0);
    let out = run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    );
    expect_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "warning: {}: took over a stale lock (pid 4242 since 2020-01-01T00:00:00Z (lock 0.1))",
            lock.display()
        )),
        "{err}"
    );
    assert!(!lock.exists(), "the lock is released");
    let entries = listed(&data);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["sha256"], sha.as_str());
}

#[test]
fn a_held_lock_is_waited_for_and_then_named_in_the_error() {
    let (temp, data) = data_dir();
    let lock = hold_lock(&data, Duration::ZERO);
    let store = DataStore::new(&data).with_lock_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = store.record(test_entry("a/b/c.json")).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(err, Error::DataLocked { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("{}: the data directory is locked", lock.display()))
            && message.contains("(pid 4242 since 2020-01-01T00:00:00Z (lock 0.1))"),
        "{message}"
    );
    assert!(lock.exists(), "another process's lock is left alone");
    assert!(!store.index_path().exists());

    // An import that cannot take the lock leaves no directory behind.
    let (file, _) = nth_bundle(temp.path(), 0);
    let table = ReleaseTable::official();
    let err = store.add_file(&file, &table, true).unwrap_err();
    assert!(matches!(err, Error::DataLocked { .. }), "{err}");
    assert_eq!(tree(&data), vec!["index.lock"]);

    // Released while a change waits: the change goes through.
    let store = store.with_lock_timeout(Duration::from_secs(20));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            fs::remove_file(&lock).unwrap();
        });
        store.record(test_entry("a/b/c.json")).unwrap();
    });
    assert_eq!(store.entries().unwrap().len(), 1);
    assert!(!lock.exists());
}

/// The stored file of the unverified bundle `n` (see [`nth_bundle`]).
fn stored_unverified(data: &Path, sha: &str) -> PathBuf {
    data.join(format!(
        "enterprise-attack/2.1/enterprise-attack-18.1-unverified-{}.json",
        &sha[..12]
    ))
}

/// Asserts that `args` fail because the stored file changed, and returns
/// the error.
fn expect_changed(data: &Path, args: &[&str], stored: &Path) -> String {
    let err = expect_bad_input(&run_in(data, args));
    assert!(
        err.contains(&format!(
            "{}: the stored enterprise-attack 18.1 (STIX 2.1, unverified) has changed since it was stored",
            stored.display()
        )) && err.contains("refusing to use it")
            && err.contains("attackmap data add --unverified FILE")
            && err.contains(
                "attackmap data remove --domain enterprise@18.1 --stix-version 2.1 --unverified"
            ),
        "{args:?}: {err}"
    );
    err
}

fn state_of(data: &Path) -> String {
    let entries = listed(data);
    assert_eq!(entries.len(), 1);
    entries[0]["state"].as_str().unwrap().to_string()
}

#[test]
fn a_stored_file_changed_since_it_was_stored_is_refused() {
    let (temp, data) = data_dir();
    let (file, sha) = nth_bundle(temp.path(), 0);
    expect_success(&run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    ));
    let stored = stored_unverified(&data, &sha);
    let original = fs::read(&stored).unwrap();
    assert_eq!(state_of(&data), "ok");

    // The same size, one letter of a name changed: still a valid bundle.
    let mut edited = original.clone();
    let at = find(&edited, b"\"name\": \"The MITRE Corporation\"") + 9;
    edited[at] = b'X';
    fs::write(&stored, &edited).unwrap();
    let edited_sha = sha256_hex(&edited);
    for args in [
        &["map"][..],
        &["map", "--data", "enterprise"],
        &["data", "path", "--domain", "enterprise@18.1"],
    ] {
        let err = expect_changed(&data, args, &stored);
        assert!(
            err.contains(&format!(
                "its SHA-256 is {edited_sha}, it was {sha} (same size, modified since)"
            )),
            "{err}"
        );
    }
    assert_eq!(state_of(&data), "changed");
    let table = expect_success(&run_in(&data, &["data", "list"]));
    assert!(table.contains("changed"), "{table}");

    // Another size.
    let mut longer = original.clone();
    longer.extend_from_slice(b"  ");
    fs::write(&stored, &longer).unwrap();
    let err = expect_changed(&data, &["map"], &stored);
    assert!(
        err.contains(&format!(
            "its size is {} bytes, it was {} bytes",
            original.len() + 2,
            original.len()
        )),
        "{err}"
    );

    // Importing the file again repairs the store.
    let out = run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    );
    expect_success(&out);
    assert!(
        stderr(&out).contains("added enterprise-attack 18.1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&stored).unwrap(), original);
    assert_eq!(state_of(&data), "ok");
    expect_success(&run_in(&data, &["map", "--quiet"]));
}

#[test]
fn a_touched_file_with_its_content_is_used_and_its_time_recorded() {
    let (temp, data) = data_dir();
    let (file, sha) = nth_bundle(temp.path(), 0);
    expect_success(&run_in(
        &data,
        &["data", "add", "--unverified", file.to_str().unwrap()],
    ));
    let stored = stored_unverified(&data, &sha);
    let recorded = listed(&data)[0]["modified"].as_str().unwrap().to_string();
    let past = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&stored)
        .unwrap()
        .set_modified(past)
        .unwrap();

    let out = run_in(&data, &["map"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("using the stored enterprise-attack 18.1"),
        "{}",
        stderr(&out)
    );
    let entries = listed(&data);
    assert_eq!(entries[0]["state"], "ok");
    assert_ne!(entries[0]["modified"].as_str().unwrap(), recorded);
    assert_eq!(entries[0]["modified"], "2001-09-09T01:46:40.000000000Z");
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the fixture has the text")
}

/// A verified and an unverified copy of ICS 17.1: `data remove` takes the
/// release as `--domain ics@17.1`, and `--unverified` / `--verified` pick
/// one copy; `data list` prints every path whole.
#[test]
fn remove_picks_the_verified_or_the_unverified_copy() {
    let Some(official) = shared_file("attack/ics-attack-17.1.json") else {
        return;
    };
    let (temp, data) = data_dir();
    // The official file with one more byte: the same release, unverified.
    let mut bytes = fs::read(&official).unwrap();
    bytes.extend_from_slice(b"\n");
    let copy = temp.path().join("ics-copy.json");
    fs::write(&copy, &bytes).unwrap();
    expect_success(&run_in(&data, &["data", "add", official.to_str().unwrap()]));
    expect_success(&run_in(
        &data,
        &["data", "add", "--unverified", copy.to_str().unwrap()],
    ));
    let verified = data.join("ics-attack/2.1/ics-attack-17.1.json");
    let unverified = data.join(format!(
        "ics-attack/2.1/ics-attack-17.1-unverified-{}.json",
        &sha256_hex(&bytes)[..12]
    ));
    assert!(verified.exists() && unverified.exists());

    // The table names every file by its whole path (it is the last column).
    let table = expect_success(&run_in(&data, &["data", "list"]));
    let paths: BTreeSet<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    let expected: BTreeSet<String> = [&verified, &unverified]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        paths,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        "{table}"
    );
    assert!(!table.contains('…'), "{table}");

    let err = expect_bad_input(&run_in(&data, &["data", "remove", "--domain", "ics"]));
    assert!(
        err.contains("say which release of ics-attack to remove: --domain ics@VERSION"),
        "{err}"
    );
    let err = expect_bad_input(&run_in(
        &data,
        &[
            "data",
            "remove",
            "--domain",
            "ics@17.1",
            "--version",
            "18.1",
        ],
    ));
    assert!(
        err.contains("--domain names release 17.1 and --version 18.1"),
        "{err}"
    );

    let out = run_in(
        &data,
        &["data", "remove", "--domain", "ics@17.1", "--unverified"],
    );
    expect_success(&out);
    assert!(
        stderr(&out).contains("removed ics-attack 17.1 (STIX 2.1, unverified)"),
        "{}",
        stderr(&out)
    );
    assert!(verified.exists(), "the verified copy is kept");
    assert!(!unverified.exists());
    let err = expect_bad_input(&run_in(
        &data,
        &["data", "remove", "--domain", "ics@17.1", "--unverified"],
    ));
    assert!(
        err.contains("no unverified stored ics-attack 17.1 to remove"),
        "{err}"
    );

    let out = run_in(
        &data,
        &[
            "data",
            "remove",
            "--domain",
            "ics",
            "--version",
            "17.1",
            "--verified",
        ],
    );
    expect_success(&out);
    assert!(!verified.exists());
    assert_eq!(listed(&data), Vec::<serde_json::Value>::new());
}

/// A release that `fetch` has only in STIX 2.0 (PRE-ATT&CK) is suggested
/// with `--stix-version 2.0`; one the pinned table does not have is not
/// suggested at all.
#[test]
fn missing_data_suggests_a_fetch_that_works() {
    let (_temp, data) = data_dir();
    let err = expect_bad_input(&run_in(&data, &["data", "path", "--domain", "pre"]));
    assert!(
        err.contains("no pre-attack data is stored in")
            && err.contains("run `attackmap fetch --domain pre --stix-version 2.0`"),
        "{err}"
    );
    let err = expect_bad_input(&run_in(&data, &["data", "path", "--domain", "pre@6.3"]));
    assert!(
        err.contains("run `attackmap fetch --domain pre --version 6.3 --stix-version 2.0`"),
        "{err}"
    );
    let err = expect_bad_input(&run_in(&data, &["data", "path", "--domain", "ics@17.1"]));
    assert!(
        err.contains("run `attackmap fetch --domain ics --version 17.1` "),
        "{err}"
    );
    let err = expect_bad_input(&run_in(&data, &["map", "--data", "enterprise@99.0"]));
    assert!(
        err.contains("enterprise-attack 99.0 is no official release attackmap knows")
            && err.contains("attackmap data add FILE")
            && !err.contains("attackmap fetch"),
        "{err}"
    );
}
