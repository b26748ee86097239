//! Contract tests for the Five9 client: every call at its real path, method, headers and
//! body shape (shared/vendors/five9.md §2–§7), the Agent REST session (login, data-center
//! host from the metadata, re-login on 401 and 435), SOAP envelopes and faults.

use std::collections::BTreeMap;
use std::time::Duration;

use escalator_adapters::five9::{
    escalator_connectors, registration_requests, resolve_call_id, soap_fault_name,
    AdminOperationClass, CallbackRecord, Five9Client, Five9Config, Five9Credentials, Five9Region,
    TransferMode, ADMIN_LIMITS,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Secret};
use serde_json::json;
use wiremock::matchers::{
    body_json, body_partial_json, body_string, body_string_contains, header, method, path,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AGENT: &str = "sam.lee@acme.example";
const AGENT_ID: &str = "123456789";
const CALL: &str = "300000000123456";
const REST: &str = "/appsvcs/rs/svc";
const SOAP_PATH: &str = "/wsadmin/v13/AdminWebService";
// base64("admin:admin-pw")
const ADMIN_BASIC: &str = "Basic YWRtaW46YWRtaW4tcHc=";

fn config(server: &MockServer) -> Five9Config {
    let mut c = Five9Config::for_region(Five9Region::Us);
    c.admin_base = server.uri();
    c.agent_login_base = format!("{}/", server.uri());
    c.data_center_scheme = "http".into();
    c.login_grace = Duration::ZERO;
    c.admin = Some(Five9Credentials {
        username: "admin".into(),
        password: Secret::new("admin-pw"),
    });
    c.agents = vec![Five9Credentials {
        username: AGENT.into(),
        password: Secret::new("agent-pw"),
    }];
    c
}

/// The login answer: the data-center host is the mock server itself, reached through
/// the metadata (`127.0.0.1:{port}`), so the host selection is exercised.
fn login_ok(server: &MockServer, token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .append_header("Set-Cookie", "JSESSIONID=j1; Path=/; Secure; HttpOnly")
        .append_header("Set-Cookie", "route=r1; Path=/")
        .set_body_json(json!({
            "tokenId": token, "sessionId": "s1", "orgId": "987654321", "userId": AGENT_ID,
            "context": {"cloudClientUrl": "https://api.prod.us.five9.net/", "farmId": "149"},
            "metadata": {"freedomUrl": "https://app.five9.com", "dataCenters": [
                {"name": "Standby", "active": false,
                 "apiUrls": [{"host": "standby.invalid", "port": "443"}]},
                {"name": "Atlanta Data Center", "active": true,
                 "apiUrls": [{"host": "127.0.0.1", "port": server.address().port().to_string(),
                              "routeKey": "rk", "version": "13.0.183"}]}]}
        }))
}

async fn mount_login(server: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .and(body_json(json!({
            "passwordCredentials": {"username": AGENT, "password": "agent-pw"},
            "appKey": "escalator",
            "policy": "AttachExisting"
        })))
        .respond_with(login_ok(server, "tok-1"))
        .expect(expected)
        .mount(server)
        .await;
}

fn call_path(action: &str) -> String {
    format!("{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}/{action}")
}

fn five9_error(status: u16, code: i64, context: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"five9ExceptionDetail": {
        "timestamp": 1698851947550i64, "errorCode": code, "message": message,
        "context": {"contextCode": context, "objectId": null}}}))
}

fn soap_ok(inner: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Header/>\
             <env:Body>{inner}</env:Body></env:Envelope>"
        ))
}

fn soap_fault(code: &str, fault: &str, detail: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(500)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Body>\
             <env:Fault><faultcode>{code}</faultcode><faultstring>{message}</faultstring>\
             <detail><ns2:{fault} xmlns:ns2=\"http://service.admin.ws.five9.com/\">\
             <message>{message}</message>{detail}</ns2:{fault}></detail></env:Fault>\
             </env:Body></env:Envelope>"
        ))
}

fn briefing() -> Briefing {
    Briefing {
        reference: "ESC-2026-0042".into(),
        tier: "hard_stop".into(),
        reason: "legal threat".into(),
        rule_id: "legal-mention".into(),
        quote: Some("I'm calling my attorney about this".into()),
        utterance_id: Some("u-9".into()),
        caller_name: Some("Dana".into()),
        verified: Some(true),
    }
}

fn assert_no_secrets(err: &CallError) {
    let shown = format!("{err} {err:?}");
    for secret in ["agent-pw", "admin-pw", "tok-1", "s3cret", "j1"] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
}

#[tokio::test]
async fn login_then_warm_transfer_to_a_skill_complete_and_cancel() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("PUT"))
        .and(path(call_path("transfer_to_skill")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .and(header("cookie", "JSESSIONID=j1; route=r1"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"skillId": "300000000000045", "transferType": "WARM"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    for action in ["complete_transfer", "cancel_transfer"] {
        Mock::given(method("PUT"))
            .and(path(call_path(action)))
            .and(header("authorization", "Bearer-tok-1"))
            .and(header("farmId", "149"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    assert_eq!(client.agent_id(AGENT).await.unwrap(), AGENT_ID);
    client
        .transfer_to_skill(AGENT, CALL, "300000000000045", TransferMode::Warm)
        .await
        .unwrap();
    client.complete_transfer(AGENT, CALL).await.unwrap();
    // Agent user names are matched case-insensitively; the cached session is reused.
    client
        .cancel_transfer(&AGENT.to_uppercase(), CALL)
        .await
        .unwrap();
}

#[tokio::test]
async fn transfer_body_follows_the_configured_reading() {
    let server = MockServer::start().await;
    let mut c = config(&server);
    let client = Five9Client::new(reqwest::Client::new(), c.clone());
    assert_eq!(
        client.transfer_body("77", TransferMode::Blind).unwrap(),
        json!({"skillId": "77", "transferType": "COLD"})
    );
    c.transfer_mode_field = None;
    let client = Five9Client::new(reqwest::Client::new(), c);
    assert_eq!(
        client.transfer_body(" 77 ", TransferMode::Warm).unwrap(),
        json!({"skillId": "77"})
    );
    assert!(matches!(
        client.transfer_body("", TransferMode::Warm),
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn briefing_is_written_as_call_variables() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("PUT"))
        .and(path(call_path("variables_2")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .and(body_json(json!({
            "Escalator.Reference": "ESC-2026-0042",
            "Escalator.Reason": "legal threat",
            "Escalator.CallerVerified": "true",
            "Escalator.Briefing": "ESC-2026-0042 | hard_stop | legal threat | caller verified | caller: Dana | said: \"I'm calling my attorney about this\""
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    client
        .write_briefing(AGENT, CALL, &briefing())
        .await
        .unwrap();
    let bad = BTreeMap::from([("NoGroup".to_string(), "x".to_string())]);
    assert!(matches!(
        client.set_call_variables(AGENT, CALL, &bad).await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn calls_are_listed_and_the_call_id_resolved() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/agents/{AGENT_ID}/interactions/calls")))
        .and(header("authorization", "Bearer-tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": CALL, "state": "TALKING", "ani": "4155550123"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": CALL, "state": "TALKING"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let calls = client.calls(AGENT).await.unwrap();
    assert_eq!(calls[0].state.as_deref(), Some("TALKING"));
    // The connector's call id is another number: the agent's only call is taken.
    assert_eq!(resolve_call_id(&calls, Some("999")).as_deref(), Some(CALL));
    assert_eq!(client.call(AGENT, CALL).await.unwrap()["state"], "TALKING");
    assert!(matches!(
        client.call(AGENT, "../orgs/1").await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn a_401_or_435_drops_the_session_and_the_next_call_logs_in_again() {
    let server = MockServer::start().await;
    mount_login(&server, 3).await;
    let complete = call_path("complete_transfer");
    Mock::given(method("PUT"))
        .and(path(complete.clone()))
        .respond_with(five9_error(401, 0, "LOGIN", "User is not logged in"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(complete.clone()))
        .respond_with(five9_error(435, 5001, "MIGRATION", "Service migrated"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(complete))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(3)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Retryable { status: 401, message, .. } if message.contains("not logged in")),
        "{err:?}"
    );
    assert_no_secrets(&err);
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert!(
        matches!(err, CallError::Retryable { status: 435, .. }),
        "{err:?}"
    );
    client.complete_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn a_401_right_after_login_keeps_the_session_and_waits() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    let cancel = call_path("cancel_transfer");
    Mock::given(method("PUT"))
        .and(path(cancel.clone()))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(cancel))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.login_grace = Duration::from_secs(60);
    let client = Five9Client::new(reqwest::Client::new(), c);
    assert_eq!(
        client.cancel_transfer(AGENT, CALL).await,
        Err(CallError::Retryable {
            status: 401,
            retry_after: Some(Duration::from_secs(2)),
            message: String::new()
        })
    );
    client.cancel_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn sessions_are_renewed_before_they_grow_old() {
    let server = MockServer::start().await;
    mount_login(&server, 2).await;
    Mock::given(method("PUT"))
        .and(path(call_path("complete_transfer")))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.session_max_age = Duration::from_millis(200);
    let client = Five9Client::new(reqwest::Client::new(), c);
    client.complete_transfer(AGENT, CALL).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.complete_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn metadata_is_fetched_when_the_login_lacks_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .and(body_partial_json(json!({"policy": "AttachExisting"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tokenId": "tok-1", "userId": 123456789, "orgId": "987654321",
            "context": {"farmId": 149}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REST}/auth/metadata")))
        .and(header("authorization", "Bearer-tok-1"))
        .and(header("farmId", "149"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"dataCenters": [
            {"active": true, "apiUrls": [{"host": "127.0.0.1", "port": server.address().port()}]}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(call_path("cancel_transfer")))
        .and(header("farmId", "149"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    client.cancel_transfer(AGENT, CALL).await.unwrap();
}

#[tokio::test]
async fn rejected_login_unknown_agent_and_missing_admin_cannot_act() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{REST}/auth/login")))
        .respond_with(five9_error(401, 1, "LOGIN", "Invalid username or password"))
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.admin = None;
    let client = Five9Client::new(reqwest::Client::new(), c);
    let err = client.complete_transfer(AGENT, CALL).await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("Invalid username or password"));
    assert_no_secrets(&err);
    let err = client
        .complete_transfer("someone@else", CALL)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Unactionable(m) if !m.contains("someone")),
        "{err:?}"
    );
    let record = CallbackRecord {
        list_name: "CB".into(),
        number: "+14155550123".into(),
        call_at: None,
        fields: vec![],
    };
    assert!(matches!(
        client.add_record_to_list(&record).await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn rest_rate_limits_5xx_bursts_and_permanent_errors_are_classified() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    let transfer = call_path("transfer_to_skill");
    let mount = |status: u16, retry: Option<&'static str>, times: u64, priority: u8| {
        let mut response = five9_error(status, 9, "CALL", "slow down");
        if let Some(r) = retry {
            response = response.insert_header("Retry-After", r);
        }
        Mock::given(method("PUT"))
            .and(path(transfer.clone()))
            .respond_with(response)
            .up_to_n_times(times)
            .with_priority(priority)
    };
    mount(429, Some("7"), 1, 1).mount(&server).await;
    mount(429, None, 1, 2).mount(&server).await;
    mount(503, None, 3, 3).mount(&server).await;
    Mock::given(method("PUT"))
        .and(path(transfer))
        .respond_with(five9_error(400, 3, "CALL", "Call is not in TALKING state"))
        .with_priority(4)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let go = || client.transfer_to_skill(AGENT, CALL, "45", TransferMode::Warm);
    assert_eq!(
        go().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: "CALL 9: slow down".into()
        })
    );
    assert!(matches!(
        go().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            ..
        })
    ));
    for _ in 0..3 {
        assert!(matches!(
            go().await,
            Err(CallError::Retryable { status: 503, .. })
        ));
    }
    let err = go().await.unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 400,
            message: "CALL 3: Call is not in TALKING state".into()
        }
    );
    assert_no_secrets(&err);
}

#[tokio::test]
async fn scheduled_callback_is_a_dialing_list_record_with_call_time() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(header("authorization", ADMIN_BASIC))
        .and(header("soapaction", "\"\""))
        .and(header("content-type", "text/xml;charset=UTF-8"))
        .and(body_string_contains(
            "xmlns:ser=\"http://service.admin.ws.five9.com/\"",
        ))
        .and(body_string_contains(
            "<ser:addRecordToList><listName>Escalation-Callbacks</listName><listUpdateSettings>\
             <fieldsMapping><columnNumber>1</columnNumber><fieldName>number1</fieldName><key>true</key></fieldsMapping>\
             <fieldsMapping><columnNumber>2</columnNumber><fieldName>first_name</fieldName><key>false</key></fieldsMapping>\
             <fieldsMapping><columnNumber>3</columnNumber><fieldName>escalation_note</fieldName><key>false</key></fieldsMapping>\
             <skipHeaderLine>false</skipHeaderLine><callNowMode>NONE</callNowMode><callTime>1774452600000</callTime>\
             <cleanListBeforeUpdate>false</cleanListBeforeUpdate><crmAddMode>ADD_NEW</crmAddMode>\
             <crmUpdateMode>UPDATE_FIRST</crmUpdateMode><listAddMode>ADD_FIRST</listAddMode></listUpdateSettings>\
             <record><fields>4155550123</fields><fields>Dana &amp; Co</fields><fields>ESC-1 | legal</fields></record>\
             </ser:addRecordToList>",
        ))
        .respond_with(soap_ok(
            "<ns2:addRecordToListResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
             <callNowQueued>0</callNowQueued><crmRecordsInserted>1</crmRecordsInserted>\
             <crmRecordsUpdated>0</crmRecordsUpdated><listName>Escalation-Callbacks</listName>\
             <listRecordsDeleted>0</listRecordsDeleted><listRecordsInserted>1</listRecordsInserted>\
             <uploadDuplicatesCount>0</uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount>\
             <warningsCount/></return></ns2:addRecordToListResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let record = CallbackRecord {
        list_name: "Escalation-Callbacks".into(),
        number: "+1 415 555 0123".into(),
        call_at: Some("2026-03-25T15:30:00Z".parse().unwrap()),
        fields: vec![
            ("first_name".into(), "Dana & Co".into()),
            ("escalation_note".into(), "ESC-1 | legal".into()),
        ],
    };
    let result = client.add_record_to_list(&record).await.unwrap();
    assert_eq!(result.list_records_inserted, 1);
    assert_eq!(result.crm_records_inserted, 1);
    assert!(!result.was_duplicate());
}

#[tokio::test]
async fn callback_without_a_time_is_called_now_and_bad_input_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains(
            "<skipHeaderLine>false</skipHeaderLine><callNowMode>ANY</callNowMode><cleanListBeforeUpdate>",
        ))
        .and(body_string_contains("<fields>011442079460958</fields>"))
        .respond_with(soap_ok(
            "<ns2:addRecordToListResponse><return><listRecordsInserted>0</listRecordsInserted>\
             <uploadDuplicatesCount>1</uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount>\
             </return></ns2:addRecordToListResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let mut record = CallbackRecord {
        list_name: "CB".into(),
        number: "+442079460958".into(),
        call_at: None,
        fields: vec![],
    };
    assert!(client
        .add_record_to_list(&record)
        .await
        .unwrap()
        .was_duplicate());
    record.number = "4155550123".into();
    assert!(matches!(
        client.add_record_to_list(&record).await,
        Err(CallError::Unactionable(_))
    ));
}

#[tokio::test]
async fn soap_faults_limits_and_http_errors_are_classified() {
    let server = MockServer::start().await;
    let soap = || Mock::given(method("POST")).and(path(SOAP_PATH));
    soap()
        .respond_with(soap_fault(
            "S:Server",
            "OperationsLimitExceededFault",
            "<limit>160</limit><operationType>ImportRecord</operationType>",
            "Operations limit exceeded",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    soap()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "9")
                .set_body_string("<html>Too Many Requests</html>"),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    soap()
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&server)
        .await;
    soap()
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .up_to_n_times(2)
        .with_priority(4)
        .mount(&server)
        .await;
    soap()
        .respond_with(soap_fault(
            "S:Server",
            "ServerFault",
            "",
            "Web Services server error",
        ))
        .up_to_n_times(1)
        .with_priority(5)
        .mount(&server)
        .await;
    soap()
        .respond_with(soap_fault(
            "S:Server",
            "AddRecordToListFault",
            "",
            "Number 555 must either be 10 digits for dialing within North America or begin with 011 for International number.",
        ))
        .up_to_n_times(1)
        .with_priority(6)
        .mount(&server)
        .await;
    soap()
        .respond_with(soap_fault(
            "S:Client",
            "MissedArgumentFault",
            "",
            "listName is required",
        ))
        .up_to_n_times(1)
        .with_priority(7)
        .mount(&server)
        .await;
    soap()
        .respond_with(ResponseTemplate::new(401).set_body_string("<html>Unauthorized</html>"))
        .with_priority(8)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let record = CallbackRecord {
        list_name: "CB".into(),
        number: "+14155550123".into(),
        call_at: None,
        fields: vec![],
    };
    let add = || client.add_record_to_list(&record);
    match add().await {
        Err(CallError::Retryable {
            status: 500,
            retry_after: Some(d),
            message,
        }) => {
            // Until the next minute boundary (+1 s slack).
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(61),
                "{d:?}"
            );
            assert!(message.starts_with("OperationsLimitExceededFault: "));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        add().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(9)),
            message: String::new()
        })
    );
    assert!(matches!(
        add().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            ..
        })
    ));
    for _ in 0..2 {
        assert!(matches!(
            add().await,
            Err(CallError::Retryable { status: 503, .. })
        ));
    }
    assert!(matches!(
        add().await,
        Err(CallError::Retryable { status: 500, .. })
    ));
    let err = add().await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert_eq!(soap_fault_name(&err), Some("AddRecordToListFault"));
    assert!(err.to_string().contains("must either be 10 digits"));
    let err = add().await.unwrap_err();
    assert!(err.is_permanent() && err.to_string().contains("MissedArgumentFault"));
    let err = add().await.unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 401,
            message: "admin credentials rejected by the Configuration Web Services".into()
        }
    );
    assert_no_secrets(&err);
}

#[tokio::test]
async fn registration_creates_one_connector_per_trigger_exactly_as_dry_run_shows() {
    let server = MockServer::start().await;
    let requests = registration_requests(&server.uri(), "https://esc.example.com", "s3cret");
    let connectors = escalator_connectors("https://esc.example.com", "s3cret");
    assert_eq!(requests.len(), connectors.len());
    assert_eq!(requests.len(), 5);
    for request in &requests {
        assert_eq!(request.operation, "createWebConnector");
        assert_eq!(request.class, AdminOperationClass::Modify);
        assert!(request
            .body()
            .contains("<constants><key>escalator_secret</key><value>s3cret</value></constants>"));
        let shown = format!("{} {request:?}", request.dry_run());
        assert!(!shown.contains("s3cret") && shown.contains("<value>***</value>"));
        Mock::given(method("POST"))
            .and(path(SOAP_PATH))
            .and(header("authorization", ADMIN_BASIC))
            .and(header("soapaction", "\"\""))
            .and(body_string(request.body().to_string()))
            .respond_with(soap_ok("<ns2:createWebConnectorResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"/>"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    assert_eq!(
        client.registration_requests("https://esc.example.com", "s3cret"),
        requests
    );
    for connector in &connectors {
        client.create_web_connector(connector).await.unwrap();
    }
    let accepted = &requests[0];
    for part in [
        "<ser:createWebConnector><connector><addWorksheet>false</addWorksheet>",
        "<executeInBrowser>false</executeInBrowser><name>Escalator - Call Accepted</name><postMethod>true</postMethod><trigger>OnCallAccepted</trigger><url>https://esc.example.com/webhooks/five9</url>",
        "<variables><key>call_id</key><value>@Call.call_id@</value></variables>",
    ] {
        assert!(accepted.body().contains(part), "{part}");
    }
    assert!(requests[2]
        .body()
        .contains("<triggerDispositions>Escalated - Legal</triggerDispositions>"));
}

#[tokio::test]
async fn connectors_are_listed_modified_and_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains(
            "<ser:getWebConnectors><namePattern>^Escalator - .*$</namePattern></ser:getWebConnectors>",
        ))
        .respond_with(soap_ok(
            "<ns2:getWebConnectorsResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
             <addWorksheet>false</addWorksheet><constants><key>escalator_secret</key><value>s3cret</value></constants>\
             <description>d</description><executeInBrowser>false</executeInBrowser>\
             <name>Escalator - Call Accepted</name><postMethod>true</postMethod><trigger>OnCallAccepted</trigger>\
             <url>https://esc.example.com/webhooks/five9</url>\
             <variables><key>ANI</key><value>@Call.ANI@</value></variables></return>\
             <return><name>Escalator - Call Dispositioned</name><trigger>OnCallDispositioned</trigger>\
             <triggerDispositions>Escalated - Legal</triggerDispositions></return>\
             </ns2:getWebConnectorsResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains("<ser:modifyWebConnector><connector>"))
        .respond_with(soap_ok("<ns2:modifyWebConnectorResponse/>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains(
            "<ser:deleteWebConnector><name>Escalator - Call Accepted</name></ser:deleteWebConnector>",
        ))
        .respond_with(soap_ok("<ns2:deleteWebConnectorResponse/>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains("<ser:createWebConnector>"))
        .respond_with(soap_fault(
            "S:Server",
            "ObjectAlreadyExistsFault",
            "<objectName>Escalator - Call Accepted</objectName>",
            "Connector already exists",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let found = client.get_web_connectors("^Escalator - .*$").await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].trigger.as_deref(), Some("OnCallAccepted"));
    assert_eq!(found[0].post_method, Some(true));
    assert_eq!(found[0].constant_keys, vec!["escalator_secret"]);
    assert_eq!(
        found[0].variables,
        vec![("ANI".to_string(), "@Call.ANI@".to_string())]
    );
    assert_eq!(found[1].trigger_dispositions, vec!["Escalated - Legal"]);
    assert!(!format!("{found:?}").contains("s3cret"));
    let connector = &escalator_connectors("https://esc.example.com", "s3cret")[0];
    let err = client.create_web_connector(connector).await.unwrap_err();
    assert!(err.is_permanent());
    assert_eq!(soap_fault_name(&err), Some("ObjectAlreadyExistsFault"));
    client.modify_web_connector(connector).await.unwrap();
    client.delete_web_connector(&connector.name).await.unwrap();
}

#[tokio::test]
async fn usage_counters_are_read_and_limits_exposed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains(
            "<ser:getCallCountersState></ser:getCallCountersState>",
        ))
        .respond_with(soap_ok(
            "<ns2:getCallCountersStateResponse><return><callCounterStates><limit>160</limit>\
             <operationType>ImportRecord</operationType><value>12</value></callCounterStates>\
             <timeout>60</timeout></return><return><timeout>3600</timeout></return>\
             </ns2:getCallCountersStateResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = Five9Client::new(reqwest::Client::new(), config(&server));
    let windows = client.call_counters_state().await.unwrap();
    assert_eq!(windows.len(), 2);
    assert_eq!(windows[0].timeout_secs, 60);
    assert_eq!(windows[0].counters[0].operation_type, "ImportRecord");
    assert_eq!(windows[0].counters[0].value, 12);
    assert!(windows[1].counters.is_empty());
    let single = ADMIN_LIMITS
        .iter()
        .find(|(c, _)| *c == AdminOperationClass::SingleRecordImport)
        .unwrap()
        .1;
    assert_eq!(
        (single.per_minute, single.per_hour, single.per_day),
        (160, 7_200, 172_800)
    );
}
