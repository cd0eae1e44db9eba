//! The routes: one table that the router, the access log and the OpenAPI
//! document are all built from, so they cannot disagree.

use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use super::state::State;
use super::{access, admin, batch, evaluate, info};

/// Method, path and summary of every route of the service listener.
pub const ROUTES: [(&str, &str, &str); 9] = [
    ("post", "/v1/evaluate", "Evaluate one household: its record, as `rulehost batch` writes it"),
    ("post", "/v1/explain", "Evaluate one household: its record, the district and the parameter set in force"),
    ("post", "/v1/batch", "Evaluate households (JSON Lines), streamed: one record per line, in order"),
    ("get", "/v1/plugins", "Every loaded plugin: name, version, sha256, districts and parameters"),
    ("get", "/v1/parameters", "The parameter set in force for a district on a date"),
    ("get", "/v1/openapi.json", "This document"),
    ("get", "/healthz", "The process is up"),
    ("get", "/readyz", "A registry is loaded and the service answers evaluations"),
    ("get", "/metrics", "Metrics in the Prometheus text format"),
];

/// The route of the admin listener.
pub const ADMIN_ROUTES: [(&str, &str, &str); 1] =
    [("post", "/v1/admin/reload", "Load and verify the registry again, then swap it in")];

/// The route's pattern as a static label (for metrics and the log).
pub fn route_name(matched: Option<&str>) -> &'static str {
    ROUTES
        .iter()
        .chain(&ADMIN_ROUTES)
        .map(|(_, path, _)| *path)
        .find(|path| Some(*path) == matched)
        .unwrap_or("(unmatched)")
}

fn handler(path: &str) -> MethodRouter<Arc<State>> {
    match path {
        "/v1/evaluate" => post(evaluate::evaluate),
        "/v1/explain" => post(evaluate::explain),
        "/v1/batch" => post(batch::batch),
        "/v1/plugins" => get(info::plugins),
        "/v1/parameters" => get(info::parameters),
        "/v1/openapi.json" => get(info::openapi),
        "/healthz" => get(info::healthz),
        "/readyz" => get(info::readyz),
        "/metrics" => get(info::metrics),
        "/v1/admin/reload" => post(admin::reload),
        _ => MethodRouter::new(),
    }
}

fn build(routes: &[(&str, &str, &str)], state: &Arc<State>) -> Router {
    let mut router = Router::new();
    for (_, path, _) in routes {
        router = router.route(path, handler(path));
    }
    router
        .fallback(info::not_found)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(state), access::track))
        .with_state(Arc::clone(state))
}

/// The service listener's router.
pub fn service(state: &Arc<State>) -> Router {
    build(&ROUTES, state)
}

/// The admin listener's router.
pub fn admin(state: &Arc<State>) -> Router {
    build(&ADMIN_ROUTES, state)
}
