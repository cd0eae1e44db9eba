//! Counts per district for the end of a batch: households, monitoring
//! categories, guarantee flags, eligible programmes, rejects and plugin
//! errors. Each household counts once per category, flag and programme.

use std::collections::BTreeMap;

use rulehost_sdk::Evaluation;
use rulehost_sdk::baseline::codes;
use serde::Serialize;

use crate::record::RecordView;
use rulehost_input::Status;

/// The district key for lines whose district could not be read.
pub const UNREADABLE: &str = "unreadable";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DistrictSummary {
    pub households: i64,
    pub ok: i64,
    pub rejected: i64,
    pub plugin_errors: i64,
    pub monitoring: BTreeMap<String, i64>,
    pub flags: BTreeMap<String, i64>,
    /// Households eligible for each programme.
    pub programmes: BTreeMap<String, i64>,
    /// Sum of dibao amounts, in fen.
    pub dibao_fen: i64,
}

impl DistrictSummary {
    fn merge(&mut self, other: &DistrictSummary) {
        self.households += other.households;
        self.ok += other.ok;
        self.rejected += other.rejected;
        self.plugin_errors += other.plugin_errors;
        self.dibao_fen += other.dibao_fen;
        for (mine, theirs) in [
            (&mut self.monitoring, &other.monitoring),
            (&mut self.flags, &other.flags),
            (&mut self.programmes, &other.programmes),
        ] {
            for (k, v) in theirs {
                bump(mine, k, *v);
            }
        }
    }
}

fn bump(map: &mut BTreeMap<String, i64>, key: &str, by: i64) {
    match map.get_mut(key) {
        Some(n) => *n += by,
        None => {
            map.insert(key.to_owned(), by);
        }
    }
    if map.get(key) == Some(&0) {
        map.remove(key);
    }
}

/// Per-district counts, keyed by district code (`unreadable` for lines
/// whose district is unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub districts: BTreeMap<String, DistrictSummary>,
}

/// What one record contributes to the summary.
#[derive(Debug, Default)]
pub struct Contribution<'a> {
    pub district: Option<&'a str>,
    pub status: Option<Status>,
    pub monitoring: Option<&'a str>,
    pub flags: Vec<&'a str>,
    pub programmes: Vec<&'a str>,
    pub dibao_fen: i64,
}

impl<'a> Contribution<'a> {
    /// What an evaluated household adds (the hot path: no record is read back).
    pub fn of_evaluation(district: &'a str, e: &'a Evaluation) -> Contribution<'a> {
        let eligible = e.decisions.iter().filter(|d| d.eligible);
        Contribution {
            district: Some(district),
            status: Some(Status::Ok),
            monitoring: e.monitoring.map(|m| m.as_str()),
            flags: e.flags.iter().map(|f| f.code.as_str()).collect(),
            programmes: eligible.clone().map(|d| d.program.as_str()).collect(),
            dibao_fen: eligible.filter(|d| d.program == codes::DIBAO).filter_map(|d| d.amount_fen).sum(),
        }
    }

    /// What a written record adds.
    pub fn of_record(r: &'a RecordView<'a>) -> Contribution<'a> {
        Contribution {
            district: r.district_code.as_deref(),
            status: Some(r.status),
            monitoring: r.monitoring.as_deref(),
            flags: r.flags.iter().map(|f| f.code.as_ref()).collect(),
            programmes: r.eligible().map(|d| d.program.as_ref()).collect(),
            dibao_fen: r.dibao_fen(),
        }
    }

    /// A record that carries no evaluation: only its district and status.
    pub fn of_status(district: Option<&'a str>, status: Status) -> Contribution<'a> {
        Contribution { district, status: Some(status), ..Contribution::default() }
    }
}

impl Summary {
    /// Adds (`sign` 1) or takes back (`sign` -1) one record.
    pub fn apply(&mut self, mut c: Contribution<'_>, sign: i64) {
        let key = c.district.unwrap_or(UNREADABLE);
        let d = match self.districts.get_mut(key) {
            Some(d) => d,
            None => self.districts.entry(key.to_owned()).or_default(),
        };
        d.households += sign;
        match c.status {
            Some(Status::Ok) => d.ok += sign,
            Some(Status::Rejected) => d.rejected += sign,
            Some(Status::PluginError) => d.plugin_errors += sign,
            None => {}
        }
        if let Some(m) = c.monitoring {
            bump(&mut d.monitoring, m, sign);
        }
        c.flags.sort_unstable();
        c.flags.dedup();
        for f in c.flags {
            bump(&mut d.flags, f, sign);
        }
        c.programmes.sort_unstable();
        c.programmes.dedup();
        for p in c.programmes {
            bump(&mut d.programmes, p, sign);
        }
        d.dibao_fen = d.dibao_fen.saturating_add(sign.saturating_mul(c.dibao_fen));
    }

    pub fn merge(&mut self, other: &Summary) {
        for (k, v) in &other.districts {
            match self.districts.get_mut(k) {
                Some(d) => d.merge(v),
                None => {
                    self.districts.insert(k.clone(), v.clone());
                }
            }
        }
    }

    /// All districts added up.
    pub fn total(&self) -> DistrictSummary {
        let mut t = DistrictSummary::default();
        for d in self.districts.values() {
            t.merge(d);
        }
        t
    }
}
