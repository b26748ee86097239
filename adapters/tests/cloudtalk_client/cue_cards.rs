//! Cue Cards: the briefing and the instruction shown to the agent, retried while the call
//! is not yet visible, and validation errors in either of CloudTalk's readings.

use escalator_adapters::cloudtalk::{CueCard, CueCardContent, CALL_NOT_VISIBLE_WAIT};
use escalator_adapters::outbound::CallError;
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::Mock;

use crate::common::assertions::assert_permanent;
use crate::common::in_turn::in_turn;
use crate::common::replies::json_reply;
use crate::kit::{assert_clean, briefing, setup, UUID};

#[tokio::test]
async fn cue_card_carries_the_briefing_and_the_instruction() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "call_uuid": UUID,
            "type": "blocks",
            "title": "Escalation ESC-1042: specialist",
            "subtitle": "legal threat",
            "content": [
                {"type": "richtext", "name": "What to do now",
                 "value": "<b>Warm-transfer to group Legal</b>"},
                {"type": "textfield", "name": "Reference", "value": "ESC-1042"},
                {"type": "textfield", "name": "Reason", "value": "legal threat"},
                {"type": "textfield", "name": "Tier", "value": "specialist"},
                {"type": "textfield", "name": "Caller's words", "value": "\"I'm calling my lawyer\""},
                {"type": "textfield", "name": "Caller", "value": "Jane Doe (verified)"}
            ]
        })))
        .respond_with(json_reply(200, json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .and(body_json(json!({
            "call_uuid": UUID, "type": "html", "title": "Supervisor joining",
            "content": "<p>Stay on the line</p>"})))
        .respond_with(json_reply(200, json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    client.push_cue_card(&card).await.unwrap();
    let html = CueCard {
        call_uuid: UUID.into(),
        title: "Supervisor joining".into(),
        subtitle: None,
        icon_url: None,
        content: CueCardContent::Html("<p>Stay on the line</p>".into()),
    };
    client.push_cue_card(&html).await.unwrap();
}

#[tokio::test]
async fn cue_card_424_is_retried_until_the_call_is_visible() {
    let (server, client) = setup().await;
    in_turn(|| Mock::given(method("POST")).and(path("/platform/api/cuecards")))
        .times(
            2,
            json_reply(
                424,
                json!({"success": false,
                       "errors": [format!("no such active call - call_uuid: {UUID}")]}),
            ),
        )
        .then_always(json_reply(200, json!({"success": true})))
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Conference the crisis team in");
    for _ in 0..2 {
        match client.push_cue_card(&card).await {
            Err(CallError::Retryable {
                status: 424,
                retry_after,
                message,
            }) => {
                assert_eq!(retry_after, Some(CALL_NOT_VISIBLE_WAIT));
                assert!(message.contains("no such active call"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    client.push_cue_card(&card).await.unwrap();
}

#[tokio::test]
async fn cue_card_validation_errors_are_permanent() {
    let (server, client) = setup().await;
    in_turn(|| Mock::given(method("POST")).and(path("/platform/api/cuecards")))
        .once(json_reply(
            400,
            json!({"success": false,
                   "errors": ["field validation for 'CallUUID' failed (required)"]}),
        ))
        // The other reading: a 200 that still says `success: false`.
        .then_always(json_reply(
            200,
            json!({"success": false, "errors": ["error processing cue card"]}),
        ))
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    let err = client.push_cue_card(&card).await.unwrap_err();
    assert_permanent(&err, 400);
    assert!(err.to_string().contains("field validation"));
    let err = client.push_cue_card(&card).await.unwrap_err();
    assert_permanent(&err, 200);
    assert!(err.to_string().contains("error processing cue card"));
    assert_clean(&err);
}
