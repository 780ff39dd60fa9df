//! What `sigma fix` and `siem fix` share: writing the fixed files (or
//! diffing them), judging what remains on the fixed text, and reporting it
//! all in one shape — text lines or the JSON document of
//! `docs/sigma.md` and `docs/siem.md`.

use std::collections::HashSet;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use serde::Serialize;

use attackmap::error::{EXIT_FINDINGS, EXIT_OK, Error, Result};
use attackmap::fsutil::{STALE_TEMP_AGE, remove_stale_temp_files, write_in_place};
use attackmap::rulefiles::{Severity, diff};
use attackmap::text::count;

use super::output::{lines, to_json, write_stdout};
use super::sigma::FindingFormat;

/// A finding of `sigma` or `siem`, as far as fixing needs it.
pub trait FixFinding: Clone + Serialize + Display {
    /// The file (or path) it is about.
    fn path(&self) -> &Path;
    /// Its severity.
    fn severity(&self) -> Severity;
    /// Whether `fix` changes something for it.
    fn fixable(&self) -> bool;
    /// The error finding for a file that could not be written.
    fn write_failed(path: &Path, message: String) -> Self;
}

/// One file as checked: its findings, and the text before and after the
/// fix (when there is one).
pub struct Checked<'r, F> {
    /// The file.
    pub path: &'r Path,
    /// Its findings, judged on the text as it is.
    pub findings: &'r [F],
    /// Its text, when it could be read.
    pub original: Option<&'r str>,
    /// The fixed text, when fixing changes it.
    pub fixed: Option<&'r str>,
}

/// What `fix` did with one file (or, for a problem met while walking the
/// paths, with that path).
#[derive(Debug, Serialize)]
pub struct FileFix<F> {
    /// The file.
    pub file: PathBuf,
    /// Whether the file was rewritten (with `--dry-run`: would be).
    pub changed: bool,
    /// Why the file could not be written, when it could not; it is then
    /// left as it was.
    pub error: Option<String>,
    /// The findings, fixed and remaining.
    pub findings: FixedFindings<F>,
}

/// The findings of a file, split by what `fix` did.
#[derive(Debug, Serialize)]
pub struct FixedFindings<F> {
    /// Findings the fix took care of.
    pub fixed: Vec<F>,
    /// Findings that remain: judged on the fixed text when the file
    /// changed (lines of the fixed text), else the file's own findings.
    pub remaining: Vec<F>,
}

/// Counts over a fix run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FixSummary {
    /// Files checked, read or not (paths that could not be read included).
    pub files: usize,
    /// Rules in them.
    pub rules: usize,
    /// Files rewritten (with `--dry-run`: that would be).
    pub changed_files: usize,
    /// Findings fixed in those files.
    pub fixed_findings: usize,
    /// Files that could not be written (left as they were).
    pub failed_writes: usize,
    /// Remaining findings of severity error (failed writes included).
    pub errors: usize,
    /// Remaining findings of severity warning.
    pub warnings: usize,
    /// Remaining findings of severity info.
    pub infos: usize,
}

/// The files and rules of the run, as its check counted them (paths that
/// could not be read count as files).
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    /// Files checked, read or not.
    pub files: usize,
    /// Rules in them.
    pub rules: usize,
}

/// How to run and report a fix.
pub struct FixOptions<'a> {
    /// `sigma fix` or `siem fix`.
    pub command: &'static str,
    /// The release the files were judged against (`ATT&CK 18.1`).
    pub release: String,
    /// `attack_version` of the JSON output.
    pub attack_version: Option<&'a str>,
    /// Write nothing; print a diff instead.
    pub dry_run: bool,
    /// Print no summary.
    pub quiet: bool,
    /// Text or JSON.
    pub format: FindingFormat,
}

/// Fixes the files (writes them, unless `dry_run`), re-judges each fixed
/// text with `recheck`, prints the results and returns the exit code.
/// `walk_findings` are the problems met while walking the paths; `totals`
/// the files and rules of the check.
pub fn fix_files<'r, F: FixFinding + 'r>(
    options: &FixOptions<'_>,
    checked: impl IntoIterator<Item = Checked<'r, F>>,
    walk_findings: &[F],
    totals: Totals,
    recheck: impl Fn(&Path, &str) -> Vec<F>,
) -> Result<i32> {
    let mut diffs = String::new();
    let mut results: Vec<FileFix<F>> = walk_findings
        .iter()
        .map(|f| unchanged(f.path().to_path_buf(), vec![f.clone()]))
        .collect();
    let walked = results.len();
    let mut tidied = HashSet::new();
    for file in checked {
        if !options.dry_run {
            tidy_temp_files(file.path, &mut tidied);
        }
        results.push(fix_one(options, &file, &recheck, &mut diffs));
    }
    let summary = summarize(&results[walked..], &results, totals);
    match options.format {
        FindingFormat::Json => write_stdout(&json(options, &summary, &results)?)?,
        FindingFormat::Text => print_text(options, &results, &diffs)?,
    }
    if !options.quiet {
        eprintln!("{}", summary_line(options, &summary));
    }
    let failed = summary.errors > 0 || (options.dry_run && summary.fixed_findings > 0);
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// Removes the temporary files an interrupted run (Ctrl-C, a kill) left
/// beside the rules it was writing: those of attackmap's pattern
/// (`.<name>.tmp-<pid>-<n>`) in the directory of `path` (and of the file a
/// link there points at) not written for [`STALE_TEMP_AGE`]. `tidied` holds
/// the directories already done.
fn tidy_temp_files(path: &Path, tidied: &mut HashSet<PathBuf>) {
    let real = std::fs::canonicalize(path).ok();
    let dirs = [Some(path), real.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(Path::parent)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }
        });
    for dir in dirs {
        if tidied.insert(dir.to_path_buf()) {
            remove_stale_temp_files(dir, STALE_TEMP_AGE);
        }
    }
}

fn unchanged<F>(file: PathBuf, remaining: Vec<F>) -> FileFix<F> {
    FileFix {
        file,
        changed: false,
        error: None,
        findings: FixedFindings {
            fixed: Vec::new(),
            remaining,
        },
    }
}

/// Writes (or diffs) one file's fix.
fn fix_one<F: FixFinding>(
    options: &FixOptions<'_>,
    file: &Checked<'_, F>,
    recheck: &impl Fn(&Path, &str) -> Vec<F>,
    diffs: &mut String,
) -> FileFix<F> {
    let (Some(old), Some(new)) = (file.original, file.fixed) else {
        return unchanged(file.path.to_path_buf(), file.findings.to_vec());
    };
    if options.dry_run {
        if options.format == FindingFormat::Text {
            let name = file.path.display().to_string();
            diffs.push_str(&diff::unified(old, new, &name, &name));
        }
    } else if let Err(err) = write_in_place(file.path, new, Some(old.as_bytes())) {
        let why = write_error(&err);
        let message = match err {
            Error::ChangedWhileWriting { .. } => why.clone(),
            _ => format!("{why}; file left as it was"),
        };
        let mut remaining = file.findings.to_vec();
        remaining.push(F::write_failed(file.path, message));
        return FileFix {
            error: Some(why),
            ..unchanged(file.path.to_path_buf(), remaining)
        };
    }
    FileFix {
        file: file.path.to_path_buf(),
        changed: true,
        error: None,
        findings: FixedFindings {
            fixed: file
                .findings
                .iter()
                .filter(|f| f.fixable())
                .cloned()
                .collect(),
            remaining: recheck(file.path, new),
        },
    }
}

/// Why a write failed, without the path (the finding names the file).
fn write_error(err: &Error) -> String {
    match err {
        Error::Write { source, .. } => format!("cannot write: {source}"),
        Error::ChangedWhileWriting { .. } => "changed while fixing; left as it is".to_string(),
        other => other.to_string(),
    }
}

fn summarize<F: FixFinding>(
    files: &[FileFix<F>],
    all: &[FileFix<F>],
    totals: Totals,
) -> FixSummary {
    let mut s = FixSummary {
        files: totals.files,
        rules: totals.rules,
        changed_files: files.iter().filter(|f| f.changed).count(),
        fixed_findings: files.iter().map(|f| f.findings.fixed.len()).sum(),
        failed_writes: files.iter().filter(|f| f.error.is_some()).count(),
        ..FixSummary::default()
    };
    for finding in all.iter().flat_map(|f| &f.findings.remaining) {
        match finding.severity() {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}

/// Text: `file: fixed N findings` per file written (or the diff, with
/// `--dry-run`), then the remaining findings (on stderr with `--dry-run`).
fn print_text<F: FixFinding>(
    options: &FixOptions<'_>,
    results: &[FileFix<F>],
    diffs: &str,
) -> Result<()> {
    let remaining = lines(results.iter().flat_map(|r| &r.findings.remaining));
    if options.dry_run {
        write_stdout(diffs.as_bytes())?;
        eprint!("{remaining}");
        return Ok(());
    }
    let mut out = String::new();
    for r in results.iter().filter(|r| r.changed) {
        out.push_str(&format!(
            "{}: fixed {}\n",
            r.file.display(),
            count(r.findings.fixed.len(), "finding")
        ));
    }
    out.push_str(&remaining);
    write_stdout(out.as_bytes())
}

#[derive(Serialize)]
struct JsonFix<'r, F> {
    attack_version: Option<&'r str>,
    dry_run: bool,
    summary: &'r FixSummary,
    files: &'r [FileFix<F>],
}

fn json<F: FixFinding>(
    options: &FixOptions<'_>,
    summary: &FixSummary,
    files: &[FileFix<F>],
) -> Result<Vec<u8>> {
    let report = JsonFix {
        attack_version: options.attack_version,
        dry_run: options.dry_run,
        summary,
        files,
    };
    to_json(&report)
}

/// `sigma fix: 2 files (2 rules) against ATT&CK 18.1: fixed 3 findings in
/// 1 file; 1 error and 0 warnings remain`.
fn summary_line(options: &FixOptions<'_>, s: &FixSummary) -> String {
    let verb = if options.dry_run {
        "would fix"
    } else {
        "fixed"
    };
    let mut line = format!(
        "{}: {} ({}) against {}: {verb} {} in {}",
        options.command,
        count(s.files, "file"),
        count(s.rules, "rule"),
        options.release,
        count(s.fixed_findings, "finding"),
        count(s.changed_files, "file"),
    );
    if s.failed_writes > 0 {
        line.push_str(&format!(
            "; {} could not be written",
            count(s.failed_writes, "file")
        ));
    }
    line.push_str(&format!(
        "; {} and {} remain",
        count(s.errors, "error"),
        count(s.warnings, "warning")
    ));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding as small as fixing needs.
    #[derive(Debug, Clone, Serialize)]
    struct Note {
        file: PathBuf,
        message: String,
        severity: Severity,
    }

    impl Display for Note {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}: {}", self.file.display(), self.message)
        }
    }

    impl FixFinding for Note {
        fn path(&self) -> &Path {
            &self.file
        }
        fn severity(&self) -> Severity {
            self.severity
        }
        fn fixable(&self) -> bool {
            self.severity == Severity::Warning
        }
        fn write_failed(path: &Path, message: String) -> Self {
            Note {
                file: path.to_path_buf(),
                message,
                severity: Severity::Error,
            }
        }
    }

    fn options() -> FixOptions<'static> {
        FixOptions {
            command: "sigma fix",
            release: "ATT&CK 18.1".to_string(),
            attack_version: None,
            dry_run: false,
            quiet: true,
            format: FindingFormat::Text,
        }
    }

    /// A rule edited by someone else between the check reading it and the
    /// fix writing it keeps that edit; the fix reports it and fails.
    #[test]
    fn a_file_changed_while_fixing_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        std::fs::write(&path, "tags: [attack.t9999]  # edited meanwhile\n").unwrap();
        let findings = [Note {
            file: path.clone(),
            message: "revoked".to_string(),
            severity: Severity::Warning,
        }];
        let checked = Checked {
            path: &path,
            findings: &findings,
            original: Some("tags: [attack.t1086]\n"),
            fixed: Some("tags: [attack.t1059.001]\n"),
        };
        let mut diffs = String::new();
        let result = fix_one(&options(), &checked, &|_, _| Vec::new(), &mut diffs);
        assert!(!result.changed);
        assert_eq!(
            result.error.as_deref(),
            Some("changed while fixing; left as it is")
        );
        let last = result.findings.remaining.last().unwrap();
        assert_eq!(last.message, "changed while fixing; left as it is");
        assert_eq!(last.severity, Severity::Error);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "tags: [attack.t9999]  # edited meanwhile\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let results = [result];
        let summary = summarize(&results, &results, Totals { files: 1, rules: 1 });
        assert_eq!((summary.failed_writes, summary.errors), (1, 1));

        // Unchanged since it was read: written.
        std::fs::write(&path, "tags: [attack.t1086]\n").unwrap();
        let result = fix_one(&options(), &checked, &|_, _| Vec::new(), &mut diffs);
        assert!(result.changed && result.error.is_none());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "tags: [attack.t1059.001]\n"
        );
    }
}
