//! Allocates until it runs out: the memory limit must stop it.
use rulehost_sdk::{Date, EvalError, Evaluation, Household, Params, Rules};

pub struct Memory;

impl Rules for Memory {
    const NAME: &'static str = "memory";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(_: &Household, _: &Params<'_>, _: Date) -> Result<Evaluation, EvalError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut block = Vec::with_capacity(1 << 20);
            block.push(1u8);
            hoard.push(block);
            std::hint::black_box(&hoard);
        }
    }
}

rulehost_sdk::export_plugin!(Memory);
