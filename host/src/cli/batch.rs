//! `rulehost batch`: a whole population through the registry, streaming.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rulehost::batch::{self, BatchOptions, BatchReport, Progress};
use rulehost::resume::{Resume, count_records, run_description};
use rulehost::sdk::Date;
use rulehost::{CompileCache, Engine, HouseholdReader, Limits, Registry, bounds};

/// Evaluate households (JSON Lines) through each district's plugin.
///
/// Writes one record per input line, in input order: `ok`, `rejected`
/// (unreadable line, schema violation, unknown district, duplicate id) or
/// `plugin_error` (trap, fuel, time or memory exhausted). Prints a summary
/// per district at the end. Output files are written whole or not at all
/// (a `.partial` file is renamed when the batch completes).
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
    /// Worker threads; default: every core.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Lines longer than this many bytes are rejected.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_line_bytes: usize,
    /// Fuel (deterministic CPU budget) per household, for plugins whose
    /// registry entry sets no `limits.fuel`.
    #[arg(long, value_name = "UNITS", default_value_t = Limits::default().fuel,
          value_parser = clap::value_parser!(u64).range(bounds::FUEL))]
    fuel: u64,
    /// Wall-clock limit per household, in milliseconds (unless the registry sets `limits.timeout_ms`).
    #[arg(long, value_name = "MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(bounds::TIMEOUT_MS))]
    timeout_ms: u64,
    /// Memory limit per plugin instance, in MiB (unless the registry sets `limits.memory_mib`).
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(bounds::MEMORY_MIB))]
    memory_mib: u64,
    /// Text (reasons, codes) one evaluation may return, in KiB (unless the
    /// registry sets `limits.output_kib`).
    #[arg(long, value_name = "KIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(bounds::OUTPUT_KIB))]
    output_kib: u64,
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
    let limits = Limits::checked(args.fuel, args.timeout_ms, args.memory_mib, args.output_kib)
        .map_err(|e| anyhow::anyhow!("budgets: {e}"))?;
    let engine = Engine::new(limits)?;
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => None,
        (Some(dir), false) => Some(CompileCache::new(dir)),
        (None, false) => CompileCache::default_dir().map(CompileCache::new),
    };
    let registry = Registry::load(&engine, &args.registry, cache.as_ref())
        .with_context(|| format!("loading registry `{}`", args.registry.display()))?;
    let reader = HouseholdReader::new()?;

    let (mut input, total_bytes): (Box<dyn BufRead + Send>, Option<u64>) = if args.input.as_os_str() == "-" {
        (Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())), None)
    } else {
        let file = File::open(&args.input).with_context(|| format!("opening `{}`", args.input.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 20, file)), size)
    };
    let options = BatchOptions {
        jobs: args.jobs.unwrap_or(BatchOptions::default().jobs),
        as_of: args.as_of,
        max_line_bytes: args.max_line_bytes,
        ..BatchOptions::default()
    };
    let partial = partial_output(&args)?;
    let mut rejects = args.rejects.as_deref().map(Output::create).transpose()?;
    let run = run_description(&registry, args.as_of, args.max_line_bytes, limits, total_bytes);
    let (mut output, resume) = match partial {
        Some(partial) => {
            check_same_run(&partial, &run)?;
            let resume = resumed(&partial, options.chunk_lines, rejects.as_mut().map(Output::writer))?;
            let strangers: Vec<&String> = resume
                .plugins
                .iter()
                .filter(|sha| !registry.deployments().iter().any(|d| &&d.plugin.identity().sha256 == sha))
                .collect();
            anyhow::ensure!(
                strangers.is_empty(),
                "cannot resume from `{}`: its records were made by plugins this registry does not load \
                 (sha256 {strangers:?}); run the batch afresh without `--resume`",
                partial.display()
            );
            eprintln!(
                "resuming `{}`: the records of lines 1 to {} are kept; {} records after them are written again",
                partial.display(),
                resume.lines,
                resume.dropped
            );
            (Output::append(&args.output, &partial, resume.bytes)?, resume)
        }
        None => (Output::create(&args.output)?, Resume::default()),
    };
    if let Some(side) = run_file(&args.output) {
        std::fs::write(&side, &run).with_context(|| format!("writing `{}`", side.display()))?;
    }

    let bar = ProgressBar::with_draw_target(total_bytes, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = batch::run_from(
        &registry,
        &reader,
        &mut input,
        output.writer(),
        rejects.as_mut().map(Output::writer),
        options,
        &Bar(bar.clone(), Instant::now()),
        resume,
    )
    .context("running the batch")?;
    bar.finish_and_clear();
    output.commit()?;
    if let Some(side) = run_file(&args.output) {
        std::fs::remove_file(&side).ok();
    }
    if let Some(r) = rejects {
        r.commit()?;
    }
    let elapsed = started.elapsed();
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

fn render(report: &BatchReport, elapsed: Duration) -> String {
    let mut text = super::summary_table::render(&report.summary, &rulehost::sample::district_name);
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

/// With `--resume`, the partial output of an interrupted run, if any.
fn partial_output(args: &Args) -> anyhow::Result<Option<PathBuf>> {
    if !args.resume {
        return Ok(None);
    }
    anyhow::ensure!(
        args.output.as_os_str() != "-",
        "`--resume` needs `--output FILE`: standard output cannot be resumed"
    );
    let mut partial = args.output.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if partial.exists() {
        Ok(Some(partial))
    } else {
        eprintln!("nothing to resume (no `{}`): starting afresh", partial.display());
        Ok(None)
    }
}

/// `OUTPUT.partial.run`: what the run writing `OUTPUT.partial` was, so that
/// `--resume` goes on only with the same run. None for standard output.
fn run_file(output: &Path) -> Option<PathBuf> {
    if output.as_os_str() == "-" {
        return None;
    }
    let mut side = output.as_os_str().to_owned();
    side.push(".partial.run");
    Some(PathBuf::from(side))
}

/// Refuses to resume a partial output that another run (other registry,
/// parameters, options or input) wrote.
fn check_same_run(partial: &Path, run: &str) -> anyhow::Result<()> {
    let mut side = partial.as_os_str().to_owned();
    side.push(".run");
    let side = PathBuf::from(side);
    let Ok(before) = std::fs::read_to_string(&side) else {
        anyhow::bail!(
            "cannot resume from `{}`: `{}`, which says what run wrote it, is missing; run the batch afresh without `--resume`",
            partial.display(),
            side.display()
        );
    };
    let changed: Vec<String> = before
        .lines()
        .zip(run.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  was   {a}\n  now   {b}"))
        .collect();
    anyhow::ensure!(
        changed.is_empty() && before.lines().count() == run.lines().count(),
        "cannot resume from `{}`: it was written by another run\n{}\nrun the batch afresh without `--resume`",
        partial.display(),
        changed.join("\n")
    );
    Ok(())
}

/// Reads what an interrupted run wrote to `partial`, writing its non-ok
/// records to `rejects` again.
fn resumed(partial: &Path, chunk_lines: usize, rejects: Option<&mut dyn Write>) -> anyhow::Result<Resume> {
    let open = || {
        File::open(partial)
            .map(|f| BufReader::with_capacity(1 << 20, f))
            .with_context(|| format!("opening `{}`", partial.display()))
    };
    let count = count_records(open()?).with_context(|| format!("reading `{}`", partial.display()))?;
    Resume::read(open()?, count, chunk_lines, rejects)
        .map_err(|e| anyhow::anyhow!("cannot resume from `{}`: {e}", partial.display()))
}

/// A file written as `NAME.partial` and renamed on success, or stdout.
enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File { writer: BufWriter<File>, partial: PathBuf, path: PathBuf },
}

impl Output {
    fn create(path: &Path) -> anyhow::Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(BufWriter::with_capacity(1 << 20, std::io::stdout())));
        }
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = File::create(&partial).with_context(|| format!("creating `{}`", partial.display()))?;
        Ok(Output::File { writer: BufWriter::with_capacity(1 << 20, file), partial, path: path.to_owned() })
    }

    /// Goes on writing `partial` after its first `keep` bytes.
    fn append(path: &Path, partial: &Path, keep: u64) -> anyhow::Result<Output> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(partial)
            .with_context(|| format!("opening `{}`", partial.display()))?;
        file.set_len(keep).with_context(|| format!("truncating `{}`", partial.display()))?;
        Ok(Output::File {
            writer: BufWriter::with_capacity(1 << 20, file),
            partial: partial.to_owned(),
            path: path.to_owned(),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::File { writer, .. } => writer,
        }
    }

    fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing standard output"),
            Output::File { writer, partial, path } => {
                let file = writer.into_inner().map_err(|e| e.into_error()).context("flushing output")?;
                file.sync_all().ok();
                std::fs::rename(&partial, &path).with_context(|| format!("renaming to `{}`", path.display()))
            }
        }
    }
}
