//! The wasmtime engine every plugin runs on, and the budgets every store
//! gets: fuel (deterministic CPU), an epoch deadline (wall clock) and
//! resource limits (memory, tables, instances).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, ResourceLimiter, Store};

use crate::error::{Error, Result};

/// How often the epoch ticks; deadlines are whole ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The budgets of one household's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wasm instructions (roughly) per household; deterministic.
    pub fuel: u64,
    /// Wall-clock limit per household.
    pub timeout: Duration,
    /// Linear memory a plugin instance may grow to.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        // The baseline needs about 1e5 fuel and well under 2 MiB: the
        // defaults leave two orders of magnitude of headroom.
        Limits { fuel: 50_000_000, timeout: Duration::from_secs(2), memory_bytes: 64 << 20 }
    }
}

/// A configured wasmtime engine plus the thread that advances its epoch.
#[derive(Clone)]
pub struct Engine {
    pub(crate) wasmtime: wasmtime::Engine,
    pub(crate) limits: Limits,
    _ticker: Arc<Ticker>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(limits: Limits) -> Result<Engine> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .cranelift_opt_level(OptLevel::Speed)
            // The same input gives the same output on every machine.
            .cranelift_nan_canonicalization(true)
            .max_wasm_stack(512 << 10)
            // Instances come and go at every chunk: reuse their slots rather
            // than map and unmap memory each time.
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(&limits)));
        let wasmtime = wasmtime::Engine::new(&config).map_err(|e| Error::Engine(e.to_string()))?;
        let ticker = Ticker::start(wasmtime.clone());
        Ok(Engine { wasmtime, limits, _ticker: ticker })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Epoch ticks that make up the wall-clock budget.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let ticks = self.limits.timeout.as_millis() / EPOCH_TICK.as_millis();
        u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
    }

    /// A store with every budget but fuel and the deadline, which are set
    /// before each call.
    pub(crate) fn store(&self) -> Store<StoreState> {
        let mut store = Store::new(&self.wasmtime, StoreState::new(self.limits.memory_bytes));
        store.limiter(|s| s);
        store
    }
}

/// Slots for every instance that can be alive at once: per worker thread,
/// one per plugin plus a fresh one for the state check, with ample margin.
/// Linear memories are capped at the memory limit.
fn pooling(limits: &Limits) -> PoolingAllocationConfig {
    const SLOTS: u32 = 1000;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(SLOTS)
        .total_core_instances(SLOTS)
        .total_memories(SLOTS)
        .total_tables(SLOTS)
        .max_memory_size(limits.memory_bytes);
    pool
}

/// Advances the engine's epoch every `EPOCH_TICK` until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: wasmtime::Engine) -> Arc<Ticker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("rulehost-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Arc::new(Ticker { stop })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Per-store data: the resource limiter, which also remembers whether it
/// refused a growth so the failure can be named.
#[derive(Debug)]
pub struct StoreState {
    memory_bytes: usize,
    pub(crate) memory_refused: bool,
}

impl StoreState {
    fn new(memory_bytes: usize) -> StoreState {
        StoreState { memory_bytes, memory_refused: false }
    }
}

impl ResourceLimiter for StoreState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.memory_refused = true;
            // Trap rather than let the guest see a failed grow: a plugin
            // that asks for that much memory fails this household.
            wasmtime::bail!("memory limit of {} bytes exceeded", self.memory_bytes);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        16
    }

    fn memories(&self) -> usize {
        4
    }
}
