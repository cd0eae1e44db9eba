//! `rulehost serve` in operation, over loopback: past the bounds (503 with
//! `Retry-After`, deadlines), reload under load and a tampered plugin,
//! SIGTERM under load, and a plugin keeping state between requests. Every
//! load loop is bounded in count and time.

#[path = "serve/client.rs"]
mod client;
#[path = "serve/common.rs"]
mod common;
#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;
#[path = "serve/server.rs"]
mod server;

use std::time::{Duration, Instant};

use client::{get, post};
use common::{LOOP, household, registry};
use serde_json::{Value, json};
use server::Server;

#[test]
fn past_the_bound_requests_get_503_with_retry_after_at_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let server = Server::start(&registry, &["--workers", "1", "--max-pending", "2", "--deadline-ms", "2000"]);
    let addr = server.addr;
    let slow = household("02-below-monitoring-line.json", Some(LOOP));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let slow = slow.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let answer = post(addr, "/v1/evaluate", &slow);
                (answer, started.elapsed())
            })
        })
        .collect();
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap_or_else(|_| panic!("thread"))).collect();
    let busy: Vec<_> = answers.iter().filter(|(a, _)| a.status == 503).collect();
    let served = answers.iter().filter(|(a, _)| a.status == 200).count();
    assert!(!busy.is_empty() && served >= 1, "{:?}", answers.iter().map(|(a, _)| a.status).collect::<Vec<_>>());
    assert_eq!(busy.len() + served, 6);
    for (answer, took) in &busy {
        assert_eq!(answer.header("retry-after"), Some("1"));
        let kind = answer.json()["error"]["kind"].as_str().unwrap_or_default().to_owned();
        assert!(kind == "overloaded" || kind == "deadline", "{kind}");
        if kind == "overloaded" {
            assert!(*took < Duration::from_millis(250), "refused at once, not queued: {took:?}");
            assert_eq!(
                answer.text(),
                "{\"error\":{\"kind\":\"overloaded\",\"message\":\"2 evaluations are queued or running; try again shortly\"}}\n"
            );
        }
    }
    // A deadline shorter than the evaluation: 503, and the worker's answer is dropped.
    drop(server);
    let server = Server::start(&registry, &["--deadline-ms", "100"]);
    let late = post(server.addr, "/v1/evaluate", &slow);
    assert_eq!(late.status, 503);
    assert_eq!(
        late.text(),
        "{\"error\":{\"kind\":\"deadline\",\"message\":\"no answer within the deadline of 100 ms\"}}\n"
    );
    assert_eq!(post(server.addr, "/v1/evaluate", &household("02-below-monitoring-line.json", None)).status, 200);
}

/// Sends `/v1/evaluate` requests from `threads` threads until `stop` is
/// set (at most `each` per thread): (sent at, answer or error) per request.
type Log = Vec<(Instant, Result<(u16, Value), String>)>;

fn load(
    addr: std::net::SocketAddr,
    threads: usize,
    each: usize,
    bodies: Vec<Vec<u8>>,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<std::thread::JoinHandle<Log>> {
    (0..threads)
        .map(|t| {
            let (stop, bodies) = (std::sync::Arc::clone(stop), bodies.clone());
            std::thread::spawn(move || {
                let mut log = Log::new();
                for i in 0..each {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let sent = Instant::now();
                    let body = &bodies[(t + i) % bodies.len()];
                    let answer = client::try_send(addr, "POST", "/v1/evaluate", &[], body);
                    let failed = answer.is_err();
                    log.push((sent, answer.map(|a| (a.status, a.json())).map_err(|e| e.to_string())));
                    if failed {
                        break;
                    }
                }
                log
            })
        })
        .collect()
}

#[test]
fn reload_swaps_the_registry_under_load_and_refuses_a_tampered_plugin() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry(dir.path());
    let good = std::fs::read_to_string(&registry).unwrap_or_default();
    let mut server = Server::start(&registry, &["--admin-listen", "127.0.0.1:0"]);
    let admin = server.admin.unwrap_or_else(|| panic!("no admin address"));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let bodies =
        vec![household("02-below-monitoring-line.json", None), household("06-below-dibao-line.json", Some("500229"))];
    let clients = load(server.addr, 4, 400, bodies, &stop);
    let mut fingerprints = vec![get(server.addr, "/readyz").json()["fingerprint"].clone()];
    for round in 1..=5 {
        std::fs::write(&registry, format!("# revision {round}\n{good}")).unwrap_or_else(|e| panic!("{e}"));
        let answer = post(admin, "/v1/admin/reload", b"");
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.json()["generation"], round + 1);
        fingerprints.push(answer.json()["fingerprint"].clone());
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let log: Log = clients.into_iter().flat_map(|c| c.join().unwrap_or_else(|_| panic!("client"))).collect();
    assert!(log.len() >= 20, "the load ran: {}", log.len());
    for (_, answer) in &log {
        let (status, record) = answer.as_ref().unwrap_or_else(|e| panic!("a request failed during reload: {e}"));
        assert_eq!((*status, record["status"].as_str()), (200, Some("ok")), "{record}");
    }
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 6, "each revision has its own fingerprint");

    // A plugin file changed behind its pin: refused, and the old registry serves on.
    let tampered = dir.path().join("tampered.wasm");
    let mut bytes = std::fs::read(harness::plugin("rulehost-baseline")).unwrap_or_default();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&tampered, bytes).unwrap_or_else(|e| panic!("{e}"));
    let original = harness::plugin("rulehost-baseline").display().to_string();
    std::fs::write(
        &registry,
        good.replacen(&format!("{original:?}"), &format!("{:?}", tampered.display().to_string()), 1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let refused = post(admin, "/v1/admin/reload", b"");
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["error"]["kind"], "reload_refused");
    assert!(
        refused.json()["error"]["message"].as_str().unwrap_or_default().contains("tampered.wasm"),
        "{}",
        refused.text()
    );
    let ready = get(server.addr, "/readyz").json();
    assert_eq!((ready["generation"].clone(), ready["fingerprint"].clone()), (json!(6), fingerprints[5].clone()));
    let answer = post(server.addr, "/v1/evaluate", &household("02-below-monitoring-line.json", None));
    assert_eq!((answer.status, answer.json()["status"].clone()), (200, json!("ok")));
    assert!(get(server.addr, "/metrics").text().lines().any(|l| l == "rulehost_registry_reload_failures_total 1"));

    // SIGHUP reloads too.
    std::fs::write(&registry, &good).unwrap_or_else(|e| panic!("{e}"));
    server.signal("HUP");
    let started = Instant::now();
    while get(server.addr, "/readyz").json()["generation"] != 7 {
        assert!(started.elapsed() < Duration::from_secs(30), "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(server.addr, "/readyz").json()["fingerprint"], fingerprints[0]);
    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(30)), Some(0));
}

#[test]
fn sigterm_under_load_answers_every_accepted_request_and_exits_0() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut server = Server::start(&registry(dir.path()), &["--drain-ms", "20000"]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Half the households take a third of a second (the loop plugin's deadline).
    let bodies =
        vec![household("02-below-monitoring-line.json", Some(LOOP)), household("02-below-monitoring-line.json", None)];
    let clients = load(server.addr, 4, 200, bodies, &stop);
    std::thread::sleep(Duration::from_millis(700));
    // One household that is certainly in flight at the signal: it takes a third of a second.
    let addr = server.addr;
    let slow = std::thread::spawn(move || {
        let body = household("02-below-monitoring-line.json", Some(LOOP));
        client::try_send(addr, "POST", "/v1/evaluate", &[], &body).map(|a| (a.status, a.json(), Instant::now()))
    });
    std::thread::sleep(Duration::from_millis(150));
    let signalled = Instant::now();
    server.signal("TERM");
    let log: Log = clients.into_iter().flat_map(|c| c.join().unwrap_or_else(|_| panic!("client"))).collect();
    assert_eq!(server.wait(Duration::from_secs(30)), Some(0), "exit 0 after draining");
    // Sent well before the signal: accepted, so answered, whatever was in flight.
    let before: Vec<_> = log.iter().filter(|(sent, _)| *sent + Duration::from_millis(100) < signalled).collect();
    assert!(before.len() >= 4, "{}", before.len());
    let (status, record, answered) = slow
        .join()
        .unwrap_or_else(|_| panic!("client"))
        .unwrap_or_else(|e| panic!("the request in flight at the signal got no answer: {e}"));
    assert!(answered > signalled, "it was in flight at the signal");
    assert_eq!((status, record["error"]["kind"].as_str()), (200, Some("timeout")), "{record}");
    for (_, answer) in &before {
        let (status, record) = answer.as_ref().unwrap_or_else(|e| panic!("an accepted request got no answer: {e}"));
        assert_eq!(*status, 200, "{record}");
        assert!(["ok", "plugin_error"].contains(&record["status"].as_str().unwrap_or_default()));
    }
    assert!(client::try_send(server.addr, "GET", "/healthz", &[], b"").is_err(), "no longer accepting");
}

#[test]
fn a_plugin_keeping_state_between_requests_is_caught_and_its_chunk_evaluated_afresh() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = harness::write_registry(
        dir.path(),
        &[
            ("baseline", "rulehost-baseline", &[]),
            ("stateful", "test-stateful", &["500101"]),
            ("loop", "test-loop", &[LOOP]),
        ],
        true,
    );
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str("\n[plugins.loop.limits]\nfuel = 100000000000\ntimeout_ms = 300\n");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(&path, &["--workers", "1"]);
    let addr = server.addr;
    // The one worker is busy with the loop while eight households queue up: one chunk.
    let busy =
        std::thread::spawn(move || post(addr, "/v1/evaluate", &household("02-below-monitoring-line.json", Some(LOOP))));
    std::thread::sleep(Duration::from_millis(100));
    let names = [
        "01-at-monitoring-line.json",
        "02-below-monitoring-line.json",
        "05-at-dibao-line.json",
        "06-below-dibao-line.json",
    ];
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || post(addr, "/v1/evaluate", &household(names[i % 4], Some("500101"))).json())
        })
        .collect();
    let records: Vec<Value> = threads.into_iter().map(|t| t.join().unwrap_or_else(|_| panic!("thread"))).collect();
    assert_eq!(busy.join().map(|a| a.status).ok(), Some(200));
    for record in &records {
        assert_eq!(record["status"], "ok");
        assert_eq!(record["plugin"]["name"], "stateful");
        let flags = record["flags"].as_array().cloned().unwrap_or_default();
        assert!(flags.iter().all(|f| f["code"] != "test.leaked_state"), "state leaked: {record}");
    }
    let metrics = get(addr, "/metrics").text();
    let caught = metrics
        .lines()
        .find_map(|l| l.strip_prefix("rulehost_stateful_chunks_total{plugin=\"stateful\"} "))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(caught.is_some_and(|n| n >= 1), "the state check caught it: {metrics}");
}
