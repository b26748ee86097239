//! Talkdesk: token, then `POST /webhooks/triggers/{trigger}` and
//! `DELETE /webhooks/triggers/{trigger}/{trigger_id}` (§1a, §5, §7). No list call exists.

use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{config, ok, requests, webhooks};

async fn token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // Registration asks for its one scope only.
        .and(body_string_contains("scope=webhooks-trigger%3Awrite"))
        .respond_with(ok(
            json!({"access_token": "tdtok", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(server)
        .await;
}

#[tokio::test]
async fn register_subscribes_the_acted_on_triggers_and_prints_their_ids_for_remove() {
    let server = MockServer::start().await;
    token(&server).await;
    Mock::given(method("POST"))
        .and(path("/webhooks/triggers/inboundCallEnds"))
        .and(header("authorization", "Bearer tdtok"))
        // The callback URL carries the (percent-encoded) webhook secret intake checks.
        .and(body_string_contains(
            "https://esc.example.com/webhooks/talkdesk/td-WEBHOOK-secret%2F7%2By?trigger=inboundCallEnds",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "trg-ends"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex_triggers())
        .respond_with(|r: &Request| {
            let trigger = r.url.path().rsplit('/').next().unwrap_or("").to_string();
            ResponseTemplate::new(201).insert_header(
                "Location",
                format!("https://api.talkdeskapp.com/webhooks/triggers/{trigger}/trg-{trigger}")
                    .as_str(),
            )
        })
        .expect(3)
        .mount(&server)
        .await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "talkdesk",
        &cfg,
        &["--url", "https://esc.example.com/"],
    )
    .await
    .expect(0);
    assert!(
        run.stdout.contains("inboundCallEnds (trigger id trg-ends)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--id inboundCallEnds/trg-ends"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("--id inboundCallStarts/trg-inboundCallStarts"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no list call"), "{}", run.stdout);
}

/// Any of the other acted-on triggers (inboundCallEnds has its own mock).
fn path_regex_triggers() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(
        "^/webhooks/triggers/(inboundCallReachesContactCenter|inboundCallStarts|outboundCallEnds)$",
    )
}

#[tokio::test]
async fn list_says_talkdesk_has_no_list_call_and_sends_nothing() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks("list", "talkdesk", &cfg, &[]).await.expect(0);
    assert!(run.stdout.contains("no list call"), "{}", run.stdout);
    assert!(
        run.stdout.contains("inboundCallReachesContactCenter"),
        "{}",
        run.stdout
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn remove_needs_ids_and_deletes_each() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks("remove", "talkdesk", &cfg, &[]).await.expect(2);
    assert!(
        run.stderr.contains("--id <trigger>/<trigger id>"),
        "{}",
        run.stderr
    );
    token(&server).await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallEnds/trg-ends"))
        .and(header("authorization", "Bearer tdtok"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/webhooks/triggers/inboundCallStarts/trg-gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "404", "message": "Not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let run = webhooks(
        "remove",
        "talkdesk",
        &cfg,
        &[
            "--id",
            "inboundCallEnds/trg-ends",
            "--id",
            "inboundCallStarts/trg-gone",
        ],
    )
    .await
    .expect(0);
    assert!(
        run.stdout
            .contains("deleted      trigger      inboundCallEnds"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("already gone trigger      inboundCallStarts"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn dry_run_shows_the_requests_with_the_secrets_name_and_sends_nothing() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "talkdesk",
        &cfg,
        &["--url", "https://esc.example.com", "--dry-run"],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains(&format!(
        "POST {}/webhooks/triggers/inboundCallEnds",
        server.uri()
    )));
    assert!(
        run.stdout.contains(
            "/webhooks/talkdesk/$ESCALATOR_TALKDESK_WEBHOOK_SECRET?trigger=inboundCallEnds"
        ),
        "{}",
        run.stdout
    );
    webhooks(
        "remove",
        "talkdesk",
        &cfg,
        &["--dry-run", "--id", "inboundCallEnds/x1"],
    )
    .await
    .expect(0);
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn an_intake_that_cannot_take_the_url_secret_is_a_config_error() {
    let server = MockServer::start().await;
    let cfg = config(&server, "[vendors.talkdesk]\nauth = [\"header\"]\n");
    let run = webhooks(
        "register",
        "talkdesk",
        &cfg,
        &["--url", "https://esc.example.com"],
    )
    .await
    .expect(2);
    assert!(
        run.stderr.contains("vendors.talkdesk.auth"),
        "{}",
        run.stderr
    );
    assert_eq!(requests(&server).await, 0);
}
