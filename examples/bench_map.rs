//! Benchmark: loading and mapping a real ATT&CK release, and reading the
//! cached model back. Prints the median of several runs for each step.
//!
//! ```text
//! cargo run --release --example bench_map [-- PATH [RUNS]]
//! ```
//!
//! PATH defaults to `../shared/attack/enterprise-attack-18.1.json`; the
//! benchmark says so and exits when that file is absent.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use attackmap::cache;
use attackmap::loading::{self, LoadOptions};
use attackmap::mapping::{self, MapOptions};
use attackmap::pipeline::{self, CachePolicy, Request};

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn time<T>(samples: &mut Vec<Duration>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    samples.push(start.elapsed());
    value
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/attack/enterprise-attack-18.1.json".to_string()),
    );
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(7);
    if !path.exists() {
        eprintln!(
            "bench_map: {} not found; skipping (pass a bundle path)",
            path.display()
        );
        return;
    }
    let (mut read, mut sha, mut digest, mut parse, mut map) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut ser, mut deser, mut end_to_end, mut hit) = (vec![], vec![], vec![], vec![]);
    let cache_dir = tempfile::tempdir().expect("temp dir");
    for _ in 0..runs {
        let inputs = time(&mut read, || {
            loading::read_inputs(std::slice::from_ref(&path)).unwrap()
        });
        time(&mut sha, || inputs[0].sha256().len());
        time(&mut digest, || inputs[0].content_digest());
        let parsed = time(&mut parse, || {
            loading::parse_inputs(&inputs, &LoadOptions::default()).unwrap()
        });
        let (model, _) = time(&mut map, || {
            mapping::build_model(&inputs, &parsed, &MapOptions::default()).unwrap()
        });
        let bytes = time(&mut ser, || serde_json::to_vec(&model).unwrap());
        time(&mut deser, || cache::parse_model(&path, &bytes).unwrap());
        let request = Request {
            stix: vec![path.clone()],
            cache: CachePolicy::Off,
            load: LoadOptions::default(),
            map: MapOptions::default(),
            strict: false,
        };
        time(&mut end_to_end, || pipeline::load(&request).unwrap());
        let cached = Request {
            cache: CachePolicy::Dir(cache_dir.path().to_path_buf()),
            ..request
        };
        pipeline::load(&cached).unwrap();
        time(&mut hit, || pipeline::load(&cached).unwrap());
    }
    println!("input: {} ({runs} runs, median)", path.display());
    println!("open (map the file)  {:7.1} ms", median(read));
    println!(
        "sha256 of the input  {:7.1} ms  (recorded in the model; on a miss it runs beside parsing)",
        median(sha)
    );
    println!(
        "cache-key digest     {:7.1} ms  (1 MiB chunks hashed in parallel)",
        median(digest)
    );
    println!("parse STIX           {:7.1} ms", median(parse));
    println!("map                  {:7.1} ms", median(map));
    println!("serialise model      {:7.1} ms", median(ser));
    println!("deserialise model    {:7.1} ms", median(deser));
    println!("load, no cache       {:7.1} ms", median(end_to_end));
    println!("load, cache hit      {:7.1} ms", median(hit));
}
