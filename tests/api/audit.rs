//! Tamper evidence: the escalation records' hash chain catches any altered, removed or
//! reordered record, and names the first bad one.

use std::process::Command;

use escalator::store::Store;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use tempfile::TempDir;

use crate::helpers::store_backend::{on_postgres, store_url};
use crate::helpers::*;

/// Three escalations on one call (each stronger than the last), their steps written,
/// the service stopped: the database and its URL.
pub(crate) async fn recorded() -> (TempDir, String) {
    let app = spawn_app_with(Options {
        credentials: false,
        ..Options::default()
    })
    .await;
    app.post_genesys(&customer_start()).await;
    for (n, (id, text)) in [
        ("u1", "I'm going to post this on twitter"),
        ("u2", "someone stole my card and made charges I never made"),
        ("u3", "I'm going to sue you over this"),
    ]
    .into_iter()
    .enumerate()
    {
        app.post_genesys(&transcription(id, text, "EXTERNAL", true))
            .await;
        // Each is carried out before the next, stronger one supersedes it (one path per
        // call), so every escalation has its dry run on record.
        app.wait_for_actions(|rows| {
            rows.len() == n + 1 && rows.iter().all(|a| a.status == "dry_run")
        })
        .await;
    }
    let (dir, _) = app.stop().await;
    let url = store_url(dir.path());
    (dir, url)
}

/// The database behind the store, opened directly.
async fn open(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("open database")
}

/// What someone with write access to the database can do: drop the guards and edit.
async fn tamper(url: &str, statements: &[&str]) {
    let pool = open(url).await;
    let drops: &[&str] = if on_postgres() {
        &[
            "DROP TRIGGER escalation_steps_sealed ON escalation_steps",
            "DROP TRIGGER escalation_steps_kept ON escalation_steps",
        ]
    } else {
        &[
            "DROP TRIGGER escalation_steps_sealed",
            "DROP TRIGGER escalation_steps_kept",
        ]
    };
    for s in drops.iter().chain(statements) {
        sqlx::query(s).execute(&pool).await.expect(s);
    }
    pool.close().await;
}

async fn step_ids(url: &str) -> Vec<(i64, String)> {
    let pool = open(url).await;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, step FROM escalation_steps ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows
}

async fn first_broken(url: &str) -> Option<(i64, String)> {
    let store = Store::connect(url).await.expect("store opens");
    let report = store.verify_audit().await.expect("verify runs");
    report.first_broken.map(|b| (b.seq, b.reason))
}

#[tokio::test]
async fn an_untouched_record_verifies() {
    let (_dir, url) = recorded().await;
    let store = Store::connect(&url).await.unwrap();
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.first_broken, None);
    // decided + action_planned + dry_run for each of the three escalations, and the first
    // two superseded by the next.
    assert_eq!(report.checked, 11);
    assert_eq!(report.head.as_ref().map(String::len), Some(64));
}

#[tokio::test]
async fn the_database_itself_refuses_to_change_or_delete_a_step() {
    let (_dir, url) = recorded().await;
    let pool = open(&url).await;
    let update =
        sqlx::query("UPDATE escalation_steps SET detail = 'nothing happened' WHERE id = 1")
            .execute(&pool)
            .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM escalation_steps WHERE id = 2")
        .execute(&pool)
        .await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn an_altered_step_is_named() {
    let (_dir, url) = recorded().await;
    let ids = step_ids(&url).await;
    let target = ids[4].0;
    tamper(
        &url,
        &[&format!(
            "UPDATE escalation_steps SET detail = 'transferred' WHERE id = {target}"
        )],
    )
    .await;
    let (seq, reason) = first_broken(&url).await.expect("detected");
    assert_eq!(seq, target);
    assert!(reason.contains("altered"), "{reason}");
}

#[tokio::test]
async fn altered_evidence_of_a_decision_is_named_at_its_decided_step() {
    let (_dir, url) = recorded().await;
    let ids = step_ids(&url).await;
    // The second escalation's "decided" step.
    let decided = ids.iter().filter(|(_, s)| s == "decided").nth(1).unwrap().0;
    tamper(
        &url,
        &["UPDATE escalations SET decision = replace(decision, 'stole', 'borrowed')"],
    )
    .await;
    let (seq, reason) = first_broken(&url).await.expect("detected");
    assert_eq!(seq, decided);
    assert!(reason.contains("evidence"), "{reason}");
}

#[tokio::test]
async fn a_removed_step_is_named_where_the_chain_breaks() {
    let (_dir, url) = recorded().await;
    let ids = step_ids(&url).await;
    let removed = ids[3].0;
    tamper(
        &url,
        &[&format!(
            "DELETE FROM escalation_steps WHERE id = {removed}"
        )],
    )
    .await;
    let (seq, reason) = first_broken(&url).await.expect("detected");
    assert_eq!(seq, ids[4].0);
    assert!(reason.contains("removed or reordered"), "{reason}");
}

#[tokio::test]
async fn reordered_steps_are_named() {
    let (_dir, url) = recorded().await;
    let ids = step_ids(&url).await;
    let (a, b) = (ids[1].0, ids[2].0);
    tamper(
        &url,
        &[
            &format!("UPDATE escalation_steps SET id = -1 WHERE id = {a}"),
            &format!("UPDATE escalation_steps SET id = {a} WHERE id = {b}"),
            &format!("UPDATE escalation_steps SET id = {b} WHERE id = -1"),
        ],
    )
    .await;
    let (seq, _) = first_broken(&url).await.expect("detected");
    assert_eq!(seq, a);
}

#[tokio::test]
async fn steps_removed_from_the_end_are_noticed() {
    let (_dir, url) = recorded().await;
    let ids = step_ids(&url).await;
    let last = ids.last().unwrap().0;
    tamper(
        &url,
        &[&format!("DELETE FROM escalation_steps WHERE id = {last}")],
    )
    .await;
    let (_, reason) = first_broken(&url).await.expect("detected");
    assert!(reason.contains("removed at the end"), "{reason}");
}

#[tokio::test]
async fn audit_verify_on_the_command_line_names_the_first_bad_record() {
    let (dir, url) = recorded().await;
    let config = dir.path().join("escalator.toml");
    std::fs::write(&config, format!("[store]\nurl = \"{url}\"\n")).unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_escalator"))
            .args(["audit", "verify", "--config"])
            .arg(&config)
            .env_remove("ESCALATOR_AUDIT_KEY")
            .output()
            .expect("runs")
    };
    let ok = run();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: 11 records"));

    let ids = step_ids(&url).await;
    tamper(
        &url,
        &[&format!(
            "UPDATE escalation_steps SET step = 'warm_transfer_succeeded' WHERE id = {}",
            ids[5].0
        )],
    )
    .await;
    let bad = run();
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains(&format!("BROKEN at record {}", ids[5].0)),
        "{out}"
    );
}

#[test]
fn audit_verify_on_a_path_with_no_database_exits_2_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let config = dir.path().join("escalator.toml");
    std::fs::write(
        &config,
        format!("[store]\nurl = \"sqlite://{}\"\n", db.display()),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .env_remove("ESCALATOR_DATABASE_URL")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no database at") && err.contains("missing.db"),
        "{err}"
    );
    assert!(!db.exists(), "verify created an empty database");
}

#[tokio::test]
async fn audit_verify_with_a_key_the_records_were_not_written_with_names_the_key() {
    let (dir, url) = recorded().await;
    let config = dir.path().join("escalator.toml");
    std::fs::write(&config, format!("[store]\nurl = \"{url}\"\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .env_remove("ESCALATOR_DATABASE_URL")
        .env("ESCALATOR_AUDIT_KEY", "not-the-key-it-was-written-with")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ESCALATOR_AUDIT_KEY") && err.contains("likely cause"),
        "{err}"
    );
}
