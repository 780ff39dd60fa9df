//! `attackmap query …`: gaps, top techniques, groups using a set of techniques.

use clap::{Args, Subcommand};

use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::mapping::MapOptions;
use attackmap::model::Technique;
use attackmap::query::{self, Count, Filter};

use super::inputs::InputArgs;
use super::output::{Cell, Format, Table};

/// The queries.
#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Techniques with no mitigations (the defender's gaps).
    Gaps(GapsArgs),
    /// The top N techniques by number of groups, software, campaigns, …
    Top(TopArgs),
    /// The groups that use all of the given techniques (campaigns included).
    GroupsUsing(GroupsUsingArgs),
}

/// Options shared by the queries.
#[derive(Debug, Args)]
pub struct CommonArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Technique filters.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only techniques of this tactic (ID, shortname or name).
    #[arg(long)]
    pub tactic: Option<String>,
    /// Only techniques on this platform (as the data names it).
    #[arg(long)]
    pub platform: Option<String>,
    /// Only techniques of this domain (enterprise-attack, mobile-attack,
    /// ics-attack, or enterprise, mobile, ics).
    #[arg(long)]
    pub domain: Option<String>,
    /// Include revoked techniques.
    #[arg(long)]
    pub include_revoked: bool,
    /// Include deprecated techniques.
    #[arg(long)]
    pub include_deprecated: bool,
}

impl FilterArgs {
    fn filter(&self) -> Filter {
        Filter {
            tactic: self.tactic.clone(),
            platform: self.platform.clone(),
            domain: self.domain.clone(),
            include_revoked: self.include_revoked,
            include_deprecated: self.include_deprecated,
        }
    }
}

/// `query gaps`.
#[derive(Debug, Args)]
pub struct GapsArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `query top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// What to count: groups, software, campaigns, mitigations, detections or
    /// (ICS) assets.
    #[arg(long, default_value = "groups")]
    pub by: String,
    /// How many techniques (0: all).
    #[arg(short = 'n', long = "limit", default_value_t = 10)]
    pub limit: usize,
}

/// `query groups-using`.
#[derive(Debug, Args)]
pub struct GroupsUsingArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Technique IDs; a group must use every one of them.
    #[arg(required = true, value_name = "TECHNIQUE")]
    pub techniques: Vec<String>,
}

/// Runs a query.
pub fn run(command: &QueryCommand) -> Result<i32> {
    match command {
        QueryCommand::Gaps(args) => gaps(args),
        QueryCommand::Top(args) => top(args),
        QueryCommand::GroupsUsing(args) => groups_using(args),
    }
}

fn technique_cells(t: &Technique) -> Vec<Cell> {
    vec![
        Cell::Text(t.technique_id.clone()),
        Cell::Text(t.full_name.clone()),
        Cell::List(t.tactics.iter().map(|x| x.shortname.clone()).collect()),
        Cell::List(t.platforms.clone()),
    ]
}

fn gaps(args: &GapsArgs) -> Result<i32> {
    let loaded = args.common.inputs.load(MapOptions::default())?;
    let filter = args.filter.filter();
    filter.validate(&loaded.model)?;
    let mut table = Table::new(vec!["id", "name", "tactics", "platforms", "groups"]);
    for t in query::gaps(&loaded.model, &filter) {
        let mut row = technique_cells(t);
        row.push(Cell::Int(t.groups.len()));
        table.rows.push(row);
    }
    table.print(args.common.format)?;
    Ok(EXIT_OK)
}

fn top(args: &TopArgs) -> Result<i32> {
    let by = Count::parse(&args.by).ok_or_else(|| {
        Error::Invalid(format!(
            "--by '{}': expected groups, software, campaigns, mitigations, detections or assets",
            args.by
        ))
    })?;
    let loaded = args.common.inputs.load(MapOptions::default())?;
    let filter = args.filter.filter();
    filter.validate(&loaded.model)?;
    let mut table = Table::new(vec!["id", "name", "tactics", "platforms", by.as_str()]);
    for (t, count) in query::top(&loaded.model, by, args.limit, &filter) {
        let mut row = technique_cells(t);
        row.push(Cell::Int(count));
        table.rows.push(row);
    }
    table.print(args.common.format)?;
    Ok(EXIT_OK)
}

fn groups_using(args: &GroupsUsingArgs) -> Result<i32> {
    let loaded = args.common.inputs.load(MapOptions::default())?;
    let matches = query::groups_using_all(&loaded.model, &args.techniques)?;
    let mut table = Table::new(vec!["id", "name", "how"]);
    for m in matches {
        let how = m
            .uses
            .iter()
            .map(|u| {
                let via: Vec<&str> = u.via_campaigns.iter().map(|c| c.id.as_str()).collect();
                if via.is_empty() {
                    format!("{}: {}", u.id, u.relation.as_str())
                } else {
                    format!("{}: {} via {}", u.id, u.relation.as_str(), via.join("+"))
                }
            })
            .collect();
        table.rows.push(vec![
            Cell::Text(m.group.info.id.clone()),
            Cell::Text(m.group.info.name.clone()),
            Cell::List(how),
        ]);
    }
    table.print(args.common.format)?;
    Ok(EXIT_OK)
}
