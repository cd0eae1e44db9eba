//! The service's metrics, written by hand in the Prometheus text format
//! (a metrics crate would bring more than these few families need). Labels
//! are of low cardinality: route, status, plugin, kind; never a household.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::state::Loaded;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Counts {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    evaluations: BTreeMap<(String, &'static str), u64>,
    plugin_errors: BTreeMap<(String, String), u64>,
    stateful: BTreeMap<String, u64>,
    batch_lines: BTreeMap<&'static str, u64>,
    registry: Option<(String, u64)>,
    reload_failures: u64,
}

/// Every family the service exports.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
    in_flight: AtomicI64,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Counts) -> T) -> T {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut counts)
    }

    pub fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// One answered request of `route` (the router's pattern).
    pub fn finished(&self, route: &'static str, status: u16, latency: Duration) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let seconds = latency.as_secs_f64();
        self.with(|c| {
            *c.requests.entry((route, status)).or_default() += 1;
            let h = c.latency.entry(route).or_default();
            if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
                h.counts[i] += 1;
            }
            h.count += 1;
            h.sum += seconds;
        });
    }

    /// `n` records of `status` from `plugin` (`-` when no plugin ran).
    pub fn evaluated(&self, plugin: &str, status: crate::Status, n: u64) {
        self.with(|c| *c.evaluations.entry((plugin.to_owned(), status.as_str())).or_default() += n);
    }

    pub fn plugin_error(&self, plugin: &str, kind: &str) {
        self.with(|c| *c.plugin_errors.entry((plugin.to_owned(), kind.to_owned())).or_default() += 1);
    }

    /// The records of a finished `/v1/batch`, by status.
    pub fn batch_lines(&self, report: &crate::batch::BatchReport) {
        self.with(|c| {
            *c.batch_lines.entry("ok").or_default() += report.ok;
            *c.batch_lines.entry("rejected").or_default() += report.rejected;
            *c.batch_lines.entry("plugin_error").or_default() += report.plugin_errors;
        });
    }

    pub fn stateful(&self, plugin: &str) {
        self.with(|c| *c.stateful.entry(plugin.to_owned()).or_default() += 1);
    }

    pub fn set_registry(&self, loaded: &Loaded) {
        let fingerprint = loaded.registry.fingerprint().to_owned();
        self.with(|c| c.registry = Some((fingerprint, loaded.generation)));
    }

    pub fn reload_failed(&self) {
        self.with(|c| c.reload_failures += 1);
    }

    /// The text exposition (format 0.0.4).
    pub fn render(&self, pending: usize) -> String {
        let mut o = String::with_capacity(4096);
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        self.with(|c| {
            family(&mut o, "rulehost_http_requests_total", "counter", "HTTP requests answered, by route and status.");
            for ((route, status), n) in &c.requests {
                let _ = writeln!(o, "rulehost_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
            family(
                &mut o,
                "rulehost_http_request_duration_seconds",
                "histogram",
                "Time from request to response head.",
            );
            for (route, h) in &c.latency {
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(h.counts) {
                    cumulative += n;
                    let _ = writeln!(
                        o,
                        "rulehost_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    o,
                    "rulehost_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(o, "rulehost_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
                let _ = writeln!(o, "rulehost_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
            }
            family(&mut o, "rulehost_http_requests_in_flight", "gauge", "Requests being handled now.");
            let _ = writeln!(o, "rulehost_http_requests_in_flight {in_flight}");
            family(&mut o, "rulehost_evaluations_pending", "gauge", "Households queued or being evaluated.");
            let _ = writeln!(o, "rulehost_evaluations_pending {pending}");
            family(&mut o, "rulehost_evaluations_total", "counter", "Records written, by plugin and status.");
            for ((plugin, status), n) in &c.evaluations {
                let _ =
                    writeln!(o, "rulehost_evaluations_total{{plugin=\"{}\",status=\"{status}\"}} {n}", escape(plugin));
            }
            family(&mut o, "rulehost_plugin_errors_total", "counter", "plugin_error records, by plugin and kind.");
            for ((plugin, kind), n) in &c.plugin_errors {
                let _ = writeln!(
                    o,
                    "rulehost_plugin_errors_total{{plugin=\"{}\",kind=\"{}\"}} {n}",
                    escape(plugin),
                    escape(kind)
                );
            }
            family(&mut o, "rulehost_batch_records_total", "counter", "Records written by /v1/batch, by status.");
            for (status, n) in &c.batch_lines {
                let _ = writeln!(o, "rulehost_batch_records_total{{status=\"{status}\"}} {n}");
            }
            family(
                &mut o,
                "rulehost_stateful_chunks_total",
                "counter",
                "Chunks evaluated again because a plugin kept state.",
            );
            for (plugin, n) in &c.stateful {
                let _ = writeln!(o, "rulehost_stateful_chunks_total{{plugin=\"{}\"}} {n}", escape(plugin));
            }
            family(&mut o, "rulehost_registry_info", "gauge", "The registry in force: fingerprint and generation.");
            if let Some((fingerprint, generation)) = &c.registry {
                let _ = writeln!(
                    o,
                    "rulehost_registry_info{{fingerprint=\"{fingerprint}\",generation=\"{generation}\"}} 1"
                );
            }
            family(&mut o, "rulehost_registry_reload_failures_total", "counter", "Reloads refused.");
            let _ = writeln!(o, "rulehost_registry_reload_failures_total {}", c.reload_failures);
        });
        o
    }
}

fn family(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
