//! `rulehost serve`: the registry as an HTTP service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use rulehost::CompileCache;
use rulehost::serve::{Config, ServeLimits, Source};

/// Serve the registry over HTTP: evaluate, explain, batch, plugins,
/// parameters, health, metrics (see `docs/serve.md`).
///
/// Households are evaluated on a fixed pool of worker threads, with the
/// batch's isolation (fresh instances per chunk of requests, the state
/// check) and each plugin's budgets. Past `--max-pending` evaluations, or
/// `--max-batches` batches, requests get 503 with `Retry-After` at once.
/// SIGHUP (or `POST /v1/admin/reload` on `--admin-listen`) loads and
/// verifies the registry again and swaps it in; a bad one is refused and
/// the old one keeps serving. SIGTERM or Ctrl-C stops accepting, finishes
/// the requests in flight (within `--drain-ms`) and exits 0.
///
/// Exit codes: 0 stopped cleanly, 2 could not start (bad registry, address in use).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registry: plugins, their pinned hashes, parameters and districts.
    #[arg(long, value_name = "FILE", default_value = "rulehost.toml")]
    registry: PathBuf,
    /// Address to serve on. Loopback by default: put a reverse proxy with
    /// TLS in front to serve other machines (docs/serve.md).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Address of the admin listener (`POST /v1/admin/reload`); none by default.
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
    /// Evaluation worker threads; default: every core.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Evaluations queued or running at once; past it, 503 with `Retry-After`.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_pending: u64,
    /// `/v1/batch` requests running at once; past it, 503 with `Retry-After`.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    max_batches: u64,
    /// Worker threads of each `/v1/batch`; default: every core.
    #[arg(long, value_name = "N")]
    batch_jobs: Option<usize>,
    /// Largest `/v1/evaluate` or `/v1/explain` body, in bytes; a larger one gets 400 (`line_too_long`).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Longest line of a `/v1/batch` body, in bytes; a longer line gets a `line_too_long` record.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_line_bytes: usize,
    /// Per-request deadline for one household (queue and evaluation), in
    /// milliseconds; past it, 503 with `Retry-After`. Batches have none.
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    deadline_ms: u64,
    /// On SIGTERM or Ctrl-C, how long to wait for requests in flight, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    drain_ms: u64,
    /// Require `Authorization: Bearer TOKEN` with a token from this file
    /// (one a line; `#` comments). `/healthz` and `/readyz` stay open.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Write no access log (JSON lines on standard error).
    #[arg(long)]
    no_access_log: bool,
    /// Put household ids in the access log (debugging; field values never are).
    #[arg(long)]
    log_ids: bool,
    #[command(flatten)]
    budgets: super::budgets::Budgets,
    /// Directory of compiled plugins; default: `$XDG_CACHE_HOME/rulehost`.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile plugins afresh and leave the cache alone.
    #[arg(long)]
    no_cache: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = args.budgets.limits()?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = args.workers.unwrap_or(cores).max(1);
    let batch_jobs = args.batch_jobs.unwrap_or(cores).max(1);
    let max_batches = usize::try_from(args.max_batches)?;
    let cache = match (args.cache_dir, args.no_cache) {
        (_, true) => None,
        (Some(dir), false) => Some(dir),
        (None, false) => CompileCache::default_dir(),
    };
    let config = Config {
        listen: args.listen,
        admin_listen: args.admin_listen,
        source: Source { registry: args.registry, limits, cache, threads: workers + max_batches * (batch_jobs + 1) },
        limits: ServeLimits {
            max_body_bytes: args.max_body_bytes,
            max_line_bytes: args.max_line_bytes,
            max_pending: usize::try_from(args.max_pending)?,
            max_batches,
            batch_jobs,
            deadline: Duration::from_millis(args.deadline_ms),
            drain: Duration::from_millis(args.drain_ms),
        },
        workers,
        tokens: args.tokens,
        access_log: !args.no_access_log,
        log_ids: args.log_ids,
    };
    rulehost::serve::run(config)?;
    Ok(ExitCode::SUCCESS)
}
