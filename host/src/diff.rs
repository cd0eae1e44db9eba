//! Rule-change impact: the same households through two rule sets (plugins
//! or registries), and which outcomes changed: monitoring category, flags,
//! eligible programmes and dibao amounts, per district and per kind.

use std::collections::{BTreeMap, BTreeSet};

use rulehost_core::record::RecordView;
use rulehost_core::{HouseholdReader, Pipeline, Registry, Status};
use rulehost_sdk::baseline::codes;
use serde::Serialize;

/// What changed, over a whole input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    pub households: u64,
    pub changed: u64,
    /// Kind of change (`+marginal`, `-dibao`, `+flag local.x`) to count.
    pub totals: BTreeMap<String, i64>,
    /// District code to kind of change to count.
    pub districts: BTreeMap<String, BTreeMap<String, i64>>,
    pub dibao_fen_before: i64,
    pub dibao_fen_after: i64,
    /// Up to `samples` household ids for each kind of change.
    pub samples: BTreeMap<String, Vec<String>>,
    /// Every changed household id, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_ids: Vec<String>,
}

/// The parts of a record a rule change can move.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    items: BTreeSet<String>,
    dibao_fen: i64,
}

fn outcome(record: &RecordView<'_>) -> Outcome {
    let mut items = BTreeSet::new();
    if let Some(m) = &record.monitoring {
        items.insert(m.clone().into_owned());
    }
    for f in &record.flags {
        items.insert(format!("flag {}", f.code));
    }
    items.extend(record.eligible().map(|d| d.program.clone().into_owned()));
    if record.status != Status::Ok {
        items.insert(format!("status {}", record.status.as_str()));
    }
    Outcome { items, dibao_fen: record.dibao_fen() }
}

/// Runs every line through both rule sets and compares.
pub fn diff<'a>(
    before: &Registry,
    after: &Registry,
    reader: &HouseholdReader,
    lines: impl Iterator<Item = &'a [u8]>,
    as_of: Option<rulehost_sdk::Date>,
    samples: usize,
    keep_ids: bool,
) -> DiffReport {
    let mut a = Pipeline::new(before, reader, as_of);
    let mut b = Pipeline::new(after, reader, as_of);
    let mut report = DiffReport::default();
    let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
    for (n, line) in (1u64..).zip(lines) {
        out_a.clear();
        out_b.clear();
        a.process(n, line, &mut out_a);
        b.process(n, line, &mut out_b);
        // A record the pipeline just wrote always reads back.
        let (Ok(ra), Ok(rb)) = (RecordView::parse(&out_a), RecordView::parse(&out_b)) else { continue };
        report.households += 1;
        let (oa, ob) = (outcome(&ra), outcome(&rb));
        report.dibao_fen_before += oa.dibao_fen;
        report.dibao_fen_after += ob.dibao_fen;
        if oa == ob {
            continue;
        }
        report.changed += 1;
        let id = rb.household_id.as_deref().unwrap_or("(unreadable)").to_owned();
        let district = rb.district_code.as_deref().unwrap_or("unreadable").to_owned();
        let mut kinds: Vec<String> = ob.items.difference(&oa.items).map(|k| format!("+{k}")).collect();
        kinds.extend(oa.items.difference(&ob.items).map(|k| format!("-{k}")));
        if oa.dibao_fen != ob.dibao_fen && oa.items.contains(codes::DIBAO) && ob.items.contains(codes::DIBAO) {
            kinds.push("~dibao amount".to_owned());
        }
        for kind in kinds {
            *report.totals.entry(kind.clone()).or_default() += 1;
            *report.districts.entry(district.clone()).or_default().entry(kind.clone()).or_default() += 1;
            let ids = report.samples.entry(kind).or_default();
            if ids.len() < samples {
                ids.push(id.clone());
            }
        }
        if keep_ids {
            report.changed_ids.push(id);
        }
    }
    report
}

impl DiffReport {
    /// The report for a terminal.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} households, {} changed\ndibao total: {:.2} -> {:.2} yuan ({:+.2})\n\n",
            self.households,
            self.changed,
            self.dibao_fen_before as f64 / 100.0,
            self.dibao_fen_after as f64 / 100.0,
            (self.dibao_fen_after - self.dibao_fen_before) as f64 / 100.0
        );
        out.push_str("change                              households  sample ids\n");
        for (kind, n) in &self.totals {
            let ids = self.samples.get(kind).map(|s| s.join(", ")).unwrap_or_default();
            out.push_str(&format!("{kind:<36}{n:>10}  {ids}\n"));
        }
        out.push_str("\nper district\n");
        for (district, kinds) in &self.districts {
            let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            out.push_str(&format!("{district}  {}\n", list.join(", ")));
        }
        out
    }
}
