//! Group commit: deliveries that arrive while a transaction is being written wait for the
//! next one and are written together, so the per-transaction cost (the write lock, the
//! commit, the round trips to the database) is paid once per batch instead of once per
//! delivery. A delivery is acknowledged only after the transaction holding it commits. An
//! idle service writes each delivery at once (no timer: a batch is whatever queued up).
//!
//! One failing delivery never fails the others: when a batch cannot be written, each
//! delivery in it is written alone.

use std::collections::HashMap;
use std::sync::Arc;

use escalator_adapters::{CallEvent, Vendor};
use tokio::sync::{mpsc, oneshot};

use crate::orchestrator::Orchestrator;
use crate::playbook::{Decision, PlaybookHandle};
use crate::reconcile;
use crate::semantic::ScoringIntake;
use crate::store::{EventOutcome, Planned, Store, StoreError};

/// Deliveries written in one transaction at most.
const MAX_BATCH: usize = 64;

/// What committing a delivery produced: its events (handed back), each event's outcome,
/// and the escalations decided.
pub struct Committed {
    pub events: Vec<CallEvent>,
    pub outcomes: Vec<EventOutcome>,
    pub decisions: Vec<(Decision, Planned)>,
}

/// Why a delivery was not committed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    #[error(transparent)]
    Store(Arc<StoreError>),
    #[error("the store writer stopped")]
    Stopped,
}

type Reply = Result<Committed, CommitError>;

struct Job {
    events: Vec<CallEvent>,
    reply: oneshot::Sender<Reply>,
}

/// The handle deliveries are committed through.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

/// What deciding needs.
#[derive(Clone)]
pub struct Decider {
    pub store: Store,
    pub playbook: PlaybookHandle,
    pub orchestrator: Orchestrator,
    /// Set when a scorer is loaded: customer final utterances are queued for it.
    pub scoring: Option<ScoringIntake>,
}

impl GroupCommit {
    /// Starts the writer task; it ends when every handle is dropped.
    pub fn start(decider: Decider) -> Self {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_batches(decider, rx));
        Self { jobs }
    }

    /// Records `events` (one delivery) and decides on them; returns once committed.
    pub async fn commit(&self, events: Vec<CallEvent>) -> Reply {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { events, reply })
            .await
            .map_err(|_| CommitError::Stopped)?;
        answer.await.map_err(|_| CommitError::Stopped)?
    }
}

async fn write_batches(decider: Decider, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        gather(&mut rx, &mut batch).await;
        metrics::histogram!("escalator_commit_batch_deliveries").record(batch.len() as f64);
        if batch.len() > 1 {
            let events: Vec<&[CallEvent]> = batch.iter().map(|j| j.events.as_slice()).collect();
            match write(&decider, &events).await {
                Ok(parts) => {
                    let results = parts.into_iter().map(Ok).collect();
                    answer(&decider, batch, results).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, deliveries = batch.len(), "a batch could not be written; writing its deliveries one by one");
                }
            }
        }
        let mut results = Vec::with_capacity(batch.len());
        for job in &batch {
            results.push(
                write(&decider, &[job.events.as_slice()])
                    .await
                    .map(|mut parts| parts.remove(0))
                    .map_err(|e| CommitError::Store(Arc::new(e))),
            );
        }
        answer(&decider, batch, results).await;
    }
}

/// Adds the deliveries already waiting to `batch`; while more keep arriving, lets the
/// request tasks run once more before closing it. Commits cost the same for one delivery or
/// sixty, so under load a slightly fuller batch is far cheaper; an idle service still
/// writes a lone delivery at once.
async fn gather(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    const MAX_YIELDS: usize = 4;
    for _ in 0..MAX_YIELDS {
        let before = batch.len();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() == before || batch.len() == MAX_BATCH {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// Matches the batch's calls to callbacks their platforms hold (one lookup for the whole
/// batch), then answers each delivery, handing its events back.
async fn answer(decider: &Decider, batch: Vec<Job>, results: Vec<Result<Written, CommitError>>) {
    let platform_calls: Vec<&CallEvent> = batch
        .iter()
        .zip(&results)
        .filter_map(|(job, result)| Some((job, result.as_ref().ok()?)))
        .flat_map(|(job, written)| reconcile::platform_call_events(&job.events, &written.outcomes))
        .collect();
    reconcile::record_platform_calls(&decider.store, &platform_calls).await;
    for (job, result) in batch.into_iter().zip(results) {
        let _ = job
            .reply
            .send(result.map(|written| written.with_events(job.events)));
    }
}

/// What one delivery's part of a transaction produced, before its events are handed back.
struct Written {
    outcomes: Vec<EventOutcome>,
    decisions: Vec<(Decision, Planned)>,
}

impl Written {
    fn with_events(self, events: Vec<CallEvent>) -> Committed {
        Committed {
            events,
            outcomes: self.outcomes,
            decisions: self.decisions,
        }
    }
}

/// Writes the deliveries in `batch` in one transaction; one [`Written`] per delivery.
async fn write(decider: &Decider, batch: &[&[CallEvent]]) -> Result<Vec<Written>, StoreError> {
    let events: Vec<&CallEvent> = batch.iter().flat_map(|d| d.iter()).collect();
    // One playbook version decides the whole batch, even across a reload.
    let playbook = decider.playbook.current();
    let scoring = super::score_intake(decider.scoring.as_ref(), &playbook);
    let mut decided: HashMap<(Vendor, String), (Decision, Planned)> = HashMap::new();
    let mut outcomes = decider
        .store
        .record_delivery_scored(
            &events,
            super::timing(&playbook),
            scoring,
            |session, event, scored| {
                let decision = playbook.decide_scored(session, event, scored)?;
                let planned = decider
                    .orchestrator
                    .plan(decision.clone(), session, event.vendor);
                decided.insert(
                    (event.vendor, event.event_id.clone()),
                    (decision, planned.clone()),
                );
                Some(planned)
            },
        )
        .await?
        .into_iter();
    super::wake_scoring(decider.scoring.as_ref(), scoring, &events);
    Ok(batch
        .iter()
        .map(|delivery| {
            let outcomes: Vec<EventOutcome> = outcomes.by_ref().take(delivery.len()).collect();
            // An event repeated later in the batch is a duplicate there: its decision
            // belongs to the delivery that carried it first, which takes it first.
            let decisions = delivery
                .iter()
                .filter_map(|e| decided.remove(&(e.vendor, e.event_id.clone())))
                .collect();
            Written {
                outcomes,
                decisions,
            }
        })
        .collect())
}
