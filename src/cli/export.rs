//! `attackmap export <format>`: render a selection of the model through an
//! exporter's template into a file, a directory of files (`--each`) or
//! stdout.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::export::navigator::{NavigatorOptions, Score};
use attackmap::export::splunk::{Layout, SplunkOptions};
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, Document, Each, ExportOptions, Exporter};
use attackmap::fsutil::{write_atomic, write_atomic_all};
use attackmap::mapping::MapOptions;
use attackmap::selection::Criteria;

use super::inputs::InputArgs;
use super::output::write_stdout;
use super::selection::SelectionArgs;

/// How many distinct warnings are printed before the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Options of `attackmap export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The output format: navigator (an ATT&CK Navigator layer); splunk,
    /// splunk-annotations, splunk-lookup; sentinel, sentinel-arm; elastic,
    /// elastic-json, elastic-ecs (see `attackmap templates list`).
    #[arg(value_name = "FORMAT")]
    pub format: String,

    #[command(flatten)]
    pub inputs: InputArgs,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Write to this file, or into this directory (required with --each;
    /// created if missing). `-` or no -o: stdout. Files are written
    /// atomically.
    #[arg(long = "output", short = 'o', value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,

    /// Write one file per group, software or campaign — the ones named in
    /// the selection, else every live one — named <ID>_<name>.<ext>.
    #[arg(long, value_parser = each_parser(), value_name = "KIND")]
    pub each: Option<Each>,

    /// Write the data the template receives (JSON) instead of rendering it.
    #[arg(long)]
    pub context: bool,

    /// Render from a context file written by --context; no ATT&CK data is
    /// loaded.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["each", "context"])]
    pub from_context: Option<PathBuf>,

    /// Render with this template file instead of the format's built-in
    /// template.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// A template directory: its files shadow the built-in templates of the
    /// same name (see `attackmap templates eject`).
    #[arg(long, value_name = "DIR", env = "ATTACKMAP_TEMPLATE_DIR")]
    pub template_dir: Option<PathBuf>,

    /// What a technique's score counts. groups, software, campaigns,
    /// mitigations: the related objects — only the named ones when the
    /// selection names objects of that kind (several --group with --score
    /// groups = a threat-informed heat map); constant: 1; count: times named
    /// with --technique. Default: count with --technique, else the kind of
    /// the objects named, else groups.
    #[arg(long, value_parser = score_parser(), help_heading = "Navigator")]
    pub score: Option<Score>,

    /// Layer name (default: a title for the selection; with --each, the
    /// object is appended).
    #[arg(long = "name", value_name = "NAME", help_heading = "Navigator")]
    pub layer_name: Option<String>,

    /// Also list every other technique as disabled and set hideDisabled, so
    /// Navigator shows only the selection.
    #[arg(long, help_heading = "Navigator")]
    pub hide_unselected: bool,

    /// Where `splunk` writes mitre_attack_id: under tags: (security_content
    /// up to 2025, contentctl v4/v5) or top-level (flat, the 2026 layout).
    #[arg(long, value_parser = layout_parser(), default_value = "tags", help_heading = "Splunk")]
    pub splunk_layout: Layout,
}

/// `--splunk-layout`: the names of [`Layout`].
fn layout_parser() -> impl TypedValueParser<Value = Layout> {
    PossibleValuesParser::new(Layout::ALL.map(Layout::as_str))
        .try_map(|s| Layout::parse(&s).ok_or("expected tags or flat"))
}

/// `--each`: the names of [`Each`].
fn each_parser() -> impl TypedValueParser<Value = Each> {
    PossibleValuesParser::new(Each::ALL.map(Each::as_str))
        .try_map(|s| Each::parse(&s).ok_or("expected group, software or campaign"))
}

/// `--score`: the names of [`Score`].
fn score_parser() -> impl TypedValueParser<Value = Score> {
    PossibleValuesParser::new(Score::ALL.map(Score::as_str)).try_map(|s| {
        Score::parse(&s)
            .ok_or("expected groups, software, campaigns, mitigations, constant or count")
    })
}

/// Where the output goes.
enum Target {
    Stdout,
    File(PathBuf),
    Dir(PathBuf),
}

impl ExportArgs {
    fn target(&self) -> Target {
        match &self.output {
            None => Target::Stdout,
            Some(p) if p.as_os_str() == "-" => Target::Stdout,
            Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with(['/', '\\']) => {
                Target::Dir(p.clone())
            }
            Some(p) if self.each.is_some() => Target::Dir(p.clone()),
            Some(p) => Target::File(p.clone()),
        }
    }

    fn options(&self) -> ExportOptions {
        ExportOptions {
            navigator: NavigatorOptions {
                score: self.score,
                name: self.layer_name.clone(),
                hide_unselected: self.hide_unselected,
            },
            splunk: SplunkOptions {
                layout: self.splunk_layout,
            },
        }
    }

    fn say(&self, message: &str) {
        if !self.inputs.quiet {
            eprintln!("attackmap: {message}");
        }
    }
}

/// Runs `attackmap export`.
pub fn run(args: &ExportArgs) -> Result<i32> {
    let exporter = export::exporter(&args.format)?;
    let templates = Templates::new(
        &TemplateOptions {
            file: args.template.clone(),
            dir: args.template_dir.clone(),
        },
        exporter.template(),
    )?;
    if !args.context {
        // A syntax error is reported before any data is loaded.
        templates.compile(exporter.template())?;
    }
    let target = args.target();
    if args.each.is_some() && matches!(target, Target::Stdout) {
        return Err(Error::Invalid(
            "--each writes one file per object: give the directory with -o DIR".to_string(),
        ));
    }

    if let Some(path) = &args.from_context {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let context = export::context_from_json(path, &bytes)?;
        let text = export::render(exporter, &templates, &context)?;
        let default_name = format!("{}.{}", exporter.name(), exporter.extension());
        write_one(args, &target, &default_name, &text, None)?;
        return Ok(EXIT_OK);
    }

    let loaded = args.inputs.load(MapOptions::default())?;
    let criteria = args.selection.criteria()?;
    let documents = export::prepare(
        &loaded.model,
        &criteria,
        exporter,
        &args.options(),
        args.each,
    )?;
    report_warnings(args, &documents);

    // Render everything before writing anything: a template error leaves no
    // file behind.
    let rendered = export::parallel_map(&documents, |doc| {
        if args.context {
            export::context_to_json(&doc.context)
        } else {
            export::render(exporter, &templates, &doc.context)
        }
    })?;

    if args.each.is_some() {
        let Target::Dir(dir) = &target else {
            return Err(Error::Internal("--each without a directory".to_string()));
        };
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        let mut files = Vec::with_capacity(documents.len());
        for (doc, text) in documents.iter().zip(&rendered) {
            let name = doc
                .file_name
                .clone()
                .ok_or_else(|| Error::Internal("--each document without a file name".into()))?;
            let name = if args.context {
                context_name(&name)
            } else {
                name
            };
            files.push((dir.join(name), text.as_bytes()));
        }
        write_atomic_all(&files)?;
        let techniques: usize = documents.iter().map(|d| d.techniques).sum();
        args.say(&format!(
            "wrote {} {} file(s) to {} ({techniques} technique entries in all)",
            documents.len(),
            if args.context {
                "context"
            } else {
                exporter.name()
            },
            dir.display()
        ));
        return Ok(EXIT_OK);
    }

    let (doc, text) = match (documents.first(), rendered.first()) {
        (Some(doc), Some(text)) => (doc, text),
        _ => return Err(Error::Internal("no document to write".to_string())),
    };
    let default_name = default_file_name(exporter, &criteria, &loaded.model, args.context);
    write_one(args, &target, &default_name, text, Some(doc))?;
    Ok(EXIT_OK)
}

fn context_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{stem}.context.json")
}

/// `<ID>_<name>.<ext>` when exactly one object is named, else `<format>.<ext>`.
fn default_file_name(
    exporter: &dyn Exporter,
    criteria: &Criteria,
    model: &attackmap::Model,
    context: bool,
) -> String {
    let mut named = criteria
        .groups
        .iter()
        .filter_map(|g| model.group(g).map(|g| &g.info))
        .chain(
            criteria
                .software
                .iter()
                .filter_map(|s| model.software_by_id(s).map(|s| &s.info)),
        )
        .chain(
            criteria
                .campaigns
                .iter()
                .filter_map(|c| model.campaign(c).map(|c| &c.info)),
        );
    let count = criteria.groups.len() + criteria.software.len() + criteria.campaigns.len();
    let name = match (named.next(), count) {
        (Some(info), 1) => export::output_file_name(&info.id, &info.name, exporter.extension()),
        _ => format!("{}.{}", exporter.name(), exporter.extension()),
    };
    if context { context_name(&name) } else { name }
}

fn write_one(
    args: &ExportArgs,
    target: &Target,
    default_name: &str,
    text: &str,
    doc: Option<&Document>,
) -> Result<()> {
    let path = match target {
        Target::Stdout => return write_stdout(text.as_bytes()),
        Target::File(path) => path.clone(),
        Target::Dir(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            dir.join(default_name)
        }
    };
    write_atomic(&path, text.as_bytes())?;
    let what = if args.context { "context" } else { "output" };
    match doc {
        Some(doc) => args.say(&format!(
            "wrote {what} to {} ({} techniques)",
            display(&path),
            doc.techniques
        )),
        None => args.say(&format!("wrote {what} to {}", display(&path))),
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Prints the documents' warnings once each; with `--each`, empty outputs
/// are summed up in one line.
fn report_warnings(args: &ExportArgs, documents: &[Document]) {
    if args.inputs.quiet {
        return;
    }
    if args.each.is_some() {
        let empty: Vec<String> = documents
            .iter()
            .filter(|d| d.techniques == 0)
            .filter_map(|d| d.object.as_ref().map(|o| o.id.clone()))
            .collect();
        if !empty.is_empty() {
            let shown: Vec<&str> = empty.iter().take(10).map(String::as_str).collect();
            let more = if empty.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            eprintln!(
                "attackmap: warning: {} of {} outputs are empty (no technique in the selection): {}{more}",
                empty.len(),
                documents.len(),
                shown.join(", ")
            );
        }
    }
    let mut seen = BTreeSet::new();
    let mut distinct = Vec::new();
    for doc in documents {
        for w in &doc.warnings {
            if args.each.is_some() && w.ends_with("the output is empty") {
                continue;
            }
            if seen.insert(w.as_str()) {
                distinct.push(w.as_str());
            }
        }
    }
    for w in distinct.iter().take(WARNINGS_SHOWN) {
        eprintln!("attackmap: warning: {w}");
    }
    if distinct.len() > WARNINGS_SHOWN {
        eprintln!(
            "attackmap: … and {} more warnings",
            distinct.len() - WARNINGS_SHOWN
        );
    }
}
