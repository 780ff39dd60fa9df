//! The selection options shared by the commands that pick techniques
//! (`export`, …): see `attackmap::selection`.

use clap::Args;

use attackmap::error::Result;
use attackmap::model::ObjectKind;
use attackmap::selection::Criteria;

/// Which techniques to cover. Values of one option are a union; different
/// options are intersected.
#[derive(Debug, Clone, Args)]
#[command(
    next_help_heading = "Selection (one option repeated = union; different options = intersection)"
)]
pub struct SelectionArgs {
    /// Technique ID(s): repeat, separate with commas, or @FILE for a file
    /// with one ID per line (# comments; @- reads stdin; a list that names
    /// nothing selects nothing). Repeats count for `--score count`.
    #[arg(long = "technique", short = 't', value_name = "ID|@FILE")]
    pub techniques: Vec<String>,

    /// Techniques used by this group (ID, name or alias), directly or
    /// through its attributed campaigns. Repeat for several groups, or give
    /// @FILE with one group per line (# comments; @- reads stdin).
    #[arg(long = "group", short = 'g', value_name = "GROUP|@FILE")]
    pub groups: Vec<String>,

    /// Techniques this software (ID, name or alias) implements; @FILE as
    /// for --group.
    #[arg(long = "software", value_name = "SOFTWARE|@FILE")]
    pub software: Vec<String>,

    /// Techniques used in this campaign (ID, name or alias); @FILE as for
    /// --group.
    #[arg(long = "campaign", value_name = "CAMPAIGN|@FILE")]
    pub campaigns: Vec<String>,

    /// Techniques this mitigation (ID or name) mitigates; @FILE as for
    /// --group.
    #[arg(long = "mitigation", value_name = "MITIGATION|@FILE")]
    pub mitigations: Vec<String>,

    /// Only techniques of this tactic (ID, shortname or name); per-tactic
    /// outputs show only these tactics.
    #[arg(long = "tactic", value_name = "TACTIC")]
    pub tactics: Vec<String>,

    /// Only techniques on this platform (as the data names it).
    #[arg(long = "platform", value_name = "PLATFORM")]
    pub platforms: Vec<String>,

    /// Only techniques of this domain (enterprise-attack, mobile-attack,
    /// ics-attack, or enterprise, mobile, ics).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,

    /// Only techniques with no mitigations.
    #[arg(long)]
    pub gaps: bool,

    /// Keep revoked techniques (and accept revoked IDs).
    #[arg(long)]
    pub include_revoked: bool,

    /// Keep deprecated techniques (and accept deprecated IDs).
    #[arg(long)]
    pub include_deprecated: bool,
}

impl SelectionArgs {
    /// The criteria, with `@FILE` lists read (a list that names nothing
    /// selects nothing).
    pub fn criteria(&self) -> Result<Criteria> {
        let mut criteria = Criteria {
            tactics: self.tactics.clone(),
            platforms: self.platforms.clone(),
            domains: self.domains.clone(),
            gaps: self.gaps,
            include_revoked: self.include_revoked,
            include_deprecated: self.include_deprecated,
            ..Criteria::default()
        };
        for value in &self.techniques {
            criteria.add_technique_arg(value)?;
        }
        criteria.add_object_args(ObjectKind::Group, &self.groups)?;
        criteria.add_object_args(ObjectKind::Software, &self.software)?;
        criteria.add_object_args(ObjectKind::Campaign, &self.campaigns)?;
        criteria.add_object_args(ObjectKind::Mitigation, &self.mitigations)?;
        Ok(criteria)
    }
}
