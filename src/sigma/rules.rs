//! Reading Sigma rule files: the bytes checked to be UTF-8 text, every YAML
//! document parsed (and so validated) by serde_yaml, matched with its text
//! and byte positions, and the rules of the file with their titles, levels
//! and ATT&CK tags.
//!
//! [`read_rule_file`] and [`RuleFile::rules`] are the API that other
//! commands (`sigma coverage`) build on.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::error::{Error, Result};

use crate::rulefiles::{LineEnding, LineIndex, yaml_list};

use super::document::{self, TextDocument};
use super::tags::{self, Tag};

pub use crate::rulefiles::BOM;

/// Keys that make a YAML document part of a Sigma rule.
const RULE_KEYS: [&str; 5] = ["detection", "logsource", "correlation", "filter", "action"];

/// A rule file, read and validated.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// The path as given.
    pub path: PathBuf,
    /// Whether the file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// The text after the byte order mark.
    pub text: String,
    /// The file's line ending.
    pub line_ending: LineEnding,
    /// Every YAML document, in order.
    pub documents: Vec<Document>,
    lines: LineIndex,
}

/// What a document is within its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A rule (or a rule part of a collection).
    Rule,
    /// `action: global`: merged into the following rules.
    Global,
    /// `action: reset`: ends the global document's reach.
    Reset,
    /// `action: repeat`: the previous rule again, with changes.
    Repeat,
    /// A correlation rule (`correlation:`).
    Correlation,
    /// A mapping with none of a rule's keys.
    Other,
    /// Not a mapping (or empty).
    NotAMapping,
}

/// The `tags` of a document, as they are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsValue {
    /// No `tags` key.
    Missing,
    /// A list of strings (possibly empty).
    List(Vec<TagText>),
    /// A single string where a list belongs.
    Single(TagText),
    /// Something else: numbers or mappings among the tags, or a mapping.
    Invalid(String),
}

/// One tag as written, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagText {
    /// The tag.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// One YAML document of a rule file.
#[derive(Debug, Clone)]
pub struct Document {
    /// Position in the file, from 0.
    pub index: usize,
    /// serde_yaml's reading of it.
    pub value: Value,
    /// Its text and byte positions.
    pub text: TextDocument,
    /// 1-based line of its first line.
    pub line: usize,
    /// What it is.
    pub role: Role,
    /// Its tags.
    pub tags: TagsValue,
    /// 1-based line of the `tags` key (else of the document).
    pub tags_line: usize,
    /// Why its tags cannot be edited as text, if they cannot.
    pub not_editable: Option<String>,
    /// The items of its tags list that are not strings (numbers, mappings,
    /// lists, …), with their lines; [`Document::tags`] then holds the
    /// string items only.
    pub not_strings: Vec<NotAString>,
}

/// An item of a tags list that is not a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAString {
    /// Its position in the list, from 0.
    pub index: usize,
    /// 1-based line where it starts.
    pub line: usize,
    /// What it is, in words: `a number (42)`, `a mapping`, `a list`, ….
    pub what: String,
}

impl Document {
    /// A string field of the document.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }

    /// Whether the tags as text (with positions) match serde_yaml's reading
    /// and can be edited.
    pub fn editable(&self) -> bool {
        self.not_editable.is_none()
    }
}

/// A Sigma rule as a consumer sees it: a document of the file, merged with
/// the `action: global` document before it (whose keys win, as in pySigma).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The file.
    pub path: PathBuf,
    /// Index of the rule's own document.
    pub document: usize,
    /// 1-based line where the rule's document starts.
    pub line: usize,
    /// `title`.
    pub title: Option<String>,
    /// `id`.
    pub id: Option<String>,
    /// `level`.
    pub level: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// Whether it is a correlation rule.
    pub correlation: bool,
    /// Index of the document its tags come from (its own, or the global
    /// one).
    pub tags_document: Option<usize>,
    /// Its tags, in order.
    pub tags: Vec<RuleTag>,
}

/// A tag of a [`Rule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTag {
    /// The tag as written.
    pub raw: String,
    /// 1-based line.
    pub line: usize,
    /// What it reads as.
    pub parsed: Tag,
}

impl RuleTag {
    /// The ATT&CK tag, when it is one.
    pub fn attack(&self) -> Option<&tags::AttackTag> {
        match &self.parsed {
            Tag::Attack(a) => Some(a),
            _ => None,
        }
    }
}

/// Reads and validates a rule file. Errors: [`Error::Read`],
/// [`Error::NotText`] (binary, not UTF-8), [`Error::Yaml`] (with line and
/// column), [`Error::EmptyFile`] (no bytes, or only blank lines, comments
/// and empty documents), [`Error::NotARule`].
pub fn read_rule_file(path: &Path) -> Result<RuleFile> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_rule_file(path, &bytes)
}

/// Like [`read_rule_file`], for bytes already read.
pub fn parse_rule_file(path: &Path, bytes: &[u8]) -> Result<RuleFile> {
    let (bom, text) = crate::rulefiles::decode_text(path, bytes)?;
    let values = parse_documents(path, text)?;
    if values.iter().all(Value::is_null) {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let file = build(path, bom, text, values);
    if !file
        .documents
        .iter()
        .any(|d| d.role != Role::Other && d.role != Role::NotAMapping)
    {
        return Err(Error::NotARule {
            path: path.to_path_buf(),
            reason: not_a_rule_reason(),
        });
    }
    Ok(file)
}

fn not_a_rule_reason() -> String {
    format!(
        "no document has any of the keys {} (is this a rule?)",
        RULE_KEYS.join(", ")
    )
}

fn parse_documents(path: &Path, text: &str) -> Result<Vec<Value>> {
    let mut values = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value =
            Value::deserialize(document).map_err(|e| Error::yaml_in(path, text, index, &e))?;
        values.push(value);
    }
    Ok(values)
}

fn build(path: &Path, bom: bool, text: &str, values: Vec<Value>) -> RuleFile {
    let lines = LineIndex::new(text);
    let mut texts = document::documents(text);
    let matched = texts.len() == values.len();
    if !matched {
        let why = format!(
            "the text splits into {} documents but YAML reads {}",
            texts.len(),
            values.len()
        );
        texts = values
            .iter()
            .map(|_| TextDocument {
                range: 0..0,
                keys: Vec::new(),
                tags: None,
                not_editable: Some(why.clone()),
            })
            .collect();
    }
    let documents = values
        .into_iter()
        .zip(texts)
        .enumerate()
        .map(|(index, (value, text_doc))| document_of(index, value, text_doc, text, &lines))
        .collect();
    RuleFile {
        path: path.to_path_buf(),
        bom,
        text: text.to_string(),
        line_ending: LineEnding::of(text),
        documents,
        lines,
    }
}

fn document_of(
    index: usize,
    value: Value,
    text_doc: TextDocument,
    text: &str,
    lines: &LineIndex,
) -> Document {
    let line = lines.line(text_doc.range.start);
    // The lenient reading is needed only when the strict one found no tags
    // or disagrees with the YAML: not for most rules.
    let located = std::cell::OnceCell::new();
    let locate = || located.get_or_init(|| locate_tags(text, &text_doc, lines));
    let tags_line = match &text_doc.tags {
        Some(t) => lines.line(t.key_start),
        None => locate().as_ref().map_or(line, |l| l.key_line),
    };
    let role = role(&value);
    let item_lines = || {
        locate()
            .as_ref()
            .and_then(|l| l.items.as_deref())
            .unwrap_or_default()
    };
    let read = tags_value(&value, &text_doc, lines, tags_line, &item_lines);
    let not_editable = text_doc.not_editable.clone().or(read.not_editable);
    Document {
        index,
        value,
        text: text_doc,
        line,
        role,
        tags: read.tags,
        tags_line,
        not_editable,
        not_strings: read.not_strings,
    }
}

/// The `tags` key of a document found leniently in its text: the key's
/// line, and the line of each item when they could be found.
struct LocatedTags {
    key_line: usize,
    items: Option<Vec<usize>>,
}

fn locate_tags(text: &str, doc: &TextDocument, lines: &LineIndex) -> Option<LocatedTags> {
    let all = yaml_list::lines(text, doc.range.clone());
    let body = yaml_list::find_key(&all, "tags")?;
    let items = yaml_list::item_starts(text, body, &all)
        .map(|starts| starts.into_iter().map(|o| lines.line(o)).collect());
    Some(LocatedTags {
        key_line: lines.line(body[0].start),
        items,
    })
}

fn role(value: &Value) -> Role {
    let Some(map) = value.as_mapping() else {
        return Role::NotAMapping;
    };
    match map.get("action").and_then(Value::as_str) {
        Some("global") => return Role::Global,
        Some("reset") => return Role::Reset,
        Some("repeat") => return Role::Repeat,
        _ => {}
    }
    if map.contains_key("correlation") {
        Role::Correlation
    } else if RULE_KEYS.iter().any(|k| map.contains_key(*k)) {
        Role::Rule
    } else {
        Role::Other
    }
}

/// A document's tags as read: the value, why the text cannot be edited
/// (if it cannot), and the items that are not strings.
struct TagsRead {
    tags: TagsValue,
    not_editable: Option<String>,
    not_strings: Vec<NotAString>,
}

/// The document's tags as serde_yaml reads them, with lines from the text
/// when the text agrees, else from `item_lines` (the items found
/// leniently, read only then: one line per item of the YAML value, else
/// unknown and the line of the `tags` key is used); and why the text
/// cannot be edited if it does not.
fn tags_value<'l>(
    value: &Value,
    text: &TextDocument,
    lines: &LineIndex,
    tags_line: usize,
    item_lines: &dyn Fn() -> &'l [usize],
) -> TagsRead {
    let read = |tags, not_editable: Option<&str>| TagsRead {
        tags,
        not_editable: not_editable.map(str::to_string),
        not_strings: Vec::new(),
    };
    let Some(tags) = value.as_mapping().and_then(|m| m.get("tags")) else {
        return read(TagsValue::Missing, None);
    };
    let count = match tags {
        Value::Sequence(seq) => seq.len(),
        _ => 1,
    };
    let line_of = |i: usize| {
        let item_lines = item_lines();
        match item_lines.len() == count {
            true => item_lines[i],
            false => tags_line,
        }
    };
    let text_items: Vec<(&str, usize)> = text
        .tags
        .as_ref()
        .map(|t| {
            t.items
                .iter()
                .map(|i| (i.value.as_str(), lines.line(i.span.start)))
                .collect()
        })
        .unwrap_or_default();
    let from_text = |values: &[(usize, &str)]| -> (Vec<TagText>, Option<String>) {
        let agree = text_items.len() == values.len()
            && text_items.iter().zip(values).all(|((t, _), (_, v))| t == v);
        if agree {
            let items = text_items
                .iter()
                .map(|(v, l)| TagText {
                    value: v.to_string(),
                    line: *l,
                })
                .collect();
            return (items, None);
        }
        let items = values
            .iter()
            .map(|(i, v)| TagText {
                value: v.to_string(),
                line: line_of(*i),
            })
            .collect();
        let why = text
            .not_editable
            .clone()
            .unwrap_or_else(|| "the tags as text do not match the YAML".to_string());
        (items, Some(why))
    };
    match tags {
        Value::Null => read(TagsValue::List(Vec::new()), None),
        Value::String(s) => {
            let (mut items, why) = from_text(&[(0, s.as_str())]);
            TagsRead {
                tags: TagsValue::Single(items.remove(0)),
                not_editable: why,
                not_strings: Vec::new(),
            }
        }
        Value::Sequence(seq) => {
            let strings: Vec<(usize, &str)> = seq
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((i, v.as_str()?)))
                .collect();
            let (items, why) = from_text(&strings);
            let not_strings: Vec<NotAString> = seq
                .iter()
                .enumerate()
                .filter(|(_, v)| v.as_str().is_none())
                .map(|(index, v)| NotAString {
                    index,
                    line: line_of(index),
                    what: describe(v),
                })
                .collect();
            let why = match not_strings.is_empty() {
                true => why,
                false => Some("the tags list holds values that are not strings".to_string()),
            };
            TagsRead {
                tags: TagsValue::List(items),
                not_editable: why,
                not_strings,
            }
        }
        _ => read(
            TagsValue::Invalid(format!("tags is {}, not a list", describe(tags))),
            Some("tags is not a list"),
        ),
    }
}

/// A YAML value that is not a string, in words.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s})"),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

impl RuleFile {
    /// The 1-based line of a byte offset of [`RuleFile::text`].
    pub fn line(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    /// How many rules [`RuleFile::rules`] returns, without building them.
    pub fn rule_count(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| matches!(d.role, Role::Rule | Role::Repeat | Role::Correlation))
            .count()
    }

    /// The rules of the file. A document with `action: global` is merged
    /// into every following rule until `action: reset`; its keys win (as
    /// in pySigma), so its tags, when it has any, are the rules' tags.
    /// `action: repeat` documents are rules too. Documents that are not
    /// rules are skipped.
    pub fn rules(&self) -> Vec<Rule> {
        let mut rules = Vec::new();
        let mut global: Option<&Document> = None;
        for doc in &self.documents {
            match doc.role {
                Role::Global => global = Some(doc),
                Role::Reset => global = None,
                Role::Rule | Role::Repeat | Role::Correlation => {
                    rules.push(self.rule(doc, global));
                }
                Role::Other | Role::NotAMapping => {}
            }
        }
        rules
    }

    fn rule(&self, doc: &Document, global: Option<&Document>) -> Rule {
        let field = |key: &str| {
            global
                .and_then(|g| g.string(key))
                .or_else(|| doc.string(key))
                .map(str::to_string)
        };
        let tags_doc = match global {
            Some(g) if g.tags != TagsValue::Missing => Some(g),
            _ if doc.tags != TagsValue::Missing => Some(doc),
            _ => None,
        };
        let tags = match tags_doc.map(|d| &d.tags) {
            Some(TagsValue::List(items)) => items.clone(),
            Some(TagsValue::Single(item)) => vec![item.clone()],
            _ => Vec::new(),
        };
        Rule {
            path: self.path.clone(),
            document: doc.index,
            line: doc.line,
            title: field("title"),
            id: field("id"),
            level: field("level"),
            status: field("status"),
            correlation: doc.role == Role::Correlation,
            tags_document: tags_doc.map(|d| d.index),
            tags: tags
                .into_iter()
                .map(|t| RuleTag {
                    parsed: tags::parse(&t.value),
                    raw: t.value,
                    line: t.line,
                })
                .collect(),
        }
    }
}
