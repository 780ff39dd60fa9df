//! Facts about official ATT&CK releases, embedded in the binary: the pinned
//! table of every published file (domain, STIX version, ATT&CK version,
//! SHA-256, address) and the publication dates attackmap uses to infer the
//! release of a bundle that does not say which release it is.

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// One official, published ATT&CK release file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedRelease {
    /// `enterprise-attack`, `mobile-attack`, `ics-attack` or `pre-attack`.
    pub domain: &'static str,
    /// `2.0` or `2.1`.
    pub stix_version: &'static str,
    /// ATT&CK release, e.g. `18.1`.
    pub attack_version: &'static str,
    /// SHA-256 of the published file, lower-case hex.
    pub sha256: &'static str,
    /// Where MITRE publishes it.
    pub url: &'static str,
}

const PINNED_TSV: &str = include_str!("pinned_releases.tsv");

/// Every pinned release, in the order of the table.
pub fn pinned_releases() -> &'static [PinnedRelease] {
    static TABLE: OnceLock<Vec<PinnedRelease>> = OnceLock::new();
    TABLE.get_or_init(|| {
        PINNED_TSV
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| {
                let mut cols = line.split('\t');
                Some(PinnedRelease {
                    domain: cols.next()?,
                    stix_version: cols.next()?,
                    attack_version: cols.next()?,
                    sha256: cols.next()?,
                    url: cols.next()?,
                })
            })
            .collect()
    })
}

/// The pinned release whose published file has this SHA-256, if any.
pub fn release_by_sha256(sha256_hex: &str) -> Option<&'static PinnedRelease> {
    pinned_releases()
        .iter()
        .find(|r| r.sha256.eq_ignore_ascii_case(sha256_hex))
}

/// Publication dates (UTC, `YYYY-MM-DD`) of the releases whose date
/// attackmap knows, oldest first. Used only to infer the release of a bundle
/// that carries no `x-mitre-collection` and is not a pinned file (for
/// example one joined from the per-object files of mitre/cti).
const RELEASE_DATES: &[(&str, &str)] = &[
    ("14.0", "2023-10-31"),
    ("14.1", "2023-11-14"),
    ("15.0", "2024-04-23"),
    ("15.1", "2024-05-02"),
    ("16.0", "2024-10-31"),
    ("16.1", "2024-11-12"),
    ("17.0", "2025-04-22"),
    ("17.1", "2025-05-06"),
    ("18.0", "2025-10-28"),
    ("18.1", "2025-11-13"),
];

/// Objects modified before this day may belong to a release older than the
/// table, so no inference is made for them.
const TABLE_COVERS_FROM: &str = "2023-06-01";

/// Infers the ATT&CK release from the newest `modified` timestamp in a
/// bundle: the first release published on or after that day. `None` when the
/// timestamp is older than the table or newer than its last release.
pub fn infer_release_from_modified(newest_modified: &str) -> Option<&'static str> {
    let day = newest_modified.get(..10)?;
    if day < TABLE_COVERS_FROM {
        return None;
    }
    RELEASE_DATES
        .iter()
        .find(|(_, date)| *date >= day)
        .map(|(version, _)| *version)
}

/// The ATT&CK domains attackmap can fetch, with the short names accepted on
/// the command line.
const DOMAINS: &[(&str, &str)] = &[
    ("enterprise", "enterprise-attack"),
    ("mobile", "mobile-attack"),
    ("ics", "ics-attack"),
    ("pre", "pre-attack"),
];

/// The full domain name (`enterprise-attack`) for a short one (`enterprise`,
/// any case) or a full one; `None` for a name that is no ATT&CK domain.
pub fn domain_name(name: &str) -> Option<&'static str> {
    let name = name.trim().to_ascii_lowercase();
    DOMAINS
        .iter()
        .find(|(short, full)| name == *short || name == *full)
        .map(|(_, full)| *full)
}

/// [`domain_name`], or an error that lists the accepted names.
pub fn parse_domain(name: &str) -> Result<&'static str> {
    domain_name(name).ok_or_else(|| {
        Error::Invalid(format!(
            "unknown ATT&CK domain '{name}' (use {})",
            DOMAINS
                .iter()
                .map(|(short, _)| *short)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Compares two ATT&CK versions numerically, part by part (`9.0` < `10.0`,
/// `18` = `18.0`). A version that is not made of numbers sorts before every
/// numeric one.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    version_key(a).cmp(&version_key(b))
}

/// The numeric parts of a version (a leading `v` is ignored), with trailing
/// zeros removed so that `18` and `18.0` compare equal; `None` when it is not
/// numeric.
fn version_key(version: &str) -> Option<Vec<u64>> {
    let version = version.trim();
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let mut parts = version
        .split('.')
        .map(|p| p.parse::<u64>().ok())
        .collect::<Option<Vec<u64>>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// Which release of a domain to pick from a [`ReleaseTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRequest {
    /// The newest release in the table.
    Latest,
    /// This ATT&CK version (`18.1`; `v18.1` and `18.1.0` are the same).
    Exact(String),
}

impl VersionRequest {
    /// `latest` (any case) or a version.
    pub fn parse(text: &str) -> VersionRequest {
        if text.trim().eq_ignore_ascii_case("latest") {
            VersionRequest::Latest
        } else {
            VersionRequest::Exact(text.trim().to_string())
        }
    }
}

/// One release file that can be fetched and verified: a [`PinnedRelease`]
/// of the embedded table, or an entry added at run time (see
/// [`ReleaseTable::add_line`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// `enterprise-attack`, `mobile-attack`, `ics-attack` or `pre-attack`.
    pub domain: String,
    /// `2.0` or `2.1`.
    pub stix_version: String,
    /// ATT&CK release, e.g. `18.1`.
    pub attack_version: String,
    /// SHA-256 of the published file, lower-case hex.
    pub sha256: String,
    /// Where the file is published.
    pub url: String,
}

impl From<&PinnedRelease> for Release {
    fn from(pinned: &PinnedRelease) -> Self {
        Release {
            domain: pinned.domain.to_string(),
            stix_version: pinned.stix_version.to_string(),
            attack_version: pinned.attack_version.to_string(),
            sha256: pinned.sha256.to_string(),
            url: pinned.url.to_string(),
        }
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} (STIX {})",
            self.domain, self.attack_version, self.stix_version
        )
    }
}

/// The releases attackmap knows how to verify: normally exactly the pinned
/// table. Downloads and imports are checked against a `ReleaseTable` passed
/// in, so that tests can add an entry for a file of their own.
#[derive(Debug, Clone)]
pub struct ReleaseTable {
    releases: Vec<Release>,
}

impl ReleaseTable {
    /// The pinned official releases embedded in attackmap.
    pub fn official() -> ReleaseTable {
        ReleaseTable {
            releases: pinned_releases().iter().map(Release::from).collect(),
        }
    }

    /// Every release of the table.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// Adds a release.
    pub fn push(&mut self, release: Release) {
        self.releases.push(release);
    }

    /// Adds a release written as one line of five fields separated by white
    /// space (the columns of the pinned table): domain, STIX version, ATT&CK
    /// version, SHA-256 and address.
    pub fn add_line(&mut self, line: &str) -> Result<()> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [domain, stix_version, attack_version, sha256, url] = fields.as_slice() else {
            return Err(Error::Invalid(format!(
                "release entry '{line}': expected 5 fields (domain, STIX version, ATT&CK version, SHA-256, URL)"
            )));
        };
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Invalid(format!(
                "release entry '{line}': '{sha256}' is not a SHA-256 in hex"
            )));
        }
        self.push(Release {
            domain: parse_domain(domain)?.to_string(),
            stix_version: stix_version.to_string(),
            attack_version: attack_version.to_string(),
            sha256: sha256.to_ascii_lowercase(),
            url: url.to_string(),
        });
        Ok(())
    }

    /// The release whose published file has this SHA-256, if any.
    pub fn by_sha256(&self, sha256_hex: &str) -> Option<&Release> {
        self.releases
            .iter()
            .find(|r| r.sha256.eq_ignore_ascii_case(sha256_hex))
    }

    /// The release of `domain` (full name) and STIX version asked for, or an
    /// error that says which versions there are.
    pub fn select(
        &self,
        domain: &str,
        stix_version: &str,
        version: &VersionRequest,
    ) -> Result<&Release> {
        let candidates: Vec<&Release> = self
            .releases
            .iter()
            .filter(|r| r.domain == domain && r.stix_version == stix_version)
            .collect();
        let found = match version {
            VersionRequest::Latest => candidates
                .iter()
                .copied()
                .max_by(|a, b| compare_versions(&a.attack_version, &b.attack_version)),
            VersionRequest::Exact(wanted) => candidates.iter().copied().find(|r| {
                version_key(wanted).is_some()
                    && compare_versions(&r.attack_version, wanted) == Ordering::Equal
            }),
        };
        if let Some(release) = found {
            return Ok(release);
        }
        if candidates.is_empty() {
            let other: Vec<&str> = self
                .releases
                .iter()
                .filter(|r| r.domain == domain)
                .map(|r| r.stix_version.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(Error::Invalid(if other.is_empty() {
                format!("no official release of {domain} is known")
            } else {
                format!(
                    "no official release of {domain} in STIX {stix_version}; try --stix-version {}",
                    other.join(" or --stix-version ")
                )
            }));
        }
        let mut versions: Vec<&str> = candidates
            .iter()
            .map(|r| r.attack_version.as_str())
            .collect();
        versions.sort_by(|a, b| compare_versions(a, b));
        let wanted = match version {
            VersionRequest::Exact(v) => v.as_str(),
            VersionRequest::Latest => "latest",
        };
        Err(Error::Invalid(format!(
            "no official release {wanted} of {domain} in STIX {stix_version}; known versions: {}",
            versions.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_domain_and_the_ics_18_1_hash() {
        let table = pinned_releases();
        assert_eq!(table.len(), 235);
        let ics =
            release_by_sha256("a7c0106492843485340710be9e841c1584d8fc6da8950e7097db0e7b5bc9f164")
                .expect("ics 18.1 is pinned");
        assert_eq!(ics.domain, "ics-attack");
        assert_eq!(ics.attack_version, "18.1");
        assert_eq!(ics.stix_version, "2.1");
    }

    #[test]
    fn inference_picks_the_first_release_on_or_after_the_newest_object() {
        assert_eq!(
            infer_release_from_modified("2025-11-12T22:03:39.105Z"),
            Some("18.1")
        );
        assert_eq!(
            infer_release_from_modified("2025-11-13T14:17:41.362Z"),
            Some("18.1")
        );
        assert_eq!(
            infer_release_from_modified("2025-10-20T00:00:00Z"),
            Some("18.0")
        );
        assert_eq!(infer_release_from_modified("2026-04-01T00:00:00Z"), None);
        assert_eq!(infer_release_from_modified("2019-01-01T00:00:00Z"), None);
        assert_eq!(infer_release_from_modified("bad"), None);
    }
    #[test]
    fn domains_accept_short_and_full_names() {
        assert_eq!(domain_name("enterprise"), Some("enterprise-attack"));
        assert_eq!(domain_name("ICS-attack"), Some("ics-attack"));
        assert_eq!(domain_name("cloud"), None);
        let err = parse_domain("cloud").unwrap_err().to_string();
        assert!(err.contains("enterprise, mobile, ics"), "{err}");
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("9.0", "10.0"), Ordering::Less);
        assert_eq!(compare_versions("18", "18.0"), Ordering::Equal);
        assert_eq!(compare_versions("v18.1", "18.1"), Ordering::Equal);
        assert_eq!(compare_versions("unknown", "1.0"), Ordering::Less);
    }

    #[test]
    fn select_picks_latest_or_exact_and_explains_misses() {
        let table = ReleaseTable::official();
        let latest = table
            .select("ics-attack", "2.1", &VersionRequest::Latest)
            .unwrap();
        assert_eq!(latest.attack_version, "20.0");
        let exact = table
            .select("enterprise-attack", "2.0", &VersionRequest::parse("v18.1"))
            .unwrap();
        assert!(exact.url.contains("mitre/cti"), "{}", exact.url);
        let err = table
            .select("ics-attack", "2.1", &VersionRequest::parse("18.7"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("known versions: 8.0,") && err.contains("20.0"),
            "{err}"
        );
        let err = table
            .select("pre-attack", "2.1", &VersionRequest::Latest)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--stix-version 2.0"), "{err}");
    }

    #[test]
    fn extra_entries_are_checked_and_found_by_hash() {
        let mut table = ReleaseTable::official();
        let hash = "ab".repeat(32);
        table
            .add_line(&format!(
                "enterprise 2.1 99.0 {hash} http://127.0.0.1:1/x.json"
            ))
            .unwrap();
        assert_eq!(table.by_sha256(&hash).unwrap().domain, "enterprise-attack");
        assert!(
            table
                .add_line("enterprise 2.1 99.0 nothex http://x")
                .is_err()
        );
        assert!(table.add_line("enterprise 2.1").is_err());
    }
}
