//! The exporter framework: every output format is an [`Exporter`] that turns
//! the same [`Selection`] of the same enriched model into a template context,
//! rendered by a minijinja template (see [`templates`]).
//!
//! The path of an export:
//!
//! 1. [`prepare`] resolves the [`Criteria`] into a [`Selection`] (one per
//!    object with `--each`) and builds each [`Document`]'s context: the
//!    common part ([`context`]) plus the exporter's own part
//!    ([`Exporter::context`]);
//! 2. [`render`] renders a context with the exporter's template and, for a
//!    JSON, YAML, TOML or CSV format, parses the output back: invalid output
//!    is an error, never a file;
//! 3. [`output`] hands the rendered text to [`Exporter::finish`], which
//!    returns the bytes to write: the text itself for most formats; for the
//!    spreadsheet formats (`csv`, `xlsx`) the template renders a *column
//!    spec* and `finish` writes the rows of the context's tables with a CSV
//!    or workbook writer ([`table`]).
//!
//! # Adding a format
//!
//! 1. Write `src/export/<format>.rs` with a unit struct implementing
//!    [`Exporter`]: its name, template, [`Syntax`], and the context part it
//!    adds (a [`minijinja::Value`], usually from a `Serialize` struct).
//! 2. Write `templates/<format>.<ext>.j2` and add it to
//!    [`templates::BUILTIN`].
//! 3. Add the exporter to [`EXPORTERS`]; options of its own go in a struct
//!    of its file and a field of [`ExportOptions`]. A name with a hyphen
//!    (`splunk-lookup`) needs a [`Exporter::context_key`] without one
//!    (`splunk_lookup`), so templates can reach its part.
//! 4. For output that is not the rendered text itself, implement
//!    [`Exporter::finish`] (and [`Exporter::binary`] for bytes that must
//!    not go to a terminal).
//!
//! The formats: [`navigator`] (ATT&CK Navigator layers); [`csv`], [`xlsx`]
//! and [`markdown`] (reports); [`sigma`] (`sigma`, `sigma-skeleton`);
//! [`splunk`] (`splunk`, `splunk-annotations`, `splunk-lookup`),
//! [`sentinel`] (`sentinel`, `sentinel-arm`) and [`elastic`] (`elastic`,
//! `elastic-json`, `elastic-ecs`).
//!
//! The command line (`attackmap export <format>`), `--context`,
//! `--from-context`, `--each`, template overrides and `templates list/eject`
//! then work for it without further code.

pub mod context;
pub mod csv;
pub mod elastic;
pub mod markdown;
pub mod navigator;
pub mod sentinel;
pub mod sigma;
pub mod splunk;
pub mod table;
pub mod templates;
pub mod xlsx;

use minijinja::value::{Serde, Value};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Domain, Model, ObjectInfo, ObjectKind, Technique};
use crate::query::closest;
use crate::selection::{Criteria, Selection};

use self::context::*;
use self::templates::Templates;

/// What an exporter writes, so its output can be checked before it is
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON: parsed back after rendering.
    Json,
    /// YAML (one or several documents): parsed back after rendering.
    Yaml,
    /// TOML: parsed back after rendering.
    Toml,
    /// CSV: read back after rendering; every record must have as many
    /// fields as the header.
    Csv,
    /// Anything else: written as rendered.
    Text,
}

impl Syntax {
    /// Checks that `text`, rendered by `template`, is valid in this syntax.
    pub fn check(self, template: &str, text: &str) -> Result<()> {
        match self {
            Syntax::Json => serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map(|_| ())
                .map_err(|e| invalid_output(template, "JSON", text, e.line(), e.column(), &e)),
            Syntax::Yaml => {
                for document in serde_yaml::Deserializer::from_str(text) {
                    if let Err(e) = serde::de::IgnoredAny::deserialize(document) {
                        let (line, column) = e
                            .location()
                            .map(|l| (l.line(), l.column()))
                            .unwrap_or((0, 0));
                        return Err(invalid_output(template, "YAML", text, line, column, &e));
                    }
                }
                Ok(())
            }
            Syntax::Toml => toml_edit::Document::parse(text).map(|_| ()).map_err(|e| {
                let (line, column) = e.span().map_or((0, 0), |s| line_column(text, s.start));
                invalid_output(template, "TOML", text, line, column, &e.message())
            }),
            Syntax::Csv => check_csv(text).map_err(|(line, message)| {
                invalid_output(template, "CSV", text, line, 1, &message)
            }),
            Syntax::Text => Ok(()),
        }
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Reads CSV back: every record must have the header's number of fields.
/// The error is the 1-based line and what is wrong.
fn check_csv(text: &str) -> std::result::Result<(), (usize, String)> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(text.as_bytes());
    for record in reader.records() {
        if let Err(e) = record {
            let line = e.position().map_or(0, |p| p.line() as usize);
            return Err((line, e.to_string()));
        }
    }
    Ok(())
}

fn invalid_output(
    template: &str,
    syntax: &str,
    text: &str,
    line: usize,
    column: usize,
    err: &dyn std::fmt::Display,
) -> Error {
    let message = crate::error::strip_position(&err.to_string());
    let excerpt = text
        .lines()
        .nth(line.saturating_sub(1))
        .map(|l| {
            // A window of the line around the column.
            let chars: Vec<char> = l.chars().collect();
            let at = column.saturating_sub(1).min(chars.len());
            let start = at.saturating_sub(80);
            let end = (at + 40).min(chars.len());
            let window: String = chars[start..end].iter().collect();
            let (pre, post) = (
                if start > 0 { "…" } else { "" },
                if end < chars.len() { "…" } else { "" },
            );
            format!("\n  output line {line}: {pre}{}{post}", window.trim())
        })
        .unwrap_or_default();
    Error::Template(format!(
        "template {template} produced invalid {syntax} (line {line}, column {column}): {message}{excerpt}"
    ))
}

/// An output format.
pub trait Exporter: Send + Sync {
    /// The name on the command line (`navigator`); also the key of the
    /// exporter's part of the context unless [`Exporter::context_key`] says
    /// otherwise.
    fn name(&self) -> &'static str;
    /// The key of the exporter's part of the context: its name, unless the
    /// name has a hyphen (templates cannot reach `splunk-lookup.rows`, they
    /// can reach `splunk_lookup.rows`) or several exporters share one part
    /// (`sigma` and `sigma-skeleton` both use `sigma`). A template variable,
    /// so letters, digits and `_` only.
    fn context_key(&self) -> &'static str {
        self.name()
    }
    /// One line saying what it writes.
    fn summary(&self) -> &'static str;
    /// The name of the template it renders with (a built-in name, which
    /// user templates can shadow).
    fn template(&self) -> &'static str;
    /// The syntax of its output.
    fn syntax(&self) -> Syntax;
    /// The file extension of its output (without dot).
    fn extension(&self) -> &'static str;
    /// Builds the exporter's part of the context.
    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext>;
    /// Turns the rendered template into the bytes written. The default
    /// writes the text as it is; the spreadsheet formats read a column spec
    /// from it and write their tables.
    fn finish(&self, rendered: String, _output: &Output<'_>) -> Result<Vec<u8>> {
        Ok(rendered.into_bytes())
    }
    /// Whether the output is binary: never written to a terminal.
    fn binary(&self) -> bool {
        false
    }
}

/// What [`Exporter::finish`] gets besides the rendered text.
pub struct Output<'a> {
    /// The template's name as errors show it (with the file it came from).
    pub template: &'a str,
    /// The context the text was rendered from.
    pub context: &'a Value,
    /// The options.
    pub options: &'a ExportOptions,
    /// Warnings of the finishing step (see [`Output::warn`]).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

impl Output<'_> {
    /// Records a warning, printed on stderr by the command line.
    pub fn warn(&self, warning: String) {
        self.warnings.borrow_mut().push(warning);
    }

    /// The exporter's part of the context (`csv`); missing in a context file
    /// written for another format is an error saying so.
    pub fn part(&self, key: &str) -> Result<Value> {
        self.attr(self.context, "the context", key).map_err(|_| {
            Error::Invalid(format!(
                "the context has no `{key}` part: was it written by `attackmap export {key} --context`?"
            ))
        })
    }

    /// Whether the model behind a `csv` or `xlsx` part has descriptions:
    /// its `descriptions` field, `true` when a context file lacks it.
    pub fn descriptions(&self, part: &Value) -> bool {
        match part.get_attr("descriptions") {
            Ok(v) if v.kind() == minijinja::value::ValueKind::Bool => v.is_true(),
            _ => true,
        }
    }

    /// The attribute `key` of `value` (called `path` in errors); missing or
    /// `none` is an error.
    pub fn attr(&self, value: &Value, path: &str, key: &str) -> Result<Value> {
        match value.get_attr(key) {
            Ok(v) if !v.is_undefined() && !v.is_none() => Ok(v),
            _ => Err(Error::Invalid(format!("context: {path} has no `{key}`"))),
        }
    }
}

/// What an exporter gets to build its context part from.
pub struct ExportInput<'a> {
    /// The model.
    pub model: &'a Model,
    /// The resolved selection.
    pub selection: &'a Selection<'a>,
    /// The common technique contexts, one per selected technique.
    pub techniques: &'a [TechniqueContext<'a>],
    /// The domains the output covers.
    pub domains: &'a [&'a Domain],
    /// With `--each`: the object the output is for.
    pub object: Option<&'a ObjectContext>,
    /// The options.
    pub options: &'a ExportOptions,
}

/// An exporter's part of the context, and the warnings it has.
pub struct FormatContext {
    /// Stored in the context under the exporter's name.
    pub value: Value,
    /// Printed on stderr.
    pub warnings: Vec<String>,
}

/// Options of the exporters, one field per exporter that has any.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Navigator layers.
    pub navigator: navigator::NavigatorOptions,
    /// Flat CSV.
    pub csv: csv::CsvOptions,
    /// Excel workbooks.
    pub xlsx: xlsx::XlsxOptions,
    /// Markdown summaries.
    pub markdown: markdown::MarkdownOptions,
    /// Sigma tags and rule skeletons.
    pub sigma: sigma::SigmaOptions,
    /// Splunk detection YAML.
    pub splunk: splunk::SplunkOptions,
}

/// Every exporter, in the order `templates list` and the help show them.
pub static EXPORTERS: &[&dyn Exporter] = &[
    &navigator::Navigator,
    &csv::Csv,
    &xlsx::Xlsx,
    &markdown::Markdown,
    &sigma::SigmaTags,
    &sigma::SigmaSkeleton,
    &splunk::Splunk,
    &splunk::SplunkAnnotations,
    &splunk::SplunkLookup,
    &sentinel::Sentinel,
    &sentinel::SentinelArm,
    &elastic::Elastic,
    &elastic::ElasticJson,
    &elastic::ElasticEcs,
];

/// The exporter called `name`; an unknown name is an error with the closest
/// name and the list of formats.
pub fn exporter(name: &str) -> Result<&'static dyn Exporter> {
    if let Some(found) = EXPORTERS
        .iter()
        .find(|e| e.name().eq_ignore_ascii_case(name.trim()))
    {
        return Ok(*found);
    }
    let names: Vec<&str> = EXPORTERS.iter().map(|e| e.name()).collect();
    let suggestion = closest(name, names.iter().copied())
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    Err(Error::Invalid(format!(
        "unknown export format '{name}'{suggestion}; formats: {}",
        names.join(", ")
    )))
}

/// Which kind of object `--each` writes one output per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Each {
    /// One output per group.
    Group,
    /// One output per software.
    Software,
    /// One output per campaign.
    Campaign,
    /// One output per selected technique.
    Technique,
}

impl Each {
    /// Every kind, in the order the help lists them.
    pub const ALL: [Each; 4] = [Each::Group, Each::Software, Each::Campaign, Each::Technique];

    /// Parses `group`, `software`, `campaign` or `technique`
    /// (case-insensitive; the plural is accepted too).
    pub fn parse(s: &str) -> Option<Each> {
        let s = s.trim().to_ascii_lowercase();
        let singular = s.strip_suffix('s').unwrap_or(&s);
        Each::ALL
            .into_iter()
            .find(|e| e.as_str() == s || e.as_str() == singular)
    }

    /// The kind of object.
    pub fn kind(self) -> ObjectKind {
        match self {
            Each::Group => ObjectKind::Group,
            Each::Software => ObjectKind::Software,
            Each::Campaign => ObjectKind::Campaign,
            Each::Technique => ObjectKind::Technique,
        }
    }

    /// `group`, `software`, `campaign` or `technique`.
    pub fn as_str(self) -> &'static str {
        match self {
            Each::Group => "group",
            Each::Software => "software",
            Each::Campaign => "campaign",
            Each::Technique => "technique",
        }
    }
}

/// One output to render: its context, and where it goes with `--each`.
#[derive(Debug, Clone)]
pub struct Document {
    /// With `--each`: `<ID>_<sanitised name>.<ext>`.
    pub file_name: Option<String>,
    /// With `--each`: the object.
    pub object: Option<ObjectContext>,
    /// The template context.
    pub context: Value,
    /// Warnings of the selection and the exporter.
    pub warnings: Vec<String>,
    /// Number of selected techniques.
    pub techniques: usize,
}

/// Resolves the criteria and builds the context of every output: one, or
/// with `each` one per group/software/campaign (the named ones, or every
/// live one when none is named) or per selected technique.
pub fn prepare(
    model: &Model,
    criteria: &Criteria,
    exporter: &dyn Exporter,
    options: &ExportOptions,
    each: Option<Each>,
) -> Result<Vec<Document>> {
    let base = Selection::resolve(model, criteria)?;
    let cache = RelatedCache::new(model);
    let Some(each) = each else {
        return Ok(vec![document(
            model, &base, exporter, options, None, &cache,
        )?]);
    };
    let objects = each_objects(model, &base, criteria, each);
    let one = |object: &ObjectContext| -> Result<Document> {
        let mut one = criteria.clone();
        match each {
            Each::Group => one.groups = vec![object.id.clone()],
            Each::Software => one.software = vec![object.id.clone()],
            Each::Campaign => one.campaigns = vec![object.id.clone()],
            Each::Technique => {
                one.techniques = vec![crate::selection::TechniqueArg {
                    id: object.id.clone(),
                    from: None,
                }];
            }
        }
        let selection = Selection::resolve(model, &one)?;
        document(
            model,
            &selection,
            exporter,
            options,
            Some(object.clone()),
            &cache,
        )
    };
    let mut documents = parallel_map(&objects, |object| one(object))?;
    let mut names = std::collections::HashSet::new();
    for (doc, object) in documents.iter_mut().zip(&objects) {
        let mut name = output_file_name(&object.id, &object.name, exporter.extension());
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = output_file_name(
                &format!("{}-{n}", object.id),
                &object.name,
                exporter.extension(),
            );
            n += 1;
        }
        doc.file_name = Some(name);
    }
    Ok(documents)
}

/// The objects `--each` writes one output per: the named ones of that kind,
/// else every live one (revoked and deprecated ones only when the criteria
/// include them) — none when an empty `@FILE` list was given for that kind;
/// for techniques, those of the selection.
fn each_objects(
    model: &Model,
    base: &Selection<'_>,
    criteria: &Criteria,
    each: Each,
) -> Vec<ObjectContext> {
    let infos: Vec<&ObjectInfo> = match each {
        Each::Technique => {
            return base
                .techniques
                .iter()
                .map(|t| ObjectContext {
                    kind: each.as_str(),
                    id: t.technique_id.clone(),
                    name: t.name.clone(),
                    url: templates::technique_url(&t.technique_id),
                })
                .collect();
        }
        Each::Group | Each::Software | Each::Campaign if criteria.names_nothing_of(each.kind()) => {
            Vec::new()
        }
        Each::Group if !base.groups.is_empty() => base.groups.iter().map(|g| &g.info).collect(),
        Each::Group => model.groups.iter().map(|g| &g.info).collect(),
        Each::Software if !base.software.is_empty() => {
            base.software.iter().map(|s| &s.info).collect()
        }
        Each::Software => model.software.iter().map(|s| &s.info).collect(),
        Each::Campaign if !base.campaigns.is_empty() => {
            base.campaigns.iter().map(|c| &c.info).collect()
        }
        Each::Campaign => model.campaigns.iter().map(|c| &c.info).collect(),
    };
    infos
        .into_iter()
        .filter(|info| {
            (!info.revoked || criteria.include_revoked)
                && (!info.deprecated || criteria.include_deprecated)
        })
        .map(|info| ObjectContext {
            kind: each.as_str(),
            id: info.id.clone(),
            name: info.name.clone(),
            url: templates::attack_url(&info.id),
        })
        .collect()
}

/// `f` over `items` on as many threads as there are cores (at most 8), in
/// order; the first error wins.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 8);
    if threads == 1 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<R>>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| Error::Internal("an export thread panicked".to_string()))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// Builds one document's context; `cache` holds the technique values shared
/// between documents (a fresh [`RelatedCache`] will do).
pub fn document(
    model: &Model,
    selection: &Selection<'_>,
    exporter: &dyn Exporter,
    options: &ExportOptions,
    object: Option<ObjectContext>,
    cache: &RelatedCache,
) -> Result<Document> {
    let domains = output_domains(model, selection);
    let techniques: Vec<TechniqueContext<'_>> = selection
        .techniques
        .iter()
        .map(|t| TechniqueContext::new(model, selection, t, cache))
        .collect();
    let input = ExportInput {
        model,
        selection,
        techniques: &techniques,
        domains: &domains,
        object: object.as_ref(),
        options,
    };
    let part = exporter.context(&input)?;
    let context = Context {
        attackmap: Generator::new(exporter.name()),
        source: SourceContext::new(model),
        selection: SelectionContext::new(selection),
        object: object.clone(),
        domains: domains
            .iter()
            .map(|d| DomainContext::new(model, d))
            .collect(),
        techniques,
        format_part: part.value,
        format_key: exporter.context_key(),
    };
    let mut warnings = selection.warnings.clone();
    warnings.extend(part.warnings);
    Ok(Document {
        file_name: None,
        object,
        context: Value::from(Serde(&context)),
        warnings,
        techniques: selection.techniques.len(),
    })
}

/// The selected techniques that are live, with their contexts, for the
/// formats that must never carry a revoked or deprecated ID (the SIEM
/// formats); a warning for each one left out (kept in the selection with
/// `--include-revoked` / `--include-deprecated`).
pub fn live_selected<'i, 'a>(
    input: &'i ExportInput<'a>,
) -> (Vec<(&'a Technique, &'i TechniqueContext<'a>)>, Vec<String>) {
    let mut live = Vec::new();
    let mut warnings = Vec::new();
    for (t, tc) in input.selection.techniques.iter().zip(input.techniques) {
        if t.is_live() {
            live.push((*t, tc));
        } else if t.revoked {
            let instead = t
                .replaced_by
                .as_deref()
                .map(|r| format!("; use {r} instead"))
                .unwrap_or_default();
            warnings.push(format!(
                "{} ({}) is revoked and is left out of this format{instead}",
                t.technique_id, t.full_name
            ));
        } else {
            warnings.push(format!(
                "{} ({}) is deprecated and is left out of this format",
                t.technique_id, t.full_name
            ));
        }
    }
    (live, warnings)
}

/// A technique's ATT&CK page as the release gives it, with the trailing
/// slash the SIEM formats want (`https://attack.mitre.org/techniques/T1059/001/`);
/// computed from the ID when the data has no URL.
pub fn technique_reference(model: &Model, id: &str) -> String {
    let from_data = model.technique(id).and_then(|t| t.url.as_deref());
    with_slash(from_data, || templates::technique_url(id))
}

/// A tactic's ATT&CK page as the release gives it, with the trailing slash
/// (`https://attack.mitre.org/tactics/TA0002/`).
pub fn tactic_reference(model: &Model, id: &str) -> String {
    let from_data = model
        .tactics
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.url.as_deref());
    with_slash(from_data, || templates::attack_url(id))
}

fn with_slash(url: Option<&str>, computed: impl FnOnce() -> Option<String>) -> String {
    let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => u.to_string(),
        None => computed().unwrap_or_default(),
    };
    if url.is_empty() || url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    }
}

/// The domains an output covers: those named with `--domain`, else those of
/// the selected techniques, else (nothing selected) every loaded domain.
pub fn output_domains<'m>(model: &'m Model, selection: &Selection<'m>) -> Vec<&'m Domain> {
    if !selection.domains.is_empty() {
        return selection.domains.clone();
    }
    let used: Vec<&Domain> = model
        .domains
        .iter()
        .filter(|d| {
            selection
                .techniques
                .iter()
                .any(|t| t.domains.contains(&d.id))
        })
        .collect();
    if used.is_empty() {
        model.domains.iter().collect()
    } else {
        used
    }
}

/// Renders a context with the exporter's template (or its override) and
/// checks the output's syntax.
pub fn render(exporter: &dyn Exporter, templates: &Templates, context: &Value) -> Result<String> {
    let name = exporter.template();
    let text = templates.render(name, context)?;
    exporter
        .syntax()
        .check(&shown_name(templates, name), &text)?;
    Ok(text)
}

/// Renders a context ([`render`]) and finishes it ([`Exporter::finish`]):
/// the bytes to write.
pub fn output(
    exporter: &dyn Exporter,
    templates: &Templates,
    context: &Value,
    options: &ExportOptions,
) -> Result<Vec<u8>> {
    output_with_warnings(exporter, templates, context, options).map(|f| f.bytes)
}

/// The bytes to write and the warnings of finishing them.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The bytes to write.
    pub bytes: Vec<u8>,
    /// Warnings for stderr (an empty `description` column, …).
    pub warnings: Vec<String>,
}

/// [`output`], keeping the warnings of [`Exporter::finish`].
pub fn output_with_warnings(
    exporter: &dyn Exporter,
    templates: &Templates,
    context: &Value,
    options: &ExportOptions,
) -> Result<Finished> {
    let text = render(exporter, templates, context)?;
    let template = shown_name(templates, exporter.template());
    let out = Output {
        template: &template,
        context,
        options,
        warnings: Default::default(),
    };
    let bytes = exporter.finish(text, &out)?;
    Ok(Finished {
        bytes,
        warnings: out.warnings.into_inner(),
    })
}

/// `name`, or `name (path)` when a user file provides it.
fn shown_name(templates: &Templates, name: &str) -> String {
    match templates.origin(name) {
        Some(templates::Origin::File(path)) => format!("{name} ({})", path.display()),
        _ => name.to_string(),
    }
}

/// A context as indented JSON (what `--context` writes).
pub fn context_to_json(context: &Value) -> Result<String> {
    let mut text = serde_json::to_string_pretty(context)
        .map_err(|e| Error::Internal(format!("context to JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// Reads a context written by `--context`, to render from it.
/// Keys keep their order, so the output is the same as when rendering
/// directly. A file that is not a context (no `attackmap.format`: a
/// Navigator layer, a STIX bundle, …) is an [`Error::NotAContext`] saying
/// what it is.
pub fn context_from_json(path: &std::path::Path, bytes: &[u8]) -> Result<Value> {
    parse_context(path, bytes).map(|(context, _)| context)
}

/// Reads a context for `format` (see [`context_from_json`]); a context
/// written for another format is an [`Error::ContextFormat`] naming the
/// format it was written for.
pub fn read_context(path: &std::path::Path, bytes: &[u8], format: &str) -> Result<Value> {
    let (context, written_for) = parse_context(path, bytes)?;
    if written_for != format {
        return Err(Error::ContextFormat {
            path: path.to_path_buf(),
            written_for,
            format: format.to_string(),
        });
    }
    Ok(context)
}

/// The context in `bytes` and its `attackmap.format`, parsed once; the
/// file is looked at again ([`crate::jsonkind`]) only to say what it is
/// when it is not a context.
fn parse_context(path: &std::path::Path, bytes: &[u8]) -> Result<(Value, String)> {
    use crate::jsonkind::{JsonKind, json_kind};
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::json(path, bytes, &e))?;
    let format = value
        .get_attr("attackmap")
        .and_then(|a| a.get_attr("format"))
        .ok()
        .and_then(|f| f.as_str().map(str::to_string));
    if let Some(format) = format {
        return Ok((value, format));
    }
    let what = match json_kind(bytes) {
        JsonKind::Context(_) | JsonKind::OtherObject => "it has no `attackmap.format`".to_string(),
        other => format!("it is {}", other.describe()),
    };
    Err(Error::NotAContext {
        path: path.to_path_buf(),
        what,
    })
}

/// `<ID>_<name>.<ext>` with every character that is not an ASCII letter,
/// digit, `-` or `.` in the ID or name replaced by `_` (runs collapsed),
/// no leading dots, the name cut to 60 characters: a safe file name whatever
/// the data holds.
pub fn output_file_name(id: &str, name: &str, extension: &str) -> String {
    let id = sanitise(id, 32);
    let name = sanitise(name, 60);
    let stem = match (id.is_empty(), name.is_empty()) {
        (false, false) => format!("{id}_{name}"),
        (false, true) => id,
        (true, false) => name,
        (true, true) => "unnamed".to_string(),
    };
    format!("{stem}.{extension}")
}

fn sanitise(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let keep = c.is_ascii_alphanumeric() || c == '-';
        if keep {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed: String = out.trim_matches('_').chars().take(max).collect();
    trimmed.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_whatever_the_data() {
        assert_eq!(
            output_file_name("G0016", "APT29", "json"),
            "G0016_APT29.json"
        );
        assert_eq!(
            output_file_name("G0032", "Lazarus Group", "json"),
            "G0032_Lazarus_Group.json"
        );
        assert_eq!(
            output_file_name("G9999", "../../etc/passwd", "json"),
            "G9999_etc_passwd.json"
        );
        assert_eq!(
            output_file_name("S1", "a\\b/c:d*?\"<>|\0e", "json"),
            "S1_a_b_c_d_e.json"
        );
        assert_eq!(output_file_name("G1", "...", "json"), "G1.json");
        assert_eq!(output_file_name("../G1", "", "json"), "G1.json");
        assert_eq!(output_file_name("", "", "json"), "unnamed.json");
        assert_eq!(
            output_file_name("G1", "Ünïcödé 名前 name", "json"),
            "G1_n_c_d_name.json"
        );
        let long = "x".repeat(300);
        assert_eq!(
            output_file_name("G1", &long, "json").len(),
            "G1_".len() + 60 + 5
        );
    }

    #[test]
    fn unknown_formats_suggest_the_closest() {
        let err = exporter("navigatr").err().unwrap().to_string();
        assert!(err.contains("did you mean navigator?"), "{err}");
        assert!(exporter("Navigator").is_ok());
    }

    #[test]
    fn syntax_check_reports_line_and_column() {
        let err = Syntax::Json
            .check("t.json.j2", "{\n  \"a\": 1,\n}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.json.j2"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(Syntax::Yaml.check("t.yml", "a: [1, 2\n").is_err());
        assert!(Syntax::Yaml.check("t.yml", "a: 1\n---\nb: 2\n").is_ok());
        assert!(Syntax::Text.check("t.txt", "{").is_ok());
    }
}
