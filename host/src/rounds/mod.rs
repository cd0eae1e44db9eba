//! Monitoring rounds: every round's results kept in an embedded SQLite
//! store (`store`), and what is read back from it (`track`): the monthly
//! bulletin, risk-elimination candidates and one household's history.

mod migrate;
mod rows;
mod store;
mod stream;
mod track;
mod write;

pub use store::{NewRound, RoundInfo, Store, StoreError};
pub use stream::{RoundFeed, RoundSender, channel};
pub use track::{Bulletin, Candidate, Evidence, Figures, HistoryRow, Listed, PluginChange, Problem};

/// Rounds of no monitoring category a household needs before it is a
/// risk-elimination candidate: about half a year of monthly rounds.
pub const DEFAULT_ROUNDS_FOR_ELIMINATION: usize = 6;
