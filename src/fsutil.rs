//! File-system helpers: atomic writes, tidying of temporary files, and the
//! platform's cache and data directories.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// A file's content: read into memory, mapped, or built into the binary.
pub enum Bytes {
    /// Read into a buffer (small files).
    Owned(Vec<u8>),
    /// Mapped into memory (large files).
    Mapped(memmap2::Mmap),
    /// Compiled into the binary.
    Static(&'static [u8]),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
            Bytes::Static(s) => s,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

fn not_regular() -> std::io::Error {
    std::io::Error::other("not a regular file (a device, FIFO, socket or directory)")
}

/// Files at least this large are mapped rather than read.
const MAP_THRESHOLD: u64 = 1 << 20;

/// Reads a file's content. Large files are mapped into memory instead of
/// copied: a 34 MB ATT&CK release then costs no copy and no fresh pages
/// (about 20 ms of a ~110 ms run on a 2-core machine).
/// Only regular files are read: a device (`/dev/zero`), FIFO or socket is
/// an error rather than an endless or blocking read.
pub fn read_bytes(path: &Path) -> std::io::Result<Bytes> {
    // Checked before opening: opening a FIFO for reading blocks.
    if !fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let len = meta.len();
    if len >= MAP_THRESHOLD {
        // SAFETY: the map is read-only and lives as long as the `Bytes`. If
        // another process truncated the file while attackmap reads it, reads
        // past the new end would fault (as with every tool that maps its
        // input); ATT&CK releases and caches are not rewritten in place
        // (attackmap itself replaces files by rename, which leaves an open
        // map intact).
        let map = unsafe { memmap2::Mmap::map(&file)? };
        return Ok(Bytes::Mapped(map));
    }
    let mut buf = Vec::with_capacity(len as usize);
    std::io::Read::read_to_end(&mut &file, &mut buf)?;
    Ok(Bytes::Owned(buf))
}

/// Where a write to a path goes, once symbolic links are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteTarget {
    /// A regular file, or a path where nothing is yet: written atomically
    /// (a temporary file renamed over it) at this path — the real path of
    /// the file a symbolic link points at, so that the link stays a link.
    File(PathBuf),
    /// An existing file that is not a regular file (a character or block
    /// device, a FIFO, a socket): written directly, opened at the path as
    /// given, never replaced.
    Special(PathBuf),
}

/// The most symbolic links followed for one path (as Linux's `ELOOP`).
const MAX_LINKS: usize = 40;

/// Resolves where writing `path` goes (see [`WriteTarget`]). Symbolic links
/// are followed, also to a target that does not exist yet. A directory is
/// an error.
pub fn resolve_write_target(path: &Path) -> std::io::Result<WriteTarget> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(WriteTarget::File(fs::canonicalize(path)?)),
        Ok(meta) if meta.is_dir() => Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory",
        )),
        Ok(_) => Ok(WriteTarget::Special(path.to_path_buf())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Ok(WriteTarget::File(follow_dangling_links(path)?))
        }
        Err(err) => Err(err),
    }
}

/// The path a chain of symbolic links ending nowhere leads to (`path`
/// itself when it is no link): a new file is created there.
fn follow_dangling_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let is_link = fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(current);
        }
        let target = fs::read_link(&current)?;
        current = match current.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. If anything fails the
/// old file (if any) is left as it was and the temporary file is removed.
/// A symbolic link is followed (the file it points at is replaced, the link
/// stays); a device, FIFO or socket is written directly (see
/// [`resolve_write_target`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_io(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// [`write_atomic`] with the bare I/O error.
fn write_atomic_io(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match resolve_write_target(path)? {
        WriteTarget::File(real) => write_atomic_with(&real, bytes, |_| Ok(()), || Ok(())),
        WriteTarget::Special(path) => write_direct(&path, bytes),
    }
}

/// Writes `bytes` into an existing file that is not a regular file (a
/// device, a FIFO): opened for writing, without creating or renaming
/// anything. A reader that went away (a closed pipe) is not an error, as
/// for stdout.
fn write_direct(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    match file.write_all(bytes).and_then(|()| file.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Like [`write_atomic_io`] for a regular file (or new path) `path`, with
/// `prepare` run on the temporary file after its content is written (to
/// give it the old file's permissions and owner), and `verify` run just
/// before the rename (to check that the old file is still as it was read).
fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    prepare: impl FnOnce(&fs::File) -> std::io::Result<()>,
    verify: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = temp_path(&dir, path);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        prepare(&file)?;
        file.sync_all()?;
        drop(file);
        verify()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `text` over the file at `path` in place, atomically (with
/// [`write_atomic`]): to the file a symbolic link points at (the link stays
/// a link). The new file gets the old one's permissions and, on Unix where
/// the process may (as root, or a group it belongs to), its owner and
/// group, before it replaces the old one. The rename gives the file a new
/// inode: hard links to the old file keep the old content. What
/// `sigma fix`, `sigma tag` and `siem fix` use.
///
/// With `expected` (the content the file had when it was read), the file
/// is checked just before the rename: when it no longer has that content
/// (someone else edited it meanwhile), nothing is written and the error is
/// [`Error::ChangedWhileWriting`].
pub fn write_in_place(path: &Path, text: &str, expected: Option<&[u8]>) -> Result<()> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match resolve_write_target(path).map_err(write_error)? {
        WriteTarget::File(real) => real,
        WriteTarget::Special(path) => {
            return write_direct(&path, text.as_bytes()).map_err(write_error);
        }
    };
    let metadata = fs::metadata(&target).ok();
    let prepare = |file: &fs::File| match &metadata {
        Some(old) => keep_owner_and_permissions(file, old),
        None => Ok(()),
    };
    let verify = || match expected {
        Some(expected) if !has_content(&target, expected)? => {
            Err(std::io::Error::other(ChangedMeanwhile))
        }
        _ => Ok(()),
    };
    write_atomic_with(&target, text.as_bytes(), prepare, verify).map_err(|source| {
        if source.get_ref().is_some_and(|e| e.is::<ChangedMeanwhile>()) {
            Error::ChangedWhileWriting {
                path: path.to_path_buf(),
            }
        } else {
            write_error(source)
        }
    })
}

/// The file to be replaced no longer has the content it was read with.
#[derive(Debug, thiserror::Error)]
#[error("the file changed since it was read")]
struct ChangedMeanwhile;

/// Whether the file at `path` holds exactly `expected` (a file that is
/// gone does not).
fn has_content(path: &Path, expected: &[u8]) -> std::io::Result<bool> {
    match fs::metadata(path) {
        Ok(meta) if meta.len() != expected.len() as u64 => return Ok(false),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    }
    Ok(fs::read(path)? == expected)
}

/// Gives `file` the owner, group and permissions of `old`. The owner is
/// kept where the process may set it: changing it is refused to other
/// users than root, and that is not an error (the group is then tried on
/// its own). Permissions are set last, as a change of owner clears the
/// set-user-ID and set-group-ID bits.
fn keep_owner_and_permissions(file: &fs::File, old: &fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, fchown};
        let new = file.metadata()?;
        if (new.uid(), new.gid()) != (old.uid(), old.gid())
            && fchown(file, Some(old.uid()), Some(old.gid())).is_err()
        {
            let _ = fchown(file, None, Some(old.gid()));
        }
    }
    file.set_permissions(old.permissions())
}

/// A temporary file name in `dir` for writing `target`:
/// `.<name>.tmp-<pid>-<n>`, hidden, unique within the process.
pub(crate) fn temp_path(dir: &Path, target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Removes the temporary files of [`write_atomic`] and of downloads
/// (`.<name>.tmp-…`) in `dir` that were last written more than `age` ago:
/// left behind by a process that was killed. A live writer touches its file
/// far more often than that, so its file is kept. Errors are ignored: this is
/// tidying, not work that must succeed.
pub fn remove_stale_temp_files(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !is_temp_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `name` is one of [`temp_path`]'s names:
/// `.<name>.tmp-<pid>-<n>`.
fn is_temp_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((stem, counters)) = name.rsplit_once(".tmp-") else {
        return false;
    };
    let numbered = counters
        .split_once('-')
        .is_some_and(|(pid, n)| digits(pid) && digits(n));
    stem.len() > 1 && stem.starts_with('.') && numbered
}

/// Temporary files (`.<name>.tmp-…`) not written for this long were left by
/// a process that died; [`remove_stale_temp_files`] removes them.
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// A temporary file beside the file it will become, removed when dropped
/// unless [`TempFile::persist`] renamed it into place.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<fs::File>,
}

impl TempFile {
    /// Creates a new temporary file in `dir` for writing `target`. When
    /// `dir` vanished (a failed attempt of another process removed it while
    /// it was empty), it is created again.
    pub(crate) fn create(dir: &Path, target: &Path) -> Result<TempFile> {
        let mut attempts = 0;
        loop {
            let path = temp_path(dir, target);
            let opened = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path);
            match opened {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file: Some(file),
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && attempts < 5 => {
                    attempts += 1;
                    fs::create_dir_all(dir).map_err(|source| Error::Write {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
    }

    fn write_error(&self, source: std::io::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `bytes`.
    pub(crate) fn write(&self, bytes: &[u8]) -> Result<()> {
        match &self.file {
            Some(file) => {
                let mut file: &fs::File = file;
                file.write_all(bytes).map_err(|e| self.write_error(e))
            }
            None => Err(Error::Internal("write to a closed temporary file".into())),
        }
    }

    /// Flushes the file to disk and renames it to `target`.
    pub(crate) fn persist(mut self, target: &Path) -> Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|e| self.write_error(e))?;
        }
        fs::rename(&self.path, target).map_err(|source| Error::Write {
            path: target.to_path_buf(),
            source,
        })?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The directories one attempt created: unless [`CreatedDirs::keep`] is
/// called, they are removed again when this is dropped, deepest first and
/// each only while it is empty, so that a failed attempt leaves no empty
/// directories behind and never removes what another process put there.
#[derive(Debug)]
pub(crate) struct CreatedDirs {
    /// Deepest first.
    dirs: Vec<PathBuf>,
}

impl CreatedDirs {
    /// Creates `dir` and its missing parents, remembering which were missing.
    pub(crate) fn create(dir: &Path) -> Result<CreatedDirs> {
        let dirs: Vec<PathBuf> = dir
            .ancestors()
            .filter(|d| !d.as_os_str().is_empty())
            .take_while(|d| fs::symlink_metadata(d).is_err())
            .map(Path::to_path_buf)
            .collect();
        let created = CreatedDirs { dirs };
        fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(created)
    }

    /// The attempt succeeded: keep the directories.
    pub(crate) fn keep(mut self) {
        self.dirs.clear();
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        for dir in &self.dirs {
            // Fails, as it should, when the directory is not empty; then
            // its parents are not empty either.
            match fs::remove_dir(dir) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => break,
            }
        }
    }
}

/// Whether two paths name the same existing file (the same device and
/// inode on Unix; the same canonical path elsewhere).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (fs::canonicalize(a), fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Refuses to write `output` when it is one of the files this run read
/// (`map --stix in.json --out in.json` would otherwise replace the input
/// with the output).
pub fn refuse_overwriting_inputs(output: &Path, inputs: &[PathBuf]) -> Result<()> {
    match inputs.iter().find(|input| same_file(output, input)) {
        Some(input) => Err(Error::Invalid(format!(
            "{}: this is an input of the run ({}); refusing to overwrite it, write the output elsewhere",
            output.display(),
            input.display()
        ))),
        None => Ok(()),
    }
}

/// The platform's user cache directory for attackmap:
/// `$XDG_CACHE_HOME/attackmap` or `~/.cache/attackmap` on Linux and other
/// Unix systems, `~/Library/Caches/attackmap` on macOS and
/// `%LOCALAPPDATA%\attackmap\cache` on Windows.
pub fn default_cache_dir() -> Option<PathBuf> {
    user_dir("XDG_CACHE_HOME", ".cache", "Library/Caches", "cache")
}

/// The platform's user data directory for attackmap:
/// `$XDG_DATA_HOME/attackmap` or `~/.local/share/attackmap` on Linux,
/// `~/Library/Application Support/attackmap` on macOS and
/// `%LOCALAPPDATA%\attackmap\data` on Windows.
pub fn default_data_dir() -> Option<PathBuf> {
    user_dir(
        "XDG_DATA_HOME",
        ".local/share",
        "Library/Application Support",
        "data",
    )
}

fn user_dir(
    xdg_var: &str,
    unix_home_rel: &str,
    mac_home_rel: &str,
    windows_sub: &str,
) -> Option<PathBuf> {
    let env_path = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if cfg!(windows) {
        return env_path("LOCALAPPDATA").map(|p| p.join("attackmap").join(windows_sub));
    }
    if cfg!(target_os = "macos") {
        return env_path("HOME").map(|h| h.join(mac_home_rel).join("attackmap"));
    }
    env_path(xdg_var)
        .or_else(|| env_path("HOME").map(|h| h.join(unix_home_rel)))
        .map(|p| p.join("attackmap"))
}

/// Why [`write_atomic_all`] stopped: the file that failed and how many
/// files were written completely before it.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write: {source}", path.display())]
pub struct PartialWrite {
    /// The file that could not be written (its old content, if any, is
    /// intact).
    pub path: PathBuf,
    /// How many files were written completely.
    pub written: usize,
    /// The underlying I/O error.
    pub source: std::io::Error,
}

/// Writes several files with [`write_atomic`], a few at a time in parallel:
/// the time goes into waiting for the disk (`fsync`), which overlaps well.
/// Every file is complete or absent (or, if it existed, unchanged). After the
/// first failure no further file is started; the files written before stay,
/// and the error says which file failed and how many were written.
pub fn write_atomic_all(files: &[(PathBuf, &[u8])]) -> std::result::Result<(), PartialWrite> {
    const THREADS: usize = 8;
    let written = AtomicUsize::new(0);
    let failed: Mutex<Option<(PathBuf, std::io::Error)>> = Mutex::new(None);
    let write_part = |part: &[(PathBuf, &[u8])]| {
        for (path, bytes) in part {
            if lock(&failed).is_some() {
                return;
            }
            match write_atomic_io(path, bytes) {
                Ok(()) => {
                    written.fetch_add(1, Ordering::Relaxed);
                }
                Err(source) => {
                    lock(&failed).get_or_insert((path.clone(), source));
                    return;
                }
            }
        }
    };
    if files.len() < 2 {
        write_part(files);
    } else {
        let chunk = files.len().div_ceil(THREADS);
        std::thread::scope(|scope| {
            for part in files.chunks(chunk) {
                scope.spawn(|| write_part(part));
            }
        });
    }
    let failure = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    match failure {
        None => Ok(()),
        Some((path, source)) => Err(PartialWrite {
            path,
            written: written.into_inner(),
            source,
        }),
    }
}

/// Locks a mutex, also when another thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_dirs_are_removed_unless_kept_and_only_while_empty() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("data");
        fs::create_dir(&base).unwrap();
        let deep = base.join("a").join("b");

        drop(CreatedDirs::create(&deep).unwrap());
        assert!(base.is_dir(), "a directory that was there stays");
        assert!(!base.join("a").exists());

        let created = CreatedDirs::create(&deep).unwrap();
        fs::write(base.join("a").join("other.json"), b"{}").unwrap();
        drop(created);
        assert!(!deep.exists(), "the empty one is removed");
        assert!(
            base.join("a/other.json").exists(),
            "what another put there stays"
        );

        CreatedDirs::create(&deep).unwrap().keep();
        assert!(deep.is_dir());
    }

    #[test]
    fn a_temp_file_is_removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let temp = TempFile::create(dir.path(), &target).unwrap();
        temp.write(b"half").unwrap();
        drop(temp);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        let temp = TempFile::create(dir.path(), &target).unwrap();
        temp.write(b"whole").unwrap();
        temp.persist(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn in_place_writes_keep_permissions_and_break_hard_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("hard-link.yml");
        fs::hard_link(&path, &link).unwrap();
        write_in_place(&path, "new", Some(b"old")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        assert_eq!(fs::read_to_string(&link).unwrap(), "old", "documented");
    }

    #[cfg(unix)]
    #[test]
    fn in_place_writes_keep_the_owner_when_run_as_root() {
        use std::os::unix::fs::{MetadataExt, chown};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        fs::write(&path, "old").unwrap();
        if chown(&path, Some(4321), Some(4322)).is_err() {
            eprintln!("SKIPPED: not allowed to give a file to another user (not root)");
            return;
        }
        write_in_place(&path, "new", Some(b"old")).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn an_in_place_write_leaves_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        fs::write(&path, "edited by someone else").unwrap();
        let err = write_in_place(&path, "fixed", Some(b"as read")).unwrap_err();
        assert!(matches!(err, Error::ChangedWhileWriting { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("{}: changed while fixing; left as it is", path.display())
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited by someone else");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file");
        // Same size, other bytes: also refused.
        let err = write_in_place(&path, "fixed", Some(b"edited by someone ELSE")).unwrap_err();
        assert!(matches!(err, Error::ChangedWhileWriting { .. }), "{err:?}");
        write_in_place(&path, "fixed", Some(b"edited by someone else")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "fixed");
    }

    #[cfg(unix)]
    #[test]
    fn write_targets_follow_links_and_keep_special_files() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        fs::write(dir.path().join("file"), "x").unwrap();
        symlink("file", dir.path().join("link")).unwrap();
        symlink("link", dir.path().join("link2")).unwrap();
        symlink("sub/new", dir.path().join("dangling")).unwrap();
        let target = |name: &str| resolve_write_target(&dir.path().join(name)).unwrap();
        assert_eq!(target("file"), WriteTarget::File(real.join("file")));
        assert_eq!(target("link2"), WriteTarget::File(real.join("file")));
        assert_eq!(
            target("dangling"),
            WriteTarget::File(dir.path().join("sub/new"))
        );
        assert_eq!(target("new"), WriteTarget::File(dir.path().join("new")));
        let err = resolve_write_target(dir.path()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
        assert_eq!(
            resolve_write_target(Path::new("/dev/null")).unwrap(),
            WriteTarget::Special(PathBuf::from("/dev/null"))
        );
        symlink("loop", dir.path().join("loop")).unwrap();
        assert!(resolve_write_target(&dir.path().join("loop")).is_err());

        write_atomic(&dir.path().join("link2"), b"through links").unwrap();
        assert_eq!(fs::read(dir.path().join("file")).unwrap(), b"through links");
        assert!(
            fs::symlink_metadata(dir.path().join("link"))
                .unwrap()
                .is_symlink()
        );
    }

    #[test]
    fn temp_names_are_recognised_exactly() {
        assert!(is_temp_name(".rule.yml.tmp-123-0"));
        assert!(is_temp_name(".a.tmp-b.tmp-1-22"));
        assert!(!is_temp_name(".rule.yml.tmp-123"));
        assert!(!is_temp_name(".rule.yml.tmp-x-1"));
        assert!(!is_temp_name("rule.yml.tmp-1-1"));
        assert!(!is_temp_name(".tmp-1-1"));
        assert!(!is_temp_name(".notes.tmp-mine"));
    }

    #[test]
    fn only_old_temp_files_are_tidied() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join(".x.json.tmp-1-0");
        let data = dir.path().join("x.json");
        fs::write(&temp, b"partial").unwrap();
        fs::write(&data, b"data").unwrap();
        remove_stale_temp_files(dir.path(), std::time::Duration::from_secs(3600));
        assert!(
            temp.exists(),
            "a fresh temp file may belong to a live writer"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        remove_stale_temp_files(dir.path(), std::time::Duration::from_millis(1));
        assert!(!temp.exists());
        assert!(data.exists());
    }

    #[test]
    fn failed_atomic_write_keeps_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("out.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("out.json"), "{err}");
        assert!(!dir.path().join("missing-dir").exists());
    }

    #[test]
    fn many_atomic_writes_write_every_file_or_report_the_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(PathBuf, &[u8])> = (0..20)
            .map(|i| (dir.path().join(format!("f{i}.json")), b"{}" as &[u8]))
            .collect();
        write_atomic_all(&files).unwrap();
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 20, "no temporary file left: {names:?}");
        let mut bad = files.clone();
        bad[7].0 = dir.path().join("missing").join("x.json");
        let err = write_atomic_all(&bad).unwrap_err();
        assert!(err.to_string().contains("x.json"), "{err}");
    }
}
