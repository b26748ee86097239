//! The semantic layer across a crash, on the real model: one `escalator serve` on a SQLite
//! file takes customer utterances that no phrase matches but the model escalates (fraud
//! told as a story, an indirect self-harm disclosure) and is SIGKILLed right after the last
//! acknowledgement, while their scores are still queued. Restarted on the same file, it
//! scores each once: one escalation and one Genesys consult per call, the queue empty.
//!
//! Needs the model (scripts/install-model.sh); skipped with a notice without it.

#[path = "process/mod.rs"]
#[allow(dead_code)]
mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use process::genesys::{self, Consults, CALLER};
use process::Service;

const UTTERANCES: &[&str] = &[
    "a man came round to my house to pick up my bank card after a call from the bank",
    "me dieron una clave para entrar a mi banca y ahora no tengo nada en la cuenta",
    "I've already sorted out who gets my dog, I won't be needing anything after this week",
];
const CALLS: usize = 9;

fn model() -> Option<PathBuf> {
    let path = std::env::var_os("ESCALATOR_SEMANTIC_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small-q4.bin")
        });
    path.exists().then_some(path).or_else(|| {
        eprintln!("notice: no embedding model; skipped (run scripts/install-model.sh)");
        None
    })
}

async fn start(dir: &Path, db: &str, genesys: &str, model: &Path) -> Service {
    let port = process::free_port();
    let toml = process::config(port, db, genesys, "", "[semantic]\nmax_lag_ms = 600000\n");
    let config = process::write(dir, &format!("escalator-{port}.toml"), &toml);
    let mut env = process::base_env();
    // Later entries win: the real model instead of the kit's rules-only default.
    env.push((
        "ESCALATOR_SEMANTIC_MODEL",
        model.to_string_lossy().into_owned(),
    ));
    Service::start(&config, port, &env, None).await
}

async fn count(db: &str, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db).await.expect("database");
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_commit_and_score_scores_once_and_escalates_once() {
    let Some(model) = model() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("escalator.db").display()
    );
    let consults = Consults::new(Duration::from_millis(0));
    let platform = genesys::start(&consults).await;
    let http = reqwest::Client::new();

    let first = start(dir.path(), &db, &platform.uri(), &model).await;
    let calls: Vec<String> = (0..CALLS)
        .map(|i| format!("b3a1c2d4-0000-4000-8000-{i:012}"))
        .collect();
    for (i, call) in calls.iter().enumerate() {
        let body = json!({
            "platform": "genesys", "type": "utterance", "call_id": call,
            "occurred_at": jiff::Timestamp::now().to_string(), "caller": {"number": CALLER},
            "utterance_id": format!("u-{call}"), "speaker": "customer",
            "text": UTTERANCES[i % UTTERANCES.len()], "is_final": true
        });
        let status = process::send_signed(&http, &first.base, &format!("msg_{call}"), &body)
            .await
            .expect("delivered");
        assert_eq!(status, 200, "call {call} acknowledged");
    }
    // Each score takes tens of milliseconds on one worker: most are still queued.
    first.kill();
    let pending = count(&db, "SELECT COUNT(*) FROM semantic_queue").await;
    assert!(
        pending > 0,
        "the kill came after every score; nothing tested the crash in between"
    );
    eprintln!("{pending} of {CALLS} utterances were awaiting their score at the kill");

    let second = start(dir.path(), &db, &platform.uri(), &model).await;
    let mut per_call = std::collections::HashMap::new();
    for _ in 0..300 {
        per_call = genesys::consults_per_call(&platform).await;
        let queued = count(&db, "SELECT COUNT(*) FROM semantic_queue").await;
        if queued == 0 && calls.iter().all(|c| per_call.contains_key(c)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM semantic_queue").await, 0);
    for call in &calls {
        assert_eq!(per_call.get(call), Some(&1), "consults on {call}");
        let escalations = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM escalations WHERE call_id = '{call}' \
                 AND decision LIKE '%\"rule_id\":\"semantic.%'"
            ),
        )
        .await;
        assert_eq!(escalations, 1, "semantic escalations on {call}");
    }
    let all = count(&db, "SELECT COUNT(*) FROM escalations").await;
    assert_eq!(all, CALLS as i64, "one escalation per call, nothing else");
    second.kill();
}
