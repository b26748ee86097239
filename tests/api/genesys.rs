//! Decide and act on Genesys Cloud, end to end.

use std::time::Duration;

use escalator_adapters::Vendor;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

pub(crate) const THREAT: &str = "I'm going to sue you if this isn't fixed today";

async fn mount_consult(app: &TestApp, queue: &str, expect: u64) {
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .and(body_partial_json(
            json!({"queueId": queue, "consultingUserId": AGENT_USER}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"})),
        )
        .expect(expect)
        .mount(&app.genesys)
        .await;
}

async fn mount_briefing(app: &TestApp, expect: u64) {
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .and(body_partial_json(json!({"attributes": {
            "escalation.quote": THREAT,
            "escalation.reason": "legal_threat",
            "escalation.callerVerified": "unknown"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .expect(expect)
        .mount(&app.genesys)
        .await;
}

/// Attribute writes (briefing, guidance) succeed, whatever they carry.
async fn accept_any_attributes(app: &TestApp) {
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&app.genesys)
        .await;
}

/// Every action has settled (guidance beside a transfer finishes in either order) and one
/// of them succeeded.
fn succeeded(rows: &[escalator::store::ActionRow]) -> bool {
    rows.iter().any(|a| a.status == "succeeded")
        && rows
            .iter()
            .all(|a| a.status != "pending" && a.status != "leased")
}

#[tokio::test]
async fn legal_threat_briefs_then_consults_the_legal_queue_once() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    mount_briefing(&app, 1).await;
    mount_consult(&app, "q-legal", 1).await;

    let response = app
        .post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "escalated");
    let reference = body["events"][0]["reference"].as_str().unwrap().to_string();
    assert!(escalator::reference::is_valid(&reference), "{reference}");

    app.wait_for_actions(succeeded).await;
    // The briefing is written before the consult starts.
    let requests = app.genesys.received_requests().await.unwrap();
    let order: Vec<String> = requests
        .iter()
        .filter(|r| r.method.as_str() != "GET" && r.url.path() != "/oauth/token")
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(order, vec![attributes_path(), consult_path()]);

    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].team, "legal");
    assert_eq!(escalations[0].status, "consulting");
    assert_eq!(escalations[0].reference, reference);
    let trigger = &escalations[0].decision["triggers"][0];
    assert_eq!(trigger["span"], "sue");
    assert_eq!(trigger["utterance_id"], "utt-1");
    app.genesys.verify().await;
}

#[tokio::test]
async fn the_same_delivery_three_times_consults_once() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    mount_briefing(&app, 1).await;
    mount_consult(&app, "q-legal", 1).await;

    let event = transcription("utt-1", THREAT, "EXTERNAL", true);
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let r = app.post_genesys(&event).await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        outcomes.push(body["events"][0]["outcome"].as_str().unwrap().to_string());
    }
    assert_eq!(outcomes, ["escalated", "duplicate", "duplicate"]);
    app.wait_for_actions(succeeded).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.store.count_events(Vendor::Genesys).await.unwrap(), 1);
    // One consult, and the check that someone answers it (due at the playbook's deadline).
    let kinds: Vec<String> = app
        .store
        .actions(Vendor::Genesys, CID)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert_eq!(kinds, ["warm_transfer", "confirm_transfer"]);
    app.genesys.verify().await;
}

#[tokio::test]
async fn platform_503_twice_then_200_reads_the_call_before_each_retry_and_consults_once() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    mount_briefing(&app, 1).await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "status": 503, "code": "service.unavailable", "message": "try later"})))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&app.genesys)
        .await;
    mount_consult(&app, "q-legal", 1).await;

    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = app.wait_for_actions(succeeded).await;
    assert_eq!(actions[0].attempts, 3);
    let consults: Vec<_> = app
        .store
        .attempts(actions[0].id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.step == "consult" || a.step == "reconcile")
        .map(|a| (a.attempt, a.step, a.outcome, a.http_status))
        .collect();
    // A 503 may hide an applied consult: the call is read before each retry.
    let step = |attempt, step: &str, outcome: &str, status| {
        (attempt, step.to_string(), outcome.to_string(), status)
    };
    assert_eq!(
        consults,
        vec![
            step(1, "consult", "unknown", Some(503)),
            step(2, "reconcile", "ok", None),
            step(2, "consult", "unknown", Some(503)),
            step(3, "reconcile", "ok", None),
            step(3, "consult", "ok", None)
        ]
    );
    app.genesys.verify().await;
}

/// Genesys refuses the consult, then accepts the callback as conversation `cb-conv-1`.
pub(crate) async fn mount_refused_consult_then_callback(app: &TestApp) {
    mount_genesys_basics(&app.genesys).await;
    mount_briefing(app, 1).await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "code": "bad.request",
            "message": "You are not a connected participant on the call"})))
        .expect(1)
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .and(body_partial_json(json!({
            "queueId": "q-legal-callbacks",
            "callbackNumbers": [CALLER],
            "data": {"escalation.reason": "legal_threat", "escalation.quote": THREAT}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation": {"id": "cb-conv-1", "selfUri": "/api/v2/conversations/cb-conv-1"},
            "callbackIdentifiers": [{"type": "EXTERNAL", "id": "x"}]
        })))
        .expect(1)
        .mount(&app.genesys)
        .await;
}

#[tokio::test]
async fn a_refused_consult_falls_back_to_a_named_callback() {
    let app = spawn_app().await;
    mount_refused_consult_then_callback(&app).await;
    assert_eq!(app.post_genesys(&customer_start()).await.status(), 200);
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = app
        .wait_for_actions(|rows| {
            rows.iter()
                .any(|a| a.kind == "schedule_callback" && a.status == "succeeded")
        })
        .await;
    let transfer = actions.iter().find(|a| a.kind == "warm_transfer").unwrap();
    assert_eq!(transfer.status, "failed");
    assert!(transfer.last_error.as_deref().unwrap().contains("400"));

    // The conversation read shows an agent: the call is past its flow, so the chain skips
    // the routing hook and the callback follows at once.
    assert!(
        actions.iter().all(|a| a.kind != "route_on_hook"),
        "{actions:#?}"
    );
    let alert = app
        .wait_for_actions(|rows| {
            rows.iter()
                .any(|a| a.kind == "alert_callback" && a.status == "succeeded")
        })
        .await;
    // No agent-connected event came: nobody known to tell the caller, so no guidance
    // about the callback.
    assert_eq!(alert.len(), 3, "{alert:#?}");

    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    // The callback Genesys holds is in Escalator's callback log too, with its owner.
    let logged = app
        .store
        .callback(&escalation.reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.held_by, "genesys");
    assert_eq!(logged.owner.as_deref(), Some("Owner of legal"));
    assert_eq!(logged.status, "pending");
    assert!(logged.window_end.is_some());
    let steps: Vec<String> = app
        .store
        .steps(&escalation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.step)
        .filter(|s| s.ends_with("_failed") || s.ends_with("_succeeded"))
        .collect();
    let at = |step: &str| steps.iter().position(|s| s == step).expect(step);
    assert!(at("warm_transfer_failed") < at("schedule_callback_succeeded"));
    assert!(at("warm_transfer_failed") < at("alert_callback_succeeded"));
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_pending_action_completes_once_after_a_restart() {
    let app = spawn_app_with(Options {
        dispatcher: false,
        ..Options::default()
    })
    .await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let pending = app.store.actions(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].status, "pending");
    let (dir, genesys) = app.stop().await;

    mount_genesys_basics(&genesys).await;
    let app = spawn_app_with(Options {
        dir: Some(dir),
        genesys: Some(genesys),
        ..Options::default()
    })
    .await;
    mount_briefing(&app, 1).await;
    mount_consult(&app, "q-legal", 1).await;
    app.wait_for_actions(succeeded).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_request_for_a_manager_goes_to_the_supervisor_queue() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    mount_consult(&app, "q-supervisor", 1).await;
    accept_any_attributes(&app).await;
    app.post_genesys(&transcription(
        "utt-9",
        "Can I please speak to a manager",
        "EXTERNAL",
        true,
    ))
    .await;
    app.wait_for_actions(succeeded).await;
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations[0].tier, "supervisor");
    app.genesys.verify().await;
}

#[tokio::test]
async fn self_harm_conferences_the_welfare_team_in() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    accept_any_attributes(&app).await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .and(body_partial_json(
            json!({"queueId": "q-welfare", "speakTo": "CONFERENCE"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&app.genesys)
        .await;
    app.post_genesys(&transcription(
        "utt-3",
        "honestly I can't go on like this",
        "EXTERNAL",
        true,
    ))
    .await;
    app.wait_for_actions(succeeded).await;
    app.genesys.verify().await;
}

#[tokio::test]
async fn agent_speech_and_partials_never_fire() {
    let app = spawn_app().await;
    for (id, channel, is_final) in [("a", "INTERNAL", true), ("b", "EXTERNAL", false)] {
        let r = app
            .post_genesys(&transcription(id, "we will sue you", channel, is_final))
            .await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["events"][0]["outcome"], "recorded");
    }
    assert!(app
        .store
        .actions(Vendor::Genesys, CID)
        .await
        .unwrap()
        .is_empty());
    assert!(app.genesys.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn without_api_credentials_actions_are_recorded_as_dry_run() {
    let app = spawn_app_with(Options {
        credentials: false,
        ..Options::default()
    })
    .await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = app
        .wait_for_actions(|rows| rows.iter().any(|a| a.status == "dry_run"))
        .await;
    let attempts = app.store.attempts(actions[0].id).await.unwrap();
    assert!(attempts[0].detail.starts_with("DRY RUN"), "{attempts:?}");
    assert!(app.genesys.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_consult_with_an_unknown_outcome_is_reconciled_not_repeated() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "t", "expires_in": 3600})))
        .mount(&app.genesys)
        .await;
    let participants = |consulting: bool| {
        json!({"id": CID, "participants": [
            {"id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
             "consultParticipantId": if consulting { json!("p-dest") } else { json!(null) }},
            {"id": AGENT_PID, "purpose": "agent", "state": "connected", "user": {"id": AGENT_USER}},
            {"id": "p-dest", "purpose": "acd", "state": if consulting { "alerting" } else { "disconnected" },
             "queue": {"id": "q-legal"}}
        ]})
    };
    // First read: before the consult. Every later read: the consult is running.
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/calls/{CID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(participants(false)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.genesys)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/calls/{CID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(participants(true)))
        .mount(&app.genesys)
        .await;
    accept_any_attributes(&app).await;
    // The consult is applied but its answer never arrives in time.
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"destinationParticipantId": "p-dest"}))
                .set_delay(Duration::from_secs(4)),
        )
        .expect(1)
        .mount(&app.genesys)
        .await;

    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = app.wait_for_actions(succeeded).await;
    let steps: Vec<(String, String)> = app
        .store
        .attempts(actions[0].id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.step, a.outcome))
        .collect();
    assert!(
        steps.contains(&("consult".into(), "unknown".into())),
        "{steps:?}"
    );
    assert!(
        steps.contains(&("reconcile".into(), "ok".into())),
        "{steps:?}"
    );
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_refused_self_harm_conference_is_stranded_for_a_person_never_a_callback() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    accept_any_attributes(&app).await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "code": "bad.request", "message": "queue not found"})))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&app.genesys)
        .await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription(
        "utt-5",
        "I want to kill myself",
        "EXTERNAL",
        true,
    ))
    .await;
    let actions = app
        .wait_for_actions(|rows| {
            rows.iter()
                .any(|a| a.kind == "warm_transfer" && a.status == "failed")
                && rows
                    .iter()
                    .any(|a| a.kind == "agent_guidance" && a.status == "succeeded")
        })
        .await;
    assert!(actions.iter().all(|a| a.kind != "schedule_callback"));
    // Nothing may put the caller in a queue: no routing-hook answer, no callback; a
    // supervisor is alerted at once instead.
    assert!(actions.iter().all(|a| a.kind != "route_on_hook"));
    app.wait_for_actions(|rows| {
        rows.iter()
            .any(|a| a.kind == "alert_caller_at_risk" && a.status == "succeeded")
    })
    .await;
    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.status, "needs_person");
    assert_eq!(escalation.team, "welfare");
    assert!(escalation.decision["crisis_line"]
        .as_str()
        .unwrap()
        .contains("988"));
    app.genesys.verify().await;
}

#[tokio::test]
async fn when_every_platform_action_fails_a_named_callback_is_logged_and_a_supervisor_alerted() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(Options {
        api_secrets: vec![alert_webhook_secret(&alerts)],
        ..Options::default()
    })
    .await;
    mount_genesys_basics(&app.genesys).await;
    accept_any_attributes(&app).await;
    for p in [
        consult_path(),
        "/api/v2/conversations/callbacks".to_string(),
    ] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                "status": 403, "code": "missing.permissions", "message": "forbidden"})))
            .expect(1)
            .mount(&app.genesys)
            .await;
    }
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = app
        .wait_for_actions(|rows| {
            rows.iter()
                .any(|a| a.kind == "alert_chain_exhausted" && a.status == "succeeded")
                && rows
                    .iter()
                    .any(|a| a.kind == "named_callback" && a.status == "succeeded")
        })
        .await;
    // The call shows an agent: no routing-hook link.
    assert!(actions.iter().all(|a| a.kind != "route_on_hook"));
    for (kind, status) in [("warm_transfer", "failed"), ("schedule_callback", "failed")] {
        let a = actions.iter().find(|a| a.kind == kind).expect(kind);
        assert_eq!(a.status, status, "{kind}");
    }
    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.status, "callback_promised");

    let callbacks = app.store.callbacks(10).await.unwrap();
    assert_eq!(callbacks.len(), 1);
    let cb = &callbacks[0];
    assert_eq!(cb.escalation_id, escalation.id);
    assert_eq!(cb.reference, escalation.reference);
    assert_eq!(cb.team, "legal");
    assert_eq!(cb.owner.as_deref(), Some("Owner of legal"));
    assert_eq!(cb.number.as_deref(), Some(CALLER));
    assert_eq!(cb.status, "pending");

    let received = alerts_received(&alerts).await;
    let exhausted = received
        .iter()
        .find(|a| a["escalator"]["reason"] == "chain_exhausted")
        .expect("chain-exhausted alert");
    assert_eq!(exhausted["escalator"]["urgency"], "immediate");
    assert_eq!(exhausted["escalator"]["owner"], "Owner of legal");
    assert_eq!(exhausted["escalator"]["quote"], THREAT);
    assert!(exhausted["text"]
        .as_str()
        .unwrap()
        .contains(&escalation.reference));
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_team_reached_at_an_outside_address_gets_a_voice_consult_with_the_briefing() {
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            let legal = c.teams.get_mut("legal").expect("legal team");
            legal.genesys = Some(escalator::config::PlatformTarget {
                address: Some("+18005550100".into()),
                ..Default::default()
            });
        })),
        ..Options::default()
    })
    .await;
    mount_genesys_basics(&app.genesys).await;
    mount_briefing(&app, 1).await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/calls/{CID}/participants/{CUSTOMER_PID}/voice/consult"
        )))
        .and(body_partial_json(json!({
            "speakTo": "DESTINATION",
            "address": "+18005550100",
            "consultingUserId": AGENT_USER
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-ext"})),
        )
        .expect(1)
        .mount(&app.genesys)
        .await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    app.wait_for_actions(|rows| {
        rows.iter()
            .any(|a| a.kind == "warm_transfer" && a.status == "succeeded")
    })
    .await;
    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.status, "consulting");
    app.genesys.verify().await;
}

#[tokio::test]
async fn a_supervisor_request_whose_consult_is_refused_is_never_blind_transferred() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    accept_any_attributes(&app).await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "code": "bad.request", "message": "consult not allowed"})))
        .expect(1)
        .mount(&app.genesys)
        .await;
    // Genesys can consult: a refused consult is never followed by a cold dump.
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/{CID}/participants/{AGENT_PID}/replace/queue"
        )))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/conversations/callbacks"))
        .and(body_partial_json(json!({"callbackNumbers": [CALLER]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation": {"id": "cb-conv-2", "selfUri": "/api/v2/conversations/cb-conv-2"}
        })))
        .expect(1)
        .mount(&app.genesys)
        .await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription(
        "utt-1",
        "I want to speak to your supervisor right now",
        "EXTERNAL",
        true,
    ))
    .await;
    let actions = app
        .wait_for_actions(|rows| {
            ["schedule_callback", "alert_callback"]
                .iter()
                .all(|k| rows.iter().any(|a| a.kind == *k && a.status == "succeeded"))
        })
        .await;
    assert!(
        actions.iter().all(|a| a.kind != "blind_transfer"),
        "{actions:#?}"
    );
    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.team, "supervisor");
    assert_eq!(escalation.status, "callback_scheduled");
    app.genesys.verify().await;
}

/// The supervisor is not pulled onto the call with no context: the briefing written to the
/// participant carries the issue the caller stated before the trigger, and their last turns.
#[tokio::test]
async fn the_briefing_carries_the_issue_the_caller_stated_before_the_trigger() {
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    accept_any_attributes(&app).await;
    mount_consult(&app, "q-legal", 1).await;
    let issue = "I'm calling about my internet bill, it went from 60 to 120 this month.";
    for (id, text) in [("utt-1", "Hi, good morning."), ("utt-2", issue)] {
        let r = app
            .post_genesys(&transcription(id, text, "EXTERNAL", true))
            .await;
        assert_eq!(r.status(), 200);
    }
    let r = app
        .post_genesys(&transcription("utt-3", THREAT, "EXTERNAL", true))
        .await;
    assert_eq!(r.status(), 200);
    app.wait_for_actions(succeeded).await;
    let briefing = app
        .genesys
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == attributes_path())
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap())
        .find(|v| v["attributes"]["escalation.reason"] == "legal_threat")
        .expect("briefing written");
    let a = &briefing["attributes"];
    assert_eq!(a["escalation.summary"], issue, "{a}");
    assert_eq!(a["escalation.summaryFrom"], "utt-2");
    assert_eq!(
        a["escalation.recentTurns"],
        format!("\"Hi, good morning.\" / \"{issue}\" / \"{THREAT}\"")
    );
    assert_eq!(a["escalation.heard"], "false");
    assert_eq!(a["escalation.involved"], "");
    app.genesys.verify().await;
}

mod route_wait;
