//! Reporting: the escalation written into the interaction's custom fields.

use escalator_adapters::talkdesk::CustomFields;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::Mock;

use crate::common::replies::json_reply;
use crate::kit::{at, bearer, briefing, setup, INTERACTION, TOKEN};

#[tokio::test]
async fn custom_fields_tag_the_interaction_for_reports() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/interaction-custom-fields"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "interaction_id": INTERACTION,
            "text_field_1": "specialist",
            "text_field_2": "legal threat",
            "text_field_3": "ESC-XWP5-HYWS",
            "text_field_4": "hard-stop.legal",
            "numeric_field_1": 1,
            "timestamp_field_1": "2026-03-25T15:30:00Z"
        })))
        .respond_with(json_reply(
            200,
            json!({"code": "0000200", "message": "Custom fields saved"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let ack = c
        .set_custom_fields(&CustomFields::escalation(INTERACTION, &briefing(), at()))
        .await
        .unwrap();
    assert_eq!(ack.message.as_deref(), Some("Custom fields saved"));
}
