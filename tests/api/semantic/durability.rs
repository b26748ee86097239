//! When scoring falls behind or the service stops: the rules have decided, late utterances
//! are skipped and counted, `/readyz` says degraded without failing, and a queued utterance
//! outlives the process and is scored once.

use std::time::Duration;

use escalator_adapters::Vendor;
use serde_json::Value;

use super::dir_with_playbook;
use super::double::{Gate, Markers};
use super::{drained, escalations, metric, spawn_scoring};
use crate::helpers::TestApp;

const LATE: &str = "escalator_semantic_skipped_total{reason=\"late\"}";

async fn readyz(app: &TestApp) -> (u16, Value) {
    let r = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    (r.status().as_u16(), r.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_late_utterance_is_skipped_and_counted_and_readiness_says_degraded() {
    let gate = Gate::closed();
    let app = spawn_scoring(dir_with_playbook(), Markers::gated(gate.clone()), |c| {
        c.semantic.max_lag_ms = 300;
    })
    .await;
    assert_eq!(readyz(&app).await.1["semantic"], "ok");
    // The only worker is held on the first utterance...
    app.post_caller_said(Vendor::Talkdesk, "late-1", "u1", "a zebra here")
        .await;
    gate.reached(1).await;
    // ...while the second waits longer than max_lag_ms.
    let late_before = metric(&app, LATE).await;
    app.post_caller_said(Vendor::Talkdesk, "late-2", "u2", "a zebra there")
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "behind is not unready: {body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["semantic"], "degraded");
    assert!(
        body["semantic_reason"].as_str().unwrap().contains("behind"),
        "{body}"
    );
    gate.open();
    drained(&app).await;
    assert_eq!(escalations(&app, Vendor::Talkdesk, "late-1").await.len(), 1);
    assert!(
        escalations(&app, Vendor::Talkdesk, "late-2")
            .await
            .is_empty(),
        "the late one is skipped: the rules decided it"
    );
    assert!(metric(&app, LATE).await >= late_before + 1.0);
    assert_eq!(readyz(&app).await.1["semantic"], "ok");
}

#[tokio::test]
async fn a_queued_utterance_outlives_the_process_and_is_scored_once() {
    let gate = Gate::closed();
    let tune = |c: &mut escalator::config::Config| {
        c.semantic.max_lag_ms = 60_000;
        c.server.shutdown_grace_seconds = 1;
    };
    let first = spawn_scoring(dir_with_playbook(), Markers::gated(gate.clone()), tune).await;
    let r = first
        .post_caller_said(Vendor::Talkdesk, "crash-1", "u1", "a zebra on my card")
        .await;
    assert_eq!(r.status(), 200);
    // Committed and being scored when the service goes away.
    gate.reached(1).await;
    let (dir, _) = first.stop().await;

    let scorer = Markers::new();
    let second = spawn_scoring(dir, scorer.clone(), tune).await;
    drained(&second).await;
    assert_eq!(scorer.calls(), 1);
    let rows = escalations(&second, Vendor::Talkdesk, "crash-1").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    // The first process's abandoned score, released now, changes nothing.
    gate.open();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        escalations(&second, Vendor::Talkdesk, "crash-1")
            .await
            .len(),
        1
    );
}
