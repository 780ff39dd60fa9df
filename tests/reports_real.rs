//! The stakeholder reports on the real enterprise ATT&CK 18.1 release,
//! against the answers of MITRE's own library (`../shared/oracle`): the
//! technique rows are the 691 live techniques with the oracle's groups,
//! software, campaigns and mitigations; the relationship rows are the
//! oracle's pairs (4,640 technique–group pairs with campaigns, 1,445
//! mitigations, …); the group, software and mitigation rows are the live
//! objects with the oracle's techniques; the workbook has every row.
//! Skipped with a message when `../shared` is absent.

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::sync::OnceLock;

use serde_json::Value;

use attackmap::Model;
use attackmap::export::csv::CsvOptions;
use attackmap::export::table::RowKind;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, ExportOptions};
use attackmap::selection::Criteria;

fn oracle() -> Option<&'static Value> {
    static ORACLE: OnceLock<Option<Value>> = OnceLock::new();
    ORACLE
        .get_or_init(|| {
            let path = common::shared_file("oracle/enterprise-attack-18.1.oracle.json")?;
            Some(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
        })
        .as_ref()
}

fn data() -> Option<(&'static Model, &'static Value)> {
    Some((common::enterprise()?, oracle()?))
}

fn export_bytes(model: &Model, format: &str, options: &ExportOptions) -> Vec<u8> {
    let exporter = export::exporter(format).unwrap();
    let templates = Templates::new(&TemplateOptions::default(), exporter.template()).unwrap();
    let docs = export::prepare(model, &Criteria::default(), exporter, options, None).unwrap();
    export::output(exporter, &templates, &docs[0].context, options).unwrap()
}

/// The whole-domain CSV of `rows` with `columns`, records keyed by header.
fn records(model: &Model, rows: RowKind, columns: &[&str]) -> Vec<BTreeMap<String, String>> {
    let options = ExportOptions {
        csv: CsvOptions {
            rows,
            columns: Some(columns.iter().map(|c| c.to_string()).collect()),
            formula_guard: false,
            ..CsvOptions::default()
        },
        ..ExportOptions::default()
    };
    let bytes = export_bytes(model, "csv", &options);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn split(cell: &str) -> Vec<&str> {
    if cell.is_empty() {
        Vec::new()
    } else {
        cell.split("; ").collect()
    }
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

fn oracle_list<'a>(entry: &'a Value, key: &str) -> Vec<&'a str> {
    entry[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn live(entry: &Value) -> bool {
    entry["revoked"] == false && entry["deprecated"] == false
}

#[test]
fn technique_rows_are_the_691_live_techniques_with_the_oracles_counts() {
    let Some((model, oracle)) = data() else {
        return;
    };
    let rows = records(
        model,
        RowKind::Techniques,
        &[
            "id",
            "group_count",
            "group_ids",
            "software_ids",
            "campaign_ids",
            "mitigation_ids",
            "detection_ids",
            "tactic_shortnames",
            "parent",
        ],
    );
    assert_eq!(rows.len(), 691);
    let expected: Vec<&String> = oracle["techniques"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, t)| live(t))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(expected.len(), 691);
    for (row, id) in rows.iter().zip(expected) {
        let t = &oracle["techniques"][id];
        assert_eq!(&row["ID"], id);
        let groups = oracle_list(t, "groups");
        assert_eq!(row["Group count"], groups.len().to_string(), "{id}");
        assert_eq!(sorted(split(&row["Group IDs"])), groups, "{id}");
        assert_eq!(
            sorted(split(&row["Software IDs"])),
            oracle_list(t, "software"),
            "{id}"
        );
        assert_eq!(
            sorted(split(&row["Campaign IDs"])),
            oracle_list(t, "campaigns"),
            "{id}"
        );
        assert_eq!(
            sorted(split(&row["Mitigation IDs"])),
            oracle_list(t, "mitigations"),
            "{id}"
        );
        assert_eq!(
            sorted(split(&row["Detection IDs"])),
            oracle_list(t, "detection_strategies"),
            "{id}"
        );
        assert_eq!(
            sorted(split(&row["Tactic shortnames"])),
            oracle_list(t, "tactics"),
            "{id}"
        );
        assert_eq!(
            row["Sub-technique of"],
            t["parent"].as_str().unwrap_or(""),
            "{id}"
        );
    }
}

#[test]
fn relationship_rows_are_the_oracles_pairs() {
    let Some((model, oracle)) = data() else {
        return;
    };
    let rows = records(
        model,
        RowKind::Relationships,
        &[
            "technique_id",
            "relation",
            "object_type",
            "object_id",
            "attribution",
        ],
    );
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *by_type.entry(r["Object type"].as_str()).or_default() += 1;
    }
    let expected = BTreeMap::from([
        ("group", 4_640),
        ("software", 10_636),
        ("campaign", 1_019),
        ("mitigation", 1_445),
        ("detection-strategy", 691),
    ]);
    assert_eq!(by_type, expected);
    let direct = rows
        .iter()
        .filter(|r| r["Object type"] == "group" && r["Attribution"] != "campaign")
        .count();
    assert_eq!(direct, 4_362);
    // Every pair is one the oracle has.
    let techniques = &oracle["techniques"];
    for r in &rows {
        let key = match r["Object type"].as_str() {
            "group" => "groups",
            "software" => "software",
            "campaign" => "campaigns",
            "mitigation" => "mitigations",
            _ => "detection_strategies",
        };
        let list = oracle_list(&techniques[&r["Technique ID"]], key);
        assert!(list.contains(&r["Object ID"].as_str()), "{r:?}");
        let relation = match key {
            "mitigations" => "mitigates",
            "detection_strategies" => "detects",
            _ => "uses",
        };
        assert_eq!(r["Relation"], relation);
    }
}

#[test]
fn object_rows_are_the_live_objects_with_the_oracles_techniques() {
    let Some((model, oracle)) = data() else {
        return;
    };
    for (rows, key, count) in [
        (RowKind::Groups, "groups", 172),
        (RowKind::Software, "software", 784),
        (RowKind::Mitigations, "mitigations", 44),
    ] {
        let got = records(model, rows, &["id", "technique_count", "technique_ids"]);
        assert_eq!(got.len(), count, "{key}");
        for r in &got {
            let entry = &oracle[key][&r["ID"]];
            assert!(live(entry), "{}", r["ID"]);
            let techniques = oracle_list(entry, "techniques");
            assert_eq!(
                r["Technique count"],
                techniques.len().to_string(),
                "{}",
                r["ID"]
            );
            assert_eq!(
                sorted(split(&r["Technique IDs"])),
                techniques,
                "{}",
                r["ID"]
            );
        }
    }
}

#[test]
fn workbook_of_the_domain_has_every_row() {
    let Some((model, _)) = data() else { return };
    let bytes = export_bytes(model, "xlsx", &ExportOptions::default());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut sheet = |n: usize| {
        let mut text = String::new();
        archive
            .by_name(&format!("xl/worksheets/sheet{n}.xml"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    for (n, last_row, last_column) in [
        (1, 692, 'O'),
        (2, 18_432, 'H'),
        (3, 173, 'H'),
        (4, 785, 'I'),
        (5, 45, 'E'),
    ] {
        let xml = sheet(n);
        assert!(
            xml.contains(&format!(
                r#"<autoFilter ref="A1:{last_column}{last_row}"/>"#
            )),
            "sheet {n}"
        );
        assert!(xml.contains("state=\"frozen\""), "sheet {n}");
    }
    // The matrix: 14 tactics as columns.
    let matrix = sheet(6);
    assert!(
        matrix.contains("<dimension ref=\"A1:N"),
        "{}",
        &matrix[..400]
    );
}

#[test]
fn markdown_summary_of_the_domain() {
    let Some((model, _)) = data() else { return };
    let text =
        String::from_utf8(export_bytes(model, "markdown", &ExportOptions::default())).unwrap();
    assert!(
        text.contains("| Techniques | 691 (475 of them sub-techniques) |"),
        "{text}"
    );
    assert!(
        text.contains("| Used by at least one group | 509 |"),
        "{text}"
    );
    assert!(text.contains("| Without mitigations | 109 |"), "{text}");
    assert!(text.contains("| Groups using them | 169 |"), "{text}");
    assert!(text.contains("… and 99 more"), "{text}");
}

/// ICS 17.1 detections are data components without ATT&CK IDs: `show`
/// prints each label once, Navigator metadata gives the label alone, and
/// the CSV ID column holds the label (docs/reports.md) — one value per
/// component, not an `ID name` pair of the same text.
#[test]
fn v17_data_components_without_ids_are_shown_once() {
    let Some(ics) = common::shared_file("attack/ics-attack-17.1.json") else {
        return;
    };
    let ics = ics.to_str().unwrap();
    let labels = [
        "Application Log: Application Log Content",
        "Network Traffic: Network Traffic Content",
        "Operational Databases: Device Alarm",
    ];

    let show = common::expect_success(&common::run(&[
        "show",
        "T0800",
        "--stix",
        ics,
        "--no-cache",
        "-q",
    ]));
    let detections: Vec<&str> = show
        .lines()
        .skip_while(|l| *l != "detections (3)")
        .skip(1)
        .take(3)
        .collect();
    assert_eq!(detections, labels.map(|l| format!("  {l}")));

    let component = common::expect_success(&common::run(&[
        "show",
        labels[0],
        "--stix",
        ics,
        "--no-cache",
        "-q",
    ]));
    assert_eq!(
        component.lines().next(),
        Some("Application Log: Application Log Content (data component without an ATT&CK ID)")
    );
    assert!(!component.contains("data components ("), "{component}");

    let layer = common::expect_success(&common::run(&[
        "export",
        "navigator",
        "-t",
        "T0800",
        "--stix",
        ics,
        "--no-cache",
        "-q",
    ]));
    let layer: Value = serde_json::from_str(&layer).unwrap();
    let metadata: Vec<&str> = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["metadata"].as_array().unwrap())
        .filter(|m| m["name"] == "detection")
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(layer["techniques"].as_array().unwrap().len(), 1);
    assert_eq!(metadata, labels);

    let csv = common::expect_success(&common::run(&[
        "export",
        "csv",
        "-t",
        "T0800",
        "--columns",
        "id,detection_ids,detection_count",
        "--stix",
        ics,
        "--no-cache",
        "-q",
    ]));
    assert_eq!(
        csv.replace("\r\n", "\n"),
        format!(
            "ID,Detection IDs,Detection count\nT0800,{},3\n",
            labels.join("; ")
        )
    );
}
