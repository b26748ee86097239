//! Hold watches: planned with a hold's start, stopped by its end or the call's, taken once
//! when due (the escalation recorded with the watch's removal), watched again when the
//! hold is not yet long enough.

use std::time::Duration;

use escalator_adapters::{CallEvent, EventKind};
use jiff::{SignedDuration, Timestamp};

use super::fixtures::{event, planned, REPEAT_WINDOW};
use super::on_both_backends;
use crate::store::{hold_due_ms, HoldFired, HoldVerdict, Store, Timing};
use escalator_adapters::Vendor;

const TIMING: Timing = Timing {
    repeat_window: REPEAT_WINDOW,
    long_hold: Some(Duration::from_secs(1)),
};

/// `kind` on `call_id`, `ago_s` seconds ago.
fn on(call_id: &str, event_id: &str, kind: EventKind, ago_s: i64) -> CallEvent {
    let mut e = event(call_id, event_id);
    e.kind = kind;
    e.occurred_at = Timestamp::now() - SignedDuration::from_secs(ago_s);
    e
}

async fn deliver(store: &Store, events: &[CallEvent]) {
    store
        .record_delivery_scored(events, TIMING, None, |_, _, _| None)
        .await
        .expect("delivery recorded");
}

on_both_backends! {
    async fn a_due_watch_is_taken_once_and_its_escalation_names_the_holds_start(db: TestDb) {
        let store = &db.store;
        let held = on("c1", "h1", EventKind::HoldStarted, 10);
        deliver(store, std::slice::from_ref(&held)).await;
        let watch = store.hold_watch(Vendor::Genesys, "c1").await.unwrap().expect("watched");
        let started = held.occurred_at.as_millisecond();
        assert_eq!(watch.hold_started_ms, started);
        assert_eq!(watch.due_ms, started + 2000);
        assert_eq!(
            store.due_hold_watches(10).await.unwrap(),
            std::slice::from_ref(&watch)
        );

        let fired = store
            .fire_hold_watch(&watch, |session| {
                assert!(session.hold_started_at.is_some());
                HoldVerdict::Decided(Some(Box::new(planned("e1"))))
            })
            .await
            .unwrap();
        assert!(matches!(fired, HoldFired::Decided(Some(_))), "{fired:?}");
        let escalations = store.escalations(Vendor::Genesys, "c1").await.unwrap();
        assert_eq!(escalations.len(), 1);
        let session = store.session(Vendor::Genesys, "c1").await.unwrap();
        assert_eq!(session.escalation.map(|e| e.id).as_deref(), Some("e1"));
        // Taken: a second look (another replica) finds nothing to do.
        let again = store
            .fire_hold_watch(&watch, |_| panic!("decided twice"))
            .await
            .unwrap();
        assert!(matches!(again, HoldFired::Nothing), "{again:?}");
        assert!(store.due_hold_watches(10).await.unwrap().is_empty());
    }

    async fn a_hold_or_call_that_ends_stops_its_watch_and_a_new_hold_replaces_it(db: TestDb) {
        let store = &db.store;
        deliver(store, &[on("c1", "h1", EventKind::HoldStarted, 5)]).await;
        deliver(store, &[on("c1", "h2", EventKind::HoldEnded { held_ms: None }, 0)]).await;
        assert!(store.hold_watch(Vendor::Genesys, "c1").await.unwrap().is_none());
        deliver(store, &[on("c2", "h3", EventKind::HoldStarted, 5)]).await;
        deliver(store, &[on("c2", "end", EventKind::CallEnded { reason: None }, 0)]).await;
        assert!(store.hold_watch(Vendor::Genesys, "c2").await.unwrap().is_none());

        deliver(store, &[on("c3", "h4", EventKind::HoldStarted, 30)]).await;
        let first = store.hold_watch(Vendor::Genesys, "c3").await.unwrap().unwrap();
        deliver(store, &[on("c3", "h5", EventKind::HoldStarted, 0)]).await;
        let second = store.hold_watch(Vendor::Genesys, "c3").await.unwrap().unwrap();
        assert!(second.hold_started_ms > first.hold_started_ms);
        assert_eq!(second.event_id, "h5");
        // The first hold's watch is gone with it.
        let stale = store
            .fire_hold_watch(&first, |_| panic!("decided on a hold that is over"))
            .await
            .unwrap();
        assert!(matches!(stale, HoldFired::Nothing), "{stale:?}");
    }

    async fn a_hold_not_yet_long_enough_is_watched_again(db: TestDb) {
        let store = &db.store;
        deliver(store, &[on("c1", "h1", EventKind::HoldStarted, 5)]).await;
        let watch = store.hold_watch(Vendor::Genesys, "c1").await.unwrap().unwrap();
        let later = hold_due_ms(watch.hold_started_ms, 600);
        let fired = store
            .fire_hold_watch(&watch, |_| HoldVerdict::NotYet { due_ms: later })
            .await
            .unwrap();
        assert!(matches!(fired, HoldFired::Rearmed), "{fired:?}");
        let rearmed = store.hold_watch(Vendor::Genesys, "c1").await.unwrap().unwrap();
        assert_eq!(rearmed.due_ms, later);
        assert!(store.due_hold_watches(10).await.unwrap().is_empty());
        assert!(store.escalations(Vendor::Genesys, "c1").await.unwrap().is_empty());
    }
}
