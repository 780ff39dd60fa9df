//! Finding the rule files under the paths given: files as given, and files
//! with the extensions a command reads in directories, recursively,
//! following symbolic links but never walking a directory twice (symlink
//! loops end there).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::Severity;

/// What went wrong with a path while walking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The path does not exist, cannot be read, or is not a regular file
    /// or directory.
    Unreadable,
    /// A directory given holds no file with the extensions wanted.
    NoRuleFiles,
    /// A directory reached again (a symbolic link loop): not walked twice.
    SymlinkLoop,
}

/// A path that could not be walked or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path.
    pub path: PathBuf,
    /// Severity.
    pub severity: Severity,
    /// What went wrong.
    pub kind: ProblemKind,
    /// In words.
    pub message: String,
}

/// The files found, and the problems met on the way.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Rule files, in the order given and, within a directory, sorted by
    /// path; each file once.
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked or read.
    pub problems: Vec<Problem>,
}

/// Whether a file name ends in one of `extensions` (any case).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Walks `paths`. A file given by name is taken whatever its extension;
/// directories are searched for files ending in one of `extensions`,
/// skipping hidden directories (`.git`, `.github`) below the ones given.
pub fn rule_files(paths: &[PathBuf], extensions: &[&str]) -> Walk {
    let mut walker = Walker {
        extensions,
        walk: Walk::default(),
        seen_dirs: HashSet::new(),
        seen_files: HashSet::new(),
    };
    for path in paths {
        walker.top(path);
    }
    walker.walk
}

/// `.yml, .yaml or .toml`.
fn or_list(extensions: &[&str]) -> String {
    let dotted: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
    match dotted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "rule".to_string(),
    }
}

struct Walker<'x> {
    extensions: &'x [&'x str],
    walk: Walk,
    seen_dirs: HashSet<PathBuf>,
    seen_files: HashSet<PathBuf>,
}

impl Walker<'_> {
    fn problem(&mut self, path: &Path, severity: Severity, kind: ProblemKind, message: String) {
        self.walk.problems.push(Problem {
            path: path.to_path_buf(),
            severity,
            kind,
            message,
        });
    }

    fn wanted(&self, path: &Path) -> bool {
        has_extension(path, self.extensions)
    }

    fn top(&mut self, path: &Path) {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = self.walk.files.len();
                self.dir(path);
                if self.walk.files.len() == before {
                    self.problem(
                        path,
                        Severity::Error,
                        ProblemKind::NoRuleFiles,
                        format!("no {} files in this directory", or_list(self.extensions)),
                    );
                }
            }
            Ok(meta) if meta.is_file() => self.file(path),
            Ok(_) => self.problem(
                path,
                Severity::Error,
                ProblemKind::Unreadable,
                "not a regular file or directory".to_string(),
            ),
            Err(err) => self.problem(
                path,
                Severity::Error,
                ProblemKind::Unreadable,
                format!("cannot read: {err}"),
            ),
        }
    }

    fn file(&mut self, path: &Path) {
        let key = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.seen_files.insert(key) {
            self.walk.files.push(path.to_path_buf());
        }
    }

    fn dir(&mut self, dir: &Path) {
        let key = match fs::canonicalize(dir) {
            Ok(key) => key,
            Err(err) => {
                let message = format!("cannot read directory: {err}");
                return self.problem(dir, Severity::Error, ProblemKind::Unreadable, message);
            }
        };
        if !self.seen_dirs.insert(key) {
            let message =
                "directory already walked (a symbolic link loop or a second link to it); not walked again"
                    .to_string();
            return self.problem(dir, Severity::Info, ProblemKind::SymlinkLoop, message);
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                let message = format!("cannot read directory: {err}");
                return self.problem(dir, Severity::Error, ProblemKind::Unreadable, message);
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            self.entry(&path);
        }
    }

    fn entry(&mut self, path: &Path) {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                if !hidden {
                    self.dir(path);
                }
            }
            Ok(meta) if self.wanted(path) => {
                if meta.is_file() {
                    self.file(path);
                } else {
                    self.problem(
                        path,
                        Severity::Error,
                        ProblemKind::Unreadable,
                        "not a regular file".to_string(),
                    );
                }
            }
            Ok(_) => {}
            Err(err) if self.wanted(path) => self.problem(
                path,
                Severity::Error,
                ProblemKind::Unreadable,
                format!("cannot read: {err}"),
            ),
            Err(_) => {}
        }
    }
}
