//! The stakeholder reports — `export csv`, `export xlsx`, `export markdown`
//! — on the example bundle and on a fixture whose fields hold newlines,
//! quotes, commas, non-ASCII text and formula-like starts
//! (`fixtures/reports/tricky-fields.json`): CSV read back with a CSV reader
//! and compared with the model, the formula guard, column choice and its
//! errors, the workbook's sheets and XML, the golden Markdown summary.
//!
//! Regenerate the golden Markdown after a deliberate change with
//! `UPDATE_GOLDEN=1 cargo test --test reports`, then review the diff.

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use attackmap::Model;
use attackmap::export::csv::CsvOptions;
use attackmap::export::table::RowKind;
use attackmap::export::templates::{TemplateOptions, Templates};
use attackmap::export::{self, ExportOptions};
use attackmap::selection::Criteria;

fn example() -> Model {
    common::fixture_model("example/attackmap-example.json")
}

fn tricky() -> Model {
    common::fixture_model("reports/tricky-fields.json")
}

/// The bytes `format` writes for `criteria` with the built-in templates
/// (or those of `template_dir`).
fn export_with(
    model: &Model,
    format: &str,
    criteria: &Criteria,
    options: &ExportOptions,
    template_dir: Option<&Path>,
) -> attackmap::Result<Vec<u8>> {
    let exporter = export::exporter(format)?;
    let templates = Templates::new(
        &TemplateOptions {
            file: None,
            dir: template_dir.map(Path::to_path_buf),
        },
        exporter.template(),
    )?;
    let docs = export::prepare(model, criteria, exporter, options, None)?;
    export::output(exporter, &templates, &docs[0].context, options)
}

/// The bytes `format` writes for everything with the templates of `dir`.
fn with_templates(model: &Model, format: &str, dir: &Path) -> attackmap::Result<Vec<u8>> {
    export_with(
        model,
        format,
        &Criteria::default(),
        &ExportOptions::default(),
        Some(dir),
    )
}

fn export_bytes(
    model: &Model,
    format: &str,
    criteria: &Criteria,
    options: &ExportOptions,
) -> Vec<u8> {
    export_with(model, format, criteria, options, None).expect("exports")
}

fn csv_options(rows: RowKind, columns: &[&str]) -> ExportOptions {
    ExportOptions {
        csv: CsvOptions {
            rows,
            columns: (!columns.is_empty()).then(|| columns.iter().map(|c| c.to_string()).collect()),
            ..CsvOptions::default()
        },
        ..ExportOptions::default()
    }
}

/// Every column of a row kind.
fn all_columns(rows: RowKind) -> Vec<&'static str> {
    rows.keys().to_vec()
}

/// The CSV read back with the csv crate: headers, and one map per record.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let records = reader
        .records()
        .map(|r| {
            let r = r.expect("a valid CSV record");
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (headers, records)
}

/// The CSV of `rows` with every column, headers being the keys.
fn csv_by_key(model: &Model, rows: RowKind, criteria: &Criteria) -> Vec<BTreeMap<String, String>> {
    let keys = all_columns(rows);
    let dir = tempfile::tempdir().unwrap();
    let spec: String = keys.iter().map(|k| format!("{k}: {k}\n")).collect();
    std::fs::write(dir.path().join("csv.columns.j2"), spec).unwrap();
    let mut options = csv_options(rows, &[]);
    options.csv.formula_guard = false;
    let bytes = export_with(model, "csv", criteria, &options, Some(dir.path())).unwrap();
    let (headers, records) = read_csv(&bytes);
    assert_eq!(headers, keys);
    records
}

fn joined<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join("; ")
}

#[test]
fn technique_rows_read_back_equal_the_model() {
    let model = example();
    let records = csv_by_key(&model, RowKind::Techniques, &Criteria::default());
    let live: Vec<_> = model.live_techniques().collect();
    assert_eq!(records.len(), live.len());
    for (r, t) in records.iter().zip(&live) {
        assert_eq!(r["id"], t.technique_id);
        assert_eq!(r["name"], t.name);
        assert_eq!(r["full_name"], t.full_name);
        assert_eq!(
            r["tactics"],
            joined(t.tactics.iter().map(|x| x.name.as_str()))
        );
        assert_eq!(
            r["platforms"],
            joined(t.platforms.iter().map(String::as_str))
        );
        assert_eq!(r["parent"], t.parent.clone().unwrap_or_default());
        assert_eq!(r["group_count"], t.groups.len().to_string());
        assert_eq!(
            r["groups"],
            joined(t.groups.iter().map(|g| g.name.as_str()))
        );
        assert_eq!(r["software_count"], t.software.len().to_string());
        assert_eq!(r["campaign_count"], t.campaigns.len().to_string());
        assert_eq!(
            r["mitigation_ids"],
            joined(t.mitigations.iter().map(|m| m.id.as_str()))
        );
        assert_eq!(
            r["mitigations"],
            joined(t.mitigations.iter().map(|m| m.name.as_str()))
        );
        assert_eq!(
            r["detections"],
            joined(t.detections.iter().map(|d| d.name.as_str()))
        );
        assert_eq!(r["is_subtechnique"], t.is_subtechnique.to_string());
        assert_eq!(r["revoked"], "false");
        assert_eq!(r["deprecated"], "false");
        assert!(r["url"].starts_with("https://attack.mitre.org/techniques/"));
    }
}

#[test]
fn default_columns_and_headers() {
    let model = example();
    let bytes = export_bytes(
        &model,
        "csv",
        &Criteria::default(),
        &ExportOptions::default(),
    );
    let (headers, records) = read_csv(&bytes);
    assert_eq!(
        headers,
        [
            "ID",
            "Name",
            "Tactics",
            "Platforms",
            "Sub-technique of",
            "Group count",
            "Groups",
            "Software count",
            "Campaign count",
            "Mitigation IDs",
            "Mitigations",
            "Detections",
            "URL",
            "Revoked",
            "Deprecated"
        ]
    );
    assert_eq!(records.len(), 10);
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains('\r'), "lines end with \\n");
    assert!(!text.starts_with('\u{feff}'));
}

#[test]
fn relationship_rows_are_every_pair() {
    let model = example();
    let records = csv_by_key(&model, RowKind::Relationships, &Criteria::default());
    let mut expected = 0;
    for t in model.live_techniques() {
        let rows: Vec<_> = records
            .iter()
            .filter(|r| r["technique_id"] == t.technique_id)
            .collect();
        let of = |kind: &str| rows.iter().filter(|r| r["object_type"] == kind).count();
        assert_eq!(of("group"), t.groups.len(), "{}", t.technique_id);
        assert_eq!(of("software"), t.software.len());
        assert_eq!(of("campaign"), t.campaigns.len());
        assert_eq!(of("mitigation"), t.mitigations.len());
        assert_eq!(of("detection-strategy"), t.detections.len());
        expected += rows.len();
        for g in &t.groups {
            let row = rows.iter().find(|r| r["object_id"] == g.id).unwrap();
            assert_eq!(row["relation"], "uses");
            assert_eq!(row["attribution"], g.relation.as_str());
            assert_eq!(
                row["via_campaigns"],
                joined(g.via_campaigns.iter().map(|c| c.id.as_str()))
            );
            assert_eq!(row["procedure"], g.procedure.clone().unwrap_or_default());
        }
        for m in &t.mitigations {
            let row = rows.iter().find(|r| r["object_id"] == m.id).unwrap();
            assert_eq!(row["relation"], "mitigates");
            assert_eq!(row["procedure"], m.procedure.clone().unwrap_or_default());
        }
    }
    assert_eq!(records.len(), expected);
    // APT29 uses T1027 only through the SolarWinds campaign.
    let solarwinds = records
        .iter()
        .find(|r| r["technique_id"] == "T1027" && r["object_id"] == "G0016")
        .unwrap();
    assert_eq!(solarwinds["attribution"], "campaign");
    assert_eq!(solarwinds["via_campaigns"], "C0024");
    assert_eq!(solarwinds["via_campaign_names"], "SolarWinds Compromise");
}

#[test]
fn named_objects_narrow_their_own_kind_of_pairs_only() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    };
    let records = csv_by_key(&model, RowKind::Relationships, &criteria);
    let groups: Vec<&str> = records
        .iter()
        .filter(|r| r["object_type"] == "group")
        .map(|r| r["object_id"].as_str())
        .collect();
    assert!(!groups.is_empty());
    assert!(groups.iter().all(|g| *g == "G0016"), "{groups:?}");
    assert!(records.iter().any(|r| r["object_type"] == "mitigation"));
}

#[test]
fn group_software_and_mitigation_rows_hold_their_selected_techniques() {
    let model = example();
    let groups = csv_by_key(&model, RowKind::Groups, &Criteria::default());
    assert_eq!(groups.len(), model.groups.len());
    for (r, g) in groups.iter().zip(&model.groups) {
        assert_eq!(r["id"], g.info.id);
        assert_eq!(r["technique_count"], g.techniques.len().to_string());
        assert_eq!(
            r["technique_ids"],
            joined(g.techniques.iter().map(|t| t.id.as_str()))
        );
        assert_eq!(r["aliases"], joined(g.aliases.iter().map(String::as_str)));
    }
    let software = csv_by_key(&model, RowKind::Software, &Criteria::default());
    assert_eq!(software.len(), model.software.len());
    assert_eq!(software[0]["type"], model.software[0].kind);
    let mitigations = csv_by_key(&model, RowKind::Mitigations, &Criteria::default());
    let live = model
        .mitigations
        .iter()
        .filter(|m| !m.info.revoked && !m.info.deprecated);
    assert_eq!(mitigations.len(), live.count());

    // A tactic restricts the rows to related objects, and their lists to
    // the selected techniques.
    let execution = Criteria {
        tactics: vec!["execution".into()],
        ..Criteria::default()
    };
    let rows = csv_by_key(&model, RowKind::Groups, &execution);
    for r in &rows {
        let g = model.group(&r["id"]).unwrap();
        let expected: Vec<&str> = g
            .techniques
            .iter()
            .filter(|t| model.technique(&t.id).unwrap().has_tactic("execution"))
            .map(|t| t.id.as_str())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(r["technique_ids"], joined(expected));
    }
    // A named group is its only row.
    let one = Criteria {
        groups: vec!["APT29".into()],
        ..Criteria::default()
    };
    let rows = csv_by_key(&model, RowKind::Groups, &one);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "G0016");
}

#[test]
fn quoting_keeps_newlines_quotes_commas_and_unicode() {
    let model = tricky();
    let records = csv_by_key(&model, RowKind::Relationships, &Criteria::default());
    assert_eq!(records.len(), 6);
    let t1059 = model.technique("T1059").unwrap();
    let first = &records[0];
    assert_eq!(
        first["technique_name"],
        "Command, \"Scripting\" Interpreter"
    );
    assert_eq!(first["object_name"], "@evil");
    let procedure = t1059.groups[0].procedure.clone().unwrap();
    assert!(procedure.contains('\n') && procedure.contains('"') && procedure.contains('名'));
    assert_eq!(first["procedure"], procedure);
    let t1204 = records
        .iter()
        .find(|r| r["technique_id"] == "T1204")
        .unwrap();
    assert_eq!(
        t1204["technique_name"],
        "Ausführung durch Benutzer — 名前 «quoted»"
    );
    let groups = csv_by_key(&model, RowKind::Groups, &Criteria::default());
    let g2 = groups.iter().find(|r| r["id"] == "G0902").unwrap();
    assert_eq!(g2["name"], "Grüne \"Gruppe\", Ltd.");
    assert_eq!(
        g2["aliases"],
        "Grüne \"Gruppe\", Ltd.; Zweite;Zeile\nmit Umbruch"
    );
}

#[test]
fn formula_guard_neutralises_formula_starts_and_can_be_turned_off() {
    let model = tricky();
    let columns = ["object_name", "procedure"];
    let guarded = csv_options(RowKind::Relationships, &columns);
    let (_, records) = read_csv(&export_bytes(&model, "csv", &Criteria::default(), &guarded));
    let names: Vec<&str> = records.iter().map(|r| r["Object name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "'@evil",
            "Grüne \"Gruppe\", Ltd.",
            "'+cmd|' /C calc'!A0",
            "'=1+1",
            "Grüne \"Gruppe\", Ltd.",
            "'-2+3"
        ]
    );
    assert_eq!(
        records[2]["Procedure"],
        "'=cmd|' /C calc'!A0 is a DDE payload"
    );
    assert_eq!(records[3]["Procedure"], "'@SUM(1,1) in a mitigation's text");

    let mut off = guarded.clone();
    off.csv.formula_guard = false;
    let (_, raw) = read_csv(&export_bytes(&model, "csv", &Criteria::default(), &off));
    assert_eq!(raw[0]["Object name"], "@evil");
    assert_eq!(raw[3]["Object name"], "=1+1");
    assert_eq!(raw[5]["Procedure"], "-1 is negative, +1 is not");

    // Counts are numbers, never guarded.
    let counts = csv_options(RowKind::Techniques, &["id", "group_count"]);
    let (_, rows) = read_csv(&export_bytes(&model, "csv", &Criteria::default(), &counts));
    assert_eq!(rows[0]["Group count"], "2");
}

#[test]
fn bom_and_separator_on_request() {
    let model = example();
    let mut options = csv_options(RowKind::Techniques, &["id", "tactics"]);
    options.csv.bom = true;
    options.csv.separator = " | ".into();
    let bytes = export_bytes(&model, "csv", &Criteria::default(), &options);
    assert!(bytes.starts_with(b"\xEF\xBB\xBFID,Tactics\n"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("T1053,Execution | Persistence | Privilege Escalation\n"),
        "{text}"
    );
}

#[test]
fn unknown_columns_are_errors_listing_the_valid_ones() {
    let model = example();
    let err = export_with(
        &model,
        "csv",
        &Criteria::default(),
        &csv_options(RowKind::Techniques, &["id", "grups"]),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("unknown column 'grups' for techniques rows (did you mean groups?)"),
        "{err}"
    );
    assert!(
        err.contains("valid columns: id, name, full_name, tactics"),
        "{err}"
    );

    let err = export_with(
        &model,
        "csv",
        &Criteria::default(),
        &csv_options(RowKind::Mitigations, &["aliases"]),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("for mitigations rows"), "{err}");
}

#[test]
fn a_template_chooses_and_names_the_columns() {
    let model = example();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("csv.columns.j2"),
        "{# my report #}\nid: Technique\n# a comment line\n\ngroup_count: Threat actors, all\nname\n",
    )
    .unwrap();
    let bytes = with_templates(&model, "csv", dir.path()).unwrap();
    let (headers, records) = read_csv(&bytes);
    assert_eq!(headers, ["Technique", "Threat actors, all", "Name"]);
    assert_eq!(records[0]["Technique"], "T1027");

    std::fs::write(dir.path().join("csv.columns.j2"), "id\ncolour: Colour\n").unwrap();
    let err = with_templates(&model, "csv", dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("csv.columns.j2"), "{err}");
    assert!(err.contains("output line 2"), "{err}");
    assert!(err.contains("unknown column 'colour'"), "{err}");

    std::fs::write(dir.path().join("csv.columns.j2"), "[techniques]\nid\n").unwrap();
    let err = with_templates(&model, "csv", dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("sections are for workbooks"), "{err}");
}

/// Renders `format` from a context dumped as JSON and read back.
fn from_dumped_context(
    model: &Model,
    format: &str,
    criteria: &Criteria,
    options: &ExportOptions,
) -> Vec<u8> {
    let exporter = export::exporter(format).unwrap();
    let docs = export::prepare(model, criteria, exporter, options, None).unwrap();
    let json = export::context_to_json(&docs[0].context).unwrap();
    let context = export::context_from_json("ctx.json".as_ref(), json.as_bytes()).unwrap();
    let templates = Templates::new(&TemplateOptions::default(), exporter.template()).unwrap();
    export::output(exporter, &templates, &context, options).unwrap()
}

#[test]
fn context_holds_the_records_and_renders_the_same_csv() {
    let model = tricky();
    for rows in RowKind::ALL {
        let options = csv_options(rows, &all_columns(rows));
        let direct = export_bytes(&model, "csv", &Criteria::default(), &options);
        let again = from_dumped_context(&model, "csv", &Criteria::default(), &options);
        assert_eq!(
            String::from_utf8(direct).unwrap(),
            String::from_utf8(again).unwrap(),
            "{rows:?}"
        );
    }
    let exporter = export::exporter("csv").unwrap();
    let docs = export::prepare(
        &model,
        &Criteria::default(),
        exporter,
        &csv_options(RowKind::Groups, &["id", "name"]),
        None,
    )
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&export::context_to_json(&docs[0].context).unwrap()).unwrap();
    let part = &json["csv"];
    assert_eq!(part["rows"], "groups");
    assert_eq!(part["columns"][1]["key"], "name");
    assert_eq!(
        part["available"].as_array().unwrap().len(),
        RowKind::Groups.keys().len()
    );
    assert_eq!(part["records"][0]["id"], "G0901");
    assert_eq!(part["records"][0]["technique_count"], 1);
    assert_eq!(
        part["records"][1]["aliases"][1],
        "Zweite;Zeile\nmit Umbruch"
    );
}

/// The files of a zip archive, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().to_string(), text);
    }
    files
}

/// The `name` attributes of `<sheet>` elements, in order.
fn sheet_names(workbook_xml: &str) -> Vec<String> {
    workbook_xml
        .split("<sheet ")
        .skip(1)
        .filter_map(|s| {
            s.split("name=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_string)
        })
        .collect()
}

/// The shared strings of a workbook, in order (XML entities decoded).
fn shared_strings(xml: &str) -> Vec<String> {
    xml.split("<si>")
        .skip(1)
        .map(|si| {
            let text = si.split_once("<t").map_or("", |(_, t)| t);
            let text = text.split_once('>').map_or("", |(_, t)| t);
            let text = text.split("</t>").next().unwrap_or_default();
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The text of the shared-string cells of `row` (1-based) of a sheet.
fn row_strings(sheet_xml: &str, row: usize, strings: &[String]) -> Vec<String> {
    let start = format!("<row r=\"{row}\"");
    let Some((_, rest)) = sheet_xml.split_once(&start) else {
        return Vec::new();
    };
    let cells = rest.split("</row>").next().unwrap_or_default();
    cells
        .split("<c ")
        .skip(1)
        .filter(|c| c.contains("t=\"s\""))
        .filter_map(|c| {
            c.split("<v>")
                .nth(1)?
                .split("</v>")
                .next()?
                .parse::<usize>()
                .ok()
        })
        .map(|i| strings[i].clone())
        .collect()
}

#[test]
fn workbook_has_a_sheet_per_view_with_frozen_headers_and_filters() {
    let model = example();
    let bytes = export_bytes(
        &model,
        "xlsx",
        &Criteria::default(),
        &ExportOptions::default(),
    );
    assert!(bytes.starts_with(b"PK"));
    let files = unzip(&bytes);
    assert_eq!(
        sheet_names(&files["xl/workbook.xml"]),
        [
            "Techniques",
            "Relationships",
            "Groups",
            "Software",
            "Mitigations",
            "Matrix"
        ]
    );
    let strings = shared_strings(&files["xl/sharedStrings.xml"]);
    assert_eq!(
        row_strings(&files["xl/worksheets/sheet3.xml"], 1, &strings),
        [
            "ID",
            "Name",
            "Aliases",
            "Technique count",
            "Technique IDs",
            "Software",
            "Campaigns",
            "URL"
        ]
    );
    for header in [
        "ID",
        "Group count",
        "Technique ID",
        "Object type",
        "Procedure",
        "Aliases",
        "Technique IDs",
    ] {
        assert!(
            strings.iter().any(|s| s == header),
            "{header} in {strings:?}"
        );
    }
    let techniques = &files["xl/worksheets/sheet1.xml"];
    assert!(
        techniques.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    assert!(
        techniques.contains(r#"<autoFilter ref="A1:O11"/>"#),
        "{techniques}"
    );
    assert!(techniques.contains("<cols>") && techniques.contains("customWidth=\"1\""));
    assert!(techniques.contains("<hyperlinks>"), "URLs are links");
    let relationships = &files["xl/worksheets/sheet2.xml"];
    let pairs: usize = model
        .live_techniques()
        .map(|t| {
            t.groups.len()
                + t.software.len()
                + t.campaigns.len()
                + t.mitigations.len()
                + t.detections.len()
        })
        .sum();
    assert!(
        relationships.contains(&format!(r#"<autoFilter ref="A1:H{}"/>"#, pairs + 1)),
        "{relationships}"
    );
    let matrix = &files["xl/worksheets/sheet6.xml"];
    assert!(matrix.contains("state=\"frozen\""));
    assert!(!matrix.contains("<autoFilter"));
    // The matrix's header row: the tactics in matrix order.
    let domain = &model.domains[0];
    let tactic_names: Vec<&str> = domain
        .tactics
        .iter()
        .filter_map(|id| model.tactics.iter().find(|t| &t.id == id))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(row_strings(matrix, 1, &strings), tactic_names);
    // Sub-techniques carry their full name, as ATT&CK writes it.
    assert!(
        strings
            .iter()
            .any(|s| s == "T1059.001 Command and Scripting Interpreter: PowerShell"),
        "{strings:?}"
    );
    assert!(!strings.iter().any(|s| s == "T1059.001 PowerShell"));
    assert!(
        strings
            .iter()
            .any(|s| s == "T1059 Command and Scripting Interpreter")
    );
    assert!(files["docProps/core.xml"].contains("ATT&amp;CK 18.1: All techniques"));
}

#[test]
fn workbook_template_picks_sheets_and_columns() {
    let model = tricky();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("xlsx.sheets.j2"),
        "[matrix: ATT&CK matrix]\n[groups: Threat actors]\nid: Group\nname\naliases\n",
    )
    .unwrap();
    let bytes = with_templates(&model, "xlsx", dir.path()).unwrap();
    let files = unzip(&bytes);
    assert_eq!(
        sheet_names(&files["xl/workbook.xml"]),
        ["ATT&amp;CK matrix", "Threat actors"]
    );
    let strings = shared_strings(&files["xl/sharedStrings.xml"]);
    // Cells are stored as strings: never formulas, never guarded.
    assert!(strings.iter().any(|s| s == "@evil"));
    assert!(strings.iter().any(|s| s.contains("=HYPERLINK(")));
    assert!(!files["xl/worksheets/sheet2.xml"].contains("<f>"));

    for (spec, problem) in [
        ("[groups: a/b]\nid\n", "may not contain '/'"),
        (
            "[groups: Same]\nid\n[software: same]\nid\n",
            "another sheet has this title",
        ),
        ("id\n", "start every sheet with a `[kind: Title]`"),
        ("[colours]\nid\n", "unknown sheet kind 'colours'"),
        ("[groups]\n", "produced no column for groups rows"),
        ("# nothing\n", "produced no sheet"),
    ] {
        std::fs::write(dir.path().join("xlsx.sheets.j2"), spec).unwrap();
        let err = with_templates(&model, "xlsx", dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains(problem), "{spec:?}: {err}");
    }
}

#[test]
fn workbook_from_a_dumped_context_has_the_same_sheets() {
    let model = example();
    let criteria = Criteria {
        groups: vec!["G0016".into()],
        ..Criteria::default()
    };
    let direct = unzip(&export_bytes(
        &model,
        "xlsx",
        &criteria,
        &ExportOptions::default(),
    ));
    let again = unzip(&from_dumped_context(
        &model,
        "xlsx",
        &criteria,
        &ExportOptions::default(),
    ));
    assert_eq!(
        direct.keys().collect::<Vec<_>>(),
        again.keys().collect::<Vec<_>>()
    );
    for (name, text) in &direct {
        if name != "docProps/core.xml" {
            assert_eq!(text, &again[name], "{name}");
        }
    }
}

fn golden_text(name: &str, actual: &str) {
    let actual = actual.replace(
        &format!("attackmap {}", env!("CARGO_PKG_VERSION")),
        "attackmap VERSION",
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        actual == expected,
        "{name} differs from the golden file; actual:\n{actual}"
    );
}

#[test]
fn golden_markdown_summaries() {
    let model = example();
    let all = export_bytes(
        &model,
        "markdown",
        &Criteria::default(),
        &ExportOptions::default(),
    );
    golden_text("markdown_all.md", &String::from_utf8(all).unwrap());
    let mut short = ExportOptions::default();
    short.markdown.top = 1;
    let criteria = Criteria {
        groups: vec!["G0016".into()],
        tactics: vec!["execution".into(), "persistence".into()],
        ..Criteria::default()
    };
    let apt29 = export_bytes(&model, "markdown", &criteria, &short);
    golden_text(
        "markdown_group_G0016_top1.md",
        &String::from_utf8(apt29).unwrap(),
    );
}

#[test]
fn markdown_counts_agree_with_the_model() {
    let model = example();
    let exporter = export::exporter("markdown").unwrap();
    let docs = export::prepare(
        &model,
        &Criteria::default(),
        exporter,
        &ExportOptions::default(),
        None,
    )
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&export::context_to_json(&docs[0].context).unwrap()).unwrap();
    let counts = &json["markdown"]["counts"];
    let live: Vec<_> = model.live_techniques().collect();
    assert_eq!(counts["techniques"], live.len());
    assert_eq!(
        counts["without_mitigations"],
        live.iter().filter(|t| t.mitigations.is_empty()).count()
    );
    assert_eq!(
        counts["with_groups"],
        live.iter().filter(|t| !t.groups.is_empty()).count()
    );
    let top = json["markdown"]["top_techniques"].as_array().unwrap();
    let groups: Vec<u64> = top.iter().map(|t| t["groups"].as_u64().unwrap()).collect();
    assert!(groups.windows(2).all(|w| w[0] >= w[1]), "{groups:?}");
}

// The command line.

fn stix(fixture: &str) -> String {
    common::fixture(fixture).display().to_string()
}

#[test]
fn cli_writes_csv_xlsx_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let example = stix("example/attackmap-example.json");
    let out = dir.path().join("report.xlsx");
    let run = common::run(&[
        "export",
        "xlsx",
        "--stix",
        &example,
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    common::expect_success(&run);
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    // Piped (not a terminal), a workbook may go to stdout.
    let piped = common::run(&["export", "xlsx", "--stix", &example, "-q"]);
    assert!(piped.stdout.starts_with(b"PK"));

    let csv = common::run(&[
        "export",
        "csv",
        "--stix",
        &example,
        "-q",
        "--rows",
        "relationships",
        "--columns",
        "technique_id,object_id",
        "--columns",
        "relation",
        "--bom",
    ]);
    let text = common::expect_success(&csv);
    assert!(
        text.starts_with("\u{feff}Technique ID,Object ID,Relation\n"),
        "{text}"
    );

    let md = common::run(&[
        "export", "markdown", "--stix", &example, "-q", "--top", "2", "-g", "APT29",
    ]);
    let text = common::expect_success(&md);
    assert!(
        text.starts_with("# ATT&CK summary: APT29 (G0016)\n"),
        "{text}"
    );
}

#[test]
fn cli_errors_name_the_problem() {
    let example = stix("example/attackmap-example.json");
    let err = common::expect_bad_input(&common::run(&[
        "export",
        "csv",
        "--stix",
        &example,
        "-q",
        "--columns",
        "id,nmae",
    ]));
    assert!(
        err.contains("unknown column 'nmae' for techniques rows (did you mean name?)"),
        "{err}"
    );
    assert!(err.contains("valid columns: id, name,"), "{err}");
    let err = common::expect_bad_input(&common::run(&[
        "export",
        "navigator",
        "--stix",
        &example,
        "--bom",
    ]));
    assert!(
        err.contains("--bom applies to `export csv`, not to `export navigator`"),
        "{err}"
    );
    let err = common::expect_bad_input(&common::run(&[
        "export", "markdown", "--stix", &example, "--rows", "groups",
    ]));
    assert!(err.contains("--rows applies to `export csv`"), "{err}");
    let err = common::expect_bad_input(&common::run(&[
        "export", "csv", "--stix", &example, "--rows", "colours",
    ]));
    assert!(
        err.contains("techniques, relationships, groups, software, mitigations"),
        "{err}"
    );
}

#[test]
fn cli_each_group_writes_one_csv_per_group() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = stix("example/attackmap-example.json");
    let run = common::run(&[
        "export",
        "csv",
        "--stix",
        &bundle,
        "-q",
        "--each",
        "group",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    common::expect_success(&run);
    let text = std::fs::read_to_string(dir.path().join("G0016_APT29.csv")).unwrap();
    let (_, records) = read_csv(text.as_bytes());
    let apt29 = common::fixture_model("example/attackmap-example.json");
    assert_eq!(
        records.len(),
        apt29.group("G0016").unwrap().techniques.len()
    );
}

#[test]
fn cli_description_column_loads_the_descriptions() {
    let bundle = stix("example/attackmap-example.json");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_str().unwrap();
    let run = common::run(&[
        "export",
        "csv",
        "--stix",
        &bundle,
        "-q",
        "--cache-dir",
        cache,
        "--columns",
        "id,description",
    ]);
    let (headers, records) = read_csv(common::expect_success(&run).as_bytes());
    assert_eq!(headers, ["ID", "Description"]);
    assert!(
        records.iter().all(|r| !r["Description"].is_empty()),
        "{records:?}"
    );
    // Without it, the model has no descriptions and the column is empty.
    let run = common::run(&[
        "export",
        "csv",
        "--stix",
        &bundle,
        "-q",
        "--cache-dir",
        cache,
        "--rows",
        "groups",
        "--columns",
        "id",
        "--columns",
        "name",
    ]);
    let (headers, _) = read_csv(common::expect_success(&run).as_bytes());
    assert_eq!(headers, ["ID", "Name"]);
}
