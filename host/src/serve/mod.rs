//! `rulehost serve`: the registry as an HTTP service (axum on tokio). The
//! async threads only move bytes; households are evaluated on a fixed pool
//! of std threads (`pool`) and batches on threads of their own (`batch`),
//! with the batch's isolation and budgets. `routes` is the one table of
//! routes; `state` holds the registry in force, swapped whole on reload
//! (`admin`, and SIGHUP here); `access` authenticates, counts and logs.

mod access;
mod admin;
mod auth;
mod batch;
mod evaluate;
mod info;
mod metrics;
mod openapi;
mod pool;
mod reply;
mod routes;
mod state;

use std::future::IntoFuture;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::HouseholdReader;
use anyhow::Context;
use arc_swap::ArcSwapOption;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

pub use auth::Tokens;
pub use openapi::document as openapi_document;
pub use routes::{ADMIN_ROUTES, ROUTES};
pub use state::{ServeLimits, Source};

/// Everything `rulehost serve` is told.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub admin_listen: Option<SocketAddr>,
    pub source: Source,
    pub limits: ServeLimits,
    /// Evaluation worker threads.
    pub workers: usize,
    pub tokens: Option<PathBuf>,
    pub access_log: bool,
    pub log_ids: bool,
}

/// One JSON line on standard error: the service's own events.
pub(crate) fn log(event: &serde_json::Value) {
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let mut line = serde_json::json!({"ts": ts});
    if let (Some(line), Some(event)) = (line.as_object_mut(), event.as_object()) {
        line.extend(event.clone());
    }
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Runs the service until SIGTERM or Ctrl-C, then drains and returns.
pub fn run(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .thread_name("rulehost-http")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let tokens = config.tokens.as_deref().map(Tokens::load).transpose()?;
    let reader = Arc::new(HouseholdReader::new()?);
    let pool = pool::Pool::start(config.workers, config.limits.max_pending, Arc::clone(&reader))
        .context("starting the evaluation workers")?;
    let state = Arc::new(state::State {
        loaded: ArcSwapOption::empty(),
        reader,
        pool,
        limits: config.limits,
        metrics: metrics::Metrics::default(),
        tokens,
        source: config.source.clone(),
        reloading: tokio::sync::Mutex::new(()),
        batches: Arc::new(tokio::sync::Semaphore::new(config.limits.max_batches.max(1))),
        debug_ids: config.log_ids,
        access_log: config.access_log,
    });
    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;
    let service = axum::serve(listener, routes::service(&state)).with_graceful_shutdown(until_stopped(stopped.clone()));
    let service = tokio::spawn(service.into_future());
    let admin = match config.admin_listen {
        Some(at) => {
            let listener =
                tokio::net::TcpListener::bind(at).await.with_context(|| format!("listening on {at} (admin)"))?;
            let admin_address = listener.local_addr()?;
            let admin =
                axum::serve(listener, routes::admin(&state)).with_graceful_shutdown(until_stopped(stopped.clone()));
            println!("admin listening on http://{admin_address}");
            Some(tokio::spawn(admin.into_future()))
        }
        None => None,
    };
    println!("listening on http://{address}");
    std::io::stdout().flush().ok();
    log(&serde_json::json!({"event": "listening", "address": address.to_string()}));

    // /healthz answers while the first registry compiles; /readyz once it is in.
    if let Err(message) = admin::reload_logged(&state).await {
        let _ = stop.send(true);
        anyhow::bail!("{message}");
    }
    let mut hangups = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    let on_hangup = Arc::clone(&state);
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let _ = admin::reload_logged(&on_hangup).await;
        }
    });

    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let interrupt = Box::pin(tokio::signal::ctrl_c());
    let _ = futures_util::future::select(Box::pin(terminate.recv()), interrupt).await;
    log(&serde_json::json!({"event": "shutting_down", "drain_ms": config.limits.drain.as_millis() as u64}));
    let _ = stop.send(true);
    let drained = tokio::time::timeout(config.limits.drain, async {
        let _ = service.await;
        if let Some(admin) = admin {
            let _ = admin.await;
        }
    })
    .await;
    let outcome = if drained.is_ok() { "drained" } else { "drain_timed_out" };
    log(&serde_json::json!({"event": "stopped", "outcome": outcome}));
    Ok(())
}
