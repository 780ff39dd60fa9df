//! The templates every exporter renders its output with.
//!
//! Built-in templates live in `templates/` and are embedded in the binary.
//! A user overrides them in two ways:
//!
//! - a **template directory** (`--template-dir DIR`): a file in it shadows
//!   the built-in template of the same name, and may add templates of its own
//!   (for `{% include %}` / `{% import %}`);
//! - a **template file** (`--template FILE`): replaces the exporter's main
//!   template.
//!
//! Templates are [minijinja](https://docs.rs/minijinja) (Jinja2 syntax),
//! with `trim_blocks` and `lstrip_blocks` on (a line holding only a
//! `{% tag %}` leaves nothing in the output) and the trailing newline kept.
//! Templates whose name ends in `.json` or `.json.j2` escape every
//! `{{ value }}` as JSON (strings come out quoted), so values from the data
//! can never break the JSON. Undefined variables are errors, not empty
//! strings. The filters the formats need are registered by
//! [`register_filters`]; `docs/export.md` lists them.
//!
//! A template error names the template (and the file it came from), the line
//! and the failing expression.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// A template built into attackmap.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Name, as used by exporters, `{% include %}` and the files of a
    /// template directory (`navigator.json.j2`).
    pub name: &'static str,
    /// What it renders.
    pub summary: &'static str,
    /// The template source.
    pub source: &'static str,
}

/// Every built-in template.
pub const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "navigator.json.j2",
        summary: "ATT&CK Navigator layer (format 4.5); an array of layers when several domains are selected",
        source: include_str!("../../templates/navigator.json.j2"),
    },
    Builtin {
        name: "csv.columns.j2",
        summary: "the columns of a CSV export (one `key: Header` per line); the rows are written by a CSV writer",
        source: include_str!("../../templates/csv.columns.j2"),
    },
    Builtin {
        name: "xlsx.sheets.j2",
        summary: "the sheets of a workbook (`[kind: Title]`, then `key: Header` lines)",
        source: include_str!("../../templates/xlsx.sheets.j2"),
    },
    Builtin {
        name: "markdown.md.j2",
        summary: "Markdown summary: counts, top techniques by groups, techniques without mitigations, per tactic",
        source: include_str!("../../templates/markdown.md.j2"),
    },
    Builtin {
        name: "sigma.yml.j2",
        summary: "Sigma rule tags: block: tactic tags, then technique, group and software tags",
        source: include_str!("../../templates/sigma.yml.j2"),
    },
    Builtin {
        name: "sigma-skeleton.yml.j2",
        summary: "Sigma rule skeletons, one YAML document per technique",
        source: include_str!("../../templates/sigma-skeleton.yml.j2"),
    },
    Builtin {
        name: "splunk.yml.j2",
        summary: "Splunk detection YAML: mitre_attack_id (tags: or top-level layout)",
        source: include_str!("../../templates/splunk.yml.j2"),
    },
    Builtin {
        name: "splunk-annotations.conf.j2",
        summary: "Splunk ES savedsearches.conf annotations line",
        source: include_str!("../../templates/splunk-annotations.conf.j2"),
    },
    Builtin {
        name: "splunk-lookup.csv.j2",
        summary: "Splunk lookup CSV of the techniques",
        source: include_str!("../../templates/splunk-lookup.csv.j2"),
    },
    Builtin {
        name: "sentinel.yaml.j2",
        summary: "Microsoft Sentinel analytics rule YAML: tactics and relevantTechniques",
        source: include_str!("../../templates/sentinel.yaml.j2"),
    },
    Builtin {
        name: "sentinel-arm.json.j2",
        summary: "Microsoft Sentinel ARM/REST properties: tactics, techniques, subTechniques",
        source: include_str!("../../templates/sentinel-arm.json.j2"),
    },
    Builtin {
        name: "elastic.toml.j2",
        summary: "Elastic detection-rules TOML [[rule.threat]] blocks (includes elastic-threat.toml.j2)",
        source: include_str!("../../templates/elastic.toml.j2"),
    },
    Builtin {
        name: "elastic-threat.toml.j2",
        summary: "partial: the [[rule.threat]] blocks of `threat`; used by elastic.toml.j2 and `siem fix`",
        source: include_str!("../../templates/elastic-threat.toml.j2"),
    },
    Builtin {
        name: "elastic.json.j2",
        summary: "Elastic rule threat array as JSON (Kibana API, NDJSON)",
        source: include_str!("../../templates/elastic.json.j2"),
    },
    Builtin {
        name: "elastic-ecs.json.j2",
        summary: "ECS threat.* fields",
        source: include_str!("../../templates/elastic-ecs.json.j2"),
    },
];

/// The built-in template called `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}

/// Where user templates come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateOptions {
    /// Replaces the exporter's main template (`--template FILE`).
    pub file: Option<PathBuf>,
    /// Files here shadow built-in templates by name (`--template-dir DIR`).
    pub dir: Option<PathBuf>,
}

/// Where a template's source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into attackmap.
    Builtin,
    /// A file given by the user.
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Builtin => f.write_str("built-in"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A minijinja environment with attackmap's filters and the user's
/// overrides, ready to render.
pub struct Templates {
    env: Environment<'static>,
    sources: Arc<Sources>,
}

/// The template sources in priority order: the `--template` file (under the
/// main template's name), the template directory, the built-ins.
#[derive(Debug, Default)]
struct Sources {
    file: Option<(String, PathBuf, String)>,
    dir: Option<PathBuf>,
}

impl Sources {
    /// The source and origin of `name`, or `None`.
    fn load(&self, name: &str) -> Result<Option<(String, Origin)>> {
        if let Some((main, path, source)) = &self.file {
            if main == name {
                return Ok(Some((source.clone(), Origin::File(path.clone()))));
            }
        }
        if let Some(dir) = &self.dir {
            if let Some(path) = safe_join(dir, name) {
                match std::fs::read_to_string(&path) {
                    Ok(source) => return Ok(Some((source, Origin::File(path)))),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => return Err(Error::Read { path, source }),
                }
            }
        }
        Ok(builtin(name).map(|b| (b.source.to_string(), Origin::Builtin)))
    }

    fn origin(&self, name: &str) -> Option<Origin> {
        self.load(name).ok().flatten().map(|(_, origin)| origin)
    }
}

/// `dir/name` when `name` is a plain relative path (no `..`, no root).
fn safe_join(dir: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(relative))
}

impl Templates {
    /// The environment for an exporter whose main template is `main`.
    /// Reads the `--template` file now (so a missing file is reported before
    /// any work); template-directory files are read when first used.
    pub fn new(options: &TemplateOptions, main: &str) -> Result<Templates> {
        let mut sources = Sources::default();
        if let Some(path) = &options.file {
            let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            sources.file = Some((main.to_string(), path.clone(), source));
        }
        if let Some(dir) = &options.dir {
            if !dir.is_dir() {
                return Err(Error::Invalid(format!(
                    "template directory {}: not a directory",
                    dir.display()
                )));
            }
            sources.dir = Some(dir.clone());
        }
        let sources = Arc::new(sources);
        let mut env = Environment::new();
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(auto_escape);
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| Error::Internal(format!("template syntax config: {e}")))?,
        );
        register_filters(&mut env);
        let loader_sources = Arc::clone(&sources);
        env.set_loader(move |name| match loader_sources.load(name) {
            Ok(found) => Ok(found.map(|(source, _)| source)),
            Err(err) => Err(minijinja::Error::new(
                ErrorKind::TemplateNotFound,
                err.to_string(),
            )),
        });
        Ok(Templates { env, sources })
    }

    /// Loads and compiles template `name` (the ones it includes are loaded
    /// when rendering), so that a syntax error is reported before any work.
    pub fn compile(&self, name: &str) -> Result<()> {
        self.env
            .get_template(name)
            .map(|_| ())
            .map_err(|err| Error::Template(self.describe(&err)))
    }

    /// Renders template `name` with `context`. The error names the template,
    /// where it came from, the line and the failing expression.
    pub fn render(&self, name: &str, context: &Value) -> Result<String> {
        let template = self
            .env
            .get_template(name)
            .map_err(|err| Error::Template(self.describe(&err)))?;
        let mut text = template
            .render(context)
            .map_err(|err| Error::Template(self.describe(&err)))?;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// The source of template `name` as it would be used, if it exists.
    pub fn source(&self, name: &str) -> Result<Option<String>> {
        Ok(self.sources.load(name)?.map(|(source, _)| source))
    }

    /// Where template `name` comes from, if it exists.
    pub fn origin(&self, name: &str) -> Option<Origin> {
        self.sources.origin(name)
    }

    /// A one-paragraph description of a minijinja error: template, origin,
    /// line, message, and the expression (or source line) at fault. Errors
    /// raised inside included templates are followed to their cause.
    /// An include cycle (a template that includes itself, directly or
    /// through others) is one error naming the cycle, not the chain of
    /// every nested include up to the recursion limit.
    pub fn describe(&self, err: &minijinja::Error) -> String {
        let chain = error_chain(err);
        if let Some(text) = describe_cycle(&chain, |name| self.sources.origin(name)) {
            return text;
        }
        let mut out = String::new();
        for (i, e) in chain.iter().enumerate() {
            if i > 0 {
                out.push_str("\n  caused by: ");
            }
            describe_one(&mut out, e, |name| self.sources.origin(name));
        }
        out
    }
}

/// The error and its causes, outermost first.
fn error_chain(err: &minijinja::Error) -> Vec<&minijinja::Error> {
    let mut chain = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        chain.push(e);
        current = std::error::Error::source(e).and_then(|s| s.downcast_ref());
    }
    chain
}

/// When the chain ends in minijinja's recursion limit, the include cycle
/// it went round, as one error: `template a.j2 (…), line 2: includes
/// itself` or `…: include cycle a.j2 → b.j2 → a.j2`. The chain holds one
/// error per nested include, outermost first; the first template that
/// comes round again starts the cycle.
fn describe_cycle(
    chain: &[&minijinja::Error],
    origin: impl Fn(&str) -> Option<Origin>,
) -> Option<String> {
    let last = chain.last()?;
    let limit = last.kind() == ErrorKind::InvalidOperation
        && last.detail().is_some_and(|d| d.contains("recursion limit"));
    if !limit {
        return None;
    }
    let names: Vec<&str> = chain.iter().map(|e| e.name().unwrap_or("?")).collect();
    let (start, end) = first_repeat(&names)?;
    let first = chain[start];
    let mut out = String::new();
    let name = names[start];
    let _ = write!(out, "template {name}");
    if let Some(Origin::File(path)) = origin(name) {
        let _ = write!(out, " ({})", path.display());
    }
    if let Some(line) = first.line() {
        let _ = write!(out, ", line {line}");
    }
    if end == start + 1 {
        out.push_str(": includes itself");
    } else {
        let _ = write!(out, ": include cycle {}", names[start..=end].join(" → "));
    }
    if start > 0 {
        let _ = write!(out, " (reached from {})", names[..start].join(" → "));
    }
    out.push_str(", so rendering never ends (stopped at the recursion limit)");
    if let Some(text) = first
        .template_source()
        .zip(first.line())
        .and_then(|(src, line)| src.lines().nth(line.saturating_sub(1)))
    {
        let _ = write!(out, "\n  at: {}", shortened(text.trim(), 120));
    }
    Some(out)
}

/// The first index whose name comes again, and where it comes again.
fn first_repeat(names: &[&str]) -> Option<(usize, usize)> {
    names.iter().enumerate().find_map(|(i, name)| {
        names[i + 1..]
            .iter()
            .position(|n| n == name)
            .map(|offset| (i, i + 1 + offset))
    })
}

fn describe_one(out: &mut String, err: &minijinja::Error, origin: impl Fn(&str) -> Option<Origin>) {
    match err.name() {
        Some(name) => {
            let _ = write!(out, "template {name}");
            if let Some(Origin::File(path)) = origin(name) {
                let _ = write!(out, " ({})", path.display());
            }
            match err.line() {
                Some(line) => {
                    let _ = write!(out, ", line {line}: ");
                }
                None => out.push_str(": "),
            }
        }
        None => out.push_str("template: "),
    }
    out.push_str(&err.kind().to_string());
    if let Some(detail) = err.detail() {
        let _ = write!(out, ": {detail}");
    }
    let source = err.template_source();
    let line_text = match (source, err.line()) {
        (Some(src), Some(line)) => src.lines().nth(line.saturating_sub(1)).map(str::trim),
        _ => None,
    };
    let expression = match (source, err.range()) {
        (Some(src), Some(range)) if range.start < range.end && range.end <= src.len() => {
            src.get(range).map(|s| s.trim().to_string())
        }
        _ => None,
    };
    match (err.kind(), expression, line_text) {
        (ErrorKind::SyntaxError, _, Some(text)) => {
            let _ = write!(out, "\n  at: {}", shortened(text, 120));
        }
        (_, Some(expr), _) if !expr.is_empty() => {
            let _ = write!(out, "\n  in expression: {}", shortened(&expr, 120));
        }
        (_, _, Some(text)) => {
            let _ = write!(out, "\n  at: {}", shortened(text, 120));
        }
        _ => {}
    }
}

fn shortened(s: &str, max: usize) -> String {
    let flat = one_line(s);
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// JSON escaping for `*.json` and `*.json.j2` templates, none for others.
fn auto_escape(name: &str) -> AutoEscape {
    let base = name.strip_suffix(".j2").unwrap_or(name);
    if base.ends_with(".json") {
        AutoEscape::Json
    } else {
        AutoEscape::None
    }
}

/// Registers attackmap's filters and tests on `env`:
///
/// | filter | example |
/// | --- | --- |
/// | `sigma_tag` | `T1059.001` → `attack.t1059.001`; `Command and Control` → `attack.command-and-control` |
/// | `sentinel_tactic` / `pascal_case` | `command-and-control` → `CommandAndControl` |
/// | `title_case` | `command-and-control` → `Command And Control` |
/// | `tactic_shortname` | `Command and Control` → `command-and-control` |
/// | `technique_url` | `T1059.001` → `https://attack.mitre.org/techniques/T1059/001/` |
/// | `attack_url` | any ATT&CK ID → its page (`G0016` → `…/groups/G0016/`) |
/// | `parent_id` | `T1059.001` → `T1059` |
/// | `json_escape` | a string's JSON escaping, without the quotes |
/// | `yaml_quote` | a double-quoted YAML scalar |
/// | `yaml_scalar` | plain when that reads back as the same string, else quoted |
/// | `one_line` | line breaks and runs of blanks as one space (for comments) |
/// | `toml_quote` | a TOML basic string (`"…"`, escaped) |
/// | `csv_field` | quoted for CSV when needed |
/// | `md_escape` | Markdown punctuation escaped, line breaks as spaces (safe in a table cell) |
/// | `tojson` | (minijinja built-in) a value as JSON |
///
/// Test: `subtechnique` (`{% if id is subtechnique %}`).
pub fn register_filters(env: &mut Environment<'static>) {
    env.add_filter("sigma_tag", |s: &str| sigma_tag(s));
    env.add_filter("sentinel_tactic", |s: &str| pascal_case(s));
    env.add_filter("pascal_case", |s: &str| pascal_case(s));
    env.add_filter("title_case", |s: &str| title_case(s));
    env.add_filter("tactic_shortname", |s: &str| tactic_shortname(s));
    env.add_filter("technique_url", |s: &str| {
        technique_url(s).ok_or_else(|| bad_value("technique_url", s, "a technique ID"))
    });
    env.add_filter("attack_url", |s: &str| {
        attack_url(s).ok_or_else(|| bad_value("attack_url", s, "an ATT&CK ID"))
    });
    env.add_filter("parent_id", |s: &str| parent_id(s).to_string());
    env.add_filter("json_escape", |s: &str| json_escape(s));
    env.add_filter("yaml_quote", |s: &str| yaml_quote(s));
    env.add_filter("yaml_scalar", |s: &str| yaml_scalar(s));
    env.add_filter("one_line", |s: &str| one_line(s));
    env.add_filter("toml_quote", |s: &str| toml_quote(s));
    env.add_filter("csv_field", |s: &str| csv_field(s));
    env.add_filter("md_escape", |s: &str| md_escape(s));
    env.add_test("subtechnique", |s: &str| is_subtechnique_id(s));
}

fn bad_value(filter: &str, value: &str, expected: &str) -> minijinja::Error {
    minijinja::Error::new(
        ErrorKind::InvalidOperation,
        format!("{filter}: '{value}' is not {expected}"),
    )
}

/// `T1059.001` → `attack.t1059.001`; a tactic (shortname or name) →
/// `attack.command-and-control`; anything else → `attack.` + lower case.
pub fn sigma_tag(value: &str) -> String {
    let v = value.trim();
    if is_technique_id(v) || is_tactic_id(v) {
        format!("attack.{}", v.to_ascii_lowercase())
    } else {
        format!("attack.{}", tactic_shortname(v))
    }
}

/// `Command and Control` / `command_and_control` → `command-and-control`.
pub fn tactic_shortname(value: &str) -> String {
    words(value)
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

/// `command-and-control` / `Command and Control` → `CommandAndControl`.
pub fn pascal_case(value: &str) -> String {
    words(value).map(capitalise).collect()
}

/// `command-and-control` → `Command And Control`.
pub fn title_case(value: &str) -> String {
    words(value).map(capitalise).collect::<Vec<_>>().join(" ")
}

fn words(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// `T1059` or `T1059.001` (upper case).
pub fn is_technique_id(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// `T1059.001`-shaped.
pub fn is_subtechnique_id(value: &str) -> bool {
    is_technique_id(value) && value.len() == 9
}

fn is_tactic_id(value: &str) -> bool {
    value.len() == 6 && value.starts_with("TA") && value[2..].bytes().all(|b| b.is_ascii_digit())
}

/// `T1059.001` → `T1059`; other values unchanged.
pub fn parent_id(value: &str) -> &str {
    if is_subtechnique_id(value) {
        &value[..5]
    } else {
        value
    }
}

/// The ATT&CK page of a technique, with the trailing slash ATT&CK uses:
/// `T1059.001` → `https://attack.mitre.org/techniques/T1059/001/`.
pub fn technique_url(id: &str) -> Option<String> {
    let id = id.trim();
    if !is_technique_id(id) {
        return None;
    }
    Some(format!(
        "https://attack.mitre.org/techniques/{}/",
        id.replace('.', "/")
    ))
}

/// The ATT&CK page of any object by ID prefix (`T`, `TA`, `G`, `S`, `C`,
/// `M`, `DET`, `DS`), with a trailing slash.
pub fn attack_url(id: &str) -> Option<String> {
    let id = id.trim();
    if is_technique_id(id) {
        return technique_url(id);
    }
    let prefix_len = id.bytes().take_while(u8::is_ascii_uppercase).count();
    let (prefix, digits) = id.split_at(prefix_len);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let section = match prefix {
        "TA" => "tactics",
        "G" => "groups",
        "S" => "software",
        "C" => "campaigns",
        "M" => "mitigations",
        "DET" => "detectionstrategies",
        "DS" => "datasources",
        _ => return None,
    };
    Some(format!("https://attack.mitre.org/{section}/{id}/"))
}

/// The JSON escaping of a string, without the surrounding quotes.
pub fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

/// A double-quoted YAML scalar (JSON string syntax, which YAML accepts).
pub fn yaml_quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A YAML scalar that reads back as `value` (a string) with every YAML
/// parser, 1.1 or 1.2: plain when it is made of letters, digits, blanks and
/// `_ - . , ( ) / + &` only, does not start with a digit, sign, dot or blank
/// or end with a blank, and is no boolean or null word; otherwise
/// single-quoted (`'` doubled), or double-quoted when it holds control
/// characters.
pub fn yaml_scalar(value: &str) -> String {
    if plain_is_safe(value) {
        value.to_string()
    } else if value.chars().any(char::is_control) {
        yaml_quote(value)
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

fn plain_is_safe(value: &str) -> bool {
    const WORDS: [&str; 10] = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
    ];
    let Some(first) = value.chars().next() else {
        return false;
    };
    first.is_alphabetic()
        && !value.ends_with(' ')
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || " _-.,()/+&".contains(c))
        && !WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
}

/// A TOML basic string: `"…"` with `"`, `\\` and every control
/// character escaped.
pub fn toml_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text on one line: every run of whitespace (line breaks included)
/// becomes one space, for values written into comments.
pub fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A CSV field: quoted (with `"` doubled) when it holds a comma, quote or
/// line break.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Markdown text safe anywhere, table cells included: `\`, `` ` ``, `*`,
/// `_`, `[`, `]`, `<`, `>` and `|` escaped with a backslash, line breaks
/// turned into spaces.
pub fn md_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A template as `templates list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    /// Template name.
    pub name: String,
    /// What it renders (empty for user-only templates).
    pub summary: String,
    /// Where it is taken from with these options.
    pub origin: Origin,
    /// Whether a user file shadows a built-in template.
    pub shadows_builtin: bool,
}

/// The built-in templates, and the files of the template directory, with
/// where each would be taken from.
pub fn list(dir: Option<&Path>) -> Result<Vec<TemplateInfo>> {
    let mut found: BTreeMap<String, TemplateInfo> = BTreeMap::new();
    for b in BUILTIN {
        found.insert(
            b.name.to_string(),
            TemplateInfo {
                name: b.name.to_string(),
                summary: b.summary.to_string(),
                origin: Origin::Builtin,
                shadows_builtin: false,
            },
        );
    }
    if let Some(dir) = dir {
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files)?;
        for (name, path) in files {
            let entry = found.entry(name.clone()).or_insert_with(|| TemplateInfo {
                name,
                summary: String::new(),
                origin: Origin::Builtin,
                shadows_builtin: false,
            });
            entry.shadows_builtin =
                matches!(entry.origin, Origin::Builtin) && builtin(&entry.name).is_some();
            entry.origin = Origin::File(path);
        }
    }
    Ok(found.into_values().collect())
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let read_error = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path));
        }
    }
    Ok(())
}

/// Writes every built-in template into `dir` (created if needed), to start a
/// template directory from. Existing files are kept unless `force`; the
/// names of those skipped are returned second.
pub fn eject(dir: &Path, force: bool) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for b in BUILTIN {
        let path = dir.join(b.name);
        if path.exists() && !force {
            kept.push(path);
            continue;
        }
        write_atomic(&path, b.source.as_bytes())?;
        written.push(path);
    }
    Ok((written, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::value::Serde;

    #[test]
    fn filters_convert_ids_and_tactics() {
        assert_eq!(sigma_tag("T1059.001"), "attack.t1059.001");
        assert_eq!(
            sigma_tag("Command and Control"),
            "attack.command-and-control"
        );
        assert_eq!(
            sigma_tag("command-and-control"),
            "attack.command-and-control"
        );
        assert_eq!(sigma_tag("TA0011"), "attack.ta0011");
        assert_eq!(pascal_case("command-and-control"), "CommandAndControl");
        assert_eq!(pascal_case("Command and Control"), "CommandAndControl");
        assert_eq!(pascal_case("privilege_escalation"), "PrivilegeEscalation");
        assert_eq!(title_case("command-and-control"), "Command And Control");
        assert_eq!(
            tactic_shortname("Command and Control"),
            "command-and-control"
        );
        assert_eq!(
            technique_url("T1059.001").as_deref(),
            Some("https://attack.mitre.org/techniques/T1059/001/")
        );
        assert_eq!(
            technique_url("T1059").as_deref(),
            Some("https://attack.mitre.org/techniques/T1059/")
        );
        assert_eq!(technique_url("T1059.01"), None);
        assert_eq!(
            attack_url("G0016").as_deref(),
            Some("https://attack.mitre.org/groups/G0016/")
        );
        assert_eq!(
            attack_url("TA0002").as_deref(),
            Some("https://attack.mitre.org/tactics/TA0002/")
        );
        assert_eq!(
            attack_url("DET0455").as_deref(),
            Some("https://attack.mitre.org/detectionstrategies/DET0455/")
        );
        assert_eq!(attack_url("X12"), None);
        assert_eq!(parent_id("T1059.001"), "T1059");
        assert_eq!(parent_id("T1059"), "T1059");
        assert_eq!(json_escape("a \"b\"\n\\"), "a \\\"b\\\"\\n\\\\");
        assert_eq!(yaml_quote("it's: \"x\""), "\"it's: \\\"x\\\"\"");
        assert_eq!(yaml_scalar("Scheduled Task"), "Scheduled Task");
        assert_eq!(yaml_scalar("attack.t1059.001"), "attack.t1059.001");
        assert_eq!(
            yaml_scalar("Interpreter: PowerShell"),
            "'Interpreter: PowerShell'"
        );
        assert_eq!(yaml_scalar("it's"), "'it''s'");
        assert_eq!(yaml_scalar("yes"), "'yes'");
        assert_eq!(yaml_scalar("2024-01-01"), "'2024-01-01'");
        assert_eq!(yaml_scalar(""), "''");
        assert_eq!(yaml_scalar("a\nb"), "\"a\\nb\"");
        assert_eq!(one_line("a\n  b\tc"), "a b c");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(
            md_escape("a|b *c* [d]\r\ne_f"),
            "a\\|b \\*c\\* \\[d\\] e\\_f"
        );
        assert_eq!(
            toml_quote("a \"b\"\\\n\u{7f}"),
            "\"a \\\"b\\\"\\\\\\n\\u007F\""
        );
    }

    #[test]
    fn technique_ids_are_recognised_exactly() {
        assert!(is_technique_id("T1059"));
        assert!(is_technique_id("T1059.001"));
        assert!(!is_technique_id("t1059"));
        assert!(!is_technique_id("T1059x001"));
        assert!(!is_technique_id("T10590"));
        assert!(is_subtechnique_id("T1059.001"));
        assert!(!is_subtechnique_id("T1059"));
    }

    #[test]
    fn template_directory_names_cannot_escape() {
        let dir = Path::new("/tmp/t");
        assert!(safe_join(dir, "navigator.json.j2").is_some());
        assert!(safe_join(dir, "partials/x.j2").is_some());
        assert!(safe_join(dir, "../x.j2").is_none());
        assert!(safe_join(dir, "/etc/passwd").is_none());
    }

    #[test]
    fn errors_name_template_line_and_expression() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("broken.txt.j2"),
            "line one\n{{ layer.name | nosuchfilter }}\n",
        )
        .unwrap();
        let templates = Templates::new(
            &TemplateOptions {
                file: None,
                dir: Some(dir.path().to_path_buf()),
            },
            "broken.txt.j2",
        )
        .unwrap();
        let err = templates
            .render(
                "broken.txt.j2",
                &Value::from(Serde(serde_json::json!({"layer": {"name": "x"}}))),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("template broken.txt.j2"), "{err}");
        assert!(err.contains("broken.txt.j2)"), "origin path: {err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("nosuchfilter"), "{err}");
    }

    #[test]
    fn undefined_values_are_errors_with_the_expression() {
        let templates = Templates::new(&TemplateOptions::default(), "x").unwrap();
        let mut env_test = templates;
        env_test
            .env
            .add_template("t.txt", "ok\n{{ layer.nme }}")
            .unwrap();
        let err = env_test
            .render(
                "t.txt",
                &Value::from(Serde(serde_json::json!({"layer": {"name": "x"}}))),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("layer.nme"), "{err}");
    }

    #[test]
    fn json_templates_escape_values_as_json() {
        let mut templates = Templates::new(&TemplateOptions::default(), "x").unwrap();
        templates
            .env
            .add_template("t.json.j2", "{\"name\": {{ name }}}")
            .unwrap();
        let out = templates
            .render(
                "t.json.j2",
                &Value::from(Serde(serde_json::json!({"name": "a \"quoted\" </b>"}))),
            )
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["name"], "a \"quoted\" </b>");
    }
}
