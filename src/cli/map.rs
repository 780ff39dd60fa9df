//! `attackmap map`: load ATT&CK, map every technique, write the enriched model.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use attackmap::cache::model_to_json;
use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::fsutil::{refuse_overwriting_inputs, write_atomic};
use attackmap::mapping::MapOptions;
use attackmap::model::Model;
use attackmap::pipeline::{CacheStatus, Timings};
use attackmap::text::plural;

use super::inputs::{InputArgs, Loaded};
use super::output::write_stdout;

/// Options of `attackmap map`.
#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Also write the model to this file, or into this directory as
    /// model.json (an existing directory, or a path ending in /); `-` for
    /// stdout. Written atomically; stdout then names this file.
    #[arg(long, short, visible_alias = "output", value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,

    /// Write compact JSON to --out instead of indented JSON.
    #[arg(long)]
    pub compact: bool,

    /// Keep the descriptions of techniques, tactics and other objects in the
    /// model (procedure examples on relationships are always kept).
    #[arg(long)]
    pub descriptions: bool,

    /// Print how long each step took (read, cache, parse, map, cache write).
    #[arg(long)]
    pub timings: bool,
}

/// Runs `attackmap map`.
pub fn run(args: &MapArgs) -> Result<i32> {
    let started = Instant::now();
    let loaded = args.inputs.load(MapOptions {
        descriptions: args.descriptions,
    })?;
    let written = match &args.out {
        Some(path) if path.as_os_str() == "-" => {
            write_stdout(&model_to_json(&loaded.model, !args.compact)?)?;
            None
        }
        Some(path) => {
            let path = out_file(path)?;
            refuse_overwriting_inputs(&path, &loaded.input_files)?;
            write_atomic(&path, &model_to_json(&loaded.model, !args.compact)?)?;
            Some(path)
        }
        None => None,
    };
    if !args.inputs.quiet {
        eprint!(
            "{}",
            summary(&loaded, started.elapsed().as_secs_f64() * 1000.0)
        );
    }
    if args.timings {
        if let Some(outcome) = &loaded.outcome {
            eprint!("{}", timings(&outcome.timings));
        }
    }
    let to_print = written.or_else(|| match loaded.outcome.as_ref().map(|o| &o.cache) {
        Some(
            CacheStatus::Hit(p) | CacheStatus::Written(p) | CacheStatus::Rebuilt { path: p, .. },
        ) => Some(p.clone()),
        _ => None,
    });
    if let (Some(path), false) = (to_print, args.out.as_deref() == Some("-".as_ref())) {
        write_stdout(format!("{}\n", path.display()).as_bytes())?;
    }
    match loaded.outcome.as_ref().map(|o| &o.cache) {
        Some(CacheStatus::NotWritten { error, .. }) if args.out.is_none() => {
            Err(Error::ModelNotWritten {
                reason: error.clone(),
            })
        }
        _ => Ok(EXIT_OK),
    }
}

/// The file name `--out DIR` writes into the directory.
pub const DEFAULT_MODEL_FILE: &str = "model.json";

/// The file `--out` names: the path itself, or [`DEFAULT_MODEL_FILE`] in it
/// when it is an existing directory or ends in a path separator (the
/// directory is then created if missing).
fn out_file(path: &Path) -> Result<PathBuf> {
    let names_dir = path.as_os_str().to_string_lossy().ends_with(['/', '\\']);
    if !path.is_dir() && !names_dir {
        return Ok(path.to_path_buf());
    }
    std::fs::create_dir_all(path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.join(DEFAULT_MODEL_FILE))
}

/// The run's summary for stderr: sources, counts, warnings, cache.
fn summary(loaded: &Loaded, elapsed_ms: f64) -> String {
    let model = &loaded.model;
    let mut s = String::new();
    for input in &model.source.inputs {
        for part in &input.parts {
            s.push_str(&format!(
                "source: {} — {}, ATT&CK {}{}, STIX {}, {} objects\n",
                part.label,
                part.domain.as_deref().unwrap_or("unknown domain"),
                part.attack_version.as_deref().unwrap_or("unknown"),
                part.attack_version_source
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default(),
                part.stix_version.as_deref().unwrap_or("unknown"),
                part.objects
            ));
        }
    }
    s.push_str(&counts(model));
    s.push_str(&format!("warnings: {}\n", model.source.warnings.len()));
    let cache = match loaded.outcome.as_ref().map(|o| &o.cache) {
        None => "model file".to_string(),
        Some(CacheStatus::Off) => "off (--no-cache)".to_string(),
        Some(CacheStatus::Hit(p)) => format!("hit {}", p.display()),
        Some(CacheStatus::Written(p)) => format!("miss, wrote {}", p.display()),
        Some(CacheStatus::Rebuilt { path, .. }) => format!("rebuilt {}", path.display()),
        Some(CacheStatus::NotWritten { path, .. }) => format!("not written {}", path.display()),
    };
    s.push_str(&format!("cache: {cache}\n"));
    s.push_str(&format!("done in {elapsed_ms:.0} ms\n"));
    s
}

fn timings(t: &Timings) -> String {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    format!(
        "timings: read {:.1} ms, cache read {:.1} ms, parse {:.1} ms, map {:.1} ms, cache write {:.1} ms\n",
        ms(t.read),
        ms(t.cache_read),
        ms(t.parse),
        ms(t.map),
        ms(t.cache_write)
    )
}

fn counts(model: &Model) -> String {
    let live: Vec<_> = model.live_techniques().collect();
    let subs = live.iter().filter(|t| t.is_subtechnique).count();
    let revoked = model.techniques.iter().filter(|t| t.revoked).count();
    let deprecated = model.techniques.iter().filter(|t| t.deprecated).count();
    let live_count = |infos: &mut dyn Iterator<Item = &attackmap::model::ObjectInfo>| {
        infos.filter(|i| !i.revoked && !i.deprecated).count()
    };
    // Assets are ICS only: the line names them only when the data has some.
    let assets = match live_count(&mut model.assets.iter().map(|a| &a.info)) {
        0 if model.assets.is_empty() => String::new(),
        n => format!(", assets: {n}"),
    };
    format!(
        "techniques: {} ({} live: {} + {}; {} revoked, {} deprecated)\n\
         tactics: {}, groups: {}, software: {}, campaigns: {}, mitigations: {}, detections: {}{assets} (live)\n",
        model.techniques.len(),
        live.len(),
        plural(live.len() - subs, "technique", "techniques"),
        plural(subs, "sub-technique", "sub-techniques"),
        revoked,
        deprecated,
        model.tactics.len(),
        live_count(&mut model.groups.iter().map(|g| &g.info)),
        live_count(&mut model.software.iter().map(|s| &s.info)),
        live_count(&mut model.campaigns.iter().map(|c| &c.info)),
        live_count(&mut model.mitigations.iter().map(|m| &m.info)),
        live_count(&mut model.detections.iter().map(|d| &d.info)),
    )
}
