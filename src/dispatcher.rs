//! The outbox worker: leases due actions, carries them out, records every attempt, retries
//! with backoff and jitter (honouring the platform's `Retry-After`), and walks the fallback
//! chain when an action fails for good.

use std::sync::Arc;
use std::time::Duration;

use escalator_adapters::outbound::CallError;
use escalator_adapters::Action;
use rand::Rng;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::config::DispatcherConfig;
use crate::executor::{once, Checkpoint, Executors, Outcome, Report, AGENT_ON_CALL};
use crate::orchestrator::{CallState, Link, Orchestrator};
use crate::store::{AttemptRecord, ClaimedAction, Failure, Store, StoreError};

/// Longest wait we accept from a platform's `Retry-After`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    executors: Executors,
    orchestrator: Orchestrator,
    config: DispatcherConfig,
    worker: String,
    wake: Arc<Notify>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        executors: Executors,
        orchestrator: Orchestrator,
        config: DispatcherConfig,
        wake: Arc<Notify>,
    ) -> Self {
        let worker = format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple());
        Self {
            inner: Arc::new(Inner {
                store,
                executors,
                orchestrator,
                config,
                worker,
                wake,
            }),
        }
    }

    /// Runs until `shutdown`; then lets the batch in flight finish and hands back any
    /// lease still held.
    pub async fn run(self, shutdown: CancellationToken) {
        let cfg = &self.inner.config;
        let lease = Duration::from_secs(cfg.lease_seconds);
        let poll = Duration::from_millis(cfg.poll_interval_ms);
        tracing::info!(worker = %self.inner.worker, "dispatcher started");
        while !shutdown.is_cancelled() {
            let claimed = match self
                .inner
                .store
                .claim_actions(&self.inner.worker, lease, cfg.concurrency)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming actions failed");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    _ = self.inner.wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = shutdown.cancelled() => {}
                }
                continue;
            }
            let mut batch = JoinSet::new();
            for action in claimed {
                let this = self.clone();
                batch.spawn(async move { this.process(action).await });
            }
            while let Some(joined) = batch.join_next().await {
                if let Err(e) = joined {
                    tracing::error!(error = %e, "action task failed");
                }
            }
        }
        match self.inner.store.release_leases(&self.inner.worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "leases handed back"),
            Err(e) => tracing::error!(error = %e, "handing back leases failed"),
        }
        tracing::info!("dispatcher stopped");
    }

    async fn process(&self, action: ClaimedAction) {
        let span = tracing::info_span!(
            "action",
            id = action.id,
            kind = action.action.kind(),
            attempt = action.attempt
        );
        self.process_in_span(action).instrument(span).await
    }

    async fn process_in_span(&self, mut action: ClaimedAction) {
        // Callbacks need the phone-number metadata; its first load must not stall the
        // workers that answer deliveries.
        crate::callbacks::number::load_metadata().await;
        let mut report = Report::default();
        let timeout = Duration::from_millis(self.inner.config.request_timeout_ms).saturating_mul(4);
        let outcome = match tokio::time::timeout(
            timeout,
            self.inner.executors.execute(
                &mut action,
                &mut report,
                &Checkpoint {
                    store: &self.inner.store,
                    worker: &self.inner.worker,
                },
            ),
        )
        .await
        {
            Ok(o) => o,
            Err(_) => Outcome::Failed(CallError::Transport("action timed out".into())),
        };
        if let Err(e) = self.settle(&mut action, &report, outcome).await {
            // The lease expires and another attempt picks the action up.
            tracing::error!(error = %e, "recording the action outcome failed");
        }
    }

    async fn settle(
        &self,
        action: &mut ClaimedAction,
        report: &Report,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        let store = &self.inner.store;
        let worker = self.inner.worker.as_str();
        for step in &report.steps {
            store
                .record_attempt(&AttemptRecord {
                    action_id: action.id,
                    attempt: action.attempt,
                    step: step.step,
                    outcome: step.outcome,
                    http_status: step.http_status,
                    detail: step.detail.clone(),
                })
                .await?;
        }
        // No separate progress save here: each outcome below stores the progress with
        // it, so no crash point leaves a sent request's mark cleared on an open action.
        let kind = action.action.kind();
        let label = match outcome {
            Outcome::Done(done) => {
                match self.inner.orchestrator.after_transfer(&action.action) {
                    // A consult the platform accepted is not a transfer yet: it is watched
                    // until someone answers.
                    Some(check) => {
                        // A transfer left to the agent keeps its own status
                        // (`transfer_requested`): nobody saw it placed.
                        let status = match action.action {
                            Action::AssistedTransfer { .. } => done.escalation_status,
                            _ => Some("consulting"),
                        };
                        store
                            .succeed_action_then(
                                action,
                                worker,
                                status,
                                &done.detail,
                                std::slice::from_ref(&check),
                            )
                            .await?;
                        self.inner.wake.notify_one();
                    }
                    None => {
                        let told = self.callback_told(action).await;
                        store
                            .succeed_action_then(
                                action,
                                worker,
                                done.escalation_status,
                                &done.detail,
                                &told,
                            )
                            .await?;
                        if !told.is_empty() {
                            self.inner.wake.notify_one();
                        }
                    }
                }
                if let (Action::ConfirmTransfer { briefing, .. }, Some("connected")) =
                    (&action.action, done.escalation_status)
                {
                    if let Some(tier) = crate::playbook::Tier::parse(&briefing.tier) {
                        store
                            .note_held_by(action.vendor, &action.call_id, tier)
                            .await?;
                    }
                }
                tracing::info!(detail = %done.detail, "action succeeded");
                "succeeded"
            }
            Outcome::Wait(delay, detail) => {
                store.defer_action(action, worker, delay).await?;
                tracing::info!(detail = %detail, wait_ms = delay.as_millis() as u64, "action waiting");
                "waiting"
            }
            Outcome::DryRun(plan) => {
                store.dry_run_action(action, worker, &plan).await?;
                tracing::info!(plan = %plan, "action recorded as dry-run");
                "dry_run"
            }
            Outcome::Failed(error)
                if !error.is_permanent() && action.attempt < action.max_attempts =>
            {
                let delay = self.retry_delay(action.attempt, &error);
                store
                    .retry_action(action, worker, delay, &error.to_string())
                    .await?;
                tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "action will be retried");
                "retrying"
            }
            Outcome::Failed(error) => {
                // A request that may have been applied is never left as a plain failure: it
                // is parked as uncertain, and a person told to look before acting.
                let error = if !error.is_permanent() && once::in_doubt(&action.progress) {
                    CallError::Uncertain(format!(
                        "a request's outcome was still unknown at the last attempt ({error}); \
                         it is not sent again"
                    ))
                } else {
                    error
                };
                let parked = matches!(error, CallError::Uncertain(_));
                let status = if parked {
                    "uncertain"
                } else if error.is_permanent() {
                    "failed"
                } else {
                    "dead"
                };
                // The chain skips links the call can no longer take (it ended, or an agent
                // has it and its flow will not ask again).
                let session = store.session(action.vendor, &action.call_id).await?;
                let state = CallState {
                    ended: session.ended,
                    agent_connected: session.agent_connected
                        || action.progress.get(AGENT_ON_CALL) == Some(&Value::Bool(true)),
                };
                let fallback = self.inner.orchestrator.fallback(
                    &action.action,
                    action.vendor,
                    &action.refs,
                    state,
                );
                // Guidance and alerts that could not be delivered leave the escalation as it
                // is; the failure is in its steps and the log.
                let guidance = Link::of(&action.action).is_none()
                    && !matches!(action.action, Action::ConfirmTransfer { .. });
                let escalation_status = if guidance {
                    None
                } else if !fallback.is_empty() && fallback.iter().all(|a| Link::of(a).is_none()) {
                    // Only an alert is left: a person must step in now.
                    Some("needs_person")
                } else if !fallback.is_empty() {
                    Some("falling_back")
                } else {
                    Some("stranded")
                };
                if guidance {
                    tracing::warn!(error = %error, "could not be delivered");
                } else if fallback.is_empty() {
                    // Nothing left in the chain: a person must take this over.
                    tracing::error!(escalation = %action.escalation_id, error = %error, "escalation stranded; needs a person");
                    metrics::counter!("escalator_escalations_stranded_total").increment(1);
                } else {
                    tracing::warn!(error = %error, "action failed; falling back");
                }
                store
                    .fail_action(
                        action,
                        worker,
                        &Failure {
                            status,
                            error: error.to_string(),
                            fallback,
                            escalation_status,
                        },
                    )
                    .await?;
                // An alert that could not be delivered is not alerted about again.
                let local = &self.inner.executors.local;
                if parked {
                    local.alert_uncertain(action, &error.to_string()).await;
                } else if status == "dead"
                    && !matches!(action.action, Action::SupervisorAlert { .. })
                {
                    local.alert_dead_letter(action, &error.to_string()).await;
                }
                self.inner.wake.notify_one();
                status
            }
        };
        metrics::counter!("escalator_actions_total", "kind" => kind, "outcome" => label)
            .increment(1);
        Ok(())
    }

    /// A callback booked while the caller is still on the line with an agent: the agent is
    /// given its reference, owner and window to say, where the platform shows guidance.
    async fn callback_told(&self, action: &ClaimedAction) -> Vec<(Action, Duration)> {
        let (Action::NamedCallback { briefing, .. } | Action::ScheduleCallback { briefing, .. }) =
            &action.action
        else {
            return Vec::new();
        };
        if !escalator_adapters::Capabilities::of(action.vendor).live_briefing {
            return Vec::new();
        }
        let store = &self.inner.store;
        let live = store
            .session(action.vendor, &action.call_id)
            .await
            .is_ok_and(|s| !s.ended && s.agent_connected);
        if !live {
            return Vec::new();
        }
        match store.callback(&briefing.reference).await {
            Ok(Some(cb)) => vec![(self.inner.orchestrator.callback_told(&cb), Duration::ZERO)],
            Ok(None) => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "the booked callback could not be read to tell the caller");
                Vec::new()
            }
        }
    }

    /// Exponential backoff with equal jitter, or the platform's own wait when longer.
    fn retry_delay(&self, attempt: u32, error: &CallError) -> Duration {
        let cfg = &self.inner.config;
        let exp = cfg
            .backoff_base_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
            .min(cfg.backoff_max_ms);
        let half = exp / 2;
        let backoff = Duration::from_millis(half + rand::thread_rng().gen_range(0..=half));
        let asked = match error {
            CallError::Retryable { retry_after, .. } => retry_after.unwrap_or_default(),
            _ => Duration::ZERO,
        };
        backoff.max(asked.min(MAX_RETRY_AFTER))
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "escalator".into())
}
