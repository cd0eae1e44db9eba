//! Hostile plugins and hostile input: every one fails only the households
//! it touches, with a record that names plugin and cause, or is refused at
//! load time with a clear message. The host never dies and every line is
//! accounted for.

use std::time::{Duration, Instant};

use rulehost::batch::{self, BatchOptions};
use rulehost::{Deployment, Engine, HouseholdReader, Limits, ParamFile, Pipeline, Plugin, Registry};
use rulehost_tests::{plugin, root, sample, write_registry};
use serde_json::Value;

/// Small budgets so that hostile households fail fast.
fn limits() -> Limits {
    Limits { fuel: 5_000_000, timeout: Duration::from_secs(5), memory_bytes: 16 << 20, ..Limits::default() }
}

fn single(package: &str, limits: Limits) -> Registry {
    let engine = Engine::new(limits).unwrap_or_else(|e| panic!("{e}"));
    let plugin = Plugin::load(&engine, &plugin(package)).unwrap_or_else(|e| panic!("{e}"));
    let params = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    Registry::single(Deployment::new(plugin, &params).unwrap_or_else(|e| panic!("{e}")))
}

/// Evaluates three households in one worker: (records, seconds taken).
fn evaluate(package: &str, limits: Limits) -> (Vec<Value>, f64) {
    let registry = single(package, limits);
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let mut worker = Pipeline::new(&registry, &reader, None);
    let input = sample(3, 11);
    let started = Instant::now();
    let records = (1u64..)
        .zip(input.split(|&b| b == b'\n').filter(|l| !l.is_empty()))
        .map(|(n, line)| {
            let mut out = Vec::new();
            worker.process(n, line, &mut out);
            serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    (records, started.elapsed().as_secs_f64())
}

/// Every household failed with `kind`, naming the plugin.
fn assert_fails(package: &str, name: &str, kinds: &[&str]) -> Vec<Value> {
    let (records, secs) = evaluate(package, limits());
    assert!(secs < 30.0, "{package} took {secs} s");
    for r in &records {
        assert_eq!(r["status"], "plugin_error", "{package}: {r}");
        assert_eq!(r["plugin"]["name"], name);
        let kind = r["error"]["kind"].as_str().unwrap_or_default();
        assert!(kinds.contains(&kind), "{package}: kind {kind}: {}", r["error"]);
        assert!(r["household_id"].is_string(), "the record still names the household");
    }
    records
}

#[test]
fn an_infinite_loop_runs_out_of_fuel() {
    let records = assert_fails("test-loop", "loop", &["out_of_fuel"]);
    assert!(records[0]["error"]["message"].as_str().unwrap_or_default().contains("fuel budget of 5000000"));
}

#[test]
fn an_infinite_loop_with_fuel_to_spare_hits_the_deadline() {
    let limits = Limits { fuel: u64::MAX / 2, timeout: Duration::from_millis(200), ..limits() };
    let (records, secs) = evaluate("test-loop", limits);
    assert!(secs < 10.0, "three households with a 200 ms deadline took {secs} s");
    assert!(records.iter().all(|r| r["error"]["kind"] == "timeout"), "{records:?}");
}

#[test]
fn unbounded_memory_growth_hits_the_memory_limit() {
    let records = assert_fails("test-memory", "memory", &["memory_limit"]);
    assert!(records[0]["error"]["message"].as_str().unwrap_or_default().contains("memory limit of 16777216 bytes"));
}

#[test]
fn unbounded_recursion_overflows_the_stack_and_traps() {
    let records = assert_fails("test-recursion", "recursion", &["trap"]);
    let message = records[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("stack"), "{message}");
}

#[test]
fn a_panic_traps_that_household_alone() {
    assert_fails("test-panic", "panic", &["trap"]);
}

#[test]
fn a_million_flags_is_refused() {
    assert_fails("test-flood", "flood", &["bad_output", "memory_limit"]);
}

#[test]
fn a_100_mb_reason_is_refused() {
    assert_fails("test-bigreason", "bigreason", &["bad_output", "memory_limit"]);
}

#[test]
fn a_slow_plugin_within_budget_gives_normal_results() {
    let (slow, _) = evaluate("test-slow", Limits::default());
    let (baseline, _) = evaluate("rulehost-baseline", Limits::default());
    let strip = |mut r: Value| {
        r["plugin"] = Value::Null;
        r
    };
    assert!(slow.iter().all(|r| r["status"] == "ok"), "{slow:?}");
    assert_eq!(slow.into_iter().map(strip).collect::<Vec<_>>(), baseline.into_iter().map(strip).collect::<Vec<_>>());
}

fn refused(component: &str) -> String {
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let path = root().join("tests/fixtures/components").join(component);
    Plugin::load(&engine, &path).err().map(|e| e.to_string()).unwrap_or_else(|| panic!("{component} was loaded"))
}

macro_rules! refused_import {
    ($test:ident, $file:literal, $import:literal) => {
        #[test]
        fn $test() {
            let err = refused($file);
            assert!(err.contains(concat!("imports `", $import, "`, which is outside the rules world")), "{err}");
        }
    };
}

refused_import!(wasi_files_are_refused, "imports-wasi-filesystem.wat", "wasi:filesystem/preopens@0.2.0");
refused_import!(wasi_environment_is_refused, "imports-wasi-cli-environment.wat", "wasi:cli/environment@0.2.0");
refused_import!(wasi_clocks_are_refused, "imports-wasi-clocks.wat", "wasi:clocks/wall-clock@0.2.0");
refused_import!(wasi_randomness_is_refused, "imports-wasi-random.wat", "wasi:random/random@0.2.0");
refused_import!(wasi_sockets_are_refused, "imports-wasi-sockets.wat", "wasi:sockets/tcp@0.2.0");
refused_import!(foreign_interfaces_are_refused, "imports-foreign-interface.wat", "evil:exfiltrate/upload@1.0.0");

#[test]
fn a_hostile_plugin_in_a_10000_household_batch_fails_only_its_own_households() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(
        dir.path(),
        &[
            ("baseline", "rulehost-baseline", &[]),
            ("loop", "test-loop", &["500101"]),
            ("memory", "test-memory", &["500229"]),
            ("misbehave", "test-misbehave", &["500238"]),
        ],
        true,
    );
    let engine = Engine::new(limits()).unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::load(&engine, &path, None).unwrap_or_else(|e| panic!("{e}"));
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    // 巫溪's households each ask the misbehaving plugin for another kind of
    // untruthful output (or none, every sixth).
    let ways = ["member_flood", "long_error", "escape_reason", "items", "not_finite", "none"];
    let mut input = Vec::new();
    for (i, line) in sample(10_000, 99).split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        let mut h: Value = serde_json::from_slice(line).unwrap_or_else(|e| panic!("{e}"));
        if h["district_code"] == "500238" {
            h["extensions"] = serde_json::json!({ "500238": ways[i % ways.len()] });
        }
        input.extend_from_slice(h.to_string().as_bytes());
        input.push(b'\n');
    }
    let mut out = Vec::new();
    let started = Instant::now();
    let report = batch::run(&registry, &reader, &mut input.as_slice(), &mut out, None, BatchOptions::default(), &())
        .unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    let records: Vec<Value> =
        out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).filter_map(|l| serde_json::from_slice(l).ok()).collect();
    assert_eq!(records.len(), 10_000, "one record per household");
    let (mut hostile, mut misbehaved, mut honest) = (0, 0, 0);
    for r in &records {
        match r["district_code"].as_str() {
            Some("500101") => {
                hostile += 1;
                assert_eq!(
                    (r["plugin"]["name"].as_str(), r["error"]["kind"].as_str()),
                    (Some("loop"), Some("out_of_fuel"))
                );
            }
            Some("500229") => {
                hostile += 1;
                assert_eq!(
                    (r["plugin"]["name"].as_str(), r["error"]["kind"].as_str()),
                    (Some("memory"), Some("memory_limit"))
                );
            }
            Some("500238") if r["status"] != "ok" => {
                hostile += 1;
                misbehaved += 1;
                assert_eq!(
                    (r["plugin"]["name"].as_str(), r["error"]["kind"].as_str()),
                    (Some("misbehave"), Some("bad_output")),
                    "{r}"
                );
            }
            Some("500238") => honest += 1,
            _ => assert_eq!(r["status"], "ok", "{r}"),
        }
    }
    assert!(hostile > 500, "the sample should give the hostile plugins work: {hostile}");
    assert!(misbehaved > 50 && honest > 5, "巫溪: {misbehaved} refused, {honest} honest");
    assert_eq!((report.lines, report.plugin_errors, report.ok), (10_000, hostile, 10_000 - hostile));
    assert!(secs < 120.0, "bounded time: {secs} s");
}

/// Hostile input, line by line: each bad line gets a rejected record with
/// its line number; nothing panics; the counts add up.
#[test]
fn hostile_input_lines_are_each_rejected_with_their_line_number() {
    let registry = single("rulehost-baseline", Limits::default());
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let good = sample(1, 5);
    let good = good.strip_suffix(b"\n").unwrap_or(&good).to_vec();
    let text = String::from_utf8(good.clone()).unwrap_or_default();
    let v: Value = serde_json::from_slice(&good).unwrap_or_else(|e| panic!("{e}"));
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = v.clone();
        f(&mut v);
        v.to_string().into_bytes()
    };
    let duplicate_key = text.replacen("{", "{\"village\":\"a\",\"village\":\"b\",", 1).into_bytes();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invalid JSON", b"{\"household_id\": ".to_vec(), "not_json"),
        ("invalid UTF-8", vec![b'"', 0xC3, 0x28, b'"'], "not_utf8"),
        ("10 MB line", [b"\"".as_slice(), &vec![b'a'; 10 << 20], b"\""].concat(), "line_too_long"),
        ("nesting 100,000 deep", "[".repeat(100_000).into_bytes(), "not_json"),
        (
            "1e400",
            text.replacen("\"previous_year_income\":", "\"previous_year_income\":1e400,\"x\":", 1).into_bytes(),
            "not_json",
        ),
        ("duplicate keys", duplicate_key, "not_json"),
        ("wrong type", with(&|v| v["food_clothing_secure"] = Value::from("yes")), "schema"),
        (
            "missing field",
            with(&|v| {
                v.as_object_mut().map(|o| o.remove("water"));
            }),
            "schema",
        ),
        ("extra field", with(&|v| v["phone"] = Value::from("123")), "schema"),
        ("empty line", Vec::new(), "not_json"),
        ("JSON but not an object", b"[1, 2, 3]".to_vec(), "schema"),
    ];
    let mut input = Vec::new();
    // A byte-order mark and CRLF line ends are accepted.
    input.extend_from_slice(b"\xEF\xBB\xBF");
    input.extend_from_slice(&good);
    input.extend_from_slice(b"\r\n");
    for (_, line, _) in &cases {
        input.extend_from_slice(line);
        input.push(b'\n');
    }
    // A truncated last line, without its newline.
    input.extend_from_slice(&good[..good.len() / 2]);
    let mut out = Vec::new();
    let options = BatchOptions { jobs: 2, max_line_bytes: 1 << 20, ..BatchOptions::default() };
    let report = batch::run(&registry, &reader, &mut input.as_slice(), &mut out, None, options, &())
        .unwrap_or_else(|e| panic!("{e}"));
    let records: Vec<Value> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(records.len(), cases.len() + 2, "one record per line");
    assert_eq!(records[0]["status"], "ok", "BOM and CRLF: {}", records[0]);
    for (i, (what, _, kind)) in cases.iter().enumerate() {
        let r = &records[i + 1];
        assert_eq!(r["line"], (i + 2) as u64, "{what}");
        assert_eq!(r["status"], "rejected", "{what}: {r}");
        assert_eq!(r["error"]["kind"], *kind, "{what}: {}", r["error"]);
    }
    assert_eq!(
        records.last().map(|r| r["error"]["kind"].clone()),
        Some(Value::from("not_json")),
        "truncated last line"
    );
    assert_eq!((report.lines, report.ok, report.rejected), (cases.len() as u64 + 2, 1, cases.len() as u64 + 1));

    // An empty file: no records, nothing rejected.
    let mut out = Vec::new();
    let report = batch::run(&registry, &reader, &mut [].as_slice(), &mut out, None, BatchOptions::default(), &())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.lines, out.len()), (0, 0));
}

/// `[plugins.NAME.limits]`: each plugin's own budgets, with the command
/// line's as defaults.
#[test]
fn each_plugin_gets_the_budgets_its_registry_entry_sets() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(
        dir.path(),
        &[
            ("baseline", "rulehost-baseline", &[]),
            ("loop", "test-loop", &["500101"]),
            ("memory", "test-memory", &["500229"]),
            ("wordy", "test-echo", &["500230"]),
            ("clock", "test-loop", &["500231"]),
        ],
        true,
    );
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str(
        "\n[plugins.loop.limits]\nfuel = 100_000\n\
         \n[plugins.memory.limits]\nmemory_mib = 4\n\
         \n[plugins.wordy.limits]\noutput_kib = 1\n\
         \n[plugins.clock.limits]\nfuel = 100_000_000_000\ntimeout_ms = 50\n",
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    // The command-line defaults are generous; the registry tightens them.
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::load(&engine, &path, None).unwrap_or_else(|e| panic!("{e}"));
    let fuel = |district| registry.route(district).map(|i| registry.deployments()[i].plugin.limits().fuel);
    assert_eq!((fuel("500101"), fuel("500102")), (Some(100_000), Some(Limits::default().fuel)));
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = sample(1500, 3);
    let mut out = Vec::new();
    let report = batch::run(&registry, &reader, &mut input.as_slice(), &mut out, None, BatchOptions::default(), &())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen = std::collections::BTreeMap::new();
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let r: Value = serde_json::from_slice(line).unwrap_or_else(|e| panic!("{e}"));
        if r["district_code"] == "500230" && r["status"] == "ok" {
            // The echo plugin returns the household as its reason: small
            // households fit under the 1 KiB output limit.
            let len = |v: &Value| v.as_str().map_or(0, str::len);
            let items =
                r["flags"].as_array().into_iter().flatten().chain(r["decisions"].as_array().into_iter().flatten());
            let text: usize = len(&r["monitoring_reason"])
                + items
                    .map(|i| len(&i["reason"]) + len(&i["code"]) + len(&i["program"]) + len(&i["level"]))
                    .sum::<usize>();
            assert!(text <= 1024, "{text} bytes of text passed the 1 KiB limit: {r}");
            continue;
        }
        let expected = match r["district_code"].as_str() {
            Some("500101") => Some(("loop", "out_of_fuel", "fuel budget of 100000 units")),
            Some("500229") => Some(("memory", "memory_limit", "memory limit of 4194304 bytes")),
            // The records name the plugin by its own name, not the entry's.
            Some("500230") => Some(("echo", "bad_output", "its output limit is 1024 bytes")),
            Some("500231") => Some(("loop", "timeout", "time limit of 50ms")),
            _ => None,
        };
        match expected {
            Some((name, kind, message)) => {
                assert_eq!(
                    (r["plugin"]["name"].as_str(), r["error"]["kind"].as_str()),
                    (Some(name), Some(kind)),
                    "{r}"
                );
                let text = r["error"]["message"].as_str().unwrap_or_default();
                assert!(text.contains(message), "{text}");
                *seen.entry(kind).or_insert(0) += 1;
            }
            None => assert_eq!(r["status"], "ok", "{r}"),
        }
    }
    assert_eq!(seen.len(), 4, "every limited plugin had households: {seen:?}");
    assert_eq!(report.lines, 1500);
    assert_eq!(report.plugin_errors, seen.values().sum::<u64>());
}

#[test]
fn budgets_out_of_range_or_misspelt_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let base = std::fs::read_to_string(&path).unwrap_or_default();
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    for (limits, expected) in [
        ("fuel = 5", "plugin `baseline`: limits: `fuel` = 5 is outside 10000..=100000000000"),
        ("timeout_ms = 0", "`timeout_ms` = 0 is outside 10..=60000"),
        ("memory_mib = 4096", "`memory_mib` = 4096 is outside 1..=1024"),
        ("output_kib = 0", "`output_kib` = 0 is outside 1..=1024"),
        ("cpu = 1", "unknown field `cpu`"),
        ("fuel = -1", "invalid value"),
    ] {
        std::fs::write(&path, format!("{base}\n[plugins.baseline.limits]\n{limits}\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        let err = Registry::load(&engine, &path, None).map(|_| ()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(expected), "{limits}: {err}");
    }
}

/// The fixture household of district 500101 with `extensions` naming how
/// the `test-misbehave` plugin should misbehave.
fn misbehaving(way: &str) -> String {
    let text = std::fs::read_to_string(root().join("tests/fixtures/households/01-at-monitoring-line.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut household: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    household["extensions"] = serde_json::json!({ "500101": way });
    household.to_string()
}

/// Every output check is reached by a plugin that stays within its memory,
/// fuel and output budgets (16 MiB, 5,000,000 fuel, 64 KiB): the check
/// itself refuses the output, and says which.
#[test]
fn each_output_check_refuses_untruthful_output_within_every_budget() {
    let registry = single("test-misbehave", limits());
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("items", "257 flags"),
        ("long_reason", "a reason of 5000 bytes"),
        ("bad_code", "code `Test Code!`"),
        ("member_index", "member index 99"),
        ("member_flood", "named 200 members, but the household has 3"),
        ("member_twice", "member index 0 twice"),
        ("not_finite", "not finite"),
        ("amount", "-5 fen"),
        ("escape_reason", "control character"),
        ("long_error", "declined with a message of 80"),
        ("escape_error", "declined with a message holding a control character"),
    ];
    for (way, said) in cases {
        let mut out = Vec::new();
        Pipeline::new(&registry, &reader, None).process(1, misbehaving(way).as_bytes(), &mut out);
        let record: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record["error"]["kind"], "bad_output", "{way}: {record}");
        let message = record["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(said), "{way}: {message}");
        assert!(!message.chars().any(char::is_control), "{way}: the message is safe to print: {message:?}");
    }
    // And an honest household through the same plugin is fine.
    let mut out = Vec::new();
    Pipeline::new(&registry, &reader, None).process(1, misbehaving("none").as_bytes(), &mut out);
    assert!(String::from_utf8_lossy(&out).contains("\"status\":\"ok\""));
}

/// Text that is not UTF-8 in a flag's or a decision's reason is refused
/// as the plugin's failure, however the host checks it.
#[test]
fn text_that_is_not_utf8_is_the_plugins_failure() {
    let registry = single("test-misbehave", limits());
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    for way in ["invalid_utf8_flag", "invalid_utf8_decision"] {
        let mut out = Vec::new();
        Pipeline::new(&registry, &reader, None).process(1, misbehaving(way).as_bytes(), &mut out);
        let record: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record["status"], "plugin_error", "{way}: {record}");
        assert_eq!(record["error"]["kind"], "trap", "{way}: {record}");
        let message = record["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(message, "plugin trapped: incomplete utf-8 byte sequence from index 8", "{way}");
    }
}

#[test]
fn a_plugin_naming_itself_with_escape_sequences_is_refused_at_load() {
    let engine = Engine::new(limits()).unwrap_or_else(|e| panic!("{e}"));
    let err = Plugin::load(&engine, &plugin("test-evilname")).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("is refused: its name \"evil\\u{1b}[2J"), "{err}");
    assert!(!err.chars().any(char::is_control), "the refusal is safe to print: {err:?}");
}

/// The core module of a built test plugin.
fn core_module(package: &str) -> Vec<u8> {
    plugin(package);
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), std::path::PathBuf::from);
    let lib = package.replace('-', "_");
    let path = target.join(format!("wasm/wasm32-unknown-unknown/release/{lib}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The memory budget holds for all of an instance's linear memories
/// together: a component defining extra memories gets no more in total.
#[test]
fn several_memories_share_one_memory_budget() {
    let core = core_module("test-echo");
    let with_memories = |pages: u32, count: usize| {
        let mut wat = wasmprinter::print_bytes(&core).unwrap_or_else(|e| panic!("{e}"));
        let end = wat.rfind(')').unwrap_or_else(|| panic!("no module end"));
        wat.insert_str(end, &format!("(memory {pages})").repeat(count));
        let module = wat::parse_str(&wat).unwrap_or_else(|e| panic!("{e}"));
        rulehost::componentize::componentize(&module).unwrap_or_else(|e| panic!("{e}"))
    };
    let budget = Limits { memory_bytes: 64 << 20, ..limits() };
    let engine = Engine::new(budget).unwrap_or_else(|e| panic!("{e}"));
    // Two extra memories of 20 MiB (320 pages): within 64 MiB together.
    let fits = Plugin::from_bytes(&engine, &with_memories(320, 2), "two-small-memories");
    assert!(fits.is_ok(), "{:?}", fits.err().map(|e| e.to_string()));
    // Two of 40 MiB: each alone is within 64 MiB, together they are not.
    let err =
        Plugin::from_bytes(&engine, &with_memories(640, 2), "two-large-memories").map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("memory limit of 67108864 bytes exceeded"), "{err}");
}
