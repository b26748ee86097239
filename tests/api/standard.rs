//! The vendor-neutral feed: Standard Webhooks signatures, canonical events in.

use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{Secret, Vendor};
use serde_json::{json, Value};

use crate::helpers::*;

async fn post_signed(
    app: &TestApp,
    id: &str,
    ts: i64,
    body: &Value,
    key: &str,
) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let key = SigningKey::parse(&Secret::new(key)).unwrap();
    app.http
        .post(format!("{}/webhooks/standard", app.address))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sign(&key, id, ts, &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn utterance(text: &str) -> Value {
    json!({"platform": "five9", "type": "utterance", "call_id": "300000000001",
           "occurred_at": "2026-03-19T22:04:48Z", "utterance_id": "sa-1",
           "speaker": "customer", "text": text, "is_final": true})
}

#[tokio::test]
async fn a_signed_utterance_from_speech_analytics_is_decided_for_its_platform() {
    let app = spawn_app().await;
    let now = jiff::Timestamp::now().as_second();
    let r = post_signed(
        &app,
        "msg_1",
        now,
        &utterance("I'm reporting you to the CFPB"),
        STANDARD_KEY,
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "escalated");
    let escalations = app
        .store
        .escalations(Vendor::Five9, "300000000001")
        .await
        .unwrap();
    assert_eq!(escalations[0].team, "compliance");
    // Redelivered with the same webhook-id: no second effect.
    let r = post_signed(
        &app,
        "msg_1",
        now,
        &utterance("I'm reporting you to the CFPB"),
        STANDARD_KEY,
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "duplicate");
}

#[tokio::test]
async fn wrong_stale_or_missing_signatures_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let now = jiff::Timestamp::now().as_second();
    let other_key = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    for (id, ts, key) in [
        ("m1", now, other_key),
        // Well past the 300 s tolerance, so a second ticking between here and the server
        // cannot bring them back inside it (the boundary itself is tested in the adapters).
        ("m2", now - 330, STANDARD_KEY),
        ("m3", now + 330, STANDARD_KEY),
    ] {
        let r = post_signed(&app, id, ts, &utterance("I will sue"), key).await;
        assert_eq!(r.status(), 401, "{id}");
    }
    let r = app
        .http
        .post(format!("{}/webhooks/standard", app.address))
        .json(&utterance("I will sue"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(app.store.count_events(Vendor::Five9).await.unwrap(), 0);
}

#[tokio::test]
async fn a_signed_but_malformed_event_gets_400_naming_the_field() {
    let app = spawn_app().await;
    let now = jiff::Timestamp::now().as_second();
    let mut event = utterance("hello");
    event.as_object_mut().unwrap().remove("speaker");
    let r = post_signed(&app, "m9", now, &event, STANDARD_KEY).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "speaker");
}
