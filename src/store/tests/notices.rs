//! Callback notices across crashes: the scheduler is "killed" (its task dropped) before it
//! sends, while the receiver holds the request, and after it recorded the send, then a new
//! scheduler takes over. A receiver that deduplicates on `webhook-id` acts on each notice
//! exactly once; on the wire it may arrive twice (at least once), always with the same id
//! and a valid Standard Webhooks signature.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use escalator_adapters::standard::{verify, SigningKey};
use escalator_adapters::{Secret, Vendor};
use jiff::{SignedDuration, Timestamp};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::fixtures::{briefing, commit_callback, escalate, target, window};
use super::sqlite;
use crate::executor::AlertSink;
use crate::scheduler::{Scheduler, SchedulerConfig};
use crate::store::{NewCallback, Store, SYSTEM_ACTOR};

const KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// How long the receiver holds each request before answering: the window to kill in.
const HOLD: Duration = Duration::from_millis(700);

#[derive(Debug, Clone, Copy)]
enum Kill {
    BeforeSend,
    WhileReceiverHoldsIt,
    AfterRecorded,
}

fn scheduler(store: &Store, alerts: &MockServer) -> Scheduler {
    let key = SigningKey::parse(&Secret::new(KEY.to_string())).expect("key");
    let sink = AlertSink::new(
        reqwest::Client::new(),
        Some(Secret::new(format!("{}/alerts", alerts.uri()))),
    )
    .with_signing_key(Some(key));
    let config = SchedulerConfig {
        lease_seconds: 1,
        ..SchedulerConfig::default()
    };
    let supervisors = BTreeMap::from([("legal".to_string(), "Supervisor of legal".to_string())]);
    Scheduler::new(store.clone(), sink, config, supervisors)
}

/// A commitment that is due for `kind` now; returns its reference.
async fn commitment(store: &Store, kind: &str) -> String {
    let now = Timestamp::now();
    let min = SignedDuration::from_mins(1);
    match kind {
        "due_soon" => {
            commit_callback(store, "c1", "e1", &window(now + min * 5, now + min * 60)).await
        }
        "overdue" => commit_callback(store, "c1", "e1", &window(now - min * 60, now - min)).await,
        _ => {
            escalate(store, "c1", "e1").await;
            let b = briefing(&crate::reference::generate());
            store
                .record_named_callback(&NewCallback {
                    escalation_id: "e1",
                    vendor: Vendor::Genesys,
                    call_id: "c1",
                    target: &target(),
                    owner: Some("Owner of legal"),
                    number: Some("+61293744000"),
                    briefing: &b,
                    window: Err("cannot tell the callee's time zone (+61)"),
                    held_by: SYSTEM_ACTOR,
                    platform_ref: None,
                })
                .await
                .expect("recorded");
            b.reference
        }
    }
}

/// (webhook-id, notification kind) of every request received for `reference`, each
/// checked against its signature.
async fn received(alerts: &MockServer, reference: &str) -> Vec<(String, String)> {
    let key = SigningKey::parse(&Secret::new(KEY.to_string())).expect("key");
    let mut out = Vec::new();
    for r in alerts.received_requests().await.unwrap_or_default() {
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        if body["escalator"]["reference"] != reference {
            continue;
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in &r.headers {
            let name = http::HeaderName::from_bytes(name.as_str().as_bytes()).expect("name");
            let value = http::HeaderValue::from_bytes(value.as_bytes()).expect("value");
            headers.insert(name, value);
        }
        let id = verify(std::slice::from_ref(&key), &headers, &r.body).expect("signed");
        let kind = body["escalator"]["notification"]
            .as_str()
            .unwrap_or("")
            .to_string();
        out.push((id.to_string(), kind));
    }
    out
}

async fn wait_until_received(alerts: &MockServer, reference: &str) {
    for _ in 0..200 {
        if !received(alerts, reference).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("nothing received for {reference}");
}

#[tokio::test]
async fn each_notice_is_acted_on_once_across_a_kill_at_every_point() {
    for kind in ["due_soon", "no_window", "overdue"] {
        for kill in [
            Kill::BeforeSend,
            Kill::WhileReceiverHoldsIt,
            Kill::AfterRecorded,
        ] {
            let case = format!("{kind} killed {kill:?}");
            let db = sqlite().await;
            let alerts = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path("/alerts"))
                .respond_with(ResponseTemplate::new(200).set_delay(HOLD))
                .mount(&alerts)
                .await;
            let reference = commitment(&db.store, kind).await;

            // The first process.
            let first = scheduler(&db.store, &alerts);
            match kill {
                Kill::BeforeSend => {
                    db.store
                        .plan_notifications(Duration::from_secs(15 * 60), None)
                        .await
                        .expect("planned");
                }
                Kill::WhileReceiverHoldsIt => {
                    let task = tokio::spawn(async move { first.tick().await });
                    wait_until_received(&alerts, &reference).await;
                    task.abort();
                    let _ = task.await;
                }
                Kill::AfterRecorded => first.tick().await,
            }

            // The restarted process, after the dead one's lease has run out; two passes.
            tokio::time::sleep(Duration::from_millis(1100)).await;
            let second = scheduler(&db.store, &alerts);
            second.tick().await;
            second.tick().await;

            let wire = received(&alerts, &reference).await;
            let of_kind: Vec<&(String, String)> = wire.iter().filter(|(_, k)| k == kind).collect();
            assert!(!of_kind.is_empty(), "{case}: never delivered");
            let ids: BTreeSet<&str> = of_kind.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids.len(), 1, "{case}: one webhook-id per notice: {wire:?}");
            let expected_on_wire = match kill {
                Kill::WhileReceiverHoldsIt => 2,
                _ => 1,
            };
            assert_eq!(of_kind.len(), expected_on_wire, "{case}: {wire:?}");
            let sent: Vec<String> = db
                .store
                .notifications_sent(&reference)
                .await
                .expect("sent")
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            assert_eq!(sent, [kind], "{case}");
            if kind != "due_soon" {
                let body: serde_json::Value = serde_json::from_slice(
                    &alerts.received_requests().await.unwrap_or_default()[0].body,
                )
                .expect("json");
                assert_eq!(
                    body["escalator"]["recipient"], "Supervisor of legal",
                    "{case}"
                );
            }
        }
    }
}

#[tokio::test]
async fn reassignment_tells_the_new_owner_once_and_the_same_owner_is_a_no_op() {
    let db = sqlite().await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&alerts)
        .await;
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    let reference = commit_callback(
        &db.store,
        "c1",
        "e1",
        &window(now + hour * 3, now + hour * 4),
    )
    .await;
    let reassign = |owner: &str| crate::store::CallbackChange::Reassign {
        owner: owner.into(),
        reason: "shift change".into(),
    };
    let same = db
        .store
        .change_callback(&reference, "lead", &reassign("Owner of legal"))
        .await
        .expect("no-op");
    assert_eq!(same.status, "pending");
    let history = db.store.callback_history(&same.id).await.expect("history");
    assert_eq!(history.len(), 1, "nothing recorded: {history:?}");

    db.store
        .change_callback(&reference, "lead", &reassign("Sam Ortiz"))
        .await
        .expect("reassigned");
    let s = scheduler(&db.store, &alerts);
    s.tick().await;
    s.tick().await;
    let wire = received(&alerts, &reference).await;
    let told: Vec<&(String, String)> = wire.iter().filter(|(_, k)| k == "reassigned").collect();
    assert_eq!(told.len(), 1, "{wire:?}");
    let body: serde_json::Value = alerts
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).expect("json"))
        .find(|b| b["escalator"]["notification"] == "reassigned")
        .expect("sent");
    assert_eq!(body["escalator"]["recipient"], "Sam Ortiz");
    assert!(
        body["text"]
            .as_str()
            .unwrap_or("")
            .contains("reassigned to you"),
        "{body}"
    );
}
