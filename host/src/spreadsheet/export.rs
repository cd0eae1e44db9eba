//! Results out to Excel for officials (`rulehost export`): a summary per
//! district with the figures of `rulehost report` (`report::Digest`), the
//! monitored households, one row per flag and per decision, and the
//! rejects and plugin errors. The detail sheets stream (constant memory).

use std::io::BufRead;
use std::path::Path;

use rulehost_core::Status;
use rulehost_core::record::RecordView;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::districts::district_name;
use crate::labels;
use crate::report::Digest;

/// Sheet names, in order.
pub const SUMMARY: &str = "汇总";
pub const MONITORED: &str = "监测户";
pub const ITEMS: &str = "风险与帮扶";
pub const FAILURES: &str = "拒收与错误";

pub(super) struct Formats {
    bold: Format,
    yuan: Format,
    date: Format,
}

impl Formats {
    pub(super) fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            yuan: Format::new().set_num_format("0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// A sheet being streamed: its header, widths and the last row written.
pub(super) struct Table {
    index: usize,
    columns: usize,
    row: u32,
    /// Data rows a sheet takes before the next part begins (`NAME (2)`).
    limit: u32,
    name: String,
    part: u32,
    headers: Vec<(String, f64)>,
}

/// Data rows of one sheet: Excel's 1,048,576 rows less the header.
pub const ROWS_PER_SHEET: u32 = 1_048_575;

pub(super) fn start(
    workbook: &mut Workbook,
    name: &str,
    headers: &[(&str, f64)],
    f: &Formats,
) -> Result<Table, XlsxError> {
    start_part(workbook, name, 1, headers, f)
}

fn start_part(
    workbook: &mut Workbook,
    name: &str,
    part: u32,
    headers: &[(&str, f64)],
    f: &Formats,
) -> Result<Table, XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    if part == 1 {
        sheet.set_name(name)?;
    } else {
        sheet.set_name(format!("{name} ({part})"))?;
    }
    for (i, (header, width)) in headers.iter().enumerate() {
        let col = col(i);
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *header, &f.bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let index = workbook.worksheets().len() - 1;
    Ok(Table {
        index,
        columns: headers.len(),
        row: 0,
        limit: ROWS_PER_SHEET,
        name: name.to_owned(),
        part,
        headers: headers.iter().map(|(h, w)| ((*h).to_owned(), *w)).collect(),
    })
}

pub(super) fn finish(workbook: &mut Workbook, t: &Table) -> Result<(), XlsxError> {
    workbook.worksheet_from_index(t.index)?.autofilter(0, 0, t.row, col(t.columns.saturating_sub(1)))?;
    Ok(())
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A cell value of a row.
pub(super) enum V<'a> {
    Text(&'a str),
    Owned(String),
    Int(i64),
    Yuan(f64),
    /// An ISO date, written as a date cell (as text when it is not a date).
    Date(&'a str),
    Blank,
}

fn put(sheet: &mut Worksheet, row: u32, cells: &[V<'_>], f: &Formats) -> Result<(), XlsxError> {
    for (i, cell) in cells.iter().enumerate() {
        let c = col(i);
        match cell {
            V::Text(s) => {
                sheet.write_string(row, c, *s)?;
            }
            V::Owned(s) => {
                sheet.write_string(row, c, s)?;
            }
            #[expect(clippy::cast_precision_loss, reason = "counts and fen are far below 2^53")]
            V::Int(n) => {
                sheet.write_number(row, c, *n as f64)?;
            }
            V::Yuan(y) => {
                sheet.write_number_with_format(row, c, *y, &f.yuan)?;
            }
            V::Date(s) => match rulehost_sdk::Date::parse(s) {
                Some(d) => {
                    sheet.write_number_with_format(row, c, super::cells::date_serial(d), &f.date)?;
                }
                None => {
                    sheet.write_string(row, c, *s)?;
                }
            },
            V::Blank => {}
        }
    }
    Ok(())
}

pub(super) fn add(workbook: &mut Workbook, t: &mut Table, cells: &[V<'_>], f: &Formats) -> Result<(), XlsxError> {
    if t.row >= t.limit {
        // A sheet is full: go on in the next part rather than fail.
        finish(workbook, t)?;
        let headers: Vec<(&str, f64)> = t.headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
        let limit = t.limit;
        *t = start_part(workbook, &t.name.clone(), t.part + 1, &headers, f)?;
        t.limit = limit;
    }
    t.row += 1;
    put(workbook.worksheet_from_index(t.index)?, t.row, cells, f)
}

/// What an export wrote, for the command's summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub records: u64,
    pub monitored: u64,
    pub items: u64,
    pub failures: u64,
    pub unreadable: u64,
}

/// Writes the workbook for the results file at `results`. Reads it twice:
/// once to add it up (the summary sheet comes first), once to stream rows.
pub fn export(results: &Path, to: &Path) -> anyhow::Result<Written> {
    export_with(results, to, ROWS_PER_SHEET)
}

/// [`export`] with at most `rows_per_sheet` data rows in a detail sheet
/// before it goes on in `NAME (2)`, `NAME (3)`...
pub fn export_with(results: &Path, to: &Path, rows_per_sheet: u32) -> anyhow::Result<Written> {
    use anyhow::Context;
    let open = || -> anyhow::Result<std::io::BufReader<std::fs::File>> {
        let file = std::fs::File::open(results).with_context(|| format!("opening `{}`", results.display()))?;
        Ok(std::io::BufReader::with_capacity(1 << 20, file))
    };
    let digest = Digest::read(open()?).with_context(|| format!("reading `{}`", results.display()))?;
    let f = Formats::new();
    let mut workbook = Workbook::new();
    summary_sheet(&mut workbook, &digest, &f)?;

    let mut monitored = start(
        &mut workbook,
        MONITORED,
        &[
            ("户编号", 24.0),
            ("区县代码", 10.0),
            ("区县", 10.0),
            ("评估日期", 12.0),
            ("监测类型", 16.0),
            ("人均纯收入(元)", 14.0),
            ("常住人数", 10.0),
            ("原因", 80.0),
        ],
        &f,
    )?;
    let mut items = start(
        &mut workbook,
        ITEMS,
        &[
            ("户编号", 24.0),
            ("区县代码", 10.0),
            ("类别", 8.0),
            ("代码", 28.0),
            ("名称", 16.0),
            ("程度/符合", 10.0),
            ("成员", 24.0),
            ("金额(元)", 12.0),
            ("原因", 80.0),
        ],
        &f,
    )?;
    let mut failures = start(
        &mut workbook,
        FAILURES,
        &[
            ("行号", 8.0),
            ("户编号", 24.0),
            ("区县代码", 10.0),
            ("状态", 12.0),
            ("错误类型", 22.0),
            ("错误名称", 16.0),
            ("信息", 80.0),
            ("位置", 24.0),
        ],
        &f,
    )?;

    for t in [&mut monitored, &mut items, &mut failures] {
        t.limit = rows_per_sheet.max(1);
    }
    let mut written = Written::default();
    for (number, line) in open()?.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("reading `{}`", results.display()))?;
        let Ok(r) = RecordView::parse(&line) else {
            written.unreadable += 1;
            continue;
        };
        if !r.is_consistent() {
            written.unreadable += 1;
            continue;
        }
        written.records += 1;
        let id = r.household_id.as_deref().unwrap_or("");
        let district = r.district_code.as_deref().unwrap_or("");
        if r.status == Status::Ok {
            if let Some(category) = r.monitoring.as_deref() {
                written.monitored += 1;
                let cells = [
                    V::Text(id),
                    V::Text(district),
                    V::Text(district_name(district).unwrap_or("")),
                    r.as_of.as_deref().map_or(V::Blank, V::Date),
                    V::Owned(labels::both(labels::monitoring(category), category)),
                    r.derived.as_ref().map_or(V::Blank, |d| V::Yuan(d.per_capita_income)),
                    r.derived.as_ref().map_or(V::Blank, |d| V::Int(i64::from(d.residents))),
                    V::Text(r.monitoring_reason.as_deref().unwrap_or("")),
                ];
                add(&mut workbook, &mut monitored, &cells, &f)?;
            }
            for flag in &r.flags {
                written.items += 1;
                let cells = [
                    V::Text(id),
                    V::Text(district),
                    V::Text("风险"),
                    V::Text(&flag.code),
                    V::Text(labels::flag(&flag.code).unwrap_or("")),
                    V::Text(severity(&flag.severity)),
                    V::Owned(flag.members.join(", ")),
                    V::Blank,
                    V::Text(&flag.reason),
                ];
                add(&mut workbook, &mut items, &cells, &f)?;
            }
            for decision in &r.decisions {
                written.items += 1;
                let cells = [
                    V::Text(id),
                    V::Text(district),
                    V::Text("帮扶"),
                    V::Text(&decision.program),
                    V::Text(labels::programme(&decision.program).unwrap_or("")),
                    V::Text(if decision.eligible { "符合" } else { "不符合" }),
                    V::Owned(decision.members.join(", ")),
                    decision.amount_yuan.map_or(V::Blank, V::Yuan),
                    V::Text(&decision.reason),
                ];
                add(&mut workbook, &mut items, &cells, &f)?;
            }
        } else if let Some(error) = &r.error {
            written.failures += 1;
            #[expect(clippy::cast_possible_wrap, reason = "line numbers are far below 2^63")]
            let line_number = r.line.unwrap_or(number as u64 + 1) as i64;
            let cells = [
                V::Int(line_number),
                V::Text(id),
                V::Text(district),
                V::Text(if r.status == Status::Rejected { "拒收" } else { "插件错误" }),
                V::Text(&error.kind),
                V::Text(labels::failure(&error.kind).unwrap_or("")),
                V::Text(&error.message),
                V::Text(error.pointer.as_deref().unwrap_or("")),
            ];
            add(&mut workbook, &mut failures, &cells, &f)?;
        }
    }
    for t in [&monitored, &items, &failures] {
        finish(&mut workbook, t)?;
    }
    workbook.save(to).with_context(|| format!("writing `{}`", to.display()))?;
    Ok(written)
}

fn severity(code: &str) -> &str {
    match code {
        "info" => "提示",
        "warning" => "警告",
        "critical" => "严重",
        other => other,
    }
}

/// The summary sheet: the rows of `rulehost report`, one per district and
/// a total, with monitoring categories, flags and programmes as columns.
fn summary_sheet(workbook: &mut Workbook, digest: &Digest, f: &Formats) -> Result<(), XlsxError> {
    let total = digest.summary.total();
    let categories = ["unstable_lifted", "marginal", "sudden_hardship"];
    let mut headers: Vec<(String, f64)> = vec![
        ("区县代码".into(), 10.0),
        ("区县".into(), 10.0),
        ("户数".into(), 8.0),
        ("正常".into(), 8.0),
        ("拒收".into(), 8.0),
        ("插件错误".into(), 10.0),
    ];
    headers.extend(categories.iter().map(|c| (labels::both(labels::monitoring(c), c), 26.0)));
    headers.extend(total.flags.keys().map(|c| (labels::both(labels::flag(c), c), 30.0)));
    headers.extend(total.programmes.keys().map(|c| (labels::both(labels::programme(c), c), 28.0)));
    headers.push(("低保金额(元)".into(), 16.0));
    let refs: Vec<(&str, f64)> = headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
    let mut t = start(workbook, SUMMARY, &refs, f)?;
    let mut rows: Vec<(&str, &str, &rulehost_core::DistrictSummary)> = digest
        .summary
        .districts
        .iter()
        .map(|(code, d)| (code.as_str(), district_name(code).unwrap_or(""), d))
        .collect();
    rows.push(("合计", "", &total));
    for (code, name, d) in rows {
        let get = |map: &std::collections::BTreeMap<String, i64>, k: &str| map.get(k).copied().unwrap_or(0);
        let mut cells = vec![
            V::Text(code),
            V::Text(name),
            V::Int(d.households),
            V::Int(d.ok),
            V::Int(d.rejected),
            V::Int(d.plugin_errors),
        ];
        cells.extend(categories.iter().map(|c| V::Int(get(&d.monitoring, c))));
        cells.extend(total.flags.keys().map(|c| V::Int(get(&d.flags, c))));
        cells.extend(total.programmes.keys().map(|c| V::Int(get(&d.programmes, c))));
        #[expect(clippy::cast_precision_loss, reason = "fen totals are far below 2^53")]
        cells.push(V::Yuan(d.dibao_fen as f64 / 100.0));
        add(workbook, &mut t, &cells, f)?;
    }
    finish(workbook, &t)
}
