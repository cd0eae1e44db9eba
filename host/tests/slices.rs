//! `rulehost batch` over slices of one input (`--first-line`,
//! `--seen-ids`), as a Spark job runs it one partition at a time: the
//! slices' records, put together, are byte for byte one batch's records.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

use std::path::Path;

use harness::{sample, text, write_registry};
use serde_json::Value;

fn rulehost(args: &[&str]) -> std::process::Output {
    harness::run_bin(env!("CARGO_BIN_EXE_rulehost"), args, "rulehost-slices-test-cache")
}

fn batch(registry: &str, input: &Path, output: &Path, extra: &[&str]) -> (Option<i32>, Vec<u8>) {
    let (i, o) = (input.display().to_string(), output.display().to_string());
    let mut args = vec!["batch", "--registry", registry, "--input", &i, "--output", &o, "--quiet", "--jobs", "2"];
    args.extend_from_slice(extra);
    let run = rulehost(&args);
    assert!(run.status.code() != Some(2), "{extra:?}: {}", text(&run.stderr));
    (run.status.code(), std::fs::read(output).unwrap_or_default())
}

/// Households with hostile lines, an unknown district and repeated ids,
/// some repeated within a slice and some across slices.
fn population() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = sample(3000, 15).split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    lines.retain(|l| !l.is_empty());
    let copy = |lines: &Vec<Vec<u8>>, n: usize| lines[n].clone();
    let (early, mid) = (copy(&lines, 10), copy(&lines, 1500));
    lines.insert(20, early.clone()); // within the first slice
    lines.insert(1200, early); // across slices
    lines.insert(2900, mid); // across slices, from the second into the third
    lines.insert(700, b"{\"not\": \"a household\"}".to_vec());
    lines.insert(1100, b"\xff\xfe garbage".to_vec());
    let mut unknown: Value = serde_json::from_slice(&lines[5]).unwrap_or_else(|e| panic!("{e}"));
    unknown["district_code"] = "510101".into();
    unknown["household_id"] = "from-elsewhere".into();
    lines.insert(1900, unknown.to_string().into_bytes());
    lines
}

fn joined(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect()
}

#[test]
fn slices_numbered_from_their_first_line_and_told_the_ids_before_them_give_one_batchs_records() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    let lines = population();
    let whole = dir.path().join("whole.jsonl");
    std::fs::write(&whole, joined(&lines)).unwrap_or_else(|e| panic!("{e}"));
    let (code, expected) = batch(&registry, &whole, &dir.path().join("whole.out"), &[]);
    assert_eq!(code, Some(1), "the hostile lines are rejected");
    let (_, explicit) = batch(&registry, &whole, &dir.path().join("explicit.out"), &["--first-line", "1"]);
    assert!(explicit == expected, "`--first-line 1` is the default");
    let records: Vec<Value> = expected.split(|&b| b == b'\n').filter_map(|l| serde_json::from_slice(l).ok()).collect();
    assert_eq!(records.len(), lines.len());
    let duplicates = records.iter().filter(|r| r["error"]["kind"] == "duplicate_household_id").count();
    assert_eq!(duplicates, 3);
    assert!(records.iter().any(|r| r["error"]["kind"] == "unknown_district"));

    // Three slices, as three partitions: first the records alone, then the
    // ids of earlier slices' records, as a Spark job learns them.
    let cuts = [0, 1000, 2400, lines.len()];
    let mut ids_before: Vec<String> = Vec::new();
    let mut together = Vec::new();
    for (k, w) in cuts.windows(2).enumerate() {
        let slice = dir.path().join(format!("slice-{k}.jsonl"));
        std::fs::write(&slice, joined(&lines[w[0]..w[1]])).unwrap_or_else(|e| panic!("{e}"));
        let first = (w[0] + 1).to_string();
        let (_, alone) =
            batch(&registry, &slice, &dir.path().join(format!("alone-{k}.out")), &["--first-line", &first]);
        let seen = dir.path().join(format!("seen-{k}.jsonl"));
        let seen_text: String = ids_before.iter().map(|id| format!("{}\n", Value::String(id.clone()))).collect();
        std::fs::write(&seen, seen_text).unwrap_or_else(|e| panic!("{e}"));
        let seen = seen.display().to_string();
        let extra = ["--first-line", &first, "--seen-ids", &seen];
        let (_, told) = batch(&registry, &slice, &dir.path().join(format!("told-{k}.out")), &extra);
        for record in alone.split(|&b| b == b'\n').filter_map(|l| serde_json::from_slice::<Value>(l).ok()) {
            if let Some(id) = record["household_id"].as_str() {
                ids_before.push(id.to_owned());
            }
        }
        together.extend_from_slice(&told);
    }
    assert!(together == expected, "three slices differ from one batch");
}

#[test]
fn bad_slice_options_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, sample(3, 1)).unwrap_or_else(|e| panic!("{e}"));
    let (i, o) = (input.display().to_string(), dir.path().join("out.jsonl").display().to_string());
    let seen = dir.path().join("seen.jsonl");
    std::fs::write(&seen, "\"h1\"\nnot json\n").unwrap_or_else(|e| panic!("{e}"));
    let seen = seen.display().to_string();
    let base = ["batch", "--registry", &registry, "--input", &i, "--output", &o];
    for (extra, expected) in [
        (&["--first-line", "0"][..], "--first-line"),
        (&["--first-line", "5", "--resume"][..], "--resume"),
        (&["--seen-ids", &seen][..], "line 2: expected a household id"),
    ] {
        let run = rulehost(&[&base[..], extra].concat());
        assert_eq!(run.status.code(), Some(2), "{extra:?}");
        assert!(text(&run.stderr).contains(expected), "{extra:?}: {}", text(&run.stderr));
    }
}
