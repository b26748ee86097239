use std::time::Duration;

use escalator::app::Application;
use escalator::config::{Config, GenesysTarget, InboundAuthMode, Secrets, TeamConfig};
use escalator::store::{ActionRow, Store};
use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{Secret, Vendor};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "store_backend.rs"]
pub mod store_backend;

pub const SECRET: &str = "test-webhook-secret";
pub const STANDARD_KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const CID: &str = "b1c4e2a0-5d6f-4a1b-9c3e-7f8a9b0c1d2e";
pub const CUSTOMER_PID: &str = "p-cust-7c1d";
pub const AGENT_PID: &str = "p-agent-42aa";
pub const AGENT_USER: &str = "u-agent-9f3b";
pub const CALLER: &str = "+13175551234";

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub genesys: MockServer,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    handle: JoinHandle<()>,
    pub dir: TempDir,
}

/// Changes a test makes to the configuration before the app starts.
pub type Configure = Box<dyn FnOnce(&mut Config) + Send>;

pub struct Options {
    pub dispatcher: bool,
    pub credentials: bool,
    pub auth: InboundAuthMode,
    pub body_limit: usize,
    /// Reuse a database from an earlier app (restart).
    pub dir: Option<TempDir>,
    pub genesys: Option<MockServer>,
    /// Platform-API secrets by environment name (e.g. `ESCALATOR_TALKDESK_CLIENT_ID`).
    pub api_secrets: Vec<(&'static str, String)>,
    /// Last word on the configuration (point a platform's API at its mock, …).
    pub configure: Option<Configure>,
    /// The semantic layer's scorer (a test double); `None`: rules-only.
    pub scorer: Option<std::sync::Arc<dyn escalator::semantic::Scorer>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dispatcher: true,
            credentials: true,
            auth: InboundAuthMode::Header,
            body_limit: 256 * 1024,
            dir: None,
            genesys: None,
            api_secrets: Vec::new(),
            configure: None,
            scorer: None,
        }
    }
}

/// Every team's callbacks are owned by a named person: "Owner of <team>".
fn team(name: &str, queue: &str, callback: Option<&str>) -> TeamConfig {
    let on = |prefix: &str| {
        Some(GenesysTarget {
            queue_id: format!("{prefix}-{}", queue.trim_start_matches("q-")),
            ..Default::default()
        })
    };
    TeamConfig {
        callback_owner: Some(format!("Owner of {name}")),
        supervisor: Some(format!("Supervisor of {name}")),
        roster: Vec::new(),
        genesys: Some(GenesysTarget {
            queue_id: queue.into(),
            callback_queue_id: callback.map(str::to_string),
            ..Default::default()
        }),
        talkdesk: on("td"),
        five9: on("skill"),
        nextiva: on("nx"),
        cloudtalk: on("ct"),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    let genesys = match opts.genesys {
        Some(g) => g,
        None => MockServer::start().await,
    };
    let dir = match opts.dir {
        Some(d) => d,
        None => tempfile::tempdir().expect("temp dir"),
    };
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config.server.body_limit_bytes = opts.body_limit;
    config.store.url = store_backend::store_url_for(dir.path()).await;
    config.dispatcher.enabled = opts.dispatcher;
    config.dispatcher.backoff_base_ms = 20;
    config.dispatcher.backoff_max_ms = 100;
    config.dispatcher.poll_interval_ms = 50;
    config.dispatcher.request_timeout_ms = 2_000;
    config.dispatcher.route_on_hook_seconds = 1;
    // Callbacks may be placed at any hour in tests, so what the chain does does not depend
    // on the time of day the suite runs (windows are tested at fixed times in
    // src/callbacks/).
    for region in escalator::callbacks::CallingHoursTable::default().regions() {
        config.callbacks.calling_hours.insert(
            region.to_string(),
            escalator::callbacks::config::CallingHoursConfig {
                open: "00:00".into(),
                close: "24:00".into(),
                saturday: None,
                sunday: None,
                closed_on_holidays: false,
            },
        );
    }
    config.callbacks.min_window_minutes = 1;
    config.callbacks.policies.specialist = 24 * 60;
    config.callbacks.policies.supervisor = 24 * 60;
    config.vendors.genesys.api_base = Some(genesys.uri());
    config.vendors.genesys.login_base = Some(genesys.uri());
    config.vendors.genesys.auth = opts.auth;
    config.vendors.genesys.default_queue_id = "q-general".into();
    for (name, queue, callback) in [
        ("supervisor", "q-supervisor", None),
        ("legal", "q-legal", Some("q-legal-callbacks")),
        ("compliance", "q-compliance", None),
        ("communications", "q-comms", None),
        ("welfare", "q-welfare", None),
        ("fraud", "q-fraud", None),
    ] {
        config
            .teams
            .insert(name.into(), team(name, queue, callback));
    }
    if let Some(configure) = opts.configure {
        configure(&mut config);
    }
    let secrets = Secrets {
        genesys_webhook_secret: Some(Secret::new(SECRET)),
        genesys_webhook_password: Some(Secret::new(SECRET)),
        genesys_client_id: opts.credentials.then(|| "client-id".to_string()),
        genesys_client_secret: opts.credentials.then(|| Secret::new("client-secret")),
        standard_webhook_secrets: vec![Secret::new(STANDARD_KEY)],
        webhook_secrets: escalator::config::INTAKE_VENDORS
            .iter()
            .map(|v| (*v, Secret::new(SECRET)))
            .collect(),
        api: escalator::config::API_SECRET_ENV
            .iter()
            .filter_map(|k| {
                opts.api_secrets
                    .iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, v)| (*k, Secret::new(v.clone())))
            })
            .collect(),
    };
    let app = Application::build_with_scorer(config, secrets, opts.scorer)
        .await
        .expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let store = app.store();
    let shutdown = app.shutdown_token();
    let handle = tokio::spawn(async move {
        app.run_until_stopped().await.expect("server runs");
    });
    TestApp {
        address,
        store,
        genesys,
        http: reqwest::Client::new(),
        shutdown,
        handle,
        dir,
    }
}

impl TestApp {
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.address))
            .header("X-Escalator-Token", SECRET)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_genesys(&self, body: &Value) -> reqwest::Response {
        self.post("/webhooks/genesys", body).await
    }

    /// Waits until the Genesys test call's actions satisfy `done`.
    pub async fn wait_for_actions(&self, done: impl Fn(&[ActionRow]) -> bool) -> Vec<ActionRow> {
        self.wait_for_actions_on(Vendor::Genesys, CID, done).await
    }

    /// Waits until the actions of `vendor`'s call `call_id` satisfy `done`, or panics with
    /// what was there.
    pub async fn wait_for_actions_on(
        &self,
        vendor: Vendor,
        call_id: &str,
        done: impl Fn(&[ActionRow]) -> bool,
    ) -> Vec<ActionRow> {
        let mut last = Vec::new();
        for _ in 0..400 {
            last = self
                .store
                .actions(vendor, call_id)
                .await
                .expect("actions readable");
            // A consult's answer check waits for its deadline (the playbook's
            // `transfer_answer_seconds`): what was asked of the platform is done meanwhile.
            last.retain(|a| !(a.kind == "confirm_transfer" && a.status == "pending"));
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("actions never reached the expected state: {last:#?}");
    }

    /// What a speech-analytics system heard the caller say on `platform`'s call, sent
    /// through the signed neutral feed (the live transcript the platform itself lacks).
    pub async fn post_caller_said(
        &self,
        platform: Vendor,
        call_id: &str,
        utterance_id: &str,
        text: &str,
    ) -> reqwest::Response {
        self.post_caller_said_with_refs(platform, call_id, utterance_id, text, json!({}))
            .await
    }

    /// [`TestApp::post_caller_said`], with the platform ids the feed knows (`refs`).
    pub async fn post_caller_said_with_refs(
        &self,
        platform: Vendor,
        call_id: &str,
        utterance_id: &str,
        text: &str,
        refs: Value,
    ) -> reqwest::Response {
        // `Standard` sends no platform: the call lives nowhere Escalator can act.
        let mut body = serde_json::json!({
            "platform": platform.as_str(), "type": "utterance", "call_id": call_id,
            "occurred_at": jiff::Timestamp::now().to_string(),
            "caller": {"number": CALLER},
            "utterance_id": utterance_id, "speaker": "customer", "text": text,
            "is_final": true, "refs": refs
        });
        if platform == Vendor::Standard {
            body.as_object_mut().map(|o| o.remove("platform"));
        }
        self.post_signed_feed(&format!("msg_{utterance_id}"), &body)
            .await
    }

    /// `body` on the vendor-neutral feed, signed as Standard Webhooks message `id`.
    pub async fn post_signed_feed(&self, id: &str, body: &Value) -> reqwest::Response {
        let bytes = serde_json::to_vec(body).expect("JSON");
        let key = SigningKey::parse(&Secret::new(STANDARD_KEY)).expect("key");
        let ts = jiff::Timestamp::now().as_second();
        self.http
            .post(format!("{}/webhooks/standard", self.address))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign(&key, id, ts, &bytes))
            .body(bytes)
            .send()
            .await
            .expect("request sent")
    }

    /// Stops the service gracefully; returns what a restart needs.
    pub async fn stop(self) -> (TempDir, MockServer) {
        self.shutdown.cancel();
        self.handle.await.expect("server task ends");
        (self.dir, self.genesys)
    }
}

/// Token endpoint and the conversation read, as Genesys answers them.
/// A Slack-compatible alert webhook on `server` at `/alerts` that accepts everything;
/// pass `alert_webhook_secret(&server)` in `Options::api_secrets`.
pub async fn mount_alert_webhook(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(server)
        .await;
}

pub fn alert_webhook_secret(server: &MockServer) -> (&'static str, String) {
    (
        escalator::config::ENV_ALERT_WEBHOOK_URL,
        format!("{}/alerts", server.uri()),
    )
}

/// The alerts the webhook on `server` received, as JSON bodies.
pub async fn alerts_received(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/alerts")
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

pub async fn mount_genesys_basics(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "test-token", "token_type": "bearer", "expires_in": 86399
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/calls/{CID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": CID,
            "participants": [
                {"id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
                 "address": format!("tel:{CALLER}"), "held": false},
                {"id": AGENT_PID, "purpose": "agent", "state": "connected",
                 "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}}
            ]
        })))
        .mount(server)
        .await;
}

pub fn consult_path() -> String {
    format!("/api/v2/conversations/calls/{CID}/participants/{CUSTOMER_PID}/consult/queue")
}

pub fn attributes_path() -> String {
    format!("/api/v2/conversations/calls/{CID}/participants/{CUSTOMER_PID}/attributes")
}

/// A transcription delivery in the EventBridge envelope.
pub fn transcription(utterance_id: &str, text: &str, channel: &str, is_final: bool) -> Value {
    json!({
        "version": "0",
        "id": uuid_like(utterance_id),
        "detail-type": "v2.conversations.{id}.transcription",
        "source": "aws.partner/genesys.com/cloud/org-1/escalator",
        "account": "123456789012",
        "time": "2026-03-19T22:04:48Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "topicName": format!("v2.conversations.{CID}.transcription"),
            "version": "2",
            "eventBody": {
                "eventTime": "2026-03-19T22:04:48.128Z",
                "organizationId": "org-1",
                "conversationId": CID,
                "communicationId": "comm-1",
                "sessionStartTimeMs": 1773957594383_i64,
                "transcriptionStartTimeMs": 1773957594336_i64,
                "transcripts": [{
                    "utteranceId": utterance_id,
                    "isFinal": is_final,
                    "channel": channel,
                    "alternatives": [{
                        "confidence": 0.91, "offsetMs": 278620, "durationMs": 2480,
                        "transcript": text.to_lowercase(),
                        "decoratedTranscript": text
                    }],
                    "engineProvider": "GENESYS", "dialect": "en-US"
                }],
                "status": {"offsetMs": 278620, "status": "SESSION_ONGOING"}
            },
            "metadata": {"CorrelationId": "corr-1"},
            "timestamp": "2026-03-19T22:04:48.128Z"
        }
    })
}

/// Call started, with the caller's number and the customer participant.
pub fn customer_start() -> Value {
    json!({
        "topicName": format!("v2.detail.events.conversation.{CID}.customer.start"),
        "version": "2",
        "eventBody": {
            "eventTime": 1773957590000_i64, "conversationId": CID,
            "participantId": CUSTOMER_PID, "sessionId": "s-1", "mediaType": "VOICE",
            "direction": "INBOUND", "ani": format!("tel:{CALLER}"), "dnis": "tel:+13175550000"
        }
    })
}

fn uuid_like(seed: &str) -> String {
    format!("evt-{seed}")
}

/// The built-in playbook with a consult answer time of `seconds`, written to a temp file.
pub fn playbook_answering_within(seconds: u64) -> Configure {
    Box::new(move |config: &mut Config| {
        let text = include_str!("../../playbook/default.toml").replace(
            "transfer_answer_seconds = 60",
            &format!("transfer_answer_seconds = {seconds}"),
        );
        let file = std::env::temp_dir().join(format!(
            "escalator-playbook-{}-{seconds}.toml",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&file, text).expect("playbook written");
        config.playbook.file = Some(file);
    })
}
