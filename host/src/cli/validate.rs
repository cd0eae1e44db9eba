//! `rulehost validate`: checks households against the schema, listing every
//! violation with its line and JSON pointer.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::{Failure, HouseholdReader};

/// Check households (a JSON file or JSON Lines) against the household schema.
///
/// Lists every invalid record as `FILE:LINE: POINTER: message`, then a
/// count. Exits 1 when any record is invalid.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A JSON file holding one household, or JSON Lines with one per line; `-` for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let input = super::read_input(&args.file)?;
    let reader = HouseholdReader::new()?;
    let name = args.file.display().to_string();
    // One JSON document (possibly indented), or JSON Lines.
    let records: Vec<(usize, &[u8])> = match serde_json::from_slice::<serde_json::Value>(&input) {
        Ok(_) => vec![(1, input.as_slice())],
        // Every line counts, empty ones too (batch rejects them), but for
        // the empty piece after a final newline.
        Err(_) => input
            .strip_suffix(b"\n")
            .unwrap_or(&input)
            .split(|&b| b == b'\n')
            .enumerate()
            .map(|(i, line)| (i + 1, line))
            .collect(),
    };
    let mut invalid = 0usize;
    for &(line, bytes) in &records {
        let problems = check(&reader, bytes);
        if !problems.is_empty() {
            invalid += 1;
        }
        for p in problems {
            let pointer = p.pointer.as_deref().map(|p| if p.is_empty() { "/" } else { p }).unwrap_or("/");
            println!("{name}:{line}: {pointer}: {}", p.message);
        }
    }
    println!("{} record{}, {invalid} invalid", records.len(), if records.len() == 1 { "" } else { "s" });
    Ok(super::exit(invalid == 0))
}

/// The same strict reading as `batch` (`HouseholdReader::read_line`): a
/// line is valid here exactly when batch accepts it.
fn check(reader: &HouseholdReader, bytes: &[u8]) -> Vec<Failure> {
    reader.refusals(bytes)
}
