//! The admin API under `/api/v1`: bearer-token auth (missing, wrong, disabled), every
//! endpoint, validation errors that name the field (422), 404 and 409, and the OpenAPI
//! document matching the routes.

use escalator::config::ENV_ADMIN_TOKEN;
use escalator_adapters::Vendor;
use serde_json::{json, Value};

use crate::helpers::*;

mod callbacks;

pub const TOKEN: &str = "admin-token-for-tests";

pub async fn admin_app() -> TestApp {
    spawn_app_with(Options {
        api_secrets: vec![(ENV_ADMIN_TOKEN, TOKEN.into())],
        configure: Some(Box::new(|c| c.review.sample_percent = 100)),
        ..Default::default()
    })
    .await
}

pub async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app
        .http
        .get(format!("{}/api/v1{path}", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    post_raw(app, path, body.to_string()).await
}

pub async fn post_raw(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let res = app
        .http
        .post(format!("{}/api/v1{path}", app.address))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A named callback from the neutral feed; returns its reference.
pub async fn committed(app: &TestApp, call: &str) -> String {
    let said = app
        .post_caller_said(
            Vendor::Standard,
            call,
            &format!("u-{call}"),
            "I'm calling my lawyer about this",
        )
        .await;
    assert_eq!(said.status(), 200);
    app.wait_for_actions_on(Vendor::Standard, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let (status, body) = get(app, "/callbacks").await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"]
        .as_array()
        .expect("callbacks")
        .iter()
        .find(|c| c["call_id"] == call)
        .expect("callback listed")["reference"]
        .as_str()
        .expect("reference")
        .to_string()
}

pub fn assert_invalid(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid", "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(!body["message"].as_str().unwrap_or("").is_empty(), "{body}");
}

#[tokio::test]
async fn without_a_token_configured_every_route_says_the_api_is_disabled() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/callbacks",
        "/api/v1/openapi.json",
        "/api/v1/nothing",
    ] {
        let res = app
            .http
            .get(format!("{}{path}", app.address))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "admin_api_disabled", "{body}");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("ESCALATOR_ADMIN_TOKEN"));
    }
    // The ingress is not affected.
    let health = app.http.get(format!("{}/healthz", app.address)).send();
    assert_eq!(health.await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_with_a_bearer_challenge() {
    let app = admin_app().await;
    let url = format!("{}/api/v1/callbacks", app.address);
    let attempts = [
        app.http.get(&url),
        app.http.get(&url).bearer_auth("wrong-token"),
        app.http.get(&url).bearer_auth(format!("{TOKEN}x")),
        app.http.get(&url).basic_auth("admin", Some(TOKEN)),
    ];
    for request in attempts {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(
            res.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        assert!(!body.to_string().contains(TOKEN), "{body}");
    }
}

#[tokio::test]
async fn every_documented_path_is_routed() {
    let app = admin_app().await;
    let (status, doc) = get(&app, "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let (status, unknown) = get(&app, "/no-such-thing").await;
    assert_eq!(status, 404);
    let no_route = unknown["message"].as_str().unwrap().to_string();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .trim_start_matches("/api/v1")
            .replace("{reference}", "ESC-0000-0000")
            .replace("{id}", "nope")
            .replace("{escalation_id}", "nope");
        for method in ops.as_object().unwrap().keys() {
            let (status, body) = match method.as_str() {
                "get" => get(&app, &concrete).await,
                _ => post(&app, &concrete, &json!({})).await,
            };
            assert_ne!(status, 405, "{method} {path}");
            assert_ne!(
                body["message"],
                no_route.as_str(),
                "{method} {path} not routed"
            );
        }
    }
    let res = app
        .http
        .delete(format!("{}/api/v1/callbacks", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed", "{body}");
}

#[tokio::test]
async fn an_escalation_is_listed_and_shown_with_its_evidence_actions_and_callback() {
    let app = admin_app().await;
    let reference = committed(&app, "call-e1").await;

    let (status, list) = get(&app, "/escalations?vendor=standard&team=legal").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["count"], 1, "{list}");
    let id = list["escalations"][0]["id"].as_str().unwrap().to_string();
    let (_, since) = get(&app, "/escalations?since=2999-01-01T00:00:00Z").await;
    assert_eq!(since["count"], 0, "{since}");
    let (_, since) = get(&app, "/escalations?since=2000-01-01T00:00:00Z").await;
    assert_eq!(since["count"], 1, "{since}");
    let (status, body) = get(&app, "/escalations?vendor=acme").await;
    assert_invalid(status, &body, "vendor");
    let (status, body) = get(&app, "/escalations?since=last-week").await;
    assert_invalid(status, &body, "since");

    let (status, shown) = get(&app, &format!("/escalations/{id}")).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["escalation"]["id"], id.as_str());
    assert_eq!(
        shown["evidence"][0]["quote"],
        "I'm calling my lawyer about this"
    );
    assert_eq!(shown["evidence"][0]["utterance_id"], "u-call-e1");
    assert!(!shown["steps"].as_array().unwrap().is_empty());
    let callback_action = shown["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "named_callback")
        .expect("named callback action");
    assert!(!callback_action["attempt_log"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        shown["callback"]["callback"]["reference"],
        reference.as_str()
    );
    assert_eq!(shown["reviews"], json!([]));

    let (status, body) = get(&app, "/escalations/no-such-id").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn a_review_is_recorded_and_leaves_the_queue() {
    let app = admin_app().await;
    committed(&app, "call-r1").await;
    let (status, queue) = get(&app, "/reviews?limit=10").await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["count"], 1, "{queue}");
    let id = queue["queue"][0]["escalation_id"]
        .as_str()
        .unwrap()
        .to_string();

    let path = format!("/reviews/{id}");
    let (status, body) = post(&app, &path, &json!({"reviewer": "qa", "outcome": "great"})).await;
    assert_invalid(status, &body, "outcome");
    let (status, body) = post(&app, &path, &json!({"outcome": "compliant"})).await;
    assert_invalid(status, &body, "reviewer");
    let (status, body) = post(
        &app,
        "/reviews/no-such-id",
        &json!({"reviewer": "qa", "outcome": "compliant"}),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = post(
        &app,
        &path,
        &json!({"reviewer": "qa.lead", "outcome": "coaching_needed", "notes": "argued first"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["reviews"][0]["outcome"], "coaching_needed");

    let (_, queue) = get(&app, "/reviews").await;
    assert_eq!(queue["count"], 0, "{queue}");
    let (_, shown) = get(&app, &format!("/escalations/{id}")).await;
    assert_eq!(shown["reviews"][0]["reviewer"], "qa.lead");
    let (status, body) = get(&app, "/reviews?limit=many").await;
    assert_invalid(status, &body, "limit");
}
