//! `attackmap export <format>`: render a selection of the model through an
//! exporter's template into a file, a directory of files (`--each`) or
//! stdout.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::export::csv::{CsvOptions, DEFAULT_SEPARATOR};
use attackmap::export::markdown::MarkdownOptions;
use attackmap::export::navigator::{NavigatorOptions, Score};
use attackmap::export::sigma::{LEVELS, SigmaOptions, check_sigma_date};
use attackmap::export::splunk::{Layout, SplunkOptions};
use attackmap::export::table::RowKind;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::xlsx::XlsxOptions;
use attackmap::export::{self, Document, Each, ExportOptions, Exporter, Finished};
use attackmap::fsutil::{refuse_overwriting_inputs, write_atomic, write_atomic_all};
use attackmap::mapping::MapOptions;
use attackmap::model::ObjectKind;
use attackmap::query::{Resolved, resolve_kind};
use attackmap::selection::Criteria;
use attackmap::text::plural;

use super::inputs::InputArgs;
use super::output::write_stdout;
use super::selection::SelectionArgs;

/// How many distinct warnings are printed before the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Options of `attackmap export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The output format: navigator (an ATT&CK Navigator layer); csv (flat
    /// CSV), xlsx (an Excel workbook), markdown (a summary report); sigma (a
    /// Sigma rule's tags: block), sigma-skeleton (Sigma rule skeletons, one
    /// per technique); splunk, splunk-annotations, splunk-lookup; sentinel,
    /// sentinel-arm; elastic, elastic-json, elastic-ecs (see `attackmap
    /// templates list`).
    #[arg(value_name = "FORMAT")]
    pub format: String,

    #[command(flatten)]
    pub inputs: InputArgs,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Write to this file, or into this directory (required with --each;
    /// created if missing). `-` or no -o: stdout. Files are written
    /// atomically.
    #[arg(
        long = "output",
        short = 'o',
        visible_alias = "out",
        value_name = "FILE|DIR"
    )]
    pub output: Option<PathBuf>,

    /// Write one file per group, software or campaign — the ones named in
    /// the selection, else every live one — or per selected technique,
    /// named <ID>_<name>.<ext>.
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
    #[arg(
        long,
        value_name = "DIR",
        env = "ATTACKMAP_TEMPLATE_DIR",
        hide_env_values = true
    )]
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

    /// What a row is: techniques, relationships (one row per
    /// technique–group/software/campaign/mitigation/detection pair), groups,
    /// software or mitigations (each with its selected techniques).
    #[arg(long, value_parser = rows_parser(), help_heading = "CSV")]
    pub rows: Option<RowKind>,

    /// The columns to write, by key (`id,name,tactics,groups`; repeat or
    /// separate with commas). Default: the row kind's default columns; see
    /// docs/reports.md for every key.
    #[arg(long, value_name = "KEYS", help_heading = "CSV")]
    pub columns: Vec<String>,

    /// Write cells starting with =, +, -, @, tab or carriage return as they
    /// are, instead of prefixing them with ' (the default protects against
    /// formula injection when the file is opened in a spreadsheet).
    #[arg(long, help_heading = "CSV")]
    pub no_formula_guard: bool,

    /// Start the file with a UTF-8 byte order mark, so that Excel reads it
    /// as UTF-8.
    #[arg(long, help_heading = "CSV")]
    pub bom: bool,

    /// Joins the values of a multi-value cell (csv and xlsx); must not be
    /// empty [default: "; "].
    #[arg(long, value_name = "TEXT", value_parser = separator_parser, help_heading = "CSV")]
    pub separator: Option<String>,

    /// Keep the descriptions of techniques and objects (for the
    /// `description` columns; implied when --columns names one).
    #[arg(long, help_heading = "CSV")]
    pub descriptions: bool,

    /// How many techniques the top and no-mitigation lists show (0: all)
    /// [default: 10].
    #[arg(long, value_name = "N", help_heading = "Markdown")]
    pub top: Option<usize>,

    /// Also tag every group that uses a selected technique (the groups
    /// named with --group are always tagged).
    #[arg(long, help_heading = "Sigma")]
    pub with_groups: bool,

    /// Also tag every software that implements a selected technique (the
    /// software named with --software is always tagged).
    #[arg(long, help_heading = "Sigma")]
    pub with_software: bool,

    /// sigma-skeleton: the rules' author (default: a TODO placeholder).
    #[arg(long, value_name = "NAME", help_heading = "Sigma")]
    pub author: Option<String>,

    /// sigma-skeleton: the rules' date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_parser, help_heading = "Sigma")]
    pub date: Option<String>,

    /// sigma-skeleton: the rules' level (default: medium).
    #[arg(long, value_parser = PossibleValuesParser::new(LEVELS), help_heading = "Sigma")]
    pub level: Option<String>,

    /// Where `splunk` writes mitre_attack_id: under tags: (security_content
    /// up to 2025, contentctl v4/v5) or top-level (flat, the 2026 layout)
    /// [default: tags].
    #[arg(long, value_parser = layout_parser(), help_heading = "Splunk")]
    pub splunk_layout: Option<Layout>,
}

/// A parser for a name of `names` (the documented spellings, shown in the
/// help), each also accepted in the other number (`group` for `groups`,
/// `groups` for `group`) as a hidden alias; `parse` turns either into the
/// value.
fn numbered_parser<T: Clone + Send + Sync + 'static>(
    names: &'static [(&'static str, &'static str)],
    parse: fn(&str) -> Option<T>,
    expected: &'static str,
) -> impl TypedValueParser<Value = T> {
    let values = names.iter().map(|(name, other)| {
        let value = PossibleValue::new(*name);
        if other.is_empty() {
            value
        } else {
            value.alias(*other)
        }
    });
    PossibleValuesParser::new(values).try_map(move |s| parse(&s).ok_or(expected))
}

/// `--rows`: the names of [`RowKind`], or their singular.
fn rows_parser() -> impl TypedValueParser<Value = RowKind> {
    numbered_parser(
        &[
            ("techniques", "technique"),
            ("relationships", "relationship"),
            ("groups", "group"),
            ("software", ""),
            ("mitigations", "mitigation"),
        ],
        RowKind::parse,
        "expected techniques, relationships, groups, software or mitigations",
    )
}

/// `--separator`: any text but the empty one, which would glue the values
/// of a cell together.
fn separator_parser(s: &str) -> std::result::Result<String, String> {
    if s.is_empty() {
        Err(
            "the separator must not be empty: the values of a cell would run together \
             (give e.g. \", \" or \"|\")"
                .to_string(),
        )
    } else {
        Ok(s.to_string())
    }
}

/// `--date`: a Sigma date.
fn date_parser(s: &str) -> std::result::Result<String, String> {
    check_sigma_date(s).map(|()| s.to_string())
}

/// `--splunk-layout`: the names of [`Layout`].
fn layout_parser() -> impl TypedValueParser<Value = Layout> {
    PossibleValuesParser::new(Layout::ALL.map(Layout::as_str))
        .try_map(|s| Layout::parse(&s).ok_or("expected tags or flat"))
}

/// `--each`: the names of [`Each`], or their plural.
fn each_parser() -> impl TypedValueParser<Value = Each> {
    numbered_parser(
        &[
            ("group", "groups"),
            ("software", ""),
            ("campaign", "campaigns"),
            ("technique", "techniques"),
        ],
        Each::parse,
        "expected group, software, campaign or technique",
    )
}

/// `--score`: the names of [`Score`], or their singular.
fn score_parser() -> impl TypedValueParser<Value = Score> {
    numbered_parser(
        &[
            ("groups", "group"),
            ("software", ""),
            ("campaigns", "campaign"),
            ("mitigations", "mitigation"),
            ("constant", ""),
            ("count", ""),
        ],
        Score::parse,
        "expected groups, software, campaigns, mitigations, constant or count",
    )
}

/// An option that only some formats use.
struct FormatOption {
    /// The option as typed.
    flag: &'static str,
    /// The formats whose exporters read it.
    formats: &'static [&'static str],
    /// Whether the command line gave it.
    given: fn(&ExportArgs) -> bool,
    /// Whether it shapes the template context (and so means nothing to
    /// `--from-context`, which reads a finished context) rather than how the
    /// rendered output is written.
    shapes_context: bool,
}

/// Every format-specific option of `export` and the formats that use it, as
/// their exporters read [`ExportOptions`]: giving one to another format is
/// an error rather than silently ignored.
const FORMAT_OPTIONS: &[FormatOption] = &[
    FormatOption {
        flag: "--score",
        formats: &["navigator"],
        given: |a| a.score.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--name",
        formats: &["navigator"],
        given: |a| a.layer_name.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--hide-unselected",
        formats: &["navigator"],
        given: |a| a.hide_unselected,
        shapes_context: true,
    },
    FormatOption {
        flag: "--rows",
        formats: &["csv"],
        given: |a| a.rows.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--columns",
        formats: &["csv"],
        given: |a| !a.columns.is_empty(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--no-formula-guard",
        formats: &["csv"],
        given: |a| a.no_formula_guard,
        shapes_context: false,
    },
    FormatOption {
        flag: "--bom",
        formats: &["csv"],
        given: |a| a.bom,
        shapes_context: false,
    },
    FormatOption {
        flag: "--separator",
        formats: &["csv", "xlsx"],
        given: |a| a.separator.is_some(),
        shapes_context: false,
    },
    FormatOption {
        flag: "--descriptions",
        formats: &["csv", "xlsx"],
        given: |a| a.descriptions,
        shapes_context: true,
    },
    FormatOption {
        flag: "--top",
        formats: &["markdown"],
        given: |a| a.top.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--with-groups",
        formats: &["sigma", "sigma-skeleton"],
        given: |a| a.with_groups,
        shapes_context: true,
    },
    FormatOption {
        flag: "--with-software",
        formats: &["sigma", "sigma-skeleton"],
        given: |a| a.with_software,
        shapes_context: true,
    },
    FormatOption {
        flag: "--author",
        formats: &["sigma-skeleton"],
        given: |a| a.author.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--date",
        formats: &["sigma-skeleton"],
        given: |a| a.date.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--level",
        formats: &["sigma-skeleton"],
        given: |a| a.level.is_some(),
        shapes_context: true,
    },
    FormatOption {
        flag: "--splunk-layout",
        formats: &["splunk"],
        given: |a| a.splunk_layout.is_some(),
        shapes_context: true,
    },
];

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
            csv: CsvOptions {
                rows: self.rows.unwrap_or(RowKind::Techniques),
                columns: (!self.columns.is_empty()).then(|| self.columns.clone()),
                separator: self.separator(),
                formula_guard: !self.no_formula_guard,
                bom: self.bom,
            },
            xlsx: XlsxOptions {
                separator: self.separator(),
            },
            markdown: MarkdownOptions {
                top: self.top.unwrap_or(MarkdownOptions::default().top),
            },
            sigma: SigmaOptions {
                with_groups: self.with_groups,
                with_software: self.with_software,
                author: self.author.clone(),
                date: self.date.clone(),
                level: self.level.clone(),
            },
            splunk: SplunkOptions {
                layout: self.splunk_layout.unwrap_or_default(),
            },
        }
    }

    fn separator(&self) -> String {
        self.separator
            .clone()
            .unwrap_or_else(|| DEFAULT_SEPARATOR.to_string())
    }

    /// The map options: descriptions when asked for, or when a chosen
    /// column needs them.
    fn map_options(&self) -> MapOptions {
        let wanted = self.descriptions
            || self
                .columns
                .iter()
                .flat_map(|c| c.split(','))
                .any(|c| c.trim().eq_ignore_ascii_case("description"));
        MapOptions {
            descriptions: wanted,
        }
    }

    /// Refuses options that the format does not use (see
    /// [`FORMAT_OPTIONS`]).
    fn check_format_options(&self, format: &str) -> Result<()> {
        match FORMAT_OPTIONS
            .iter()
            .find(|o| (o.given)(self) && !o.formats.contains(&format))
        {
            Some(o) => Err(Error::OptionNotForFormat {
                option: o.flag,
                format: format.to_string(),
                formats: o.formats,
            }),
            None => Ok(()),
        }
    }

    /// Refuses, with `--from-context`, what only matters when the context is
    /// built: ATT&CK inputs, a selection, and the options that shape the
    /// context. The context file already holds their effect, so they would
    /// be silently ignored.
    fn check_from_context(&self) -> Result<()> {
        let refuse = |what: String| {
            Err(Error::Invalid(format!(
                "{what} with --from-context: the context file already holds the selected \
                 data; give it when writing the context with --context"
            )))
        };
        let inputs = &self.inputs;
        if !inputs.stix.is_empty() || !inputs.data.is_empty() || inputs.model.is_some() {
            return refuse("ATT&CK inputs (--stix, --data, --model) are not read".to_string());
        }
        if self.selection.criteria()? != Criteria::default() {
            return refuse("a selection has no effect".to_string());
        }
        match FORMAT_OPTIONS
            .iter()
            .find(|o| o.shapes_context && (o.given)(self))
        {
            Some(o) => refuse(format!("{} has no effect", o.flag)),
            None => Ok(()),
        }
    }

    fn say(&self, message: &str) {
        if !self.inputs.quiet {
            eprintln!("attackmap: {message}");
        }
    }
}

impl ExportArgs {
    /// The files this run reads (`read` plus a `--template` file), which
    /// its outputs must not overwrite.
    fn read_files(&self, mut read: Vec<PathBuf>) -> Vec<PathBuf> {
        read.extend(self.template.clone());
        read
    }
}

/// Runs `attackmap export`.
pub fn run(args: &ExportArgs) -> Result<i32> {
    let exporter = export::exporter(&args.format)?;
    args.check_format_options(exporter.name())?;
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
    if args.each.is_some() {
        check_each_target(&target)?;
    }
    if exporter.binary()
        && !args.context
        && matches!(target, Target::Stdout)
        && std::io::stdout().is_terminal()
    {
        return Err(Error::Invalid(format!(
            "{} output is binary: give a file with -o FILE.{} (or redirect stdout)",
            exporter.name(),
            exporter.extension()
        )));
    }

    if let Some(path) = &args.from_context {
        args.check_from_context()?;
        let bytes = attackmap::fsutil::read_bytes(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let context = export::read_context(path, &bytes, exporter.name())?;
        let finished =
            export::output_with_warnings(exporter, &templates, &context, &args.options())?;
        report_finish_warnings(args, std::slice::from_ref(&finished));
        let bytes = finished.bytes;
        let default_name = format!("{}.{}", exporter.name(), exporter.extension());
        let inputs = args.read_files(vec![path.clone()]);
        write_one(args, &target, &default_name, &bytes, None, &inputs)?;
        return Ok(EXIT_OK);
    }

    let loaded = args.inputs.load(args.map_options())?;
    let inputs = args.read_files(loaded.input_files.clone());
    let criteria = args.selection.criteria()?;
    let options = args.options();
    let documents = export::prepare(&loaded.model, &criteria, exporter, &options, args.each)?;
    report_warnings(args, &documents);

    // Render everything before writing anything: a template error leaves no
    // file behind.
    let finished = export::parallel_map(&documents, |doc| {
        if args.context {
            export::context_to_json(&doc.context).map(|text| Finished {
                bytes: text.into_bytes(),
                warnings: Vec::new(),
            })
        } else {
            export::output_with_warnings(exporter, &templates, &doc.context, &options)
        }
    })?;
    report_finish_warnings(args, &finished);
    let rendered: Vec<Vec<u8>> = finished.into_iter().map(|f| f.bytes).collect();

    if let Some(each) = args.each {
        let Target::Dir(dir) = &target else {
            return Err(Error::Internal("--each without a directory".to_string()));
        };
        if documents.is_empty() {
            args.say(&nothing_for_each(each, &criteria));
            return Ok(EXIT_OK);
        }
        write_each(args, exporter, dir, &documents, &rendered, &inputs)?;
        return Ok(EXIT_OK);
    }

    let (doc, text) = match (documents.first(), rendered.first()) {
        (Some(doc), Some(text)) => (doc, text),
        _ => return Err(Error::Internal("no document to write".to_string())),
    };
    let default_name = default_file_name(exporter, &criteria, &loaded.model, args.context);
    write_one(args, &target, &default_name, text, Some(doc), &inputs)?;
    Ok(EXIT_OK)
}

/// The warning when `--each` has no object to write a file for.
fn nothing_for_each(each: Each, criteria: &Criteria) -> String {
    let lists: Vec<String> = criteria
        .lists_naming_nothing()
        .map(|l| format!("{} is empty", l.argument()))
        .collect();
    let why = if lists.is_empty() {
        String::new()
    } else {
        format!(" ({})", lists.join(", "))
    };
    format!(
        "warning: --each {0}: no {0} to write a file for{why}; nothing was written",
        each.as_str()
    )
}

/// `--each` needs a directory: stdout or an existing file is an error.
fn check_each_target(target: &Target) -> Result<()> {
    match target {
        Target::Stdout => Err(Error::Invalid(
            "--each writes one file per object: give the directory with -o DIR".to_string(),
        )),
        Target::Dir(dir) if dir.exists() && !dir.is_dir() => {
            Err(Error::EachNeedsDirectory { path: dir.clone() })
        }
        _ => Ok(()),
    }
}

/// Writes the `--each` documents into `dir`, each file atomically. On a
/// failure the files already written stay (each complete) and the error
/// names the file that failed and says how many were written.
fn write_each(
    args: &ExportArgs,
    exporter: &dyn Exporter,
    dir: &Path,
    documents: &[Document],
    rendered: &[Vec<u8>],
    inputs: &[PathBuf],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::with_capacity(documents.len());
    for (doc, text) in documents.iter().zip(rendered) {
        let name = doc
            .file_name
            .clone()
            .ok_or_else(|| Error::Internal("--each document without a file name".into()))?;
        let name = if args.context {
            context_name(&name)
        } else {
            name
        };
        let path = dir.join(name);
        refuse_overwriting_inputs(&path, inputs)?;
        files.push((path, text.as_slice()));
    }
    write_atomic_all(&files).map_err(|failure| Error::EachWrite {
        path: failure.path,
        dir: dir.to_path_buf(),
        written: failure.written,
        total: files.len(),
        source: failure.source,
    })?;
    args.say(&each_summary(args, exporter, dir, documents));
    Ok(())
}

/// `wrote 172 navigator files to DIR (4640 selected techniques in all,
/// counted once in each file)`: the sum of each file's selected techniques — a technique
/// in several files counts in each (the file's own count, as a single
/// export reports it).
fn each_summary(
    args: &ExportArgs,
    exporter: &dyn Exporter,
    dir: &Path,
    documents: &[Document],
) -> String {
    let kind = if args.context {
        "context"
    } else {
        exporter.name()
    };
    let techniques: usize = documents.iter().map(|d| d.techniques).sum();
    let files = plural(
        documents.len(),
        &format!("{kind} file"),
        &format!("{kind} files"),
    );
    let in_all = if documents.len() == 1 {
        plural(techniques, "selected technique", "selected techniques")
    } else {
        format!(
            "{} in all, counted once in each file",
            plural(techniques, "selected technique", "selected techniques")
        )
    };
    format!("wrote {files} to {} ({in_all})", dir.display())
}

fn context_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{stem}.context.json")
}

/// `<ID>_<name>.<ext>` when exactly one group, software or campaign is
/// named (by ID, name or alias; the same object named twice counts once),
/// else `<format>.<ext>`.
fn default_file_name(
    exporter: &dyn Exporter,
    criteria: &Criteria,
    model: &attackmap::Model,
    context: bool,
) -> String {
    let named = named_objects(criteria, model);
    let name = match named.as_slice() {
        [(id, name)] => export::output_file_name(id, name, exporter.extension()),
        _ => format!("{}.{}", exporter.name(), exporter.extension()),
    };
    if context { context_name(&name) } else { name }
}

/// The distinct groups, software and campaigns the criteria name, as
/// (ID, name). A query that names nothing of its kind is left out (the
/// selection has already refused it).
fn named_objects(criteria: &Criteria, model: &attackmap::Model) -> Vec<(String, String)> {
    let lists = [
        (&criteria.groups, ObjectKind::Group),
        (&criteria.software, ObjectKind::Software),
        (&criteria.campaigns, ObjectKind::Campaign),
    ];
    let mut named: Vec<(String, String)> = Vec::new();
    for (queries, kind) in lists {
        for query in queries {
            let info = match resolve_kind(model, query, kind) {
                Ok(Resolved::Group(g)) => &g.info,
                Ok(Resolved::Software(s)) => &s.info,
                Ok(Resolved::Campaign(c)) => &c.info,
                _ => continue,
            };
            if !named.iter().any(|(id, _)| *id == info.id) {
                named.push((info.id.clone(), info.name.clone()));
            }
        }
    }
    named
}

fn write_one(
    args: &ExportArgs,
    target: &Target,
    default_name: &str,
    bytes: &[u8],
    doc: Option<&Document>,
    inputs: &[PathBuf],
) -> Result<()> {
    let path = match target {
        Target::Stdout => return write_stdout(bytes),
        Target::File(path) => path.clone(),
        Target::Dir(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            dir.join(default_name)
        }
    };
    refuse_overwriting_inputs(&path, inputs)?;
    write_atomic(&path, bytes)?;
    let what = if args.context { "context" } else { "output" };
    match doc {
        // Rows of a CSV may be groups or pairs: the figure is what was
        // selected, whatever the rows are.
        Some(doc) => args.say(&format!(
            "wrote {what} to {} ({} selected)",
            display(&path),
            plural(doc.techniques, "technique", "techniques")
        )),
        None => args.say(&format!("wrote {what} to {}", display(&path))),
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Prints the warnings of finishing the outputs (an empty `description`
/// column, …), once each.
fn report_finish_warnings(args: &ExportArgs, finished: &[Finished]) {
    if args.inputs.quiet {
        return;
    }
    let distinct: BTreeSet<&str> = finished
        .iter()
        .flat_map(|f| f.warnings.iter().map(String::as_str))
        .collect();
    for w in distinct {
        eprintln!("attackmap: warning: {w}");
    }
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
