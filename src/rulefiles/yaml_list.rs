//! YAML lists as text: the value of a `key:` line — a block list, a flow
//! list or a single scalar — with the byte positions of its items, and the
//! edits that replace, remove and add items without re-serialising
//! anything else.
//!
//! This is deliberately not a YAML parser. It recognises the shapes rule
//! files use (block lists at any indentation, flow lists possibly over
//! several lines, plain, single- or double-quoted items with optional
//! comments) and says why anything else cannot be edited. Callers
//! cross-check what it reads against serde_yaml's reading of the same
//! document before trusting it, and re-read the edited text.

use std::ops::Range;

use super::{Edit, LineEnding};

/// A byte offset in the text.
pub type Offset = usize;

/// One line of the text.
#[derive(Debug, Clone, Copy)]
pub struct Line<'t> {
    /// Offset of the first byte.
    pub start: Offset,
    /// The line without its line ending.
    pub text: &'t str,
    /// Offset of the next line (after the line ending).
    pub next: Offset,
}

/// The lines of `text[range]`, each without its line ending.
pub fn lines(text: &str, range: Range<Offset>) -> Vec<Line<'_>> {
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

/// One item of a list, as written.
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

/// The shape of a list value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListShape {
    /// `key:` followed by `- item` lines; `indent` is what precedes each
    /// dash, `gap` what follows it (normally one space).
    Block {
        /// Whitespace before the dash.
        indent: String,
        /// Whitespace between the dash and the item.
        gap: String,
    },
    /// `key: [a, b]`; `separator` is what follows each comma.
    Flow {
        /// Text between a comma and the next item (`" "`).
        separator: String,
    },
    /// `key: value` — a single scalar, not a list.
    Scalar,
    /// `key:`, `key: ~`, `key: null` or `key: []`.
    Empty,
}

/// A `key:` line and its list value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBlock {
    /// Offset of the start of the `key:` line.
    pub key_start: Offset,
    /// Offset just after the key's colon.
    pub after_colon: Offset,
    /// Offset just after the last line of the value (its line ending
    /// included): where the value's text ends.
    pub value_end: Offset,
    /// The value's shape.
    pub shape: ListShape,
    /// The items, in order.
    pub items: Vec<TextItem>,
}

/// Whether a line is blank or only a comment.
pub fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// The number of spaces a line starts with.
pub fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The key of a `key: value` line (after its indentation), if it is one.
pub fn key_name(line: &str) -> Option<String> {
    let line = line.trim_start_matches(' ');
    if line.starts_with([
        '{', '[', '?', '&', '*', '!', '|', '>', '%', '@', '`', '-', '#',
    ]) {
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

/// The lines of the value of key `name` in the block mapping that `lines`
/// hold (a document, or the lines of a mapping value): the key's line
/// first, then every line up to the next key of the mapping. The mapping's
/// indentation is that of its first line that is not blank or a comment;
/// `None` when no key of that indentation is called `name`.
pub fn find_key<'t, 'l>(lines: &'l [Line<'t>], name: &str) -> Option<&'l [Line<'t>]> {
    let first = lines.iter().find(|l| !is_blank_or_comment(l.text))?;
    let indent = indent_of(first.text);
    let is_key = |l: &Line<'_>| {
        !is_blank_or_comment(l.text)
            && indent_of(l.text) == indent
            && !l.text[indent..].starts_with('-')
    };
    let ends = |l: &Line<'_>| !is_blank_or_comment(l.text) && indent_of(l.text) < indent;
    let start = lines
        .iter()
        .take_while(|l| !ends(l))
        .position(|l| is_key(l) && key_name(l.text).as_deref() == Some(name))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| is_key(l) || ends(l))
        .map_or(lines.len(), |n| start + 1 + n);
    Some(&lines[start..end])
}

/// Reads the list value of a `key:` line; `body` is the key's line and
/// the lines of its value (up to the next key of the same or a lower
/// indentation).
pub fn read_list(text: &str, body: &[Line<'_>]) -> Result<ListBlock, String> {
    let key = body[0];
    let colon = key.text.find(':').ok_or("no colon after the key")?;
    let after_colon = key.start + colon + 1;
    let rest = strip_comment(&key.text[colon + 1..]);
    let value_end = body.last().map_or(key.next, |l| l.next);
    let mut block = ListBlock {
        key_start: key.start,
        after_colon,
        value_end,
        shape: ListShape::Empty,
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
        block.shape = ListShape::Scalar;
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
        Some(_) => Err("the value continues over several lines".to_string()),
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

fn read_block_list(lines: &[Line<'_>], block: &mut ListBlock) -> Result<(), String> {
    let mut shape: Option<(String, String)> = None;
    for line in lines {
        if is_blank_or_comment(line.text) {
            continue;
        }
        let indent_len = line.text.len() - line.text.trim_start_matches(' ').len();
        let after_indent = &line.text[indent_len..];
        let Some(after_dash) = after_indent.strip_prefix('-') else {
            return Err("the list holds something other than '- item' lines".to_string());
        };
        let gap_len = after_dash.len() - after_dash.trim_start_matches(' ').len();
        if gap_len == 0 {
            return Err("a list item without a space after its dash".to_string());
        }
        let indent = line.text[..indent_len].to_string();
        let gap = after_dash[..gap_len].to_string();
        match &shape {
            Some((i, _)) if *i != indent => {
                return Err("the list items are not all indented alike".to_string());
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
        block.shape = ListShape::Block { indent, gap };
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
        return Err(format!("unexpected text after an item: '{}'", tail.trim()));
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
                    None => return Err("a quoted item spans several lines".to_string()),
                }
            }
        }
        Some('"') => {
            let close = s[1..]
                .find('"')
                .ok_or("a quoted item spans several lines")?
                + 1;
            let inner = &s[1..close];
            if inner.contains('\\') {
                return Err("a double-quoted item with escapes".to_string());
            }
            Ok((inner.to_string(), start..start + close + 1, Quote::Double))
        }
        Some(c) if "&*!|>%@`{[]},#".contains(c) => Err(format!(
            "an item starting with '{c}' (anchor, alias, tag or nested value)"
        )),
        None => Err("an empty list item".to_string()),
        Some(_) => {
            let stop = plain_end(s, flow);
            let value = s[..stop].trim_end();
            if value.contains(": ") || value.ends_with(':') {
                return Err("a list item that is a mapping".to_string());
            }
            if value.is_empty() {
                return Err("an empty list item".to_string());
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
    block: &mut ListBlock,
) -> Result<(), String> {
    let mut pos = open + 1;
    let mut separator: Option<String> = None;
    let mut expecting_item = true;
    loop {
        pos = skip_space_and_comments(text, pos, value_end);
        let Some(c) = text[pos..value_end].chars().next() else {
            return Err("an unclosed flow list".to_string());
        };
        match c {
            ']' => {
                let close = pos + 1;
                let line_end = text[close..].find('\n').map_or(text.len(), |i| close + i);
                let tail = text[close..line_end].trim_end_matches('\r');
                if !is_blank_or_comment(tail) {
                    return Err("text after the flow list".to_string());
                }
                let rest_start = (line_end + 1).min(text.len());
                if rest_start < value_end
                    && !lines(text, rest_start..value_end)
                        .iter()
                        .all(|l| is_blank_or_comment(l.text))
                {
                    return Err("text after the flow list".to_string());
                }
                if let Some(last) = block.items.last_mut() {
                    // Removing the last item also removes the comma before it.
                    last.removal.end = last.span.end;
                }
                block.shape = ListShape::Flow {
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
            _ => return Err(format!("unexpected '{c}' in the flow list")),
        }
    }
}

/// In a flow list, removing an item removes it and the separator up to the
/// next item; the last item instead takes the comma before it.
fn fix_flow_removals(block: &mut ListBlock) {
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

/// Where each item of the list value of a `key:` line starts, read
/// leniently — for the lines of findings, never for editing: also items
/// [`read_list`] refuses (numbers, nested mappings and lists, aliases,
/// anchors, block scalars, escapes) and a value that is an alias of a
/// list anchored elsewhere in `doc` (the lines of the document). `body`
/// is the key's line and the lines of its value. A block scalar item
/// starts on its first content line. For a value that is a single scalar
/// the one offset is where it starts; `None` when the value cannot be
/// read even so.
pub fn item_starts(text: &str, body: &[Line<'_>], doc: &[Line<'_>]) -> Option<Vec<Offset>> {
    let key = body.first()?;
    let colon = key.text.find(':')?;
    value_starts(text, key, colon + 1, &body[1..], doc, 0)
}

/// How many aliases are followed, at most, to find a list.
const MAX_ALIAS_HOPS: usize = 8;

/// The item starts of a value that begins at byte `from` of `first` (after
/// a key's colon or an anchor) and continues over `rest`; `hops` aliases
/// were followed to get here.
fn value_starts(
    text: &str,
    first: &Line<'_>,
    from: usize,
    rest: &[Line<'_>],
    doc: &[Line<'_>],
    hops: usize,
) -> Option<Vec<Offset>> {
    let after = first.text.get(from..)?;
    let value = after.trim_start();
    let at = first.start + from + (after.len() - value.len());
    if value.is_empty() || value.starts_with('#') {
        return block_item_starts(rest);
    }
    if let Some(name) = value.strip_prefix('*') {
        return alias_starts(text, token(name), doc, hops + 1);
    }
    if value.starts_with(['&', '!']) {
        let skip = token(value).len();
        let from = from + (after.len() - value.len()) + skip;
        return value_starts(text, first, from, rest, doc, hops);
    }
    if value.starts_with('[') {
        return flow_item_starts(text, at);
    }
    if value.starts_with(['|', '>']) {
        return Some(vec![content_start(rest).unwrap_or(at)]);
    }
    Some(vec![at])
}

/// The first whitespace-free token of `s`.
fn token(s: &str) -> &str {
    s.split([' ', '\t']).next().unwrap_or("")
}

/// Where the content of the first line of `lines` that is not blank or a
/// comment starts.
fn content_start(lines: &[Line<'_>]) -> Option<Offset> {
    let line = lines.iter().find(|l| !is_blank_or_comment(l.text))?;
    Some(line.start + (line.text.len() - line.text.trim_start().len()))
}

/// The items of a block list in `lines`: each `-` line at the indentation
/// of the first; deeper lines belong to the item above.
fn block_item_starts(lines: &[Line<'_>]) -> Option<Vec<Offset>> {
    let first = lines.iter().find(|l| !is_blank_or_comment(l.text))?;
    let indent = indent_of(first.text);
    let mut starts = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if is_blank_or_comment(line.text) || indent_of(line.text) > indent {
            continue;
        }
        let after_dash = line.text.get(indent..)?.strip_prefix('-')?;
        if !(after_dash.is_empty() || after_dash.starts_with([' ', '\t'])) {
            return None;
        }
        let item = after_dash.trim_start();
        // An anchor or a tag before the item: the item follows it.
        let item = if item.starts_with(['&', '!']) {
            item[token(item).len()..].trim_start()
        } else {
            item
        };
        let empty_or_block = item.is_empty()
            || item.starts_with('#')
            || (item.starts_with(['|', '>']) && is_blank_or_comment(&item[token(item).len()..]));
        let dash = line.start + indent;
        let start = if empty_or_block {
            let deeper: Vec<Line<'_>> = lines[i + 1..]
                .iter()
                .take_while(|l| is_blank_or_comment(l.text) || indent_of(l.text) > indent)
                .copied()
                .collect();
            content_start(&deeper).unwrap_or(dash)
        } else {
            line.start + (line.text.len() - item.len())
        };
        starts.push(start);
    }
    Some(starts)
}

/// The items of the list anchored `&name` in `doc`.
fn alias_starts(text: &str, name: &str, doc: &[Line<'_>], hops: usize) -> Option<Vec<Offset>> {
    if hops > MAX_ALIAS_HOPS || name.is_empty() {
        return None;
    }
    let anchor = format!("&{name}");
    let (i, line, at) = doc.iter().enumerate().find_map(|(i, l)| {
        let at = l
            .text
            .match_indices(&anchor)
            .map(|(at, _)| at)
            .find(|&at| {
                let end = at + anchor.len();
                (at == 0 || l.text[..at].ends_with([' ', '\t', '[', ',']))
                    && l.text[end..]
                        .chars()
                        .next()
                        .is_none_or(|c| " \t,]".contains(c))
            })?;
        Some((i, l, at))
    })?;
    let indent = indent_of(line.text);
    let key_line = !line.text[indent..].starts_with('-');
    let rest: Vec<Line<'_>> = doc[i + 1..]
        .iter()
        .take_while(|l| {
            is_blank_or_comment(l.text)
                || indent_of(l.text) > indent
                || (key_line && indent_of(l.text) == indent && l.text[indent..].starts_with('-'))
        })
        .copied()
        .collect();
    value_starts(text, line, at + anchor.len(), &rest, doc, hops)
}

/// The items of the flow list whose `[` is at `open`: where each item at
/// depth one starts (nested lists and mappings are one item each).
fn flow_item_starts(text: &str, open: Offset) -> Option<Vec<Offset>> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut expecting = true;
    let mut i = open;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            _ => {}
        }
        if depth == 1 && expecting && c != b']' && c != b',' {
            starts.push(i);
            expecting = false;
        }
        match c {
            b'"' => i = quoted_end(bytes, i, b'"')?,
            b'\'' => i = quoted_end(bytes, i, b'\'')?,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(starts);
                }
            }
            b',' if depth == 1 => expecting = true,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The offset of the quote that closes the quoted scalar opening at
/// `open` (`\"` escapes in double quotes, `''` in single quotes).
fn quoted_end(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            q if q == quote && quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            q if q == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// What becomes of one item of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Left as it is.
    Keep,
    /// Its text is replaced by this value.
    Replace(String),
    /// Removed.
    Remove,
}

/// Where items that are added go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// Just before this item (index into the list).
    Before(usize),
    /// Just after this item.
    After(usize),
}

/// The changes of one list: an action per item, and items to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPlan<'p> {
    /// One action per item.
    pub actions: &'p [Action],
    /// Values to add.
    pub additions: &'p [String],
    /// Where the additions go (`None`: nowhere; they are dropped).
    pub insert: Option<Insert>,
}

impl ListPlan<'_> {
    /// Whether applying the plan changes anything.
    pub fn changes(&self) -> bool {
        (!self.additions.is_empty() && self.insert.is_some())
            || self.actions.iter().any(|a| *a != Action::Keep)
    }

    /// The list after the plan is applied to `values`.
    pub fn apply(&self, values: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let additions = |out: &mut Vec<String>| out.extend(self.additions.iter().cloned());
        for (i, (value, action)) in values.iter().zip(self.actions).enumerate() {
            if self.insert == Some(Insert::Before(i)) {
                additions(&mut out);
            }
            match action {
                Action::Keep => out.push(value.clone()),
                Action::Replace(new) => out.push(new.clone()),
                Action::Remove => {}
            }
            if self.insert == Some(Insert::After(i)) {
                additions(&mut out);
            }
        }
        out
    }
}

/// The edits that carry out `plan` on a list. `indent` is the file's
/// indentation for list items (used when a single scalar becomes a list).
/// An empty list (`key:`, `key: []`) gets no edits.
pub fn list_edits(
    text: &str,
    block: &ListBlock,
    plan: &ListPlan<'_>,
    line_ending: LineEnding,
    indent: &str,
) -> Vec<Edit> {
    match &block.shape {
        ListShape::Block { indent, gap } => {
            block_edits(text, block, plan, line_ending, indent, gap)
        }
        ListShape::Flow { separator } => flow_edits(block, plan, separator),
        ListShape::Scalar => scalar_edits(block, plan, line_ending, indent),
        ListShape::Empty => Vec::new(),
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
    block: &ListBlock,
    plan: &ListPlan<'_>,
    line_ending: LineEnding,
    indent: &str,
    gap: &str,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (item, action) in block.items.iter().zip(plan.actions) {
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

fn flow_edits(block: &ListBlock, plan: &ListPlan<'_>, separator: &str) -> Vec<Edit> {
    let items = &block.items;
    let mut edits = Vec::new();
    for (item, action) in items.iter().zip(plan.actions) {
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

/// `key: value` becomes a block list of the planned values.
fn scalar_edits(
    block: &ListBlock,
    plan: &ListPlan<'_>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, key: &str) -> Result<ListBlock, String> {
        let all = lines(text, 0..text.len());
        read_list(text, find_key(&all, key).ok_or("no key")?)
    }

    fn values(block: &ListBlock) -> Vec<&str> {
        block.items.iter().map(|i| i.value.as_str()).collect()
    }

    #[test]
    fn finds_keys_at_the_mapping_indentation() {
        let text = "a: 1\ntags:\n  x:\n  - T1\n  mitre_attack_id:\n  - T1059\n  - 'T1003'  # c\n  z: 2\nb: 2\n";
        let all = lines(text, 0..text.len());
        let tags = find_key(&all, "tags").unwrap();
        assert_eq!(tags.len(), 7);
        let inner = find_key(&tags[1..], "mitre_attack_id").unwrap();
        let block = read_list(text, inner).unwrap();
        assert_eq!(values(&block), ["T1059", "T1003"]);
        assert_eq!(&text[block.items[1].span.clone()], "'T1003'");
        assert!(find_key(&all, "x").is_none(), "x is not a top-level key");
        assert!(find_key(&all, "mitre_attack_id").is_none());
    }

    #[test]
    fn reads_block_flow_and_scalar_lists() {
        let block = read("k:\n    - a   # c\n    - \"b\"\nz: 1\n", "k").unwrap();
        assert_eq!(values(&block), ["a", "b"]);
        let flow = read("k: [a, 'b' ,c]  # c\n", "k").unwrap();
        assert_eq!(values(&flow), ["a", "b", "c"]);
        assert_eq!(
            flow.shape,
            ListShape::Flow {
                separator: " ".into()
            }
        );
        let scalar = read("k: T1059 # c\r\n", "k").unwrap();
        assert_eq!(scalar.shape, ListShape::Scalar);
        assert_eq!(read("k: []\n", "k").unwrap().items.len(), 0);
        assert!(read("k:\n  - &a x\n", "k").is_err());
        assert!(read("k:\n  - a\n   - b\n", "k").is_err());
    }

    /// The 1-based lines of the items of `key`, read leniently.
    fn item_lines(text: &str, key: &str) -> Option<Vec<usize>> {
        let all = lines(text, 0..text.len());
        let starts = item_starts(text, find_key(&all, key)?, &all)?;
        let index = super::super::LineIndex::new(text);
        Some(starts.into_iter().map(|o| index.line(o)).collect())
    }

    #[test]
    fn items_are_found_in_odd_shapes_too() {
        let block = "k:\n  - a\n  - 42\n  - x: 1\n    y: 2\n  - >-\n    folded\n  - *al\n  - &an b\n  - [c, d]\nz: 1\n";
        assert_eq!(item_lines(block, "k"), Some(vec![2, 3, 4, 7, 8, 9, 10]));
        let flow = "k: [a, 'b,c', \"d\\\"]\",\n  [e, f], {g: h},\n  # c\n  i,\n]\n";
        assert_eq!(item_lines(flow, "k"), Some(vec![1, 1, 1, 2, 2, 4]));
        let alias = "c: &c\n- a\n- b\nk: *c\n";
        assert_eq!(item_lines(alias, "k"), Some(vec![2, 3]));
        let flow_alias = "c: &c [a,\n  b]\nk: *c\n";
        assert_eq!(item_lines(flow_alias, "k"), Some(vec![1, 2]));
        let anchored = "k: &x\n  - a\n  - b\n";
        assert_eq!(item_lines(anchored, "k"), Some(vec![2, 3]));
        assert_eq!(item_lines("k: |\n  a\n", "k"), Some(vec![2]));
        assert_eq!(item_lines("k: a\n", "k"), Some(vec![1]));
        assert_eq!(item_lines("k: *nowhere\n", "k"), None);
        assert_eq!(item_lines("a: &a *b\nb: &b *a\nk: *a\n", "k"), None);
        assert_eq!(item_lines("k: [a, b\n", "k"), None);
    }

    #[test]
    fn plans_replace_remove_and_add() {
        let text = "k:\n  - a\n  - b\n  - c\n";
        let block = read(text, "k").unwrap();
        let actions = [Action::Replace("A".into()), Action::Remove, Action::Keep];
        let additions = ["d".to_string()];
        let plan = ListPlan {
            actions: &actions,
            additions: &additions,
            insert: Some(Insert::After(2)),
        };
        let edits = list_edits(text, &block, &plan, LineEnding::Lf, "  ");
        let new = super::super::apply(text, &edits).unwrap();
        assert_eq!(new, "k:\n  - A\n  - c\n  - d\n");
        let values: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(plan.apply(&values), ["A", "c", "d"]);
    }
}
