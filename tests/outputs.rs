//! Where outputs go: symbolic links are followed (the link stays a link),
//! FIFOs and devices are written into rather than replaced, `-o DIR/`
//! names the file after the one object named however it was named,
//! `--out`/`--output` work on every command, an unwritable cache is a
//! warning, an include cycle is one error, and fix runs tidy the temporary
//! files an interrupted run left.

mod common;

use std::fs;
use std::os::unix::fs::{FileTypeExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{attackmap, expect_bad_input, expect_success, fixture, stderr, stdout, tree};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs attackmap on the example bundle, without the cache and with no
/// template directory from the environment.
fn run(args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.push("--no-cache");
    attackmap()
        .env_remove("ATTACKMAP_TEMPLATE_DIR")
        .args(&all)
        .output()
        .expect("runs attackmap")
}

/// `export csv` of the example bundle, as stdout gives it.
fn csv_on_stdout() -> Vec<u8> {
    let out = run(&["export", "csv", "-q"]);
    expect_success(&out);
    assert!(out.stdout.starts_with(b"ID,Name,"), "{}", stdout(&out));
    out.stdout
}

/// Makes a FIFO at `path`; false when `mkfifo` is not there.
fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Reads a FIFO to its end on another thread (opening it blocks until a
/// writer comes); [`Reader::bytes`] waits for what it read.
fn read_fifo(path: &Path) -> Reader {
    let path = path.to_path_buf();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(fs::read(path).unwrap()));
    Reader(receive)
}

/// What a FIFO reader read.
struct Reader(std::sync::mpsc::Receiver<Vec<u8>>);

impl Reader {
    /// The bytes read, or a failure when no writer came (a FIFO that was
    /// replaced leaves its reader waiting; the thread ends with the tests).
    fn bytes(self) -> Vec<u8> {
        self.0
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("nothing was written into the FIFO")
    }
}

#[test]
fn a_symbolic_link_output_writes_its_target_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.csv");
    fs::write(&target, "old").unwrap();
    let link = dir.path().join("linkout");
    symlink("target.csv", &link).unwrap();
    expect_success(&run(&["export", "csv", "-q", "-o", path(&link)]));
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("target.csv"));
    assert_eq!(fs::read(&target).unwrap(), csv_on_stdout());
    assert_eq!(tree(dir.path()), ["linkout", "target.csv"], "no temp file");

    // A link to a file that does not exist yet creates that file.
    fs::create_dir(dir.path().join("sub")).unwrap();
    let dangling = dir.path().join("dangling");
    symlink("sub/model.json", &dangling).unwrap();
    let out = run(&["map", "-q", "--out", path(&dangling)]);
    expect_success(&out);
    assert!(fs::symlink_metadata(&dangling).unwrap().is_symlink());
    let model: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("sub/model.json")).unwrap()).unwrap();
    assert_eq!(model["schema_version"], serde_json::json!(1));
}

#[test]
fn a_fifo_output_is_written_into_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    if !mkfifo(&fifo) {
        eprintln!("SKIPPED: mkfifo is not available");
        return;
    }
    let reader = read_fifo(&fifo);
    expect_success(&run(&["export", "csv", "-q", "-o", path(&fifo)]));
    assert_eq!(reader.bytes(), csv_on_stdout());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // sigma coverage -o and a link to the FIFO too.
    let link = dir.path().join("to-pipe");
    symlink(&fifo, &link).unwrap();
    let reader = read_fifo(&fifo);
    let rules = fixture("sigma/rules");
    let stix = fixture("sigma/attack-v18.json");
    let out = run(&[
        "sigma",
        "coverage",
        path(&rules),
        "--stix",
        path(&stix),
        "-q",
        "-o",
        path(&link),
    ]);
    expect_success(&out);
    let layer: serde_json::Value = serde_json::from_slice(&reader.bytes()).unwrap();
    assert!(
        layer["techniques"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `-o /dev/stdout` when stdout is a pipe: the bytes go down the pipe. A
/// link of our own to `/proc/self/fd/1` stands for `/dev/stdout`, so that
/// a broken attackmap could only replace that link.
#[cfg(target_os = "linux")]
#[test]
fn a_link_to_stdout_writes_down_the_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("stdout");
    symlink("/proc/self/fd/1", &link).unwrap();
    let out = run(&["export", "csv", "-q", "-o", path(&link)]);
    expect_success(&out);
    assert_eq!(out.stdout, csv_on_stdout());
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(tree(dir.path()), ["stdout"]);
}

#[test]
fn a_character_device_output_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("mynull");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("SKIPPED: not allowed to make a device file");
        return;
    }
    let out = run(&["map", "-q", "--out", path(&null)]);
    assert_eq!(expect_success(&out), format!("{}\n", null.display()));
    let meta = fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device());
    assert_eq!(tree(dir.path()), ["mynull"], "no temp file");
}

#[test]
fn each_follows_links_in_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let kept = dir.path().join("kept.json");
    fs::write(&kept, "old").unwrap();
    symlink(&kept, out_dir.join("G0016_APT29.json")).unwrap();
    expect_success(&run(&[
        "export",
        "navigator",
        "--each",
        "group",
        "-g",
        "APT29",
        "-q",
        "-o",
        path(&out_dir),
    ]));
    assert!(
        fs::symlink_metadata(out_dir.join("G0016_APT29.json"))
            .unwrap()
            .is_symlink()
    );
    let layer: serde_json::Value = serde_json::from_slice(&fs::read(&kept).unwrap()).unwrap();
    assert_eq!(layer["name"], "APT29 (G0016)", "{layer}");
}

#[test]
fn a_directory_output_is_named_after_the_one_object_however_named() {
    let cases: [(&[&str], &str); 6] = [
        (&["-g", "G0016"], "G0016_APT29.json"),
        (&["-g", "APT29"], "G0016_APT29.json"),
        (&["-g", "Cozy Bear"], "G0016_APT29.json"),
        (&["-g", "apt29", "-g", "G0016"], "G0016_APT29.json"),
        (&["--software", "Cobalt Strike"], "S0154_Cobalt_Strike.json"),
        (
            &["--campaign", "SolarWinds Compromise"],
            "C0024_SolarWinds_Compromise.json",
        ),
    ];
    for (selection, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = format!("{}/", dir.path().join("od").display());
        let mut args = vec!["export", "navigator", "-q", "-o", &out_dir];
        args.extend_from_slice(selection);
        expect_success(&run(&args));
        assert_eq!(
            tree(dir.path()),
            ["od/", &format!("od/{expected}")],
            "{selection:?}"
        );
    }
    // Two objects: the format's name.
    let dir = tempfile::tempdir().unwrap();
    let od = dir.path().join("od");
    fs::create_dir(&od).unwrap();
    expect_success(&run(&[
        "export",
        "navigator",
        "-q",
        "-o",
        path(&od),
        "-g",
        "APT29",
        "-g",
        "APT28",
    ]));
    assert_eq!(tree(&od), ["navigator.json"]);
}

/// The distinct technique IDs of a layer.
fn layer_techniques(file: &Path) -> usize {
    let layer: serde_json::Value = serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
    let ids: std::collections::BTreeSet<&str> = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["techniqueID"].as_str().unwrap())
        .collect();
    ids.len()
}

#[test]
fn the_each_summary_counts_what_the_files_hold() {
    let dir = tempfile::tempdir().unwrap();
    let od = dir.path().join("od");
    let out = run(&["export", "navigator", "--each", "group", "-o", path(&od)]);
    expect_success(&out);
    let files: Vec<PathBuf> = tree(&od).iter().map(|n| od.join(n)).collect();
    assert_eq!(files.len(), 3);
    let total: usize = files.iter().map(|f| layer_techniques(f)).sum();
    assert!(total > files.len(), "{total}");
    let expected = format!(
        "attackmap: wrote 3 navigator files to {} ({total} selected techniques in all, counted once in each file)\n",
        od.display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));

    let one = dir.path().join("one");
    let out = run(&[
        "export",
        "navigator",
        "--each",
        "group",
        "-g",
        "APT29",
        "-o",
        path(&one),
    ]);
    expect_success(&out);
    let n = layer_techniques(&one.join("G0016_APT29.json"));
    let expected = format!(
        "attackmap: wrote 1 navigator file to {} ({n} selected techniques)\n",
        one.display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
}

#[test]
fn out_and_output_work_on_every_command_that_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (i, option) in ["--out", "--output", "-o"].iter().enumerate() {
        let model = dir.path().join(format!("model{i}.json"));
        expect_success(&run(&["map", "-q", option, path(&model)]));
        assert!(
            fs::read_to_string(&model)
                .unwrap()
                .contains("\"schema_version\"")
        );

        let csv = dir.path().join(format!("out{i}.csv"));
        expect_success(&run(&["export", "csv", "-q", option, path(&csv)]));
        assert_eq!(fs::read(&csv).unwrap(), csv_on_stdout());

        let layer = dir.path().join(format!("layer{i}.json"));
        let rules = fixture("sigma/rules");
        let stix = fixture("sigma/attack-v18.json");
        expect_success(&run(&[
            "sigma",
            "coverage",
            path(&rules),
            "--stix",
            path(&stix),
            "-q",
            option,
            path(&layer),
        ]));
        let layer: serde_json::Value = serde_json::from_slice(&fs::read(&layer).unwrap()).unwrap();
        assert!(layer["techniques"].is_array());
    }
    for command in [&["map"][..], &["export"], &["sigma", "coverage"]] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = stdout(&run(&args));
        assert!(
            help.contains("--out") && help.contains("--output"),
            "{command:?}: {help}"
        );
    }
}

/// The cache file of the example bundle's model, made by a first run.
fn example_cache_entry(cache: &Path) -> PathBuf {
    let out = attackmap()
        .args(["map", "-q", "--cache-dir", path(cache)])
        .output()
        .unwrap();
    PathBuf::from(expect_success(&out).trim())
}

#[test]
fn a_cache_entry_that_cannot_be_written_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let entry = example_cache_entry(&cache);
    fs::remove_file(&entry).unwrap();
    fs::create_dir(&entry).unwrap();
    let cached = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--cache-dir", path(&cache)]);
        attackmap().args(&all).output().unwrap()
    };

    let show = cached(&["show", "G0016"]);
    assert!(
        expect_success(&show).starts_with("G0016 APT29 (group)"),
        "{}",
        stdout(&show)
    );
    let err = stderr(&show);
    let warning = format!(
        "attackmap: warning: cache file {}: cannot write: it is a directory (use --cache-dir DIR or --no-cache); going on without caching the model\n",
        entry.display()
    );
    assert!(err.contains(&warning), "{err}");
    assert!(!err.contains("cache directory"), "{err}");

    // map with --out writes the model; without, it wrote nothing: exit 2.
    let model = dir.path().join("model.json");
    let out = cached(&["map", "-q", "--out", path(&model)]);
    assert_eq!(expect_success(&out), format!("{}\n", model.display()));
    assert!(
        fs::read_to_string(&model)
            .unwrap()
            .contains("\"schema_version\"")
    );
    let err = expect_bad_input(&cached(&["map", "-q"]));
    assert!(
        err.contains(&format!("cache file {}: cannot write", entry.display()))
            && err.contains("written nowhere (give --out FILE)"),
        "{err}"
    );
    assert!(entry.is_dir(), "the directory is left alone");
}

#[test]
fn a_template_that_includes_itself_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("t");
    fs::create_dir(&templates).unwrap();
    let own = templates.join("csv.columns.j2");
    fs::write(&own, "a\n{% include \"csv.columns.j2\" %}\n").unwrap();
    let out = run(&["export", "csv", "-q", "--template-dir", path(&templates)]);
    let err = expect_bad_input(&out);
    assert_eq!(
        err,
        format!(
            "attackmap: error: template csv.columns.j2 ({}), line 2: includes itself, so \
             rendering never ends (stopped at the recursion limit)\n  at: {{% include \
             \"csv.columns.j2\" %}}\n",
            own.display()
        )
    );

    fs::write(&own, "{% include \"a.j2\" %}\n").unwrap();
    fs::write(templates.join("a.j2"), "{% include \"b.j2\" %}\n").unwrap();
    fs::write(templates.join("b.j2"), "b\n\n{% include \"a.j2\" %}\n").unwrap();
    let err = expect_bad_input(&run(&[
        "export",
        "csv",
        "-q",
        "--template-dir",
        path(&templates),
    ]));
    assert!(
        err.contains(
            "line 1: include cycle a.j2 → b.j2 → a.j2 (reached from csv.columns.j2), so \
             rendering never ends"
        ),
        "{err}"
    );
    assert!(!err.contains("caused by"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

/// Sets a file's modification time `secs` seconds into the past.
fn age(file: &Path, secs: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

#[test]
fn fix_runs_remove_the_temporary_files_an_interrupted_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    fs::copy(
        fixture("sigma/rules/revoked.yml"),
        rules.join("revoked.yml"),
    )
    .unwrap();
    let stale = rules.join(".revoked.yml.tmp-4242-0");
    let fresh = rules.join(".revoked.yml.tmp-4243-0");
    let other = rules.join(".notes.tmp-mine");
    for file in [&stale, &fresh, &other] {
        fs::write(file, "partial").unwrap();
    }
    age(&stale, 3600);
    age(&other, 3600);
    let stix = fixture("sigma/attack-v18.json");
    let fix = |extra: &str| {
        run(&[
            "sigma",
            "fix",
            path(&rules),
            "--stix",
            path(&stix),
            "-q",
            extra,
        ])
    };

    // A dry run writes nothing and tidies nothing.
    fix("--dry-run");
    assert!(stale.exists());

    let out = fix("--format=text");
    assert!(
        stdout(&out).contains("revoked.yml: fixed 3 findings"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        tree(&rules),
        [".notes.tmp-mine", ".revoked.yml.tmp-4243-0", "revoked.yml"],
        "the stale temp file of attackmap's pattern is gone; a fresh one (a live \
         run's) and other files stay"
    );
}
