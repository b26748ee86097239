//! The mocked Five9 domain: one mock server plays the login host, the data center and the
//! Configuration Web Services; the agent, the call, and Five9's error and SOAP shapes.

use std::time::Duration;

use escalator_adapters::five9::{Five9Client, Five9Config, Five9Credentials, Five9Region};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Secret};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::assert_hides;
use crate::common::replies::json_reply;

pub const AGENT: &str = "sam.lee@acme.example";
pub const AGENT_ID: &str = "123456789";
pub const CALL: &str = "300000000123456";
pub const REST: &str = "/appsvcs/rs/svc";
pub const SOAP_PATH: &str = "/wsadmin/v13/AdminWebService";
// base64("admin:admin-pw")
pub const ADMIN_BASIC: &str = "Basic YWRtaW46YWRtaW4tcHc=";

pub fn config(server: &MockServer) -> Five9Config {
    let mut c = Five9Config::for_region(Five9Region::Us);
    c.admin_base = server.uri();
    c.agent_login_base = format!("{}/", server.uri());
    c.data_center_scheme = "http".into();
    c.login_grace = Duration::ZERO;
    c.admin = Some(Five9Credentials {
        username: "admin".into(),
        password: Secret::new("admin-pw"),
    });
    c.agents = vec![Five9Credentials {
        username: AGENT.into(),
        password: Secret::new("agent-pw"),
    }];
    c
}

pub fn client(server: &MockServer) -> Five9Client {
    Five9Client::new(reqwest::Client::new(), config(server))
}

/// The login answer: the data-center host is the mock server itself, reached through
/// the metadata (`127.0.0.1:{port}`), so the host selection is exercised.
pub fn login_ok(server: &MockServer, token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .append_header("Set-Cookie", "JSESSIONID=j1; Path=/; Secure; HttpOnly")
        .append_header("Set-Cookie", "route=r1; Path=/")
        .set_body_json(json!({
            "tokenId": token, "sessionId": "s1", "orgId": "987654321", "userId": AGENT_ID,
            "context": {"cloudClientUrl": "https://api.prod.us.five9.net/", "farmId": "149"},
            "metadata": {"freedomUrl": "https://app.five9.com", "dataCenters": [
                {"name": "Standby", "active": false,
                 "apiUrls": [{"host": "standby.invalid", "port": "443"}]},
                {"name": "Atlanta Data Center", "active": true,
                 "apiUrls": [{"host": "127.0.0.1", "port": server.address().port().to_string(),
                              "routeKey": "rk", "version": "13.0.183"}]}]}
        }))
}

/// The agent's login, expected `expected` times.
pub async fn mount_login(server: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .and(body_json(json!({
            "passwordCredentials": {"username": AGENT, "password": "agent-pw"},
            "appKey": "escalator",
            "policy": "AttachExisting"
        })))
        .respond_with(login_ok(server, "tok-1"))
        .expect(expected)
        .mount(server)
        .await;
}

pub fn call_path(action: &str) -> String {
    format!("{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}/{action}")
}

/// An Agent REST error in Five9's `five9ExceptionDetail` shape.
pub fn five9_error(status: u16, code: i64, context: &str, message: &str) -> ResponseTemplate {
    json_reply(
        status,
        json!({"five9ExceptionDetail": {
            "timestamp": 1698851947550i64, "errorCode": code, "message": message,
            "context": {"contextCode": context, "objectId": null}}}),
    )
}

pub fn soap_ok(inner: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Header/>\
             <env:Body>{inner}</env:Body></env:Envelope>"
        ))
}

pub fn soap_fault(code: &str, fault: &str, detail: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(500)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Body>\
             <env:Fault><faultcode>{code}</faultcode><faultstring>{message}</faultstring>\
             <detail><ns2:{fault} xmlns:ns2=\"http://service.admin.ws.five9.com/\">\
             <message>{message}</message>{detail}</ns2:{fault}></detail></env:Fault>\
             </env:Body></env:Envelope>"
        ))
}

pub fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-2026-0042".into(),
        tier: "hard_stop".into(),
        reason: "legal threat".into(),
        rule_id: "legal-mention".into(),
        quote: Some("I'm calling my attorney about this".into()),
        utterance_id: Some("u-9".into()),
        caller_name: Some("Dana".into()),
        verified: Some(true),
        context: Default::default(),
    }
}

/// No error may show a password, the token, the connector secret or the session cookie.
#[track_caller]
pub fn assert_no_secrets(err: &CallError) {
    assert_hides(err, &["agent-pw", "admin-pw", "tok-1", "s3cret", "j1"]);
}
