//! `attackmap siem check|fix PATH...`: check and fix the ATT&CK fields of
//! Splunk, Sentinel and Elastic rule files against the loaded release.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Error, Result};
use attackmap::fsutil::write_in_place;
use attackmap::mapping::MapOptions;
use attackmap::rulefiles::diff;
use attackmap::siem::{self, Finding, FindingKind, Release, Run, Severity, Summary};

use super::inputs::InputArgs;
use super::output::{lines, write_stdout};
use super::sigma::FindingFormat;

/// The `siem` subcommands.
#[derive(Debug, Subcommand)]
pub enum SiemCommand {
    /// Check the ATT&CK fields of Splunk detections (YAML), Sentinel
    /// analytics rules (YAML, ARM JSON) and Elastic rules (TOML); exit 1
    /// if anything would change or is an error.
    Check(CheckArgs),
    /// Fix the ATT&CK fields in place; nothing else in the files changes.
    Fix(FixArgs),
}

/// Options of `siem check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files and directories (searched recursively for .yml, .yaml,
    /// .toml and .json files).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FindingFormat::Text)]
    pub format: FindingFormat,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Options of `siem fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files and directories (searched recursively for .yml, .yaml,
    /// .toml and .json files).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Print the changes as a unified diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `attackmap siem …`.
pub fn run(command: &SiemCommand) -> Result<i32> {
    match command {
        SiemCommand::Check(args) => check(args),
        SiemCommand::Fix(args) => fix(args),
    }
}

fn check(args: &CheckArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let release = Release::new(&loaded.model);
    let run = siem::check_paths(&release, &args.paths);
    let summary = run.summary();
    match args.format {
        FindingFormat::Text => write_stdout(lines(run.findings()).as_bytes())?,
        FindingFormat::Json => write_stdout(&json(&release, &run, &summary)?)?,
    }
    if !args.inputs.quiet {
        eprintln!("{}", summary_line(&release, &summary));
    }
    let failed =
        summary.errors > 0 || summary.fixable > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

fn fix(args: &FixArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let release = Release::new(&loaded.model);
    let run = siem::check_paths(&release, &args.paths);
    let summary = run.summary();
    let mut remaining: Vec<Finding> = run.walk_findings.clone();
    let mut out = String::new();
    let mut written = 0;
    for report in &run.reports {
        remaining.extend(report.findings.iter().filter(|f| !f.fixable()).cloned());
        let (Some(old), Some(new)) = (&report.original, &report.fixed) else {
            continue;
        };
        let fixed = report.findings.iter().filter(|f| f.fixable()).count();
        let name = report.path.display().to_string();
        if args.dry_run {
            out.push_str(&diff::unified(old, new, &name, &name));
            continue;
        }
        match write_in_place(&report.path, new) {
            Ok(()) => {
                written += 1;
                out.push_str(&format!(
                    "{name}: fixed {fixed} finding{}\n",
                    if fixed == 1 { "" } else { "s" }
                ));
            }
            Err(err) => remaining.push(Finding::file(
                &report.path,
                Severity::Error,
                FindingKind::Unreadable,
                format!("{err}; file left as it was"),
            )),
        }
    }
    write_stdout(out.as_bytes())?;
    let remaining_text = lines(remaining.iter());
    if args.dry_run {
        eprint!("{remaining_text}");
    } else {
        write_stdout(remaining_text.as_bytes())?;
    }
    let count = |s: Severity| remaining.iter().filter(|f| f.severity == s).count();
    let errors = count(Severity::Error);
    if !args.inputs.quiet {
        let (verb, files) = if args.dry_run {
            ("would fix", summary.files_to_fix)
        } else {
            ("fixed", written)
        };
        eprintln!(
            "siem fix: {} files ({} rules) against {}: {verb} {} findings in {files} files; {errors} errors and {} warnings remain",
            summary.files,
            summary.rules,
            release.name(),
            summary.fixable,
            count(Severity::Warning),
        );
    }
    let failed = errors > 0 || (args.dry_run && summary.fixable > 0);
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

#[derive(Serialize)]
struct JsonReport<'r> {
    attack_version: Option<&'r str>,
    summary: &'r Summary,
    files: Vec<JsonFile<'r>>,
    findings: Vec<&'r Finding>,
}

#[derive(Serialize)]
struct JsonFile<'r> {
    file: &'r std::path::Path,
    kind: Option<siem::RuleKind>,
    fixable: bool,
}

fn json(release: &Release<'_>, run: &Run, summary: &Summary) -> Result<Vec<u8>> {
    let report = JsonReport {
        attack_version: release.model().source.attack_version.as_deref(),
        summary,
        files: run
            .reports
            .iter()
            .map(|r| JsonFile {
                file: &r.path,
                kind: r.kind,
                fixable: r.fixed.is_some(),
            })
            .collect(),
        findings: run.findings().collect(),
    };
    let mut bytes =
        serde_json::to_vec_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn summary_line(release: &Release<'_>, s: &Summary) -> String {
    let mut line = format!(
        "siem check: {} files ({} rules, {} skipped) against {}: {} errors, {} warnings, {} info",
        s.files,
        s.rules,
        s.skipped,
        release.name(),
        s.errors,
        s.warnings,
        s.infos
    );
    if s.failed_files > 0 {
        line.push_str(&format!(
            "; {} files could not be read or parsed",
            s.failed_files
        ));
    }
    if s.fixable > 0 {
        line.push_str(&format!(
            "; {} fixable in {} files (run `attackmap siem fix`)",
            s.fixable, s.files_to_fix
        ));
    }
    line
}
