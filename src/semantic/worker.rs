//! The scoring pool, off the acknowledgement path: it leases queued utterances, scores at
//! most `workers` at once on blocking threads, and applies each score in one transaction
//! through the machinery a rules trigger uses (session, playbook decision, escalation record,
//! outbox). Rows older than `max_lag_ms` are swept unscored: the rules decided them (phrases
//! that waited for their score decide then, as the rules alone would).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{Scorer, Scores};
use crate::config::SemanticConfig;
use crate::orchestrator::Orchestrator;
use crate::playbook::{PlaybookHandle, SemanticTurn};
use crate::store::{ClaimedUtterance, ScoreIntake, ScoredPlans, Store};

/// How long a claimed utterance stays claimed: far above a score's tens of milliseconds,
/// so only a dead worker's rows are taken over.
const LEASE: Duration = Duration::from_secs(30);
/// How often the queue is looked at when nothing wakes the pool (rows other replicas
/// queued, leases that expired).
const POLL: Duration = Duration::from_millis(500);
/// Claims of one row whose score could not be applied before it is given up.
const MAX_ATTEMPTS: u32 = 3;

/// What the ingest path needs to queue utterances and wake the pool.
#[derive(Clone)]
pub struct ScoringIntake {
    pub intake: ScoreIntake,
    pub wake: Arc<Notify>,
}

impl ScoringIntake {
    pub fn new(config: &SemanticConfig, wake: Arc<Notify>) -> Self {
        Self {
            intake: ScoreIntake {
                queue_limit: config.queue_limit,
            },
            wake,
        }
    }
}

#[derive(Clone)]
pub struct SemanticWorkers {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    scorer: Arc<dyn Scorer>,
    playbook: PlaybookHandle,
    orchestrator: Orchestrator,
    config: SemanticConfig,
    worker: String,
    /// Rung by the ingest path when it queued utterances.
    wake: Arc<Notify>,
    /// Rung when a score planned actions, so the dispatcher runs them at once.
    dispatch: Arc<Notify>,
}

impl SemanticWorkers {
    pub fn new(
        store: Store,
        scorer: Arc<dyn Scorer>,
        playbook: PlaybookHandle,
        orchestrator: Orchestrator,
        config: SemanticConfig,
        wake: Arc<Notify>,
        dispatch: Arc<Notify>,
    ) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "escalator".into());
        Self {
            inner: Arc::new(Inner {
                store,
                scorer,
                playbook,
                orchestrator,
                config,
                worker: format!("{host}-semantic-{}", uuid::Uuid::new_v4().simple()),
                wake,
                dispatch,
            }),
        }
    }

    /// Runs until `shutdown`. A score still running then is abandoned (its row is handed
    /// back and scored by the next process, or skipped as late): scoring has no effect
    /// until its transaction commits.
    pub async fn run(self, shutdown: CancellationToken) {
        let cfg = &self.inner.config;
        let max_lag = Duration::from_millis(cfg.max_lag_ms);
        tracing::info!(worker = %self.inner.worker, workers = cfg.workers, "semantic scoring started");
        while !shutdown.is_cancelled() {
            self.sweep(max_lag).await;
            let claimed = match self
                .inner
                .store
                .claim_utterances(&self.inner.worker, LEASE, cfg.workers)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming utterances to score failed");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    _ = self.inner.wake.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    _ = shutdown.cancelled() => {}
                }
                continue;
            }
            let mut batch = JoinSet::new();
            for row in claimed {
                let this = self.clone();
                batch.spawn(async move { this.process(row).await });
            }
            let finished = async {
                while let Some(joined) = batch.join_next().await {
                    if let Err(e) = joined {
                        tracing::error!(error = %e, "scoring task failed");
                    }
                }
            };
            tokio::select! {
                _ = finished => {}
                _ = shutdown.cancelled() => {}
            }
        }
        match self
            .inner
            .store
            .release_utterances(&self.inner.worker)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "utterances awaiting their score handed back"),
            Err(e) => tracing::error!(error = %e, "handing back utterances failed"),
        }
        tracing::info!("semantic scoring stopped");
    }

    async fn sweep(&self, max_lag: Duration) {
        // Overdue rows with phrases that waited for their score: the rules decide them
        // alone now, before the sweep removes the rest.
        let engine = self.inner.playbook.current();
        match self
            .inner
            .store
            .claim_overdue(&self.inner.worker, LEASE, max_lag, MAX_ATTEMPTS, |text| {
                engine.holds(text)
            })
            .await
        {
            Ok(rows) => {
                for row in rows {
                    self.apply_unscored(&row, "late").await;
                }
            }
            Err(e) => tracing::error!(error = %e, "claiming overdue utterances failed"),
        }
        match self
            .inner
            .store
            .sweep_semantic_queue(max_lag, MAX_ATTEMPTS)
            .await
        {
            Ok(swept) => {
                if swept.late > 0 {
                    tracing::debug!(
                        late = swept.late,
                        "semantic scoring is behind: late utterances skipped (the rules decided them)"
                    );
                    metrics::counter!("escalator_semantic_skipped_total", "reason" => "late")
                        .increment(swept.late);
                }
                if swept.failed > 0 {
                    tracing::error!(
                        utterances = swept.failed,
                        "semantic scores that could not be applied were given up"
                    );
                    metrics::counter!("escalator_semantic_skipped_total", "reason" => "error")
                        .increment(swept.failed);
                }
            }
            Err(e) => tracing::error!(error = %e, "sweeping the semantic queue failed"),
        }
    }

    async fn process(&self, row: ClaimedUtterance) {
        let scorer = self.inner.scorer.clone();
        let text = row.text.clone();
        let started = Instant::now();
        // Tens of milliseconds of CPU: never on a worker that answers deliveries.
        let scored = tokio::task::spawn_blocking(move || scorer.score(&text)).await;
        metrics::histogram!("escalator_semantic_score_seconds")
            .record(started.elapsed().as_secs_f64());
        let scores = match scored {
            Ok(Ok(scores)) => scores,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "scoring failed; the rules alone decided the utterance");
                self.give_up(&row).await;
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "the scorer panicked; the rules alone decided the utterance");
                self.give_up(&row).await;
                return;
            }
        };
        self.apply(&row, &scores).await;
    }

    async fn give_up(&self, row: &ClaimedUtterance) {
        if self.inner.playbook.current().holds(&row.text) {
            self.apply_unscored(row, "error").await;
            return;
        }
        match self
            .inner
            .store
            .drop_utterance(row, &self.inner.worker)
            .await
        {
            Ok(true) => {
                metrics::counter!("escalator_semantic_skipped_total", "reason" => "error")
                    .increment(1);
            }
            Ok(false) => {}
            // The lease expires and the row is claimed again, up to its last attempt.
            Err(e) => tracing::error!(error = %e, "dropping an unscored utterance failed"),
        }
    }

    /// A row that gets no score but holds phrases that waited for it: they decide as the
    /// rules alone would (counted as skipped for `reason`).
    async fn apply_unscored(&self, row: &ClaimedUtterance, reason: &'static str) {
        let engine = self.inner.playbook.current();
        let orchestrator = &self.inner.orchestrator;
        let settled = self
            .inner
            .store
            .settle_utterance(row, &self.inner.worker, |session| ScoredPlans {
                escalation: engine
                    .decide_unscored(session, &row.utterance_id, &row.text, row.occurred_at)
                    .map(|d| orchestrator.plan(d, session, row.vendor)),
                review: None,
            })
            .await;
        match settled {
            Ok(Some(plans)) => {
                metrics::counter!("escalator_semantic_skipped_total", "reason" => reason)
                    .increment(1);
                if let Some(p) = &plans.escalation {
                    let d = &p.decision;
                    metrics::counter!("escalator_escalations_total", "trigger" => d.primary().kind.as_str(), "tier" => d.tier.as_str(), "review" => if p.review { "flagged" } else { "not_flagged" })
                        .increment(1);
                    tracing::info!(reference = %p.reference, trigger = d.primary().kind.as_str(), rule = %d.primary().rule_id, "escalation on the rules alone: no score came");
                    if !p.actions.is_empty() {
                        self.inner.dispatch.notify_one();
                    }
                }
            }
            Ok(None) => tracing::debug!("another worker took the utterance over"),
            Err(e) => {
                tracing::error!(error = %e, "applying the rules to an unscored utterance failed; tried again when its lease expires")
            }
        }
    }

    async fn apply(&self, row: &ClaimedUtterance, scores: &Scores) {
        let engine = self.inner.playbook.current();
        let orchestrator = &self.inner.orchestrator;
        let turn = SemanticTurn {
            utterance_id: &row.utterance_id,
            text: &row.text,
            at: row.occurred_at,
            platform_sentiment: row.platform_sentiment,
            scores,
        };
        let settled = self
            .inner
            .store
            .settle_utterance(row, &self.inner.worker, |session| {
                let decided = engine.decide_semantic(session, &turn);
                ScoredPlans {
                    escalation: decided
                        .escalation
                        .map(|d| orchestrator.plan(d, session, row.vendor)),
                    review: decided
                        .review
                        .map(|d| orchestrator.plan_review(d, session, row.vendor)),
                }
            })
            .await;
        let plans = match settled {
            Ok(Some(plans)) => plans,
            Ok(None) => {
                tracing::debug!("another worker took the utterance over");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "applying a semantic score failed; it is tried again when its lease expires");
                return;
            }
        };
        metrics::counter!("escalator_semantic_scored_total").increment(1);
        if let Some(p) = &plans.escalation {
            let d = &p.decision;
            metrics::counter!("escalator_escalations_total", "trigger" => d.primary().kind.as_str(), "tier" => d.tier.as_str(), "review" => if p.review { "flagged" } else { "not_flagged" })
                .increment(1);
            tracing::info!(reference = %p.reference, trigger = d.primary().kind.as_str(), rule = %d.primary().rule_id, tier = d.tier.as_str(), "semantic escalation");
        }
        if let Some(p) = &plans.review {
            tracing::info!(reference = %p.reference, trigger = p.decision.primary().kind.as_str(), "semantic review: a supervisor is alerted");
        }
        let planned_actions = [&plans.escalation, &plans.review]
            .into_iter()
            .flatten()
            .any(|p| !p.actions.is_empty());
        if planned_actions {
            self.inner.dispatch.notify_one();
        }
    }
}
