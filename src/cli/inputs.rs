//! The options every command shares for getting a model: STIX inputs (through
//! the cache) or a model file, and the cache settings.

use std::path::PathBuf;

use clap::Args;

use attackmap::cache::looks_like_model_file;
use attackmap::error::{Error, Result};
use attackmap::fsutil::default_cache_dir;
use attackmap::loading::{LoadOptions, Warning};
use attackmap::mapping::MapOptions;
use attackmap::model::Model;
use attackmap::pipeline::{self, CachePolicy, CacheStatus, Outcome, Request};

/// How many warnings are printed one per line before the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Where the model comes from.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// ATT&CK STIX input: a bundle file (STIX 2.0 or 2.1, any domain) or a
    /// directory in the mitre/cti layout. Repeat for several domains. Default:
    /// $ATTACKMAP_STIX (paths separated like PATH), else a small example
    /// bundle built into attackmap.
    #[arg(long = "stix", value_name = "PATH", global = true)]
    pub stix: Vec<PathBuf>,

    /// Read the model from a file written by `attackmap map --out` instead of
    /// mapping STIX inputs.
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "stix")]
    pub model: Option<PathBuf>,

    /// Cache directory (default: $ATTACKMAP_CACHE_DIR, else the platform's
    /// user cache directory, e.g. ~/.cache/attackmap).
    #[arg(long, value_name = "DIR", env = "ATTACKMAP_CACHE_DIR", global = true)]
    pub cache_dir: Option<PathBuf>,

    /// Do not read or write the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Treat loading warnings (skipped objects, unknown release, …) as errors.
    #[arg(long, global = true)]
    pub strict: bool,

    /// The ATT&CK release of the inputs (e.g. 18.1), for data that does not
    /// say it; overrides what the data says.
    #[arg(long, value_name = "VERSION", global = true)]
    pub attack_version: Option<String>,

    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// A model and where it came from.
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// How it was obtained, when it was mapped from STIX.
    pub outcome: Option<OutcomeInfo>,
}

/// What the pipeline reported.
#[allow(dead_code)] // the warnings are for commands that report them
pub struct OutcomeInfo {
    /// Cache status.
    pub cache: CacheStatus,
    /// Step timings.
    pub timings: pipeline::Timings,
    /// Warnings (empty on a cache hit).
    pub warnings: Vec<Warning>,
}

impl InputArgs {
    /// The STIX paths: `--stix`, else `$ATTACKMAP_STIX`, else none (example).
    pub fn stix_paths(&self) -> Vec<PathBuf> {
        if !self.stix.is_empty() {
            return self.stix.clone();
        }
        match std::env::var_os("ATTACKMAP_STIX") {
            Some(value) if !value.is_empty() => std::env::split_paths(&value).collect(),
            _ => Vec::new(),
        }
    }

    /// The cache policy these options ask for.
    pub fn cache_policy(&self) -> Result<CachePolicy> {
        if self.no_cache {
            return Ok(CachePolicy::Off);
        }
        match self.cache_dir.clone().or_else(default_cache_dir) {
            Some(dir) => Ok(CachePolicy::Dir(dir)),
            None => Err(Error::Invalid(
                "no user cache directory is known on this system; pass --cache-dir DIR or --no-cache".to_string(),
            )),
        }
    }

    /// The pipeline request for these options.
    pub fn request(&self, map: MapOptions) -> Result<Request> {
        Ok(Request {
            stix: self.stix_paths(),
            cache: self.cache_policy()?,
            load: LoadOptions {
                attack_version: self.attack_version.clone(),
            },
            map,
            strict: self.strict,
        })
    }

    /// Loads the model: from `--model`, from a `--stix` path that holds a
    /// model, or by mapping the STIX inputs through the cache. Prints the
    /// example notice and the warnings on stderr.
    pub fn load(&self, map: MapOptions) -> Result<Loaded> {
        if let Some(model) = self.model_file() {
            let model = pipeline::load_model_file(&model)?;
            return Ok(Loaded {
                model,
                outcome: None,
            });
        }
        let request = self.request(map)?;
        if request.stix.is_empty() && !self.quiet {
            eprintln!(
                "attackmap: no --stix given and ATTACKMAP_STIX is unset: using the small example bundle built into attackmap.\n\
                 attackmap: for real data pass --stix enterprise-attack.json (from https://github.com/mitre-attack/attack-stix-data)."
            );
        }
        let outcome = pipeline::load(&request)?;
        self.report_warnings(&outcome);
        let Outcome {
            model,
            warnings,
            cache,
            timings,
            ..
        } = outcome;
        Ok(Loaded {
            model,
            outcome: Some(OutcomeInfo {
                cache,
                timings,
                warnings,
            }),
        })
    }

    /// `--model`, or a single `--stix` file that is a model file.
    fn model_file(&self) -> Option<PathBuf> {
        if let Some(model) = &self.model {
            return Some(model.clone());
        }
        match self.stix.as_slice() {
            [single] if single.is_file() && looks_like_model_file(single) => Some(single.clone()),
            _ => None,
        }
    }

    fn report_warnings(&self, outcome: &Outcome) {
        if self.quiet {
            return;
        }
        if let CacheStatus::Rebuilt { path, reason } = &outcome.cache {
            eprintln!(
                "attackmap: warning: cache file {} was unusable ({reason}); rebuilt it",
                path.display()
            );
        }
        for warning in outcome.warnings.iter().take(WARNINGS_SHOWN) {
            eprintln!("attackmap: warning: {warning}");
        }
        if outcome.warnings.len() > WARNINGS_SHOWN {
            eprintln!(
                "attackmap: … and {} more warnings",
                outcome.warnings.len() - WARNINGS_SHOWN
            );
        }
    }
}
