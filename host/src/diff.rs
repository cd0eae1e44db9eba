//! Rule-change impact: the same households through two rule sets (plugins
//! or registries), and which outcomes changed: monitoring category, flags,
//! eligible programmes and dibao amounts, per district and per kind. Both
//! sides run through the batch machinery, with its isolation and its
//! accounting; their records go to temporary files, so memory does not
//! grow with the input beyond the input itself.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use rulehost_core::batch::{self, BatchOptions, BatchReport};
use rulehost_core::record::RecordView;
use rulehost_core::{HouseholdReader, Registry, Status};
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

/// Runs every line of `input` through both rule sets, each through the
/// batch machinery (fresh instances at every chunk, the state check,
/// budgets), and compares the records line by line. Every line counts,
/// empty and unreadable ones included (as rejected on both sides).
pub fn diff(
    before: &Registry,
    after: &Registry,
    reader: &HouseholdReader,
    input: &[u8],
    options: BatchOptions,
    samples: usize,
    keep_ids: bool,
) -> Result<Diff, DiffError> {
    let run = |registry: &Registry| -> Result<(BatchReport, BufReader<std::fs::File>), DiffError> {
        let mut records = tempfile::tempfile()?;
        let report = {
            let mut out = BufWriter::with_capacity(1 << 20, &mut records);
            let report = batch::run(registry, reader, &mut &input[..], &mut out, None, options, &())?;
            out.flush()?;
            report
        };
        records.seek(SeekFrom::Start(0))?;
        Ok((report, BufReader::with_capacity(1 << 20, records)))
    };
    let (before_run, mut a) = run(before)?;
    let (after_run, mut b) = run(after)?;
    let mut report = DiffReport::default();
    let (mut fen_before, mut fen_after) = (0i128, 0i128);
    let (mut line_a, mut line_b) = (Vec::new(), Vec::new());
    loop {
        line_a.clear();
        line_b.clear();
        let (na, nb) = (a.read_until(b'\n', &mut line_a)?, b.read_until(b'\n', &mut line_b)?);
        if na == 0 || nb == 0 {
            if na != nb {
                return Err(DiffError::Records("the two sides wrote different numbers of records".into()));
            }
            break;
        }
        let n = report.households + 1;
        let unreadable = |e: serde_json::Error| DiffError::Records(format!("record {n} does not read back: {e}"));
        let ra = RecordView::parse(line_a.strip_suffix(b"\n").unwrap_or(&line_a)).map_err(unreadable)?;
        let rb = RecordView::parse(line_b.strip_suffix(b"\n").unwrap_or(&line_b)).map_err(unreadable)?;
        report.households = n;
        let (oa, ob) = (outcome(&ra), outcome(&rb));
        fen_before += i128::from(oa.dibao_fen);
        fen_after += i128::from(ob.dibao_fen);
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
    let total = |fen: i128| i64::try_from(fen).map_err(|_| DiffError::Overflow(fen));
    report.dibao_fen_before = total(fen_before)?;
    report.dibao_fen_after = total(fen_after)?;
    Ok(Diff { report, before: before_run, after: after_run })
}

/// A diff and the batch reports of its two sides (how many records were
/// rejected or failed on each).
#[derive(Debug, Clone)]
pub struct Diff {
    pub report: DiffReport,
    pub before: BatchReport,
    pub after: BatchReport,
}

impl Diff {
    /// Whether every record on both sides is `ok`.
    pub fn all_ok(&self) -> bool {
        self.before.ok == self.before.lines && self.after.ok == self.after.lines
    }
}

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("reading or writing the records of a side: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Records(String),
    #[error("a dibao total of {0} fen does not fit in 64 bits")]
    Overflow(i128),
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
