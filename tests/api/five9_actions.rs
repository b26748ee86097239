//! Acting on Five9, end to end: the call is created by a Web Connector delivery (which names
//! the agent), the caller's words arrive through the neutral feed, and Five9 is mocked at
//! its real paths: Agent REST (login, calls, `variables_2`, `transfer_to_skill`) on the
//! data-center host the login's metadata names, and the Configuration Web Services (SOAP
//! `addRecordToList`).

use std::time::Duration;

use escalator::config::{
    Config, ENV_FIVE9_ADMIN_PASSWORD, ENV_FIVE9_ADMIN_USER, ENV_FIVE9_AGENT_CREDENTIALS,
};
use escalator::store::ActionRow;
use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, method, path,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::*;

const CALL: &str = "300000000123456";
const AGENT: &str = "sam.lee@acme.example";
const AGENT_ID: &str = "123456789";
const REST: &str = "/appsvcs/rs/svc";
const SOAP: &str = "/wsadmin/v13/AdminWebService";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
/// base64("admin:admin-pw")
const ADMIN_BASIC: &str = "Basic YWRtaW46YWRtaW4tcHc=";

struct Five9 {
    app: TestApp,
    five9: MockServer,
    alerts: MockServer,
}

/// The service with Five9 API credentials (the agent's password holds a ':') pointing at
/// a Five9 mock, and an alert webhook.
async fn start(agent_credentials: &str) -> Five9 {
    let five9 = MockServer::start().await;
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let uri = five9.uri();
    let app = spawn_app_with(Options {
        api_secrets: vec![
            (ENV_FIVE9_ADMIN_USER, "admin".into()),
            (ENV_FIVE9_ADMIN_PASSWORD, "admin-pw".into()),
            (ENV_FIVE9_AGENT_CREDENTIALS, agent_credentials.into()),
            alert_webhook_secret(&alerts),
        ],
        configure: Some(Box::new(move |c: &mut Config| {
            c.vendors.five9.api.admin_base = Some(uri.clone());
            c.vendors.five9.api.agent_login_base = Some(uri);
            c.vendors.five9.api.callback_list = "Escalator Callbacks".into();
        })),
        ..Options::default()
    })
    .await;
    Five9 { app, five9, alerts }
}

fn call_path(action: &str) -> String {
    format!("{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}/{action}")
}

/// Login as the agent (joining their desktop session), the data-center host from the
/// metadata being the mock itself; the agent holds the call.
async fn mount_session(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .and(body_json(json!({
            "passwordCredentials": {"username": AGENT, "password": "agent:pw"},
            "appKey": "escalator",
            "policy": "AttachExisting"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tokenId": "tok-1", "sessionId": "s1", "orgId": "987654321", "userId": AGENT_ID,
            "context": {"farmId": "149"},
            "metadata": {"freedomUrl": "https://app.five9.com", "dataCenters": [
                {"name": "Atlanta Data Center", "active": true,
                 "apiUrls": [{"host": "127.0.0.1", "port": server.address().port().to_string()}]}]}
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/agents/{AGENT_ID}/interactions/calls")))
        .and(header("Authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": CALL, "state": "TALKING"}])),
        )
        .mount(server)
        .await;
}

/// Call-variable writes (briefing, guidance) succeed; `expect` counts them.
async fn mount_variables(server: &MockServer, expect: u64) {
    Mock::given(method("PUT"))
        .and(path(call_path("variables_2")))
        .and(header("Authorization", "Bearer-tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(expect)
        .mount(server)
        .await;
}

async fn mount_transfer(server: &MockServer, skill: &str, kind: &str, answer: ResponseTemplate) {
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .and(header("Authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .and(body_json(json!({"skillId": skill, "transferType": kind})))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

fn five9_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"five9ExceptionDetail": {
        "timestamp": 1698851947550i64, "errorCode": 3, "message": message,
        "context": {"contextCode": "CALL", "objectId": null}}}))
}

fn soap(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Body>\
             {body}</env:Body></env:Envelope>"
        ))
}

fn soap_fault(fault: &str, message: &str) -> ResponseTemplate {
    soap(
        500,
        &format!(
            "<env:Fault><faultcode>env:Server</faultcode><faultstring>{message}</faultstring>\
             <detail><ns2:{fault} xmlns:ns2=\"http://service.admin.ws.five9.com/\">\
             <message>{message}</message></ns2:{fault}></detail></env:Fault>"
        ),
    )
}

fn list_import_result(inserted: u32, duplicates: u32) -> ResponseTemplate {
    soap(
        200,
        &format!(
            "<ns2:addRecordToListResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
             <callNowQueued>0</callNowQueued><crmRecordsInserted>{inserted}</crmRecordsInserted>\
             <crmRecordsUpdated>0</crmRecordsUpdated><listName>Escalator Callbacks</listName>\
             <listRecordsDeleted>0</listRecordsDeleted><listRecordsInserted>{inserted}</listRecordsInserted>\
             <uploadDuplicatesCount>{duplicates}</uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount>\
             </return></ns2:addRecordToListResponse>"
        ),
    )
}

async fn mount_add_record(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(SOAP))
        .and(header("Authorization", ADMIN_BASIC))
        .and(header("SOAPAction", "\"\""))
        .and(header("Content-Type", "text/xml;charset=UTF-8"))
        .and(body_string_contains("<ser:addRecordToList>"))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

impl Five9 {
    /// The agent accepts the call (Web Connector), then the caller says `text`.
    async fn caller_says(&self, text: &str) {
        self.connector("accepted-inbound.form", &[]).await;
        let r = self
            .app
            .post_caller_said(Vendor::Five9, CALL, "utt-1", text)
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    /// A Web Connector delivery: `fixture` with `(from, to)` replacements.
    async fn connector(&self, fixture: &str, replace: &[(&str, &str)]) {
        let mut form = std::fs::read_to_string(format!(
            "{}/fixtures/five9/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
        .replace("f9-test-secret", SECRET);
        for (from, to) in replace {
            form = form.replace(from, to);
        }
        let r = self
            .app
            .http
            .post(format!("{}/webhooks/five9", self.app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.trim().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    async fn wait(&self, done: impl Fn(&[ActionRow]) -> bool) -> Vec<ActionRow> {
        self.app
            .wait_for_actions_on(Vendor::Five9, CALL, done)
            .await
    }

    async fn steps(&self, rows: &[ActionRow], kind: &str) -> Vec<(String, String, Option<i64>)> {
        let action = rows.iter().find(|a| a.kind == kind).expect(kind);
        self.app
            .store
            .attempts(action.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.step, a.outcome, a.http_status))
            .collect()
    }

    async fn requests_to(&self, p: &str) -> Vec<Request> {
        self.five9
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .collect()
    }
}

fn has(kind: &'static str, status: &'static str) -> impl Fn(&[ActionRow]) -> bool {
    move |rows| rows.iter().any(|a| a.kind == kind && a.status == status)
}

#[tokio::test]
async fn a_legal_threat_briefs_the_call_then_consults_the_legal_skill_once() {
    let f = start(&format!("other@acme.example:x, {AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 1).await;
    mount_transfer(&f.five9, "skill-legal", "WARM", ResponseTemplate::new(200)).await;

    f.caller_says(THREAT).await;
    f.wait(has("warm_transfer", "succeeded")).await;

    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert_eq!(escalation.team, "legal");
    assert_eq!(escalation.status, "consulting");
    // The briefing reaches the call before the transfer, with the caller's own words.
    let writes: Vec<String> = f
        .five9
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| r.url.path().rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(writes, ["variables_2", "transfer_to_skill"]);
    let briefing: Value =
        serde_json::from_slice(&f.requests_to(&call_path("variables_2")).await[0].body).unwrap();
    assert_eq!(briefing["Escalator.Reference"], escalation.reference);
    assert_eq!(briefing["Escalator.Reason"], "legal_threat");
    let line = briefing["Escalator.Briefing"].as_str().unwrap();
    assert!(line.contains(&format!("said: \"{THREAT}\"")), "{line}");
    f.five9.verify().await;
}

#[tokio::test]
async fn a_refused_consult_falls_back_to_a_callback_on_the_dialing_list() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    // The briefing, then what to tell the caller about the callback booked while they wait.
    mount_variables(&f.five9, 2).await;
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        five9_error(400, "Skill is not available for transfer"),
    )
    .await;
    mount_add_record(&f.five9, list_import_result(1, 0)).await;

    f.caller_says(THREAT).await;
    let rows = f
        .wait(|rows| {
            has("schedule_callback", "succeeded")(rows)
                && has("agent_guidance_callback", "succeeded")(rows)
        })
        .await;
    let status = |kind: &str| {
        rows.iter()
            .find(|a| a.kind == kind)
            .expect(kind)
            .status
            .clone()
    };
    assert_eq!(status("warm_transfer"), "failed");
    // The agent has the call, so no flow will ask the routing hook: that link is skipped.
    assert!(rows.iter().all(|a| a.kind != "route_on_hook"), "{rows:#?}");
    assert_eq!(
        f.steps(&rows, "warm_transfer").await.last().unwrap(),
        &("transfer".to_string(), "permanent".to_string(), Some(400))
    );

    let body = String::from_utf8(f.requests_to(SOAP).await[0].body.clone()).unwrap();
    assert!(
        body.contains("<listName>Escalator Callbacks</listName>"),
        "{body}"
    );
    // The number as Five9 dials it: 10 digits for North America.
    assert!(
        body.contains("<record><fields>3175551234</fields>"),
        "{body}"
    );
    assert!(
        body.contains("<fieldName>escalator_briefing</fieldName>"),
        "{body}"
    );
    // Called back now: a call time, not "call now" mode.
    assert!(
        body.contains("<callNowMode>NONE</callNowMode><callTime>"),
        "{body}"
    );
    assert!(body.contains(&THREAT.replace('\'', "&apos;")), "{body}");
    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert!(body.contains(&escalation.reference), "{body}");
    assert_eq!(escalation.status, "callback_scheduled");
    f.five9.verify().await;
}

#[tokio::test]
async fn when_every_five9_action_fails_a_named_callback_is_logged_and_a_supervisor_alerted() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    // The briefing, then what to tell the caller about the callback booked while they wait.
    mount_variables(&f.five9, 2).await;
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        five9_error(403, "Agent has no permission to transfer"),
    )
    .await;
    mount_add_record(
        &f.five9,
        soap_fault("ObjectNotFoundFault", "List Escalator Callbacks not found"),
    )
    .await;

    f.caller_says(THREAT).await;
    let rows = f
        .wait(|rows| {
            has("named_callback", "succeeded")(rows)
                && has("alert_chain_exhausted", "succeeded")(rows)
                && has("agent_guidance_callback", "succeeded")(rows)
        })
        .await;
    for kind in ["warm_transfer", "schedule_callback"] {
        let a = rows.iter().find(|a| a.kind == kind).expect(kind);
        assert_eq!(a.status, "failed", "{kind}");
    }
    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert_eq!(escalation.status, "callback_promised");
    let callbacks = f.app.store.callbacks(10).await.unwrap();
    assert_eq!(callbacks.len(), 1);
    let cb = &callbacks[0];
    assert_eq!(cb.escalation_id, escalation.id);
    assert_eq!(cb.reference, escalation.reference);
    assert_eq!(cb.team, "legal");
    assert_eq!(cb.owner.as_deref(), Some("Owner of legal"));
    // The caller's number as last heard (the neutral feed's, after the connector's).
    assert_eq!(cb.number.as_deref(), Some(CALLER));

    let received = alerts_received(&f.alerts).await;
    let exhausted = received
        .iter()
        .find(|a| a["escalator"]["reason"] == "chain_exhausted")
        .expect("chain-exhausted alert");
    assert_eq!(exhausted["escalator"]["urgency"], "immediate");
    assert_eq!(exhausted["escalator"]["owner"], "Owner of legal");
    assert_eq!(exhausted["escalator"]["quote"], THREAT);
    f.five9.verify().await;
}

#[tokio::test]
async fn a_429_then_a_503_then_success_transfers_exactly_once() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    // The briefing is written once, whatever the retries.
    mount_variables(&f.five9, 1).await;
    for (priority, answer) in [
        (
            1,
            five9_error(429, "Too many requests").insert_header("Retry-After", "1"),
        ),
        (2, five9_error(503, "Service unavailable")),
    ] {
        Mock::given(method("PUT"))
            .and(path(call_path("transfer_to_skill")))
            .respond_with(answer)
            .up_to_n_times(1)
            .with_priority(priority)
            .expect(1)
            .mount(&f.five9)
            .await;
    }
    mount_transfer(&f.five9, "skill-legal", "WARM", ResponseTemplate::new(200)).await;
    // After the 503 (maybe applied), the call is read first: no transfer under way.
    Mock::given(method("GET"))
        .and(path(format!(
            "{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": CALL, "state": "TALKING"})),
        )
        .expect(1)
        .mount(&f.five9)
        .await;

    f.caller_says(THREAT).await;
    let rows = f.wait(has("warm_transfer", "succeeded")).await;
    let steps: Vec<(String, String, Option<i64>)> = f
        .steps(&rows, "warm_transfer")
        .await
        .into_iter()
        .filter(|(step, ..)| step == "transfer" || step == "reconcile")
        .collect();
    let s = |step: &str, outcome: &str, status: Option<i64>| {
        (step.to_string(), outcome.to_string(), status)
    };
    assert_eq!(
        steps,
        [
            s("transfer", "retryable", Some(429)),
            s("transfer", "unknown", Some(503)),
            s("reconcile", "ok", None),
            s("transfer", "ok", None),
        ]
    );
    f.five9.verify().await;
}

#[tokio::test]
async fn a_transfer_with_an_unknown_outcome_is_reconciled_not_repeated() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 1).await;
    // Applied, but the answer comes after the request timeout (2 s in tests).
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        ResponseTemplate::new(200).set_delay(Duration::from_secs(4)),
    )
    .await;
    // Read back, the call shows the consult.
    Mock::given(method("GET"))
        .and(path(format!(
            "{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": CALL, "state": "CONSULTING"})),
        )
        .expect(1)
        .mount(&f.five9)
        .await;

    f.caller_says(THREAT).await;
    let rows = f.wait(has("warm_transfer", "succeeded")).await;
    let steps = f.steps(&rows, "warm_transfer").await;
    assert!(
        steps.contains(&("transfer".into(), "unknown".into(), None)),
        "{steps:?}"
    );
    assert!(
        steps.contains(&("reconcile".into(), "ok".into(), None)),
        "{steps:?}"
    );
    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert_eq!(escalation.status, "consulting");
    f.five9.verify().await;
}

#[tokio::test]
async fn a_tiers_refused_consult_is_never_cold_transferred_it_becomes_a_callback() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 2).await;
    mount_transfer(
        &f.five9,
        "skill-supervisor",
        "WARM",
        five9_error(400, "Skill is not available for transfer"),
    )
    .await;
    // Five9 can consult, so a refused consult never becomes a cold dump.
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .and(body_partial_json(json!({"transferType": "COLD"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&f.five9)
        .await;
    mount_add_record(&f.five9, list_import_result(1, 0)).await;

    f.caller_says("Can I please speak to a manager").await;
    let rows = f
        .wait(|rows| {
            has("schedule_callback", "succeeded")(rows)
                && has("agent_guidance_callback", "succeeded")(rows)
        })
        .await;
    assert!(rows.iter().all(|a| a.kind != "blind_transfer"), "{rows:#?}");
    assert!(rows.iter().any(|a| a.kind == "alert_callback"), "{rows:#?}");
    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert_eq!(escalation.team, "supervisor");
    assert_eq!(escalation.status, "callback_scheduled");
    f.five9.verify().await;
}

#[tokio::test]
async fn self_harm_is_never_transferred_on_five9_a_supervisor_is_alerted_at_once() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 1).await;
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&f.five9)
        .await;

    f.caller_says("honestly I can't go on like this").await;
    let rows = f
        .wait(|rows| {
            has("agent_guidance", "succeeded")(rows)
                && has("alert_caller_at_risk", "succeeded")(rows)
        })
        .await;
    assert!(rows.iter().all(|a| a.kind != "schedule_callback"));
    let guidance: Value =
        serde_json::from_slice(&f.requests_to(&call_path("variables_2")).await[0].body).unwrap();
    assert!(
        guidance["Escalator.Guidance"]
            .as_str()
            .is_some_and(|g| g.contains("Stay on the line")),
        "{guidance}"
    );
    let escalation = &f.app.store.escalations(Vendor::Five9, CALL).await.unwrap()[0];
    assert_eq!(escalation.team, "welfare");
    assert_eq!(escalation.status, "needs_person");
    f.five9.verify().await;
}

#[tokio::test]
async fn an_agent_without_credentials_moves_the_chain_on_and_names_the_variable() {
    let f = start("someone.else@acme.example:pw").await;
    mount_add_record(&f.five9, list_import_result(0, 1)).await;

    f.caller_says(THREAT).await;
    let rows = f.wait(has("schedule_callback", "succeeded")).await;
    let warm = rows.iter().find(|a| a.kind == "warm_transfer").unwrap();
    assert_eq!(warm.status, "failed");
    let error = warm.last_error.as_deref().unwrap();
    assert!(error.contains(ENV_FIVE9_AGENT_CREDENTIALS), "{error}");
    assert!(!error.contains(AGENT), "{error}");
    // Nothing was asked of the Agent REST API; the record already on the list counts.
    assert!(f
        .requests_to(&format!("{REST}/auth/login"))
        .await
        .is_empty());
    let steps = f.steps(&rows, "schedule_callback").await;
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert_eq!(steps[1].0, "callback_log", "{steps:?}");
    assert!(steps[0].1 == "ok", "{steps:?}");
    f.five9.verify().await;
}

/// A legal threat whose consult Five9 refuses, ending in a callback record on the dialing
/// list: the service and the commitment it logged.
async fn callback_on_the_dialing_list() -> (Five9, escalator::store::CallbackRecord) {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    // The briefing, then what to tell the caller about the callback booked while they wait.
    mount_variables(&f.five9, 2).await;
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        five9_error(400, "Skill is not available for transfer"),
    )
    .await;
    mount_add_record(&f.five9, list_import_result(1, 0)).await;
    f.caller_says(THREAT).await;
    f.wait(|rows| {
        has("schedule_callback", "succeeded")(rows)
            && has("agent_guidance_callback", "succeeded")(rows)
    })
    .await;
    let cb = f.app.store.callbacks(1).await.unwrap().remove(0);
    (f, cb)
}

/// Five9's API cannot read a list record's outcome back; the campaign's call to the
/// callback number, seen through the Web Connector, is the platform's report of it.
#[tokio::test]
async fn the_dialers_call_to_the_callback_number_is_recorded_as_an_attempt_then_completed() {
    let (f, cb) = callback_on_the_dialing_list().await;
    assert_eq!(cb.held_by, "five9");
    let number = cb.number.clone().expect("callback number");
    let national = number.trim_start_matches("+1");

    // Another call from the same caller is not the callback; the campaign's outbound call
    // to the number is.
    let outbound = [
        ("call_id=300000000123456", "call_id=300000000777777"),
        (
            "ANI=4155550123&DNIS=8005550100",
            &format!("ANI=8005550100&DNIS={national}"),
        ),
        ("type_name=Inbound", "type_name=Outbound"),
        (
            "campaign_name=Inbound%20Support",
            "campaign_name=Escalator%20Callbacks",
        ),
    ];
    f.connector("accepted-inbound.form", &outbound).await;
    let dialled = f.app.store.callback(&cb.reference).await.unwrap().unwrap();
    assert_eq!(dialled.status, "attempted");
    assert_eq!(dialled.attempts, 1);
    assert_eq!(dialled.platform_call_id.as_deref(), Some("300000000777777"));

    let mut ended: Vec<(&str, &str)> = outbound.to_vec();
    ended.push((
        "disposition_name=%40Call.disposition_name%40",
        "disposition_name=Resolved",
    ));
    f.connector("disconnected.form", &ended).await;
    let done = f.app.store.callback(&cb.reference).await.unwrap().unwrap();
    assert_eq!(done.status, "completed");
    let history = f.app.store.callback_history(&cb.id).await.unwrap();
    let trail: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h.change.as_str(), h.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("created", "escalator"),
            ("attempted", "five9"),
            ("completed", "five9")
        ]
    );
    assert!(history[2].detail["notes"]
        .as_str()
        .unwrap()
        .contains("ended: Resolved"));

    // The same deliveries again change nothing.
    f.connector("disconnected.form", &ended).await;
    assert_eq!(f.app.store.callback_history(&cb.id).await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_unanswered_dialer_call_leaves_the_callback_owed() {
    let (f, cb) = callback_on_the_dialing_list().await;
    let national = cb
        .number
        .clone()
        .unwrap()
        .trim_start_matches("+1")
        .to_string();
    let dnis = format!("ANI=8005550100&DNIS={national}");
    let outbound = [
        ("call_id=300000000123456", "call_id=300000000888888"),
        ("ANI=4155550123&DNIS=8005550100", dnis.as_str()),
        ("type_name=Inbound", "type_name=Outbound"),
        (
            "disposition_name=%40Call.disposition_name%40",
            "disposition_name=No%20Answer",
        ),
    ];
    f.connector("accepted-inbound.form", &outbound).await;
    f.connector("disconnected.form", &outbound).await;
    let owed = f.app.store.callback(&cb.reference).await.unwrap().unwrap();
    assert_eq!(owed.status, "attempted");
    assert_eq!(
        owed.platform_status.as_deref(),
        Some("call 300000000888888 ended: No Answer")
    );
}

mod unknown_outcomes;
