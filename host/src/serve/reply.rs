//! The shapes of the service's own answers: JSON bodies, and errors as
//! `{"error": {"kind", "message"}}`, the way a `rejected` record says why.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A JSON body with a trailing newline (as records are written).
pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// An error the service found, not a household's rejection.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(status, &json!({"error": {"kind": kind, "message": message}}))
}

/// An error that is worth trying again: with `Retry-After: 1`.
pub fn busy(status: StatusCode, kind: &str, message: &str) -> Response {
    let mut response = error(status, kind, message);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
