//! Command-line interface: argument definitions and one module per command.

mod data;
mod export;
mod fetch;
mod fixing;
mod inputs;
mod layer;
mod map;
mod output;
mod query;
mod selection;
mod show;
mod siem;
mod sigma;
mod sigma_coverage;
mod sigma_tag;
mod templates;

use clap::{Parser, Subcommand};

use attackmap::error::{EXIT_BAD_INPUT, EXIT_OK};

/// attackmap: MITRE ATT&CK as data for detection engineering.
///
/// Loads ATT&CK STIX bundles, maps every technique to the groups, software,
/// campaigns, mitigations and detections related to it, caches that enriched
/// model and answers questions about it.
///
/// Exit codes: 0 success, 1 a check found problems, 2 bad input or usage,
/// 3 internal error.
#[derive(Debug, Parser)]
#[command(name = "attackmap", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load ATT&CK, map every technique and write the enriched model (cached).
    Map(map::MapArgs),
    /// Answer questions: gaps, top techniques, groups using a set of techniques.
    #[command(subcommand)]
    Query(query::QueryCommand),
    /// Everything about one object: a technique, tactic, group, software,
    /// campaign, mitigation or detection (by ID or name).
    Show(show::ShowArgs),
    /// Download an official ATT&CK release, verify its SHA-256 against the
    /// pinned table and store it; commands then use it by default.
    Fetch(fetch::FetchArgs),
    /// The stored ATT&CK data: list, add a local file, path, remove.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Sigma rules: check and fix their ATT&CK tags against the loaded
    /// release, tag rules with techniques, map what they cover.
    #[command(subcommand)]
    Sigma(sigma::SigmaCommand),
    /// Check and fix the ATT&CK fields of Splunk, Sentinel and Elastic
    /// rule files against the loaded release.
    #[command(subcommand)]
    Siem(siem::SiemCommand),
    /// Export a selection of techniques to another tool's format (an ATT&CK
    /// Navigator layer, …) through templates.
    Export(Box<export::ExportArgs>),
    /// The export templates: list the built-in ones, show one, eject them
    /// to a directory to customise.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// ATT&CK Navigator layers: check a layer against the ATT&CK data.
    #[command(subcommand)]
    Layer(layer::LayerCommand),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    forget_empty_variables();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Map(args) => map::run(&args),
        Command::Query(command) => query::run(&command),
        Command::Show(args) => show::run(&args),
        Command::Fetch(args) => fetch::run(&args),
        Command::Data(command) => data::run(&command),
        Command::Sigma(command) => sigma::run(&command),
        Command::Siem(command) => siem::run(&command),
        Command::Export(args) => export::run(&args),
        Command::Templates(command) => templates::run(&command),
        Command::Layer(command) => layer::run(&command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("attackmap: error: {err}");
            err.exit_code()
        }
    }
}

/// attackmap's environment variables that are set but empty count as unset
/// (`ATTACKMAP_CACHE_DIR= attackmap map` uses the default cache directory
/// rather than failing with "a value is required").
fn forget_empty_variables() {
    const VARIABLES: [&str; 4] = [
        "ATTACKMAP_CACHE_DIR",
        "ATTACKMAP_DATA_DIR",
        "ATTACKMAP_TEMPLATE_DIR",
        "ATTACKMAP_STIX",
    ];
    for name in VARIABLES {
        if std::env::var_os(name).is_some_and(|v| v.is_empty()) {
            // SAFETY: called first thing in `main`, before attackmap starts
            // any thread, so nothing reads the environment concurrently.
            unsafe { std::env::remove_var(name) };
        }
    }
}
