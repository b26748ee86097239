//! The HTTP edge: authentication, bad input, routing hook, operations endpoints.

use escalator::config::InboundAuthMode;
use escalator_adapters::Vendor;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn bad_or_missing_credentials_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let event = transcription("utt-1", "I will sue you", "EXTERNAL", true);
    for token in [Some("wrong"), Some(""), None] {
        let mut request = app
            .http
            .post(format!("{}/webhooks/genesys", app.address))
            .json(&event);
        if let Some(t) = token {
            request = request.header("X-Escalator-Token", t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
    assert_eq!(app.store.count_events(Vendor::Genesys).await.unwrap(), 0);
}

#[tokio::test]
async fn basic_auth_when_configured() {
    let app = spawn_app_with(Options {
        auth: InboundAuthMode::Basic,
        ..Options::default()
    })
    .await;
    let event = customer_start();
    let ok = app
        .http
        .post(format!("{}/webhooks/genesys", app.address))
        .basic_auth("genesys", Some(SECRET))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = app
        .http
        .post(format!("{}/webhooks/genesys", app.address))
        .basic_auth("genesys", Some("nope"))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn unknown_vendor_is_404() {
    let app = spawn_app().await;
    for vendor in ["avaya", "genesys2"] {
        let r = app.post(&format!("/webhooks/{vendor}"), &json!({})).await;
        assert_eq!(r.status(), 404, "{vendor}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
    }
}

#[tokio::test]
async fn malformed_bodies_get_400_naming_the_field() {
    let app = spawn_app().await;
    let raw = app
        .http
        .post(format!("{}/webhooks/genesys", app.address))
        .header("X-Escalator-Token", SECRET)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["field"], "body");

    let mut event = customer_start();
    event["eventBody"]
        .as_object_mut()
        .unwrap()
        .remove("conversationId");
    let r = app.post_genesys(&event).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "eventBody.conversationId");
    assert_eq!(app.store.count_events(Vendor::Genesys).await.unwrap(), 0);
}

#[tokio::test]
async fn oversize_body_is_413() {
    let app = spawn_app_with(Options {
        body_limit: 4096,
        ..Options::default()
    })
    .await;
    let mut event = transcription("utt-1", "hello", "EXTERNAL", true);
    event["padding"] = json!("x".repeat(5000));
    let r = app.post_genesys(&event).await;
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
    assert_eq!(app.store.count_events(Vendor::Genesys).await.unwrap(), 0);
}

#[tokio::test]
async fn unknown_topics_are_acknowledged_recorded_and_ignored() {
    let app = spawn_app().await;
    let event = json!({
        "topicName": format!("v2.detail.events.conversation.{CID}.voicemail.start"),
        "eventBody": {"conversationId": CID, "eventTime": 1773957590000_i64}
    });
    let r = app.post_genesys(&event).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "ignored");
    assert_eq!(app.store.count_events(Vendor::Genesys).await.unwrap(), 1);
}

#[tokio::test]
async fn routing_hook_answers_with_the_queue_priority_and_briefing() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/route/genesys",
            &json!({"conversationId": CID, "ani": format!("tel:{CALLER}"),
                    "text": "I'm reporting you to the CFPB", "language": "en-US"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["escalate"], true);
    assert_eq!(body["team"], "compliance");
    assert_eq!(body["queueId"], "q-compliance");
    assert_eq!(body["priority"], 10);
    assert_eq!(body["quote"], "I'm reporting you to the CFPB");
    assert!(escalator::reference::is_valid(
        body["reference"].as_str().unwrap()
    ));
    // Routed by the flow: recorded, nothing to send.
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations[0].status, "routed");
    assert!(app
        .store
        .actions(Vendor::Genesys, CID)
        .await
        .unwrap()
        .is_empty());

    let r = app
        .post(
            "/route/genesys",
            &json!({"conversationId": "other-call", "text": ""}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["escalate"], false);
    assert_eq!(body["queueId"], "q-general");
    assert_eq!(body["priority"], 0);

    let r = app.post("/route/genesys", &json!({"ani": "x"})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let get = |p: &str| app.http.get(format!("{}{p}", app.address)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    app.post_genesys(&customer_start()).await;
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("escalator_events_total"), "{metrics}");
    assert!(
        metrics.contains("escalator_ack_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("escalator_outbox_depth"), "{metrics}");
    let r = get("/nope").await.unwrap();
    assert_eq!(r.status(), 404);
}
