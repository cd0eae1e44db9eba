//! rulehost: evaluates rural households through sandboxed district rule
//! plugins (WebAssembly components), one record per household.
//!
//! The sandbox and evaluation core is the `rulehost-core` crate, re-exported
//! here by name. This crate adds what sits on top of it: the report pages,
//! rule-change impact (`diff`), the results store of monitoring rounds (`rounds`), declarative test cases, plugin builds
//! (`componentize`), the `rulehost new` scaffold, the sample population and
//! the table of districts. The flow of a household, and which module owns
//! each step, is described in `docs/architecture.md`.

pub mod cases;
pub mod componentize;
pub mod diff;
pub mod districts;
mod error;
mod labels;
pub mod python_build;
pub mod report;
pub mod rounds;
pub mod sample;
pub mod scaffold;
pub mod scaffold_python;
pub mod serve;
pub mod spreadsheet;

pub use error::{Result, ToolError};
pub use rulehost_core::batch;
pub use rulehost_core::record;
pub use rulehost_core::wasi;
pub use rulehost_core::{CompileCache, Contribution, DistrictSummary, Engine, Limits, Summary, bounds};
pub use rulehost_core::{Deployment, Registry};
pub use rulehost_core::{EVALUATION_SCHEMA, HOUSEHOLD_SCHEMA, HouseholdReader, Parsed, SchemaError, compile_schema};
pub use rulehost_core::{Error, Failure, FailureKind, Status};
pub use rulehost_core::{Evaluator, Imports, Plugin, PluginRef, sha256_hex};
pub use rulehost_core::{LineOutcome, Pipeline, id_hash};
pub use rulehost_core::{ParamFile, ParamSet, ParamTable};
pub use rulehost_sdk as sdk;
