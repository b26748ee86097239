//! The links Escalator carries out itself: an answer armed for the call's next
//! routing-hook request, the named callback in its own log, and supervisor alerts.

use std::time::Duration;

use escalator_adapters::outbound::CallError;
use escalator_adapters::{Action, AlertReason, Briefing, Target};
use serde_json::Value;

use super::{AlertSink, Done, Outcome, Report};
use crate::callbacks::{window_for, Address, CallbacksConfig};
use crate::store::{ArmedState, ClaimedAction, NewCallback, Store};

/// Progress key: when the armed answer lapses (epoch ms).
const ARMED_UNTIL: &str = "armed_until_ms";
/// How often an armed answer looks at its call while it waits: a call that ended or that
/// an agent took stops the wait within this long.
const ROUTE_RECHECK: Duration = Duration::from_secs(2);
/// Progress key: how often an alert waited for its callback's owner.
const OWNER_WAITS: &str = "owner_waits";
const MAX_OWNER_WAITS: u64 = 10;

pub struct LocalExecutor {
    store: Store,
    alerts: AlertSink,
    route_ttl: Duration,
    callbacks: CallbacksConfig,
}

impl LocalExecutor {
    pub fn new(
        store: Store,
        alerts: AlertSink,
        route_ttl: Duration,
        callbacks: CallbacksConfig,
    ) -> Self {
        Self {
            store,
            alerts,
            route_ttl,
            callbacks,
        }
    }

    /// Tells the operators that `action` was dead-lettered (its attempts ran out) and the
    /// fallback chain takes over. Best effort: the log and the metric always have it.
    pub async fn alert_dead_letter(&self, action: &ClaimedAction, error: &str) {
        let kind = action.action.kind();
        metrics::counter!("escalator_dead_letters_total", "kind" => kind, "vendor" => action.vendor.as_str())
            .increment(1);
        tracing::error!(
            escalation = %action.escalation_id,
            kind,
            attempts = action.attempt,
            error = %error,
            "action dead-lettered after its last attempt"
        );
        let body = serde_json::json!({
            "text": format!(
                "[DEAD LETTER] {kind} on {} for escalation {} gave up after {} attempts ({error}); \
                 the fallback chain takes over.",
                action.vendor, action.escalation_id, action.attempt
            ),
            "escalator": {
                "notification": "dead_letter",
                "action": kind,
                "vendor": action.vendor.as_str(),
                "escalation_id": action.escalation_id,
                "attempts": action.attempt,
                "error": error,
            }
        });
        if let Err(e) = self.alerts.notify(&body).await {
            tracing::error!(error = %e, "the dead-letter alert could not be sent");
        }
    }

    /// A platform request that may have been applied and could not be read back: parked,
    /// never sent again; a person checks the platform before acting on the call.
    pub async fn alert_uncertain(&self, action: &ClaimedAction, error: &str) {
        let kind = action.action.kind();
        metrics::counter!("escalator_actions_uncertain_total", "kind" => kind, "vendor" => action.vendor.as_str())
            .increment(1);
        tracing::error!(
            escalation = %action.escalation_id,
            kind,
            attempts = action.attempt,
            error = %error,
            "action parked as uncertain: it may have been applied"
        );
        let body = serde_json::json!({
            "text": format!(
                "[UNCERTAIN] {kind} on {} for escalation {} may already have been applied \
                 ({error}); it is not sent again. Check {} before acting; the fallback chain \
                 takes over.",
                action.vendor, action.escalation_id, action.vendor
            ),
            "escalator": {
                "notification": "uncertain",
                "action": kind,
                "vendor": action.vendor.as_str(),
                "escalation_id": action.escalation_id,
                "attempts": action.attempt,
                "error": error,
            }
        });
        if let Err(e) = self.alerts.notify(&body).await {
            tracing::error!(error = %e, "the uncertain-action alert could not be sent");
        }
    }

    pub fn handles(action: &Action) -> bool {
        matches!(
            action,
            Action::RouteOnHook { .. }
                | Action::NamedCallback { .. }
                | Action::SupervisorAlert { .. }
        )
    }

    pub async fn execute(&self, claimed: &mut ClaimedAction, report: &mut Report) -> Outcome {
        let result = match claimed.action.clone() {
            Action::RouteOnHook { target, briefing } => {
                return self
                    .route_on_hook(claimed, report, &target, &briefing)
                    .await
            }
            Action::NamedCallback { .. } => self.named_callback(claimed, report).await,
            Action::SupervisorAlert { .. } => match self.with_callback_owner(claimed).await {
                Ok(alert) => self.alerts.send(&alert, report).await,
                Err(wait) => return wait,
            },
            other => Err(CallError::Unactionable(format!(
                "{} is carried out on the platform",
                other.kind()
            ))),
        };
        match result {
            Ok(done) => Outcome::Done(done),
            Err(e) => Outcome::Failed(e),
        }
    }

    /// An alert that goes with a callback names the callback's owner as the log recorded
    /// it (the agent's supervisor or the roster's least loaded may differ from the team's
    /// configured owner). While the callback is still being recorded, the alert waits a
    /// little, a bounded number of times, then goes with the configured owner.
    async fn with_callback_owner(&self, claimed: &mut ClaimedAction) -> Result<Action, Outcome> {
        let mut alert = claimed.action.clone();
        let Action::SupervisorAlert {
            reason,
            owner,
            summary,
            briefing,
            ..
        } = &mut alert
        else {
            return Ok(alert);
        };
        if !matches!(
            reason,
            AlertReason::CallbackInsteadOfTransfer
                | AlertReason::ChainExhausted
                | AlertReason::TransferUnanswered
        ) {
            return Ok(alert);
        }
        match self.store.callback(&briefing.reference).await {
            Ok(Some(cb)) if cb.owner.is_some() && cb.owner != *owner => {
                let configured = owner
                    .as_deref()
                    .unwrap_or("no owner configured: assign one")
                    .to_string();
                let recorded = cb.owner.clone().unwrap_or_default();
                *summary = summary.replace(
                    &format!("Owner: {configured}."),
                    &format!("Owner: {recorded}."),
                );
                *owner = cb.owner;
                Ok(alert)
            }
            Ok(Some(_)) => Ok(alert),
            Ok(None) => {
                let waited = claimed
                    .progress
                    .get(OWNER_WAITS)
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                if waited >= MAX_OWNER_WAITS {
                    return Ok(alert);
                }
                claimed
                    .progress
                    .insert(OWNER_WAITS.into(), (waited + 1).into());
                Err(Outcome::Wait(
                    Duration::from_millis(500),
                    "waiting for the callback's owner to be recorded".into(),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "the callback's owner could not be read; alerting with the configured one");
                Ok(alert)
            }
        }
    }

    async fn route_on_hook(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        target: &Target,
        briefing: &Briefing,
    ) -> Outcome {
        let now = jiff::Timestamp::now().as_millisecond();
        let store_failed = |report: &mut Report, e: crate::store::StoreError| {
            let e = CallError::Transport(format!("store: {e}"));
            report.failed("route_on_hook", &e);
            Outcome::Failed(e)
        };
        let Some(until) = claimed.progress.get(ARMED_UNTIL).and_then(Value::as_i64) else {
            // First look: only a call still in a flow will ask the hook again.
            let session = match self.store.session(claimed.vendor, &claimed.call_id).await {
                Ok(s) => s,
                Err(e) => return store_failed(report, e),
            };
            if session.ended || session.agent_connected {
                let e = CallError::Unactionable(format!(
                    "the call is no longer in a flow ({}), so no routing hook will ask",
                    if session.ended {
                        "it ended"
                    } else {
                        "an agent has it"
                    }
                ));
                report.failed("route_on_hook", &e);
                return Outcome::Failed(e);
            }
            if let Err(e) = self
                .store
                .arm_route(
                    &claimed.escalation_id,
                    claimed.vendor,
                    &claimed.call_id,
                    target,
                    briefing,
                    self.route_ttl,
                )
                .await
            {
                return store_failed(report, e);
            }
            let until = now + i64::try_from(self.route_ttl.as_millis()).unwrap_or(i64::MAX / 2);
            claimed.progress.insert(ARMED_UNTIL.into(), until.into());
            let detail = format!(
                "answer armed for the call's next routing-hook request (team {}, {} s)",
                target.team,
                self.route_ttl.as_secs()
            );
            report.ok("route_on_hook", &detail);
            return Outcome::Wait(self.route_ttl.min(ROUTE_RECHECK), detail);
        };
        let state = match self.store.armed_state(&claimed.escalation_id).await {
            Ok(s) => s,
            Err(e) => return store_failed(report, e),
        };
        let consumed = |report: &mut Report| {
            let detail = format!("the flow asked and was routed to team {}", target.team);
            report.ok("route_on_hook", &detail);
            Outcome::Done(Done {
                escalation_status: Some("routed"),
                detail,
            })
        };
        // A call that ended, or that an agent took, can no longer reach a flow: the next
        // link follows now instead of at the end of the wait.
        let gone = match state {
            ArmedState::Armed if until > now => {
                match self.store.session(claimed.vendor, &claimed.call_id).await {
                    Ok(s) if s.ended => Some("it ended"),
                    Ok(s) if s.agent_connected => Some("an agent has it"),
                    Ok(_) => None,
                    Err(e) => return store_failed(report, e),
                }
            }
            _ => None,
        };
        match (state, gone) {
            (ArmedState::Consumed, _) => consumed(report),
            (ArmedState::Armed, None) if until > now => {
                let left = Duration::from_millis(u64::try_from(until - now).unwrap_or(0));
                Outcome::Wait(
                    left.min(ROUTE_RECHECK),
                    "still waiting for the flow to ask".into(),
                )
            }
            _ => match self.store.expire_route(&claimed.escalation_id).await {
                // The flow took it between the two reads.
                Ok(false) if state == ArmedState::Armed => consumed(report),
                Ok(_) => {
                    let why = match gone {
                        Some(why) => format!(
                            "the call can no longer reach a flow ({why}), so no routing hook \
                             will ask"
                        ),
                        None => {
                            format!("the flow did not ask within {} s", self.route_ttl.as_secs())
                        }
                    };
                    let e = CallError::Unactionable(why);
                    report.failed("route_on_hook", &e);
                    Outcome::Failed(e)
                }
                Err(e) => store_failed(report, e),
            },
        }
    }

    /// Records a callback a platform accepted in the callback log, with its owner and
    /// window. A failure here is reported, never undoes the platform's callback.
    pub async fn log_platform_callback(&self, claimed: &ClaimedAction, report: &mut Report) {
        match self.commit(claimed, claimed.vendor.as_str()).await {
            Some(Ok(c)) => report.ok(
                "callback_log",
                format!(
                    "recorded in the callback log ({}), owner {}",
                    c.id,
                    c.owner.as_deref().unwrap_or("unassigned")
                ),
            ),
            Some(Err(e)) => {
                tracing::error!(error = %e, "a platform callback could not be written to the callback log");
                report.failed("callback_log", &CallError::Transport(format!("store: {e}")));
            }
            None => {}
        }
    }

    /// Records the commitment a callback action makes in the callback log: its owner (the
    /// agent's supervisor, else the roster's least loaded, else the team's owner) and its
    /// window. `None` for an action that is not a callback.
    async fn commit(
        &self,
        claimed: &ClaimedAction,
        held_by: &str,
    ) -> Option<Result<Committed, crate::store::StoreError>> {
        let (target, number, owner, roster, briefing) = match &claimed.action {
            Action::NamedCallback {
                target,
                number,
                owner,
                roster,
                briefing,
            }
            | Action::ScheduleCallback {
                target,
                number,
                owner,
                roster,
                briefing,
                ..
            } => (target, number, owner, roster, briefing),
            _ => return None,
        };
        let owner = match self.agents_supervisor(&claimed.refs) {
            Some(supervisor) => Some(supervisor),
            None => match self.least_loaded(roster).await {
                Ok(person) => person.or_else(|| owner.clone()),
                Err(e) => return Some(Err(e)),
            },
        };
        let window = window_for(
            &self.callbacks,
            jiff::Timestamp::now(),
            &briefing.tier,
            &target.team,
            number.as_deref(),
            Address::from_refs(&claimed.refs).as_ref(),
        );
        let recorded = self
            .store
            .record_named_callback(&NewCallback {
                escalation_id: &claimed.escalation_id,
                vendor: claimed.vendor,
                call_id: &claimed.call_id,
                target,
                owner: owner.as_deref(),
                number: number.as_deref(),
                briefing,
                window: window.as_ref().map_err(String::as_str),
                held_by,
                platform_ref: claimed
                    .progress
                    .get(super::PLATFORM_CALLBACK_ID)
                    .and_then(serde_json::Value::as_str),
            })
            .await;
        Some(recorded.map(|id| Committed { id, owner, window }))
    }

    /// The supervisor of the agent on the call, where `[callbacks] agent_supervisors` names
    /// one: they own callbacks from their agents' calls, before any roster.
    fn agents_supervisor(
        &self,
        refs: &std::collections::BTreeMap<String, String>,
    ) -> Option<String> {
        [
            "agent_user_id",
            "agent_user_name",
            "agent_username",
            "agent_id",
        ]
        .iter()
        .filter_map(|k| refs.get(*k))
        .find_map(|agent| self.callbacks.agent_supervisors.get(agent))
        .cloned()
    }

    /// Whoever on the roster has the fewest open callbacks (the first listed on a tie).
    async fn least_loaded(
        &self,
        roster: &[String],
    ) -> Result<Option<String>, crate::store::StoreError> {
        if roster.is_empty() {
            return Ok(None);
        }
        let counts = self.store.open_callbacks_by_owner(roster).await?;
        Ok(counts
            .into_iter()
            .enumerate()
            .min_by_key(|(i, (_, n))| (*n, *i))
            .map(|(_, (person, _))| person))
    }

    async fn named_callback(
        &self,
        claimed: &ClaimedAction,
        report: &mut Report,
    ) -> Result<Done, CallError> {
        let c = match self.commit(claimed, crate::store::SYSTEM_ACTOR).await {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Err(CallError::Transport(format!("store: {e}"))),
            None => return Err(CallError::Unactionable("not a callback".into())),
        };
        let Action::NamedCallback {
            target, briefing, ..
        } = &claimed.action
        else {
            return Err(CallError::Unactionable("not a named callback".into()));
        };
        let when = match &c.window {
            Ok(w) => format!("window {} to {}", w.start, w.end),
            Err(why) => format!("no window promised: {why}"),
        };
        let detail = format!(
            "named callback {} (reference {}) for team {}, owner {}; {when}",
            c.id,
            briefing.reference,
            target.team,
            c.owner.as_deref().unwrap_or("unassigned"),
        );
        report.ok("named_callback", &detail);
        metrics::counter!("escalator_named_callbacks_total", "team" => target.team.clone())
            .increment(1);
        Ok(Done {
            escalation_status: Some("callback_promised"),
            detail,
        })
    }
}

/// A commitment as recorded: its id, owner and window (or why none was promised).
struct Committed {
    id: String,
    owner: Option<String>,
    window: Result<crate::callbacks::Window, String>,
}
