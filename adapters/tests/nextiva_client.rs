//! Contract tests for the Nextiva Contact Center client: every call at its real path,
//! method, headers and body shape (shared/vendors/nextiva.md §2, §3, §5, §7), login against
//! a login host and calls against the `location` it returns, refresh, re-login on 401, and
//! the classification of rate limits, 5xx bursts and permanent errors.

use std::collections::BTreeMap;
use std::time::Duration;

use escalator_adapters::nextiva::{
    registration_plan, AuthScheme, CallbackLead, DispositionHook, Lead, LeadFields, NextivaClient,
    NextivaConfig, QueueTransfer, Recording, RegistrationSpec, TokenRefresh, UserTransfer,
    WebformRequest, WorkitemState,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Secret};
use serde_json::{json, Value};
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, header_exists, method, path,
    query_param,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const WID: &str = "66f1c0a2e4b0c13f5d2a9b77";
const QUEUE: &str = "66f1c0a2e4b0c13f5d2a0001";
const USER: &str = "66f1c0a2e4b0c13f5d2a0a0a";
const PASSWORD: &str = "pa55-w0rd!";
// base64("escalator@tenant.example:pa55-w0rd!")
const BASIC: &str = "Basic ZXNjYWxhdG9yQHRlbmFudC5leGFtcGxlOnBhNTUtdzByZCE=";

fn config(login: &MockServer) -> NextivaConfig {
    let mut c = NextivaConfig::new("escalator@tenant.example", Secret::new(PASSWORD));
    c.login_base = login.uri();
    c
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// Login answers `token` and points `location` at `api`.
async fn mount_login(login: &MockServer, api: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .and(header("authorization", BASIC))
        .respond_with(ok(json!({"token": token, "location": api.uri(),
                                "clientLocation": "https://nextiva.thrio.io"})))
        .mount(login)
        .await;
}

/// A login host and a separate tenant cluster, with the client logged in as `tok`.
async fn setup() -> (MockServer, MockServer, NextivaClient) {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok").await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    (login, api, client)
}

fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-Z6N9-70V9".into(),
        tier: "legal".into(),
        reason: "caller mentioned a lawyer".into(),
        rule_id: "legal-threat".into(),
        quote: Some("my lawyer told me to call".into()),
        utterance_id: None,
        caller_name: Some("Dana Reyes".into()),
        verified: Some(true),
    }
}

#[tokio::test]
async fn queue_transfer_logs_in_once_and_calls_the_location_with_the_raw_token() {
    let (login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .and(header("authorization", "tok"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"inboxId": QUEUE, "workitemId": WID,
                              "eventName": "escalation-legal", "ringAll": false,
                              "recording": "keepCurrent"})))
        .respond_with(ok(json!({})))
        .expect(2)
        .mount(&api)
        .await;
    let options = QueueTransfer {
        event_name: Some("escalation-legal".into()),
        ..QueueTransfer::default()
    };
    client.queue_transfer(WID, QUEUE, &options).await.unwrap();
    client.queue_transfer(WID, QUEUE, &options).await.unwrap();
    // One login for both calls; nothing but the login went to the login host.
    let logins = login.received_requests().await.unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].method.as_str(), "GET");
}

#[tokio::test]
async fn user_transfer_carries_the_documented_payload() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok"))
        .and(body_json(json!({"userId": USER, "workitemId": WID,
                              "eventName": "escalation-supervisor",
                              "recording": "startRecording", "survey": {}})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let options = UserTransfer {
        event_name: Some("escalation-supervisor".into()),
        recording: Recording::StartRecording,
    };
    client.user_transfer(WID, USER, &options).await.unwrap();
}

#[tokio::test]
async fn reading_a_workitem_before_a_retry() {
    let (_login, api, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "tok"))
        .respond_with(ok(
            json!({"_id": "m1", "workitemId": WID, "state": "inqueue",
                                "channelType": "voice", "type": "InboundCall", "priority": 5,
                                "agentUsername": "jsmith", "createdAt": 1773957600000_i64,
                                "modifiedAt": 1773957621482_i64, "data": {"queueId": QUEUE}}),
        ))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/api/workitems/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&api)
        .await;
    let w = client.workitem(WID).await.unwrap().unwrap();
    assert_eq!(w.state, WorkitemState::InQueue);
    assert_eq!(w.workitem_id.as_deref(), Some(WID));
    assert_eq!(w.agent_username.as_deref(), Some("jsmith"));
    assert_eq!(w.priority, Some(5));
    assert_eq!(w.modified_since(1773957600000), Some(true));
    assert_eq!(w.raw["data"]["queueId"], QUEUE);
    assert_eq!(client.workitem("gone").await.unwrap(), None);
}

#[tokio::test]
async fn searching_workitems_through_the_data_api() {
    let (_login, api, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/workitem"))
        .and(query_param("q", "+16025550123 inqueue"))
        .and(query_param("start", "0"))
        .and(query_param("rows", "100"))
        .respond_with(ok(json!({"count": 1, "total": 1,
                                "objects": [{"workitemId": WID, "state": "active"}]})))
        .expect(1)
        .mount(&api)
        .await;
    let page = client
        .search_workitems("+16025550123 inqueue", 0, 100)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.objects[0].state, WorkitemState::Active);
}

#[tokio::test]
async fn changing_priority() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(body_json(json!({"priority": 5})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    client.change_priority(WID, 5).await.unwrap();
    assert!(matches!(
        client.change_priority(WID, 9).await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn callback_by_lead_upsert_and_reset() {
    let (_login, api, client) = setup().await;
    let fields = LeadFields {
        reference: Some("contactId".into()),
        ..LeadFields::default()
    };
    let lead = fields
        .render(&CallbackLead::from_briefing(
            "+12399999999",
            &briefing(),
            None,
        ))
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/data/api/types/outboundlist/ol1/leadsupsert/"))
        .and(header("authorization", "tok"))
        .and(body_json(
            json!([{"phone": "+12399999999", "first_name": "Dana",
                               "last_name": "Reyes", "contactId": "ESC-Z6N9-70V9"}]),
        ))
        .respond_with(ok(json!([{"_id": "lead-1", "phone": "+12399999999"}])))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/outboundlist/ol1/resetlead/lead-1"))
        .and(header("authorization", "tok"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let result = client.upsert_leads("ol1", &[lead]).await.unwrap();
    assert_eq!(result.lead_ids, ["lead-1"]);
    client.reset_lead("ol1", &result.lead_ids[0]).await.unwrap();
    assert!(matches!(
        client.upsert_leads("ol1", &[]).await,
        Err(CallError::Unactionable(_))
    ));
    // A list with its own fields.
    assert_eq!(
        serde_json::to_value(Lead::new().field("pipeline_status", "New")).unwrap(),
        json!({"pipeline_status": "New"})
    );
}

#[tokio::test]
async fn callback_through_the_callback_campaigns_webform() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/workflows/api/webform"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(json!({
            "from": "+12399999999", "campaignId": "68bedc382387185fa296dd3d", "type": "call",
            "consumerData": {"callbackNumber": "+12399999999", "callbackQueueId": QUEUE,
                             "escalationReference": "ESC-Z6N9-70V9",
                             "scheduledAt": "2026-06-01T15:30:00Z"}})))
        .respond_with(ok(json!({"workitemId": "w-new"})))
        .expect(1)
        .mount(&api)
        .await;
    let at = "2026-06-01T15:30:00Z".parse().unwrap();
    let request = WebformRequest::callback(
        "68bedc382387185fa296dd3d",
        "call",
        "+12399999999",
        Some(QUEUE),
        &briefing(),
        Some(at),
    );
    let result = client.start_webform(&request).await.unwrap();
    assert_eq!(result.workitem_id.as_deref(), Some("w-new"));
    // The SMS shape of the only real example.
    let sms = WebformRequest {
        campaign_id: "c1".into(),
        kind: "sms".into(),
        from: Some("+12094425035".into()),
        to_address: Some("+12392700111".into()),
        consumer_data: BTreeMap::from([("message".to_string(), json!("hi"))]),
    };
    Mock::given(method("POST"))
        .and(path("/workflows/api/webform"))
        .and(body_json(
            json!({"from": "+12094425035", "campaignId": "c1", "type": "sms",
                              "properties": {"toAddress": "+12392700111"},
                              "consumerData": {"message": "hi"}}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    assert_eq!(client.start_webform(&sms).await.unwrap().workitem_id, None);
}

fn spec() -> RegistrationSpec {
    RegistrationSpec {
        escalator_url: "https://esc.example.com".into(),
        secret: Secret::new("shared-s3cret"),
        dispositions: vec![DispositionHook {
            name: "Legal threat".into(),
            disposition_id: Some("disp-1".into()),
        }],
    }
}

#[tokio::test]
async fn registration_creates_missing_objects_updates_existing_ones_and_attaches_dispositions() {
    let (_login, api, client) = setup().await;
    // "Escalator - Route" exists already; nothing else does.
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .and(query_param("q", "Escalator - Route"))
        .respond_with(ok(json!({"total": 2, "objects": [
            {"_id": "rc-old", "name": "Escalator - Route (old)"},
            {"_id": "rc-route", "name": "Escalator - Route"}]})))
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(ok(json!({"total": 0, "objects": []})))
        .with_priority(2)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/restcall/rc-route"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(
            json!({"name": "Escalator - Route", "method": "POST",
                                      "url": "https://esc.example.com/route/nextiva",
                                      "authType": "NO_AUTH"}),
        ))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/restcall/"))
        .and(header("authorization", "tok"))
        .and(body_partial_json(
            json!({"method": "POST", "authType": "NO_AUTH",
            "headerParameters": [{"key": "X-Escalator-Token", "value": "shared-s3cret"},
                                 {"key": "Content-Type", "value": "application/json"}]}),
        ))
        .and(body_string_contains(
            "https://esc.example.com/webhooks/nextiva",
        ))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let name = body["name"].as_str().unwrap().to_string();
            ResponseTemplate::new(201).set_body_json(json!({"_id": format!("rc-{}", name.len()),
                                                             "name": name}))
        })
        .expect(6)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/disposition/disp-1"))
        .and(body_json(json!({"restcallId": "rc-38"})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let done = client.register(&spec()).await.unwrap();
    assert_eq!(done.len(), 7);
    let route = done
        .iter()
        .find(|r| r.rest_call.name == "Escalator - Route")
        .unwrap();
    assert_eq!(
        (route.rest_call.id.as_str(), route.created),
        ("rc-route", false)
    );
    let disposition = done.iter().find(|r| r.disposition_id.is_some()).unwrap();
    assert_eq!(
        disposition.rest_call.name,
        "Escalator - Disposition - Legal threat"
    );
    assert!(disposition.created);
    // The dry-run plan lists the same writes.
    let plan = registration_plan(&spec()).unwrap();
    assert_eq!(plan.len(), 8);
    assert!(plan
        .iter()
        .all(|p| !format!("{p:?}").contains("shared-s3cret")));
}

#[tokio::test]
async fn a_duplicate_name_conflict_on_create_finds_and_updates_the_object() {
    let (_login, api, client) = setup().await;
    let spec = RegistrationSpec {
        dispositions: vec![],
        ..spec()
    };
    // The search misses everything the first time round, then finds the object.
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(ok(json!({"total": 0, "objects": []})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(|req: &Request| {
            let q = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ok(json!({"total": 1, "objects": [{"_id": "rc-x", "name": q}]}))
        })
        .with_priority(2)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/restcall/"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "code": "DUPLICATE", "message": "name already exists"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/restcall/rc-x"))
        .respond_with(ok(json!({})))
        .expect(6)
        .mount(&api)
        .await;
    let done = client.register(&spec).await.unwrap();
    assert_eq!(done.len(), 6);
    assert!(done.iter().all(|r| !r.created && r.rest_call.id == "rc-x"));
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok-1").await;
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .and(header("authorization", "tok-1"))
        .respond_with(ok(json!({"token": "tok-2", "location": api.uri(),
                                "clientLocation": "https://nextiva.thrio.io"})))
        .expect(1)
        .mount(&login)
        .await;
    for token in ["tok-1", "tok-2"] {
        Mock::given(method("POST"))
            .and(path(format!("/workflows/api/workitems/{WID}/acd")))
            .and(header("authorization", token))
            .respond_with(ok(json!({})))
            .expect(1)
            .mount(&api)
            .await;
    }
    let mut c = config(&login);
    // An opaque token lives as long as assumed; it is refreshed after half of a short life.
    c.assumed_token_lifetime = Duration::from_secs(1);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    client.change_priority(WID, 4).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.change_priority(WID, 4).await.unwrap();
    let logins = login
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/provider/token-with-authorities")
        .count();
    assert_eq!(logins, 1);
}

#[tokio::test]
async fn a_failed_refresh_falls_back_to_a_login_and_a_missing_endpoint_is_not_tried_again() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok").await;
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&login)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .respond_with(ok(json!({"workitemId": WID, "state": "active"})))
        .expect(3)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.assumed_token_lifetime = Duration::from_millis(200);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    for _ in 0..3 {
        client.workitem(WID).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let requests = login.received_requests().await.unwrap();
    let count = |p: &str| requests.iter().filter(|r| r.url.path() == p).count();
    assert_eq!(count("/provider/token-with-authorities"), 3);
    assert_eq!(count("/provider/api/token-refresh"), 1);
}

#[tokio::test]
async fn refresh_can_go_to_the_location() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok-1").await;
    // The refresh answer carries no location: the cluster stays as it was.
    Mock::given(method("GET"))
        .and(path("/provider/api/token-refresh"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ok(json!({"token": "tok-2"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.refresh = TokenRefresh::Location;
    c.auth_scheme = AuthScheme::Bearer;
    c.assumed_token_lifetime = Duration::from_secs(1);
    let client = NextivaClient::new(reqwest::Client::new(), c);
    client.change_priority(WID, 2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.change_priority(WID, 2).await.unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_next_call_logs_in_again() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .respond_with(ok(json!({"token": "tok-1", "location": api.uri()})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&login)
        .await;
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .respond_with(ok(json!({"token": "tok-2", "location": api.uri()})))
        .with_priority(2)
        .mount(&login)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .and(header("authorization", "tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type": "AUTHENTICATION_ERROR", "code": "AUTH_001",
            "message": "Invalid or expired authentication token"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .and(header("authorization", "tok-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    // The first call confirms the raw scheme, so the 401 is an expired token, nothing else.
    client
        .queue_transfer(WID, QUEUE, &QueueTransfer::default())
        .await
        .unwrap();
    let err = client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::Retryable { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Invalid or expired"));
    client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap();
    assert_eq!(login.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn auto_scheme_switches_to_bearer_when_a_fresh_raw_token_is_refused() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok").await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "tok"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .and(header("authorization", "Bearer tok"))
        .respond_with(ok(json!({"workitemId": WID, "state": "hold"})))
        .expect(2)
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    assert!(matches!(
        client.workitem(WID).await,
        Err(CallError::Retryable { status: 401, .. })
    ));
    for _ in 0..2 {
        let w = client.workitem(WID).await.unwrap().unwrap();
        assert_eq!(w.state, WorkitemState::Hold);
    }
}

#[tokio::test]
async fn rate_limits_with_and_without_retry_after() {
    let (_login, api, client) = setup().await;
    let transfer = format!("/users/api/calls/{WID}/queuetransfer/{QUEUE}");
    Mock::given(method("POST"))
        .and(path(transfer.clone()))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(transfer))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "code": "TOO_MANY_REQUESTS", "message": "slow down"})))
        .with_priority(2)
        .mount(&api)
        .await;
    assert_eq!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: String::new()
        })
    );
    assert_eq!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            message: "TOO_MANY_REQUESTS: slow down".into()
        })
    );
}

#[tokio::test]
async fn a_5xx_burst_is_retryable_and_then_succeeds() {
    let (_login, api, client) = setup().await;
    let read = format!("/users/api/workitems/{WID}");
    Mock::given(method("GET"))
        .and(path(read.clone()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(read))
        .respond_with(ok(json!({"workitemId": WID, "state": "active"})))
        .with_priority(2)
        .mount(&api)
        .await;
    for _ in 0..3 {
        assert!(matches!(
            client.workitem(WID).await,
            Err(CallError::Retryable {
                status: 503,
                retry_after: None,
                ..
            })
        ));
    }
    assert!(client.workitem(WID).await.unwrap().is_some());
}

#[tokio::test]
async fn permanent_errors_carry_the_platform_message() {
    let (_login, api, client) = setup().await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/queuetransfer/nope")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "NOT_FOUND", "message": "inbox not found"})))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/users/api/calls/{WID}/usertransfer/{USER}")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "FORBIDDEN", "message": "not your workitem"})))
        .mount(&api)
        .await;
    let err = client
        .queue_transfer(WID, "nope", &QueueTransfer::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 404,
            message: "NOT_FOUND: inbox not found".into()
        }
    );
    let err = client
        .user_transfer(WID, USER, &UserTransfer::default())
        .await
        .unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("not your workitem"));
}

#[tokio::test]
async fn ids_that_are_not_ids_never_reach_the_platform() {
    let (login, api, client) = setup().await;
    for bad in ["../x", "a/b", "", "w?x=1"] {
        assert!(matches!(
            client
                .queue_transfer(bad, QUEUE, &QueueTransfer::default())
                .await,
            Err(CallError::Unactionable(_))
        ));
        assert!(matches!(
            client
                .user_transfer(WID, bad, &UserTransfer::default())
                .await,
            Err(CallError::Unactionable(_))
        ));
        assert!(matches!(
            client.workitem(bad).await,
            Err(CallError::Unactionable(_))
        ));
    }
    assert!(login.received_requests().await.unwrap().is_empty());
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_rejected_login_is_permanent_and_never_shows_the_password() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .and(header_exists("authorization"))
        // A platform that echoes what it was sent must not leak it either.
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type": "AUTHENTICATION_ERROR", "code": "AUTH_002",
            "message": format!("bad credentials for escalator@tenant.example:{PASSWORD} ({BASIC})")})))
        .mount(&login)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    let err = client.workitem(WID).await.unwrap_err();
    assert!(
        matches!(err, CallError::Permanent { status: 401, .. }),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("login rejected"));
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains(&BASIC[6..]), "{shown}");
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_api_error_that_echoes_the_token_is_scrubbed() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(
        &login,
        &api,
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.secret-token",
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("/workflows/api/workitems/{WID}/acd")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "BAD", "message":
            "token eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.secret-token may not do this"})))
        .mount(&api)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    let err = client.change_priority(WID, 3).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret-token"), "{shown}");
    assert!(shown.contains("may not do this"));
}

#[tokio::test]
async fn a_login_answer_without_token_or_location_is_permanent() {
    let (login, _api) = (MockServer::start().await, MockServer::start().await);
    Mock::given(path("/provider/token-with-authorities"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>portal</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&login)
        .await;
    Mock::given(path("/provider/token-with-authorities"))
        .respond_with(ok(json!({"token": "tok"})))
        .with_priority(2)
        .mount(&login)
        .await;
    let client = NextivaClient::new(reqwest::Client::new(), config(&login));
    for _ in 0..2 {
        assert!(client.workitem(WID).await.unwrap_err().is_permanent());
    }
}

#[tokio::test]
async fn the_api_base_can_be_overridden() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    Mock::given(path("/provider/token-with-authorities"))
        .respond_with(ok(
            json!({"token": "tok", "location": "mancity.thrio.invalid"}),
        ))
        .mount(&login)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/users/api/workitems/{WID}")))
        .respond_with(ok(json!({"workitemId": WID})))
        .expect(1)
        .mount(&api)
        .await;
    let mut c = config(&login);
    c.api_base_override = Some(format!("{}/", api.uri()));
    let client = NextivaClient::new(reqwest::Client::new(), c);
    assert!(client.workitem(WID).await.unwrap().is_some());
}

#[tokio::test]
async fn timeouts_are_transport_for_the_call_but_retryable_for_the_login() {
    let (login, api) = (MockServer::start().await, MockServer::start().await);
    mount_login(&login, &api, "tok").await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/users/api/calls/{WID}/queuetransfer/{QUEUE}"
        )))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&api)
        .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = NextivaClient::new(http.clone(), config(&login));
    // The transfer may have happened: unknown outcome, re-read before any retry.
    assert!(matches!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Transport(_))
    ));

    let slow_login = MockServer::start().await;
    Mock::given(path("/provider/token-with-authorities"))
        .respond_with(
            ok(json!({"token": "tok", "location": api.uri()})).set_delay(Duration::from_secs(2)),
        )
        .mount(&slow_login)
        .await;
    let client = NextivaClient::new(http, config(&slow_login));
    // The transfer was never sent: safe to retry as it is.
    assert!(matches!(
        client
            .queue_transfer(WID, QUEUE, &QueueTransfer::default())
            .await,
        Err(CallError::Retryable { status: 0, .. })
    ));
}
