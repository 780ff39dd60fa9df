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

/// A position in the text: byte offset and 1-based line.
pub type Offset = usize;

/// Start offsets of the lines of a text, for offset → line number.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<Offset>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: Offset) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// One line of the text.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    /// Offset of the first byte.
    start: Offset,
    /// The line without its line ending.
    text: &'t str,
    /// Offset of the next line (after the line ending).
    next: Offset,
}

fn lines(text: &str, range: Range<Offset>) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let rest = &text[start..range.end];
        let (body, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], start + i + 1),
            None => (rest, range.end),
        };
        let body = body.strip_suffix('\r').unwrap_or(body);
        out.push(Line {
            start,
            text: body,
            next,
        });
        start = next;
    }
    out
}

/// How the lines of a file end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
}

impl LineEnding {
    /// The line ending of the text's first line (LF when it has none).
    pub fn of(text: &str) -> Self {
        match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => LineEnding::CrLf,
            _ => LineEnding::Lf,
        }
    }

    /// The characters.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// How a scalar is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// Plain, unquoted.
    Plain,
    /// `'single'`.
    Single,
    /// `"double"`.
    Double,
}

impl Quote {
    /// Writes `value` (which needs no escaping) with this quoting.
    pub fn wrap(self, value: &str) -> String {
        match self {
            Quote::Plain => value.to_string(),
            Quote::Single => format!("'{value}'"),
            Quote::Double => format!("\"{value}\""),
        }
    }
}

/// One item of a tags list, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextItem {
    /// Its value (quotes removed, `''` unescaped).
    pub value: String,
    /// The scalar including its quotes.
    pub span: Range<Offset>,
    /// How it is quoted.
    pub quote: Quote,
    /// What to delete to remove the item from the list: its whole line for
    /// a block list, the item and one comma for a flow list.
    pub removal: Range<Offset>,
    /// For a block item: the offset of its line's start (where a new item
    /// is inserted before it) and the indentation before the dash.
    pub line_start: Offset,
    /// Offset just after the item's line ending (block) or after the scalar
    /// (flow): where a new item is inserted after it.
    pub after: Offset,
}

/// The shape of a `tags:` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsShape {
    /// `tags:` followed by `- item` lines; `indent` is what precedes each
    /// dash, `gap` what follows it (normally one space).
    Block {
        /// Whitespace before the dash.
        indent: String,
        /// Whitespace between the dash and the item.
        gap: String,
    },
    /// `tags: [a, b]`; `separator` is what follows each comma.
    Flow {
        /// Text between a comma and the next item (`" "`).
        separator: String,
    },
    /// `tags: attack.t1059` — a single string, not a list.
    Scalar,
    /// `tags:`, `tags: ~`, `tags: null` or `tags: []`.
    Empty,
}

/// The `tags:` key of a document and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagsBlock {
    /// Offset of the start of the `tags:` line.
    pub key_start: Offset,
    /// Offset just after the `tags:` key's colon.
    pub after_colon: Offset,
    /// Offset just after the last line of the value (its line ending
    /// included): where the value's text ends.
    pub value_end: Offset,
    /// The value's shape.
    pub shape: TagsShape,
    /// The items, in order.
    pub items: Vec<TextItem>,
}

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

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
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
            match read_tags(text, body) {
                Ok(block) => doc.tags = Some(block),
                Err(why) => doc.not_editable = Some(why),
            }
        }
    }
    doc
}

/// The key of a `key: value` line at column 0, if it is one.
fn key_name(line: &str) -> Option<String> {
    if line.starts_with(['{', '[', '?', '&', '*', '!', '|', '>', '%', '@', '`']) {
        return None;
    }
    if let Some(q) = line.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let close = line[1..].find(q)? + 1;
        let rest = &line[close + 1..];
        return colon_follows(rest, 0).then(|| line[1..close].to_string());
    }
    let colon = line
        .char_indices()
        .find(|&(i, c)| c == ':' && colon_follows(line, i))?
        .0;
    let key = line[..colon].trim_end();
    (!key.is_empty() && !key.contains(" #")).then(|| key.to_string())
}

/// Whether `s[at]` is a `:` followed by whitespace or the end of the line.
fn colon_follows(s: &str, at: usize) -> bool {
    s[at..].starts_with(':')
        && s[at + 1..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

/// Reads the value of the `tags:` key; `body` is the key's line and the
/// lines up to the next key.
fn read_tags(text: &str, body: &[Line<'_>]) -> Result<TagsBlock, String> {
    let key = body[0];
    let colon = key.text.find(':').ok_or("no colon after 'tags'")?;
    let after_colon = key.start + colon + 1;
    let rest = strip_comment(&key.text[colon + 1..]);
    let value_end = body.last().map_or(key.next, |l| l.next);
    let mut block = TagsBlock {
        key_start: key.start,
        after_colon,
        value_end,
        shape: TagsShape::Empty,
        items: Vec::new(),
    };
    let trimmed = rest.trim();
    if trimmed.is_empty() {
        read_block_list(&body[1..], &mut block)?;
    } else if trimmed.starts_with('[') {
        let open = key.start + colon + 1 + (rest.len() - rest.trim_start().len());
        read_flow_list(text, open, value_end, &mut block)?;
    } else {
        only_comments_follow(&body[1..])?;
        let start = key.start + colon + 1 + (rest.len() - rest.trim_start().len());
        let (value, span, quote) = scalar_in_line(&key, start, false)?;
        if quote == Quote::Plain && matches!(value.as_str(), "~" | "null" | "Null" | "NULL") {
            return Ok(block);
        }
        block.shape = TagsShape::Scalar;
        block.items.push(TextItem {
            value,
            span: span.clone(),
            quote,
            removal: span.clone(),
            line_start: key.start,
            after: span.end,
        });
    }
    Ok(block)
}

fn only_comments_follow(lines: &[Line<'_>]) -> Result<(), String> {
    match lines.iter().find(|l| !is_blank_or_comment(l.text)) {
        Some(_) => Err("the tags value continues over several lines".to_string()),
        None => Ok(()),
    }
}

/// The part of a line before a ` #` comment (quotes are not considered:
/// used only where no quoted text can precede the comment).
fn strip_comment(s: &str) -> &str {
    if s.trim_start().starts_with('#') {
        return "";
    }
    match s.find(" #").or_else(|| s.find("\t#")) {
        Some(i) if !s.trim_start().starts_with(['\'', '"', '[']) => &s[..i],
        _ => s,
    }
}

fn read_block_list(lines: &[Line<'_>], block: &mut TagsBlock) -> Result<(), String> {
    let mut shape: Option<(String, String)> = None;
    for line in lines {
        if is_blank_or_comment(line.text) {
            continue;
        }
        let indent_len = line.text.len() - line.text.trim_start_matches(' ').len();
        let after_indent = &line.text[indent_len..];
        let Some(after_dash) = after_indent.strip_prefix('-') else {
            return Err("the tags list holds something other than '- item' lines".to_string());
        };
        let gap_len = after_dash.len() - after_dash.trim_start_matches(' ').len();
        if gap_len == 0 {
            return Err("a tags item without a space after its dash".to_string());
        }
        let indent = line.text[..indent_len].to_string();
        let gap = after_dash[..gap_len].to_string();
        match &shape {
            Some((i, _)) if *i != indent => {
                return Err("the tags items are not all indented alike".to_string());
            }
            None => shape = Some((indent, gap)),
            _ => {}
        }
        let start = line.start + indent_len + 1 + gap_len;
        let (value, span, quote) = scalar_in_line(line, start, false)?;
        block.items.push(TextItem {
            value,
            span,
            quote,
            removal: line.start..line.next,
            line_start: line.start,
            after: line.next,
        });
    }
    if let Some((indent, gap)) = shape {
        block.shape = TagsShape::Block { indent, gap };
    }
    Ok(())
}

/// A scalar starting at `start` within `line`, with nothing but a comment
/// after it.
fn scalar_in_line(
    line: &Line<'_>,
    start: Offset,
    flow: bool,
) -> Result<(String, Range<Offset>, Quote), String> {
    let local = start - line.start;
    let found = scalar(line.text, local, line.text.len(), flow)?;
    let tail = &line.text[found.1.end..];
    if !is_blank_or_comment(tail) {
        return Err(format!("unexpected text after a tag: '{}'", tail.trim()));
    }
    Ok((
        found.0,
        line.start + found.1.start..line.start + found.1.end,
        found.2,
    ))
}

/// Reads one scalar of `text` starting at `start`, not past `end` (the end
/// of its line). Returns the value, the span including quotes, and the
/// quoting.
fn scalar(
    text: &str,
    start: Offset,
    end: Offset,
    flow: bool,
) -> Result<(String, Range<Offset>, Quote), String> {
    let s = &text[start..end];
    match s.chars().next() {
        Some('\'') => {
            let mut i = 1;
            let bytes = s.as_bytes();
            loop {
                match s[i..].find('\'') {
                    Some(j) if bytes.get(i + j + 1) == Some(&b'\'') => i += j + 2,
                    Some(j) => {
                        let inner = s[1..i + j].replace("''", "'");
                        return Ok((inner, start..start + i + j + 1, Quote::Single));
                    }
                    None => return Err("a quoted tag spans several lines".to_string()),
                }
            }
        }
        Some('"') => {
            let close = s[1..].find('"').ok_or("a quoted tag spans several lines")? + 1;
            let inner = &s[1..close];
            if inner.contains('\\') {
                return Err("a double-quoted tag with escapes".to_string());
            }
            Ok((inner.to_string(), start..start + close + 1, Quote::Double))
        }
        Some(c) if "&*!|>%@`{[]},#".contains(c) => Err(format!(
            "a tag starting with '{c}' (anchor, alias, tag or nested value)"
        )),
        None => Err("an empty tags item".to_string()),
        Some(_) => {
            let stop = plain_end(s, flow);
            let value = s[..stop].trim_end();
            if value.contains(": ") || value.ends_with(':') {
                return Err("a tags item that is a mapping".to_string());
            }
            if value.is_empty() {
                return Err("an empty tags item".to_string());
            }
            Ok((value.to_string(), start..start + value.len(), Quote::Plain))
        }
    }
}

/// Where a plain scalar ends: at ` #`, and in a flow list at `,` or `]`.
fn plain_end(s: &str, flow: bool) -> usize {
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            return i;
        }
        if flow && (b == b',' || b == b']' || b == b'[' || b == b'{' || b == b'}') {
            return i;
        }
    }
    s.len()
}

/// Reads `[a, 'b', "c"]` starting at the `[` at `open`, possibly over
/// several lines, with comments between items.
fn read_flow_list(
    text: &str,
    open: Offset,
    value_end: Offset,
    block: &mut TagsBlock,
) -> Result<(), String> {
    let mut pos = open + 1;
    let mut separator: Option<String> = None;
    let mut expecting_item = true;
    loop {
        pos = skip_space_and_comments(text, pos, value_end);
        let Some(c) = text[pos..value_end].chars().next() else {
            return Err("an unclosed flow list of tags".to_string());
        };
        match c {
            ']' => {
                let close = pos + 1;
                let line_end = text[close..].find('\n').map_or(text.len(), |i| close + i);
                let tail = text[close..line_end].trim_end_matches('\r');
                if !is_blank_or_comment(tail) {
                    return Err("text after the tags flow list".to_string());
                }
                let rest_start = (line_end + 1).min(text.len());
                if rest_start < value_end
                    && !lines(text, rest_start..value_end)
                        .iter()
                        .all(|l| is_blank_or_comment(l.text))
                {
                    return Err("text after the tags flow list".to_string());
                }
                if let Some(last) = block.items.last_mut() {
                    // Removing the last item also removes the comma before it.
                    last.removal.end = last.span.end;
                }
                block.shape = TagsShape::Flow {
                    separator: separator.unwrap_or_else(|| " ".to_string()),
                };
                fix_flow_removals(block);
                return Ok(());
            }
            ',' if !expecting_item => {
                expecting_item = true;
                pos += 1;
                let next = skip_space_and_comments(text, pos, value_end);
                if separator.is_none() && !text[pos..next].contains(['\n', '#']) {
                    separator = Some(text[pos..next].to_string());
                }
            }
            _ if expecting_item => {
                let line_end = text[pos..value_end]
                    .find(['\n', '\r'])
                    .map_or(value_end, |i| pos + i);
                let (value, span, quote) = scalar(text, pos, line_end, true)?;
                block.items.push(TextItem {
                    value,
                    span: span.clone(),
                    quote,
                    removal: span.start..span.end,
                    line_start: span.start,
                    after: span.end,
                });
                pos = span.end;
                expecting_item = false;
            }
            _ => return Err(format!("unexpected '{c}' in the tags flow list")),
        }
    }
}

/// In a flow list, removing an item removes it and the separator up to the
/// next item; the last item instead takes the comma before it.
fn fix_flow_removals(block: &mut TagsBlock) {
    let n = block.items.len();
    for i in 0..n {
        if i + 1 < n {
            let next = block.items[i + 1].span.start;
            block.items[i].removal = block.items[i].span.start..next;
        } else if i > 0 {
            let prev = block.items[i - 1].span.end;
            block.items[i].removal = prev..block.items[i].span.end;
        }
    }
}

fn skip_space_and_comments(text: &str, mut pos: Offset, end: Offset) -> Offset {
    while pos < end {
        let rest = &text[pos..end];
        let c = rest.chars().next().unwrap_or(' ');
        if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
            pos += 1;
        } else if c == '#' {
            pos += rest.find('\n').unwrap_or(rest.len());
        } else {
            break;
        }
    }
    pos
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
