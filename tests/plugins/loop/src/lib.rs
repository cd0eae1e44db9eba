//! Never returns: the fuel budget (or the deadline) must stop it.
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct Loop;

impl Rules for Loop {
    const NAME: &'static str = "loop";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, _: &Params<'_>, _: Date) -> Result<Evaluation, EvalError> {
        let mut n = u64::from(household.district_code);
        loop {
            n = std::hint::black_box(n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
    }
}

rulehost_sdk::export_plugin!(Loop);
