//! The monthly bulletin page (`rulehost track --html`): the month-on-month
//! flows per district as charts, and the bulletin's tables.

use std::fmt::Write;

use super::page::{page, section, table, tiles, yuan};
use super::{district_label, svg};
use crate::labels;
use crate::rounds::{Bulletin, Figures, Problem};

fn sum(map: &std::collections::BTreeMap<String, u64>) -> u64 {
    map.values().sum()
}

fn problem_rows(kinds: &std::collections::BTreeMap<String, Problem>) -> Vec<Vec<String>> {
    kinds
        .iter()
        .map(|(code, p)| {
            vec![
                labels::both(labels::flag(code), code),
                p.found.to_string(),
                p.cleared.to_string(),
                p.outstanding.to_string(),
                p.outstanding_over_n_rounds.to_string(),
            ]
        })
        .collect()
}

/// The page for one bulletin.
pub fn bulletin_page(b: &Bulletin) -> String {
    let mut body = String::new();
    let against = b.against.as_deref().unwrap_or("no earlier round");
    let _ = writeln!(body, "<p class=\"meta\">Round {} against {}</p>", svg::escape(&b.round), svg::escape(against));
    for c in &b.plugins_changed {
        let _ = writeln!(
            body,
            "<p class=\"warn\">Plugin {} changed: {} → {}; some changes are the rules', not the households'.</p>",
            svg::escape(&c.name),
            svg::escape(c.before.as_deref().unwrap_or("absent")),
            svg::escape(c.after.as_deref().unwrap_or("absent"))
        );
    }
    let t = &b.total;
    let outstanding: u64 = t.guarantee.values().map(|p| p.outstanding).sum();
    let cleared: u64 = t.guarantee.values().map(|p| p.cleared).sum();
    tiles(
        &mut body,
        &[
            ("监测户 monitored", t.monitored.to_string()),
            ("纳入 entered", sum(&t.entered).to_string()),
            ("退出监测 left", sum(&t.left).to_string()),
            ("清零 problems cleared", cleared.to_string()),
            ("未清零 outstanding", outstanding.to_string()),
            ("风险消除 candidates", b.candidates.len().to_string()),
            ("低保变化 dibao change (yuan)", yuan(t.dibao_change_fen)),
        ],
    );

    let districts: Vec<(String, &Figures)> = b.districts.iter().map(|(c, f)| (district_label(c), f)).collect();
    let flows: Vec<svg::Row> = districts
        .iter()
        .map(|(label, f)| svg::Row {
            label: label.clone(),
            values: vec![sum(&f.entered) as f64, sum(&f.left) as f64],
            notes: vec![format!("{} entered", sum(&f.entered)), format!("{} left", sum(&f.left))],
        })
        .collect();
    let series = ["纳入 entered".to_owned(), "退出 left".to_owned()];
    let mut content = svg::stacked_bars("flows", "Households entered and left, per district", &series, &flows, "");
    let net: Vec<(String, f64)> =
        districts.iter().map(|(l, f)| (l.clone(), sum(&f.entered) as f64 - sum(&f.left) as f64)).collect();
    content.push_str(&svg::signed_bars("net", "Net change in monitored households", &net));
    section(
        &mut body,
        "flows",
        "Entered and left (纳入、退出)",
        "Entered: monitored now, present and not monitored in the previous round. Left: the reverse. \
         Present means an ok record; households new, gone or not evaluated are listed below.",
        &content,
    );

    let head: Vec<String> = [
        "district",
        "monitored",
        "entered",
        "left",
        "still",
        "new",
        "gone",
        "not evaluated",
        "dibao change (yuan)",
        "candidates",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows: Vec<Vec<String>> = districts
        .iter()
        .map(|(label, f)| {
            vec![
                label.clone(),
                f.monitored.to_string(),
                sum(&f.entered).to_string(),
                sum(&f.left).to_string(),
                f.still_monitored.to_string(),
                f.new.to_string(),
                f.gone.to_string(),
                f.not_evaluated.to_string(),
                yuan(f.dibao_change_fen),
                f.candidates.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "total".to_owned(),
        t.monitored.to_string(),
        sum(&t.entered).to_string(),
        sum(&t.left).to_string(),
        t.still_monitored.to_string(),
        t.new.to_string(),
        t.gone.to_string(),
        t.not_evaluated.to_string(),
        yuan(t.dibao_change_fen),
        t.candidates.to_string(),
    ]);
    section(&mut body, "districts", "Per district", "", &table(&head, &rows));

    let cleared_rows: Vec<(String, f64)> = t
        .guarantee
        .iter()
        .chain(t.local.iter())
        .map(|(code, p)| (labels::both(labels::flag(code), code), p.cleared as f64 - p.found as f64))
        .collect();
    let problem_head: Vec<String> =
        ["kind", "found", "cleared", "outstanding", &format!("outstanding > {} rounds", b.rounds_for_elimination)]
            .map(str::to_owned)
            .to_vec();
    let mut content = svg::signed_bars("clearing", "Problems cleared minus found, by kind", &cleared_rows);
    content.push_str(&table(&problem_head, &problem_rows(&t.guarantee)));
    if !t.local.is_empty() {
        content.push_str("<p class=\"note\">District flags (local.*), listed apart:</p>");
        content.push_str(&table(&problem_head, &problem_rows(&t.local)));
    }
    section(
        &mut body,
        "problems",
        "Guarantee problems (动态清零)",
        "Found: flagged now, not in the previous round. Cleared: flagged before, present and not flagged now. \
         Outstanding: flagged now.",
        &content,
    );

    let programs: std::collections::BTreeSet<&String> = t.gained.keys().chain(t.lost.keys()).collect();
    let rows: Vec<Vec<String>> = programs
        .iter()
        .map(|p| {
            vec![
                labels::both(labels::programme(p), p),
                t.gained.get(*p).copied().unwrap_or(0).to_string(),
                t.lost.get(*p).copied().unwrap_or(0).to_string(),
            ]
        })
        .collect();
    let head = ["programme", "gained", "lost"].map(str::to_owned).to_vec();
    let note = format!(
        "Total dibao {} yuan, was {} yuan. Households present in both rounds.",
        yuan(t.dibao_fen),
        yuan(t.dibao_fen_before)
    );
    section(&mut body, "programmes", "Programme eligibility", &note, &table(&head, &rows));

    let head = ["household", "district", "rounds: per-capita income, plugin version"].map(str::to_owned).to_vec();
    let rows: Vec<Vec<String>> = b
        .candidates
        .iter()
        .map(|c| {
            let evidence: Vec<String> = c
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{}: {} ({} {})",
                        e.round,
                        e.per_capita_income.map_or("-".to_owned(), |i| format!("{i:.2}")),
                        e.plugin.as_deref().unwrap_or("-"),
                        e.plugin_version.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            vec![c.household_id.clone(), district_label(&c.district), evidence.join("; ")]
        })
        .collect();
    let note = format!(
        "Monitored before, out of every category with no guarantee flag for each of the last {} rounds, \
         and a resident who can work. Eliminating a risk stays an official procedure.",
        b.rounds_for_elimination
    );
    section(&mut body, "candidates", "Risk-elimination candidates (风险消除)", &note, &table(&head, &rows));

    let mut listed = String::new();
    for (title, list) in [("New", &b.new), ("Gone", &b.gone), ("Not evaluated", &b.not_evaluated)] {
        let ids: Vec<&str> = list.iter().map(|l| l.household_id.as_str()).collect();
        let _ = writeln!(listed, "<p><b>{title} ({})</b>: {}</p>", ids.len(), svg::escape(&ids.join(", ")));
    }
    section(&mut body, "listed", "Households in one round only", "", &listed);
    page(&format!("Monitoring bulletin {}", b.round), &body)
}
