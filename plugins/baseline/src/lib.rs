//! The municipal baseline plugin: every rule of the brief, unchanged. Every
//! district without a plugin of its own runs this one.

pub struct Baseline;

impl rulehost_sdk::Rules for Baseline {
    const NAME: &'static str = "baseline";
    const VERSION: &'static str = "1.0.0";
}

rulehost_sdk::export_plugin!(Baseline);
