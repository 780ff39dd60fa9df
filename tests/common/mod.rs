//! Helpers shared by the integration tests: where the real ATT&CK data is,
//! loading a release once per test binary, and running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use attackmap::loading::LoadOptions;
use attackmap::mapping::MapOptions;
use attackmap::model::Model;
use attackmap::pipeline::{self, CachePolicy, Request};

/// `../shared` beside the repository (or `$ATTACKMAP_SHARED`), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ATTACKMAP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join("attack").is_dir().then_some(dir)
}

/// A file below `../shared`, or `None` with a message saying the test is
/// skipped.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    match shared_dir()
        .map(|d| d.join(relative))
        .filter(|p| p.exists())
    {
        Some(path) => Some(path),
        None => {
            eprintln!(
                "SKIPPED: ../shared/{relative} is absent (real ATT&CK data is not in this checkout)"
            );
            None
        }
    }
}

/// Maps STIX files without the cache.
pub fn map_files(paths: &[PathBuf]) -> Model {
    let request = Request {
        stix: paths.to_vec(),
        cache: CachePolicy::Off,
        load: LoadOptions::default(),
        map: MapOptions::default(),
        strict: false,
    };
    pipeline::load(&request).expect("maps").model
}

/// The enterprise 18.1 model, mapped once per test binary.
pub fn enterprise() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| shared_file("attack/enterprise-attack-18.1.json").map(|p| map_files(&[p])))
        .as_ref()
}

/// A fixture file of this repository.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// Maps one fixture bundle (or directory).
pub fn fixture_model(relative: &str) -> Model {
    map_files(&[fixture(relative)])
}

/// The `attackmap` binary, with a clean environment for its variables. The
/// data directory is one that holds nothing (and is never created), so that
/// releases a user fetched never change what a test reads; tests of stored
/// data pass `--data-dir` with a temporary directory.
pub fn attackmap() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_attackmap"));
    command
        .env_remove("ATTACKMAP_STIX")
        .env_remove("ATTACKMAP_CACHE_DIR")
        .env_remove("ATTACKMAP_TEST_RELEASES")
        .env("ATTACKMAP_DATA_DIR", no_data_dir());
    command
}

/// A data directory path with nothing in it: below the system's temporary
/// directory, named for this process, never created.
pub fn no_data_dir() -> PathBuf {
    std::env::temp_dir().join(format!("attackmap-test-no-data-{}", std::process::id()))
}

/// Runs the binary with these arguments.
pub fn run(args: &[&str]) -> Output {
    attackmap().args(args).output().expect("runs attackmap")
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that the run succeeded; returns its stdout.
pub fn expect_success(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

/// Asserts that the run failed with exit code 2 (bad input or usage);
/// returns its stderr.
pub fn expect_bad_input(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stderr(output)
}

/// Every file and directory below `dir`, relative, `/`-separated,
/// directories ending in `/`, sorted; empty when `dir` does not exist.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.strip_prefix(root).unwrap().to_string_lossy();
            let name = name.replace('\\', "/");
            if path.is_dir() {
                found.push(format!("{name}/"));
                walk(root, &path, found);
            } else {
                found.push(name);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}
