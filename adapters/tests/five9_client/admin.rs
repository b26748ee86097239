//! The Configuration Web Services beyond callbacks: web connectors created exactly as the
//! dry run shows, listed, modified and deleted, and the usage counters behind the limits.

use escalator_adapters::five9::{
    escalator_connectors, registration_requests, soap_fault_name, AdminOperationClass, ADMIN_LIMITS,
};
use wiremock::matchers::{body_string, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer};

use crate::kit::{client, soap_fault, soap_ok, ADMIN_BASIC, SOAP_PATH};

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
    let client = client(&server);
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
    let client = client(&server);
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
    let client = client(&server);
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
