//! `siem check` and `siem fix` over every file of the real corpus
//! (`../shared/corpus/{splunk,sentinel,elastic}`) against ATT&CK 18.1.
//! Every finding below was checked by hand against the 18.1 bundle:
//!
//! - Splunk `windows_impair_defenses_disable_hvci.yml` lists T1562 (Impair
//!   Defenses) with its own sub-technique T1562.001 (Disable or Modify
//!   Tools), and `7zip_commandline_to_smb_share_path__2024.yml` T1560
//!   (Archive Collected Data) with T1560.001 (Archive via Utility):
//!   contentctl refuses both; the fix removes the parent. The 2026 version
//!   of the 7zip rule already lists T1560.001 alone. All IDs are live in
//!   18.1 (T1562 and T1562.001 are revoked only in v19, for T1685).
//! - `cloud_network_access_control_list_deleted.yml` (deprecated) has no
//!   mitre_attack_id; citrix (T1190) and okta (T1078, T1110) are clean.
//! - Sentinel: T1078.004 (Cloud Accounts) belongs to Defense Evasion,
//!   Persistence, Privilege Escalation and Initial Access in 18.1; the two
//!   Entra ID rules list only InitialAccess or PrivilegeEscalation — enough
//!   for the repository's validator (one tactic), so only an info. T1059
//!   (Execution) and T1071.001 / T1571 (Command and Control) match.
//! - Elastic: every name, reference and tactic of the three rules with
//!   threat blocks is exactly 18.1's (T1562.008 Disable or Modify Cloud
//!   Logs under TA0005 Defense Evasion is v18 content: v19 remaps it to
//!   T1685.002 under Stealth, which 18.1 does not know). The sqlmap rule has
//!   no threat; the two data files (redirects JSON, v18→v19 map YAML) are
//!   not rules and are skipped. No rule file of these three folders uses a
//!   v19 ID or tactic; the fixtures (`fixtures/siem/splunk/flat-2026.yml`,
//!   `sentinel/v19.yaml`, `elastic/wrong-fields.toml`) cover T1685.002 and
//!   Stealth, reported as unknown in 18.1.

mod common;

use std::path::PathBuf;

use attackmap::siem::{self, FindingKind, Release, RuleKind, Severity};

use FindingKind::*;
use Severity::{Error, Info};

type Expected = (
    &'static str,
    Option<RuleKind>,
    Vec<(Option<usize>, Severity, FindingKind, bool)>,
);

fn expected() -> Vec<Expected> {
    use RuleKind::*;
    vec![
        (
            "splunk/7zip_commandline_to_smb_share_path__2024.yml",
            Some(Splunk),
            vec![(Some(50), Error, ParentAndSubtechnique, true)],
        ),
        (
            "splunk/7zip_commandline_to_smb_share_path__2026.yml",
            Some(Splunk),
            vec![],
        ),
        (
            "splunk/citrix_sharefile_exploitation_cve_2023_24489.yml",
            Some(Splunk),
            vec![],
        ),
        (
            "splunk/cloud_network_access_control_list_deleted.yml",
            Some(Splunk),
            vec![(None, Info, NoMapping, false)],
        ),
        (
            "splunk/okta_risk_threshold_exceeded.yml",
            Some(Splunk),
            vec![],
        ),
        (
            "splunk/windows_impair_defenses_disable_hvci.yml",
            Some(Splunk),
            vec![(Some(39), Error, ParentAndSubtechnique, true)],
        ),
        (
            "sentinel/AccountCreatedandDeletedinShortTimeframe.yaml",
            Some(Sentinel),
            // On T1078.004's own line (19), not on `tactics:` (16).
            vec![(Some(19), Info, IncompleteTactics, false)],
        ),
        (
            "sentinel/HUNTING_PotentialBeaconingDetected_LimitedDomainBased.yaml",
            Some(Sentinel),
            vec![],
        ),
        (
            "sentinel/NRT_PrivlegedRoleAssignedOutsidePIM.yaml",
            Some(Sentinel),
            // On T1078.004's own line (15), not on `tactics:` (12).
            vec![(Some(15), Info, IncompleteTactics, false)],
        ),
        (
            "sentinel/TimeSeriesAnomaly-ProcessExecutions.yaml",
            Some(Sentinel),
            vec![],
        ),
        (
            "elastic/apm_sqlmap_user_agent.toml",
            Some(Elastic),
            vec![(None, Info, NoMapping, false)],
        ),
        (
            "elastic/attack-technique-redirects.json",
            None,
            vec![(None, Info, UnknownKind, false)],
        ),
        (
            "elastic/attack_v18_to_v19.yaml",
            None,
            vec![(None, Info, UnknownKind, false)],
        ),
        (
            "elastic/collection_archive_data_zip_imageload.toml",
            Some(Elastic),
            vec![],
        ),
        (
            "elastic/defense_evasion_bedrock_model_invocation_logging_disabled_or_modified.toml",
            Some(Elastic),
            vec![],
        ),
        (
            "elastic/defense_evasion_posh_obfuscation.toml",
            Some(Elastic),
            vec![],
        ),
    ]
}

fn corpus_dirs() -> Option<Vec<PathBuf>> {
    ["splunk", "sentinel", "elastic"]
        .iter()
        .map(|d| common::shared_file(&format!("corpus/{d}")))
        .collect()
}

#[test]
fn every_corpus_file_against_18_1() {
    let (Some(model), Some(dirs)) = (common::enterprise(), corpus_dirs()) else {
        return;
    };
    let release = Release::new(model);
    let run = siem::check_paths(&release, &dirs);
    assert!(run.walk_findings.is_empty(), "{:#?}", run.walk_findings);
    let rules: Vec<&str> = expected().iter().map(|e| e.0).collect();
    let mut seen = Vec::new();
    for report in &run.reports {
        let name = report.path.strip_prefix(dirs[0].parent().unwrap()).unwrap();
        let name = name.to_str().unwrap().to_string();
        if name.ends_with("SOURCES.md") {
            continue;
        }
        let (_, kind, findings) = expected()
            .into_iter()
            .find(|e| e.0 == name)
            .unwrap_or_else(|| panic!("{name} is not in the expected list {rules:?}"));
        assert_eq!(report.kind, kind, "{name}");
        let got: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.line, f.severity, f.kind, f.fixable()))
            .collect();
        assert_eq!(got, findings, "{name}: {:#?}", report.findings);
        seen.push(name);
    }
    assert_eq!(seen.len(), expected().len(), "{seen:?}");
    let hvci = run
        .reports
        .iter()
        .find(|r| r.path.ends_with("windows_impair_defenses_disable_hvci.yml"))
        .unwrap();
    assert!(
        hvci.findings[0]
            .message
            .contains("T1562: its sub-technique T1562.001 is listed too")
    );
    let account = run
        .reports
        .iter()
        .find(|r| {
            r.path
                .ends_with("AccountCreatedandDeletedinShortTimeframe.yaml")
        })
        .unwrap();
    assert_eq!(
        account.findings[0].message,
        "T1078.004 (Valid Accounts: Cloud Accounts) also belongs to Persistence, \
         PrivilegeEscalation and DefenseEvasion, which are not listed in tactics \
         (Sentinel's validator needs only one of a technique's tactics; listing all of them \
         is safest)"
    );
    assert_eq!(account.findings[0].value.as_deref(), Some("T1078.004"));
    let text = account.original.as_deref().unwrap();
    assert_eq!(text.lines().nth(18), Some("  - T1078.004"));
}

#[test]
fn siem_check_prints_sentinel_findings_at_the_technique_line() {
    let Some(dir) = common::shared_file("corpus/sentinel") else {
        return;
    };
    let Some(stix) = common::shared_file("attack/enterprise-attack-18.1.json") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "siem",
        "check",
        dir.to_str().unwrap(),
        "--stix",
        stix.to_str().unwrap(),
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let lines: Vec<String> = common::stdout(&out)
        .lines()
        .map(|l| l.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "AccountCreatedandDeletedinShortTimeframe.yaml:19: info: T1078.004 (Valid Accounts: \
             Cloud Accounts) also belongs to Persistence, PrivilegeEscalation and DefenseEvasion, \
             which are not listed in tactics (Sentinel's validator needs only one of a \
             technique's tactics; listing all of them is safest)",
            "NRT_PrivlegedRoleAssignedOutsidePIM.yaml:15: info: T1078.004 (Valid Accounts: \
             Cloud Accounts) also belongs to InitialAccess, Persistence and DefenseEvasion, \
             which are not listed in tactics (Sentinel's validator needs only one of a \
             technique's tactics; listing all of them is safest)",
        ]
    );
}

#[test]
fn fixing_a_copy_of_the_corpus_changes_two_lines_in_two_files() {
    let (Some(model), Some(dirs)) = (common::enterprise(), corpus_dirs()) else {
        return;
    };
    let release = Release::new(model);
    let run = siem::check_paths(&release, &dirs);
    let fixed: Vec<&siem::FileReport> = run.reports.iter().filter(|r| r.fixed.is_some()).collect();
    assert_eq!(fixed.len(), 2);
    for report in fixed {
        let old = report.original.as_deref().unwrap();
        let new = report.fixed.as_deref().unwrap();
        let removed: Vec<&str> = old
            .lines()
            .filter(|l| !new.lines().any(|n| n == *l))
            .collect();
        let expected = if report
            .path
            .ends_with("windows_impair_defenses_disable_hvci.yml")
        {
            "  - T1562"
        } else {
            "  - T1560"
        };
        assert_eq!(removed, [expected], "{}", report.path.display());
        assert_eq!(old.len() - new.len(), expected.len() + 1);
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(report.path.file_name().unwrap());
        std::fs::write(&copy, new).unwrap();
        let again = siem::check_file(&release, &copy);
        assert!(again.findings.is_empty(), "{:#?}", again.findings);
    }
}
