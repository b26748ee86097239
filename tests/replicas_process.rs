//! Two `escalator serve` processes on one PostgreSQL database take a burst of signed events;
//! one is killed with SIGKILL while it holds leases. The other finishes its work once the
//! leases expire: every acknowledged event is recorded once, every call escalated once, and
//! every consult reaches the (mocked) platform once — a consult the killed process had sent
//! is found by reading the call, not sent again.
//!
//! Needs `ESCALATOR_TEST_POSTGRES_URL`; skipped (with a notice) without it.

#[path = "api/store_backend.rs"]
#[allow(dead_code)]
mod store_backend;

#[path = "process/mod.rs"]
#[allow(dead_code)]
mod process;

use std::time::Duration;

use escalator::store::Store;
use escalator_adapters::Vendor;
use serde_json::json;

use process::genesys::{self, Consults, CALLER};
use process::{Service, THREAT};
use store_backend::{fresh_database, ENV_POSTGRES_URL};

const CALLS: usize = 24;

async fn start(dir: &std::path::Path, db: &str, genesys: &str) -> Service {
    let port = process::free_port();
    let toml = process::config(port, db, genesys, "", "");
    let config = process::write(dir, &format!("escalator-{port}.toml"), &toml);
    let env = process::base_env();
    Service::start(&config, port, &env, None).await
}

/// What a speech-analytics system heard on Genesys call `call_id`, signed for the feed.
async fn send(http: &reqwest::Client, replica: &Service, call_id: &str) -> reqwest::StatusCode {
    let body = json!({
        "platform": "genesys", "type": "utterance", "call_id": call_id,
        "occurred_at": jiff::Timestamp::now().to_string(), "caller": {"number": CALLER},
        "utterance_id": format!("u-{call_id}"), "speaker": "customer", "text": THREAT,
        "is_final": true
    });
    process::send_signed(http, &replica.base, &format!("msg_{call_id}"), &body)
        .await
        .expect("delivered")
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
    // Slow enough that the killed process dies with consults in flight.
    let consults = Consults::new(Duration::from_millis(400));
    let platform = genesys::start(&consults).await;
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
            // A consult's answer check waits for its deadline.
            all &= !rows.is_empty()
                && rows
                    .iter()
                    .filter(|r| !(r.kind == "confirm_transfer" && r.status == "pending"))
                    .all(|r| r.status == "succeeded");
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
        assert_eq!(escalations[0].status, "consulting", "{call}");
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
    let per_call = genesys::consults_per_call(&platform).await;
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
