//! Panics on every household: a trap for that household alone.
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct Panic;

impl Rules for Panic {
    const NAME: &'static str = "panic";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, _: &Params<'_>, _: Date) -> Result<Evaluation, EvalError> {
        let index = household.members.len() + 10;
        let member = household.members.get(index).map(|m| m.resident);
        #[expect(clippy::panic, reason = "the point of this plugin")]
        let resident = member.unwrap_or_else(|| panic!("no member {index}"));
        Err(EvalError::Unsupported(resident.to_string()))
    }
}

rulehost_sdk::export_plugin!(Panic);
