//! 酉阳县 (500242). What differs from the municipal baseline:
//! - `local.elderly_alone`: every resident is aged 70 or more;
//! - employment support below 9 months of work instead of 6 (the
//!   district's parameter file sets `employment_min_months = 9`).

use rulehost_sdk::{EvalError, Evaluation, Facts, Flag, Params, Rules, Severity};

/// Age from which a household of residents counts as elderly alone.
const ELDERLY_AGE: i32 = 70;

pub struct Youyang;

impl Rules for Youyang {
    const NAME: &'static str = "youyang";
    const VERSION: &'static str = "1.0.0";
    const DISTRICTS: &'static [&'static str] = &["500242"];

    fn adjust(facts: &Facts<'_>, _: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {
        evaluation.flags.extend(elderly_alone(facts));
        Ok(())
    }
}

/// 高龄独居: no resident younger than 70.
fn elderly_alone(f: &Facts<'_>) -> Option<Flag> {
    let residents: Vec<u32> = f.residents().map(|(i, _)| i).collect();
    let youngest = residents.iter().map(|&i| f.age(i)).min()?;
    (youngest >= ELDERLY_AGE).then(|| Flag {
        code: "local.elderly_alone".into(),
        severity: Severity::Warning,
        reason: format!(
            "常住成员 {} 人均年满 {ELDERLY_AGE} 周岁（最年轻 {youngest} 周岁），属高龄独居家庭",
            residents.len()
        ),
        members: residents,
    })
}

rulehost_sdk::export_plugin!(Youyang);
