//! rulehost: evaluates rural households through sandboxed district rule
//! plugins (WebAssembly components), one record per household.
//!
//! The flow of a household, and which module owns each step, is described
//! in `docs/architecture.md`.

pub mod batch;
mod bindings;
pub mod build;
mod cache;
pub mod cases;
pub mod diff;
mod engine;
mod error;
mod labels;
mod params;
mod pipeline;
mod plugin;
mod record;
mod registry;
pub mod report;
pub mod resume;
pub mod sample;
pub mod scaffold;
mod summary;

pub use cache::CompileCache;
pub use engine::{Engine, Limits, bounds};
pub use error::{Error, Result};
pub use rulehost_input::{EVALUATION_SCHEMA, HOUSEHOLD_SCHEMA, HouseholdReader, Parsed, SchemaError, compile_schema};
pub use rulehost_input::{Failure, FailureKind, Status};
// The input path lives in its own crate (no wasmtime, so it fuzzes fast);
// these paths keep the host's modules reading as one crate.
pub use params::{ParamFile, ParamSet, ParamTable};
pub use pipeline::{LineOutcome, NativeRules, Worker, id_hash};
pub use plugin::{Evaluator, Plugin, PluginRef, sha256_hex};
pub use registry::{Deployment, Registry};
use rulehost_input::{household, outcome};
pub use rulehost_sdk as sdk;
pub use summary::{DistrictSummary, Summary};
