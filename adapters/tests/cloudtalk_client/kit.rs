//! The mocked CloudTalk company: the API key pair, a client whose three hosts are paths of
//! one mock server, CloudTalk's answer envelopes, and the escalation.

use escalator_adapters::cloudtalk::{CloudTalkClient, CloudTalkConfig, CloudTalkCredentials};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Secret};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::common::assertions::assert_hides;
use crate::common::clients::basic_auth;
use crate::common::replies::json_reply;

pub const KEY_ID: &str = "AKID7QW2TEST";
pub const KEY_SECRET: &str = "X05Dg4c331c3h61An-secret";
pub const UUID: &str = "44fe27cd-5268-4670-993e-01293c9f8833";
pub const CONTACT: &str = "1451646073";
pub const AGENT: &str = "493933";
pub const CALLER: &str = "+393513416607";

pub fn basic() -> String {
    basic_auth(KEY_ID, KEY_SECRET)
}

/// Each host on its own path prefix of one mock server, so a request to the wrong host misses.
pub fn client_with(server: &MockServer, http: reqwest::Client) -> CloudTalkClient {
    let mut config = CloudTalkConfig::new(CloudTalkCredentials {
        key_id: KEY_ID.into(),
        key_secret: Secret::new(KEY_SECRET),
    });
    config.api_base = format!("{}/api/", server.uri());
    config.platform_base = format!("{}/platform/api", server.uri());
    config.analytics_base = format!("{}/analytics/api", server.uri());
    CloudTalkClient::new(http, config)
}

pub async fn setup() -> (MockServer, CloudTalkClient) {
    let server = MockServer::start().await;
    let client = client_with(&server, reqwest::Client::new());
    (server, client)
}

/// The answer to a create: the new object's id inside the `responseData` envelope.
pub fn created(id: &str) -> ResponseTemplate {
    json_reply(
        201,
        json!({"responseData": {"status": 201, "data": {"id": id}}}),
    )
}

/// HTTP `http` with CloudTalk's own `status` and `message` in the `responseData` envelope
/// (the two differ when a refusal arrives as a 200).
pub fn envelope(http: u16, status: u16, message: &str) -> ResponseTemplate {
    json_reply(
        http,
        json!({"responseData": {"status": status, "message": message}}),
    )
}

/// No error may show the key pair, in Display or Debug.
#[track_caller]
pub fn assert_clean(err: &CallError) {
    assert_hides(err, &[KEY_SECRET, &basic()]);
}

pub fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-1042".into(),
        tier: "specialist".into(),
        reason: "legal threat".into(),
        rule_id: "hard-stop.legal".into(),
        quote: Some("I'm calling my lawyer".into()),
        utterance_id: None,
        caller_name: Some("Jane Doe".into()),
        verified: Some(true),
        context: Default::default(),
    }
}
