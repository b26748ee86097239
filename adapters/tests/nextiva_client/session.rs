//! The session: login on the login host, refresh before expiry (on the login host or the
//! location), re-login after a 401, the raw or Bearer scheme, refused and malformed logins,
//! and an API base that overrides the login's location.

use std::time::Duration;

use escalator_adapters::nextiva::{
    AuthScheme, NextivaClient, QueueTransfer, TokenRefresh, UserTransfer, WorkitemState,
};
use serde_json::json;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::assertions::{
    assert_hides, assert_nothing_sent, assert_permanent, assert_retryable, requests_to,
};
use crate::common::in_turn::in_turn;
use crate::common::replies::json_reply;
use crate::kit::{
    config, login_and_api, mount_login, BASIC, LOGIN_PATH, PASSWORD, QUEUE, USER, WID,
};

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok-1").await;
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .and(header("authorization", "tok-1"))
        .respond_with(json_reply(
            200,
            json!({"token": "tok-2", "location": api.uri(),
                                "clientLocation": "https://nextiva.thrio.io"}),
        ))
        .expect(1)
        .mount(&login)
        .await;
    for token in ["tok-1", "tok-2"] {
        Mock::given(method("POST"))
            .and(path(format!("/workflows/api/workitems/{WID}/acd")))
            .and(header("authorization", token))
            .respond_with(json_reply(200, json!({})))
            .expect(1)
            .mount(&api)
            .await;
    }
    let mut c = config(&login);
    // An opaque token lives as long as assumed; it is refreshed after half of a short life.
    c.assumed_token_lifetime = Duration::from_secs(1);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    client.change_priority(WID, 4).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.change_priority(WID, 4).await.unwrap();
    assert_eq!(requests_to(&login, LOGIN_PATH).await, 1);
}

#[tokio::test]
async fn a_failed_refresh_falls_back_to_a_login_and_a_missing_endpoint_is_not_tried_again() {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok").await;
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&login)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .respond_with(json_reply(
            200,
            json!({"workitemId": WID, "state": "active"}),
        ))
        .expect(3)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.assumed_token_lifetime = Duration::from_millis(200);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    for _ in 0..3 {
        client.workitem(WID).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(requests_to(&login, LOGIN_PATH).await, 3);
    assert_eq!(requests_to(&login, "/provider/api/token-refresh").await, 1);
}

#[tokio::test]
async fn refresh_can_go_to_the_location() {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok-1").await;
    // The refresh answer carries no location: the cluster stays as it was.
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(json_reply(200, json!({"token": "tok-2"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(json_reply(200, json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.refresh = TokenRefresh::Location;
    c.auth_scheme = AuthScheme::Bearer;
    c.assumed_token_lifetime = Duration::from_secs(1);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    client.change_priority(WID, 2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.change_priority(WID, 2).await.unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_next_call_logs_in_again() {
    let (login, api) = login_and_api().await;
    in_turn(|| Mock::given(method("GET")).and(path(LOGIN_PATH)))
        .once(json_reply(
            200,
            json!({"token": "tok-1", "location": api.uri()}),
        ))
        .then_always(json_reply(
            200,
            json!({"token": "tok-2", "location": api.uri()}),
        ))
        .mount(&login)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .and(header("authorization", "tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok-1"))
        .respond_with(json_reply(
            401,
            json!({
                "type": "AUTHENTICATION_ERROR", "code": "AUTH_001",
                "message": "Invalid or expired authentication token"}),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    // The first call confirms the raw scheme, so the 401 is an expired token, nothing else.
    client
        .queue_transfer(WID, QUEUE, &QueueTransfer::default())
        .await
        .unwrap();
    let err = client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap_err();
    assert_retryable(&err, 401);
    assert!(err.to_string().contains("Invalid or expired"));
    client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap();
    assert_eq!(login.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn auto_scheme_switches_to_bearer_when_a_fresh_raw_token_is_refused() {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok").await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "tok"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "Bearer tok"))
        .respond_with(json_reply(200, json!({"workitemId": WID, "state": "hold"})))
        .expect(2)
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    assert_retryable(&client.workitem(WID).await.unwrap_err(), 401);
    for _ in 0..2 {
        let w = client.workitem(WID).await.unwrap().unwrap();
        assert_eq!(w.state, WorkitemState::Hold);
    }
}

#[tokio::test]
async fn a_rejected_login_is_permanent_and_never_shows_the_password() {
    let (login, api) = login_and_api().await;
    Mock::given(method("GET"))
        .and(path(LOGIN_PATH))
        .and(header_exists("authorization"))
        // A platform that echoes what it was sent must not leak it either.
        .respond_with(json_reply(401, json!({
            "type": "AUTHENTICATION_ERROR", "code": "AUTH_002",
            "message": format!("bad credentials for escalator@tenant.example:{PASSWORD} ({BASIC})")})))
        .mount(&login)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    let err = client.workitem(WID).await.unwrap_err();
    assert_permanent(&err, 401);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("login rejected"));
    assert_hides(&err, &[PASSWORD, &BASIC[6..]]);
    assert_nothing_sent(&[&api]).await;
}

#[tokio::test]
async fn a_login_answer_without_token_or_location_is_permanent() {
    let (login, _api) = login_and_api().await;
    in_turn(|| Mock::given(path(LOGIN_PATH)))
        .once(ResponseTemplate::new(200).set_body_string("<html>portal</html>"))
        .then_always(json_reply(200, json!({"token": "tok"})))
        .mount(&login)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    for _ in 0..2 {
        assert!(client.workitem(WID).await.unwrap_err().is_permanent());
    }
}

#[tokio::test]
async fn the_api_base_can_be_overridden() {
    let (login, api) = login_and_api().await;
    Mock::given(path(LOGIN_PATH))
        .respond_with(json_reply(
            200,
            json!({"token": "tok", "location": "mancity.thrio.invalid"}),
        ))
        .mount(&login)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .respond_with(json_reply(200, json!({"workitemId": WID})))
        .expect(1)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.api_base_override = Some(format!("{}/", api.uri()));
    let client = NextivaClient::new(reqwest::Client::new(), c);
    assert!(client.workitem(WID).await.unwrap().is_some());
}
