//! `attackmap show ID`: everything about one object.

use attackmap::error::{EXIT_OK, Result};
use attackmap::mapping::MapOptions;
use attackmap::model::*;
use attackmap::query::{self, DetectionPart, Resolved};
use clap::{Args, ValueEnum};

use super::inputs::InputArgs;
use super::output::{to_json, write_stdout};

/// Options of `attackmap show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// An ATT&CK ID (T1059.001, TA0002, G0016, S0154, C0024, M1038, DET0455,
    /// ICS assets A0008, and in ATT&CK v18 data components DC0032 and
    /// analytics AN1252) or an exact name or alias ("APT29", "PowerShell").
    #[arg(value_name = "ID")]
    pub id: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,

    /// Print the procedure examples (relationship descriptions) in text
    /// output: under each related object of a technique, and under each
    /// technique of a group, software, campaign or mitigation.
    #[arg(long)]
    pub procedures: bool,
}

/// `show` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Readable text.
    Text,
    /// The object as it is in the model, as JSON.
    Json,
}

/// Runs `attackmap show`.
pub fn run(args: &ShowArgs) -> Result<i32> {
    let loaded = args.inputs.load(MapOptions::default())?;
    let model = &loaded.model;
    let found = match query::resolve(model, &args.id) {
        Ok(found) => found,
        Err(err) => {
            // Data components and analytics of ATT&CK v18 live inside
            // detection strategies; show what names them.
            let Some(part) = query::detection_part(model, &args.id) else {
                return Err(err);
            };
            let bytes = match args.format {
                ShowFormat::Json => to_json(&part)?,
                ShowFormat::Text => part_text(&part).into_bytes(),
            };
            write_stdout(&bytes)?;
            return Ok(EXIT_OK);
        }
    };
    let bytes = match args.format {
        ShowFormat::Json => json(found)?,
        ShowFormat::Text => text(model, found, args.procedures).into_bytes(),
    };
    write_stdout(&bytes)?;
    Ok(EXIT_OK)
}

fn json(found: Resolved<'_>) -> Result<Vec<u8>> {
    match found {
        Resolved::Technique(t) => to_json(t),
        Resolved::Tactic(t) => to_json(t),
        Resolved::Group(g) => to_json(g),
        Resolved::Software(s) => to_json(s),
        Resolved::Campaign(c) => to_json(c),
        Resolved::Mitigation(m) => to_json(m),
        Resolved::Detection(d) => to_json(d),
        Resolved::Asset(a) => to_json(a),
    }
}

/// Builds the text report line by line.
struct Report {
    out: String,
}

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        self.out.push_str(s.as_ref());
        self.out.push('\n');
    }

    fn field(&mut self, name: &str, value: impl AsRef<str>) {
        if !value.as_ref().is_empty() {
            self.line(format!("{name:<15}{}", value.as_ref()));
        }
    }

    fn list<T>(&mut self, title: &str, items: &[T], mut fmt: impl FnMut(&T) -> String) {
        self.line(format!("\n{title} ({})", items.len()));
        for item in items {
            self.line(format!("  {}", fmt(item)));
        }
    }
}

fn status(revoked: bool, deprecated: bool, replaced_by: Option<&str>) -> String {
    match (revoked, deprecated) {
        (true, _) => match replaced_by {
            Some(r) => format!("REVOKED (replaced by {r})"),
            None => "REVOKED".to_string(),
        },
        (false, true) => "DEPRECATED (no replacement)".to_string(),
        _ => "live".to_string(),
    }
}

fn procedure_suffix(procedure: &Option<String>, show: bool) -> String {
    match (procedure, show) {
        (Some(p), true) => format!("\n      {}", p.replace('\n', "\n      ")),
        _ => String::new(),
    }
}

fn text(model: &Model, found: Resolved<'_>, procedures: bool) -> String {
    let mut r = Report { out: String::new() };
    match found {
        Resolved::Technique(t) => technique_text(&mut r, model, t, procedures),
        Resolved::Tactic(t) => {
            r.line(format!("{} {} (tactic)", t.id, t.name));
            r.field("shortname", &t.shortname);
            r.field("domain", &t.domain);
            r.field("url", t.url.as_deref().unwrap_or_default());
            let techniques: Vec<&Technique> = model
                .live_techniques()
                .filter(|x| x.tactics.iter().any(|y| y.id == t.id) && x.domains.contains(&t.domain))
                .collect();
            r.list("techniques", &techniques, |x| {
                format!("{:<10} {}", x.technique_id, x.full_name)
            });
        }
        Resolved::Group(g) => {
            info_text(&mut r, "group", &g.info);
            r.field("aliases", g.aliases.join(", "));
            r.list("techniques", &g.techniques, |x| {
                let how = how_related(x.relation, &x.via_campaigns);
                let procedure = procedures
                    .then(|| {
                        stored_procedure(model, &x.id, |t| {
                            let entry = t.groups.iter().find(|e| e.id == g.info.id);
                            entry.map(|e| &e.procedure)
                        })
                    })
                    .flatten();
                format!(
                    "{:<10} {}  [{how}]{}",
                    x.id,
                    x.name,
                    procedure_suffix(&procedure, procedures)
                )
            });
            r.list("software", &g.software, named);
            r.list("campaigns", &g.campaigns, named);
        }
        Resolved::Software(s) => {
            info_text(&mut r, &s.kind, &s.info);
            r.field("aliases", s.aliases.join(", "));
            r.field("platforms", s.platforms.join(", "));
            r.list("techniques", &s.techniques, |x| {
                technique_line(model, x, &s.info.id, |t| &t.software, procedures)
            });
            r.list("groups", &s.groups, named);
            r.list("campaigns", &s.campaigns, named);
        }
        Resolved::Campaign(c) => {
            info_text(&mut r, "campaign", &c.info);
            r.field("aliases", c.aliases.join(", "));
            r.field("first seen", c.first_seen.as_deref().unwrap_or_default());
            r.field("last seen", c.last_seen.as_deref().unwrap_or_default());
            r.list("attributed to", &c.groups, named);
            r.list("techniques", &c.techniques, |x| {
                technique_line(model, x, &c.info.id, |t| &t.campaigns, procedures)
            });
            r.list("software", &c.software, named);
        }
        Resolved::Mitigation(m) => {
            info_text(&mut r, "mitigation", &m.info);
            r.list("mitigates", &m.techniques, |x| {
                technique_line(model, x, &m.info.id, |t| &t.mitigations, procedures)
            });
        }
        Resolved::Detection(d) => {
            let kind = match d.kind {
                DetectionKind::DetectionStrategy => "detection strategy",
                DetectionKind::DataComponent => "data component",
            };
            info_text(&mut r, kind, &d.info);
            r.field("analytics", d.analytics.join(", "));
            if d.kind == DetectionKind::DetectionStrategy {
                r.list("data components", &d.data_components, named);
            }
            r.list("detects", &d.techniques, technique_ref);
        }
        Resolved::Asset(a) => asset_text(&mut r, a),
    }
    r.out
}

/// An ICS asset: its platforms, sectors, other names and the techniques
/// that target it.
fn asset_text(r: &mut Report, a: &Asset) {
    info_text(r, "asset", &a.info);
    r.field("platforms", a.platforms.join(", "));
    r.field("sectors", a.sectors.join(", "));
    r.list("related assets", &a.related_assets, |x| {
        if x.sectors.is_empty() {
            x.name.clone()
        } else {
            format!("{}  [{}]", x.name, x.sectors.join(", "))
        }
    });
    r.list("targeted by", &a.techniques, technique_ref);
}

/// A data component or analytic: the strategies that name it and the
/// techniques they detect.
fn part_text(part: &DetectionPart<'_>) -> String {
    let mut r = Report { out: String::new() };
    let kind = part.kind.replace('-', " ");
    match &part.name {
        Some(name) => r.line(format!("{} {name} ({kind})", part.id)),
        None => r.line(format!("{} ({kind})", part.id)),
    }
    r.list("in detection strategies", &part.detection_strategies, named);
    r.list("detects, through them", &part.techniques, |t| {
        technique_ref(t)
    });
    r.out
}

/// `direct`, or `campaign via C0024 SolarWinds Compromise`, `both via …`.
fn how_related(relation: Relation, via_campaigns: &[NamedRef]) -> String {
    if via_campaigns.is_empty() {
        return relation.as_str().to_string();
    }
    let via: Vec<String> = via_campaigns
        .iter()
        .map(|c| format!("{} {}", c.id, c.name))
        .collect();
    format!("{} via {}", relation.as_str(), via.join(", "))
}

/// `DC0032     Process Creation`; an object without an ATT&CK ID (a v17
/// data component, whose ID is its `Data Source: Data Component` label)
/// shows that label once.
fn named(n: &NamedRef) -> String {
    id_and_name(&n.id, &n.name)
}

/// `ID         name`, or the name alone when the ID is the name (a v17 data
/// component without an ATT&CK ID).
fn id_and_name(id: &str, name: &str) -> String {
    if id == name {
        name.to_string()
    } else {
        format!("{id:<10} {name}")
    }
}

/// A technique's detection: `DET0455    Name  [data components: …]` for a
/// detection strategy; a data component (the component itself) without
/// the bracket, and once by its label when it has no ATT&CK ID.
fn detection_line(d: &DetectionRef) -> String {
    if !d.has_attack_id() {
        return d.name.clone();
    }
    let line = id_and_name(&d.id, &d.name);
    if d.kind == DetectionKind::DataComponent {
        return line;
    }
    let components: Vec<&str> = d.data_components.iter().map(|c| c.name.as_str()).collect();
    format!("{line}  [data components: {}]", components.join(", "))
}

/// A procedure example, read from the technique's side of the model, where
/// every relationship description is kept: `find` picks the related
/// object's entry in the technique's lists.
fn stored_procedure<'m>(
    model: &'m Model,
    technique: &str,
    find: impl FnOnce(&'m Technique) -> Option<&'m Option<String>>,
) -> Option<String> {
    model.technique(technique).and_then(find)?.clone()
}

/// A technique of a software, campaign or mitigation, with the description
/// of the relationship when `procedures` is set. `side` picks the list of
/// the technique in which `object` appears.
fn technique_line(
    model: &Model,
    t: &TechniqueRef,
    object: &str,
    side: fn(&Technique) -> &Vec<Related>,
    procedures: bool,
) -> String {
    let procedure = procedures
        .then(|| {
            stored_procedure(model, &t.id, |x| {
                side(x)
                    .iter()
                    .find(|r| r.id == object)
                    .map(|r| &r.procedure)
            })
        })
        .flatten();
    format!(
        "{}{}",
        technique_ref(t),
        procedure_suffix(&procedure, procedures)
    )
}

fn technique_ref(t: &TechniqueRef) -> String {
    format!("{:<10} {}", t.id, t.name)
}

fn info_text(r: &mut Report, kind: &str, info: &ObjectInfo) {
    if info.id == info.name {
        r.line(format!("{} ({kind} without an ATT&CK ID)", info.name));
    } else {
        r.line(format!("{} {} ({kind})", info.id, info.name));
    }
    r.field(
        "status",
        status(info.revoked, info.deprecated, info.revoked_by.as_deref()),
    );
    r.field("domains", info.domains.join(", "));
    r.field("url", info.url.as_deref().unwrap_or_default());
}

fn technique_text(r: &mut Report, model: &Model, t: &Technique, procedures: bool) {
    let kind = if t.is_subtechnique {
        "sub-technique"
    } else {
        "technique"
    };
    r.line(format!("{} {} ({kind})", t.technique_id, t.full_name));
    r.field(
        "status",
        status(t.revoked, t.deprecated, t.replaced_by.as_deref()),
    );
    if t.revoked_by_chain.len() > 1 {
        r.field(
            "revoked chain",
            format!("{} → {}", t.technique_id, t.revoked_by_chain.join(" → ")),
        );
    }
    r.field("domains", t.domains.join(", "));
    r.field("url", t.url.as_deref().unwrap_or_default());
    let tactics: Vec<String> = t
        .tactics
        .iter()
        .map(|x| format!("{} {} ({})", x.id, x.name, x.shortname))
        .collect();
    r.field("tactics", tactics.join(", "));
    r.field("platforms", t.platforms.join(", "));
    r.field("parent", t.parent.as_deref().unwrap_or_default());
    r.field("sub-techniques", t.subtechniques.join(", "));
    if let Some(other) = model.mitigation(&t.technique_id) {
        r.field(
            "note",
            format!(
                "the ID {} is also an old-style mitigation: {}",
                other.info.id, other.info.name
            ),
        );
    }
    r.list("groups", &t.groups, |g| {
        let how = how_related(g.relation, &g.via_campaigns);
        format!(
            "{:<10} {}  [{how}]{}",
            g.id,
            g.name,
            procedure_suffix(&g.procedure, procedures)
        )
    });
    r.list("software", &t.software, |s| {
        format!(
            "{:<10} {} ({}){}",
            s.id,
            s.name,
            s.kind.as_deref().unwrap_or("software"),
            procedure_suffix(&s.procedure, procedures)
        )
    });
    let related = |x: &Related| {
        format!(
            "{:<10} {}{}",
            x.id,
            x.name,
            procedure_suffix(&x.procedure, procedures)
        )
    };
    r.list("campaigns", &t.campaigns, related);
    r.list("mitigations", &t.mitigations, related);
    r.list("detections", &t.detections, detection_line);
    if !t.assets.is_empty() || t.domains.iter().any(|d| d == "ics-attack") {
        r.list("targets", &t.assets, named);
    }
}
