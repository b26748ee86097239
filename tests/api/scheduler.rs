//! Callback reminders and overdue escalations: each sent once, also across restarts; a
//! failing sink is retried.

use std::time::Duration;

use escalator::store::CallbackChange;
use escalator_adapters::Vendor;
use serde_json::Value;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

fn options(alerts: &MockServer, scheduler: bool) -> Options {
    let secret = alert_webhook_secret(alerts);
    Options {
        api_secrets: vec![secret],
        configure: Some(Box::new(move |c: &mut escalator::config::Config| {
            c.scheduler.enabled = scheduler;
            c.scheduler.interval_seconds = 1;
        })),
        ..Options::default()
    }
}

/// A named callback for a call heard through the neutral feed, its window moved to
/// [start, end] from now.
async fn commitment(app: &TestApp, call: &str, start_min: i64, end_min: i64) -> String {
    app.post_caller_said(Vendor::Standard, call, &format!("u-{call}"), "I'll sue you")
        .await;
    app.wait_for_actions_on(Vendor::Standard, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let cb = app
        .store
        .callbacks(10)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.call_id == call)
        .unwrap();
    let now = jiff::Timestamp::now();
    app.store
        .change_callback(
            &cb.reference,
            "ops",
            &CallbackChange::Reschedule {
                window_start: now + jiff::SignedDuration::from_mins(start_min),
                window_end: now + jiff::SignedDuration::from_mins(end_min),
                reason: "agreed with the caller".into(),
            },
        )
        .await
        .unwrap();
    cb.reference
}

async fn notifications(alerts: &MockServer, reference: &str, kind: &str) -> Vec<Value> {
    alerts_received(alerts)
        .await
        .into_iter()
        .filter(|a| {
            a["escalator"]["reference"] == reference && a["escalator"]["notification"] == kind
        })
        .collect()
}

async fn wait_for(alerts: &MockServer, reference: &str, kind: &str) -> Vec<Value> {
    for _ in 0..200 {
        let found = notifications(alerts, reference, kind).await;
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} notification for {reference}");
}

#[tokio::test]
async fn the_owner_is_reminded_once_before_the_window_opens() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(options(&alerts, true)).await;
    let reference = commitment(&app, "call-due", 5, 120).await;
    let sent = wait_for(&alerts, &reference, "due_soon").await;
    assert_eq!(sent[0]["escalator"]["recipient"], "Owner of legal");
    assert!(sent[0]["text"].as_str().unwrap().contains(&reference));
    // Several more ticks: still one for the window agreed. (A tick between the commitment's
    // creation and its reschedule may also have reminded the owner of the first window:
    // reminders are one per window.)
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let window_end = app
        .store
        .callback(&reference)
        .await
        .unwrap()
        .unwrap()
        .window_end
        .unwrap();
    let reminders: Vec<(String, String)> = app
        .store
        .notifications_sent(&reference)
        .await
        .unwrap()
        .into_iter()
        .filter(|(kind, _)| kind == "due_soon")
        .collect();
    assert_eq!(
        reminders
            .iter()
            .filter(|(_, end)| *end == window_end)
            .count(),
        1,
        "{reminders:?}"
    );
    assert!(
        reminders.len() <= 2,
        "one per window, two windows: {reminders:?}"
    );
    assert!(notifications(&alerts, &reference, "overdue")
        .await
        .is_empty());
}

#[tokio::test]
async fn a_window_that_passed_is_escalated_to_the_supervisor_once_and_marked_missed() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(options(&alerts, true)).await;
    let reference = commitment(&app, "call-late", -120, -60).await;
    let sent = wait_for(&alerts, &reference, "overdue").await;
    assert_eq!(sent[0]["escalator"]["recipient"], "Supervisor of legal");
    assert_eq!(sent[0]["escalator"]["owner"], "Owner of legal");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(notifications(&alerts, &reference, "overdue").await.len(), 1);

    let cb = app.store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(cb.status, "missed");
    let history = app.store.callback_history(&cb.id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.change.as_str(), last.actor.as_str()),
        ("missed", "escalator")
    );
}

#[tokio::test]
async fn a_commitment_due_while_the_service_was_down_is_escalated_once_after_restarts() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    // Committed while the scheduler is off: the window passes unseen.
    let app = spawn_app_with(options(&alerts, false)).await;
    let reference = commitment(&app, "call-down", -90, -30).await;
    let (dir, genesys) = app.stop().await;
    assert!(notifications(&alerts, &reference, "overdue")
        .await
        .is_empty());

    let mut opts = options(&alerts, true);
    opts.dir = Some(dir);
    opts.genesys = Some(genesys);
    let app = spawn_app_with(opts).await;
    wait_for(&alerts, &reference, "overdue").await;
    let (dir, genesys) = app.stop().await;

    let mut opts = options(&alerts, true);
    opts.dir = Some(dir);
    opts.genesys = Some(genesys);
    let app = spawn_app_with(opts).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(notifications(&alerts, &reference, "overdue").await.len(), 1);
    assert_eq!(
        app.store
            .notifications_sent(&reference)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failing_sink_is_retried_until_the_notification_is_sent() {
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .and(body_partial_json(
            serde_json::json!({"escalator": {"notification": "overdue"}}),
        ))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&alerts)
        .await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(options(&alerts, true)).await;
    let reference = commitment(&app, "call-retry", -60, -1).await;
    // The first try is refused (503), the retry 5 s later goes through (waits up to 30 s:
    // a loaded machine delays ticks). A tick between the commitment's creation and its
    // reschedule may also have sent a "due soon" for the first window: only the overdue
    // notice is this test's business.
    let overdue_sent = || async {
        app.store
            .notifications_sent(&reference)
            .await
            .unwrap()
            .into_iter()
            .filter(|(kind, _)| kind == "overdue")
            .collect::<Vec<_>>()
    };
    for _ in 0..600 {
        if !overdue_sent().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        overdue_sent().await,
        vec![(
            "overdue".to_string(),
            app.store
                .callback(&reference)
                .await
                .unwrap()
                .unwrap()
                .window_end
                .unwrap()
        )]
    );
    assert_eq!(notifications(&alerts, &reference, "overdue").await.len(), 2);
}

/// CloudTalk cannot place a callback itself: at the window, Escalator rings the owner's
/// phone and then the caller (click-to-call), once, when the owner is online.
#[tokio::test]
async fn a_cloudtalk_callback_is_dialled_from_the_owners_phone_once_the_window_opens() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let ct = MockServer::start().await;
    let agent = "4242";
    Mock::given(method("GET"))
        .and(path("/api/agents/index.json"))
        .and(wiremock::matchers::query_param("id", agent))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "responseData": {"itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1,
                "data": [{"Agent": {"id": agent, "availability_status": "online"}}]}})))
        .mount(&ct)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/calls/create.json"))
        .and(body_partial_json(
            serde_json::json!({"agent_id": 4242, "callee_number": CALLER}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "responseData": {"status": 200, "message": "Call created"}})))
        .expect(1)
        .mount(&ct)
        .await;
    // Everything else CloudTalk is asked (cue cards, the commitment) is refused, so the
    // chain ends in Escalator's own named callback for this CloudTalk call.
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "responseData": {"status": 403, "message": "Forbidden"}})))
        .with_priority(10)
        .mount(&ct)
        .await;
    let base = ct.uri();
    let mut opts = options(&alerts, true);
    opts.api_secrets.extend([
        (
            escalator::config::ENV_CLOUDTALK_API_KEY_ID,
            "key-id".to_string(),
        ),
        (
            escalator::config::ENV_CLOUDTALK_API_KEY_SECRET,
            "key-secret".to_string(),
        ),
    ]);
    let scheduler = opts.configure.take();
    opts.configure = Some(Box::new(move |c: &mut escalator::config::Config| {
        if let Some(f) = scheduler {
            f(c);
        }
        let api = &mut c.vendors.cloudtalk.api;
        api.api_base = Some(format!("{base}/api"));
        api.platform_base = Some(format!("{base}/platform/api"));
        api.analytics_base = Some(format!("{base}/analytics/api"));
        api.agents.insert("Owner of legal".into(), agent.into());
    }));
    let app = spawn_app_with(opts).await;
    let call = "ct-call-1";
    app.post_caller_said(Vendor::Cloudtalk, call, "u-ct", "I'll sue you")
        .await;
    app.wait_for_actions_on(Vendor::Cloudtalk, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let cb = app
        .store
        .callbacks(10)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.call_id == call)
        .unwrap();
    assert_eq!(cb.held_by, "escalator");
    // Windows start on a whole minute; open this one now so the next ticks dial it, once.
    let now = jiff::Timestamp::now();
    app.store
        .change_callback(
            &cb.reference,
            "ops",
            &CallbackChange::Reschedule {
                window_start: now - jiff::SignedDuration::from_mins(1),
                window_end: now + jiff::SignedDuration::from_hours(1),
                reason: "caller free now".into(),
            },
        )
        .await
        .unwrap();
    for _ in 0..200 {
        let now = app.store.callback(&cb.reference).await.unwrap().unwrap();
        if now.status == "attempted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after = app.store.callback(&cb.reference).await.unwrap().unwrap();
    assert_eq!((after.status.as_str(), after.attempts), ("attempted", 1));
    let history = app.store.callback_history(&cb.id).await.unwrap();
    let dialled = history.iter().find(|h| h.change == "attempted").unwrap();
    assert_eq!(dialled.actor, "escalator");
    assert!(dialled.detail["notes"]
        .as_str()
        .unwrap()
        .contains("click-to-call"));
    ct.verify().await;
}
