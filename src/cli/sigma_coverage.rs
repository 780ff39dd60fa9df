//! `attackmap sigma coverage PATH...`: a Navigator layer of what Sigma rules
//! cover, and with `--gaps-for` the techniques of chosen groups that no
//! rule covers.

use std::path::{Path, PathBuf};

use clap::builder::PossibleValuesParser;
use clap::{Args, ValueEnum};

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Error, Result};
use attackmap::export::navigator::{self, Layer};
use attackmap::export::sigma::LEVELS;
use attackmap::fsutil::{refuse_overwriting_inputs, write_atomic};
use attackmap::mapping::MapOptions;
use attackmap::sigma::Judge;
use attackmap::sigma::coverage::{
    self, Coverage, CoverageOptions, CoverageScore, GapReport, Level,
};
use attackmap::text::{count, plural};

use super::inputs::InputArgs;
use super::output::{self, Format, Table, write_stdout};

/// The rule statuses of the Sigma specification.
const STATUSES: [&str; 5] = [
    "stable",
    "test",
    "experimental",
    "deprecated",
    "unsupported",
];

/// What a technique's score is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ScoreArg {
    /// The number of rules tagged with the technique.
    #[default]
    Count,
    /// The highest level among those rules: informational 1, low 2, medium
    /// 3, high 4, critical 5 (0 when none has a level).
    Level,
}

/// Options of `sigma coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files and directories (searched recursively for .yml/.yaml).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Write the layer to this file (atomically). Without -o the layer goes
    /// to stdout — except with --gaps-for, where stdout holds the list of
    /// gaps and the layer is written only with -o.
    #[arg(
        long = "output",
        short = 'o',
        visible_alias = "out",
        value_name = "FILE"
    )]
    pub output: Option<PathBuf>,

    /// What a technique's score is: count (rules tagged with it) or level
    /// (the highest level among them, informational 1 … critical 5).
    #[arg(long, value_enum, default_value_t = ScoreArg::Count)]
    pub score: ScoreArg,

    /// Count only rules of this level or higher (rules without a level are
    /// left out).
    #[arg(long, value_parser = PossibleValuesParser::new(LEVELS))]
    pub min_level: Option<String>,

    /// Count only rules with this status; repeat for several (rules without
    /// a status are left out).
    #[arg(long, value_parser = PossibleValuesParser::new(STATUSES))]
    pub status: Vec<String>,

    /// The techniques this group uses (ID, name or alias; directly or
    /// through its attributed campaigns) that no rule covers: a list on
    /// stdout and, with -o, a layer of covered (green) and gap (red)
    /// techniques. Repeat for several groups (the union of their
    /// techniques).
    #[arg(long = "gaps-for", value_name = "GROUP")]
    pub gaps_for: Vec<String>,

    /// How --gaps-for prints the gaps.
    #[arg(long, value_enum, default_value_t = Format::Table, requires = "gaps_for")]
    pub format: Format,

    /// Layer name (default: `Sigma rule coverage`, or `Sigma coverage of
    /// <group>` with --gaps-for).
    #[arg(long = "name", value_name = "NAME")]
    pub layer_name: Option<String>,
}

impl CoverageArgs {
    fn options(&self) -> CoverageOptions {
        CoverageOptions {
            min_level: self.min_level.as_deref().and_then(Level::parse),
            statuses: self.status.clone(),
        }
    }

    fn score(&self) -> CoverageScore {
        match self.score {
            ScoreArg::Count => CoverageScore::Count,
            ScoreArg::Level => CoverageScore::Level,
        }
    }

    /// The layer's file, `None` for stdout.
    fn layer_file(&self) -> Option<&PathBuf> {
        self.output.as_ref().filter(|p| p.as_os_str() != "-")
    }
}

/// Runs `attackmap sigma coverage`.
pub fn run(args: &CoverageArgs) -> Result<i32> {
    if !args.gaps_for.is_empty() && args.output.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        return Err(Error::Invalid(
            "--gaps-for prints the list of gaps on stdout: give the layer a file with -o FILE"
                .to_string(),
        ));
    }
    let loaded = args.inputs.load(MapOptions::default())?;
    let model = &loaded.model;
    let judge = Judge::new(model);
    let options = args.options();
    let covered = coverage::coverage(&judge, &args.paths, &options)?;
    if let Some(path) = args.layer_file() {
        let read: Vec<PathBuf> = loaded
            .input_files
            .iter()
            .chain(&covered.file_paths)
            .cloned()
            .collect();
        refuse_overwriting_inputs(path, &read)?;
    }
    // An unknown group is an error before anything is written.
    let report = match args.gaps_for.as_slice() {
        [] => None,
        groups => Some(coverage::gaps_for(model, &covered, groups)?),
    };
    for problem in &covered.problems {
        eprintln!("{problem}");
    }
    if !args.inputs.quiet {
        for note in &covered.notes {
            eprintln!("{note}");
        }
    }
    let name = args.layer_name.as_deref();
    match &report {
        Some(report) => {
            if let Some(path) = args.layer_file() {
                let layers = coverage::gap_layers(model, &covered, report, name);
                write_layers(path, layers, "count", "the number of rules (0: a gap)")?;
            }
            gap_table(report).print(args.format)?;
        }
        None => {
            let score = args.score();
            let layers = coverage::coverage_layers(model, &covered, score, &options, name);
            let entries: usize = layers.iter().map(|l| l.techniques.len()).sum();
            let text = navigator::render_layers(layers, score.as_str(), score.meaning())?;
            match args.layer_file() {
                Some(path) => write_atomic(path, text.as_bytes())?,
                None => write_stdout(text.as_bytes())?,
            }
            if !args.inputs.quiet {
                eprintln!("{}", summary(&judge, &covered, entries));
            }
        }
    }
    if let (Some(report), false) = (&report, args.inputs.quiet) {
        eprintln!("{}", gap_summary(&judge, &covered, report));
    }
    Ok(if covered.failed() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn write_layers(path: &Path, layers: Vec<Layer>, kind: &'static str, meaning: &str) -> Result<()> {
    let text = navigator::render_layers(layers, kind, meaning.to_string())?;
    write_atomic(path, text.as_bytes())
}

/// One row per gap: technique, name, tactics, the given groups using it,
/// covered techniques next to it.
fn gap_table(report: &GapReport<'_>) -> Table {
    let mut table = Table::new(vec!["technique", "name", "tactics", "groups", "nearby"]);
    for entry in report.gaps() {
        let t = entry.technique;
        table.rows.push(vec![
            output::Cell::Text(t.technique_id.clone()),
            output::Cell::Text(t.full_name.clone()),
            output::Cell::List(t.tactics.iter().map(|r| r.shortname.clone()).collect()),
            output::Cell::List(entry.groups.iter().map(|g| g.label()).collect()),
            output::Cell::List(
                entry
                    .nearby
                    .iter()
                    .map(|(id, n)| format!("{id} ({n} rule{})", if *n == 1 { "" } else { "s" }))
                    .collect(),
            ),
        ]);
    }
    table
}

fn summary(judge: &Judge<'_>, c: &Coverage<'_>, entries: usize) -> String {
    let mut line = format!(
        "sigma coverage: {}, {} against {}: {} covered ({}); {} without a technique tag",
        count(c.files, "file"),
        count(c.rules.len(), "rule"),
        judge.release(),
        count(c.techniques.len(), "technique"),
        plural(
            entries,
            "technique-tactic entry",
            "technique-tactic entries"
        ),
        count(c.without_techniques, "rule"),
    );
    line.push_str(&notes_summary(c));
    line
}

fn notes_summary(c: &Coverage<'_>) -> String {
    let mut line = format!(
        "; {} counted under {} replacement, {} unknown, {} deprecated",
        count(c.notes_of("revoked"), "revoked tag"),
        if c.notes_of("revoked") == 1 {
            "its"
        } else {
            "their"
        },
        c.notes_of("unknown"),
        c.notes_of("deprecated")
    );
    let other = c.notes_of("revoked-no-replacement") + c.notes_of("invalid");
    if other > 0 {
        line.push_str(&format!(
            ", {} not counted",
            count(other, "other technique tag")
        ));
    }
    if c.filtered_out > 0 {
        line.push_str(&format!(
            "; {} left out by --min-level/--status",
            count(c.filtered_out, "rule")
        ));
    }
    let failed = c
        .problems
        .iter()
        .filter(|f| f.severity == attackmap::sigma::Severity::Error)
        .count();
    if failed > 0 {
        line.push_str(&format!(
            "; {} could not be read",
            plural(failed, "file or path", "files or paths")
        ));
    }
    line
}

fn gap_summary(judge: &Judge<'_>, c: &Coverage<'_>, report: &GapReport<'_>) -> String {
    let gaps = report.gaps().count();
    let total = report.techniques.len();
    format!(
        "sigma coverage: gaps for {}: {gaps} of {} {} no rule ({} covered), from {}, {} against {}{}",
        report.groups_label(),
        count(total, "technique"),
        if gaps == 1 { "has" } else { "have" },
        total - gaps,
        count(c.files, "file"),
        count(c.rules.len(), "rule"),
        judge.release(),
        notes_summary(c)
    )
}
