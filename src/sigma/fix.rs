//! Turning a [`Plan`] into edits of the original text, applying them, and
//! checking the result before anything is written.
//!
//! Only the bytes of tags change: a replaced tag keeps its quotes and the
//! comment after it, a removed block item takes its own line with it, added
//! tags copy the indentation, dash spacing and quoting of the tags around
//! them and use the file's line ending.

use serde::Deserialize;
use serde_yaml::Value;

pub use crate::rulefiles::yaml_list::list_indent;
pub use crate::rulefiles::{Edit, apply};
use crate::rulefiles::{LineEnding, yaml_list};

use super::document::{TagsBlock, TextDocument};
use super::judge::Plan;
use super::rules::Document;

/// The edits that carry out `plan` on a document's tags block. `indent` is
/// the file's indentation for list items (used when a single string
/// becomes a list).
pub fn plan_edits(
    text: &str,
    block: &TagsBlock,
    plan: &Plan,
    line_ending: LineEnding,
    indent: &str,
) -> Vec<Edit> {
    yaml_list::list_edits(text, block, &plan.list(), line_ending, indent)
}

/// The edit that adds a `tags:` key holding `tags` to a document that has
/// none, at the conventional place: after the last of the keys that come
/// before `tags` in SigmaHQ's order (`title`, `id`, …, `date`,
/// `modified`), else before `logsource`/`detection`, else at the end of
/// the document. Uses the file's indentation and line ending.
pub fn insert_tags_key(
    text: &str,
    doc: &TextDocument,
    tags: &[String],
    line_ending: LineEnding,
    indent: &str,
) -> Option<Edit> {
    if tags.is_empty() || doc.tags.is_some() || doc.not_editable.is_some() {
        return None;
    }
    const BEFORE_TAGS: [&str; 13] = [
        "title",
        "id",
        "related",
        "name",
        "taxonomy",
        "status",
        "description",
        "license",
        "references",
        "author",
        "date",
        "modified",
        "tags",
    ];
    let at = doc
        .keys
        .iter()
        .rev()
        .find(|k| BEFORE_TAGS.contains(&k.name.as_str()))
        .map(|k| k.content_end)
        .or_else(|| {
            doc.keys
                .iter()
                .find(|k| matches!(k.name.as_str(), "logsource" | "detection" | "correlation"))
                .map(|k| k.start)
        })
        .unwrap_or(doc.range.end);
    let eol = line_ending.as_str();
    let mut new = String::new();
    if !text[..at].is_empty() && !text[..at].ends_with('\n') {
        new.push_str(eol);
    }
    new.push_str("tags:");
    new.push_str(eol);
    for tag in tags {
        new.push_str(indent);
        new.push_str("- ");
        new.push_str(tag);
        new.push_str(eol);
    }
    Some(Edit {
        range: at..at,
        text: new,
    })
}

/// Re-reads the new text and checks that every document is what it was
/// except for its tags, and that the tags are what the plans said.
/// `expected` holds, per document, the tags it must now have (`None`:
/// unchanged).
pub fn verify(
    old: &[Document],
    new_text: &str,
    expected: &[Option<Vec<String>>],
) -> Result<(), String> {
    let mut new_values = Vec::new();
    for document in serde_yaml::Deserializer::from_str(new_text) {
        let value = Value::deserialize(document)
            .map_err(|e| format!("the fixed text is not valid YAML ({e})"))?;
        new_values.push(value);
    }
    if new_values.len() != old.len() {
        return Err(format!(
            "the fixed text has {} documents instead of {}",
            new_values.len(),
            old.len()
        ));
    }
    for ((doc, new), want) in old.iter().zip(&new_values).zip(expected) {
        let (old_rest, old_tags) = split_tags(&doc.value);
        let (new_rest, new_tags) = split_tags(new);
        if old_rest != new_rest {
            return Err(format!(
                "document {} changed outside its tags",
                doc.index + 1
            ));
        }
        let want_tags = match want {
            Some(tags) => Some(Value::Sequence(
                tags.iter().map(|t| Value::String(t.clone())).collect(),
            )),
            None => old_tags,
        };
        if new_tags != want_tags {
            return Err(format!(
                "document {}'s tags are not the planned ones",
                doc.index + 1
            ));
        }
    }
    Ok(())
}

fn split_tags(value: &Value) -> (Value, Option<Value>) {
    match value {
        Value::Mapping(map) => {
            let mut rest = map.clone();
            let tags = rest.remove("tags");
            (Value::Mapping(rest), tags)
        }
        other => (other.clone(), None),
    }
}
