//! Conversations end to end on Nextiva Contact Center (issue 14), where the lifecycle
//! differs from Genesys: NCC can only blind-transfer (`queuetransfer`), so a supervisor-tier
//! escalation goes blind with its briefing in the transfer's `eventName` (the only text an
//! NCC transfer carries), hard-stops are never transferred but become callback leads, and
//! self-harm can only alert a supervisor at once. The call is created by NCC's own intake
//! events; the caller's words come through the signed neutral feed. Each scenario checks its
//! own expectations, then the invariants: every transfer ends transferred or superseded, or
//! with a callback and an alert; at most one transfer per call; the briefing travels with
//! every transfer; no hard-stop is ever blind-transferred; every caller-at-risk alert names
//! the call and the agent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use escalator::config::{Config, ENV_NEXTIVA_API_PASSWORD, ENV_NEXTIVA_API_USER};
use escalator_adapters::Vendor;
use futures::StreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const WID: &str = "66f1c0a2e4b0c13f5d2a9b77";
const AGENT: &str = "jsmith@acme-support.com";
const LIST: &str = "66f1c0a2e4b0c13f5d2a0ca1";
const TOKEN: &str = "ncc-session-token";
const ISSUE: &str = "Hi, I'm calling about the $600 charge on my March bill";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const MANAGER: &str = "I want to speak to your supervisor right now";
const SELF_HARM: &str = "honestly I don't want to be alive anymore";

/// How the mocked NCC treats `queuetransfer`.
#[derive(Clone, Copy, PartialEq)]
enum Transfer {
    Accepts,
    Refuses,
}

#[derive(Clone, Copy)]
enum Turn {
    Caller(&'static str),
    CallEnded,
    /// Wait until what was planned so far is done.
    Settle,
}
use Turn::*;

struct Scenario {
    name: &'static str,
    transfer: Transfer,
    turns: Vec<Turn>,
    escalations: Vec<(&'static str, &'static [&'static str])>,
    alerts: &'static [&'static str],
    /// Queues the call was blind-transferred to, in order.
    queues: &'static [&'static str],
}

const TRANSFERRED: &[&str] = &["transferred"];
const CALLBACK: &[&str] = &["callback_scheduled", "callback_promised"];
const SUPERSEDED: &[&str] = &["superseded"];
const NEEDS_PERSON: &[&str] = &["needs_person"];

fn table() -> Vec<Scenario> {
    use Transfer::*;
    let s = |name, transfer, turns| Scenario {
        name,
        transfer,
        turns,
        escalations: Vec::new(),
        alerts: &[],
        queues: &[],
    };
    vec![
        Scenario {
            escalations: vec![("supervisor", TRANSFERRED)],
            queues: &["nx-supervisor"],
            ..s(
                "supervisor request: blind transfer with the briefing",
                Accepts,
                vec![Caller(ISSUE), Caller(MANAGER)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", CALLBACK)],
            alerts: &["callback_instead_of_transfer"],
            queues: &["nx-supervisor"],
            ..s(
                "blind transfer refused: a callback lead and an alert",
                Refuses,
                vec![Caller(ISSUE), Caller(MANAGER)],
            )
        },
        Scenario {
            escalations: vec![("legal", CALLBACK)],
            alerts: &["callback_instead_of_transfer"],
            ..s(
                "hard-stop: a callback lead, never a cold transfer",
                Accepts,
                vec![Caller(ISSUE), Caller(THREAT)],
            )
        },
        Scenario {
            escalations: vec![("welfare", NEEDS_PERSON)],
            alerts: &["caller_at_risk"],
            ..s(
                "self-harm: a supervisor alerted at once",
                Accepts,
                vec![Caller(ISSUE), Caller(SELF_HARM)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", SUPERSEDED), ("legal", CALLBACK)],
            alerts: &["callback_instead_of_transfer"],
            queues: &["nx-supervisor"],
            ..s(
                "upgrade: supervisor then legal",
                Accepts,
                vec![Caller(ISSUE), Caller(MANAGER), Settle, Caller(THREAT)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", TRANSFERRED)],
            queues: &["nx-supervisor"],
            ..s(
                "caller hangs up after the blind transfer: nothing more",
                Accepts,
                vec![Caller(ISSUE), Caller(MANAGER), Settle, CallEnded],
            )
        },
    ]
}

static EVENT: AtomicUsize = AtomicUsize::new(0);

async fn feed(app: &TestApp, event: Value) {
    let mut body = json!({
        "platform": "nextiva", "call_id": WID,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let id = format!("nx_msg_{}", EVENT.fetch_add(1, Ordering::Relaxed));
    let r = app.post_signed_feed(&id, &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

/// NCC's own deliveries: the call started and an agent took it.
async fn call_with_agent(app: &TestApp) {
    for name in ["call-started.inbound.json", "agent-connected.json"] {
        let text = std::fs::read_to_string(format!(
            "{}/fixtures/nextiva/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        let event: Value = serde_json::from_str(&text).expect("fixture JSON");
        let r = app.post("/webhooks/nextiva", &event).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
}

fn is_transfer(p: &str) -> bool {
    p.starts_with(&format!("/users/api/calls/{WID}/queuetransfer/"))
}

async fn mount_ncc(server: &MockServer, transfer: Transfer) {
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token": TOKEN, "location": server.uri(), "clientLocation": "https://nextiva.thrio.io"
        })))
        .mount(server)
        .await;
    let answer = match transfer {
        Transfer::Accepts => ResponseTemplate::new(200).set_body_json(json!({})),
        Transfer::Refuses => ResponseTemplate::new(403).set_body_json(
            json!({"code": "FORBIDDEN", "message": "user may not transfer this workitem"}),
        ),
    };
    Mock::given(method("POST"))
        .and(path_regex(r"^/users/api/calls/[^/]+/queuetransfer/[^/]+$"))
        .respond_with(answer)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/data/api/types/outboundlist/{LIST}/leadsupsert/"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"_id": "lead-1", "phone": CALLER}])),
        )
        .mount(server)
        .await;
}

fn busy(a: &escalator::store::ActionRow) -> bool {
    a.status == "pending" || a.status == "leased"
}

async fn settle(app: &TestApp, fully: bool) -> Result<(), String> {
    for _ in 0..600 {
        let rows = app.store.actions(Vendor::Nextiva, WID).await.unwrap();
        let escalations = app.store.escalations(Vendor::Nextiva, WID).await.unwrap();
        let idle = rows
            .iter()
            .all(|a| !busy(a) || (!fully && a.kind == "confirm_transfer"));
        let settled = !fully
            || escalations
                .iter()
                .all(|e| !["open", "consulting", "falling_back"].contains(&e.status.as_str()));
        if idle && settled {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(format!(
        "never settled: {:?}",
        app.store
            .escalations(Vendor::Nextiva, WID)
            .await
            .unwrap()
            .iter()
            .map(|e| (&e.team, &e.status))
            .collect::<Vec<_>>()
    ))
}

async fn play(s: &Scenario, app: &TestApp) -> Result<(), String> {
    call_with_agent(app).await;
    for (n, turn) in s.turns.iter().enumerate() {
        let event = match turn {
            Caller(text) => json!({"type": "utterance", "utterance_id": format!("u{n}"),
                                   "speaker": "customer", "text": text, "is_final": true}),
            CallEnded => json!({"type": "call_ended", "reason": "customer"}),
            Settle => {
                settle(app, false).await?;
                continue;
            }
        };
        feed(app, event).await;
    }
    settle(app, true).await
}

async fn check(
    s: &Scenario,
    app: &TestApp,
    ncc: &MockServer,
    alerts: &MockServer,
) -> Result<(), String> {
    let escalations = app.store.escalations(Vendor::Nextiva, WID).await.unwrap();
    let seen: Vec<(String, String)> = escalations
        .iter()
        .map(|e| (e.team.clone(), e.status.clone()))
        .collect();
    if seen.len() != s.escalations.len()
        || !s.escalations.iter().all(|(team, statuses)| {
            seen.iter()
                .any(|(t, st)| t == team && statuses.contains(&st.as_str()))
        })
    {
        return Err(format!(
            "escalations {seen:?}, expected {:?}",
            s.escalations
        ));
    }
    let sent = alerts_received(alerts).await;
    for reason in s.alerts {
        if !sent.iter().any(|a| a["escalator"]["reason"] == *reason) {
            return Err(format!("no {reason} alert: {sent:#?}"));
        }
    }
    let requests = ncc.received_requests().await.unwrap_or_default();
    let transfers: Vec<&wiremock::Request> = requests
        .iter()
        .filter(|r| is_transfer(r.url.path()))
        .collect();
    let queues: Vec<&str> = transfers
        .iter()
        .filter_map(|r| r.url.path().rsplit('/').next())
        .collect();
    if queues != s.queues {
        return Err(format!(
            "transferred to {queues:?}, expected {:?}",
            s.queues
        ));
    }
    // The briefing travels with the call: the reference and the caller's words.
    for r in &transfers {
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let event = body["eventName"].as_str().unwrap_or("");
        let briefed = escalations
            .iter()
            .any(|e| event.contains(e.reference.as_str()))
            && event.contains(MANAGER);
        if !briefed {
            return Err(format!("a transfer without its briefing: {body:#}"));
        }
    }
    // Every transfer ends with a person, or a callback and an alert.
    for e in &escalations {
        let acts = app.store.escalation_actions(&e.id).await.unwrap();
        if !acts.iter().any(|a| a.kind == "blind_transfer")
            || e.status == "transferred"
            || e.status == "superseded"
        {
            continue;
        }
        let logged = app.store.callback(&e.reference).await.unwrap().is_some()
            || CALLBACK.contains(&e.status.as_str());
        let alerted = sent
            .iter()
            .any(|a| a["escalator"]["reference"] == e.reference.as_str());
        if !logged || !alerted {
            return Err(format!(
                "{} ended {} (callback: {logged}, alert: {alerted})",
                e.team, e.status
            ));
        }
    }
    // A caller at risk: the alert names the call and the agent.
    for a in sent
        .iter()
        .filter(|a| a["escalator"]["reason"] == "caller_at_risk")
    {
        let text = a["text"].as_str().unwrap_or("");
        if !text.contains(WID) || !text.contains(AGENT) {
            return Err(format!(
                "caller-at-risk alert lacks the call or agent: {text}"
            ));
        }
    }
    Ok(())
}

async fn run(s: Scenario) -> Result<(), String> {
    let ncc = MockServer::start().await;
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    mount_ncc(&ncc, s.transfer).await;
    let login = ncc.uri();
    let app = spawn_app_with(Options {
        api_secrets: vec![
            (ENV_NEXTIVA_API_USER, "escalator@tenant.example".into()),
            (ENV_NEXTIVA_API_PASSWORD, "pa55-w0rd!".into()),
            alert_webhook_secret(&alerts),
        ],
        configure: Some(Box::new(move |c: &mut Config| {
            c.vendors.nextiva.api.login_base = Some(login);
            c.vendors.nextiva.api.callback_list_id = LIST.into();
        })),
        ..Options::default()
    })
    .await;
    let outcome = match play(&s, &app).await {
        Ok(()) => check(&s, &app, &ncc, &alerts).await,
        Err(e) => Err(e),
    };
    let _ = app.stop().await;
    outcome.map_err(|e| format!("[nextiva: {}] {e}", s.name))
}

#[tokio::test]
async fn nextiva_conversations() {
    let failures: Vec<String> = futures::stream::iter(table().into_iter().map(run))
        .buffer_unordered(3)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
