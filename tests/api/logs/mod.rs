//! The real binary's logs over a full run: every configured secret set, debug level, every
//! platform's API at one wiremock server. What it writes is searched for secrets and, with
//! redaction on, for personal data.

mod redaction;
mod secrets;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::Secret;
use serde_json::{json, Value};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{customer_start, mount_genesys_basics, transcription, CALLER, CID};

/// Every secret the service reads, by environment name, with values that appear nowhere
/// else (the characters that base64 and URL encoding change are there on purpose).
pub fn secret_env(platform: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        (
            "ESCALATOR_GENESYS_WEBHOOK_SECRET",
            "gw-S3cr3t-7f1e9a".into(),
        ),
        (
            "ESCALATOR_GENESYS_WEBHOOK_PASSWORD",
            "gw-Pa55+word/8c2d".into(),
        ),
        ("ESCALATOR_GENESYS_CLIENT_ID", "gc-client-id-4b7e10".into()),
        (
            "ESCALATOR_GENESYS_CLIENT_SECRET",
            "gc-cl1ent+secret/9a3f".into(),
        ),
        (
            "ESCALATOR_STANDARD_WEBHOOK_SECRETS",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        ),
        (
            "ESCALATOR_TALKDESK_WEBHOOK_SECRET",
            "td-url-secret-5e8c21".into(),
        ),
        (
            "ESCALATOR_FIVE9_WEBHOOK_SECRET",
            "f9-field-secret-a4d903".into(),
        ),
        (
            "ESCALATOR_NEXTIVA_WEBHOOK_SECRET",
            "nx-hdr-secret-6b1f77".into(),
        ),
        (
            "ESCALATOR_CLOUDTALK_WEBHOOK_SECRET",
            "ct-body-secret-c90e45".into(),
        ),
        ("ESCALATOR_TALKDESK_CLIENT_ID", "td-client-id-31aa0c".into()),
        (
            "ESCALATOR_TALKDESK_CLIENT_SECRET",
            "td-cl1ent+secret/e2b8".into(),
        ),
        ("ESCALATOR_FIVE9_ADMIN_USER", "f9-admin-user-77c0de".into()),
        (
            "ESCALATOR_FIVE9_ADMIN_PASSWORD",
            "f9-adm1n+pass/0d4e".into(),
        ),
        (
            "ESCALATOR_FIVE9_AGENT_CREDENTIALS",
            "f9-agent-user-9e21:f9-ag3nt+pass/51bc".into(),
        ),
        ("ESCALATOR_NEXTIVA_API_USER", "nx-api-user-2c6d88".into()),
        ("ESCALATOR_NEXTIVA_API_PASSWORD", "nx-ap1+pass/73fa".into()),
        ("ESCALATOR_CLOUDTALK_API_KEY_ID", "ct-key-id-18e4b9".into()),
        (
            "ESCALATOR_CLOUDTALK_API_KEY_SECRET",
            "ct-k3y+secret/a07c".into(),
        ),
        (
            "ESCALATOR_ALERT_WEBHOOK_URL",
            format!("{}/alerts/T0k3n-alert-path-4411", platform.uri()),
        ),
        ("ESCALATOR_AUDIT_KEY", "audit-k3y+chain/5d19".into()),
        ("ESCALATOR_ADMIN_TOKEN", "adm-t0ken-bearer-8e02ff".into()),
    ]
}

pub fn env_value<'a>(env: &'a [(&'static str, String)], name: &str) -> &'a str {
    env.iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
        .expect("set")
}

/// Teams on every platform, calling hours around the clock, a fast dispatcher, every
/// platform's API at `platform`.
fn config_toml(dir: &TempDir, platform: &str, extra: &str) -> String {
    let db = dir.path().join("escalator.db");
    let mut teams = String::new();
    for (team, id) in [
        ("supervisor", "supervisor"),
        ("legal", "legal"),
        ("compliance", "compliance"),
        ("communications", "comms"),
        ("welfare", "welfare"),
        ("fraud", "fraud"),
    ] {
        teams.push_str(&format!(
            "[teams.{team}]\ncallback_owner = \"Owner of {team}\"\nsupervisor = \"Supervisor of {team}\"\n"
        ));
        for (p, prefix) in [
            ("genesys", "q"),
            ("talkdesk", "td"),
            ("five9", "skill"),
            ("nextiva", "nx"),
            ("cloudtalk", "ct"),
        ] {
            teams.push_str(&format!(
                "[teams.{team}.{p}]\nqueue_id = \"{prefix}-{id}\"\n"
            ));
        }
    }
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
[store]
url = "sqlite://{db}"
[dispatcher]
backoff_base_ms = 20
backoff_max_ms = 100
poll_interval_ms = 50
request_timeout_ms = 2000
max_attempts = 2
route_on_hook_seconds = 1
[callbacks.calling_hours.US]
open = "00:00"
close = "23:59"
[callbacks.policies]
specialist = 1440
supervisor = 1440
[vendors.genesys]
api_base = "{platform}"
login_base = "{platform}"
default_queue_id = "q-general"
[vendors.talkdesk.api]
api_base = "{platform}"
token_url = "{platform}/oauth/token"
callback_from_number = "+18005550100"
[vendors.five9.api]
admin_base = "{platform}"
agent_login_base = "{platform}"
[vendors.nextiva.api]
login_base = "{platform}"
api_base = "{platform}"
callback_list_id = "list-1"
[vendors.cloudtalk.api]
api_base = "{platform}/api"
platform_base = "{platform}/api"
{extra}
{teams}"#,
        db = db.display()
    )
}

/// Every platform API call answers: tokens for token requests, the Genesys call for its
/// read, `{}` for the rest (what a client cannot use it logs as an error, which is the
/// point: error paths are where secrets leak).
async fn mount_platforms(server: &MockServer) {
    mount_genesys_basics(server).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "platform-access-token", "token_type": "Bearer", "expires_in": 3600
        })))
        .mount(server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(server)
        .await;
}

/// The service binary, running; its stdout and stderr are collected line by line.
pub struct Running {
    child: Child,
    pub address: String,
    lines: Arc<Mutex<Vec<String>>>,
    pub http: reqwest::Client,
    pub platform: MockServer,
    pub env: Vec<(&'static str, String)>,
    _dir: TempDir,
}

/// A model path that never exists: the service runs rules-only.
pub const NO_MODEL: &str = "/nonexistent/escalator-test-model.bin";

impl Running {
    /// Starts `escalator serve` at debug level with every secret set; `extra` is added to
    /// the configuration file, `env` to the environment.
    pub async fn start(extra: &str, env: &[(&str, &str)]) -> Running {
        let platform = MockServer::start().await;
        mount_platforms(&platform).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("escalator.toml");
        std::fs::write(&config, config_toml(&dir, &platform.uri(), extra)).expect("config");
        let secrets = secret_env(&platform);
        let mut command = Command::new(env!("CARGO_BIN_EXE_escalator"));
        command
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &secrets {
            command.env(k, v);
        }
        // Rules only unless a test says otherwise: these tests are about logs and probes,
        // and the installed model would make their escalations depend on its scores.
        command.env("ESCALATOR_SEMANTIC_MODEL", NO_MODEL);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(addr) = listening_address(&line) {
                        let _ = tx.send(addr);
                    }
                    lines.lock().expect("lines").push(line);
                }
            });
        }
        let address = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the service did not start: {:#?}",
                    lines.lock().expect("lines")
                );
            }
        };
        Running {
            child,
            address: format!("http://{address}"),
            lines,
            http: reqwest::Client::new(),
            platform,
            env: secrets,
            _dir: dir,
        }
    }

    pub fn secret(&self, name: &str) -> &str {
        env_value(&self.env, name)
    }

    /// A full run: a signed or authenticated delivery per platform that escalates, a
    /// routing-hook call, a refused delivery, admin API calls with and without the token;
    /// then waits for the platform calls.
    pub async fn drive(&self) {
        let post = |path: &str| self.http.post(format!("{}{path}", self.address));
        let genesys = self.secret("ESCALATOR_GENESYS_WEBHOOK_SECRET").to_string();
        for event in [
            customer_start(),
            transcription(
                "u-legal",
                "I am going to sue you, my lawyer will call",
                "EXTERNAL",
                true,
            ),
        ] {
            let r = post("/webhooks/genesys")
                .header("X-Escalator-Token", &genesys)
                .json(&event)
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        }
        // Talkdesk: the secret in the URL path, and in a header on the routing hook.
        let td = self.secret("ESCALATOR_TALKDESK_WEBHOOK_SECRET").to_string();
        let r = post(&format!("/webhooks/talkdesk/{td}"))
            .json(&fixture_json("talkdesk/disposition-escalated-legal.json"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let r = post("/route/talkdesk")
            .header("X-API-Key", &td)
            .json(
                &json!({"interaction_id": "td-route-1", "contact_phone_number": "+14155550123",
                          "text": "I'm going to the press with this"}),
            )
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
        // Five9: the secret as a form field, and in a GET connector's query.
        let f9 = self.secret("ESCALATOR_FIVE9_WEBHOOK_SECRET").to_string();
        let form = fixture_text("five9/dispositioned-legal.form").replace("f9-test-secret", &f9);
        let r = post("/webhooks/five9")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let query = fixture_text("five9/accepted-outbound.query")
            .trim()
            .replace("f9-test-secret", &f9);
        let r = self
            .http
            .get(format!("{}/webhooks/five9?{query}", self.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
        // Nextiva: the secret in a header.
        let r = post("/webhooks/nextiva")
            .header(
                "X-Escalator-Token",
                self.secret("ESCALATOR_NEXTIVA_WEBHOOK_SECRET"),
            )
            .json(&fixture_json("nextiva/disposition.legal-threat.json"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
        // CloudTalk: the secret in the body.
        let mut ct = fixture_json("cloudtalk/call-modified-legal-tag.json");
        ct["escalator_secret"] = json!(self.secret("ESCALATOR_CLOUDTALK_WEBHOOK_SECRET"));
        let r = post("/webhooks/cloudtalk")
            .json(&ct)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
        // The neutral feed, signed, with the caller's number.
        let body = serde_json::to_vec(&json!({
            "platform": "genesys", "type": "utterance", "call_id": CID,
            "occurred_at": jiff::Timestamp::now().to_string(), "caller": {"number": CALLER, "name": "Jordan Avery"},
            "utterance_id": "sa-1", "speaker": "customer", "text": "I'm reporting you to the CFPB",
            "is_final": true
        }))
        .expect("JSON");
        let key = SigningKey::parse(&Secret::new(
            self.secret("ESCALATOR_STANDARD_WEBHOOK_SECRETS"),
        ))
        .expect("key");
        let ts = jiff::Timestamp::now().as_second();
        let r = post("/webhooks/standard")
            .header("content-type", "application/json")
            .header("webhook-id", "msg_logs_1")
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign(&key, "msg_logs_1", ts, &body))
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        // Refused: a wrong secret, and a secret of another vendor.
        let r = post("/webhooks/genesys")
            .header(
                "X-Escalator-Token",
                self.secret("ESCALATOR_NEXTIVA_WEBHOOK_SECRET"),
            )
            .json(&customer_start())
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 401);
        // The admin API, with the token and with a wrong one.
        let token = self.secret("ESCALATOR_ADMIN_TOKEN").to_string();
        for path in [
            "/api/v1/escalations",
            "/api/v1/callbacks",
            "/api/v1/reviews",
        ] {
            let r = self
                .http
                .get(format!("{}{path}", self.address))
                .bearer_auth(&token)
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 200, "{path}");
        }
        let r = self
            .http
            .get(format!("{}/api/v1/escalations", self.address))
            .bearer_auth(format!("{token}-wrong"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 401);
        self.wait_for_platform_calls().await;
    }

    /// Until every action has settled (the outbox is empty at two scrapes in a row).
    async fn wait_for_platform_calls(&self) {
        let mut empty = 0;
        for _ in 0..400 {
            let metrics = self
                .http
                .get(format!("{}/metrics", self.address))
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .unwrap_or_default();
            let depth = metrics
                .lines()
                .find_map(|l| l.strip_prefix("escalator_outbox_depth "))
                .and_then(|v| v.trim().parse::<f64>().ok());
            empty = if depth == Some(0.0) { empty + 1 } else { 0 };
            if empty == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "actions never settled: {}",
            self.lines
                .lock()
                .expect("lines")
                .iter()
                .filter(|l| l.contains("action"))
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// Stops the service with SIGTERM and returns every line it wrote.
    pub fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let mut stopped = false;
        for _ in 0..200 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                stopped = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        if !stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The reader threads end with the pipes.
        std::thread::sleep(Duration::from_millis(100));
        let lines = self.lines.lock().expect("lines").clone();
        lines
    }
}

fn listening_address(line: &str) -> Option<String> {
    let v: Value = serde_json::from_str(line).ok()?;
    (v["fields"]["message"] == "escalator listening")
        .then(|| v["fields"]["addr"].as_str().map(str::to_string))
        .flatten()
}

fn fixture_text(path: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture")
}

fn fixture_json(path: &str) -> Value {
    serde_json::from_str(&fixture_text(path)).expect("JSON fixture")
}
