//! How Nextiva's answers are classified: 429s with and without `Retry-After`, a 5xx burst,
//! permanent errors with the platform's message, ids refused before sending, a token
//! scrubbed from an echoed error, and timeouts before and after the call was sent.

use std::time::Duration;

use escalator_adapters::nextiva::{NextivaClient, QueueTransfer, UserTransfer};
use escalator_adapters::outbound::CallError;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{
    assert_hides, assert_nothing_sent, assert_retryable, assert_transport, assert_unactionable,
};
use crate::common::clients::http_with_timeout;
use crate::common::in_turn::in_turn;
use crate::common::replies::{json_reply, too_many_requests};
use crate::kit::{config, login_and_api, mount_login, setup, LOGIN_PATH, QUEUE, USER, WID};

#[tokio::test]
async fn rate_limits_with_and_without_retry_after() {
    let (_login, api, client) = setup().await;
    let transfer = format!("/users/api/calls/{WID}/queuetransfer/{QUEUE}");
    in_turn(|| Mock::given(method("POST")).and(path(transfer.as_str())))
        .once(too_many_requests("7"))
        .then_always(json_reply(
            429,
            json!({"code": "TOO_MANY_REQUESTS", "message": "slow down"}),
        ))
        .mount(&api)
        .await;
    assert_eq!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: String::new()
        })
    );
    assert_eq!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            message: "TOO_MANY_REQUESTS: slow down".into()
        })
    );
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_and_then_succeeds() {
    let (_login, api, client) = setup().await;
    let read = format!("/users/api/workitems/{WID}");
    in_turn(|| Mock::given(method("GET")).and(path(read.as_str())))
        .times(3, ResponseTemplate::new(503))
        .then_always(json_reply(
            200,
            json!({"workitemId": WID, "state": "active"}),
        ))
        .mount(&api)
        .await;
    for _ in 0..3 {
        assert!(matches!(
            client.workitem(WID).await,
            Err(CallError::Retryable {
                status: 503,
                retry_after: None,
                ..
            })
        ));
    }
    assert!(client.workitem(WID).await.unwrap().is_some());
}

#[tokio::test]
async fn permanent_errors_carry_the_platform_message() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/queuetransfer/nope")))
        .respond_with(json_reply(
            404,
            json!({"code": "NOT_FOUND", "message": "inbox not found"}),
        ))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .respond_with(json_reply(
            403,
            json!({"code": "FORBIDDEN", "message": "not your workitem"}),
        ))
        .mount(&api)
        .await;
    let err = client
        .queue_transfer(WID, "nope", &QueueTransfer::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 404,
            message: "NOT_FOUND: inbox not found".into()
        }
    );
    let err = client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("not your workitem"));
}

#[tokio::test]
async fn ids_that_are_not_ids_never_reach_the_platform() {
    let (login, api, client) = setup().await;
    for bad in ["../x", "a/b", "", "w?x=1"] {
        assert_unactionable(
            client
                .queue_transfer(bad, QUEUE, &QueueTransfer::default())
                .await,
        );
        assert_unactionable(
            client
                .user_transfer(WID, bad, &UserTransfer::default())
                .await,
        );
        assert_unactionable(client.workitem(bad).await);
    }
    assert_nothing_sent(&[&login, &api]).await;
}

#[tokio::test]
async fn an_api_error_that_echoes_the_token_is_scrubbed() {
    let (login, api) = login_and_api().await;
    mount_login(
        &login,
        &api,
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.secret-token",
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .respond_with(json_reply(
            400,
            json!({
                "code": "BAD", "message":
                "token eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.secret-token may not do this"}),
        ))
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    let err = client.change_priority(WID, 3).await.unwrap_err();
    assert_hides(&err, &["secret-token"]);
    assert!(format!("{err} {err:?}").contains("may not do this"));
}

#[tokio::test]
async fn timeouts_are_transport_for_the_call_but_retryable_for_the_login() {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok").await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&api)
        .await;
    let http = http_with_timeout(Duration::from_millis(300));
    let client = NextivaClient::new(http.clone(), config(&login));
    // The transfer may have happened: unknown outcome, re-read before any retry.
    let err = client
        .queue_transfer(WID, QUEUE, &QueueTransfer::default())
        .await
        .unwrap_err();
    assert_transport(&err);

    let slow_login = MockServer::start().await;
    Mock::given(path(LOGIN_PATH))
        .respond_with(
            json_reply(200, json!({"token": "tok", "location": api.uri()}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&slow_login)
        .await;
    let client = NextivaClient::new(http, config(&slow_login));
    // The transfer was never sent: safe to retry as it is.
    let err = client
        .queue_transfer(WID, QUEUE, &QueueTransfer::default())
        .await
        .unwrap_err();
    assert_retryable(&err, 0);
}
