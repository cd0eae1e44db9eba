//! Why a line did not produce an `ok` record: the kinds of rejection and
//! plugin failure, each mapped to the record's status.

/// What went wrong with one input line. Names are the record's `error.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    // The line was rejected before any plugin saw it.
    NotUtf8,
    NotJson,
    Schema,
    InvalidHousehold,
    UnknownDistrict,
    DuplicateHouseholdId,
    LineTooLong,
    NoParameters,
    // The plugin failed on the household.
    Trap,
    OutOfFuel,
    Timeout,
    MemoryLimit,
    BadOutput,
    Declined,
}

impl FailureKind {
    /// Every kind, in declaration order (a new kind goes here too).
    pub const ALL: [FailureKind; 14] = [
        FailureKind::NotUtf8,
        FailureKind::NotJson,
        FailureKind::Schema,
        FailureKind::InvalidHousehold,
        FailureKind::UnknownDistrict,
        FailureKind::DuplicateHouseholdId,
        FailureKind::LineTooLong,
        FailureKind::NoParameters,
        FailureKind::Trap,
        FailureKind::OutOfFuel,
        FailureKind::Timeout,
        FailureKind::MemoryLimit,
        FailureKind::BadOutput,
        FailureKind::Declined,
    ];
}

/// The record's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Rejected,
    PluginError,
}

impl Status {
    /// The record's spelling of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Rejected => "rejected",
            Status::PluginError => "plugin_error",
        }
    }
}

impl FailureKind {
    /// The record's spelling of the kind (`error.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::NotUtf8 => "not_utf8",
            FailureKind::NotJson => "not_json",
            FailureKind::Schema => "schema",
            FailureKind::InvalidHousehold => "invalid_household",
            FailureKind::UnknownDistrict => "unknown_district",
            FailureKind::DuplicateHouseholdId => "duplicate_household_id",
            FailureKind::LineTooLong => "line_too_long",
            FailureKind::NoParameters => "no_parameters",
            FailureKind::Trap => "trap",
            FailureKind::OutOfFuel => "out_of_fuel",
            FailureKind::Timeout => "timeout",
            FailureKind::MemoryLimit => "memory_limit",
            FailureKind::BadOutput => "bad_output",
            FailureKind::Declined => "declined",
        }
    }

    pub fn status(self) -> Status {
        match self {
            FailureKind::NotUtf8
            | FailureKind::NotJson
            | FailureKind::Schema
            | FailureKind::InvalidHousehold
            | FailureKind::UnknownDistrict
            | FailureKind::DuplicateHouseholdId
            | FailureKind::LineTooLong
            | FailureKind::NoParameters => Status::Rejected,
            FailureKind::Trap
            | FailureKind::OutOfFuel
            | FailureKind::Timeout
            | FailureKind::MemoryLimit
            | FailureKind::BadOutput
            | FailureKind::Declined => Status::PluginError,
        }
    }
}

/// One line's failure: kind, message and, for schema errors, the JSON
/// pointer of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure { kind, message: message.into(), pointer: None }
    }

    pub fn at(kind: FailureKind, message: impl Into<String>, pointer: impl Into<String>) -> Failure {
        Failure { kind, message: message.into(), pointer: Some(pointer.into()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_spell_as_serialised() {
        for kind in FailureKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for status in [Status::Ok, Status::Rejected, Status::PluginError] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
