//! rulehost SDK: write a district's social-assistance rules as a sandboxed
//! WebAssembly plugin. Typed households, date and money helpers, and the
//! municipal baseline rules as a library that district plugins adapt.
//!
//! ```ignore
//! struct Baseline;
//! impl rulehost_sdk::Rules for Baseline {
//!     const NAME: &'static str = "baseline";
//!     const VERSION: &'static str = "1.0.0";
//! }
//! rulehost_sdk::export_plugin!(Baseline);
//! ```

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

pub use facts::Facts;
pub use params::Params;
pub use program::Program;
pub use rules::{Rules, evaluate_native, info};
pub use types::*;

/// The version of `schemas/wit/rules.wit` (package `rulehost:rules`) this SDK
/// implements.
pub const CONTRACT_VERSION: &str = "1.0.0";
