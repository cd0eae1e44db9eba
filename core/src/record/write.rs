//! Writing a record: one line of JSON per input line, borrowing from the
//! household and the evaluation. Member indices from the plugin become
//! `member_id`s here.

use rulehost_sdk::{Date, Derived, Evaluation, MonitoringCategory, Severity};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::plugin::PluginRef;
use rulehost_input::{Failure, FailureKind, Status};

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

/// Longest reason, code or level a plugin may return.
pub const MAX_TEXT: usize = 4096;
/// Most flags or decisions a plugin may return for one household.
pub const MAX_ITEMS: usize = 256;

/// Refuses output that cannot be a truthful record: member indices out of
/// range, codes that are not stable ASCII, oversized text (any one text
/// over `MAX_TEXT`, or all of it over `output_bytes`), bad amounts.
pub fn check_output(e: &Evaluation, members: usize, output_bytes: usize) -> Result<(), Failure> {
    let bad = |message: String| Err(Failure::new(FailureKind::BadOutput, message));
    if e.flags.len() > MAX_ITEMS || e.decisions.len() > MAX_ITEMS {
        return bad(format!(
            "plugin returned {} flags and {} decisions; at most {MAX_ITEMS} of each are allowed",
            e.flags.len(),
            e.decisions.len()
        ));
    }
    let codes = e.flags.iter().map(|f| f.code.as_str()).chain(e.decisions.iter().map(|d| d.program.as_str()));
    for code in codes {
        if !is_code(code) {
            return bad(format!("plugin returned code `{}`, which is not lowercase dotted ASCII", truncate(code)));
        }
    }
    let texts = e
        .flags
        .iter()
        .map(|f| f.reason.as_str())
        .chain(e.decisions.iter().map(|d| d.reason.as_str()))
        .chain(e.decisions.iter().filter_map(|d| d.level.as_deref()))
        .chain(e.monitoring_reason.as_deref());
    let codes = e.flags.iter().map(|f| f.code.len()).chain(e.decisions.iter().map(|d| d.program.len()));
    let total = texts.clone().map(str::len).chain(codes).sum::<usize>();
    if total > output_bytes {
        return bad(format!("plugin returned {total} bytes of text; its output limit is {output_bytes} bytes"));
    }
    if let Some(text) = texts.into_iter().find(|t| t.len() > MAX_TEXT) {
        return bad(format!("plugin returned a reason of {} bytes; at most {MAX_TEXT} are allowed", text.len()));
    }
    let indices = e.flags.iter().flat_map(|f| &f.members).chain(e.decisions.iter().flat_map(|d| &d.members));
    for &i in indices {
        if i as usize >= members {
            return bad(format!("plugin named member index {i}, but the household has {members} members"));
        }
    }
    if e.derived.residents == 0
        || ![e.derived.net_income, e.derived.per_capita_income, e.derived.rigid_expenditure]
            .iter()
            .all(|v| v.is_finite())
    {
        return bad("plugin returned derived figures that are not finite numbers or no residents".into());
    }
    if let Some(fen) = e.decisions.iter().filter_map(|d| d.amount_fen).find(|f| !(0..=100_000_000_000).contains(f)) {
        return bad(format!("plugin returned an amount of {fen} fen, outside 0 to 1e9 yuan"));
    }
    Ok(())
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.split('.').all(|part| {
            part.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
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
