//! `sigma check` and `sigma fix` over every real SigmaHQ rule in
//! `../shared/corpus/sigma/`, against the real enterprise ATT&CK 18.1
//! release. The expected findings were checked by hand against the 18.1
//! data (technique tactics, revocations, the tactic list); skipped when
//! `../shared` is absent.

mod common;

use std::fs;
use std::path::PathBuf;

use attackmap::sigma::{self, Fix, Judge};

use common::{enterprise, run, shared_file, stderr, stdout};

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = shared_file("corpus/sigma")?;
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    Some(files)
}

/// Per file: `line:severity:kind[:fix]`, and the number of rules.
const EXPECTED: &[(&str, usize, &[&str])] = &[
    // Tactic-only tagging: nothing to judge beyond the tactic.
    ("file_event_win_vscode_tunnel_indicators.yml", 1, &[]),
    // Four documents, `action: global` first, no tags anywhere: 3 rules, nothing to add.
    ("godmode_sigma_rule.yml", 3, &[]),
    // attack.ds0005: data sources are not in the model (all 38 are deprecated in 18.1).
    (
        "posh_ps_create_volume_shadow_copy.yml",
        1,
        &["12:info:not-checked"],
    ),
    // attack.stealth is ATT&CK v19's name of TA0005; T1070 is defense-evasion in 18.1, but
    // the tactic is not added while the rule carries a tactic of another release.
    (
        "proc_creation_lnx_remove_package.yml",
        1,
        &["13:error:unknown-tactic", "14:warning:missing-tactic"],
    ),
    // T1003.001 is credential-access, T1560.001 collection: no technique is lateral-movement.
    (
        "proc_creation_win_apt_apt31_judgement_panda.yml",
        1,
        &["12:warning:unrelated-tactic"],
    ),
    ("proc_creation_win_apt_mustangpanda.yml", 1, &[]),
    ("proc_creation_win_net_execution.yml", 1, &[]),
    ("proc_creation_win_schtasks_creation.yml", 1, &[]),
    // Pre-2.0 underscores; T1071.001 is command-and-control only.
    (
        "proxy_cobalt_ocsp.yml",
        1,
        &[
            "11:warning:underscore-tactic:attack.defense-evasion",
            "11:warning:unrelated-tactic",
            "12:warning:underscore-tactic:attack.command-and-control",
        ],
    ),
    // T1086 is revoked by T1059.001, which the rule already has: the old line goes.
    (
        "sysmon_powershell_execution_moduleload.yml",
        1,
        &["12:error:revoked:remove"],
    ),
    ("web_cve_2019_19781_citrix_exploit.yml", 1, &[]),
    // No tags key and no ATT&CK tags: nothing to add.
    ("win_security_kerberos_asrep_roasting.yml", 1, &[]),
    // defense-impairment is ATT&CK v19's TA0112; the rest is right for 18.1 (T1112 is
    // defense-evasion and persistence, and persistence is tagged).
    (
        "win_security_remote_registry_management_via_reg.yml",
        1,
        &["14:error:unknown-tactic"],
    ),
];

fn short(f: &sigma::Finding) -> String {
    let fix = match &f.fix {
        None => String::new(),
        Some(Fix::Replace(t)) => format!(":{t}"),
        Some(Fix::Remove) => ":remove".to_string(),
        Some(other) => format!(":{other}"),
    };
    format!(
        "{}:{}:{}{fix}",
        f.line.unwrap_or(0),
        f.severity,
        f.kind.as_str()
    )
}

#[test]
fn every_corpus_rule_is_judged_as_a_detection_engineer_would() {
    let (Some(files), Some(model)) = (corpus(), enterprise()) else {
        return;
    };
    let judge = Judge::new(model);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: Vec<&str> = EXPECTED.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(names, listed, "every corpus file is listed");
    for (file, (name, rules, want)) in files.iter().zip(EXPECTED) {
        let report = sigma::check_file(&judge, file);
        let got: Vec<String> = report.findings.iter().map(short).collect();
        assert_eq!(got, *want, "{name}");
        assert_eq!(report.rules, *rules, "{name}");
    }
}

#[test]
fn the_messages_on_the_corpus_say_what_and_why() {
    let (Some(files), Some(model)) = (corpus(), enterprise()) else {
        return;
    };
    let judge = Judge::new(model);
    let find = |name: &str| {
        let file = files.iter().find(|f| f.ends_with(name)).unwrap();
        sigma::check_file(&judge, file)
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.severity, f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        find("sysmon_powershell_execution_moduleload.yml"),
        [
            "error: attack.t1086: technique T1086 (PowerShell) is revoked in ATT&CK 18.1; replaced by \
          T1059.001 (Command and Scripting Interpreter: PowerShell); attack.t1059.001 is already tagged"
        ]
    );
    let stealth = find("proc_creation_lnx_remove_package.yml");
    assert!(stealth[0].starts_with(
        "error: attack.stealth: 'stealth' is not a tactic of enterprise-attack in ATT&CK 18.1; its tactics are: \
         reconnaissance, resource-development, initial-access, execution, persistence, privilege-escalation, \
         defense-evasion, credential-access, discovery, lateral-movement, collection, command-and-control, \
         exfiltration, impact"
    ), "{stealth:?}");
    assert_eq!(
        stealth[1],
        "warning: attack.t1070: none of the tactics of T1070 (Indicator Removal) is tagged; its tactics are \
         attack.defense-evasion; not added while the rule has attack.stealth, which is not a tactic of \
         ATT&CK 18.1 (fix that first)"
    );
    assert_eq!(
        find("proc_creation_win_apt_apt31_judgement_panda.yml"),
        [
            "warning: attack.lateral-movement: none of the rule's techniques belongs to tactic lateral-movement in ATT&CK 18.1"
        ]
    );
    let godmode = find("godmode_sigma_rule.yml");
    assert!(godmode.is_empty(), "{godmode:?}");
}

#[test]
fn fixing_the_corpus_changes_only_the_fixable_tags_and_is_idempotent() {
    let (Some(files), Some(_)) = (corpus(), shared_file("attack/enterprise-attack-18.1.json"))
    else {
        return;
    };
    let stix = shared_file("attack/enterprise-attack-18.1.json").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    for f in &files {
        fs::copy(f, tmp.path().join(f.file_name().unwrap())).unwrap();
    }
    let args = |extra: &[&str]| {
        let mut a = vec!["sigma"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&[
            tmp.path().to_str().unwrap(),
            "--stix",
            stix.to_str().unwrap(),
            "--cache-dir",
            cache.path().to_str().unwrap(),
        ]);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run_with = |extra: &[&str]| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run(&refs)
    };
    let check = run_with(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains(
            "sigma check: 13 files (15 rules) against ATT&CK 18.1: 3 errors, 5 warnings, 1 info; \
             3 fixable in 2 files"
        ),
        "{}",
        stderr(&check)
    );
    let fix = run_with(&["fix"]);
    assert_eq!(
        fix.status.code(),
        Some(1),
        "errors remain: {}",
        stdout(&fix)
    );
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let original = fs::read_to_string(f).unwrap();
        let fixed = fs::read_to_string(tmp.path().join(name)).unwrap();
        let expected = match name {
            "proxy_cobalt_ocsp.yml" => original
                .replace("attack.defense_evasion", "attack.defense-evasion")
                .replace("attack.command_and_control", "attack.command-and-control"),
            "sysmon_powershell_execution_moduleload.yml" => {
                original.replace("    - attack.t1086          # an old one\n", "")
            }
            _ => original,
        };
        assert_eq!(fixed, expected, "{name}");
    }
    let snapshot: Vec<Vec<u8>> = files
        .iter()
        .map(|f| fs::read(tmp.path().join(f.file_name().unwrap())).unwrap())
        .collect();
    let again = run_with(&["fix"]);
    assert!(
        stderr(&again).contains("fixed 0 findings in 0 files"),
        "{}",
        stderr(&again)
    );
    for (f, before) in files.iter().zip(&snapshot) {
        assert_eq!(
            &fs::read(tmp.path().join(f.file_name().unwrap())).unwrap(),
            before
        );
    }
    let after = run_with(&["check"]);
    assert!(!stdout(&after).contains("(fix:"), "{}", stdout(&after));
}

#[test]
fn sigma_fix_reports_what_remains_in_the_fixed_spelling() {
    let (Some(rule), Some(stix)) = (
        shared_file("corpus/sigma/proxy_cobalt_ocsp.yml"),
        shared_file("attack/enterprise-attack-18.1.json"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("proxy_cobalt_ocsp.yml");
    fs::copy(&rule, &copy).unwrap();
    let name = copy.to_str().unwrap();
    let out = run(&[
        "sigma",
        "fix",
        name,
        "--stix",
        stix.to_str().unwrap(),
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "only a warning remains");
    // The remaining finding is judged on the fixed text: the hyphenated
    // tactic, at its line in the fixed file.
    assert_eq!(
        stdout(&out),
        format!(
            "{name}: fixed 2 findings\n\
             {name}:11: warning: attack.defense-evasion: none of the rule's techniques belongs to \
             tactic defense-evasion in ATT&CK 18.1\n"
        )
    );
    assert!(
        !stdout(&out).contains("defense_evasion"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stderr(&out).trim(),
        "sigma fix: 1 file (1 rule) against ATT&CK 18.1: fixed 2 findings in 1 file; \
         0 errors and 1 warning remain"
    );
    let fixed = fs::read_to_string(&copy).unwrap();
    assert_eq!(fixed.lines().nth(10), Some("    - attack.defense-evasion"));
}
