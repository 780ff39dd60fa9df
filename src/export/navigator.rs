//! ATT&CK Navigator layers (layer format 4.5, Navigator 5.x).
//!
//! One layer per domain (a JSON array when the selection covers several);
//! one technique entry per (technique, tactic) with the tactic's shortname,
//! so a multi-tactic technique is scored under every tactic it belongs to.
//! Scores ([`Score`]) count the groups, software, campaigns or mitigations
//! related to each technique — only the *named* ones when the selection
//! names objects of that kind, which makes `--group A --group B --group C`
//! the classic threat-informed heat map (how many of these groups use each
//! technique). Every entry carries a comment and metadata naming the related
//! groups (marking use through campaigns) and software, and a link to the
//! technique's ATT&CK page. `docs/navigator.md` describes the layer.
//!
//! The exporter computes the layer's data (the context part `navigator`,
//! with the layer format's own field names); the template
//! `navigator.json.j2` lays it out.

use std::collections::BTreeSet;

use minijinja::value::{Serde, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Domain, Model, ObjectInfo, TacticRef, Technique};
use crate::selection::Selection;
use crate::text::plural;

use super::context::{GroupUse, RelatedContext, TechniqueContext};
use super::templates::{TemplateOptions, Templates, attack_url, technique_url};
use super::{ExportInput, Exporter, FormatContext, Syntax};

/// `versions.layer` of the layers written.
pub const LAYER_VERSION: &str = "4.5";
/// `versions.navigator`: the Navigator release the layers are written for.
pub const NAVIGATOR_VERSION: &str = "5.1.0";

/// The Navigator exporter.
#[derive(Debug, Clone, Copy)]
pub struct Navigator;

/// What a technique's score counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Score {
    /// Groups using the technique (campaign attribution included): the
    /// named groups that use it when groups are named, else all groups.
    Groups,
    /// Software using it: the named software when software is named, else
    /// all.
    Software,
    /// Campaigns using it: the named campaigns when campaigns are named,
    /// else all.
    Campaigns,
    /// Mitigations of it: the named mitigations when mitigations are named,
    /// else all (0 = a gap).
    Mitigations,
    /// 1 for every selected technique.
    Constant,
    /// How many times the technique was named with `--technique` (a file
    /// with one line per detection rule gives the rules per technique); 1
    /// when no technique was named.
    Count,
}

impl Score {
    /// Every score, in the order the help lists them.
    pub const ALL: [Score; 6] = [
        Score::Groups,
        Score::Software,
        Score::Campaigns,
        Score::Mitigations,
        Score::Constant,
        Score::Count,
    ];

    /// Parses `groups`, `software`, `campaigns`, `mitigations`, `constant`,
    /// `count` (case-insensitive; the singular is accepted too).
    pub fn parse(s: &str) -> Option<Score> {
        let s = s.trim().to_ascii_lowercase();
        Score::ALL
            .into_iter()
            .find(|x| x.as_str() == s || x.as_str().strip_suffix('s') == Some(s.as_str()))
    }

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Score::Groups => "groups",
            Score::Software => "software",
            Score::Campaigns => "campaigns",
            Score::Mitigations => "mitigations",
            Score::Constant => "constant",
            Score::Count => "count",
        }
    }

    /// The score used when none is asked for: `count` when techniques are
    /// named, else the kind of the first objects named (groups, software,
    /// campaigns, mitigations), else `groups`.
    pub fn default_for(selection: &Selection<'_>) -> Score {
        if selection.criteria.names_techniques() {
            Score::Count
        } else if !selection.groups.is_empty() {
            Score::Groups
        } else if !selection.software.is_empty() {
            Score::Software
        } else if !selection.campaigns.is_empty() {
            Score::Campaigns
        } else if !selection.mitigations.is_empty() {
            Score::Mitigations
        } else {
            Score::Groups
        }
    }

    /// The score of one technique.
    pub fn of(self, selection: &Selection<'_>, t: &Technique, tc: &TechniqueContext<'_>) -> u64 {
        let n = match self {
            Score::Groups if !selection.groups.is_empty() => tc.named_groups.len(),
            Score::Groups => t.groups.len(),
            Score::Software if !selection.software.is_empty() => tc.named_software.len(),
            Score::Software => t.software.len(),
            Score::Campaigns if !selection.campaigns.is_empty() => tc.named_campaigns.len(),
            Score::Campaigns => t.campaigns.len(),
            Score::Mitigations if !selection.mitigations.is_empty() => tc.named_mitigations.len(),
            Score::Mitigations => t.mitigations.len(),
            Score::Constant => 1,
            Score::Count => selection.times_named(t).max(1),
        };
        n as u64
    }

    /// What the score means for this selection, as a phrase.
    pub fn meaning(self, selection: &Selection<'_>) -> String {
        let named = |infos: Vec<&ObjectInfo>, plural: &str, verb: &str| match infos.as_slice() {
            [one] => format!("1 when {} ({}) {verb}s the technique", one.name, one.id),
            many => format!(
                "how many of the {} given {plural} {verb} the technique",
                many.len()
            ),
        };
        match self {
            Score::Groups if !selection.groups.is_empty() => format!(
                "{} (directly or through attributed campaigns)",
                named(
                    selection.groups.iter().map(|g| &g.info).collect(),
                    "groups",
                    "use"
                )
            ),
            Score::Groups => {
                "how many groups use the technique (directly or through attributed campaigns)"
                    .to_string()
            }
            Score::Software if !selection.software.is_empty() => named(
                selection.software.iter().map(|s| &s.info).collect(),
                "software",
                "implement",
            ),
            Score::Software => "how many software implement the technique".to_string(),
            Score::Campaigns if !selection.campaigns.is_empty() => named(
                selection.campaigns.iter().map(|c| &c.info).collect(),
                "campaigns",
                "use",
            ),
            Score::Campaigns => "how many campaigns used the technique".to_string(),
            Score::Mitigations if !selection.mitigations.is_empty() => named(
                selection.mitigations.iter().map(|m| &m.info).collect(),
                "mitigations",
                "mitigate",
            ),
            Score::Mitigations => "how many mitigations the technique has (0 = a gap)".to_string(),
            Score::Constant => "1 for every selected technique".to_string(),
            Score::Count => {
                "how many times the technique is named in the technique list (1 if it is not)"
                    .to_string()
            }
        }
    }

    /// A legend label for a score value.
    fn legend_label(self, selection: &Selection<'_>, value: u64) -> String {
        let count = |one: &str, many: &str| {
            if value == 1 {
                format!("1 {one}")
            } else {
                format!("{value} {many}")
            }
        };
        let of_named = |n: usize, one: &str, many: &str| {
            if n > 1 {
                format!("{value} of the {n} given {many}")
            } else {
                count(one, many)
            }
        };
        match self {
            Score::Groups => of_named(selection.groups.len(), "group", "groups"),
            Score::Software => of_named(selection.software.len(), "software", "software"),
            Score::Campaigns => of_named(selection.campaigns.len(), "campaign", "campaigns"),
            Score::Mitigations => {
                of_named(selection.mitigations.len(), "mitigation", "mitigations")
            }
            Score::Constant => "selected technique".to_string(),
            Score::Count => {
                if value == 1 {
                    "named once".to_string()
                } else {
                    format!("named {value} times")
                }
            }
        }
    }

    /// The gradient colours: red for threat counts, green for coverage
    /// (mitigations and counts), blue for a plain selection.
    fn colors(self) -> &'static [&'static str] {
        match self {
            Score::Groups | Score::Software | Score::Campaigns => {
                &["#ffffff", "#ffb366", "#ff6666"]
            }
            Score::Mitigations => &["#ff6666", "#ffe766", "#8ec843"],
            Score::Count => &["#ffffff", "#8ec843"],
            Score::Constant => &["#ffffff", "#66b1ff"],
        }
    }
}

/// Options of the Navigator exporter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NavigatorOptions {
    /// What scores count; `None` = [`Score::default_for`] the selection.
    pub score: Option<Score>,
    /// The layer name (default: the selection's title). With `--each` the
    /// object's name is appended.
    pub name: Option<String>,
    /// Also write every other technique of the domain as a disabled entry
    /// and set `hideDisabled`, so Navigator shows only the selection.
    pub hide_unselected: bool,
}

/// The `navigator` part of the context.
#[derive(Debug, Clone, Serialize)]
pub struct NavigatorContext {
    /// What the scores mean.
    pub score: ScoreContext,
    /// One layer per domain.
    pub layers: Vec<Layer>,
}

/// What the scores mean.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreContext {
    /// `groups`, `software`, `campaigns`, `mitigations`, `constant`, `count`.
    pub kind: &'static str,
    /// What a technique's score is, as a phrase.
    pub meaning: String,
}

/// A layer, with the layer format's field names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// Tab title.
    pub name: String,
    /// ATT&CK, Navigator and layer format versions (strings).
    pub versions: Versions,
    /// `enterprise-attack`, `mobile-attack` or `ics-attack`.
    pub domain: String,
    /// What the layer shows and what produced it.
    pub description: String,
    /// Platform filter.
    pub filters: Filters,
    /// 0 name ascending, 3 score descending.
    pub sorting: u8,
    /// Layout options.
    pub layout: Layout,
    /// Hide disabled techniques.
    pub hide_disabled: bool,
    /// One entry per (technique, tactic).
    pub techniques: Vec<Cell>,
    /// Colour gradient of the scores (`minValue` < `maxValue`).
    pub gradient: Gradient,
    /// Legend.
    pub legend_items: Vec<LegendItem>,
    /// What produced the layer.
    pub metadata: Vec<Metadata>,
    /// ATT&CK pages of the objects named in the selection.
    pub links: Vec<Link>,
    /// Tactic row background off.
    pub show_tactic_row_background: bool,
    /// Tactic row background colour.
    pub tactic_row_background: &'static str,
    /// Select a technique under every tactic at once.
    pub select_techniques_across_tactics: bool,
    /// Select sub-techniques with their parent.
    pub select_subtechniques_with_parent: bool,
    /// Select only visible techniques.
    pub select_visible_techniques: bool,
}

/// `versions`: always strings.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// The data's ATT&CK release (`18.1`); `null` when unknown (the template
    /// then leaves the field out and Navigator assumes its current release).
    pub attack: Option<String>,
    /// [`NAVIGATOR_VERSION`].
    pub navigator: &'static str,
    /// [`LAYER_VERSION`].
    pub layer: &'static str,
}

/// `filters`.
#[derive(Debug, Clone, Serialize)]
pub struct Filters {
    /// Platforms as the data names them: the selected ones, else all of the
    /// domain.
    pub platforms: Vec<String>,
}

/// `layout`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// `side`.
    pub layout: &'static str,
    /// `average`.
    pub aggregate_function: &'static str,
    /// Show technique IDs.
    #[serde(rename = "showID")]
    pub show_id: bool,
    /// Show technique names.
    pub show_name: bool,
    /// Aggregate scores off.
    pub show_aggregate_scores: bool,
    /// Count unscored off.
    pub count_unscored: bool,
    /// `annotated`: expand parents whose sub-techniques are in the layer.
    pub expanded_subtechniques: &'static str,
}

/// One technique entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    /// `T1059.001`.
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    /// Tactic shortname; `null` only for a technique with no tactic in the
    /// domain (kept revoked ones).
    pub tactic: Option<String>,
    /// The score; `null` for disabled entries.
    pub score: Option<u64>,
    /// Explicit colour (empty: the gradient's).
    pub color: &'static str,
    /// Who uses it, how, and what mitigates it.
    pub comment: String,
    /// `false` for the unselected techniques of `hide_unselected`.
    pub enabled: bool,
    /// Related groups, software, campaigns, mitigations, detections.
    pub metadata: Vec<Metadata>,
    /// The technique's ATT&CK page.
    pub links: Vec<Link>,
    /// On a parent with selected sub-techniques.
    pub show_subtechniques: bool,
}

/// `gradient`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    /// At least two `#rrggbb` colours, low to high.
    pub colors: Vec<&'static str>,
    /// Lowest score (0).
    pub min_value: u64,
    /// Highest score, always above `min_value`.
    pub max_value: u64,
}

/// A legend item.
#[derive(Debug, Clone, Serialize)]
pub struct LegendItem {
    /// What the colour means.
    pub label: String,
    /// `#rrggbb`.
    pub color: String,
}

/// A metadata entry: a name and a non-empty value, or a divider.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Metadata {
    /// `{"name": …, "value": …}`.
    Entry {
        /// Name.
        name: &'static str,
        /// Value (never empty).
        value: String,
    },
    /// `{"divider": true}`.
    Divider {
        /// Always true.
        divider: bool,
    },
}

/// A link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Label.
    pub label: String,
    /// URL with scheme.
    pub url: String,
}

impl Exporter for Navigator {
    fn name(&self) -> &'static str {
        "navigator"
    }

    fn summary(&self) -> &'static str {
        "ATT&CK Navigator layer (format 4.5): one entry per technique and tactic, scored"
    }

    fn template(&self) -> &'static str {
        "navigator.json.j2"
    }

    fn syntax(&self) -> Syntax {
        Syntax::Json
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn context(&self, input: &ExportInput<'_>) -> Result<FormatContext> {
        let options = &input.options.navigator;
        let selection = input.selection;
        let score = options
            .score
            .unwrap_or_else(|| Score::default_for(selection));
        let mut warnings = Vec::new();
        let several = input.domains.len() > 1;
        let layers = input
            .domains
            .iter()
            .map(|domain| {
                let layer = layer(input, domain, score, several);
                if layer.versions.attack.is_none() {
                    warnings.push(format!(
                        "the ATT&CK release of {} is unknown: the layer has no versions.attack and Navigator will assume its current release (pass --attack-version)",
                        domain.id
                    ));
                }
                layer
            })
            .collect();
        let part = NavigatorContext {
            score: ScoreContext {
                kind: score.as_str(),
                meaning: score.meaning(selection),
            },
            layers,
        };
        Ok(FormatContext {
            value: Value::from(Serde(&part)),
            warnings,
        })
    }
}

fn layer(input: &ExportInput<'_>, domain: &Domain, score: Score, several: bool) -> Layer {
    let model = input.model;
    let selection = input.selection;
    let options = &input.options.navigator;
    let selected: Vec<(&Technique, &TechniqueContext<'_>)> = selection
        .techniques
        .iter()
        .zip(input.techniques)
        .filter(|(t, _)| t.domains.contains(&domain.id))
        .map(|(t, tc)| (*t, tc))
        .collect();
    let parents: BTreeSet<&str> = selected
        .iter()
        .filter_map(|(t, _)| t.parent.as_deref())
        .collect();

    let mut cells = Vec::new();
    for (t, tc) in &selected {
        let entry = Cell {
            score: Some(score.of(selection, t, tc)),
            comment: comment(selection, t, tc),
            metadata: metadata(selection, t, tc),
            links: technique_links(t),
            show_subtechniques: parents.contains(t.technique_id.as_str()),
            ..Cell::new(t)
        };
        cells.extend(technique_cells(domain, &selection.tactics_of(t), entry));
    }
    if options.hide_unselected {
        cells.extend(disabled_cells(model, selection, domain, &selected));
    }

    let attack_version = layer_attack_version(model, domain);
    let title = match (&options.name, input.object) {
        (Some(name), Some(object)) => format!("{name}: {} ({})", object.name, object.id),
        (Some(name), None) => name.clone(),
        (None, _) => selection.title(),
    };
    let platforms = if selection.platforms.is_empty() {
        domain.platforms.clone()
    } else {
        domain
            .platforms
            .iter()
            .filter(|p| selection.platforms.contains(p))
            .cloned()
            .collect()
    };
    let count = selected.len();
    let label = |value: u64| score.legend_label(selection, value);
    let frame = LayerFrame {
        name: domain_title(title, domain, several),
        description: description(model, selection, score, attack_version.as_deref(), count),
        platforms,
        hide_disabled: options.hide_unselected,
        colors: score.colors().to_vec(),
        legend: Legend::Scores(&label),
        metadata: layer_metadata(model, selection, score, attack_version.as_deref(), count),
        links: layer_links(selection),
    };
    assemble(model, domain, frame, cells)
}

/// What a layer holds besides its technique entries. [`assemble`] adds the
/// rest — versions, layout, gradient, sorting — the same way for every layer
/// attackmap writes (`export navigator`, `sigma coverage`).
pub struct LayerFrame<'f> {
    /// Tab title.
    pub name: String,
    /// What the layer shows and what produced it.
    pub description: String,
    /// `filters.platforms`, spelled as the data spells them.
    pub platforms: Vec<String>,
    /// `hideDisabled`.
    pub hide_disabled: bool,
    /// Gradient colours (`#rrggbb`), low to high; at least two.
    pub colors: Vec<&'static str>,
    /// How the legend is made.
    pub legend: Legend<'f>,
    /// Layer metadata.
    pub metadata: Vec<Metadata>,
    /// Layer links.
    pub links: Vec<Link>,
}

/// How a layer's legend is made.
pub enum Legend<'f> {
    /// One item per score present (the lowest, middle and highest when
    /// there are more than six), labelled by the function and coloured from
    /// the gradient.
    Scores(&'f dyn Fn(u64) -> String),
    /// Exactly these items.
    Fixed(Vec<LegendItem>),
}

impl Cell {
    /// An enabled, unscored entry for `t` with no tactic, comment, metadata
    /// or links: the base the fields of an entry are set on.
    pub fn new(t: &Technique) -> Cell {
        Cell {
            technique_id: t.technique_id.clone(),
            tactic: None,
            score: None,
            color: "",
            comment: String::new(),
            enabled: true,
            metadata: Vec::new(),
            links: Vec::new(),
            show_subtechniques: false,
        }
    }
}

/// A technique's entries: `entry` once per tactic of `tactics` that the
/// domain has, or once without a tactic when none is in the domain (a kept
/// revoked technique).
pub fn technique_cells(domain: &Domain, tactics: &[&TacticRef], entry: Cell) -> Vec<Cell> {
    let in_domain: Vec<&TacticRef> = tactics
        .iter()
        .copied()
        .filter(|r| domain.tactics.contains(&r.id))
        .collect();
    if in_domain.is_empty() {
        return vec![entry];
    }
    in_domain
        .into_iter()
        .map(|r| Cell {
            tactic: Some(r.shortname.clone()),
            ..entry.clone()
        })
        .collect()
}

/// The link to a technique's ATT&CK page, as an entry's `links`.
pub fn technique_links(t: &Technique) -> Vec<Link> {
    technique_url(&t.technique_id)
        .map(|url| Link {
            label: format!("{} {} (ATT&CK)", t.technique_id, t.full_name),
            url,
        })
        .into_iter()
        .collect()
}

/// The ATT&CK release a domain's layer is for: the domain's, else the
/// model's.
pub fn layer_attack_version(model: &Model, domain: &Domain) -> Option<String> {
    domain
        .attack_version
        .clone()
        .or_else(|| model.source.attack_version.clone())
}

/// `title`, with the domain's name appended when the output has several
/// layers.
pub fn domain_title(title: String, domain: &Domain, several: bool) -> String {
    if several {
        format!("{title} ({})", domain.name.as_deref().unwrap_or(&domain.id))
    } else {
        title
    }
}

/// Builds a layer of `domain` from its frame and entries: the versions
/// (strings), the layout, a gradient from 0 to the highest score (always
/// above 0), the legend, and sorting by score when the scores differ.
pub fn assemble(model: &Model, domain: &Domain, frame: LayerFrame<'_>, cells: Vec<Cell>) -> Layer {
    let scores: BTreeSet<u64> = cells.iter().filter_map(|c| c.score).collect();
    let min_value = 0;
    let max_value = scores.last().copied().unwrap_or(0).max(min_value + 1);
    let legend_items = match frame.legend {
        Legend::Scores(label) => legend(label, &scores, &frame.colors, min_value, max_value),
        Legend::Fixed(items) => items,
    };
    Layer {
        name: frame.name,
        versions: Versions {
            attack: layer_attack_version(model, domain),
            navigator: NAVIGATOR_VERSION,
            layer: LAYER_VERSION,
        },
        domain: domain.id.clone(),
        description: frame.description,
        filters: Filters {
            platforms: frame.platforms,
        },
        sorting: if scores.len() > 1 { 3 } else { 0 },
        layout: Layout {
            layout: "side",
            aggregate_function: "average",
            show_id: true,
            show_name: true,
            show_aggregate_scores: false,
            count_unscored: false,
            expanded_subtechniques: "annotated",
        },
        hide_disabled: frame.hide_disabled,
        techniques: cells,
        gradient: Gradient {
            colors: frame.colors,
            min_value,
            max_value,
        },
        legend_items,
        metadata: frame.metadata,
        links: frame.links,
        show_tactic_row_background: false,
        tactic_row_background: "#dddddd",
        select_techniques_across_tactics: true,
        select_subtechniques_with_parent: false,
        select_visible_techniques: false,
    }
}

/// Renders layers (one per domain) with the built-in `navigator.json.j2`
/// template, as `export navigator` writes them: one layer, or an array
/// when there are several. `score` and `meaning` fill `navigator.score`.
pub fn render_layers(layers: Vec<Layer>, score: &'static str, meaning: String) -> Result<String> {
    let part = NavigatorContext {
        score: ScoreContext {
            kind: score,
            meaning,
        },
        layers,
    };
    let mut context = serde_json::Map::new();
    let value = serde_json::to_value(&part).map_err(|e| Error::Internal(e.to_string()))?;
    context.insert(Navigator.name().to_string(), value);
    let templates = Templates::new(&TemplateOptions::default(), Navigator.template())?;
    super::render(
        &Navigator,
        &templates,
        &Value::from(Serde(serde_json::Value::Object(context))),
    )
}

/// Disabled entries for every live technique (and tactic) of the domain
/// that the selection leaves out.
fn disabled_cells(
    model: &Model,
    selection: &Selection<'_>,
    domain: &Domain,
    selected: &[(&Technique, &TechniqueContext<'_>)],
) -> Vec<Cell> {
    let mut cells = Vec::new();
    for t in model
        .live_techniques()
        .filter(|t| t.domains.contains(&domain.id))
    {
        let chosen = selected
            .iter()
            .find(|(s, _)| s.technique_id == t.technique_id);
        for r in t.tactics.iter().filter(|r| domain.tactics.contains(&r.id)) {
            let in_selection =
                chosen.is_some() && selection.tactics_of(t).iter().any(|x| x.id == r.id);
            if in_selection {
                continue;
            }
            cells.push(Cell {
                tactic: Some(r.shortname.clone()),
                enabled: false,
                ..Cell::new(t)
            });
        }
    }
    cells
}

/// Up to six legend items, each with its colour on the gradient: every
/// distinct score present, or, when there are more, three: the lowest
/// score present, the midpoint between it and the highest (rounded down),
/// and the highest.
fn legend(
    label: &dyn Fn(u64) -> String,
    scores: &BTreeSet<u64>,
    colors: &[&str],
    min: u64,
    max: u64,
) -> Vec<LegendItem> {
    let values: Vec<u64> = scores.iter().copied().collect();
    let shown: Vec<u64> = if values.len() <= 6 {
        values
    } else {
        let (low, high) = (values[0], values[values.len() - 1]);
        vec![low, low + (high - low) / 2, high]
    };
    shown
        .into_iter()
        .map(|v| LegendItem {
            label: label(v),
            color: gradient_color(colors, (v.saturating_sub(min)) as f64 / (max - min) as f64),
        })
        .collect()
}

/// The colour at `position` (0..=1) of evenly spaced `#rrggbb` stops.
pub fn gradient_color(colors: &[&str], position: f64) -> String {
    let rgb = |c: &str| -> [f64; 3] {
        let hex = c.trim_start_matches('#');
        let part = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0) as f64
        };
        [part(0), part(2), part(4)]
    };
    match colors {
        [] => "#000000".to_string(),
        [only] => only.to_string(),
        _ => {
            let p = position.clamp(0.0, 1.0) * (colors.len() - 1) as f64;
            let i = (p.floor() as usize).min(colors.len() - 2);
            let f = p - i as f64;
            let (a, b) = (rgb(colors[i]), rgb(colors[i + 1]));
            let mix = |k: usize| (a[k] + (b[k] - a[k]) * f).round() as u8;
            format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
        }
    }
}

fn labels<T>(items: &[T], label: impl Fn(&T) -> String) -> String {
    items.iter().map(label).collect::<Vec<_>>().join("; ")
}

/// Names at most `max` items, else counts them.
fn some_names<T>(items: &[T], max: usize, label: impl Fn(&T) -> String) -> String {
    if items.len() <= max {
        format!(": {}", labels(items, label))
    } else {
        String::new()
    }
}

/// The entry's comment: one sentence each for groups, software, campaigns,
/// mitigations, how often it was named, and its status.
fn comment(selection: &Selection<'_>, t: &Technique, tc: &TechniqueContext<'_>) -> String {
    let mut s: Vec<String> = Vec::new();
    let groups = selection.groups.len();
    if groups == 1 {
        s.push(format!(
            "Used by {}.",
            labels(&tc.named_groups, GroupUse::label)
        ));
    } else if groups > 1 {
        s.push(format!(
            "Used by {} of the {groups} given groups: {}.",
            tc.named_groups.len(),
            labels(&tc.named_groups, GroupUse::label)
        ));
    } else if tc.groups.is_empty() {
        s.push("No known group uses it.".to_string());
    } else {
        s.push(format!(
            "Used by {}{}.",
            plural(tc.groups.len(), "group", "groups"),
            some_names(&tc.groups, 5, GroupUse::label)
        ));
    }
    let software = selection.software.len();
    if software > 0 {
        s.push(format!(
            "Implemented by {} of the {software} given software{}.",
            tc.named_software.len(),
            some_names(&tc.named_software, 10, RelatedContext::label)
        ));
    } else if groups > 0 {
        if !tc.named_software.is_empty() {
            let whose = if groups == 1 { "Its" } else { "Their" };
            s.push(format!(
                "{whose} software implementing it: {}.",
                labels(&tc.named_software, RelatedContext::label)
            ));
        }
    } else if !tc.software.is_empty() {
        s.push(format!(
            "Implemented by {}{}.",
            plural(tc.software.len(), "software", "software"),
            some_names(&tc.software, 5, RelatedContext::label)
        ));
    }
    let campaigns = selection.campaigns.len();
    if campaigns > 0 {
        s.push(format!(
            "Used in {} of the {campaigns} given campaigns{}.",
            tc.named_campaigns.len(),
            some_names(&tc.named_campaigns, 10, RelatedContext::label)
        ));
    } else if groups == 0 && !tc.campaigns.is_empty() {
        s.push(format!(
            "Used in {}{}.",
            plural(tc.campaigns.len(), "campaign", "campaigns"),
            some_names(&tc.campaigns, 5, RelatedContext::label)
        ));
    }
    if !selection.mitigations.is_empty() {
        s.push(format!(
            "Mitigated by {}.",
            labels(&tc.named_mitigations, RelatedContext::label)
        ));
    } else if tc.mitigations.is_empty() {
        s.push("No mitigations.".to_string());
    } else {
        s.push(format!(
            "{}.",
            plural(tc.mitigations.len(), "mitigation", "mitigations")
        ));
    }
    match tc.times_named {
        0 => {}
        1 => s.push("Named once in the technique list.".to_string()),
        n => s.push(format!("Named {n} times in the technique list.")),
    }
    if t.revoked {
        match &t.replaced_by {
            Some(r) => s.push(format!("Revoked: replaced by {r}.")),
            None => s.push("Revoked.".to_string()),
        }
    } else if t.deprecated {
        s.push("Deprecated.".to_string());
    }
    s.join(" ")
}

/// The entry's metadata: the related groups (the named ones, when groups
/// are named), software, campaigns, mitigations, detections and (ICS) the
/// assets it targets, with dividers between kinds.
fn metadata(selection: &Selection<'_>, t: &Technique, tc: &TechniqueContext<'_>) -> Vec<Metadata> {
    let mut sections: Vec<Vec<Metadata>> = Vec::new();
    let entry = |name: &'static str, value: String| Metadata::Entry { name, value };
    let groups = if selection.groups.is_empty() {
        &tc.groups
    } else {
        &tc.named_groups
    };
    sections.push(groups.iter().map(|g| entry("group", g.label())).collect());
    let software = if selection.software.is_empty() && selection.groups.is_empty() {
        &tc.software
    } else {
        &tc.named_software
    };
    sections.push(
        software
            .iter()
            .map(|x| entry("software", x.label()))
            .collect(),
    );
    let campaigns: &[RelatedContext<'_>] = if !selection.campaigns.is_empty() {
        &tc.named_campaigns
    } else if !selection.groups.is_empty() {
        &[] // shown with the groups ("via C0024 …")
    } else {
        &tc.campaigns
    };
    sections.push(
        campaigns
            .iter()
            .map(|x| entry("campaign", x.label()))
            .collect(),
    );
    let mitigations = if selection.mitigations.is_empty() {
        &tc.mitigations
    } else {
        &tc.named_mitigations
    };
    sections.push(
        mitigations
            .iter()
            .map(|x| entry("mitigation", x.label()))
            .collect(),
    );
    sections.push(
        tc.detections
            .iter()
            .map(|x| entry("detection", x.label()))
            .collect(),
    );
    sections.push(
        t.assets
            .iter()
            .map(|a| entry("asset", format!("{} ({})", a.name, a.id)))
            .collect(),
    );
    let mut out = Vec::new();
    for section in sections.into_iter().filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push(Metadata::Divider { divider: true });
        }
        out.extend(section);
    }
    out
}

/// `Generated by attackmap <version> from ATT&CK <release> — <inputs>.`:
/// the last sentence of a layer's description.
pub fn provenance(model: &Model, attack_version: Option<&str>) -> String {
    format!(
        "Generated by attackmap {} from ATT&CK {} — {}.",
        env!("CARGO_PKG_VERSION"),
        attack_version.unwrap_or("(release unknown)"),
        source_text(model)
    )
}

/// Each input as `file (sha256 …)`, comma-separated, for descriptions.
fn source_text(model: &Model) -> String {
    let files: Vec<String> = model
        .source
        .inputs
        .iter()
        .map(|i| format!("{} (sha256 {})", i.file_name, i.sha256))
        .collect();
    files.join(", ")
}

fn description(
    model: &Model,
    selection: &Selection<'_>,
    score: Score,
    attack_version: Option<&str>,
    count: usize,
) -> String {
    format!(
        "{} {} in this layer. Score: {}. {}",
        selection.description(),
        plural(count, "technique", "techniques"),
        score.meaning(selection),
        provenance(model, attack_version)
    )
}

fn layer_metadata(
    model: &Model,
    selection: &Selection<'_>,
    score: Score,
    attack_version: Option<&str>,
    count: usize,
) -> Vec<Metadata> {
    let entry = |name: &'static str, value: String| Metadata::Entry { name, value };
    let arguments = selection.criteria.arguments();
    let mut out = vec![
        generator_metadata(),
        entry(
            "selection",
            if arguments.is_empty() {
                "all techniques".to_string()
            } else {
                arguments
            },
        ),
        entry("techniques", count.to_string()),
        entry(
            "score",
            format!("{}: {}", score.as_str(), score.meaning(selection)),
        ),
    ];
    out.extend(source_metadata(model, attack_version));
    out
}

/// `generated_by`: `attackmap <version>`, the first entry of a layer's
/// metadata.
pub fn generator_metadata() -> Metadata {
    Metadata::Entry {
        name: "generated_by",
        value: format!("attackmap {}", env!("CARGO_PKG_VERSION")),
    }
}

/// `attack_version`, then `source` and `source_sha256` per input: the last
/// entries of a layer's metadata.
pub fn source_metadata(model: &Model, attack_version: Option<&str>) -> Vec<Metadata> {
    let entry = |name: &'static str, value: String| Metadata::Entry { name, value };
    let mut out = Vec::new();
    if let Some(v) = attack_version {
        out.push(entry("attack_version", v.to_string()));
    }
    for input in &model.source.inputs {
        out.push(entry("source", input.file_name.clone()));
        out.push(entry("source_sha256", input.sha256.clone()));
    }
    out
}

fn layer_links(selection: &Selection<'_>) -> Vec<Link> {
    let infos = selection
        .groups
        .iter()
        .map(|g| &g.info)
        .chain(selection.software.iter().map(|s| &s.info))
        .chain(selection.campaigns.iter().map(|c| &c.info))
        .chain(selection.mitigations.iter().map(|m| &m.info));
    infos
        .filter_map(|i| {
            attack_url(&i.id).map(|url| Link {
                label: format!("{} ({})", i.name, i.id),
                url,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_shows_every_score_or_lowest_midpoint_highest() {
        let label = |v: u64| format!("{v} groups");
        let colors = ["#ffffff", "#ff6666"];
        let few: BTreeSet<u64> = [1, 2, 5].into();
        let labels: Vec<String> = legend(&label, &few, &colors, 0, 5)
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert_eq!(labels, ["1 groups", "2 groups", "5 groups"]);

        // Seven distinct scores, bunched at the low end: the middle item is
        // the midpoint of the scale (50), not the median score present (4).
        let many: BTreeSet<u64> = [1, 2, 3, 4, 5, 6, 100].into();
        let items: Vec<(String, String)> = legend(&label, &many, &colors, 0, 100)
            .into_iter()
            .map(|i| (i.label, i.color))
            .collect();
        assert_eq!(
            items,
            [
                ("1 groups".to_string(), "#fffdfd".to_string()),
                ("50 groups".to_string(), "#ffb3b3".to_string()),
                ("100 groups".to_string(), "#ff6666".to_string()),
            ]
        );
    }

    #[test]
    fn gradient_colours_interpolate_between_stops() {
        let colors = ["#ffffff", "#ff6666"];
        assert_eq!(gradient_color(&colors, 0.0), "#ffffff");
        assert_eq!(gradient_color(&colors, 1.0), "#ff6666");
        assert_eq!(gradient_color(&colors, 0.5), "#ffb3b3");
        let three = ["#ff6666", "#ffe766", "#8ec843"];
        assert_eq!(gradient_color(&three, 0.5), "#ffe766");
        assert_eq!(gradient_color(&three, 2.0), "#8ec843");
    }

    #[test]
    fn scores_parse_by_name() {
        for s in Score::ALL {
            assert_eq!(Score::parse(s.as_str()), Some(s));
        }
        assert_eq!(Score::parse("GROUPS"), Some(Score::Groups));
        assert_eq!(Score::parse("rules"), None);
    }
}
