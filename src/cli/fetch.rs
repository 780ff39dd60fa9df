//! `attackmap fetch`: download an official ATT&CK release, verify it against
//! the pinned SHA-256 and store it in the data directory.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use clap::Args;

use attackmap::error::{EXIT_OK, Result};
use attackmap::fetch::{DownloadOptions, FetchRequest, Progress, fetch_release};
use attackmap::releases::{ReleaseTable, VersionRequest, parse_domain};

use super::data::{DataDirArg, human_size};
use super::output::write_stdout;

/// The variable through which tests add a release of their own to the
/// pinned table (a file they serve on 127.0.0.1 under its real hash). Not
/// for normal use: attackmap warns whenever it is set.
pub const TEST_RELEASES_VAR: &str = "ATTACKMAP_TEST_RELEASES";

/// Options of `attackmap fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// ATT&CK domain: enterprise, mobile or ics (pre: STIX 2.0 only).
    #[arg(long, value_name = "DOMAIN", default_value = "enterprise")]
    pub domain: String,

    /// ATT&CK release to fetch, e.g. 18.1, or `latest` for the newest
    /// release in attackmap's pinned table.
    #[arg(long = "version", value_name = "VERSION", default_value = "latest")]
    pub attack_version: String,

    /// STIX version of the file. 2.1 (default): MITRE's attack-stix-data
    /// bundles, which name their release in an x-mitre-collection object.
    /// 2.0: the older mitre/cti bundles.
    #[arg(long, value_name = "VERSION", default_value = "2.1", value_parser = ["2.0", "2.1"])]
    pub stix_version: String,

    /// Download from this address instead of MITRE's (a mirror, e.g. inside
    /// an air-gapped network). The file is still verified against the pinned
    /// SHA-256 of the release.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    #[command(flatten)]
    pub data_dir: DataDirArg,

    /// Give up when connecting, or when no data arrives, for this many
    /// seconds.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,

    /// Download even if the release is stored and verified already.
    #[arg(long)]
    pub force: bool,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `attackmap fetch`.
pub fn run(args: &FetchArgs) -> Result<i32> {
    let table = release_table(args.quiet)?;
    let domain = parse_domain(&args.domain)?;
    let release = table.select(
        domain,
        &args.stix_version,
        &VersionRequest::parse(&args.attack_version),
    )?;
    let store = args.data_dir.store()?;
    let mut bar = ProgressLine::new(
        format!("fetching {release}"),
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let request = FetchRequest {
        release,
        url: args.url.as_deref(),
        force: args.force,
        options: DownloadOptions {
            timeout: args.timeout,
            ..DownloadOptions::default()
        },
    };
    let result = fetch_release(&store, &request, &mut |p| bar.update(p));
    bar.finish();
    let fetched = result?;
    if !args.quiet {
        if fetched.already_stored {
            eprintln!(
                "attackmap: {release} is already stored and verified (use --force to download it again)"
            );
        } else {
            eprintln!(
                "attackmap: fetched {release}, {}, SHA-256 verified",
                human_size(fetched.entry.size)
            );
        }
    }
    write_stdout(format!("{}\n", fetched.path.display()).as_bytes())?;
    Ok(EXIT_OK)
}

/// The pinned releases, plus those of [`TEST_RELEASES_VAR`] (one per line:
/// domain, STIX version, ATT&CK version, SHA-256, URL).
pub fn release_table(quiet: bool) -> Result<ReleaseTable> {
    let mut table = ReleaseTable::official();
    if let Some(lines) = std::env::var_os(TEST_RELEASES_VAR) {
        if !quiet {
            eprintln!(
                "attackmap: warning: {TEST_RELEASES_VAR} is set: adding test-only releases to the pinned table"
            );
        }
        for line in lines
            .to_string_lossy()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            table.add_line(line)?;
        }
    }
    Ok(table)
}

fn parse_seconds(text: &str) -> std::result::Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "'{text}' is not a number of seconds between 0 and 86400"
        )),
    }
}

/// A progress line on stderr, redrawn in place at most every 100 ms; drawn
/// only when stderr is a terminal.
struct ProgressLine {
    label: String,
    enabled: bool,
    last_draw: Option<Instant>,
    width: usize,
}

impl ProgressLine {
    fn new(label: String, enabled: bool) -> Self {
        ProgressLine {
            label,
            enabled,
            last_draw: None,
            width: 0,
        }
    }

    fn update(&mut self, progress: Progress) {
        if !self.enabled
            || self
                .last_draw
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let amount = match progress.total {
            Some(total) if total > 0 => format!(
                "{} of {} ({}%)",
                human_size(progress.received),
                human_size(total),
                progress.received * 100 / total
            ),
            _ => human_size(progress.received),
        };
        let line = format!("attackmap: {}: {amount}", self.label);
        let pad = self.width.saturating_sub(line.chars().count());
        self.width = self.width.max(line.chars().count());
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r{line}{}", " ".repeat(pad));
        let _ = stderr.flush();
    }

    /// Clears the line.
    fn finish(&mut self) {
        if self.enabled && self.width > 0 {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r{}\r", " ".repeat(self.width));
            let _ = stderr.flush();
        }
    }
}
