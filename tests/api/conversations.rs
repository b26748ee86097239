//! Conversations end to end on Genesys (issue 14): a table of scenarios, each a call's turns
//! sent through the signed vendor-neutral feed (`"platform": "genesys"`) and a mocked
//! platform that answers, rings or refuses the consult. One runner feeds every scenario,
//! checks its own expectations, and then the invariants every call must keep:
//! 1. an escalation that opened a transfer ends `connected` or `superseded`, or with a
//!    callback logged and an alert sent; self-harm ends connected or with a `caller_at_risk`
//!    alert;
//! 2. at most one live consult per call: a consult is cancelled before the next is placed;
//! 3. no blind transfer (`/replace`) after a consult failed;
//! 4. every briefing written to the call carries the issue summary the caller gave earlier;
//! 5. every `caller_at_risk` alert names the call and the agent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use escalator::store::ActionRow;
use escalator_adapters::Vendor;
use futures::{FutureExt, StreamExt};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const ISSUE: &str = "Hi, I'm calling about the $600 charge on my March bill";
const ISSUE_ES: &str = "Hola, llamo por el cargo de 600 dólares en mi factura de marzo";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const MANAGER: &str = "I want to speak to your supervisor right now";
const SELF_HARM: &str = "honestly I don't want to be alive anymore";
const SCAM: &str = "I've been scammed, there are charges on my card I never made";

/// How the mocked Genesys treats the consult.
#[derive(Clone, Copy, PartialEq)]
enum Platform {
    /// The conversation read shows the consultee connected.
    Answers,
    /// The conversation read shows the consultee still alerting.
    Rings,
    /// The consult POST is refused (400).
    Refuses,
}

/// One event of the call, in order.
#[derive(Clone)]
enum Turn {
    /// A final caller utterance.
    Caller(&'static str),
    /// A partial caller utterance.
    Partial(&'static str),
    /// A final agent line.
    Agent(&'static str),
    Sentiment(f64),
    HoldStarted,
    HoldEnded(u64),
    Verified(bool),
    /// The agent asks for help.
    AgentRequest,
    TransferResult(bool),
    CallEnded,
    /// Wait until what was planned so far is done (a consult's answer check aside).
    Settle,
}

use Turn::*;

struct Scenario {
    name: &'static str,
    platform: Platform,
    /// The playbook's `transfer_answer_seconds`.
    answer_seconds: u64,
    /// Earlier calls from the same number (repeat caller).
    prior_calls: usize,
    turns: Vec<Turn>,
    /// Every escalation of the call, by team, with the statuses it may end in.
    escalations: Vec<(&'static str, &'static [&'static str])>,
    /// Action kinds that must be there / must not.
    kinds: &'static [&'static str],
    absent: &'static [&'static str],
    /// Alert reasons the webhook must have received.
    alerts: &'static [&'static str],
    /// An attribute a briefing PATCH must carry with this value.
    attribute: Option<(&'static str, &'static str)>,
}

fn scenario(name: &'static str, platform: Platform, turns: Vec<Turn>) -> Scenario {
    Scenario {
        name,
        platform,
        answer_seconds: 1,
        prior_calls: 0,
        turns,
        escalations: Vec::new(),
        kinds: &[],
        absent: &[],
        alerts: &[],
        attribute: None,
    }
}

impl Scenario {
    fn ends(mut self, team: &'static str, statuses: &'static [&'static str]) -> Self {
        self.escalations.push((team, statuses));
        self
    }
    fn kinds(mut self, kinds: &'static [&'static str]) -> Self {
        self.kinds = kinds;
        self
    }
    fn absent(mut self, absent: &'static [&'static str]) -> Self {
        self.absent = absent;
        self
    }
    fn alerts(mut self, alerts: &'static [&'static str]) -> Self {
        self.alerts = alerts;
        self
    }
    fn answer_seconds(mut self, seconds: u64) -> Self {
        self.answer_seconds = seconds;
        self
    }
    fn prior_calls(mut self, calls: usize) -> Self {
        self.prior_calls = calls;
        self
    }
    fn attribute(mut self, key: &'static str, value: &'static str) -> Self {
        self.attribute = Some((key, value));
        self
    }
    /// The caller stated an issue before anything could fire.
    fn issue_stated(&self) -> bool {
        matches!(self.turns.first(), Some(Caller(t)) if *t == ISSUE || *t == ISSUE_ES)
    }
}

const CONNECTED: &[&str] = &["connected"];
const CALLBACK: &[&str] = &["callback_scheduled", "callback_promised"];
const NOT_CONNECTED: &[&str] = &[
    "callback_scheduled",
    "callback_promised",
    "needs_person",
    "stranded",
];
const SUPERSEDED: &[&str] = &["superseded"];
const GUIDED: &[&str] = &["guided"];
const ALERTED: &[&str] = &["alerted"];
const REVIEW: &[&str] = &["review"];
/// Open escalation states the runner waits out.
const UNSETTLED: &[&str] = &["open", "consulting", "falling_back"];

const NO_TRANSFER: &[&str] = &["warm_transfer", "blind_transfer"];
const UNANSWERED: &[&str] = &["transfer_unanswered"];
const AT_RISK: &[&str] = &["caller_at_risk"];

fn table() -> Vec<Scenario> {
    use Platform::*;
    vec![
        // Hard-stops, English.
        scenario(
            "legal threat, answered",
            Answers,
            vec![Caller(ISSUE), Caller(THREAT)],
        )
        .ends("legal", CONNECTED)
        .kinds(&["warm_transfer", "confirm_transfer"])
        .absent(&["schedule_callback"]),
        scenario(
            "regulator, answered",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I'm going to file a complaint with the CFPB"),
            ],
        )
        .ends("compliance", CONNECTED),
        scenario(
            "media, answered",
            Answers,
            vec![Caller(ISSUE), Caller("I'm going to the press with this")],
        )
        .ends("communications", CONNECTED),
        scenario(
            "fraud, answered",
            Answers,
            vec![Caller(ISSUE), Caller(SCAM)],
        )
        .ends("fraud", CONNECTED),
        scenario(
            "self-harm, answered",
            Answers,
            vec![Caller(ISSUE), Caller(SELF_HARM)],
        )
        .ends("welfare", CONNECTED)
        .kinds(&["warm_transfer", "agent_guidance"]),
        // Hard-stops, Spanish.
        scenario(
            "legal threat, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("Si no me devuelven el dinero voy a demandarlos"),
            ],
        )
        .ends("legal", CONNECTED),
        scenario(
            "regulator, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("Voy a poner una queja ante la Profeco"),
            ],
        )
        .ends("compliance", CONNECTED),
        scenario(
            "media, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("Voy a publicar esto en redes sociales"),
            ],
        )
        .ends("communications", CONNECTED),
        scenario(
            "fraud, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("Me robaron la tarjeta, no reconozco este cargo"),
            ],
        )
        .ends("fraud", CONNECTED),
        scenario(
            "self-harm, Spanish",
            Answers,
            vec![Caller(ISSUE_ES), Caller("Ya no quiero vivir, de verdad")],
        )
        .ends("welfare", CONNECTED),
        scenario(
            "supervisor request, Spanish",
            Answers,
            vec![Caller(ISSUE_ES), Caller("Quiero hablar con un supervisor")],
        )
        .ends("supervisor", CONNECTED),
        // Tier triggers.
        scenario(
            "supervisor request, answered",
            Answers,
            vec![Caller(ISSUE), Caller(MANAGER)],
        )
        .ends("supervisor", CONNECTED),
        scenario(
            "refund over the agent's limit",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I want a refund of $600 for all of this"),
            ],
        )
        .ends("supervisor", CONNECTED),
        scenario(
            "refund within the agent's limit",
            Answers,
            vec![Caller(ISSUE), Caller("can I get a refund of 20 dollars")],
        )
        .absent(NO_TRANSFER),
        scenario(
            "agent over-promises",
            Answers,
            vec![
                Caller(ISSUE),
                Agent("I'll refund you the full $1,250.00 today"),
            ],
        )
        .ends("supervisor", CONNECTED),
        scenario(
            "agent declines within its authority",
            Answers,
            vec![
                Caller(ISSUE),
                Agent("I'm not able to refund the $600 myself"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "sustained anger after HEARD",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("This is ridiculous, I've called three times"),
                Settle,
                Caller("Honestly this is unacceptable"),
                Caller("I'm absolutely furious right now"),
            ],
        )
        .ends("agent", GUIDED)
        .ends("supervisor", CONNECTED),
        scenario(
            "one angry turn gets HEARD only",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("This is ridiculous, I've called three times"),
            ],
        )
        .ends("agent", GUIDED)
        .kinds(&["agent_guidance"])
        .absent(NO_TRANSFER),
        scenario(
            "anger reset by a calm turn",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("This is ridiculous, I've called three times"),
                Caller("Honestly this is unacceptable"),
                Caller("ok, thanks for checking"),
                Caller("this is absurd"),
            ],
        )
        .ends("agent", GUIDED)
        .absent(NO_TRANSFER),
        scenario(
            "fresh negative sentiment counts as anger",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("This is ridiculous, I've called three times"),
                Sentiment(-0.9),
                Caller("I called yesterday about the bill"),
                Sentiment(-0.9),
                Caller("and the day before that too"),
            ],
        )
        .ends("agent", GUIDED)
        .ends("supervisor", CONNECTED),
        scenario(
            "agent asks for help",
            Answers,
            vec![Caller(ISSUE), AgentRequest],
        )
        .ends("supervisor", CONNECTED),
        scenario(
            "long hold brings a supervisor in",
            Answers,
            vec![Caller(ISSUE), HoldStarted, HoldEnded(400_000)],
        )
        .ends("supervisor", CONNECTED),
        scenario(
            "short hold does nothing",
            Answers,
            vec![Caller(ISSUE), HoldStarted, HoldEnded(60_000)],
        )
        .absent(NO_TRANSFER),
        // The consult's life.
        scenario(
            "legal threat, nobody answers",
            Rings,
            vec![Caller(ISSUE), Caller(THREAT)],
        )
        .ends("legal", CALLBACK)
        .kinds(&["schedule_callback"])
        .alerts(UNANSWERED),
        scenario(
            "supervisor, nobody answers",
            Rings,
            vec![Caller(ISSUE), Caller(MANAGER)],
        )
        .ends("supervisor", NOT_CONNECTED)
        .alerts(UNANSWERED),
        scenario(
            "legal threat, consult refused",
            Refuses,
            vec![Caller(ISSUE), Caller(THREAT)],
        )
        .ends("legal", NOT_CONNECTED)
        .absent(&["blind_transfer"]),
        scenario(
            "supervisor, consult refused",
            Refuses,
            vec![Caller(ISSUE), Caller(MANAGER)],
        )
        .ends("supervisor", NOT_CONNECTED)
        .absent(&["blind_transfer"]),
        scenario(
            "fraud, consult refused",
            Refuses,
            vec![Caller(ISSUE), Caller(SCAM)],
        )
        .ends("fraud", NOT_CONNECTED)
        .absent(&["blind_transfer"]),
        scenario(
            "caller hangs up while the consult rings",
            Rings,
            vec![Caller(ISSUE), Caller(THREAT), Settle, CallEnded],
        )
        .answer_seconds(600)
        .ends("legal", CALLBACK)
        .alerts(UNANSWERED),
        scenario(
            "transfer_result succeeded",
            Rings,
            vec![Caller(ISSUE), Caller(THREAT), Settle, TransferResult(true)],
        )
        .answer_seconds(600)
        .ends("legal", CONNECTED)
        .absent(&["schedule_callback"]),
        scenario(
            "transfer_result failed",
            Rings,
            vec![
                Caller(ISSUE),
                Caller(MANAGER),
                Settle,
                TransferResult(false),
            ],
        )
        .answer_seconds(600)
        .ends("supervisor", NOT_CONNECTED)
        .alerts(UNANSWERED),
        scenario(
            "self-harm, nobody answers",
            Rings,
            vec![Caller(ISSUE), Caller(SELF_HARM)],
        )
        .ends("welfare", &["stranded", "needs_person", "consulting"])
        .alerts(AT_RISK)
        .absent(&["schedule_callback"]),
        scenario(
            "self-harm, conference refused",
            Refuses,
            vec![Caller(ISSUE), Caller(SELF_HARM)],
        )
        .ends("welfare", &["stranded", "needs_person"])
        .alerts(AT_RISK)
        .absent(&["schedule_callback", "blind_transfer"]),
        // Upgrades.
        scenario(
            "supervisor then legal",
            Rings,
            vec![
                Caller(ISSUE),
                Caller(MANAGER),
                Settle,
                Caller(THREAT),
                Settle,
                TransferResult(true),
            ],
        )
        .answer_seconds(600)
        .ends("supervisor", SUPERSEDED)
        .ends("legal", CONNECTED),
        scenario(
            "supervisor then self-harm",
            Rings,
            vec![
                Caller(ISSUE),
                Caller(MANAGER),
                Settle,
                Caller(SELF_HARM),
                Settle,
                TransferResult(true),
            ],
        )
        .answer_seconds(600)
        .ends("supervisor", SUPERSEDED)
        .ends("welfare", CONNECTED),
        scenario(
            "legal then fraud is alerted only",
            Answers,
            vec![Caller(ISSUE), Caller(THREAT), Settle, Caller(SCAM)],
        )
        .ends("legal", CONNECTED)
        .ends("fraud", ALERTED)
        .alerts(&["second_hard_stop"]),
        scenario(
            "fraud and legal in one line",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I've been scammed and if you don't refund it my lawyer will be in touch"),
            ],
        )
        .ends("legal", CONNECTED)
        .kinds(&["alert_second_hard_stop"])
        .alerts(&["second_hard_stop"]),
        scenario(
            "legal then supervisor does nothing more",
            Answers,
            vec![Caller(ISSUE), Caller(THREAT), Settle, Caller(MANAGER)],
        )
        .ends("legal", CONNECTED),
        scenario(
            "legal connected, then self-harm",
            Rings,
            vec![
                Caller(ISSUE),
                Caller(THREAT),
                Settle,
                TransferResult(true),
                Settle,
                Caller(SELF_HARM),
                Settle,
                TransferResult(true),
            ],
        )
        .answer_seconds(600)
        .ends("legal", &["connected", "superseded"])
        .ends("welfare", CONNECTED),
        scenario(
            "media then legal",
            Rings,
            vec![
                Caller(ISSUE),
                Caller("I'm going to the press with this"),
                Settle,
                Caller(THREAT),
                Settle,
                TransferResult(true),
            ],
        )
        .answer_seconds(600)
        .ends("communications", SUPERSEDED)
        .ends("legal", CONNECTED),
        scenario(
            "self-harm, caller hangs up while the conference rings",
            Rings,
            vec![Caller(ISSUE), Caller(SELF_HARM), Settle, CallEnded],
        )
        .answer_seconds(600)
        .ends("welfare", &["stranded", "needs_person", "review"])
        .alerts(AT_RISK)
        .absent(&["schedule_callback"]),
        // What never fires.
        scenario(
            "agent lines never fire",
            Answers,
            vec![
                Caller(ISSUE),
                Agent("some customers say they will sue us or call a lawyer"),
                Agent("you could ask to speak to your supervisor"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "partials never fire",
            Answers,
            vec![
                Caller(ISSUE),
                Partial("I'm going to sue you"),
                Caller("I'm going to see you next week then"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "negated self-harm",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I'm not going to hurt myself, don't worry"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "negated legal threat",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I'm not going to sue anyone, I just want it fixed"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "negated legal threat, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("No voy a demandar a nadie, solo quiero que lo arreglen"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "negated self-harm, Spanish",
            Answers,
            vec![
                Caller(ISSUE_ES),
                Caller("No, no quiero hacerme daño, tranquila"),
            ],
        )
        .absent(NO_TRANSFER),
        scenario(
            "self-harm partial then its final fires once",
            Answers,
            vec![
                Caller(ISSUE),
                Partial(SELF_HARM),
                Caller(SELF_HARM),
                Settle,
                CallEnded,
            ],
        )
        // The hang-up may come while the conference rings; either way, no second review.
        .ends("welfare", &["connected", "needs_person", "stranded"]),
        scenario(
            "self-harm disavowal taken back",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("I'm not going to hurt myself, but I will if this keeps up"),
            ],
        )
        .ends("welfare", CONNECTED),
        scenario(
            "self-harm heard only in a partial before the hang-up",
            Answers,
            vec![
                Caller(ISSUE),
                Partial("Honestly I don't want to be here anymore"),
                CallEnded,
            ],
        )
        .ends("welfare", REVIEW)
        .alerts(&["call_ended_at_risk"])
        .absent(NO_TRANSFER),
        // Context.
        scenario("repeat caller is guided", Answers, vec![Caller(ISSUE)])
            .prior_calls(2)
            .ends("agent", GUIDED)
            .absent(NO_TRANSFER),
        scenario(
            "repeat caller asks for a supervisor",
            Answers,
            vec![Caller(ISSUE), Caller(MANAGER)],
        )
        .prior_calls(2)
        .ends("agent", GUIDED)
        .ends("supervisor", CONNECTED)
        .attribute("escalation.priorCalls", "2"),
        scenario(
            "verified caller's briefing says so",
            Answers,
            vec![Caller(ISSUE), Verified(true), Caller(THREAT)],
        )
        .ends("legal", CONNECTED)
        .attribute("escalation.callerVerified", "true"),
        scenario(
            "unverified caller's briefing says so",
            Answers,
            vec![Caller(ISSUE), Verified(false), Caller(MANAGER)],
        )
        .ends("supervisor", CONNECTED)
        .attribute("escalation.callerVerified", "false"),
        scenario(
            "the issue stated in turns before small talk is briefed",
            Answers,
            vec![
                Caller(ISSUE),
                Caller("Yeah it's fine"),
                Caller("Let me speak to your manager now"),
            ],
        )
        .ends("supervisor", CONNECTED)
        .attribute("escalation.summary", ISSUE),
    ]
}

// ---------------------------------------------------------------------------------------
// The runner.

static EVENT: AtomicUsize = AtomicUsize::new(0);

/// One canonical event on the signed feed for `call_id`, with the platform refs.
async fn feed(app: &TestApp, call_id: &str, event: Value) {
    let mut body = json!({
        "platform": "genesys", "call_id": call_id,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
        "refs": {"conversation_id": call_id, "agent_user_id": AGENT_USER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let id = format!("msg_{}", EVENT.fetch_add(1, Ordering::Relaxed));
    let r = app.post_signed_feed(&id, &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn mount_platform(app: &TestApp, platform: Platform) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "test-token", "token_type": "bearer", "expires_in": 86399
        })))
        .mount(&app.genesys)
        .await;
    let mut participants = vec![
        json!({"id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
               "address": format!("tel:{CALLER}")}),
        json!({"id": AGENT_PID, "purpose": "agent", "state": "connected",
               "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}}),
    ];
    let consultee = match platform {
        Platform::Answers => Some("connected"),
        Platform::Rings => Some("alerting"),
        Platform::Refuses => None,
    };
    if let Some(state) = consultee {
        participants[0]["consultParticipantId"] = json!("p-dest");
        participants.push(json!({"id": "p-dest", "purpose": "agent", "state": state,
                                 "user": {"id": "u-x"}}));
    }
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/calls/{CID}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": CID, "participants": participants})),
        )
        .mount(&app.genesys)
        .await;
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .mount(&app.genesys)
        .await;
    let consult = if platform == Platform::Refuses {
        ResponseTemplate::new(400).set_body_json(json!({
            "message": "consult refused", "code": "bad.request", "status": 400
        }))
    } else {
        ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"}))
    };
    Mock::given(method("POST"))
        .and(path_regex(r"/participants/[^/]+/consult(/.*)?$"))
        .respond_with(consult)
        .mount(&app.genesys)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"/participants/[^/]+/consult$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation": {"id": "cb-1", "selfUri": "/api/v2/conversations/cb-1"}
        })))
        .mount(&app.genesys)
        .await;
}

async fn actions(app: &TestApp) -> Vec<ActionRow> {
    app.store
        .actions(Vendor::Genesys, CID)
        .await
        .expect("actions")
}

fn busy(a: &ActionRow) -> bool {
    a.status == "pending" || a.status == "leased"
}

/// Waits until the planned work is done, a consult's pending answer check aside.
async fn settle(app: &TestApp) -> Result<(), String> {
    for _ in 0..400 {
        if actions(app)
            .await
            .iter()
            .all(|a| !busy(a) || a.kind == "confirm_transfer")
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(format!("never settled: {:#?}", actions(app).await))
}

/// Waits until every action is done and no escalation is still on its way.
async fn settle_fully(app: &TestApp) -> Result<(), String> {
    for _ in 0..600 {
        let rows = actions(app).await;
        let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
        if rows.iter().all(|a| !busy(a))
            && escalations
                .iter()
                .all(|e| !UNSETTLED.contains(&e.status.as_str()))
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    let statuses: Vec<_> = escalations.iter().map(|e| (&e.team, &e.status)).collect();
    Err(format!(
        "never settled: {statuses:?} {:#?}",
        actions(app)
            .await
            .iter()
            .map(|a| (&a.kind, &a.status))
            .collect::<Vec<_>>()
    ))
}

async fn play(s: &Scenario, app: &TestApp) -> Result<(), String> {
    for n in 0..s.prior_calls {
        let earlier = format!("{CID}-earlier-{n}");
        feed(app, &earlier, json!({"type": "call_started"})).await;
    }
    feed(app, CID, json!({"type": "call_started"})).await;
    feed(
        app,
        CID,
        json!({"type": "agent_connected", "agent_id": AGENT_USER}),
    )
    .await;
    let mut utterance = 0;
    let mut said = |speaker: &str, text: &str, is_final: bool| {
        utterance += 1;
        json!({"type": "utterance", "utterance_id": format!("u{utterance}"),
               "speaker": speaker, "text": text, "is_final": is_final})
    };
    for turn in &s.turns {
        let event = match turn {
            Caller(t) => said("customer", t, true),
            Partial(t) => said("customer", t, false),
            Agent(t) => said("agent", t, true),
            Sentiment(score) => json!({"type": "sentiment", "score": score}),
            HoldStarted => json!({"type": "hold_started"}),
            HoldEnded(ms) => json!({"type": "hold_ended", "held_ms": ms}),
            Verified(v) => json!({"type": "caller_verified", "verified": v}),
            AgentRequest => json!({"type": "escalation_requested"}),
            TransferResult(ok) => {
                json!({"type": "transfer_result", "succeeded": ok})
            }
            CallEnded => json!({"type": "call_ended", "reason": "customer"}),
            Settle => {
                settle(app).await?;
                continue;
            }
        };
        feed(app, CID, event).await;
    }
    settle_fully(app).await
}

/// The scenario's own expectations.
async fn check_expectations(
    s: &Scenario,
    app: &TestApp,
    alerts: &MockServer,
) -> Result<(), String> {
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    let seen: Vec<(String, String)> = escalations
        .iter()
        .map(|e| (e.team.clone(), e.status.clone()))
        .collect();
    if seen.len() != s.escalations.len() {
        return Err(format!(
            "escalations {seen:?}, expected {:?}",
            s.escalations
        ));
    }
    let mut left = seen.clone();
    for (team, statuses) in &s.escalations {
        let Some(i) = left
            .iter()
            .position(|(t, st)| t == team && statuses.contains(&st.as_str()))
        else {
            return Err(format!("no {team} escalation in {statuses:?}: {seen:?}"));
        };
        left.remove(i);
    }
    let rows = actions(app).await;
    let kinds: Vec<&str> = rows.iter().map(|a| a.kind.as_str()).collect();
    for k in s.kinds {
        if !kinds.contains(k) {
            return Err(format!("no {k} action: {kinds:?}"));
        }
    }
    for k in s.absent {
        if kinds.contains(k) {
            return Err(format!("unexpected {k} action: {kinds:?}"));
        }
    }
    let sent = alerts_received(alerts).await;
    for reason in s.alerts {
        if !sent.iter().any(|a| a["escalator"]["reason"] == *reason) {
            return Err(format!("no {reason} alert: {sent:#?}"));
        }
    }
    if let Some((key, value)) = s.attribute {
        let patches = attribute_patches(app).await;
        if !patches
            .iter()
            .any(|p| p["attributes"][key].as_str() == Some(value))
        {
            return Err(format!("no PATCH with {key} = {value}: {patches:#?}"));
        }
    }
    Ok(())
}

async fn attribute_patches(app: &TestApp) -> Vec<Value> {
    app.genesys
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "PATCH" && r.url.path() == attributes_path())
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

/// The invariants every conversation keeps.
async fn check_invariants(s: &Scenario, app: &TestApp, alerts: &MockServer) -> Result<(), String> {
    let sent = alerts_received(alerts).await;
    let alerted = |reference: &str, reason: Option<&str>| {
        sent.iter().any(|a| {
            a["escalator"]["reference"] == reference
                && reason.is_none_or(|r| a["escalator"]["reason"] == r)
        })
    };
    // 1. Every transfer ends with a person, or a callback and an alert.
    for e in app.store.escalations(Vendor::Genesys, CID).await.unwrap() {
        let acts = app.store.escalation_actions(&e.id).await.unwrap();
        if !acts.iter().any(|a| a.kind == "warm_transfer") {
            continue;
        }
        if e.status == "connected" || e.status == "superseded" {
            continue;
        }
        if e.team == "welfare" {
            if !alerted(&e.reference, Some("caller_at_risk")) {
                return Err(format!(
                    "self-harm escalation {} ended {} with no caller_at_risk alert: {sent:#?}",
                    e.reference, e.status
                ));
            }
            continue;
        }
        let logged = app.store.callback(&e.reference).await.unwrap().is_some()
            || CALLBACK.contains(&e.status.as_str());
        if !logged || !alerted(&e.reference, None) {
            return Err(format!(
                "{} escalation {} ended {} (callback logged: {logged}) without callback and \
                 alert: {sent:#?}",
                e.team, e.reference, e.status
            ));
        }
    }
    let requests = app.genesys.received_requests().await.unwrap_or_default();
    let is_consult =
        |r: &wiremock::Request| r.method.as_str() == "POST" && r.url.path().contains("/consult");
    let is_cancel =
        |r: &wiremock::Request| r.method.as_str() == "DELETE" && r.url.path().ends_with("/consult");
    let trail: Vec<String> = requests
        .iter()
        .filter(|r| r.method.as_str() != "GET" && r.url.path() != "/oauth/token")
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    // 2. At most one live consult: a consult is cancelled before the next one is placed
    //    (a refused consult is never live).
    if s.platform != Platform::Refuses {
        let mut live = false;
        for r in &requests {
            if is_consult(r) {
                if live {
                    return Err(format!("two live consults: {trail:#?}"));
                }
                live = true;
            } else if is_cancel(r) {
                live = false;
            }
        }
    }
    // 3. No blind transfer after a failed consult.
    if s.platform == Platform::Refuses {
        if let Some(first) = requests.iter().position(is_consult) {
            if requests[first..]
                .iter()
                .any(|r| r.url.path().ends_with("/replace"))
            {
                return Err(format!("blind transfer after a failed consult: {trail:#?}"));
            }
        }
    }
    // 4. Every briefing carries the issue the caller stated first.
    if s.issue_stated() {
        for p in attribute_patches(app).await {
            let a = &p["attributes"];
            if a.get("escalation.reference").is_some()
                && a["escalation.summary"].as_str().unwrap_or("").is_empty()
            {
                return Err(format!("briefing without the issue summary: {p:#}"));
            }
        }
    }
    // 5. Every self-harm alert (caller at risk now, or heard only in a partial before the
    // hang-up) names the call and the agent.
    for a in sent.iter().filter(|a| {
        a["escalator"]["reason"] == "caller_at_risk"
            || a["escalator"]["reason"] == "call_ended_at_risk"
    }) {
        let text = a["text"].as_str().unwrap_or("");
        if !text.contains(CID) || !text.contains(AGENT_USER) {
            return Err(format!("self-harm alert lacks the call or agent: {text}"));
        }
    }
    Ok(())
}

async fn run(s: Scenario) -> Result<(), String> {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(Options {
        api_secrets: vec![alert_webhook_secret(&alerts)],
        configure: Some(playbook_answering_within(s.answer_seconds)),
        ..Options::default()
    })
    .await;
    mount_platform(&app, s.platform).await;
    let outcome = std::panic::AssertUnwindSafe(async {
        play(&s, &app).await?;
        check_expectations(&s, &app, &alerts).await?;
        check_invariants(&s, &app, &alerts).await
    })
    .catch_unwind()
    .await;
    let outcome = match outcome {
        Ok(r) => r,
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into())),
    };
    let _ = app.stop().await;
    outcome.map_err(|e| format!("[{}] {e}", s.name))
}

/// Runs the table's scenarios `part` of `parts`, all at once.
async fn run_part(part: usize, parts: usize) {
    let scenarios: Vec<Scenario> = table()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % parts == part)
        .map(|(_, s)| s)
        .collect();
    // A few at a time: many apps building their stores at once time out on the pool.
    let failures: Vec<String> = futures::stream::iter(scenarios.into_iter().map(run))
        .buffer_unordered(4)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const PARTS: usize = 4;

#[test]
fn the_table_has_at_least_forty_scenarios() {
    let names: std::collections::BTreeSet<&str> = table().iter().map(|s| s.name).collect();
    assert_eq!(names.len(), table().len(), "names are unique");
    assert!(names.len() >= 40, "{}", names.len());
}

#[tokio::test]
async fn conversations_part_1() {
    run_part(0, PARTS).await;
}

#[tokio::test]
async fn conversations_part_2() {
    run_part(1, PARTS).await;
}

#[tokio::test]
async fn conversations_part_3() {
    run_part(2, PARTS).await;
}

#[tokio::test]
async fn conversations_part_4() {
    run_part(3, PARTS).await;
}
