//! Acting on CloudTalk, end to end: the call comes from CloudTalk's own intake events, the
//! hard-stop from the neutral feed (CloudTalk has no live transcript), and CloudTalk's two
//! hosts are wiremock servers answering at their real paths: `my.cloudtalk.io/api/...`
//! (contacts, notes, tags, activities) and `platform-api.cloudtalk.io/api/cuecards`.

use std::time::Duration;

use escalator::config::{ENV_CLOUDTALK_API_KEY_ID, ENV_CLOUDTALK_API_KEY_SECRET};
use escalator::store::ActionRow;
use escalator_adapters::Vendor;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::*;

const UUID: &str = "44fe27cd-5268-4670-993e-01293c9f8833";
const CONTACT: &str = "1451646073";
const NEW_CONTACT: &str = "12345";
const KEY_ID: &str = "AKID7QW2TEST";
const KEY_SECRET: &str = "X05Dg4c331c3h61An-secret";
const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const CUECARDS: &str = "/api/cuecards";

/// CloudTalk's two hosts Escalator writes to.
struct CloudTalk {
    api: MockServer,
    platform: MockServer,
}

impl CloudTalk {
    async fn start() -> Self {
        Self {
            api: MockServer::start().await,
            platform: MockServer::start().await,
        }
    }

    async fn verify(&self) {
        self.api.verify().await;
        self.platform.verify().await;
    }

    /// The Cue Cards pushed, as JSON bodies.
    async fn cards(&self) -> Vec<Value> {
        bodies(&self.platform, "POST", CUECARDS).await
    }
}

/// `Authorization: Basic` for the key pair (base64 written out: the test binary has no
/// base64 crate of its own).
fn basic() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{KEY_ID}:{KEY_SECRET}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

async fn spawn(ct: &CloudTalk, alerts: Option<&MockServer>) -> TestApp {
    let mut api_secrets = vec![
        (ENV_CLOUDTALK_API_KEY_ID, KEY_ID.to_string()),
        (ENV_CLOUDTALK_API_KEY_SECRET, KEY_SECRET.to_string()),
    ];
    if let Some(a) = alerts {
        api_secrets.push(alert_webhook_secret(a));
    }
    let api = format!("{}/api", ct.api.uri());
    let platform = format!("{}/api", ct.platform.uri());
    spawn_app_with(Options {
        api_secrets,
        configure: Some(Box::new(move |c| {
            c.vendors.cloudtalk.api.api_base = Some(api);
            c.vendors.cloudtalk.api.platform_base = Some(platform);
        })),
        ..Options::default()
    })
    .await
}

/// A CloudTalk Workflow Automation delivery for the call, from the fixture, with the
/// caller's number and whether CloudTalk knew the contact.
async fn intake(app: &TestApp, fixture: &str, contact_known: bool) {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/cloudtalk/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut body: Value = serde_json::from_str(&text).expect("fixture JSON");
    body["escalator_secret"] = json!(SECRET);
    // As CloudTalk sends numbers: digits, no `+`.
    body["external_number"] = json!(CALLER.trim_start_matches('+').parse::<u64>().unwrap());
    if !contact_known {
        body["contact_id"] = Value::Null;
    }
    let r = app.post("/webhooks/cloudtalk", &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// The caller says `text`; returns the escalation's reference.
async fn caller_says(app: &TestApp, utterance: &str, text: &str) -> String {
    let r = app
        .post_caller_said(Vendor::Cloudtalk, UUID, utterance, text)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"][0]["outcome"], "escalated", "{body}");
    body["events"][0]["reference"]
        .as_str()
        .expect("reference")
        .to_string()
}

async fn mount_cue_card(ct: &CloudTalk, status: u16, expect: u64) {
    let body = if status == 200 {
        json!({"success": true})
    } else {
        json!({"success": false, "errors": ["field validation for 'CallUUID' failed"]})
    };
    Mock::given(method("POST"))
        .and(path(CUECARDS))
        .and(header("authorization", basic().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(
            json!({"call_uuid": UUID, "type": "blocks"}),
        ))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(expect)
        .mount(&ct.platform)
        .await;
}

fn created(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .set_body_json(json!({"responseData": {"status": 201, "data": {"id": id}}}))
}

fn no_contacts() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"responseData": {
        "itemsCount": 0, "pageCount": 0, "pageNumber": 1, "limit": 50, "data": []}}))
}

fn the_contact(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"responseData": {
    "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 50, "data": [
      {"Contact": {"id": id, "name": "Jana Kováčová"},
       "ContactNumber": {"public_number": CALLER.trim_start_matches('+').parse::<u64>().unwrap()}}
    ]}}))
}

async fn mount_tags(ct: &CloudTalk, contact: &str, expect: u64) {
    Mock::given(method("PUT"))
        .and(path(format!("/api/contacts/addTags/{contact}.json")))
        .and(header("authorization", basic().as_str()))
        .and(body_json(json!({"tags": ["escalation", "escalation-legal"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "status": 200, "message": "Tags were sucessfully added.",
            "data": {"tags": [{"id": "1", "name": "escalation"}, {"id": "2", "name": "escalation-legal"}],
                     "contact_id": contact}}})))
        .expect(expect)
        .mount(&ct.api)
        .await;
}

async fn mount_task(ct: &CloudTalk, contact: &str, response: ResponseTemplate, expect: u64) {
    Mock::given(method("PUT"))
        .and(path(format!("/api/activity/add/{contact}.json")))
        .and(header("authorization", basic().as_str()))
        .and(body_partial_json(
            json!({"type": "task", "activity_author": "Escalator"}),
        ))
        .respond_with(response)
        .expect(expect)
        .mount(&ct.api)
        .await;
}

async fn bodies(server: &MockServer, verb: &str, p: &str) -> Vec<Value> {
    requests(server, verb, p)
        .await
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn block<'a>(card: &'a Value, name: &str) -> &'a str {
    card["content"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["name"] == name))
        .and_then(|b| b["value"].as_str())
        .unwrap_or_else(|| panic!("no {name} block in {card}"))
}

fn done(kind: &'static str) -> impl Fn(&[ActionRow]) -> bool {
    move |rows| {
        rows.iter()
            .any(|a| a.kind == kind && a.status == "succeeded")
    }
}

/// The action of `kind` was carried out or given up on.
fn tried(kind: &'static str) -> impl Fn(&[ActionRow]) -> bool {
    move |rows| {
        rows.iter()
            .any(|a| a.kind == kind && matches!(a.status.as_str(), "succeeded" | "failed" | "dead"))
    }
}

async fn steps_of(app: &TestApp, rows: &[ActionRow], kind: &str) -> Vec<(i64, String, String)> {
    let action = rows.iter().find(|a| a.kind == kind).expect(kind);
    app.store
        .attempts(action.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.attempt, a.step, a.outcome))
        .collect()
}

#[tokio::test]
async fn a_legal_threat_puts_the_briefing_and_the_transfer_instruction_on_a_cue_card() {
    let ct = CloudTalk::start().await;
    let app = spawn(&ct, None).await;
    mount_cue_card(&ct, 200, 1).await;

    intake(&app, "answered.json", true).await;
    let reference = caller_says(&app, "utt-1", THREAT).await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, done("assisted_transfer"))
        .await;
    assert_eq!(rows.len(), 1, "{rows:#?}");

    let cards = ct.cards().await;
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!(card["title"], format!("Escalation {reference}: specialist"));
    assert_eq!(block(card, "Caller's words"), format!("\"{THREAT}\""));
    assert_eq!(block(card, "Reference"), reference);
    let todo = block(card, "What to do now");
    assert!(
        todo.contains("Warm-transfer this call to group ct-legal"),
        "{todo}"
    );
    assert!(todo.contains(&reference), "{todo}");
    assert!(block(card, "Caller").starts_with("Jana Kov"), "{card}");

    let escalation = &app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "transfer_requested");
    // Nothing was written to the contact: the agent has the call.
    assert!(ct.api.received_requests().await.unwrap().is_empty());
    ct.verify().await;
}

#[tokio::test]
async fn a_refused_cue_card_moves_on_to_the_commitment_on_the_contact() {
    let ct = CloudTalk::start().await;
    let app = spawn(&ct, None).await;
    mount_cue_card(&ct, 400, 1).await;
    // An unknown caller: not found under either reading of the number, so created.
    for keyword in [CALLER, CALLER.trim_start_matches('+')] {
        Mock::given(method("GET"))
            .and(path("/api/contacts/index.json"))
            .and(header("authorization", basic().as_str()))
            .and(header("accept", "application/json"))
            .and(query_param("keyword", keyword))
            .respond_with(no_contacts())
            .expect(1)
            .mount(&ct.api)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .and(body_json(json!({
            "name": CALLER, "ContactNumber": [{"public_number": CALLER}]})))
        .respond_with(created(NEW_CONTACT))
        .expect(1)
        .mount(&ct.api)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{NEW_CONTACT}.json")))
        .respond_with(created("2088635"))
        .expect(1)
        .mount(&ct.api)
        .await;
    mount_tags(&ct, NEW_CONTACT, 1).await;
    mount_task(&ct, NEW_CONTACT, created("777"), 1).await;

    // Ringing, no agent yet: the routing hook is tried (1 s) before the commitment.
    intake(&app, "call-started.json", false).await;
    let reference = caller_says(&app, "utt-1", THREAT).await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, done("schedule_callback"))
        .await;
    let status = |kind: &str| {
        rows.iter()
            .find(|a| a.kind == kind)
            .map(|a| a.status.clone())
    };
    assert_eq!(status("assisted_transfer").as_deref(), Some("failed"));
    assert_eq!(status("route_on_hook").as_deref(), Some("failed"));

    let escalation = &app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    let steps: Vec<String> = app
        .store
        .steps(&escalation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.step)
        .collect();
    let at = |step: &str| steps.iter().position(|s| s == step).expect(step);
    assert!(at("assisted_transfer_failed") < at("route_on_hook_failed"));
    assert!(at("route_on_hook_failed") < at("schedule_callback_succeeded"));
    let commitment: Vec<String> = steps_of(&app, &rows, "schedule_callback")
        .await
        .into_iter()
        .map(|(_, step, outcome)| format!("{step}:{outcome}"))
        .collect();
    assert_eq!(
        commitment,
        [
            "create_contact:ok",
            "note:ok",
            "tags:ok",
            "task:ok",
            "callback_log:ok"
        ],
        "{commitment:?}"
    );

    let notes = bodies(
        &ct.api,
        "PUT",
        &format!("/api/notes/add/{NEW_CONTACT}.json"),
    )
    .await;
    let note = notes[0]["note"].as_str().unwrap();
    assert!(
        note.starts_with(&format!(
            "Escalation {reference}: specialist (legal_threat)"
        )),
        "{note}"
    );
    assert!(
        note.contains(&format!("Caller's words: \"{THREAT}\"")),
        "{note}"
    );
    assert!(note.contains("Owner of legal"), "{note}");
    let tasks = bodies(
        &ct.api,
        "PUT",
        &format!("/api/activity/add/{NEW_CONTACT}.json"),
    )
    .await;
    assert_eq!(
        tasks[0]["name"],
        format!("Callback {reference}: legal (Owner of legal)")
    );
    assert!(tasks[0]["activity_date"]
        .as_str()
        .unwrap()
        .ends_with(".000Z"));
    assert!(tasks[0]["description"].as_str().unwrap().contains(THREAT));
    ct.verify().await;
}

#[tokio::test]
async fn when_every_cloudtalk_action_fails_a_named_callback_is_logged_and_a_supervisor_alerted() {
    let ct = CloudTalk::start().await;
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn(&ct, Some(&alerts)).await;
    // The transfer instruction, then (refused as well) what to tell the caller about the callback.
    mount_cue_card(&ct, 403, 2).await;
    // The contact CloudTalk named on the call refuses the note: the key lacks the right.
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{CONTACT}.json")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "responseData": {"status": 403, "message": "Forbidden"}})))
        .expect(1)
        .mount(&ct.api)
        .await;

    intake(&app, "answered.json", true).await;
    let reference = caller_says(&app, "utt-1", THREAT).await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, |rows| {
            done("named_callback")(rows)
                && done("alert_chain_exhausted")(rows)
                && tried("agent_guidance_callback")(rows)
        })
        .await;
    for kind in ["assisted_transfer", "schedule_callback"] {
        let a = rows.iter().find(|a| a.kind == kind).expect(kind);
        assert_eq!(a.status, "failed", "{kind}: {a:#?}");
    }
    // The agent has the call, so no flow will ask the routing hook: that link is skipped.
    assert!(rows.iter().all(|a| a.kind != "route_on_hook"), "{rows:#?}");

    let escalation = &app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_promised");
    let callbacks = app.store.callbacks(10).await.unwrap();
    assert_eq!(callbacks.len(), 1);
    let cb = &callbacks[0];
    assert_eq!(cb.reference, reference);
    assert_eq!(cb.team, "legal");
    assert_eq!(cb.owner.as_deref(), Some("Owner of legal"));
    assert_eq!(cb.number.as_deref(), Some(CALLER));

    let received = alerts_received(&alerts).await;
    let exhausted = received
        .iter()
        .find(|a| a["escalator"]["reason"] == "chain_exhausted")
        .expect("chain-exhausted alert");
    assert_eq!(exhausted["escalator"]["urgency"], "immediate");
    assert_eq!(exhausted["escalator"]["quote"], THREAT);
    assert!(exhausted["text"].as_str().unwrap().contains(&reference));
    ct.verify().await;
}

#[tokio::test]
async fn a_call_cloudtalk_cannot_see_yet_gets_its_cue_card_once_it_can() {
    let ct = CloudTalk::start().await;
    let app = spawn(&ct, None).await;
    Mock::given(method("POST"))
        .and(path(CUECARDS))
        .respond_with(ResponseTemplate::new(424).set_body_json(json!({
            "success": false, "errors": [format!("no such active call - call_uuid: {UUID}")]})))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&ct.platform)
        .await;
    mount_cue_card(&ct, 200, 1).await;

    intake(&app, "answered.json", true).await;
    caller_says(&app, "utt-1", THREAT).await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, done("assisted_transfer"))
        .await;
    assert_eq!(
        steps_of(&app, &rows, "assisted_transfer").await,
        [
            (1, "cue_card".into(), "retryable".into()),
            (2, "cue_card".into(), "retryable".into()),
            (3, "cue_card".into(), "ok".into())
        ]
    );
    ct.verify().await;
}

#[tokio::test]
async fn a_rate_limited_note_and_a_failing_tag_write_are_each_applied_once() {
    let ct = CloudTalk::start().await;
    let app = spawn(&ct, None).await;
    // The transfer instruction, then (refused as well) what to tell the caller about the callback.
    mount_cue_card(&ct, 400, 2).await;
    let note_path = format!("/api/notes/add/{CONTACT}.json");
    let reset = jiff::Timestamp::now().as_second() + 1;
    Mock::given(method("PUT"))
        .and(path(note_path.clone()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .insert_header("X-CloudTalkAPI-Limit", "60")
                .insert_header("X-CloudTalkAPI-Remaining", "0")
                .insert_header("X-CloudTalkAPI-ResetTime", reset.to_string().as_str())
                .set_body_json(
                    json!({"responseData": {"status": 429, "message": "Too Many Requests"}}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&ct.api)
        .await;
    Mock::given(method("PUT"))
        .and(path(note_path.clone()))
        .respond_with(created("2088635"))
        .expect(1)
        .mount(&ct.api)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/contacts/addTags/{CONTACT}.json")))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "responseData": {"status": 503, "message": "Service Unavailable"}})))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&ct.api)
        .await;
    mount_tags(&ct, CONTACT, 1).await;
    mount_task(&ct, CONTACT, created("777"), 1).await;

    intake(&app, "answered.json", true).await;
    caller_says(&app, "utt-1", THREAT).await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, |rows| {
            done("schedule_callback")(rows) && tried("agent_guidance_callback")(rows)
        })
        .await;
    let steps: Vec<String> = steps_of(&app, &rows, "schedule_callback")
        .await
        .into_iter()
        .map(|(n, step, outcome)| format!("{n}:{step}:{outcome}"))
        .collect();
    assert_eq!(
        steps,
        [
            "1:contact:ok",
            "1:note:retryable",
            "2:note:ok",
            "2:tags:retryable",
            "3:tags:ok",
            "3:task:ok",
            "3:callback_log:ok"
        ],
        "{steps:?}"
    );
    // The 429's wait was honoured: the note was not sent again within Retry-After.
    let notes = requests(&ct.api, "PUT", &note_path).await;
    assert_eq!(notes.len(), 2);
    ct.verify().await;
}

#[tokio::test]
async fn creates_with_an_unknown_outcome_are_looked_up_not_repeated() {
    let ct = CloudTalk::start().await;
    let app = spawn(&ct, None).await;
    mount_cue_card(&ct, 400, 1).await;
    // The first search finds nothing; once the (slow) create went through, it finds it.
    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", CALLER))
        .respond_with(no_contacts())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&ct.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", CALLER))
        .respond_with(the_contact(NEW_CONTACT))
        .mount(&ct.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", CALLER.trim_start_matches('+')))
        .respond_with(no_contacts())
        .mount(&ct.api)
        .await;
    // Both creates are applied, but their answers come after the client has given up.
    let slow = |id: &str| created(id).set_delay(Duration::from_secs(3));
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .respond_with(slow(NEW_CONTACT))
        .expect(1)
        .mount(&ct.api)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{NEW_CONTACT}.json")))
        .respond_with(created("2088635"))
        .expect(1)
        .mount(&ct.api)
        .await;
    mount_tags(&ct, NEW_CONTACT, 1).await;
    mount_task(&ct, NEW_CONTACT, slow("777"), 1).await;

    intake(&app, "call-started.json", false).await;
    let reference = caller_says(&app, "utt-1", THREAT).await;
    // What CloudTalk lists once the task exists: found by the reference in its name.
    Mock::given(method("GET"))
        .and(path("/api/activity/index.json"))
        .and(query_param("contact_id", NEW_CONTACT))
        .and(query_param("type", "task"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1000, "data": [
              {"ContactActivity": {"id": "777", "contact_id": NEW_CONTACT, "type": "task",
                "name": format!("Callback {reference}: legal (Owner of legal)")}}]}})),
        )
        .expect(1)
        .mount(&ct.api)
        .await;

    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, done("schedule_callback"))
        .await;
    let steps: Vec<String> = steps_of(&app, &rows, "schedule_callback")
        .await
        .into_iter()
        .map(|(_, step, outcome)| format!("{step}:{outcome}"))
        .collect();
    assert_eq!(
        steps,
        [
            "create_contact:unknown",
            "reconcile:ok",
            "note:ok",
            "tags:ok",
            "task:unknown",
            "reconcile:ok",
            "callback_log:ok"
        ],
        "{steps:?}"
    );
    let escalation = &app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "callback_scheduled");
    ct.verify().await;
}

#[tokio::test]
async fn self_harm_asks_the_agent_to_conference_the_team_in_and_alerts_a_supervisor_at_once() {
    let ct = CloudTalk::start().await;
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn(&ct, Some(&alerts)).await;
    // The guidance card and the conference card.
    mount_cue_card(&ct, 200, 2).await;

    intake(&app, "answered.json", true).await;
    let reference = caller_says(&app, "utt-5", "I want to kill myself").await;
    let rows = app
        .wait_for_actions_on(Vendor::Cloudtalk, UUID, |rows| {
            done("assisted_transfer")(rows) && done("agent_guidance")(rows)
        })
        .await;
    assert!(rows
        .iter()
        .all(|a| a.kind != "route_on_hook" && a.kind != "schedule_callback"));

    let cards = ct.cards().await;
    let conference = cards
        .iter()
        .find(|c| c["title"] == format!("Escalation {reference}: specialist"))
        .unwrap_or_else(|| panic!("{cards:#?}"));
    let todo = block(conference, "What to do now");
    assert!(todo.contains("Do not put the caller on hold"), "{todo}");
    assert!(todo.contains("Conference group ct-welfare"), "{todo}");
    assert!(cards
        .iter()
        .any(|c| c["title"] == "Escalator: guidance for this call"));

    let received = alerts_received(&alerts).await;
    let at_risk = received
        .iter()
        .find(|a| a["escalator"]["reason"] == "caller_at_risk")
        .expect("caller-at-risk alert");
    assert_eq!(at_risk["escalator"]["urgency"], "immediate");
    assert_eq!(at_risk["escalator"]["team"], "welfare");
    assert!(at_risk["text"]
        .as_str()
        .unwrap()
        .contains("asked to conference team welfare in"));
    let escalation = &app
        .store
        .escalations(Vendor::Cloudtalk, UUID)
        .await
        .unwrap()[0];
    assert_eq!(escalation.status, "transfer_requested");
    ct.verify().await;
}
