//! `rulehost report` and `rulehost diff --html`: the pages' figures match
//! the results they were made from, and a real browser (headless Chromium)
//! loads them without console errors and draws every chart.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use harness::{plugin, root, sample, text, write_registry};
use serde_json::Value;

fn rulehost(args: &[&str]) -> Output {
    harness::run_bin(env!("CARGO_BIN_EXE_rulehost"), args, "rulehost-report-test-cache")
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// The pages under test, made once per test binary in
/// `target/test-pages/` (kept, so they can be opened by hand).
struct Pages {
    dir: PathBuf,
    results: PathBuf,
    report: PathBuf,
    report_stdout: String,
    diff: PathBuf,
}

fn pages() -> &'static Pages {
    static PAGES: OnceLock<Pages> = OnceLock::new();
    PAGES.get_or_init(|| {
        let dir = root().join("target/test-pages");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        // The baseline everywhere but 城口县, whose plugin panics: plugin errors.
        let registry =
            write_registry(&dir, &[("baseline", "rulehost-baseline", &[]), ("panic", "test-panic", &["500229"])], true);
        let input = dir.join("households.jsonl");
        let mut households = sample(3000, 17);
        households.extend_from_slice(b"{\"not\": \"a household\"}\nnot json\n");
        std::fs::write(&input, &households).unwrap_or_else(|e| panic!("{e}"));
        let results = dir.join("results.jsonl");
        let out = rulehost(&["batch", "--registry", &s(&registry), "--input", &s(&input), "--output", &s(&results)]);
        assert_eq!(out.status.code(), Some(1), "some records fail: {}", text(&out.stderr));

        let report = dir.join("report.html");
        let out = rulehost(&["report", &s(&results), "--html", &s(&report)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let report_stdout = text(&out.stdout);

        let diff = dir.join("diff.html");
        let (baseline, chengkou) = (plugin("rulehost-baseline"), plugin("district-chengkou"));
        let out = rulehost(&[
            "diff",
            "--before",
            &s(&baseline),
            "--after",
            &s(&chengkou),
            "--after-params",
            "plugins/baseline/params.toml",
            "--after-params",
            "plugins/chengkou/params.toml",
            "--input",
            &s(&input),
            "--html",
            &s(&diff),
        ]);
        // The input holds two lines no rule set can read: exit 1, as for
        // `batch`, with the count on standard error.
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("2 of 3002 records before and 2 of 3002 after were rejected or failed"));
        Pages { dir, results, report, report_stdout, diff }
    })
}

fn records(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap_or_default())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The `data-value`s of the marks in the chart with this id, by `data-series`.
fn chart_values(html: &str, id: &str) -> Vec<(String, f64)> {
    let start = html.find(&format!("<svg id=\"{id}\"")).unwrap_or_else(|| panic!("no chart `{id}`"));
    let chart = &html[start..start + html[start..].find("</svg>").unwrap_or(0)];
    chart
        .split("data-series=\"")
        .skip(1)
        .map(|mark| {
            let (series, rest) = mark.split_once('"').unwrap_or_default();
            let value = rest.split("data-value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or_default();
            (series.to_owned(), value.parse().unwrap_or_else(|e| panic!("`{value}` in `{id}`: {e}")))
        })
        .collect()
}

#[test]
fn the_report_counts_what_the_results_file_holds() {
    let pages = pages();
    let records = records(&pages.results);
    assert_eq!(records.len(), 3002);
    let html = read(&pages.report);

    // Rejects and plugin errors by kind, as the results file has them.
    let mut failures: BTreeMap<String, f64> = BTreeMap::new();
    for r in records.iter().filter(|r| r["status"] != "ok") {
        *failures.entry(format!("{} {}", r["status"], r["error"]["kind"])).or_default() += 1.0;
    }
    assert!(failures.contains_key("\"plugin_error\" \"trap\""), "{failures:?}");
    assert!(failures.contains_key("\"rejected\" \"schema\"") && failures.contains_key("\"rejected\" \"not_json\""));
    let drawn: f64 = chart_values(&html, "failures").iter().map(|(_, v)| v).sum();
    assert_eq!(drawn, failures.values().sum::<f64>());
    let chengkou_errors = records.iter().filter(|r| r["district_code"] == "500229").count() as f64;
    assert!(chengkou_errors > 10.0);
    let by_district = chart_values(&html, "failures-by-district");
    assert!(by_district.contains(&("插件错误 plugin error".to_owned(), chengkou_errors)), "{by_district:?}");

    // Every evaluated household is in the income distribution, the
    // lines are the municipal ones in force (2023 set), and the bins
    // below the dibao line hold exactly the households below it.
    let ok: Vec<&Value> = records.iter().filter(|r| r["status"] == "ok").collect();
    let income = chart_values(&html, "income");
    assert_eq!(income.iter().map(|(_, v)| v).sum::<f64>(), ok.len() as f64);
    assert!(html.contains(r#"data-value="6000"><title>低保标准 dibao line: 6000</title>"#));
    assert!(html.contains(r#"data-value="6900"><title>监测收入线 monitoring line: 6900</title>"#));
    let below = ok.iter().filter(|r| r["derived"]["per_capita_income"].as_f64().unwrap_or(0.0) < 6000.0).count();
    let drawn_below: f64 = income.iter().take(12).map(|(_, v)| v).sum();
    assert_eq!(drawn_below, below as f64);

    // Monitoring shares per district: the marks add up to the categories.
    let marginal = ok.iter().filter(|r| r["monitoring"] == "marginal").count();
    assert!(marginal > 0);
    let marks = chart_values(&html, "monitoring").iter().filter(|(s, _)| s.ends_with("(marginal)")).count();
    let districts_with_marginal: std::collections::BTreeSet<&str> =
        ok.iter().filter(|r| r["monitoring"] == "marginal").filter_map(|r| r["district_code"].as_str()).collect();
    assert_eq!(marks, districts_with_marginal.len());

    // The terminal tables and the page's data table say the same total.
    let total = pages.report_stdout.lines().find(|l| l.starts_with("total")).unwrap_or_default().to_owned();
    assert!(total.split_whitespace().nth(1) == Some("3002"), "{}", pages.report_stdout);
    assert!(html.contains("<td>total</td><td>3002</td>"), "the data table has the total row");
    assert!(!html.contains("<script"), "the page runs no scripts");
}

#[test]
fn the_diff_page_shows_every_kind_of_change_with_its_count() {
    let pages = pages();
    let html = read(&pages.diff);
    let json = pages.dir.join("diff.json");
    let out = rulehost(&[
        "diff",
        "--before",
        &s(&plugin("rulehost-baseline")),
        "--after",
        &s(&plugin("district-chengkou")),
        "--after-params",
        "plugins/baseline/params.toml",
        "--after-params",
        "plugins/chengkou/params.toml",
        "--input",
        &s(&pages.dir.join("households.jsonl")),
        "--json",
        &s(&json),
    ]);
    assert_eq!(out.status.code(), Some(1), "two unreadable lines: {}", text(&out.stderr));
    let report: Value = serde_json::from_str(&read(&json)).unwrap_or_else(|e| panic!("{e}"));
    let totals = report["totals"].as_object().cloned().unwrap_or_default();
    assert!(totals.len() >= 3, "城口 changes several kinds of outcome: {totals:?}");
    let drawn = chart_values(&html, "changes");
    assert_eq!(drawn.len(), totals.len());
    for (kind, n) in &totals {
        let n = n.as_f64().unwrap_or_default();
        let signed = if kind.starts_with('-') { -n } else { n };
        let (sign, item) = kind.split_at(1);
        let found = drawn.iter().any(|(s, v)| s.starts_with(sign) && s.contains(item) && *v == signed);
        assert!(found, "{kind} {n}: {drawn:?}");
    }
    assert!(html.contains(&format!("<b>{}</b>有变化 changed", report["changed"])), "the headline count");
    for ids in report["samples"].as_object().into_iter().flat_map(|m| m.values()) {
        for id in ids.as_array().into_iter().flatten() {
            assert!(html.contains(id.as_str().unwrap_or("?")), "sample id {id} is listed");
        }
    }
}

#[test]
fn report_refuses_nothing_silently() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let results = dir.path().join("results.jsonl");
    let mut bytes = std::fs::read(&pages().results).unwrap_or_else(|e| panic!("{e}"));
    bytes.extend_from_slice(b"this is not a record\n{\"status\": \"maybe\"}\n");
    std::fs::write(&results, bytes).unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("page.html");
    let out = rulehost(&["report", &s(&results), "--html", &s(&page)]);
    assert_eq!(out.status.code(), Some(1), "lines that are not records make it exit 1");
    assert!(text(&out.stderr).contains("2 of 3004 lines"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("[3003, 3004]"), "{}", text(&out.stderr));
    assert!(read(&page).contains("2 lines are not evaluation records (lines [3003, 3004])"));

    let out = rulehost(&["report", "no-such-results.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-results.jsonl"), "{}", text(&out.stderr));
}

// ---- The browser ----

/// Debian's Chromium (or `RULEHOST_CHROMIUM`). `scripts/test.sh` installs
/// it when missing; `RULEHOST_SKIP_BROWSER=1` skips these tests on a
/// machine that cannot have it, but never in CI (`CI=true`), where a
/// browser test that did not run must fail, not pass.
fn chromium() -> Option<PathBuf> {
    let in_ci = std::env::var_os("CI").is_some_and(|v| v == "true" || v == "1");
    if std::env::var_os("RULEHOST_SKIP_BROWSER").is_some_and(|v| v == "1") {
        assert!(!in_ci, "RULEHOST_SKIP_BROWSER=1 in CI: the browser test must run there");
        eprintln!("RULEHOST_SKIP_BROWSER=1: skipping the browser test");
        return None;
    }
    if let Some(path) = std::env::var_os("RULEHOST_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
        .find(|p| p.is_file());
    assert!(
        found.is_some(),
        "no chromium on PATH: install Debian's `chromium` (scripts/test.sh does), or set RULEHOST_SKIP_BROWSER=1"
    );
    found
}

/// Collects, in the page, every script error and console error; then
/// measures each chart's marks as laid out and writes it all into
/// `<pre id="probe">` for `--dump-dom`.
const PROBE_HEAD: &str = "<script>window.__errors=[];\
addEventListener('error',e=>__errors.push('error: '+(e.message||(e.target&&(e.target.src||e.target.href)))),true);\
addEventListener('securitypolicyviolation',e=>__errors.push('blocked: '+e.blockedURI));\
const __ce=console.error;console.error=(...a)=>{__errors.push('console: '+a.join(' '));__ce(...a)};</script>";
const PROBE_TAIL: &str = "<script>const __charts=[...document.querySelectorAll('svg.chart')].map(s=>{\
const r=s.getBoundingClientRect();const m=[...s.querySelectorAll('[data-value]')];\
return {id:s.id,width:r.width,height:r.height,marks:m.length,\
drawn:m.filter(x=>{const b=x.getBBox();return b.width>0&&b.height>0}).length,\
total:m.reduce((t,x)=>t+Math.abs(parseFloat(x.dataset.value)),0)}});\
const __p=document.createElement('pre');__p.id='probe';\
__p.textContent=JSON.stringify({errors:__errors,charts:__charts});document.body.appendChild(__p);</script>";

/// What the browser saw: the probe's findings and Chromium's console log.
struct Seen {
    probe: Value,
    console: Vec<String>,
}

/// Opens a copy of `page` with the probe added (and scripts allowed for
/// it) in headless Chromium, and returns what it saw.
fn open_in_chromium(browser: &Path, page: &Path) -> Seen {
    let html = read(page);
    assert!(!html.contains("<script"), "the page itself has no scripts");
    let probed = html
        .replacen("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
        .replacen("<head>", &format!("<head>{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{PROBE_TAIL}</body>"), 1);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = dir.path().join("page.html");
    std::fs::write(&copy, probed).unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,1024",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", copy.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", browser.display()));
    // Read both pipes while it runs: the DOM is larger than a pipe holds.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            text(&bytes)
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let started = Instant::now();
    while child.try_wait().unwrap_or_default().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = stdout.join().unwrap_or_default();
    let log = stderr.join().unwrap_or_default();
    let probe = dom
        .split_once("<pre id=\"probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| json.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("the probe did not run; chromium said:\n{log}\nDOM:\n{dom:.2000}"));
    Seen {
        probe: serde_json::from_str(&probe).unwrap_or_else(|e| panic!("{e}: {probe}")),
        console: log.lines().filter(|l| l.contains("CONSOLE")).map(str::to_owned).collect(),
    }
}

/// Loads without a console message and draws every chart, each with marks
/// that have a size and carry data.
fn assert_renders(seen: &Seen, charts: &[&str]) {
    assert!(seen.console.is_empty(), "console messages: {:#?}", seen.console);
    assert_eq!(seen.probe["errors"], serde_json::json!([]), "errors in the page");
    let drawn: BTreeMap<&str, &Value> =
        seen.probe["charts"].as_array().into_iter().flatten().map(|c| (c["id"].as_str().unwrap_or(""), c)).collect();
    for id in charts {
        let c = drawn.get(id).unwrap_or_else(|| panic!("chart `{id}` missing: {:#}", seen.probe));
        assert!(c["width"].as_f64() > Some(100.0) && c["height"].as_f64() > Some(50.0), "`{id}` is laid out: {c}");
        assert!(c["marks"].as_u64() > Some(0), "`{id}` has marks: {c}");
        assert!(c["drawn"].as_u64() > Some(0), "`{id}` has marks with a size: {c}");
        assert!(c["total"].as_f64() > Some(0.0), "`{id}` carries data: {c}");
    }
}

#[test]
fn the_report_loads_in_chromium_without_errors_and_draws_every_chart() {
    let Some(browser) = chromium() else { return };
    let seen = open_in_chromium(&browser, &pages().report);
    assert_renders(&seen, &["monitoring", "flags", "programmes", "income", "failures", "failures-by-district"]);
}

#[test]
fn the_diff_page_loads_in_chromium_without_errors_and_draws_every_chart() {
    let Some(browser) = chromium() else { return };
    let seen = open_in_chromium(&browser, &pages().diff);
    assert_renders(&seen, &["changes", "changes-by-district"]);
}

#[test]
fn the_browser_check_catches_errors_and_missing_charts() {
    let Some(browser) = chromium() else { return };
    // A broken page: a script error, a console error, a fetch the policy
    // blocks, and a chart with nothing drawn.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("broken.html");
    let broken = read(&pages().report)
        .replacen("<svg id=\"income\"", "<img src=\"https://example.invalid/x.png\"><svg id=\"income\"", 1)
        .replacen("<body>", "<body><svg id=\"empty\" class=\"chart\" width=\"10\" height=\"10\"></svg>", 1);
    std::fs::write(&page, &broken).unwrap_or_else(|e| panic!("{e}"));
    let seen = open_in_chromium(&browser, &page);
    assert!(
        seen.console.iter().any(|l| l.contains("example.invalid")),
        "the blocked fetch is seen: {:#?}",
        seen.console
    );
    let result = std::panic::catch_unwind(|| assert_renders(&seen, &["income"]));
    assert!(result.is_err(), "a page with console errors fails the check");
    let mut probe = seen.probe.clone();
    probe["errors"] = serde_json::json!([]);
    let quiet = Seen { probe, console: vec![] };
    let result = std::panic::catch_unwind(|| assert_renders(&quiet, &["empty"]));
    assert!(result.is_err(), "a chart without marks fails the check");
}
