//! The end-of-batch summary as text tables: one row per district, with
//! monitoring categories, guarantee flags and programmes as columns.

use std::fmt::Write;

use rulehost::{DistrictSummary, Summary};

/// What a column counts.
enum Count {
    Field(fn(&DistrictSummary) -> i64),
    Monitoring(String),
    Flag(String),
    Programme(String),
}

impl Count {
    fn of(&self, d: &DistrictSummary) -> i64 {
        let get = |map: &std::collections::BTreeMap<String, i64>, k: &str| map.get(k).copied().unwrap_or(0);
        match self {
            Count::Field(f) => f(d),
            Count::Monitoring(k) => get(&d.monitoring, k),
            Count::Flag(k) => get(&d.flags, k),
            Count::Programme(k) => get(&d.programmes, k),
        }
    }
}

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

    let mut columns: Vec<(String, Count)> = vec![
        ("households".into(), Count::Field(|d| d.households)),
        ("ok".into(), Count::Field(|d| d.ok)),
        ("rejected".into(), Count::Field(|d| d.rejected)),
        ("errors".into(), Count::Field(|d| d.plugin_errors)),
    ];
    for key in ["unstable_lifted", "marginal", "sudden_hardship"] {
        columns.push((key.into(), Count::Monitoring(key.into())));
    }
    table(&mut out, "Households and monitoring categories (监测对象)", &rows, &columns);

    let columns: Vec<(String, Count)> = total
        .flags
        .keys()
        .map(|code| (code.rsplit('.').next().unwrap_or(code).to_owned(), Count::Flag(code.clone())))
        .collect();
    if !columns.is_empty() {
        table(&mut out, "Households flagged (guarantee and local flags)", &rows, &columns);
    }

    let mut columns: Vec<(String, Count)> =
        total.programmes.keys().map(|code| (code.clone(), Count::Programme(code.clone()))).collect();
    columns.push(("dibao_yuan".into(), Count::Field(|d| d.dibao_fen / 100)));
    table(&mut out, "Households eligible per programme", &rows, &columns);
    out
}

fn table(out: &mut String, title: &str, rows: &[(String, &DistrictSummary)], columns: &[(String, Count)]) {
    let label_width = rows.iter().map(|(l, _)| display_width(l)).max().unwrap_or(8).max(8);
    let widths: Vec<usize> = columns
        .iter()
        .map(|(h, c)| rows.iter().map(|(_, d)| c.of(d).to_string().len()).max().unwrap_or(1).max(h.len()))
        .collect();
    let _ = writeln!(out, "{title}");
    out.push_str(&pad("district", label_width));
    for ((h, _), w) in columns.iter().zip(&widths) {
        let _ = write!(out, "  {h:>w$}");
    }
    out.push('\n');
    for (label, d) in rows {
        out.push_str(&pad(label, label_width));
        for ((_, c), w) in columns.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", c.of(d));
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
