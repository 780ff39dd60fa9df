//! `attackmap layer check FILE...`: validate ATT&CK Navigator layers against
//! the loaded ATT&CK data.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use attackmap::error::{EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, Error, Result};
use attackmap::layer_check::{self, Finding, Severity};
use attackmap::mapping::MapOptions;
use attackmap::text::plural;

use super::inputs::InputArgs;
use super::output::{to_json, write_stdout};

/// The layer commands.
#[derive(Debug, Subcommand)]
pub enum LayerCommand {
    /// Check layers (one layer or an array of layers per file) against the
    /// ATT&CK data: unknown, revoked or deprecated technique IDs, techniques
    /// under a tactic they do not belong to, string scores, version fields,
    /// domain, platforms, gradient, metadata. Exit 1 when an error or warning
    /// is found, 2 when a file cannot be read or parsed.
    Check(CheckArgs),
}

/// `layer check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Layer files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `layer check` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One `file: severity: location: message` line per finding.
    Text,
    /// A JSON array of findings, each with its file.
    Json,
}

/// A finding with its file, for JSON output.
#[derive(Debug, Serialize)]
struct FileFinding<'a> {
    file: String,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// Runs a layer command.
pub fn run(command: &LayerCommand) -> Result<i32> {
    match command {
        LayerCommand::Check(args) => check(args),
    }
}

fn check(args: &CheckArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let mut results: Vec<(String, Vec<Finding>)> = Vec::new();
    let mut unreadable: Vec<(String, Finding)> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        match layer_check::check_file(&loaded.model, path) {
            Ok(findings) => results.push((name, findings)),
            Err(err @ (Error::Read { .. } | Error::Json { .. } | Error::EmptyFile { .. })) => {
                eprintln!("attackmap: error: {err}");
                unreadable.push((name, unreadable_finding(&err)));
            }
            Err(err) => return Err(err),
        }
    }
    let problems = results
        .iter()
        .flat_map(|(_, f)| f)
        .filter(|f| f.severity != Severity::Note)
        .count();
    match args.format {
        CheckFormat::Text => {
            let mut out = String::new();
            for (file, findings) in &results {
                for f in findings {
                    out.push_str(&format!(
                        "{file}: {}: {}: {}\n",
                        f.severity.as_str(),
                        f.location(),
                        f.message
                    ));
                }
            }
            write_stdout(out.as_bytes())?;
            if !args.inputs.quiet {
                for (file, findings) in &results {
                    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
                    eprintln!(
                        "attackmap: {file}: {}, {}, {}",
                        plural(count(Severity::Error), "error", "errors"),
                        plural(count(Severity::Warning), "warning", "warnings"),
                        plural(count(Severity::Note), "note", "notes")
                    );
                }
            }
        }
        CheckFormat::Json => {
            let unread = unreadable.iter().map(|(file, finding)| FileFinding {
                file: file.clone(),
                finding,
            });
            let all: Vec<FileFinding<'_>> = unread
                .chain(results.iter().flat_map(|(file, findings)| {
                    findings.iter().map(move |finding| FileFinding {
                        file: file.clone(),
                        finding,
                    })
                }))
                .collect();
            write_stdout(&to_json(&all)?)?;
        }
    }
    Ok(if !unreadable.is_empty() {
        EXIT_BAD_INPUT
    } else if problems > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// The JSON entry of a file that cannot be read or parsed: an error on the
/// field `file`, whose message is the error (naming the file), so that a
/// reader of the JSON never mistakes it for a clean file.
fn unreadable_finding(err: &Error) -> Finding {
    Finding {
        severity: Severity::Error,
        layer: None,
        entry: None,
        technique_id: None,
        tactic: None,
        field: "file".to_string(),
        message: err.to_string(),
    }
}
