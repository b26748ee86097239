//! Conversations end to end on Five9 (issue 14), where the lifecycle differs from Genesys:
//! the consult is Agent REST `transfer_to_skill` (WARM), Five9 has no read of a consult's
//! state, self-harm is never consulted (Five9's consult parks the caller), and callbacks go
//! to a dialing list (SOAP `addRecordToList`). The call is created by a Web Connector
//! delivery naming the agent; the caller's words and the transfer's outcome come through
//! the signed neutral feed. Each scenario checks its own expectations, then the
//! invariants: every transfer ends connected or superseded, or with a callback and an alert;
//! at most one live consult (an upgrade cancels the superseded one with `cancel_transfer`
//! first); no blind transfer (`transferType` BLIND) ever; every caller-at-risk alert names
//! the call and the agent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use escalator::config::{
    Config, ENV_FIVE9_ADMIN_PASSWORD, ENV_FIVE9_ADMIN_USER, ENV_FIVE9_AGENT_CREDENTIALS,
};
use escalator_adapters::Vendor;
use futures::StreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const CALL: &str = "300000000123456";
const AGENT: &str = "sam.lee@acme.example";
const AGENT_ID: &str = "123456789";
const REST: &str = "/appsvcs/rs/svc";
const SOAP: &str = "/wsadmin/v13/AdminWebService";
const ISSUE: &str = "Hi, I'm calling about the $600 charge on my March bill";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const MANAGER: &str = "I want to speak to your supervisor right now";
const SELF_HARM: &str = "honestly I don't want to be alive anymore";

/// How the mocked Five9 treats `transfer_to_skill`.
#[derive(Clone, Copy, PartialEq)]
enum Consult {
    Accepts,
    Refuses,
}

#[derive(Clone, Copy)]
enum Turn {
    Caller(&'static str),
    TransferResult(bool),
    CallEnded,
    /// Wait until what was planned so far is done (a consult's answer check aside).
    Settle,
}
use Turn::*;

struct Scenario {
    name: &'static str,
    consult: Consult,
    answer_seconds: u64,
    turns: Vec<Turn>,
    escalations: Vec<(&'static str, &'static [&'static str])>,
    alerts: &'static [&'static str],
    /// Skills consulted, in order.
    skills: &'static [&'static str],
}

const CONNECTED: &[&str] = &["connected"];
const CALLBACK: &[&str] = &["callback_scheduled", "callback_promised"];
const SUPERSEDED: &[&str] = &["superseded"];
const NEEDS_PERSON: &[&str] = &["needs_person"];

fn table() -> Vec<Scenario> {
    use Consult::*;
    let s = |name, consult, answer_seconds, turns| Scenario {
        name,
        consult,
        answer_seconds,
        turns,
        escalations: Vec::new(),
        alerts: &[],
        skills: &[],
    };
    vec![
        Scenario {
            escalations: vec![("supervisor", CONNECTED)],
            skills: &["skill-supervisor"],
            ..s(
                "supervisor consult answered",
                Accepts,
                600,
                vec![Caller(ISSUE), Caller(MANAGER), Settle, TransferResult(true)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", CALLBACK)],
            alerts: &["transfer_unanswered"],
            skills: &["skill-supervisor"],
            ..s(
                "supervisor consult nobody answers",
                Accepts,
                1,
                vec![Caller(ISSUE), Caller(MANAGER)],
            )
        },
        Scenario {
            escalations: vec![("legal", CALLBACK)],
            alerts: &["callback_instead_of_transfer"],
            skills: &["skill-legal"],
            ..s(
                "hard-stop consult refused",
                Refuses,
                600,
                vec![Caller(ISSUE), Caller(THREAT)],
            )
        },
        Scenario {
            escalations: vec![("welfare", NEEDS_PERSON)],
            alerts: &["caller_at_risk"],
            ..s(
                "self-harm is never consulted on Five9",
                Accepts,
                600,
                vec![Caller(ISSUE), Caller(SELF_HARM)],
            )
        },
        Scenario {
            escalations: vec![("supervisor", SUPERSEDED), ("legal", CONNECTED)],
            skills: &["skill-supervisor", "skill-legal"],
            ..s(
                "upgrade: supervisor then legal",
                Accepts,
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
            skills: &["skill-legal"],
            ..s(
                "caller hangs up while the consult rings",
                Accepts,
                600,
                vec![Caller(ISSUE), Caller(THREAT), Settle, CallEnded],
            )
        },
    ]
}

static EVENT: AtomicUsize = AtomicUsize::new(0);

async fn feed(app: &TestApp, event: Value) {
    let mut body = json!({
        "platform": "five9", "call_id": CALL,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let id = format!("f9_msg_{}", EVENT.fetch_add(1, Ordering::Relaxed));
    let r = app.post_signed_feed(&id, &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

/// The agent accepts the call: the Web Connector delivery that names them.
async fn accepted(app: &TestApp) {
    let form = std::fs::read_to_string(format!(
        "{}/fixtures/five9/accepted-inbound.form",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
    .replace("f9-test-secret", SECRET);
    let r = app
        .http
        .post(format!("{}/webhooks/five9", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.trim().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

fn call_path(action: &str) -> String {
    format!("{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}/{action}")
}

async fn mount_five9(server: &MockServer, consult: Consult) {
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tokenId": "tok-1", "sessionId": "s1", "orgId": "987654321", "userId": AGENT_ID,
            "context": {"farmId": "149"},
            "metadata": {"freedomUrl": "https://app.five9.com", "dataCenters": [
                {"name": "Atlanta Data Center", "active": true,
                 "apiUrls": [{"host": "127.0.0.1", "port": server.address().port().to_string()}]}]}
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/agents/{AGENT_ID}/interactions/calls")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": CALL, "state": "TALKING"}])),
        )
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path(call_path("variables_2")))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path(call_path("cancel_transfer")))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    let transfer = match consult {
        Consult::Accepts => ResponseTemplate::new(200),
        Consult::Refuses => ResponseTemplate::new(400).set_body_json(json!({
            "five9ExceptionDetail": {"timestamp": 1698851947550i64, "errorCode": 3,
            "message": "Skill is not available for transfer",
            "context": {"contextCode": "CALL", "objectId": null}}})),
    };
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .respond_with(transfer)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(SOAP))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "text/xml;charset=utf-8")
                .set_body_string(
                    "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\">\
                     <env:Body><ns2:addRecordToListResponse \
                     xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
                     <callNowQueued>0</callNowQueued><crmRecordsInserted>1</crmRecordsInserted>\
                     <crmRecordsUpdated>0</crmRecordsUpdated><listName>Escalator Callbacks\
                     </listName><listRecordsDeleted>0</listRecordsDeleted>\
                     <listRecordsInserted>1</listRecordsInserted><uploadDuplicatesCount>0\
                     </uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount></return>\
                     </ns2:addRecordToListResponse></env:Body></env:Envelope>",
                ),
        )
        .mount(server)
        .await;
}

fn busy(a: &escalator::store::ActionRow) -> bool {
    a.status == "pending" || a.status == "leased"
}

async fn settle(app: &TestApp, fully: bool) -> Result<(), String> {
    for _ in 0..600 {
        let rows = app.store.actions(Vendor::Five9, CALL).await.unwrap();
        let escalations = app.store.escalations(Vendor::Five9, CALL).await.unwrap();
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
            .escalations(Vendor::Five9, CALL)
            .await
            .unwrap()
            .iter()
            .map(|e| (&e.team, &e.status))
            .collect::<Vec<_>>()
    ))
}

async fn play(s: &Scenario, app: &TestApp) -> Result<(), String> {
    accepted(app).await;
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
    five9: &MockServer,
    alerts: &MockServer,
) -> Result<(), String> {
    let escalations = app.store.escalations(Vendor::Five9, CALL).await.unwrap();
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
    let transfers: Vec<Value> = five9
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == call_path("transfer_to_skill"))
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    let skills: Vec<&str> = transfers
        .iter()
        .filter_map(|t| t["skillId"].as_str())
        .collect();
    if skills != s.skills {
        return Err(format!("consulted {skills:?}, expected {:?}", s.skills));
    }
    // At most one live consult: a consult is cancelled before the next one is placed.
    let trail: Vec<String> = five9
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().rsplit('/').next().unwrap_or("").to_string())
        .filter(|p| p == "transfer_to_skill" || p == "cancel_transfer")
        .collect();
    let mut live = false;
    for step in &trail {
        if step == "transfer_to_skill" {
            if live && s.consult == Consult::Accepts {
                return Err(format!("two live consults: {trail:?}"));
            }
            live = true;
        } else {
            live = false;
        }
    }
    // No blind transfer, ever: Five9 can consult.
    if transfers.iter().any(|t| t["transferType"] != "WARM") {
        return Err(format!("a transfer that is not a consult: {transfers:#?}"));
    }
    // Every transfer ends with a person, or a callback and an alert.
    for e in &escalations {
        let acts = app.store.escalation_actions(&e.id).await.unwrap();
        if !acts.iter().any(|a| a.kind == "warm_transfer")
            || e.status == "connected"
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
        if !text.contains(CALL) || !text.contains(AGENT) {
            return Err(format!(
                "caller-at-risk alert lacks the call or agent: {text}"
            ));
        }
    }
    Ok(())
}

async fn run(s: Scenario) -> Result<(), String> {
    let five9 = MockServer::start().await;
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    mount_five9(&five9, s.consult).await;
    let uri = five9.uri();
    let answering = playbook_answering_within(s.answer_seconds);
    let app = spawn_app_with(Options {
        api_secrets: vec![
            (ENV_FIVE9_ADMIN_USER, "admin".into()),
            (ENV_FIVE9_ADMIN_PASSWORD, "admin-pw".into()),
            (ENV_FIVE9_AGENT_CREDENTIALS, format!("{AGENT}:agent:pw")),
            alert_webhook_secret(&alerts),
        ],
        configure: Some(Box::new(move |c: &mut Config| {
            answering(c);
            c.vendors.five9.api.admin_base = Some(uri.clone());
            c.vendors.five9.api.agent_login_base = Some(uri);
            c.vendors.five9.api.callback_list = "Escalator Callbacks".into();
        })),
        ..Options::default()
    })
    .await;
    let outcome = match play(&s, &app).await {
        Ok(()) => check(&s, &app, &five9, &alerts).await,
        Err(e) => Err(e),
    };
    let _ = app.stop().await;
    outcome.map_err(|e| format!("[five9: {}] {e}", s.name))
}

#[tokio::test]
async fn five9_conversations() {
    let failures: Vec<String> = futures::stream::iter(table().into_iter().map(run))
        .buffer_unordered(3)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
