//! The per-household budgets every evaluating command takes (`batch`,
//! `serve`): one set of flags, one check.

use rulehost::{Limits, bounds};

/// Budgets for plugins whose registry entry leaves them out.
#[derive(Debug, clap::Args)]
pub struct Budgets {
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
}

impl Budgets {
    /// The budgets as engine limits.
    pub fn limits(&self) -> anyhow::Result<Limits> {
        Limits::checked(self.fuel, self.timeout_ms, self.memory_mib, self.output_kib)
            .map_err(|e| anyhow::anyhow!("budgets: {e}"))
    }
}
