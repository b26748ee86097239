//! Five9: Configuration Web Services (SOAP) at `/wsadmin/v13/AdminWebService`, HTTP Basic,
//! `getWebConnectors` / `createWebConnector` / `modifyWebConnector` / `deleteWebConnector` (§5, §7).

use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{config, requests, webhooks};

const SOAP: &str = "/wsadmin/v13/AdminWebService";
// base64("f9admin:f9-admin-PASSWORD-3")
const BASIC: &str = "Basic ZjlhZG1pbjpmOS1hZG1pbi1QQVNTV09SRC0z";

fn soap_ok(inner: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "text/xml;charset=utf-8")
        .set_body_string(format!(
            "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Header/>\
             <env:Body>{inner}</env:Body></env:Envelope>"
        ))
}

/// `getWebConnectors` answering one existing connector.
async fn existing(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(SOAP))
        .and(header("authorization", BASIC))
        .and(header("soapaction", "\"\""))
        .and(body_string_contains(
            "<ser:getWebConnectors><namePattern>^Escalator - .*$</namePattern></ser:getWebConnectors>",
        ))
        .respond_with(soap_ok(
            "<ns2:getWebConnectorsResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
             <name>Escalator - Call Accepted</name><trigger>OnCallAccepted</trigger>\
             <url>https://esc.example.com/webhooks/five9</url></return></ns2:getWebConnectorsResponse>",
        ))
        .mount(server)
        .await;
}

#[tokio::test]
async fn register_modifies_the_existing_connector_and_creates_the_others_with_the_secret() {
    let server = MockServer::start().await;
    existing(&server).await;
    Mock::given(method("POST"))
        .and(path(SOAP))
        .and(body_string_contains("<ser:modifyWebConnector><connector>"))
        .and(body_string_contains(
            "<name>Escalator - Call Accepted</name>",
        ))
        .respond_with(soap_ok("<ns2:modifyWebConnectorResponse/>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SOAP))
        .and(header("authorization", BASIC))
        .and(body_string_contains("<ser:createWebConnector><connector>"))
        // The constant intake checks, with the secret.
        .and(body_string_contains(
            "<constants><key>escalator_secret</key><value>f9-WEBHOOK-secret-4</value></constants>",
        ))
        .and(body_string_contains(
            "<url>https://esc.example.com/webhooks/five9</url>",
        ))
        .respond_with(soap_ok("<ns2:createWebConnectorResponse/>"))
        // Five connectors in the template, one of which exists.
        .expect(4)
        .mount(&server)
        .await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "five9",
        &cfg,
        &["--url", "https://esc.example.com"],
    )
    .await
    .expect(0);
    assert!(
        run.stdout
            .contains("updated      connector    Escalator - Call Accepted (OnCallAccepted)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("created      connector    Escalator - Call Disconnected"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn list_and_remove() {
    let server = MockServer::start().await;
    existing(&server).await;
    let cfg = config(&server, "");
    let run = webhooks("list", "five9", &cfg, &[]).await.expect(0);
    assert!(
        run.stdout.contains(
            "Escalator - Call Accepted: OnCallAccepted -> https://esc.example.com/webhooks/five9"
        ),
        "{}",
        run.stdout
    );
    Mock::given(method("POST"))
        .and(path(SOAP))
        .and(body_string_contains(
            "<ser:deleteWebConnector><name>Escalator - Call Accepted</name></ser:deleteWebConnector>",
        ))
        .respond_with(soap_ok("<ns2:deleteWebConnectorResponse/>"))
        .expect(1)
        .mount(&server)
        .await;
    let run = webhooks(
        "remove",
        "five9",
        &cfg,
        &["--id", "Escalator - Call Accepted", "--id", "Other"],
    )
    .await
    .expect(0);
    assert!(
        run.stdout
            .contains("deleted      connector    Escalator - Call Accepted"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("left alone   connector    Other"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn dry_run_sends_nothing_and_a_mismatched_intake_is_refused() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "five9",
        &cfg,
        &["--url", "https://esc.example.com", "--dry-run"],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains(&format!("POST {}{SOAP}", server.uri())));
    assert!(
        run.stdout
            .contains("<value>$ESCALATOR_FIVE9_WEBHOOK_SECRET</value>"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Authorization: Basic <redacted>"),
        "{}",
        run.stdout
    );
    webhooks("list", "five9", &cfg, &["--dry-run"])
        .await
        .expect(0);
    webhooks("remove", "five9", &cfg, &["--dry-run"])
        .await
        .expect(0);
    assert_eq!(requests(&server).await, 0);

    let cfg = config(
        &server,
        "[vendors.five9]\nauth = [\"field\"]\nfield = \"token\"\n",
    );
    let run = webhooks(
        "register",
        "five9",
        &cfg,
        &["--url", "https://esc.example.com"],
    )
    .await
    .expect(2);
    assert!(run.stderr.contains("vendors.five9"), "{}", run.stderr);
    assert_eq!(requests(&server).await, 0);
}
