//! `rulehost batch`: a whole population through the registry, streaming.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rulehost::batch::{self, BatchOptions, BatchReport, Output, Progress, ResultsFile, Resume, run_description};
use rulehost::rounds::{NewRound, Store};
use rulehost::sdk::Date;
use rulehost::{CompileCache, Engine, HouseholdReader, Registry};

/// Evaluate households (JSON Lines) through each district's plugin.
///
/// Writes one record per input line, in input order: `ok`, `rejected`
/// (unreadable line, schema violation, unknown district, duplicate id) or
/// `plugin_error` (trap, fuel, time or memory exhausted). Prints a summary
/// per district at the end. Output files are written whole or not at all
/// (a `.partial` file is renamed when the batch completes).
///
/// With `--store FILE --round LABEL`, the run is also kept as a
/// monitoring round in a SQLite store, for `rulehost rounds`, `track` and
/// `history`.
///
/// Exit codes: 0 all ok, 1 some records rejected or failed, 2 could not run.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registry: plugins, their pinned hashes, parameters and districts.
    #[arg(long, value_name = "FILE", default_value = "rulehost.toml")]
    registry: PathBuf,
    /// Households as JSON Lines; `-` for standard input.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Where to write the records (JSON Lines); `-` for standard output.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Also write every rejected or failed record here.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Write the per-district summary as JSON here.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD); default: each household's `survey_date`.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Pipeline threads; default: every core.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Lines longer than this many bytes are rejected.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_line_bytes: usize,
    #[command(flatten)]
    budgets: super::budgets::Budgets,
    /// Directory of compiled plugins; default: `$XDG_CACHE_HOME/rulehost`.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile plugins afresh and leave the cache alone.
    #[arg(long)]
    no_cache: bool,
    /// Print no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Go on from where an interrupted run stopped: keep the records in
    /// `OUTPUT.partial` up to the last whole chunk of 1024 and evaluate the
    /// rest. The finished output is identical to an uninterrupted run's.
    /// Without a partial output, the batch starts afresh.
    #[arg(long)]
    resume: bool,
    /// Keep this run as a monitoring round in this SQLite store (created
    /// when missing), next to the output file. Needs `--round`, and
    /// `--input` and `--output` as files. See `docs/rounds.md`.
    #[arg(long, value_name = "FILE", requires = "round")]
    store: Option<PathBuf>,
    /// The round's label in the store (e.g. `2024-06`). Running a round
    /// again with the same registry replaces it.
    #[arg(long, value_name = "LABEL", requires = "store")]
    round: Option<String>,
    /// Number the records from this line (default 1): the input is a slice
    /// of a larger one, such as a Spark partition, and its records carry
    /// the line numbers of the whole input.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..),
          conflicts_with = "resume")]
    first_line: u64,
    /// Household ids that appeared on earlier lines of the whole input
    /// (one JSON string per line): a household here with one of these ids
    /// is a duplicate, as it would be in one batch over the whole input.
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    seen_ids: Option<PathBuf>,
    /// Replace a round of the same label made with another registry
    /// (refused without it, so a label is not reused by mistake).
    #[arg(long, requires = "round")]
    replace: bool,
}

/// Position in input bytes (known for a file, so the ETA holds); the
/// message counts households and households per second.
struct Bar(ProgressBar, Instant);

impl Progress for Bar {
    fn update(&self, records: u64, bytes: u64) {
        let rate = records as f64 / self.1.elapsed().as_secs_f64().max(1e-3);
        self.0.set_position(bytes);
        self.0.set_message(format!("{records} households, {rate:.0} households/s"));
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let limits = args.budgets.limits()?;
    let jobs = args.jobs.unwrap_or(BatchOptions::default().jobs);
    let plugins = Registry::count_plugins(&args.registry)
        .with_context(|| format!("loading registry `{}`", args.registry.display()))?;
    let engine = Engine::for_workers(limits, jobs, plugins)?;
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => None,
        (Some(dir), false) => Some(CompileCache::new(dir)),
        (None, false) => super::rule_source::default_cache(),
    };
    let registry = Registry::load(&engine, &args.registry, cache.as_ref())
        .with_context(|| format!("loading registry `{}`", args.registry.display()))?;
    let reader = HouseholdReader::new()?;
    let mut store = match (&args.store, &args.round) {
        (Some(path), Some(label)) => {
            anyhow::ensure!(
                args.input.as_os_str() != "-" && args.output.as_os_str() != "-",
                "`--store` reads the input again beside the batch, and a resumed batch's output: \
                 give both as files, not `-`"
            );
            let store = Store::open(path)?;
            let round = new_round(&registry, label, &args)?;
            store.check_label(&round)?;
            Some((store, round))
        }
        _ => None,
    };

    let (mut input, total_bytes): (Box<dyn BufRead + Send>, Option<u64>) = if args.input.as_os_str() == "-" {
        (Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())), None)
    } else {
        let file = File::open(&args.input).with_context(|| format!("opening `{}`", args.input.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 20, file)), size)
    };
    let options = BatchOptions {
        jobs,
        as_of: args.as_of,
        max_line_bytes: args.max_line_bytes,
        first_line: args.first_line,
        ..BatchOptions::default()
    };
    let mut rejects = args.rejects.as_deref().map(Output::create).transpose()?;
    anyhow::ensure!(
        !(args.resume && args.input.as_os_str() == "-"),
        "`--resume` needs `--input FILE`: standard input cannot be checked to be the same input"
    );
    let fingerprint = match args.input.as_os_str() == "-" {
        true => None,
        false => {
            Some(batch::input_fingerprint(&args.input).with_context(|| format!("reading `{}`", args.input.display()))?)
        }
    };
    let run = run_description(&registry, args.as_of, args.max_line_bytes, limits, fingerprint.as_deref());
    let results = ResultsFile::new(&args.output);
    let resumed = match args.resume {
        true => results.resume(&run, options.chunk_lines, rejects.as_mut().map(Output::writer))?,
        false => None,
    };
    if args.resume && resumed.is_none() {
        eprintln!("nothing to resume (no `{}`): starting afresh", results.partial().display());
    }
    let resumed_run = resumed.is_some();
    let (mut output, resume) = match resumed {
        Some((output, resume)) => {
            let strangers: Vec<&String> = resume
                .plugins
                .iter()
                .filter(|sha| !registry.deployments().iter().any(|d| &&d.plugin.identity().sha256 == sha))
                .collect();
            anyhow::ensure!(
                strangers.is_empty(),
                "cannot resume from `{}`: its records were made by plugins this registry does not load \
                 (sha256 {strangers:?}); run the batch afresh without `--resume`",
                results.partial().display()
            );
            eprintln!(
                "resuming `{}`: the records of lines 1 to {} are kept; {} records after them are written again",
                results.partial().display(),
                resume.lines,
                resume.dropped
            );
            (output, resume)
        }
        None => (results.start(&run)?, seen_before(args.seen_ids.as_deref())?),
    };

    let bar = ProgressBar::with_draw_target(total_bytes, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let bar_progress = Bar(bar.clone(), Instant::now());
    let evaluate = |output: &mut dyn std::io::Write,
                    rejects: Option<&mut dyn std::io::Write>,
                    keep: Option<&mut dyn batch::Keep>| {
        batch::run_from(&registry, &reader, &mut input, output, rejects, options, &bar_progress, resume, keep)
            .context("running the batch")
    };
    let rejects_writer = rejects.as_mut().map(Output::writer);
    let (report, kept) = match &mut store {
        // A fresh batch: the round is written from the records as they are
        // written, on a thread of its own, and committed once the output
        // file is whole.
        Some((store, round)) if !resumed_run => std::thread::scope(|scope| -> anyhow::Result<_> {
            let (mut sender, feed) = rulehost::rounds::channel();
            let round: &NewRound<'_> = round;
            let writer = scope.spawn(move || store.write_round(round, feed));
            let finished = evaluate(output.writer(), rejects_writer, Some(&mut sender));
            let report = match finished.and_then(|report| Ok((report, results.finish(output)?))) {
                Ok((report, ())) => report,
                Err(e) => {
                    drop(sender);
                    writer.join().ok();
                    return Err(e);
                }
            };
            sender.end();
            let info = writer
                .join()
                .map_err(|_| anyhow::anyhow!("the store writer panicked"))?
                .with_context(|| format!("keeping round `{}` in the store", round.label))?;
            Ok((report, Some(info)))
        })?,
        _ => {
            let report = evaluate(output.writer(), rejects_writer, None)?;
            results.finish(output)?;
            (report, None)
        }
    };
    bar.finish_and_clear();
    if let Some(r) = rejects {
        r.commit()?;
    }
    let elapsed = started.elapsed();
    let kept = match (kept, &mut store) {
        (Some(info), _) => Some(info),
        // A resumed batch wrote only part of its records: the round is
        // written from the whole results file once it is complete.
        (None, Some((store, round))) => Some(
            store
                .write_round_from_files(round, open(&args.output)?, open(&args.input)?)
                .with_context(|| format!("keeping round `{}` in the store", round.label))?,
        ),
        (None, None) => None,
    };
    if let Some(info) = kept
        && !args.quiet
    {
        eprintln!(
            "round `{}` kept in `{}`: {} households, {} monitored",
            info.label,
            args.store.as_deref().unwrap_or(std::path::Path::new("")).display(),
            info.households,
            info.monitored,
        );
    }
    if let Some(path) = &args.summary_json {
        let json = summary_json(&report, elapsed);
        std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("writing `{}`", path.display()))?;
    }
    if !args.quiet {
        let text = render(&report, elapsed);
        // Keep standard output for the records when they go there.
        if args.output.as_os_str() == "-" {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(super::exit(report.ok == report.lines))
}

/// The writer's starting state for `--seen-ids`: the ids of earlier lines
/// already seen, nothing counted yet.
fn seen_before(path: Option<&std::path::Path>) -> anyhow::Result<Resume> {
    let mut resume = Resume::default();
    let Some(path) = path else { return Ok(resume) };
    let file = File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading `{}`", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let id: String = serde_json::from_str(&line).with_context(|| {
            format!("`{}` line {}: expected a household id as a JSON string", path.display(), n + 1)
        })?;
        resume.tally.seen.insert(rulehost::id_hash(&id));
    }
    Ok(resume)
}

/// The round to keep: its label, the batch's `--as-of`, the registry's
/// fingerprint and the pins of its plugins.
fn new_round<'a>(registry: &'a Registry, label: &'a str, args: &Args) -> anyhow::Result<NewRound<'a>> {
    let plugins: Vec<serde_json::Value> = registry
        .deployments()
        .iter()
        .map(|d| {
            let id = d.plugin.identity();
            serde_json::json!({ "name": id.name, "version": id.version, "sha256": id.sha256 })
        })
        .collect();
    Ok(NewRound {
        label,
        as_of: args.as_of.map(|d| d.to_string()),
        fingerprint: registry.fingerprint(),
        plugins: serde_json::Value::Array(plugins).to_string(),
        rounds_for_elimination: rounds_for_elimination(registry)?,
        replace: args.replace,
    })
}

/// The parameter `rounds_for_elimination` through time, as the store keeps
/// it (`[["2021-01-01", 6], ...]`), or `None` when no parameter file gives
/// it. The bulletin counts one N for every district, so the plugins'
/// parameter files must agree on it.
fn rounds_for_elimination(registry: &Registry) -> anyhow::Result<Option<String>> {
    const NAME: &str = "rounds_for_elimination";
    let mut agreed: Option<(&str, Vec<(String, u64)>)> = None;
    for deployment in registry.deployments() {
        let name = deployment.plugin.identity().name.as_str();
        let mut dated = Vec::new();
        for (from, value) in deployment.file.dated(NAME) {
            anyhow::ensure!(
                value.fract() == 0.0 && (1.0..=120.0).contains(&value),
                "parameter `{NAME}` of plugin `{name}` (valid from {from}) is {value}: \
                 it counts rounds, a whole number from 1 to 120"
            );
            dated.push((from.to_string(), value as u64));
        }
        match &agreed {
            None => agreed = Some((name, dated)),
            Some((other, values)) => anyhow::ensure!(
                *values == dated,
                "parameter `{NAME}` differs between the parameter files of plugins `{other}` and `{name}`: \
                 the bulletin counts one N for every district, so give it in the municipal file only"
            ),
        }
    }
    Ok(agreed.filter(|(_, values)| !values.is_empty()).map(|(_, values)| serde_json::json!(values).to_string()))
}

/// A file for reading, buffered.
fn open(path: &std::path::Path) -> anyhow::Result<BufReader<File>> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 20, f))
        .with_context(|| format!("opening `{}`", path.display()))
}

fn render(report: &BatchReport, elapsed: Duration) -> String {
    let mut text = super::summary_table::render(&report.summary, &rulehost::districts::district_name);
    for (plugin, chunks) in &report.stateful {
        text.push_str(&format!(
            "warning: plugin `{plugin}` kept state between households in {chunks} chunk(s); \
             those households were evaluated again, each in a fresh instance\n"
        ));
    }
    let secs = elapsed.as_secs_f64().max(1e-9);
    text.push_str(&format!(
        "{} lines: {} ok, {} rejected, {} plugin errors in {:.2} s ({:.0} households/s)\n",
        report.lines,
        report.ok,
        report.rejected,
        report.plugin_errors,
        secs,
        report.lines as f64 / secs
    ));
    text
}

fn summary_json(report: &BatchReport, elapsed: Duration) -> serde_json::Value {
    serde_json::json!({
        "lines": report.lines,
        "ok": report.ok,
        "rejected": report.rejected,
        "plugin_errors": report.plugin_errors,
        "elapsed_seconds": elapsed.as_secs_f64(),
        "stateful_plugins": report.stateful,
        "total": report.summary.total(),
        "districts": report.summary.districts,
    })
}
