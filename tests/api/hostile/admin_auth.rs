//! Admin API authentication on every route the served OpenAPI document lists.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

const TOKEN: &str = "admin-token-for-the-auth-walk";

/// Every (method, path) of the document, path parameters filled in.
fn operations(doc: &Value) -> Vec<(Method, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = Vec::new();
    for (path, ops) in paths {
        let filled: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "x-1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let full = if filled.starts_with("/api/v1") {
            filled
        } else {
            format!("/api/v1{filled}")
        };
        for method in ops.as_object().expect("operations").keys() {
            if method == "parameters" {
                continue;
            }
            let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            out.push((m, full.clone()));
        }
    }
    out
}

#[tokio::test]
async fn every_documented_admin_route_refuses_a_missing_or_wrong_token_with_401_json() {
    let app = spawn_app_with(Options {
        api_secrets: vec![(escalator::config::ENV_ADMIN_TOKEN, TOKEN.to_string())],
        ..Options::default()
    })
    .await;
    let doc: Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("the served document is JSON");
    let ops = operations(&doc);
    assert!(
        ops.len() >= 12,
        "the document lists {} operations",
        ops.len()
    );
    let mut failures = Vec::new();
    for (method, path) in &ops {
        for (what, auth) in [
            ("no token", None),
            ("wrong token", Some("Bearer not-the-token".to_string())),
            ("right token, wrong scheme", Some(format!("Basic {TOKEN}"))),
            ("token with a suffix", Some(format!("Bearer {TOKEN}x"))),
            ("empty bearer", Some("Bearer ".to_string())),
        ] {
            let mut request = app
                .http
                .request(method.clone(), format!("{}{path}", app.address))
                .header("content-type", "application/json")
                .body("{}");
            if let Some(a) = &auth {
                request = request.header("authorization", a);
            }
            let response = request.send().await.expect("answered");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if status != 401 || body["error"] != "unauthorized" || !body["message"].is_string() {
                failures.push(format!("{method} {path} with {what}: {status} {body}"));
            }
        }
        // The right token gets past authentication (whatever the handler then says).
        let response = app
            .http
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("answered");
        if response.status() == 401 {
            failures.push(format!("{method} {path} refused the right token"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
