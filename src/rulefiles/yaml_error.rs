//! Where a serde_yaml error is in the text, where serde_yaml does not say
//! it well: a duplicate key is reported at the start of its mapping (the
//! second key's line is wanted), and an alias bomb ("repetition limit
//! exceeded") has no position at all (the first alias of the document is
//! given).

use super::LineIndex;
use super::yaml_list::{indent_of, is_blank_or_comment, key_name};

/// The message serde_yaml gives when aliases expand to too many values.
const REPETITION: &str = "repetition limit exceeded";

/// The 1-based line and column of `err`, raised while reading document
/// `doc` (from 0) of `text`, and what to add to its message; `(0, 0)`
/// when no position can be found.
pub fn yaml_error_position(
    text: &str,
    doc: usize,
    err: &serde_yaml::Error,
) -> (usize, usize, &'static str) {
    let message = err.to_string();
    let reported = err.location().map(|l| (l.line(), l.column()));
    if let (Some(key), Some((line, column))) = (duplicate_key(&message), reported) {
        if let Some((l, c)) = second_key(text, line, column, &key) {
            return (l, c, "");
        }
    }
    if let Some((line, column)) = reported {
        return (line, column, "");
    }
    if message.contains(REPETITION) {
        if let Some((line, column)) = first_alias(text, doc) {
            return (
                line,
                column,
                " (the document's aliases expand to too many values, as in an alias bomb; its first alias is here)",
            );
        }
    }
    (0, 0, "")
}

/// The key of serde_yaml's `duplicate entry with key "K"`.
fn duplicate_key(message: &str) -> Option<String> {
    let at = message.find("duplicate entry with key ")? + "duplicate entry with key ".len();
    let rest = &message[at..];
    let end = rest.find(" at line ").unwrap_or(rest.len());
    let quoted = &rest[..end];
    serde_json::from_str::<String>(quoted)
        .ok()
        .or_else(|| Some(quoted.to_string()))
}

/// The line and column of the second `key` of the mapping that starts at
/// `line`:`column`: a block mapping (keys at that column) or a flow
/// mapping (`{` there).
fn second_key(text: &str, line: usize, column: usize, key: &str) -> Option<(usize, usize)> {
    let all: Vec<&str> = text.split('\n').collect();
    let first = all.get(line.checked_sub(1)?)?;
    let start = first
        .char_indices()
        .nth(column.checked_sub(1)?)
        .map(|(i, _)| i)?;
    if first[start..].starts_with('{') {
        return flow_second_key(text, line, &all, start, key);
    }
    let indent = column - 1;
    let mut seen = 0;
    for (i, raw) in all.iter().enumerate().skip(line - 1) {
        let body = raw.trim_end_matches('\r');
        let own = if i == line - 1 { &body[start..] } else { body };
        if i > line - 1 {
            if body.starts_with("---") || body.starts_with("...") {
                break;
            }
            if is_blank_or_comment(body) {
                continue;
            }
            if indent_of(body) < indent {
                break;
            }
            if indent_of(body) > indent {
                continue;
            }
        }
        if key_name(own).as_deref() == Some(key) {
            seen += 1;
            if seen == 2 {
                return Some((i + 1, column));
            }
        }
    }
    None
}

/// The second `key` of the flow mapping whose `{` is at byte `start` of
/// line `line`.
fn flow_second_key(
    text: &str,
    line: usize,
    all: &[&str],
    start: usize,
    key: &str,
) -> Option<(usize, usize)> {
    let offset = all[..line - 1].iter().map(|l| l.len() + 1).sum::<usize>() + start;
    let lines = LineIndex::new(text);
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut expect_key = false;
    let mut seen = 0;
    for (i, c) in text[offset..].char_indices() {
        let at = offset + i;
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '{' | '[' => {
                depth += 1;
                expect_key = c == '{' && depth == 1;
                continue;
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            ',' if depth == 1 => expect_key = true,
            c if c.is_whitespace() => {}
            _ if expect_key => {
                expect_key = false;
                if flow_key_at(&text[at..], key) {
                    seen += 1;
                    if seen == 2 {
                        let line = lines.line(at);
                        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                        let column = text[line_start..at].chars().count() + 1;
                        return Some((line, column));
                    }
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
            }
            '"' | '\'' => quote = Some(c),
            _ => {}
        }
    }
    None
}

/// Whether the flow text at hand starts with `key` and its colon.
fn flow_key_at(rest: &str, key: &str) -> bool {
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| {
            let inner = rest.strip_prefix(*q)?;
            let close = inner.find(*q)?;
            Some((&inner[..close], &inner[close + 1..]))
        })
        .or_else(|| {
            let end = rest.find([':', ',', '}'])?;
            Some((rest[..end].trim_end(), &rest[end..]))
        });
    unquoted.is_some_and(|(k, after)| k == key && after.trim_start().starts_with(':'))
}

/// The line and column of the first alias (`*name`) of document `doc`.
fn first_alias(text: &str, doc: usize) -> Option<(usize, usize)> {
    let docs = crate::sigma::document::documents(text);
    let range = docs.get(doc).map_or(0..text.len(), |d| d.range.clone());
    let lines = LineIndex::new(text);
    let mut offset = range.start;
    for raw in text[range.clone()].split_inclusive('\n') {
        if let Some(i) = alias_in(raw) {
            let line = lines.line(offset + i);
            return Some((line, raw[..i].chars().count() + 1));
        }
        offset += raw.len();
    }
    None
}

/// The byte offset of an alias in one line, outside quotes and comments.
fn alias_in(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && " [{,:-".contains(previous) => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return None,
            None if c == '*' && " [{,:-".contains(previous) => {
                let next = line[i + 1..].chars().next();
                if next.is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '-') {
                    return Some(i);
                }
            }
            None => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str) -> (usize, usize) {
        let mut docs = serde_yaml::Deserializer::from_str(text).enumerate();
        let err = docs
            .find_map(|(i, d)| {
                <serde_yaml::Value as serde::Deserialize>::deserialize(d)
                    .err()
                    .map(|e| (i, e))
            })
            .expect("an error");
        let (line, column, _) = yaml_error_position(text, err.0, &err.1);
        (line, column)
    }

    #[test]
    fn duplicate_keys_are_found_at_the_second_key() {
        assert_eq!(
            position("title: t\ntags:\n  - a\nlevel: x\ntags:\n  - b\n"),
            (5, 1)
        );
        assert_eq!(
            position(
                "a: 1\nlogsource:\n    product: w\n    # c\n    x:\n        product: n\n    product: l\n"
            ),
            (7, 5)
        );
        assert_eq!(position("a: 1\nb: {product: a, 'product': b}\n"), (2, 17));
        assert_eq!(position("x:\n  - k: 1\n    k: 2\n"), (3, 5));
        assert_eq!(position("a: 1\n---\nb: 1\nb: 2\n"), (4, 1));
    }

    #[test]
    fn alias_bombs_point_at_the_first_alias_of_their_document() {
        let mut bomb = String::from(
            "title: ok\n---\nn0: &a0 ['*x', lol, lol, lol, lol, lol, lol, lol, lol]  # *c\n",
        );
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            bomb.push_str(&format!("n{i}: &a{i} [{refs}]\n"));
        }
        assert_eq!(position(&bomb), (4, 10));
    }
}
