//! `attackmap fetch` against HTTP servers on 127.0.0.1 that the tests start
//! themselves: no test touches the network. The served file is the example
//! bundle, added to the pinned table as a test-only release through
//! `ATTACKMAP_TEST_RELEASES`.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use attackmap::loading::sha256_hex;
use common::{attackmap, expect_bad_input, expect_success, fixture, stderr, stdout, tree};

/// What the test server answers to one request.
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 200 announcing `claimed` bytes, sending `body`, then closing.
    Truncated { body: Vec<u8>, claimed: usize },
    /// This status with a short body.
    Status(u16, &'static str),
    /// Nothing at all for this long, then close.
    Silent(Duration),
    /// Headers and the first half of the body, then nothing for this long.
    StallInBody(Vec<u8>, Duration),
    /// Only for CONNECT: accept the tunnel, then answer the request sent
    /// through it like an origin server.
    Tunnel,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (one thread per connection, every
/// response `Connection: close`). It records each request line, answers
/// with `route(request line)` and stops when dropped.
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a port on 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let route = Arc::new(route);
        let accept = {
            let (requests, stop) = (requests.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (requests, route) = (requests.clone(), route.clone());
                    thread::spawn(move || serve(stream, &requests, &*route));
                }
            })
        };
        Server {
            addr,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Reads one request head; returns its first line.
fn read_head(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
    }
    let first = first.trim_end().to_string();
    (!first.is_empty()).then_some(first)
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<String>>, route: &dyn Fn(&str) -> Reply) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let Some(mut line) = read_head(&mut reader) else {
        return;
    };
    requests.lock().unwrap().push(line.clone());
    let mut reply = route(&line);
    if matches!(reply, Reply::Tunnel) {
        let _ = writer.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let Some(inner) = read_head(&mut reader) else {
            return;
        };
        requests.lock().unwrap().push(inner.clone());
        line = inner;
        reply = route(&line);
    }
    let head = |status: &str, length: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    let _ = match reply {
        Reply::Body(body) => writer
            .write_all(head("200 OK", body.len()).as_bytes())
            .and_then(|()| writer.write_all(&body)),
        Reply::Truncated { body, claimed } => writer
            .write_all(head("200 OK", claimed).as_bytes())
            .and_then(|()| writer.write_all(&body)),
        Reply::Status(code, text) => {
            let body = format!("{code} {text}\n");
            writer
                .write_all(head(&format!("{code} {text}"), body.len()).as_bytes())
                .and_then(|()| writer.write_all(body.as_bytes()))
        }
        Reply::Silent(wait) => {
            thread::sleep(wait);
            Ok(())
        }
        Reply::StallInBody(body, wait) => {
            let result = writer
                .write_all(head("200 OK", body.len()).as_bytes())
                .and_then(|()| writer.write_all(&body[..body.len() / 2]))
                .and_then(|()| writer.flush());
            thread::sleep(wait);
            result
        }
        Reply::Tunnel => Ok(()),
    };
    let _ = writer.flush();
    // Let the client read everything before the socket closes.
    let _ = writer.shutdown(std::net::Shutdown::Write);
    let _ = reader.read(&mut [0u8; 1]);
}

/// The proxy variables, cleared for every run so that the machine's
/// settings do not route these requests.
const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A temporary data and cache directory, and the served bundle.
struct Setup {
    _temp: tempfile::TempDir,
    data: PathBuf,
    cache: PathBuf,
    bundle: Vec<u8>,
}

impl Setup {
    fn new() -> Setup {
        let temp = tempfile::tempdir().unwrap();
        Setup {
            data: temp.path().join("data"),
            cache: temp.path().join("cache"),
            _temp: temp,
            bundle: fs::read(fixture("example/attackmap-example.json")).unwrap(),
        }
    }

    fn sha256(&self) -> String {
        sha256_hex(&self.bundle)
    }

    /// The test-only release: enterprise 99.0 in STIX 2.1, the example
    /// bundle's hash, published at `url`.
    fn release(&self, url: &str) -> String {
        format!("enterprise-attack 2.1 99.0 {} {url}", self.sha256())
    }

    /// `attackmap` with no proxy, the temporary directories and a test
    /// release published at `url`.
    fn command(&self, url: &str) -> Command {
        let mut command = attackmap();
        for var in PROXY_VARS {
            command.env_remove(var);
        }
        command
            .env("ATTACKMAP_TEST_RELEASES", self.release(url))
            .env("ATTACKMAP_DATA_DIR", &self.data)
            .env("ATTACKMAP_CACHE_DIR", &self.cache);
        command
    }

    fn run(&self, url: &str, args: &[&str]) -> Output {
        self.command(url)
            .args(args)
            .output()
            .expect("runs attackmap")
    }

    fn stored_path(&self) -> PathBuf {
        self.data
            .join("enterprise-attack")
            .join("2.1")
            .join("enterprise-attack-99.0.json")
    }

    /// Every file below the data directory, relative, sorted.
    fn files(&self) -> Vec<String> {
        let mut found = Vec::new();
        walk(&self.data, &self.data, &mut found);
        found.sort();
        found
    }
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, found);
        } else {
            found.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[test]
fn fetch_stores_verifies_indexes_and_becomes_the_default() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let server = Server::start(move |_| Reply::Body(bundle.clone()));
    let url = server.url("/enterprise-attack/enterprise-attack-99.0.json");

    let out = setup.run(&url, &["fetch", "--version", "latest"]);
    expect_success(&out);
    assert_eq!(
        stdout(&out).trim(),
        setup.stored_path().display().to_string()
    );
    let err = stderr(&out);
    assert!(err.contains("ATTACKMAP_TEST_RELEASES is set"), "{err}");
    assert!(
        err.contains("fetched enterprise-attack 99.0 (STIX 2.1)")
            && err.contains("SHA-256 verified"),
        "{err}"
    );
    assert!(
        !err.contains('\r'),
        "no progress line when stderr is no terminal: {err:?}"
    );
    assert_eq!(fs::read(setup.stored_path()).unwrap(), setup.bundle);
    assert_eq!(
        server.requests(),
        vec!["GET /enterprise-attack/enterprise-attack-99.0.json HTTP/1.1"]
    );
    assert_eq!(
        setup.files(),
        vec![
            "enterprise-attack/2.1/enterprise-attack-99.0.json",
            "index.json"
        ],
        "no temporary file is left"
    );

    // The index and `data list`.
    let out = setup.run(&url, &["data", "list", "--format", "json"]);
    expect_success(&out);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entry = &listed[0];
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(entry["domain"], "enterprise-attack");
    assert_eq!(entry["attack_version"], "99.0");
    assert_eq!(entry["stix_version"], "2.1");
    assert_eq!(entry["verified"], true);
    assert_eq!(entry["default"], true);
    assert_eq!(entry["state"], "ok");
    assert_eq!(entry["sha256"], setup.sha256());
    assert_eq!(entry["size"], setup.bundle.len());
    assert_eq!(entry["source"], url.as_str());
    let out = setup.run(&url, &["data", "list"]);
    expect_success(&out);
    let table = stdout(&out);
    assert!(
        table.contains("enterprise-attack  99.0     2.1   yes       *"),
        "{table}"
    );

    // A command given no --stix now reads the stored release.
    let out = setup.run(&url, &["map"]);
    expect_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "using the stored enterprise-attack 99.0 (STIX 2.1): {}",
            setup.stored_path().display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "source: {} — enterprise-attack",
            setup.stored_path().display()
        )),
        "{err}"
    );
    assert!(!err.contains("example bundle"), "{err}");

    // Fetching again downloads nothing.
    let out = setup.run(&url, &["fetch", "--version", "99"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("already stored and verified"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_truncated_download_never_replaces_good_data() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let good = Server::start(move |_| Reply::Body(bundle.clone()));
    let url = good.url("/enterprise-attack-99.0.json");
    expect_success(&setup.run(&url, &["fetch"]));
    let index_before = fs::read(setup.data.join("index.json")).unwrap();

    let half = setup.bundle[..setup.bundle.len() / 2].to_vec();
    let claimed = setup.bundle.len();
    let bad = Server::start(move |_| Reply::Truncated {
        body: half.clone(),
        claimed,
    });
    let bad_url = bad.url("/enterprise-attack-99.0.json");
    let out = setup.run(&url, &["fetch", "--force", "--url", &bad_url]);
    let err = expect_bad_input(&out);
    assert!(err.contains(&bad_url), "{err}");
    assert!(
        err.contains(&format!(
            "download incomplete: received {} of {} bytes; nothing was stored",
            claimed / 2,
            claimed
        )),
        "{err}"
    );
    assert_eq!(fs::read(setup.stored_path()).unwrap(), setup.bundle);
    assert_eq!(
        fs::read(setup.data.join("index.json")).unwrap(),
        index_before
    );
    assert_eq!(
        setup.files(),
        vec![
            "enterprise-attack/2.1/enterprise-attack-99.0.json",
            "index.json"
        ],
        "no temporary file is left"
    );
}

#[test]
fn a_missing_file_is_an_error_naming_the_address_and_status() {
    let setup = Setup::new();
    let server = Server::start(|_| Reply::Status(404, "Not Found"));
    let url = server.url("/nowhere/enterprise-attack-99.0.json");
    let out = setup.run(&url, &["fetch"]);
    let err = expect_bad_input(&out);
    assert!(
        err.contains(&format!("{url}: download failed: HTTP 404 Not Found")),
        "{err}"
    );
    assert!(!setup.data.exists(), "{:?}", setup.files());
}

#[test]
fn a_wrong_hash_is_an_error_naming_both_hashes_and_stores_nothing() {
    let setup = Setup::new();
    let mut other = setup.bundle.clone();
    other.extend_from_slice(b"\n");
    let other_hash = sha256_hex(&other);
    let server = Server::start(move |_| Reply::Body(other.clone()));
    let url = server.url("/enterprise-attack-99.0.json");
    let out = setup.run(&url, &["fetch"]);
    let err = expect_bad_input(&out);
    assert!(
        err.contains(&format!(
            "{url}: SHA-256 mismatch for enterprise-attack 99.0 (STIX 2.1): expected {}, got {other_hash}; nothing was stored",
            setup.sha256()
        )),
        "{err}"
    );
    assert!(!setup.data.exists(), "{:?}", setup.files());
}

#[test]
fn a_silent_server_times_out() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let server = Server::start(move |line| {
        if line.contains("/stall-in-body") {
            Reply::StallInBody(bundle.clone(), Duration::from_secs(4))
        } else {
            Reply::Silent(Duration::from_secs(4))
        }
    });
    for (path, during) in [
        ("/silent.json", "waiting for the response"),
        ("/stall-in-body.json", "reading the response body"),
    ] {
        let url = server.url(path);
        let started = Instant::now();
        let out = setup.run(&url, &["fetch", "--timeout", "0.5"]);
        let elapsed = started.elapsed();
        let err = expect_bad_input(&out);
        assert!(
            err.contains(&format!(
                "{url}: download timed out: nothing received for 0.5 s while {during}"
            )),
            "{err}"
        );
        assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
        assert!(setup.files().is_empty(), "{:?}", setup.files());
    }
}

#[test]
fn http_proxy_from_the_environment_is_used_for_a_mirror() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let proxy = Server::start(move |line| {
        if line.starts_with("CONNECT ") {
            Reply::Tunnel
        } else {
            Reply::Body(bundle.clone())
        }
    });
    let mirror = "http://mirror.attackmap.invalid/attack/enterprise-attack-99.0.json";
    let out = setup
        .command("https://example.invalid/never-used.json")
        .env("HTTP_PROXY", proxy.url(""))
        .args(["fetch", "--url", mirror, "--timeout", "5"])
        .output()
        .unwrap();
    expect_success(&out);
    assert_eq!(
        proxy.requests(),
        vec![
            "CONNECT mirror.attackmap.invalid:80 HTTP/1.1",
            "GET /attack/enterprise-attack-99.0.json HTTP/1.1"
        ]
    );
    assert_eq!(fs::read(setup.stored_path()).unwrap(), setup.bundle);
}

#[test]
fn https_proxy_from_the_environment_carries_the_pinned_address() {
    let setup = Setup::new();
    let proxy = Server::start(|_| Reply::Status(403, "Forbidden"));
    // The real pinned address of ics-attack 18.1: the proxy refuses, so no
    // request leaves this machine.
    let out = setup
        .command("http://127.0.0.1:1/unused.json")
        .env("https_proxy", proxy.url(""))
        .args([
            "fetch",
            "--domain",
            "ics",
            "--version",
            "18.1",
            "--timeout",
            "5",
        ])
        .output()
        .unwrap();
    let err = expect_bad_input(&out);
    assert_eq!(
        proxy.requests(),
        vec!["CONNECT raw.githubusercontent.com:443 HTTP/1.1"]
    );
    assert!(
        err.contains("https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/ics-attack/ics-attack-18.1.json: download failed"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "through the proxy {} from https_proxy",
            proxy.url("")
        )),
        "{err}"
    );
    assert!(setup.files().is_empty(), "{:?}", setup.files());
}

#[test]
fn bad_fetch_options_are_usage_errors() {
    let setup = Setup::new();
    let url = "http://127.0.0.1:1/x.json";
    for (args, expected) in [
        (
            vec!["fetch", "--domain", "cloud"],
            "unknown ATT&CK domain 'cloud'",
        ),
        (
            vec!["fetch", "--domain", "ics", "--version", "18.7"],
            "no official release 18.7 of ics-attack in STIX 2.1; known versions:",
        ),
        (vec!["fetch", "--domain", "pre"], "try --stix-version 2.0"),
        (
            vec!["fetch", "--url", "ftp://mirror/x.json"],
            "must start with http:// or https://",
        ),
        (vec!["fetch", "--timeout", "0"], "--timeout"),
        (vec!["fetch", "--stix-version", "2.2"], "--stix-version"),
    ] {
        let out = setup.run(url, &args);
        let err = expect_bad_input(&out);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert!(setup.files().is_empty(), "{:?}", setup.files());
}

#[test]
fn a_failed_fetch_leaves_the_data_directory_as_it_was() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let mut wrong = setup.bundle.clone();
    wrong.extend_from_slice(b"\n");
    let server = Server::start(move |line| {
        if line.contains("/good") {
            Reply::Body(bundle.clone())
        } else if line.contains("/wrong") {
            Reply::Body(wrong.clone())
        } else {
            Reply::Status(404, "Not Found")
        }
    });
    let failing = [
        server.url("/missing.json"),
        server.url("/wrong.json"),
        // Nothing listens on port 1: a network error.
        "http://127.0.0.1:1/refused.json".to_string(),
    ];

    // No data directory yet: none afterwards.
    for url in &failing {
        expect_bad_input(&setup.run(url, &["fetch", "--timeout", "5"]));
        assert!(!setup.data.exists(), "{url}: {:?}", tree(&setup.data));
    }

    // With a stored release, a failed fetch of another STIX version keeps
    // the directories that were there and removes the ones it made.
    let good = server.url("/good.json");
    expect_success(&setup.run(&good, &["fetch"]));
    let before = tree(&setup.data);
    assert_eq!(
        before,
        vec![
            "enterprise-attack/",
            "enterprise-attack/2.1/",
            "enterprise-attack/2.1/enterprise-attack-99.0.json",
            "index.json"
        ]
    );
    for url in &failing {
        let out = setup
            .command(url)
            .env(
                "ATTACKMAP_TEST_RELEASES",
                format!("enterprise-attack 2.0 99.0 {} {url}", setup.sha256()),
            )
            .args(["fetch", "--stix-version", "2.0", "--timeout", "5"])
            .output()
            .unwrap();
        expect_bad_input(&out);
        assert_eq!(tree(&setup.data), before, "{url}");
    }
}

#[test]
fn a_changed_stored_release_is_refused_until_fetched_again() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let server = Server::start(move |_| Reply::Body(bundle.clone()));
    let url = server.url("/enterprise-attack-99.0.json");
    expect_success(&setup.run(&url, &["fetch"]));

    // One space of indentation becomes a tab: the same size, still JSON.
    let mut edited = setup.bundle.clone();
    let at = edited.windows(2).position(|w| w == b"\n ").unwrap() + 1;
    edited[at] = b'\t';
    fs::write(setup.stored_path(), &edited).unwrap();
    let err = expect_bad_input(&setup.run(&url, &["map"]));
    assert!(
        err.contains(&format!(
            "{}: the stored enterprise-attack 99.0 (STIX 2.1) has changed since it was stored (its SHA-256 is {}, it was {} (same size, modified since)); refusing to use it.",
            setup.stored_path().display(),
            sha256_hex(&edited),
            setup.sha256()
        )) && err.contains(
            "attackmap fetch --domain enterprise --version 99.0 --stix-version 2.1 --force"
        ),
        "{err}"
    );
    let out = setup.run(&url, &["data", "list", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&expect_success(&out)).unwrap();
    assert_eq!(listed[0]["state"], "changed");

    // `fetch` sees that the stored file is not the release and downloads it.
    let out = setup.run(&url, &["fetch"]);
    expect_success(&out);
    assert!(
        stderr(&out).contains("fetched enterprise-attack 99.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(fs::read(setup.stored_path()).unwrap(), setup.bundle);
    expect_success(&setup.run(&url, &["map", "--quiet"]));
}

#[test]
fn concurrent_fetches_into_one_data_directory_keep_both_entries() {
    let setup = Setup::new();
    let bundle = setup.bundle.clone();
    let server = Server::start(move |_| Reply::Body(bundle.clone()));
    let releases: Vec<(String, String)> = ["97.0", "98.0", "99.0"]
        .iter()
        .flat_map(|v| ["2.0", "2.1"].map(|s| (v.to_string(), s.to_string())))
        .collect();
    let table: String = releases
        .iter()
        .map(|(v, s)| {
            format!(
                "enterprise-attack {s} {v} {} {}\n",
                setup.sha256(),
                server.url(&format!("/{v}/{s}.json"))
            )
        })
        .collect();
    let children: Vec<_> = releases
        .iter()
        .map(|(v, s)| {
            setup
                .command("unused")
                .env("ATTACKMAP_TEST_RELEASES", &table)
                .args(["fetch", "--quiet", "--version", v, "--stix-version", s])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        expect_success(&child.wait_with_output().unwrap());
    }
    let out = setup.run("unused", &["data", "list", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&expect_success(&out)).unwrap();
    let mut stored: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["attack_version"].as_str().unwrap().to_string(),
                e["stix_version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(stored, releases);
    assert_eq!(server.requests().len(), 6);
    assert!(!setup.data.join("index.lock").exists());
}
