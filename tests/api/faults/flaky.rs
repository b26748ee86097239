//! A fake Genesys Cloud that misbehaves on a fixed script: every request is given a
//! [`Fate`] from the script of its route and conversation (the nth consult on a call gets
//! the nth fate), so a run is the same whatever order the requests arrive in.
//!
//! The platform keeps the state a real one would: a consult is applied when Genesys takes
//! it, whether or not its answer reaches the caller (a late answer, a reset after the
//! request was processed), and the conversation read shows it from then on
//! (`consultParticipantId` on the customer, the queue on a new participant).
//!
//! Two parts share the state: a raw TCP front ([`super::front`]) that decides each
//! request's fate, drops connections and passes the fate on in a header, and the wiremock
//! server behind it that answers as told.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{AGENT_PID, AGENT_USER, CALLER, CUSTOMER_PID};

/// The header the front passes a request's fate on in.
pub const FATE_HEADER: &str = "x-test-fate";

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Answered and applied.
    Ok,
    /// 503: not applied.
    Unavailable,
    /// 429 with `Retry-After: 1`: not applied.
    Throttled,
    /// Applied, but the answer comes after the client gave up (a timeout).
    LateApplied,
    /// Neither applied nor answered in time (an overloaded platform).
    LateLost,
    /// The connection is reset once the request is read; the platform never sees it.
    ResetBefore,
    /// The platform applies the request; the connection is reset before the answer.
    ResetAfter,
    /// The platform applies the request, then answers 503 (a gateway that lost the answer).
    AppliedThen503,
}

impl Fate {
    /// One character per fate, for scripts: `.` ok, `5` 503, `R` 429, `T` late and
    /// applied, `t` late and lost, `X` reset before, `A` reset after applying, `E` a 503
    /// after applying.
    pub fn from_code(c: char) -> Fate {
        match c {
            '.' => Fate::Ok,
            '5' => Fate::Unavailable,
            'R' => Fate::Throttled,
            'T' => Fate::LateApplied,
            't' => Fate::LateLost,
            'X' => Fate::ResetBefore,
            'A' => Fate::ResetAfter,
            'E' => Fate::AppliedThen503,
            other => panic!("unknown fate code {other:?}"),
        }
    }

    pub fn code(self) -> char {
        match self {
            Fate::Ok => '.',
            Fate::Unavailable => '5',
            Fate::Throttled => 'R',
            Fate::LateApplied => 'T',
            Fate::LateLost => 't',
            Fate::ResetBefore => 'X',
            Fate::ResetAfter => 'A',
            Fate::AppliedThen503 => 'E',
        }
    }

    /// Whether the platform carries the request out.
    pub fn applies(self) -> bool {
        matches!(
            self,
            Fate::Ok | Fate::LateApplied | Fate::ResetAfter | Fate::AppliedThen503
        )
    }
}

/// Which Genesys API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Token,
    ReadCall,
    Attributes,
    Consult,
    Callback,
    Unknown,
}

impl Route {
    /// The route and the conversation (empty where the path has none).
    pub fn of(method: &str, path: &str) -> (Route, String) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let call = |route| (route, parts[4].to_string());
        match (method, parts.as_slice()) {
            ("POST", ["oauth", "token"]) => (Route::Token, String::new()),
            ("POST", ["api", "v2", "conversations", "callbacks"]) => {
                (Route::Callback, String::new())
            }
            ("GET", ["api", "v2", "conversations", "calls", _]) => call(Route::ReadCall),
            (
                "PATCH",
                ["api", "v2", "conversations", "calls", _, "participants", _, "attributes"],
            ) => call(Route::Attributes),
            (
                "POST",
                ["api", "v2", "conversations", "calls", _, "participants", _, "consult", "queue"],
            ) => call(Route::Consult),
            _ => (Route::Unknown, String::new()),
        }
    }
}

/// The fates of one route's requests on one conversation, in order, then `then` for ever.
#[derive(Debug, Clone)]
pub struct Script {
    fates: Vec<Fate>,
    then: Fate,
}

impl Script {
    pub fn parse(codes: &str) -> Self {
        Self {
            fates: codes.chars().map(Fate::from_code).collect(),
            then: Fate::Ok,
        }
    }

    /// A platform that never recovers: after the script, every request gets `fate`.
    pub fn then(mut self, fate: Fate) -> Self {
        self.then = fate;
        self
    }

    fn nth(&self, n: usize) -> Fate {
        self.fates.get(n).copied().unwrap_or(self.then)
    }
}

/// One request the front saw, with the fate it was given.
#[derive(Debug, Clone)]
pub struct Served {
    pub at: Instant,
    pub route: Route,
    pub conversation: String,
    pub fate: Fate,
}

#[derive(Default)]
struct State {
    scripts: HashMap<(Route, String), Script>,
    seen: HashMap<(Route, String), usize>,
    served: Vec<Served>,
    /// Queues of the consults applied, by conversation.
    consults: HashMap<String, Vec<String>>,
    callbacks_created: usize,
    /// Requests that reached the server without a fate: a reused connection the front
    /// could not see into.
    unseen: usize,
}

/// The platform's shared state; cheap to clone.
#[derive(Clone)]
pub struct Platform {
    state: Arc<Mutex<State>>,
    /// How long a late answer takes: longer than the client waits.
    late_by: Duration,
}

impl Platform {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("platform state")
    }

    /// Requests of `route` on `conversation` follow `script` (unscripted ones succeed).
    pub fn script(&self, route: Route, conversation: &str, script: Script) {
        self.lock()
            .scripts
            .insert((route, conversation.to_string()), script);
    }

    /// Called by the front for every request: its fate, recorded.
    pub fn decide(&self, method: &str, path: &str) -> Fate {
        let (route, conversation) = Route::of(method, path);
        let mut state = self.lock();
        let key = (route, conversation.clone());
        let n = {
            let seen = state.seen.entry(key.clone()).or_default();
            *seen += 1;
            *seen - 1
        };
        let fate = state
            .scripts
            .get(&key)
            .map(|s| s.nth(n))
            .unwrap_or(Fate::Ok);
        state.served.push(Served {
            at: Instant::now(),
            route,
            conversation,
            fate,
        });
        fate
    }

    /// Every request the front saw, in arrival order.
    pub fn served(&self) -> Vec<Served> {
        self.lock().served.clone()
    }

    /// The requests of `route` on `conversation`, in arrival order.
    pub fn served_on(&self, route: Route, conversation: &str) -> Vec<Served> {
        self.served()
            .into_iter()
            .filter(|s| s.route == route && s.conversation == conversation)
            .collect()
    }

    /// The queues consulted on `conversation`, once per consult the platform applied.
    pub fn consults_applied(&self, conversation: &str) -> Vec<String> {
        self.lock()
            .consults
            .get(conversation)
            .cloned()
            .unwrap_or_default()
    }

    pub fn callbacks_created(&self) -> usize {
        self.lock().callbacks_created
    }

    /// Requests that passed the front without being given a fate (should be none).
    pub fn unseen(&self) -> usize {
        self.lock().unseen
    }

    /// The conversation as Genesys shows it: a customer and an agent, and once a consult
    /// was applied, the consult on the customer and the queue's participant.
    fn call_state(&self, conversation: &str) -> Value {
        let consulted = self.consults_applied(conversation);
        let mut customer = json!({
            "id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
            "address": format!("tel:{CALLER}"), "held": false
        });
        let mut participants = vec![
            Value::Null,
            json!({"id": AGENT_PID, "purpose": "agent", "state": "connected",
                   "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}}),
        ];
        if let Some(queue) = consulted.first() {
            customer["consultParticipantId"] = json!("p-consult");
            participants.push(json!({"id": "p-consult", "purpose": "acd",
                                     "state": "alerting", "queue": {"id": queue}}));
        }
        participants[0] = customer;
        json!({"id": conversation, "participants": participants})
    }

    /// Carries out a request the platform accepted; the answer for it.
    fn apply(&self, route: Route, conversation: &str, request: &Request) -> ResponseTemplate {
        match route {
            Route::Token => ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "test-token", "token_type": "bearer", "expires_in": 86399
            })),
            Route::ReadCall => {
                ResponseTemplate::new(200).set_body_json(self.call_state(conversation))
            }
            Route::Attributes => {
                ResponseTemplate::new(200).set_body_json(json!({"attributes": {}}))
            }
            Route::Consult => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let queue = body["queueId"].as_str().unwrap_or("").to_string();
                self.lock()
                    .consults
                    .entry(conversation.to_string())
                    .or_default()
                    .push(queue);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"destinationParticipantId": "p-consult"}))
            }
            Route::Callback => {
                let n = {
                    let mut state = self.lock();
                    state.callbacks_created += 1;
                    state.callbacks_created
                };
                ResponseTemplate::new(200).set_body_json(json!({
                    "conversation": {"id": format!("cb-conv-{n}")},
                    "callbackIdentifiers": [{"type": "EXTERNAL", "id": "x"}]
                }))
            }
            Route::Unknown => ResponseTemplate::new(404).set_body_json(json!({
                "status": 404, "code": "not.found", "message": "no such route"})),
        }
    }
}

struct Responder(Platform);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let platform = &self.0;
        let (route, conversation) = Route::of(request.method.as_str(), request.url.path());
        let fate = request
            .headers
            .get(FATE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.chars().next())
            .map(Fate::from_code);
        let Some(fate) = fate else {
            platform.lock().unseen += 1;
            return platform.apply(route, &conversation, request);
        };
        let unavailable = || {
            ResponseTemplate::new(503).set_body_json(json!({
                "status": 503, "code": "service.unavailable", "message": "try later"}))
        };
        let response = match fate {
            Fate::Unavailable => unavailable(),
            Fate::Throttled => ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({
                    "status": 429, "code": "too.many.requests", "message": "slow down"})),
            Fate::LateLost => unavailable().set_delay(platform.late_by),
            Fate::AppliedThen503 => {
                platform.apply(route, &conversation, request);
                unavailable()
            }
            Fate::LateApplied => platform
                .apply(route, &conversation, request)
                .set_delay(platform.late_by),
            // The front drops a reset-before request; reset-after answers go nowhere.
            Fate::Ok | Fate::ResetAfter | Fate::ResetBefore => {
                platform.apply(route, &conversation, request)
            }
        };
        // One request per connection, so the front sees (and can reset) every request.
        response.insert_header("connection", "close")
    }
}

/// The fake platform: its state, the wiremock server answering, and the front the
/// service talks to.
pub struct FlakyGenesys {
    pub platform: Platform,
    /// Kept alive for as long as the front forwards to it.
    _server: MockServer,
    front: super::front::Front,
}

impl FlakyGenesys {
    /// `late_by` must be longer than the service's request timeout.
    pub async fn start(late_by: Duration) -> Self {
        let platform = Platform {
            state: Arc::default(),
            late_by,
        };
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Responder(platform.clone()))
            .mount(&server)
            .await;
        let front = super::front::Front::start(*server.address(), platform.clone()).await;
        Self {
            platform,
            _server: server,
            front,
        }
    }

    /// Where the service reaches the platform (through the front).
    pub fn uri(&self) -> String {
        format!("http://{}", self.front.address())
    }
}
