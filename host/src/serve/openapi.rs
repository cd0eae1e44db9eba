//! The OpenAPI 3.1 document, built from the route table (`routes::ROUTES`)
//! so that it lists exactly the routes the service answers.

use serde_json::{Value, json};

use super::routes::ROUTES;

/// The responses a route may give, by status.
fn responses(path: &str) -> Value {
    let json = |description: &str| json!({"description": description, "content": {"application/json": {}}});
    let mut r = serde_json::Map::new();
    match path {
        "/v1/evaluate" | "/v1/explain" => {
            r.insert(
                "200".into(),
                json("`ok` or `plugin_error`: the record (explain: the record, district and parameters)"),
            );
            r.insert("400".into(), json("not JSON, not UTF-8 or too large: the `rejected` record"));
            r.insert("422".into(), json("schema, unknown district, no parameters: the `rejected` record"));
            r.insert("503".into(), json("overloaded or past the deadline, with `Retry-After`"));
        }
        "/v1/batch" => {
            r.insert(
                "200".into(),
                json!({"description": "one record per input line, in order", "content": {"application/x-ndjson": {}}}),
            );
            r.insert("503".into(), json("too many batches running, with `Retry-After`"));
        }
        "/v1/parameters" => {
            r.insert("200".into(), json("the parameter set in force"));
            r.insert("400".into(), json("`district` or `as_of` missing or malformed"));
            r.insert("422".into(), json("unknown district or no parameters on that date"));
        }
        "/metrics" => {
            r.insert(
                "200".into(),
                json!({"description": "Prometheus text format 0.0.4", "content": {"text/plain": {}}}),
            );
        }
        "/readyz" => {
            r.insert("200".into(), json("ready"));
            r.insert("503".into(), json("no registry loaded"));
        }
        _ => {
            r.insert("200".into(), json("the answer"));
        }
    }
    if !matches!(path, "/healthz" | "/readyz") {
        r.insert("401".into(), json("a bearer token is configured and the request has no valid one"));
    }
    Value::Object(r)
}

fn parameters(path: &str) -> Value {
    let query = |name: &str, required: bool, description: &str| {
        json!({"name": name, "in": "query", "required": required, "description": description,
               "schema": {"type": "string"}})
    };
    match path {
        "/v1/evaluate" | "/v1/explain" | "/v1/batch" => {
            json!([query("as_of", false, "YYYY-MM-DD; default: each household's survey_date")])
        }
        "/v1/parameters" => {
            json!([query("district", true, "six-digit district code"), query("as_of", true, "YYYY-MM-DD"),])
        }
        _ => json!([]),
    }
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary) in ROUTES {
        let mut operation = json!({
            "summary": summary,
            "parameters": parameters(path),
            "responses": responses(path),
        });
        match path {
            "/v1/evaluate" | "/v1/explain" => {
                operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                    "schema": {"$ref": "https://rulehost.example/schemas/household.schema.json"}}}});
            }
            "/v1/batch" => {
                operation["requestBody"] = json!({"required": true, "content": {"application/x-ndjson": {}}});
            }
            _ => {}
        }
        paths.insert(path.to_owned(), json!({ method: operation }));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "rulehost",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Households evaluated through sandboxed district rule plugins; see docs/serve.md",
        },
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
}
