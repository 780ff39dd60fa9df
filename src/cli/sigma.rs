//! `attackmap sigma check|fix PATH...`: judge and fix the ATT&CK tags of
//! Sigma rules against the loaded release; `coverage` and `tag` have their
//! own modules.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Result};
use attackmap::mapping::MapOptions;
use attackmap::sigma::{self, Finding, Judge, Run, Severity, Summary};
use attackmap::text::count;

use super::fixing::{Checked, FixFinding, FixOptions, Totals, fix_files};
use super::inputs::InputArgs;
use super::output::{lines, to_json, write_stdout};

/// The `sigma` subcommands.
#[derive(Debug, Subcommand)]
pub enum SigmaCommand {
    /// Judge the ATT&CK tags of Sigma rules; exit 1 if anything would
    /// change or is an error (like `cargo fmt --check`).
    Check(CheckArgs),
    /// Apply the unambiguous fixes to the tags, in place; nothing but the
    /// tags changes.
    Fix(FixArgs),
    /// A Navigator layer of the techniques the rules cover (score: number
    /// of rules or highest level); with --gaps-for, the techniques of
    /// chosen groups that no rule covers.
    Coverage(Box<super::sigma_coverage::CoverageArgs>),
    /// Add technique tags (and their tactic tags) to rules, in place; a
    /// missing tags: key is inserted; nothing else changes.
    Tag(Box<super::sigma_tag::TagArgs>),
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FindingFormat {
    /// One line per finding: `file:line: severity: message`.
    #[default]
    Text,
    /// One JSON document with every finding and the summary.
    Json,
}

/// Options of `sigma check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files and directories (searched recursively for .yml/.yaml).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FindingFormat::Text)]
    pub format: FindingFormat,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Options of `sigma fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files and directories (searched recursively for .yml/.yaml).
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

/// Runs `attackmap sigma …`.
pub fn run(command: &SigmaCommand) -> Result<i32> {
    match command {
        SigmaCommand::Check(args) => check(args),
        SigmaCommand::Fix(args) => fix(args),
        SigmaCommand::Coverage(args) => super::sigma_coverage::run(args),
        SigmaCommand::Tag(args) => super::sigma_tag::run(args),
    }
}

fn check(args: &CheckArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let judge = Judge::new(&loaded.model);
    let run = sigma::check_paths(&judge, &args.paths);
    let summary = run.summary();
    match args.format {
        FindingFormat::Text => write_stdout(lines(run.findings()).as_bytes())?,
        FindingFormat::Json => write_stdout(&json(&judge, &run, &summary)?)?,
    }
    if !args.inputs.quiet {
        eprintln!("{}", summary_line("sigma check", &judge, &summary));
    }
    let failed =
        summary.errors > 0 || summary.fixable > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

fn fix(args: &FixArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let judge = Judge::new(&loaded.model);
    let run = sigma::check_paths(&judge, &args.paths);
    let summary = run.summary();
    let options = FixOptions {
        command: "sigma fix",
        release: judge.release().to_string(),
        attack_version: judge.model().source.attack_version.as_deref(),
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
        |path, text| sigma::check::check_bytes(&judge, path, text.as_bytes()).findings,
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
        Finding::file(
            path,
            Severity::Error,
            sigma::FindingKind::Unreadable,
            message,
        )
    }
}

#[derive(Serialize)]
struct JsonReport<'r> {
    attack_version: Option<&'r str>,
    summary: &'r Summary,
    findings: Vec<&'r Finding>,
}

fn json(judge: &Judge<'_>, run: &Run, summary: &Summary) -> Result<Vec<u8>> {
    let report = JsonReport {
        attack_version: judge.model().source.attack_version.as_deref(),
        summary,
        findings: run.findings().collect(),
    };
    to_json(&report)
}

fn summary_line(command: &str, judge: &Judge<'_>, s: &Summary) -> String {
    let mut line = format!(
        "{command}: {} ({}) against {}: {}, {}, {} info",
        count(s.files, "file"),
        count(s.rules, "rule"),
        judge.release(),
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
            "; {} fixable in {} (run `attackmap sigma fix`)",
            s.fixable,
            count(s.files_to_fix, "file")
        ));
    }
    line
}
