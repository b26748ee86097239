//! Keeps promised callbacks from being forgotten: reminds the owner shortly before a
//! commitment's window opens and escalates to the owner's supervisor when the window passes
//! with the caller not reached. Each notification is planned once per commitment, kind and
//! window in the store (so restarts and replicas never plan it twice) and leased before it
//! is sent; a sink that fails is retried and its error kept on the row and in the log.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

mod dial;

pub use dial::Dialer;
use dial::NotDialled;

use crate::executor::AlertSink;
use crate::reconcile::Reconciler;
use crate::store::{CallbackChange, DueNotification, Store, SYSTEM_ACTOR};

/// `[scheduler]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    pub enabled: bool,
    /// How often commitments are checked.
    pub interval_seconds: u64,
    /// How long before a window opens its owner is reminded.
    pub reminder_lead_minutes: u64,
    /// Attempts per notification before it is left `failed` (and logged as an error).
    pub max_attempts: u32,
    /// How long a notification being sent is held by one scheduler: after a crash
    /// mid-send, it is sent again (same `webhook-id`) once this has passed.
    pub lease_seconds: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_seconds: 30,
            reminder_lead_minutes: 15,
            max_attempts: 10,
            lease_seconds: 60,
        }
    }
}

pub struct Scheduler {
    store: Store,
    sink: AlertSink,
    config: SchedulerConfig,
    /// Team → the supervisor overdue commitments go to.
    supervisors: BTreeMap<String, String>,
    /// Places callbacks the platform cannot dial itself.
    dialer: Option<Dialer>,
    /// Reads back the callbacks platforms hold.
    reconciler: Option<Reconciler>,
    worker: String,
}

impl Scheduler {
    pub fn new(
        store: Store,
        sink: AlertSink,
        config: SchedulerConfig,
        supervisors: BTreeMap<String, String>,
    ) -> Self {
        Self {
            store,
            sink,
            config,
            supervisors,
            dialer: None,
            reconciler: None,
            worker: format!("scheduler-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    pub fn with_dialer(mut self, dialer: Option<Dialer>) -> Self {
        self.dialer = dialer;
        self
    }

    pub fn with_reconciler(mut self, reconciler: Option<Reconciler>) -> Self {
        self.reconciler = reconciler;
        self
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let every = Duration::from_secs(self.config.interval_seconds.max(1));
        loop {
            self.tick().await;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.cancelled() => break,
            }
        }
    }

    /// One pass: read back platform-held callbacks, plan what is due, send what is leased.
    pub async fn tick(&self) {
        if let Some(r) = &self.reconciler {
            r.run_once(&self.store).await;
        }
        let lead = Duration::from_secs(self.config.reminder_lead_minutes * 60);
        let dial_on = self.dialer.as_ref().map(|_| Dialer::VENDOR);
        if let Err(e) = self.store.plan_notifications(lead, dial_on).await {
            tracing::error!(error = %e, "planning callback notifications failed");
            return;
        }
        match self.store.overdue_callbacks().await {
            Ok(n) => metrics::gauge!("escalator_callbacks_overdue").set(n as f64),
            Err(e) => tracing::warn!(error = %e, "counting overdue callbacks failed"),
        }
        let due = match self
            .store
            .claim_notifications(
                &self.worker,
                Duration::from_secs(self.config.lease_seconds.max(1)),
                50,
            )
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "claiming callback notifications failed");
                return;
            }
        };
        for n in due {
            self.send(&n).await;
        }
    }

    /// Places a callback at its window; the attempt goes into the callback's history.
    async fn dial(&self, n: &DueNotification) {
        let Some(dialer) = &self.dialer else {
            return;
        };
        let (outcome, give_up) = match dialer.dial(n).await {
            Ok(how) => {
                let attempt = CallbackChange::Attempt {
                    outcome: "dialled".into(),
                    notes: how,
                };
                if let Err(e) = self
                    .store
                    .change_callback(&n.reference, SYSTEM_ACTOR, &attempt)
                    .await
                {
                    tracing::warn!(reference = %n.reference, error = %e, "a dialled callback could not be recorded as attempted");
                }
                (Ok(()), false)
            }
            Err(NotDialled::Later(why)) => (
                Err((why, backoff(n.attempts).min(Duration::from_secs(120)))),
                n.attempts >= i64::from(self.config.max_attempts),
            ),
            Err(NotDialled::Never(why)) => (Err((why, Duration::ZERO)), true),
        };
        if let (Err((why, _)), true) = (&outcome, give_up) {
            // The overdue escalation follows when the window passes undialled.
            tracing::error!(reference = %n.reference, error = %why, "callback could not be dialled");
        }
        self.settle(n, outcome, give_up).await;
    }

    /// Counts the outcome and records it on the notification (sent, retry later, failed).
    async fn settle(
        &self,
        n: &DueNotification,
        outcome: Result<(), (String, Duration)>,
        give_up: bool,
    ) {
        let label = match (&outcome, give_up) {
            (Ok(()), _) => "sent",
            (Err(_), true) => "failed",
            (Err(_), false) => "retrying",
        };
        metrics::counter!("escalator_callback_notifications_total", "kind" => n.kind.clone(), "outcome" => label).increment(1);
        if let Err(e) = self
            .store
            .settle_notification(n.id, &self.worker, outcome, give_up)
            .await
        {
            tracing::error!(error = %e, kind = %n.kind, "recording a callback notification failed; its lease expires and it is tried again");
        }
    }

    async fn send(&self, n: &DueNotification) {
        if n.kind == "dial" {
            return self.dial(n).await;
        }
        let owner = n.owner.as_deref().unwrap_or("unassigned");
        let supervisor = self.supervisors.get(&n.team).map(String::as_str);
        let (recipient, text) = match n.kind.as_str() {
            "overdue" => (
                supervisor.unwrap_or("team supervisor"),
                format!(
                    "[OVERDUE] Callback {} ({} team, {}) was owed by {} and its window ended at {} \
                     with the caller not reached. Reassign or call now, and record the outcome.",
                    n.reference, n.team, n.reason, owner, n.window_end
                ),
            ),
            "no_window" => (
                supervisor.unwrap_or("team supervisor"),
                format!(
                    "[NO WINDOW] Callback {} ({} team, {}, owner {}) has no lawful window: {} \
                     Find out where the caller is and give their address or zone with \
                     `escalator callbacks reschedule`, or agree a time with them.",
                    n.reference,
                    n.team,
                    n.reason,
                    owner,
                    n.no_window_reason
                        .as_deref()
                        .unwrap_or("no window was recorded for it.")
                ),
            ),
            "reassigned" => (
                owner,
                format!(
                    "[YOURS NOW] Callback {} ({} team, {}) was reassigned to you: call between \
                     {} and {}{}.",
                    n.reference,
                    n.team,
                    n.reason,
                    n.window_start.as_deref().unwrap_or("now"),
                    n.callback_window_end.as_deref().unwrap_or("-"),
                    n.no_window_reason
                        .as_deref()
                        .map(|why| format!(" (it has no window: {why})"))
                        .unwrap_or_default()
                ),
            ),
            _ => (
                owner,
                format!(
                    "[DUE SOON] Callback {} ({} team, {}) is yours: call between {} and {}.",
                    n.reference,
                    n.team,
                    n.reason,
                    n.window_start.as_deref().unwrap_or("now"),
                    n.window_end
                ),
            ),
        };
        // Operators see the reference and people, never the caller's number or words.
        tracing::warn!(
            notification = %n.kind,
            reference = %n.reference,
            team = %n.team,
            recipient = %recipient,
            "callback notification"
        );
        // Stable across retries, restarts and replicas: the notification row is planned
        // once per commitment, kind and window, and keeps its id.
        let webhook_id = format!("msg_escalator_notice_{}", n.id);
        let body = json!({
            "type": format!("callback.{}", n.kind),
            "timestamp": jiff::Timestamp::now().to_string(),
            "text": text,
            "escalator": {
                "notification": n.kind,
                "reference": n.reference,
                "team": n.team,
                "owner": n.owner,
                "supervisor": supervisor,
                "recipient": recipient,
                "window_start": n.window_start,
                "window_end": n.window_end,
                "deadline": n.deadline,
                "no_window_reason": n.no_window_reason,
            }
        });
        let result = self.sink.notify_notice(&webhook_id, &body).await;
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(e) => Err((e.to_string(), backoff(n.attempts))),
        };
        let give_up = result.is_err() && n.attempts >= i64::from(self.config.max_attempts);
        if let Err(e) = &result {
            if give_up {
                tracing::error!(reference = %n.reference, error = %e, "callback notification failed for good");
            } else {
                tracing::warn!(reference = %n.reference, error = %e, "callback notification will be retried");
            }
        }
        self.settle(n, outcome, give_up).await;
    }
}

fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::from_secs(5u64 << exp).min(Duration::from_secs(600))
}
