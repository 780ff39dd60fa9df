//! Downloading official ATT&CK releases into the data store: over HTTP or
//! HTTPS, through the proxy the environment names, with timeouts, into a
//! temporary file that replaces the stored file only once its SHA-256 is the
//! pinned one.
//!
//! The HTTP client is [ureq](https://docs.rs/ureq) with rustls: blocking
//! (attackmap has no async runtime), small, and TLS without system
//! libraries. Proxies are chosen here rather than by ureq, the way curl does
//! it (see [`proxy_for`]), so that `HTTPS_PROXY` applies to `https://`
//! addresses and `HTTP_PROXY` to `http://` ones.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::datastore::{DataStore, Entry, FileState, now_rfc3339};
use crate::error::{Error, Result};
use crate::fsutil::{CreatedDirs, STALE_TEMP_AGE, TempFile, remove_stale_temp_files};
use crate::loading::{hex, sha256_hex};
use crate::releases::Release;

/// How a download behaves.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// The longest wait to connect, and for each read of the response: a
    /// server that sends nothing for this long is given up on.
    pub timeout: Duration,
    /// The largest response accepted (official releases are below 100 MB).
    pub max_bytes: u64,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            timeout: Duration::from_secs(30),
            max_bytes: 1 << 30,
        }
    }
}

/// How far a download has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes received so far.
    pub received: u64,
    /// Bytes expected in all, when the server said so.
    pub total: Option<u64>,
}

/// A file that was downloaded and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Where it is now.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex (the expected one).
    pub sha256: String,
}

/// What [`fetch_release`] should fetch.
#[derive(Debug, Clone)]
pub struct FetchRequest<'a> {
    /// The release, with its pinned SHA-256 and address.
    pub release: &'a Release,
    /// Download from this address instead of the release's (a mirror).
    pub url: Option<&'a str>,
    /// Download even when the release is stored already.
    pub force: bool,
    /// Timeouts and limits.
    pub options: DownloadOptions,
}

/// The outcome of [`fetch_release`].
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The index entry of the stored release.
    pub entry: Entry,
    /// Where the file is.
    pub path: PathBuf,
    /// The release was stored and verified already; nothing was downloaded.
    pub already_stored: bool,
}

/// Fetches a release into the store: unless it is already there (same
/// SHA-256) or `force` is set, downloads it into a temporary file and verifies its SHA-256,
/// then moves it into place and records it in the index as verified, both
/// while holding the index lock. A failed fetch leaves the data directory as
/// it was: no temporary file, no entry, and none of the directories it
/// created.
pub fn fetch_release(
    store: &DataStore,
    request: &FetchRequest<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Fetched> {
    let release = request.release;
    let url = request.url.unwrap_or(&release.url);
    let entry = Entry {
        domain: release.domain.clone(),
        stix_version: release.stix_version.clone(),
        attack_version: release.attack_version.clone(),
        file: DataStore::release_file(release),
        sha256: release.sha256.to_ascii_lowercase(),
        size: 0,
        modified: None,
        verified: true,
        source: url.to_string(),
        added: now_rfc3339(),
    };
    let path = store.path_of(&entry)?;
    // A broken index is reported before a long download, not after it.
    let stored = store.entries()?;
    if !request.force {
        if let Some(entry) = stored_already(store, stored, &entry, &path)? {
            return Ok(Fetched {
                entry,
                path,
                already_stored: true,
            });
        }
    }

    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("{}: no parent directory", path.display())))?;
    // Directories this fetch creates are removed again if it fails.
    let created = CreatedDirs::create(dir)?;
    remove_stale_temp_files(dir, STALE_TEMP_AGE);
    let (temp, downloaded) = download_to_temp(
        url,
        &release.sha256,
        &release.to_string(),
        &path,
        &request.options,
        progress,
    )?;
    let entry = store.install(
        temp,
        Entry {
            size: downloaded.size,
            added: now_rfc3339(),
            ..entry
        },
    )?;
    created.keep();
    Ok(Fetched {
        entry,
        path,
        already_stored: false,
    })
}

/// The entry of the release when its file is stored with the release's
/// SHA-256 already: the recorded entry when the file is as recorded, else
/// (a file in place that the index does not name, or names with other
/// content) the file is hashed and, if it is the release, recorded.
fn stored_already(
    store: &DataStore,
    stored: Vec<Entry>,
    entry: &Entry,
    path: &Path,
) -> Result<Option<Entry>> {
    let recorded = stored
        .into_iter()
        .find(|e| e.file == entry.file && e.sha256.eq_ignore_ascii_case(&entry.sha256));
    if let Some(recorded) = recorded {
        if store.file_state(&recorded) == FileState::Present {
            return Ok(Some(recorded));
        }
    }
    match fs::read(path) {
        Ok(bytes) if sha256_hex(&bytes).eq_ignore_ascii_case(&entry.sha256) => {
            store.record_present(entry.clone()).map(Some)
        }
        _ => Ok(None),
    }
}

/// Downloads `url` into a temporary file beside `target` (which must be in
/// an existing directory), hashed on the way, and returns it only when the
/// whole response arrived and its SHA-256 is `expected_sha256`, for the
/// caller to move into place (the file is removed if the caller drops it
/// instead). On any error the temporary file is removed and `target` is left
/// as it was. `release` names what is fetched in a hash-mismatch error.
fn download_to_temp(
    url: &str,
    expected_sha256: &str,
    release: &str,
    target: &Path,
    options: &DownloadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<(TempFile, Downloaded)> {
    let uri = parse_url(url)?;
    let proxy = proxy_for(&uri, &|name| std::env::var(name).ok());
    let context = Context {
        url,
        timeout: options.timeout,
        proxy: proxy
            .as_ref()
            .map(|p| format!("{} from {}", p.address, p.variable)),
    };
    let agent = agent(options, proxy.as_ref())?;

    let response = agent
        .get(url)
        .call()
        .map_err(|e| context.error(e, "waiting for the response"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::HttpStatus {
            url: url.to_string(),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or_default().to_string(),
        });
    }
    let encoded = response
        .headers()
        .contains_key(ureq::http::header::CONTENT_ENCODING);
    let body = response.into_body();
    // With a content encoding (gzip) the announced length is of the
    // compressed bytes, not of what the reader gives.
    let total = body.content_length().filter(|_| !encoded);
    let mut reader = body.into_with_config().limit(options.max_bytes).reader();

    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = TempFile::create(dir, target)?;
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    progress(Progress { received, total });
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                return Err(context.body_error(err, received, total, options.max_bytes));
            }
        };
        hasher.update(&buffer[..n]);
        temp.write(&buffer[..n])?;
        received += n as u64;
        progress(Progress { received, total });
    }
    if let Some(expected) = total.filter(|t| *t != received) {
        return Err(Error::Truncated {
            url: url.to_string(),
            received,
            expected,
        });
    }
    let actual = hex(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(expected_sha256) {
        return Err(Error::HashMismatch {
            source_name: url.to_string(),
            release: release.to_string(),
            expected: expected_sha256.to_ascii_lowercase(),
            actual,
        });
    }
    let downloaded = Downloaded {
        path: target.to_path_buf(),
        size: received,
        sha256: actual,
    };
    Ok((temp, downloaded))
}

fn parse_url(url: &str) -> Result<ureq::http::Uri> {
    let invalid = |why: &str| Error::Invalid(format!("'{url}' is not a usable address: {why}"));
    if let Some(path) = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("file://"))
        .map(|_| &url[7..])
    {
        return Err(invalid(&format!(
            "fetch downloads over http(s); to store a local file run `attackmap data add {path}`"
        )));
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| invalid("cannot parse it"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(invalid("it must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("it names no host"));
    }
    Ok(uri)
}

fn agent(options: &DownloadOptions, proxy: Option<&ProxyChoice>) -> Result<ureq::Agent> {
    let proxy = match proxy {
        None => None,
        Some(choice) => Some(ureq::Proxy::new(&choice.address).map_err(|_| {
            Error::Invalid(format!(
                "{}: '{}' is not a usable proxy address (expected e.g. http://proxy.example:3128)",
                choice.variable, choice.address
            ))
        })?),
    };
    let timeout = Some(options.timeout);
    let config = ureq::Agent::config_builder()
        .proxy(proxy)
        .http_status_as_error(false)
        .user_agent(format!("attackmap/{}", env!("CARGO_PKG_VERSION")))
        .timeout_resolve(timeout)
        .timeout_connect(timeout)
        .timeout_per_read(timeout)
        .timeout_per_write(timeout)
        .build();
    Ok(config.into())
}

/// The proxy a request goes through, and the variable that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    /// The proxy's address as the variable gives it.
    pub address: String,
    /// `HTTPS_PROXY`, `http_proxy`, …
    pub variable: &'static str,
}

/// The proxy for a request to `uri`, from the environment as `env` reads it:
/// for `https://` addresses `https_proxy`, `HTTPS_PROXY`, then `all_proxy`,
/// `ALL_PROXY`; for `http://` addresses `http_proxy`, `HTTP_PROXY`, then the
/// same two. None when the host is listed in `no_proxy` / `NO_PROXY`
/// (comma-separated host names or domain suffixes, `*` for every host).
pub fn proxy_for(
    uri: &ureq::http::Uri,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<ProxyChoice> {
    let variables: &[&'static str] = match uri.scheme_str() {
        Some("https") => &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
        _ => &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
    };
    let host = uri.host()?;
    let no_proxy = env("no_proxy").or_else(|| env("NO_PROXY"));
    if no_proxy.is_some_and(|list| no_proxy_matches(&list, host)) {
        return None;
    }
    variables.iter().find_map(|variable| {
        env(variable)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .map(|address| ProxyChoice { address, variable })
    })
}

/// Whether a `NO_PROXY` list names `host`: an entry matches the host itself
/// and every host below it (`example.org`, `.example.org` and
/// `*.example.org` all match `mirror.example.org`); `*` matches every host.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = entry
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or(entry);
            // `host:port` entries: the port is not compared.
            let entry = match entry.rsplit_once(':') {
                Some((name, port))
                    if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    name
                }
                _ => entry,
            };
            host == entry || host.ends_with(&format!(".{entry}"))
        })
}

/// What error messages of one download say besides the error.
struct Context<'a> {
    url: &'a str,
    timeout: Duration,
    proxy: Option<String>,
}

impl Context<'_> {
    fn download(&self, reason: String) -> Error {
        let reason = match &self.proxy {
            Some(proxy) => format!("{reason} (through the proxy {proxy})"),
            None => reason,
        };
        Error::Download {
            url: self.url.to_string(),
            reason,
        }
    }

    /// A failure to reach the server: says what to do without a network.
    fn unreachable(&self, reason: String) -> Error {
        if self.proxy.is_some() {
            return self.download(reason);
        }
        self.download(format!(
            "{reason}; without direct access set HTTPS_PROXY, fetch from a mirror with --url, or import a copied file with `attackmap data add FILE`"
        ))
    }

    fn timeout(&self, during: &str) -> Error {
        Error::Timeout {
            url: self.url.to_string(),
            seconds: self.timeout.as_secs_f64(),
            during: during.to_string(),
        }
    }

    /// An error of the request, before the body; `during` says what was
    /// going on when a per-read timeout struck.
    fn error(&self, err: ureq::Error, during: &str) -> Error {
        use ureq::Timeout as T;
        let reading = during.contains("body");
        match err {
            ureq::Error::Timeout(T::Resolve) => self.timeout("looking up the host"),
            ureq::Error::Timeout(T::Connect) => self.timeout("connecting"),
            ureq::Error::Timeout(T::SendRequest | T::PerWrite) => {
                self.timeout("sending the request")
            }
            ureq::Error::Timeout(T::RecvBody) => self.timeout("reading the response body"),
            ureq::Error::Timeout(_) => self.timeout(during),
            ureq::Error::Io(e) if e.kind() == io::ErrorKind::TimedOut => self.timeout(during),
            ureq::Error::Io(e) if reading => self.download(e.to_string()),
            ureq::Error::Io(e) => self.unreachable(e.to_string()),
            ureq::Error::HostNotFound => self.unreachable("host not found".into()),
            ureq::Error::ConnectionFailed => self.unreachable("could not connect".into()),
            ureq::Error::ConnectProxyFailed(reason) => {
                let hint = if reason.contains("407") {
                    "; the proxy wants credentials: put them in its address, http://user:password@host:port"
                } else {
                    ""
                };
                self.download(format!("the proxy refused: {reason}{hint}"))
            }
            ureq::Error::Tls(reason) => self.download(format!("TLS: {reason}")),
            other => self.download(other.to_string()),
        }
    }

    /// An error while reading the body.
    fn body_error(&self, err: io::Error, received: u64, total: Option<u64>, limit: u64) -> Error {
        match ureq::Error::from(err) {
            ureq::Error::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => match total {
                Some(expected) => Error::Truncated {
                    url: self.url.to_string(),
                    received,
                    expected,
                },
                None => self.download(format!(
                    "the connection closed after {received} bytes, before the end of the response"
                )),
            },
            ureq::Error::BodyExceedsLimit(_) => {
                self.download(format!("the response is larger than {limit} bytes"))
            }
            other => self.error(other, "reading the response body"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(url: &str) -> ureq::http::Uri {
        parse_url(url).unwrap()
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn proxies_follow_the_scheme_and_no_proxy() {
        let env = env_of(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "http://plain:3128"),
            ("NO_PROXY", "localhost, .internal.example, mirror.corp:8080"),
        ]);
        let https = proxy_for(&uri("https://raw.githubusercontent.com/x.json"), &env).unwrap();
        assert_eq!(https.address, "http://secure:3128");
        assert_eq!(https.variable, "HTTPS_PROXY");
        let http = proxy_for(&uri("http://example.org/x.json"), &env).unwrap();
        assert_eq!(http.variable, "http_proxy");
        assert_eq!(proxy_for(&uri("http://localhost:1/x"), &env), None);
        assert_eq!(proxy_for(&uri("https://a.internal.example/x"), &env), None);
        assert_eq!(proxy_for(&uri("http://mirror.corp/x"), &env), None);
        assert!(proxy_for(&uri("http://notmirror.corp/x"), &env).is_some());

        let all = env_of(&[("ALL_PROXY", "http://all:1"), ("no_proxy", "*")]);
        assert_eq!(proxy_for(&uri("https://x.org/"), &all), None);
        let all = env_of(&[("ALL_PROXY", "http://all:1")]);
        assert_eq!(
            proxy_for(&uri("https://x.org/"), &all).unwrap().variable,
            "ALL_PROXY"
        );
        assert_eq!(proxy_for(&uri("https://x.org/"), &env_of(&[])), None);
    }

    #[test]
    fn only_http_addresses_are_accepted() {
        for bad in ["ftp://x/y", "/tmp/file.json", "x", "http://"] {
            let err = parse_url(bad).unwrap_err().to_string();
            assert!(err.contains("not a usable address"), "{bad}: {err}");
        }
        let err = parse_url("FILE:///srv/mirror/ics-attack-18.1.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("run `attackmap data add /srv/mirror/ics-attack-18.1.json`"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_download_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("data.json");
        fs::write(&target, b"good").unwrap();
        // Port 1 on the loopback address: nothing listens there.
        let err = download_to_temp(
            "http://127.0.0.1:1/data.json",
            &"0".repeat(64),
            "test",
            &target,
            &DownloadOptions {
                timeout: Duration::from_secs(5),
                ..DownloadOptions::default()
            },
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, Error::Download { .. }), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"good");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
