//! Two `escalator serve` processes on one PostgreSQL database take a burst of signed events;
//! one is killed with SIGKILL while it holds leases. The other finishes its work once the
//! leases expire: every acknowledged event is recorded once, every call escalated once, and
//! every consult reaches the (mocked) platform once — a consult the killed process had sent
//! is found by reading the call, not sent again.
//!
//! Needs `ESCALATOR_TEST_POSTGRES_URL`; skipped (with a notice) without it.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use escalator::store::Store;
use escalator_adapters::standard::{sign, SigningKey};
use escalator_adapters::{Secret, Vendor};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use helpers::store_backend::{fresh_database, ENV_POSTGRES_URL};
use helpers::{AGENT_PID, AGENT_USER, CALLER, CUSTOMER_PID, STANDARD_KEY};

const CALLS: usize = 24;
const THREAT: &str = "I'm going to sue you if this isn't fixed today";

/// The platform's side of consults: which calls have one running, so reading a call after
/// an unanswered consult shows it (as Genesys does).
#[derive(Clone, Default)]
struct Consults(Arc<Mutex<HashMap<String, u32>>>);

fn call_of(request: &Request) -> String {
    request
        .url
        .path()
        .split('/')
        .nth(5)
        .unwrap_or_default()
        .to_string()
}

impl Respond for Consults {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        *self.0.lock().unwrap().entry(call_of(request)).or_default() += 1;
        // Slow enough that the killed process dies with consults in flight.
        ResponseTemplate::new(200)
            .set_body_json(json!({"destinationParticipantId": "p-dest"}))
            .set_delay(Duration::from_millis(400))
    }
}

struct Conversation(Consults);

impl Respond for Conversation {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = call_of(request);
        let consulting = self.0 .0.lock().unwrap().contains_key(&call);
        ResponseTemplate::new(200).set_body_json(json!({"id": call, "participants": [
            {"id": CUSTOMER_PID, "purpose": "customer", "state": "connected",
             "address": format!("tel:{CALLER}"),
             "consultParticipantId": if consulting { json!("p-dest") } else { json!(null) }},
            {"id": AGENT_PID, "purpose": "agent", "state": "connected",
             "user": {"id": AGENT_USER}, "queue": {"id": "q-general"}},
            {"id": "p-dest", "purpose": "acd",
             "state": if consulting { "alerting" } else { "disconnected" },
             "queue": {"id": "q-legal"}}
        ]}))
    }
}

async fn genesys(consults: &Consults) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "t", "token_type": "bearer", "expires_in": 86399})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v2/conversations/calls/[^/]+$"))
        .respond_with(Conversation(consults.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path_regex(
            r"^/api/v2/conversations/calls/[^/]+/participants/[^/]+/attributes$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": {}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/api/v2/conversations/calls/[^/]+/participants/[^/]+/consult/queue$",
        ))
        .respond_with(consults.clone())
        .mount(&server)
        .await;
    server
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn config(dir: &std::path::Path, port: u16, db: &str, genesys: &str) -> std::path::PathBuf {
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
    let file = dir.join(format!("escalator-{port}.toml"));
    std::fs::write(&file, toml).expect("config written");
    file
}

struct Replica {
    child: Child,
    base: String,
    /// The dispatcher's worker id (the `locked_by` of its leases), from its start-up log.
    worker: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(dir: &std::path::Path, db: &str, genesys: &str) -> Replica {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["serve", "--config"])
        .arg(config(dir, port, db, genesys))
        .env_clear()
        .env("ESCALATOR_STANDARD_WEBHOOK_SECRETS", STANDARD_KEY)
        .env("ESCALATOR_GENESYS_CLIENT_ID", "client-id")
        .env("ESCALATOR_GENESYS_CLIENT_SECRET", "client-secret")
        .env("RUST_LOG", "escalator::dispatcher=info,warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("escalator starts");
    // Killed and reaped on drop, also when a check below fails.
    let mut replica = Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
        worker: String::new(),
    };
    let stdout = replica.child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Reads to the end, so the process never blocks on a full pipe.
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let log: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(worker) = log["fields"]["worker"].as_str() {
                let _ = tx.send(worker.to_string());
            }
        }
    });
    replica.worker = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the dispatcher logs its worker id");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{}/readyz", replica.base)).send().await {
            if r.status() == 200 {
                return replica;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("replica on port {port} never became ready");
}

/// What a speech-analytics system heard on Genesys call `call_id`, signed for the feed.
async fn send(http: &reqwest::Client, replica: &Replica, call_id: &str) -> reqwest::StatusCode {
    let body = json!({
        "platform": "genesys", "type": "utterance", "call_id": call_id,
        "occurred_at": jiff::Timestamp::now().to_string(), "caller": {"number": CALLER},
        "utterance_id": format!("u-{call_id}"), "speaker": "customer", "text": THREAT,
        "is_final": true
    });
    let bytes = serde_json::to_vec(&body).expect("JSON");
    let key = SigningKey::parse(&Secret::new(STANDARD_KEY)).expect("key");
    let id = format!("msg_{call_id}");
    let ts = jiff::Timestamp::now().as_second();
    http.post(format!("{}/webhooks/standard", replica.base))
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sign(&key, &id, ts, &bytes))
        .body(bytes)
        .send()
        .await
        .expect("delivered")
        .status()
}

/// Actions `worker` holds a lease on.
async fn leased_by(db: &str, worker: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db).await.expect("database");
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM actions WHERE status = 'leased' AND locked_by = $1",
    )
    .bind(worker)
    .fetch_one(&pool)
    .await
    .expect("count");
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_burst_leaves_its_work_to_the_other_and_nothing_runs_twice() {
    let Ok(admin) = std::env::var(ENV_POSTGRES_URL) else {
        eprintln!("skipped: {ENV_POSTGRES_URL} unset");
        return;
    };
    let db = fresh_database(&admin).await;
    let consults = Consults::default();
    let platform = genesys(&consults).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut a = start(dir.path(), &db, &platform.uri()).await;
    let b = start(dir.path(), &db, &platform.uri()).await;
    let http = reqwest::Client::new();
    let calls: Vec<String> = (0..CALLS)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();

    // The first half of the burst goes to A, which starts working on it.
    for call in &calls[..CALLS / 2] {
        assert_eq!(send(&http, &a, call).await, 200);
    }
    // Killed while it holds several leases, some with a consult in flight.
    let mut waited = 0;
    while leased_by(&db, &a.worker).await < 2 {
        waited += 1;
        assert!(waited < 200, "no action was ever leased");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.child.kill().expect("SIGKILL");
    a.child.wait().expect("reaped");
    // The rest goes to B.
    for call in &calls[CALLS / 2..] {
        assert_eq!(send(&http, &b, call).await, 200);
    }

    let store = Store::connect(&db).await.expect("store");
    let mut settled = false;
    for _ in 0..300 {
        let mut all = true;
        for call in &calls {
            let rows = store.actions(Vendor::Genesys, call).await.unwrap();
            all &= !rows.is_empty() && rows.iter().all(|r| r.status == "succeeded");
        }
        if all {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut rows = Vec::new();
    for call in &calls {
        rows.push(store.actions(Vendor::Genesys, call).await.unwrap());
    }
    assert!(settled, "not every action succeeded: {rows:#?}");

    assert_eq!(
        store.count_events(Vendor::Genesys).await.unwrap(),
        CALLS as i64
    );
    let (mut taken_over, mut reconciled) = (0, 0);
    for (call, actions) in calls.iter().zip(&rows) {
        let escalations = store.escalations(Vendor::Genesys, call).await.unwrap();
        assert_eq!(escalations.len(), 1, "{call}");
        assert_eq!(escalations[0].status, "transferred", "{call}");
        let transfers: Vec<_> = actions
            .iter()
            .filter(|a| a.kind == "warm_transfer")
            .collect();
        assert_eq!(transfers.len(), 1, "{call}: {actions:#?}");
        if transfers[0].attempts > 1 {
            taken_over += 1;
            let steps = store.attempts(transfers[0].id).await.unwrap();
            if steps.iter().any(|s| s.step == "reconcile") {
                reconciled += 1;
            }
        }
    }
    assert!(
        taken_over > 0,
        "the killed replica held no lease that B took over"
    );
    eprintln!(
        "{taken_over} of {CALLS} transfers taken over after the kill, \
         {reconciled} of them found already consulted by reading the call"
    );

    // The platform saw exactly one consult per call, whoever sent it.
    let requests = platform.received_requests().await.unwrap_or_default();
    let mut per_call: HashMap<String, u32> = HashMap::new();
    for r in requests
        .iter()
        .filter(|r| r.url.path().ends_with("/consult/queue"))
    {
        *per_call.entry(call_of(r)).or_default() += 1;
    }
    for call in &calls {
        assert_eq!(
            per_call.get(call),
            Some(&1),
            "consults for {call}: {per_call:?}"
        );
    }
    assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
    drop(b);
}
