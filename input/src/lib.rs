//! The input path of rulehost: one line of a JSON Lines file to a
//! schema-checked, typed household, or to the reason it was refused
//! (`Failure`). Every function here is total: any bytes give a household
//! or a failure, never a panic. The `fuzz/` target and the mutation test
//! drive [`check_line`] to hold it to that.

pub mod fast;
pub mod household;
pub mod outcome;
pub mod strict_json;

mod properties;

pub use household::{
    EVALUATION_SCHEMA, HOUSEHOLD_SCHEMA, HouseholdDoc, HouseholdReader, MemberDoc, Parsed, SchemaError, compile_schema,
};
pub use outcome::{Failure, FailureKind, Status};
pub use properties::check_line;
