//! The model cache, and reading and writing model files.
//!
//! `attackmap map` stores the enriched model as
//! `mapped_<first 16 hex digits of the key>.json` in the cache directory. The
//! key is a SHA-256 over the model's schema version, its content revision,
//! attackmap's version, the options that change the model, and the SHA-256 of
//! every input in order, so a new ATT&CK release, a changed file or a new
//! attackmap never reuses a stale file. A cache file that fails to parse or has another schema is rebuilt.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fsutil::{read_bytes, write_atomic};
use crate::loading::{Input, LoadOptions, hex};
use crate::mapping::MapOptions;
use crate::model::{Model, SCHEMA_VERSION};

/// Revision of what a model holds for given inputs, within one
/// [`SCHEMA_VERSION`]: bumped when a compatible addition (a new field) means
/// that a model written earlier lacks data, so that a cache written by an
/// earlier build of the same attackmap version is not reused. 2: ICS assets.
const CONTENT_REVISION: u32 = 2;

/// The cache key (full SHA-256, lower-case hex) for these inputs and options.
pub fn cache_key(inputs: &[Input], load: &LoadOptions, map: &MapOptions) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "attackmap-model\nschema={SCHEMA_VERSION}\ncontent={CONTENT_REVISION}\nattackmap={}\ndescriptions={}\nattack_version={}\n",
        env!("CARGO_PKG_VERSION"),
        map.descriptions,
        load.attack_version.as_deref().unwrap_or("")
    ));
    for input in inputs {
        hasher.update(input.content_digest().as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// The cache file for a key: `mapped_<first 16 hex>.json` in `dir`.
pub fn cache_file(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("mapped_{}.json", &key[..16.min(key.len())]))
}

/// What reading a cache file gave.
#[derive(Debug)]
pub enum CacheRead {
    /// No file for this key.
    Missing,
    /// A usable model.
    Hit(Box<Model>),
    /// A file that cannot be used, and why; it will be rebuilt.
    Unusable(String),
}

/// Reads the cache file at `path`.
pub fn read_cache(path: &Path) -> CacheRead {
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        // No file, or no cache directory (a file in its place): nothing to
        // read; writing will say what is wrong.
        Err(err)
            if matches!(
                err.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return CacheRead::Missing;
        }
        Err(err) => return CacheRead::Unusable(format!("cannot read it: {err}")),
    };
    match parse_model(path, &bytes) {
        Ok(model) => CacheRead::Hit(Box::new(model)),
        Err(err) => CacheRead::Unusable(err.to_string()),
    }
}

/// Writes a model into the cache directory (created if needed), atomically.
/// The error names the directory when it cannot be created, else the cache
/// file (a directory in its place, a full disk, …).
pub fn write_cache(dir: &Path, path: &Path, model: &Model) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::CacheDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let bytes = serde_json::to_vec(model)
        .map_err(|e| Error::Internal(format!("serialising the model: {e}")))?;
    write_atomic(path, &bytes).map_err(|err| match err {
        Error::Write { source, .. } => Error::CacheFile {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Serialises a model as JSON: pretty (two-space indent) or compact.
pub fn model_to_json(model: &Model, pretty: bool) -> Result<Vec<u8>> {
    let result = if pretty {
        serde_json::to_vec_pretty(model)
    } else {
        serde_json::to_vec(model)
    };
    let mut bytes = result.map_err(|e| Error::Internal(format!("serialising the model: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads a model file written by `attackmap map --out`.
pub fn read_model_file(path: &Path) -> Result<Model> {
    let bytes = read_bytes(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_model(path, &bytes)
}

#[derive(Deserialize)]
struct SchemaPeek {
    schema_version: Option<serde_json::Value>,
}

/// Parses model JSON, checking its schema version.
pub fn parse_model(path: &Path, bytes: &[u8]) -> Result<Model> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    match serde_json::from_slice::<Model>(bytes) {
        Ok(model) if model.schema_version == SCHEMA_VERSION => Ok(model),
        Ok(model) => Err(wrong_schema(path, &model.schema_version.to_string())),
        Err(err) => {
            use serde_json::error::Category;
            if matches!(err.classify(), Category::Syntax | Category::Eof) {
                return Err(Error::json(path, bytes, &err));
            }
            let peek: Option<SchemaPeek> = serde_json::from_slice(bytes).ok();
            match peek.and_then(|p| p.schema_version) {
                Some(v) if v != serde_json::json!(SCHEMA_VERSION) => {
                    Err(wrong_schema(path, &v.to_string()))
                }
                Some(_) => Err(Error::NotAModel {
                    path: path.to_path_buf(),
                    reason: format!(
                        "{} (line {}, column {})",
                        crate::error::strip_position(&err.to_string()),
                        err.line(),
                        err.column()
                    ),
                }),
                None => Err(Error::NotAModel {
                    path: path.to_path_buf(),
                    reason: not_a_model_reason(bytes),
                }),
            }
        }
    }
}

/// Why JSON without `schema_version` is not a model: what it is instead,
/// with the option that reads it.
fn not_a_model_reason(bytes: &[u8]) -> String {
    use crate::jsonkind::{JsonKind, json_kind};
    match json_kind(bytes) {
        JsonKind::StixBundle => {
            "it is a STIX bundle; read STIX bundles with --stix FILE (--model reads a model \
             written by `attackmap map --out`)"
                .to_string()
        }
        kind @ (JsonKind::NavigatorLayer | JsonKind::Context(_)) => format!(
            "it is {} (--model reads a model written by `attackmap map --out`)",
            kind.describe()
        ),
        _ => "no \"schema_version\" field".to_string(),
    }
}

fn wrong_schema(path: &Path, found: &str) -> Error {
    Error::NotAModel {
        path: path.to_path_buf(),
        reason: format!("schema_version {found}, this attackmap reads {SCHEMA_VERSION}"),
    }
}

/// Whether the file at `path` looks like an attackmap model (its JSON starts
/// with `"schema_version"`, as every model attackmap writes does).
pub fn looks_like_model_file(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 64];
    let Ok(n) = file.read(&mut head) else {
        return false;
    };
    let text = String::from_utf8_lossy(&head[..n]);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.strip_prefix('{')
        .map(|rest| rest.trim_start().starts_with("\"schema_version\""))
        .unwrap_or(false)
}
