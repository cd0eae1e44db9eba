//! Recurses without end: the stack limit must stop it.
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct Recursion;

#[expect(unconditional_recursion, reason = "the point of this plugin")]
fn deeper(n: u64) -> u64 {
    std::hint::black_box(deeper(std::hint::black_box(n) + 1)) + 1
}

impl Rules for Recursion {
    const NAME: &'static str = "recursion";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, _: &Params<'_>, _: Date) -> Result<Evaluation, EvalError> {
        let depth = deeper(u64::from(household.district_code));
        Err(EvalError::Unsupported(depth.to_string()))
    }
}

rulehost_sdk::export_plugin!(Recursion);
