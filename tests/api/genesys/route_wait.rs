//! A refused consult arms an answer for the flow's routing hook only while the call can
//! still reach a flow: the callback follows at once when the conversation read shows an
//! agent, or as soon as the call ends during the wait (not at the end of the 120 s wait).

use std::time::Instant;

use serde_json::Value;

use super::*;

/// The service with the default 120 s routing-hook wait.
async fn spawn_waiting_120_s() -> TestApp {
    spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            c.dispatcher.route_on_hook_seconds = 120;
        })),
        ..Options::default()
    })
    .await
}

/// Token; the conversation with the customer and, when `agent`, a connected agent.
async fn mount_call(app: &TestApp, agent: bool) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "test-token", "token_type": "bearer", "expires_in": 86399
        })))
        .mount(&app.genesys)
        .await;
    let mut participants = vec![json!({"id": CUSTOMER_PID, "purpose": "customer",
        "state": "connected", "address": format!("tel:{CALLER}"), "held": false})];
    if agent {
        participants.push(
            json!({"id": AGENT_PID, "purpose": "agent", "state": "connected",
            "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}}),
        );
    }
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/calls/{CID}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": CID, "participants": participants})),
        )
        .mount(&app.genesys)
        .await;
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "code": "bad.request", "message": "not a connected participant"})))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation": {"id": "cb-conv-1"}})))
        .expect(1)
        .mount(&app.genesys)
        .await;
}

fn customer_end() -> Value {
    json!({
        "topicName": format!("v2.detail.events.conversation.{CID}.customer.end"),
        "version": "2",
        "eventBody": {
            "eventTime": 1773957690000_i64, "conversationId": CID,
            "participantId": CUSTOMER_PID, "sessionId": "s-1", "mediaType": "VOICE",
            "direction": "INBOUND", "ani": format!("tel:{CALLER}"), "dnis": "tel:+13175550000",
            "disconnectType": "client"
        }
    })
}

fn callback_done(rows: &[escalator::store::ActionRow]) -> bool {
    rows.iter()
        .any(|a| a.kind == "schedule_callback" && a.status == "succeeded")
}

#[tokio::test]
async fn with_an_agent_on_the_call_the_callback_follows_a_refused_consult_at_once() {
    let app = spawn_waiting_120_s().await;
    mount_call(&app, true).await;
    app.post_genesys(&customer_start()).await;
    let started = Instant::now();
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let rows = app.wait_for_actions(callback_done).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(rows.iter().all(|a| a.kind != "route_on_hook"), "{rows:#?}");
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_call_that_ends_during_the_routing_hook_wait_gets_its_callback_at_once() {
    let app = spawn_waiting_120_s().await;
    mount_call(&app, false).await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    app.wait_for_actions(|rows| {
        rows.iter()
            .any(|a| a.kind == "route_on_hook" && a.status == "pending")
    })
    .await;
    let ended = Instant::now();
    assert_eq!(app.post_genesys(&customer_end()).await.status(), 200);
    let rows = app.wait_for_actions(callback_done).await;
    assert!(ended.elapsed() < Duration::from_secs(30));
    let route = rows.iter().find(|a| a.kind == "route_on_hook").unwrap();
    assert_eq!(route.status, "failed");
    assert!(
        route
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("can no longer reach a flow"),
        "{route:#?}"
    );
    app.genesys.verify().await;
}
