//! YAML rule files as text: where each document starts and ends, its
//! top-level keys, and the items of its `tags:` value, all with byte
//! positions, so that tags can be edited without re-serialising anything
//! else.
//!
//! This is deliberately not a YAML parser. It recognises the shapes Sigma
//! rules use (a block mapping at column 0; `tags` as a block list, a flow
//! list or a single scalar; plain, single- or double-quoted items with
//! optional comments) and marks anything else as not editable. Every
//! result is cross-checked against serde_yaml's reading of the same
//! document by [`super::rules`] before it is trusted.

use std::ops::Range;

pub use crate::rulefiles::yaml_list::{
    ListBlock as TagsBlock, ListShape as TagsShape, Offset, Quote, TextItem,
};
use crate::rulefiles::yaml_list::{is_blank_or_comment, key_name, lines, read_list};
pub use crate::rulefiles::{LineEnding, LineIndex};

/// A top-level key of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopKey {
    /// The key.
    pub name: String,
    /// Offset of its line's start.
    pub start: Offset,
    /// Offset after its value's last content line (trailing blank lines and
    /// column-0 comments belong to what follows).
    pub content_end: Offset,
}

/// One YAML document of a file, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDocument {
    /// Byte range of the document's content (separator lines excluded).
    pub range: Range<Offset>,
    /// Its top-level keys in order (empty if the root is not a block
    /// mapping).
    pub keys: Vec<TopKey>,
    /// The tags key, if there is one and it could be read.
    pub tags: Option<TagsBlock>,
    /// Why this document's tags cannot be edited as text, if they cannot.
    pub not_editable: Option<String>,
}

/// Splits a file's text into documents, the way a YAML parser counts
/// them: each `---` line starts one; text before the first `---` is a
/// document only if it has content (or if there is no `---` at all).
pub fn documents(text: &str) -> Vec<TextDocument> {
    split(text)
        .into_iter()
        .map(|(range, problem)| {
            let mut doc = read_document(text, range);
            if doc.not_editable.is_none() {
                doc.not_editable = problem;
            }
            doc
        })
        .collect()
}

fn is_separator(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

type Split = Vec<(Range<Offset>, Option<String>)>;

fn split(text: &str) -> Split {
    let all = lines(text, 0..text.len());
    let mut docs: Split = Vec::new();
    let mut start = 0;
    let mut has_content = false;
    let mut seen_separator = false;
    let mut problem = None;
    let mut ended_at: Option<Offset> = None;
    for line in &all {
        if is_separator(line.text, "---") {
            let end = ended_at.unwrap_or(line.start);
            if seen_separator || has_content {
                docs.push((start..end, problem.take()));
            }
            let rest = line.text[3..].trim_start();
            problem = (!rest.is_empty() && !rest.starts_with('#'))
                .then(|| "content on the '---' line".to_string());
            seen_separator = true;
            start = line.next;
            has_content = false;
            ended_at = None;
        } else if is_separator(line.text, "...") {
            ended_at.get_or_insert(line.start);
        } else if ended_at.is_none() && !is_blank_or_comment(line.text) {
            has_content = true;
        }
    }
    if seen_separator || has_content || docs.is_empty() {
        docs.push((start..ended_at.unwrap_or(text.len()), problem));
    }
    docs
}

fn read_document(text: &str, range: Range<Offset>) -> TextDocument {
    let mut doc = TextDocument {
        range: range.clone(),
        keys: Vec::new(),
        tags: None,
        not_editable: None,
    };
    let all = lines(text, range.clone());
    let mut key_lines = Vec::new();
    for (i, line) in all.iter().enumerate() {
        if is_blank_or_comment(line.text) || line.text.starts_with([' ', '\t', '-']) {
            continue;
        }
        match key_name(line.text) {
            Some(name) => key_lines.push((i, name)),
            None => {
                doc.not_editable = Some(format!(
                    "the document's top level is not a plain block mapping ('{}')",
                    line.text.chars().take(40).collect::<String>()
                ));
                return doc;
            }
        }
    }
    for (k, (i, name)) in key_lines.iter().enumerate() {
        let next = key_lines.get(k + 1).map_or(all.len(), |(j, _)| *j);
        let body = &all[*i..next];
        let content_end = body
            .iter()
            .rev()
            .find(|l| !(l.text.trim().is_empty() || l.text.starts_with('#')))
            .map_or(body[0].next, |l| l.next);
        doc.keys.push(TopKey {
            name: name.clone(),
            start: all[*i].start,
            content_end,
        });
        if name == "tags" {
            match read_list(text, body) {
                Ok(block) => doc.tags = Some(block),
                Err(why) => doc.not_editable = Some(why),
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(doc: &TextDocument) -> Vec<&str> {
        doc.tags
            .as_ref()
            .map(|t| t.items.iter().map(|i| i.value.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn counts_documents_like_a_yaml_parser() {
        assert_eq!(documents("a: 1\n").len(), 1);
        assert_eq!(documents("").len(), 1);
        assert_eq!(documents("a: 1\n---\n").len(), 2);
        assert_eq!(documents("---\na: 1\n").len(), 1);
        assert_eq!(documents("# c\n---\na: 1\n---\nb: 2\n").len(), 2);
        assert_eq!(documents("a: 1\n...\n---\nb: 1\n").len(), 2);
        assert_eq!(documents("---\n---\n").len(), 2);
    }

    #[test]
    fn reads_block_flow_and_scalar_tags() {
        let text = "title: x\ntags:\n    - attack.t1059   # c\n    - 'attack.execution'\n    # note\n    - \"cve.2020-1\"\nlogsource: {}\n";
        let docs = documents(text);
        assert_eq!(
            values(&docs[0]),
            ["attack.t1059", "attack.execution", "cve.2020-1"]
        );
        let t = docs[0].tags.as_ref().unwrap();
        assert_eq!(&text[t.items[0].span.clone()], "attack.t1059");
        assert_eq!(&text[t.items[1].span.clone()], "'attack.execution'");
        assert_eq!(
            t.shape,
            TagsShape::Block {
                indent: "    ".into(),
                gap: " ".into()
            }
        );

        let flow = "tags: [attack.t1059, 'attack.execution' ,x.y]  # c\nlevel: high\n";
        let docs = documents(flow);
        assert_eq!(
            values(&docs[0]),
            ["attack.t1059", "attack.execution", "x.y"]
        );
        let t = docs[0].tags.as_ref().unwrap();
        assert_eq!(&flow[t.items[0].removal.clone()], "attack.t1059, ");
        assert_eq!(&flow[t.items[2].removal.clone()], " ,x.y");

        let scalar = "tags: attack.t1059 # c\r\nlevel: high\r\n";
        let docs = documents(scalar);
        assert_eq!(values(&docs[0]), ["attack.t1059"]);
        assert_eq!(docs[0].tags.as_ref().unwrap().shape, TagsShape::Scalar);
    }

    #[test]
    fn odd_shapes_are_not_editable() {
        for text in [
            "tags:\n  - &a attack.t1059\n",
            "tags:\n  - a\n   - b\n",
            "tags: |\n  x\n",
            "tags:\n  - key: value\n",
            "{a: 1}\n",
        ] {
            let docs = documents(text);
            assert!(docs[0].not_editable.is_some(), "{text:?}: {docs:?}");
        }
    }
}
