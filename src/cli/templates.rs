//! `attackmap templates list|show|eject`: the built-in templates and a
//! template directory's overrides.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use attackmap::error::{EXIT_OK, Error, Result};
use attackmap::export::EXPORTERS;
use attackmap::export::templates::{self, Origin, TemplateOptions, Templates};

use super::output::{Cell, Format, Table, write_stdout};

/// The template commands.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List the templates: built-in ones, and the files of a template
    /// directory that shadow or add to them.
    List(ListArgs),
    /// Print a template's source (the override when a template directory
    /// has one).
    Show(ShowArgs),
    /// Write the built-in templates into DIR, to start a template directory
    /// from (use it with `export --template-dir DIR`).
    Eject(EjectArgs),
}

/// `templates list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Template directory whose files shadow the built-in templates.
    #[arg(
        long,
        value_name = "DIR",
        env = "ATTACKMAP_TEMPLATE_DIR",
        hide_env_values = true
    )]
    pub template_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `templates show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Template name (`navigator.json.j2`).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Template directory whose files shadow the built-in templates.
    #[arg(
        long,
        value_name = "DIR",
        env = "ATTACKMAP_TEMPLATE_DIR",
        hide_env_values = true
    )]
    pub template_dir: Option<PathBuf>,
}

/// `templates eject`.
#[derive(Debug, Args)]
pub struct EjectArgs {
    /// Directory to write the templates into (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Overwrite templates that already exist there.
    #[arg(long)]
    pub force: bool,
    /// Print nothing on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs a template command.
pub fn run(command: &TemplatesCommand) -> Result<i32> {
    match command {
        TemplatesCommand::List(args) => list(args),
        TemplatesCommand::Show(args) => show(args),
        TemplatesCommand::Eject(args) => eject(args),
    }
}

fn list(args: &ListArgs) -> Result<i32> {
    let mut table = Table::new(vec!["name", "format", "source", "summary"]);
    for info in templates::list(args.template_dir.as_deref())? {
        let format: Vec<String> = EXPORTERS
            .iter()
            .filter(|e| e.template() == info.name)
            .map(|e| e.name().to_string())
            .collect();
        let source = match (&info.origin, info.shadows_builtin) {
            (Origin::Builtin, _) => "built-in".to_string(),
            (Origin::File(path), true) => format!("{} (shadows built-in)", path.display()),
            (Origin::File(path), false) => path.display().to_string(),
        };
        table.rows.push(vec![
            Cell::Text(info.name),
            Cell::List(format),
            Cell::Text(source),
            Cell::Text(info.summary),
        ]);
    }
    table.print(args.format)?;
    Ok(EXIT_OK)
}

fn show(args: &ShowArgs) -> Result<i32> {
    let templates = Templates::new(
        &TemplateOptions {
            file: None,
            dir: args.template_dir.clone(),
        },
        &args.name,
    )?;
    let source = templates.source(&args.name)?.ok_or_else(|| {
        let names: Vec<&str> = templates::BUILTIN.iter().map(|b| b.name).collect();
        Error::Invalid(format!(
            "no template '{}'; built-in templates: {}",
            args.name,
            names.join(", ")
        ))
    })?;
    write_stdout(source.as_bytes())?;
    Ok(EXIT_OK)
}

fn eject(args: &EjectArgs) -> Result<i32> {
    let (written, kept) = templates::eject(&args.dir, args.force)?;
    if !args.quiet {
        for path in &written {
            eprintln!("attackmap: wrote {}", path.display());
        }
        for path in &kept {
            eprintln!(
                "attackmap: kept {} (exists; --force overwrites it)",
                path.display()
            );
        }
    }
    Ok(EXIT_OK)
}
