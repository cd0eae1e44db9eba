//! `rulehost report`: the picture of a batch's results, for officials.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::report::{Digest, Lines, results_page};
use rulehost::sdk::Date;

/// Summarise a results file: tables per district, and an HTML page with charts.
///
/// RESULTS is the JSON Lines file `rulehost batch` wrote. Prints the
/// per-district tables (households, monitoring categories, flags,
/// programmes, rejects and errors). With `--html`, also writes one
/// self-contained page (no network needed) with SVG charts: categories,
/// flags and programme eligibility per district, the distribution of
/// per-capita income against the monitoring and dibao lines, and rejects
/// and errors by kind and district.
///
/// Exits 1 when some lines of RESULTS are not evaluation records.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Evaluation records (JSON Lines) written by `rulehost batch`; `-` for standard input.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Write the report as a self-contained HTML page here.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Parameter files (layered) giving the income lines drawn on the income
    /// chart; default: the municipal baseline values.
    #[arg(long, value_name = "FILE")]
    params: Vec<PathBuf>,
    /// Draw the lines in force on this date (YYYY-MM-DD); default: the latest `as_of` in RESULTS.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    as_of: Option<Date>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let name = args.results.display().to_string();
    let digest = if args.results.as_os_str() == "-" {
        Digest::read(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.results).with_context(|| format!("opening `{name}`"))?;
        Digest::read(std::io::BufReader::with_capacity(1 << 20, file))
    }
    .with_context(|| format!("reading `{name}`"))?;

    let mut text = super::summary_table::render(&digest.summary, &rulehost::districts::district_name);
    for (status, kinds) in &digest.failures {
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        text.push_str(&format!("{status}: {}\n", list.join(", ")));
    }
    print!("{text}");
    if digest.lines == 0 {
        eprintln!("warning: `{name}` holds no records");
    }
    if digest.unreadable > 0 {
        eprintln!(
            "warning: {} of {} lines of `{name}` are not evaluation records (lines {:?}{}); they are not counted",
            digest.unreadable,
            digest.lines,
            digest.unreadable_lines,
            if digest.unreadable as usize > digest.unreadable_lines.len() { " and more" } else { "" }
        );
    }

    if let Some(path) = &args.html {
        let date = args.as_of.or_else(|| digest.as_of.as_ref().and_then(|(_, last)| Date::parse(last)));
        let lines = lines(&args.params, date)?;
        super::write_whole(path, results_page(&digest, &name, &lines).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(super::exit(digest.unreadable == 0))
}

/// The monitoring and dibao lines in force on `date` in the layered files.
fn lines(files: &[PathBuf], date: Option<Date>) -> anyhow::Result<Lines> {
    let params = super::rule_source::params(files)?;
    let Some(date) = date else { return Ok(Lines::default()) };
    let value = |name: &str| {
        let table = params.for_plugin(&[name.to_owned()], "report").ok()?;
        let set = table.at(date)?;
        Some((set.values.first().copied()?, set.valid_from))
    };
    let monitoring = value("monitoring_income_line");
    let dibao = value("dibao_line");
    let from = monitoring.or(dibao).map(|(_, d)| d.to_string()).unwrap_or_default();
    Ok(Lines {
        monitoring_yuan: monitoring.map(|(v, _)| v),
        dibao_yuan: dibao.map(|(v, _)| v),
        source: format!("{}, set in force on {date} (valid from {from})", params.label()),
    })
}
