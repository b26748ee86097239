//! Every state the dispatcher commits while carrying out an action is a point where the
//! process may be killed, and a restart resumes from it. A SQLite trigger logs each
//! committed state of the action; once the consult may have been sent, no state may be
//! both still open and without the mark that it may have been sent: a restart from there
//! would consult a second time. (`tests/crash_process.rs` kills a real process at random
//! points; this test checks every point of one action.)

use escalator_adapters::Vendor;
use serde_json::{json, Value};
use sqlx::{Connection, Row};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::store_backend::{on_postgres, store_url};
use crate::helpers::*;

const THREAT: &str = "I'm going to sue you if this isn't fixed today";
/// The progress key the Genesys executor saves before a consult goes out.
const CONSULT_UNCERTAIN: &str = "consult_uncertain";

/// Logs every committed update of an action: its status and progress, in order.
const LOG_STATES: &str = "
    CREATE TABLE action_states (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, status TEXT, progress TEXT);
    CREATE TRIGGER log_action_states AFTER UPDATE ON actions BEGIN
        INSERT INTO action_states (kind, status, progress)
        VALUES (new.kind, new.status, new.progress);
    END;";

#[tokio::test]
async fn no_committed_state_after_a_consult_would_send_it_again() {
    if on_postgres() {
        // The states are logged by a SQLite trigger; the dispatcher's order of writes,
        // which is what this checks, is the same on both databases.
        eprintln!("skipped on PostgreSQL: the states are logged by a SQLite trigger");
        return;
    }
    let app = spawn_app().await;
    mount_genesys_basics(&app.genesys).await;
    Mock::given(method("PATCH"))
        .and(path(attributes_path()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(consult_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"destinationParticipantId": "p-dest"})),
        )
        .expect(1)
        .mount(&app.genesys)
        .await;
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&store_url(app.dir.path()))
        .await
        .expect("database");
    sqlx::raw_sql(LOG_STATES)
        .execute(&mut db)
        .await
        .expect("trigger");

    let r = app
        .post_genesys(&transcription("utt-1", THREAT, "EXTERNAL", true))
        .await;
    assert_eq!(r.status(), 200);
    app.wait_for_actions(|rows| {
        rows.iter()
            .any(|a| a.kind == "warm_transfer" && a.status == "succeeded")
    })
    .await;

    let states: Vec<(String, Value)> = sqlx::query(
        "SELECT status, progress FROM action_states WHERE kind = 'warm_transfer' ORDER BY seq",
    )
    .fetch_all(&mut db)
    .await
    .expect("states")
    .iter()
    .map(|r| {
        let progress: String = r.get("progress");
        (
            r.get("status"),
            serde_json::from_str(&progress).expect("progress JSON"),
        )
    })
    .collect();
    let marked = states
        .iter()
        .position(|(_, p)| p.get(CONSULT_UNCERTAIN).is_some())
        .unwrap_or_else(|| panic!("the consult was never marked as sent: {states:#?}"));
    for (status, progress) in &states[marked..] {
        assert!(
            status != "leased" || progress.get(CONSULT_UNCERTAIN).is_some(),
            "a restart from ({status}, {progress}) would consult again: {states:#?}"
        );
    }
    assert_eq!(states.last().map(|s| s.0.as_str()), Some("succeeded"));
    assert_eq!(
        app.store.escalations(Vendor::Genesys, CID).await.unwrap()[0].status,
        "consulting"
    );
    app.genesys.verify().await;
}
