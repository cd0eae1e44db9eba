//! The evaluation record (`schemas/evaluation.schema.json`), one per input
//! line: `write` builds and checks it from a plugin's evaluation, `read`
//! reads it back from a results file as a typed view.

mod json;
mod read;
mod store_row;
mod write;

pub use json::write_ok;
pub use read::{DecisionView, DerivedView, ErrorView, FlagView, PluginView, RecordView, yuan_to_fen};
pub use store_row::{Columns, RowFacts, StoreRows, can_work, id_hash, member_can_work};
pub use write::{DecisionOut, FlagOut, MemberIds, Record};
