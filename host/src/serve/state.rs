//! What every request shares: the registry in force (swapped whole on
//! reload), the household reader, the evaluation pool, the limits, the
//! metrics and the tokens.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::{CompileCache, Engine, HouseholdReader, Limits, Registry};
use arc_swap::ArcSwapOption;

use super::auth::Tokens;
use super::metrics::Metrics;
use super::pool::Pool;

/// A verified registry and the engine its plugins run in.
#[derive(Debug)]
pub struct Loaded {
    pub registry: Registry,
    /// Counts loads: the first registry is 1.
    pub generation: u64,
}

/// The service's limits, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Largest `/v1/evaluate` and `/v1/explain` body.
    pub max_body_bytes: usize,
    /// Longest line of a `/v1/batch` body.
    pub max_line_bytes: usize,
    /// Evaluations queued or running; past it, 503.
    pub max_pending: usize,
    /// `/v1/batch` requests running at once; past it, 503.
    pub max_batches: usize,
    /// Worker threads of one `/v1/batch` request.
    pub batch_jobs: usize,
    /// From a request's arrival to its answer, for one household.
    pub deadline: Duration,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

/// How to load (and reload) the registry.
#[derive(Debug, Clone)]
pub struct Source {
    pub registry: PathBuf,
    pub limits: Limits,
    pub cache: Option<PathBuf>,
    /// Worker threads that may hold plugin instances at once.
    pub threads: usize,
}

impl Source {
    /// Loads and verifies the registry: pins, parameters, budgets.
    pub fn load(&self) -> anyhow::Result<Registry> {
        use anyhow::Context;
        let label = || format!("loading registry `{}`", self.registry.display());
        let plugins = Registry::count_plugins(&self.registry).with_context(label)?;
        let engine = Engine::for_workers(self.limits, self.threads, plugins)?;
        let cache = self.cache.as_ref().map(CompileCache::new);
        Registry::load(&engine, &self.registry, cache.as_ref()).with_context(label)
    }
}

/// Shared by every request.
pub struct State {
    pub loaded: ArcSwapOption<Loaded>,
    pub reader: Arc<HouseholdReader>,
    pub pool: Pool,
    pub limits: ServeLimits,
    pub metrics: Metrics,
    pub tokens: Option<Tokens>,
    pub source: Source,
    /// One reload at a time.
    pub reloading: tokio::sync::Mutex<()>,
    pub batches: Arc<tokio::sync::Semaphore>,
    /// Log household ids (never field values) in the access log.
    pub debug_ids: bool,
    pub access_log: bool,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl State {
    /// The registry in force, if one is loaded.
    pub fn current(&self) -> Option<Arc<Loaded>> {
        self.loaded.load_full()
    }

    /// Loads the registry again and swaps it in whole; on failure the one in
    /// force stays. Runs the load on a blocking thread.
    pub async fn reload(self: &Arc<Self>) -> anyhow::Result<Arc<Loaded>> {
        let _one = self.reloading.lock().await;
        let source = self.source.clone();
        let registry = tokio::task::spawn_blocking(move || source.load())
            .await
            .map_err(|e| anyhow::anyhow!("the reload thread failed: {e}"))??;
        let generation = self.current().map_or(0, |l| l.generation) + 1;
        let loaded = Arc::new(Loaded { registry, generation });
        self.loaded.store(Some(Arc::clone(&loaded)));
        self.metrics.set_registry(&loaded);
        Ok(loaded)
    }
}
