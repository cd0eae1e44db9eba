//! rulehost SDK: write a district's social-assistance rules as a sandboxed
//! WebAssembly plugin. Typed households, date and money helpers, and the
//! municipal baseline rules as a library that district plugins adapt.
//!
//! A plugin that runs the baseline unchanged states only who it is; a
//! district states, in [`Rules`]' hooks, only what it changes:
//!
//! ```
//! use rulehost_sdk::baseline::BaselineParams;
//! use rulehost_sdk::{EvalError, Evaluation, Facts, Params, Program, Rules};
//!
//! struct Baseline;
//! impl Rules for Baseline {
//!     const NAME: &'static str = "baseline";
//!     const VERSION: &'static str = "1.0.0";
//! }
//! rulehost_sdk::export_plugin!(Baseline);
//!
//! /// A higher monitoring line; dibao is paid monthly.
//! struct District;
//! impl Rules for District {
//!     const NAME: &'static str = "district";
//!     const VERSION: &'static str = "1.0.0";
//!     const DISTRICTS: &'static [&'static str] = &["500229"];
//!     const EXTRA_PARAMETERS: &'static [&'static str] = &["monitoring_line_supplement"];
//!
//!     fn parameters(params: &Params<'_>) -> Result<BaselineParams, EvalError> {
//!         let mut p = BaselineParams::from_params(params)?;
//!         p.monitoring_income_line += params.get_in("monitoring_line_supplement", 0.0..=100_000.0)?;
//!         Ok(p)
//!     }
//!
//!     fn adjust(_: &Facts<'_>, _: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {
//!         if let Some(dibao) = evaluation.decision_mut(Program::Dibao) {
//!             dibao.reason.push_str("；按月发放");
//!         }
//!         Ok(())
//!     }
//! }
//! rulehost_sdk::export_plugin!(District);
//!
//! assert_eq!(rulehost_sdk::info::<District>().parameters.last().map(String::as_str), Some("monitoring_line_supplement"));
//! ```

pub mod arena;
pub mod baseline;
mod date;
pub mod facts;
pub mod money;
mod params;
mod program;
mod rules;
pub mod types;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod guest;

/// Every plugin built with the SDK allocates from the arena (see
/// [`arena`]); a plugin with an allocator of its own turns the `arena`
/// feature off.
#[cfg(all(target_arch = "wasm32", feature = "arena"))]
#[global_allocator]
static ALLOCATOR: arena::Arena = arena::Arena::new();

pub use facts::Facts;
pub use params::Params;
pub use program::Program;
#[doc(hidden)]
pub use rules::extra_parameters_are_new;
pub use rules::{Rules, evaluate_native, info};
pub use types::*;

/// The version of `schemas/wit/rules.wit` (package `rulehost:rules`) this SDK
/// implements.
pub const CONTRACT_VERSION: &str = "1.0.0";
