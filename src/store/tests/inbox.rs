//! Deliveries: dedupe, sessions, escalations with their actions and chained steps.

use escalator_adapters::Vendor;

use super::fixtures::{escalate, event, REPEAT_WINDOW};
use super::on_both_backends;
use crate::store::EventOutcome;

on_both_backends! {
    async fn a_redelivered_event_is_a_duplicate_and_the_session_keeps_every_event(db: TestDb) {
        let store = &db.store;
        let first = [event("c1", "e1"), event("c1", "e2")];
        let outcomes = store
            .record_delivery(&first, REPEAT_WINDOW, |_, _| None)
            .await
            .unwrap();
        assert_eq!(outcomes, vec![EventOutcome::Recorded, EventOutcome::Recorded]);
        let again = [event("c1", "e2"), event("c1", "e3")];
        let outcomes = store
            .record_delivery(&again, REPEAT_WINDOW, |_, _| None)
            .await
            .unwrap();
        assert_eq!(outcomes, vec![EventOutcome::Duplicate, EventOutcome::Recorded]);
        assert_eq!(store.count_events(Vendor::Genesys).await.unwrap(), 3);
        let session = store.session(Vendor::Genesys, "c1").await.unwrap();
        // Beside the session's own `call_id` ref, one per event folded in.
        let keys: Vec<&str> = session.refs.keys().map(String::as_str).collect();
        assert_eq!(keys, ["call_id", "e1", "e2", "e3"]);
        assert!(store.session(Vendor::Genesys, "c2").await.unwrap().refs.is_empty());
    }

    async fn earlier_calls_from_the_same_number_count_as_repeat_contact(db: TestDb) {
        let store = &db.store;
        store
            .record_delivery(&[event("c1", "e1")], REPEAT_WINDOW, |_, _| None)
            .await
            .unwrap();
        let mut seen = 0;
        store
            .record_delivery(&[event("c2", "e2")], REPEAT_WINDOW, |session, _| {
                seen = session.prior_calls;
                None
            })
            .await
            .unwrap();
        assert_eq!(seen, 1);
    }

    async fn repeat_contact_counts_calls_in_the_same_batch_and_only_inside_the_window(db: TestDb) {
        let store = &db.store;
        let mut long_ago = event("c0", "e0");
        long_ago.occurred_at = long_ago
            .occurred_at
            .checked_sub(REPEAT_WINDOW + std::time::Duration::from_secs(60))
            .unwrap();
        let mut other_number = event("c9", "e9");
        other_number.caller.number = Some("+13175550000".into());
        // One batch: an old call, another number, then three calls from one number; the
        // first start of a call counts once even when its start is delivered twice.
        let mut batch = [
            long_ago,
            other_number,
            event("c1", "e1"),
            event("c2", "e2"),
            event("c2", "e2-again"),
            event("c3", "e3"),
        ];
        // The three calls start in the same millisecond: a start counts the others that
        // began at or before it, and `now()` per event would order them by a clock tick.
        let together = batch[2].occurred_at;
        for e in &mut batch[2..] {
            e.occurred_at = together;
        }
        let mut seen = Vec::new();
        store
            .record_delivery(&batch, REPEAT_WINDOW, |session, event| {
                seen.push((event.event_id.clone(), session.prior_calls));
                None
            })
            .await
            .unwrap();
        let seen: std::collections::HashMap<String, u32> = seen.into_iter().collect();
        // Every start already in the batch counts (as if delivered together).
        assert_eq!(seen["e0"], 0, "{seen:?}");
        assert_eq!(seen["e9"], 0, "{seen:?}");
        assert_eq!(seen["e1"], 2, "c2 and c3, not c0 (outside the window): {seen:?}");
        assert_eq!(seen["e3"], 2, "c1 and c2 once: {seen:?}");
    }

    async fn an_escalation_is_stored_with_its_actions_and_a_verifiable_chain(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let rows = store.escalations(Vendor::Genesys, "c1").await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].reference, "ESC-esc-1");
        assert_eq!(rows[0].decision["tier"], "supervisor");
        let actions = store.actions(Vendor::Genesys, "c1").await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["agent_guidance", "attach_briefing"]);
        assert!(actions.iter().all(|a| a.status == "pending" && a.attempts == 0));
        assert_eq!(store.outbox_depth().await.unwrap(), 2);
        let steps: Vec<String> = store
            .steps("esc-1")
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.step)
            .collect();
        assert_eq!(steps, ["decided", "action_planned", "action_planned"]);
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(report.checked, 3);
        // Listed and found by id or by reference, flagged for review.
        let found = store.escalation("ESC-esc-1").await.unwrap().expect("found");
        assert!(found.summary.review_flag);
        assert_eq!(store.escalation_actions("esc-1").await.unwrap().len(), 2);
        assert_eq!(store.review_queue(10).await.unwrap().len(), 1);
        assert_eq!(store.review_coverage().await.unwrap(), (1, 0));
    }

    async fn escalations_are_listed_by_filter_newest_first(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        // Decided in a later millisecond: within one, the order is the id's, not the time's.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        escalate(store, "c2", "esc-2").await;
        let all = store
            .list_escalations(&crate::store::EscalationFilter::default())
            .await
            .unwrap();
        let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["esc-2", "esc-1"]);
        let hour = jiff::SignedDuration::from_hours(1);
        let since = |at: jiff::Timestamp| crate::store::EscalationFilter {
            team: Some("legal".into()),
            status: Some("open".into()),
            since: Some(at),
            ..Default::default()
        };
        let recent = store
            .list_escalations(&since(jiff::Timestamp::now() - hour))
            .await
            .unwrap();
        assert_eq!(recent.len(), 2);
        let future = store
            .list_escalations(&since(jiff::Timestamp::now() + hour))
            .await
            .unwrap();
        assert!(future.is_empty());
        let other = store
            .list_escalations(&crate::store::EscalationFilter {
                vendor: Some("talkdesk".into()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(other.is_empty());
    }
}
