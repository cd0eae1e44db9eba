//! What must hold for any line of input, whatever its bytes. The fuzz
//! target (`fuzz/fuzz_targets/household_line.rs`), the regression replay
//! and the mutation test all call [`check_line`]; a failed property panics,
//! which is what a fuzzer reports.

use crate::household::{HouseholdReader, matches_schema, trim_line};
use crate::outcome::Status;
use crate::strict_json;

/// Reads `bytes` as one line and checks that:
///
/// - reading returns a household or a failure (no panic, no hang);
/// - a failure is a rejection with a message, never a plugin error;
/// - a household has one id per member, and reading it again gives the
///   same household (no hidden state);
/// - the compile-time schema check, which decides, and the runtime
///   validator, which explains, agree on every JSON value;
/// - the fast path accepts exactly the lines the schema path accepts, and
///   builds the same household from them;
/// - `refusals` (what `rulehost validate` lists) is empty exactly when
///   `read_line` (what `batch` reads) accepts the line.
pub fn check_line(reader: &HouseholdReader, bytes: &[u8]) {
    let result = reader.read_line(bytes);
    assert_eq!(
        reader.refusals(bytes).is_empty(),
        result.is_ok(),
        "validate and batch disagree on a line: batch gives {result:?}"
    );
    if let Some(value) = std::str::from_utf8(trim_line(bytes)).ok().and_then(|t| strict_json::parse(t).ok()) {
        let fast = matches_schema(&value);
        let explained = reader.violations(&value);
        assert_eq!(
            fast,
            explained.is_empty(),
            "the two schema validators disagree (compile-time says valid = {fast}; runtime says {explained:?}) on {value}"
        );
    }
    if let Ok(text) = std::str::from_utf8(trim_line(bytes)) {
        let fast = crate::fast::read(text);
        let full = reader.read_by_schema(text).ok();
        assert_eq!(fast, full, "the fast path and the schema path disagree on {text:?}");
    }
    match result {
        Ok(parsed) => {
            assert_eq!(parsed.member_ids.len(), parsed.household.members.len(), "one id per member");
            let again = reader.read_line(bytes);
            assert_eq!(again.as_ref().ok(), Some(&parsed), "reading the same line twice gives the same household");
        }
        Err(failure) => {
            assert!(!failure.message.is_empty(), "a failure says why: {failure:?}");
            assert_eq!(failure.kind.status(), Status::Rejected, "the input path only rejects: {failure:?}");
        }
    }
}
