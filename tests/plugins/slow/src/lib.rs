//! The baseline, evaluated ten times over: slow but within its budget, so
//! its results are the baseline's.
use rulehost_sdk::baseline::{self, BaselineParams};
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct Slow;

impl Rules for Slow {
    const NAME: &'static str = "slow";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let p = BaselineParams::from_params(params)?;
        for _ in 0..9 {
            std::hint::black_box(baseline::evaluate(std::hint::black_box(household), &p, as_of)?);
        }
        baseline::evaluate(household, &p, as_of)
    }
}

rulehost_sdk::export_plugin!(Slow);
