//! `rulehost history`: one household across the rounds of a store.

use std::path::PathBuf;
use std::process::ExitCode;

/// Show one household across every round it appears in: status, monitoring
/// category, flags, eligible programmes, per-capita income, and the plugin
/// and version that judged it.
///
/// Exit codes: 0 ok, 1 the household is in no round, 2 could not run.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The household's `household_id`.
    household_id: String,
    /// The SQLite store written by `rulehost batch --store`.
    #[arg(long, value_name = "FILE", default_value = "rulehost.db")]
    store: PathBuf,
    /// Print the history as JSON.
    #[arg(long)]
    json: bool,
    /// Print the full record of each round instead (JSON Lines, in round
    /// order), as the batch wrote it: the audit trail.
    #[arg(long, conflicts_with = "json")]
    records: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(&args.store)?;
    let rows = store.history(&args.household_id)?;
    if rows.is_empty() {
        eprintln!("household `{}` is in no round of `{}`", args.household_id, args.store.display());
        return Ok(ExitCode::from(super::EXIT_SOME_FAILED));
    }
    if args.records {
        for (_, record) in store.records(&args.household_id)? {
            println!("{record}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("household {}", args.household_id);
    for r in &rows {
        let income = r.per_capita_income.map_or("-".to_owned(), |i| format!("{i:.2}"));
        let plugin = match (&r.plugin, &r.plugin_version) {
            (Some(p), Some(v)) => format!("{p} {v}"),
            _ => "-".to_owned(),
        };
        println!(
            "{:<12} {:<10} {:<12} {:<16} per capita {:>10}  {}",
            r.round,
            r.as_of,
            r.status,
            r.category.as_deref().unwrap_or("not monitored"),
            income,
            plugin
        );
        if !r.flags.is_empty() {
            println!("{:<12} flags: {}", "", r.flags.join(", "));
        }
        if !r.programs.is_empty() {
            println!("{:<12} eligible: {}", "", r.programs.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
