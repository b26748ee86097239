//! A long hold noticed while it lasts (issue 14): the hold's start plans a watch in the
//! store, and when the hold passes `hold_seconds` with no other event, the playbook's
//! `long_hold` escalates as if an event had arrived: a supervisor conferenced in on
//! Genesys (the caller is not put on hold again), once per call, and nothing for a hold or
//! a call that ended. The watch is durable: it fires after a restart.

use std::time::Duration;

use escalator::config::Config;
use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const ISSUE: &str = "Hi, I'm calling about the $600 charge on my March bill";

/// The built-in playbook with `hold_seconds` and a consult answer time long enough that
/// the consult is still watched when the test looks.
fn playbook_holding(hold_seconds: u64) -> Configure {
    Box::new(move |config: &mut Config| {
        let text = include_str!("../../playbook/default.toml")
            .replace(
                "hold_seconds = 300",
                &format!("hold_seconds = {hold_seconds}"),
            )
            .replace(
                "transfer_answer_seconds = 60",
                "transfer_answer_seconds = 600",
            );
        let file = std::env::temp_dir().join(format!(
            "escalator-playbook-hold-{}.toml",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&file, text).expect("playbook written");
        config.playbook.file = Some(file);
    })
}

async fn app_holding(hold_seconds: u64) -> TestApp {
    spawn_app_with(Options {
        configure: Some(playbook_holding(hold_seconds)),
        ..Options::default()
    })
    .await
}

/// One canonical event for Genesys call `call_id` on the signed feed.
async fn feed(app: &TestApp, call_id: &str, id: &str, event: Value) {
    let mut body = json!({
        "platform": "genesys", "call_id": call_id,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = app
        .post_signed_feed(&format!("{call_id}-{id}"), &body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

/// An agent has the call, the caller said what it is about, and the agent put them on hold.
async fn put_on_hold(app: &TestApp, call_id: &str) {
    feed(
        app,
        call_id,
        "agent",
        json!({"type": "agent_connected", "agent_id": AGENT_USER}),
    )
    .await;
    feed(
        app,
        call_id,
        "u1",
        json!({"type": "utterance", "utterance_id": "u1", "speaker": "customer",
               "text": ISSUE, "is_final": true}),
    )
    .await;
    feed(app, call_id, "hold", json!({"type": "hold_started"})).await;
}

/// Token, conversation read, attributes and the consult all succeed.
async fn mount_genesys(server: &MockServer) {
    mount_genesys_basics(server).await;
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"})),
        )
        .mount(server)
        .await;
}

/// The consult requests Genesys received, as JSON bodies.
async fn consults(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == consult_path())
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

fn placed(rows: &[escalator::store::ActionRow]) -> bool {
    rows.iter()
        .any(|a| a.kind == "warm_transfer" && a.status == "succeeded")
}

#[tokio::test]
async fn a_hold_longer_than_the_playbook_allows_brings_a_supervisor_in_while_it_lasts() {
    let app = app_holding(1).await;
    mount_genesys(&app.genesys).await;
    put_on_hold(&app, CID).await;
    assert!(app
        .store
        .hold_watch(Vendor::Genesys, CID)
        .await
        .unwrap()
        .is_some());
    // No event after the hold's start: the watch alone escalates.
    app.wait_for_actions(placed).await;
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert_eq!(escalations[0].team, "supervisor");
    assert_eq!(escalations[0].status, "consulting");
    assert_eq!(escalations[0].decision["triggers"][0]["kind"], "long_hold");
    // Conferenced in: the caller, already held, is not put on hold again.
    let sent = consults(&app.genesys).await;
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0]["queueId"], "q-supervisor");
    assert_eq!(sent[0]["speakTo"], "CONFERENCE");
    assert!(app
        .store
        .hold_watch(Vendor::Genesys, CID)
        .await
        .unwrap()
        .is_none());

    // The hold's end also shows it was long: the trigger has fired, nothing new.
    feed(
        &app,
        CID,
        "unhold",
        json!({"type": "hold_ended", "held_ms": 4000}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.store
            .escalations(Vendor::Genesys, CID)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(consults(&app.genesys).await.len(), 1);
}

#[tokio::test]
async fn a_hold_that_ends_in_time_or_a_call_that_ends_on_hold_plans_nothing() {
    let app = app_holding(1).await;
    mount_genesys(&app.genesys).await;
    let (short, ended) = ("call-short-hold", "call-ended-on-hold");
    put_on_hold(&app, short).await;
    put_on_hold(&app, ended).await;
    feed(
        &app,
        short,
        "unhold",
        json!({"type": "hold_ended", "held_ms": 300}),
    )
    .await;
    feed(
        &app,
        ended,
        "end",
        json!({"type": "call_ended", "reason": "customer"}),
    )
    .await;
    for call in [short, ended] {
        assert!(
            app.store
                .hold_watch(Vendor::Genesys, call)
                .await
                .unwrap()
                .is_none(),
            "{call}"
        );
    }
    // Well past when the watches would have fired.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for call in [short, ended] {
        let escalations = app.store.escalations(Vendor::Genesys, call).await.unwrap();
        assert!(escalations.is_empty(), "{call}: {escalations:#?}");
    }
    assert!(consults(&app.genesys).await.is_empty());
}

#[tokio::test]
async fn a_hold_watch_planned_before_a_restart_fires_after_it() {
    // Long enough that the first service stops before the watch is due.
    let app = app_holding(2).await;
    put_on_hold(&app, CID).await;
    let watch = app
        .store
        .hold_watch(Vendor::Genesys, CID)
        .await
        .unwrap()
        .expect("watched");
    let (dir, genesys) = app.stop().await;
    // The hold passes its threshold while the service is down.
    let wait = watch.due_ms - jiff::Timestamp::now().as_millisecond();
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(wait).unwrap_or(0) + 100,
    ))
    .await;
    mount_genesys(&genesys).await;
    let app = spawn_app_with(Options {
        configure: Some(playbook_holding(2)),
        dir: Some(dir),
        genesys: Some(genesys),
        ..Options::default()
    })
    .await;
    app.wait_for_actions(placed).await;
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert_eq!(escalations[0].decision["triggers"][0]["kind"], "long_hold");
    assert_eq!(consults(&app.genesys).await.len(), 1);
}
