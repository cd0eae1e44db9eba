//! The monthly bulletin to Excel (`rulehost track --xlsx`), in the export's
//! workbook style (Chinese headers, frozen header row, autofilter, widths,
//! numbers as numbers, yuan to two decimals): the figures per district and
//! in total, entries and exits by category, problems by kind, programme
//! changes, the households listed apart, the risk-elimination candidates
//! with their evidence, and the plugins that changed.

use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::Workbook;

use super::export::{Formats, V, add, finish, start};
use crate::districts::district_name;
use crate::labels;
use crate::rounds::{Bulletin, Figures};

/// Sheet names, in order.
pub const FIGURES: &str = "通报";
pub const CATEGORIES: &str = "纳入与退出";
pub const PROBLEMS: &str = "问题清零";
pub const PROGRAMMES: &str = "帮扶变化";
pub const LISTED: &str = "单列户";
pub const CANDIDATES: &str = "风险消除候选";
pub const PLUGINS: &str = "插件变化";

/// The total's row carries this in the district code column.
pub const TOTAL: &str = "合计";

#[expect(clippy::cast_possible_wrap, reason = "counts are far below 2^63")]
fn int(n: u64) -> V<'static> {
    V::Int(n as i64)
}

#[expect(clippy::cast_precision_loss, reason = "fen totals are far below 2^53")]
fn yuan(fen: i64) -> V<'static> {
    V::Yuan(fen as f64 / 100.0)
}

/// The districts then the total: `(code, name, figures)`.
fn rows(b: &Bulletin) -> Vec<(&str, &str, &Figures)> {
    let mut rows: Vec<(&str, &str, &Figures)> =
        b.districts.iter().map(|(code, f)| (code.as_str(), district_name(code).unwrap_or(""), f)).collect();
    rows.push((TOTAL, "", &b.total));
    rows
}

/// Writes the bulletin `b` as a workbook at `to`.
pub fn write_bulletin(b: &Bulletin, to: &Path) -> anyhow::Result<()> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let n = b.rounds_for_elimination;
    let over_n = format!("超{n}轮未清零");

    let mut t = start(
        &mut wb,
        FIGURES,
        &[
            ("区县代码", 10.0),
            ("区县", 10.0),
            ("监测户", 10.0),
            ("新纳入", 10.0),
            ("退出", 8.0),
            ("持续监测", 10.0),
            ("新增户", 8.0),
            ("消失户", 8.0),
            ("未评估", 8.0),
            ("问题发现", 10.0),
            ("问题清零", 10.0),
            ("问题未清零", 12.0),
            (over_n.as_str(), 14.0),
            ("低保总额(元)", 16.0),
            ("上轮低保总额(元)", 18.0),
            ("低保变化(元)", 16.0),
            ("风险消除候选", 14.0),
        ],
        &f,
    )?;
    for (code, name, x) in rows(b) {
        let problems = x.guarantee.values().chain(x.local.values());
        let (found, cleared, outstanding, long) = problems.fold((0, 0, 0, 0), |(a, b, c, d), p| {
            (a + p.found, b + p.cleared, c + p.outstanding, d + p.outstanding_over_n_rounds)
        });
        let cells = [
            V::Text(code),
            V::Text(name),
            int(x.monitored),
            int(x.entered.values().sum()),
            int(x.left.values().sum()),
            int(x.still_monitored),
            int(x.new),
            int(x.gone),
            int(x.not_evaluated),
            int(found),
            int(cleared),
            int(outstanding),
            int(long),
            yuan(x.dibao_fen),
            yuan(x.dibao_fen_before),
            yuan(x.dibao_change_fen),
            int(x.candidates),
        ];
        add(&mut wb, &mut t, &cells, &f)?;
    }
    finish(&mut wb, &t)?;

    let mut t = start(
        &mut wb,
        CATEGORIES,
        &[("区县代码", 10.0), ("区县", 10.0), ("监测类型", 30.0), ("新纳入", 10.0), ("退出", 8.0)],
        &f,
    )?;
    for (code, name, x) in rows(b) {
        let categories: std::collections::BTreeSet<&String> = x.entered.keys().chain(x.left.keys()).collect();
        for c in categories {
            let cells = [
                V::Text(code),
                V::Text(name),
                V::Owned(labels::both(labels::monitoring(c), c)),
                int(x.entered.get(c).copied().unwrap_or(0)),
                int(x.left.get(c).copied().unwrap_or(0)),
            ];
            add(&mut wb, &mut t, &cells, &f)?;
        }
    }
    finish(&mut wb, &t)?;

    let mut t = start(
        &mut wb,
        PROBLEMS,
        &[
            ("区县代码", 10.0),
            ("区县", 10.0),
            ("类别", 10.0),
            ("代码", 30.0),
            ("名称", 16.0),
            ("发现", 8.0),
            ("清零", 8.0),
            ("未清零", 10.0),
            (over_n.as_str(), 14.0),
        ],
        &f,
    )?;
    for (code, name, x) in rows(b) {
        let kinds = x.guarantee.iter().map(|p| ("三保障", p)).chain(x.local.iter().map(|p| ("区县自定", p)));
        for (kind, (problem, p)) in kinds {
            let cells = [
                V::Text(code),
                V::Text(name),
                V::Text(kind),
                V::Text(problem),
                V::Text(labels::flag(problem).unwrap_or("")),
                int(p.found),
                int(p.cleared),
                int(p.outstanding),
                int(p.outstanding_over_n_rounds),
            ];
            add(&mut wb, &mut t, &cells, &f)?;
        }
    }
    finish(&mut wb, &t)?;

    let mut t = start(
        &mut wb,
        PROGRAMMES,
        &[("区县代码", 10.0), ("区县", 10.0), ("代码", 24.0), ("名称", 16.0), ("获得", 8.0), ("失去", 8.0)],
        &f,
    )?;
    for (code, name, x) in rows(b) {
        let programmes: std::collections::BTreeSet<&String> = x.gained.keys().chain(x.lost.keys()).collect();
        for p in programmes {
            let cells = [
                V::Text(code),
                V::Text(name),
                V::Text(p),
                V::Text(labels::programme(p).unwrap_or("")),
                int(x.gained.get(p).copied().unwrap_or(0)),
                int(x.lost.get(p).copied().unwrap_or(0)),
            ];
            add(&mut wb, &mut t, &cells, &f)?;
        }
    }
    finish(&mut wb, &t)?;

    let mut t = start(
        &mut wb,
        LISTED,
        &[("户编号", 24.0), ("区县代码", 10.0), ("区县", 10.0), ("情况", 28.0), ("上轮状态", 12.0), ("本轮状态", 12.0)],
        &f,
    )?;
    let listed =
        [("新增(上轮无此户)", &b.new), ("消失(本轮无此户)", &b.gone), ("未评估(拒收或插件错误)", &b.not_evaluated)];
    for (what, list) in listed {
        for l in list {
            let (was, now) = l.statuses.as_ref().map_or(("", ""), |(a, b)| (a.as_str(), b.as_str()));
            let cells = [
                V::Text(&l.household_id),
                V::Text(&l.district),
                V::Text(district_name(&l.district).unwrap_or("")),
                V::Text(what),
                V::Text(was),
                V::Text(now),
            ];
            add(&mut wb, &mut t, &cells, &f)?;
        }
    }
    finish(&mut wb, &t)?;

    let mut t = start(
        &mut wb,
        CANDIDATES,
        &[
            ("户编号", 24.0),
            ("区县代码", 10.0),
            ("区县", 10.0),
            ("轮次", 12.0),
            ("人均纯收入(元)", 16.0),
            ("插件", 14.0),
            ("版本", 10.0),
        ],
        &f,
    )?;
    for c in &b.candidates {
        for e in &c.evidence {
            let cells = [
                V::Text(&c.household_id),
                V::Text(&c.district),
                V::Text(district_name(&c.district).unwrap_or("")),
                V::Text(&e.round),
                e.per_capita_income.map_or(V::Blank, V::Yuan),
                V::Text(e.plugin.as_deref().unwrap_or("")),
                V::Text(e.plugin_version.as_deref().unwrap_or("")),
            ];
            add(&mut wb, &mut t, &cells, &f)?;
        }
    }
    finish(&mut wb, &t)?;

    let mut t = start(&mut wb, PLUGINS, &[("插件", 16.0), ("上轮版本", 40.0), ("本轮版本", 40.0)], &f)?;
    for c in &b.plugins_changed {
        let cells = [
            V::Text(&c.name),
            V::Text(c.before.as_deref().unwrap_or("无")),
            V::Text(c.after.as_deref().unwrap_or("无")),
        ];
        add(&mut wb, &mut t, &cells, &f)?;
    }
    finish(&mut wb, &t)?;

    wb.save(to).with_context(|| format!("writing `{}`", to.display()))
}
