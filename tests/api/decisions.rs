//! Decisions that read the whole call, end to end on Genesys: a second hard-stop is alerted
//! to its own team and recorded (never a second transfer), and a self-harm phrase heard only
//! in a partial before the caller hangs up leaves a review with an at-risk alert.

use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

/// The service on a mocked Genesys whose consults and attribute writes succeed, with the
/// alert webhook on its own mock.
async fn spawn_with_alerts() -> (TestApp, MockServer) {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(Options {
        api_secrets: vec![alert_webhook_secret(&alerts)],
        ..Options::default()
    })
    .await;
    mount_genesys_basics(&app.genesys).await;
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"})),
        )
        .mount(&app.genesys)
        .await;
    (app, alerts)
}

async fn consults(app: &TestApp) -> usize {
    app.genesys
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == consult_path())
        .count()
}

/// Every action has settled.
fn settled(rows: &[escalator::store::ActionRow]) -> bool {
    !rows.is_empty()
        && rows
            .iter()
            .all(|a| a.status != "pending" && a.status != "leased")
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

async fn alert_with_reason(alerts: &MockServer, reason: &str) -> Vec<Value> {
    for _ in 0..200 {
        let found: Vec<Value> = alerts_received(alerts)
            .await
            .into_iter()
            .filter(|a| a["escalator"]["reason"] == reason)
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no {reason} alert: {:#?}", alerts_received(alerts).await);
}

#[tokio::test]
async fn fraud_and_a_legal_threat_together_transfer_to_legal_and_alert_fraud() {
    let (app, alerts) = spawn_with_alerts().await;
    app.post_genesys(&customer_start()).await;
    let r = app
        .post_genesys(&transcription(
            "u1",
            "I've been scammed and if you don't refund it my lawyer will be in touch",
            "EXTERNAL",
            true,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let rows = app
        .wait_for_actions(|rows| {
            settled(rows) && rows.iter().any(|a| a.kind == "alert_second_hard_stop")
        })
        .await;
    let kinds: Vec<&str> = rows.iter().map(|a| a.kind.as_str()).collect();
    assert!(kinds.contains(&"warm_transfer"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "warm_transfer").count(),
        1,
        "one transfer: {kinds:?}"
    );
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].team, "legal");
    // The decision records the second team.
    assert_eq!(escalations[0].decision["secondary"][0]["kind"], "fraud");
    assert_eq!(escalations[0].decision["secondary"][0]["team"], "fraud");

    let fraud = alert_with_reason(&alerts, "second_hard_stop").await;
    assert_eq!(fraud.len(), 1);
    assert_eq!(fraud[0]["escalator"]["team"], "fraud");
    assert_eq!(fraud[0]["escalator"]["urgency"], "immediate");
    assert_eq!(fraud[0]["escalator"]["trigger"], "fraud");
    assert!(
        fraud[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Team legal has the call"),
        "{fraud:#?}"
    );
    assert_eq!(consults(&app).await, 1);
}

#[tokio::test]
async fn fraud_after_a_legal_threat_is_alerted_and_recorded_without_a_second_transfer() {
    let (app, alerts) = spawn_with_alerts().await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription(
        "u1",
        "I'm going to sue you over this",
        "EXTERNAL",
        true,
    ))
    .await;
    app.wait_for_actions(|rows| settled(rows) && rows.iter().any(|a| a.kind == "warm_transfer"))
        .await;
    let r = app
        .post_genesys(&transcription(
            "u2",
            "and on top of that I've been scammed",
            "EXTERNAL",
            true,
        ))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "escalated", "not swallowed");
    app.wait_for_actions(|rows| {
        settled(rows) && rows.iter().any(|a| a.kind == "alert_second_hard_stop")
    })
    .await;

    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    let teams: Vec<(&str, &str)> = escalations
        .iter()
        .map(|e| (e.team.as_str(), e.status.as_str()))
        .collect();
    let fraud = escalations
        .iter()
        .find(|e| e.team == "fraud")
        .unwrap_or_else(|| panic!("{teams:?}"));
    assert_eq!(fraud.status, "alerted", "{teams:?}");
    assert_eq!(fraud.decision["mode"], "alert_only");
    let actions = app.store.escalation_actions(&fraud.id).await.unwrap();
    let kinds: Vec<&str> = actions.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["alert_second_hard_stop"]);
    // Still one consult: the legal one.
    assert_eq!(consults(&app).await, 1);
    let sent = alert_with_reason(&alerts, "second_hard_stop").await;
    assert_eq!(sent[0]["escalator"]["team"], "fraud");
    assert_eq!(sent[0]["escalator"]["urgency"], "immediate");
    // Both await review.
    let queue = app.store.review_queue(10).await.unwrap();
    assert!(
        queue.iter().any(|q| q.escalation_id == fraud.id),
        "{queue:#?}"
    );
    // The call's open escalation is still legal's.
    let session = app.store.session(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(session.escalation.map(|e| e.team).as_deref(), Some("legal"));
}

#[tokio::test]
async fn a_self_harm_partial_before_the_caller_hangs_up_leaves_a_review_and_an_alert() {
    let (app, alerts) = spawn_with_alerts().await;
    app.post_genesys(&customer_start()).await;
    let r = app
        .post_genesys(&transcription(
            "u1",
            "Honestly I don't want to be here anymore",
            "EXTERNAL",
            false,
        ))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_ne!(
        body["events"][0]["outcome"], "escalated",
        "partials never act"
    );
    assert!(app
        .store
        .escalations(Vendor::Genesys, CID)
        .await
        .unwrap()
        .is_empty());

    let r = app.post_genesys(&customer_end()).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "escalated", "{body}");
    let rows = app.wait_for_actions(settled).await;
    let kinds: Vec<&str> = rows.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["alert_call_ended_at_risk"]);
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].status, "review");
    assert_eq!(escalations[0].team, "welfare");
    let queue = app.store.review_queue(10).await.unwrap();
    assert!(queue.iter().any(|q| q.escalation_id == escalations[0].id));

    let sent = alert_with_reason(&alerts, "call_ended_at_risk").await;
    let text = sent[0]["text"].as_str().unwrap_or("").to_lowercase();
    for needed in [
        "may be at risk",
        "call has ended",
        "want to be here anymore",
        CALLER,
    ] {
        assert!(text.contains(&needed.to_lowercase()), "{needed}: {text}");
    }
    assert_eq!(sent[0]["escalator"]["urgency"], "immediate");
    assert_eq!(sent[0]["escalator"]["team"], "welfare");
    // Nobody was transferred: there is no call left.
    assert_eq!(consults(&app).await, 0);
}

#[tokio::test]
async fn a_self_harm_phrase_that_fired_on_the_final_leaves_no_extra_review_at_hang_up() {
    let (app, _alerts) = spawn_with_alerts().await;
    app.post_genesys(&customer_start()).await;
    for (id, is_final) in [("u1", false), ("u1", true)] {
        app.post_genesys(&transcription(
            id,
            "Honestly I don't want to be here anymore",
            "EXTERNAL",
            is_final,
        ))
        .await;
    }
    app.wait_for_actions(settled).await;
    app.post_genesys(&customer_end()).await;
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert_eq!(escalations[0].team, "welfare");
    assert_ne!(escalations[0].status, "review");
}
