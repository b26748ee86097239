//! The admin API under `/api/v1`: bearer-token auth (missing, wrong, disabled), every
//! endpoint, validation errors that name the field (422), 404 and 409, and the OpenAPI
//! document matching the routes.

use escalator::config::ENV_ADMIN_TOKEN;
use escalator_adapters::Vendor;
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "admin-token-for-tests";

async fn admin_app() -> TestApp {
    spawn_app_with(Options {
        api_secrets: vec![(ENV_ADMIN_TOKEN, TOKEN.into())],
        configure: Some(Box::new(|c| c.review.sample_percent = 100)),
        ..Default::default()
    })
    .await
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
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

async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    post_raw(app, path, body.to_string()).await
}

async fn post_raw(app: &TestApp, path: &str, body: String) -> (u16, Value) {
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

fn assert_invalid(status: u16, body: &Value, field: &str) {
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
}

#[tokio::test]
async fn a_callback_is_listed_shown_and_changed_with_its_history() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a1").await;

    let (status, list) = get(&app, "/callbacks?status=pending&team=legal").await;
    assert_eq!(status, 200);
    assert_eq!(list["count"], 1, "{list}");
    let (_, owned) = get(&app, "/callbacks?owner=Owner%20of%20legal").await;
    assert_eq!(owned["count"], 1, "{owned}");
    let (_, none) = get(&app, "/callbacks?overdue=true").await;
    assert_eq!(none["count"], 0, "{none}");
    let (_, none) = get(&app, "/callbacks?team=fraud").await;
    assert_eq!(none["count"], 0, "{none}");

    let (status, shown) = get(&app, &format!("/callbacks/{}", reference.to_lowercase())).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["callback"]["reference"], reference.as_str());
    assert_eq!(shown["history"][0]["change"], "created");

    let path = |what: &str| format!("/callbacks/{reference}/{what}");
    let (status, body) = post(
        &app,
        &path("attempts"),
        &json!({"outcome": "no_answer", "notes": "rang out", "actor": "dana"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "attempted");
    assert_eq!(body["callback"]["attempts"], 1);

    let (status, body) = post(
        &app,
        &path("reassign"),
        &json!({"owner": "Sam Ortiz", "reason": "Dana is off", "actor": "lead"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["owner"], "Sam Ortiz");

    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let end = start + jiff::SignedDuration::from_hours(2);
    let (status, body) = post(
        &app,
        &path("reschedule"),
        &json!({"window_start": start.to_string(), "window_end": end.to_string(),
                "reason": "after lunch", "actor": "sam"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "rescheduled");
    let due = (end + jiff::SignedDuration::from_hours(1)).to_string();
    let (_, due_list) = get(
        &app,
        &format!("/callbacks?due_before={}", due.replace('+', "%2B")),
    )
    .await;
    assert_eq!(due_list["count"], 1, "{due_list}");

    let (status, body) = post(&app, &path("complete"), &json!({"actor": "sam"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "completed");

    let (status, body) = post(
        &app,
        &path("cancel"),
        &json!({"reason": "too late", "actor": "sam"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "conflict");

    let (_, shown) = get(&app, &format!("/callbacks/{reference}")).await;
    let changes: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "created",
            "attempted",
            "reassigned",
            "rescheduled",
            "completed"
        ]
    );
    assert_eq!(shown["history"][2]["actor"], "lead");
}

#[tokio::test]
async fn a_second_callback_can_be_cancelled() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a2").await;
    let path = format!("/callbacks/{reference}/cancel");
    let (status, body) = post(&app, &path, &json!({"actor": "sam"})).await;
    assert_invalid(status, &body, "reason");
    let (status, body) = post(&app, &path, &json!({"reason": "dup", "actor": "sam"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "cancelled");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a3").await;
    for (query, field) in [
        ("status=bogus", "status"),
        ("due_before=yesterday", "due_before"),
        ("overdue=maybe", "overdue"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = get(&app, &format!("/callbacks?{query}")).await;
        assert_invalid(status, &body, field);
    }
    let path = |what: &str| format!("/callbacks/{reference}/{what}");
    let cases = [
        (
            "attempts",
            json!({"outcome": "busy", "actor": "a", "extra": 1}),
            "extra",
        ),
        ("attempts", json!({"outcome": "busy"}), "actor"),
        ("attempts", json!({"actor": "a"}), "outcome"),
        ("attempts", json!({"outcome": 3, "actor": "a"}), "outcome"),
        ("reassign", json!({"reason": "r", "actor": "a"}), "owner"),
        (
            "reschedule",
            json!({"window_start": "soon", "window_end": "2030-01-01T00:00:00Z",
                   "reason": "r", "actor": "a"}),
            "window_start",
        ),
        (
            "reschedule",
            json!({"window_start": "2030-01-02T00:00:00Z", "window_end": "2030-01-01T00:00:00Z",
                   "reason": "r", "actor": "a"}),
            "window_end",
        ),
    ];
    for (what, body, field) in cases {
        let (status, answer) = post(&app, &path(what), &body).await;
        assert_invalid(status, &answer, field);
    }
    let (status, body) = post_raw(&app, &path("complete"), "{not json".into()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "body");

    let (status, body) = get(&app, "/callbacks/ESC-0000-0000").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, _) = post(
        &app,
        "/callbacks/ESC-0000-0000/complete",
        &json!({"actor": "a"}),
    )
    .await;
    assert_eq!(status, 404);
    // Nothing was changed by any of it.
    let (_, shown) = get(&app, &format!("/callbacks/{reference}")).await;
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "{shown}");
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
