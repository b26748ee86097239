//! The mocked Talkdesk account: credentials, a client pointed at the mock server, the token
//! endpoint, and the escalation the tests act on.

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    Region, ScheduledCallbackRequest, TalkdeskClient, TalkdeskConfig, TalkdeskCredentials,
    DEFAULT_SCOPES,
};
use escalator_adapters::{Briefing, Destination, Secret, Target};
use jiff::Timestamp;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use crate::common::assertions::assert_hides;
use crate::common::clients::basic_auth;
use crate::common::replies::json_reply;

pub const CLIENT_ID: &str = "td-client-7f3a";
pub const CLIENT_SECRET: &str = "td-secret-Q9x2LmW";
pub const TOKEN: &str = "eyJ-talkdesk-access-token";
pub const INTERACTION: &str = "e4742002f9dc421d92c0395ad9888364";
pub const OUR_NUMBER: &str = "+18005550100";
pub const CALLER: &str = "+14155550123";
pub const CALLBACK: &str = "cb-61935f5904147e334756017d";
pub const WEBHOOK_SECRET: &str = "whk-secret-55aa";

pub fn basic() -> String {
    basic_auth(CLIENT_ID, CLIENT_SECRET)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub fn config(server: &MockServer) -> TalkdeskConfig {
    let mut config = TalkdeskConfig::new(
        Region::Us,
        "acme",
        TalkdeskCredentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
    )
    .unwrap();
    // The API on the server root, the identity host under its own prefix, so a request to
    // the wrong host misses.
    config.api_base = format!("{}/", server.uri());
    config.token_url = format!("{}/id/oauth/token", server.uri());
    config
}

pub fn client(server: &MockServer) -> TalkdeskClient {
    TalkdeskClient::new(reqwest::Client::new(), config(server))
}

pub fn token_reply(token: &str, expires_in: u64) -> ResponseTemplate {
    json_reply(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in,
               "scope": DEFAULT_SCOPES.join(" ")}),
    )
}

/// Requests to the identity host's token endpoint, for a test to answer.
pub fn token_endpoint() -> MockBuilder {
    Mock::given(method("POST")).and(path("/id/oauth/token"))
}

pub async fn mount_token(server: &MockServer) {
    token_endpoint()
        .respond_with(token_reply(TOKEN, 3600))
        .mount(server)
        .await;
}

/// A mock server that hands out [`TOKEN`], and a client logged in against it.
pub async fn setup() -> (MockServer, TalkdeskClient) {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let c = client(&server);
    (server, c)
}

pub fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-XWP5-HYWS".into(),
        tier: "specialist".into(),
        reason: "legal threat".into(),
        rule_id: "hard-stop.legal".into(),
        quote: Some("I'm going to call my lawyer about this".into()),
        utterance_id: None,
        caller_name: Some("Dana Reyes".into()),
        verified: Some(true),
        context: Default::default(),
    }
}

pub fn target(destination: Destination) -> Target {
    Target {
        team: "legal".into(),
        destination,
    }
}

pub fn queue(id: &str) -> Destination {
    Destination::Queue {
        id: id.into(),
        name: None,
    }
}

/// The escalation's scheduled callback from [`OUR_NUMBER`] to [`CALLER`] at [`at`], for the
/// legal team at `destination`.
pub fn scheduled_request(
    interaction: Option<&str>,
    destination: Destination,
) -> ScheduledCallbackRequest {
    ScheduledCallbackRequest::for_target(
        interaction,
        OUR_NUMBER,
        CALLER,
        at(),
        &target(destination),
        &briefing(),
    )
    .unwrap()
}

pub fn at() -> Timestamp {
    "2026-03-25T15:30:00Z".parse().unwrap()
}

/// No error may show a credential, in Display or Debug.
#[track_caller]
pub fn assert_clean(err: &CallError) {
    assert_hides(err, &[CLIENT_SECRET, TOKEN, WEBHOOK_SECRET, &basic()]);
}
