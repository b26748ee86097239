//! Leasing actions: claimed once, outcomes only from the lease holder, expired leases
//! taken over, attempts counted.

use std::time::Duration;

use escalator_adapters::{Action, Vendor};

use super::fixtures::escalate;
use super::on_both_backends;
use crate::executor::Checkpoint;
use crate::store::{AttemptRecord, Failure, StoreError};

const LEASE: Duration = Duration::from_secs(60);

on_both_backends! {
    async fn due_actions_are_claimed_once_and_finished_by_their_holder(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let claimed = store.claim_actions("w1", LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(claimed.iter().all(|a| a.attempt == 1 && a.max_attempts == 3));
        assert!(store.claim_actions("w2", LEASE, 10).await.unwrap().is_empty());

        let guidance = &claimed[0];
        store
            .record_attempt(&AttemptRecord {
                action_id: guidance.id,
                attempt: guidance.attempt,
                step: "guidance",
                outcome: "ok",
                http_status: Some(200),
                detail: "shown".into(),
            })
            .await
            .unwrap();
        // Only the holder may record the outcome.
        assert!(!store.succeed_action(guidance, "w2", None, "x").await.unwrap());
        assert!(store
            .succeed_action(guidance, "w1", Some("transferred"), "shown to the agent")
            .await
            .unwrap());
        let attempts = store.attempts(guidance.id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].http_status, Some(200));

        let briefing = &claimed[1];
        let failure = Failure {
            status: "dead",
            error: "attempts exhausted".into(),
            fallback: vec![Action::AgentGuidance {
                text: "a guidance already planned is not planned twice".into(),
                topic: Default::default(),
            }],
            escalation_status: Some("stranded"),
        };
        assert!(store.fail_action(briefing, "w1", &failure).await.unwrap());
        let rows = store.actions(Vendor::Genesys, "c1").await.unwrap();
        let states: Vec<(&str, &str)> = rows
            .iter()
            .map(|a| (a.kind.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(states, [("agent_guidance", "succeeded"), ("attach_briefing", "dead")]);
        assert_eq!(rows[1].last_error.as_deref(), Some("attempts exhausted"));
        assert_eq!(store.escalations(Vendor::Genesys, "c1").await.unwrap()[0].status, "stranded");
        assert_eq!(store.outbox_depth().await.unwrap(), 0);
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
    }

    async fn an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let first = store.claim_actions("w1", Duration::ZERO, 1).await.unwrap();
        assert_eq!(first.len(), 1);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let taken = store.claim_actions("w2", LEASE, 10).await.unwrap();
        let ids: Vec<i64> = taken.iter().map(|a| a.id).collect();
        assert!(ids.contains(&first[0].id), "{ids:?}");
        let again = taken.iter().find(|a| a.id == first[0].id).unwrap();
        assert_eq!(again.attempt, 2);
        assert!(!store.save_progress(&first[0], "w1").await.unwrap());
        assert!(!store.succeed_action(&first[0], "w1", None, "late").await.unwrap());
        assert!(store.succeed_action(again, "w2", None, "done").await.unwrap());
    }

    async fn retries_wait_deferrals_and_released_leases_do_not_count_an_attempt(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let claimed = store.claim_actions("w1", LEASE, 10).await.unwrap();
        let (a, b) = (&claimed[0], &claimed[1]);
        assert!(store.retry_action(a, "w1", Duration::from_secs(3600), "503").await.unwrap());
        assert!(store.defer_action(b, "w1", Duration::ZERO).await.unwrap());
        // The retry is not due yet; the deferral is, with its attempt given back.
        let next = store.claim_actions("w1", LEASE, 10).await.unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!((next[0].id, next[0].attempt), (b.id, 1));
        assert_eq!(store.release_leases("w1").await.unwrap(), 1);
        let rows = store.actions(Vendor::Genesys, "c1").await.unwrap();
        let states: Vec<(&str, i64)> = rows.iter().map(|r| (r.status.as_str(), r.attempts)).collect();
        assert_eq!(states, [("pending", 1), ("pending", 0)]);
        assert_eq!(rows[0].last_error.as_deref(), Some("503"));
        assert_eq!(store.outbox_depth().await.unwrap(), 2);
    }

    async fn each_outcome_stores_the_attempts_progress_in_the_same_write(db: TestDb) {
        // A request that got a definite answer has its "may have been sent" mark cleared;
        // saved apart from the outcome, that progress could be committed on a still-open
        // action just before a crash, and the next attempt would send it again
        // (tests/api/crash_points.rs checks the dispatcher's writes end to end).
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let mut claimed = store.claim_actions("w1", LEASE, 10).await.unwrap();
        for a in &mut claimed {
            a.progress.insert("briefed".into(), true.into());
        }
        assert!(store.succeed_action(&claimed[0], "w1", None, "applied").await.unwrap());
        assert!(store.retry_action(&claimed[1], "w1", Duration::ZERO, "503").await.unwrap());
        let progress: Vec<String> = sqlx::query_scalar("SELECT progress FROM actions ORDER BY id")
            .fetch_all(&store.reader)
            .await
            .unwrap();
        assert_eq!(progress, [r#"{"briefed":true}"#; 2]);
        let next = store.claim_actions("w1", LEASE, 10).await.unwrap();
        assert_eq!(next[0].progress.get("briefed"), Some(&true.into()));
    }

    async fn a_checkpoint_by_a_worker_whose_lease_was_taken_over_fails(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let first = store.claim_actions("w1", Duration::ZERO, 1).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let taken = store.claim_actions("w2", LEASE, 10).await.unwrap();
        let again = taken.iter().find(|a| a.id == first[0].id).unwrap();
        // The old holder must not send: its mark would not be there for the next attempt.
        let lost = Checkpoint { store, worker: "w1" }.save(&first[0]).await;
        assert!(matches!(lost, Err(StoreError::LeaseLost)), "{lost:?}");
        Checkpoint { store, worker: "w2" }.save(again).await.unwrap();
    }
}
