//! Nextiva Contact Center: login at `/provider/token-with-authorities` (HTTP Basic) giving
//! the tenant `location`, then the generic data API on type `restcall` and the disposition
//! attachment (§1a, §5, §7).

use serde_json::{json, Value};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{config, ok, requests, webhooks};

// base64("nxuser:nx-api-PASSWORD-5")
const BASIC: &str = "Basic bnh1c2VyOm54LWFwaS1QQVNTV09SRC01";

/// The login host and the tenant cluster are one server here; the login sends calls there.
async fn login(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/provider/token-with-authorities"))
        .and(header("authorization", BASIC))
        .respond_with(ok(json!({"token": "nxtok", "location": server.uri(),
                                "clientLocation": "https://nextiva.thrio.io"})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn register_creates_the_objects_with_the_secret_header_and_attaches_the_disposition() {
    let server = MockServer::start().await;
    login(&server).await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .and(query_param("q", "Escalator - Route"))
        .respond_with(ok(
            json!({"total": 1, "objects": [{"_id": "rc-route", "name": "Escalator - Route"}]}),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .respond_with(ok(json!({"total": 0, "objects": []})))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/restcall/rc-route"))
        .and(header("authorization", "nxtok"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/data/api/types/restcall/"))
        // The header intake checks, with the secret.
        .and(body_partial_json(json!({"headerParameters": [
            {"key": "X-Escalator-Token", "value": "nx-WEBHOOK-secret-6"},
            {"key": "Content-Type", "value": "application/json"}]})))
        .respond_with(|r: &Request| {
            let b: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let name = b["name"].as_str().unwrap_or("").to_string();
            let id = if name.contains("Disposition") {
                "rc-disp".to_string()
            } else {
                format!("rc-{}", name.len())
            };
            ResponseTemplate::new(201).set_body_json(json!({"_id": id, "name": name}))
        })
        // Six fixed objects minus the existing route, plus one disposition hook.
        .expect(6)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/data/api/types/disposition/disp-1"))
        .and(body_json(json!({"restcallId": "rc-disp"})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "nextiva",
        &cfg,
        &[
            "--url",
            "https://esc.example.com",
            "--disposition",
            "Legal threat=disp-1",
        ],
    )
    .await
    .expect(0);
    assert!(
        run.stdout
            .contains("updated      REST API     Escalator - Route (_id rc-route)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "Escalator - Disposition - Legal threat (_id rc-disp, runs on disposition disp-1)"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn list_and_remove_only_escalators_objects() {
    let server = MockServer::start().await;
    login(&server).await;
    Mock::given(method("GET"))
        .and(path("/data/api/types/restcall"))
        .and(query_param("q", "Escalator -"))
        .respond_with(ok(json!({"total": 3, "objects": [
            {"_id": "rc-1", "name": "Escalator - Queued"},
            {"_id": "rc-2", "name": "Escalator - Route"},
            {"_id": "rc-x", "name": "Salesforce - Escalator sync"}]})))
        .mount(&server)
        .await;
    let cfg = config(&server, "");
    let run = webhooks("list", "nextiva", &cfg, &[]).await.expect(0);
    assert!(
        run.stdout.contains("Escalator - Queued") && !run.stdout.contains("Salesforce"),
        "{}",
        run.stdout
    );
    Mock::given(method("DELETE"))
        .and(path("/data/api/types/restcall/rc-1"))
        .and(header("authorization", "nxtok"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/data/api/types/restcall/rc-2"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "NOT_FOUND", "message": "gone"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let run = webhooks("remove", "nextiva", &cfg, &[]).await.expect(0);
    assert!(
        run.stdout
            .contains("deleted      REST API     Escalator - Queued (_id rc-1)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("already gone REST API     Escalator - Route (_id rc-2)"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn dry_run_sends_nothing_and_names_the_secret() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "nextiva",
        &cfg,
        &["--url", "https://esc.example.com", "--dry-run"],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains("POST {location from"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("\"value\": \"$ESCALATOR_NEXTIVA_WEBHOOK_SECRET\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("No --disposition given"),
        "{}",
        run.stdout
    );
    webhooks("list", "nextiva", &cfg, &["--dry-run"])
        .await
        .expect(0);
    webhooks("remove", "nextiva", &cfg, &["--dry-run"])
        .await
        .expect(0);
    assert_eq!(requests(&server).await, 0);
    // --disposition means nothing to another platform.
    let run = webhooks(
        "register",
        "five9",
        &cfg,
        &["--url", "https://e.x", "--disposition", "x"],
    )
    .await
    .expect(2);
    assert!(run.stderr.contains("--disposition"), "{}", run.stderr);
}
