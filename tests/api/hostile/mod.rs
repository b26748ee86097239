//! Hostile input at the HTTP edge: a table of bad requests against every vendor's webhook
//! and routing endpoints and the Standard Webhooks feed. Each must be refused with a 4xx
//! JSON body naming what is wrong, store nothing, and leave the service healthy.

mod admin_auth;
mod cases;
mod rate_limit;

use escalator_adapters::Vendor;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

/// One hostile request and how the service must answer it.
pub struct Case {
    pub name: String,
    pub method: Method,
    /// Path and query, e.g. `/webhooks/five9?escalator_secret=…`.
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub status: u16,
    /// The `error` code of the JSON body.
    pub error: &'static str,
    /// A key of the JSON body and the value it must hold (`field`, `reason`).
    pub names: Option<(&'static str, String)>,
}

impl Case {
    pub fn new(name: impl Into<String>, method: Method, path: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            status: 400,
            error: "bad_request",
            names: None,
        }
    }

    pub fn post(name: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(name, Method::POST, path)
    }

    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_string(), value.as_ref().to_vec()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn json(self, body: impl Into<Vec<u8>>) -> Self {
        self.header("content-type", "application/json").body(body)
    }

    /// The answer expected: status, `error` code, and (optionally) a key that names the
    /// problem with its value.
    pub fn expect(mut self, status: u16, error: &'static str) -> Self {
        self.status = status;
        self.error = error;
        self
    }

    pub fn naming(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.names = Some((key, value.into()));
        self
    }

    /// `field` names the part of the request that is wrong.
    pub fn field(self, field: impl Into<String>) -> Self {
        self.naming("field", field)
    }

    /// 401 with `reason` saying why the credentials were refused.
    pub fn unauthorized(self, reason: &str) -> Self {
        self.expect(401, "unauthorized").naming("reason", reason)
    }
}

async fn events_stored(app: &TestApp) -> i64 {
    let mut total = 0;
    for vendor in Vendor::ALL {
        total += app
            .store
            .count_events(vendor)
            .await
            .expect("store readable");
    }
    total
}

/// Sends one case and returns what is wrong with the answer, if anything.
async fn check(app: &TestApp, case: &Case) -> Option<String> {
    let mut headers = HeaderMap::new();
    for (name, value) in &case.headers {
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) else {
            return Some(format!("the case's header {name} is not sendable"));
        };
        headers.append(n, v);
    }
    let sent = app
        .http
        .request(case.method.clone(), format!("{}{}", app.address, case.path))
        .headers(headers)
        .body(case.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Some(format!("no answer: {e}")),
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let retry_after = response.headers().get("retry-after").cloned();
    let text = response.text().await.unwrap_or_default();
    if status != case.status {
        return Some(format!("status {status}, expected {}: {text}", case.status));
    }
    if !content_type.starts_with("application/json") {
        return Some(format!("content-type {content_type:?}: {text}"));
    }
    let Ok(body) = serde_json::from_str::<Value>(&text) else {
        return Some(format!("body is not JSON: {text}"));
    };
    if body["error"] != case.error {
        return Some(format!("error {}, expected {}", body["error"], case.error));
    }
    if body["message"].as_str().is_none_or(str::is_empty) {
        return Some(format!("no message: {body}"));
    }
    if let Some((key, value)) = &case.names {
        if body[*key] != value.as_str() {
            return Some(format!(
                "{key} is {}, expected {value:?}: {body}",
                body[*key]
            ));
        }
    }
    if status == 429 && retry_after.is_none() {
        return Some("429 without Retry-After".into());
    }
    None
}

#[tokio::test]
async fn every_hostile_request_gets_a_4xx_json_error_and_stores_nothing() {
    let app = spawn_app().await;
    let cases = cases::all();
    assert!(cases.len() >= 50, "the matrix has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        assert!((400..500).contains(&case.status), "{}", case.name);
        let before = events_stored(&app).await;
        if let Some(problem) = check(&app, case).await {
            failures.push(format!("{}: {problem}", case.name));
        }
        let after = events_stored(&app).await;
        if after != before {
            failures.push(format!("{}: stored {} event(s)", case.name, after - before));
        }
        let health = app
            .http
            .get(format!("{}/healthz", app.address))
            .send()
            .await;
        if !health.is_ok_and(|r| r.status() == 200) {
            failures.push(format!(
                "{}: the service is not healthy after it",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Still taking good deliveries.
    let ok = app.post_genesys(&customer_start()).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(events_stored(&app).await, 1);
}

/// The one refusal that is not JSON: past hyper's own buffer (1 MiB of headers or 512
/// fields) hyper answers a bare 431 before any handler runs (docs/operations.md).
#[tokio::test]
async fn beyond_hypers_own_limit_the_refusal_is_a_bare_431_and_the_service_stays_up() {
    let app = spawn_app().await;
    let mut request = app
        .http
        .post(format!("{}/webhooks/genesys", app.address))
        .header("X-Escalator-Token", SECRET);
    for i in 0..600 {
        request = request.header(format!("x-h{i}"), "v");
    }
    let response = request.json(&customer_start()).send().await.unwrap();
    assert_eq!(response.status(), 431);
    assert_eq!(events_stored(&app).await, 0);
    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
