//! What a results store keeps of one record besides the record itself:
//! the columns the monthly bulletin, the risk-elimination test and a
//! household's history read. A batch's workers build them from the
//! evaluation they hold ([`StoreRow::of_evaluation`]), so that a store written
//! beside a batch never parses a record again; a store written from a
//! results file builds the same facts from each record
//! ([`StoreRow::of_record`]).

use rulehost_sdk::{Date, Evaluation, Household, LaborCapacity};
use serde::Serialize;

use super::read::{RecordView, yuan_to_fen};
use crate::plugin::PluginRef;
use rulehost_input::{FailureKind, Status};

/// One record's store columns.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRow {
    /// `None` for a line that names no household, and for a repeated
    /// household id (its record keeps the id; the store keeps one row per
    /// household).
    pub household_id: Option<String>,
    pub district: Option<String>,
    pub as_of: Option<Date>,
    pub status: Status,
    /// The monitoring category of an `ok` record.
    pub category: Option<String>,
    pub per_capita_income: Option<f64>,
    /// The plugin's name and version.
    pub plugin: Option<(String, String)>,
    /// The eligible dibao amounts, in fen.
    pub dibao_fen: i64,
    /// Whether a resident member can work (labour capacity full or
    /// partial): the risk-elimination test's household fact, for `ok`
    /// records.
    pub can_work: Option<bool>,
    /// The flags as a JSON array of `{code, severity, members}`.
    pub flags: String,
    /// The eligible decisions as a JSON array of `{program, members,
    /// amount_fen, level}`.
    pub decisions: String,
}

#[derive(Serialize)]
struct FlagFact<'a> {
    code: &'a str,
    severity: &'a str,
    members: Vec<&'a str>,
}

#[derive(Serialize)]
struct DecisionFact<'a> {
    program: &'a str,
    members: Vec<&'a str>,
    amount_fen: Option<i64>,
    level: Option<&'a str>,
}

fn json<T: Serialize>(items: &[T]) -> String {
    // Plain structs of strings and integers always serialise.
    serde_json::to_string(items).unwrap_or_default()
}

/// Whether a resident member of `household` can work.
pub fn can_work(household: &Household) -> bool {
    household.members.iter().any(|m| m.resident && !matches!(m.labor_capacity, LaborCapacity::None))
}

impl StoreRow {
    /// The store row of the `ok` record the pipeline writes for `evaluation`.
    pub fn of_evaluation(
        household_id: &str,
        district: &str,
        as_of: Date,
        plugin: &PluginRef,
        evaluation: &Evaluation,
        household: &Household,
        member_ids: &[String],
    ) -> StoreRow {
        let ids = |indices: &[u32]| -> Vec<&str> {
            indices.iter().map(|&i| member_ids.get(i as usize).map_or("", String::as_str)).collect()
        };
        let flags: Vec<FlagFact<'_>> = evaluation
            .flags
            .iter()
            .map(|f| FlagFact { code: &f.code, severity: f.severity.as_str(), members: ids(&f.members) })
            .collect();
        let eligible = evaluation.decisions.iter().filter(|d| d.eligible);
        let decisions: Vec<DecisionFact<'_>> = eligible
            .clone()
            .map(|d| DecisionFact {
                program: &d.program,
                members: ids(&d.members),
                amount_fen: d.amount_fen,
                level: d.level.as_deref(),
            })
            .collect();
        StoreRow {
            household_id: Some(household_id.to_owned()),
            district: Some(district.to_owned()),
            as_of: Some(as_of),
            status: Status::Ok,
            category: evaluation.monitoring.map(|c| c.as_str().to_owned()),
            per_capita_income: Some(evaluation.derived.per_capita_income),
            plugin: Some((plugin.name.clone(), plugin.version.clone())),
            dibao_fen: eligible
                .filter(|d| d.program == rulehost_sdk::baseline::codes::DIBAO)
                .filter_map(|d| d.amount_fen)
                .sum(),
            can_work: Some(can_work(household)),
            flags: json(&flags),
            decisions: json(&decisions),
        }
    }

    /// The store row of a record that is not `ok`.
    pub fn of_failure(
        kind: FailureKind,
        household_id: Option<&str>,
        district: Option<&str>,
        as_of: Option<Date>,
        plugin: Option<&PluginRef>,
    ) -> StoreRow {
        let duplicate = kind == FailureKind::DuplicateHouseholdId;
        StoreRow {
            household_id: household_id.filter(|_| !duplicate).map(str::to_owned),
            district: district.map(str::to_owned),
            as_of,
            status: kind.status(),
            category: None,
            per_capita_income: None,
            plugin: plugin.map(|p| (p.name.clone(), p.version.clone())),
            dibao_fen: 0,
            can_work: None,
            flags: "[]".to_owned(),
            decisions: "[]".to_owned(),
        }
    }

    /// The store row of a record read back from a results file; `can_work` is
    /// the household's, for an `ok` record.
    pub fn of_record(record: &RecordView<'_>, can_work: Option<bool>) -> StoreRow {
        let ok = record.status == Status::Ok;
        let duplicate = record.error.as_ref().is_some_and(|e| e.kind == FailureKind::DuplicateHouseholdId.as_str());
        let flags: Vec<FlagFact<'_>> = record
            .flags
            .iter()
            .map(|f| FlagFact {
                code: &f.code,
                severity: &f.severity,
                members: f.members.iter().map(|m| &**m).collect(),
            })
            .collect();
        let decisions: Vec<DecisionFact<'_>> = record
            .eligible()
            .map(|d| DecisionFact {
                program: &d.program,
                members: d.members.iter().map(|m| &**m).collect(),
                amount_fen: d.amount_yuan.map(yuan_to_fen),
                level: d.level.as_deref(),
            })
            .collect();
        StoreRow {
            household_id: record.household_id.as_deref().filter(|_| !duplicate).map(str::to_owned),
            district: record.district_code.as_deref().map(str::to_owned),
            as_of: record.as_of.as_deref().and_then(Date::parse),
            status: record.status,
            category: record.monitoring.as_deref().filter(|_| ok).map(str::to_owned),
            per_capita_income: record.derived.map(|d| d.per_capita_income),
            plugin: record.plugin.as_ref().map(|p| (p.name.to_string(), p.version.to_string())),
            dibao_fen: record.dibao_fen(),
            can_work: can_work.filter(|_| ok),
            flags: json(&flags),
            decisions: json(&decisions),
        }
    }
}
