//! Conversations end to end on CloudTalk (issue 14), where the lifecycle differs from
//! Genesys: CloudTalk cannot consult by API, so the transfer is agent-assisted (a Cue Card
//! with the briefing and "transfer warm to team X now"), nobody can read whether it
//! happened, and it is watched until `transfer_result` (or the caller's hang-up) settles it
//! or the playbook's answer time runs out. The call comes from CloudTalk's own intake
//! events; the caller's words and the transfer's outcome come through the signed neutral
//! feed. Each scenario checks its own expectations, then the invariants: every transfer
//! ends connected or superseded, or with a callback and an alert (self-harm: with a
//! caller-at-risk alert at once); never a blind transfer; every caller-at-risk alert names
//! the call and the agent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use escalator::config::{Config, ENV_CLOUDTALK_API_KEY_ID, ENV_CLOUDTALK_API_KEY_SECRET};
use escalator_adapters::Vendor;
use futures::StreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const UUID: &str = "44fe27cd-5268-4670-993e-01293c9f8833";
const AGENT: &str = "493933";
const ISSUE: &str = "Hi, I'm calling about the $600 charge on my March bill";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const MANAGER: &str = "I want to speak to your supervisor right now";
const SELF_HARM: &str = "honestly I don't want to be alive anymore";

#[derive(Clone, Copy)]
enum Turn {
    Caller(&'static str),
    TransferResult(bool),
    CallEnded,
    /// Wait until what was planned so far is done (a transfer's answer check aside).
    Settle,
}
use Turn::*;

struct Scenario {
    name: &'static str,
    answer_seconds: u64,
    turns: Vec<Turn>,
    escalations: Vec<(&'static str, &'static [&'static str])>,
    alerts: &'static [&'static str],
    /// Cue Cards asking the agent to transfer.
    cards: usize,
}

const CONNECTED: &[&str] = &["connected"];
const CALLBACK: &[&str] = &["callback_scheduled", "callback_promised"];
const SUPERSEDED: &[&str] = &["superseded"];
const REQUESTED: &[&str] = &["transfer_requested"];

fn table() -> Vec<Scenario> {
    let s = |name, answer_seconds, turns| Scenario {
        name,
        answer_seconds,
        turns,
        escalations: Vec::new(),
        alerts: &[],
        cards: 1,
    };
    vec![
        Scenario {
            escalations: vec![("supervisor", CONNECTED)],
            ..s(
                "supervisor transfer answered",
                600,
                vec![Caller(ISSUE), Caller(MANAGER), Settle, TransferResult(true)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", CALLBACK)],
            alerts: &["transfer_unanswered"],
            ..s(
                "supervisor transfer nobody reports answered",
                1,
                vec![Caller(ISSUE), Caller(MANAGER)],
            )
        },
        Scenario {
            escalations: vec![("legal", CALLBACK)],
            alerts: &["transfer_unanswered"],
            ..s(
                "hard-stop transfer declined",
                600,
                vec![Caller(ISSUE), Caller(THREAT), Settle, TransferResult(false)],
            )
        },
        Scenario {
            escalations: vec![("welfare", REQUESTED)],
            alerts: &["caller_at_risk"],
            ..s(
                "self-harm: the agent conferences, a supervisor alerted at once",
                600,
                vec![Caller(ISSUE), Caller(SELF_HARM)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", SUPERSEDED), ("legal", CONNECTED)],
            cards: 2,
            ..s(
                "upgrade: supervisor then legal",
                600,
                vec![
                    Caller(ISSUE),
                    Caller(MANAGER),
                    Settle,
                    Caller(THREAT),
                    Settle,
                    TransferResult(true),
                ],
            )
        },
        Scenario {
            escalations: vec![("legal", CALLBACK)],
            alerts: &["transfer_unanswered"],
            ..s(
                "caller hangs up while the transfer is pending",
                600,
                vec![Caller(ISSUE), Caller(THREAT), Settle, CallEnded],
            )
        },
    ]
}

static EVENT: AtomicUsize = AtomicUsize::new(0);

async fn feed(app: &TestApp, event: Value) {
    let mut body = json!({
        "platform": "cloudtalk", "call_id": UUID,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let id = format!("ct_msg_{}", EVENT.fetch_add(1, Ordering::Relaxed));
    let r = app.post_signed_feed(&id, &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

/// CloudTalk's own delivery: the agent answered the call.
async fn answered(app: &TestApp) {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/cloudtalk/answered.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut body: Value = serde_json::from_str(&text).expect("fixture JSON");
    body["escalator_secret"] = json!(SECRET);
    body["external_number"] = json!(CALLER.trim_start_matches('+').parse::<u64>().unwrap());
    let r = app.post("/webhooks/cloudtalk", &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

/// Cue Cards are shown; the contact API (the platform's callback) is not mocked, so a
/// callback is Escalator's own named one.
async fn mount_cloudtalk(platform: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/cuecards"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(platform)
        .await;
}

fn busy(a: &escalator::store::ActionRow) -> bool {
    a.status == "pending" || a.status == "leased"
}

async fn settle(app: &TestApp, fully: bool) -> Result<(), String> {
    for _ in 0..600 {
        let rows = app.store.actions(Vendor::Cloudtalk, UUID).await.unwrap();
        let escalations = app
            .store
            .escalations(Vendor::Cloudtalk, UUID)
            .await
            .unwrap();
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
            .escalations(Vendor::Cloudtalk, UUID)
            .await
            .unwrap()
            .iter()
            .map(|e| (&e.team, &e.status))
            .collect::<Vec<_>>()
    ))
}

async fn play(s: &Scenario, app: &TestApp) -> Result<(), String> {
    answered(app).await;
    for (n, turn) in s.turns.iter().enumerate() {
        let event = match turn {
            Caller(text) => json!({"type": "utterance", "utterance_id": format!("u{n}"),
                                   "speaker": "customer", "text": text, "is_final": true}),
            TransferResult(ok) => json!({"type": "transfer_result", "succeeded": ok}),
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
    cloudtalk: &MockServer,
    alerts: &MockServer,
) -> Result<(), String> {
    let escalations = app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap();
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
    let cards: Vec<Value> = cloudtalk
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/api/cuecards")
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|c| {
            c["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Escalation "))
        })
        .collect();
    if cards.len() != s.cards {
        return Err(format!(
            "{} transfer cards, expected {}: {cards:#?}",
            cards.len(),
            s.cards
        ));
    }
    // Never a blind transfer: CloudTalk's agent can consult.
    let rows = app.store.actions(Vendor::Cloudtalk, UUID).await.unwrap();
    if rows.iter().any(|a| a.kind == "blind_transfer") {
        return Err("a blind transfer".into());
    }
    // Every transfer ends with a person, or a callback and an alert.
    for e in &escalations {
        let acts = app.store.escalation_actions(&e.id).await.unwrap();
        if !acts.iter().any(|a| a.kind == "assisted_transfer")
            || e.status == "connected"
            || e.status == "superseded"
            || e.team == "welfare"
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
        if !text.contains(UUID) || !text.contains(AGENT) {
            return Err(format!(
                "caller-at-risk alert lacks the call or agent: {text}"
            ));
        }
    }
    Ok(())
}

async fn run(s: Scenario) -> Result<(), String> {
    let (api, platform, alerts) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    mount_alert_webhook(&alerts).await;
    mount_cloudtalk(&platform).await;
    let (api_base, platform_base) = (
        format!("{}/api", api.uri()),
        format!("{}/api", platform.uri()),
    );
    let answering = playbook_answering_within(s.answer_seconds);
    let app = spawn_app_with(Options {
        api_secrets: vec![
            (ENV_CLOUDTALK_API_KEY_ID, "AKID7QW2TEST".into()),
            (
                ENV_CLOUDTALK_API_KEY_SECRET,
                "X05Dg4c331c3h61An-secret".into(),
            ),
            alert_webhook_secret(&alerts),
        ],
        configure: Some(Box::new(move |c: &mut Config| {
            answering(c);
            c.vendors.cloudtalk.api.api_base = Some(api_base);
            c.vendors.cloudtalk.api.platform_base = Some(platform_base);
        })),
        ..Options::default()
    })
    .await;
    let outcome = match play(&s, &app).await {
        Ok(()) => check(&s, &app, &platform, &alerts).await,
        Err(e) => Err(e),
    };
    let _ = app.stop().await;
    outcome.map_err(|e| format!("[cloudtalk: {}] {e}", s.name))
}

#[tokio::test]
async fn cloudtalk_conversations() {
    let failures: Vec<String> = futures::stream::iter(table().into_iter().map(run))
        .buffer_unordered(3)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
