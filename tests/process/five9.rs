//! Five9 mocked at its real paths, for many calls held by one agent: the Agent REST login
//! (its metadata names the mock as the data-center host), the agent's calls, call
//! variables and `transfer_to_skill`. A transfer shows on the call read back afterwards
//! (`state: CONSULTING`), so one whose answer was lost is found there, not sent again.
//! The calls themselves start with a Web Connector delivery ([`call_accepted`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const REST: &str = "/appsvcs/rs/svc";
pub const AGENT_ID: &str = "123456789";
/// `ESCALATOR_FIVE9_AGENT_CREDENTIALS`.
pub const AGENT_CREDENTIALS: &str = "sam.lee@acme.example:agent-pw";
/// `ESCALATOR_FIVE9_WEBHOOK_SECRET`.
pub const WEBHOOK_SECRET: &str = "f9-crash-secret";

/// Which calls have a transfer under way; each is answered after `delay`.
#[derive(Clone)]
pub struct Transfers {
    started: Arc<Mutex<HashSet<String>>>,
    delay: Duration,
}

impl Transfers {
    pub fn new(delay: Duration) -> Self {
        Self {
            started: Arc::default(),
            delay,
        }
    }
}

/// The call id in `…/agents/{agentId}/interactions/calls/{callId}/…`.
fn call_of(request: &Request) -> String {
    request
        .url
        .path()
        .split('/')
        .nth(8)
        .unwrap_or_default()
        .to_string()
}

impl Respond for Transfers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.started.lock().unwrap().insert(call_of(request));
        ResponseTemplate::new(200).set_delay(self.delay)
    }
}

struct CallRead(Transfers);

impl Respond for CallRead {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = call_of(request);
        let transferring = self.0.started.lock().unwrap().contains(&call);
        ResponseTemplate::new(200).set_body_json(json!({
            "id": call, "state": if transferring { "CONSULTING" } else { "TALKING" }}))
    }
}

/// The mock, with the agent holding `calls`.
pub async fn start(transfers: &Transfers, calls: &[String]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tokenId": "tok-1", "sessionId": "s1", "orgId": "987654321", "userId": AGENT_ID,
            "context": {"farmId": "149"},
            "metadata": {"freedomUrl": "https://app.five9.com", "dataCenters": [
                {"name": "Atlanta Data Center", "active": true,
                 "apiUrls": [{"host": "127.0.0.1", "port": server.address().port().to_string()}]}]}
        })))
        .mount(&server)
        .await;
    let held: Vec<_> = calls
        .iter()
        .map(|c| json!({"id": c, "state": "TALKING"}))
        .collect();
    let agent_calls = format!("{REST}/agents/{AGENT_ID}/interactions/calls");
    Mock::given(method("GET"))
        .and(path(agent_calls.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(held))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(format!("^{agent_calls}/[^/]+$")))
        .respond_with(CallRead(transfers.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex(format!("^{agent_calls}/[^/]+/variables_2$")))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex(format!(
            "^{agent_calls}/[^/]+/transfer_to_skill$"
        )))
        .respond_with(transfers.clone())
        .mount(&server)
        .await;
    server
}

/// `transfer_to_skill` requests per call, from the mock's request log.
pub async fn transfers_per_call(server: &MockServer) -> HashMap<String, u32> {
    let mut per_call = HashMap::new();
    for r in server.received_requests().await.unwrap_or_default() {
        if r.url.path().ends_with("/transfer_to_skill") {
            *per_call.entry(call_of(&r)).or_default() += 1;
        }
    }
    per_call
}

/// The `[vendors.five9]` configuration pointing at `server`, and each team's skill.
pub fn config(server: &MockServer) -> String {
    let mut toml = format!(
        "[vendors.five9.api]\nadmin_base = \"{0}\"\nagent_login_base = \"{0}\"\n\
         requests_per_minute = 60000\n",
        server.uri()
    );
    for team in [
        "supervisor",
        "legal",
        "compliance",
        "communications",
        "welfare",
        "fraud",
    ] {
        toml.push_str(&format!(
            "[teams.{team}.five9]\nqueue_id = \"skill-{team}\"\n"
        ));
    }
    toml
}

/// The Web Connector's Call Accepted delivery for `call` from `ani` (ten digits; the agent
/// took it): the form Five9 posts, from the fixture, with the secret it carries.
pub fn call_accepted(call: &str, ani: &str) -> String {
    let form = std::fs::read_to_string(format!(
        "{}/fixtures/five9/accepted-inbound.form",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    form.trim()
        .replace("f9-test-secret", WEBHOOK_SECRET)
        .replace("300000000123456", call)
        .replace("ANI=4155550123", &format!("ANI={ani}"))
}
