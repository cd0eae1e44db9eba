//! What a results file holds, added up for the report: the per-district
//! summary the batch prints, rejects and errors by kind, the distribution of
//! per-capita income, the plugins that produced the records and the dates
//! evaluated. Read as a stream: memory does not grow with the file.

use std::collections::BTreeMap;
use std::io::BufRead;

use rulehost_core::record::RecordView;
use rulehost_core::{Contribution, Status, Summary};
use serde::Serialize;

/// Width of a per-capita income bin, in yuan.
pub const INCOME_BIN_YUAN: f64 = 500.0;
/// Incomes at or above this many yuan share the last bin.
pub const INCOME_TOP_YUAN: f64 = 30_000.0;

/// Per-capita income of evaluated households, in `INCOME_BIN_YUAN` bins
/// from 0 to `INCOME_TOP_YUAN`, plus the households below 0 and at or above
/// the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncomeHistogram {
    pub below_zero: u64,
    pub bins: Vec<u64>,
    pub at_or_above_top: u64,
}

impl Default for IncomeHistogram {
    fn default() -> Self {
        IncomeHistogram {
            below_zero: 0,
            bins: vec![0; (INCOME_TOP_YUAN / INCOME_BIN_YUAN) as usize],
            at_or_above_top: 0,
        }
    }
}

impl IncomeHistogram {
    fn add(&mut self, yuan: f64) {
        if yuan < 0.0 {
            self.below_zero += 1;
        } else if yuan >= INCOME_TOP_YUAN {
            self.at_or_above_top += 1;
        } else if let Some(bin) = self.bins.get_mut((yuan / INCOME_BIN_YUAN) as usize) {
            *bin += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.below_zero + self.at_or_above_top + self.bins.iter().sum::<u64>()
    }
}

/// A results file added up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// Lines read, including any that were not records.
    pub lines: u64,
    pub summary: Summary,
    /// `rejected` and `plugin_error` records by status, then `error.kind`.
    pub failures: BTreeMap<String, BTreeMap<String, u64>>,
    pub income: IncomeHistogram,
    /// `name version (sha256 prefix)` to the records it produced.
    pub plugins: BTreeMap<String, u64>,
    /// Earliest and latest `as_of` of the evaluated records.
    pub as_of: Option<(String, String)>,
    /// Line numbers (up to 20) of lines that were not evaluation records,
    /// and how many there were.
    pub unreadable_lines: Vec<u64>,
    pub unreadable: u64,
}

impl Digest {
    /// Reads a results file (JSON Lines of evaluation records). Lines that
    /// are not records are counted and their numbers kept; only a read
    /// error stops it.
    pub fn read(input: impl BufRead) -> std::io::Result<Digest> {
        let mut digest = Digest::default();
        for line in input.split(b'\n') {
            let line = line?;
            digest.lines += 1;
            match RecordView::parse(&line) {
                Ok(record) if digest.add(&record) => {}
                _ => {
                    digest.unreadable += 1;
                    if digest.unreadable_lines.len() < 20 {
                        digest.unreadable_lines.push(digest.lines);
                    }
                }
            }
        }
        Ok(digest)
    }

    /// Adds one record; false (and nothing added) when it cannot be an
    /// evaluation record: an unknown status, an error on an `ok` record or
    /// none on another, an amount outside 0 to 1e9 yuan, a date that is not
    /// a date.
    fn add(&mut self, r: &RecordView<'_>) -> bool {
        if !r.is_consistent() {
            return false;
        }
        self.summary.apply(Contribution::of_record(r), 1);
        if let Some(e) = &r.error {
            *self
                .failures
                .entry(r.status.as_str().to_owned())
                .or_default()
                .entry(e.kind.clone().into_owned())
                .or_default() += 1;
        }
        if r.status == Status::Ok {
            if let Some(d) = &r.derived {
                self.income.add(d.per_capita_income);
            }
            if let Some(p) = &r.plugin {
                let short = p.sha256.get(..12).unwrap_or(&p.sha256);
                *self.plugins.entry(format!("{} {} ({short})", p.name, p.version)).or_default() += 1;
            }
            if let Some(date) = r.as_of.as_deref() {
                match &mut self.as_of {
                    None => self.as_of = Some((date.to_owned(), date.to_owned())),
                    Some((first, last)) => {
                        if date < first.as_str() {
                            date.clone_into(first);
                        }
                        if date > last.as_str() {
                            date.clone_into(last);
                        }
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"line":1,"household_id":"h1","district_code":"500229","as_of":"2024-03-01","plugin":{"name":"baseline","version":"1.0.0","sha256":"0123456789abcdef"},"status":"ok","monitoring":"marginal","monitoring_reason":"x","flags":[{"code":"guarantee.basic_medical","severity":"warning","reason":"r","members":[]}],"decisions":[{"program":"dibao","eligible":true,"members":[],"reason":"r","amount_yuan":1200.5},{"program":"tekun","eligible":false,"members":[],"reason":"r"}],"derived":{"residents":2,"net_income":9000,"per_capita_income":4500,"rigid_expenditure":0},"error":null}"#;

    #[test]
    fn records_are_added_up_by_district_kind_and_income() {
        let rejected = r#"{"line":2,"household_id":null,"district_code":null,"status":"rejected","error":{"kind":"not_json","message":"m"}}"#;
        let failed = r#"{"line":3,"household_id":"h3","district_code":"500101","as_of":"2023-01-01","status":"plugin_error","error":{"kind":"out_of_fuel","message":"m"}}"#;
        let text = format!("{OK}\n{rejected}\n{failed}\nnot a record\n{}\n", OK.replace("2024-03-01", "2022-12-31"));
        let d = Digest::read(text.as_bytes()).unwrap();
        assert_eq!(d.lines, 5);
        assert_eq!((d.unreadable, d.unreadable_lines.clone()), (1, vec![4]));
        let total = d.summary.total();
        assert_eq!((total.households, total.ok, total.rejected, total.plugin_errors), (4, 2, 1, 1));
        assert_eq!(d.summary.districts["500229"].monitoring["marginal"], 2);
        assert_eq!(d.summary.districts["500229"].programmes["dibao"], 2);
        assert_eq!(d.summary.districts["500229"].dibao_fen, 240_100);
        assert!(!d.summary.districts["500229"].programmes.contains_key("tekun"));
        assert_eq!(d.failures["rejected"]["not_json"], 1);
        assert_eq!(d.failures["plugin_error"]["out_of_fuel"], 1);
        assert_eq!(d.income.bins[9], 2, "4500 yuan is in the 4500-5000 bin");
        assert_eq!(d.income.total(), 2);
        assert_eq!(d.plugins["baseline 1.0.0 (0123456789ab)"], 2);
        assert_eq!(d.as_of, Some(("2022-12-31".to_owned(), "2024-03-01".to_owned())));
    }

    #[test]
    fn lines_that_cannot_be_records_are_counted_apart() {
        let bad = [
            OK.replace(r#""error":null"#, r#""error":{"kind":"trap","message":"m"}"#),
            OK.replace("1200.5", "1e17"),
            OK.replace("2024-03-01", "<meta http-equiv=refresh>"),
            r#"{"status":"rejected","line":1}"#.to_owned(),
        ];
        let d = Digest::read(bad.join("\n").as_bytes()).unwrap();
        assert_eq!((d.lines, d.unreadable), (4, 4));
        assert_eq!(d.summary, Summary::default(), "nothing of them is counted");
        assert!(d.failures.is_empty() && d.as_of.is_none());
    }

    #[test]
    fn incomes_outside_the_bins_are_counted_not_lost() {
        let mut h = IncomeHistogram::default();
        for y in [-10.0, 0.0, 499.99, 500.0, 29_999.0, 30_000.0, 1e9] {
            h.add(y);
        }
        assert_eq!((h.below_zero, h.at_or_above_top), (1, 2));
        assert_eq!((h.bins[0], h.bins[1], h.bins[59]), (2, 1, 1));
        assert_eq!(h.total(), 7);
    }
}
