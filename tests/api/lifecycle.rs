//! The transfer's life after the consult is placed, end to end on Genesys with the events
//! sent through the signed vendor-neutral feed: answered, unanswered, declined, the caller
//! hanging up while it rings, and a stronger trigger superseding an open escalation.

use std::time::Duration;

use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const MANAGER: &str = "I want to speak to your supervisor right now";

async fn app_answering_within(seconds: u64) -> TestApp {
    spawn_app_with(Options {
        configure: Some(playbook_answering_within(seconds)),
        ..Options::default()
    })
    .await
}

/// One canonical event for the Genesys test call on the signed feed.
async fn feed(app: &TestApp, id: &str, event: Value) {
    let mut body = json!({
        "platform": "genesys", "call_id": CID,
        "occurred_at": jiff::Timestamp::now().to_string(),
        "caller": {"number": CALLER},
    });
    for (k, v) in event.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = app.post_signed_feed(id, &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn caller_says(app: &TestApp, id: &str, text: &str) {
    feed(
        app,
        &format!("msg_{id}"),
        json!({"type": "utterance", "utterance_id": id, "speaker": "customer",
               "text": text, "is_final": true}),
    )
    .await;
}

async fn agent_connected(app: &TestApp) {
    feed(
        app,
        "msg_agent",
        json!({"type": "agent_connected", "agent_id": AGENT_USER}),
    )
    .await;
}

/// Token, attributes and consults succeed; the conversation read shows `extra`
/// participants beside the caller and the agent.
async fn mount_genesys(app: &TestApp, extra: Vec<Value>) {
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
    if !extra.is_empty() {
        participants[0]["consultParticipantId"] = json!("p-dest");
    }
    participants.extend(extra);
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
        .respond_with(ResponseTemplate::new(200))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"})),
        )
        .mount(&app.genesys)
        .await;
}

async fn mount_callbacks(app: &TestApp) {
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation": {"id": "cb-1", "selfUri": "/api/v2/conversations/cb-1"}
        })))
        .mount(&app.genesys)
        .await;
}

fn consult_cancel_path() -> String {
    format!("/api/v2/conversations/calls/{CID}/participants/{CUSTOMER_PID}/consult")
}

async fn mount_cancel(app: &TestApp, expect: u64) {
    Mock::given(method("DELETE"))
        .and(path(consult_cancel_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(expect)
        .mount(&app.genesys)
        .await;
}

fn has(
    kind: &'static str,
    status: &'static str,
) -> impl Fn(&[escalator::store::ActionRow]) -> bool {
    move |rows| rows.iter().any(|a| a.kind == kind && a.status == status)
}

async fn status(app: &TestApp) -> String {
    app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0]
        .status
        .clone()
}

/// Requests the mock received, as "METHOD path", tokens and reads left out.
async fn writes(app: &TestApp) -> Vec<String> {
    app.genesys
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() != "GET" && r.url.path() != "/oauth/token")
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn a_consult_someone_picks_up_is_connected_and_no_callback_follows() {
    let app = app_answering_within(1).await;
    // The supervisor's leg is connected: a person took the consult.
    mount_genesys(
        &app,
        vec![
            json!({"id": "p-dest", "purpose": "agent", "state": "connected",
                    "user": {"id": "u-legal-1"}}),
        ],
    )
    .await;
    mount_cancel(&app, 0).await;
    agent_connected(&app).await;
    caller_says(&app, "u1", THREAT).await;
    let rows = app
        .wait_for_actions(has("confirm_transfer", "succeeded"))
        .await;
    assert_eq!(status(&app).await, "connected");
    assert!(
        rows.iter().all(|a| !a.kind.contains("callback")),
        "{rows:#?}"
    );
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_consult_nobody_answers_is_cancelled_and_the_caller_gets_a_callback_and_an_alert() {
    let app = app_answering_within(1).await;
    // Still offered to the queue's people when the deadline comes.
    mount_genesys(
        &app,
        vec![
            json!({"id": "p-acd", "purpose": "acd", "state": "connected", "queue": {"id": "q-legal"}}),
            json!({"id": "p-dest", "purpose": "agent", "state": "alerting", "user": {"id": "u-legal-1"}}),
        ],
    )
    .await;
    mount_cancel(&app, 1).await;
    mount_callbacks(&app).await;
    agent_connected(&app).await;
    caller_says(&app, "u1", THREAT).await;
    let rows = app
        .wait_for_actions(|rows| {
            has("schedule_callback", "succeeded")(rows)
                && has("alert_transfer_unanswered", "succeeded")(rows)
        })
        .await;
    let confirm = rows.iter().find(|a| a.kind == "confirm_transfer").unwrap();
    assert_eq!(confirm.status, "failed");
    assert!(
        confirm.last_error.as_deref().unwrap().contains("answered"),
        "{confirm:#?}"
    );
    // Never another transfer after an unanswered consult.
    assert!(rows.iter().all(|a| a.kind != "blind_transfer"));
    assert_eq!(status(&app).await, "callback_scheduled");
    // The caller was taken off the ringing consult before the callback was promised.
    let w = writes(&app).await;
    let at = |s: &str| w.iter().position(|x| x.ends_with(s)).expect(s);
    assert!(at("/consult") < at("/conversations/callbacks"), "{w:?}");
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_the_consult_rings_is_called_back_at_once() {
    // A long answer time: the hang-up, not the deadline, moves the chain on.
    let app = app_answering_within(600).await;
    mount_genesys(
        &app,
        vec![
            json!({"id": "p-dest", "purpose": "agent", "state": "alerting",
                    "user": {"id": "u-legal-1"}}),
        ],
    )
    .await;
    mount_callbacks(&app).await;
    agent_connected(&app).await;
    caller_says(&app, "u1", THREAT).await;
    app.wait_for_actions(has("warm_transfer", "succeeded"))
        .await;
    assert_eq!(status(&app).await, "consulting");
    feed(
        &app,
        "msg_end",
        json!({"type": "call_ended", "reason": "customer"}),
    )
    .await;
    let rows = app
        .wait_for_actions(|rows| {
            has("schedule_callback", "succeeded")(rows)
                && has("alert_transfer_unanswered", "succeeded")(rows)
        })
        .await;
    let confirm = rows.iter().find(|a| a.kind == "confirm_transfer").unwrap();
    assert!(
        confirm.last_error.as_deref().unwrap().contains("hung up"),
        "{confirm:#?}"
    );
    assert_eq!(status(&app).await, "callback_scheduled");
}

#[tokio::test]
async fn a_transfer_result_settles_the_consult_either_way() {
    for (succeeded, expected) in [(true, "connected"), (false, "callback_scheduled")] {
        let app = app_answering_within(600).await;
        mount_genesys(&app, Vec::new()).await;
        mount_callbacks(&app).await;
        agent_connected(&app).await;
        caller_says(&app, "u1", THREAT).await;
        app.wait_for_actions(has("warm_transfer", "succeeded"))
            .await;
        feed(
            &app,
            "msg_result",
            json!({"type": "transfer_result", "succeeded": succeeded, "target": "legal"}),
        )
        .await;
        let done = if succeeded {
            has("confirm_transfer", "succeeded")
        } else {
            has("schedule_callback", "succeeded")
        };
        app.wait_for_actions(done).await;
        // Settled escalations keep their status (a late action never overwrites it).
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(status(&app).await, expected, "succeeded: {succeeded}");
        let session = app.store.session(Vendor::Genesys, CID).await.unwrap();
        assert_eq!(
            session.held_by.is_some(),
            succeeded,
            "who holds the call after the transfer"
        );
    }
}

#[tokio::test]
async fn a_stronger_trigger_cancels_the_open_consult_before_its_own_one_path_per_call() {
    let app = app_answering_within(600).await;
    // The supervisor consult is running when the legal threat comes.
    mount_genesys(
        &app,
        vec![
            json!({"id": "p-dest", "purpose": "agent", "state": "alerting",
                    "user": {"id": "u-sup-1"}}),
        ],
    )
    .await;
    mount_cancel(&app, 1).await;
    agent_connected(&app).await;
    caller_says(&app, "u1", MANAGER).await;
    app.wait_for_actions(has("warm_transfer", "succeeded"))
        .await;
    caller_says(&app, "u2", THREAT).await;
    let escalations = loop {
        let e = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
        if e.len() == 2
            && e.iter()
                .any(|e| e.team == "legal" && e.status == "consulting")
        {
            break e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let supervisor = escalations.iter().find(|e| e.team == "supervisor").unwrap();
    assert_eq!(supervisor.status, "superseded");
    // The supervisor consult was cancelled before the legal one was placed.
    let w = writes(&app).await;
    let consults: Vec<usize> = w
        .iter()
        .enumerate()
        .filter(|(_, x)| x.ends_with("/consult/queue"))
        .map(|(i, _)| i)
        .collect();
    let cancel = w
        .iter()
        .position(|x| x.starts_with("DELETE"))
        .expect("cancel");
    assert_eq!(consults.len(), 2, "{w:?}");
    assert!(consults[0] < cancel && cancel < consults[1], "{w:?}");
    // The superseded escalation's answer check is not left to book a callback.
    let steps = app.store.steps(&supervisor.id).await.unwrap();
    assert!(steps.iter().any(|s| s.step == "superseded"), "{steps:#?}");
    app.genesys.verify().await;
}

#[tokio::test]
async fn self_harm_after_a_supervisor_consult_takes_the_caller_off_hold_into_a_conference() {
    let app = app_answering_within(600).await;
    mount_genesys(
        &app,
        vec![
            json!({"id": "p-dest", "purpose": "agent", "state": "alerting",
                    "user": {"id": "u-sup-1"}}),
        ],
    )
    .await;
    mount_cancel(&app, 1).await;
    agent_connected(&app).await;
    caller_says(&app, "u1", MANAGER).await;
    app.wait_for_actions(has("warm_transfer", "succeeded"))
        .await;
    caller_says(&app, "u2", "honestly I don't want to be alive anymore").await;
    loop {
        let e = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
        if e.iter()
            .any(|e| e.team == "welfare" && e.status == "consulting")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let requests = app.genesys.received_requests().await.unwrap();
    let consults: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/consult/queue"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(consults.len(), 2);
    assert_eq!(consults[1]["queueId"], "q-welfare");
    assert_eq!(consults[1]["speakTo"], "CONFERENCE");
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_caller_verified_on_the_feed_reaches_the_briefing() {
    let app = app_answering_within(600).await;
    // Mounted first: the general attribute mock would answer otherwise.
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .and(body_partial_json(
            json!({"attributes": {"escalation.callerVerified": "true"}}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1..)
        .mount(&app.genesys)
        .await;
    mount_genesys(&app, Vec::new()).await;
    agent_connected(&app).await;
    feed(
        &app,
        "msg_verified",
        json!({"type": "caller_verified", "verified": true}),
    )
    .await;
    caller_says(&app, "u1", THREAT).await;
    app.wait_for_actions(has("warm_transfer", "succeeded"))
        .await;
    app.genesys.verify().await;
}
