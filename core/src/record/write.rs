//! Writing a record: one line of JSON per input line, borrowing from the
//! household and the evaluation. Member indices from the plugin become
//! `member_id`s here.

use rulehost_sdk::{Date, Derived, Evaluation, MonitoringCategory, Severity};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::plugin::PluginRef;
use rulehost_input::{Failure, Status};

/// One output record, borrowing from the household and the evaluation.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub line: u64,
    pub household_id: Option<&'a str>,
    pub district_code: Option<&'a str>,
    pub as_of: Option<Date>,
    pub plugin: Option<&'a PluginRef>,
    pub status: Status,
    pub monitoring: Option<MonitoringCategory>,
    pub monitoring_reason: Option<&'a str>,
    pub flags: Vec<FlagOut<'a>>,
    pub decisions: Vec<DecisionOut<'a>>,
    pub derived: Option<Derived>,
    pub error: Option<&'a Failure>,
}

#[derive(Debug, Serialize)]
pub struct FlagOut<'a> {
    pub code: &'a str,
    pub severity: Severity,
    pub reason: &'a str,
    pub members: MemberIds<'a>,
}

#[derive(Debug, Serialize)]
pub struct DecisionOut<'a> {
    pub program: &'a str,
    pub eligible: bool,
    pub members: MemberIds<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'a str>,
    pub reason: &'a str,
}

/// Member indices written as the members' ids.
#[derive(Debug)]
pub struct MemberIds<'a> {
    indices: &'a [u32],
    ids: &'a [String],
}

impl Serialize for MemberIds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.indices.len()))?;
        for &i in self.indices {
            // Indices are checked by `check_output` before a record is built.
            seq.serialize_element(self.ids.get(i as usize).map_or("", String::as_str))?;
        }
        seq.end()
    }
}

impl<'a> Record<'a> {
    /// An `ok` record.
    pub fn ok(
        line: u64,
        household_id: &'a str,
        district_code: &'a str,
        as_of: Date,
        plugin: &'a PluginRef,
        evaluation: &'a Evaluation,
        member_ids: &'a [String],
    ) -> Record<'a> {
        let ids = |indices: &'a [u32]| MemberIds { indices, ids: member_ids };
        Record {
            line,
            household_id: Some(household_id),
            district_code: Some(district_code),
            as_of: Some(as_of),
            plugin: Some(plugin),
            status: Status::Ok,
            monitoring: evaluation.monitoring,
            monitoring_reason: evaluation.monitoring_reason.as_deref(),
            flags: evaluation
                .flags
                .iter()
                .map(|f| FlagOut { code: &f.code, severity: f.severity, reason: &f.reason, members: ids(&f.members) })
                .collect(),
            decisions: evaluation
                .decisions
                .iter()
                .map(|d| DecisionOut {
                    program: &d.program,
                    eligible: d.eligible,
                    members: ids(&d.members),
                    #[expect(clippy::cast_precision_loss, reason = "amounts are checked to be below 1e11 fen")]
                    amount_yuan: d.amount_fen.map(|fen| fen as f64 / 100.0),
                    level: d.level.as_deref(),
                    reason: &d.reason,
                })
                .collect(),
            derived: Some(evaluation.derived),
            error: None,
        }
    }

    /// A `rejected` or `plugin_error` record.
    pub fn failed(line: u64, failure: &'a Failure) -> Record<'a> {
        Record {
            line,
            household_id: None,
            district_code: None,
            as_of: None,
            plugin: None,
            status: failure.kind.status(),
            monitoring: None,
            monitoring_reason: None,
            flags: Vec::new(),
            decisions: Vec::new(),
            derived: None,
            error: Some(failure),
        }
    }
}
