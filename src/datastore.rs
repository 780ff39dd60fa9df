//! The local data store: ATT&CK release files kept in the user's data
//! directory, and the index that says what each file is.
//!
//! Layout below the data directory (see [`crate::fsutil::default_data_dir`]):
//!
//! ```text
//! index.json                                              what is stored (written atomically)
//! index.lock                                              present while a process changes the index
//! <domain>/<stix-version>/<domain>-<version>.json         a release verified by its SHA-256
//! <domain>/<stix-version>/<domain>-<version>-unverified-<sha256 prefix>.json
//!                                                         a file imported with --unverified
//! ```
//!
//! for example `enterprise-attack/2.1/enterprise-attack-18.1.json`. The index
//! is the record: a file in the layout that the index does not name is not
//! used. [`DataStore::default_entry`] picks the file commands read when they
//! are given no input, and [`DataStore::resolve`] refuses a file whose
//! content changed since it was stored.
//!
//! Several attackmap processes may change one store at the same time (two
//! `fetch`es, a `data add`): every read-modify-write of the index happens
//! while holding `index.lock`, a file created with `create_new` so that
//! one process at a time has it, and removed when the change is done. The
//! index is read again inside the lock, so that no process writes back an
//! index without the entries another one just added.

use std::cmp::Ordering;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{
    CreatedDirs, STALE_TEMP_AGE, TempFile, default_data_dir, read_bytes, remove_stale_temp_files,
    temp_path, write_atomic,
};
use crate::loading::{self, InputKind, LoadOptions, sha256_hex};
use crate::releases::{
    Release, ReleaseTable, VersionRequest, compare_versions, domain_name, parse_domain,
};

/// Name of the index file in the data directory.
pub const INDEX_FILE: &str = "index.json";

/// Name of the lock file that one process at a time holds while it changes
/// the index.
pub const LOCK_FILE: &str = "index.lock";

/// How long a change of the index waits for another process's lock by
/// default (see [`DataStore::with_lock_timeout`]). Processes hold the lock
/// for milliseconds: while they rename a finished file into place and
/// rewrite the index, never during a download.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// A lock file not written for this long was left by a process that was
/// killed while holding it: the next process takes it over, with a warning.
pub const STALE_LOCK_AGE: Duration = Duration::from_secs(2 * 60);

/// How long recording the new modification time of an unchanged file waits
/// for the lock: that is tidying, which a busy store may skip.
const REFRESH_LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// The format number written to the index; an index with a larger one is
/// refused rather than misread.
const INDEX_FORMAT: u32 = 1;

/// What the index says about one stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `enterprise-attack`, `mobile-attack`, `ics-attack`, …
    pub domain: String,
    /// `2.0` or `2.1` (`unknown` for an unverified file that does not say).
    pub stix_version: String,
    /// ATT&CK release (`unknown` for an unverified file that does not say).
    pub attack_version: String,
    /// Path of the file relative to the data directory, `/`-separated.
    pub file: String,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time of the file as stored, RFC 3339 UTC with
    /// nanoseconds. With the size it tells cheaply that the file is
    /// unchanged; when it differs the file is hashed. Absent in indexes of
    /// earlier attackmap versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Whether the SHA-256 matched the pinned hash of an official release.
    pub verified: bool,
    /// Where the file came from: the download address or the imported path.
    pub source: String,
    /// When it was stored, RFC 3339 UTC.
    pub added: String,
}

impl Entry {
    /// `enterprise-attack 18.1 (STIX 2.1)`, with `, unverified` when it is.
    pub fn label(&self) -> String {
        format!(
            "{} {} (STIX {}{})",
            self.domain,
            self.attack_version,
            self.stix_version,
            if self.verified { "" } else { ", unverified" }
        )
    }
}

/// The index file as stored.
#[derive(Debug, Serialize, Deserialize)]
struct IndexFile {
    attackmap_data_index: u32,
    entries: Vec<Entry>,
}

/// Whether a stored file is still as the index recorded it (see
/// [`DataStore::file_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Present with the recorded content.
    Present,
    /// Gone.
    Missing,
    /// Present with another size or SHA-256 (or no longer a readable
    /// file): changed since it was stored.
    Changed,
}

impl FileState {
    /// `ok`, `missing` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Present => "ok",
            FileState::Missing => "missing",
            FileState::Changed => "changed",
        }
    }
}

/// The outcome of [`DataStore::add_file`].
#[derive(Debug, Clone)]
pub struct Added {
    /// The index entry of the stored file.
    pub entry: Entry,
    /// Where the file is now.
    pub path: PathBuf,
    /// The same file was stored already; nothing was copied.
    pub already_stored: bool,
}

/// Which stored data to use: a domain, and optionally one ATT&CK version of
/// it (written `ics` or `ics@17.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSpec {
    /// Full domain name, `enterprise-attack`.
    pub domain: &'static str,
    /// Only this ATT&CK version; `None` for the default (newest) one.
    pub version: Option<String>,
}

impl DataSpec {
    /// Parses `DOMAIN` or `DOMAIN@VERSION` (short or full domain names).
    pub fn parse(text: &str) -> Result<DataSpec> {
        let (domain, version) = match text.split_once('@') {
            Some((domain, version)) => (domain, Some(version.trim())),
            None => (text, None),
        };
        if version.is_some_and(|v| v.is_empty() || v.eq_ignore_ascii_case("latest")) {
            return Ok(DataSpec {
                domain: parse_domain(domain)?,
                version: None,
            });
        }
        Ok(DataSpec {
            domain: parse_domain(domain)?,
            version: version.map(str::to_string),
        })
    }
}

impl std::fmt::Display for DataSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{} {version}", self.domain),
            None => f.write_str(self.domain),
        }
    }
}

/// What a [`DataStore`] calls with each warning.
type WarnFn = Arc<dyn Fn(&str) + Send + Sync>;

/// The data directory: its layout and its index.
#[derive(Clone)]
pub struct DataStore {
    dir: PathBuf,
    lock_timeout: Duration,
    warn: Option<WarnFn>,
}

impl std::fmt::Debug for DataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStore")
            .field("dir", &self.dir)
            .field("lock_timeout", &self.lock_timeout)
            .field("warn", &self.warn.is_some())
            .finish()
    }
}

/// The data directory to use: the one given (from `--data-dir` or
/// `$ATTACKMAP_DATA_DIR`), else the platform's user data directory.
pub fn resolve_data_dir(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(default_data_dir)
}

impl DataStore {
    /// The store in `dir` (nothing is created until something is stored).
    pub fn new(dir: impl Into<PathBuf>) -> DataStore {
        DataStore {
            dir: dir.into(),
            lock_timeout: LOCK_TIMEOUT,
            warn: None,
        }
    }

    /// The same store, calling `warn` with each warning (such as a stale
    /// lock that was taken over) for the caller to show.
    pub fn with_warnings(mut self, warn: impl Fn(&str) + Send + Sync + 'static) -> DataStore {
        self.warn = Some(Arc::new(warn));
        self
    }

    /// The same store, waiting at most `timeout` for another process's lock
    /// on the index (default [`LOCK_TIMEOUT`]).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> DataStore {
        self.lock_timeout = timeout;
        self
    }

    fn warn(&self, message: &str) {
        if let Some(warn) = &self.warn {
            warn(message);
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index file.
    pub fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_FILE)
    }

    /// Every entry of the index, sorted by domain, STIX version and ATT&CK
    /// version; empty when nothing was ever stored.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let path = self.index_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let bad = |reason: String| Error::DataIndex {
            path: path.clone(),
            reason,
        };
        let index: IndexFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if index.attackmap_data_index > INDEX_FORMAT {
            return Err(bad(format!(
                "index format {} is newer than this attackmap understands ({INDEX_FORMAT})",
                index.attackmap_data_index
            )));
        }
        for entry in &index.entries {
            self.path_of(entry)?;
        }
        let mut entries = index.entries;
        sort_entries(&mut entries);
        Ok(entries)
    }

    /// Where an entry's file is; an error when the entry's `file` is not a
    /// plain relative path inside the data directory.
    pub fn path_of(&self, entry: &Entry) -> Result<PathBuf> {
        relative_file(&entry.file)
            .map(|relative| self.dir.join(relative))
            .ok_or_else(|| Error::DataIndex {
                path: self.index_path(),
                reason: format!("'{}' is not a path inside the data directory", entry.file),
            })
    }

    /// Whether an entry's file is present as recorded. Cheap when the file
    /// has the recorded size and modification time; when only the time
    /// differs (the file was touched, or copied back), the file is hashed,
    /// and if its content is the recorded one the new time is recorded in
    /// the index when that can be written, so that the next check is cheap
    /// again.
    pub fn file_state(&self, entry: &Entry) -> FileState {
        self.inspect(entry).0
    }

    /// The state of an entry's file and, unless it is present, why.
    fn inspect(&self, entry: &Entry) -> (FileState, String) {
        let Ok(path) = self.path_of(entry) else {
            return (
                FileState::Missing,
                "it is outside the data directory".into(),
            );
        };
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(err) => return (FileState::Missing, format!("it cannot be found: {err}")),
        };
        if !meta.is_file() {
            return (FileState::Changed, "it is no longer a regular file".into());
        }
        if meta.len() != entry.size {
            return (
                FileState::Changed,
                format!(
                    "its size is {} bytes, it was {} bytes",
                    meta.len(),
                    entry.size
                ),
            );
        }
        let modified = modified_time(&meta);
        if modified.is_some() && modified == entry.modified {
            return (FileState::Present, String::new());
        }
        let sha256 = match read_bytes(&path) {
            Ok(bytes) => sha256_hex(&bytes),
            Err(err) => return (FileState::Changed, format!("it cannot be read: {err}")),
        };
        if !sha256.eq_ignore_ascii_case(&entry.sha256) {
            return (
                FileState::Changed,
                format!(
                    "its SHA-256 is {sha256}, it was {} (same size, modified since)",
                    entry.sha256
                ),
            );
        }
        if let Some(modified) = modified {
            self.refresh_modified(entry, modified);
        }
        (FileState::Present, String::new())
    }

    /// Records the new modification time of a file whose content was found
    /// unchanged. Best effort: a read-only data directory or a busy lock
    /// leaves the index as it is.
    fn refresh_modified(&self, entry: &Entry, modified: String) {
        let _ = self.update(REFRESH_LOCK_TIMEOUT, |entries| {
            let found = entries
                .iter_mut()
                .find(|e| e.file == entry.file && e.sha256 == entry.sha256 && e.size == entry.size);
            Ok(match found {
                Some(e) if e.modified.as_ref() != Some(&modified) => {
                    e.modified = Some(modified);
                    ((), true)
                }
                _ => ((), false),
            })
        });
    }

    /// An error unless `entry`'s file is present with the content recorded
    /// when it was stored: a stored release that changed is never read as
    /// if it were that release. The error names the file and the commands
    /// that repair the store.
    pub fn verify(&self, entry: &Entry) -> Result<()> {
        let path = self.path_of(entry)?;
        match self.inspect(entry) {
            (FileState::Present, _) => Ok(()),
            (FileState::Missing, _) => Err(Error::Read {
                path,
                source: std::io::ErrorKind::NotFound.into(),
            }),
            (FileState::Changed, reason) => Err(Error::StoredFileChanged {
                path,
                label: entry.label(),
                reason,
                hint: repair_hint(entry),
            }),
        }
    }

    /// The relative path (in the layout) of a verified release file.
    pub fn release_file(release: &Release) -> String {
        format!(
            "{d}/{s}/{d}-{v}.json",
            d = release.domain,
            s = release.stix_version,
            v = release.attack_version
        )
    }

    /// Records an entry in the index, replacing any entry for the same file.
    /// The index is read, changed and written while holding the lock, so
    /// that entries other processes record at the same time are kept.
    pub fn record(&self, entry: Entry) -> Result<()> {
        self.update(self.lock_timeout, |entries| {
            entries.retain(|e| e.file != entry.file);
            entries.push(entry);
            Ok(((), true))
        })
    }

    /// Removes entries from the index and deletes their files, and the
    /// directories of the layout that are left empty. Returns the entries
    /// removed.
    pub fn remove(&self, keep: impl Fn(&Entry) -> bool) -> Result<Vec<Entry>> {
        // Nothing to remove: no lock, so that a data directory that does
        // not exist is not created.
        if self.entries()?.iter().all(&keep) {
            return Ok(Vec::new());
        }
        let _lock = self.lock(self.lock_timeout)?;
        let (kept, removed): (Vec<Entry>, Vec<Entry>) =
            self.entries()?.into_iter().partition(|e| keep(e));
        if removed.is_empty() {
            return Ok(removed);
        }
        // The index first: if a file cannot be deleted, it is left without
        // an entry (and unused), never an entry without its file.
        self.write_index(kept)?;
        for entry in &removed {
            let path = self.path_of(entry)?;
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Write { path, source }),
            }
            self.remove_empty_dirs(&path);
        }
        Ok(removed)
    }

    /// Removes the directories of `file` below the data directory that are
    /// empty, deepest first.
    fn remove_empty_dirs(&self, file: &Path) {
        for dir in file.ancestors().skip(1) {
            if !dir.starts_with(&self.dir) || dir == self.dir {
                break;
            }
            match fs::remove_dir(dir) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => break,
            }
        }
    }

    /// Moves a finished temporary file into place as `entry`'s file and
    /// records `entry`, with the file's size and modification time, both
    /// while holding the lock. Returns the entry recorded.
    pub(crate) fn install(&self, temp: TempFile, mut entry: Entry) -> Result<Entry> {
        let path = self.path_of(&entry)?;
        self.update(self.lock_timeout, |entries| {
            temp.persist(&path)?;
            (entry.size, entry.modified) = size_and_time(&path)?;
            entries.retain(|e| e.file != entry.file);
            entries.push(entry.clone());
            Ok((entry, true))
        })
    }

    /// Records `entry` for a file that is in place already with the entry's
    /// SHA-256 (the caller checked it): an entry of the index for the same
    /// file and content is kept, with the file's current size and
    /// modification time; otherwise `entry` is recorded. The index is
    /// written only when that changes it. Returns the entry recorded.
    pub(crate) fn record_present(&self, mut entry: Entry) -> Result<Entry> {
        let path = self.path_of(&entry)?;
        self.update(self.lock_timeout, |entries| {
            let (size, modified) = size_and_time(&path)?;
            let same = entries
                .iter_mut()
                .find(|e| e.file == entry.file && e.sha256.eq_ignore_ascii_case(&entry.sha256));
            if let Some(old) = same {
                let changed = old.size != size || old.modified != modified;
                old.size = size;
                old.modified = modified;
                return Ok((old.clone(), changed));
            }
            entry.size = size;
            entry.modified = modified;
            entries.retain(|e| e.file != entry.file);
            entries.push(entry.clone());
            Ok((entry, true))
        })
    }

    /// Runs `change` on the entries of the index while holding the lock:
    /// the index is read inside the lock, and written (atomically) when
    /// `change` says that it changed something. The lock is released when
    /// this returns, with an error too.
    fn update<T>(
        &self,
        timeout: Duration,
        change: impl FnOnce(&mut Vec<Entry>) -> Result<(T, bool)>,
    ) -> Result<T> {
        let _lock = self.lock(timeout)?;
        let mut entries = self.entries()?;
        let (value, changed) = change(&mut entries)?;
        if changed {
            self.write_index(entries)?;
        }
        Ok(value)
    }

    /// Takes the lock of the index: creates [`LOCK_FILE`] with `create_new`,
    /// retrying with a growing pause while another process has it, for at
    /// most `timeout`. A lock older than [`STALE_LOCK_AGE`] is taken over.
    fn lock(&self, timeout: Duration) -> Result<IndexLock> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = self.dir.join(LOCK_FILE);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let token = format!(
            "pid {} since {} (lock {}.{nanos})\n",
            std::process::id(),
            now_rfc3339(),
            COUNTER.fetch_add(1, AtomicOrdering::Relaxed),
        );
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        let mut missing_dir = 0;
        loop {
            let created = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path);
            let err = match created {
                Ok(mut file) => {
                    if let Err(source) = file.write_all(token.as_bytes()) {
                        drop(file);
                        let _ = fs::remove_file(&path);
                        return Err(Error::Write { path, source });
                    }
                    return Ok(IndexLock { path, token });
                }
                Err(err) => err,
            };
            let busy = err.kind() == std::io::ErrorKind::AlreadyExists
                // Windows refuses to create a file that is being deleted.
                || (cfg!(windows)
                    && err.kind() == std::io::ErrorKind::PermissionDenied
                    && path.exists());
            if !busy {
                if err.kind() == std::io::ErrorKind::NotFound && missing_dir < 5 {
                    // The data directory does not exist yet, or a failed
                    // attempt of another process just removed it (empty).
                    missing_dir += 1;
                    create_dir(&self.dir)?;
                    continue;
                }
                return Err(Error::Write { path, source: err });
            }
            if self.take_over_stale(&path) {
                continue;
            }
            let waited = started.elapsed();
            if waited >= timeout {
                let holder = fs::read_to_string(&path)
                    .ok()
                    .map(|text| text.trim().to_string())
                    .filter(|text| !text.is_empty())
                    .unwrap_or_else(|| "holder unknown".to_string());
                return Err(Error::DataLocked {
                    path,
                    holder,
                    seconds: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(pause.min(timeout - waited));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Removes the lock file at `path` when it is stale (not written for
    /// [`STALE_LOCK_AGE`]: its process was killed while holding it), with a
    /// warning. Returns whether the lock is gone, so that taking it can be
    /// tried again at once.
    fn take_over_stale(&self, path: &Path) -> bool {
        let age = |p: &Path| {
            fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
        };
        match age(path) {
            Some(age) if age > STALE_LOCK_AGE => {}
            Some(_) => return false,
            None => return fs::symlink_metadata(path).is_err(),
        }
        // Moved aside before it is removed: a rename is atomic, so of several
        // processes that found the lock stale one moves it and the others
        // find it gone.
        let aside = temp_path(&self.dir, path);
        if let Err(err) = fs::rename(path, &aside) {
            return err.kind() == std::io::ErrorKind::NotFound;
        }
        let holder = fs::read_to_string(&aside).unwrap_or_default();
        if age(&aside).is_some_and(|age| age <= STALE_LOCK_AGE) {
            // Between the look and the rename another process removed the
            // stale lock and took a fresh one: put that back (a hard link
            // never replaces a file that exists).
            let _ = fs::hard_link(&aside, path);
            let _ = fs::remove_file(&aside);
            return false;
        }
        let _ = fs::remove_file(&aside);
        let holder = holder.trim();
        self.warn(&format!(
            "{}: took over a stale lock ({}), left by an attackmap that stopped while changing the index",
            path.display(),
            if holder.is_empty() {
                "holder unknown"
            } else {
                holder
            }
        ));
        true
    }

    fn write_index(&self, mut entries: Vec<Entry>) -> Result<()> {
        sort_entries(&mut entries);
        let index = IndexFile {
            attackmap_data_index: INDEX_FORMAT,
            entries,
        };
        let mut bytes =
            serde_json::to_vec_pretty(&index).map_err(|e| Error::Internal(e.to_string()))?;
        bytes.push(b'\n');
        create_dir(&self.dir)?;
        // Temporary index files of processes that were killed.
        remove_stale_temp_files(&self.dir, STALE_TEMP_AGE);
        write_atomic(&self.index_path(), &bytes)
    }

    /// The entry commands use for `domain` (full name) when given no input:
    /// of the entries whose file is present, the newest ATT&CK version; at
    /// the same version a verified file before an unverified one, STIX 2.1
    /// before 2.0, then the one stored last. `None` when nothing of the
    /// domain is stored.
    pub fn default_entry(&self, domain: &str) -> Result<Option<Entry>> {
        self.find(domain, None)
    }

    /// Like [`DataStore::default_entry`], restricted to one ATT&CK version
    /// when `version` is given.
    pub fn find(&self, domain: &str, version: Option<&str>) -> Result<Option<Entry>> {
        let entries = self.entries()?;
        Ok(self
            .best_of(entries.iter().filter(|e| {
                e.domain == domain
                    && version.is_none_or(|v| compare_versions(&e.attack_version, v).is_eq())
            }))
            .cloned())
    }

    /// The stored file that `spec` names, with its path: what commands read
    /// when given no `--stix`. `None` when nothing stored matches; an error
    /// (see [`DataStore::verify`]) when the file changed since it was
    /// stored.
    pub fn resolve(&self, spec: &DataSpec) -> Result<Option<(Entry, PathBuf)>> {
        match self.find(spec.domain, spec.version.as_deref())? {
            Some(entry) => {
                let path = self.path_of(&entry)?;
                self.verify(&entry)?;
                Ok(Some((entry, path)))
            }
            None => Ok(None),
        }
    }

    /// Like [`DataStore::resolve`], but when nothing stored matches, an
    /// error that says how to fetch it.
    pub fn require(&self, spec: &DataSpec) -> Result<(Entry, PathBuf)> {
        self.resolve(spec)?.ok_or_else(|| {
            let dir = self.dir.display();
            Error::Invalid(match fetch_command(spec, &ReleaseTable::official()) {
                Some(command) => format!(
                    "no {spec} data is stored in {dir}; run `{command}` (or see `attackmap data list`)"
                ),
                None => format!(
                    "no {spec} data is stored in {dir}, and {spec} is no official release attackmap knows; import a file with `attackmap data add FILE` (or see `attackmap data list`)"
                ),
            })
        })
    }

    /// The default entry among `entries` (see [`DataStore::default_entry`]).
    /// Only whether each file exists is looked at: a default that changed
    /// stays the default, and [`DataStore::resolve`] refuses it.
    pub fn best_of<'a>(&self, entries: impl Iterator<Item = &'a Entry>) -> Option<&'a Entry> {
        entries
            .filter(|e| self.path_of(e).is_ok_and(|path| path.exists()))
            .max_by(|a, b| preference(a, b))
    }

    /// Imports a local bundle file. Its SHA-256 is looked up in `table`: a
    /// match is stored as that verified release. A file that matches no
    /// release is refused unless `allow_unverified`; then it is parsed to
    /// learn its domain, STIX version and ATT&CK release, and stored marked
    /// unverified.
    pub fn add_file(
        &self,
        path: &Path,
        table: &ReleaseTable,
        allow_unverified: bool,
    ) -> Result<Added> {
        if path.is_dir() {
            return Err(Error::Invalid(format!(
                "{}: is a directory; `data add` imports one bundle file",
                path.display()
            )));
        }
        let inputs = loading::read_inputs(&[path.to_path_buf()])?;
        let input = &inputs[0];
        if input.kind != InputKind::Bundle {
            return Err(Error::Internal(format!(
                "{}: read as {}",
                path.display(),
                input.kind.as_str()
            )));
        }
        let bytes = &input.files[0].bytes;
        if bytes.is_empty() {
            return Err(Error::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let sha256 = input.sha256().to_string();
        let source = fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string();

        let entry = if let Some(release) = table.by_sha256(&sha256) {
            Entry {
                domain: release.domain.clone(),
                stix_version: release.stix_version.clone(),
                attack_version: release.attack_version.clone(),
                file: DataStore::release_file(release),
                sha256,
                size: bytes.len() as u64,
                modified: None,
                verified: true,
                source,
                added: now_rfc3339(),
            }
        } else if allow_unverified {
            let parsed = loading::parse_inputs(&inputs, &LoadOptions::default())?;
            let part = parsed.parts.first().ok_or_else(|| {
                Error::Internal(format!("{}: parsed into no part", path.display()))
            })?;
            let domain = part.domain.as_deref().ok_or_else(|| {
                Error::Invalid(format!(
                    "{}: cannot tell which ATT&CK domain this bundle holds (it has no matrix and no technique names a domain)",
                    path.display()
                ))
            })?;
            let domain = domain_name(domain).map_or_else(|| domain.to_string(), str::to_string);
            let stix_version = part
                .stix_version
                .clone()
                .unwrap_or_else(|| "unknown".into());
            let attack_version = part
                .attack_version
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |(v, _)| v.clone());
            for (what, value) in [
                ("domain", &domain),
                ("STIX version", &stix_version),
                ("ATT&CK version", &attack_version),
            ] {
                if !is_safe_component(value) {
                    return Err(Error::Invalid(format!(
                        "{}: the {what} '{value}' in this bundle cannot be part of a file name",
                        path.display()
                    )));
                }
            }
            Entry {
                file: format!(
                    "{domain}/{stix_version}/{domain}-{attack_version}-unverified-{}.json",
                    &sha256[..12]
                ),
                domain,
                stix_version,
                attack_version,
                sha256,
                size: bytes.len() as u64,
                modified: None,
                verified: false,
                source,
                added: now_rfc3339(),
            }
        } else {
            return Err(Error::UnknownRelease {
                path: path.to_path_buf(),
                sha256,
            });
        };

        let target = self.path_of(&entry)?;
        let recorded = self
            .entries()?
            .into_iter()
            .find(|e| e.file == entry.file && e.sha256 == entry.sha256);
        if let Some(recorded) = recorded {
            if self.file_state(&recorded) == FileState::Present {
                return Ok(Added {
                    entry: recorded,
                    path: target,
                    already_stored: true,
                });
            }
        }
        let dir = target
            .parent()
            .ok_or_else(|| Error::Internal(format!("{}: no parent directory", target.display())))?;
        // Directories this import creates are removed again if it fails.
        let created = CreatedDirs::create(dir)?;
        let temp = TempFile::create(dir, &target)?;
        temp.write(bytes)?;
        let entry = self.install(temp, entry)?;
        created.keep();
        Ok(Added {
            entry,
            path: target,
            already_stored: false,
        })
    }
}

/// The lock of a store's index, held while the file exists: removed when
/// this is dropped (also when the change failed).
#[derive(Debug)]
struct IndexLock {
    path: PathBuf,
    /// What this process wrote into the lock file.
    token: String,
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        // Removed only while it is still this lock: had this process been
        // stopped for so long that another took its lock over as stale, the
        // file is now the other process's.
        if fs::read_to_string(&self.path).is_ok_and(|text| text == self.token) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The `attackmap fetch` command that downloads the release `spec` names,
/// from `table`: STIX 2.1 (fetch's default) when the table has the release
/// in 2.1, else `--stix-version 2.0` when it has it in 2.0 (PRE-ATT&CK, and
/// releases older than the 2.1 files); `None` when the table has no such
/// release.
pub fn fetch_command(spec: &DataSpec, table: &ReleaseTable) -> Option<String> {
    let request = spec
        .version
        .as_deref()
        .map_or(VersionRequest::Latest, VersionRequest::parse);
    let stix = ["2.1", "2.0"]
        .into_iter()
        .find(|stix| table.select(spec.domain, stix, &request).is_ok())?;
    let version = spec
        .version
        .as_deref()
        .map(|v| format!(" --version {v}"))
        .unwrap_or_default();
    let stix = if stix == "2.1" {
        String::new()
    } else {
        format!(" --stix-version {stix}")
    };
    Some(format!(
        "attackmap fetch --domain {}{version}{stix}",
        spec.domain.trim_end_matches("-attack")
    ))
}

/// What to run when a stored file changed: fetch or import it again, or
/// remove it (only this file: `--verified` or `--unverified`).
fn repair_hint(entry: &Entry) -> String {
    let domain = entry.domain.trim_end_matches("-attack");
    let remove = format!(
        "`attackmap data remove --domain {domain}@{} --stix-version {} --{}`",
        entry.attack_version,
        entry.stix_version,
        if entry.verified {
            "verified"
        } else {
            "unverified"
        }
    );
    if entry.verified {
        format!(
            "Download it again with `attackmap fetch --domain {domain} --version {} --stix-version {} --force` (or import the official file with `attackmap data add FILE`), or remove it with {remove}",
            entry.attack_version, entry.stix_version
        )
    } else {
        format!(
            "Import the file again with `attackmap data add --unverified FILE`, or remove it with {remove}"
        )
    }
}

/// The size and modification time (see [`modified_time`]) of the file at
/// `path`, as an entry records them.
fn size_and_time(path: &Path) -> Result<(u64, Option<String>)> {
    let meta = fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((meta.len(), modified_time(&meta)))
}

/// A file's modification time as RFC 3339 UTC with nanoseconds; `None` when
/// the platform does not say or the time is before 1970.
fn modified_time(meta: &fs::Metadata) -> Option<String> {
    let since_epoch = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let seconds = rfc3339_utc(since_epoch.as_secs());
    Some(format!(
        "{}.{:09}Z",
        seconds.trim_end_matches('Z'),
        since_epoch.subsec_nanos()
    ))
}

/// Creates a directory and its parents.
fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// The order of preference between two entries of one domain: greater is
/// preferred.
fn preference(a: &Entry, b: &Entry) -> Ordering {
    compare_versions(&a.attack_version, &b.attack_version)
        .then(a.verified.cmp(&b.verified))
        .then(compare_versions(&a.stix_version, &b.stix_version))
        .then(a.added.cmp(&b.added))
}

fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        a.domain
            .cmp(&b.domain)
            .then(compare_versions(&a.stix_version, &b.stix_version))
            .then(compare_versions(&a.attack_version, &b.attack_version))
            .then(a.file.cmp(&b.file))
    });
}

/// A `/`-separated relative path made only of normal components, as a path.
fn relative_file(file: &str) -> Option<PathBuf> {
    let path: PathBuf = file.split('/').collect();
    let normal = path.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && !file.is_empty() && file.split('/').all(is_safe_component)).then_some(path)
}

/// Letters, digits, `-`, `_` and `.`, and not `.` or `..`.
fn is_safe_component(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The current time as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339_utc(secs)
}

/// Seconds since the Unix epoch as RFC 3339 UTC (`2025-11-13T14:17:41Z`).
fn rfc3339_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01: shift the
/// epoch to 0000-03-01 so that leap days fall at the end of a year, split
/// into 400-year eras, then into years of the era and days of the year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(domain: &str, stix: &str, version: &str, verified: bool, added: &str) -> Entry {
        Entry {
            domain: domain.into(),
            stix_version: stix.into(),
            attack_version: version.into(),
            file: format!("{domain}/{stix}/{domain}-{version}-{verified}.json"),
            sha256: "0".repeat(64),
            size: 2,
            modified: None,
            verified,
            source: "test".into(),
            added: added.into(),
        }
    }

    #[test]
    fn data_specs_name_a_domain_and_maybe_a_version() {
        let spec = DataSpec::parse("ics@17.1").unwrap();
        assert_eq!(spec.domain, "ics-attack");
        assert_eq!(spec.version.as_deref(), Some("17.1"));
        assert_eq!(spec.to_string(), "ics-attack 17.1");
        assert_eq!(DataSpec::parse("Enterprise-Attack").unwrap().version, None);
        assert_eq!(DataSpec::parse("mobile@latest").unwrap().version, None);
        assert!(DataSpec::parse("cloud@1.0").is_err());
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_763_043_461), "2025-11-13T14:17:41Z");
    }

    #[test]
    fn relative_files_stay_inside_the_directory() {
        assert!(relative_file("ics-attack/2.1/ics-attack-18.1.json").is_some());
        for bad in ["", "/etc/passwd", "../x.json", "a/../../x", "a//b", "a/./b"] {
            assert!(relative_file(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn default_prefers_newest_then_verified_then_stix_2_1() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::new(dir.path());
        let entries = vec![
            entry("ics-attack", "2.1", "9.0", true, "2025-01-01T00:00:00Z"),
            entry("ics-attack", "2.0", "18.1", true, "2025-01-01T00:00:00Z"),
            entry("ics-attack", "2.1", "18.1", false, "2025-01-02T00:00:00Z"),
            entry("ics-attack", "2.1", "18.1", true, "2025-01-01T00:00:00Z"),
            entry("ics-attack", "2.1", "10.0", true, "2025-01-01T00:00:00Z"),
            entry(
                "ics-attack",
                "2.1",
                "unknown",
                false,
                "2025-01-03T00:00:00Z",
            ),
            entry("mobile-attack", "2.1", "20.0", true, "2025-01-01T00:00:00Z"),
        ];
        for e in &entries {
            let path = store.path_of(e).unwrap();
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"{}").unwrap();
            store.record(e.clone()).unwrap();
        }
        let best = store.default_entry("ics-attack").unwrap().unwrap();
        assert_eq!(best, entries[3]);
        let ten = store.find("ics-attack", Some("10")).unwrap().unwrap();
        assert_eq!(ten.attack_version, "10.0");
        assert!(store.default_entry("enterprise-attack").unwrap().is_none());

        fs::remove_file(store.path_of(&entries[3]).unwrap()).unwrap();
        assert_eq!(store.file_state(&entries[3]), FileState::Missing);
        let best = store.default_entry("ics-attack").unwrap().unwrap();
        assert_eq!(best, entries[1], "a verified 18.1 in STIX 2.0 is next");
        fs::remove_file(store.path_of(&entries[1]).unwrap()).unwrap();
        let best = store.default_entry("ics-attack").unwrap().unwrap();
        assert_eq!(best, entries[2], "then the unverified 18.1");

        let removed = store.remove(|e| e.domain != "ics-attack").unwrap();
        assert_eq!(removed.len(), 6);
        assert_eq!(store.entries().unwrap(), vec![entries[6].clone()]);
    }

    #[test]
    fn a_bad_index_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::new(dir.path());
        assert!(store.entries().unwrap().is_empty());
        fs::write(store.index_path(), b"{ nope").unwrap();
        let err = store.entries().unwrap_err().to_string();
        assert!(
            err.contains("index.json") && err.contains("fix or delete"),
            "{err}"
        );
        fs::write(
            store.index_path(),
            br#"{"attackmap_data_index":1,"entries":[{"domain":"x","stix_version":"2.1","attack_version":"1","file":"../../etc/passwd","sha256":"","size":0,"verified":true,"source":"","added":""}]}"#,
        )
        .unwrap();
        let err = store.entries().unwrap_err().to_string();
        assert!(err.contains("not a path inside"), "{err}");
    }
}
