//! `attackmap sigma tag RULE... --technique ID`: add technique tags (and
//! their tactic tags) to rules, in place.

use std::path::PathBuf;

use clap::Args;

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Error, Result};
use attackmap::export::sigma::{live_techniques, technique_tags};
use attackmap::mapping::MapOptions;
use attackmap::selection::{Criteria, Selection};
use attackmap::sigma::check::file_finding;
use attackmap::sigma::tag::{Tagging, tag_file};
use attackmap::sigma::{Severity, diff, read_rule_file};
use attackmap::text::count;

use super::inputs::InputArgs;
use super::output::write_stdout;
use attackmap::fsutil::write_in_place;

/// Options of `sigma tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Rule files (or directories, searched recursively for .yml/.yaml).
    #[arg(value_name = "RULE", required = true)]
    pub paths: Vec<PathBuf>,

    /// Technique ID(s) to tag the rules with: repeat, separate with commas,
    /// or @FILE with one ID per line. Each adds its tactic tags too.
    #[arg(
        long = "technique",
        short = 't',
        value_name = "ID|@FILE",
        required = true
    )]
    pub techniques: Vec<String>,

    /// The document to tag (from 1), in a file that holds several rules;
    /// an `action: global` document's tags apply to its whole collection.
    #[arg(long, value_name = "N")]
    pub document: Option<usize>,

    /// Print the changes as a unified diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What happened to the files.
#[derive(Default)]
struct Counts {
    tagged: usize,
    unchanged: usize,
    failed: usize,
}

/// Runs `attackmap sigma tag`.
pub fn run(args: &TagArgs) -> Result<i32> {
    refuse_missing(&args.paths)?;
    let loaded = args.inputs.load(MapOptions::default())?;
    let model = &loaded.model;
    let mut criteria = Criteria::default();
    for value in &args.techniques {
        criteria.add_technique_arg(value)?;
    }
    if let (true, Some(list)) = (criteria.techniques.is_empty(), criteria.empty_lists.first()) {
        return Err(Error::EmptyTechniqueList {
            file: list.label().to_string(),
            why: "sigma tag needs at least one technique to tag the rules with",
        });
    }
    // Unknown IDs are errors here, before any file; a revoked technique
    // stands for its live replacement, a dead end is an error.
    criteria.include_revoked = true;
    criteria.include_deprecated = true;
    let selection = Selection::resolve(model, &criteria)?;
    let live = live_techniques(model, &selection.techniques);
    if let Some(t) = live.dropped.first() {
        return Err(Error::Invalid(format!(
            "{} ({}) is {} in this ATT&CK release and has no live replacement: Sigma validators reject it",
            t.technique_id,
            t.name,
            if t.revoked { "revoked" } else { "deprecated" }
        )));
    }
    if !args.inputs.quiet {
        for (t, r) in &live.replaced {
            eprintln!(
                "attackmap: warning: {} ({}) is revoked; tagging with its replacement {} ({})",
                t.technique_id, t.name, r.technique_id, r.full_name
            );
        }
    }
    let tags = technique_tags(model, &live.techniques);
    let (files, findings) = attackmap::sigma::walk_rules(&args.paths);
    let mut counts = Counts::default();
    for finding in &findings {
        eprintln!("{finding}");
        if finding.severity == Severity::Error {
            counts.failed += 1;
        }
    }
    let mut out = String::new();
    for path in &files {
        let tagging = read_rule_file(path)
            .map_err(|err| file_finding(path, err).to_string())
            .and_then(|file| {
                tag_file(&file, &tags, args.document).map_err(|e| format!("attackmap: error: {e}"))
            });
        match tagging {
            Ok(t) => report(args, path, &t, &mut out, &mut counts)?,
            Err(message) => {
                eprintln!("{message}");
                counts.failed += 1;
            }
        }
    }
    write_stdout(out.as_bytes())?;
    if !args.inputs.quiet {
        let verb = if args.dry_run { "would tag" } else { "tagged" };
        eprintln!(
            "sigma tag: {} with {}: {verb} {}, {} already tagged, {} not tagged",
            count(files.len(), "file"),
            tags.join(", "),
            counts.tagged,
            counts.unchanged,
            counts.failed
        );
    }
    Ok(if counts.failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Refuses rule paths that do not exist ([`Error::NoSuchFile`], exit 2),
/// before anything is loaded: `sigma tag` changes named files, and a
/// misspelt name is a usage error, not a finding.
fn refuse_missing(paths: &[PathBuf]) -> Result<()> {
    let missing = paths.iter().find(|path| {
        std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    });
    match missing {
        Some(path) => Err(Error::NoSuchFile { path: path.clone() }),
        None => Ok(()),
    }
}

/// Writes (or, with `--dry-run`, diffs) one file's result.
fn report(
    args: &TagArgs,
    path: &std::path::Path,
    t: &Tagging,
    out: &mut String,
    counts: &mut Counts,
) -> Result<()> {
    let name = path.display().to_string();
    let Some(new) = &t.tagged else {
        counts.unchanged += 1;
        let line = format!("{name}: already tagged with {}\n", t.present.join(", "));
        if args.dry_run {
            eprint!("{line}");
        } else {
            out.push_str(&line);
        }
        return Ok(());
    };
    if args.dry_run {
        out.push_str(&diff::unified(&t.original, new, &name, &name));
        counts.tagged += 1;
        return Ok(());
    }
    match write_in_place(path, new, Some(t.original.as_bytes())) {
        Ok(()) => {
            counts.tagged += 1;
            out.push_str(&format!(
                "{name}: added {} (document {})\n",
                t.added.join(", "),
                t.document
            ));
        }
        Err(err @ Error::ChangedWhileWriting { .. }) => {
            counts.failed += 1;
            eprintln!("attackmap: error: {err}");
        }
        Err(err) => {
            counts.failed += 1;
            eprintln!("attackmap: error: {err}; file left as it was");
        }
    }
    Ok(())
}
