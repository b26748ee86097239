//! The Agent REST session: re-login after a 401 or 435, patience with a 401 right after
//! login, renewal of old sessions, metadata fetched when the login lacks it, and what
//! cannot act at all (a refused login, an unknown agent, no admin credentials).

use std::time::Duration;

use escalator_adapters::five9::{CallbackRecord, Five9Client};
use escalator_adapters::outbound::CallError;
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{assert_retryable, assert_unactionable};
use crate::common::in_turn::in_turn;
use crate::common::replies::json_reply;
use crate::kit::{
    assert_no_secrets, call_path, client, config, five9_error, mount_login, AGENT, CALL, REST,
};

#[tokio::test]
async fn a_401_or_435_drops_the_session_and_the_next_call_logs_in_again() {
    let server = MockServer::start().await;
    mount_login(&server, 3).await;
    let complete = call_path("complete_transfer");
    in_turn(|| Mock::given(method("PUT")).and(path(complete.as_str())))
        .once(five9_error(401, 0, "LOGIN", "User is not logged in"))
        .once(five9_error(435, 5001, "MIGRATION", "Service migrated"))
        .then_always(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Retryable { status: 401, message, .. } if message.contains("not logged in")),
        "{err:?}"
    );
    assert_no_secrets(&err);
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert_retryable(&err, 435);
    client.complete_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn a_401_right_after_login_keeps_the_session_and_waits() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    let cancel = call_path("cancel_transfer");
    in_turn(|| Mock::given(method("PUT")).and(path(cancel.as_str())))
        .statuses(&[401])
        .then_always(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.login_grace = Duration::from_secs(60);
    let client = Five9Client::new(reqwest::Client::new(), c);
    assert_eq!(
        client.cancel_transfer(AGENT, CALL).await,
        Err(CallError::Retryable {
            status: 401,
            retry_after: Some(Duration::from_secs(2)),
            message: String::new()
        })
    );
    client.cancel_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn sessions_are_renewed_before_they_grow_old() {
    let server = MockServer::start().await;
    mount_login(&server, 2).await;
    Mock::given(method("PUT"))
        .and(path(call_path("complete_transfer")))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.session_max_age = Duration::from_millis(200);
    let client = Five9Client::new(reqwest::Client::new(), c);
    client.complete_transfer(AGENT, CALL).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.complete_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn metadata_is_fetched_when_the_login_lacks_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .and(body_partial_json(json!({"policy": "AttachExisting"})))
        .respond_with(json_reply(
            200,
            json!({
                "tokenId": "tok-1", "userId": 123456789, "orgId": "987654321",
                "context": {"farmId": 149}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/auth/metadata")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .respond_with(json_reply(200, json!({"dataCenters": [
            {"active": true, "apiUrls": [{"host": "127.0.0.1", "port": server.address().port()}]}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(call_path("cancel_transfer")))
        .and(header("farmId", "149"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client.cancel_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn rejected_login_unknown_agent_and_missing_admin_cannot_act() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .respond_with(five9_error(401, 1, "LOGIN", "Invalid username or password"))
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.admin = None;
    let client = Five9Client::new(reqwest::Client::new(), c);
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("Invalid username or password"));
    assert_no_secrets(&err);
    let err = client
        .complete_transfer("someone@else", CALL)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Unactionable(m) if !m.contains("someone")),
        "{err:?}"
    );
    let record = CallbackRecord {
        list_name: "CB".into(),
        number: "+14155550123".into(),
        call_at: None,
        fields: vec![],
    };
    assert_unactionable(client.add_record_to_list(&record).await);
}
