//! Tables of the enriched model, for the spreadsheet formats (`csv`,
//! `xlsx`): one row per technique, per technique–object pair, per group,
//! per software or per mitigation, with every column a user can ask for.
//!
//! A [`Table`] holds *every* column of its [`RowKind`] (cells in the order of
//! [`RowKind::columns`]); which columns are written, and under which
//! headers, is decided afterwards by a **column spec** that a template
//! renders ([`parse_spec`]): one `key` or `key: Header` per line, and for
//! workbooks `[kind: Sheet title]` lines starting each sheet. The table
//! goes into the template context as a lazily converted value
//! ([`Table::to_value`]), so `export --context` shows every record while a
//! direct export never converts the cells at all ([`Table::from_value`]
//! gets the table back as it was).
//!
//! `docs/reports.md` lists every column of every row kind.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::query::closest;
use crate::selection::{Criteria, Selection};

use super::templates::attack_url;

/// What one row of a table stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// One row per selected technique.
    Techniques,
    /// One row per pair of a selected technique and a related group,
    /// software, campaign, mitigation or detection.
    Relationships,
    /// One row per group, with its techniques within the selection.
    Groups,
    /// One row per software, with its techniques within the selection.
    Software,
    /// One row per mitigation, with its techniques within the selection.
    Mitigations,
}

impl RowKind {
    /// Every row kind, in the order of the help and of the workbook's sheets.
    pub const ALL: [RowKind; 5] = [
        RowKind::Techniques,
        RowKind::Relationships,
        RowKind::Groups,
        RowKind::Software,
        RowKind::Mitigations,
    ];

    /// Parses `techniques`, `relationships`, `groups`, `software`,
    /// `mitigations` (case-insensitive; the singular is accepted too).
    pub fn parse(s: &str) -> Option<RowKind> {
        let s = s.trim().to_ascii_lowercase();
        RowKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.as_str().strip_suffix('s') == Some(s.as_str()))
    }

    /// The name on the command line and in templates (`techniques`).
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Techniques => "techniques",
            RowKind::Relationships => "relationships",
            RowKind::Groups => "groups",
            RowKind::Software => "software",
            RowKind::Mitigations => "mitigations",
        }
    }

    /// The default sheet title (`Techniques`).
    pub fn title(self) -> &'static str {
        match self {
            RowKind::Techniques => "Techniques",
            RowKind::Relationships => "Relationships",
            RowKind::Groups => "Groups",
            RowKind::Software => "Software",
            RowKind::Mitigations => "Mitigations",
        }
    }

    /// Every column rows of this kind have, in table order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            RowKind::Techniques => TECHNIQUE_COLUMNS,
            RowKind::Relationships => PAIR_COLUMNS,
            RowKind::Groups => GROUP_COLUMNS,
            RowKind::Software => SOFTWARE_COLUMNS,
            RowKind::Mitigations => MITIGATION_COLUMNS,
        }
    }

    /// The position of column `key` (exact, lower case) in [`Self::columns`].
    pub fn index(self, key: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.key == key)
    }

    /// The columns written when none are chosen.
    pub fn default_columns(self) -> Vec<&'static Column> {
        self.columns().iter().filter(|c| c.default).collect()
    }

    /// The column keys, in table order.
    pub fn keys(self) -> &'static [&'static str] {
        static KEYS: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
        let all = KEYS.get_or_init(|| {
            RowKind::ALL
                .iter()
                .map(|k| k.columns().iter().map(|c| c.key).collect())
                .collect()
        });
        let position = RowKind::ALL.iter().position(|k| *k == self).unwrap_or(0);
        all.get(position).map_or(&[], Vec::as_slice)
    }

    /// The error for a column this kind does not have: the closest key and
    /// every valid one. `origin` says where the name came from.
    pub fn unknown_column(self, origin: &str, key: &str) -> Error {
        let suggestion = closest(key, self.keys().iter().copied())
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        Error::Invalid(format!(
            "{origin}unknown column '{key}' for {} rows{suggestion}; valid columns: {}",
            self.as_str(),
            self.keys().join(", ")
        ))
    }
}

/// A column of a row kind.
#[derive(Debug)]
pub struct Column {
    /// The key in `--columns`, column specs and context records (`group_count`).
    pub key: &'static str,
    /// The default header (`Group count`).
    pub header: &'static str,
    /// Whether the column is written when none are chosen.
    pub default: bool,
    /// What the column holds.
    pub about: &'static str,
    /// Whether the cell is a web address (a link in a workbook).
    pub link: bool,
    get: Get,
}

/// How a column's cell is computed from the row's source.
#[derive(Debug, Clone, Copy)]
enum Get {
    Technique(fn(&Technique) -> Cell),
    Pair(fn(&Pair<'_>) -> Cell),
    Group(fn(&Owner<'_, Group, GroupTechnique>) -> Cell),
    Software(fn(&Owner<'_, Software, TechniqueRef>) -> Cell),
    Mitigation(fn(&Owner<'_, Mitigation, TechniqueRef>) -> Cell),
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// Several values: written joined by the separator.
    List(Vec<String>),
    /// A count.
    Number(u64),
    /// A flag: `true` / `false`.
    Flag(bool),
}

impl Cell {
    fn text(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    }

    fn opt(s: Option<&str>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> Cell {
        Cell::List(items.into_iter().map(str::to_string).collect())
    }

    fn count(n: usize) -> Cell {
        Cell::Number(n as u64)
    }

    /// The cell as text, lists joined by `separator`.
    pub fn render(&self, separator: &str) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::List(items) => Cow::Owned(items.join(separator)),
            Cell::Number(n) => Cow::Owned(n.to_string()),
            Cell::Flag(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    /// The cell as a template value: `none`, a string, a list of strings, a
    /// number or a boolean.
    pub fn to_value(&self) -> Value {
        match self {
            Cell::Empty => Value::from(()),
            Cell::Text(s) => Value::from(s.as_str()),
            Cell::List(items) => Value::from(
                items
                    .iter()
                    .map(|s| Value::from(s.as_str()))
                    .collect::<Vec<_>>(),
            ),
            Cell::Number(n) => Value::from(*n),
            Cell::Flag(b) => Value::from(*b),
        }
    }

    /// A cell from JSON, as written by `export --context`.
    pub fn from_json(value: &serde_json::Value) -> Cell {
        use serde_json::Value as J;
        match value {
            J::Null => Cell::Empty,
            J::Bool(b) => Cell::Flag(*b),
            J::Number(n) => n
                .as_u64()
                .map_or_else(|| Cell::Text(n.to_string()), Cell::Number),
            J::String(s) => Cell::text(s),
            J::Array(items) => Cell::List(
                items
                    .iter()
                    .map(|item| match item {
                        J::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            J::Object(_) => Cell::Text(value.to_string()),
        }
    }
}

/// A technique–object pair: one row of the `relationships` table.
#[derive(Debug, Clone)]
struct Pair<'m> {
    technique: &'m Technique,
    relation: &'static str,
    object_type: &'static str,
    subtype: Option<&'m str>,
    id: &'m str,
    name: &'m str,
    attribution: Option<&'static str>,
    via: &'m [NamedRef],
    procedure: Option<&'m str>,
}

/// A group, software or mitigation with its techniques in the selection.
#[derive(Debug)]
struct Owner<'m, T, R> {
    object: &'m T,
    techniques: Vec<&'m R>,
}

/// A table: rows of one kind, each with a cell for every column of the kind.
#[derive(Clone, PartialEq, Eq)]
pub struct Table {
    /// What a row stands for.
    pub kind: RowKind,
    /// The rows; cells in the order of [`RowKind::columns`].
    pub rows: Vec<Vec<Cell>>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({}, {} rows)", self.kind.as_str(), self.rows.len())
    }
}

impl Table {
    /// The table of `kind` for a selection of `model`.
    ///
    /// - `techniques`: the selected techniques.
    /// - `relationships`: every group, software, campaign, mitigation and
    ///   detection of each selected technique — of a kind whose objects the
    ///   selection names, only the named ones.
    /// - `groups`, `software`, `mitigations`: the named objects of the kind
    ///   when the selection names some; else, when the selection does not
    ///   restrict anything, every live object; else the live objects related
    ///   to at least one selected technique. Their technique lists hold only
    ///   selected techniques.
    pub fn build(kind: RowKind, model: &Model, selection: &Selection<'_>) -> Table {
        let columns = kind.columns();
        let criteria = &selection.criteria;
        let selected: HashSet<&str> = selection
            .techniques
            .iter()
            .map(|t| t.technique_id.as_str())
            .collect();
        let rows = match kind {
            RowKind::Techniques => selection
                .techniques
                .iter()
                .map(|t| row(columns, |g| cell_of_technique(g, t)))
                .collect(),
            RowKind::Relationships => pairs(selection)
                .iter()
                .map(|p| row(columns, |g| cell_of_pair(g, p)))
                .collect(),
            RowKind::Groups => owner_rows(
                &selection.groups,
                &model.groups,
                criteria,
                &selected,
                |g| &g.info,
                |g| &g.techniques,
                |t| &t.id,
            )
            .iter()
            .map(|o| row(columns, |g| cell_of_group(g, o)))
            .collect(),
            RowKind::Software => owner_rows(
                &selection.software,
                &model.software,
                criteria,
                &selected,
                |s| &s.info,
                |s| &s.techniques,
                |t| &t.id,
            )
            .iter()
            .map(|o| row(columns, |g| cell_of_software(g, o)))
            .collect(),
            RowKind::Mitigations => owner_rows(
                &selection.mitigations,
                &model.mitigations,
                criteria,
                &selected,
                |m| &m.info,
                |m| &m.techniques,
                |t| &t.id,
            )
            .iter()
            .map(|o| row(columns, |g| cell_of_mitigation(g, o)))
            .collect(),
        };
        Table { kind, rows }
    }

    /// The rows as a template value: a list of records (maps from column
    /// key to cell), converted only when a template or `--context` reads
    /// them.
    pub fn to_value(self: Arc<Self>) -> Value {
        Value::from_object(Records(self))
    }

    /// The table behind a value made by [`Table::to_value`], or rebuilt from
    /// the records of a context read back from JSON (a missing key is an
    /// empty cell). `what` names the value in errors (`csv.records`).
    pub fn from_value(kind: RowKind, value: &Value, what: &str) -> Result<Arc<Table>> {
        if let Some(records) = value.downcast_object_ref::<Records>() {
            if records.0.kind == kind {
                return Ok(Arc::clone(&records.0));
            }
        }
        let json = serde_json::to_value(value)
            .map_err(|e| Error::Invalid(format!("context: {what}: {e}")))?;
        let Some(items) = json.as_array() else {
            return Err(Error::Invalid(format!(
                "context: {what} is not a list of records"
            )));
        };
        let keys = kind.keys();
        let rows = items
            .iter()
            .map(|item| {
                keys.iter()
                    .map(|k| item.get(k).map_or(Cell::Empty, Cell::from_json))
                    .collect()
            })
            .collect();
        Ok(Arc::new(Table { kind, rows }))
    }
}

fn row(columns: &[Column], cell: impl Fn(Get) -> Option<Cell>) -> Vec<Cell> {
    columns
        .iter()
        .map(|c| cell(c.get).unwrap_or(Cell::Empty))
        .collect()
}

fn cell_of_technique(get: Get, t: &Technique) -> Option<Cell> {
    match get {
        Get::Technique(f) => Some(f(t)),
        _ => None,
    }
}

fn cell_of_pair(get: Get, p: &Pair<'_>) -> Option<Cell> {
    match get {
        Get::Pair(f) => Some(f(p)),
        _ => None,
    }
}

fn cell_of_group(get: Get, o: &Owner<'_, Group, GroupTechnique>) -> Option<Cell> {
    match get {
        Get::Group(f) => Some(f(o)),
        _ => None,
    }
}

fn cell_of_software(get: Get, o: &Owner<'_, Software, TechniqueRef>) -> Option<Cell> {
    match get {
        Get::Software(f) => Some(f(o)),
        _ => None,
    }
}

fn cell_of_mitigation(get: Get, o: &Owner<'_, Mitigation, TechniqueRef>) -> Option<Cell> {
    match get {
        Get::Mitigation(f) => Some(f(o)),
        _ => None,
    }
}

/// Whether the criteria leave every technique in (no object named, no
/// tactic, platform, domain or gaps filter).
fn unrestricted(c: &Criteria) -> bool {
    !c.names_objects()
        && c.tactics.is_empty()
        && c.platforms.is_empty()
        && c.domains.is_empty()
        && !c.gaps
}

/// The objects of one kind that get a row (see [`Table::build`]).
fn listed<'m, T>(
    named: &[&'m T],
    all: &'m [T],
    criteria: &Criteria,
    info: impl Fn(&T) -> &ObjectInfo,
    uses_selected: impl Fn(&T) -> bool,
) -> Vec<&'m T> {
    if !named.is_empty() {
        return named.to_vec();
    }
    let restricted = !unrestricted(criteria);
    all.iter()
        .filter(|x| {
            let i = info(x);
            (!i.revoked || criteria.include_revoked)
                && (!i.deprecated || criteria.include_deprecated)
        })
        .filter(|x| !restricted || uses_selected(x))
        .collect()
}

/// The rows of one kind of object (see [`Table::build`]): each listed
/// object with its techniques that are selected.
fn owner_rows<'m, T, R>(
    named: &[&'m T],
    all: &'m [T],
    criteria: &Criteria,
    selected: &HashSet<&str>,
    info: fn(&T) -> &ObjectInfo,
    techniques: fn(&T) -> &[R],
    id: fn(&R) -> &str,
) -> Vec<Owner<'m, T, R>> {
    let in_selection = |r: &&R| selected.contains(id(r));
    listed(named, all, criteria, info, |x| {
        techniques(x).iter().any(|r| in_selection(&r))
    })
    .into_iter()
    .map(|object| Owner {
        object,
        techniques: techniques(object).iter().filter(in_selection).collect(),
    })
    .collect()
}

/// The tactics of `domain` in matrix order; only those named with
/// `--tactic` when some are.
pub fn selected_tactics<'m>(
    model: &'m Model,
    selection: &Selection<'_>,
    domain: &Domain,
) -> Vec<&'m Tactic> {
    domain
        .tactics
        .iter()
        .filter_map(|id| {
            model
                .tactics
                .iter()
                .find(|t| &t.id == id && t.domain == domain.id)
        })
        .filter(|t| selection.tactics.is_empty() || selection.tactics.iter().any(|s| s.id == t.id))
        .collect()
}

/// The selected techniques of `domain` that belong to `tactic`, in ID order.
pub fn techniques_of_tactic<'m>(
    selection: &Selection<'m>,
    domain: &Domain,
    tactic: &Tactic,
) -> Vec<&'m Technique> {
    selection
        .techniques
        .iter()
        .copied()
        .filter(|t| t.domains.contains(&domain.id) && t.tactics.iter().any(|r| r.id == tactic.id))
        .collect()
}

/// The IDs named in the selection for one kind; `None` when none are (every
/// object of the kind then counts).
fn named_ids<'m>(infos: impl Iterator<Item = &'m ObjectInfo>) -> Option<HashSet<&'m str>> {
    let ids: HashSet<&str> = infos.map(|i| i.id.as_str()).collect();
    (!ids.is_empty()).then_some(ids)
}

fn wanted(named: &Option<HashSet<&str>>, id: &str) -> bool {
    named.as_ref().is_none_or(|ids| ids.contains(id))
}

/// Every technique–object pair of the selection, technique by technique:
/// groups, software, campaigns, mitigations, detections.
fn pairs<'m>(selection: &Selection<'m>) -> Vec<Pair<'m>> {
    let groups = named_ids(selection.groups.iter().map(|g| &g.info));
    let software = named_ids(selection.software.iter().map(|s| &s.info));
    let campaigns = named_ids(selection.campaigns.iter().map(|c| &c.info));
    let mitigations = named_ids(selection.mitigations.iter().map(|m| &m.info));
    let mut out = Vec::new();
    for &t in &selection.techniques {
        let base = Pair {
            technique: t,
            relation: "uses",
            object_type: "group",
            subtype: None,
            id: "",
            name: "",
            attribution: None,
            via: &[],
            procedure: None,
        };
        out.extend(
            t.groups
                .iter()
                .filter(|g| wanted(&groups, &g.id))
                .map(|g| Pair {
                    id: &g.id,
                    name: &g.name,
                    attribution: Some(g.relation.as_str()),
                    via: &g.via_campaigns,
                    procedure: g.procedure.as_deref(),
                    ..base.clone()
                }),
        );
        let related = |list: &'m [Related], named: &Option<HashSet<&str>>, kind, relation| {
            let base = base.clone();
            list.iter()
                .filter(|r| wanted(named, &r.id))
                .map(move |r| Pair {
                    relation,
                    object_type: kind,
                    subtype: r.kind.as_deref(),
                    id: &r.id,
                    name: &r.name,
                    procedure: r.procedure.as_deref(),
                    ..base.clone()
                })
                .collect::<Vec<_>>()
        };
        out.extend(related(&t.software, &software, "software", "uses"));
        out.extend(related(&t.campaigns, &campaigns, "campaign", "uses"));
        out.extend(related(
            &t.mitigations,
            &mitigations,
            "mitigation",
            "mitigates",
        ));
        out.extend(t.detections.iter().map(|d| Pair {
            relation: "detects",
            object_type: match d.kind {
                DetectionKind::DetectionStrategy => "detection-strategy",
                DetectionKind::DataComponent => "data-component",
            },
            id: &d.id,
            name: &d.name,
            ..base.clone()
        }));
    }
    out
}

/// The object's ATT&CK page: from the data, else from its ID.
fn page(url: Option<&str>, id: &str) -> Cell {
    match url {
        Some(u) if !u.is_empty() => Cell::text(u),
        _ => Cell::opt(attack_url(id).as_deref()),
    }
}

fn ids<'a, T: 'a>(items: impl IntoIterator<Item = &'a T>, id: fn(&T) -> &str) -> Cell {
    Cell::list(items.into_iter().map(id))
}

macro_rules! col {
    ($get:ident, $key:literal, $header:literal, $default:literal, $about:literal, $f:expr) => {
        col!($get, $key, $header, $default, false, $about, $f)
    };
    ($get:ident, $key:literal, $header:literal, $default:literal, $link:literal, $about:literal, $f:expr) => {
        Column {
            key: $key,
            header: $header,
            default: $default,
            link: $link,
            about: $about,
            get: Get::$get($f),
        }
    };
}

static TECHNIQUE_COLUMNS: &[Column] = &[
    col!(Technique, "id", "ID", true, "ATT&CK ID (T1059.001)", |t| {
        Cell::text(&t.technique_id)
    }),
    col!(Technique, "name", "Name", true, "name (PowerShell)", |t| {
        Cell::text(&t.name)
    }),
    col!(
        Technique,
        "full_name",
        "Full name",
        false,
        "for a sub-technique `Parent: Name`, else the name",
        |t| Cell::text(&t.full_name)
    ),
    col!(
        Technique,
        "tactics",
        "Tactics",
        true,
        "tactic names, in matrix order",
        |t| Cell::list(t.tactics.iter().map(|x| x.name.as_str()))
    ),
    col!(
        Technique,
        "tactic_ids",
        "Tactic IDs",
        false,
        "tactic IDs (TA0002), in matrix order",
        |t| Cell::list(t.tactics.iter().map(|x| x.id.as_str()))
    ),
    col!(
        Technique,
        "tactic_shortnames",
        "Tactic shortnames",
        false,
        "tactic shortnames (execution), in matrix order",
        |t| Cell::list(t.tactics.iter().map(|x| x.shortname.as_str()))
    ),
    col!(
        Technique,
        "platforms",
        "Platforms",
        true,
        "platforms, as the data names them",
        |t| Cell::list(t.platforms.iter().map(String::as_str))
    ),
    col!(
        Technique,
        "domains",
        "Domains",
        false,
        "domains (enterprise-attack)",
        |t| Cell::list(t.domains.iter().map(String::as_str))
    ),
    col!(
        Technique,
        "is_subtechnique",
        "Is sub-technique",
        false,
        "true for a sub-technique",
        |t| Cell::Flag(t.is_subtechnique)
    ),
    col!(
        Technique,
        "parent",
        "Sub-technique of",
        true,
        "the parent technique's ID, for a sub-technique",
        |t| Cell::opt(t.parent.as_deref())
    ),
    col!(
        Technique,
        "subtechniques",
        "Sub-techniques",
        false,
        "IDs of its live sub-techniques",
        |t| Cell::list(t.subtechniques.iter().map(String::as_str))
    ),
    col!(
        Technique,
        "group_count",
        "Group count",
        true,
        "how many groups use it, directly or through attributed campaigns",
        |t| Cell::count(t.groups.len())
    ),
    col!(
        Technique,
        "groups",
        "Groups",
        true,
        "names of those groups",
        |t| Cell::list(t.groups.iter().map(|g| g.name.as_str()))
    ),
    col!(
        Technique,
        "group_ids",
        "Group IDs",
        false,
        "IDs of those groups",
        |t| ids(&t.groups, |g| &g.id)
    ),
    col!(
        Technique,
        "software_count",
        "Software count",
        true,
        "how many software use it",
        |t| Cell::count(t.software.len())
    ),
    col!(
        Technique,
        "software",
        "Software",
        false,
        "names of that software",
        |t| Cell::list(t.software.iter().map(|s| s.name.as_str()))
    ),
    col!(
        Technique,
        "software_ids",
        "Software IDs",
        false,
        "IDs of that software",
        |t| ids(&t.software, |s| &s.id)
    ),
    col!(
        Technique,
        "campaign_count",
        "Campaign count",
        true,
        "how many campaigns used it",
        |t| Cell::count(t.campaigns.len())
    ),
    col!(
        Technique,
        "campaigns",
        "Campaigns",
        false,
        "names of those campaigns",
        |t| Cell::list(t.campaigns.iter().map(|c| c.name.as_str()))
    ),
    col!(
        Technique,
        "campaign_ids",
        "Campaign IDs",
        false,
        "IDs of those campaigns",
        |t| ids(&t.campaigns, |c| &c.id)
    ),
    col!(
        Technique,
        "mitigation_count",
        "Mitigation count",
        false,
        "how many mitigations it has (0: a gap)",
        |t| Cell::count(t.mitigations.len())
    ),
    col!(
        Technique,
        "mitigation_ids",
        "Mitigation IDs",
        true,
        "IDs of its mitigations",
        |t| ids(&t.mitigations, |m| &m.id)
    ),
    col!(
        Technique,
        "mitigations",
        "Mitigations",
        true,
        "names of its mitigations",
        |t| Cell::list(t.mitigations.iter().map(|m| m.name.as_str()))
    ),
    col!(
        Technique,
        "detection_count",
        "Detection count",
        false,
        "how many detection strategies (ATT&CK 18+) or data components (17 and older) detect it",
        |t| Cell::count(t.detections.len())
    ),
    col!(
        Technique,
        "detection_ids",
        "Detection IDs",
        false,
        "IDs of those detections (DET0455); a data component of ATT&CK 17 or older has no ATT&CK ID and is given by its Data Source: Data Component label",
        |t| ids(&t.detections, |d| &d.id)
    ),
    col!(
        Technique,
        "detections",
        "Detections",
        true,
        "names of those detection strategies or data components",
        |t| Cell::list(t.detections.iter().map(|d| d.name.as_str()))
    ),
    col!(
        Technique,
        "assets",
        "Assets",
        false,
        "names of the ICS assets it targets (empty outside ICS)",
        |t| Cell::list(t.assets.iter().map(|a| a.name.as_str()))
    ),
    col!(
        Technique,
        "asset_ids",
        "Asset IDs",
        false,
        "IDs of those assets (A0003)",
        |t| ids(&t.assets, |a| &a.id)
    ),
    col!(
        Technique,
        "url",
        "URL",
        true,
        true,
        "its ATT&CK page",
        |t| page(t.url.as_deref(), &t.technique_id)
    ),
    col!(
        Technique,
        "version",
        "Version",
        false,
        "the object's version (x_mitre_version)",
        |t| Cell::opt(t.version.as_deref())
    ),
    col!(
        Technique,
        "created",
        "Created",
        false,
        "creation timestamp",
        |t| Cell::opt(t.created.as_deref())
    ),
    col!(
        Technique,
        "modified",
        "Last modified",
        false,
        "last modification timestamp",
        |t| Cell::opt(t.modified.as_deref())
    ),
    col!(
        Technique,
        "revoked",
        "Revoked",
        true,
        "true when revoked (only with --include-revoked)",
        |t| Cell::Flag(t.revoked)
    ),
    col!(
        Technique,
        "deprecated",
        "Deprecated",
        true,
        "true when deprecated (only with --include-deprecated)",
        |t| Cell::Flag(t.deprecated)
    ),
    col!(
        Technique,
        "replaced_by",
        "Replaced by",
        false,
        "for a revoked technique, the live technique replacing it",
        |t| Cell::opt(t.replaced_by.as_deref())
    ),
    col!(
        Technique,
        "description",
        "Description",
        false,
        "the description (with --descriptions)",
        |t| Cell::opt(t.description.as_deref())
    ),
];

static PAIR_COLUMNS: &[Column] = &[
    col!(
        Pair,
        "technique_id",
        "Technique ID",
        true,
        "the technique's ATT&CK ID",
        |p| Cell::text(&p.technique.technique_id)
    ),
    col!(
        Pair,
        "technique_name",
        "Technique name",
        true,
        "the technique's name",
        |p| Cell::text(&p.technique.name)
    ),
    col!(
        Pair,
        "technique_full_name",
        "Technique full name",
        false,
        "`Parent: Name` for a sub-technique",
        |p| Cell::text(&p.technique.full_name)
    ),
    col!(
        Pair,
        "tactics",
        "Tactics",
        false,
        "the technique's tactic names, in matrix order",
        |p| Cell::list(p.technique.tactics.iter().map(|x| x.name.as_str()))
    ),
    col!(
        Pair,
        "relation",
        "Relation",
        true,
        "uses (group, software, campaign), mitigates (mitigation) or detects (detection)",
        |p| Cell::text(p.relation)
    ),
    col!(
        Pair,
        "object_type",
        "Object type",
        true,
        "group, software, campaign, mitigation, detection-strategy or data-component",
        |p| Cell::text(p.object_type)
    ),
    col!(
        Pair,
        "object_subtype",
        "Object subtype",
        false,
        "for software: malware or tool",
        |p| Cell::opt(p.subtype)
    ),
    col!(
        Pair,
        "object_id",
        "Object ID",
        true,
        "the related object's ATT&CK ID (the Data Source: Data Component label of a data component of ATT&CK 17 or older, which has none)",
        |p| Cell::text(p.id)
    ),
    col!(
        Pair,
        "object_name",
        "Object name",
        true,
        "the related object's name",
        |p| Cell::text(p.name)
    ),
    col!(
        Pair,
        "object_url",
        "Object URL",
        false,
        true,
        "the related object's ATT&CK page",
        |p| Cell::opt(attack_url(p.id).as_deref())
    ),
    col!(
        Pair,
        "attribution",
        "Attribution",
        false,
        "for a group: direct, campaign (only through attributed campaigns) or both",
        |p| Cell::opt(p.attribution)
    ),
    col!(
        Pair,
        "via_campaigns",
        "Via campaigns",
        true,
        "for a group: IDs of the attributed campaigns through which it uses the technique",
        |p| ids(p.via, |c| &c.id)
    ),
    col!(
        Pair,
        "via_campaign_names",
        "Via campaign names",
        false,
        "names of those campaigns",
        |p| Cell::list(p.via.iter().map(|c| c.name.as_str()))
    ),
    col!(
        Pair,
        "procedure",
        "Procedure",
        true,
        "the relationship's description: the procedure example, or how the mitigation applies",
        |p| Cell::opt(p.procedure)
    ),
];

static GROUP_COLUMNS: &[Column] = &[
    col!(
        Group,
        "id",
        "ID",
        true,
        "ATT&CK ID (G0016)",
        |o| Cell::text(&o.object.info.id)
    ),
    col!(Group, "name", "Name", true, "name", |o| Cell::text(
        &o.object.info.name
    )),
    col!(
        Group,
        "aliases",
        "Aliases",
        true,
        "aliases",
        |o| Cell::list(o.object.aliases.iter().map(String::as_str))
    ),
    col!(
        Group,
        "technique_count",
        "Technique count",
        true,
        "how many selected techniques it uses, directly or through attributed campaigns",
        |o| Cell::count(o.techniques.len())
    ),
    col!(
        Group,
        "technique_ids",
        "Technique IDs",
        true,
        "IDs of those techniques",
        |o| ids(o.techniques.iter().copied(), |t| &t.id)
    ),
    col!(
        Group,
        "techniques",
        "Techniques",
        false,
        "names of those techniques",
        |o| Cell::list(o.techniques.iter().map(|t| t.name.as_str()))
    ),
    col!(
        Group,
        "campaign_technique_ids",
        "Techniques via campaigns only",
        false,
        "IDs of those techniques it uses only through attributed campaigns",
        |o| ids(
            o.techniques
                .iter()
                .copied()
                .filter(|t| t.relation == Relation::Campaign),
            |t| &t.id
        )
    ),
    col!(
        Group,
        "software_count",
        "Software count",
        false,
        "how many software it uses",
        |o| Cell::count(o.object.software.len())
    ),
    col!(
        Group,
        "software_ids",
        "Software IDs",
        false,
        "IDs of the software it uses",
        |o| ids(&o.object.software, |s| &s.id)
    ),
    col!(
        Group,
        "software",
        "Software",
        true,
        "names of the software it uses",
        |o| Cell::list(o.object.software.iter().map(|s| s.name.as_str()))
    ),
    col!(
        Group,
        "campaign_ids",
        "Campaign IDs",
        false,
        "IDs of the campaigns attributed to it",
        |o| ids(&o.object.campaigns, |c| &c.id)
    ),
    col!(
        Group,
        "campaigns",
        "Campaigns",
        true,
        "names of the campaigns attributed to it",
        |o| Cell::list(o.object.campaigns.iter().map(|c| c.name.as_str()))
    ),
    col!(Group, "domains", "Domains", false, "domains", |o| {
        Cell::list(o.object.info.domains.iter().map(String::as_str))
    }),
    col!(
        Group,
        "url",
        "URL",
        true,
        true,
        "its ATT&CK page",
        |o| page(o.object.info.url.as_deref(), &o.object.info.id)
    ),
    col!(
        Group,
        "revoked",
        "Revoked",
        false,
        "true when revoked",
        |o| Cell::Flag(o.object.info.revoked)
    ),
    col!(
        Group,
        "deprecated",
        "Deprecated",
        false,
        "true when deprecated",
        |o| Cell::Flag(o.object.info.deprecated)
    ),
    col!(
        Group,
        "description",
        "Description",
        false,
        "the description (with --descriptions)",
        |o| Cell::opt(o.object.info.description.as_deref())
    ),
];

static SOFTWARE_COLUMNS: &[Column] = &[
    col!(Software, "id", "ID", true, "ATT&CK ID (S0154)", |o| {
        Cell::text(&o.object.info.id)
    }),
    col!(Software, "name", "Name", true, "name", |o| Cell::text(
        &o.object.info.name
    )),
    col!(Software, "type", "Type", true, "malware or tool", |o| {
        Cell::text(&o.object.kind)
    }),
    col!(Software, "aliases", "Aliases", true, "aliases", |o| {
        Cell::list(o.object.aliases.iter().map(String::as_str))
    }),
    col!(Software, "platforms", "Platforms", true, "platforms", |o| {
        Cell::list(o.object.platforms.iter().map(String::as_str))
    }),
    col!(
        Software,
        "technique_count",
        "Technique count",
        true,
        "how many selected techniques it uses",
        |o| Cell::count(o.techniques.len())
    ),
    col!(
        Software,
        "technique_ids",
        "Technique IDs",
        true,
        "IDs of those techniques",
        |o| ids(o.techniques.iter().copied(), |t| &t.id)
    ),
    col!(
        Software,
        "techniques",
        "Techniques",
        false,
        "names of those techniques",
        |o| Cell::list(o.techniques.iter().map(|t| t.name.as_str()))
    ),
    col!(
        Software,
        "group_count",
        "Group count",
        false,
        "how many groups use it",
        |o| Cell::count(o.object.groups.len())
    ),
    col!(
        Software,
        "group_ids",
        "Group IDs",
        false,
        "IDs of the groups using it",
        |o| ids(&o.object.groups, |g| &g.id)
    ),
    col!(
        Software,
        "groups",
        "Groups",
        true,
        "names of the groups using it",
        |o| Cell::list(o.object.groups.iter().map(|g| g.name.as_str()))
    ),
    col!(
        Software,
        "campaign_ids",
        "Campaign IDs",
        false,
        "IDs of the campaigns using it",
        |o| ids(&o.object.campaigns, |c| &c.id)
    ),
    col!(
        Software,
        "campaigns",
        "Campaigns",
        false,
        "names of the campaigns using it",
        |o| Cell::list(o.object.campaigns.iter().map(|c| c.name.as_str()))
    ),
    col!(Software, "domains", "Domains", false, "domains", |o| {
        Cell::list(o.object.info.domains.iter().map(String::as_str))
    }),
    col!(Software, "url", "URL", true, true, "its ATT&CK page", |o| {
        page(o.object.info.url.as_deref(), &o.object.info.id)
    }),
    col!(
        Software,
        "revoked",
        "Revoked",
        false,
        "true when revoked",
        |o| Cell::Flag(o.object.info.revoked)
    ),
    col!(
        Software,
        "deprecated",
        "Deprecated",
        false,
        "true when deprecated",
        |o| Cell::Flag(o.object.info.deprecated)
    ),
    col!(
        Software,
        "description",
        "Description",
        false,
        "the description (with --descriptions)",
        |o| Cell::opt(o.object.info.description.as_deref())
    ),
];

static MITIGATION_COLUMNS: &[Column] = &[
    col!(Mitigation, "id", "ID", true, "ATT&CK ID (M1038)", |o| {
        Cell::text(&o.object.info.id)
    }),
    col!(Mitigation, "name", "Name", true, "name", |o| Cell::text(
        &o.object.info.name
    )),
    col!(
        Mitigation,
        "technique_count",
        "Technique count",
        true,
        "how many selected techniques it mitigates",
        |o| Cell::count(o.techniques.len())
    ),
    col!(
        Mitigation,
        "technique_ids",
        "Technique IDs",
        true,
        "IDs of those techniques",
        |o| ids(o.techniques.iter().copied(), |t| &t.id)
    ),
    col!(
        Mitigation,
        "techniques",
        "Techniques",
        false,
        "names of those techniques",
        |o| Cell::list(o.techniques.iter().map(|t| t.name.as_str()))
    ),
    col!(Mitigation, "domains", "Domains", false, "domains", |o| {
        Cell::list(o.object.info.domains.iter().map(String::as_str))
    }),
    col!(
        Mitigation,
        "url",
        "URL",
        true,
        true,
        "its ATT&CK page",
        |o| page(o.object.info.url.as_deref(), &o.object.info.id)
    ),
    col!(
        Mitigation,
        "revoked",
        "Revoked",
        false,
        "true when revoked",
        |o| Cell::Flag(o.object.info.revoked)
    ),
    col!(
        Mitigation,
        "deprecated",
        "Deprecated",
        false,
        "true when deprecated",
        |o| Cell::Flag(o.object.info.deprecated)
    ),
    col!(
        Mitigation,
        "description",
        "Description",
        false,
        "the description (with --descriptions)",
        |o| Cell::opt(o.object.info.description.as_deref())
    ),
];

/// The rows of a table as a template value (see [`Table::to_value`]).
struct Records(Arc<Table>);

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Object for Records {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let row = key.as_usize()?;
        (row < self.0.rows.len()).then(|| {
            Value::from_object(Record {
                table: Arc::clone(&self.0),
                row,
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.rows.len())
    }
}

/// One record of [`Records`]: a map from column key to cell.
struct Record {
    table: Arc<Table>,
    row: usize,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Record({}, {})", self.table.kind.as_str(), self.row)
    }
}

impl Object for Record {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = self.table.kind.index(key.as_str()?)?;
        self.table
            .rows
            .get(self.row)?
            .get(index)
            .map(Cell::to_value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(self.table.kind.keys())
    }
}

/// A column as the context describes it.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnRef {
    /// Key (`group_count`).
    pub key: &'static str,
    /// Default header (`Group count`).
    pub header: &'static str,
    /// What it holds.
    pub about: &'static str,
    /// Whether it is written when no column is chosen.
    pub default: bool,
}

impl From<&Column> for ColumnRef {
    fn from(c: &Column) -> Self {
        ColumnRef {
            key: c.key,
            header: c.header,
            about: c.about,
            default: c.default,
        }
    }
}

/// The columns named by `--columns` (`id,name,groups`), checked against the
/// row kind; an unknown name is an error listing the valid ones.
pub fn choose_columns(kind: RowKind, keys: &[String]) -> Result<Vec<&'static Column>> {
    let mut chosen = Vec::new();
    for key in keys.iter().flat_map(|k| k.split(',')) {
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            continue;
        }
        match kind.index(&key) {
            Some(i) => chosen.push(&kind.columns()[i]),
            None => return Err(kind.unknown_column("--columns: ", &key)),
        }
    }
    if chosen.is_empty() {
        return Err(Error::Invalid(format!(
            "--columns: no column given; valid columns for {} rows: {}",
            kind.as_str(),
            kind.keys().join(", ")
        )));
    }
    Ok(chosen)
}

/// One section of a column spec: a sheet of a workbook, or (with no
/// `[…]` line) the one table of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSection {
    /// Line of the `[kind: Title]` line (0 for the implicit first section).
    pub line: usize,
    /// The `kind` of `[kind: Title]`.
    pub kind: Option<String>,
    /// The `Title` of `[kind: Title]`.
    pub title: Option<String>,
    /// The columns, in order.
    pub columns: Vec<SpecColumn>,
}

/// One column line of a column spec: `key` or `key: Header`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecColumn {
    /// Line in the rendered spec (1-based).
    pub line: usize,
    /// Column key (lower case).
    pub key: String,
    /// Header, when given.
    pub header: Option<String>,
}

/// Parses a column spec as rendered by a template: one column per line,
/// `key` or `key: Header`; `[kind]` or `[kind: Title]` starts a section;
/// blank lines and lines starting with `#` are ignored. `template` names
/// the template in errors.
pub fn parse_spec(template: &str, text: &str) -> Result<Vec<SpecSection>> {
    let mut sections: Vec<SpecSection> = Vec::new();
    let problem = |line: usize, what: String| {
        Error::Template(format!(
            "template {template} produced an invalid column spec (output line {line}): {what}"
        ))
    };
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(inner) = content.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| problem(line, format!("'{content}' has no closing ']'")))?;
            let (kind, title) = match inner.split_once(':') {
                Some((k, t)) => (k.trim(), Some(t.trim().to_string())),
                None => (inner.trim(), None),
            };
            if kind.is_empty() {
                return Err(problem(line, format!("'{content}' names no kind")));
            }
            sections.push(SpecSection {
                line,
                kind: Some(kind.to_ascii_lowercase()),
                title: title.filter(|t| !t.is_empty()),
                columns: Vec::new(),
            });
            continue;
        }
        let (key, header) = match content.split_once(':') {
            Some((k, h)) => (k.trim(), Some(h.trim().to_string())),
            None => (content, None),
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(problem(
                line,
                format!(
                    "'{content}' is not `key` or `key: Header` (keys are letters, digits and _)"
                ),
            ));
        }
        if sections.is_empty() {
            sections.push(SpecSection {
                line: 0,
                kind: None,
                title: None,
                columns: Vec::new(),
            });
        }
        if let Some(section) = sections.last_mut() {
            section.columns.push(SpecColumn {
                line,
                key: key.to_ascii_lowercase(),
                header: header.filter(|h| !h.is_empty()),
            });
        }
    }
    Ok(sections)
}

/// The columns of a spec section as (index in the table, header); an
/// unknown key is an error naming the template, the line and the valid keys.
pub fn resolve_columns(
    kind: RowKind,
    section: &SpecSection,
    template: &str,
) -> Result<Vec<(usize, String)>> {
    if section.columns.is_empty() {
        return Err(Error::Template(format!(
            "template {template} produced no column for {} rows",
            kind.as_str()
        )));
    }
    section
        .columns
        .iter()
        .map(|c| match kind.index(&c.key) {
            Some(i) => Ok((
                i,
                c.header
                    .clone()
                    .unwrap_or_else(|| kind.columns()[i].header.to_string()),
            )),
            None => Err(kind.unknown_column(
                &format!("template {template} (output line {}): ", c.line),
                &c.key,
            )),
        })
        .collect()
}

/// Whether the model carries descriptions of techniques and objects (it
/// was built with `--descriptions`): every ATT&CK technique and object has
/// one, so a model where none has one was built without them.
pub fn model_has_descriptions(model: &Model) -> bool {
    model.techniques.iter().any(|t| t.description.is_some())
        || model.groups.iter().any(|g| g.info.description.is_some())
        || model.software.iter().any(|s| s.info.description.is_some())
        || model
            .mitigations
            .iter()
            .any(|m| m.info.description.is_some())
}

/// The warning for `columns` of a `kind` table when the model has no
/// descriptions (`descriptions` false) and one of them is a `description`
/// column, which would otherwise be written empty without a word.
pub fn missing_descriptions(
    kind: RowKind,
    columns: &[(usize, String)],
    descriptions: bool,
) -> Option<String> {
    if descriptions {
        return None;
    }
    let (_, header) = columns.iter().find(|(i, _)| {
        kind.columns()
            .get(*i)
            .is_some_and(|c| c.key == "description")
    })?;
    Some(format!(
        "the '{header}' column of the {} rows is empty: the model was built without descriptions (pass --descriptions; a model file needs `attackmap map --descriptions`)",
        kind.as_str()
    ))
}

/// The OWASP defence against formula injection: text that a spreadsheet
/// would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`, which spreadsheets show as text.
pub fn guard_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_unique_keys_and_defaults() {
        for kind in RowKind::ALL {
            let keys = kind.keys();
            let unique: HashSet<&&str> = keys.iter().collect();
            assert_eq!(unique.len(), keys.len(), "{kind:?}");
            assert!(!kind.default_columns().is_empty());
            assert_eq!(RowKind::parse(kind.as_str()), Some(kind));
            for c in kind.columns() {
                let matches = matches!(
                    (kind, c.get),
                    (RowKind::Techniques, Get::Technique(_))
                        | (RowKind::Relationships, Get::Pair(_))
                        | (RowKind::Groups, Get::Group(_))
                        | (RowKind::Software, Get::Software(_))
                        | (RowKind::Mitigations, Get::Mitigation(_))
                );
                assert!(matches, "{} of {kind:?} reads another kind", c.key);
            }
        }
        assert_eq!(RowKind::parse("Group"), Some(RowKind::Groups));
        assert_eq!(RowKind::parse("nope"), None);
    }

    #[test]
    fn formula_guard_prefixes_only_formula_starts() {
        for bad in ["=1+1", "+cmd", "-2", "@name", "\tx", "\rx"] {
            assert_eq!(guard_formula(bad), format!("'{bad}"));
        }
        for fine in ["name", "a=b", "", "'quoted", " =space first"] {
            assert_eq!(guard_formula(fine), fine);
        }
    }

    #[test]
    fn spec_lines_sections_and_errors() {
        let spec = "# comment\n\n[techniques: My techniques]\nid: Technique\nname\n[matrix]\n";
        let sections = parse_spec("t.j2", spec).unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].kind.as_deref(), Some("techniques"));
        assert_eq!(sections[0].title.as_deref(), Some("My techniques"));
        assert_eq!(sections[0].columns[0].header.as_deref(), Some("Technique"));
        assert_eq!(sections[0].columns[1].header, None);
        assert_eq!(sections[1].kind.as_deref(), Some("matrix"));
        let plain = parse_spec("t.j2", "id\ngroup_count: Groups: all of them\n").unwrap();
        assert_eq!(plain[0].kind, None);
        assert_eq!(
            plain[0].columns[1].header.as_deref(),
            Some("Groups: all of them")
        );
        let err = parse_spec("t.j2", "id\nnot a key\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.j2") && err.contains("line 2"), "{err}");
        assert!(parse_spec("t.j2", "[techniques\n").is_err());
        let resolved = resolve_columns(RowKind::Techniques, &plain[0], "t.j2").unwrap();
        assert_eq!(resolved[0], (0, "ID".to_string()));
        let bad = parse_spec("t.j2", "id\ngrups\n").unwrap();
        let err = resolve_columns(RowKind::Techniques, &bad[0], "t.j2")
            .unwrap_err()
            .to_string();
        assert!(err.contains("output line 2"), "{err}");
        assert!(err.contains("did you mean groups?"), "{err}");
    }

    #[test]
    fn chosen_columns_are_checked() {
        let chosen =
            choose_columns(RowKind::Techniques, &["id, name".into(), "groups".into()]).unwrap();
        let keys: Vec<&str> = chosen.iter().map(|c| c.key).collect();
        assert_eq!(keys, ["id", "name", "groups"]);
        let err = choose_columns(RowKind::Groups, &["id,colour".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown column 'colour' for groups rows"),
            "{err}"
        );
        assert!(err.contains("valid columns: id, name, aliases"), "{err}");
        assert!(choose_columns(RowKind::Groups, &[" , ".into()]).is_err());
    }

    #[test]
    fn cells_render_and_come_back_from_json() {
        let list = Cell::List(vec!["a".into(), "b".into()]);
        assert_eq!(list.render("; "), "a; b");
        assert_eq!(Cell::Number(3).render("; "), "3");
        assert_eq!(Cell::Flag(true).render("; "), "true");
        assert_eq!(Cell::Empty.render("; "), "");
        for cell in [
            list,
            Cell::Number(3),
            Cell::Flag(false),
            Cell::Empty,
            Cell::Text("x".into()),
        ] {
            let json = serde_json::to_value(cell.to_value()).unwrap();
            assert_eq!(Cell::from_json(&json), cell);
        }
    }
}
