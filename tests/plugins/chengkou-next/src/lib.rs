//! The next version of 城口县's plugin, for the test of a plugin upgraded
//! between two monitoring rounds: same name, version 1.1.0, and a monitoring
//! line of the municipal line plus twice the district supplement (so some
//! households enter monitoring because the rules changed, not the
//! households). No `local.*` flag of its own.

use rulehost_sdk::baseline::BaselineParams;
use rulehost_sdk::{EvalError, Params, Rules};

pub struct ChengkouNext;

impl Rules for ChengkouNext {
    const NAME: &'static str = "chengkou";
    const VERSION: &'static str = "1.1.0";
    const DISTRICTS: &'static [&'static str] = &["500229"];
    const EXTRA_PARAMETERS: &'static [&'static str] = &["monitoring_line_supplement"];

    fn parameters(params: &Params<'_>) -> Result<BaselineParams, EvalError> {
        let mut p = BaselineParams::from_params(params)?;
        p.monitoring_income_line += 2.0 * params.get_in("monitoring_line_supplement", 0.0..=100_000.0)?;
        Ok(p)
    }
}

rulehost_sdk::export_plugin!(ChengkouNext);
