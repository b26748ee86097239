//! The mocked Nextiva tenant: a login host and a separate tenant cluster, the ids the tests
//! act on, and the escalation.

use escalator_adapters::nextiva::{NextivaClient, NextivaConfig};
use escalator_adapters::{Briefing, Secret};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

use crate::common::replies::json_reply;

pub const WID: &str = "66f1c0a2e4b0c13f5d2a9b77";
pub const QUEUE: &str = "66f1c0a2e4b0c13f5d2a0001";
pub const USER: &str = "66f1c0a2e4b0c13f5d2a0a0a";
pub const PASSWORD: &str = "pa55-w0rd!";
// base64("escalator@tenant.example:pa55-w0rd!")
pub const BASIC: &str = "Basic ZXNjYWxhdG9yQHRlbmFudC5leGFtcGxlOnBhNTUtdzByZCE=";
pub const LOGIN_PATH: &str = "/provider/token-with-authorities";

pub fn config(login: &MockServer) -> NextivaConfig {
    let mut c = NextivaConfig::new("escalator@tenant.example", Secret::new(PASSWORD));
    c.login_base = login.uri();
    c
}

/// A login host and a tenant cluster, nothing mounted.
pub async fn login_and_api() -> (MockServer, MockServer) {
    (MockServer::start().await, MockServer::start().await)
}

/// Login answers `token` and points `location` at `api`.
pub async fn mount_login(login: &MockServer, api: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(LOGIN_PATH))
        .and(header("authorization", BASIC))
        .respond_with(json_reply(
            200,
            json!({"token": token, "location": api.uri(),
                   "clientLocation": "https://nextiva.thrio.io"}),
        ))
        .mount(login)
        .await;
}

/// A login host and a separate tenant cluster, with the client logged in as `tok`.
pub async fn setup() -> (MockServer, MockServer, NextivaClient) {
    let (login, api) = login_and_api().await;
    mount_login(&login, &api, "tok").await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    (login, api, client)
}

pub fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-Z6N9-70V9".into(),
        tier: "legal".into(),
        reason: "caller mentioned a lawyer".into(),
        rule_id: "legal-threat".into(),
        quote: Some("my lawyer told me to call".into()),
        utterance_id: None,
        caller_name: Some("Dana Reyes".into()),
        verified: Some(true),
        context: Default::default(),
    }
}
