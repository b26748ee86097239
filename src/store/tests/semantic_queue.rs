//! The semantic queue: rows written with their delivery (customer finals only, up to the
//! limit), leased once, applied once in one transaction, late rows swept, leases handed back.

use std::time::Duration;

use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance, Vendor};

use super::fixtures::{event, planned, REPEAT_WINDOW};
use super::on_both_backends;
use crate::store::{ScoreIntake, ScoredPlans, Store, Timing};

const LEASE: Duration = Duration::from_secs(60);
const INTAKE: ScoreIntake = ScoreIntake { queue_limit: 100 };

fn said(call_id: &str, event_id: &str, speaker: Speaker, is_final: bool) -> CallEvent {
    let mut e = event(call_id, event_id);
    e.kind = EventKind::Utterance(Utterance {
        utterance_id: format!("u-{event_id}"),
        speaker,
        text: "they emptied my account".into(),
        is_final,
        confidence: None,
        language: None,
    });
    e
}

fn timing() -> Timing {
    Timing {
        repeat_window: REPEAT_WINDOW,
        long_hold: None,
    }
}

/// Records `events` with scoring on; the events `decide` was told were queued.
async fn deliver(store: &Store, events: &[CallEvent], intake: ScoreIntake) -> Vec<String> {
    let mut queued = Vec::new();
    store
        .record_delivery_scored(events, timing(), Some(intake), |_, e, scored| {
            if scored {
                queued.push(e.event_id.clone());
            }
            None
        })
        .await
        .expect("delivery recorded");
    queued
}

on_both_backends! {
    async fn only_new_customer_finals_are_queued_with_their_delivery(db: TestDb) {
        let store = &db.store;
        let events = [
            said("c1", "e1", Speaker::Customer, true),
            said("c1", "e2", Speaker::Customer, false),
            said("c1", "e3", Speaker::Agent, true),
            event("c1", "e4"),
        ];
        assert_eq!(deliver(store, &events, INTAKE).await, ["e1"]);
        // Redelivered: a duplicate is not queued again.
        assert!(deliver(store, &events[..1], INTAKE).await.is_empty());
        // Without a scorer nothing is queued.
        store
            .record_delivery(&[said("c1", "e5", Speaker::Customer, true)], REPEAT_WINDOW, |_, _| None)
            .await
            .unwrap();
        let stats = store.semantic_queue_stats().await.unwrap();
        assert_eq!(stats.depth, 1);
        assert!(stats.oldest_ms.is_some());
        let rows = store.claim_utterances("w1", LEASE, 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].event_id, "e1");
        assert_eq!(rows[0].utterance_id, "u-e1");
        assert_eq!(rows[0].text, "they emptied my account");
        assert!(!rows[0].platform_sentiment);
    }

    async fn beyond_the_limit_utterances_are_not_stored(db: TestDb) {
        let store = &db.store;
        let limit = ScoreIntake { queue_limit: 2 };
        let first = [
            said("c1", "e1", Speaker::Customer, true),
            said("c2", "e2", Speaker::Customer, true),
            said("c3", "e3", Speaker::Customer, true),
        ];
        assert_eq!(deliver(store, &first, limit).await, ["e1", "e2"]);
        assert!(deliver(store, &[said("c4", "e4", Speaker::Customer, true)], limit).await.is_empty());
        assert_eq!(store.semantic_queue_stats().await.unwrap().depth, 2);
        // Every event is still recorded and decided by the rules.
        assert_eq!(store.count_events(Vendor::Genesys).await.unwrap(), 4);
    }

    async fn a_score_is_applied_once_by_the_lease_holder(db: TestDb) {
        let store = &db.store;
        deliver(store, &[said("c1", "e1", Speaker::Customer, true)], INTAKE).await;
        // A worker that died holding the lease: it expires and another takes the row over.
        let dead = store.claim_utterances("w1", Duration::ZERO, 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let rows = store.claim_utterances("w2", LEASE, 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert!(store.claim_utterances("w3", LEASE, 10).await.unwrap().is_empty());
        let escalate = |_: &mut crate::session::CallSession| ScoredPlans {
            escalation: Some(planned("esc-sem")),
            review: None,
        };
        assert!(store.settle_utterance(&dead[0], "w1", escalate).await.unwrap().is_none());
        let applied = store.settle_utterance(&rows[0], "w2", escalate).await.unwrap();
        assert!(applied.is_some());
        assert!(store.settle_utterance(&rows[0], "w2", escalate).await.unwrap().is_none());
        let escalations = store.escalations(Vendor::Genesys, "c1").await.unwrap();
        assert_eq!(escalations.len(), 1);
        let session = store.session(Vendor::Genesys, "c1").await.unwrap();
        assert!(session.fired.contains("legal_threat"));
        assert_eq!(session.escalation.map(|e| e.id).as_deref(), Some("esc-sem"));
        assert_eq!(store.semantic_queue_stats().await.unwrap().depth, 0);
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
    }

    async fn a_review_is_recorded_without_opening_an_escalation(db: TestDb) {
        let store = &db.store;
        deliver(store, &[said("c1", "e1", Speaker::Customer, true)], INTAKE).await;
        let rows = store.claim_utterances("w1", LEASE, 10).await.unwrap();
        let mut review = planned("rev-1");
        review.status = "review";
        store
            .settle_utterance(&rows[0], "w1", |session| {
                session.semantic_reviews.insert("legal_threat".into());
                ScoredPlans { escalation: None, review: Some(review) }
            })
            .await
            .unwrap()
            .expect("applied");
        let session = store.session(Vendor::Genesys, "c1").await.unwrap();
        assert!(session.escalation.is_none());
        assert!(session.fired.is_empty());
        assert!(session.semantic_reviews.contains("legal_threat"));
        let queue = store.review_queue(10).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].status, "review");
    }

    async fn late_rows_are_swept_and_leases_handed_back(db: TestDb) {
        let store = &db.store;
        deliver(store, &[said("c1", "e1", Speaker::Customer, true)], INTAKE).await;
        let held = store.claim_utterances("w1", LEASE, 10).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        // A leased row is its holder's to finish, however old.
        let swept = store.sweep_semantic_queue(Duration::from_millis(1), 3).await.unwrap();
        assert_eq!((swept.late, swept.failed), (0, 0));
        assert_eq!(store.release_utterances("w1").await.unwrap(), 1);
        assert!(store.settle_utterance(&held[0], "w1", |_| ScoredPlans::default()).await.unwrap().is_none());
        let fresh = store.sweep_semantic_queue(Duration::from_secs(60), 3).await.unwrap();
        assert_eq!((fresh.late, fresh.failed), (0, 0));
        let swept = store.sweep_semantic_queue(Duration::from_millis(1), 3).await.unwrap();
        assert_eq!((swept.late, swept.failed), (1, 0));
        assert_eq!(store.semantic_queue_stats().await.unwrap().depth, 0);
        // Claimed again and again without being applied: given up as an error.
        deliver(store, &[said("c2", "e2", Speaker::Customer, true)], INTAKE).await;
        for _ in 0..3 {
            assert_eq!(store.claim_utterances("w1", Duration::ZERO, 10).await.unwrap().len(), 1);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let swept = store.sweep_semantic_queue(Duration::from_secs(60), 3).await.unwrap();
        assert_eq!((swept.late, swept.failed), (0, 1));
    }

    async fn overdue_rows_that_hold_phrases_are_leased_for_the_rules_not_swept(db: TestDb) {
        let store = &db.store;
        deliver(store, &[said("c1", "e1", Speaker::Customer, true)], INTAKE).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Nothing overdue yet, or nothing that holds a phrase: nothing leased.
        let fresh = store.claim_overdue("w1", LEASE, Duration::from_secs(60), 3, |_| true);
        assert!(fresh.await.unwrap().is_empty());
        let none = store.claim_overdue("w1", LEASE, Duration::from_millis(1), 3, |_| false);
        assert!(none.await.unwrap().is_empty());
        // Overdue and holding: leased to the worker, so the sweep leaves it alone.
        let held = store
            .claim_overdue("w1", LEASE, Duration::from_millis(1), 3, |t| t.contains("emptied"))
            .await
            .unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].event_id, "e1");
        let swept = store.sweep_semantic_queue(Duration::from_millis(1), 3).await.unwrap();
        assert_eq!((swept.late, swept.failed), (0, 0));
        // Leased rows are not claimed twice; the holder settles it.
        let again = store.claim_overdue("w2", LEASE, Duration::from_millis(1), 3, |_| true);
        assert!(again.await.unwrap().is_empty());
        assert!(store
            .settle_utterance(&held[0], "w1", |_| ScoredPlans::default())
            .await
            .unwrap()
            .is_some());
        assert_eq!(store.semantic_queue_stats().await.unwrap().depth, 0);
    }
}
