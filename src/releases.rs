//! Facts about official ATT&CK releases, embedded in the binary: the pinned
//! table of every published file (domain, STIX version, ATT&CK version,
//! SHA-256, address) and the publication dates attackmap uses to infer the
//! release of a bundle that does not say which release it is.

use std::sync::OnceLock;

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
}
