//! The answers that evaluate nothing: probes, the loaded plugins, the
//! parameters in force, metrics and the OpenAPI document.

use std::sync::Arc;

use crate::sdk::Date;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::evaluate::parameter_set;
use super::openapi;
use super::reply::{busy, error, json_response};
use super::state::State as Shared;

pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

pub async fn readyz(State(state): State<Arc<Shared>>) -> Response {
    match state.current() {
        Some(loaded) => json_response(
            StatusCode::OK,
            &json!({
                "status": "ready",
                "fingerprint": loaded.registry.fingerprint(),
                "generation": loaded.generation,
            }),
        ),
        None => busy(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no registry is loaded yet"),
    }
}

pub async fn plugins(State(state): State<Arc<Shared>>) -> Response {
    let Some(loaded) = state.current() else {
        return busy(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no registry is loaded yet");
    };
    let registry = &loaded.registry;
    let districts = registry.districts();
    let default = registry.default_deployment().map(|d| d.plugin.identity().name.as_str());
    let plugins: Vec<_> = registry
        .deployments()
        .iter()
        .map(|d| {
            let id = d.plugin.identity();
            let served: Vec<&str> = districts.iter().filter(|(_, p)| **p == id.name).map(|(c, _)| *c).collect();
            let limits = d.plugin.limits();
            json!({
                "name": id.name,
                "version": id.version,
                "sha256": id.sha256,
                "contract_version": d.plugin.info().contract_version,
                "default": default == Some(id.name.as_str()),
                "districts": served,
                "parameters": {
                    "names": d.plugin.info().parameters,
                    "source": d.params.label(),
                    "earliest": d.params.earliest().map(|e| e.to_string()),
                },
                "limits": {
                    "fuel": limits.fuel,
                    "timeout_ms": limits.timeout.as_millis() as u64,
                    "memory_mib": limits.memory_bytes >> 20,
                    "output_kib": limits.output_bytes >> 10,
                },
            })
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"fingerprint": registry.fingerprint(), "generation": loaded.generation, "plugins": plugins}),
    )
}

#[derive(Debug, Deserialize)]
pub struct ParamsQuery {
    district: Option<String>,
    as_of: Option<String>,
}

pub async fn parameters(State(state): State<Arc<Shared>>, query: Query<ParamsQuery>) -> Response {
    let Some(loaded) = state.current() else {
        return busy(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no registry is loaded yet");
    };
    let Query(ParamsQuery { district: Some(district), as_of: Some(as_of) }) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "give `district` and `as_of` (YYYY-MM-DD)");
    };
    let Some(date) = Date::parse(&as_of) else {
        let message = format!("`as_of` is `{as_of}`, which is not a calendar date written YYYY-MM-DD");
        return error(StatusCode::BAD_REQUEST, "bad_request", &message);
    };
    let registry = &loaded.registry;
    let Some(deployment) = registry.route(&district).and_then(|i| registry.deployments().get(i)) else {
        let message = format!("district `{district}` is not served by any plugin in the registry");
        return error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_district", &message);
    };
    let Some(set) = parameter_set(deployment, date) else {
        let earliest = deployment.params.earliest().map_or_else(|| "(none)".to_owned(), |d| d.to_string());
        let message = format!(
            "no parameter set of `{}` is in force on {date}: the earliest is valid from {earliest}",
            deployment.params.label()
        );
        return error(StatusCode::UNPROCESSABLE_ENTITY, "no_parameters", &message);
    };
    json_response(
        StatusCode::OK,
        &json!({
            "district_code": district,
            "as_of": date.to_string(),
            "plugin": deployment.plugin.identity(),
            "parameters": set,
        }),
    )
}

pub async fn metrics(State(state): State<Arc<Shared>>) -> Response {
    let text = state.metrics.render(state.pool.pending());
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

pub async fn openapi() -> Response {
    json_response(StatusCode::OK, &openapi::document())
}

pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such route; see /v1/openapi.json")
}
