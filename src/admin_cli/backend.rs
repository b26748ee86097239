//! Sending an admin request: in process, through the admin router over the local store, or
//! over HTTP to a running service. The answer is the API's JSON either way; refusals come
//! back as a message naming the flag and the fix, and an exit code.

use std::sync::Arc;

use axum::body::Body;
use escalator_adapters::Secret;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::cli::AdminTarget;
use crate::config::{Config, Secrets, ENV_ADMIN_TOKEN, ENV_AUDIT_KEY};
use crate::http::admin::{self, AdminState};
use crate::store::{AuditKey, Store, StoreOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One admin API call: path segments under `/api/v1`, query and JSON body.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

impl Request {
    pub fn new(method: Method, segments: Vec<String>) -> Self {
        Self {
            method,
            segments,
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds the fields that have a value.
    pub fn query(mut self, pairs: &[(&str, Option<String>)]) -> Self {
        self.query.extend(
            pairs
                .iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v))),
        );
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The URL of this request under `base`; path segments are escaped.
    fn url(&self, base: &str) -> Result<reqwest::Url, Failure> {
        let mut url = reqwest::Url::parse(base).map_err(|e| {
            Failure::usage(format!(
                "--server: {base:?} is not a URL ({e}); use e.g. http://127.0.0.1:8080"
            ))
        })?;
        {
            let mut path = url.path_segments_mut().map_err(|_| {
                Failure::usage(format!(
                    "--server: {base:?} cannot take a path; use http://host:port"
                ))
            })?;
            path.pop_if_empty().extend(["api", "v1"]);
            path.extend(&self.segments);
        }
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    fn refused(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

/// Sends `request` where `target` says; the API's JSON on success.
pub async fn send(request: &Request, target: &AdminTarget) -> Result<Value, Failure> {
    let (status, body) = match &target.server {
        Some(server) => remote(request, server).await?,
        None => local(request, target).await?,
    };
    if (200..300).contains(&status) {
        return Ok(body);
    }
    Err(explain(status, &body))
}

async fn local(request: &Request, target: &AdminTarget) -> Result<(u16, Value), Failure> {
    let config = Config::load(target.config.as_deref())
        .map_err(|e| Failure::usage(format!("--config: {e}")))?;
    if let Some(path) = missing_file(&config.store.url) {
        return Err(Failure::usage(format!(
            "no store at {path} (store.url); point --config at the service's configuration"
        )));
    }
    let key = Secrets::from_env().api(ENV_AUDIT_KEY).cloned();
    // One request at a time: a connection or two is plenty, even on PostgreSQL.
    let options = StoreOptions {
        audit: AuditKey::new(key),
        max_connections: 2,
    };
    let store = Store::open(&config.store.url, options).await.map_err(|e| {
        Failure::usage(format!(
            "cannot open the store at store.url ({e}); point --config at the service's \
                 configuration"
        ))
    })?;
    // The same routes the service serves, with a token made up for this one call.
    let token = uuid::Uuid::new_v4().to_string();
    let router: axum::Router = admin::router(AdminState {
        store,
        callbacks: Arc::new(config.callbacks.clone()),
        token: Some(Arc::new(Secret::new(token.clone()))),
    });
    let url = request.url("http://localhost/")?;
    let uri = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let body = request
        .body
        .as_ref()
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let http_request = axum::http::Request::builder()
        .method(method)
        .uri(uri.trim_start_matches("/api/v1"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body)
        .map_err(|e| Failure::usage(format!("cannot build the request: {e}")))?;
    let response = router
        .oneshot(http_request)
        .await
        .map_err(|e| Failure::refused(format!("the request failed: {e}")))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| Failure::refused(format!("reading the answer failed: {e}")))?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// The database file `url` names, when it does not exist (opening it would make an empty
/// one).
fn missing_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || std::path::Path::new(path).exists() {
        return None;
    }
    Some(path.to_string())
}

async fn remote(request: &Request, server: &str) -> Result<(u16, Value), Failure> {
    let token = std::env::var(ENV_ADMIN_TOKEN)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            Failure::usage(format!(
                "--server needs the service's admin token in ${ENV_ADMIN_TOKEN}"
            ))
        })?;
    let url = request.url(server)?;
    let client = reqwest::Client::new();
    let builder = match request.method {
        Method::Get => client.get(url),
        Method::Post => client
            .post(url)
            .json(request.body.as_ref().unwrap_or(&Value::Null)),
    };
    let response = builder
        .bearer_auth(token.trim())
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| {
            Failure::usage(format!(
                "--server: cannot reach {server} ({e}); is the service running there?"
            ))
        })?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// The API's refusal as a message that names the flag to fix, with its exit code.
fn explain(status: u16, body: &Value) -> Failure {
    let message = body["message"]
        .as_str()
        .unwrap_or("the service answered without a reason")
        .to_string();
    let field = body["field"].as_str().unwrap_or("");
    match (status, body["error"].as_str()) {
        (400 | 422, _) => Failure::usage(match flag(field) {
            Some(flag) => {
                let reason = message
                    .strip_prefix(&format!("{field}: "))
                    .unwrap_or(&message);
                format!("{flag}: {reason}")
            }
            None => message,
        }),
        (401, _) => Failure::usage(format!(
            "{message}; set ${ENV_ADMIN_TOKEN} to the token the service was started with"
        )),
        (404, Some("admin_api_disabled")) => Failure::usage(message),
        (404 | 409, _) => Failure::refused(message),
        _ => Failure::refused(format!("the service failed ({status}): {message}")),
    }
}

/// The command-line flag that sets an API field.
fn flag(field: &str) -> Option<&'static str> {
    Some(match field {
        "window_start" => "--start",
        "window_end" => "--end",
        "reason" => "--reason",
        "owner" => "--owner",
        "outcome" => "--outcome",
        "notes" => "--notes",
        "actor" | "reviewer" => "--actor",
        "status" => "--status",
        "team" => "--team",
        "vendor" => "--vendor",
        "since" => "--since",
        "due_before" => "--due-before",
        "overdue" => "--overdue",
        "limit" => "--limit",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_by_their_flags_and_refusals_exit_1() {
        let f = explain(
            422,
            &serde_json::json!({"error": "invalid", "field": "window_start", "message": "window_start: bad"}),
        );
        assert_eq!((f.code, f.message.as_str()), (2, "--start: bad"));
        let f = explain(
            409,
            &serde_json::json!({"error": "conflict", "message": "closed"}),
        );
        assert_eq!(f.code, 1);
        let f = explain(
            404,
            &serde_json::json!({"error": "admin_api_disabled", "message": "x"}),
        );
        assert_eq!(f.code, 2);
    }

    #[test]
    fn a_store_file_that_is_not_there_is_named() {
        assert_eq!(
            missing_file("sqlite:///no/such/dir/escalator.db?mode=rwc").as_deref(),
            Some("/no/such/dir/escalator.db")
        );
        assert_eq!(missing_file("sqlite::memory:"), None);
        assert_eq!(missing_file("postgres://esc@db:5432/escalator"), None);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.db");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(missing_file(&format!("sqlite://{}", file.display())), None);
    }

    #[test]
    fn references_are_escaped_in_the_path() {
        let r = Request::new(Method::Get, vec!["callbacks".into(), "esc 1/2".into()])
            .query(&[("status", Some("pending".into())), ("team", None)]);
        let url = r.url("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/api/v1/callbacks/esc%201%2F2?status=pending"
        );
    }
}
