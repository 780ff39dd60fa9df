//! Reading ATT&CK STIX inputs: bundle files (STIX 2.0 or 2.1, any domain),
//! directories laid out like the public mitre/cti repository
//! (`<domain>/<type>/<object>.json`), and the example bundle embedded in the
//! binary.
//!
//! Loading happens in two steps so that the cache can be consulted in
//! between: [`read_inputs`] reads the bytes and hashes them; [`parse_inputs`]
//! parses them into borrowed [`StixObject`]s grouped in [`Part`]s (one per
//! bundle file, or one per domain folder of a mitre/cti tree). Parsing is
//! lenient: unknown object types and fields are ignored, and a malformed
//! object is skipped with a [`Warning`] that names it.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result, strip_position};
use crate::fsutil::{Bytes, read_bytes};
use crate::releases;
use crate::stix::{ObjectIdent, RawBundle, Relationship, StixObject, is_known_type};

/// The example bundle compiled into the binary, used when no input is given.
pub const EXAMPLE_BUNDLE: &[u8] = include_bytes!("../fixtures/example/attackmap-example.json");
/// The name under which the example bundle is reported.
pub const EXAMPLE_NAME: &str = "attackmap-example.json (embedded)";

/// Where an input came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One bundle file.
    Bundle,
    /// A directory of bundles or of mitre/cti per-object files.
    Directory,
    /// The example bundle embedded in the binary.
    Embedded,
}

impl InputKind {
    /// Name used in the model's `source.inputs[].kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Bundle => "bundle",
            InputKind::Directory => "directory",
            InputKind::Embedded => "embedded",
        }
    }
}

/// One file's bytes.
#[derive(Debug)]
pub struct SourceFile {
    /// Path used in messages.
    pub path: PathBuf,
    /// For files of a mitre/cti tree: the domain named by the folder.
    pub domain_hint: Option<String>,
    /// The file's content.
    pub bytes: Bytes,
}

/// One input as given on the command line, read and hashed.
#[derive(Debug)]
pub struct Input {
    /// The path as given (or the example's name).
    pub path: PathBuf,
    /// Bundle, directory or embedded example.
    pub kind: InputKind,
    /// The files that make it up, in a stable order.
    pub files: Vec<SourceFile>,
    /// SHA-256 of the content, computed on first use (see [`Input::sha256`]).
    sha256: OnceLock<String>,
    /// Total size in bytes.
    pub size: u64,
    /// What reading a directory skipped (broken symbolic links), reported
    /// with the loading warnings.
    pub skipped: Vec<Warning>,
}

/// Inputs at least this large are digested for the cache key on several
/// threads.
const TREE_CHUNK: usize = 1 << 20;

impl Input {
    /// SHA-256 of the content, lower-case hex: of the file's bytes for a
    /// bundle (comparable with published hashes); for a directory, of every
    /// file's relative path and bytes in sorted path order.
    pub fn sha256(&self) -> &str {
        self.sha256.get_or_init(|| sha256_hex(&self.files[0].bytes))
    }

    /// A digest of the content for cache keys, cheaper than [`Input::sha256`]
    /// on large files: SHA-256 over the SHA-256 of each 1 MiB chunk, the
    /// chunks hashed in parallel. Any change to the bytes changes it.
    pub fn content_digest(&self) -> String {
        if self.kind == InputKind::Directory {
            return self.sha256().to_string();
        }
        let bytes = &self.files[0].bytes;
        let chunks: Vec<&[u8]> = bytes.chunks(TREE_CHUNK).collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let per_thread = chunks.len().div_ceil(threads).max(1);
        let digests: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .chunks(per_thread)
                .map(|group| {
                    scope.spawn(move || {
                        group
                            .iter()
                            .map(|c| Sha256::digest(c).to_vec())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut hasher = Sha256::new();
        hasher.update(b"attackmap-chunked-sha256\n");
        hasher.update((bytes.len() as u64).to_le_bytes());
        for digest in digests {
            hasher.update(digest);
        }
        hex(&hasher.finalize())
    }
}

/// A problem that did not stop loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// File, with `:line:column` when known.
    pub location: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// How a part's ATT&CK release was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    /// `x-mitre-collection.x_mitre_version` in the data.
    Collection,
    /// The file's SHA-256 matches a pinned official release.
    PinnedRelease,
    /// `--attack-version` on the command line.
    Option,
    /// Inferred from the newest `modified` timestamp in the data.
    Inferred,
}

impl VersionSource {
    /// Name used in the model's `source.inputs[].attack_version_source`.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionSource::Collection => "x-mitre-collection",
            VersionSource::PinnedRelease => "pinned-release-sha256",
            VersionSource::Option => "option",
            VersionSource::Inferred => "inferred-from-modified",
        }
    }
}

/// A unit of parsed data with one domain: a bundle file, or one domain folder
/// of a mitre/cti tree.
#[derive(Debug)]
pub struct Part<'a> {
    /// Index of the [`Input`] it came from.
    pub input: usize,
    /// Name used in messages and in the model.
    pub label: String,
    /// `enterprise-attack`, `mobile-attack`, `ics-attack`, … when known.
    pub domain: Option<String>,
    /// `2.0` or `2.1` when known.
    pub stix_version: Option<String>,
    /// ATT&CK release and how it was found.
    pub attack_version: Option<(String, VersionSource)>,
    /// Name of the live matrix (`Enterprise ATT&CK`), when there is one.
    pub matrix_name: Option<String>,
    /// The objects of known types, relationships excepted.
    pub objects: Vec<StixObject<'a>>,
    /// The relationships.
    pub relationships: Vec<Relationship<'a>>,
}

/// Objects and relationships parsed from one file.
#[derive(Debug, Default)]
pub struct ObjectSet<'a> {
    /// The objects of known types, relationships excepted.
    pub objects: Vec<StixObject<'a>>,
    /// The relationships.
    pub relationships: Vec<Relationship<'a>>,
}

impl<'a> ObjectSet<'a> {
    fn extend(&mut self, other: ObjectSet<'a>) {
        self.objects.extend(other.objects);
        self.relationships.extend(other.relationships);
    }

    /// Keeps a parsed object if attackmap reads its type.
    fn push(&mut self, object: StixObject<'a>) {
        if object.kind == "relationship" {
            self.relationships.extend(Relationship::from_object(object));
        } else if is_known_type(&object.kind) {
            self.objects.push(object);
        }
    }
}

/// Options that change how inputs are loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Use this ATT&CK release for every input instead of what the data says.
    pub attack_version: Option<String>,
}

/// Everything parsed from the inputs, borrowing their bytes.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The parts, in input order.
    pub parts: Vec<Part<'a>>,
    /// Warnings, in the order they happened.
    pub warnings: Vec<Warning>,
}

/// Reads and hashes every input path. An empty list means the embedded example.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>> {
    if paths.is_empty() {
        return Ok(vec![example_input()]);
    }
    let mut inputs: Vec<Input> = Vec::with_capacity(paths.len());
    for path in paths {
        inputs.push(read_input(path)?);
    }
    Ok(inputs)
}

/// The embedded example bundle as an input.
pub fn example_input() -> Input {
    Input {
        path: PathBuf::from(EXAMPLE_NAME),
        kind: InputKind::Embedded,
        sha256: OnceLock::new(),
        size: EXAMPLE_BUNDLE.len() as u64,
        files: vec![SourceFile {
            path: PathBuf::from(EXAMPLE_NAME),
            domain_hint: None,
            bytes: Bytes::Static(EXAMPLE_BUNDLE),
        }],
        skipped: Vec::new(),
    }
}

fn read_input(path: &Path) -> Result<Input> {
    let meta = fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return read_directory(path);
    }
    let bytes = read_bytes(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Input {
        path: path.to_path_buf(),
        kind: InputKind::Bundle,
        sha256: OnceLock::new(),
        size: bytes.len() as u64,
        files: vec![SourceFile {
            path: path.to_path_buf(),
            domain_hint: None,
            bytes,
        }],
        skipped: Vec::new(),
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Reads a directory: either a mitre/cti tree (`<domain>/<type>/<object>.json`,
/// only those files are read) or a folder of bundle files.
fn read_directory(root: &Path) -> Result<Input> {
    let mut json_files = Vec::new();
    let mut seen_dirs = HashSet::new();
    let mut skipped = Vec::new();
    walk_json_files(root, &mut seen_dirs, &mut json_files, &mut skipped)?;
    json_files.sort();

    // Per-object files of a mitre/cti tree are read as such; every other
    // JSON file is a bundle, except a bundle lying in a domain folder whose
    // per-object files are read (mitre/cti keeps `enterprise-attack.json`
    // beside them: the same data twice).
    let domain_dirs: HashSet<PathBuf> = json_files
        .iter()
        .filter(|p| cti_domain_of(p).is_some())
        .filter_map(|p| p.parent().and_then(Path::parent).map(Path::to_path_buf))
        .collect();
    let chosen: Vec<(PathBuf, Option<String>)> = json_files
        .into_iter()
        .filter_map(|p| match cti_domain_of(&p) {
            Some(domain) => Some((p, Some(domain))),
            None if p.parent().is_some_and(|d| domain_dirs.contains(d)) => None,
            None => Some((p, None)),
        })
        .collect();
    if chosen.is_empty() {
        return Err(Error::NoBundles {
            path: root.to_path_buf(),
        });
    }

    let mut hasher = Sha256::new();
    let mut files = Vec::with_capacity(chosen.len());
    let mut size = 0u64;
    for (path, domain_hint) in chosen {
        let bytes = read_bytes(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let relative = path.strip_prefix(root).unwrap_or(&path);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0u8]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes[..]);
        size += bytes.len() as u64;
        files.push(SourceFile {
            path,
            domain_hint,
            bytes,
        });
    }
    Ok(Input {
        path: root.to_path_buf(),
        kind: InputKind::Directory,
        sha256: OnceLock::from(hex(&hasher.finalize())),
        size,
        files,
        skipped,
    })
}

/// For a file at `<domain>/<stix-type>/<object>.json` with an ATT&CK domain
/// folder (`…-attack`) and a STIX type folder, the domain.
fn cti_domain_of(path: &Path) -> Option<String> {
    let type_dir = path.parent()?;
    let domain_dir = type_dir.parent()?;
    let type_name = type_dir.file_name()?.to_str()?;
    let domain_name = domain_dir.file_name()?.to_str()?;
    let looks_like_type =
        is_known_type(type_name) || matches!(type_name, "identity" | "marking-definition");
    (looks_like_type && domain_name.ends_with("-attack")).then(|| domain_name.to_string())
}

/// Collects `*.json` files below `dir`, following symbolic links but never
/// entering the same directory twice (so link loops end).
fn walk_json_files(
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
    skipped: &mut Vec<Warning>,
) -> Result<()> {
    let canonical = fs::canonicalize(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    if !seen.insert(canonical) {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        // `metadata` follows links; a dangling link is skipped, with a
        // warning: the file it named may be part of the data.
        let Ok(meta) = fs::metadata(&path) else {
            skipped.push(Warning {
                location: display_name(&path),
                message: "a broken symbolic link (its target does not exist); skipped".into(),
            });
            continue;
        };
        if meta.is_dir() {
            walk_json_files(&path, seen, out, skipped)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses every input into parts.
pub fn parse_inputs<'a>(inputs: &'a [Input], options: &LoadOptions) -> Result<Parsed<'a>> {
    let mut parts = Vec::new();
    let mut warnings = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        match input.kind {
            InputKind::Bundle | InputKind::Embedded => {
                let file = &input.files[0];
                let label = display_name(&input.path);
                let bundle = parse_bundle(&file.path, &file.bytes, &mut warnings)?;
                let mut part = Part::new(index, label, bundle.set);
                part.detect(bundle.spec_version, file.domain_hint.as_deref());
                if part.attack_version.is_none() {
                    if let Some(release) = releases::release_by_sha256(input.sha256()) {
                        part.attack_version = Some((
                            release.attack_version.to_string(),
                            VersionSource::PinnedRelease,
                        ));
                    }
                }
                parts.push(part);
            }
            InputKind::Directory => {
                warnings.extend(input.skipped.iter().cloned());
                parse_directory(index, input, &mut parts, &mut warnings)?;
            }
        }
    }
    for part in &mut parts {
        finish_version(part, options, &mut warnings);
    }
    check_one_release_per_domain(&parts)?;
    Ok(Parsed { parts, warnings })
}

fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Groups the files of a directory input into parts: one per domain folder
/// of a mitre/cti tree, or one per bundle file. Files that are not bundles are
/// skipped with a warning (a directory may hold other JSON).
fn parse_directory<'a>(
    index: usize,
    input: &'a Input,
    parts: &mut Vec<Part<'a>>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    // Per-object files are grouped by their domain folder.
    let mut by_domain: BTreeMap<(PathBuf, String), (ObjectSet<'a>, Option<String>)> =
        BTreeMap::new();
    for file in &input.files {
        let bundle = match parse_bundle(&file.path, &file.bytes, warnings) {
            Ok(bundle) => bundle,
            Err(err) => {
                warnings.push(Warning {
                    location: display_name(&file.path),
                    message: format!("skipped: {}", error_without_path(&err)),
                });
                continue;
            }
        };
        match &file.domain_hint {
            Some(domain) => {
                let folder = file
                    .path
                    .parent()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let entry = by_domain.entry((folder, domain.clone())).or_default();
                entry.0.extend(bundle.set);
                if entry.1.is_none() {
                    entry.1 = bundle.spec_version;
                }
            }
            None => {
                let mut part = Part::new(index, display_name(&file.path), bundle.set);
                part.detect(bundle.spec_version, None);
                parts.push(part);
            }
        }
    }
    for ((folder, domain), (set, spec_version)) in by_domain {
        let mut part = Part::new(index, display_name(&folder), set);
        part.detect(spec_version, Some(&domain));
        parts.push(part);
    }
    if !parts.iter().any(|p| p.input == index) {
        return Err(Error::NoBundles {
            path: input.path.clone(),
        });
    }
    Ok(())
}

/// The message of an error without its leading path (used where the path is
/// printed separately).
fn error_without_path(err: &Error) -> String {
    match err {
        Error::Json {
            line,
            column,
            message,
            ..
        } => format!("invalid JSON at line {line} column {column}: {message}"),
        Error::NotABundle { reason, .. } => format!("not a STIX bundle: {reason}"),
        Error::EmptyFile { .. } => "file is empty".to_string(),
        other => other.to_string(),
    }
}

/// What a bundle file holds once parsed.
struct ParsedBundle<'a> {
    spec_version: Option<String>,
    set: ObjectSet<'a>,
}

/// Parses one bundle file (or a file holding one bare STIX object, as some
/// per-object trees do).
fn parse_bundle<'a>(
    path: &Path,
    bytes: &'a [u8],
    warnings: &mut Vec<Warning>,
) -> Result<ParsedBundle<'a>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if let Some(encoding) = utf16_encoding(bytes) {
        return Err(Error::NotABundle {
            path: path.to_path_buf(),
            reason: format!(
                "the file is {encoding}; STIX bundles are UTF-8 \
                 (convert it, e.g. iconv -f {encoding} -t UTF-8)"
            ),
        });
    }
    let raw: RawBundle<'a> =
        serde_json::from_slice(bytes).map_err(|err| classify_bundle_error(path, bytes, &err))?;
    match raw.kind.as_deref() {
        Some("bundle") => {}
        Some(kind) if raw.objects.is_none() && is_known_type(kind) => {
            // A single bare object, as in some per-object layouts.
            let text = std::str::from_utf8(bytes).map_err(|e| Error::NotABundle {
                path: path.to_path_buf(),
                reason: format!("not UTF-8: {e}"),
            })?;
            let mut set = ObjectSet::default();
            let mut locator = Locator::new(bytes);
            parse_object(path, text, &mut locator, &mut set, warnings);
            return Ok(ParsedBundle {
                spec_version: None,
                set,
            });
        }
        Some(kind) => {
            return Err(Error::NotABundle {
                path: path.to_path_buf(),
                reason: format!("top-level \"type\" is \"{kind}\", expected \"bundle\""),
            });
        }
        None => {
            return Err(Error::NotABundle {
                path: path.to_path_buf(),
                reason: "the top-level object has no \"type\": \"bundle\"".to_string(),
            });
        }
    }
    let Some(raw_objects) = raw.objects else {
        return Err(Error::NotABundle {
            path: path.to_path_buf(),
            reason: "the bundle has no \"objects\" array".to_string(),
        });
    };
    let set = parse_objects(path, bytes, &raw_objects, warnings);
    Ok(ParsedBundle {
        spec_version: raw.spec_version.map(|v| v.into_owned()),
        set,
    })
}

/// `UTF-16LE` or `UTF-16BE` when the bytes are JSON text in UTF-16: a
/// byte-order mark, or ASCII characters with a zero byte beside each.
fn utf16_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] | [_, 0, _, 0, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] | [0, _, 0, _, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// Turns a failed bundle parse into a syntax error with a position, or a
/// "not a bundle" error for well-formed JSON of the wrong shape.
fn classify_bundle_error(path: &Path, bytes: &[u8], err: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => Error::json(path, bytes, err),
        Category::Data => {
            let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
            let reason = match first {
                Some(b'[') => {
                    "the top level is a JSON array, expected an object with \"type\": \"bundle\""
                        .to_string()
                }
                Some(b'{') => format!(
                    "{} (line {}, column {})",
                    strip_position(&err.to_string()),
                    err.line(),
                    err.column()
                ),
                _ => "the top level is not a JSON object".to_string(),
            };
            Error::NotABundle {
                path: path.to_path_buf(),
                reason,
            }
        }
    }
}

/// Objects below this count are parsed on one thread.
const PARALLEL_THRESHOLD: usize = 4096;

/// Parses the raw objects of a bundle, on several threads for large bundles.
/// Warnings keep the order of the objects.
fn parse_objects<'a>(
    path: &Path,
    bytes: &'a [u8],
    raw_objects: &[&'a serde_json::value::RawValue],
    warnings: &mut Vec<Warning>,
) -> ObjectSet<'a> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || raw_objects.len() < PARALLEL_THRESHOLD {
        let mut out = ObjectSet::default();
        let mut locator = Locator::new(bytes);
        for raw in raw_objects {
            parse_object(path, raw.get(), &mut locator, &mut out, warnings);
        }
        return out;
    }
    let chunk = raw_objects.len().div_ceil(threads);
    let results: Vec<(ObjectSet<'a>, Vec<Warning>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = raw_objects
            .chunks(chunk)
            .map(|slice| {
                scope.spawn(move || {
                    let mut out = ObjectSet::default();
                    let mut local_warnings = Vec::new();
                    let mut locator = Locator::new(bytes);
                    for raw in slice {
                        parse_object(path, raw.get(), &mut locator, &mut out, &mut local_warnings);
                    }
                    (out, local_warnings)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut out = ObjectSet::default();
    for (set, local_warnings) in results {
        out.extend(set);
        warnings.extend(local_warnings);
    }
    out
}

/// Parses one object; keeps it if its type is one attackmap reads, skips it
/// silently if not, and skips it with a warning if it is malformed.
fn parse_object<'a>(
    path: &Path,
    text: &'a str,
    locator: &mut Locator<'_>,
    out: &mut ObjectSet<'a>,
    warnings: &mut Vec<Warning>,
) {
    match serde_json::from_str::<StixObject<'a>>(text) {
        Ok(object) => out.push(object),
        Err(err) => {
            let ident: Option<ObjectIdent<'_>> = serde_json::from_str(text).ok();
            let kind = ident
                .as_ref()
                .and_then(|i| i.kind.as_deref())
                .map(str::to_string);
            if let Some(kind) = &kind {
                if !is_known_type(kind) {
                    return;
                }
            }
            let id = ident
                .as_ref()
                .and_then(|i| i.id.as_deref())
                .map(str::to_string);
            // serde reports a missing field at the object's end; the
            // object's start is where a reader looks for it.
            let (line, column) = if err.to_string().starts_with("missing field") {
                locator.position(text, 1, 1)
            } else {
                locator.position(text, err.line(), err.column())
            };
            let name = match (&kind, &id) {
                (_, Some(id)) => id.clone(),
                (Some(kind), None) => format!("an object of type {kind} without an id"),
                (None, None) => "an object without a type".to_string(),
            };
            warnings.push(Warning {
                location: format!("{}:{line}:{column}", path.display()),
                message: format!("skipped {name}: {}", strip_position(&err.to_string())),
            });
        }
    }
}

/// Turns a position inside one object's text into a position in its file.
/// Objects are visited in order, so newlines are counted incrementally.
struct Locator<'b> {
    bytes: &'b [u8],
    counted_to: usize,
    lines_before: usize,
    last_line_start: usize,
}

impl<'b> Locator<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Locator {
            bytes,
            counted_to: 0,
            lines_before: 0,
            last_line_start: 0,
        }
    }

    /// `line` and `column` are 1-based positions inside `text`, which is a
    /// slice of the file's bytes.
    fn position(&mut self, text: &str, line: usize, column: usize) -> (usize, usize) {
        let start = (text.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        if start > self.bytes.len() {
            return (line, column);
        }
        if start < self.counted_to {
            self.counted_to = 0;
            self.lines_before = 0;
            self.last_line_start = 0;
        }
        for (i, b) in self.bytes[self.counted_to..start].iter().enumerate() {
            if *b == b'\n' {
                self.lines_before += 1;
                self.last_line_start = self.counted_to + i + 1;
            }
        }
        self.counted_to = start;
        let file_line = self.lines_before + line;
        let file_column = if line <= 1 {
            start - self.last_line_start + column
        } else {
            column
        };
        (file_line, file_column)
    }
}

impl<'a> Part<'a> {
    fn new(input: usize, label: String, set: ObjectSet<'a>) -> Self {
        Part {
            input,
            label,
            domain: None,
            stix_version: None,
            attack_version: None,
            matrix_name: None,
            objects: set.objects,
            relationships: set.relationships,
        }
    }

    /// Reads the domain, STIX version, matrix name and (from an
    /// `x-mitre-collection`) the ATT&CK release from the data.
    fn detect(&mut self, bundle_spec_version: Option<String>, domain_hint: Option<&str>) {
        let live_matrix = self
            .objects
            .iter()
            .filter(|o| o.kind == "x-mitre-matrix")
            .min_by_key(|o| !o.is_live());
        self.matrix_name = live_matrix
            .and_then(|m| m.name.as_deref())
            .map(str::to_string);
        let matrix_domain = live_matrix
            .and_then(|m| m.attack_id())
            .filter(|id| id.ends_with("-attack"))
            .map(str::to_string);
        self.domain = domain_hint
            .map(str::to_string)
            .or(matrix_domain)
            .or_else(|| most_common_technique_domain(&self.objects));
        self.stix_version = bundle_spec_version.or_else(|| {
            self.objects
                .iter()
                .find_map(|o| o.spec_version.as_deref())
                .map(str::to_string)
        });
        self.attack_version = self
            .objects
            .iter()
            .find(|o| o.kind == "x-mitre-collection")
            .and_then(|c| c.x_mitre_version.as_deref())
            .map(|v| (v.to_string(), VersionSource::Collection));
    }

    /// The newest `modified` timestamp among the part's objects.
    fn newest_modified(&self) -> Option<&str> {
        let objects = self.objects.iter().filter_map(|o| o.modified.as_deref());
        let relationships = self
            .relationships
            .iter()
            .filter_map(|r| r.modified.as_deref());
        objects.chain(relationships).max()
    }
}

fn most_common_technique_domain(objects: &[StixObject<'_>]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for object in objects.iter().filter(|o| o.kind == "attack-pattern") {
        for domain in &object.x_mitre_domains {
            *counts.entry(domain.as_ref()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(d, _)| d.to_string())
}

/// Two releases of one domain in one model would mix their objects (v17
/// data components and v18 detection strategies for the same technique):
/// an error naming both inputs.
fn check_one_release_per_domain(parts: &[Part<'_>]) -> Result<()> {
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            let (Some(domain), Some((va, _)), Some((vb, _))) =
                (&a.domain, &a.attack_version, &b.attack_version)
            else {
                continue;
            };
            if b.domain.as_ref() == Some(domain) && va != vb {
                return Err(Error::Invalid(format!(
                    "{} and {} are two releases of {domain} (ATT&CK {va} and {vb}); load one release per domain",
                    a.label, b.label
                )));
            }
        }
    }
    Ok(())
}

/// Applies `--attack-version`, or infers the release when the data does not
/// say it, and warns about what could not be determined.
fn finish_version(part: &mut Part<'_>, options: &LoadOptions, warnings: &mut Vec<Warning>) {
    if let Some(version) = &options.attack_version {
        part.attack_version = Some((version.clone(), VersionSource::Option));
    }
    if part.attack_version.is_none() {
        let inferred = part
            .newest_modified()
            .and_then(releases::infer_release_from_modified);
        match inferred {
            Some(version) => {
                part.attack_version = Some((version.to_string(), VersionSource::Inferred));
            }
            None => warnings.push(Warning {
                location: part.label.clone(),
                message: "the ATT&CK release is not stated in the data (no x-mitre-collection) and could not be inferred; pass --attack-version".to_string(),
            }),
        }
    }
    if part.domain.is_none() {
        warnings.push(Warning {
            location: part.label.clone(),
            message: "the ATT&CK domain could not be determined (no x-mitre-matrix and no x_mitre_domains)".to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_maps_object_positions_to_file_positions() {
        let text = "{\"objects\": [\n  {\"a\": 1},\n  {\"b\": 2}\n]}";
        let bytes = text.as_bytes();
        let second = text.find("{\"b\"").unwrap();
        let slice = &text[second..second + 8];
        let mut locator = Locator::new(bytes);
        assert_eq!(locator.position(slice, 1, 3), (3, 5));
    }

    #[test]
    fn cti_layout_is_recognised_by_folder_names() {
        let p = Path::new("/x/cti/enterprise-attack/attack-pattern/attack-pattern--1.json");
        assert_eq!(cti_domain_of(p).as_deref(), Some("enterprise-attack"));
        let capec = Path::new("/x/cti/capec/2.0/attack-pattern/attack-pattern--1.json");
        assert_eq!(cti_domain_of(capec), None);
        let bundle = Path::new("/x/cti/enterprise-attack/enterprise-attack.json");
        assert_eq!(cti_domain_of(bundle), None);
    }
}
