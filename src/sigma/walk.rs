//! Finding the rule files under the paths given: files as given, and
//! `.yml`/`.yaml` files in directories, recursively, following symbolic
//! links but never walking a directory twice (symlink loops end there).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::finding::{Finding, FindingKind, Severity};

/// The files found, and the problems met on the way.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Rule files, in the order given and, within a directory, sorted by
    /// path; each file once.
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked or read.
    pub findings: Vec<Finding>,
}

/// Whether a file name is a rule file's (`.yml` or `.yaml`, any case).
pub fn is_rule_file_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Walks `paths`. A file given by name is checked whatever its extension;
/// directories are searched for `.yml`/`.yaml` files, skipping hidden
/// directories (`.git`, `.github`) below the ones given.
pub fn rule_files(paths: &[PathBuf]) -> Walk {
    let mut walker = Walker::default();
    for path in paths {
        walker.top(path);
    }
    walker.walk
}

#[derive(Default)]
struct Walker {
    walk: Walk,
    seen_dirs: HashSet<PathBuf>,
    seen_files: HashSet<PathBuf>,
}

impl Walker {
    fn problem(&mut self, path: &Path, severity: Severity, kind: FindingKind, message: String) {
        self.walk
            .findings
            .push(Finding::file(path, severity, kind, message));
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
                        FindingKind::NoRuleFiles,
                        "no .yml or .yaml files in this directory".to_string(),
                    );
                }
            }
            Ok(meta) if meta.is_file() => self.file(path),
            Ok(_) => self.problem(
                path,
                Severity::Error,
                FindingKind::Unreadable,
                "not a regular file or directory".to_string(),
            ),
            Err(err) => self.problem(
                path,
                Severity::Error,
                FindingKind::Unreadable,
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
                return self.problem(dir, Severity::Error, FindingKind::Unreadable, message);
            }
        };
        if !self.seen_dirs.insert(key) {
            let message =
                "directory already walked (a symbolic link loop or a second link to it); not walked again"
                    .to_string();
            return self.problem(dir, Severity::Info, FindingKind::SymlinkLoop, message);
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                let message = format!("cannot read directory: {err}");
                return self.problem(dir, Severity::Error, FindingKind::Unreadable, message);
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
            Ok(meta) if is_rule_file_name(path) => {
                if meta.is_file() {
                    self.file(path);
                } else {
                    self.problem(
                        path,
                        Severity::Error,
                        FindingKind::Unreadable,
                        "not a regular file".to_string(),
                    );
                }
            }
            Ok(_) => {}
            Err(err) if is_rule_file_name(path) => self.problem(
                path,
                Severity::Error,
                FindingKind::Unreadable,
                format!("cannot read: {err}"),
            ),
            Err(_) => {}
        }
    }
}
