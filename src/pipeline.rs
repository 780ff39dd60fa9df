//! From inputs to a model: read and hash the inputs, consult the cache,
//! otherwise parse and map, then store the result in the cache.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cache::{self, CacheRead};
use crate::error::{Error, Result};
use crate::loading::{self, LoadOptions, Warning};
use crate::mapping::{self, MapOptions};
use crate::model::Model;

/// Whether and where to cache the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CachePolicy {
    /// Do not read or write the cache.
    Off,
    /// Cache in this directory.
    Dir(PathBuf),
}

/// What to load and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// STIX inputs; empty means the example bundle embedded in the binary.
    pub stix: Vec<PathBuf>,
    /// The cache.
    pub cache: CachePolicy,
    /// Loading options.
    pub load: LoadOptions,
    /// Mapping options.
    pub map: MapOptions,
    /// Fail when loading produced warnings.
    pub strict: bool,
}

/// What happened with the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// The cache was not used.
    Off,
    /// The model came from this cache file.
    Hit(PathBuf),
    /// The model was built and written to this cache file.
    Written(PathBuf),
    /// A cache file existed but could not be used; the model was rebuilt
    /// and written over it.
    Rebuilt {
        /// The cache file.
        path: PathBuf,
        /// Why the old file was unusable.
        reason: String,
    },
    /// The model was built but could not be written to the cache. The cache
    /// is an optimisation: the run goes on with the model (and the next
    /// run maps again).
    NotWritten {
        /// The cache file.
        path: PathBuf,
        /// Why: the error, naming the cache file or directory.
        error: String,
        /// Why an old cache file was unusable, when there was one.
        unusable: Option<String>,
    },
}

/// How long each step took.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Reading and hashing the inputs.
    pub read: Duration,
    /// Reading the cache file (on a hit).
    pub cache_read: Duration,
    /// Parsing the STIX JSON.
    pub parse: Duration,
    /// Building the model.
    pub map: Duration,
    /// Writing the cache file.
    pub cache_write: Duration,
}

/// A loaded model and how it was obtained.
#[derive(Debug)]
pub struct Outcome {
    /// The model.
    pub model: Model,
    /// Warnings from loading and mapping (empty on a cache hit: the cached
    /// model lists them in `source.warnings`).
    pub warnings: Vec<Warning>,
    /// What happened with the cache.
    pub cache: CacheStatus,
    /// Whether the embedded example bundle was used.
    pub used_example: bool,
    /// The files read to get the model (the STIX inputs; for a directory,
    /// every file read in it).
    pub input_files: Vec<PathBuf>,
    /// Step timings.
    pub timings: Timings,
}

/// Loads the model for a request, through the cache.
pub fn load(request: &Request) -> Result<Outcome> {
    let started = Instant::now();
    let inputs = loading::read_inputs(&request.stix)?;
    let mut timings = Timings {
        read: started.elapsed(),
        ..Timings::default()
    };
    let used_example = request.stix.is_empty();
    let input_files: Vec<PathBuf> = inputs
        .iter()
        .filter(|i| i.kind != loading::InputKind::Embedded)
        .flat_map(|i| i.files.iter().map(|f| f.path.clone()))
        .collect();

    let key = match &request.cache {
        CachePolicy::Off => None,
        CachePolicy::Dir(_) => Some(cache::cache_key(&inputs, &request.load, &request.map)),
    };
    let cache_target = match (&request.cache, &key) {
        (CachePolicy::Dir(dir), Some(key)) => Some((dir.clone(), cache::cache_file(dir, key))),
        _ => None,
    };
    let mut unusable = None;
    if let Some((_, path)) = &cache_target {
        let t = Instant::now();
        match cache::read_cache(path) {
            CacheRead::Hit(model) if written_for(&model, &inputs, key.as_deref()) => {
                timings.cache_read = t.elapsed();
                check_strict(request, &model.source.warnings)?;
                let mut model = *model;
                model.source.cache_key = None;
                name_current_inputs(&mut model, &inputs);
                return Ok(Outcome {
                    model,
                    warnings: Vec::new(),
                    cache: CacheStatus::Hit(path.clone()),
                    used_example,
                    input_files,
                    timings,
                });
            }
            CacheRead::Hit(_) => {
                unusable = Some("it was written for other inputs".to_string());
            }
            CacheRead::Missing => {}
            CacheRead::Unusable(reason) => unusable = Some(reason),
        }
    }

    let t = Instant::now();
    // The SHA-256 of each input (recorded in the model) is computed on a
    // second thread while the first parses.
    let parsed = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| {
            for input in &inputs {
                input.sha256();
            }
        });
        let parsed = loading::parse_inputs(&inputs, &request.load);
        let _ = hashing.join();
        parsed
    })?;
    timings.parse = t.elapsed();
    let t = Instant::now();
    let (mut model, map_warnings) = mapping::build_model(&inputs, &parsed, &request.map)?;
    timings.map = t.elapsed();
    let mut warnings = parsed.warnings;
    drop(parsed.parts);
    warnings.extend(map_warnings);
    model.source.warnings = warnings.iter().map(ToString::to_string).collect();
    // Recorded in the cache file only, so a hit can check it was written
    // for these inputs.
    model.source.cache_key = key;
    check_strict(request, &model.source.warnings)?;

    let cache = match cache_target {
        None => CacheStatus::Off,
        Some((dir, path)) => {
            let t = Instant::now();
            let written = cache::write_cache(&dir, &path, &model);
            timings.cache_write = t.elapsed();
            model.source.cache_key = None;
            match (written, unusable) {
                (Err(err), unusable) => CacheStatus::NotWritten {
                    path,
                    error: err.to_string(),
                    unusable,
                },
                (Ok(()), Some(reason)) => CacheStatus::Rebuilt { path, reason },
                (Ok(()), None) => CacheStatus::Written(path),
            }
        }
    };
    Ok(Outcome {
        model,
        warnings,
        cache,
        used_example,
        input_files,
        timings,
    })
}

/// Whether a cached model was written for these inputs: the key it records
/// (the file name only holds a prefix) and its inputs' sizes agree.
fn written_for(model: &Model, inputs: &[loading::Input], key: Option<&str>) -> bool {
    let sizes_agree = model.source.inputs.len() == inputs.len()
        && model
            .source
            .inputs
            .iter()
            .zip(inputs)
            .all(|(cached, input)| cached.size == input.size);
    sizes_agree && model.source.cache_key.as_deref() == key
}

/// A cached model was written by a run that may have named its inputs
/// differently (another path to the same bytes): record this run's paths.
fn name_current_inputs(model: &mut Model, inputs: &[loading::Input]) {
    for (cached, input) in model.source.inputs.iter_mut().zip(inputs) {
        let path = input.path.display().to_string();
        if cached.path == path {
            continue;
        }
        let old_prefix = std::mem::replace(&mut cached.path, path.clone());
        cached.file_name = input
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.clone());
        for part in &mut cached.parts {
            if let Some(rest) = part.label.strip_prefix(&old_prefix) {
                part.label = format!("{path}{rest}");
            }
        }
    }
}

fn check_strict(request: &Request, warnings: &[String]) -> Result<()> {
    if request.strict && !warnings.is_empty() {
        return Err(Error::Strict {
            warnings: warnings.to_vec(),
        });
    }
    Ok(())
}

/// Loads a model from a model file written by `attackmap map --out`.
pub fn load_model_file(path: &Path) -> Result<Model> {
    cache::read_model_file(path)
}
