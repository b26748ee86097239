//! Genesys Cloud mocked at its real paths, for many calls at once: the token, reading a
//! call, participant attributes and queue consults. It remembers which calls have a
//! consult running, so reading a call after a consult whose answer was lost shows it (as
//! Genesys does), and the request log tells how many consults each call got.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const CALLER: &str = "+13175551234";
pub const CUSTOMER_PID: &str = "p-cust-7c1d";
pub const AGENT_PID: &str = "p-agent-42aa";
pub const AGENT_USER: &str = "u-agent-9f3b";

/// The platform's side of consults: which calls have one running. Each consult is
/// answered after `delay`, so a process killed meanwhile dies with it in flight.
#[derive(Clone)]
pub struct Consults {
    running: Arc<Mutex<HashMap<String, u32>>>,
    delay: Duration,
}

impl Consults {
    pub fn new(delay: Duration) -> Self {
        Self {
            running: Arc::default(),
            delay,
        }
    }
}

/// The conversation id in `/api/v2/conversations/calls/{id}/…`.
pub fn call_of(request: &Request) -> String {
    request
        .url
        .path()
        .split('/')
        .nth(5)
        .unwrap_or_default()
        .to_string()
}

impl Respond for Consults {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // Applied on arrival: the answer may never reach the caller.
        *self
            .running
            .lock()
            .unwrap()
            .entry(call_of(request))
            .or_default() += 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({"destinationParticipantId": "p-dest"}))
            .set_delay(self.delay)
    }
}

struct Conversation(Consults);

impl Respond for Conversation {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = call_of(request);
        let consulting = self.0.running.lock().unwrap().contains_key(&call);
        ResponseTemplate::new(200).set_body_json(json!({"id": call, "participants": [
            {"id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
             "address": format!("tel:{CALLER}"),
             "consultParticipantId": if consulting { json!("p-dest") } else { json!(null) }},
            {"id": AGENT_PID, "purpose": "agent", "state": "connected",
             "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}},
            {"id": "p-dest", "purpose": "acd",
             "state": if consulting { "alerting" } else { "disconnected" },
             "queue": {"id": "q-legal"}}
        ]}))
    }
}

pub async fn start(consults: &Consults) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "t", "token_type": "bearer", "expires_in": 86399})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v2/conversations/calls/[^/]+$"))
        .respond_with(Conversation(consults.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path_regex(
            r"^/api/v2/conversations/calls/[^/]+/participants/[^/]+/attributes$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/api/v2/conversations/calls/[^/]+/participants/[^/]+/consult/queue$",
        ))
        .respond_with(consults.clone())
        .mount(&server)
        .await;
    server
}

/// Consults per conversation, from the mock's request log.
pub async fn consults_per_call(server: &MockServer) -> HashMap<String, u32> {
    let mut per_call = HashMap::new();
    for r in server.received_requests().await.unwrap_or_default() {
        if r.url.path().ends_with("/consult/queue") {
            *per_call.entry(call_of(&r)).or_default() += 1;
        }
    }
    per_call
}
