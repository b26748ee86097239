//! What the process-level tests share (`replicas_process.rs`, `crash_process.rs`):
//! `escalator serve` run as a child process that can be killed with SIGKILL, its
//! configuration file, and deliveries signed for the neutral feed. The mocked platforms
//! are in [`genesys`] and [`five9`]; [`sender`] delivers like a platform.

pub mod five9;
pub mod genesys;
pub mod sender;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::Secret;
use serde_json::Value;

pub const STANDARD_KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const THREAT: &str = "I'm going to sue you if this isn't fixed today";

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Short leases and timeouts, so work a killed process held is taken over in seconds.
/// `dispatcher` adds keys to `[dispatcher]`; `extra` is appended (vendors, teams).
pub fn config(port: u16, db: &str, genesys: &str, dispatcher: &str, extra: &str) -> String {
    let mut toml = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
shutdown_grace_seconds = 2
[store]
url = "{db}"
max_connections = 5
[dispatcher]
lease_seconds = 2
request_timeout_ms = 450
poll_interval_ms = 50
backoff_base_ms = 20
backoff_max_ms = 200
concurrency = 4
{dispatcher}
[vendors.genesys]
api_base = "{genesys}"
login_base = "{genesys}"
requests_per_minute = 60000
"#
    );
    for (team, queue) in [
        ("supervisor", "q-supervisor"),
        ("legal", "q-legal"),
        ("compliance", "q-compliance"),
        ("communications", "q-comms"),
        ("welfare", "q-welfare"),
        ("fraud", "q-fraud"),
    ] {
        toml.push_str(&format!("[teams.{team}.genesys]\nqueue_id = \"{queue}\"\n"));
    }
    toml.push_str(extra);
    toml
}

/// One `escalator serve` process; killed with SIGKILL and reaped when dropped.
pub struct Service {
    pub child: Child,
    pub base: String,
    /// The dispatcher's worker id (the `locked_by` of its leases), from its start-up log.
    pub worker: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The secrets every process test's service runs with: the neutral feed's signing key and
/// Genesys client credentials (the mocked platform accepts any).
pub fn base_env() -> Vec<(&'static str, String)> {
    vec![
        (
            "ESCALATOR_STANDARD_WEBHOOK_SECRETS",
            STANDARD_KEY.to_string(),
        ),
        ("ESCALATOR_GENESYS_CLIENT_ID", "client-id".to_string()),
        // Rules only: these tests count escalations and platform calls exactly, and the
        // installed model would add its own (the semantic tests use a scorer of their own).
        (
            "ESCALATOR_SEMANTIC_MODEL",
            "/nonexistent/escalator-test-model.bin".to_string(),
        ),
        (
            "ESCALATOR_GENESYS_CLIENT_SECRET",
            "client-secret".to_string(),
        ),
    ]
}

impl Service {
    /// Starts the service on `config` (listening on `port`) with only `env` set, and
    /// waits until it answers `/readyz`. Its log lines are appended to `log` when given.
    pub async fn start(
        config: &Path,
        port: u16,
        env: &[(&str, String)],
        log: Option<&Path>,
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_escalator"));
        command
            .args(["serve", "--config"])
            .arg(config)
            .env_clear()
            .env("RUST_LOG", "escalator::dispatcher=info,warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut service = Service {
            child: command.spawn().expect("escalator starts"),
            base: format!("http://127.0.0.1:{port}"),
            worker: String::new(),
        };
        let stdout = service.child.stdout.take().expect("stdout");
        let mut sink = log.map(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .expect("log file")
        });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end, so the process never blocks on a full pipe.
            let lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
            for line in lines.map_while(Result::ok) {
                if let Some(f) = sink.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                let log: Value = serde_json::from_str(&line).unwrap_or_default();
                if let Some(worker) = log["fields"]["worker"].as_str() {
                    let _ = tx.send(worker.to_string());
                }
            }
        });
        service.worker = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the dispatcher logs its worker id");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http.get(format!("{}/readyz", service.base)).send().await {
                if r.status() == 200 {
                    return service;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the service on port {port} never became ready");
    }

    /// SIGKILL: no shutdown, no lease handed back, nothing flushed beyond what committed.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

/// Writes `toml` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, toml: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, toml).expect("config written");
    file
}

/// Posts `body` to the neutral feed at `base`, signed with a fresh timestamp; `id` is the
/// `webhook-id` (the event's dedupe key), kept the same on every retry.
pub async fn send_signed(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    body: &Value,
) -> reqwest::Result<reqwest::StatusCode> {
    let bytes = serde_json::to_vec(body).expect("JSON");
    let key = SigningKey::parse(&Secret::new(STANDARD_KEY)).expect("key");
    let ts = jiff::Timestamp::now().as_second();
    Ok(http
        .post(format!("{base}/webhooks/standard"))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sign(&key, id, ts, &bytes))
        .body(bytes)
        .send()
        .await?
        .status())
}
