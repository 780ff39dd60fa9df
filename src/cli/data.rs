//! `attackmap data …`: what is stored in the data directory, importing a
//! local file, where things are, and removing stored releases.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use attackmap::datastore::{DataSpec, DataStore, Entry, resolve_data_dir};
use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::releases::compare_versions;

use super::fetch::release_table;
use super::output::{Cell, Format, Table, to_json, write_stdout};

/// The `data` commands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// List the stored releases and which one each domain uses by default.
    List(ListArgs),
    /// Import a local release file, verified by its SHA-256 like a download.
    Add(AddArgs),
    /// Print the data directory, or with --domain the file commands read.
    Path(PathArgs),
    /// Remove stored releases of a domain.
    Remove(RemoveArgs),
}

/// `--data-dir`, shared by `fetch` and the `data` commands.
#[derive(Debug, Clone, Args)]
pub struct DataDirArg {
    /// Data directory where fetched releases are stored (default:
    /// $ATTACKMAP_DATA_DIR, else the platform's user data directory, e.g.
    /// ~/.local/share/attackmap).
    #[arg(
        long = "data-dir",
        value_name = "DIR",
        env = "ATTACKMAP_DATA_DIR",
        hide_env_values = true
    )]
    pub dir: Option<PathBuf>,
}

impl DataDirArg {
    /// The store in the chosen directory.
    pub fn store(&self) -> Result<DataStore> {
        resolve_data_dir(self.dir.as_deref())
            .map(open_store)
            .ok_or_else(|| {
                Error::Invalid(
                    "no user data directory is known on this system; pass --data-dir DIR"
                        .to_string(),
                )
            })
    }
}

/// The store in `dir`, printing its warnings (a stale lock taken over) on
/// stderr.
pub fn open_store(dir: PathBuf) -> DataStore {
    DataStore::new(dir).with_warnings(|message| eprintln!("attackmap: warning: {message}"))
}

/// Options of `data list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `data add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The STIX bundle file to import (an official release file, e.g. one
    /// copied into an air-gapped network).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Accept a file whose SHA-256 matches no official release; it is stored
    /// marked unverified, with the domain and release the data names.
    #[arg(long)]
    pub unverified: bool,

    #[command(flatten)]
    pub data_dir: DataDirArg,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `data path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    /// Print the stored file commands use for this domain (enterprise,
    /// mobile, ics; DOMAIN@VERSION for one release) instead of the directory.
    #[arg(long, value_name = "DOMAIN[@VERSION]")]
    pub domain: Option<String>,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Options of `data remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The domain (enterprise, mobile, ics), with the release as
    /// DOMAIN@VERSION (`ics@17.1`, `ics@all`) or given with --version.
    #[arg(long, value_name = "DOMAIN[@VERSION]")]
    pub domain: String,

    /// The ATT&CK release to remove, or `all` for every stored release of
    /// the domain (instead of DOMAIN@VERSION).
    #[arg(long = "version", value_name = "VERSION")]
    pub attack_version: Option<String>,

    /// Only files of this STIX version.
    #[arg(long, value_name = "VERSION")]
    pub stix_version: Option<String>,

    /// Only the verified files (official releases), keeping unverified
    /// copies of the same release.
    #[arg(long, conflicts_with = "unverified")]
    pub verified: bool,

    /// Only the unverified files (imported with `data add --unverified`),
    /// keeping the verified copy of the same release.
    #[arg(long)]
    pub unverified: bool,

    #[command(flatten)]
    pub data_dir: DataDirArg,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs a `data` command.
pub fn run(command: &DataCommand) -> Result<i32> {
    match command {
        DataCommand::List(args) => list(args),
        DataCommand::Add(args) => add(args),
        DataCommand::Path(args) => path(args),
        DataCommand::Remove(args) => remove(args),
    }
}

/// One row of `data list --format json`.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    path: String,
    state: &'static str,
    default: bool,
}

fn list(args: &ListArgs) -> Result<i32> {
    let store = args.data_dir.store()?;
    let entries = store.entries()?;
    let domains: BTreeSet<&str> = entries.iter().map(|e| e.domain.as_str()).collect();
    let defaults: Vec<&Entry> = domains
        .iter()
        .filter_map(|d| store.best_of(entries.iter().filter(|e| e.domain == *d)))
        .collect();
    let is_default = |e: &Entry| defaults.iter().any(|d| d.file == e.file);
    if entries.is_empty() && args.format == Format::Table {
        eprintln!(
            "attackmap: no ATT&CK data is stored in {}; run `attackmap fetch` (or `attackmap data add FILE`)",
            store.dir().display()
        );
        return Ok(EXIT_OK);
    }
    if args.format == Format::Json {
        let rows = entries
            .iter()
            .map(|entry| {
                Ok(Listed {
                    entry,
                    path: store.path_of(entry)?.display().to_string(),
                    state: store.file_state(entry).as_str(),
                    default: is_default(entry),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        return write_stdout(&to_json(&rows)?).map(|()| EXIT_OK);
    }
    let mut table = Table::new(vec![
        "domain", "version", "stix", "verified", "default", "size", "state", "added", "path",
    ]);
    for entry in &entries {
        let text = |s: &str| Cell::Text(s.to_string());
        table.rows.push(vec![
            text(&entry.domain),
            text(&entry.attack_version),
            text(&entry.stix_version),
            text(if entry.verified { "yes" } else { "NO" }),
            text(if is_default(entry) { "*" } else { "" }),
            text(&human_size(entry.size)),
            text(store.file_state(entry).as_str()),
            text(entry.added.get(..10).unwrap_or(&entry.added)),
            Cell::Whole(store.path_of(entry)?.display().to_string()),
        ]);
    }
    table.print(args.format)?;
    if args.format == Format::Table {
        eprintln!(
            "attackmap: data directory {}; * marks what commands read by default (--data DOMAIN[@VERSION] picks another)",
            store.dir().display()
        );
    }
    Ok(EXIT_OK)
}

fn add(args: &AddArgs) -> Result<i32> {
    let table = release_table(args.quiet)?;
    let store = args.data_dir.store()?;
    let added = store.add_file(&args.file, &table, args.unverified)?;
    if !args.quiet {
        let entry = &added.entry;
        let what = if entry.verified {
            "SHA-256 verified"
        } else {
            "UNVERIFIED: its SHA-256 matches no official release"
        };
        if added.already_stored {
            eprintln!("attackmap: {} is already stored ({what})", entry.label());
        } else {
            eprintln!(
                "attackmap: added {}, {}, {what}",
                entry.label(),
                human_size(entry.size)
            );
        }
    }
    write_stdout(format!("{}\n", added.path.display()).as_bytes())?;
    Ok(EXIT_OK)
}

fn path(args: &PathArgs) -> Result<i32> {
    let store = args.data_dir.store()?;
    let Some(domain) = &args.domain else {
        write_stdout(format!("{}\n", store.dir().display()).as_bytes())?;
        return Ok(EXIT_OK);
    };
    let (_, path) = store.require(&DataSpec::parse(domain)?)?;
    write_stdout(format!("{}\n", path.display()).as_bytes())?;
    Ok(EXIT_OK)
}

fn remove(args: &RemoveArgs) -> Result<i32> {
    let spec = DataSpec::parse(&args.domain)?;
    let version = removal_version(&spec, args.attack_version.as_deref())?;
    let store = args.data_dir.store()?;
    let all = version.eq_ignore_ascii_case("all");
    let matches = |e: &Entry| {
        e.domain == spec.domain
            && (all || compare_versions(&e.attack_version, &version).is_eq())
            && args
                .stix_version
                .as_deref()
                .is_none_or(|s| e.stix_version == s)
            && (!args.verified || e.verified)
            && (!args.unverified || !e.verified)
    };
    let removed = store.remove(|e| !matches(e))?;
    if removed.is_empty() {
        let which = match (args.verified, args.unverified) {
            (true, _) => " verified",
            (_, true) => " unverified",
            _ => "",
        };
        return Err(Error::Invalid(format!(
            "no{which} stored {} {version} to remove (see `attackmap data list`)",
            spec.domain
        )));
    }
    if !args.quiet {
        for entry in &removed {
            eprintln!("attackmap: removed {} ({})", entry.label(), entry.file);
        }
    }
    Ok(EXIT_OK)
}

/// The release `data remove` removes: the one of `--domain DOMAIN@VERSION`
/// or of `--version`; both must agree, and one is needed.
fn removal_version(spec: &DataSpec, flag: Option<&str>) -> Result<String> {
    match (spec.version.as_deref(), flag) {
        (Some(a), Some(b)) if !(a.eq_ignore_ascii_case(b) || compare_versions(a, b).is_eq()) => {
            Err(Error::Invalid(format!(
                "--domain names release {a} and --version {b}; give the release once"
            )))
        }
        (Some(v), _) | (None, Some(v)) => Ok(v.to_string()),
        (None, None) => Err(Error::Invalid(format!(
            "say which release of {} to remove: --domain {}@VERSION (or --version VERSION; `all` for every release)",
            spec.domain,
            spec.domain.trim_end_matches("-attack")
        ))),
    }
}

/// A size for people: `3.5 MB`, `812 kB`, `96 B` (decimal units).
pub fn human_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.0} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}
