//! The options every command shares for getting a model: STIX inputs (through
//! the cache) or a model file, stored data, and the cache settings.

use std::path::PathBuf;

use clap::Args;

use attackmap::cache::looks_like_model_file;
use attackmap::datastore::{DataSpec, Entry, resolve_data_dir};
use attackmap::error::{Error, Result};
use attackmap::fsutil::default_cache_dir;
use attackmap::loading::{LoadOptions, Warning};
use attackmap::mapping::MapOptions;
use attackmap::model::Model;
use attackmap::pipeline::{self, CachePolicy, CacheStatus, Outcome, Request};

use super::data::open_store;

/// How many warnings are printed one per line before the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Where the model comes from.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// ATT&CK STIX input: a bundle file (STIX 2.0 or 2.1, any domain) or a
    /// directory in the mitre/cti layout. Repeat for several domains. Default:
    /// $ATTACKMAP_STIX (paths separated like PATH), else the newest stored
    /// enterprise release (see `attackmap fetch`), else a small example
    /// bundle built into attackmap.
    #[arg(long = "stix", value_name = "PATH", global = true)]
    pub stix: Vec<PathBuf>,

    /// Read the stored release of this domain (enterprise, mobile, ics) from
    /// the data directory: the newest, or DOMAIN@VERSION for one release.
    /// Repeat for several domains. Default: enterprise, when any is stored.
    #[arg(long = "data", value_name = "DOMAIN[@VERSION]", global = true, conflicts_with_all = ["stix", "model"])]
    pub data: Vec<String>,

    /// Data directory of `attackmap fetch` (default: $ATTACKMAP_DATA_DIR,
    /// else the platform's user data directory, e.g. ~/.local/share/attackmap).
    #[arg(
        long,
        value_name = "DIR",
        env = "ATTACKMAP_DATA_DIR",
        hide_env_values = true,
        global = true
    )]
    pub data_dir: Option<PathBuf>,

    /// Read the model from a file written by `attackmap map --out` instead of
    /// mapping STIX inputs.
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "stix")]
    pub model: Option<PathBuf>,

    /// Cache directory (default: $ATTACKMAP_CACHE_DIR, else the platform's
    /// user cache directory, e.g. ~/.cache/attackmap).
    #[arg(
        long,
        value_name = "DIR",
        env = "ATTACKMAP_CACHE_DIR",
        hide_env_values = true,
        global = true
    )]
    pub cache_dir: Option<PathBuf>,

    /// Do not read or write the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Treat loading warnings (skipped objects, unknown release, …) as errors.
    #[arg(long, global = true)]
    pub strict: bool,

    /// The ATT&CK release of the inputs (e.g. 18.1), for data that does not
    /// say it; overrides what the data says.
    #[arg(long, value_name = "VERSION", global = true, value_parser = parse_release)]
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
    /// The files read for it (STIX inputs or the model file): outputs must
    /// not overwrite them.
    pub input_files: Vec<PathBuf>,
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

/// Where the STIX inputs come from.
pub enum StixSource {
    /// `--stix` or `$ATTACKMAP_STIX`.
    Paths(Vec<PathBuf>),
    /// Releases stored by `attackmap fetch` or `attackmap data add`.
    Stored(Vec<(Entry, PathBuf)>),
    /// Nothing given and nothing stored: the embedded example. Holds the data
    /// directory that was looked in, if one is known.
    Example(Option<PathBuf>),
}

impl StixSource {
    /// The paths to read; empty for the example.
    pub fn paths(&self) -> Vec<PathBuf> {
        match self {
            StixSource::Paths(paths) => paths.clone(),
            StixSource::Stored(stored) => stored.iter().map(|(_, p)| p.clone()).collect(),
            StixSource::Example(_) => Vec::new(),
        }
    }
}

impl InputArgs {
    /// Where the STIX inputs come from: `--stix`, else the stored releases
    /// of `--data`, else `$ATTACKMAP_STIX`, else the newest stored enterprise
    /// release, else the embedded example.
    pub fn stix_source(&self) -> Result<StixSource> {
        if !self.stix.is_empty() {
            return Ok(StixSource::Paths(self.stix.clone()));
        }
        let store = resolve_data_dir(self.data_dir.as_deref()).map(open_store);
        if !self.data.is_empty() {
            let store = store.ok_or_else(|| {
                Error::Invalid(
                    "--data: no user data directory is known on this system; pass --data-dir DIR"
                        .to_string(),
                )
            })?;
            let stored = self
                .data
                .iter()
                .map(|text| store.require(&DataSpec::parse(text)?));
            return Ok(StixSource::Stored(stored.collect::<Result<_>>()?));
        }
        if let Some(value) = std::env::var_os("ATTACKMAP_STIX").filter(|v| !v.is_empty()) {
            return Ok(StixSource::Paths(std::env::split_paths(&value).collect()));
        }
        let Some(store) = store else {
            return Ok(StixSource::Example(None));
        };
        let default = DataSpec::parse("enterprise")?;
        Ok(match store.resolve(&default)? {
            Some(found) => StixSource::Stored(vec![found]),
            None => StixSource::Example(Some(store.dir().to_path_buf())),
        })
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

    /// The pipeline request for these options and STIX paths.
    pub fn request(&self, stix: Vec<PathBuf>, map: MapOptions) -> Result<Request> {
        Ok(Request {
            stix,
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
        if let Some(model) = self.model_file()? {
            let input_files = vec![model.clone()];
            let model = pipeline::load_model_file(&model)?;
            return Ok(Loaded {
                model,
                outcome: None,
                input_files,
            });
        }
        let source = self.stix_source()?;
        if !self.quiet {
            notice(&source);
        }
        let request = self.request(source.paths(), map)?;
        let outcome = pipeline::load(&request)?;
        self.report_warnings(&outcome);
        let Outcome {
            model,
            warnings,
            cache,
            timings,
            input_files,
            ..
        } = outcome;
        Ok(Loaded {
            model,
            input_files,
            outcome: Some(OutcomeInfo {
                cache,
                timings,
                warnings,
            }),
        })
    }

    /// `--model`, or a single `--stix` file that is a model file. A model
    /// among several `--stix` inputs is refused: it is already mapped and
    /// cannot be merged with bundles.
    fn model_file(&self) -> Result<Option<PathBuf>> {
        if let Some(model) = &self.model {
            return Ok(Some(model.clone()));
        }
        let is_model = |p: &PathBuf| p.is_file() && looks_like_model_file(p);
        match self.stix.as_slice() {
            [single] if is_model(single) => Ok(Some(single.clone())),
            several => match several.iter().find(|p| is_model(p)) {
                Some(model) => Err(Error::Invalid(format!(
                    "{}: this is an attackmap model, which is read alone (--model FILE or a \
                     single --stix path); map the STIX bundles it came from together with the \
                     other inputs instead",
                    model.display()
                ))),
                None => Ok(None),
            },
        }
    }

    fn report_warnings(&self, outcome: &Outcome) {
        if self.quiet {
            return;
        }
        match &outcome.cache {
            CacheStatus::Rebuilt { path, reason } => eprintln!(
                "attackmap: warning: cache file {} was unusable ({reason}); rebuilt it",
                path.display()
            ),
            CacheStatus::NotWritten {
                path,
                error,
                unusable,
            } => {
                if let Some(reason) = unusable {
                    eprintln!(
                        "attackmap: warning: cache file {} is unusable ({reason})",
                        path.display()
                    );
                }
                eprintln!("attackmap: warning: {error}; going on without caching the model");
            }
            _ => {}
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

/// Says on stderr which data is used when no `--stix` was given.
fn notice(source: &StixSource) {
    match source {
        StixSource::Paths(_) => {}
        StixSource::Stored(stored) => {
            for (entry, path) in stored {
                eprintln!(
                    "attackmap: using the stored {}: {}",
                    entry.label(),
                    path.display()
                );
            }
        }
        StixSource::Example(dir) => {
            let stored = match dir {
                Some(dir) => format!(
                    " and no enterprise-attack data is stored in {}",
                    dir.display()
                ),
                None => String::new(),
            };
            eprintln!(
                "attackmap: no --stix given, ATTACKMAP_STIX is unset{stored}: using the small example bundle built into attackmap.\n\
                 attackmap: for real data run `attackmap fetch` (downloads and verifies the latest enterprise release), or pass --stix FILE."
            );
        }
    }
}

/// `--attack-version`: a release number as ATT&CK writes them (`18`,
/// `18.1`, `11.0-beta`).
fn parse_release(text: &str) -> std::result::Result<String, String> {
    let (number, suffix) = text.split_once('-').unwrap_or((text, ""));
    let parts: Vec<&str> = number.split('.').collect();
    let numeric = parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    let suffix_ok = suffix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if numeric && suffix_ok && (suffix.is_empty() || !text.ends_with('-')) {
        Ok(text.to_string())
    } else {
        Err("expected an ATT&CK release such as 18.1".to_string())
    }
}
