//! Benchmark: exporting a Navigator layer for every group (`--each group`)
//! from the cached model of a real release, step by step: reading the
//! cached model, building the contexts, rendering (and parsing back) the
//! layers, and writing the files. Prints the median of several runs.
//!
//! ```text
//! cargo run --release --example bench_export [-- PATH [RUNS]]
//! ```
//!
//! PATH defaults to `../shared/attack/enterprise-attack-18.1.json`; the
//! benchmark says so and exits when that file is absent.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, Each, ExportOptions};
use attackmap::fsutil::write_atomic_all;
use attackmap::loading::LoadOptions;
use attackmap::mapping::MapOptions;
use attackmap::pipeline::{self, CachePolicy, Request};
use attackmap::selection::Criteria;

/// The allocator of the `attackmap` binary, so the figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
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
            "bench_export: {} not found; skipping (pass a bundle path)",
            path.display()
        );
        return;
    }
    let cache = tempfile::tempdir().expect("temp dir");
    let out = tempfile::tempdir().expect("temp dir");
    let request = Request {
        stix: vec![path.clone()],
        cache: CachePolicy::Dir(cache.path().to_path_buf()),
        load: LoadOptions::default(),
        map: MapOptions::default(),
        strict: false,
    };
    pipeline::load(&request).expect("maps and writes the cache");

    let navigator = export::exporter("navigator").expect("navigator exporter");
    let templates =
        Templates::new(&TemplateOptions::default(), navigator.template()).expect("templates");
    let (mut load, mut prepare, mut render, mut write) = (vec![], vec![], vec![], vec![]);
    let mut files = 0;
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let model = pipeline::load(&request).expect("cache hit").model;
        load.push(t.elapsed());

        let t = Instant::now();
        let docs = export::prepare(
            &model,
            &Criteria::default(),
            navigator,
            &ExportOptions::default(),
            Some(Each::Group),
        )
        .expect("contexts");
        prepare.push(t.elapsed());

        let t = Instant::now();
        let texts: Vec<String> =
            export::parallel_map(&docs, |d| export::render(navigator, &templates, &d.context))
                .expect("renders");
        render.push(t.elapsed());

        let t = Instant::now();
        let outputs: Vec<(PathBuf, &[u8])> = docs
            .iter()
            .zip(&texts)
            .map(|(doc, text)| {
                let name = doc.file_name.as_deref().expect("file name");
                (out.path().join(name), text.as_bytes())
            })
            .collect();
        write_atomic_all(&outputs).expect("writes");
        write.push(t.elapsed());
        files = texts.len();
        bytes = texts.iter().map(String::len).sum::<usize>();
    }
    println!(
        "export navigator --each group: {files} layers, {:.1} MB, {} (median of {runs} runs)",
        bytes as f64 / 1e6,
        path.display()
    );
    let (l, p, r, w) = (median(load), median(prepare), median(render), median(write));
    println!("  read cached model   {l:8.1} ms");
    println!("  build contexts      {p:8.1} ms");
    println!("  render + parse back {r:8.1} ms");
    println!("  write files         {w:8.1} ms");
    println!("  total               {:8.1} ms", l + p + r + w);
}
