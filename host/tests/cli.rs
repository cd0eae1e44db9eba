//! The `rulehost` command line as a user runs it: exit codes, output, and
//! the messages for bad input and refused plugins.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

use std::path::Path;
use std::process::{Command, Output};

use harness::{plugin, root, sample, text, write_registry};
use serde_json::Value;

fn rulehost(args: &[&str]) -> Output {
    harness::run_bin(env!("CARGO_BIN_EXE_rulehost"), args, "rulehost-cli-test-cache")
}

fn baseline() -> String {
    plugin("rulehost-baseline").display().to_string()
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["eval", "--help"],
        vec!["batch", "--help"],
        vec!["sample", "--help"],
        vec!["validate", "--help"],
        vec!["plugin", "inspect", "--help"],
        vec!["build", "--help"],
        vec!["diff", "--help"],
        vec!["explain", "--help"],
        vec!["report", "--help"],
        vec!["test", "--help"],
        vec!["new", "--help"],
        vec!["import", "--help"],
        vec!["export", "--help"],
        vec!["rounds", "--help"],
        vec!["track", "--help"],
        vec!["history", "--help"],
        vec!["serve", "--help"],
    ] {
        let out = rulehost(&args);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: rulehost") && help.len() > 200, "{args:?}: {help}");
    }
}

#[test]
fn eval_prints_a_wanzhou_households_category_flags_and_decisions() {
    let household = "tests/fixtures/households/02-below-monitoring-line.json";
    let out = rulehost(&["eval", "--plugin", &baseline(), household]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record["district_code"], "500101");
    assert_eq!(record["monitoring"], "marginal");
    assert_eq!(record["plugin"]["name"], "baseline");
    let sha = record["plugin"]["sha256"].as_str().unwrap_or_default().to_owned();
    insta::assert_snapshot!("eval_wanzhou_marginal", text(&out.stdout).replace(&sha, "[sha256]"));
}

#[test]
fn eval_as_of_picks_the_parameter_set() {
    // 6000 < per-capita 6450 < 6900: monitored under the 2023 line only.
    let household = "tests/fixtures/households/13-param-switch-2022-12-31.json";
    let monitoring = |as_of: &str| {
        let out = rulehost(&["eval", "--plugin", &baseline(), "--as-of", as_of, "--compact", household]);
        let record: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        record["monitoring"].clone()
    };
    assert_eq!(monitoring("2022-12-31"), Value::Null);
    assert_eq!(monitoring("2023-01-01"), "marginal");
    let out = rulehost(&["eval", "--plugin", &baseline(), "--as-of", "2020-12-31", household]);
    assert_eq!(out.status.code(), Some(1));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record["error"]["kind"], "no_parameters", "an as_of before every set is an error, not a guess");
    let out = rulehost(&["eval", "--plugin", &baseline(), "--as-of", "2023-02-30", household]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`2023-02-30` is not a calendar date"), "{}", text(&out.stderr));
}

#[test]
fn eval_of_a_malformed_household_names_the_pointer_and_exits_1() {
    let out = rulehost(&["eval", "--plugin", &baseline(), "tests/fixtures/invalid/04-employment-months-13.json"]);
    assert_eq!(out.status.code(), Some(1));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record["status"], "rejected");
    assert_eq!(record["error"]["kind"], "schema");
    assert_eq!(record["error"]["pointer"], "/members/0/employment/months");
}

#[test]
fn validate_lists_every_invalid_line_with_its_pointer() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = sample(3, 1);
    let lines: Vec<&[u8]> = good.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut bad: Value = serde_json::from_slice(lines[1]).unwrap_or_else(|e| panic!("{e}"));
    bad["members"][0]["sex"] = Value::String("unknown".into());
    bad["water"]["interruption_days"] = Value::from(400);
    let mut file = Vec::new();
    for l in [lines[0].to_vec(), bad.to_string().into_bytes(), b"{oops".to_vec(), lines[2].to_vec()] {
        file.extend_from_slice(&l);
        file.push(b'\n');
    }
    let path = dir.path().join("households.jsonl");
    std::fs::write(&path, file).unwrap_or_else(|e| panic!("{e}"));
    let p = path.display().to_string();
    let out = rulehost(&["validate", &p]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains(&format!("{p}:2: /members/0/sex: ")), "{report}");
    assert!(report.contains(&format!("{p}:2: /water/interruption_days: ")), "{report}");
    assert!(report.contains(&format!("{p}:3: /: not valid JSON")), "{report}");
    assert!(report.ends_with("4 records, 2 invalid\n"), "{report}");

    let out = rulehost(&["validate", "tests/fixtures/households/01-at-monitoring-line.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout), "1 record, 0 invalid\n");
}

#[test]
fn plugin_inspect_shows_identity_hash_and_imports() {
    let path = baseline();
    let out = rulehost(&["plugin", "inspect", "--json", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info["sha256"], rulehost::sha256_hex(&bytes));
    assert_eq!(info["name"], "baseline");
    assert_eq!(info["contract_version"], "1.0.0");
    assert_eq!(info["imports"], serde_json::json!(["rulehost:rules/types@1.0.0"]));
    assert_eq!(info["parameters"][0], "monitoring_income_line");
}

fn refused(component: &str) -> String {
    let path = root().join("tests/fixtures/components").join(component);
    let out = rulehost(&["plugin", "inspect", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{component} should be refused");
    text(&out.stderr)
}

#[test]
fn plugins_importing_outside_the_rules_world_are_refused_by_name() {
    // A plugin named on the command line may import the deny-all WASI, but
    // nothing beyond its allowlist (and never a foreign interface).
    let err = refused("imports-wasi-http.wat");
    assert!(
        err.contains("imports `wasi:http/outgoing-handler@0.2.0`, which is not on the host's WASI allowlist"),
        "{err}"
    );
    let err = refused("imports-foreign-interface.wat");
    assert!(err.contains("imports `evil:exfiltrate/upload@1.0.0`, which is outside the rules world"), "{err}");
}

#[test]
fn plugins_built_for_another_contract_version_are_refused_with_both_versions() {
    let err = refused("contract-v2.wat");
    assert!(err.contains("built against rules contract 2.0.0, but this host speaks 1.0.0"), "{err}");
    assert!(err.contains("rebuild the plugin"), "{err}");
}

#[test]
fn components_without_the_rules_exports_are_refused() {
    let err = refused("exports-nothing.wat");
    assert!(err.contains("does not implement the rules world"), "{err}");
}

#[test]
fn batch_exit_codes_and_summary() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, sample(300, 9)).unwrap_or_else(|e| panic!("{e}"));
    let output = dir.path().join("out.jsonl");
    let summary = dir.path().join("summary.json");
    let (i, o, s) = (input.display().to_string(), output.display().to_string(), summary.display().to_string());
    let out = rulehost(&["batch", "--registry", &registry, "--input", &i, "--output", &o, "--summary-json", &s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("300 lines: 300 ok, 0 rejected, 0 plugin errors"), "{}", text(&out.stdout));
    assert!(!Path::new(&format!("{o}.partial")).exists(), "the partial file is renamed");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary["total"]["households"], 300);

    // Standard input and output, with one bad line: exit 1.
    let mut with_bad = sample(5, 9);
    with_bad.extend_from_slice(b"[]\n");
    let child = Command::new(env!("CARGO_BIN_EXE_rulehost"))
        .args(["batch", "--registry", &registry, "--input", "-", "--output", "-", "--no-cache"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = child;
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, &with_bad).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 6);
    assert!(text(&out.stderr).contains("6 lines: 5 ok, 1 rejected"), "summary goes to stderr: {}", text(&out.stderr));

    let out = rulehost(&["batch", "--registry", "no-such.toml", "--input", &i, "--output", &o]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such.toml"), "{}", text(&out.stderr));
}

#[test]
fn a_batch_killed_mid_way_leaves_no_half_written_results_and_a_resume_or_rerun_matches() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, sample(20_000, 17)).unwrap_or_else(|e| panic!("{e}"));
    let i = input.display().to_string();
    let run = |output: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rulehost"));
        cmd.args(["batch", "--registry", &registry, "--input", &i, "--quiet", "--jobs", "2", "--output"])
            .arg(output)
            .env("RULEHOST_CACHE_DIR", dir.path().join("cache"));
        cmd
    };
    let killed = dir.path().join("killed.jsonl");
    let partial = dir.path().join("killed.jsonl.partial");
    let mut child = run(&killed).spawn().unwrap_or_else(|e| panic!("{e}"));
    // Wait until records are being written, then kill -9.
    let started = std::time::Instant::now();
    // (4 MiB: a few thousand records, so that `--resume` keeps whole chunks.)
    while std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0) < 4 << 20 && started.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success(), "the batch was killed before it finished");
    assert!(!killed.exists(), "no results file after a kill: only the .partial");

    let whole = dir.path().join("whole.jsonl");
    run(&whole).status().unwrap_or_else(|e| panic!("{e}"));
    let whole_records = std::fs::read(&whole).unwrap_or_default();

    // `--resume` goes on from what the killed run wrote.
    let kept = std::fs::read(&partial).unwrap_or_default();
    let out = run(&killed).arg("--resume").output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let said = text(&out.stderr);
    let kept_lines: u64 = said
        .split("the records of lines 1 to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(kept_lines >= 1024 && kept_lines.is_multiple_of(1024), "whole chunks are kept: {said}");
    assert!(std::fs::read(&killed).unwrap_or_default() == whole_records, "the resumed run equals an uninterrupted run");

    // A plain rerun starts again and gets the same.
    std::fs::remove_file(&killed).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&partial, kept).unwrap_or_else(|e| panic!("{e}"));
    let status = run(&killed).status().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.code(), Some(0));
    run(&whole).status().unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (std::fs::read(&killed).unwrap_or_default(), std::fs::read(&whole).unwrap_or_default());
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 20_000);
    assert!(a == b, "the rerun after a kill equals an uninterrupted run");
    assert!(!partial.exists());
}

/// `--resume` after an interruption at any point (here simulated by cutting
/// the output of a whole run) finishes with the same records, rejects and
/// summary as an uninterrupted run.
#[test]
fn a_resumed_batch_matches_an_uninterrupted_run_wherever_it_was_cut() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    // Households with bad lines and duplicates, some on each side of the cuts.
    let households = sample(4000, 23);
    let lines: Vec<&[u8]> = households.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut input = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        input.extend_from_slice(line);
        input.push(b'\n');
        if n % 700 == 5 {
            input.extend_from_slice(b"{\"not\": \"a household\"}\n");
            input.extend_from_slice(lines[n / 2]); // a duplicate id
            input.push(b'\n');
        }
    }
    let input_path = dir.path().join("in.jsonl");
    std::fs::write(&input_path, &input).unwrap_or_else(|e| panic!("{e}"));
    let path = |name: &str| dir.path().join(name).display().to_string();
    let batch = |name: &str, resume: bool| {
        let (out, rejects, summary) = (path(name), path(&format!("{name}.rejects")), path(&format!("{name}.summary")));
        let mut args = vec!["batch", "--registry", &registry, "--input", input_path.to_str().unwrap_or("")];
        args.extend(["--output", &out, "--rejects", &rejects, "--summary-json", &summary, "--quiet"]);
        if resume {
            args.push("--resume");
        }
        let out = rulehost(&args);
        assert_eq!(out.status.code(), Some(1), "some lines are rejected: {}", text(&out.stderr));
        let summary: Value =
            serde_json::from_slice(&std::fs::read(path(&format!("{name}.summary"))).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{e}"));
        let read = |p: String| std::fs::read(p).unwrap_or_else(|e| panic!("{e}"));
        (read(path(name)), read(path(&format!("{name}.rejects"))), summary, text(&out.stderr))
    };
    let (whole, whole_rejects, whole_summary, _) = batch("whole.jsonl", false);
    assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), 4000 + 12);
    let newline_after =
        |records: usize| whole.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(records - 1).map(|(i, _)| i + 1);
    let chunk_end = newline_after(1024).unwrap_or(0);
    let later = newline_after(2500).unwrap_or(0);
    assert!(!Path::new(&path("whole.jsonl.partial.run")).exists(), "a finished run leaves no run description");
    // What an interrupted run leaves next to its partial output.
    let engine = rulehost::Engine::new(rulehost::Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let loaded = rulehost::Registry::load(&engine, Path::new(&registry), None).unwrap_or_else(|e| panic!("{e}"));
    let described = |as_of| {
        let fingerprint = rulehost::batch::input_fingerprint(&input_path).unwrap_or_else(|e| panic!("{e}"));
        rulehost::batch::run_description(&loaded, as_of, 1 << 20, rulehost::Limits::default(), Some(&fingerprint))
    };
    for (cut, kept) in [(0, 0), (100, 0), (chunk_end, 1024), (later + 37, 2048), (whole.len() - 1, 3072)] {
        let name = format!("cut-{cut}.jsonl");
        std::fs::write(path(&format!("{name}.partial")), &whole[..cut]).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path(&format!("{name}.partial.run")), described(None)).unwrap_or_else(|e| panic!("{e}"));
        let (out, rejects, summary, stderr) = batch(&name, true);
        assert!(stderr.contains(&format!("the records of lines 1 to {kept} are kept")), "cut at {cut}: {stderr}");
        assert!(out == whole, "cut at byte {cut}: the resumed output equals an uninterrupted run");
        assert!(rejects == whole_rejects, "cut at byte {cut}: the rejects too");
        for key in ["lines", "ok", "rejected", "plugin_errors", "total", "districts"] {
            assert_eq!(summary[key], whole_summary[key], "cut at byte {cut}: summary `{key}`");
        }
        assert!(!Path::new(&path(&format!("{name}.partial"))).exists());
    }

    // Nothing to resume: a fresh start.
    let (out, _, _, stderr) = batch("fresh.jsonl", true);
    assert!(stderr.contains("nothing to resume"), "{stderr}");
    assert!(out == whole);

    // A partial output without its run description, or from another run,
    // is refused, not continued.
    let mixed = path("mixed.jsonl");
    std::fs::write(path("mixed.jsonl.partial"), &whole[..chunk_end]).unwrap_or_else(|e| panic!("{e}"));
    let resume =
        || rulehost(&["batch", "--registry", &registry, "--input", &s(&input_path), "--output", &mixed, "--resume"]);
    let out = resume();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("mixed.jsonl.partial.run`, which says what run wrote it, is missing"));
    let other_date = rulehost::sdk::Date::parse("2024-01-01");
    std::fs::write(path("mixed.jsonl.partial.run"), described(other_date)).unwrap_or_else(|e| panic!("{e}"));
    let out = resume();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("it was written by another run"), "{said}");
    assert!(said.contains("was   as of: 2024-01-01"), "{said}");
    assert!(said.contains("now   as of: each household's survey_date"), "{said}");
    assert!(!Path::new(&mixed).exists());
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn explain_shows_a_marginal_households_income_the_line_and_the_parameter_set() {
    let out = rulehost(&[
        "explain",
        "--registry",
        "rulehost.toml",
        "tests/fixtures/households/02-below-monitoring-line.json",
    ]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(report.contains("人均纯收入 per-capita income  6899.99 元"), "{report}");
    assert!(report.contains("marginal: 一般农户人均纯收入 6899.99 元，低于监测收入线 6900 元"), "{report}");
    assert!(report.contains("参数 parameters in force: set valid from 2023-01-01"), "{report}");
    assert!(report.contains("  monitoring_income_line = 6900"), "{report}");
    assert!(report.contains("✔ eligible     medical_tilt"), "{report}");
}

/// Capacity never changes results: a registry with a plugin of its own for
/// each of the 38 districts gives byte-identical records for 1, 2 and 64
/// jobs. With 64 workers each holding a warm instance of every plugin, a
/// fixed pool of instances would run out, and running out must never be
/// recorded as a plugin's failure.
#[test]
fn a_38_plugin_registry_gives_the_same_records_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let districts: Vec<[&str; 1]> = harness::districts().iter().map(|d| [*d]).collect();
    let names: Vec<String> = (0..districts.len()).map(|i| format!("p{i}")).collect();
    let entries: Vec<(&str, &str, &[&str])> =
        names.iter().zip(&districts).map(|(n, d)| (n.as_str(), "rulehost-baseline", &d[..])).collect();
    let registry = write_registry(dir.path(), &entries, false).display().to_string();
    // 66 chunks of 1024 lines: every one of 64 workers gets work.
    let input = dir.path().join("households.jsonl");
    std::fs::write(&input, sample(66 * 1024, 38)).unwrap_or_else(|e| panic!("{e}"));
    let mut outputs = Vec::new();
    for jobs in ["1", "2", "64"] {
        let out = dir.path().join(format!("out-{jobs}.jsonl"));
        let run = rulehost(&[
            "batch",
            "--registry",
            &registry,
            "--input",
            &input.display().to_string(),
            "--output",
            &out.display().to_string(),
            "--jobs",
            jobs,
            "--quiet",
        ]);
        assert_eq!(run.status.code(), Some(0), "--jobs {jobs}: {}", text(&run.stderr));
        outputs.push(std::fs::read(&out).unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(outputs[0].iter().filter(|&&b| b == b'\n').count(), 66 * 1024);
    assert!(outputs[0] == outputs[1], "--jobs 1 and 2 differ");
    assert!(outputs[0] == outputs[2], "--jobs 1 and 64 differ");
}

/// `validate` and `batch` read lines with the same strict reader: over a
/// set of hostile lines, a line is invalid for one exactly when the other
/// rejects it.
#[test]
fn validate_and_batch_agree_on_every_hostile_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = std::fs::read_to_string(root().join("tests/fixtures/households/01-at-monitoring-line.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let good: Value = serde_json::from_str(&good).unwrap_or_else(|e| panic!("{e}"));
    let one = good.to_string();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string().into_bytes()
    };
    let lines: Vec<Vec<u8>> = vec![
        one.clone().into_bytes(),
        // (Other ids: a repeated id is a batch's concern, not a line's.)
        [b"\xEF\xBB\xBF".as_slice(), &with(&|v| v["household_id"] = "bom".into())].concat(),
        [with(&|v| v["household_id"] = "crlf".into()), b"\r".to_vec()].concat(),
        one.replacen("{", "{\"household_id\":\"twice\",", 1).into_bytes(),
        b"\xFF\xFE not utf-8".to_vec(),
        Vec::new(),
        b"   ".to_vec(),
        one.as_bytes()[..one.len() / 2].to_vec(),
        with(&|v| v["members"][0]["sex"] = "m".into()),
        with(&|v| v["unknown"] = 1.into()),
        with(&|v| v["members"][1]["member_id"] = v["members"][0]["member_id"].clone()),
        with(&|v| v["survey_date"] = "2023-02-30".into()),
        b"[1, 2, 3]".to_vec(),
        b"null".to_vec(),
    ];
    let input = dir.path().join("hostile.jsonl");
    let mut bytes = lines.join(&b'\n');
    bytes.push(b'\n');
    std::fs::write(&input, bytes).unwrap_or_else(|e| panic!("{e}"));
    let input = input.display().to_string();

    let validated = rulehost(&["validate", &input]);
    let mut invalid: Vec<u64> = text(&validated.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{input}:")))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect();
    invalid.dedup();
    let output = dir.path().join("out.jsonl").display().to_string();
    rulehost(&["batch", "--registry", "rulehost.toml", "--input", &input, "--output", &output, "--quiet"]);
    let records = std::fs::read_to_string(&output).unwrap_or_else(|e| panic!("{e}"));
    let rejected: Vec<u64> = records
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["status"] == "rejected")
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(records.lines().count(), lines.len(), "one record per line");
    assert_eq!(invalid, rejected, "validate: {}", text(&validated.stdout));
    assert_eq!(invalid, (4..=14).collect::<Vec<u64>>(), "the first three lines are valid, every other is not");
}
