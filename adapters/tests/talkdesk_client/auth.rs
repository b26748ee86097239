//! Login with OAuth client credentials: the token request, caching and refresh, re-login
//! after a 401, a refused or busy token endpoint, and the hosts of each region.

use std::time::Duration;

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    DirectCallback, Region, TalkdeskClient, TalkdeskConfig, TalkdeskCredentials,
};
use escalator_adapters::Secret;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::{assert_permanent, assert_retryable, assert_unactionable};
use crate::common::replies::json_reply;
use crate::kit::{
    assert_clean, basic, bearer, briefing, client, config, mount_token, token_endpoint,
    token_reply, CALLBACK, CALLER, CLIENT_ID, CLIENT_SECRET, OUR_NUMBER, TOKEN,
};

#[tokio::test]
async fn token_is_fetched_with_basic_auth_and_scopes_then_cached() {
    let server = MockServer::start().await;
    token_endpoint()
        .and(header("authorization", basic().as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "scope=callback%3Awrite+schedule-callbacks%3Awrite+schedule-callbacks%3Aread+webhooks-trigger%3Awrite",
        ))
        .respond_with(token_reply(TOKEN, 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
}

#[tokio::test]
async fn empty_scopes_send_no_scope_parameter() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.scopes.clear();
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    c.cancel_scheduled_callback(CALLBACK).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    assert_eq!(body, "grant_type=client_credentials");
}

#[tokio::test]
async fn short_lived_token_is_refreshed_before_expiry() {
    let server = MockServer::start().await;
    token_endpoint()
        // A 1-second token is refreshed after half its life.
        .respond_with(token_reply(TOKEN, 1))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .respond_with(json_reply(200, json!({"callback_id": CALLBACK})))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    c.scheduled_callback(CALLBACK).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.scheduled_callback(CALLBACK).await.unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_next_call_logs_in_again() {
    let server = MockServer::start().await;
    token_endpoint()
        .respond_with(token_reply("revoked-token", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    token_endpoint()
        .respond_with(token_reply(TOKEN, 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", "Bearer revoked-token"))
        .respond_with(json_reply(
            401,
            json!({"code": "1002", "message": "Invalid token: revoked-token"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    let err = c.request_callback(&cb).await.unwrap_err();
    assert_retryable(&err, 401);
    // The echoed token is redacted.
    assert!(!format!("{err}").contains("revoked-token"), "{err}");
    c.request_callback(&cb).await.unwrap();
}

#[tokio::test]
async fn refused_client_credentials_are_permanent_and_never_show_the_secret() {
    let server = MockServer::start().await;
    token_endpoint()
        .respond_with(json_reply(
            401,
            json!({
                "error": "invalid_client",
                "error_description": format!("client {CLIENT_ID} secret {CLIENT_SECRET} rejected")}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .scheduled_callback(CALLBACK)
        .await
        .unwrap_err();
    assert_permanent(&err, 401);
    assert!(format!("{err}").contains("invalid_client"), "{err}");
    assert_clean(&err);
}

#[tokio::test]
async fn a_busy_token_endpoint_is_retryable() {
    let server = MockServer::start().await;
    token_endpoint()
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "5"))
        .mount(&server)
        .await;
    let err = client(&server)
        .scheduled_callback(CALLBACK)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Retryable {
            status: 503,
            retry_after: Some(Duration::from_secs(5)),
            message: String::new()
        }
    );
}

#[test]
fn regions_and_accounts() {
    let creds = TalkdeskCredentials {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
    };
    let eu = TalkdeskConfig::new(Region::Eu, "acme", creds.clone()).unwrap();
    assert_eq!(eu.api_base, "https://api.talkdeskapp.eu");
    assert_eq!(eu.token_url, "https://acme.talkdeskid.eu/oauth/token");
    let us = TalkdeskConfig::new(Region::Us, "acme", creds.clone()).unwrap();
    assert_eq!(us.api_base, "https://api.talkdeskapp.com");
    assert_eq!(us.token_url, "https://acme.talkdeskid.com/oauth/token");
    let ca = TalkdeskConfig::new(Region::Ca, "acme", creds.clone()).unwrap();
    assert_eq!(ca.api_base, "https://api.talkdeskappca.com");
    assert_eq!(ca.token_url, "https://acme.talkdeskidca.com/oauth/token");
    assert_unactionable(TalkdeskConfig::new(Region::Us, "evil.example/x", creds));
    let dbg = format!("{us:?}");
    assert!(!dbg.contains(CLIENT_SECRET), "{dbg}");
}
