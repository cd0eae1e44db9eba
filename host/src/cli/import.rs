//! `rulehost import`: households from a workbook or two CSV files to
//! schema-checked JSON Lines, every bad cell reported where it is.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::HouseholdReader;
use rulehost::spreadsheet::import::{Report, Strict, import, read_csv, read_workbook};

use super::{EXIT_CANNOT_RUN, EXIT_SOME_FAILED};

/// Import households from an Excel workbook or CSV files to JSON Lines.
///
/// The layout: a households table (one row per household) and a members
/// table (one row per member, with its household's 户编号). In a workbook
/// these are the sheets 户信息 and 成员信息 (or `households` and
/// `members`); as CSV, two files. Headers are the Chinese names or the
/// schema's field names, in any order; `docs/import.md` lists every
/// column. Dates may be date cells, `2021-06-30`, `2021/6/30` or
/// `2021年6月30日`; booleans 是/否, Y/N, true/false or 1/0; enums their
/// Chinese label or code; numbers may have thousands separators. CSV files
/// may be UTF-8 or GBK.
///
/// Every bad cell is reported as `FILE:SHEET:ROW:COLUMN (header): message`
/// (a CSV file has no sheet). A household with any bad cell is left out
/// and counted in the summary; `--strict` stops at the first bad cell and
/// writes nothing. What is written has passed the same household reader as
/// `batch`, so it passes `validate`.
///
/// Exit codes: 0 every household imported, 1 some households left out (or
/// with --strict, a bad cell), 2 the files could not be read (not a
/// workbook, a missing sheet or column, an empty sheet).
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["workbook", "households", "template"])))]
pub struct Args {
    /// The workbook (.xlsx) with the households and members sheets.
    #[arg(value_name = "WORKBOOK.xlsx", conflicts_with_all = ["households", "members"])]
    workbook: Option<PathBuf>,
    /// The households table as a CSV file.
    #[arg(long, value_name = "FILE", requires = "members")]
    households: Option<PathBuf>,
    /// The members table as a CSV file.
    #[arg(long, value_name = "FILE", requires = "households")]
    members: Option<PathBuf>,
    /// Write the households here (JSON Lines); `-` or none for standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Stop at the first bad cell, writing nothing.
    #[arg(long)]
    strict: bool,
    /// Instead of importing, write an empty workbook in the import layout:
    /// both sheets with headers, drop-down lists, and a notes sheet.
    #[arg(long, value_name = "FILE.xlsx", conflicts_with_all = ["workbook", "households", "members", "output", "strict"])]
    template: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.template {
        rulehost::spreadsheet::write::write_template(path)
            .with_context(|| format!("writing the template `{}`", path.display()))?;
        eprintln!("wrote the import template to {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let tables = match (&args.workbook, &args.households, &args.members) {
        (Some(workbook), _, _) => read_workbook(workbook),
        (None, Some(households), Some(members)) => {
            // The two files are read side by side.
            let (h, m) = rayon::join(|| read_csv(households), || read_csv(members));
            h.and_then(|h| m.map(|m| (h, m))).map(|((h, h_gbk), (m, m_gbk))| {
                for (gbk, path) in [(h_gbk, households), (m_gbk, members)] {
                    if gbk {
                        eprintln!("note: {} is not UTF-8; read it as GBK", path.display());
                    }
                }
                (h, m)
            })
        }
        _ => anyhow::bail!("give a workbook, or --households and --members CSV files"),
    };
    let (mut households, mut members) = match tables {
        Ok(tables) => tables,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(EXIT_CANNOT_RUN));
        }
    };
    let reader = HouseholdReader::new()?;

    let to_file = args.output.as_ref().filter(|p| p.as_os_str() != "-");
    let partial = to_file.map(|p| {
        let mut name = p.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    });
    let mut out: Box<dyn Write> = match &partial {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path).with_context(|| format!("creating `{}`", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let outcome = import(&mut households, &mut members, &reader, args.strict, &mut out);
    let outcome = outcome.and_then(|r| {
        out.flush().map_err(rulehost::spreadsheet::import::ImportOutcomeError::Write)?;
        Ok(r)
    });
    drop(out);
    // Each row's cells were freed as it was read; a failed import may
    // leave millions of cells, and the process ends soon, so they are not
    // freed one by one.
    std::mem::forget((households, members));
    let discard = || {
        if let Some(path) = &partial {
            let _ = std::fs::remove_file(path);
        }
    };
    match outcome {
        Err(rulehost::spreadsheet::import::ImportOutcomeError::Import(e)) => {
            discard();
            eprintln!("error: {e}");
            Ok(ExitCode::from(EXIT_CANNOT_RUN))
        }
        Err(e) => {
            discard();
            Err(e.into())
        }
        Ok(Err(Strict(problem))) => {
            discard();
            eprintln!("{problem}");
            eprintln!("error: stopped at the first bad cell (--strict); nothing written");
            Ok(ExitCode::from(EXIT_SOME_FAILED))
        }
        Ok(Ok(report)) => {
            if let (Some(partial), Some(path)) = (&partial, to_file) {
                std::fs::rename(partial, path).with_context(|| format!("writing `{}`", path.display()))?;
            }
            print_report(&report, to_file);
            Ok(if report.left_out == 0 && report.orphan_members == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_SOME_FAILED)
            })
        }
    }
}

fn print_report(report: &Report, to: Option<&PathBuf>) {
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    for column in &report.ignored_columns {
        eprintln!("note: {column}: not a column of the import layout; ignored");
    }
    let to = to.map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    eprintln!(
        "imported {} of {} households ({} members) to {to}",
        report.imported, report.households, report.members_imported
    );
    if report.left_out > 0 {
        let s = if report.left_out == 1 { "" } else { "s" };
        eprintln!("left out {} household{s}:", report.left_out);
        for (reason, count) in &report.reasons {
            eprintln!("  {count} with {}", reason.describe());
        }
    }
    if report.orphan_members > 0 {
        let s = if report.orphan_members == 1 { " has" } else { "s have" };
        eprintln!("{} member row{s} no household in the households table", report.orphan_members);
    }
}
