//! `POST /v1/evaluate` and `POST /v1/explain`: one household through the
//! pool, answered with the record `batch` writes for it (or the explain
//! view around that record). 200 for `ok` and `plugin_error`, 400 for a
//! body that is not a household's JSON at all, 422 for one the schema or
//! the registry refuses: the body is then the `rejected` record itself.

use std::sync::Arc;
use std::time::Instant;

use crate::record::RecordView;
use crate::sdk::Date;
use crate::{Deployment, Status};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use serde_json::{Value, json};

use super::access::LogInfo;
use super::pool::{Done, Job, too_large};
use super::reply::{busy, error, json_response};
use super::state::{Loaded, State as Shared};

#[derive(Debug, Deserialize)]
pub struct AsOf {
    pub as_of: Option<String>,
}

/// The `as_of` query parameter, checked; a 400 answer when it is not a date.
pub fn as_of(query: Query<AsOf>) -> Result<Option<Date>, Box<Response>> {
    let Query(AsOf { as_of: Some(text) }) = query else { return Ok(None) };
    Date::parse(&text).map(Some).ok_or_else(|| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("`as_of` is `{text}`, which is not a calendar date written YYYY-MM-DD"),
        ))
    })
}

/// What one household came to, with the registry that evaluated it.
struct Evaluated {
    loaded: Arc<Loaded>,
    done: Done,
}

pub async fn evaluate(State(state): State<Arc<Shared>>, query: Query<AsOf>, request: Request) -> Response {
    match run(&state, query, request).await {
        Ok(e) => {
            let status = http_status(&e.done.record, e.done.outcome.status);
            let info = log_info(&state, &e);
            let mut response = (status, [(header::CONTENT_TYPE, "application/json")], e.done.record).into_response();
            response.extensions_mut().insert(info);
            response
        }
        Err(response) => response,
    }
}

pub async fn explain(State(state): State<Arc<Shared>>, query: Query<AsOf>, request: Request) -> Response {
    match run(&state, query, request).await {
        Ok(e) => {
            let status = http_status(&e.done.record, e.done.outcome.status);
            let info = log_info(&state, &e);
            let mut response = json_response(status, &explain_view(&e));
            response.extensions_mut().insert(info);
            response
        }
        Err(response) => response,
    }
}

/// The explain view: the record, the district's name and the parameter
/// set the plugin received, by name.
fn explain_view(e: &Evaluated) -> Value {
    let record: Value = serde_json::from_slice(&e.done.record).unwrap_or(Value::Null);
    let district = record["district_code"].as_str().unwrap_or_default();
    let as_of = record["as_of"].as_str().and_then(Date::parse);
    let deployment = e.done.outcome.deployment.and_then(|i| e.loaded.registry.deployments().get(i));
    let parameters = deployment.zip(as_of).and_then(|(d, a)| parameter_set(d, a));
    json!({
        "district_name": crate::districts::district_name(district),
        "parameters": parameters,
        "record": record,
    })
}

/// The parameter set of `deployment` in force on `as_of`, as JSON.
pub fn parameter_set(deployment: &Deployment, as_of: Date) -> Option<Value> {
    let set = deployment.params.at(as_of)?;
    let values: serde_json::Map<String, Value> =
        set.names.iter().zip(&set.values).map(|(n, v)| (n.clone(), json!(v))).collect();
    Some(json!({
        "label": deployment.params.label(),
        "valid_from": set.valid_from.to_string(),
        "values": values,
    }))
}

/// Reads the body (within the limit) and evaluates it on the pool.
async fn run(state: &Arc<Shared>, query: Query<AsOf>, request: Request) -> Result<Evaluated, Response> {
    let started = Instant::now();
    let Some(loaded) = state.current() else {
        return Err(busy(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no registry is loaded yet"));
    };
    let as_of = as_of(query).map_err(|r| *r)?;
    let limit = state.limits.max_body_bytes;
    let length =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|l| l > limit as u64) {
        return Err(rejected(too_large(limit, length)));
    }
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(rejected(too_large(limit, None))),
        Err(e) => return Err(error(StatusCode::BAD_REQUEST, "bad_request", &format!("reading the body: {e}"))),
    };
    let deadline = started + state.limits.deadline;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job = Job { loaded: Arc::clone(&loaded), as_of, body, deadline, reply, permit: None };
    if state.pool.submit(job).is_err() {
        return Err(busy(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            &format!("{} evaluations are queued or running; try again shortly", state.limits.max_pending),
        ));
    }
    match tokio::time::timeout_at(deadline.into(), answer).await {
        Ok(Ok(done)) => {
            for name in &done.stateful {
                state.metrics.stateful(name);
            }
            Ok(Evaluated { loaded, done })
        }
        Ok(Err(_)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the evaluation worker stopped")),
        Err(_) => Err(busy(
            StatusCode::SERVICE_UNAVAILABLE,
            "deadline",
            &format!("no answer within the deadline of {} ms", state.limits.deadline.as_millis()),
        )),
    }
}

/// A `rejected` record written by the service itself (the body too large).
fn rejected(record: Vec<u8>) -> Response {
    let status = http_status(&record, Status::Rejected);
    (status, [(header::CONTENT_TYPE, "application/json")], Body::from(record)).into_response()
}

/// 200 for `ok` and `plugin_error`; for `rejected`, 400 when the body was
/// not a household's JSON at all, 422 when it was refused as a household.
fn http_status(record: &[u8], status: Status) -> StatusCode {
    if status != Status::Rejected {
        return StatusCode::OK;
    }
    let kind = RecordView::parse(record).ok().and_then(|r| r.error).map(|e| e.kind.into_owned());
    match kind.as_deref() {
        Some("not_json" | "not_utf8" | "line_too_long") => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Counts the record and says what the access log may show of it.
fn log_info(state: &Shared, e: &Evaluated) -> LogInfo {
    let plugin = e.done.outcome.deployment.and_then(|i| e.loaded.registry.deployments().get(i));
    let plugin = plugin.map(|d| d.plugin.identity().name.clone());
    let name = plugin.as_deref().unwrap_or("-");
    state.metrics.evaluated(name, e.done.outcome.status, 1);
    let mut info = LogInfo { plugin: plugin.clone(), ..LogInfo::default() };
    if e.done.outcome.status == Status::Ok && !state.debug_ids {
        info.district = district_of(&e.done.record);
        return info;
    }
    if let Ok(record) = RecordView::parse(&e.done.record) {
        info.district = record.district_code.map(|d| d.into_owned());
        if state.debug_ids {
            info.household_id = record.household_id.map(|h| h.into_owned());
        }
        if let (Status::PluginError, Some(error)) = (e.done.outcome.status, &record.error) {
            state.metrics.plugin_error(name, &error.kind);
        }
    }
    info
}

/// The district code of an `ok` record, found without parsing it: the
/// key cannot occur unescaped inside the household id that precedes it.
fn district_of(record: &[u8]) -> Option<String> {
    let key = br#","district_code":""#;
    let at = memchr::memmem::find(record, key)? + key.len();
    let code = record.get(at..at + 6)?;
    code.iter().all(u8::is_ascii_digit).then(|| String::from_utf8_lossy(code).into_owned())
}
