//! Faults on the platform side: a fake Genesys Cloud ([`flaky`]) answers on a fixed script
//! with 503s, 429s with `Retry-After`, answers that come after the client gave up (applied
//! or not) and connection resets (before the platform saw the request, or after it applied
//! it). Every consult is applied exactly once; an attempt whose outcome is unknown (a 503,
//! silence, a reset) is read back before the next; attempts that run out unknown are parked
//! as uncertain, a person is alerted and the fallback chain takes over; a `Retry-After` is
//! waited for.

use std::time::{Duration, Instant};

use escalator::store::ActionRow;
use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::MockServer;

use crate::helpers::*;

mod flaky;
mod front;

use flaky::{Fate, FlakyGenesys, Route, Script};

const THREAT: &str = "I'm going to sue you if this isn't fixed today";
/// The service's request timeout here; a late answer comes well after it.
const REQUEST_TIMEOUT_MS: u64 = 800;
const LATE_BY: Duration = Duration::from_millis(2_000);

/// The fates of the consults on conversation `i % 10`, in order (see [`Fate::from_code`]);
/// every later consult succeeds. 8 of the 24 consults these ask for are 503s.
const CONSULT_SCRIPTS: [&str; 10] = [
    "5.", "T", "R5.", "X5T", "A", "55t.", "R.", "5A", "t5R.", "5E",
];
/// Reads of the conversation (participant lookup, reconciling) on conversation `i % 4`.
const READ_SCRIPTS: [&str; 4] = ["", ".5", "X", ".Xt"];
/// Attribute writes (briefing, guidance) on conversation `i % 5`.
const ATTRIBUTE_SCRIPTS: [&str; 5] = ["", "5", "", "A", ""];

fn conversation(i: usize) -> String {
    format!("fa017000-0000-4000-8000-{i:012}")
}

/// The caller's threat, heard on `conversation`.
fn threat_on(conversation: &str, utterance_id: &str) -> Value {
    let mut event = transcription(utterance_id, THREAT, "EXTERNAL", true);
    event["detail"]["topicName"] = json!(format!("v2.conversations.{conversation}.transcription"));
    event["detail"]["eventBody"]["conversationId"] = json!(conversation);
    event
}

/// The service against `flaky`, with `max_attempts` per action and, where given, the
/// alert webhook on `alerts`.
async fn spawn_against(
    flaky: &FlakyGenesys,
    max_attempts: u32,
    alerts: Option<&MockServer>,
) -> TestApp {
    let base = flaky.uri();
    spawn_app_with(Options {
        api_secrets: alerts.map(alert_webhook_secret).into_iter().collect(),
        configure: Some(Box::new(move |c: &mut escalator::config::Config| {
            c.vendors.genesys.api_base = Some(base.clone());
            c.vendors.genesys.login_base = Some(base);
            // The faults are the platform's; no client-side budget in the way.
            c.vendors.genesys.requests_per_minute = 0;
            c.dispatcher.request_timeout_ms = REQUEST_TIMEOUT_MS;
            c.dispatcher.max_attempts = max_attempts;
        })),
        ..Options::default()
    })
    .await
}

fn settled(rows: &[ActionRow]) -> bool {
    // A consult's answer check waits for its deadline; what the platform was asked is done.
    !rows.is_empty()
        && rows
            .iter()
            .filter(|a| !(a.kind == "confirm_transfer" && a.status == "pending"))
            .all(|a| a.status != "pending" && a.status != "leased")
}

/// Waits (bounded) until every conversation's actions satisfy `done`.
async fn wait_for_all(
    app: &TestApp,
    conversations: &[String],
    done: impl Fn(&[ActionRow]) -> bool,
) -> Vec<Vec<ActionRow>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = Vec::new();
        for c in conversations {
            all.push(app.store.actions(Vendor::Genesys, c).await.unwrap());
        }
        if all.iter().all(|rows| done(rows)) {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "actions never settled: {:#?}",
            all.iter()
                .zip(conversations)
                .filter(|(rows, _)| !done(rows))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The consults a script asks for before one is applied: its fates up to the first that
/// applies, or all of them and then the success that follows.
fn consults_expected(script: &str) -> String {
    match script.chars().position(|c| Fate::from_code(c).applies()) {
        Some(at) => script[..=at].to_string(),
        None => format!("{script}."),
    }
}

fn codes(served: &[flaky::Served]) -> String {
    served.iter().map(|s| s.fate.code()).collect()
}

#[tokio::test]
async fn through_5xx_429_timeouts_and_resets_every_consult_is_applied_exactly_once() {
    let flaky = FlakyGenesys::start(LATE_BY).await;
    let p = &flaky.platform;
    let conversations: Vec<String> = (0..20).map(conversation).collect();
    // The first token request is reset: every action's first try may fail on it.
    p.script(Route::Token, "", Script::parse("X"));
    for (i, c) in conversations.iter().enumerate() {
        p.script(Route::Consult, c, Script::parse(CONSULT_SCRIPTS[i % 10]));
        p.script(Route::ReadCall, c, Script::parse(READ_SCRIPTS[i % 4]));
        p.script(
            Route::Attributes,
            c,
            Script::parse(ATTRIBUTE_SCRIPTS[i % 5]),
        );
    }
    let app = spawn_against(&flaky, 12, None).await;

    for (i, c) in conversations.iter().enumerate() {
        let response = app.post_genesys(&threat_on(c, &format!("utt-{i}"))).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["events"][0]["outcome"], "escalated", "{c}");
    }
    let all = wait_for_all(&app, &conversations, |rows| {
        settled(rows) && rows.iter().any(|a| a.kind == "warm_transfer")
    })
    .await;

    for (i, (c, actions)) in conversations.iter().zip(&all).enumerate() {
        let script = CONSULT_SCRIPTS[i % 10];
        // Applied once, to the legal queue: never twice, not even after an answer that
        // was lost or came too late.
        assert_eq!(p.consults_applied(c), ["q-legal"], "{c} ({script})");
        // Once the platform had applied a consult, it was never asked for another.
        let consults = codes(&p.served_on(Route::Consult, c));
        assert_eq!(consults, consults_expected(script), "{c}");

        let transfer = actions.iter().find(|a| a.kind == "warm_transfer").unwrap();
        assert_eq!(transfer.status, "succeeded", "{c}: {transfer:#?}");
        // Every action succeeded but the answer check, which waits for its deadline.
        assert!(
            actions
                .iter()
                .filter(|a| a.kind != "confirm_transfer")
                .all(|a| a.status == "succeeded"),
            "{c}: {actions:#?}"
        );
        let escalations = app.store.escalations(Vendor::Genesys, c).await.unwrap();
        assert_eq!(escalations.len(), 1);
        assert_eq!(escalations[0].status, "consulting", "{c}");

        // An answer lost after the platform applied the consult is found by reading the
        // call, not by consulting again.
        let applied_unanswered =
            consults.ends_with('T') || consults.ends_with('A') || consults.ends_with('E');
        let steps = app.store.attempts(transfer.id).await.unwrap();
        let reconciled = steps
            .iter()
            .any(|s| s.step == "reconcile" && s.detail.contains("found already placed"));
        assert_eq!(reconciled, applied_unanswered, "{c}: {steps:#?}");
    }

    // The run met every fault it was meant to, 30% of consults answered with a 503.
    assert_eq!(p.unseen(), 0, "a request passed the front unseen");
    let served = p.served();
    let consults: Vec<_> = served
        .iter()
        .filter(|s| s.route == Route::Consult)
        .collect();
    let unavailable = consults
        .iter()
        .filter(|s| s.fate == Fate::Unavailable)
        .count();
    assert!(
        unavailable * 10 >= consults.len() * 3,
        "{unavailable} of {}",
        consults.len()
    );
    for fate in [
        Fate::Throttled,
        Fate::LateApplied,
        Fate::LateLost,
        Fate::ResetBefore,
        Fate::ResetAfter,
    ] {
        assert!(
            consults.iter().any(|s| s.fate == fate),
            "no consult {fate:?}"
        );
    }
    for (route, fate) in [
        (Route::Token, Fate::ResetBefore),
        (Route::ReadCall, Fate::Unavailable),
        (Route::ReadCall, Fate::ResetBefore),
        (Route::ReadCall, Fate::LateLost),
        (Route::Attributes, Fate::ResetAfter),
    ] {
        assert!(
            served.iter().any(|s| s.route == route && s.fate == fate),
            "no {route:?} {fate:?}"
        );
    }
}

#[tokio::test]
async fn a_platform_that_keeps_failing_parks_the_unknown_alerts_and_falls_back_to_a_named_callback()
{
    let flaky = FlakyGenesys::start(LATE_BY).await;
    let p = &flaky.platform;
    // Consults: a 503, an answer that never comes, a reset, a 503; and so on for ever.
    p.script(
        Route::Consult,
        CID,
        Script::parse("5tX5").then(Fate::Unavailable),
    );
    // Callbacks: a 503 every time. Genesys cannot be asked for a callback by reference, so
    // the first 503 (which may hide a created callback) parks it.
    p.script(
        Route::Callback,
        "",
        Script::parse("").then(Fate::Unavailable),
    );
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_against(&flaky, 4, Some(&alerts)).await;

    assert_eq!(app.post_genesys(&customer_start()).await.status(), 200);
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = wait_for_all(&app, &[CID.to_string()], |rows| {
        settled(rows) && rows.iter().any(|a| a.kind == "named_callback")
    })
    .await
    .remove(0);
    let status = |kind: &str| {
        actions
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| (a.status.as_str(), a.attempts))
            .unwrap_or_else(|| panic!("no {kind}: {actions:#?}"))
    };
    // Every attempt used, each 503 or silence read back before the next consult; the last
    // one's outcome is unknown, so the action is parked, not failed. The chain moved on
    // at each step.
    assert_eq!(status("warm_transfer"), ("uncertain", 4));
    // The call shows an agent: past its flow, so no routing-hook link.
    assert!(actions.iter().all(|a| a.kind != "route_on_hook"));
    assert_eq!(status("schedule_callback"), ("uncertain", 1));
    assert_eq!(status("alert_callback").0, "succeeded");
    assert_eq!(status("named_callback").0, "succeeded");
    assert_eq!(status("alert_chain_exhausted").0, "succeeded");

    // What each consult attempt did: every 503, lost answer and reset was reconciled by
    // reading the call before consulting again.
    let transfer = actions.iter().find(|a| a.kind == "warm_transfer").unwrap();
    let steps: Vec<(i64, String, String, Option<i64>)> = app
        .store
        .attempts(transfer.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.step == "consult" || s.step == "reconcile")
        .map(|s| (s.attempt, s.step, s.outcome, s.http_status))
        .collect();
    let step = |attempt, step: &str, outcome: &str, status| {
        (attempt, step.to_string(), outcome.to_string(), status)
    };
    assert_eq!(
        steps,
        [
            step(1, "consult", "unknown", Some(503)),
            step(2, "reconcile", "ok", None),
            step(2, "consult", "unknown", None),
            step(3, "reconcile", "ok", None),
            step(3, "consult", "unknown", None),
            step(4, "reconcile", "ok", None),
            step(4, "consult", "unknown", Some(503)),
        ]
    );
    assert!(p.consults_applied(CID).is_empty());
    assert_eq!(p.served_on(Route::Consult, CID).len(), 4);
    assert_eq!(p.served_on(Route::Callback, "").len(), 1);
    assert_eq!(p.callbacks_created(), 0);

    let escalation = &app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0];
    assert_eq!(escalation.status, "callback_promised");
    let steps: Vec<String> = app
        .store
        .steps(&escalation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.step)
        .collect();
    let at = |name: &str| {
        steps
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("no {name} in {steps:?}"))
    };
    assert!(at("warm_transfer_uncertain") < at("schedule_callback_uncertain"));
    assert!(at("schedule_callback_uncertain") < at("named_callback_succeeded"));
    assert!(at("schedule_callback_uncertain") < at("alert_chain_exhausted_succeeded"));

    // A person is told, with the reference, the owner and the caller's words.
    let received = alerts_received(&alerts).await;
    let reasons: Vec<&str> = received
        .iter()
        .filter_map(|a| a["escalator"]["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        ["callback_instead_of_transfer", "chain_exhausted"],
        "{received:#?}"
    );
    // Each action parked with its outcome unknown is alerted about on its own.
    let mut parked: Vec<&str> = received
        .iter()
        .filter(|a| a["escalator"]["notification"] == "uncertain")
        .filter_map(|a| a["escalator"]["action"].as_str())
        .collect();
    parked.sort_unstable();
    assert_eq!(
        parked,
        ["schedule_callback", "warm_transfer"],
        "{received:#?}"
    );
    assert!(!received
        .iter()
        .any(|a| a["escalator"]["notification"] == "dead_letter"));
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
    let logged = app.store.callbacks(10).await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].reference, escalation.reference);
    assert_eq!(logged[0].owner.as_deref(), Some("Owner of legal"));
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_before_the_next_attempt() {
    let flaky = FlakyGenesys::start(LATE_BY).await;
    let p = &flaky.platform;
    p.script(Route::Consult, CID, Script::parse("RR"));
    let app = spawn_against(&flaky, 6, None).await;

    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = wait_for_all(&app, &[CID.to_string()], |rows| {
        rows.iter()
            .any(|a| a.kind == "warm_transfer" && a.status == "succeeded")
    })
    .await
    .remove(0);
    let transfer = actions.iter().find(|a| a.kind == "warm_transfer").unwrap();
    assert_eq!(transfer.attempts, 3);
    assert_eq!(p.consults_applied(CID), ["q-legal"]);

    // The platform asked for a second each time (test backoff is 20–100 ms); a
    // millisecond of slack for the store's millisecond clock.
    let consults = p.served_on(Route::Consult, CID);
    assert_eq!(codes(&consults), "RR.");
    for pair in consults.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(999),
            "next consult after {gap:?}"
        );
    }
    let outcomes: Vec<(i64, String, Option<i64>)> = app
        .store
        .attempts(transfer.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.step == "consult")
        .map(|s| (s.attempt, s.outcome, s.http_status))
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, "retryable".to_string(), Some(429)),
            (2, "retryable".to_string(), Some(429)),
            (3, "ok".to_string(), None)
        ]
    );
}

/// Creating a Genesys callback is not idempotent and Genesys cannot be asked for one by
/// reference: a request whose answer was lost is never sent again (the caller would be
/// called twice); Escalator's named callback takes over and its owner is told to check
/// the platform first.
#[tokio::test]
async fn a_callback_request_whose_answer_is_lost_is_not_repeated() {
    let flaky = FlakyGenesys::start(LATE_BY).await;
    let p = &flaky.platform;
    p.script(
        Route::Consult,
        CID,
        Script::parse("").then(Fate::Unavailable),
    );
    // Created on the platform, but the answer comes after the client gave up.
    p.script(Route::Callback, "", Script::parse("T"));
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_against(&flaky, 2, Some(&alerts)).await;

    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = wait_for_all(&app, &[CID.to_string()], |rows| {
        settled(rows) && rows.iter().any(|a| a.kind == "named_callback")
    })
    .await
    .remove(0);
    assert_eq!(p.served_on(Route::Callback, "").len(), 1);
    assert_eq!(p.callbacks_created(), 1);
    let callback = actions
        .iter()
        .find(|a| a.kind == "schedule_callback")
        .unwrap();
    assert_eq!(callback.status, "uncertain");
    assert!(
        callback
            .last_error
            .as_deref()
            .unwrap()
            .contains("not sent again"),
        "{callback:#?}"
    );
    let steps: Vec<(i64, String, String)> = app
        .store
        .attempts(callback.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.attempt, s.step, s.outcome))
        .collect();
    assert_eq!(
        steps,
        [
            (1, "callback".to_string(), "unknown".to_string()),
            (1, "callback".to_string(), "uncertain".to_string())
        ]
    );
    for kind in ["named_callback", "alert_chain_exhausted"] {
        let a = actions.iter().find(|a| a.kind == kind).expect(kind);
        assert_eq!(a.status, "succeeded", "{kind}");
    }
    let received = alerts_received(&alerts).await;
    let exhausted = received
        .iter()
        .find(|a| a["escalator"]["reason"] == "chain_exhausted")
        .expect("chain-exhausted alert");
    assert!(exhausted["text"]
        .as_str()
        .unwrap()
        .contains("check the call on the platform"));
}

/// A consult applied and answered with a 503, on a call that then cannot be read: never
/// consulted again; once the attempts run out the action is parked as uncertain and a person
/// is told to look.
#[tokio::test]
async fn a_consult_of_unknown_outcome_on_an_unreadable_call_is_parked_never_repeated() {
    let flaky = FlakyGenesys::start(LATE_BY).await;
    let p = &flaky.platform;
    p.script(Route::Consult, CID, Script::parse("E"));
    // The participant lookup reads the call once; every read after it fails.
    p.script(
        Route::ReadCall,
        CID,
        Script::parse(".").then(Fate::Unavailable),
    );
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_against(&flaky, 4, Some(&alerts)).await;

    app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    let actions = wait_for_all(&app, &[CID.to_string()], |rows| {
        rows.iter()
            .any(|a| a.kind == "warm_transfer" && a.status == "uncertain")
    })
    .await
    .remove(0);
    assert_eq!(p.consults_applied(CID), ["q-legal"]);
    assert_eq!(codes(&p.served_on(Route::Consult, CID)), "E");
    let transfer = actions.iter().find(|a| a.kind == "warm_transfer").unwrap();
    assert_eq!(transfer.attempts, 4);
    let received = alerts_received(&alerts).await;
    assert!(
        received
            .iter()
            .any(|a| a["escalator"]["notification"] == "uncertain"
                && a["escalator"]["action"] == "warm_transfer"),
        "{received:#?}"
    );
}

/// A Genesys callback answered with a 503 or a reset after it was created (no read can find
/// it by reference) is parked at once: created exactly once.
#[tokio::test]
async fn a_callback_created_then_answered_503_or_reset_is_parked_at_once() {
    for fate in ["E", "A"] {
        let flaky = FlakyGenesys::start(LATE_BY).await;
        let p = &flaky.platform;
        p.script(
            Route::Consult,
            CID,
            Script::parse("").then(Fate::Unavailable),
        );
        p.script(Route::Callback, "", Script::parse(fate));
        let app = spawn_against(&flaky, 2, None).await;
        app.post_genesys(&customer_start()).await;
        app.post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
            .await;
        let actions = wait_for_all(&app, &[CID.to_string()], |rows| {
            settled(rows) && rows.iter().any(|a| a.kind == "named_callback")
        })
        .await
        .remove(0);
        let callback = actions
            .iter()
            .find(|a| a.kind == "schedule_callback")
            .unwrap();
        assert_eq!(callback.status, "uncertain", "{fate}");
        assert_eq!(callback.attempts, 1, "{fate}");
        assert_eq!(p.callbacks_created(), 1, "{fate}");
    }
}
