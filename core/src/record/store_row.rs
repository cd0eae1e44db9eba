//! What a results store keeps of each record besides the record itself:
//! one JSON entry per line, `[household_id, district, status, category,
//! per_capita_income, plugin, plugin_version, dibao_fen, can_work, flags,
//! decisions]`, and the few facts the store counts. A batch's workers
//! write the entries from the evaluation they hold
//! ([`StoreRows::push_ok`]), so that a store written beside a batch never
//! parses a record again; a store written from a results file writes the
//! same entries from each record ([`StoreRows::push_record`]).
//!
//! In an entry, `household_id` is null for a line that names no household
//! and for a repeated household id (its record keeps the id; the store
//! keeps one row per household); `category` and `can_work` are given for
//! `ok` records only; `flags` is `[{code, severity, members}]` and
//! `decisions` the eligible ones as `[{program, members, amount_fen,
//! level}]`.

use std::io::Write;

use rulehost_sdk::baseline::codes;
use rulehost_sdk::{Date, Evaluation, Household, LaborCapacity};

use super::json::{float, members, string};
use super::read::{RecordView, yuan_to_fen};
use crate::plugin::PluginRef;
use rulehost_input::{FailureKind, Status};

/// What the store counts of one line, besides its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowFacts {
    pub status: Status,
    /// An `ok` record with a monitoring category.
    pub monitored: bool,
    pub as_of: Option<Date>,
    /// [`id_hash`] of the household id the entry keeps.
    pub id_hash: Option<u64>,
}

/// The store entries of a run of lines, in line order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreRows {
    /// The entries, one after the other.
    json: Vec<u8>,
    /// Each line's end offset in `json`, and its facts.
    lines: Vec<(usize, RowFacts)>,
}

/// The store's hash of a household id: FNV-1a, 64 bits, stable across
/// builds and machines (stores keep it in their indexes).
pub fn id_hash(household_id: &str) -> u64 {
    household_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Whether a resident member of `household` can work (labour capacity
/// full or partial): the risk-elimination test's household fact.
pub fn can_work(household: &Household) -> bool {
    household.members.iter().any(|m| member_can_work(m.resident, m.labor_capacity))
}

/// Whether one member counts for [`can_work`]: resident, with labour
/// capacity full or partial.
pub fn member_can_work(resident: bool, labor_capacity: LaborCapacity) -> bool {
    resident && !matches!(labor_capacity, LaborCapacity::None)
}

fn optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn strings<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
    out.push(b']');
}

/// A flag of an entry's `flags`; `members` writes its members array.
fn flag(out: &mut Vec<u8>, code: &str, severity: &str, members: impl FnOnce(&mut Vec<u8>)) {
    out.extend_from_slice(b"{\"code\":");
    string(out, code);
    out.extend_from_slice(b",\"severity\":");
    string(out, severity);
    out.extend_from_slice(b",\"members\":");
    members(out);
    out.push(b'}');
}

/// An eligible decision of an entry's `decisions`; `members` writes its
/// members array.
fn decision(
    out: &mut Vec<u8>,
    program: &str,
    members: impl FnOnce(&mut Vec<u8>),
    fen: Option<i64>,
    level: Option<&str>,
) {
    out.extend_from_slice(b"{\"program\":");
    string(out, program);
    out.extend_from_slice(b",\"members\":");
    members(out);
    out.extend_from_slice(b",\"amount_fen\":");
    match fen {
        // Writing a number into a `Vec` cannot fail.
        Some(fen) => write!(out, "{fen}").unwrap_or(()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"level\":");
    optional(out, level);
    out.push(b'}');
}

/// An entry's columns other than its flags and decisions.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    pub household_id: Option<&'a str>,
    pub district: Option<&'a str>,
    pub status: Status,
    pub category: Option<&'a str>,
    pub per_capita_income: Option<f64>,
    pub plugin: Option<(&'a str, &'a str)>,
    pub dibao_fen: i64,
    pub can_work: Option<bool>,
}

impl StoreRows {
    /// The number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i`'s entry and facts.
    pub fn get(&self, i: usize) -> Option<(&[u8], RowFacts)> {
        let (end, facts) = *self.lines.get(i)?;
        let start = if i == 0 { 0 } else { self.lines[i - 1].0 };
        Some((&self.json[start..end], facts))
    }

    /// Appends an entry: `columns`, then the flags and decisions arrays
    /// written by `flags` and `decisions`.
    pub fn push_with(
        &mut self,
        columns: Columns<'_>,
        as_of: Option<Date>,
        flags: impl FnOnce(&mut Vec<u8>),
        decisions: impl FnOnce(&mut Vec<u8>),
    ) {
        let out = &mut self.json;
        out.push(b'[');
        optional(out, columns.household_id);
        out.push(b',');
        optional(out, columns.district);
        out.push(b',');
        string(out, columns.status.as_str());
        out.push(b',');
        optional(out, columns.category);
        out.push(b',');
        match columns.per_capita_income {
            // The record's own text of the number.
            Some(x) => float(out, x),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        optional(out, columns.plugin.map(|p| p.0));
        out.push(b',');
        optional(out, columns.plugin.map(|p| p.1));
        out.push(b',');
        write!(out, "{}", columns.dibao_fen).unwrap_or(());
        out.extend_from_slice(match columns.can_work {
            Some(true) => b",true,",
            Some(false) => b",false,",
            None => b",null,",
        });
        flags(out);
        out.push(b',');
        decisions(out);
        out.push(b']');
        let facts = RowFacts {
            status: columns.status,
            monitored: columns.status == Status::Ok && columns.category.is_some(),
            as_of,
            id_hash: columns.household_id.map(id_hash),
        };
        self.lines.push((out.len(), facts));
    }

    /// Appends an entry already written (by [`StoreRows::get`]).
    pub fn push_entry(&mut self, entry: &[u8], facts: RowFacts) {
        self.json.extend_from_slice(entry);
        self.lines.push((self.json.len(), facts));
    }

    /// The entry of the `ok` record the pipeline writes for `evaluation`.
    #[expect(clippy::too_many_arguments, reason = "the record's parts, as `record::write_ok` takes them")]
    pub fn push_ok(
        &mut self,
        household_id: &str,
        district: &str,
        as_of: Date,
        plugin: &PluginRef,
        evaluation: &Evaluation,
        household: &Household,
        member_ids: &[String],
    ) {
        let eligible = || evaluation.decisions.iter().filter(|d| d.eligible);
        let columns = Columns {
            household_id: Some(household_id),
            district: Some(district),
            status: Status::Ok,
            category: evaluation.monitoring.map(|c| c.as_str()),
            per_capita_income: Some(evaluation.derived.per_capita_income),
            plugin: Some((&plugin.name, &plugin.version)),
            dibao_fen: eligible().filter(|d| d.program == codes::DIBAO).filter_map(|d| d.amount_fen).sum(),
            can_work: Some(can_work(household)),
        };
        self.push_with(
            columns,
            Some(as_of),
            |out| {
                out.push(b'[');
                for (i, f) in evaluation.flags.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    flag(out, &f.code, f.severity.as_str(), |out| members(out, &f.members, member_ids));
                }
                out.push(b']');
            },
            |out| {
                out.push(b'[');
                for (i, d) in eligible().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let ids = |out: &mut Vec<u8>| members(out, &d.members, member_ids);
                    decision(out, &d.program, ids, d.amount_fen, d.level.as_deref());
                }
                out.push(b']');
            },
        );
    }

    /// The entry of a record that is not `ok`.
    pub fn push_failure(
        &mut self,
        kind: FailureKind,
        household_id: Option<&str>,
        district: Option<&str>,
        as_of: Option<Date>,
        plugin: Option<&PluginRef>,
    ) {
        let duplicate = kind == FailureKind::DuplicateHouseholdId;
        let columns = Columns {
            household_id: household_id.filter(|_| !duplicate),
            district,
            status: kind.status(),
            category: None,
            per_capita_income: None,
            plugin: plugin.map(|p| (p.name.as_str(), p.version.as_str())),
            dibao_fen: 0,
            can_work: None,
        };
        self.push_with(columns, as_of, |out| out.extend_from_slice(b"[]"), |out| out.extend_from_slice(b"[]"));
    }

    /// The entry of a record read back from a results file; `can_work` is
    /// the household's, for an `ok` record.
    pub fn push_record(&mut self, record: &RecordView<'_>, can_work: Option<bool>) {
        let ok = record.status == Status::Ok;
        let duplicate = record.error.as_ref().is_some_and(|e| e.kind == FailureKind::DuplicateHouseholdId.as_str());
        let columns = Columns {
            household_id: record.household_id.as_deref().filter(|_| !duplicate),
            district: record.district_code.as_deref(),
            status: record.status,
            category: record.monitoring.as_deref().filter(|_| ok),
            per_capita_income: record.derived.map(|d| d.per_capita_income),
            plugin: record.plugin.as_ref().map(|p| (&*p.name, &*p.version)),
            dibao_fen: record.dibao_fen(),
            can_work: can_work.filter(|_| ok),
        };
        let as_of = record.as_of.as_deref().and_then(Date::parse);
        self.push_with(
            columns,
            as_of,
            |out| {
                out.push(b'[');
                for (i, f) in record.flags.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    flag(out, &f.code, &f.severity, |out| strings(out, f.members.iter().map(|m| &**m)));
                }
                out.push(b']');
            },
            |out| {
                out.push(b'[');
                for (i, d) in record.eligible().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let fen = d.amount_yuan.map(yuan_to_fen);
                    let ids = |out: &mut Vec<u8>| strings(out, d.members.iter().map(|m| &**m));
                    decision(out, &d.program, ids, fen, d.level.as_deref());
                }
                out.push(b']');
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_hash_is_fnv_1a() {
        // The published FNV-1a 64 test vectors: indexes must read the same
        // on every build.
        assert_eq!(id_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(id_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(id_hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn an_entry_is_json_with_the_columns_in_order() {
        const OK: &str = r#"{"line":3,"household_id":"h\"1","district_code":"500229","as_of":"2024-03-01","plugin":{"name":"baseline","version":"1.0.0","sha256":"ab"},"status":"ok","monitoring":"marginal","monitoring_reason":"x","flags":[{"code":"guarantee.basic_medical","severity":"warning","reason":"r","members":["m1"]}],"decisions":[{"program":"dibao","eligible":true,"members":["m1","m2"],"reason":"r","amount_yuan":1200.5},{"program":"tekun","eligible":false,"members":[],"reason":"r"}],"derived":{"residents":2,"net_income":9000,"per_capita_income":4500.25,"rigid_expenditure":0},"error":null}"#;
        let mut rows = StoreRows::default();
        rows.push_record(&RecordView::parse(OK.as_bytes()).unwrap(), Some(false));
        rows.push_failure(FailureKind::DuplicateHouseholdId, Some("h"), Some("500229"), None, None);
        let (entry, facts) = rows.get(0).unwrap();
        let want = r#"["h\"1","500229","ok","marginal",4500.25,"baseline","1.0.0",120050,false,[{"code":"guarantee.basic_medical","severity":"warning","members":["m1"]}],[{"program":"dibao","members":["m1","m2"],"amount_fen":120050,"level":null}]]"#;
        assert_eq!(std::str::from_utf8(entry).unwrap(), want);
        assert!(serde_json::from_slice::<serde_json::Value>(entry).is_ok());
        assert_eq!(facts.id_hash, Some(id_hash("h\"1")));
        assert!(facts.monitored);
        let (entry, facts) = rows.get(1).unwrap();
        assert_eq!(entry, br#"[null,"500229","rejected",null,null,null,null,0,null,[],[]]"#);
        assert_eq!((facts.status, facts.id_hash), (Status::Rejected, None));
        assert_eq!(rows.len(), 2);
    }
}
