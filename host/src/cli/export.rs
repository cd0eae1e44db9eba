//! `rulehost export`: a results file to an Excel workbook for officials.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::spreadsheet::export::export;

/// Write a results file as an Excel workbook for officials.
///
/// The workbook has four sheets, each with Chinese headers, a frozen header
/// row and an autofilter: 汇总 (per district, the figures of `rulehost
/// report`), 监测户 (monitored households: category, per-capita income,
/// reason), 风险与帮扶 (one row per flag and per programme decision, with
/// Chinese labels, members, amount and reason) and 拒收与错误 (rejects and
/// plugin errors with their line numbers and messages). Amounts are
/// numbers in yuan with two decimals; dates are date cells. The detail
/// sheets are streamed, so memory does not grow with the results file.
///
/// Exit codes: 0 written, 2 the results file could not be read or the
/// workbook not written. Lines that are not evaluation records are
/// counted and reported, not exported.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The results file (JSON Lines of evaluation records from `batch`).
    #[arg(value_name = "RESULTS.jsonl")]
    results: PathBuf,
    /// The workbook to write.
    #[arg(long, value_name = "FILE.xlsx")]
    xlsx: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let written = export(&args.results, &args.xlsx)
        .with_context(|| format!("exporting `{}` to `{}`", args.results.display(), args.xlsx.display()))?;
    eprintln!(
        "wrote {}: {} records, {} monitored households, {} flags and decisions, {} rejects and errors",
        args.xlsx.display(),
        written.records,
        written.monitored,
        written.items,
        written.failures
    );
    if written.unreadable > 0 {
        eprintln!(
            "warning: {} lines of `{}` are not evaluation records; they are not exported",
            written.unreadable,
            args.results.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
