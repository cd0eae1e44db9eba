//! Any bytes, as one line of a households file, through the whole input
//! path: UTF-8, strict JSON, both schema validators, typed household.
//! The properties are `rulehost_input::check_line`.

#![no_main]

use std::sync::OnceLock;

use rulehost_input::{HouseholdReader, check_line};

fn reader() -> &'static HouseholdReader {
    static READER: OnceLock<HouseholdReader> = OnceLock::new();
    READER.get_or_init(|| HouseholdReader::new().unwrap_or_else(|e| panic!("{e}")))
}

libfuzzer_sys::fuzz_target!(|line: &[u8]| {
    check_line(reader(), line);
});
