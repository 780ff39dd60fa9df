//! The local data store: ATT&CK release files kept in the user's data
//! directory, and the index that says what each file is.
//!
//! Layout below the data directory (see [`crate::fsutil::default_data_dir`]):
//!
//! ```text
//! index.json                                              what is stored (written atomically)
//! <domain>/<stix-version>/<domain>-<version>.json         a release verified by its SHA-256
//! <domain>/<stix-version>/<domain>-<version>-unverified-<sha256 prefix>.json
//!                                                         a file imported with --unverified
//! ```
//!
//! for example `enterprise-attack/2.1/enterprise-attack-18.1.json`. The index
//! is the record: a file in the layout that the index does not name is not
//! used. [`DataStore::default_entry`] picks the file commands read when they
//! are given no input.

use std::cmp::Ordering;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{default_data_dir, write_atomic};
use crate::loading::{self, InputKind, LoadOptions};
use crate::releases::{Release, ReleaseTable, compare_versions, domain_name, parse_domain};

/// Name of the index file in the data directory.
pub const INDEX_FILE: &str = "index.json";

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

/// Whether a stored file is still as the index recorded it (size only: a
/// cheap check that `data list` can make for every file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Present with the recorded size.
    Present,
    /// Gone.
    Missing,
    /// Present with another size: changed since it was stored.
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

/// The data directory: its layout and its index.
#[derive(Debug, Clone)]
pub struct DataStore {
    dir: PathBuf,
}

/// The data directory to use: the one given (from `--data-dir` or
/// `$ATTACKMAP_DATA_DIR`), else the platform's user data directory.
pub fn resolve_data_dir(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(default_data_dir)
}

impl DataStore {
    /// The store in `dir` (nothing is created until something is stored).
    pub fn new(dir: impl Into<PathBuf>) -> DataStore {
        DataStore { dir: dir.into() }
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

    /// Whether an entry's file is present as recorded.
    pub fn file_state(&self, entry: &Entry) -> FileState {
        let Ok(path) = self.path_of(entry) else {
            return FileState::Missing;
        };
        match fs::metadata(path) {
            Ok(meta) if meta.is_file() && meta.len() == entry.size => FileState::Present,
            Ok(_) => FileState::Changed,
            Err(_) => FileState::Missing,
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
    /// The index is read again just before it is written, atomically, so
    /// that the window in which two attackmap processes could race is small.
    pub fn record(&self, entry: Entry) -> Result<()> {
        let mut entries = self.entries()?;
        entries.retain(|e| e.file != entry.file);
        entries.push(entry);
        self.write_index(entries)
    }

    /// Removes entries from the index and deletes their files. Returns the
    /// entries removed.
    pub fn remove(&self, keep: impl Fn(&Entry) -> bool) -> Result<Vec<Entry>> {
        let (kept, removed): (Vec<Entry>, Vec<Entry>) =
            self.entries()?.into_iter().partition(|e| keep(e));
        if removed.is_empty() {
            return Ok(removed);
        }
        for entry in &removed {
            let path = self.path_of(entry)?;
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
        self.write_index(kept)?;
        Ok(removed)
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
    /// when given no `--stix`. `None` when nothing stored matches.
    pub fn resolve(&self, spec: &DataSpec) -> Result<Option<(Entry, PathBuf)>> {
        match self.find(spec.domain, spec.version.as_deref())? {
            Some(entry) => {
                let path = self.path_of(&entry)?;
                Ok(Some((entry, path)))
            }
            None => Ok(None),
        }
    }

    /// Like [`DataStore::resolve`], but when nothing stored matches, an
    /// error that says how to fetch it.
    pub fn require(&self, spec: &DataSpec) -> Result<(Entry, PathBuf)> {
        self.resolve(spec)?.ok_or_else(|| {
            let version = spec
                .version
                .as_deref()
                .map(|v| format!(" --version {v}"))
                .unwrap_or_default();
            Error::Invalid(format!(
                "no {spec} data is stored in {}; run `attackmap fetch --domain {}{version}` (or see `attackmap data list`)",
                self.dir.display(),
                spec.domain.trim_end_matches("-attack"),
            ))
        })
    }

    /// The default entry among `entries` (see [`DataStore::default_entry`]).
    pub fn best_of<'a>(&self, entries: impl Iterator<Item = &'a Entry>) -> Option<&'a Entry> {
        entries
            .filter(|e| self.file_state(e) != FileState::Missing)
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
        let already_stored = self
            .entries()?
            .iter()
            .any(|e| e.file == entry.file && e.sha256 == entry.sha256)
            && self.file_state(&entry) == FileState::Present;
        if already_stored {
            return Ok(Added {
                entry,
                path: target,
                already_stored,
            });
        }
        if let Some(parent) = target.parent() {
            create_dir(parent)?;
        }
        write_atomic(&target, bytes)?;
        self.record(entry.clone())?;
        Ok(Added {
            entry,
            path: target,
            already_stored: false,
        })
    }
}

/// Creates a directory and its parents.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
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
