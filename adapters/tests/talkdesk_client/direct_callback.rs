//! The direct callback (`POST /calls/callback`): the briefing travels as context fields.

use escalator_adapters::talkdesk::DirectCallback;
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{assert_nothing_sent, assert_unactionable};
use crate::common::replies::json_reply;
use crate::kit::{bearer, briefing, client, setup, CALLER, OUR_NUMBER, TOKEN};

#[tokio::test]
async fn direct_callback_carries_the_briefing_as_context_fields() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "talkdesk_phone_number": OUR_NUMBER,
            "contact_phone_number": CALLER,
            "context": {"fields": [
                {"name": "escalation_reference", "display_name": "Escalation ref",
                 "tooltip_text": "Escalator's reference for this escalation",
                 "data_type": "text", "value": "ESC-XWP5-HYWS"},
                {"name": "escalation_reason", "display_name": "Reason",
                 "tooltip_text": "Why the call was escalated",
                 "data_type": "text", "value": "legal threat"},
                {"name": "caller_quote", "display_name": "Caller said",
                 "tooltip_text": "The caller's own words that triggered the escalation",
                 "data_type": "text", "value": "I'm going to call my lawyer about this"},
                {"name": "caller_verified", "display_name": "Caller verified",
                 "tooltip_text": "Whether the caller passed identity verification",
                 "data_type": "text", "value": "yes"},
                {"name": "escalation_tier", "display_name": "Tier",
                 "tooltip_text": "Escalation tier", "data_type": "text", "value": "specialist"},
                {"name": "caller_name", "display_name": "Caller",
                 "tooltip_text": "Caller's name", "data_type": "text", "value": "Dana Reyes"}
            ]}
        })))
        // The connector documents 200 with no body; an SDK mocks 201.
        .respond_with(json_reply(201, json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing("1 (800) 555-0100", "tel:+14155550123", &briefing());
    c.request_callback(&cb).await.unwrap();
}

#[tokio::test]
async fn direct_callback_without_a_quote_or_verification_says_so() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(body_partial_json(json!({"context": {"fields": [
            {"name": "escalation_reference"}, {"name": "escalation_reason"},
            {"name": "caller_verified", "value": "not checked"}]}})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut b = briefing();
    b.quote = None;
    b.verified = None;
    c.request_callback(&DirectCallback::with_briefing(OUR_NUMBER, CALLER, &b))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_number_that_is_not_e164_is_unactionable_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let c = client(&server);
    let cb = DirectCallback::with_briefing(OUR_NUMBER, "anonymous", &briefing());
    assert_unactionable(c.request_callback(&cb).await);
    assert_nothing_sent(&[&server]).await;
}
