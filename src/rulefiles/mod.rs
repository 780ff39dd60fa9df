//! What the rule-file commands (`sigma check|fix`, `siem check|fix`) share:
//! finding the files under the paths given ([`walk`]), reading them as
//! text ([`decode_text`], [`LineIndex`], [`LineEnding`]), editing them by
//! byte range without re-serialising anything ([`Edit`], [`apply`]), YAML
//! lists with the positions of their items ([`yaml_list`]), the severity of
//! a finding ([`Severity`]) and the unified diff of a fix ([`diff`]).

pub mod diff;
pub mod invisible;
pub mod walk;
pub mod yaml_error;
pub mod yaml_list;

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// The UTF-8 byte order mark.
pub const BOM: &str = "\u{feff}";

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wrong: it names nothing in this release, a consumer rejects it, or
    /// the file cannot be checked at all.
    Error,
    /// Questionable or spelled wrongly.
    Warning,
    /// Said for information only.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// Writes a finding as `file:line:column: severity: message (fix: …)`,
/// leaving out what it does not have; the form every rule-file command
/// prints.
pub fn write_finding(
    f: &mut fmt::Formatter<'_>,
    file: &Path,
    line: Option<usize>,
    column: Option<usize>,
    severity: Severity,
    message: &str,
    fix: Option<&dyn fmt::Display>,
) -> fmt::Result {
    write!(f, "{}", file.display())?;
    if let Some(line) = line {
        write!(f, ":{line}")?;
    }
    if let Some(column) = column {
        write!(f, ":{column}")?;
    }
    write!(f, ": {severity}: {}", one_line(message))?;
    if let Some(fix) = fix {
        write!(f, " (fix: {fix})")?;
    }
    Ok(())
}

/// `message` on one line: line breaks and tabs (from tags written as
/// block scalars, say) shown as `\n`, `\r`, `\t`.
fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.contains(['\n', '\r', '\t']) {
        return message.into();
    }
    message
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
        .into()
}

/// Start offsets of the lines of a text, for offset → line number.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
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

/// One change of a text: `range` is replaced by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes replaced (empty for an insertion).
    pub range: Range<usize>,
    /// New text.
    pub text: String,
}

/// Applies non-overlapping edits; `None` if two overlap or one lies
/// outside the text.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in sorted {
        if edit.range.start < cursor
            || edit.range.end > text.len()
            || !text.is_char_boundary(edit.range.start)
            || !text.is_char_boundary(edit.range.end)
        {
            return None;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.text);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    Some(out)
}

/// The message of the error both `sigma check` and `siem check` give for
/// an empty rule file (no bytes, or nothing but blank lines, comments and
/// empty documents).
pub const EMPTY_FILE: &str =
    "the file is empty (nothing but blank lines or comments): it holds no rule";

/// Checks that `bytes` are UTF-8 text and splits off a byte order mark:
/// `(has_bom, text)`. Binary files (NUL bytes) and other encodings are
/// [`Error::NotText`].
pub fn decode_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<(bool, &'b str)> {
    let not_text = |reason: String| Error::NotText {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.contains(&0) {
        return Err(not_text("binary file (it holds NUL bytes)".to_string()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        not_text(format!(
            "not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_refuse_overlaps() {
        let edits = [
            Edit {
                range: 4..5,
                text: "X".into(),
            },
            Edit {
                range: 0..0,
                text: ">".into(),
            },
        ];
        assert_eq!(apply("abcdef", &edits).as_deref(), Some(">abcdXf"));
        let overlapping = [
            Edit {
                range: 0..3,
                text: String::new(),
            },
            Edit {
                range: 2..4,
                text: String::new(),
            },
        ];
        assert_eq!(apply("abcdef", &overlapping), None);
        let outside = [Edit {
            range: 3..10,
            text: String::new(),
        }];
        assert_eq!(apply("abc", &outside), None);
    }

    #[test]
    fn a_finding_is_printed_on_one_line() {
        struct F;
        impl fmt::Display for F {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_finding(
                    f,
                    Path::new("r.yml"),
                    Some(3),
                    None,
                    Severity::Warning,
                    "a\nb\tc",
                    None,
                )
            }
        }
        assert_eq!(F.to_string(), "r.yml:3: warning: a\\nb\\tc");
    }

    #[test]
    fn text_is_decoded_with_its_byte_order_mark() {
        let p = Path::new("x");
        assert_eq!(decode_text(p, b"a: 1").unwrap(), (false, "a: 1"));
        assert_eq!(
            decode_text(p, "\u{feff}a: 1".as_bytes()).unwrap(),
            (true, "a: 1")
        );
        assert!(decode_text(p, b"a\0b").is_err());
        assert!(decode_text(p, b"\xff\xfe").is_err());
        assert_eq!(LineEnding::of("a\r\nb"), LineEnding::CrLf);
        assert_eq!(LineIndex::new("a\nb\nc").line(4), 3);
    }
}
