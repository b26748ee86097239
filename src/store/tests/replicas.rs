//! Two stores on one database, as two replicas (or two processes) run them: every due
//! action and notification is claimed and applied once, expired leases are taken over, and
//! one call's events are folded in turn so none is lost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use escalator_adapters::Vendor;
use jiff::{SignedDuration, Timestamp};

use super::fixtures::{commit_callback, escalate, event, window, REPEAT_WINDOW};
use super::on_both_backends;
use crate::store::Store;

const LEASE: Duration = Duration::from_secs(60);

/// Claims and finishes actions as `worker` until none is left; what it claimed.
async fn drain_actions(store: Store, worker: String, log: Arc<Mutex<Vec<i64>>>) {
    loop {
        let claimed = store.claim_actions(&worker, LEASE, 3).await.unwrap();
        if claimed.is_empty() {
            return;
        }
        for action in claimed {
            log.lock().unwrap().push(action.id);
            let done = store
                .succeed_action(&action, &worker, None, "applied")
                .await;
            assert!(done.unwrap(), "{worker} lost the lease of {}", action.id);
        }
    }
}

on_both_backends! {
    async fn replicas_racing_for_due_actions_apply_each_once(db: TestDb) {
        let a = db.store.clone();
        let b = db.another().await;
        for i in 0..20 {
            escalate(&a, &format!("c{i}"), &format!("esc-{i}")).await;
        }
        let log = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = [(&a, "a1"), (&a, "a2"), (&b, "b1"), (&b, "b2")]
            .into_iter()
            .map(|(store, name)| tokio::spawn(drain_actions(store.clone(), name.into(), log.clone())))
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        let mut claimed = log.lock().unwrap().clone();
        claimed.sort();
        let mut all = Vec::new();
        for i in 0..20 {
            for row in a.actions(Vendor::Genesys, &format!("c{i}")).await.unwrap() {
                assert_eq!((row.status.as_str(), row.attempts), ("succeeded", 1));
                all.push(row.id);
            }
        }
        all.sort();
        assert_eq!(claimed, all, "every action claimed exactly once");
        assert_eq!(all.len(), 40);
        assert_eq!(b.verify_audit().await.unwrap().first_broken, None);
    }

    async fn a_lease_that_expired_on_one_replica_is_taken_over_by_the_other(db: TestDb) {
        let a = db.store.clone();
        let b = db.another().await;
        escalate(&a, "c1", "esc-1").await;
        let lost = a.claim_actions("a1", Duration::ZERO, 10).await.unwrap();
        assert_eq!(lost.len(), 2);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let taken = b.claim_actions("b1", LEASE, 10).await.unwrap();
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|t| t.attempt == 2));
        for (old, new) in lost.iter().zip(&taken) {
            assert!(!a.succeed_action(old, "a1", None, "late").await.unwrap());
            assert!(b.succeed_action(new, "b1", None, "applied").await.unwrap());
        }
        assert!(a.claim_actions("a1", LEASE, 10).await.unwrap().is_empty());
    }

    async fn one_calls_events_arriving_at_two_replicas_are_all_folded_in(db: TestDb) {
        let a = db.store.clone();
        let b = db.another().await;
        let deliver = |store: Store, prefix: &'static str| {
            tokio::spawn(async move {
                for i in 0..15 {
                    let events = [event("c1", &format!("{prefix}{i}"))];
                    store.record_delivery(&events, REPEAT_WINDOW, |_, _| None).await.unwrap();
                }
            })
        };
        let (x, y) = (deliver(a.clone(), "a"), deliver(b.clone(), "b"));
        x.await.unwrap();
        y.await.unwrap();
        let session = a.session(Vendor::Genesys, "c1").await.unwrap();
        // One ref per event folded in, beside the session's own `call_id`.
        assert_eq!(session.refs.len(), 31, "{:?}", session.refs.keys());
        assert_eq!(b.count_events(Vendor::Genesys).await.unwrap(), 30);
    }

    async fn replicas_planning_and_sending_notifications_send_each_once(db: TestDb) {
        let a = db.store.clone();
        let b = db.another().await;
        let now = Timestamp::now();
        let hour = SignedDuration::from_hours(1);
        for i in 0..6 {
            commit_callback(&a, &format!("d{i}"), &format!("esc-d{i}"), &window(now, now + hour)).await;
            commit_callback(&a, &format!("m{i}"), &format!("esc-m{i}"), &window(now - hour * 2, now - hour)).await;
        }
        let lead = Duration::from_secs(600);
        let (pa, pb) = tokio::join!(a.plan_notifications(lead, None), b.plan_notifications(lead, None));
        assert_eq!(pa.unwrap() + pb.unwrap(), 12);
        let sent = Arc::new(Mutex::new(BTreeMap::<i64, u32>::new()));
        let send = |store: Store, worker: &'static str, sent: Arc<Mutex<BTreeMap<i64, u32>>>| {
            tokio::spawn(async move {
                loop {
                    let due = store.claim_notifications(worker, LEASE, 2).await.unwrap();
                    if due.is_empty() {
                        return;
                    }
                    for n in due {
                        *sent.lock().unwrap().entry(n.id).or_default() += 1;
                        store.settle_notification(n.id, worker, Ok(()), false).await.unwrap();
                    }
                }
            })
        };
        let (x, y) = (send(a.clone(), "sa", sent.clone()), send(b.clone(), "sb", sent.clone()));
        x.await.unwrap();
        y.await.unwrap();
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 12);
        assert!(sent.values().all(|n| *n == 1), "{sent:?}");
        // Each missed commitment was marked missed once.
        for i in 0..6 {
            let reference = a
                .list_callbacks(&crate::store::CallbackFilter::default())
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.call_id == format!("m{i}"))
                .unwrap();
            let history = a.callback_history(&reference.id).await.unwrap();
            let missed = history.iter().filter(|h| h.change == "missed").count();
            assert_eq!(missed, 1, "{history:?}");
        }
    }
}
