//! Contract tests for the Talkdesk client: every call at its real path, method, headers and
//! body shape (shared/vendors/talkdesk.md §3–§7), OAuth client credentials with caching,
//! refresh and re-login after a 401, rate limits, 5xx bursts and permanent errors.

use std::time::Duration;

use base64::Engine;
use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    registration_requests, subscriptions, AssignType, Assignment, CallbackChange, CallbackQuery,
    CallbackStatus, CustomFields, DirectCallback, PatchPaths, Region, ScheduledCallbackRequest,
    TalkdeskClient, TalkdeskConfig, TalkdeskCredentials, DEFAULT_SCOPES, TOKEN_PLACEHOLDER,
};
use escalator_adapters::{Briefing, Destination, Secret, Target};
use jiff::Timestamp;
use serde_json::json;
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "td-client-7f3a";
const CLIENT_SECRET: &str = "td-secret-Q9x2LmW";
const TOKEN: &str = "eyJ-talkdesk-access-token";
const INTERACTION: &str = "e4742002f9dc421d92c0395ad9888364";
const OUR_NUMBER: &str = "+18005550100";
const CALLER: &str = "+14155550123";
const CALLBACK: &str = "cb-61935f5904147e334756017d";
const WEBHOOK_SECRET: &str = "whk-secret-55aa";

fn basic() -> String {
    let pair = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn config(server: &MockServer) -> TalkdeskConfig {
    let mut config = TalkdeskConfig::new(
        Region::Us,
        "acme",
        TalkdeskCredentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
    )
    .unwrap();
    // The API on the server root, the identity host under its own prefix, so a request to
    // the wrong host misses.
    config.api_base = format!("{}/", server.uri());
    config.token_url = format!("{}/id/oauth/token", server.uri());
    config
}

fn client(server: &MockServer) -> TalkdeskClient {
    TalkdeskClient::new(reqwest::Client::new(), config(server))
}

fn token_reply(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": expires_in,
        "scope": DEFAULT_SCOPES.join(" ")}))
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(token_reply(TOKEN, 3600))
        .mount(server)
        .await;
}

async fn setup() -> (MockServer, TalkdeskClient) {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let c = client(&server);
    (server, c)
}

fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-XWP5-HYWS".into(),
        tier: "specialist".into(),
        reason: "legal threat".into(),
        rule_id: "hard-stop.legal".into(),
        quote: Some("I'm going to call my lawyer about this".into()),
        utterance_id: None,
        caller_name: Some("Dana Reyes".into()),
        verified: Some(true),
    }
}

fn target(destination: Destination) -> Target {
    Target {
        team: "legal".into(),
        destination,
    }
}

fn at() -> Timestamp {
    "2026-03-25T15:30:00Z".parse().unwrap()
}

/// No error may show a credential, in Display or Debug.
fn assert_clean(err: &CallError) {
    for text in [format!("{err}"), format!("{err:?}")] {
        for secret in [CLIENT_SECRET, TOKEN, WEBHOOK_SECRET, &basic()] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

// --- authentication -------------------------------------------------------------------

#[tokio::test]
async fn token_is_fetched_with_basic_auth_and_scopes_then_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .and(header("authorization", basic().as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "scope=callback%3Awrite+schedule-callbacks%3Awrite+schedule-callbacks%3Aread+webhooks-trigger%3Awrite",
        ))
        .respond_with(token_reply(TOKEN, 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
}

#[tokio::test]
async fn empty_scopes_send_no_scope_parameter() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(token_reply(TOKEN, 3600))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.scopes.clear();
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    c.cancel_scheduled_callback(CALLBACK).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    assert_eq!(body, "grant_type=client_credentials");
}

#[tokio::test]
async fn short_lived_token_is_refreshed_before_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        // A 1-second token is refreshed after half its life.
        .respond_with(token_reply(TOKEN, 1))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"callback_id": CALLBACK})))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    c.scheduled_callback(CALLBACK).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.scheduled_callback(CALLBACK).await.unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_next_call_logs_in_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(token_reply("revoked-token", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(token_reply(TOKEN, 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", "Bearer revoked-token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "1002", "message": "Invalid token: revoked-token"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    let err = c.request_callback(&cb).await.unwrap_err();
    assert!(
        matches!(err, CallError::Retryable { status: 401, .. }),
        "{err:?}"
    );
    // The echoed token is redacted.
    assert!(!format!("{err}").contains("revoked-token"), "{err}");
    c.request_callback(&cb).await.unwrap();
}

#[tokio::test]
async fn refused_client_credentials_are_permanent_and_never_show_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("client {CLIENT_ID} secret {CLIENT_SECRET} rejected")})))
        .mount(&server)
        .await;
    let err = client(&server)
        .scheduled_callback(CALLBACK)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 401, .. }),
        "{err:?}"
    );
    assert!(format!("{err}").contains("invalid_client"), "{err}");
    assert_clean(&err);
}

#[tokio::test]
async fn a_busy_token_endpoint_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/id/oauth/token"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "5"))
        .mount(&server)
        .await;
    let err = client(&server)
        .scheduled_callback(CALLBACK)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Retryable {
            status: 503,
            retry_after: Some(Duration::from_secs(5)),
            message: String::new()
        }
    );
}

#[test]
fn regions_and_accounts() {
    let creds = TalkdeskCredentials {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
    };
    let eu = TalkdeskConfig::new(Region::Eu, "acme", creds.clone()).unwrap();
    assert_eq!(eu.api_base, "https://api.talkdeskapp.eu");
    assert_eq!(eu.token_url, "https://acme.talkdeskid.eu/oauth/token");
    let us = TalkdeskConfig::new(Region::Us, "acme", creds.clone()).unwrap();
    assert_eq!(us.api_base, "https://api.talkdeskapp.com");
    assert_eq!(us.token_url, "https://acme.talkdeskid.com/oauth/token");
    let ca = TalkdeskConfig::new(Region::Ca, "acme", creds.clone()).unwrap();
    assert_eq!(ca.api_base, "https://api.talkdeskappca.com");
    assert_eq!(ca.token_url, "https://acme.talkdeskidca.com/oauth/token");
    assert!(matches!(
        TalkdeskConfig::new(Region::Us, "evil.example/x", creds),
        Err(CallError::Unactionable(_))
    ));
    let dbg = format!("{us:?}");
    assert!(!dbg.contains(CLIENT_SECRET), "{dbg}");
}

// --- direct callback ------------------------------------------------------------------

#[tokio::test]
async fn direct_callback_carries_the_briefing_as_context_fields() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "talkdesk_phone_number": OUR_NUMBER,
            "contact_phone_number": CALLER,
            "context": {"fields": [
                {"name": "escalation_reference", "display_name": "Escalation ref",
                 "tooltip_text": "Escalator's reference for this escalation",
                 "data_type": "text", "value": "ESC-XWP5-HYWS"},
                {"name": "escalation_reason", "display_name": "Reason",
                 "tooltip_text": "Why the call was escalated",
                 "data_type": "text", "value": "legal threat"},
                {"name": "caller_quote", "display_name": "Caller said",
                 "tooltip_text": "The caller's own words that triggered the escalation",
                 "data_type": "text", "value": "I'm going to call my lawyer about this"},
                {"name": "caller_verified", "display_name": "Caller verified",
                 "tooltip_text": "Whether the caller passed identity verification",
                 "data_type": "text", "value": "yes"},
                {"name": "escalation_tier", "display_name": "Tier",
                 "tooltip_text": "Escalation tier", "data_type": "text", "value": "specialist"},
                {"name": "caller_name", "display_name": "Caller",
                 "tooltip_text": "Caller's name", "data_type": "text", "value": "Dana Reyes"}
            ]}
        })))
        // The connector documents 200 with no body; an SDK mocks 201.
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing("1 (800) 555-0100", "tel:+14155550123", &briefing());
    c.request_callback(&cb).await.unwrap();
}

#[tokio::test]
async fn direct_callback_without_a_quote_or_verification_says_so() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .and(body_partial_json(json!({"context": {"fields": [
            {"name": "escalation_reference"}, {"name": "escalation_reason"},
            {"name": "caller_verified", "value": "not checked"}]}})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut b = briefing();
    b.quote = None;
    b.verified = None;
    c.request_callback(&DirectCallback::with_briefing(OUR_NUMBER, CALLER, &b))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_number_that_is_not_e164_is_unactionable_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let c = client(&server);
    let cb = DirectCallback::with_briefing(OUR_NUMBER, "anonymous", &briefing());
    assert!(matches!(
        c.request_callback(&cb).await,
        Err(CallError::Unactionable(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

// --- scheduled callbacks --------------------------------------------------------------

#[tokio::test]
async fn scheduling_to_a_queue_sends_the_openapi_shape() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "interaction_id": INTERACTION,
            "caller_id": OUR_NUMBER,
            "time_to_call": "2026-03-25T15:30:00Z",
            "timezone": "UTC",
            "assign_type": "SPECIFIC_QUEUE",
            "from_call_type": "API",
            "dialing_model": "PREVIEW",
            "queues": [{"queue": "legal_specialists"}],
            "phone_number": CALLER,
            "record_extra_data": {
                "escalation_reference": "ESC-XWP5-HYWS",
                "escalation_reason": "legal threat",
                "caller_quote": "I'm going to call my lawyer about this",
                "caller_verified": "yes",
                "escalation_rule": "hard-stop.legal",
                "escalation_team": "legal"
            },
            "description": "ESC-XWP5-HYWS: legal threat. Caller said: \"I'm going to call my lawyer about this\". Caller verified: yes"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "callback_id": CALLBACK, "interaction_id": INTERACTION, "caller_id": OUR_NUMBER,
            "time_to_call": "2026-03-25T15:30:00Z", "timezone": "UTC",
            "assign_type_v2": "SPECIFIC_QUEUE", "from_call_type": "API",
            "dialing_model": "PREVIEW", "queues": [{"queue": "legal_specialists"}],
            "agents": [], "phone_number": CALLER,
            "_links": {"self": {"href": format!("https://api.talkdeskapp.com/schedule-callbacks/{CALLBACK}")}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = ScheduledCallbackRequest::for_target(
        Some(INTERACTION),
        OUR_NUMBER,
        CALLER,
        at(),
        &target(Destination::Queue {
            id: "legal_specialists".into(),
            name: None,
        }),
        &briefing(),
    )
    .unwrap();
    let created = c.schedule_callback(&request).await.unwrap();
    assert_eq!(created.callback_id, CALLBACK);
    assert_eq!(created.assign_type, Some(AssignType::SpecificQueue));
    assert_eq!(created.queues, vec!["legal_specialists".to_string()]);
    assert_eq!(created.time_to_call, Some(at()));
    assert!(created.self_href.unwrap().ends_with(CALLBACK));
}

#[tokio::test]
async fn scheduling_to_an_agent_with_no_interaction() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .and(body_partial_json(json!({
            "interaction_id": "",
            "assign_type": "SPECIFIC_AGENT",
            "agents": [{"agent_id": "5252g4504147e334756017d"}],
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"callback_id": CALLBACK})))
        .expect(1)
        .mount(&server)
        .await;
    let request = ScheduledCallbackRequest::for_target(
        None,
        OUR_NUMBER,
        CALLER,
        at(),
        &target(Destination::Agent {
            id: "5252g4504147e334756017d".into(),
        }),
        &briefing(),
    )
    .unwrap();
    assert_eq!(request.assignment.assign_type(), AssignType::SpecificAgent);
    let body = request.body().unwrap();
    assert!(body.get("queues").is_none(), "{body}");
    c.schedule_callback(&request).await.unwrap();
}

#[tokio::test]
async fn a_create_answer_without_an_id_is_transport_so_the_caller_re_reads() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/schedule-callbacks"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let request = ScheduledCallbackRequest::for_target(
        None,
        OUR_NUMBER,
        CALLER,
        at(),
        &target(Destination::Queue {
            id: "q".into(),
            name: None,
        }),
        &briefing(),
    )
    .unwrap();
    assert!(matches!(
        c.schedule_callback(&request).await,
        Err(CallError::Transport(_))
    ));
}

#[test]
fn unmapped_and_address_destinations_cannot_take_a_scheduled_callback() {
    for d in [
        Destination::Unmapped,
        Destination::Address {
            address: "+15555550100".into(),
        },
    ] {
        let err = ScheduledCallbackRequest::for_target(
            None,
            OUR_NUMBER,
            CALLER,
            at(),
            &target(d),
            &briefing(),
        )
        .unwrap_err();
        assert!(matches!(err, CallError::Unactionable(_)), "{err:?}");
        assert!(err.is_permanent());
    }
    assert_eq!(
        Assignment::from_destination(&Destination::Queue {
            id: "legal".into(),
            name: None
        })
        .unwrap(),
        Assignment::Queue("legal".into())
    );
}

#[tokio::test]
async fn reading_one_callback_tolerates_the_older_ring_group_shape() {
    let (server, c) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "callback_id": CALLBACK, "status": "QUEUED", "assign_type": "SPECIFIC_RING_GROUP",
            "ring_groups": [{"ring_group": "supervisors"}],
            "time_to_call": "2026-03-25T15:30:00", "phone_number": CALLER,
            "record_extra_data": {"escalation_reference": "ESC-XWP5-HYWS"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "0440004", "message": "Callback not found"})))
        .mount(&server)
        .await;
    let cb = c.scheduled_callback(CALLBACK).await.unwrap().unwrap();
    assert_eq!(cb.status, Some(CallbackStatus::Queued));
    assert!(cb.status.as_ref().unwrap().is_pending());
    assert_eq!(cb.assign_type, Some(AssignType::SpecificRingGroup));
    assert_eq!(cb.queues, vec!["supervisors".to_string()]);
    assert_eq!(cb.time_to_call, Some(at()));
    assert_eq!(cb.reference(), Some("ESC-XWP5-HYWS"));
    assert_eq!(c.scheduled_callback("gone").await.unwrap(), None);
}

#[tokio::test]
async fn listing_sends_the_filters_and_reads_the_hal_page() {
    let (server, c) = setup().await;
    Mock::given(method("GET"))
        .and(path("/schedule-callbacks"))
        .and(query_param("phone_number", CALLER))
        .and(query_param("status", "QUEUED"))
        .and(query_param("from_call_type", "API"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total": 2, "page": 1, "per_page": 50, "total_pages": 1,
            "_embedded": {"callbacks": [
                {"callback_id": "cb-1", "status": "QUEUED", "phone_number": CALLER,
                 "record_extra_data": {"escalation_reference": "ESC-OTHER"}},
                {"callback_id": "cb-2", "status": "CANCELED", "phone_number": CALLER,
                 "record_extra_data": {"escalation_reference": "ESC-XWP5-HYWS"}}
            ]},
            "_links": {"self": {"href": "…"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let page = c
        .list_scheduled_callbacks(&CallbackQuery {
            phone_number: Some(CALLER.into()),
            status: Some("QUEUED".into()),
            from_call_type: Some("API".into()),
            page: Some(1),
            per_page: Some(50),
            ..CallbackQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert!(!page.has_next);
    assert_eq!(page.callbacks.len(), 2);
    assert_eq!(page.callbacks[1].status, Some(CallbackStatus::Canceled));
    let ours = page
        .callbacks
        .iter()
        .find(|cb| cb.reference() == Some("ESC-XWP5-HYWS"))
        .unwrap();
    assert_eq!(ours.callback_id, "cb-2");
}

#[tokio::test]
async fn rescheduling_is_a_json_patch_with_the_documented_paths() {
    let (server, c) = setup().await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json-patch+json"))
        .and(body_json(json!([
            {"op": "replace", "path": "/timeToCall", "value": "2026-03-25T15:30:00Z"},
            {"op": "replace", "path": "/timezone", "value": "America/New_York"}
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "callback_id": CALLBACK, "time_to_call": "2026-03-25T15:30:00Z"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(body_json(json!([
            {"op": "replace", "path": "/assignType", "value": "SPECIFIC_AGENT"},
            {"op": "replace", "path": "/agents", "value": [{"agent_id": "a1"}]}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let updated = c
        .reschedule_callback(CALLBACK, at(), Some("America/New_York"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.time_to_call, Some(at()));
    let none = c
        .update_scheduled_callback(
            CALLBACK,
            &[
                CallbackChange::AssignType(AssignType::SpecificAgent),
                CallbackChange::Replace {
                    path: "/agents".into(),
                    value: json!([{"agent_id": "a1"}]),
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(none, None);
    assert!(matches!(
        c.update_scheduled_callback(CALLBACK, &[]).await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn snake_case_patch_paths_when_configured() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("PATCH"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(body_json(json!([
            {"op": "replace", "path": "/time_to_call", "value": "2026-03-25T15:30:00Z"}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.patch_paths = PatchPaths::SnakeCase;
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
}

#[tokio::test]
async fn a_415_on_patch_switches_the_media_type_for_the_retry() {
    let (server, c) = setup().await;
    Mock::given(method("PATCH"))
        .and(header("content-type", "application/json-patch+json"))
        .respond_with(ResponseTemplate::new(415).set_body_json(json!({
            "code": "0000415", "message": "Unsupported Media Type"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!([
            {"op": "replace", "path": "/timeToCall", "value": "2026-03-25T15:30:00Z"}
        ])))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let err = c
        .reschedule_callback(CALLBACK, at(), None)
        .await
        .unwrap_err();
    match &err {
        CallError::Retryable {
            status: 415,
            message,
            ..
        } => assert!(message.contains("application/json"), "{message}"),
        other => panic!("{other:?}"),
    }
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
    // The working media type sticks.
    c.reschedule_callback(CALLBACK, at(), None).await.unwrap();
}

#[tokio::test]
async fn a_415_outside_patch_is_permanent() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(415))
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    assert!(matches!(
        c.request_callback(&cb).await,
        Err(CallError::Permanent { status: 415, .. })
    ));
}

#[tokio::test]
async fn cancelling_twice_is_harmless() {
    let (server, c) = setup().await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/schedule-callbacks/{CALLBACK}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "0440004", "message": "Callback not found"})))
        .mount(&server)
        .await;
    assert!(c.cancel_scheduled_callback(CALLBACK).await.unwrap());
    assert!(!c.cancel_scheduled_callback(CALLBACK).await.unwrap());
}

// --- reporting custom fields ----------------------------------------------------------

#[tokio::test]
async fn custom_fields_tag_the_interaction_for_reports() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/interaction-custom-fields"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "interaction_id": INTERACTION,
            "text_field_1": "specialist",
            "text_field_2": "legal threat",
            "text_field_3": "ESC-XWP5-HYWS",
            "text_field_4": "hard-stop.legal",
            "numeric_field_1": 1,
            "timestamp_field_1": "2026-03-25T15:30:00Z"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "0000200", "message": "Custom fields saved"})))
        .expect(1)
        .mount(&server)
        .await;
    let ack = c
        .set_custom_fields(&CustomFields::escalation(INTERACTION, &briefing(), at()))
        .await
        .unwrap();
    assert_eq!(ack.message.as_deref(), Some("Custom fields saved"));
}

// --- webhook trigger registration -----------------------------------------------------

#[tokio::test]
async fn registering_a_trigger_sends_the_subscription_body_and_reads_the_id() {
    let (server, c) = setup().await;
    let subs = subscriptions("https://escalator.example.com", WEBHOOK_SECRET);
    let ends = subs
        .iter()
        .find(|s| s.trigger == "inboundCallEnds")
        .unwrap();
    let starts = subs
        .iter()
        .find(|s| s.trigger == "inboundCallStarts")
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallEnds"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(ends.body()))
        .and(body_partial_json(json!({
            "callbackurl": format!(
                "https://escalator.example.com/webhooks/talkdesk/{WEBHOOK_SECRET}?trigger=inboundCallEnds")
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "trg-0001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallStarts"))
        .and(body_json(starts.body()))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "Location",
            "https://api.talkdeskapp.com/webhooks/triggers/inboundCallStarts/trg-0002",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let a = c.register_trigger(ends).await.unwrap();
    assert_eq!(a.trigger, "inboundCallEnds");
    assert_eq!(a.trigger_id.as_deref(), Some("trg-0001"));
    let b = c.register_trigger(starts).await.unwrap();
    assert_eq!(b.trigger_id.as_deref(), Some("trg-0002"));
    assert!(b.location.unwrap().ends_with("/trg-0002"));
}

#[tokio::test]
async fn a_refused_registration_never_echoes_the_webhook_secret() {
    let (server, c) = setup().await;
    let subs = subscriptions("https://escalator.example.com", WEBHOOK_SECRET);
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallEnds"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "0400001", "message": "Invalid callbackurl",
            "fields": [{"name": "callbackurl", "description": format!(
                "https://escalator.example.com/webhooks/talkdesk/{WEBHOOK_SECRET}?trigger=inboundCallEnds is not reachable")}]})))
        .mount(&server)
        .await;
    let ends = subs
        .iter()
        .find(|s| s.trigger == "inboundCallEnds")
        .unwrap();
    let err = c.register_trigger(ends).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 400, .. }),
        "{err:?}"
    );
    assert!(format!("{err}").contains("callbackurl"), "{err}");
    assert_clean(&err);
}

#[tokio::test]
async fn deleting_a_trigger_and_deleting_it_again() {
    let (server, c) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallEnds/trg-0001"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallEnds/trg-0001"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    assert!(c
        .delete_trigger("inboundCallEnds", "trg-0001")
        .await
        .unwrap());
    assert!(!c
        .delete_trigger("inboundCallEnds", "trg-0001")
        .await
        .unwrap());
}

#[tokio::test]
async fn the_dry_run_plan_is_the_subscriptions_unsent() {
    let server = MockServer::start().await;
    let plan = registration_requests(
        Region::Eu.api_base(),
        "https://escalator.example.com/",
        WEBHOOK_SECRET,
    );
    let subs = subscriptions("https://escalator.example.com/", WEBHOOK_SECRET);
    assert_eq!(plan.len(), subs.len());
    assert_eq!(plan.len(), 9);
    for (p, s) in plan.iter().zip(&subs) {
        assert_eq!(p.method, "POST");
        assert_eq!(
            p.url,
            format!("https://api.talkdeskapp.eu/webhooks/triggers/{}", s.trigger)
        );
        assert_eq!(p.body, s.body());
        assert_eq!(p.acted_on, s.acted_on);
        assert!(p
            .headers
            .contains(&("Authorization", TOKEN_PLACEHOLDER.to_string())));
    }
    let text = plan[0].to_string();
    assert!(text.starts_with("POST https://api.talkdeskapp.eu/webhooks/triggers/"));
    assert!(text.contains("\"callbackurl\""));
    // The client's own plan uses its API base and sends nothing.
    let c = client(&server);
    let own = c.registration_plan("https://escalator.example.com", WEBHOOK_SECRET);
    assert!(own[0]
        .url
        .starts_with(&format!("{}/webhooks/triggers/", server.uri())));
    assert!(server.received_requests().await.unwrap().is_empty());
}

// --- rate limits and errors -----------------------------------------------------------

#[tokio::test]
async fn a_429_with_and_without_retry_after() {
    let (server, c) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "code": "0000429", "message": "Too Many Requests"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Thu, 01 Jan 2099 00:00:00 GMT"),
        )
        .mount(&server)
        .await;
    let cb = DirectCallback::with_briefing(OUR_NUMBER, CALLER, &briefing());
    assert_eq!(
        c.request_callback(&cb).await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: String::new()
        })
    );
    assert_eq!(
        c.request_callback(&cb).await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            message: "0000429: Too Many Requests".into()
        })
    );
    match c.request_callback(&cb).await {
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(wait),
            ..
        }) => assert!(wait > Duration::from_secs(86_400)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_each_time_then_succeeds() {
    let (server, c) = setup().await;
    for status in [500, 502, 503, 504] {
        Mock::given(method("POST"))
            .and(path("/interaction-custom-fields"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/interaction-custom-fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": "ok"})))
        .mount(&server)
        .await;
    let fields = CustomFields::escalation(INTERACTION, &briefing(), at());
    for want in [500, 502, 503, 504] {
        let err = c.set_custom_fields(&fields).await.unwrap_err();
        assert!(
            matches!(err, CallError::Retryable { status, .. } if status == want),
            "{err:?}"
        );
    }
    assert_eq!(
        c.set_custom_fields(&fields).await.unwrap().code.as_deref(),
        Some("ok")
    );
}

#[tokio::test]
async fn other_4xx_are_permanent_with_talkdesk_s_message() {
    let (server, c) = setup().await;
    let cases = [
        (400, "0310001", "Invalid request body"),
        (403, "0000403", "Missing scope schedule-callbacks:write"),
        (404, "0310404", "Talkdesk phone number not found"),
        (422, "0310422", "time_to_call must be in the future"),
    ];
    for (status, code, message) in cases {
        Mock::given(method("POST"))
            .and(path("/schedule-callbacks"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "code": code, "message": message,
                "fields": [{"name": "time_to_call", "description": "invalid"}]})))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let request = ScheduledCallbackRequest::for_target(
        Some(INTERACTION),
        OUR_NUMBER,
        CALLER,
        at(),
        &target(Destination::Queue {
            id: "legal_specialists".into(),
            name: None,
        }),
        &briefing(),
    )
    .unwrap();
    for (status, code, message) in cases {
        let err = c.schedule_callback(&request).await.unwrap_err();
        assert_eq!(
            err,
            CallError::Permanent {
                status,
                message: format!("{code}: {message} [time_to_call: invalid]")
            }
        );
        // Never our request (the caller's words, their number).
        let text = format!("{err}");
        assert!(!text.contains("lawyer") && !text.contains(CALLER), "{text}");
        assert_clean(&err);
    }
}

#[tokio::test]
async fn ids_that_would_change_the_path_are_refused_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    for bad in ["../calls/callback", "a/b", "", "x?y=1"] {
        assert!(matches!(
            c.cancel_scheduled_callback(bad).await,
            Err(CallError::Unactionable(_))
        ));
        assert!(matches!(
            c.scheduled_callback(bad).await,
            Err(CallError::Unactionable(_))
        ));
        assert!(matches!(
            c.delete_trigger("inboundCallEnds", bad).await,
            Err(CallError::Unactionable(_))
        ));
    }
    let fields = CustomFields::escalation("x/../y", &briefing(), at());
    assert!(matches!(
        c.set_custom_fields(&fields).await,
        Err(CallError::Unactionable(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_timeout_is_transport_because_the_effect_may_have_happened() {
    let (server, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/calls/callback"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let c = TalkdeskClient::new(http, config(&server));
    let err = c
        .request_callback(&DirectCallback::with_briefing(
            OUR_NUMBER,
            CALLER,
            &briefing(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Transport(_)), "{err:?}");
    assert_clean(&err);
}

#[tokio::test]
async fn an_unreachable_host_is_retryable_because_nothing_was_sent() {
    let server = MockServer::start().await;
    let mut cfg = config(&server);
    // A port nothing listens on.
    cfg.token_url = "http://127.0.0.1:9/oauth/token".into();
    let c = TalkdeskClient::new(reqwest::Client::new(), cfg);
    let err = c.scheduled_callback(CALLBACK).await.unwrap_err();
    assert!(
        matches!(err, CallError::Retryable { status: 0, .. }),
        "{err:?}"
    );
}
