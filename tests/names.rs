//! Objects named by name or alias: within the kind asked for, and an error
//! listing the candidates when a name is ambiguous. On the real enterprise
//! 18.1 release, where 25 names are carried by objects of two kinds
//! (skipped when `../shared` is absent).

mod common;

use attackmap::model::ObjectKind;
use attackmap::query::{self, Resolved};

#[test]
fn a_name_shared_by_two_kinds_resolves_within_the_kind_asked_for() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let software = query::resolve_kind(model, "Carbanak", ObjectKind::Software).unwrap();
    assert_eq!(software.describe(), "software S0030 (Carbanak)");
    let group = query::resolve_kind(model, "carbanak", ObjectKind::Group).unwrap();
    assert_eq!(group.describe(), "group G0008 (Carbanak)");
    let mitigation = query::resolve_kind(model, "Code Signing", ObjectKind::Mitigation).unwrap();
    assert_eq!(mitigation.describe(), "mitigation M1045 (Code Signing)");
    let campaign = query::resolve_kind(model, "FunnyDream", ObjectKind::Campaign).unwrap();
    assert_eq!(campaign.describe(), "campaign C0007 (FunnyDream)");
    let err = query::resolve_kind(model, "Cobalt Strike", ObjectKind::Group).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'Cobalt Strike' is not a group: it is software S0154 (Cobalt Strike)"
    );
}

#[test]
fn an_ambiguous_name_is_an_error_listing_the_candidates() {
    let Some(model) = common::enterprise() else {
        return;
    };
    let err = query::resolve(model, "Carbanak").unwrap_err().to_string();
    assert_eq!(
        err,
        "'Carbanak' names several objects: group G0008 (Carbanak), software S0030 (Carbanak); give the ID"
    );
    let err = query::resolve(model, "Spearphishing Attachment")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("technique T1566.001 (Phishing: Spearphishing Attachment)"),
        "{err}"
    );
    assert!(
        err.contains("technique T1598.002 (Phishing for Information: Spearphishing Attachment)"),
        "{err}"
    );
    // The full name is unambiguous, and a live technique wins over a revoked one.
    let full = query::resolve(model, "Phishing: Spearphishing Attachment").unwrap();
    assert!(matches!(full, Resolved::Technique(t) if t.technique_id == "T1566.001"));
    let powershell = query::resolve(model, "PowerShell").unwrap();
    assert!(
        matches!(powershell, Resolved::Technique(t) if t.technique_id == "T1059.001"),
        "not the revoked T1086"
    );
}

#[test]
fn suggestions_prefer_live_ids() {
    let Some(model) = common::enterprise() else {
        return;
    };
    // T1099 (Timestomp) is one edit away but revoked; T1199 is live.
    assert_eq!(
        query::suggest(model, "T9999").as_deref(),
        Some("T1199 (Trusted Relationship)")
    );
    assert_eq!(
        query::suggest(model, "T1059.01").as_deref(),
        Some("T1059.001 (PowerShell)")
    );
}

/// A part of a name is suggested only where it begins a word: `APT` is the
/// start of the APT groups' names, not the middle of "Input Capture".
#[test]
fn name_parts_are_suggested_at_word_starts() {
    let Some(model) = common::enterprise() else {
        return;
    };
    assert_eq!(
        query::suggest(model, "APT").as_deref(),
        Some("G0006 (APT1)"),
        "the shortest live name starting with APT"
    );
    assert_eq!(
        query::suggest(model, "solarwind").as_deref(),
        Some("C0024 (SolarWinds Compromise)")
    );
    assert_eq!(
        query::suggest(model, "Capture").as_deref(),
        Some("T1056 (Input Capture)"),
        "a word inside a name: the shortest such names are Input Capture and Audio Capture \
         (T1123), 13 characters; the lower ID wins"
    );
    assert_eq!(query::suggest(model, "apture"), None, "not inside a word");
    assert_eq!(query::suggest(model, "xyzzy"), None);
}
