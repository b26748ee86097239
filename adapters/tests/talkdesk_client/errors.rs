//! How Talkdesk's answers are classified: 429s with and without `Retry-After`, a 5xx burst,
//! other 4xx with Talkdesk's own message, ids refused before sending, timeouts and an
//! unreachable host.

use std::time::Duration;

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{CustomFields, DirectCallback, TalkdeskClient};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{
    assert_nothing_sent, assert_retryable, assert_transport, assert_unactionable,
};
use crate::common::clients::http_with_timeout;
use crate::common::in_turn::in_turn;
use crate::common::replies::{json_reply, too_many_requests};
use crate::kit::{
    assert_clean, at, briefing, client, config, queue, scheduled_request, setup, CALLBACK, CALLER,
    INTERACTION, OUR_NUMBER,
};

#[tokio::test]
async fn a_429_with_and_without_retry_after() {
    let (server, c) = setup().await;
    in_turn(|| Mock::given(method("POST")).and(path("/calls/callback")))
        .once(too_many_requests("7"))
        .once(json_reply(
            429,
            json!({"code": "0000429", "message": "Too Many Requests"}),
        ))
        .then_always(too_many_requests("Thu, 01 Jan 2099 00:00:00 GMT"))
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    assert_eq!(
        c.request_callback(&cb).await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: String::new()
        })
    );
    assert_eq!(
        c.request_callback(&cb).await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            message: "0000429: Too Many Requests".into()
        })
    );
    match c.request_callback(&cb).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(wait),
            ..
        }) => assert!(wait > Duration::from_secs(86_400)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_each_time_then_succeeds() {
    let (server, c) = setup().await;
    in_turn(|| Mock::given(method("POST")).and(path("/interaction-custom-fields")))
        .statuses(&[500, 502, 503, 504])
        .then_always(json_reply(200, json!({"code": "ok"})))
        .mount(&server)
        .await;
    let fields = CustomFields::escalation(INTERACTION, &briefing(), at());
    for want in [500, 502, 503, 504] {
        assert_retryable(&c.set_custom_fields(&fields).await.unwrap_err(), want);
    }
    assert_eq!(
        c.set_custom_fields(&fields).await.unwrap().code.as_deref(),
        Some("ok")
    );
}

#[tokio::test]
async fn other_4xx_are_permanent_with_talkdesk_s_message() {
    let (server, c) = setup().await;
    let cases = [
        (400, "0310001", "Invalid request body"),
        (403, "0000403", "Missing scope schedule-callbacks:write"),
        (404, "0310404", "Talkdesk phone number not found"),
        (422, "0310422", "time_to_call must be in the future"),
    ];
    // A 400 or 422 refused the body unapplied, so the client sends its other published
    // reading at once (see `schedule_callback`): those two are answered twice.
    let sends = |status: u16| if matches!(status, 400 | 422) { 2 } else { 1 };
    let mut answers = in_turn(|| Mock::given(method("POST")).and(path("/schedule-callbacks")));
    for (status, code, message) in cases {
        for _ in 0..sends(status) {
            answers = answers.once(json_reply(
                status,
                json!({"code": code, "message": message,
                       "fields": [{"name": "time_to_call", "description": "invalid"}]}),
            ));
        }
    }
    answers.mount(&server).await;
    let request = scheduled_request(Some(INTERACTION), queue("legal_specialists"));
    for (status, code, message) in cases {
        let err = c.schedule_callback(&request).await.unwrap_err();
        let refusal = format!("{code}: {message} [time_to_call: invalid]");
        let message = if sends(status) == 2 {
            format!("{refusal} (the other body reading: {refusal})")
        } else {
            refusal
        };
        assert_eq!(err, CallError::Permanent { status, message });
        // Never our request (the caller's words, their number).
        let text = format!("{err}");
        assert!(!text.contains("lawyer") && !text.contains(CALLER), "{text}");
        assert_clean(&err);
    }
}

#[tokio::test]
async fn ids_that_would_change_the_path_are_refused_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    for bad in ["../calls/callback", "a/b", "", "x?y=1"] {
        assert_unactionable(c.cancel_scheduled_callback(bad).await);
        assert_unactionable(c.scheduled_callback(bad).await);
        assert_unactionable(c.delete_trigger("inboundCallEnds", bad).await);
    }
    let fields = CustomFields::escalation("x/../y", &briefing(), at());
    assert_unactionable(c.set_custom_fields(&fields).await);
    assert_nothing_sent(&[&server]).await;
}

#[tokio::test]
async fn a_timeout_is_transport_because_the_effect_may_have_happened() {
    let (server, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = TalkdeskClient::new(
        http_with_timeout(Duration::from_millis(300)),
        config(&server),
    );
    let err = c
        .request_callback(&DirectCallback::with_briefing(
            OUR_NUMBER,
            CALLER,
            &briefing(),
        ))
        .await
        .unwrap_err();
    assert_transport(&err);
    assert_clean(&err);
}

#[tokio::test]
async fn an_unreachable_host_is_retryable_because_nothing_was_sent() {
    let server = MockServer::start().await;
    let mut cfg = config(&server);
    // A port nothing listens on.
    cfg.token_url = "http://127.0.0.1:9/oauth/token".into();
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    let err = c.scheduled_callback(CALLBACK).await.unwrap_err();
    assert_retryable(&err, 0);
}
