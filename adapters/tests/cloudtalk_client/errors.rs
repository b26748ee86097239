//! How CloudTalk's answers are classified: the company rate limit and its headers, a 5xx
//! burst, a rejected key pair and other 4xx, requests that cannot be built, and a timeout
//! after sending; no error shows the key pair.

use std::time::Duration;

use escalator_adapters::cloudtalk::CueCard;
use escalator_adapters::outbound::CallError;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::assert_permanent;
use crate::common::clients::http_with_timeout;
use crate::common::in_turn::in_turn;
use crate::common::replies::json_reply;
use crate::kit::{assert_clean, briefing, client_with, envelope, setup, AGENT, CALLER, CONTACT};

#[tokio::test]
async fn rate_limit_429_with_and_without_retry_after() {
    let (server, client) = setup().await;
    let reset = jiff::Timestamp::now().as_second() + 30;
    let limited = || {
        envelope(429, 429, "Too Many Requests")
            .insert_header("X-CloudTalkAPI-Limit", "60")
            .insert_header("X-CloudTalkAPI-Remaining", "0")
    };
    in_turn(|| Mock::given(path("/api/agents/index.json")))
        .once(limited().insert_header("Retry-After", "7"))
        .once(limited().insert_header("X-CloudTalkAPI-ResetTime", reset.to_string().as_str()))
        .then_always(ResponseTemplate::new(429))
        .mount(&server)
        .await;

    match client.agent(AGENT).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(d),
            message,
        }) => {
            assert_eq!(d, Duration::from_secs(7));
            assert_eq!(message, "Too Many Requests");
        }
        other => panic!("{other:?}"),
    }
    match client.agent(AGENT).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(d),
            ..
        }) => assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    let seen = client.rate_limit().unwrap();
    assert_eq!((seen.limit, seen.remaining), (Some(60), Some(0)));
    assert_eq!(seen.reset_at.map(|t| t.as_second()), Some(reset));
    // Neither header: the dispatcher's own backoff applies.
    let err = client.agent(AGENT).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Retryable {
            status: 429,
            retry_after: None,
            message: String::new()
        }
    );
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_then_succeeds() {
    let (server, client) = setup().await;
    let tags_path = format!("/api/contacts/addTags/{CONTACT}.json");
    in_turn(|| Mock::given(method("PUT")).and(path(tags_path.as_str())))
        .times(2, ResponseTemplate::new(503))
        .once(envelope(500, 500, "Something went wrong."))
        .then_always(json_reply(
            200,
            json!({"responseData": {
                "status": 200, "data": {"tags": [{"id": "1", "name": "Legal"}]}}}),
        ))
        .mount(&server)
        .await;
    let tags = ["Legal".to_string()];
    for status in [503, 503, 500] {
        match client.add_tags(CONTACT, &tags).await {
            Err(CallError::Retryable {
                status: s,
                retry_after: None,
                ..
            }) => assert_eq!(s, status),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(client.add_tags(CONTACT, &tags).await.unwrap().len(), 1);
}

#[tokio::test]
async fn rejected_key_pair_and_other_4xx_are_permanent_without_secrets() {
    let (server, client) = setup().await;
    let note = format!("/api/notes/add/{CONTACT}.json");
    in_turn(|| Mock::given(method("PUT")).and(path(note.as_str())))
        .once(envelope(401, 401, "Unauthorized action"))
        .then_always(json_reply(
            406,
            json!({"responseData": {
                "status": 406, "message": "Invalid input data.",
                "data": {"note": ["This field is required."]}}}),
        ))
        .mount(&server)
        .await;
    let err = client.add_note(CONTACT, "ESC-1", None).await.unwrap_err();
    assert_permanent(&err, 401);
    assert!(err.to_string().contains("Unauthorized action"));
    assert_clean(&err);
    let err = client.add_note(CONTACT, "ESC-1", None).await.unwrap_err();
    assert_permanent(&err, 406);
    assert!(err
        .to_string()
        .contains("Invalid input data.; note: This field is required."));
    assert_clean(&err);
}

#[tokio::test]
async fn what_cannot_be_built_is_never_sent() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let errors = [
        client.add_note("12/../34", "x", None).await.unwrap_err(),
        client
            .add_note(CONTACT, "x", Some("sam"))
            .await
            .unwrap_err(),
        client.add_tags(CONTACT, &[" ".into()]).await.unwrap_err(),
        client.click_to_call(AGENT, "anonymous").await.unwrap_err(),
        client.click_to_call("agent-1", CALLER).await.unwrap_err(),
        client.call_details("abc").await.unwrap_err(),
        client.find_contact_by_number("123").await.unwrap_err(),
        client
            .push_cue_card(&CueCard::briefing("", &briefing(), "x"))
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, CallError::Unactionable(_)), "{err:?}");
        assert_clean(err);
    }
}

#[tokio::test]
async fn a_timeout_after_sending_is_transport() {
    let server = MockServer::start().await;
    let client = client_with(&server, http_with_timeout(Duration::from_millis(200)));
    Mock::given(method("POST"))
        .and(path("/api/calls/create.json"))
        .respond_with(
            json_reply(200, json!({"responseData": {"status": 200}}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let err = client.click_to_call(AGENT, CALLER).await.unwrap_err();
    assert_eq!(err, CallError::Transport("timed out".into()));
    assert_clean(&err);
}
