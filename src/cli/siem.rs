//! `attackmap siem check|fix PATH...`: check and fix the ATT&CK fields of
//! Splunk, Sentinel and Elastic rule files against the loaded release.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Result};
use attackmap::mapping::MapOptions;
use attackmap::siem::{self, Finding, FindingKind, Release, Run, Severity, Summary};
use attackmap::text::count;

use super::fixing::{Checked, FixFinding, FixOptions, Totals, fix_files};
use super::inputs::InputArgs;
use super::output::{lines, to_json, write_stdout};
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

    /// Output format (JSON: one document with every file, the findings
    /// fixed and those remaining, and the summary; no diff).
    #[arg(long, value_enum, default_value_t = FindingFormat::Text)]
    pub format: FindingFormat,
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
    let options = FixOptions {
        command: "siem fix",
        release: release.name().to_string(),
        attack_version: release.model().source.attack_version.as_deref(),
        dry_run: args.dry_run,
        quiet: args.inputs.quiet,
        format: args.format,
    };
    let checked = run.reports.iter().map(|r| Checked {
        path: &r.path,
        findings: &r.findings,
        original: r.original.as_deref(),
        fixed: r.fixed.as_deref(),
    });
    fix_files(
        &options,
        checked,
        &run.walk_findings,
        Totals {
            files: summary.files,
            rules: summary.rules,
        },
        |path, text| siem::check_bytes(&release, path, text.as_bytes()).findings,
    )
}

impl FixFinding for Finding {
    fn path(&self) -> &std::path::Path {
        &self.file
    }

    fn severity(&self) -> Severity {
        self.severity
    }

    fn fixable(&self) -> bool {
        Finding::fixable(self)
    }

    fn write_failed(path: &std::path::Path, message: String) -> Self {
        Finding::file(path, Severity::Error, FindingKind::Unreadable, message)
    }
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
    to_json(&report)
}

fn summary_line(release: &Release<'_>, s: &Summary) -> String {
    let mut line = format!(
        "siem check: {} ({}, {} skipped) against {}: {}, {}, {} info",
        count(s.files, "file"),
        count(s.rules, "rule"),
        s.skipped,
        release.name(),
        count(s.errors, "error"),
        count(s.warnings, "warning"),
        s.infos
    );
    if s.failed_files > 0 {
        line.push_str(&format!(
            "; {} could not be checked",
            count(s.failed_files, "file")
        ));
    }
    if s.fixable > 0 {
        line.push_str(&format!(
            "; {} fixable in {} (run `attackmap siem fix`)",
            s.fixable,
            count(s.files_to_fix, "file")
        ));
    }
    line
}
