//! Reading ATT&CK Navigator layers back: `attackmap layer check` validates a
//! layer file (one layer, or a JSON array of layers) against the loaded
//! ATT&CK data and the layer format 4.5.
//!
//! Navigator itself is silent about most faults: an unknown, revoked or
//! deprecated technique ID, or a technique under a tactic it does not
//! belong to, is simply never shown; a score written as a string is
//! dropped; numeric version fields are ignored. Each such problem is a
//! [`Finding`] that names the layer, the entry (index, technique ID and
//! tactic) and the field.
//!
//! Severities: [`Severity::Error`] — Navigator rejects the layer or
//! loses the annotation; [`Severity::Warning`] — it loads, but not as the
//! author meant (legacy fields, duplicates, dropped metadata, …);
//! [`Severity::Note`] — worth knowing (the layer was made for another ATT&CK
//! release), not a fault.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{Domain, Model};
use crate::query::{closest, closest_tactic, edit_distance, suggest};
// JSON type names for messages.
use crate::siem::shape::json_kind as kind;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Navigator rejects the layer, or silently loses the annotation.
    Error,
    /// The layer loads, but not as its author meant.
    Warning,
    /// Not a fault; context for the other findings.
    Note,
}

impl Severity {
    /// `error`, `warning`, `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One problem in a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Index of the layer when the file holds an array of layers.
    pub layer: Option<usize>,
    /// Index of the entry in `techniques`, for technique findings.
    pub entry: Option<usize>,
    /// The entry's `techniqueID`, if it has one.
    #[serde(rename = "techniqueID")]
    pub technique_id: Option<String>,
    /// The entry's `tactic`, if it has one.
    pub tactic: Option<String>,
    /// The field at fault, as a path (`versions.attack`,
    /// `techniques[3].score`).
    pub field: String,
    /// What is wrong and what Navigator does with it.
    pub message: String,
}

impl Finding {
    /// Where the problem is: `techniques[3] (T1155, execution): score` or
    /// `versions.attack`, prefixed with `layers[1].` in an array file; a
    /// whole layer of an array is `layers[1]`, the whole file `file`.
    pub fn location(&self) -> String {
        let prefix = self
            .layer
            .map(|i| format!("layers[{i}]."))
            .unwrap_or_default();
        match self.entry {
            Some(i) => {
                let what: Vec<&str> = self
                    .technique_id
                    .iter()
                    .chain(self.tactic.iter())
                    .map(String::as_str)
                    .filter(|s| !s.is_empty())
                    .collect();
                let entry = format!("techniques[{i}]");
                let field = self
                    .field
                    .strip_prefix(&entry)
                    .unwrap_or("")
                    .trim_start_matches('.');
                let mut s = format!("{prefix}{entry}");
                if !what.is_empty() {
                    s.push_str(&format!(" ({})", what.join(", ")));
                }
                if !field.is_empty() {
                    s.push_str(&format!(" {field}"));
                }
                s
            }
            None if self.field.is_empty() => match self.layer {
                Some(i) => format!("layers[{i}]"),
                None => "file".to_string(),
            },
            None => format!("{prefix}{}", self.field),
        }
    }
}

/// Checks a layer file's bytes. Unreadable JSON is an error (with line and
/// column), not a finding.
pub fn check_bytes(model: &Model, path: &Path, bytes: &[u8]) -> Result<Vec<Finding>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::json(path, bytes, &e))?;
    Ok(check_value(model, &value))
}

/// Reads and checks a layer file.
pub fn check_file(model: &Model, path: &Path) -> Result<Vec<Finding>> {
    let bytes = crate::fsutil::read_bytes(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    check_bytes(model, path, &bytes)
}

/// Checks a parsed layer file: one layer object or an array of them.
pub fn check_value(model: &Model, value: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    match value {
        Value::Array(layers) if layers.is_empty() => out.push(finding(
            Severity::Error,
            None,
            "file",
            "the file is an empty array: it holds no layer".to_string(),
        )),
        Value::Array(layers) => {
            for (i, layer) in layers.iter().enumerate() {
                Checker::new(model, Some(i), &mut out).layer(layer);
            }
        }
        _ => Checker::new(model, None, &mut out).layer(value),
    }
    out
}

fn finding(severity: Severity, layer: Option<usize>, field: &str, message: String) -> Finding {
    Finding {
        severity,
        layer,
        entry: None,
        technique_id: None,
        tactic: None,
        field: field.to_string(),
        message,
    }
}

/// The number at the start of a version string: `"v17.1"` → 17 (as
/// Navigator reads it).
fn major(version: &str) -> Option<u32> {
    let digits: String = version
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

struct Checker<'a> {
    model: &'a Model,
    layer: Option<usize>,
    out: &'a mut Vec<Finding>,
}

impl<'a> Checker<'a> {
    fn new(model: &'a Model, layer: Option<usize>, out: &'a mut Vec<Finding>) -> Self {
        Checker { model, layer, out }
    }

    fn push(&mut self, severity: Severity, field: &str, message: String) {
        self.out.push(finding(severity, self.layer, field, message));
    }

    fn layer(&mut self, value: &Value) {
        let Some(layer) = value.as_object() else {
            let field = if self.layer.is_some() { "" } else { "file" };
            self.push(
                Severity::Error,
                field,
                format!(
                    "not a layer: {} instead of a layer object (or an array of layers)",
                    kind(value)
                ),
            );
            return;
        };
        match layer.get("name") {
            None => self.push(
                Severity::Error,
                "name",
                "name is missing (Navigator requires it)".to_string(),
            ),
            Some(Value::String(_)) => {}
            Some(other) => self.push(
                Severity::Error,
                "name",
                format!("name is {}; it must be a string", kind(other)),
            ),
        }
        let domain = self.domain(layer);
        self.versions(layer, domain);
        if let Some(Value::String(d)) = layer.get("description") {
            self.control_characters("description", d);
        }
        self.filters(layer, domain);
        self.gradient(layer);
        self.legend(layer);
        self.tactic_row_background(layer);
        if let Some(metadata) = layer.get("metadata") {
            self.metadata("metadata", metadata, None);
        }
        match layer.get("techniques") {
            None => {}
            Some(Value::Array(entries)) => self.techniques(entries, domain),
            Some(other) => self.push(
                Severity::Error,
                "techniques",
                format!("techniques is {}; it must be an array", kind(other)),
            ),
        }
    }

    /// The domain of the loaded data the layer is for, if the data has it.
    fn domain(&mut self, layer: &Map<String, Value>) -> Option<&'a Domain> {
        let name = match layer.get("domain") {
            None => {
                self.push(
                    Severity::Error,
                    "domain",
                    "domain is missing (Navigator requires enterprise-attack, mobile-attack or ics-attack)".to_string(),
                );
                return None;
            }
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                self.push(
                    Severity::Error,
                    "domain",
                    format!("domain is {}; it must be a string", kind(other)),
                );
                return None;
            }
        };
        let id = match name {
            "enterprise-attack" | "mobile-attack" | "ics-attack" => name,
            "mitre-enterprise" | "mitre-mobile" => {
                let new = if name == "mitre-enterprise" {
                    "enterprise-attack"
                } else {
                    "mobile-attack"
                };
                self.push(
                    Severity::Warning,
                    "domain",
                    format!("legacy domain name '{name}' (layer format 3.0); Navigator reads it as {new}"),
                );
                new
            }
            other => {
                let known = ["enterprise-attack", "mobile-attack", "ics-attack"];
                let hint = closest(other, known.into_iter())
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                self.push(
                    Severity::Error,
                    "domain",
                    format!("invalid domain '{other}'{hint}: Navigator rejects the layer"),
                );
                return None;
            }
        };
        let found = self.model.domains.iter().find(|d| d.id == id);
        if found.is_none() {
            let loaded: Vec<&str> = self.model.domains.iter().map(|d| d.id.as_str()).collect();
            self.push(
                Severity::Warning,
                "domain",
                format!(
                    "{id} is not in the loaded ATT&CK data ({}): its techniques are not checked (load it with --stix)",
                    loaded.join(", ")
                ),
            );
        }
        found
    }

    fn versions(&mut self, layer: &Map<String, Value>, domain: Option<&Domain>) {
        let Some(versions) = layer.get("versions") else {
            match layer.get("version") {
                Some(Value::String(v)) => self.push(
                    Severity::Warning,
                    "version",
                    format!("legacy layer format {v} (a top-level \"version\" instead of \"versions\"): Navigator 5 shows a blocking version warning before loading it"),
                ),
                Some(other) => self.push(
                    Severity::Warning,
                    "version",
                    format!("legacy top-level \"version\" ({}) instead of \"versions\"", kind(other)),
                ),
                None => self.push(
                    Severity::Warning,
                    "versions",
                    "versions is missing: Navigator assumes its current ATT&CK release and an old layer format".to_string(),
                ),
            }
            return;
        };
        let Some(versions) = versions.as_object() else {
            self.push(
                Severity::Error,
                "versions",
                format!("versions is {}; it must be an object", kind(versions)),
            );
            return;
        };
        match versions.get("attack") {
            None => self.push(
                Severity::Warning,
                "versions.attack",
                "versions.attack is missing: Navigator assumes its current ATT&CK release".to_string(),
            ),
            Some(Value::String(v)) => match major(v) {
                None => self.push(
                    Severity::Error,
                    "versions.attack",
                    format!("versions.attack '{v}' holds no release number"),
                ),
                Some(layer_major) => {
                    let data = domain
                        .and_then(|d| d.attack_version.as_deref())
                        .or(self.model.source.attack_version.as_deref());
                    if let Some(data) = data {
                        if major(data) != Some(layer_major) {
                            self.push(
                                Severity::Note,
                                "versions.attack",
                                format!("the layer is for ATT&CK {v}; it is checked against the loaded ATT&CK {data} (IDs revoked or changed since are reported against {data})"),
                            );
                        }
                    }
                }
            },
            Some(other) => self.push(
                Severity::Error,
                "versions.attack",
                format!("versions.attack is {} ({other}); it must be a string — Navigator ignores it and assumes its current release", kind(other)),
            ),
        }
        match versions.get("navigator") {
            None => self.push(
                Severity::Warning,
                "versions.navigator",
                "versions.navigator is missing (the layer format requires it)".to_string(),
            ),
            Some(Value::String(_)) => {}
            Some(other) => self.push(
                Severity::Error,
                "versions.navigator",
                format!(
                    "versions.navigator is {} ({other}); it must be a string",
                    kind(other)
                ),
            ),
        }
        match versions.get("layer") {
            None => self.push(
                Severity::Warning,
                "versions.layer",
                "versions.layer is missing: Navigator cannot tell the layer format".to_string(),
            ),
            Some(Value::String(v)) => {
                let mut parts = v.split('.');
                let maj = parts.next().and_then(|p| p.trim().parse::<u32>().ok());
                let min = parts.next().and_then(|p| p.trim().parse::<u32>().ok());
                match (maj, min) {
                    (Some(4), Some(5)) => {}
                    (Some(4), _) => self.push(
                        Severity::Note,
                        "versions.layer",
                        format!("layer format {v}: Navigator 5 (format 4.5) shows a version notice and reads it"),
                    ),
                    (Some(_), _) => self.push(
                        Severity::Warning,
                        "versions.layer",
                        format!("layer format {v}: Navigator 5 (format 4.5) shows a blocking version warning before loading it"),
                    ),
                    (None, _) => self.push(
                        Severity::Error,
                        "versions.layer",
                        format!("versions.layer '{v}' is not a version number"),
                    ),
                }
            }
            Some(other) => self.push(
                Severity::Error,
                "versions.layer",
                format!(
                    "versions.layer is {} ({other}); it must be a string such as \"4.5\"",
                    kind(other)
                ),
            ),
        }
    }

    fn control_characters(&mut self, field: &str, text: &str) {
        let bad: Vec<String> = text
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        if !bad.is_empty() {
            let mut distinct = bad.clone();
            distinct.dedup();
            self.push(
                Severity::Warning,
                field,
                format!(
                    "{field} contains {} control character(s) ({}) that show as garbage",
                    bad.len(),
                    distinct.join(", ")
                ),
            );
        }
    }

    fn filters(&mut self, layer: &Map<String, Value>, domain: Option<&Domain>) {
        let Some(filters) = layer.get("filters") else {
            return;
        };
        let Some(filters) = filters.as_object() else {
            self.push(
                Severity::Error,
                "filters",
                format!("filters is {}; it must be an object", kind(filters)),
            );
            return;
        };
        if filters.contains_key("stages") {
            self.push(
                Severity::Warning,
                "filters.stages",
                "filters.stages is a layer format 3.0 field (PRE-ATT&CK stages); Navigator 4 and later ignore it".to_string(),
            );
        }
        let Some(platforms) = filters.get("platforms") else {
            return;
        };
        let Some(platforms) = platforms.as_array() else {
            self.push(
                Severity::Error,
                "filters.platforms",
                format!(
                    "filters.platforms is {}; it must be an array of strings",
                    kind(platforms)
                ),
            );
            return;
        };
        let Some(domain) = domain else { return };
        for (i, p) in platforms.iter().enumerate() {
            let field = format!("filters.platforms[{i}]");
            let Some(name) = p.as_str() else {
                self.push(
                    Severity::Error,
                    &field,
                    format!("platform is {}; it must be a string", kind(p)),
                );
                continue;
            };
            if domain.platforms.iter().any(|x| x == name) {
                continue;
            }
            if let Some(proper) = domain
                .platforms
                .iter()
                .find(|x| x.eq_ignore_ascii_case(name))
            {
                self.push(
                    Severity::Note,
                    &field,
                    format!("platform '{name}' is spelled '{proper}' in the data (Navigator corrects the case of the classic ones)"),
                );
                continue;
            }
            if matches!(name, "AWS" | "GCP" | "Azure")
                && domain.platforms.iter().any(|x| x == "IaaS")
            {
                self.push(
                    Severity::Note,
                    &field,
                    format!("platform '{name}' is a legacy name; Navigator maps it to IaaS"),
                );
                continue;
            }
            let version = domain
                .attack_version
                .as_deref()
                .unwrap_or("the loaded data");
            self.push(
                Severity::Warning,
                &field,
                format!(
                    "platform '{name}' is not a platform of {} in ATT&CK {version} (it has: {}); Navigator keeps it in the filter but no technique matches it",
                    domain.id,
                    domain.platforms.join(", ")
                ),
            );
        }
    }

    fn gradient(&mut self, layer: &Map<String, Value>) {
        let Some(gradient) = layer.get("gradient") else {
            return;
        };
        let Some(gradient) = gradient.as_object() else {
            self.push(
                Severity::Error,
                "gradient",
                format!("gradient is {}; it must be an object", kind(gradient)),
            );
            return;
        };
        match gradient.get("colors") {
            Some(Value::Array(colors)) if colors.len() >= 2 => {
                for (i, c) in colors.iter().enumerate() {
                    if let Some(problem) = colour_problem(c) {
                        self.push(
                            Severity::Warning,
                            &format!("gradient.colors[{i}]"),
                            format!("{problem}; Navigator cannot draw the gradient with it"),
                        );
                    }
                }
            }
            Some(Value::Array(_)) => self.push(
                Severity::Error,
                "gradient.colors",
                "gradient.colors needs at least two colours".to_string(),
            ),
            Some(other) => self.push(
                Severity::Error,
                "gradient.colors",
                format!("gradient.colors is {}; it must be an array", kind(other)),
            ),
            None => self.push(
                Severity::Error,
                "gradient.colors",
                "gradient.colors is missing".to_string(),
            ),
        }
        let number = |key: &str| gradient.get(key).map(|v| (v.as_f64(), v));
        let min = number("minValue");
        let max = number("maxValue");
        for (key, value) in [("minValue", min), ("maxValue", max)] {
            if let Some((None, v)) = value {
                self.push(
                    Severity::Error,
                    &format!("gradient.{key}"),
                    format!("gradient.{key} is {}; it must be a number", kind(v)),
                );
            }
        }
        if let (Some((Some(lo), _)), Some((Some(hi), _))) = (min, max) {
            if lo >= hi {
                self.push(
                    Severity::Warning,
                    "gradient",
                    format!("gradient.minValue ({lo}) is not below maxValue ({hi}): every scored technique gets the same colour"),
                );
            }
        }
    }

    fn legend(&mut self, layer: &Map<String, Value>) {
        let Some(items) = layer.get("legendItems") else {
            return;
        };
        let Some(items) = items.as_array() else {
            self.push(
                Severity::Error,
                "legendItems",
                format!("legendItems is {}; it must be an array", kind(items)),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let field = format!("legendItems[{i}]");
            let Some(item) = item.as_object() else {
                self.push(
                    Severity::Warning,
                    &field,
                    format!(
                        "legend item is {}; it must be an object with a label and a color",
                        kind(item)
                    ),
                );
                continue;
            };
            let label = match item.get("label") {
                None => Some("the label is missing".to_string()),
                Some(Value::String(s)) if s.trim().is_empty() => {
                    Some("the label is empty".to_string())
                }
                Some(Value::String(_)) => None,
                Some(other) => Some(format!("the label is {}, not a string", kind(other))),
            };
            if let Some(problem) = label {
                self.push(
                    Severity::Warning,
                    &format!("{field}.label"),
                    format!("{problem}: Navigator drops the legend item"),
                );
            }
            let colour = match item.get("color") {
                None => Some("the color is missing".to_string()),
                Some(c) => colour_problem(c),
            };
            if let Some(problem) = colour {
                self.push(
                    Severity::Warning,
                    &format!("{field}.color"),
                    format!("{problem}: Navigator drops the legend item"),
                );
            }
        }
    }

    /// `tacticRowBackground`, when given, must be a colour.
    fn tactic_row_background(&mut self, layer: &Map<String, Value>) {
        if let Some(problem) = layer.get("tacticRowBackground").and_then(colour_problem) {
            self.push(
                Severity::Warning,
                "tacticRowBackground",
                format!("{problem}; Navigator cannot paint the tactic row with it"),
            );
        }
    }

    /// Checks a metadata array at `field`; `entry` carries the technique
    /// context for entry metadata.
    fn metadata(&mut self, field: &str, value: &Value, entry: Option<&Finding>) {
        let push = |checker: &mut Self, field: String, message: String| {
            let mut f = finding(Severity::Warning, checker.layer, &field, message);
            if let Some(e) = entry {
                f.entry = e.entry;
                f.technique_id = e.technique_id.clone();
                f.tactic = e.tactic.clone();
            }
            checker.out.push(f);
        };
        let Some(items) = value.as_array() else {
            push(
                self,
                field.to_string(),
                format!("{field} is {}; it must be an array", kind(value)),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if item.get("divider").is_some() {
                continue;
            }
            let name = item.get("name");
            let value = item.get("value");
            let ok = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
            if !ok(name) || !ok(value) {
                let what = match value {
                    Some(v @ Value::Number(_)) => {
                        format!("its value is {} ({v}), not a string", kind(v))
                    }
                    _ => "it needs a non-empty string name and value".to_string(),
                };
                push(
                    self,
                    format!("{field}[{i}]"),
                    format!("metadata entry dropped by Navigator: {what}"),
                );
            }
        }
    }

    fn techniques(&mut self, entries: &[Value], domain: Option<&'a Domain>) {
        let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let field = format!("techniques[{i}]");
            let Some(obj) = entry.as_object() else {
                self.push(
                    Severity::Error,
                    &field,
                    format!("entry is {}; it must be an object", kind(entry)),
                );
                continue;
            };
            let id = obj.get("techniqueID");
            let tactic = obj.get("tactic");
            let base = Finding {
                severity: Severity::Error,
                layer: self.layer,
                entry: Some(i),
                technique_id: id.and_then(Value::as_str).map(str::to_string),
                tactic: tactic.and_then(Value::as_str).map(str::to_string),
                field: field.clone(),
                message: String::new(),
            };
            let report = |checker: &mut Self, severity: Severity, sub: &str, message: String| {
                let mut f = base.clone();
                f.severity = severity;
                if !sub.is_empty() {
                    f.field = format!("{field}.{sub}");
                }
                f.message = message;
                checker.out.push(f);
            };

            let id = match id {
                Some(Value::String(s)) => Some(s.as_str()),
                None => {
                    report(
                        self,
                        Severity::Error,
                        "techniqueID",
                        "techniqueID is missing".to_string(),
                    );
                    None
                }
                Some(other) => {
                    report(
                        self,
                        Severity::Error,
                        "techniqueID",
                        format!("techniqueID is {}; it must be a string", kind(other)),
                    );
                    None
                }
            };
            let tactic_name = match tactic {
                None => None,
                Some(Value::String(s)) if s.is_empty() => {
                    report(
                        self,
                        Severity::Error,
                        "tactic",
                        "tactic is empty: Navigator shows an alert and drops the entry".to_string(),
                    );
                    None
                }
                Some(Value::String(s)) => Some(s.as_str()),
                Some(other) => {
                    report(
                        self,
                        Severity::Error,
                        "tactic",
                        format!(
                            "tactic is {}; it must be a tactic shortname string",
                            kind(other)
                        ),
                    );
                    None
                }
            };

            if let (Some(id), Some(domain)) = (id, domain) {
                self.technique(id, tactic_name, domain, &mut |c, s, sub, m| {
                    report(c, s, sub, m)
                });
            }

            if let (Some(id), Some(tactic)) = (id, duplicate_key(tactic)) {
                let key = (id.to_string(), tactic.map(str::to_string));
                if let Some(first) = seen.insert(key, i) {
                    report(
                        self,
                        Severity::Warning,
                        "",
                        format!(
                            "duplicate of techniques[{first}] (same technique and tactic): Navigator keeps only the later entry"
                        ),
                    );
                }
            }

            match obj.get("score") {
                None | Some(Value::Null) | Some(Value::Number(_)) => {}
                Some(Value::String(s)) => report(
                    self,
                    Severity::Error,
                    "score",
                    format!("score is a string (\"{s}\"); Navigator drops it — write a number"),
                ),
                Some(other) => report(
                    self,
                    Severity::Error,
                    "score",
                    format!("score is {}; it must be a number", kind(other)),
                ),
            }
            match obj.get("color") {
                None => {}
                Some(Value::String(c)) if c.is_empty() => {}
                Some(c) => {
                    if let Some(problem) = colour_problem(c) {
                        report(
                            self,
                            Severity::Warning,
                            "color",
                            format!(
                                "{problem}; Navigator ignores it (the cell keeps its score colour)"
                            ),
                        );
                    }
                }
            }
            for (key, expected) in [
                ("enabled", "a boolean"),
                ("showSubtechniques", "a boolean"),
                ("comment", "a string"),
            ] {
                let ok = match obj.get(key) {
                    None => true,
                    Some(v) => {
                        (expected == "a boolean" && v.is_boolean())
                            || (expected == "a string" && v.is_string())
                    }
                };
                if !ok {
                    let v = &obj[key];
                    report(
                        self,
                        Severity::Warning,
                        key,
                        format!("{key} is {}; it must be {expected}", kind(v)),
                    );
                }
            }
            if let Some(metadata) = obj.get("metadata") {
                let context = base.clone();
                self.metadata(&format!("{field}.metadata"), metadata, Some(&context));
            }
        }
    }

    /// Checks one technique ID (and tactic) against the domain's data.
    fn technique(
        &mut self,
        id: &str,
        tactic: Option<&str>,
        domain: &Domain,
        report: &mut dyn FnMut(&mut Self, Severity, &str, String),
    ) {
        let version = domain
            .attack_version
            .as_deref()
            .or(self.model.source.attack_version.as_deref())
            .map(|v| format!("ATT&CK {v}"))
            .unwrap_or_else(|| "the loaded data".to_string());
        let model = self.model;
        let shape_ok = crate::export::templates::is_technique_id(id);
        let Some(t) = model
            .techniques
            .iter()
            .find(|t| t.technique_id == id && t.domains.contains(&domain.id))
            .or_else(|| model.technique(id))
        else {
            let message = if shape_ok {
                let hint = suggest(model, id)
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                format!("unknown technique {id} in {version}{hint}: Navigator never shows it")
            } else {
                format!(
                    "'{id}' is not a technique ID (T#### or T####.###): Navigator never shows it"
                )
            };
            report(self, Severity::Error, "techniqueID", message);
            return;
        };
        if t.technique_id != id {
            report(
                self,
                Severity::Error,
                "techniqueID",
                format!(
                    "'{id}' should be written {}: Navigator matches IDs case-sensitively",
                    t.technique_id
                ),
            );
            return;
        }
        if !t.domains.contains(&domain.id) {
            report(
                self,
                Severity::Error,
                "techniqueID",
                format!(
                    "{id} ({}) is a {} technique, not {}: Navigator never shows it in this layer",
                    t.name,
                    t.domains.join("/"),
                    domain.id
                ),
            );
            return;
        }
        if t.revoked {
            let replacement = match &t.replaced_by {
                Some(r) => {
                    let name = model
                        .technique(r)
                        .map(|x| x.full_name.as_str())
                        .unwrap_or("");
                    format!("replaced by {r} {name}")
                }
                None => "it has no live replacement".to_string(),
            };
            report(
                self,
                Severity::Error,
                "techniqueID",
                format!(
                    "{id} ({}) is revoked in {version}, {replacement}: Navigator never shows it",
                    t.name
                ),
            );
            return;
        }
        if t.deprecated {
            report(
                self,
                Severity::Error,
                "techniqueID",
                format!(
                    "{id} ({}) is deprecated in {version} (no replacement): Navigator never shows it",
                    t.name
                ),
            );
            return;
        }
        let Some(tactic) = tactic else { return };
        let domain_tactics: Vec<&str> = model
            .tactics
            .iter()
            .filter(|x| x.domain == domain.id)
            .map(|x| x.shortname.as_str())
            .collect();
        if !domain_tactics.contains(&tactic) {
            let hint = closest_tactic(tactic, domain_tactics.iter().copied())
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            report(
                self,
                Severity::Error,
                "tactic",
                format!(
                    "'{tactic}' is not a tactic shortname of {} in {version}{hint}: Navigator never shows this entry",
                    domain.id
                ),
            );
            return;
        }
        if !t.tactics.iter().any(|x| x.shortname == tactic) {
            let own: Vec<&str> = t.tactics.iter().map(|x| x.shortname.as_str()).collect();
            report(
                self,
                Severity::Error,
                "tactic",
                format!(
                    "{id} ({}) is not in tactic {tactic} in {version} (its tactics: {}): Navigator never shows this entry",
                    t.name,
                    own.join(", ")
                ),
            );
        }
    }
}

/// The tactic part of an entry's key for finding duplicates: `Some(None)`
/// without a tactic (Navigator applies the entry to every tactic of the
/// technique), `Some(Some(shortname))` with one. An empty or non-string
/// tactic gives `None`: Navigator never shows such an entry (an empty tactic
/// is stored under no technique–tactic pair), so it duplicates nothing; it
/// is reported as an error of its own.
fn duplicate_key(tactic: Option<&Value>) -> Option<Option<&str>> {
    match tactic {
        None => Some(None),
        Some(Value::String(s)) if !s.is_empty() => Some(Some(s.as_str())),
        Some(_) => None,
    }
}

/// The CSS named colours (CSS Color Module Level 4, 148 names), sorted for
/// binary search. `transparent` is accepted besides them.
const CSS_COLOUR_NAMES: [&str; 148] = [
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen",
];

/// What is wrong with a colour value, or `None` when it is one (see
/// [`is_colour`]). A bare hex value is told to take a `#`; a near-miss
/// name gets the closest CSS name.
fn colour_problem(value: &Value) -> Option<String> {
    let Some(text) = value.as_str() else {
        return Some(format!(
            "color is {}; it must be a colour string",
            kind(value)
        ));
    };
    if is_colour(text) {
        return None;
    }
    let trimmed = text.trim();
    if is_colour(&format!("#{trimmed}")) {
        return Some(format!(
            "'{text}' is not a colour: a hex colour starts with # (#{trimmed})"
        ));
    }
    let hint = closest_colour_name(trimmed)
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    Some(format!(
        "'{text}' is not a colour{hint}: write #rrggbb, a CSS colour name, rgb() or hsl()"
    ))
}

/// The CSS colour name `text` is a typing error of: at most two edits away
/// and fewer than one per two characters (`gren` → green, `light grey` →
/// lightgrey; `blah` and `zzz` are no colour's near misses).
fn closest_colour_name(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let limit = 2.min(lower.chars().count().saturating_sub(1) / 2);
    CSS_COLOUR_NAMES
        .iter()
        .map(|name| (edit_distance(&lower, name), *name))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, name)| name)
}

/// Whether Navigator (which reads colours with tinycolor) and a browser
/// both read `s` as a colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`; one
/// of the 148 CSS colour names or `transparent`; or `rgb()`, `rgba()`,
/// `hsl()`, `hsla()` with three or four numbers (percentages allowed),
/// separated by commas or spaces. Case and surrounding blanks do not
/// matter. The empty string is not a colour.
pub fn is_colour(s: &str) -> bool {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    s == "transparent"
        || CSS_COLOUR_NAMES.binary_search(&s.as_str()).is_ok()
        || is_colour_function(&s)
}

/// `rgb(…)`, `rgba(…)`, `hsl(…)`, `hsla(…)` with three or four numeric
/// arguments (lower-case input).
fn is_colour_function(s: &str) -> bool {
    let Some((name, rest)) = s.split_once('(') else {
        return false;
    };
    if !matches!(name.trim_end(), "rgb" | "rgba" | "hsl" | "hsla") {
        return false;
    }
    let Some(inner) = rest.strip_suffix(')') else {
        return false;
    };
    let parts: Vec<&str> = inner
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    matches!(parts.len(), 3 | 4) && parts.iter().all(|p| is_css_number(p))
}

/// A CSS number, optionally a percentage: `12`, `-0.5`, `.5`, `40%`.
fn is_css_number(s: &str) -> bool {
    let s = s.strip_suffix('%').unwrap_or(s);
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((int, frac)) => !frac.is_empty() && digits(int) && digits(frac),
        None => !s.is_empty() && digits(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_versions_parse() {
        assert!(is_colour("#ff6666"));
        assert!(is_colour("#ffffff00"));
        assert!(is_colour("#abc"));
        assert!(is_colour("red"));
        assert!(is_colour("DarkSlateGray"));
        assert!(is_colour(" transparent "));
        assert!(is_colour("rgb(1,2,3)"));
        assert!(is_colour("rgba(255, 0, 0, 0.5)"));
        assert!(is_colour("hsl(120 50% 40%)"));
        assert!(!is_colour("#ggg"));
        assert!(!is_colour("#ff666"));
        assert!(!is_colour("notacolor"));
        assert!(!is_colour("blah"));
        assert!(!is_colour("zzz"));
        assert!(!is_colour(""));
        assert!(!is_colour("ff6666"));
        assert!(!is_colour("rgb(1,2)"));
        assert!(!is_colour("rgb(a,b,c)"));
        assert!(!is_colour("rgb(1,2,3"));
        assert!(!is_colour("cmyk(1,2,3,4)"));
        assert!(is_css_number(".5") && is_css_number("-40%") && is_css_number("255"));
        assert!(!is_css_number("1.") && !is_css_number("%") && !is_css_number("1e3"));
        assert_eq!(CSS_COLOUR_NAMES.len(), 148);
        assert!(CSS_COLOUR_NAMES.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert_eq!(
            colour_problem(&Value::from("gren")).as_deref(),
            Some(
                "'gren' is not a colour (did you mean green?): write #rrggbb, a CSS colour name, rgb() or hsl()"
            )
        );
        assert_eq!(
            colour_problem(&Value::from("ff6666")).as_deref(),
            Some("'ff6666' is not a colour: a hex colour starts with # (#ff6666)")
        );
        assert_eq!(
            colour_problem(&Value::from(3)).as_deref(),
            Some("color is a number; it must be a colour string")
        );
        assert_eq!(major("17.0"), Some(17));
        assert_eq!(major("v17.1"), Some(17));
        assert_eq!(major("latest"), None);
    }

    #[test]
    fn locations_name_the_entry() {
        let f = Finding {
            severity: Severity::Error,
            layer: Some(1),
            entry: Some(3),
            technique_id: Some("T1155".into()),
            tactic: Some("execution".into()),
            field: "techniques[3].tactic".into(),
            message: String::new(),
        };
        assert_eq!(
            f.location(),
            "layers[1].techniques[3] (T1155, execution) tactic"
        );
        let g = finding(Severity::Warning, None, "versions.attack", String::new());
        assert_eq!(g.location(), "versions.attack");
    }
}
