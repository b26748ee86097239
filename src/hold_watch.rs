//! Notices a long hold while it lasts. The store keeps a watch on each call on hold, due
//! when the hold passes the playbook's `hold_seconds`; when one is due, the playbook
//! decides on the call as if an event had arrived at that moment (the same `long_hold`
//! trigger, once per call, outranked by an open escalation like any trigger), and what it
//! plans goes to the outbox like any decision.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::orchestrator::Orchestrator;
use crate::playbook::{PlaybookHandle, TriggerKind};
use crate::store::{hold_due_ms, HoldFired, HoldVerdict, HoldWatch, Store, StoreError};

/// Watches taken per look at the store.
const BATCH: u32 = 50;

#[derive(Clone)]
pub struct HoldWatcher {
    store: Store,
    playbook: PlaybookHandle,
    orchestrator: Orchestrator,
    /// Longest wait between two looks (watches other replicas planned, new holds).
    poll: Duration,
    /// Rung when a watch planned actions, so the dispatcher runs them at once.
    dispatch: Arc<Notify>,
}

impl HoldWatcher {
    pub fn new(
        store: Store,
        playbook: PlaybookHandle,
        orchestrator: Orchestrator,
        poll: Duration,
        dispatch: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            playbook,
            orchestrator,
            poll,
            dispatch,
        }
    }

    /// Runs until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            if let Err(e) = self.fire_due().await {
                // The watches stay; the next look takes them.
                tracing::error!(error = %e, "firing hold watches failed");
            }
            let wait = match self.store.next_hold_watch_ms().await {
                Ok(Some(due)) => {
                    let ms = u64::try_from(due - Timestamp::now().as_millisecond()).unwrap_or(0);
                    Duration::from_millis(ms).min(self.poll)
                }
                _ => self.poll,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.cancelled() => {}
            }
        }
    }

    /// Takes every watch due now; how many led to a decision.
    pub async fn fire_due(&self) -> Result<usize, StoreError> {
        let mut decided = 0;
        for watch in self.store.due_hold_watches(BATCH).await? {
            if let HoldFired::Decided(Some(planned)) = self.fire(&watch).await? {
                tracing::info!(
                    call_id = %watch.call_id,
                    reference = %planned.reference,
                    "long hold noticed while it lasts"
                );
                metrics::counter!("escalator_hold_watches_fired_total").increment(1);
                decided += 1;
                self.dispatch.notify_one();
            }
        }
        Ok(decided)
    }

    async fn fire(&self, watch: &HoldWatch) -> Result<HoldFired, StoreError> {
        // One playbook version decides, even across a reload.
        let playbook = self.playbook.current();
        let orchestrator = &self.orchestrator;
        self.store
            .fire_hold_watch(watch, |session| {
                let now = Timestamp::now();
                if let Some(decision) = playbook.decide_hold(session, now) {
                    let planned = orchestrator.plan(decision, session, watch.vendor);
                    return HoldVerdict::Decided(Some(Box::new(planned)));
                }
                // Not long enough under the playbook in force now (its threshold was
                // raised since the hold started): watch again. Otherwise it already fired,
                // or a stronger escalation has the call.
                let due_ms =
                    hold_due_ms(watch.hold_started_ms, playbook.long_hold_after().as_secs());
                let pending = !session.fired.contains(TriggerKind::LongHold.as_str());
                if pending && due_ms > now.as_millisecond() {
                    HoldVerdict::NotYet { due_ms }
                } else {
                    HoldVerdict::Decided(None)
                }
            })
            .await
    }
}
