//! `rulehost serve` over loopback: every endpoint and error status with its
//! exact body, the hostile plugins served next to healthy districts, the
//! batch stream against `rulehost batch`, auth, metrics and the OpenAPI
//! document. `serve_ops.rs` has overload, reload, shutdown and the state
//! check.

#[path = "serve/client.rs"]
mod client;
#[path = "serve/common.rs"]
mod common;
#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;
#[path = "serve/server.rs"]
#[expect(dead_code, reason = "signals and the admin listener are for serve_ops.rs")]
mod server;

use std::path::Path;
use std::time::{Duration, Instant};

use client::{get, post, send};
use common::{LOOP, MEMORY, PANIC, household, registry};
use serde_json::{Value, json};
use server::Server;

/// `rulehost batch` over `lines`: its records, one per line.
fn batch_records(registry: &Path, dir: &Path, lines: &[u8], extra: &[&str]) -> Vec<u8> {
    let input = dir.join("in.jsonl");
    let output = dir.join("out.jsonl");
    std::fs::write(&input, lines).unwrap_or_else(|e| panic!("{e}"));
    let (registry, input_s, output_s) =
        (registry.display().to_string(), input.display().to_string(), output.display().to_string());
    let mut args = vec!["batch", "--registry", &registry, "--input", &input_s, "--output", &output_s, "-q"];
    args.extend_from_slice(extra);
    let out = harness::run_bin(env!("CARGO_BIN_EXE_rulehost"), &args, "rulehost-serve-test-cache");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", harness::text(&out.stderr));
    std::fs::read(&output).unwrap_or_else(|e| panic!("{e}"))
}

/// A record with its `line` set to 1, as `/v1/evaluate` writes it.
fn as_line_one(record: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(record);
    let rest = text.split_once(',').map(|(_, rest)| rest).unwrap_or_default();
    format!("{{\"line\":1,{rest}").into_bytes()
}

#[test]
fn evaluate_answers_every_household_with_the_batch_record_and_status() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &[]);
    let mut cases: Vec<(Vec<u8>, u16)> = harness::fixtures("households")
        .iter()
        .map(|(stem, _)| (household(&format!("{stem}.json"), None), 200))
        .collect();
    for (stem, _) in harness::fixtures("invalid") {
        let text = std::fs::read(harness::root().join("tests/fixtures/invalid").join(format!("{stem}.json")))
            .unwrap_or_default();
        let line: Vec<u8> = text.into_iter().filter(|&b| b != b'\n').collect();
        cases.push((line, 422));
    }
    cases.push((b"{not json".to_vec(), 400));
    cases.push((b"{\"household_id\": \"\xff\"}".to_vec(), 400));
    cases.push((household("02-below-monitoring-line.json", Some("500999")), 422)); // unknown district
    cases.push((household("02-below-monitoring-line.json", Some(LOOP)), 200));
    cases.push((household("02-below-monitoring-line.json", Some(MEMORY)), 200));
    cases.push((household("02-below-monitoring-line.json", Some(PANIC)), 200));
    let lines: Vec<u8> = cases.iter().flat_map(|(c, _)| c.iter().copied().chain([b'\n'])).collect();
    let expected = batch_records(&registry, dir.path(), &lines, &[]);
    let expected: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(expected.len(), cases.len());
    let mut kinds = Vec::new();
    for ((body, status), record) in cases.iter().zip(expected) {
        let answer = post(server.addr, "/v1/evaluate", body);
        assert_eq!(answer.body, as_line_one(record), "{}", String::from_utf8_lossy(body));
        let value = answer.json();
        let kind = value["error"]["kind"].as_str().unwrap_or("-").to_owned();
        assert_eq!(answer.status, *status, "{kind}: {}", answer.text());
        assert_eq!(answer.header("content-type"), Some("application/json"));
        kinds.push((value["status"].as_str().unwrap_or_default().to_owned(), kind));
    }
    for wanted in ["not_json", "not_utf8", "schema", "unknown_district", "timeout", "memory_limit", "trap"] {
        assert!(kinds.iter().any(|(_, k)| k == wanted), "no `{wanted}` among {kinds:?}");
    }
    assert!(kinds.iter().filter(|(s, _)| s == "ok").count() >= 30, "{kinds:?}");
    assert!(kinds.iter().any(|(s, k)| s == "plugin_error" && k == "timeout"));
}

#[test]
fn evaluate_refuses_a_large_body_a_bad_date_and_a_date_before_every_parameter_set() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &["--max-body-bytes", "4096"]);
    let large = post(server.addr, "/v1/evaluate", &vec![b' '; 5000]);
    assert_eq!(large.status, 400);
    assert_eq!(
        large.text(),
        "{\"line\":1,\"household_id\":null,\"district_code\":null,\"as_of\":null,\"plugin\":null,\
         \"status\":\"rejected\",\"monitoring\":null,\"monitoring_reason\":null,\"flags\":[],\"decisions\":[],\
         \"derived\":null,\"error\":{\"kind\":\"line_too_long\",\"message\":\"line is 5000 bytes long; \
         the limit is 4096 bytes\"}}\n"
    );
    let body = household("02-below-monitoring-line.json", None);
    let bad_date = post(server.addr, "/v1/evaluate?as_of=2023-02-30", &body);
    assert_eq!(bad_date.status, 400);
    assert_eq!(
        bad_date.text(),
        "{\"error\":{\"kind\":\"bad_request\",\"message\":\"`as_of` is `2023-02-30`, which is not a calendar date written YYYY-MM-DD\"}}\n"
    );
    let early = post(server.addr, "/v1/evaluate?as_of=2020-12-31", &body);
    assert_eq!(early.status, 422);
    let record = early.json();
    assert_eq!(record["error"]["kind"], "no_parameters");
    assert_eq!(record["status"], "rejected");
    assert_eq!(record["as_of"], Value::Null);
    let late = post(server.addr, "/v1/evaluate?as_of=2023-01-01", &body);
    assert_eq!((late.status, late.json()["as_of"].clone()), (200, json!("2023-01-01")));
    let missing = get(server.addr, "/v1/nothing");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.text(),
        "{\"error\":{\"kind\":\"not_found\",\"message\":\"no such route; see /v1/openapi.json\"}}\n"
    );
    assert_eq!(get(server.addr, "/v1/evaluate").status, 405);
}

#[test]
fn hostile_plugins_fail_their_households_while_other_districts_succeed_concurrently() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &[]);
    let addr = server.addr;
    let started = Instant::now();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            std::thread::spawn(move || {
                let district = [LOOP, MEMORY, PANIC, "500101", "500229", "500242"][t];
                let body = household("06-below-dibao-line.json", Some(district));
                (0..8)
                    .map(|_| post(addr, "/v1/evaluate", &body))
                    .map(|a| (district, a.status, a.json()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<(&str, u16, Value)> =
        threads.into_iter().flat_map(|t| t.join().unwrap_or_else(|_| panic!("client thread"))).collect();
    assert_eq!(answers.len(), 48);
    for (district, status, record) in &answers {
        assert_eq!(*status, 200, "{record}");
        let want = match *district {
            LOOP => ("plugin_error", Some("timeout")),
            MEMORY => ("plugin_error", Some("memory_limit")),
            PANIC => ("plugin_error", Some("trap")),
            _ => ("ok", None),
        };
        assert_eq!((record["status"].as_str().unwrap_or_default(), record["error"]["kind"].as_str()), want);
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn batch_streams_the_records_rulehost_batch_writes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &["--max-line-bytes", "65536"]);
    let mut lines = harness::sample(1500, 7);
    lines.extend_from_slice(b"{not json\n\n");
    lines.extend_from_slice(&household("02-below-monitoring-line.json", Some(LOOP)));
    lines.push(b'\n');
    lines.extend(std::iter::repeat_n(b'x', 70_000));
    lines.push(b'\n');
    let first = lines.split(|&b| b == b'\n').next().unwrap_or_default().to_vec();
    lines.extend_from_slice(&first); // a repeated household id
    lines.push(b'\n');
    lines.extend_from_slice(&harness::sample(800, 8));
    let expected = batch_records(&registry, dir.path(), &lines, &["--max-line-bytes", "65536"]);
    let answer = send(server.addr, "POST", "/v1/batch", &[("Content-Type", "application/x-ndjson")], &lines);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(answer.header("transfer-encoding"), Some("chunked"), "streamed, not buffered");
    assert_eq!(answer.body.iter().filter(|&&b| b == b'\n').count(), 2305);
    assert!(answer.body == expected, "the streamed records differ from `rulehost batch`'s");
    let text = answer.text();
    for kind in ["not_json", "line_too_long", "duplicate_household_id", "timeout"] {
        assert!(text.contains(&format!("\"kind\":\"{kind}\"")), "{kind}");
    }
    let dated = send(server.addr, "POST", "/v1/batch?as_of=2024-06-30", &[], &harness::sample(10, 1));
    assert_eq!(dated.body.split(|&b| b == b'\n').filter(|l| l.starts_with(b"{")).count(), 10);
    assert!(dated.text().lines().all(|l| l.contains("\"as_of\":\"2024-06-30\"")));
}

#[test]
fn plugins_parameters_and_probes_answer_exactly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &[]);
    assert_eq!(get(server.addr, "/healthz").text(), "{\"status\":\"ok\"}\n");
    let ready = get(server.addr, "/readyz").json();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["generation"], 1);
    let fingerprint = ready["fingerprint"].as_str().unwrap_or_default().to_owned();
    assert_eq!(fingerprint.len(), 64);

    let plugins = get(server.addr, "/v1/plugins").json();
    assert_eq!(plugins["fingerprint"], json!(fingerprint));
    let names = [
        "dibao_line",
        "employment_min_months",
        "hardship_expenditure_ratio",
        "income_drop_ratio",
        "monitoring_income_line",
    ];
    let listed: Vec<Value> = plugins["plugins"].as_array().cloned().unwrap_or_default();
    let entry = |name: &str| listed.iter().find(|p| p["name"] == name).cloned().unwrap_or(Value::Null);
    let sha = |package: &str| rulehost::sha256_hex(&std::fs::read(harness::plugin(package)).unwrap_or_default());
    let baseline = entry("baseline");
    assert_eq!(baseline["sha256"], json!(sha("rulehost-baseline")));
    assert_eq!(baseline["default"], true);
    assert_eq!(baseline["districts"], json!([]));
    let mut declared: Vec<String> = baseline["parameters"]["names"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    declared.sort();
    assert_eq!(declared, names);
    let looping = entry("loop");
    assert_eq!(looping["districts"], json!([LOOP]));
    assert_eq!(looping["default"], false);
    assert_eq!(looping["sha256"], json!(sha("test-loop")));
    assert_eq!(looping["limits"]["timeout_ms"], 300);
    assert_eq!(listed.len(), 4);

    let params = get(server.addr, "/v1/parameters?district=500101&as_of=2023-06-30");
    assert_eq!(params.status, 200);
    let p = params.json();
    assert_eq!(p["district_code"], "500101");
    assert_eq!(p["plugin"]["name"], "baseline");
    assert_eq!(p["parameters"]["valid_from"], "2023-01-01");
    assert_eq!(p["parameters"]["values"]["monitoring_income_line"], 6900.0);
    assert_eq!(p["parameters"]["values"]["dibao_line"], 6000.0);
    let early = get(server.addr, "/v1/parameters?district=500101&as_of=2020-06-30");
    assert_eq!(early.status, 422);
    assert_eq!(early.json()["error"]["kind"], "no_parameters");
    let unknown = get(server.addr, "/v1/parameters?district=500999&as_of=2023-06-30");
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.text(),
        "{\"error\":{\"kind\":\"unknown_district\",\"message\":\"district `500999` is not served by any plugin in the registry\"}}\n"
    );
    let missing = get(server.addr, "/v1/parameters?district=500101");
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.text(),
        "{\"error\":{\"kind\":\"bad_request\",\"message\":\"give `district` and `as_of` (YYYY-MM-DD)\"}}\n"
    );
}

#[test]
fn explain_gives_the_record_with_the_district_and_the_parameters_in_force() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(&registry(dir.path()), &[]);
    let body = household("02-below-monitoring-line.json", None);
    let record = post(server.addr, "/v1/evaluate", &body).json();
    let explained = post(server.addr, "/v1/explain", &body);
    assert_eq!(explained.status, 200);
    let view = explained.json();
    assert_eq!(view["record"], record);
    assert_eq!(view["district_name"], "万州区");
    assert_eq!(view["parameters"]["valid_from"], "2023-01-01");
    assert_eq!(view["parameters"]["values"]["monitoring_income_line"], 6900.0);
    let rejected = post(server.addr, "/v1/explain", b"{");
    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.json()["record"]["error"]["kind"], "not_json");
    assert_eq!(rejected.json()["parameters"], Value::Null);
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_served() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(&registry(dir.path()), &[]);
    let doc = get(server.addr, "/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .map(|paths| {
            paths
                .iter()
                .flat_map(|(p, ops)| ops.as_object().into_iter().flatten().map(|(m, _)| (m.clone(), p.clone())))
                .collect()
        })
        .unwrap_or_default();
    documented.sort();
    let mut routes: Vec<(String, String)> =
        rulehost::serve::ROUTES.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    routes.sort();
    assert_eq!(documented, routes);
    // Every documented route is served (not 404 or 405) and its other methods are not.
    for (method, path) in &documented {
        let answer = send(server.addr, &method.to_uppercase(), path, &[], b"");
        assert!(![404, 405].contains(&answer.status), "{method} {path}: {}", answer.status);
        let other = if method == "get" { "POST" } else { "GET" };
        assert_eq!(send(server.addr, other, path, &[], b"").status, 405, "{other} {path}");
    }
    assert_eq!(send(server.addr, "POST", "/v1/admin/reload", &[], b"").status, 404, "admin is on its own listener");
}

#[test]
fn metrics_count_requests_evaluations_and_plugin_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(&registry(dir.path()), &[]);
    for _ in 0..3 {
        post(server.addr, "/v1/evaluate", &household("02-below-monitoring-line.json", None));
    }
    post(server.addr, "/v1/evaluate", &household("02-below-monitoring-line.json", Some(PANIC)));
    post(server.addr, "/v1/evaluate", b"{");
    let fingerprint = get(server.addr, "/readyz").json()["fingerprint"].as_str().unwrap_or_default().to_owned();
    let metrics = get(server.addr, "/metrics");
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4"));
    let text = metrics.text();
    for line in [
        "rulehost_http_requests_total{route=\"/v1/evaluate\",status=\"200\"} 4",
        "rulehost_http_requests_total{route=\"/v1/evaluate\",status=\"400\"} 1",
        "rulehost_http_request_duration_seconds_count{route=\"/v1/evaluate\"} 5",
        "rulehost_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"+Inf\"} 5",
        "rulehost_evaluations_total{plugin=\"baseline\",status=\"ok\"} 3",
        "rulehost_evaluations_total{plugin=\"panic\",status=\"plugin_error\"} 1",
        "rulehost_evaluations_total{plugin=\"-\",status=\"rejected\"} 1",
        "rulehost_plugin_errors_total{plugin=\"panic\",kind=\"trap\"} 1",
        "rulehost_http_requests_in_flight 1",
        "rulehost_registry_reload_failures_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
    }
    assert!(text.contains(&format!("rulehost_registry_info{{fingerprint=\"{fingerprint}\",generation=\"1\"}} 1")));
}

#[test]
fn a_bearer_token_is_required_except_for_the_probes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "# field apps\nfield-app-secret\n").unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(&registry(dir.path()), &["--tokens", &tokens.display().to_string()]);
    assert_eq!(get(server.addr, "/healthz").status, 200);
    assert_eq!(get(server.addr, "/readyz").status, 200);
    let body = household("02-below-monitoring-line.json", None);
    let refused = post(server.addr, "/v1/evaluate", &body);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        refused.text(),
        "{\"error\":{\"kind\":\"unauthorized\",\"message\":\"a valid bearer token is required\"}}\n"
    );
    let wrong = send(server.addr, "GET", "/metrics", &[("Authorization", "Bearer field-app-secreT")], b"");
    assert_eq!(wrong.status, 401);
    let right = send(server.addr, "POST", "/v1/evaluate", &[("Authorization", "Bearer field-app-secret")], &body);
    assert_eq!((right.status, right.json()["status"].clone()), (200, json!("ok")));
}
