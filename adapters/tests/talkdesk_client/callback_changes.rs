//! Changing a scheduled callback: JSON Patch paths in either spelling, the media-type
//! fallback after a 415, and cancelling.

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    AssignType, CallbackChange, DirectCallback, PatchPaths, TalkdeskClient,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{assert_permanent, assert_unactionable};
use crate::common::replies::json_reply;
use crate::kit::{
    at, bearer, briefing, config, mount_token, setup, CALLBACK, CALLER, OUR_NUMBER, TOKEN,
};

#[tokio::test]
async fn rescheduling_is_a_json_patch_with_the_documented_paths() {
    let (server, c) = setup().await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json-patch+json"))
        .and(body_json(json!([
            {"op": "replace", "path": "/timeToCall", "value": "2026-03-25T15:30:00Z"},
            {"op": "replace", "path": "/timezone", "value": "America/New_York"}
        ])))
        .respond_with(json_reply(
            200,
            json!({"callback_id": CALLBACK, "time_to_call": "2026-03-25T15:30:00Z"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(body_json(json!([
            {"op": "replace", "path": "/assignType", "value": "SPECIFIC_AGENT"},
            {"op": "replace", "path": "/agents", "value": [{"agent_id": "a1"}]}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let updated = c
        .reschedule_callback(CALLBACK, at(), Some("America/New_York"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.time_to_call, Some(at()));
    let none = c
        .update_scheduled_callback(
            CALLBACK,
            &[
                CallbackChange::AssignType(AssignType::SpecificAgent),
                CallbackChange::Replace {
                    path: "/agents".into(),
                    value: json!([{"agent_id": "a1"}]),
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(none, None);
    assert_unactionable(c.update_scheduled_callback(CALLBACK, &[]).await);
}

#[tokio::test]
async fn snake_case_patch_paths_when_configured() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(body_json(json!([
            {"op": "replace", "path": "/time_to_call", "value": "2026-03-25T15:30:00Z"}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.patch_paths = PatchPaths::SnakeCase;
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
}

#[tokio::test]
async fn a_415_on_patch_switches_the_media_type_for_the_retry() {
    let (server, c) = setup().await;
    Mock::given(method("PATCH"))
        .and(header("content-type", "application/json-patch+json"))
        .respond_with(json_reply(
            415,
            json!({"code": "0000415", "message": "Unsupported Media Type"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!([
            {"op": "replace", "path": "/timeToCall", "value": "2026-03-25T15:30:00Z"}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let err = c
        .reschedule_callback(CALLBACK, at(), None)
        .await
        .unwrap_err();
    match &err {
        CallError::Retryable {
            status: 415,
            message,
            ..
        } => assert!(message.contains("application/json"), "{message}"),
        other => panic!("{other:?}"),
    }
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
    // The working media type sticks.
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
}

#[tokio::test]
async fn a_415_outside_patch_is_permanent() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(415))
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    assert_permanent(&c.request_callback(&cb).await.unwrap_err(), 415);
}

#[tokio::test]
async fn cancelling_twice_is_harmless() {
    let (server, c) = setup().await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .respond_with(json_reply(
            404,
            json!({"code": "0440004", "message": "Callback not found"}),
        ))
        .mount(&server)
        .await;
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
    assert!(!c.cancel_scheduled_callback(CALLBACK).await.unwrap());
}
