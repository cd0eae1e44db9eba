//! The rule-change page: what `rulehost diff` found, as charts and tables.

use std::fmt::Write;

use super::page::{page, section, table, tiles, yuan};
use super::{district_label, svg};
use crate::diff::DiffReport;
use crate::labels;

/// `+边缘易致贫户 (marginal)` for `+marginal`: a kind of change with its label.
fn kind_label(kind: &str) -> String {
    let (sign, item) = kind.split_at(kind.chars().next().map_or(0, char::len_utf8));
    let label = if let Some(code) = item.strip_prefix("flag ") {
        labels::both(labels::flag(code), item)
    } else if item.starts_with("status ") || item == "dibao amount" {
        item.to_owned()
    } else {
        labels::both(labels::monitoring(item).or_else(|| labels::programme(item)), item)
    };
    format!("{sign}{label}")
}

/// The page for a diff between `before` and `after` (how each was given).
pub fn diff_page(report: &DiffReport, before: &str, after: &str) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<p class=\"meta\">Before: {}<br>After: {}</p>", svg::escape(before), svg::escape(after));
    tiles(
        &mut body,
        &[
            ("户 households", report.households.to_string()),
            ("有变化 changed", report.changed.to_string()),
            ("低保金 before, yuan", yuan(report.dibao_fen_before)),
            ("低保金 after, yuan", yuan(report.dibao_fen_after)),
            ("低保金 change, yuan", yuan(report.dibao_fen_after - report.dibao_fen_before)),
        ],
    );
    if report.totals.is_empty() {
        body.push_str("<p>No household's outcome changed.</p>");
        return page("rulehost 规则变更影响 Rule-change impact", &body);
    }

    // Gains (`+`) then losses (`-`) then amount changes (`~`), biggest first.
    let mut kinds: Vec<(&String, i64)> = report.totals.iter().map(|(k, n)| (k, *n)).collect();
    kinds.sort_by_key(|(k, n)| (!k.starts_with('+'), !k.starts_with('-'), -n));
    let signed = |kind: &str, n: i64| (if kind.starts_with('-') { -n } else { n }) as f64;
    let rows: Vec<(String, f64)> = kinds.iter().map(|(k, n)| (kind_label(k), signed(k, *n))).collect();
    let chart = svg::signed_bars("changes", "Households per kind of change", &rows);
    section(
        &mut body,
        "changes-section",
        "变化类型 Kinds of change",
        "Households that gain (+) or lose (-) a monitoring category, flag or programme, or whose dibao amount changes (~). A household can change in several ways.",
        &chart,
    );

    let columns: Vec<String> = kinds.iter().map(|(k, _)| kind_label(k)).collect();
    let district_rows: Vec<svg::Row> = report
        .districts
        .iter()
        .map(|(code, per_kind)| svg::Row {
            label: district_label(code),
            values: kinds.iter().map(|(k, _)| signed(k, per_kind.get(*k).copied().unwrap_or(0))).collect(),
            notes: vec![],
        })
        .collect();
    let chart = svg::heat_table("changes-by-district", "Changes per district", &columns, &district_rows, true);
    section(&mut body, "districts-section", "各区县 Changes per district", "", &chart);

    let head = ["change", "households", "sample household ids"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = kinds
        .iter()
        .map(|(k, n)| {
            let ids = report.samples.get(*k).map(|s| s.join(", ")).unwrap_or_default();
            vec![kind_label(k), n.to_string(), ids]
        })
        .collect();
    section(
        &mut body,
        "samples-section",
        "样本 Sample households",
        "Run `rulehost explain` on a sample household, before and after, to see why it changed.",
        &table(&head, &rows),
    );
    page("rulehost 规则变更影响 Rule-change impact", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_change_get_chinese_labels() {
        assert_eq!(kind_label("+marginal"), "+边缘易致贫户 (marginal)");
        assert_eq!(kind_label("-dibao"), "-低保 (dibao)");
        assert_eq!(kind_label("+flag guarantee.basic_medical"), "+基本医疗保障 (flag guarantee.basic_medical)");
        assert_eq!(kind_label("+flag local.x"), "+flag local.x");
        assert_eq!(kind_label("~dibao amount"), "~dibao amount");
        assert_eq!(kind_label("-status ok"), "-status ok");
    }

    #[test]
    fn an_empty_diff_says_so() {
        let html = diff_page(&DiffReport { households: 3, ..DiffReport::default() }, "a", "b");
        assert!(html.contains("No household's outcome changed."));
        assert!(!html.contains("<svg"));
    }
}
