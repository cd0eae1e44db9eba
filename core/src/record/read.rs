//! Reading evaluation records back: one borrowed, typed view of a record,
//! used by everything that reads a results file (the batch summary of a
//! resumed run, the report digest, `diff`, `explain`, test cases). Text is
//! borrowed from the line where JSON escapes allow it.

use std::borrow::Cow;

use rulehost_sdk::baseline::codes;
use serde::Deserialize;

use rulehost_input::Status;

/// One evaluation record as written by the host
/// (`schemas/evaluation.schema.json`). Fields a `rejected` record lacks are
/// `None` or empty.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordView<'a> {
    #[serde(default)]
    pub line: Option<u64>,
    #[serde(borrow, default)]
    pub household_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub district_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub as_of: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub plugin: Option<PluginView<'a>>,
    pub status: Status,
    #[serde(borrow, default)]
    pub monitoring: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub monitoring_reason: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub flags: Vec<FlagView<'a>>,
    #[serde(borrow, default)]
    pub decisions: Vec<DecisionView<'a>>,
    #[serde(default)]
    pub derived: Option<DerivedView>,
    #[serde(borrow, default)]
    pub error: Option<ErrorView<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PluginView<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow)]
    pub version: Cow<'a, str>,
    #[serde(borrow)]
    pub sha256: Cow<'a, str>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FlagView<'a> {
    #[serde(borrow)]
    pub code: Cow<'a, str>,
    #[serde(borrow, default)]
    pub severity: Cow<'a, str>,
    #[serde(borrow, default)]
    pub reason: Cow<'a, str>,
    #[serde(borrow, default)]
    pub members: Vec<Cow<'a, str>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DecisionView<'a> {
    #[serde(borrow)]
    pub program: Cow<'a, str>,
    pub eligible: bool,
    #[serde(borrow, default)]
    pub members: Vec<Cow<'a, str>>,
    #[serde(default)]
    pub amount_yuan: Option<f64>,
    #[serde(borrow, default)]
    pub level: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub reason: Cow<'a, str>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DerivedView {
    pub per_capita_income: f64,
    #[serde(default)]
    pub residents: u32,
    #[serde(default)]
    pub net_income: f64,
    #[serde(default)]
    pub rigid_expenditure: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorView<'a> {
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub message: Cow<'a, str>,
    #[serde(borrow, default)]
    pub pointer: Option<Cow<'a, str>>,
}

impl<'a> RecordView<'a> {
    /// Reads one line of a results file (a trailing `\r` is ignored).
    pub fn parse(line: &'a [u8]) -> Result<RecordView<'a>, serde_json::Error> {
        serde_json::from_slice(line.strip_suffix(b"\r").unwrap_or(line))
    }

    /// The decisions the household is eligible for.
    pub fn eligible(&self) -> impl Iterator<Item = &DecisionView<'a>> + Clone {
        self.decisions.iter().filter(|d| d.eligible)
    }

    /// The eligible dibao amounts, in fen.
    pub fn dibao_fen(&self) -> i64 {
        self.eligible().filter(|d| d.program == codes::DIBAO).filter_map(|d| d.amount_yuan).map(yuan_to_fen).sum()
    }

    /// Whether the record is internally possible: an error exactly when
    /// the status is not `ok`, amounts within 0 to 1e9 yuan, a real date.
    pub fn is_consistent(&self) -> bool {
        (self.status == Status::Ok) == self.error.is_none()
            && self.decisions.iter().filter_map(|d| d.amount_yuan).all(|y| (0.0..=1e9).contains(&y))
            && self.as_of.as_deref().is_none_or(|d| rulehost_sdk::Date::parse(d).is_some())
    }
}

/// Yuan with two decimals, as records carry them, to whole fen.
#[expect(clippy::cast_possible_truncation, reason = "record amounts are at most 1e9 yuan")]
pub fn yuan_to_fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"line":3,"household_id":"h\u0031","district_code":"500229","as_of":"2024-03-01","plugin":{"name":"baseline","version":"1.0.0","sha256":"ab"},"status":"ok","monitoring":"marginal","monitoring_reason":"x","flags":[{"code":"guarantee.basic_medical","severity":"warning","reason":"r","members":["m1"]}],"decisions":[{"program":"dibao","eligible":true,"members":[],"reason":"r","amount_yuan":1200.5},{"program":"dibao","eligible":false,"members":[],"reason":"r","amount_yuan":3},{"program":"tekun","eligible":true,"members":[],"reason":"r"}],"derived":{"residents":2,"net_income":9000,"per_capita_income":4500,"rigid_expenditure":0},"error":null}"#;

    #[test]
    fn an_ok_record_reads_typed() {
        let r = RecordView::parse(OK.as_bytes()).unwrap();
        assert_eq!(r.status, Status::Ok);
        assert_eq!((r.line, r.household_id.as_deref()), (Some(3), Some("h1")));
        assert_eq!(r.flags[0].members, ["m1"]);
        assert_eq!(r.dibao_fen(), 120_050);
        assert_eq!(r.eligible().map(|d| d.program.as_ref()).collect::<Vec<_>>(), ["dibao", "tekun"]);
        assert!(r.is_consistent());
    }

    #[test]
    fn impossible_records_are_told_apart() {
        let unknown = OK.replace("\"status\":\"ok\"", "\"status\":\"maybe\"");
        assert!(RecordView::parse(unknown.as_bytes()).is_err());
        let error_on_ok = OK.replace("\"error\":null", "\"error\":{\"kind\":\"trap\",\"message\":\"m\"}");
        assert!(!RecordView::parse(error_on_ok.as_bytes()).unwrap().is_consistent());
        let huge = OK.replace("1200.5", "2e9");
        assert!(!RecordView::parse(huge.as_bytes()).unwrap().is_consistent());
        let bad_date = OK.replace("2024-03-01", "2024-02-30");
        assert!(!RecordView::parse(bad_date.as_bytes()).unwrap().is_consistent());
    }
}
