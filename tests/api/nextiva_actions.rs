//! Acting on Nextiva Contact Center, end to end: NCC mocked by wiremock at its real paths
//! (login host and tenant `location` on one mock server). The call is created by NCC's own
//! intake events; what the caller says mid-call arrives through the neutral feed.

use std::time::{Duration, Instant};

use escalator::config::{Config, ENV_NEXTIVA_API_PASSWORD, ENV_NEXTIVA_API_USER};
use escalator::store::ActionRow;
use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const WID: &str = "66f1c0a2e4b0c13f5d2a9b77";
const AGENT: &str = "jsmith@acme-support.com";
const LIST: &str = "66f1c0a2e4b0c13f5d2a0ca1";
const USER: &str = "escalator@tenant.example";
const PASSWORD: &str = "pa55-w0rd!";
// base64("escalator@tenant.example:pa55-w0rd!")
const BASIC: &str = "Basic ZXNjYWxhdG9yQHRlbmFudC5leGFtcGxlOnBhNTUtdzByZCE=";
const TOKEN: &str = "ncc-session-token";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const SUPERVISOR: &str = "I want to speak to your supervisor";

struct Ncc {
    app: TestApp,
    ncc: MockServer,
    alerts: MockServer,
}

/// The app with NCC credentials, its login host on the mock, and (when `list`) an outbound
/// list for callbacks.
async fn spawn(list: bool) -> Ncc {
    let (ncc, alerts) = (MockServer::start().await, MockServer::start().await);
    mount_alert_webhook(&alerts).await;
    let login = ncc.uri();
    let app = spawn_app_with(Options {
        api_secrets: vec![
            (ENV_NEXTIVA_API_USER, USER.to_string()),
            (ENV_NEXTIVA_API_PASSWORD, PASSWORD.to_string()),
            alert_webhook_secret(&alerts),
        ],
        configure: Some(Box::new(move |c: &mut Config| {
            c.vendors.nextiva.api.login_base = Some(login);
            if list {
                c.vendors.nextiva.api.callback_list_id = LIST.into();
            }
        })),
        ..Options::default()
    })
    .await;
    // Login with HTTP Basic; every later call goes to the `location` it returns.
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token": TOKEN, "location": ncc.uri(), "clientLocation": "https://nextiva.thrio.io"
        })))
        .mount(&ncc)
        .await;
    Ncc { app, ncc, alerts }
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/nextiva/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

impl Ncc {
    /// NCC's own deliveries: the call started and, when `agent`, an agent took it.
    async fn call(&self, agent: bool) {
        let mut events = vec![fixture("call-started.inbound.json")];
        if agent {
            events.push(fixture("agent-connected.json"));
        }
        for e in events {
            let r = self.app.post("/webhooks/nextiva", &e).await;
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        }
    }

    async fn caller_says(&self, text: &str) {
        let r = self
            .app
            .post_caller_said(Vendor::Nextiva, WID, "utt-1", text)
            .await;
        assert_eq!(r.status(), 200);
    }

    async fn wait(&self, done: impl Fn(&[ActionRow]) -> bool) -> Vec<ActionRow> {
        self.app
            .wait_for_actions_on(Vendor::Nextiva, WID, done)
            .await
    }

    /// Bodies NCC received on `p`, in order.
    async fn bodies(&self, p: &str) -> Vec<Value> {
        self.requests(p)
            .await
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    async fn requests(&self, p: &str) -> Vec<wiremock::Request> {
        self.ncc
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .collect()
    }

    async fn attempts(&self, rows: &[ActionRow], kind: &str) -> Vec<(i64, String, String)> {
        let action = rows.iter().find(|a| a.kind == kind).expect(kind);
        self.app
            .store
            .attempts(action.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.attempt, a.step, a.outcome))
            .collect()
    }

    /// The escalation's `<kind>_failed` / `<kind>_succeeded` steps, in order.
    async fn outcomes(&self) -> Vec<String> {
        let escalation = &self
            .app
            .store
            .escalations(Vendor::Nextiva, WID)
            .await
            .unwrap()[0];
        self.app
            .store
            .steps(&escalation.id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.step)
            .filter(|s| s.ends_with("_failed") || s.ends_with("_succeeded"))
            .collect()
    }
}

fn transfer_path(queue: &str) -> String {
    format!("/users/api/calls/{WID}/queuetransfer/{queue}")
}

fn workitem_path() -> String {
    format!("/users/api/workitems/{WID}")
}

fn upsert_path() -> String {
    format!("/data/api/types/outboundlist/{LIST}/leadsupsert/")
}

fn status(rows: &[ActionRow], kind: &str, wanted: &str) -> bool {
    rows.iter().any(|a| a.kind == kind && a.status == wanted)
}

fn before(steps: &[String], first: &str, then: &str) -> bool {
    let at = |s: &str| steps.iter().position(|x| x == s);
    matches!((at(first), at(then)), (Some(a), Some(b)) if a < b)
}

/// The documented queue transfer, answered with `response`.
async fn mount_transfer(ncc: &MockServer, queue: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(transfer_path(queue)))
        .and(header("authorization", TOKEN))
        .and(body_partial_json(json!({
            "inboxId": queue, "workitemId": WID, "ringAll": false, "recording": "keepCurrent"
        })))
        .respond_with(response)
        .expect(times)
        .mount(ncc)
        .await;
}

async fn mount_upsert(ncc: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(upsert_path()))
        .and(header("authorization", TOKEN))
        .respond_with(response)
        .expect(times)
        .mount(ncc)
        .await;
}

async fn mount_workitem(ncc: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(workitem_path()))
        .and(header("authorization", TOKEN))
        .respond_with(response)
        .expect(times)
        .mount(ncc)
        .await;
}

fn lead_saved() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!([{"_id": "lead-1", "phone": CALLER}]))
}

fn transferred() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({}))
}

fn ncc_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"code": code, "message": message}))
}

#[tokio::test]
async fn a_hard_stop_becomes_a_callback_lead_with_the_verbatim_quote_never_a_cold_transfer() {
    let t = spawn(true).await;
    mount_upsert(&t.ncc, lead_saved(), 1).await;
    t.call(false).await;
    t.caller_says(THREAT).await;

    let rows = t
        .wait(|r| {
            status(r, "schedule_callback", "succeeded") && status(r, "alert_callback", "succeeded")
        })
        .await;
    // Still in the flow: the routing-hook answer was armed first, and lapsed.
    assert!(status(&rows, "route_on_hook", "failed"), "{rows:#?}");
    assert!(rows.iter().all(|a| a.kind != "blind_transfer"));
    let outcomes = t.outcomes().await;
    assert!(
        before(
            &outcomes,
            "route_on_hook_failed",
            "schedule_callback_succeeded"
        ),
        "{outcomes:?}"
    );

    let escalation = &t.app.store.escalations(Vendor::Nextiva, WID).await.unwrap()[0];
    assert_eq!(escalation.team, "legal");
    assert_eq!(escalation.status, "callback_scheduled");
    let leads = t.bodies(&upsert_path()).await;
    assert_eq!(leads.len(), 1);
    let lead = &leads[0][0];
    assert_eq!(lead["phone"], CALLER, "{lead}");
    assert_eq!(lead["first_name"], "Dana");
    assert_eq!(lead["last_name"], "Reyes");
    assert_eq!(lead["escalation_reference"], escalation.reference.as_str());
    let note = lead["escalation_briefing"].as_str().unwrap();
    assert!(note.contains(THREAT), "{note}");
    assert!(note.contains("team legal"), "{note}");
    // No transfer of any kind was tried.
    let all = t.ncc.received_requests().await.unwrap();
    assert!(all.iter().all(|r| !r.url.path().contains("transfer")));
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_supervisor_request_blind_transfers_the_workitem_with_its_briefing() {
    let t = spawn(true).await;
    mount_transfer(&t.ncc, "nx-supervisor", transferred(), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    t.wait(|r| status(r, "blind_transfer", "succeeded")).await;
    let escalation = &t.app.store.escalations(Vendor::Nextiva, WID).await.unwrap()[0];
    assert_eq!(escalation.tier, "supervisor");
    assert_eq!(escalation.status, "transferred");
    let body = &t.bodies(&transfer_path("nx-supervisor")).await[0];
    let event = body["eventName"].as_str().unwrap();
    assert!(event.starts_with("escalation-supervisor "), "{event}");
    assert!(event.contains(&escalation.reference), "{event}");
    assert!(event.contains(SUPERVISOR), "{event}");
    // One login; the first attempt needs no re-read.
    assert_eq!(
        t.requests("/provider/token-with-authorities").await.len(),
        1
    );
    assert!(t.requests(&workitem_path()).await.is_empty());
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_refused_transfer_falls_back_to_a_callback_lead() {
    let t = spawn(true).await;
    let refused = ncc_error(403, "FORBIDDEN", "user may not transfer this workitem");
    mount_transfer(&t.ncc, "nx-supervisor", refused, 1).await;
    mount_upsert(&t.ncc, lead_saved(), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    let rows = t
        .wait(|r| status(r, "schedule_callback", "succeeded"))
        .await;
    let transfer = rows.iter().find(|a| a.kind == "blind_transfer").unwrap();
    assert_eq!(transfer.status, "failed");
    assert_eq!(transfer.attempts, 1);
    assert!(transfer.last_error.as_deref().unwrap().contains("403"));
    // An agent has the call, so no routing hook will ask: that link is skipped.
    assert!(rows.iter().all(|a| a.kind != "route_on_hook"), "{rows:#?}");
    let outcomes = t.outcomes().await;
    assert!(
        before(
            &outcomes,
            "blind_transfer_failed",
            "schedule_callback_succeeded"
        ),
        "{outcomes:?}"
    );
    let lead = &t.bodies(&upsert_path()).await[0][0];
    assert!(lead["escalation_briefing"]
        .as_str()
        .unwrap()
        .contains(SUPERVISOR));
    assert!(t.requests(&workitem_path()).await.is_empty());
    t.ncc.verify().await;
}

#[tokio::test]
async fn when_every_ncc_action_fails_a_named_callback_is_logged_and_a_supervisor_alerted() {
    let t = spawn(true).await;
    mount_upsert(&t.ncc, ncc_error(403, "FORBIDDEN", "no access to list"), 1).await;
    t.call(false).await;
    t.caller_says(THREAT).await;

    let rows = t
        .wait(|r| {
            status(r, "named_callback", "succeeded")
                && status(r, "alert_chain_exhausted", "succeeded")
        })
        .await;
    assert!(status(&rows, "route_on_hook", "failed"));
    assert!(status(&rows, "schedule_callback", "failed"));
    let escalation = &t.app.store.escalations(Vendor::Nextiva, WID).await.unwrap()[0];
    assert_eq!(escalation.status, "callback_promised");
    let callbacks = t.app.store.callbacks(10).await.unwrap();
    assert_eq!(callbacks.len(), 1);
    let cb = &callbacks[0];
    assert_eq!(cb.escalation_id, escalation.id);
    assert_eq!(cb.reference, escalation.reference);
    assert_eq!(cb.team, "legal");
    assert_eq!(cb.owner.as_deref(), Some("Owner of legal"));
    assert_eq!(cb.number.as_deref(), Some(CALLER));

    let received = alerts_received(&t.alerts).await;
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
    t.ncc.verify().await;
}

#[tokio::test]
async fn without_a_callback_list_the_chain_moves_on_to_the_named_callback() {
    let t = spawn(false).await;
    t.call(false).await;
    t.caller_says(THREAT).await;
    let rows = t.wait(|r| status(r, "named_callback", "succeeded")).await;
    let callback = rows.iter().find(|a| a.kind == "schedule_callback").unwrap();
    assert_eq!(callback.status, "failed");
    assert_eq!(callback.attempts, 1);
    let error = callback.last_error.as_deref().unwrap();
    assert!(
        error.contains("vendors.nextiva.api.callback_list_id"),
        "{error}"
    );
    // Nothing was asked of NCC, not even a login.
    assert!(t.ncc.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_the_transfer_sent_once_after_a_reread() {
    let t = spawn(true).await;
    Mock::given(method("POST"))
        .and(path(transfer_path("nx-supervisor")))
        .respond_with(
            ncc_error(429, "TOO_MANY_REQUESTS", "slow down").insert_header("Retry-After", "1"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&t.ncc)
        .await;
    mount_transfer(&t.ncc, "nx-supervisor", transferred(), 1).await;
    // Still with the same agent, untouched since well before the attempt.
    let unchanged = json!({"_id": "m1", "workitemId": WID, "state": "active",
        "type": "InboundCall", "agentUsername": AGENT,
        "modifiedAt": jiff::Timestamp::now().as_millisecond() - 60_000,
        "data": {"queueId": "nx-general"}});
    mount_workitem(
        &t.ncc,
        ResponseTemplate::new(200).set_body_json(unchanged),
        1,
    )
    .await;
    t.call(true).await;
    let started = Instant::now();
    t.caller_says(SUPERVISOR).await;

    let rows = t.wait(|r| status(r, "blind_transfer", "succeeded")).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    let steps = t.attempts(&rows, "blind_transfer").await;
    assert_eq!(
        steps,
        vec![
            (1, "blind_transfer".into(), "retryable".into()),
            (2, "reconcile".into(), "ok".into()),
            (2, "blind_transfer".into(), "ok".into()),
        ]
    );
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_transfer_answered_with_a_5xx_is_not_repeated_when_the_workitem_already_moved() {
    let t = spawn(true).await;
    // Every transfer request lands here: a second one would break `expect(1)`.
    mount_transfer(
        &t.ncc,
        "nx-supervisor",
        ncc_error(502, "BAD_GATEWAY", "upstream"),
        1,
    )
    .await;
    let moved = json!({"_id": "m1", "workitemId": WID, "state": "inqueue",
        "type": "InboundCall", "data": {"queueId": "nx-supervisor"}});
    mount_workitem(&t.ncc, ResponseTemplate::new(200).set_body_json(moved), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    let rows = t.wait(|r| status(r, "blind_transfer", "succeeded")).await;
    let steps = t.attempts(&rows, "blind_transfer").await;
    assert_eq!(
        steps,
        vec![
            (1, "blind_transfer".into(), "unknown".into()),
            (2, "reconcile".into(), "ok".into()),
        ]
    );
    let escalation = &t.app.store.escalations(Vendor::Nextiva, WID).await.unwrap()[0];
    assert_eq!(escalation.status, "transferred");
    tokio::time::sleep(Duration::from_millis(200)).await;
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_transfer_with_an_unknown_outcome_on_a_call_that_ended_falls_back_without_repeating() {
    let t = spawn(true).await;
    // Applied or not, its answer never arrives in time.
    mount_transfer(
        &t.ncc,
        "nx-supervisor",
        transferred().set_delay(Duration::from_secs(4)),
        1,
    )
    .await;
    mount_workitem(&t.ncc, ncc_error(404, "NOT_FOUND", "no such workitem"), 1).await;
    mount_upsert(&t.ncc, lead_saved(), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    let rows = t
        .wait(|r| status(r, "schedule_callback", "succeeded"))
        .await;
    let transfer = rows.iter().find(|a| a.kind == "blind_transfer").unwrap();
    assert_eq!(transfer.status, "failed");
    let steps = t.attempts(&rows, "blind_transfer").await;
    assert_eq!(
        steps,
        vec![
            (1, "blind_transfer".into(), "unknown".into()),
            (2, "reconcile".into(), "permanent".into()),
        ]
    );
    assert!(transfer.last_error.as_deref().unwrap().contains("ended"));
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_lead_upsert_answered_with_a_5xx_is_retried_and_saved_once() {
    let t = spawn(true).await;
    Mock::given(method("POST"))
        .and(path(upsert_path()))
        .respond_with(ncc_error(503, "UNAVAILABLE", "try later"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&t.ncc)
        .await;
    mount_upsert(&t.ncc, lead_saved(), 1).await;
    t.call(false).await;
    t.caller_says(THREAT).await;

    let rows = t
        .wait(|r| status(r, "schedule_callback", "succeeded"))
        .await;
    let steps = t.attempts(&rows, "schedule_callback").await;
    assert_eq!(
        steps,
        vec![
            (1, "callback".into(), "retryable".into()),
            (2, "callback".into(), "ok".into()),
            (2, "callback_log".into(), "ok".into()),
        ]
    );
    // Both attempts carried the same lead key.
    let leads = t.bodies(&upsert_path()).await;
    assert_eq!(leads.len(), 2);
    assert_eq!(leads[0], leads[1]);
    t.ncc.verify().await;
}

mod unknown_outcomes;
