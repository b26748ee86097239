//! Contract tests for the Genesys Cloud calls beyond the foundation's consult-to-queue:
//! each at its real path, method and body shape (shared/vendors/genesys.md §2–§3).

use std::collections::BTreeMap;

use escalator_adapters::genesys::{
    CallbackRequest, ConsultToAddress, ConsultToAgent, GenesysClient, GenesysCredentials,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::Secret;
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CID: &str = "b1c4e2a0-5d6f-4a1b-9c3e-7f8a9b0c1d2e";

async fn setup() -> (MockServer, GenesysClient) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok", "expires_in": 3600})))
        .mount(&server)
        .await;
    let client = GenesysClient::new(
        reqwest::Client::new(),
        server.uri(),
        server.uri(),
        GenesysCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
        },
    );
    (server, client)
}

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn consult_to_an_agent_and_to_an_address() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/calls/{CID}/participants/pc/consult/agent"
        )))
        .and(header("authorization", "Bearer tok"))
        .and(body_json(
            json!({"speakTo": "DESTINATION", "consultingUserId": "u-agent",
                              "userId": "u-sup", "userDisplayName": "Sam Supervisor"}),
        ))
        .respond_with(ok(json!({"destinationParticipantId": "p-sup"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/calls/{CID}/participants/pc/voice/consult"
        )))
        .and(body_json(
            json!({"speakTo": "CONFERENCE", "address": "+13175550100"}),
        ))
        .respond_with(ok(json!({"destinationParticipantId": "p-ext"})))
        .expect(1)
        .mount(&server)
        .await;
    let agent = ConsultToAgent {
        speak_to: "DESTINATION",
        consulting_user_id: Some("u-agent".into()),
        user_id: "u-sup".into(),
        user_display_name: Some("Sam Supervisor".into()),
    };
    assert_eq!(
        client
            .consult_agent(CID, "pc", &agent)
            .await
            .unwrap()
            .as_deref(),
        Some("p-sup")
    );
    let address = ConsultToAddress {
        speak_to: "CONFERENCE",
        consulting_user_id: None,
        address: "+13175550100".into(),
    };
    assert_eq!(
        client
            .consult_address(CID, "pc", &address)
            .await
            .unwrap()
            .as_deref(),
        Some("p-ext")
    );
}

#[tokio::test]
async fn update_cancel_and_complete_a_consult() {
    let (server, client) = setup().await;
    let consult = format!("/api/v2/conversations/calls/{CID}/participants/pc/consult");
    Mock::given(method("PATCH"))
        .and(path(consult.clone()))
        .and(body_json(
            json!({"speakTo": "BOTH", "consultingUserId": "u-agent"}),
        ))
        .respond_with(ok(json!({"destinationParticipantId": "p-sup"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(consult))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!(
            "/api/v2/conversations/calls/{CID}/participants/pa"
        )))
        .and(body_json(json!({"state": "disconnected"})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    client
        .update_consult(CID, "pc", "BOTH", Some("u-agent"))
        .await
        .unwrap();
    client.cancel_consult(CID, "pc").await.unwrap();
    client.complete_consult(CID, "pa").await.unwrap();
}

#[tokio::test]
async fn blind_transfer_to_a_queue() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/{CID}/participants/pa/replace/queue"
        )))
        .and(body_json(
            json!({"transferType": "Unattended", "queueId": "q-sup"}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    client
        .blind_transfer_queue(CID, "pa", "q-sup")
        .await
        .unwrap();
}

#[tokio::test]
async fn callback_from_a_live_conversation_and_rescheduling() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/{CID}/participants/pc/callbacks"
        )))
        .and(body_partial_json(
            json!({"queueId": "q-cb", "callbackNumbers": ["+13175551234"],
                                      "callbackScheduledTime": "2026-06-01T15:30:00.000Z",
                                      "data": {"escalation.reference": "ESC-1"}}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/conversations/callbacks"))
        .and(body_json(json!({"conversationId": "cb-1",
                              "callbackScheduledTime": "2026-06-02T15:30:00.000Z",
                              "queueId": "q-cb"})))
        .respond_with(ok(json!({"conversation": {"id": "cb-1"}})))
        .expect(1)
        .mount(&server)
        .await;
    let request = CallbackRequest {
        queue_id: "q-cb".into(),
        callback_user_name: Some("Jane Doe".into()),
        callback_numbers: vec!["+13175551234".into()],
        callback_scheduled_time: Some("2026-06-01T15:30:00.000Z".into()),
        data: BTreeMap::from([("escalation.reference".to_string(), "ESC-1".to_string())]),
    };
    client
        .create_callback_on_conversation(CID, "pc", &request)
        .await
        .unwrap();
    client
        .reschedule_callback("cb-1", "2026-06-02T15:30:00.000Z", Some("q-cb"))
        .await
        .unwrap();
}

#[tokio::test]
async fn rate_limits_5xx_bursts_and_permanent_errors_are_classified() {
    let (server, client) = setup().await;
    let consult = format!("/api/v2/conversations/calls/{CID}/participants/pc/consult");
    Mock::given(method("DELETE"))
        .and(path(consult.clone()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("inin-ratelimit-reset", "12")
                .set_body_json(
                    json!({"status": 429, "code": "too.many.requests", "message": "slow down"}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(consult.clone()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(3)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(consult))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "status": 404, "code": "not.found", "message": "no consult on this participant"})))
        .with_priority(3)
        .mount(&server)
        .await;
    match client.cancel_consult(CID, "pc").await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(d),
            ..
        }) => assert_eq!(d.as_secs(), 12),
        other => panic!("{other:?}"),
    }
    for _ in 0..3 {
        assert!(matches!(
            client.cancel_consult(CID, "pc").await,
            Err(CallError::Retryable {
                status: 503,
                retry_after: None,
                ..
            })
        ));
    }
    let err = client.cancel_consult(CID, "pc").await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("no consult on this participant"));
    assert!(!err.to_string().contains("tok"));
}
