//! Acting on Talkdesk, end to end: Talkdesk has no call-control API, so a hard-stop heard
//! mid-call goes to the Studio routing hook first, then to a callback Talkdesk places, then
//! to Escalator's named callback. Talkdesk is mocked at its real paths
//! (`shared/vendors/talkdesk.md` §3, §4, §5).

use std::collections::BTreeMap;
use std::time::Duration;

use escalator::config::{ENV_TALKDESK_CLIENT_ID, ENV_TALKDESK_CLIENT_SECRET};
use escalator::playbook::Decision;
use escalator::store::{ActionRow, Planned};
use escalator_adapters::{
    Action, Briefing, CallEvent, Caller, Destination, EventKind, Target, Vendor,
};
use jiff::Timestamp;
use serde_json::{json, Value};
use wiremock::matchers::{
    body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const THREAT: &str = "I'm going to sue you if this isn't fixed today";
/// The fixtures' interaction: the call id on Talkdesk.
pub(crate) const INTERACTION: &str = "e4742002f9dc421d92c0395ad9888364";
const FROM: &str = "+18005550199";
/// `base64("td-client:td-secret")`.
const BASIC: &str = "Basic dGQtY2xpZW50OnRkLXNlY3JldA==";
pub(crate) const BEARER: &str = "Bearer td-token";

pub(crate) struct Td {
    pub app: TestApp,
    pub api: MockServer,
}

/// The service with Talkdesk's API (token host included) at a mock, and optionally an
/// alert webhook.
async fn start(alerts: Option<&MockServer>) -> Td {
    start_with(alerts, None).await
}

/// [`start`], with the scheduler ticking every `tick_seconds` (it reads callbacks back).
pub(crate) async fn start_with(alerts: Option<&MockServer>, tick_seconds: Option<u64>) -> Td {
    let api = MockServer::start().await;
    mount_token(&api).await;
    let uri = api.uri();
    let mut secrets = vec![
        (ENV_TALKDESK_CLIENT_ID, "td-client".to_string()),
        (ENV_TALKDESK_CLIENT_SECRET, "td-secret".to_string()),
    ];
    secrets.extend(alerts.map(alert_webhook_secret));
    let app = spawn_app_with(Options {
        api_secrets: secrets,
        configure: Some(Box::new(move |c: &mut escalator::config::Config| {
            let td = &mut c.vendors.talkdesk.api;
            td.api_base = Some(uri.clone());
            td.token_url = Some(format!("{uri}/oauth/token"));
            td.callback_from_number = FROM.into();
            if let Some(t) = tick_seconds {
                c.scheduler.interval_seconds = t;
            }
        })),
        ..Options::default()
    })
    .await;
    Td { app, api }
}

/// Client credentials as Talkdesk's token endpoint takes them (§5).
async fn mount_token(api: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", BASIC))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("scope=callback%3Awrite"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "td-token", "token_type": "Bearer", "expires_in": 3600,
            "scope": "callback:write schedule-callbacks:write schedule-callbacks:read"
        })))
        .mount(api)
        .await;
}

async fn mount_direct_callback(api: &MockServer, response: ResponseTemplate, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", BEARER))
        .and(body_partial_json(
            json!({"talkdesk_phone_number": FROM, "contact_phone_number": CALLER}),
        ))
        .respond_with(response)
        .expect(expect)
        .mount(api)
        .await;
}

pub(crate) async fn mount_custom_fields(api: &MockServer, response: ResponseTemplate, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/interaction-custom-fields"))
        .and(header("authorization", BEARER))
        .and(body_partial_json(
            json!({"interaction_id": INTERACTION, "text_field_2": "legal_threat", "numeric_field_1": 1}),
        ))
        .respond_with(response)
        .expect(expect)
        .mount(api)
        .await;
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/talkdesk/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// A Talkdesk Webhook Trigger delivery, as the intake receives it.
async fn deliver(app: &TestApp, name: &str) {
    let r = app
        .http
        .post(format!("{}/webhooks/talkdesk/{SECRET}", app.address))
        .json(&fixture(name))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// The call reaches Talkdesk, then the caller threatens to sue (heard by speech
/// analytics through the neutral feed); returns the escalation's reference.
async fn hard_stop(app: &TestApp, agent_has_the_call: bool) -> String {
    deliver(app, "inbound-call-reaches-contact-center.json").await;
    if agent_has_the_call {
        deliver(app, "inbound-call-starts.json").await;
    }
    let r = app
        .post_caller_said(Vendor::Talkdesk, INTERACTION, "utt-1", THREAT)
        .await;
    assert_eq!(r.status(), 200);
    let rows = app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].team, "legal");
    rows[0].reference.clone()
}

fn action<'a>(rows: &'a [ActionRow], kind: &str) -> &'a ActionRow {
    rows.iter()
        .find(|a| a.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}: {rows:#?}"))
}

fn has(rows: &[ActionRow], kind: &str, status: &str) -> bool {
    rows.iter().any(|a| a.kind == kind && a.status == status)
}

/// `(step, outcome, http status)` of every attempt of `a`.
async fn steps(app: &TestApp, a: &ActionRow) -> Vec<(String, String, Option<i64>)> {
    app.store
        .attempts(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.step, s.outcome, s.http_status))
        .collect()
}

fn bodies(requests: &[wiremock::Request], p: &str) -> Vec<Value> {
    requests
        .iter()
        // Reads (a reconciling list) have no body.
        .filter(|r| r.url.path() == p && !r.body.is_empty())
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body["context"]["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no context field {name}: {body}"))
}

#[tokio::test]
async fn a_hard_stop_mid_call_gets_a_direct_callback_carrying_the_verbatim_quote() {
    let Td { app, api } = start(None).await;
    mount_direct_callback(&api, ResponseTemplate::new(200), 1).await;
    mount_custom_fields(
        &api,
        ResponseTemplate::new(200).set_body_json(json!({"code": "0", "message": "ok"})),
        1,
    )
    .await;
    let reference = hard_stop(&app, false).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            // The alert names the callback's recorded owner, so it follows the callback.
            has(r, "schedule_callback", "succeeded") && has(r, "alert_callback", "succeeded")
        })
        .await;
    // The flow never asked the routing hook within its second: the callback followed.
    assert_eq!(action(&rows, "route_on_hook").status, "failed");
    let requests = api.received_requests().await.unwrap();
    let sent = bodies(&requests, "/calls/callback");
    assert_eq!(sent.len(), 1);
    assert_eq!(field(&sent[0], "caller_quote"), THREAT);
    assert_eq!(field(&sent[0], "escalation_reference"), reference);
    assert_eq!(field(&sent[0], "escalation_reason"), "legal_threat");
    assert_eq!(field(&sent[0], "escalation_team"), "legal");
    assert!(sent[0]["context"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["data_type"] == "text" && f["display_name"].is_string()));
    // The reporting fields carry the reference too, after the callback.
    let fields = bodies(&requests, "/interaction-custom-fields");
    assert_eq!(fields[0]["text_field_3"], reference);
    let order: Vec<&str> = requests
        .iter()
        .map(|r| r.url.path())
        .filter(|p| *p != "/oauth/token")
        .collect();
    assert_eq!(order, ["/calls/callback", "/interaction-custom-fields"]);

    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    assert!(has(&rows, "alert_callback", "succeeded"), "{rows:#?}");
    api.verify().await;
}

#[tokio::test]
async fn a_routing_hook_request_while_the_answer_is_armed_routes_the_call_and_sends_no_callback() {
    let Td { app, api } = start(None).await;
    mount_direct_callback(&api, ResponseTemplate::new(200), 0).await;
    let reference = hard_stop(&app, false).await;

    // Wait until the chain has armed the answer, then ask as Studio's Execute Action does.
    let rows = app
        .store
        .actions(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap();
    let route = action(&rows, "route_on_hook").clone();
    for _ in 0..200 {
        if steps(&app, &route)
            .await
            .iter()
            .any(|(s, o, _)| s == "route_on_hook" && o == "ok")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answer: Value = app
        .http
        .post(format!("{}/route/talkdesk", app.address))
        .header("X-API-Key", SECRET)
        .json(&json!({"interaction_id": INTERACTION, "caller": CALLER, "utterance": ""}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["action"], "route", "{answer}");
    assert_eq!(answer["ring_group"], "td-legal", "{answer}");
    assert_eq!(answer["reference"], reference.as_str(), "{answer}");
    assert_eq!(answer["quote"], THREAT, "{answer}");

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "route_on_hook", "succeeded")
        })
        .await;
    assert!(
        !rows.iter().any(|a| a.kind == "schedule_callback"),
        "{rows:#?}"
    );
    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "routed");
    tokio::time::sleep(Duration::from_millis(200)).await;
    api.verify().await;
}

#[tokio::test]
async fn a_refused_direct_callback_moves_on_to_the_named_callback() {
    let Td { app, api } = start(None).await;
    let refusal = ResponseTemplate::new(422).set_body_json(json!({
        "code": "0310422", "message": "Invalid request",
        "fields": [{"name": "talkdesk_phone_number", "description": "not a number of this account"}]
    }));
    mount_direct_callback(&api, refusal, 1).await;
    mount_custom_fields(&api, ResponseTemplate::new(200), 0).await;
    hard_stop(&app, false).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "named_callback", "succeeded")
        })
        .await;
    let callback = action(&rows, "schedule_callback");
    assert_eq!(callback.status, "failed");
    assert_eq!(callback.attempts, 1, "a refusal is not retried");
    let error = callback.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("talkdesk_phone_number: not a number of this account"),
        "{error}"
    );
    assert_eq!(
        steps(&app, callback).await,
        [(
            "direct_callback".to_string(),
            "permanent".to_string(),
            Some(422)
        )]
    );
    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
    let trail: Vec<String> = app
        .store
        .steps(&escalation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.step)
        .collect();
    let failed = trail.iter().position(|s| s == "schedule_callback_failed");
    let planned = trail.iter().rposition(|s| s == "fallback_planned");
    assert!(failed.is_some() && planned > failed, "{trail:?}");
    assert_eq!(escalation.status, "callback_promised");
    api.verify().await;
}

#[tokio::test]
async fn when_every_platform_action_fails_a_named_callback_is_logged_and_a_supervisor_alerted() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let Td { app, api } = start(Some(&alerts)).await;
    let forbidden = ResponseTemplate::new(403)
        .set_body_json(json!({"code": "1001403", "message": "Forbidden: missing scope"}));
    mount_direct_callback(&api, forbidden, 1).await;
    // An agent has the call, so no routing hook will ask: that link fails at once.
    hard_stop(&app, true).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "named_callback", "succeeded") && has(r, "alert_chain_exhausted", "succeeded")
        })
        .await;
    assert_eq!(action(&rows, "route_on_hook").status, "failed");
    assert_eq!(action(&rows, "schedule_callback").status, "failed");
    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
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
    api.verify().await;
}

#[tokio::test]
async fn a_rate_limited_direct_callback_waits_for_retry_after_and_is_sent_once() {
    let Td { app, api } = start(None).await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"code": "429", "message": "Too Many Requests"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&api)
        .await;
    mount_direct_callback(&api, ResponseTemplate::new(201), 1).await;
    // Best effort: a refused custom-fields write leaves the callback standing.
    mount_custom_fields(&api, ResponseTemplate::new(403), 1).await;
    hard_stop(&app, true).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "schedule_callback", "succeeded")
        })
        .await;
    let callback = action(&rows, "schedule_callback");
    let s = steps(&app, callback).await;
    assert_eq!(
        s[0],
        ("direct_callback".into(), "retryable".into(), Some(429))
    );
    assert_eq!(s[1], ("direct_callback".into(), "ok".into(), None));
    assert_eq!(
        s[2],
        ("custom_fields".into(), "permanent".into(), Some(403))
    );
    // The callback Talkdesk holds is written to Escalator's callback log too.
    assert_eq!(s[3], ("callback_log".into(), "ok".into(), None));
    assert_eq!(s.len(), 4, "{s:?}");
    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    api.verify().await;
}

#[tokio::test]
async fn a_direct_callback_with_an_unknown_outcome_is_not_sent_again_and_the_named_callback_follows(
) {
    let Td { app, api } = start(None).await;
    // Slower than the client's 2 s timeout: Talkdesk may or may not have taken it.
    mount_direct_callback(
        &api,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
    hard_stop(&app, true).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "named_callback", "succeeded")
        })
        .await;
    let callback = action(&rows, "schedule_callback");
    assert_eq!(callback.status, "uncertain");
    let error = callback.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("not sent again"), "{error}");
    assert_eq!(steps(&app, callback).await[0].1, "unknown");
    assert_eq!(app.store.callbacks(10).await.unwrap().len(), 1);
    api.verify().await;
}

/// A callback at a set time, planned as a platform callback link is (the orchestrator
/// plans "as soon as possible" today, so the test plans the timed one itself).
pub(crate) async fn plan_scheduled_callback(app: &TestApp, at: Timestamp) -> String {
    deliver(app, "inbound-call-reaches-contact-center.json").await;
    let reference = escalator::reference::generate();
    let now = Timestamp::now();
    let decision: Decision = serde_json::from_value(json!({
        "tier": "specialist", "team": "legal",
        "triggers": [{"kind": "legal_threat", "rule_id": "legal-threat", "team": "legal",
                      "quote": THREAT, "at": now}]
    }))
    .unwrap();
    let briefing = Briefing {
        reference: reference.clone(),
        tier: "specialist".into(),
        reason: "legal_threat".into(),
        rule_id: "legal-threat".into(),
        quote: Some(THREAT.into()),
        utterance_id: None,
        caller_name: None,
        verified: None,
        context: Default::default(),
    };
    let mut planned = Some(Planned {
        id: format!("esc-{reference}"),
        reference: reference.clone(),
        decision,
        status: "open",
        review: true,
        actions: vec![Action::ScheduleCallback {
            target: Target {
                team: "legal".into(),
                destination: Destination::Queue {
                    id: "td-legal".into(),
                    name: None,
                },
            },
            number: Some(CALLER.into()),
            at: Some(at),
            briefing,
            owner: Some("Owner of legal".into()),
            roster: Vec::new(),
        }],
        max_attempts: 5,
    });
    let event = CallEvent {
        vendor: Vendor::Talkdesk,
        call_id: INTERACTION.into(),
        event_id: format!("test:{reference}"),
        occurred_at: now,
        caller: Caller {
            number: Some(CALLER.into()),
            ..Caller::default()
        },
        refs: BTreeMap::new(),
        kind: EventKind::EscalationRequested {
            reason: Some("callback at a set time".into()),
        },
    };
    app.store
        .record_delivery(&[event], Duration::from_secs(60), |_, _| planned.take())
        .await
        .unwrap();
    reference
}

pub(crate) fn at() -> Timestamp {
    "2031-03-25T15:30:00Z".parse().unwrap()
}

#[tokio::test]
async fn a_scheduled_callback_goes_to_the_ring_group_once_after_a_5xx_read_back_as_absent() {
    let Td { app, api } = start(None).await;
    // The 503 may hide a created callback: the list is read first, and shows none.
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks"))
        .and(query_param("phone_number", CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total": 0, "page": 1, "total_pages": 1, "_embedded": {"callbacks": []}
        })))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(header("authorization", BEARER))
        .and(body_partial_json(json!({
            "interaction_id": INTERACTION, "caller_id": FROM, "phone_number": CALLER,
            "time_to_call": "2031-03-25T15:30:00Z", "timezone": "UTC",
            "assign_type": "SPECIFIC_QUEUE", "queues": [{"queue": "td-legal"}],
            "from_call_type": "API", "dialing_model": "PREVIEW",
            "record_extra_data": {"caller_quote": THREAT, "escalation_team": "legal"}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "callback_id": "cb-1", "interaction_id": INTERACTION, "phone_number": CALLER
        })))
        .expect(1)
        .mount(&api)
        .await;
    mount_custom_fields(&api, ResponseTemplate::new(200), 1).await;
    let reference = plan_scheduled_callback(&app, at()).await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "schedule_callback", "succeeded")
        })
        .await;
    let s = steps(&app, action(&rows, "schedule_callback")).await;
    assert_eq!(
        s[0],
        ("scheduled_callback".into(), "unknown".into(), Some(503))
    );
    assert_eq!(s[1], ("reconcile".into(), "ok".into(), None));
    assert_eq!(s[2], ("scheduled_callback".into(), "ok".into(), None));
    let sent = bodies(
        &api.received_requests().await.unwrap(),
        "/schedule-callbacks",
    );
    assert_eq!(
        sent[1]["record_extra_data"]["escalation_reference"],
        reference.as_str()
    );
    api.verify().await;
}

#[tokio::test]
async fn a_scheduled_callback_with_an_unknown_outcome_is_found_by_its_reference_not_created_twice()
{
    let Td { app, api } = start(None).await;
    // Created, but the answer carries no id: whether it exists is unknown.
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let reference = plan_scheduled_callback(&app, at()).await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks"))
        .and(header("authorization", BEARER))
        .and(query_param("phone_number", CALLER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total": 2, "page": 1, "total_pages": 1,
            "_embedded": {"callbacks": [
                {"callback_id": "cb-other", "status": "QUEUED", "phone_number": CALLER,
                 "record_extra_data": {"escalation_reference": "ESC-OTHR-OTHR"}},
                {"callback_id": "cb-ours", "status": "QUEUED", "phone_number": CALLER,
                 "record_extra_data": {"escalation_reference": reference}}
            ]},
            "_links": {"self": {"href": "https://api.talkdeskapp.com/schedule-callbacks?page=1"}}
        })))
        .expect(1)
        .mount(&api)
        .await;

    let rows = app
        .wait_for_actions_on(Vendor::Talkdesk, INTERACTION, |r| {
            has(r, "schedule_callback", "succeeded")
        })
        .await;
    let s = steps(&app, action(&rows, "schedule_callback")).await;
    assert_eq!(s[0], ("scheduled_callback".into(), "unknown".into(), None));
    assert_eq!(s[1].0, "reconcile");
    assert_eq!(s[1].1, "ok");
    let escalation = &app
        .store
        .escalations(Vendor::Talkdesk, INTERACTION)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    api.verify().await;
}

mod unknown_outcomes;
