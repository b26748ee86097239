//! Webhook trigger registration: the subscription bodies, reading the created id, a
//! refusal that must not echo the webhook secret, deletion, and the dry-run plan.

use escalator_adapters::talkdesk::{
    registration_requests, subscriptions, Region, TOKEN_PLACEHOLDER,
};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{assert_nothing_sent, assert_permanent};
use crate::common::replies::json_reply;
use crate::kit::{assert_clean, bearer, client, setup, TOKEN, WEBHOOK_SECRET};

#[tokio::test]
async fn registering_a_trigger_sends_the_subscription_body_and_reads_the_id() {
    let (server, c) = setup().await;
    let subs = subscriptions("https://escalator.example.com", WEBHOOK_SECRET);
    let ends = subs
        .iter()
        .find(|s| s.trigger == "inboundCallEnds")
        .unwrap();
    let starts = subs
        .iter()
        .find(|s| s.trigger == "inboundCallStarts")
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallEnds"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(ends.body()))
        .and(body_partial_json(json!({
            "callbackurl": format!(
                "https://escalator.example.com/webhooks/talkdesk/{WEBHOOK_SECRET}?trigger=inboundCallEnds")
        })))
        .respond_with(json_reply(201, json!({"id": "trg-0001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallStarts"))
        .and(body_json(starts.body()))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "Location",
            "https://api.talkdeskapp.com/webhooks/triggers/inboundCallStarts/trg-0002",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let a = c.register_trigger(ends).await.unwrap();
    assert_eq!(a.trigger, "inboundCallEnds");
    assert_eq!(a.trigger_id.as_deref(), Some("trg-0001"));
    let b = c.register_trigger(starts).await.unwrap();
    assert_eq!(b.trigger_id.as_deref(), Some("trg-0002"));
    assert!(b.location.unwrap().ends_with("/trg-0002"));
}

#[tokio::test]
async fn a_refused_registration_never_echoes_the_webhook_secret() {
    let (server, c) = setup().await;
    let subs = subscriptions("https://escalator.example.com", WEBHOOK_SECRET);
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallEnds"))
        .respond_with(json_reply(400, json!({
            "code": "0400001", "message": "Invalid callbackurl",
            "fields": [{"name": "callbackurl", "description": format!(
                "https://escalator.example.com/webhooks/talkdesk/{WEBHOOK_SECRET}?trigger=inboundCallEnds is not reachable")}]})))
        .mount(&server)
        .await;
    let ends = subs
        .iter()
        .find(|s| s.trigger == "inboundCallEnds")
        .unwrap();
    let err = c.register_trigger(ends).await.unwrap_err();
    assert_permanent(&err, 400);
    assert!(format!("{err}").contains("callbackurl"), "{err}");
    assert_clean(&err);
}

#[tokio::test]
async fn deleting_a_trigger_and_deleting_it_again() {
    let (server, c) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallEnds/trg-0001"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallEnds/trg-0001"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    assert!(c
        .delete_trigger("inboundCallEnds", "trg-0001")
        .await
        .unwrap());
    assert!(!c
        .delete_trigger("inboundCallEnds", "trg-0001")
        .await
        .unwrap());
}

#[tokio::test]
async fn the_dry_run_plan_is_the_subscriptions_unsent() {
    let server = MockServer::start().await;
    let plan = registration_requests(
        Region::Eu.api_base(),
        "https://escalator.example.com/",
        WEBHOOK_SECRET,
    );
    let subs = subscriptions("https://escalator.example.com/", WEBHOOK_SECRET);
    assert_eq!(plan.len(), subs.len());
    assert_eq!(plan.len(), 9);
    for (p, s) in plan.iter().zip(&subs) {
        assert_eq!(p.method, "POST");
        assert_eq!(
            p.url,
            format!("https://api.talkdeskapp.eu/webhooks/triggers/{}", s.trigger)
        );
        assert_eq!(p.body, s.body());
        assert_eq!(p.acted_on, s.acted_on);
        assert!(p
            .headers
            .contains(&("Authorization", TOKEN_PLACEHOLDER.to_string())));
    }
    let text = plan[0].to_string();
    assert!(text.starts_with("POST https://api.talkdeskapp.eu/webhooks/triggers/"));
    assert!(text.contains("\"callbackurl\""));
    // The client's own plan uses its API base and sends nothing.
    let c = client(&server);
    let own = c.registration_plan("https://escalator.example.com", WEBHOOK_SECRET);
    assert!(own[0]
        .url
        .starts_with(&format!("{}/webhooks/triggers/", server.uri())));
    assert_nothing_sent(&[&server]).await;
}
