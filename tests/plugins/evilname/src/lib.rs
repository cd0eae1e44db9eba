//! Names itself with terminal escape sequences: refused at load, with the
//! name shown escaped.
use rulehost_sdk::Rules;

pub struct EvilName;

impl Rules for EvilName {
    const NAME: &'static str = "evil\u{1b}[2J\u{1b}]0;owned\u{7}";
    const VERSION: &'static str = "0.1.0";
}

rulehost_sdk::export_plugin!(EvilName);
