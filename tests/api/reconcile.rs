//! The callback log kept in step with the platforms that hold callbacks: what a platform
//! reports (read back from its API) is recorded once per reported state, with the platform
//! as the actor, and never undoes a person's decision. Five9's dialler calls, matched from
//! its events, are in `five9_actions`.

use std::time::Duration;

use escalator::store::CallbackChange;
use escalator_adapters::Vendor;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::genesys::{mount_refused_consult_then_callback, THREAT};
use crate::helpers::*;
use crate::talkdesk_actions::{
    at, mount_custom_fields, plan_scheduled_callback, start_with, Td, BEARER, INTERACTION,
};

/// Talkdesk accepts the scheduled callback as `cb-7` and answers reads of it with `status`.
async fn talkdesk_holding_cb7(td: &Td, first: &str, then: &str) {
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "callback_id": "cb-7", "interaction_id": INTERACTION, "phone_number": CALLER
        })))
        .expect(1)
        .mount(&td.api)
        .await;
    mount_custom_fields(&td.api, ResponseTemplate::new(200), 1).await;
    let readback = |status: &str| {
        ResponseTemplate::new(200).set_body_json(json!({
            "callback_id": "cb-7", "status": status, "phone_number": CALLER
        }))
    };
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks/cb-7"))
        .and(header("authorization", BEARER))
        .respond_with(readback(first))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&td.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks/cb-7"))
        .respond_with(readback(then))
        .mount(&td.api)
        .await;
}

/// The callback's record once `done` holds for it (waits up to 10 s).
async fn wait_for_callback(
    app: &TestApp,
    reference: &str,
    done: impl Fn(&escalator::store::CallbackRecord) -> bool,
) -> escalator::store::CallbackRecord {
    for _ in 0..100 {
        if let Some(r) = app.store.callback(reference).await.unwrap() {
            if done(&r) {
                return r;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("callback {reference} never reached the expected state");
}

/// Talkdesk reports what became of a scheduled callback (`status`, §3b); each new status is
/// recorded in the callback log once, with Talkdesk as the actor.
#[tokio::test]
async fn a_scheduled_callbacks_status_on_talkdesk_is_reconciled_into_the_log() {
    let td = start_with(None, Some(1)).await;
    talkdesk_holding_cb7(&td, "TO_BE_RETRIED", "SUCCESS").await;
    let Td { app, api } = td;
    let reference = plan_scheduled_callback(&app, at()).await;

    let record = wait_for_callback(&app, &reference, |r| r.status == "completed").await;
    assert_eq!(record.held_by, "talkdesk");
    assert_eq!(record.platform_ref.as_deref(), Some("cb-7"));
    assert_eq!(record.platform_status.as_deref(), Some("SUCCESS"));
    assert_eq!(record.attempts, 1);
    let history = app.store.callback_history(&record.id).await.unwrap();
    let trail: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h.change.as_str(), h.actor.as_str()))
        .collect();
    // TO_BE_RETRIED was read twice, recorded once.
    assert_eq!(
        trail,
        [
            ("created", "escalator"),
            ("attempted", "talkdesk"),
            ("completed", "talkdesk")
        ]
    );
    assert_eq!(history[1].detail["outcome"], "not_reached");
    // A completed callback is not read again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let reads = |reqs: &[wiremock::Request]| {
        reqs.iter()
            .filter(|r| r.url.path() == "/schedule-callbacks/cb-7")
            .count()
    };
    let before = reads(&api.received_requests().await.unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(reads(&api.received_requests().await.unwrap()), before);
    api.verify().await;
}

/// A person's cancellation stands: Talkdesk dialling it later is noted, never reopens it.
#[tokio::test]
async fn a_callback_a_person_cancelled_stays_cancelled_whatever_talkdesk_reports_later() {
    let td = start_with(None, Some(1)).await;
    talkdesk_holding_cb7(&td, "QUEUED", "SUCCESS").await;
    let reference = plan_scheduled_callback(&td.app, at()).await;
    let queued = wait_for_callback(&td.app, &reference, |r| {
        r.platform_status.as_deref() == Some("QUEUED")
    })
    .await;
    assert_eq!(queued.status, "pending");
    td.app
        .store
        .change_callback(
            &reference,
            "dana.supervisor",
            &CallbackChange::Cancel {
                reason: "caller emailed: no longer needed".into(),
            },
        )
        .await
        .unwrap();
    // Closed commitments are not read back any more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let kept = td.app.store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(kept.status, "cancelled");
    assert_eq!(kept.platform_status.as_deref(), Some("QUEUED"));
    let changes: Vec<String> = td
        .app
        .store
        .callback_history(&kept.id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.change)
        .collect();
    assert_eq!(changes, ["created", "cancelled"]);

    // Recorded directly, a late SUCCESS is noted once and changes nothing.
    let noted = td
        .app
        .store
        .record_platform_state(
            &reference,
            escalator_adapters::Vendor::Talkdesk,
            "SUCCESS",
            None,
            &[CallbackChange::Complete {
                notes: "talkdesk reports SUCCESS".into(),
            }],
        )
        .await
        .unwrap()
        .expect("a new state");
    assert_eq!(noted.status, "cancelled");
    assert_eq!(noted.platform_status.as_deref(), Some("SUCCESS"));
    let again = td
        .app
        .store
        .record_platform_state(
            &reference,
            escalator_adapters::Vendor::Talkdesk,
            "SUCCESS",
            None,
            &[],
        )
        .await
        .unwrap();
    assert!(again.is_none());
}

/// The callback conversation Genesys holds is read back (`GET
/// /api/v2/conversations/callbacks/{id}`): an agent who took it and a conversation that
/// ended complete it in the log, with Genesys as the actor.
#[tokio::test]
async fn a_callback_an_agent_handled_on_genesys_is_completed_in_the_log() {
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            c.scheduler.interval_seconds = 1;
        })),
        ..Options::default()
    })
    .await;
    mount_refused_consult_then_callback(&app).await;
    let conversation = |participants: serde_json::Value| {
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "cb-conv-1", "participants": participants}))
    };
    Mock::given(method("GET"))
        .and(path("/api/v2/conversations/callbacks/cb-conv-1"))
        .respond_with(conversation(json!([
            {"id": "p1", "purpose": "customer", "state": "scheduled"},
            {"id": "p2", "purpose": "acd", "state": "connected"}
        ])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.genesys)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/conversations/callbacks/cb-conv-1"))
        .respond_with(conversation(json!([
            {"id": "p1", "purpose": "customer", "state": "disconnected",
             "disconnectType": "endpoint", "endTime": "2026-06-01T15:20:00Z"},
            {"id": "p3", "purpose": "agent", "state": "terminated",
             "connectedTime": "2026-06-01T15:05:00Z", "endTime": "2026-06-01T15:20:00Z"}
        ])))
        .mount(&app.genesys)
        .await;

    assert_eq!(app.post_genesys(&customer_start()).await.status(), 200);
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let mut done = None;
    for _ in 0..150 {
        let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
        if let Some(e) = escalations.first() {
            if let Some(cb) = app.store.callback(&e.reference).await.unwrap() {
                if cb.status == "completed" {
                    done = Some(cb);
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cb = done.expect("completed from the callback conversation");
    assert_eq!(cb.platform_ref.as_deref(), Some("cb-conv-1"));
    assert_eq!(
        cb.platform_status.as_deref(),
        Some("agent connected, ended (endpoint)")
    );
    let history = app.store.callback_history(&cb.id).await.unwrap();
    let trail: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h.change.as_str(), h.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("created", "escalator"),
            ("attempted", "genesys"),
            ("completed", "genesys")
        ]
    );
}
