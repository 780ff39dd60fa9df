//! The library's one error type.
//!
//! Every error names what it is about: the file (with line and column for
//! JSON syntax errors), the directory, or the ATT&CK ID. The binary turns an
//! [`Error`] into one line on stderr and the exit code from
//! [`Error::exit_code`].

use std::io;
use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when a check ran fine but found problems (`layer check`, …).
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code for bad input or usage: unreadable or malformed files, unknown
/// IDs, unwritable output paths, invalid options.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for an internal error (a bug in attackmap).
pub const EXIT_INTERNAL: i32 = 3;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in attackmap.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// An input file has no content at all.
    #[error("{}: file is empty", path.display())]
    EmptyFile {
        /// The empty file.
        path: PathBuf,
    },
    /// JSON that does not parse; line and column are 1-based.
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// YAML that does not parse; line and column are 1-based (0 when unknown).
    #[error("{}:{line}:{column}: invalid YAML: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A file that should be text but is binary or not UTF-8.
    #[error("{}: not a text file: {reason}", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// Why (binary, not UTF-8).
        reason: String,
    },
    /// Valid YAML that is not a Sigma rule.
    #[error("{}: not a Sigma rule: {reason}", path.display())]
    NotARule {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file named on the command line does not exist.
    #[error("{}: does not exist (no such file or directory)", path.display())]
    NoSuchFile {
        /// The path given.
        path: PathBuf,
    },
    /// A rule file that `sigma tag` will not change, and why.
    #[error("{}: not tagged: {reason}", path.display())]
    NotTaggable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Valid JSON that is not a STIX bundle.
    #[error("{}: not a STIX bundle: {reason}", path.display())]
    NotABundle {
        /// The file.
        path: PathBuf,
        /// Why it is not one.
        reason: String,
    },
    /// A directory given as input holds no bundle or object files.
    #[error("{}: no ATT&CK STIX files found in this directory (expected bundles such as enterprise-attack.json, or the mitre/cti layout <domain>/<type>/<object>.json)", path.display())]
    NoBundles {
        /// The directory.
        path: PathBuf,
    },
    /// The inputs hold no technique at all.
    #[error("{inputs}: no ATT&CK techniques (attack-pattern objects) found{skipped}")]
    NoTechniques {
        /// The inputs, comma-separated.
        inputs: String,
        /// Empty, or what loading skipped that may explain it
        /// (`; 1 malformed object was skipped: …`).
        skipped: String,
    },
    /// `--strict` was given and loading produced warnings.
    #[error("--strict: loading produced {}, the first: {}", crate::text::plural(warnings.len(), "warning", "warnings"), warnings.first().map(String::as_str).unwrap_or(""))]
    Strict {
        /// The warnings.
        warnings: Vec<String>,
    },
    /// A file that should hold an attackmap model does not.
    #[error("{}: not an attackmap model: {reason}", path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file or directory could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A file changed on disk between being read and being rewritten
    /// (someone else edited it meanwhile); it was left as it is.
    #[error("{}: changed while fixing; left as it is", path.display())]
    ChangedWhileWriting {
        /// The file.
        path: PathBuf,
    },
    /// A cache file cannot be written (the cache directory is fine).
    #[error("cache file {}: cannot write: {source} (use --cache-dir DIR or --no-cache)", path.display())]
    CacheFile {
        /// The cache file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// `map` without `--out` could not write the model into the cache, so
    /// it wrote it nowhere.
    #[error("{reason}; the model was mapped but written nowhere (give --out FILE)")]
    ModelNotWritten {
        /// The cache error.
        reason: String,
    },
    /// The cache directory cannot be created or written.
    #[error("cache directory {}: not writable: {source} (use --cache-dir DIR or --no-cache)", path.display())]
    CacheDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// An ATT&CK ID (or name) that the loaded data does not have.
    #[error("unknown {} '{id}'{}", id_or_name(id), suggestion_text(suggestion))]
    UnknownId {
        /// What was asked for.
        id: String,
        /// A close match, if there is one.
        suggestion: Option<String>,
    },
    /// A download failed: the server could not be reached, the connection
    /// broke, or the proxy refused.
    #[error("{url}: download failed: {reason}")]
    Download {
        /// The address.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an HTTP error status.
    #[error("{url}: download failed: HTTP {status}{}", if reason.is_empty() { String::new() } else { format!(" {reason}") })]
    HttpStatus {
        /// The address.
        url: String,
        /// The status code.
        status: u16,
        /// The status text (`Not Found`), possibly empty.
        reason: String,
    },
    /// No byte arrived for longer than the timeout.
    #[error(
        "{url}: download timed out: nothing received for {seconds} s while {during} (use --timeout SECONDS on slow networks)"
    )]
    Timeout {
        /// The address.
        url: String,
        /// The timeout in seconds.
        seconds: f64,
        /// What was going on: `connecting`, `reading the response`, …
        during: String,
    },
    /// A response ended before the length it announced.
    #[error(
        "{url}: download incomplete: received {received} of {expected} bytes; nothing was stored"
    )]
    Truncated {
        /// The address.
        url: String,
        /// Bytes received.
        received: u64,
        /// Bytes announced by `Content-Length`.
        expected: u64,
    },
    /// Data whose SHA-256 is not the one pinned for the release.
    #[error(
        "{source_name}: SHA-256 mismatch for {release}: expected {expected}, got {actual}; nothing was stored"
    )]
    HashMismatch {
        /// Where the data came from (address or file).
        source_name: String,
        /// The release it should have been.
        release: String,
        /// The pinned SHA-256.
        expected: String,
        /// The SHA-256 of what arrived.
        actual: String,
    },
    /// A file to import whose SHA-256 matches no official release.
    #[error("{}: SHA-256 {sha256} matches no official ATT&CK release; pass --unverified to add it anyway (it is then marked unverified)", path.display())]
    UnknownRelease {
        /// The file.
        path: PathBuf,
        /// Its SHA-256.
        sha256: String,
    },
    /// The index of the data directory cannot be read.
    #[error("{}: not a usable attackmap data index: {reason} (fix or delete it, then fetch or add the data again)", path.display())]
    DataIndex {
        /// The index file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The lock of the data directory's index stayed taken by another
    /// process for longer than attackmap waits.
    #[error(
        "{}: the data directory is locked by another attackmap ({holder}); gave up after waiting {seconds} s. If no attackmap is using this data directory, delete this file",
        path.display()
    )]
    DataLocked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as the lock file says (`pid 1234 since …`).
        holder: String,
        /// How long attackmap waited.
        seconds: f64,
    },
    /// A stored release file whose content is no longer what the index
    /// recorded when it was stored.
    #[error(
        "{}: the stored {label} has changed since it was stored ({reason}); refusing to use it. {hint}",
        path.display()
    )]
    StoredFileChanged {
        /// The stored file.
        path: PathBuf,
        /// What it should be (`ics-attack 18.1 (STIX 2.1)`).
        label: String,
        /// What differs.
        reason: String,
        /// The commands that repair the store.
        hint: String,
    },
    /// An `export` option given with a format that does not use it.
    #[error(
        "{option} applies to {}, not to `export {format}`",
        export_list(formats)
    )]
    OptionNotForFormat {
        /// The option as typed (`--score`).
        option: &'static str,
        /// The format asked for.
        format: String,
        /// The formats that take the option.
        formats: &'static [&'static str],
    },
    /// `export --each -o PATH` where PATH is an existing file.
    #[error("{}: --each writes one file per object and needs a directory, but this path is an existing file; give a directory with -o DIR", path.display())]
    EachNeedsDirectory {
        /// The path given with `-o`.
        path: PathBuf,
    },
    /// `export --each`: one of the files could not be written; the files
    /// written before it are complete and stay.
    #[error("{}: cannot write: {source}; {written} of {total} files were written to {} before the failure and are left there (each one complete)", path.display(), dir.display())]
    EachWrite {
        /// The file that failed.
        path: PathBuf,
        /// The output directory.
        dir: PathBuf,
        /// How many files were written completely.
        written: usize,
        /// How many files the run had to write.
        total: usize,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// An ID or name given where another kind of object is expected: a
    /// group ID as a technique, a technique ID as a group, …
    #[error("'{query}' is not a {expected}: it is {actual}")]
    WrongKind {
        /// What was given.
        query: String,
        /// The kind the option takes (`technique`).
        expected: &'static str,
        /// What the ID or name is (`group G0016 (APT29)`).
        actual: String,
    },
    /// A data source ID (`DS0017`): the model does not hold data sources.
    #[error(
        "'{id}' is a data source: data sources are not part of the attackmap model (ATT&CK v18 \
         deprecated them; detections are modelled as detection strategies and data components). \
         Show a data component with `attackmap show DC…`, a detection strategy with \
         `attackmap show DET…`, or a technique to see its detections and their data components"
    )]
    DataSource {
        /// The ID as given.
        id: String,
    },
    /// A file given to `--from-context` that is not a context written by
    /// `export --context`.
    #[error("{}: not an attackmap context: {what}; --from-context reads a file written by `attackmap export FORMAT --context`", path.display())]
    NotAContext {
        /// The file.
        path: PathBuf,
        /// What it is instead (`it is an ATT&CK Navigator layer`).
        what: String,
    },
    /// A context file written for another export format.
    #[error("{}: this context was written by `attackmap export {written_for} --context` and cannot be rendered as `export {format}`; render it with `attackmap export {written_for} --from-context {}`", path.display(), path.display())]
    ContextFormat {
        /// The file.
        path: PathBuf,
        /// The format the context was written for.
        written_for: String,
        /// The format asked for.
        format: String,
    },
    /// A technique list that names no technique where one is needed
    /// (`sigma tag -t @FILE` with an empty file).
    #[error("{file}: the technique list is empty (no ID, only blank lines or comments); {why}")]
    EmptyTechniqueList {
        /// The file as given (`<stdin>` for `@-`).
        file: String,
        /// Why a technique is needed.
        why: &'static str,
    },
    /// A value given on the command line or in a file that makes no sense.
    #[error("{0}")]
    Invalid(String),
    /// A template failed to load or render.
    #[error("{0}")]
    Template(String),
    /// An error that indicates a bug in attackmap.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `` `export csv` and `export xlsx` ``.
fn export_list(formats: &[&str]) -> String {
    let names: Vec<String> = formats.iter().map(|f| format!("`export {f}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean {s}?)"),
        None => String::new(),
    }
}

impl Error {
    /// The process exit code the binary uses for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => EXIT_INTERNAL,
            _ => EXIT_BAD_INPUT,
        }
    }

    /// Wraps a `serde_yaml` error for `path`, keeping line and column.
    pub fn yaml(path: impl Into<PathBuf>, err: &serde_yaml::Error) -> Error {
        let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
        Error::Yaml {
            path: path.into(),
            line,
            column,
            message: strip_yaml_positions(&err.to_string()),
        }
    }

    /// Wraps a `serde_yaml` error met reading document `doc` (from 0) of
    /// `text`, the content of `path`: the position of a duplicate key is
    /// that of its second copy, an alias bomb's that of the document's
    /// first alias (see [`crate::rulefiles::yaml_error`]).
    pub fn yaml_in(
        path: impl Into<PathBuf>,
        text: &str,
        doc: usize,
        err: &serde_yaml::Error,
    ) -> Error {
        let (line, column, more) =
            crate::rulefiles::yaml_error::yaml_error_position(text, doc, err);
        Error::Yaml {
            path: path.into(),
            line,
            column,
            message: format!("{}{more}", strip_yaml_positions(&err.to_string())),
        }
    }

    /// Wraps a `serde_json` error for `path`, whose content is `bytes`,
    /// keeping line and column (see [`json_position`]).
    pub fn json(path: impl Into<PathBuf>, bytes: &[u8], err: &serde_json::Error) -> Error {
        let (line, column) = json_position(bytes, err.line(), err.column());
        Error::Json {
            path: path.into(),
            line,
            column,
            message: strip_position(&err.to_string()),
        }
    }
}

/// The 1-based line and column of a serde_json error in `text`. serde_json
/// gives column 0 when the error is met right after a line break (a string
/// broken over two lines, the end of the file after a final newline): that
/// is the line break itself, so the previous line and the column just past
/// its last character (columns count bytes, like serde_json's). Line 0
/// (no position) stays `(0, 0)`.
pub fn json_position(text: &[u8], line: usize, column: usize) -> (usize, usize) {
    match (line, column) {
        (0, _) => (0, 0),
        (_, 1..) => (line, column),
        (1, 0) => (1, 1),
        _ => {
            let previous = text.split(|b| *b == b'\n').nth(line - 2).unwrap_or(b"");
            let previous = previous.strip_suffix(b"\r").unwrap_or(previous);
            (line - 1, previous.len() + 1)
        }
    }
}

/// serde_yaml puts " at line L column C" after each part of its messages;
/// the first position is printed as `file:line:column` instead.
pub(crate) fn strip_yaml_positions(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(pos) = rest.find(" at line ") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + " at line ".len()..];
        let skip = after
            .find(" column ")
            .map(|c| {
                let digits = after[c + 8..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .count();
                c + 8 + digits
            })
            .unwrap_or(0);
        rest = &after[skip..];
    }
    out.push_str(rest);
    out
}

/// `ID` for what looks like an ATT&CK ID (letters then a digit: `T1059`,
/// `G0016`, `DC0032`), `ID or name` for anything else.
fn id_or_name(query: &str) -> &'static str {
    let letters = query.chars().take_while(char::is_ascii_alphabetic).count();
    let looks_like_id =
        (1..=3).contains(&letters) && query[letters..].starts_with(|c: char| c.is_ascii_digit());
    if looks_like_id { "ID" } else { "ID or name" }
}

/// serde_json appends " at line L column C" to its messages; we print the
/// position ourselves in `file:line:column` form.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position serde_json reports, as `file:line:column` shows it.
    fn position(text: &str) -> (usize, usize) {
        let err = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        json_position(text.as_bytes(), err.line(), err.column())
    }

    #[test]
    fn json_errors_after_a_line_break_point_at_the_break() {
        // Cut after a final newline: the end of line 1, not "2:0".
        assert_eq!(position("{\"objects\": [\n"), (1, 14));
        // CRLF: the column is past the text, before the "\r".
        assert_eq!(position("{\"a\": 1,\r\n"), (1, 9));
        // An error inside a line keeps serde_json's own position.
        assert_eq!(position("{\n  \"a\": tru\n}"), (2, 11));
        assert_eq!(position("\n"), (1, 1));
    }

    #[test]
    fn unknown_names_are_not_called_ids() {
        let unknown = |id: &str| {
            Error::UnknownId {
                id: id.to_string(),
                suggestion: None,
            }
            .to_string()
        };
        assert_eq!(unknown("T1059.01"), "unknown ID 'T1059.01'");
        assert_eq!(unknown("DC9999"), "unknown ID 'DC9999'");
        assert_eq!(unknown("APT"), "unknown ID or name 'APT'");
        assert_eq!(unknown("Cozy Bar"), "unknown ID or name 'Cozy Bar'");
        assert_eq!(unknown("APT29"), "unknown ID 'APT29'", "shaped like an ID");
    }
}
