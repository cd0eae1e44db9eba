//! Returns a 100 MB reason: more than its memory allows, or refused.
use rulehost_sdk::baseline::{self, BaselineParams};
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct BigReason;

impl Rules for BigReason {
    const NAME: &'static str = "bigreason";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let mut evaluation = baseline::evaluate(household, &BaselineParams::from_params(params)?, as_of)?;
        evaluation.monitoring_reason = Some("很".repeat((100 << 20) / 3));
        Ok(evaluation)
    }
}

rulehost_sdk::export_plugin!(BigReason);
