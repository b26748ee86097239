//! Genesys Cloud: token, integration, credential, actions and triggers (§5, §7a).

use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{config, config_with, escalator, ok, requests, webhooks};

async fn token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ok(
            json!({"access_token": "tok", "token_type": "bearer", "expires_in": 86399}),
        ))
        .mount(server)
        .await;
}

fn listing(entities: Value) -> ResponseTemplate {
    ok(json!({"entities": entities, "pageSize": 100, "pageNumber": 1, "pageCount": 1}))
}

async fn get(server: &MockServer, p: &str, body: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(p))
        .and(header("authorization", "Bearer tok"))
        .respond_with(body)
        .mount(server)
        .await;
}

#[tokio::test]
async fn register_creates_the_chain_with_the_webhook_secret_and_prints_no_secret() {
    let server = MockServer::start().await;
    token(&server).await;
    get(&server, "/api/v2/integrations", listing(json!([]))).await;
    get(&server, "/api/v2/integrations/actions", listing(json!([]))).await;
    get(
        &server,
        "/api/v2/processautomation/triggers",
        ok(json!({"entities": []})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/credentials"))
        // The registered credential carries the secret intake checks.
        .and(body_partial_json(
            json!({"credentialFields": {"token": "gen-WEBHOOK-secret/9+x"}}),
        ))
        .respond_with(ok(json!({"id": "cred-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations"))
        .respond_with(ok(json!({"id": "int-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/integrations/int-1/config/current"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/integrations/int-1"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/integrations/actions"))
        // The header name intake checks (vendors.genesys.auth_header).
        .and(body_partial_json(
            json!({"config": {"request": {"headers": {"X-Custom-Token": "${credentials.token}"}}}}),
        ))
        .respond_with(|r: &Request| {
            let b: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            ok(json!({"id": format!("act-{}", b["name"].as_str().unwrap_or("").len())}))
        })
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/processautomation/triggers"))
        .and(body_partial_json(json!({"target": {"type": "Workflow"}})))
        .respond_with(|r: &Request| {
            let b: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            ok(json!({"id": format!("{}-id", b["name"].as_str().unwrap_or(""))}))
        })
        .expect(6)
        .mount(&server)
        .await;
    // The header intake checks is configurable; the actions must send that one.
    let cfg = config_with(&server, "auth_header = \"X-Custom-Token\"", "");

    let run = webhooks(
        "register",
        "genesys",
        &cfg,
        &[
            "--url",
            "https://esc.example.com",
            "--workflow",
            "wf-1",
            "--workflow",
            "attributes=wf-2",
        ],
    )
    .await
    .expect(0);
    assert!(
        run.stdout.contains(
            "created      trigger      escalator-customer-start (id escalator-customer-start-id)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("created      credential   escalator-token"),
        "{}",
        run.stdout
    );
    let attributes = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("\"escalator-attributes\""))
        .unwrap();
    let body: Value = serde_json::from_slice(&attributes.body).unwrap();
    assert_eq!(body["target"]["id"], "wf-2");
}

#[tokio::test]
async fn list_and_remove_show_and_delete_only_escalators_objects() {
    let server = MockServer::start().await;
    token(&server).await;
    get(
        &server,
        "/api/v2/integrations/credentials",
        listing(json!([{"id": "c1", "name": "escalator-token", "type": {"name": "userDefined"}}])),
    )
    .await;
    get(&server, "/api/v2/integrations", listing(json!([{"id": "i1", "name": "escalator-data-actions", "integrationType": {"id": "custom-rest-actions"}, "intendedState": "ENABLED"}, {"id": "i2", "name": "CRM"}]))).await;
    get(&server, "/api/v2/integrations/actions", listing(json!([]))).await;
    get(&server, "/api/v2/processautomation/triggers", ok(json!({"entities": [
        {"id": "t1", "name": "escalator-acd-start", "topicName": "v2.detail.events.conversation.{id}.acd.start", "target": {"id": "wf-1"}, "enabled": true}]}))).await;
    let cfg = config(&server, "");
    let run = webhooks("list", "genesys", &cfg, &[]).await.expect(0);
    assert!(
        run.stdout.contains(
            "escalator-acd-start: v2.detail.events.conversation.{id}.acd.start -> workflow wf-1"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("i1") && !run.stdout.contains("i2"),
        "{}",
        run.stdout
    );

    for p in [
        "/api/v2/processautomation/triggers/t1",
        "/api/v2/integrations/i1",
        "/api/v2/integrations/credentials/c1",
    ] {
        Mock::given(method("DELETE"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let run = webhooks("remove", "genesys", &cfg, &[]).await.expect(0);
    assert!(
        run.stdout
            .contains("deleted      trigger      escalator-acd-start (id t1)"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn dry_run_sends_nothing_and_shows_placeholders() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "genesys",
        &cfg,
        &["--url", "https://esc.example.com", "--dry-run"],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains(&format!(
        "POST {}/api/v2/integrations/credentials",
        server.uri()
    )));
    assert!(
        run.stdout.contains("\"token\": \"<redacted>\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("no workflow id given"),
        "{}",
        run.stdout
    );
    webhooks("list", "genesys", &cfg, &["--dry-run"])
        .await
        .expect(0);
    webhooks("remove", "genesys", &cfg, &["--dry-run"])
        .await
        .expect(0);
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn missing_settings_are_usage_errors_and_platform_refusals_exit_1() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let file = cfg.path().to_string_lossy().into_owned();
    let args = [
        "webhooks",
        "register",
        "genesys",
        "--config",
        &file,
        "--url",
        "https://esc.example.com",
    ];
    let run = escalator(&args, &["ESCALATOR_GENESYS_WEBHOOK_SECRET"])
        .await
        .expect(2);
    assert!(
        run.stderr
            .contains("ESCALATOR_GENESYS_WEBHOOK_SECRET is not set"),
        "{}",
        run.stderr
    );
    let run = escalator(&args, &["ESCALATOR_GENESYS_CLIENT_ID"])
        .await
        .expect(2);
    assert!(
        run.stderr.contains("ESCALATOR_GENESYS_CLIENT_ID"),
        "{}",
        run.stderr
    );
    let run = webhooks(
        "register",
        "avaya",
        &cfg,
        &["--url", "https://esc.example.com"],
    )
    .await
    .expect(2);
    assert!(run.stderr.contains("unknown vendor"), "{}", run.stderr);
    let run = webhooks("register", "genesys", &cfg, &["--url", "esc.example.com"])
        .await
        .expect(2);
    assert!(run.stderr.contains("--url"), "{}", run.stderr);
    let run = escalator(
        &[
            "webhooks",
            "register",
            "genesys",
            "--config",
            "/nonexistent.toml",
            "--url",
            "https://e.x",
        ],
        &[],
    )
    .await
    .expect(2);
    assert!(run.stderr.contains("/nonexistent.toml"), "{}", run.stderr);
    assert_eq!(requests(&server).await, 0);

    // A refused client: exit 1, the platform's words, no secret.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "client not found"}),
        ))
        .mount(&server)
        .await;
    let run = webhooks("list", "genesys", &cfg, &[]).await.expect(1);
    assert!(run.stderr.contains("client not found"), "{}", run.stderr);
}
