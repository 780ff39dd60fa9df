//! Benchmark: the stakeholder reports of a whole real release from its
//! cached model — the Excel workbook (six sheets), the technique and
//! relationship CSVs and the Markdown summary — step by step: reading the
//! cached model, building the context, rendering and writing the bytes,
//! writing the file. Prints the median of several runs.
//!
//! ```text
//! cargo run --release --example bench_reports [-- PATH [RUNS]]
//! ```
//!
//! PATH defaults to `../shared/attack/enterprise-attack-18.1.json`; the
//! benchmark says so and exits when that file is absent.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use attackmap::export::csv::CsvOptions;
use attackmap::export::table::RowKind;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, ExportOptions};
use attackmap::fsutil::write_atomic;
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

/// Times one report: (context, output, write) in ms and the bytes written.
fn report(
    model: &attackmap::Model,
    format: &str,
    options: &ExportOptions,
    out: &std::path::Path,
    runs: usize,
) -> (f64, f64, f64, usize) {
    let exporter = export::exporter(format).expect("exporter");
    let templates =
        Templates::new(&TemplateOptions::default(), exporter.template()).expect("templates");
    let (mut context, mut output, mut write) = (vec![], vec![], vec![]);
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let docs =
            export::prepare(model, &Criteria::default(), exporter, options, None).expect("context");
        context.push(t.elapsed());
        let t = Instant::now();
        let bytes =
            export::output(exporter, &templates, &docs[0].context, options).expect("output");
        output.push(t.elapsed());
        let t = Instant::now();
        write_atomic(
            &out.join(format!("report.{}", exporter.extension())),
            &bytes,
        )
        .expect("write");
        write.push(t.elapsed());
        size = bytes.len();
    }
    (median(context), median(output), median(write), size)
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
            "bench_reports: {} not found; skipping (pass a bundle path)",
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
    let mut load = Vec::new();
    let mut model = None;
    for _ in 0..runs {
        let t = Instant::now();
        model = Some(pipeline::load(&request).expect("cache hit").model);
        load.push(t.elapsed());
    }
    let model = model.expect("a model");
    println!("{} ({runs} runs, median)", path.display());
    println!("load the cached model: {:.0} ms", median(load));
    let csv = |rows| ExportOptions {
        csv: CsvOptions {
            rows,
            ..CsvOptions::default()
        },
        ..ExportOptions::default()
    };
    let reports = [
        ("xlsx", "workbook (6 sheets)", ExportOptions::default()),
        ("csv", "csv --rows techniques", csv(RowKind::Techniques)),
        (
            "csv",
            "csv --rows relationships",
            csv(RowKind::Relationships),
        ),
        ("markdown", "markdown summary", ExportOptions::default()),
    ];
    for (format, label, options) in reports {
        let (context, output, write, size) = report(&model, format, &options, out.path(), runs);
        println!(
            "{label}: context {context:.0} ms, render+write bytes {output:.0} ms, file {write:.0} ms; {:.2} MB; total {:.0} ms",
            size as f64 / 1e6,
            context + output + write
        );
    }
}
