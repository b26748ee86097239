//! Follows a consult the platform accepted until someone answers. What the platform's
//! events reported (kept in the action's progress by the delivery that carried them) comes
//! first; then the platform's own read where its API has one. A consult still ringing at
//! the deadline is cancelled where the platform can, so the caller is back with the agent,
//! and fails: the orchestrator's fallback books the callback and alerts a supervisor.

use escalator_adapters::outbound::CallError;
use escalator_adapters::Action;
use serde_json::Value;

use super::{Done, PlatformExecutor, Report};
use crate::store::{ClaimedAction, Store};

/// Progress key the delivery path sets when an event settles the consult.
pub const REPORTED: &str = "reported";
/// Values of [`REPORTED`].
pub const ANSWERED: &str = "answered";
pub const DECLINED: &str = "declined";
pub const CALLER_DROPPED: &str = "caller_dropped";

/// Where a consult stands on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultState {
    Answered,
    Ringing,
    Gone,
}

pub async fn confirm_transfer(
    store: &Store,
    platform: Option<&dyn PlatformExecutor>,
    claimed: &mut ClaimedAction,
    report: &mut Report,
) -> Result<Done, CallError> {
    let Action::ConfirmTransfer {
        target,
        answer_within_s,
        ..
    } = &claimed.action
    else {
        return Err(CallError::Unactionable("not a transfer to confirm".into()));
    };
    let team = target.team.clone();
    let within = *answer_within_s;
    let answered = |report: &mut Report, how: &str| {
        let detail = format!("team {team} answered the consult ({how})");
        report.ok("confirm_transfer", &detail);
        Ok(Done {
            escalation_status: Some("connected"),
            detail,
        })
    };
    let failed = |report: &mut Report, why: String| {
        let e = CallError::Unactionable(why);
        report.failed("confirm_transfer", &e);
        Err(e)
    };
    match claimed.progress.get(REPORTED).and_then(Value::as_str) {
        Some(ANSWERED) => return answered(report, "reported by the platform's event"),
        Some(DECLINED) => {
            return failed(
                report,
                format!("the platform reported the transfer to team {team} failed"),
            )
        }
        Some(CALLER_DROPPED) => {
            return failed(
                report,
                format!("the caller hung up while the consult to team {team} rang"),
            )
        }
        _ => {}
    }
    let status = store
        .escalation_status(&claimed.escalation_id)
        .await
        .map_err(|e| CallError::Transport(format!("store: {e}")))?;
    match status.as_deref() {
        Some("connected") => return answered(report, "already recorded"),
        Some("superseded") => {
            let detail = "a stronger escalation on the call took over".to_string();
            report.ok("confirm_transfer", &detail);
            return Ok(Done {
                escalation_status: None,
                detail,
            });
        }
        _ => {}
    }
    let Some(platform) = platform else {
        return failed(
            report,
            format!("no answer from team {team} was reported within {within} s"),
        );
    };
    match platform.consult_state(claimed).await {
        Ok(Some(ConsultState::Answered)) => answered(report, "read from the platform"),
        Ok(Some(ConsultState::Ringing)) => {
            // Bring the caller back to the agent before the callback is promised.
            match platform.cancel_consult(claimed).await {
                Ok(true) => report.ok(
                    "cancel_consult",
                    "consult cancelled; caller back with the agent",
                ),
                Ok(false) => {}
                Err(e) => report.failed("cancel_consult", &e),
            }
            failed(
                report,
                format!("nobody from team {team} answered the consult within {within} s"),
            )
        }
        Ok(Some(ConsultState::Gone)) => failed(
            report,
            format!("the consult to team {team} ended unanswered, or the caller left"),
        ),
        Ok(None) => failed(
            report,
            format!("no answer from team {team} was reported within {within} s"),
        ),
        Err(e) => {
            report.failed("read_consult", &e);
            Err(e)
        }
    }
}
