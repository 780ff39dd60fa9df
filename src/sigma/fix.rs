//! Turning a [`Plan`] into edits of the original text, applying them, and
//! checking the result before anything is written.
//!
//! Only the bytes of tags change: a replaced tag keeps its quotes and the
//! comment after it, a removed block item takes its own line with it, added
//! tags copy the indentation, dash spacing and quoting of the tags around
//! them and use the file's line ending.

use std::ops::Range;

use serde::Deserialize;
use serde_yaml::Value;

use super::document::{LineEnding, Quote, TagsBlock, TagsShape, TextDocument, TextItem};
use super::judge::{Action, Insert, Plan};
use super::rules::Document;

/// One change of the text: `range` is replaced by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes replaced (empty for an insertion).
    pub range: Range<usize>,
    /// New text.
    pub text: String,
}

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
    match &block.shape {
        TagsShape::Block { indent, gap } => {
            block_edits(text, block, plan, line_ending, indent, gap)
        }
        TagsShape::Flow { separator } => flow_edits(block, plan, separator),
        TagsShape::Scalar => scalar_edits(block, plan, line_ending, indent),
        TagsShape::Empty => Vec::new(),
    }
}

fn quote_near(items: &[TextItem], insert: Option<Insert>) -> Quote {
    match insert {
        Some(Insert::Before(i) | Insert::After(i)) => {
            items.get(i).map_or(Quote::Plain, |t| t.quote)
        }
        None => Quote::Plain,
    }
}

fn block_edits(
    text: &str,
    block: &TagsBlock,
    plan: &Plan,
    line_ending: LineEnding,
    indent: &str,
    gap: &str,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (item, action) in block.items.iter().zip(&plan.actions) {
        match action {
            Action::Keep => {}
            Action::Replace(new) => edits.push(Edit {
                range: item.span.clone(),
                text: item.quote.wrap(new),
            }),
            Action::Remove => edits.push(Edit {
                range: whole_line(text, item.removal.clone()),
                text: String::new(),
            }),
        }
    }
    if let Some(insert) = plan.insert.filter(|_| !plan.additions.is_empty()) {
        let quote = quote_near(&block.items, Some(insert));
        let eol = line_ending.as_str();
        let lines: Vec<String> = plan
            .additions
            .iter()
            .map(|t| format!("{indent}-{gap}{}", quote.wrap(t)))
            .collect();
        let (at, new) = match insert {
            Insert::Before(i) => (
                block.items[i].line_start,
                format!("{}{eol}", lines.join(eol)),
            ),
            Insert::After(i) => {
                let at = block.items[i].after;
                if text[..at].ends_with('\n') {
                    (at, format!("{}{eol}", lines.join(eol)))
                } else {
                    (at, format!("{eol}{}", lines.join(eol)))
                }
            }
        };
        edits.push(Edit {
            range: at..at,
            text: new,
        });
    }
    edits
}

/// A block item's line; the last line of a file without a final line
/// ending takes the line ending before it instead.
fn whole_line(text: &str, range: Range<usize>) -> Range<usize> {
    if text[range.clone()].ends_with('\n') || range.start == 0 {
        return range;
    }
    let before = &text[..range.start];
    let eol = if before.ends_with("\r\n") { 2 } else { 1 };
    range.start - eol..range.end
}

fn flow_edits(block: &TagsBlock, plan: &Plan, separator: &str) -> Vec<Edit> {
    let items = &block.items;
    let mut edits = Vec::new();
    for (item, action) in items.iter().zip(&plan.actions) {
        if let Action::Replace(new) = action {
            edits.push(Edit {
                range: item.span.clone(),
                text: item.quote.wrap(new),
            });
        }
    }
    // Each run of removed items goes with the separator after it, or the
    // one before it when the run ends the list.
    let removed = |i: usize| plan.actions[i] == Action::Remove;
    let mut i = 0;
    while i < items.len() {
        if !removed(i) {
            i += 1;
            continue;
        }
        let first = i;
        while i < items.len() && removed(i) {
            i += 1;
        }
        let range = if i < items.len() {
            items[first].span.start..items[i].span.start
        } else if first > 0 {
            items[first - 1].span.end..items[i - 1].span.end
        } else {
            items[first].span.start..items[i - 1].span.end
        };
        edits.push(Edit {
            range,
            text: String::new(),
        });
    }
    if let Some(insert) = plan.insert.filter(|_| !plan.additions.is_empty()) {
        let quote = quote_near(items, Some(insert));
        let wrapped: Vec<String> = plan.additions.iter().map(|t| quote.wrap(t)).collect();
        let joined = wrapped.join(&format!(",{separator}"));
        let (at, new) = match insert {
            Insert::Before(i) => (items[i].span.start, format!("{joined},{separator}")),
            Insert::After(i) => (items[i].span.end, format!(",{separator}{joined}")),
        };
        edits.push(Edit {
            range: at..at,
            text: new,
        });
    }
    edits
}

/// `tags: attack.t1059` becomes a block list of the planned tags.
fn scalar_edits(
    block: &TagsBlock,
    plan: &Plan,
    line_ending: LineEnding,
    indent: &str,
) -> Vec<Edit> {
    let Some(item) = block.items.first() else {
        return Vec::new();
    };
    let tags = plan.apply(std::slice::from_ref(&item.value));
    let eol = line_ending.as_str();
    let mut new = String::new();
    for (n, tag) in tags.iter().enumerate() {
        new.push_str(eol);
        new.push_str(indent);
        new.push_str("- ");
        // The original item keeps its quoting.
        let quote = if n == 0 { item.quote } else { Quote::Plain };
        new.push_str(&quote.wrap(tag));
    }
    vec![Edit {
        range: block.after_colon..item.span.end,
        text: new,
    }]
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

/// Applies non-overlapping edits; `None` if two overlap.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in sorted {
        if edit.range.start < cursor || edit.range.end > text.len() {
            return None;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.text);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    Some(out)
}

/// The indentation of list items in this file: that of the first `- `
/// line right under a top-level key, else of the first indented line, else
/// four spaces (SigmaHQ's style).
pub fn list_indent(text: &str) -> String {
    let mut previous_was_key = false;
    let mut first_indent: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim_start_matches(' ');
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if previous_was_key && trimmed.starts_with("- ") {
            return indent.to_string();
        }
        if !indent.is_empty() && first_indent.is_none() {
            first_indent = Some(indent);
        }
        previous_was_key = indent.is_empty() && line.trim_end().ends_with(':');
    }
    first_indent.unwrap_or("    ").to_string()
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
