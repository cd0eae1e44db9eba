//! 城口县 (500229). What differs from the municipal baseline:
//! - the monitoring income line is the municipal line plus a district
//!   supplement (`monitoring_line_supplement`, 500 yuan);
//! - `local.migrant_no_income`: a member works outside the county but the
//!   household reports no wage income at all.

use rulehost_sdk::baseline::BaselineParams;
use rulehost_sdk::{EmploymentLocation, EvalError, Evaluation, Facts, Flag, Params, Rules, Severity};

pub struct Chengkou;

impl Rules for Chengkou {
    const NAME: &'static str = "chengkou";
    const VERSION: &'static str = "1.0.0";
    const DISTRICTS: &'static [&'static str] = &["500229"];
    const EXTRA_PARAMETERS: &'static [&'static str] = &["monitoring_line_supplement"];

    fn parameters(params: &Params<'_>) -> Result<BaselineParams, EvalError> {
        let mut p = BaselineParams::from_params(params)?;
        p.monitoring_income_line += params.get_in("monitoring_line_supplement", 0.0..=100_000.0)?;
        Ok(p)
    }

    fn adjust(facts: &Facts<'_>, _: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {
        evaluation.flags.extend(migrant_no_income(facts));
        Ok(())
    }
}

/// 外出务工但家庭无工资性收入.
fn migrant_no_income(f: &Facts<'_>) -> Option<Flag> {
    if f.household.income.wage != 0.0 {
        return None;
    }
    let outside: Vec<u32> =
        f.members().filter(|(_, m)| m.employment.location == EmploymentLocation::Outside).map(|(i, _)| i).collect();
    let who: Vec<String> = outside.iter().map(|i| format!("第{}位成员", i + 1)).collect();
    (!outside.is_empty()).then(|| Flag {
        code: "local.migrant_no_income".into(),
        severity: Severity::Warning,
        reason: format!("{}外出务工，但家庭工资性收入为 0 元，需核实务工收入", who.join("、")),
        members: outside,
    })
}

rulehost_sdk::export_plugin!(Chengkou);
