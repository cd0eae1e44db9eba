//! The admin listener's reload, and the reload on SIGHUP: load and verify
//! the registry again, then swap it in whole. Requests in flight finish on
//! the registry they started with; a refused registry leaves the old one
//! serving, and its error is logged.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::reply::{error, json_response};
use super::state::State as Shared;

pub async fn reload(State(state): State<Arc<Shared>>) -> Response {
    match reload_logged(&state).await {
        Ok((fingerprint, generation)) => json_response(
            StatusCode::OK,
            &json!({"status": "reloaded", "fingerprint": fingerprint, "generation": generation}),
        ),
        Err(message) => error(StatusCode::UNPROCESSABLE_ENTITY, "reload_refused", &message),
    }
}

/// Reloads, logging the outcome; the error's text when refused.
pub async fn reload_logged(state: &Arc<Shared>) -> Result<(String, u64), String> {
    match state.reload().await {
        Ok(loaded) => {
            let fingerprint = loaded.registry.fingerprint().to_owned();
            super::log(&json!({"event": "reload", "fingerprint": fingerprint, "generation": loaded.generation}));
            Ok((fingerprint, loaded.generation))
        }
        Err(e) => {
            let message = format!("{e:#}");
            state.metrics.reload_failed();
            super::log(&json!({"event": "reload_refused", "error": message}));
            Err(message)
        }
    }
}
