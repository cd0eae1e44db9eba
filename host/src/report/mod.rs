//! HTML pages for officials: the picture of a batch's results
//! (`rulehost report`) and of a rule change (`rulehost diff --html`). Each
//! page is one self-contained file with hand-made SVG charts.

mod diff_page;
pub mod digest;
mod page;
mod rounds_page;
pub mod svg;

use std::fmt::Write;

pub use diff_page::diff_page;
pub use digest::Digest;
pub use rounds_page::bulletin_page;

use crate::districts::district_name;
use crate::labels;
use page::{section, table, tiles, yuan};
use rulehost_core::DistrictSummary;
use svg::{Bin, Marker, Row};

/// The income lines drawn over the income distribution, and where they
/// come from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lines {
    pub monitoring_yuan: Option<f64>,
    pub dibao_yuan: Option<f64>,
    /// E.g. `municipal baseline, set valid from 2023-01-01`.
    pub source: String,
}

/// `城口县 500229`, or the code alone when the district is not known.
pub fn district_label(code: &str) -> String {
    district_name(code).map_or_else(|| code.to_owned(), |n| format!("{n} {code}"))
}

fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 { 0.0 } else { (1000.0 * part as f64 / whole as f64).round() / 10.0 }
}

/// Per-district rows of shares (percent of evaluated households) for the
/// given keys of one count map, with the counts as notes.
fn share_rows(
    districts: &[(String, &DistrictSummary)],
    keys: &[String],
    map: fn(&DistrictSummary) -> &std::collections::BTreeMap<String, i64>,
) -> Vec<Row> {
    districts
        .iter()
        .map(|(label, d)| {
            let counts: Vec<i64> = keys.iter().map(|k| map(d).get(k).copied().unwrap_or(0)).collect();
            Row {
                label: label.clone(),
                values: counts.iter().map(|n| percent(*n, d.ok)).collect(),
                notes: counts.iter().map(|n| format!("{n} of {} households", d.ok)).collect(),
            }
        })
        .collect()
}

/// A heat table of shares per district, one column per key of a count map.
struct Heat {
    id: &'static str,
    title: &'static str,
    heading: &'static str,
    note: &'static str,
    counts: fn(&DistrictSummary) -> &std::collections::BTreeMap<String, i64>,
    label: fn(&str) -> Option<&'static str>,
}

/// The results page.
pub fn results_page(digest: &Digest, source: &str, lines: &Lines) -> String {
    let total = digest.summary.total();
    let mut body = String::new();
    let _ = writeln!(body, "<p class=\"meta\">Results file: {}</p>", svg::escape(source));
    if let Some((first, last)) = &digest.as_of {
        let (first, last) = (svg::escape(first), svg::escape(last));
        let _ = writeln!(body, "<p class=\"meta\">评估日期 evaluated as of {first} to {last}</p>");
    }
    let plugins: Vec<String> = digest.plugins.iter().map(|(p, n)| format!("{p}: {n}")).collect();
    let _ = writeln!(body, "<p class=\"meta\">规则插件 plugins: {}</p>", svg::escape(&plugins.join("; ")));
    let monitored: i64 = total.monitoring.values().sum();
    tiles(
        &mut body,
        &[
            ("户 households", total.households.to_string()),
            ("已评估 evaluated", total.ok.to_string()),
            ("监测对象 monitored", monitored.to_string()),
            ("退回 rejected", total.rejected.to_string()),
            ("插件错误 plugin errors", total.plugin_errors.to_string()),
            ("低保金 dibao, yuan", yuan(total.dibao_fen)),
        ],
    );
    if total.households == 0 {
        body.push_str("<p class=\"warn\">The results file holds no evaluation records.</p>\n");
    }
    if digest.unreadable > 0 {
        let _ = writeln!(
            body,
            "<p class=\"warn\">{} lines are not evaluation records (lines {:?}) and are not counted.</p>",
            digest.unreadable, digest.unreadable_lines
        );
    }

    let districts: Vec<(String, &DistrictSummary)> =
        digest.summary.districts.iter().filter(|(_, d)| d.ok > 0).map(|(c, d)| (district_label(c), d)).collect();

    let keys = monitoring_keys(&total);
    let names: Vec<String> = keys.iter().map(|k| labels::both(labels::monitoring(k), k)).collect();
    let chart = svg::stacked_bars(
        "monitoring",
        "Monitoring categories per district, % of evaluated households",
        &names,
        &share_rows(&districts, &keys, |d| &d.monitoring),
        "%",
    );
    section(
        &mut body,
        "monitoring-section",
        "监测对象 Monitoring categories per district",
        "Share of each district's evaluated households in each category (hover a bar for the count).",
        &chart,
    );

    for heat in [
        Heat {
            id: "flags",
            title: "Guarantee and local flags per district, % of evaluated households",
            heading: "风险标识 Guarantee flags per district",
            note: "Percent of each district's evaluated households with each flag; a household can have several.",
            counts: |d| &d.flags,
            label: labels::flag,
        },
        Heat {
            id: "programmes",
            title: "Programme eligibility per district, % of evaluated households",
            heading: "帮扶措施 Programme eligibility per district",
            note: "Percent of each district's evaluated households eligible for each programme.",
            counts: |d| &d.programmes,
            label: labels::programme,
        },
    ] {
        let keys: Vec<String> = (heat.counts)(&total).keys().cloned().collect();
        let names: Vec<String> = keys.iter().map(|k| (heat.label)(k).unwrap_or(k).to_owned()).collect();
        let chart = svg::heat_table(heat.id, heat.title, &names, &share_rows(&districts, &keys, heat.counts), false);
        section(&mut body, &format!("{}-section", heat.id), heat.heading, heat.note, &chart);
    }

    section(
        &mut body,
        "income-section",
        "人均纯收入 Per-capita income",
        &income_note(digest, lines),
        &income_chart(digest, lines),
    );

    let mut failures = String::new();
    let kinds: Vec<Row> = digest
        .failures
        .iter()
        .flat_map(|(status, kinds)| kinds.iter().map(move |(k, n)| (status, k, *n)))
        .map(|(status, kind, n)| Row {
            label: labels::both(labels::failure(kind), kind),
            values: if status == "rejected" { vec![n as f64, 0.0] } else { vec![0.0, n as f64] },
            notes: vec![],
        })
        .collect();
    if total.households == 0 {
        failures.push_str("<p>No records.</p>");
    } else if kinds.is_empty() {
        failures.push_str("<p>Every line was evaluated: no rejects and no plugin errors.</p>");
    } else {
        let series = ["退回 rejected".to_owned(), "插件错误 plugin error".to_owned()];
        failures.push_str(&svg::stacked_bars("failures", "Rejects and plugin errors by kind", &series, &kinds, ""));
        let per_district: Vec<Row> = digest
            .summary
            .districts
            .iter()
            .filter(|(_, d)| d.rejected + d.plugin_errors > 0)
            .map(|(c, d)| Row {
                label: district_label(c),
                values: vec![d.rejected as f64, d.plugin_errors as f64],
                notes: vec![],
            })
            .collect();
        failures.push_str(&svg::stacked_bars(
            "failures-by-district",
            "Rejects and plugin errors per district",
            &series,
            &per_district,
            "",
        ));
    }
    section(
        &mut body,
        "failures-section",
        "退回与错误 Rejects and errors",
        "Lines refused before evaluation (rejected) and households a plugin failed on (plugin error); each has a record with its reason in the results file.",
        &failures,
    );

    section(&mut body, "table-section", "数据表 The figures", "", &figures_table(digest));
    page::page("rulehost 评估报告 Evaluation report", &body)
}

/// The three categories of the contract, in their order, then any other
/// category the records hold (none, in records that match the schema).
fn monitoring_keys(total: &DistrictSummary) -> Vec<String> {
    let mut keys: Vec<String> = ["unstable_lifted", "marginal", "sudden_hardship"].map(String::from).to_vec();
    keys.extend(total.monitoring.keys().filter(|k| !keys.contains(k)).cloned().collect::<Vec<_>>());
    keys
}

fn income_note(digest: &Digest, lines: &Lines) -> String {
    let h = &digest.income;
    let mut note = format!(
        "{} evaluated households in {}-yuan bins; {} at or above {} yuan share the last bin",
        h.total(),
        digest::INCOME_BIN_YUAN,
        h.at_or_above_top,
        digest::INCOME_TOP_YUAN
    );
    if h.below_zero > 0 {
        let _ = write!(note, ", {} below zero share the first", h.below_zero);
    }
    match (lines.monitoring_yuan, lines.dibao_yuan) {
        (None, None) => note.push_str(". No income lines are drawn (no parameter set in force)."),
        _ => {
            let _ =
                write!(note, ". Lines: {}. Districts may add to the municipal lines in their own rules.", lines.source);
        }
    }
    note
}

fn income_chart(digest: &Digest, lines: &Lines) -> String {
    let h = &digest.income;
    let width = digest::INCOME_BIN_YUAN;
    let mut bins: Vec<Bin> = h
        .bins
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let from = width * i as f64;
            Bin { label: format!("{from:.0}–{:.0}", from + width), from, to: from + width, count: *n }
        })
        .collect();
    if let Some(first) = bins.first_mut() {
        first.count += h.below_zero;
    }
    let top = digest::INCOME_TOP_YUAN;
    bins.push(Bin { label: format!("≥ {top:.0}"), from: top, to: top + width, count: h.at_or_above_top });
    let mut markers = Vec::new();
    if let Some(v) = lines.dibao_yuan {
        markers.push(Marker { label: "低保标准 dibao line".into(), value: v, color: "#c94f4f" });
    }
    if let Some(v) = lines.monitoring_yuan {
        markers.push(Marker { label: "监测收入线 monitoring line".into(), value: v, color: "#e07b39" });
    }
    svg::histogram("income", "Per-capita income of evaluated households", &bins, &markers, "yuan per person per year")
}

fn figures_table(digest: &Digest) -> String {
    let total = digest.summary.total();
    let mut head: Vec<String> =
        ["district", "households", "ok", "rejected", "plugin errors"].map(String::from).to_vec();
    let monitoring = monitoring_keys(&total);
    head.extend(monitoring.iter().map(|k| labels::monitoring(k).unwrap_or(k).to_owned()));
    head.extend(total.flags.keys().map(|k| labels::flag(k).unwrap_or(k).to_owned()));
    head.extend(total.programmes.keys().map(|k| labels::programme(k).unwrap_or(k).to_owned()));
    head.push("dibao yuan".into());
    let row = |label: String, d: &DistrictSummary| {
        let mut cells = vec![label];
        cells.extend([d.households, d.ok, d.rejected, d.plugin_errors].map(|n| n.to_string()));
        let get = |m: &std::collections::BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0).to_string();
        cells.extend(monitoring.iter().map(|k| get(&d.monitoring, k)));
        cells.extend(total.flags.keys().map(|k| get(&d.flags, k)));
        cells.extend(total.programmes.keys().map(|k| get(&d.programmes, k)));
        cells.push(yuan(d.dibao_fen));
        cells
    };
    let mut rows: Vec<Vec<String>> = digest.summary.districts.iter().map(|(c, d)| row(district_label(c), d)).collect();
    rows.push(row("total".into(), &total));
    table(&head, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_results_file_says_so_instead_of_claiming_success() {
        let html = results_page(&Digest::default(), "empty.jsonl", &Lines::default());
        assert!(html.contains("The results file holds no evaluation records."));
        assert!(!html.contains("Every line was evaluated"));
        assert!(html.contains("No income lines are drawn"));
    }

    #[test]
    fn household_data_in_the_page_is_escaped() {
        let text = r#"{"line":1,"household_id":"h","district_code":"<x1>","as_of":"2024-01-01","plugin":{"name":"<x2>","version":"1","sha256":"<x3>"},"status":"ok","monitoring":"<x4>","flags":[{"code":"<x5>"}],"decisions":[{"program":"<x6>","eligible":true}],"derived":{"per_capita_income":1}}"#;
        let digest = Digest::read(text.as_bytes()).unwrap();
        let html = results_page(&digest, "<x7>", &Lines::default());
        for n in 1..=7 {
            assert!(!html.contains(&format!("<x{n}>")), "`<x{n}>` reached the page unescaped");
            assert!(html.contains(&format!("&lt;x{n}&gt;")), "`<x{n}>` is shown, escaped");
        }
    }
}
