//! `rulehost sample`: writes a synthetic population of households as JSON
//! Lines, for trying batch runs, benchmarks and impact reports without real data.

use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::sample::write_sample;

/// Generate a synthetic population of rural households as JSON Lines.
///
/// Every household matches the household schema. Districts are drawn from
/// all 38 districts and counties of Chongqing, with the 14 national key
/// districts over-represented; about a third of households are lifted out of
/// poverty, and incomes, rigid spending, housing and water are spread so that
/// a few percent fall below the monitoring and dibao lines or have a
/// guarantee problem.
///
/// The output is deterministic: the same --households and --seed give
/// byte-identical output on every machine and run, and the first K
/// households of a larger run are exactly a run of K. With --csv or
/// --xlsx the same households are written in the layout `rulehost import`
/// reads.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many households to generate.
    #[arg(long, value_name = "N")]
    households: u64,
    /// Seed of the generator; each seed is a different, reproducible population.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Write to this file instead of standard output; `-` for standard output.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["csv", "xlsx"])]
    output: Option<PathBuf>,
    /// Write the households in the import layout as two CSV files,
    /// `households.csv` and `members.csv`, in this folder.
    #[arg(long, value_name = "DIR", conflicts_with = "xlsx")]
    csv: Option<PathBuf>,
    /// Write the households in the import layout as a workbook with the
    /// sheets 户信息 and 成员信息.
    #[arg(long, value_name = "FILE.xlsx")]
    xlsx: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    use rulehost::sample::sample_docs;
    use rulehost::spreadsheet::write::{write_csv, write_xlsx};
    if let Some(dir) = &args.csv {
        write_csv(dir, sample_docs(0..args.households, args.seed))
            .with_context(|| format!("writing CSV files to `{}`", dir.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.xlsx {
        write_xlsx(path, sample_docs(0..args.households, args.seed))
            .with_context(|| format!("writing `{}`", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.output.filter(|path| path.as_os_str() != "-") {
        Some(path) => {
            let file = File::create(&path).with_context(|| format!("creating `{}`", path.display()))?;
            let mut out = BufWriter::new(file);
            write_sample(args.households, args.seed, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("writing `{}`", path.display()))?;
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            match write_sample(args.households, args.seed, &mut out).and_then(|()| out.flush()) {
                // The reader stopped early (`rulehost sample ... | head`): not an error.
                Err(e) if e.kind() == ErrorKind::BrokenPipe => {}
                result => result.context("writing standard output")?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
