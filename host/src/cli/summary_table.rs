//! The end-of-batch summary as text tables: one row per district, with
//! monitoring categories, guarantee flags and programmes as columns.

use std::collections::BTreeSet;
use std::fmt::Write;

use rulehost::{DistrictSummary, Summary};

/// Renders the summary tables; `name` gives a district's name from its code.
pub fn render(summary: &Summary, name: &dyn Fn(&str) -> Option<&'static str>) -> String {
    let total = summary.total();
    let mut rows: Vec<(String, &DistrictSummary)> = summary
        .districts
        .iter()
        .map(|(code, d)| (name(code).map_or_else(|| code.clone(), |n| format!("{code} {n}")), d))
        .collect();
    rows.push(("total".to_owned(), &total));
    let mut out = String::new();
    let basics: Vec<(&str, Box<dyn Fn(&DistrictSummary) -> i64>)> = vec![
        ("households", Box::new(|d| d.households)),
        ("ok", Box::new(|d| d.ok)),
        ("rejected", Box::new(|d| d.rejected)),
        ("errors", Box::new(|d| d.plugin_errors)),
    ];
    let mut columns: Vec<(String, Box<dyn Fn(&DistrictSummary) -> i64>)> =
        basics.into_iter().map(|(h, f)| (h.to_owned(), f)).collect();
    for key in ["unstable_lifted", "marginal", "sudden_hardship"] {
        let k = key.to_owned();
        columns.push((key.to_owned(), Box::new(move |d| d.monitoring.get(&k).copied().unwrap_or(0))));
    }
    table(&mut out, "Households and monitoring (监测对象)", &rows, &columns);

    let flags: BTreeSet<&String> = total.flags.keys().collect();
    let columns: Vec<(String, Box<dyn Fn(&DistrictSummary) -> i64>)> = flags
        .into_iter()
        .map(|code| {
            let k = code.clone();
            let head = code.rsplit('.').next().unwrap_or(code).to_owned();
            (
                head,
                Box::new(move |d: &DistrictSummary| d.flags.get(&k).copied().unwrap_or(0))
                    as Box<dyn Fn(&DistrictSummary) -> i64>,
            )
        })
        .collect();
    if !columns.is_empty() {
        table(&mut out, "Households flagged (guarantee and local flags)", &rows, &columns);
    }

    let programmes: BTreeSet<&String> = total.programmes.keys().collect();
    let mut columns: Vec<(String, Box<dyn Fn(&DistrictSummary) -> i64>)> = programmes
        .into_iter()
        .map(|code| {
            let k = code.clone();
            (
                code.clone(),
                Box::new(move |d: &DistrictSummary| d.programmes.get(&k).copied().unwrap_or(0))
                    as Box<dyn Fn(&DistrictSummary) -> i64>,
            )
        })
        .collect();
    columns.push(("dibao_yuan".to_owned(), Box::new(|d| d.dibao_fen / 100)));
    table(&mut out, "Households eligible per programme", &rows, &columns);
    out
}

type Column = (String, Box<dyn Fn(&DistrictSummary) -> i64>);

fn table(out: &mut String, title: &str, rows: &[(String, &DistrictSummary)], columns: &[Column]) {
    let label_width = rows.iter().map(|(l, _)| display_width(l)).max().unwrap_or(8).max(8);
    let widths: Vec<usize> = columns
        .iter()
        .map(|(h, f)| rows.iter().map(|(_, d)| f(d).to_string().len()).max().unwrap_or(1).max(h.len()))
        .collect();
    let _ = writeln!(out, "{title}");
    let _ = write!(out, "{}", pad("district", label_width));
    for ((h, _), w) in columns.iter().zip(&widths) {
        let _ = write!(out, "  {h:>w$}");
    }
    out.push('\n');
    for (label, d) in rows {
        let _ = write!(out, "{}", pad(label, label_width));
        for ((_, f), w) in columns.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", f(d));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Terminal width of text: CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c as u32 >= 0x2E80 { 2 } else { 1 }).sum()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}
