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
    /// Bytes of text (reasons, codes, levels) one evaluation may return.
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        // The baseline needs about 1e5 fuel, well under 2 MiB and about
        // 2 KB of reasons: the defaults leave ample headroom.
        Limits { fuel: 50_000_000, timeout: Duration::from_secs(2), memory_bytes: 64 << 20, output_bytes: 64 << 10 }
    }
}

/// The range each budget may be set to, wherever it is set (command line
/// or registry): a budget outside it is refused, not clamped.
pub mod bounds {
    use std::ops::RangeInclusive;
    pub const FUEL: RangeInclusive<u64> = 10_000..=100_000_000_000;
    pub const TIMEOUT_MS: RangeInclusive<u64> = 10..=60_000;
    pub const MEMORY_MIB: RangeInclusive<u64> = 1..=1024;
    pub const OUTPUT_KIB: RangeInclusive<u64> = 1..=1024;
}

impl Limits {
    /// Builds limits from the units people write (ms, MiB, KiB), refusing
    /// any outside `bounds`; the error names the setting and its range.
    pub fn checked(
        fuel: u64,
        timeout_ms: u64,
        memory_mib: u64,
        output_kib: u64,
    ) -> std::result::Result<Limits, String> {
        let check = |name: &str, value: u64, range: std::ops::RangeInclusive<u64>| {
            if range.contains(&value) {
                Ok(value)
            } else {
                Err(format!("`{name}` = {value} is outside {}..={}", range.start(), range.end()))
            }
        };
        Ok(Limits {
            fuel: check("fuel", fuel, bounds::FUEL)?,
            timeout: Duration::from_millis(check("timeout_ms", timeout_ms, bounds::TIMEOUT_MS)?),
            memory_bytes: usize::try_from(check("memory_mib", memory_mib, bounds::MEMORY_MIB)? << 20)
                .unwrap_or(usize::MAX),
            output_bytes: usize::try_from(check("output_kib", output_kib, bounds::OUTPUT_KIB)? << 10)
                .unwrap_or(usize::MAX),
        })
    }

    /// Epoch ticks that make up the wall-clock budget: rounded up, plus
    /// one, because the first tick may come at once. A household gets at
    /// least its budget, and at most one tick more.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let ticks = self.timeout.as_millis().div_ceil(EPOCH_TICK.as_millis()) + 1;
        u64::try_from(ticks).unwrap_or(u64::MAX)
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
    /// An engine with room for [`DEFAULT_INSTANCES`] plugin instances alive at once.
    pub fn new(limits: Limits) -> Result<Engine> {
        Engine::with_instances(limits, DEFAULT_INSTANCES)
    }

    /// An engine for `jobs` worker threads over a registry of `plugins`
    /// plugins: every worker may hold one warm instance per plugin plus a
    /// fresh one for the state check, so capacity never runs out (and a lack
    /// of it is never recorded as a plugin's failure).
    pub fn for_workers(limits: Limits, jobs: usize, plugins: usize) -> Result<Engine> {
        let needed = jobs.max(1).saturating_mul(plugins.saturating_add(1)).saturating_add(plugins).saturating_add(8);
        Engine::with_instances(limits, u32::try_from(needed).unwrap_or(u32::MAX).max(DEFAULT_INSTANCES))
    }

    fn with_instances(limits: Limits, instances: u32) -> Result<Engine> {
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
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(&limits, instances)));
        // `RULEHOST_PERFMAP=1` names plugin code for `perf` (a profiling aid;
        // it writes /tmp/perf-PID.map and changes no result).
        if std::env::var_os("RULEHOST_PERFMAP").is_some_and(|v| v == "1") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let wasmtime = wasmtime::Engine::new(&config).map_err(|e| Error::Engine(e.to_string()))?;
        // Without the ticker there is no wall-clock deadline: refuse to run.
        let ticker = Ticker::start(wasmtime.clone())
            .map_err(|e| Error::Engine(format!("cannot start the epoch ticker thread: {e}")))?;
        Ok(Engine { wasmtime, limits, _ticker: ticker })
    }

    /// The default budgets, for plugins that set none of their own.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A store with the memory budget `memory_bytes`; fuel and the deadline
    /// are set before each call.
    /// `wasi_output` gives the store a deny-all WASI context whose stdout
    /// and stderr each keep that many bytes per household.
    pub(crate) fn store(&self, memory_bytes: usize, wasi_output: Option<usize>) -> Store<StoreState> {
        let mut state = StoreState::new(memory_bytes);
        state.wasi = wasi_output.map(|bound| Box::new(crate::wasi::state::WasiState::new(bound)));
        let mut store = Store::new(&self.wasmtime, state);
        store.limiter(|s| s);
        store
    }
}

/// Instances an engine has room for unless sized for a registry.
pub const DEFAULT_INSTANCES: u32 = 1000;
/// Linear memories (and tables) one plugin instance may define; their
/// sizes add up against the plugin's one memory budget.
pub const MEMORIES_PER_INSTANCE: u32 = 4;
/// Core instances one component may hold: a Python plugin links its
/// interpreter, libc and adapters as a dozen or so core modules.
const CORE_INSTANCES_PER_COMPONENT: u32 = 32;
/// Table elements one plugin instance may hold, over all its tables (a
/// Python interpreter's function table has tens of thousands).
const TABLE_ELEMENTS: usize = 100_000;

/// Bytes of each linear memory that an ended instance's slot resets in
/// place, where the kernel tells which pages were written (`PAGEMAP_SCAN`,
/// Linux 6.7 and later): only those pages are restored, and they stay
/// mapped for the next instance. Without it, the whole memory is reset
/// with `madvise`, whose TLB shootdowns interrupt the other cores (costly
/// in a virtual machine) and whose pages are faulted in and zeroed again
/// by the next chunk. The next instance sees the same fresh memory either
/// way. Past this size, the rest is still reset with `madvise`.
const KEEP_RESIDENT: usize = 16 << 20;
/// The same for tables (a Python interpreter's holds tens of thousands of
/// functions).
const TABLE_KEEP_RESIDENT: usize = 1 << 20;

/// Slots for `instances` plugin instances alive at once. Slots are sized
/// for the largest memory budget any plugin may have (the address space is
/// reserved, not committed); each store's limiter holds its plugin to its
/// own budget, summed over its memories.
fn pooling(limits: &Limits, instances: u32) -> PoolingAllocationConfig {
    let ceiling = usize::try_from(bounds::MEMORY_MIB.end() << 20).unwrap_or(usize::MAX);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
        .max_memories_per_component(MEMORIES_PER_INSTANCE)
        .max_memories_per_module(MEMORIES_PER_INSTANCE)
        .total_memories(instances.saturating_mul(MEMORIES_PER_INSTANCE))
        .max_tables_per_component(MEMORIES_PER_INSTANCE)
        .max_tables_per_module(MEMORIES_PER_INSTANCE)
        .total_tables(instances.saturating_mul(MEMORIES_PER_INSTANCE))
        .table_elements(TABLE_ELEMENTS)
        .max_memory_size(ceiling.max(limits.memory_bytes));
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT)
            .pagemap_scan(wasmtime::Enabled::Yes);
    }
    pool
}

/// Advances the engine's epoch every `EPOCH_TICK` until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: wasmtime::Engine) -> std::io::Result<Arc<Ticker>> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new().name("rulehost-epoch".into()).spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })?;
        Ok(Arc::new(Ticker { stop }))
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
    /// The budget, over every linear memory of the instance.
    memory_bytes: usize,
    /// Bytes of every linear memory of the instance, added up.
    memory_used: usize,
    /// Elements of every table of the instance, added up.
    table_elements: usize,
    pub(crate) memory_refused: bool,
    /// The deny-all WASI context, for the plugins allowed to import WASI.
    pub(crate) wasi: Option<Box<crate::wasi::state::WasiState>>,
}

impl StoreState {
    fn new(memory_bytes: usize) -> StoreState {
        StoreState { memory_bytes, memory_used: 0, table_elements: 0, memory_refused: false, wasi: None }
    }
}

impl ResourceLimiter for StoreState {
    // Called for each memory as it is created (from 0) and as it grows:
    // the budget holds for all of an instance's memories together.
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.memory_used.saturating_sub(current).saturating_add(desired);
        if total > self.memory_bytes {
            self.memory_refused = true;
            // Trap rather than let the guest see a failed grow: a plugin
            // that asks for that much memory fails this household.
            wasmtime::bail!("memory limit of {} bytes exceeded", self.memory_bytes);
        }
        self.memory_used = total;
        Ok(true)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.table_elements.saturating_sub(current).saturating_add(desired);
        if total > TABLE_ELEMENTS {
            return Ok(false);
        }
        self.table_elements = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        MEMORIES_PER_INSTANCE as usize
    }

    fn memories(&self) -> usize {
        MEMORIES_PER_INSTANCE as usize
    }
}
