//! Returns a million flags: refused as bad output (or stopped by a budget).
use rulehost_sdk::baseline::{self, BaselineParams};
use rulehost_sdk::{Date, EvalError, Evaluation, Flag, Household, Params, Rules, Severity};

pub struct Flood;

impl Rules for Flood {
    const NAME: &'static str = "flood";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let mut evaluation = baseline::evaluate(household, &BaselineParams::from_params(params)?, as_of)?;
        evaluation.flags = (0..1_000_000)
            .map(|_| Flag { code: "x".into(), severity: Severity::Info, reason: String::new(), members: Vec::new() })
            .collect();
        Ok(evaluation)
    }
}

rulehost_sdk::export_plugin!(Flood);
