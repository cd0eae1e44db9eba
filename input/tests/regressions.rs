//! Replays `fuzz/regressions/` (inputs that broke, or stand for hostile
//! input) and the fixture households through the fuzz target's properties.

use std::path::{Path, PathBuf};

use rulehost_input::{FailureKind, HouseholdReader, check_line};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "md"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn every_regression_input_holds_the_properties() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let regressions = files("fuzz/regressions");
    assert!(regressions.len() >= 6, "the regression inputs are there: {regressions:?}");
    for path in &regressions {
        check_line(&reader, &read(path));
    }
}

#[test]
fn the_hostile_regressions_are_refused_for_the_right_reason() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    for (name, kind) in [
        ("deep-nesting", FailureKind::NotJson),
        ("number-out-of-range", FailureKind::NotJson),
        ("duplicate-key", FailureKind::NotJson),
        ("invalid-utf8", FailureKind::NotUtf8),
        ("lone-surrogate-escape", FailureKind::NotJson),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions").join(name);
        let failure = reader.read_line(&read(&path)).err();
        assert_eq!(failure.map(|f| f.kind), Some(kind), "{name}");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/bom-and-crlf");
    assert!(reader.read_line(&read(&path)).is_ok(), "a byte-order mark and CRLF are accepted");
}

#[test]
fn every_fixture_household_holds_the_properties() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = files("tests/fixtures/households");
    assert!(fixtures.len() > 50);
    for path in &fixtures {
        check_line(&reader, &read(path));
    }
}

#[test]
fn the_column_of_a_bad_byte_counts_a_byte_order_mark() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    for (line, column) in [(&b"{\"a\":\xff}"[..], 6), (&b"\xEF\xBB\xBF{\"a\":\xff}"[..], 9)] {
        let failure = reader.read_line(line).err().unwrap_or_else(|| panic!("refused"));
        assert_eq!(failure.kind, FailureKind::NotUtf8);
        assert!(failure.message.ends_with(&format!("column {column})")), "{}", failure.message);
    }
}
