//! The context a WASI plugin's store carries: a `WasiCtx` granting nothing,
//! and the host's handles on it, reset before each household so that the
//! same household gives the same output in any order, chunk or worker.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand_core::TryRng;
use rulehost_sdk::Date;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::output::{Capture, Output};
use crate::engine::StoreState;

/// The seed of both random generators, at the start of every household.
const SEED: u64 = 0x7275_6c65_686f_7374; // "rulehost"
/// What `wasi:random/insecure-seed` returns, always.
const INSECURE_SEED: u128 = 0x7275_6c65_686f_7374_2d73_6565_642d_3031;

/// A store's WASI context, with the handles the host resets per household.
pub struct WasiState {
    ctx: WasiCtx,
    table: ResourceTable,
    pub(crate) io: SandboxIo,
}

impl std::fmt::Debug for WasiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiState").finish_non_exhaustive()
    }
}

/// The host's side of a plugin's stdio, clocks and randomness.
#[derive(Clone)]
pub struct SandboxIo {
    stdout: Capture,
    stderr: Capture,
    /// Seconds since the Unix epoch that the wall clock shows.
    wall: Arc<AtomicU64>,
    secure: Seeded,
    insecure: Seeded,
}

impl std::fmt::Debug for SandboxIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxIo").finish_non_exhaustive()
    }
}

impl WasiState {
    /// A context with no directory, variable, argument, input or network;
    /// stdout and stderr each kept up to `output_bound` bytes per household.
    pub(crate) fn new(output_bound: usize) -> WasiState {
        let io = SandboxIo {
            stdout: Capture::new(output_bound),
            stderr: Capture::new(output_bound),
            wall: Arc::new(AtomicU64::new(0)),
            secure: Seeded::new(),
            insecure: Seeded::new(),
        };
        let ctx = WasiCtxBuilder::new()
            .stdout(io.stdout.clone())
            .stderr(io.stderr.clone())
            .wall_clock(FixedWallClock(Arc::clone(&io.wall)))
            .monotonic_clock(StillClock)
            .secure_random(io.secure.clone())
            .insecure_random(io.insecure.clone())
            .insecure_random_seed(INSECURE_SEED)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .allow_blocking_current_thread(false)
            .build();
        WasiState { ctx, table: ResourceTable::new(), io }
    }
}

impl SandboxIo {
    /// Before a household: empty stdio, the wall clock at `as_of`
    /// midnight (UTC), both generators back at the seed.
    pub(crate) fn begin(&self, as_of: Date) {
        self.stdout.clear();
        self.stderr.clear();
        self.wall.store(unix_seconds(as_of), Ordering::Relaxed);
        self.secure.reset();
        self.insecure.reset();
    }

    /// What the plugin wrote since [`begin`](SandboxIo::begin).
    pub(crate) fn output(&self) -> Output {
        let (stdout, out_dropped) = self.stdout.take();
        let (stderr, err_dropped) = self.stderr.take();
        Output { stdout, stderr, dropped: out_dropped.saturating_add(err_dropped) }
    }

    /// The exception line a plugin SDK wrote to stderr, if any.
    pub(crate) fn exception(&self) -> Option<String> {
        self.stderr.exception()
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        // Stores of WASI plugins are made with their state; any other store
        // gets a context granting nothing, like every other.
        let state = self.wasi.get_or_insert_with(|| Box::new(WasiState::new(0)));
        WasiCtxView { ctx: &mut state.ctx, table: &mut state.table }
    }
}

/// Midnight UTC of `date`, in seconds since the Unix epoch (0 before it).
fn unix_seconds(date: Date) -> u64 {
    u64::try_from(date.days_since_epoch().saturating_mul(86_400)).unwrap_or(0)
}

/// A wall clock that shows the time the host sets: `as_of` midnight.
struct FixedWallClock(Arc<AtomicU64>);

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::from_secs(self.0.load(Ordering::Relaxed))
    }
}

/// A monotonic clock that never advances.
struct StillClock;

impl HostMonotonicClock for StillClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        0
    }
}

/// SplitMix64 from a fixed seed, shared with the host so it can rewind it.
#[derive(Clone)]
struct Seeded(Arc<AtomicU64>);

impl Seeded {
    fn new() -> Seeded {
        Seeded(Arc::new(AtomicU64::new(SEED)))
    }

    fn reset(&self) {
        self.0.store(SEED, Ordering::Relaxed);
    }
}

impl TryRng for Seeded {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let state = self.0.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed).wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_clock_shows_as_of_midnight() {
        assert_eq!(unix_seconds(Date { year: 1970, month: 1, day: 1 }), 0);
        assert_eq!(unix_seconds(Date { year: 2024, month: 3, day: 1 }), 1_709_251_200);
        assert_eq!(unix_seconds(Date { year: 2000, month: 2, day: 29 }), 951_782_400);
    }

    #[test]
    fn random_bytes_start_over_at_each_household() {
        let io = WasiState::new(16).io;
        let mut rng = io.secure.clone();
        let mut first = [0u8; 12];
        rng.try_fill_bytes(&mut first).ok();
        let mut second = [0u8; 12];
        rng.try_fill_bytes(&mut second).ok();
        assert_ne!(first, second);
        io.begin(Date { year: 2024, month: 1, day: 1 });
        let mut again = [0u8; 12];
        rng.try_fill_bytes(&mut again).ok();
        assert_eq!(first, again);
    }
}
