//! Benchmark: `sigma check` over a generated set of Sigma rules against a
//! real ATT&CK release. Prints the median of several runs.
//!
//! ```text
//! cargo run --release --example bench_sigma [-- PATH [RULES [RUNS [BINARY]]]]
//! ```
//!
//! With BINARY (e.g. `target/release/attackmap`) the whole command,
//! `attackmap sigma check DIR --stix PATH` with a warm cache, is timed too.
//!
//! PATH defaults to `../shared/attack/enterprise-attack-18.1.json` (the
//! benchmark says so and exits when it is absent); RULES to 5000. The rules
//! are written into a temporary directory, 100 per sub-directory, each with
//! 3–8 tags drawn from the release's live techniques and tactics, with one
//! rule in five carrying something to fix (a revoked technique, an
//! underscore tactic, an upper-case tag, a missing tactic).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use attackmap::loading::LoadOptions;
use attackmap::mapping::MapOptions;
use attackmap::model::Model;
use attackmap::pipeline::{self, CachePolicy, Request};
use attackmap::sigma::{self, Judge};

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// A small deterministic generator (no crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn rule_text(model: &Model, i: usize, rng: &mut Lcg) -> String {
    let live: Vec<_> = model.live_techniques().collect();
    let mut tags = Vec::new();
    for _ in 0..1 + rng.next(4) {
        let t = live[rng.next(live.len())];
        let mut add = |tag: String| {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        };
        if i % 5 != 0 {
            for tactic in &t.tactics {
                add(format!("attack.{}", tactic.shortname));
            }
        }
        add(format!("attack.{}", t.technique_id.to_ascii_lowercase()));
    }
    match i % 20 {
        5 => tags.push("attack.t1086".to_string()),
        10 => tags.push("attack.defense_evasion".to_string()),
        15 => tags.push("attack.T1059.001".to_string()),
        _ => {}
    }
    tags.push("detection.threat-hunting".to_string());
    let mut text = format!(
        "title: Generated rule {i}\nid: 00000000-0000-4000-8000-{i:012}\nstatus: test\n\
         description: Generated for the sigma check benchmark.\nauthor: bench_sigma\ndate: 2025-01-10\ntags:\n"
    );
    for tag in tags {
        text.push_str(&format!("    - {tag}\n"));
    }
    text.push_str(
        "logsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        \
         CommandLine|contains: ' -enc '\n    condition: selection\nfalsepositives:\n    - Unknown\nlevel: medium\n",
    );
    text
}

fn generate(model: &Model, dir: &Path, rules: usize) {
    let mut rng = Lcg(7);
    for i in 0..rules {
        let sub = dir.join(format!("group_{:03}", i / 100));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(
            sub.join(format!("rule_{i:05}.yml")),
            rule_text(model, i, &mut rng),
        )
        .expect("write rule");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/attack/enterprise-attack-18.1.json".to_string()),
    );
    let rules: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(7);
    let binary = args.next().map(PathBuf::from);
    if !path.exists() {
        eprintln!(
            "bench_sigma: {} not found; skipping (pass a bundle path)",
            path.display()
        );
        return;
    }
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let request = Request {
        stix: vec![path.clone()],
        cache: CachePolicy::Dir(cache_dir.path().to_path_buf()),
        load: LoadOptions::default(),
        map: MapOptions::default(),
        strict: false,
    };
    pipeline::load(&request).expect("loads");
    let rules_dir = tempfile::tempdir().expect("temp dir");
    let model = pipeline::load(&request).expect("loads").model;
    generate(&model, rules_dir.path(), rules);
    let paths = vec![rules_dir.path().to_path_buf()];

    let (mut load, mut check, mut total, mut walk) = (vec![], vec![], vec![], vec![]);
    let mut summary = None;
    for _ in 0..runs {
        let started = Instant::now();
        attackmap::rulefiles::walk::rule_files(&paths, &sigma::EXTENSIONS);
        walk.push(started.elapsed());
        let start = Instant::now();
        let model = pipeline::load(&request).expect("cache hit").model;
        load.push(start.elapsed());
        let judge = Judge::new(&model);
        let started = Instant::now();
        let run = sigma::check_paths(&judge, &paths);
        check.push(started.elapsed());
        total.push(start.elapsed());
        summary = Some(run.summary());
    }
    let s = summary.expect("ran");
    println!(
        "input: {} — {rules} generated rules, {runs} runs, median; {} cores",
        path.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "findings: {} errors, {} warnings, {} fixable in {} files",
        s.errors, s.warnings, s.fixable, s.files_to_fix
    );
    println!("load model (cache hit)   {:7.1} ms", median(load));
    println!("  of which finding files {:7.1} ms", median(walk));
    println!("sigma check {rules} rules {:7.1} ms", median(check));
    println!("total                    {:7.1} ms", median(total));
    if let Some(binary) = binary {
        let command = || {
            let mut c = std::process::Command::new(&binary);
            c.args(["sigma", "check", "--quiet", "--cache-dir"])
                .arg(cache_dir.path())
                .arg("--stix")
                .arg(&path)
                .arg(rules_dir.path())
                .stdout(std::process::Stdio::null());
            c
        };
        command().status().expect("runs the binary");
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            command().status().expect("runs the binary");
            samples.push(start.elapsed());
        }
        println!(
            "attackmap sigma check    {:7.1} ms (whole command, warm cache)",
            median(samples)
        );
    }
}
