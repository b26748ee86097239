//! The callback log, its notifications, and answers armed for the routing hook.

use std::time::Duration;

use escalator_adapters::Vendor;
use jiff::{SignedDuration, Timestamp};

use super::fixtures::{briefing, commit_callback, escalate, target, window};
use super::on_both_backends;
use crate::store::{ArmedState, CallbackChange, CallbackError, CallbackFilter, CallbackStatus};

const HOUR: SignedDuration = SignedDuration::from_hours(1);

on_both_backends! {
    async fn a_commitment_changes_with_its_history_and_closes_for_good(db: TestDb) {
        let store = &db.store;
        let now = Timestamp::now();
        let reference = commit_callback(store, "c1", "esc-1", &window(now, now + HOUR)).await;
        let typed = reference.to_lowercase();
        let change = |c: CallbackChange| {
            let typed = typed.clone();
            async move { store.change_callback(&typed, "sam", &c).await }
        };
        let attempted = change(CallbackChange::Attempt {
            outcome: "no_answer".into(),
            notes: String::new(),
        })
        .await
        .unwrap();
        assert_eq!((attempted.status.as_str(), attempted.attempts), ("attempted", 1));
        assert_eq!(attempted.caller_verified, Some(true));
        change(CallbackChange::Complete { notes: "reached".into() }).await.unwrap();
        let closed = change(CallbackChange::Cancel { reason: "late".into() }).await;
        assert!(matches!(closed, Err(CallbackError::Closed { .. })), "{closed:?}");
        let record = store.callback(&reference).await.unwrap().expect("found");
        let history = store.callback_history(&record.id).await.unwrap();
        let changes: Vec<&str> = history.iter().map(|h| h.change.as_str()).collect();
        assert_eq!(changes, ["created", "attempted", "completed"]);
        assert_eq!(history[1].detail["outcome"], "no_answer");
        // The history is append-only in the database too.
        let err = sqlx::query("DELETE FROM callback_changes")
            .execute(&store.writer)
            .await
            .expect_err("refused")
            .to_string();
        assert!(err.contains("append-only"), "{err}");
    }

    async fn commitments_are_listed_by_filter_soonest_window_first(db: TestDb) {
        let store = &db.store;
        let now = Timestamp::now();
        let late = commit_callback(store, "c1", "esc-1", &window(now + HOUR, now + HOUR * 2)).await;
        let soon = commit_callback(store, "c2", "esc-2", &window(now, now + HOUR)).await;
        let all = store.list_callbacks(&CallbackFilter::default()).await.unwrap();
        let refs: Vec<&str> = all.iter().map(|c| c.reference.as_str()).collect();
        assert_eq!(refs, [soon.as_str(), late.as_str()]);
        let filtered = store
            .list_callbacks(&CallbackFilter {
                status: Some(CallbackStatus::Pending),
                owner: Some("Owner of legal".into()),
                team: Some("legal".into()),
                due_before: Some(now + HOUR + SignedDuration::from_mins(1)),
                overdue: false,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].reference, soon);
        let overdue = CallbackFilter { overdue: true, ..Default::default() };
        assert!(store.list_callbacks(&overdue).await.unwrap().is_empty());
        assert_eq!(
            store.open_callbacks_by_owner(&["Owner of legal".into()]).await.unwrap(),
            vec![("Owner of legal".to_string(), 2)]
        );
        // Recorded once per escalation.
        let again = store
            .record_named_callback(&crate::store::NewCallback {
                escalation_id: "esc-1",
                vendor: Vendor::Genesys,
                call_id: "c1",
                target: &target(),
                owner: None,
                number: None,
                briefing: &briefing("ESC-OTHER"),
                window: Err("no window"),
                held_by: crate::store::SYSTEM_ACTOR,
                platform_ref: None,
            })
            .await
            .unwrap();
        assert_eq!(Some(again), store.callback(&late).await.unwrap().map(|c| c.id));
    }

    async fn reminders_and_overdue_notices_are_planned_once_and_sent_once(db: TestDb) {
        let store = &db.store;
        let now = Timestamp::now();
        let due = commit_callback(store, "c1", "esc-1", &window(now, now + HOUR)).await;
        let missed = commit_callback(store, "c2", "esc-2", &window(now - HOUR * 2, now - HOUR)).await;
        let lead = Duration::from_secs(600);
        assert_eq!(store.plan_notifications(lead, None).await.unwrap(), 2);
        assert_eq!(store.plan_notifications(lead, None).await.unwrap(), 0);
        assert_eq!(store.overdue_callbacks().await.unwrap(), 1);
        let missed_record = store.callback(&missed).await.unwrap().unwrap();
        assert_eq!(missed_record.status, "missed");

        let claimed = store.claim_notifications("s1", Duration::from_secs(60), 10).await.unwrap();
        let kinds: Vec<(&str, &str)> = claimed
            .iter()
            .map(|n| (n.kind.as_str(), n.reference.as_str()))
            .collect();
        assert_eq!(kinds.len(), 2);
        assert!(kinds.contains(&("due_soon", due.as_str())), "{kinds:?}");
        assert!(kinds.contains(&("overdue", missed.as_str())), "{kinds:?}");
        assert!(store.claim_notifications("s2", Duration::from_secs(60), 10).await.unwrap().is_empty());
        for n in &claimed {
            store.settle_notification(n.id, "s1", Ok(()), false).await.unwrap();
        }
        let sent = store.notifications_sent(&due).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "due_soon");
    }

    async fn a_failed_notification_is_tried_again_after_its_delay(db: TestDb) {
        let store = &db.store;
        let now = Timestamp::now();
        let due = commit_callback(store, "c1", "esc-1", &window(now, now + HOUR)).await;
        store.plan_notifications(Duration::from_secs(60), None).await.unwrap();
        let lease = Duration::from_secs(60);
        let n = store.claim_notifications("s1", lease, 10).await.unwrap().remove(0);
        let retry = Err(("webhook 500".to_string(), Duration::ZERO));
        store.settle_notification(n.id, "s1", retry, false).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let again = store.claim_notifications("s2", lease, 10).await.unwrap();
        assert_eq!((again[0].id, again[0].attempts), (n.id, 2));
        store.settle_notification(n.id, "s2", Ok(()), false).await.unwrap();
        assert_eq!(store.notifications_sent(&due).await.unwrap().len(), 1);
    }

    async fn an_armed_route_is_taken_once(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let ttl = Duration::from_secs(60);
        store
            .arm_route("esc-1", Vendor::Genesys, "c1", &target(), &briefing("ESC-1"), ttl)
            .await
            .unwrap();
        assert_eq!(store.armed_state("esc-1").await.unwrap(), ArmedState::Armed);
        let taken = store.take_armed_route(Vendor::Genesys, "c1").await.unwrap();
        assert_eq!(taken.map(|t| t.team).as_deref(), Some("legal"));
        assert_eq!(store.take_armed_route(Vendor::Genesys, "c1").await.unwrap(), None);
        assert_eq!(store.armed_state("esc-1").await.unwrap(), ArmedState::Consumed);
        assert!(!store.expire_route("esc-1").await.unwrap());
        assert_eq!(store.armed_state("nope").await.unwrap(), ArmedState::Missing);
    }
}

on_both_backends! {
    async fn a_platforms_reports_are_recorded_once_each_and_never_reopen_a_closed_one(db: TestDb) {
        let store = &db.store;
        escalate(store, "c9", "esc-9").await;
        let reference = crate::reference::generate();
        let now = Timestamp::now();
        let w = window(now, now + HOUR);
        store
            .record_named_callback(&crate::store::NewCallback {
                escalation_id: "esc-9",
                vendor: Vendor::Talkdesk,
                call_id: "c9",
                target: &target(),
                owner: Some("Owner of legal"),
                number: Some("+13175551234"),
                briefing: &briefing(&reference),
                window: Ok(&w),
                held_by: "talkdesk",
                platform_ref: Some("cb-7"),
            })
            .await
            .unwrap();
        let to_read = store.platform_callbacks_to_read(Vendor::Talkdesk, 10).await.unwrap();
        assert_eq!(to_read.len(), 1);
        assert_eq!(to_read[0].platform_ref.as_deref(), Some("cb-7"));
        assert_eq!(to_read[0].region.as_deref(), Some("US-IN"));
        assert!(store.platform_callbacks_to_read(Vendor::Genesys, 10).await.unwrap().is_empty());

        let attempt = CallbackChange::Attempt { outcome: "not_reached".into(), notes: String::new() };
        let first = store
            .record_platform_state(&reference, Vendor::Talkdesk, "TO_BE_RETRIED", None, std::slice::from_ref(&attempt))
            .await
            .unwrap()
            .expect("a new state");
        assert_eq!((first.status.as_str(), first.attempts), ("attempted", 1));
        // The same state read again (by this replica or another) changes nothing.
        let again = store
            .record_platform_state(&reference, Vendor::Talkdesk, "TO_BE_RETRIED", None, &[attempt])
            .await
            .unwrap();
        assert!(again.is_none());
        // Another platform's report about it is not this platform's to make.
        let other = store
            .record_platform_state(&reference, Vendor::Genesys, "SUCCESS", None, &[])
            .await
            .unwrap();
        assert!(other.is_none());

        store
            .change_callback(&reference, "dana", &CallbackChange::Cancel { reason: "no longer needed".into() })
            .await
            .unwrap();
        let late = store
            .record_platform_state(&reference, Vendor::Talkdesk, "SUCCESS", Some("call-2"), &[
                CallbackChange::Complete { notes: "talkdesk reports SUCCESS".into() },
            ])
            .await
            .unwrap()
            .expect("noted");
        assert_eq!(late.status, "cancelled");
        assert_eq!(late.platform_status.as_deref(), Some("SUCCESS"));
        assert_eq!(late.platform_call_id.as_deref(), Some("call-2"));
        // The batch lookup finds the call that carries it, on its own platform only.
        let carrying = store
            .platform_calls_among(&[
                (Vendor::Talkdesk, "call-1"),
                (Vendor::Talkdesk, "call-2"),
                (Vendor::Genesys, "call-2"),
            ])
            .await
            .unwrap();
        assert_eq!(carrying, [(Vendor::Talkdesk, "call-2".to_string())].into());
        assert!(store.platform_calls_among(&[]).await.unwrap().is_empty());
        assert!(store.platform_callbacks_to_read(Vendor::Talkdesk, 10).await.unwrap().is_empty());
        let changes: Vec<String> = store
            .callback_history(&late.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.change)
            .collect();
        assert_eq!(changes, ["created", "attempted", "cancelled"]);
    }
}
