//! Around every request: the bearer token (when configured; `/healthz` and
//! `/readyz` stay open), the request metrics, and one JSON line of access
//! log on standard error (route, status, latency, district, plugin; the
//! household id only with `--log-ids`, never a field value).

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::reply::error;
use super::routes::route_name;
use super::state::State as Shared;

/// What a handler tells the access log about its request.
#[derive(Debug, Clone, Default)]
pub struct LogInfo {
    pub district: Option<String>,
    pub plugin: Option<String>,
    pub household_id: Option<String>,
}

/// Routes any caller may reach, token or not: the orchestrator's probes.
const OPEN: [&str; 2] = ["/healthz", "/readyz"];

pub async fn track(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_name(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let method = request.method().clone();
    state.metrics.started();
    let authorised = match &state.tokens {
        Some(tokens) if !OPEN.contains(&route) => {
            tokens.accepts(request.headers().get(header::AUTHORIZATION).map(HeaderValue::as_bytes))
        }
        _ => true,
    };
    let response = if authorised {
        next.run(request).await
    } else {
        let mut response = error(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required");
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    };
    let latency = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.finished(route, status, latency);
    if state.access_log {
        let info = response.extensions().get::<LogInfo>().cloned().unwrap_or_default();
        let ts = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let mut line = json!({
            "ts": ts,
            "method": method.as_str(),
            "route": route,
            "status": status,
            "latency_ms": latency.as_secs_f64() * 1000.0,
            "district": info.district,
            "plugin": info.plugin,
        });
        if let Some(id) = info.household_id {
            line["household_id"] = json!(id);
        }
        let mut text = line.to_string();
        text.push('\n');
        // A full or closed standard error must not fail the request.
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
    response
}
