//! Contract tests for the CloudTalk client: every call at its real host, path, method,
//! headers and body shape (shared/vendors/cloudtalk.md §2–§6), Basic auth on all three hosts,
//! the company rate limit, 5xx bursts and permanent errors.

use std::time::Duration;

use base64::Engine;
use escalator_adapters::cloudtalk::{
    Activity, ActivityType, AgentStatus, CallbackCommitment, CloudTalkClient, CloudTalkConfig,
    CloudTalkCredentials, CueCard, CueCardContent, NewContact, CALL_NOT_VISIBLE_WAIT,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Secret};
use serde_json::json;
use wiremock::matchers::{
    any, body_json, body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_ID: &str = "AKID7QW2TEST";
const KEY_SECRET: &str = "X05Dg4c331c3h61An-secret";
const UUID: &str = "44fe27cd-5268-4670-993e-01293c9f8833";
const CONTACT: &str = "1451646073";
const AGENT: &str = "493933";
const CALLER: &str = "+393513416607";

fn basic() -> String {
    let pair = format!("{KEY_ID}:{KEY_SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// Each host on its own path prefix of one mock server, so a request to the wrong host misses.
fn client_with(server: &MockServer, http: reqwest::Client) -> CloudTalkClient {
    let mut config = CloudTalkConfig::new(CloudTalkCredentials {
        key_id: KEY_ID.into(),
        key_secret: Secret::new(KEY_SECRET),
    });
    config.api_base = format!("{}/api/", server.uri());
    config.platform_base = format!("{}/platform/api", server.uri());
    config.analytics_base = format!("{}/analytics/api", server.uri());
    CloudTalkClient::new(http, config)
}

async fn setup() -> (MockServer, CloudTalkClient) {
    let server = MockServer::start().await;
    let client = client_with(&server, reqwest::Client::new());
    (server, client)
}

fn created(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .set_body_json(json!({"responseData": {"status": 201, "data": {"id": id}}}))
}

/// No error may show the key pair, in Display or Debug.
fn assert_clean(err: &CallError) {
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(KEY_SECRET), "{text}");
        assert!(!text.contains(&basic()), "{text}");
    }
}

fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-1042".into(),
        tier: "specialist".into(),
        reason: "legal threat".into(),
        rule_id: "hard-stop.legal".into(),
        quote: Some("I'm calling my lawyer".into()),
        utterance_id: None,
        caller_name: Some("Jane Doe".into()),
        verified: Some(true),
    }
}

#[tokio::test]
async fn every_host_gets_basic_auth_and_asks_for_json() {
    let (server, client) = setup().await;
    for (m, p) in [
        ("POST", "/platform/api/cuecards"),
        ("GET", "/api/agents/index.json"),
        ("GET", "/analytics/api/calls/1002226167"),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .and(header("authorization", basic().as_str()))
            .and(header("accept", "application/json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "success": true, "cdr_id": 1002226167, "responseData": {"data": []}})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    client.push_cue_card(&card).await.unwrap();
    assert_eq!(client.agent(AGENT).await.unwrap(), None);
    client.call_details("1002226167").await.unwrap();
}

#[tokio::test]
async fn cue_card_carries_the_briefing_and_the_instruction() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "call_uuid": UUID,
            "type": "blocks",
            "title": "Escalation ESC-1042: specialist",
            "subtitle": "legal threat",
            "content": [
                {"type": "richtext", "name": "What to do now",
                 "value": "<b>Warm-transfer to group Legal</b>"},
                {"type": "textfield", "name": "Reference", "value": "ESC-1042"},
                {"type": "textfield", "name": "Reason", "value": "legal threat"},
                {"type": "textfield", "name": "Tier", "value": "specialist"},
                {"type": "textfield", "name": "Caller's words", "value": "\"I'm calling my lawyer\""},
                {"type": "textfield", "name": "Caller", "value": "Jane Doe (verified)"}
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .and(body_json(json!({
            "call_uuid": UUID, "type": "html", "title": "Supervisor joining",
            "content": "<p>Stay on the line</p>"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    client.push_cue_card(&card).await.unwrap();
    let html = CueCard {
        call_uuid: UUID.into(),
        title: "Supervisor joining".into(),
        subtitle: None,
        icon_url: None,
        content: CueCardContent::Html("<p>Stay on the line</p>".into()),
    };
    client.push_cue_card(&html).await.unwrap();
}

#[tokio::test]
async fn cue_card_424_is_retried_until_the_call_is_visible() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .respond_with(ResponseTemplate::new(424).set_body_json(json!({
            "success": false, "errors": [format!("no such active call - call_uuid: {UUID}")]})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .with_priority(2)
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Conference the crisis team in");
    for _ in 0..2 {
        match client.push_cue_card(&card).await {
            Err(CallError::Retryable {
                status: 424,
                retry_after,
                message,
            }) => {
                assert_eq!(retry_after, Some(CALL_NOT_VISIBLE_WAIT));
                assert!(message.contains("no such active call"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    client.push_cue_card(&card).await.unwrap();
}

#[tokio::test]
async fn cue_card_validation_errors_are_permanent() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false, "errors": ["field validation for 'CallUUID' failed (required)"]})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // The other reading: a 200 that still says `success: false`.
    Mock::given(method("POST"))
        .and(path("/platform/api/cuecards"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": false, "errors": ["error processing cue card"]})))
        .with_priority(2)
        .mount(&server)
        .await;
    let card = CueCard::briefing(UUID, &briefing(), "Warm-transfer to group Legal");
    let err = client.push_cue_card(&card).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("field validation"));
    let err = client.push_cue_card(&card).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("error processing cue card"));
    assert_clean(&err);
}

#[tokio::test]
async fn contact_lookup_keeps_only_the_exact_number() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", CALLER))
        .and(query_param("limit", "50"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 2, "pageCount": 1, "pageNumber": 1, "limit": 50, "data": [
              {"Contact": {"id": "1451000001", "name": "Partial match"},
               "ContactNumber": {"public_number": 3935134166070u64}},
              {"Contact": {"id": CONTACT, "name": "Jane Doe", "company": "ACME"},
               "ContactNumber": {"public_number": 393513416607u64},
               "ContactEmail": {"email": "jane@example.com"}}
            ]}})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let found = client
        .find_contact_by_number(CALLER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, CONTACT);
    assert_eq!(found.name.as_deref(), Some("Jane Doe"));
    assert_eq!(found.numbers, vec![CALLER.to_string()]);
    // Any form of the number searches the E.164 form.
    let again = client
        .find_contact_by_number("0039 351 341 6607")
        .await
        .unwrap();
    assert_eq!(again.map(|c| c.id).as_deref(), Some(CONTACT));

    Mock::given(method("GET"))
        .and(path("/api/contacts/index.json"))
        .and(query_param("keyword", "15555550100"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 0, "pageCount": 0, "pageNumber": 1, "limit": 50, "data": []}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(client
        .find_contacts("15555550100")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn contact_is_created_with_its_number_and_tags() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Jane Doe",
            "ContactNumber": [{"public_number": CALLER}],
            "ContactsTag": [{"name": "escalated"}],
            "ExternalUrl": [{"name": "Escalator", "url": "https://esc.example/e/ESC-1042"}]
        })))
        .respond_with(created("12345"))
        .expect(1)
        .mount(&server)
        .await;
    let contact = NewContact {
        name: "Jane Doe".into(),
        number: "393513416607".into(),
        tags: vec!["escalated".into()],
        external_url: Some(("Escalator".into(), "https://esc.example/e/ESC-1042".into())),
    };
    assert_eq!(client.create_contact(&contact).await.unwrap(), "12345");
}

#[tokio::test]
async fn a_create_without_an_id_must_be_re_read() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/contacts/add.json"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"responseData": {"status": 201}})),
        )
        .mount(&server)
        .await;
    let contact = NewContact {
        name: "Jane Doe".into(),
        number: CALLER.into(),
        tags: vec![],
        external_url: None,
    };
    assert!(matches!(
        client.create_contact(&contact).await,
        Err(CallError::Transport(_))
    ));
}

#[tokio::test]
async fn notes_are_added_and_read_back_by_reference() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{CONTACT}.json")))
        .and(body_json(json!({
            "note": "ESC-1042: escalated to legal (lawyer mentioned)", "user_id": 493933})))
        .respond_with(created("2088635"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/notes/index.json"))
        .and(query_param("contact_id", CONTACT))
        .and(query_param("keyword", "ESC-1042"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1000, "data": [
              {"ContactNote": {"id": "2088635", "contact_id": CONTACT, "user_id": "493933",
                "note": "ESC-1042: escalated to legal (lawyer mentioned)",
                "created": "2026-03-02T13:00:00.000Z"}}]}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let id = client
        .add_note(
            CONTACT,
            "ESC-1042: escalated to legal (lawyer mentioned)",
            Some(AGENT),
        )
        .await
        .unwrap();
    assert_eq!(id, "2088635");
    let notes = client.notes(CONTACT, Some("ESC-1042")).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].user_id.as_deref(), Some(AGENT));
}

#[tokio::test]
async fn tags_are_added_and_removed() {
    let (server, client) = setup().await;
    let answer = |message: &str| {
        ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "status": 200, "message": message,
            "data": {"tags": [{"id": "123", "name": "Legal"}, {"id": "456", "name": "callback-legal"}],
                     "contact_id": CONTACT}}}))
    };
    Mock::given(method("PUT"))
        .and(path(format!("/api/contacts/addTags/{CONTACT}.json")))
        .and(body_json(json!({"tags": ["Legal", "callback-legal"]})))
        .respond_with(answer("Tags were sucessfully added."))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/api/contacts/removeTags/{CONTACT}.json")))
        .and(body_json(json!({"tags": ["callback-legal"]})))
        .respond_with(answer("Tags were successfully removed."))
        .expect(1)
        .mount(&server)
        .await;
    let tags = client
        .add_tags(CONTACT, &["Legal".into(), " callback-legal ".into()])
        .await
        .unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].id.as_deref(), Some("123"));
    assert_eq!(tags[0].name, "Legal");
    client
        .remove_tags(CONTACT, &["callback-legal".into()])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_named_callback_is_a_task_activity() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/activity/add/{CONTACT}.json")))
        .and(body_partial_json(json!({
            "type": "task",
            "name": "Callback ESC-1042: legal (Sam Legal)",
            "activity_date": "2026-03-02T14:00:00.000Z",
            "activity_author": "Escalator",
            "external_url": "https://esc.example/callbacks/ESC-1042"
        })))
        .respond_with(created("777"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/activity/index.json"))
        .and(query_param("contact_id", CONTACT))
        .and(query_param("type", "task"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1000, "data": [
              {"ContactActivity": {"id": "777", "contact_id": CONTACT, "type": "task",
                "name": "Callback ESC-1042: legal (Sam Legal)",
                "activity_date": "2026-03-02T14:00:00.000Z"}}]}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let commitment = CallbackCommitment {
        briefing: briefing(),
        owner: "Sam Legal".into(),
        team: "legal".into(),
        number: CALLER.into(),
        window_start: "2026-03-02T14:00:00Z".parse().unwrap(),
        window_end: "2026-03-02T15:00:00Z".parse().unwrap(),
        time_zone: Some("Europe/Rome".into()),
        link: Some("https://esc.example/callbacks/ESC-1042".into()),
    };
    let activity = Activity::callback_task(&commitment);
    assert_eq!(
        client.add_activity(CONTACT, &activity).await.unwrap(),
        "777"
    );
    let found = client
        .activities(CONTACT, Some(ActivityType::Task))
        .await
        .unwrap();
    assert!(found[0].name.contains("ESC-1042"));
}

#[tokio::test]
async fn click_to_call_and_its_documented_refusals() {
    let (server, client) = setup().await;
    let create = || {
        Mock::given(method("POST"))
            .and(path("/api/calls/create.json"))
            .and(body_json(
                json!({"agent_id": 493933, "callee_number": CALLER}),
            ))
    };
    create()
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {"status": 200}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    create()
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"responseData": {
            "status": 403, "message": "Agent is not online."}})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    create()
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"responseData": {
            "status": 409, "message": "Agent is already calling."}})),
        )
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&server)
        .await;
    // The other reading of the envelope: HTTP 200, the refusal only in `responseData.status`.
    create()
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "status": 403, "message": "Agent is not online."}})),
        )
        .with_priority(4)
        .mount(&server)
        .await;
    client.click_to_call(AGENT, "393513416607").await.unwrap();
    for expected in [
        (403, "Agent is not online."),
        (409, "Agent is already calling."),
        (403, "Agent is not online."),
    ] {
        match client.click_to_call(AGENT, CALLER).await {
            Err(CallError::Permanent { status, message }) => {
                assert_eq!((status, message.as_str()), expected)
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn agent_availability_is_read() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/agents/index.json"))
        .and(query_param("id", AGENT))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 1, "pageCount": 1, "pageNumber": 1, "limit": 1, "data": [
              {"Agent": {"id": AGENT, "firstname": "Sam", "lastname": "Legal",
                "email": "sam@example.com", "availability_status": "online",
                "extension": "1001", "default_number": "+40312296109"}}]}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/agents/index.json"))
        .and(query_param_is_missing("id"))
        .and(query_param("page", "2"))
        .and(query_param("limit", "1000"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "itemsCount": 1002, "pageCount": 2, "pageNumber": 2, "limit": 1000, "data": [
              {"Agent": {"id": 1, "availability_status": "calling"}},
              {"Agent": {"id": "2", "availability_status": "paused"}}]}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let agent = client.agent(AGENT).await.unwrap().unwrap();
    assert!(agent.is_online());
    assert_eq!(agent.extension.as_deref(), Some("1001"));
    let page = client.agents(2).await.unwrap();
    assert_eq!((page.page_number, page.page_count), (2, 2));
    assert_eq!(page.agents[0].status, Some(AgentStatus::Calling));
    assert!(!page.agents[0].is_online());
    assert_eq!(page.agents[1].status, Some(AgentStatus::Paused));
}

#[tokio::test]
async fn call_details_map_the_cdr_to_the_live_uuid() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/analytics/api/calls/1002226167"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "cdr_id": 1002226167, "uuid": UUID, "direction": "incoming",
            "type": "regular", "status": "answered",
            "call_tags": [{"id": 5, "label": "Legal"}], "notes": ["lawyer mentioned"]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/analytics/api/calls/1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "statusCode": 404, "message": "Call with id '1' doesn't exist on company '100123'",
            "error": "Not Found"})))
        .mount(&server)
        .await;
    let d = client.call_details("1002226167").await.unwrap();
    assert_eq!(d.uuid.as_deref(), Some(UUID));
    assert_eq!(d.tags, vec!["Legal"]);
    assert_eq!(d.notes, vec!["lawyer mentioned"]);
    let err = client.call_details("1").await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("doesn't exist"));
}

#[tokio::test]
async fn rate_limit_429_with_and_without_retry_after() {
    let (server, client) = setup().await;
    let reset = jiff::Timestamp::now().as_second() + 30;
    let limited = || {
        ResponseTemplate::new(429)
            .insert_header("X-CloudTalkAPI-Limit", "60")
            .insert_header("X-CloudTalkAPI-Remaining", "0")
            .set_body_json(json!({"responseData": {"status": 429, "message": "Too Many Requests"}}))
    };
    Mock::given(path("/api/agents/index.json"))
        .respond_with(limited().insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/agents/index.json"))
        .respond_with(
            limited().insert_header("X-CloudTalkAPI-ResetTime", reset.to_string().as_str()),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/agents/index.json"))
        .respond_with(ResponseTemplate::new(429))
        .with_priority(3)
        .mount(&server)
        .await;

    match client.agent(AGENT).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(d),
            message,
        }) => {
            assert_eq!(d, Duration::from_secs(7));
            assert_eq!(message, "Too Many Requests");
        }
        other => panic!("{other:?}"),
    }
    match client.agent(AGENT).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(d),
            ..
        }) => assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    let seen = client.rate_limit().unwrap();
    assert_eq!((seen.limit, seen.remaining), (Some(60), Some(0)));
    assert_eq!(seen.reset_at.map(|t| t.as_second()), Some(reset));
    // Neither header: the dispatcher's own backoff applies.
    let err = client.agent(AGENT).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Retryable {
            status: 429,
            retry_after: None,
            message: String::new()
        }
    );
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_then_succeeds() {
    let (server, client) = setup().await;
    let tags_path = format!("/api/contacts/addTags/{CONTACT}.json");
    Mock::given(method("PUT"))
        .and(path(tags_path.clone()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(tags_path.clone()))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({"responseData": {
            "status": 500, "message": "Something went wrong."}})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(tags_path))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responseData": {
            "status": 200, "data": {"tags": [{"id": "1", "name": "Legal"}]}}})),
        )
        .with_priority(3)
        .mount(&server)
        .await;
    let tags = ["Legal".to_string()];
    for status in [503, 503, 500] {
        match client.add_tags(CONTACT, &tags).await {
            Err(CallError::Retryable {
                status: s,
                retry_after: None,
                ..
            }) => assert_eq!(s, status),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(client.add_tags(CONTACT, &tags).await.unwrap().len(), 1);
}

#[tokio::test]
async fn rejected_key_pair_and_other_4xx_are_permanent_without_secrets() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{CONTACT}.json")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"responseData": {
            "status": 401, "message": "Unauthorized action"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/notes/add/{CONTACT}.json")))
        .respond_with(
            ResponseTemplate::new(406).set_body_json(json!({"responseData": {
            "status": 406, "message": "Invalid input data.",
            "data": {"note": ["This field is required."]}}})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let err = client.add_note(CONTACT, "ESC-1", None).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Unauthorized action"));
    assert_clean(&err);
    let err = client.add_note(CONTACT, "ESC-1", None).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 406, .. }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("Invalid input data.; note: This field is required."));
    assert_clean(&err);
}

#[tokio::test]
async fn what_cannot_be_built_is_never_sent() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let errors = [
        client.add_note("12/../34", "x", None).await.unwrap_err(),
        client
            .add_note(CONTACT, "x", Some("sam"))
            .await
            .unwrap_err(),
        client.add_tags(CONTACT, &[" ".into()]).await.unwrap_err(),
        client.click_to_call(AGENT, "anonymous").await.unwrap_err(),
        client.click_to_call("agent-1", CALLER).await.unwrap_err(),
        client.call_details("abc").await.unwrap_err(),
        client.find_contact_by_number("123").await.unwrap_err(),
        client
            .push_cue_card(&CueCard::briefing("", &briefing(), "x"))
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, CallError::Unactionable(_)), "{err:?}");
        assert_clean(err);
    }
}

#[tokio::test]
async fn a_timeout_after_sending_is_transport() {
    let server = MockServer::start().await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = client_with(&server, http);
    Mock::given(method("POST"))
        .and(path("/api/calls/create.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"responseData": {"status": 200}}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let err = client.click_to_call(AGENT, CALLER).await.unwrap_err();
    assert_eq!(err, CallError::Transport("timed out".into()));
    assert_clean(&err);
}
