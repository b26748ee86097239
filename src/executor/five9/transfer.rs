//! Skill transfers as the agent on the call: the briefing written as call variables
//! first, then `transfer_to_skill` (WARM for a consult, COLD for a tier's blind transfer).
//! A transfer is not idempotent, so it is marked as possibly sent (and checkpointed)
//! before it goes out; the next attempt reads the call before sending it again.

use escalator_adapters::five9::TransferMode;
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Destination, Target};
use serde_json::Value;

use super::{Five9Executor, BRIEFED, TRANSFER_UNCERTAIN};
use crate::executor::{Checkpoint, Done, Report};
use crate::store::ClaimedAction;

const STEP: &str = "transfer";
/// Progress mark: a superseded consult on the call was cancelled (or there was none).
const PRIOR_CANCELLED: &str = "prior_consult_cancelled";

impl Five9Executor {
    pub(super) async fn transfer(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        briefing: Option<&Briefing>,
        mode: TransferMode,
    ) -> Result<Done, CallError> {
        let Destination::Queue { id: skill, .. } = &target.destination else {
            let e = CallError::Unactionable(format!(
                "team {} has no Five9 skill configured (teams.{}.five9.queue_id)",
                target.team, target.team
            ));
            report.failed(STEP, &e);
            return Err(e);
        };
        let agent = self.agent_on_call(claimed, report, STEP)?;
        let call_id = self.rest_call_id(claimed, report, &agent).await?;

        // An earlier attempt may have sent the transfer without learning the outcome:
        // look at the call before sending it again.
        if claimed.progress.contains_key(TRANSFER_UNCERTAIN) {
            match self.client.call(&agent, &call_id).await {
                Ok(call) if transfer_evident(&call, skill) => {
                    let detail = format!("transfer to skill {skill} found under way on the call");
                    report.ok("reconcile", &detail);
                    return Ok(transferred(detail));
                }
                Ok(_) => {
                    report.ok("reconcile", "no transfer under way; transferring again");
                    claimed.progress.remove(TRANSFER_UNCERTAIN);
                }
                Err(CallError::Permanent { status: 404, .. }) => {
                    // The agent no longer holds the call: the transfer took it away (or the
                    // caller left). Sending it again cannot help either way.
                    let detail = format!(
                        "call no longer with the agent after the transfer to skill {skill}"
                    );
                    report.ok("reconcile", &detail);
                    return Ok(transferred(detail));
                }
                Err(e) => {
                    report.failed("reconcile", &e);
                    return Err(e);
                }
            }
        }

        if mode == TransferMode::Warm && !claimed.progress.contains_key(PRIOR_CANCELLED) {
            self.cancel_superseded(claimed, report, checkpoint, &agent, &call_id)
                .await?;
        }

        if let (Some(b), false) = (briefing, claimed.progress.contains_key(BRIEFED)) {
            match self.client.write_briefing(&agent, &call_id, b).await {
                Ok(()) => {
                    report.ok("briefing", "briefing written to the call variables");
                    claimed.progress.insert(BRIEFED.into(), Value::Bool(true));
                }
                Err(e) => {
                    report.failed("briefing", &e);
                    return Err(e);
                }
            }
        }

        claimed
            .progress
            .insert(TRANSFER_UNCERTAIN.into(), Value::Bool(true));
        if let Err(e) = checkpoint.save(claimed).await {
            let e =
                CallError::Transport(format!("could not save progress before transferring: {e}"));
            report.failed(STEP, &e);
            claimed.progress.remove(TRANSFER_UNCERTAIN);
            return Err(e);
        }
        let result = self
            .client
            .transfer_to_skill(&agent, &call_id, skill, mode)
            .await;
        if !outcome_unknown(&result) {
            claimed.progress.remove(TRANSFER_UNCERTAIN);
        }
        let label = match mode {
            TransferMode::Warm => "warm (consult)",
            TransferMode::Blind => "cold",
        };
        match result {
            Ok(()) => {
                let detail = format!(
                    "{label} transfer to skill {skill} (team {}) started",
                    target.team
                );
                report.ok(STEP, &detail);
                Ok(transferred(detail))
            }
            Err(e) => {
                report.failed(STEP, &e);
                Err(e)
            }
        }
    }
}

impl Five9Executor {
    /// A stronger escalation's consult first cancels the one it superseded
    /// (`cancel_transfer`), so the caller is never in two consults. Five9 cannot say
    /// whether that consult is still under way: a refusal (4xx) means nothing was.
    async fn cancel_superseded(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        agent: &str,
        call_id: &str,
    ) -> Result<(), CallError> {
        let superseded = checkpoint
            .store
            .superseded_consult_on_call(claimed.vendor, &claimed.call_id, &claimed.escalation_id)
            .await
            .map_err(|e| CallError::Transport(format!("store: {e}")))?;
        if superseded {
            match self.cancel_transfer(agent, call_id).await {
                Ok(true) => report.ok(
                    "cancel_consult",
                    "the superseded consult was cancelled; caller back with the agent",
                ),
                Ok(false) => report.ok("cancel_consult", "no consult under way to cancel"),
                Err(e) => {
                    report.failed("cancel_consult", &e);
                    return Err(e);
                }
            }
        }
        claimed
            .progress
            .insert(PRIOR_CANCELLED.into(), Value::Bool(true));
        Ok(())
    }

    /// `PUT …/cancel_transfer`: `false` when Five9 refuses it (4xx), which means no warm
    /// transfer was under way on the call.
    pub(super) async fn cancel_transfer(
        &self,
        agent: &str,
        call_id: &str,
    ) -> Result<bool, CallError> {
        match self.client.cancel_transfer(agent, call_id).await {
            Ok(()) => Ok(true),
            Err(CallError::Permanent { status, .. }) if (400..500).contains(&status) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn transferred(detail: String) -> Done {
    Done {
        escalation_status: Some("transferred"),
        detail,
    }
}

/// The request may have been applied: no answer at all, or a server error (the client's
/// docs ask for a re-read after a 5xx). A 4xx, 401 or 435 was refused before acting.
fn outcome_unknown(result: &Result<(), CallError>) -> bool {
    match result {
        Err(CallError::Transport(_)) => true,
        Err(CallError::Retryable { status, .. }) => *status >= 500,
        _ => false,
    }
}

/// Whether a call read back after a transfer of unknown outcome shows the transfer under
/// way. The call object's fields are not published (UNCONFIRMED), so only plain signs
/// count: a `state` that names a transfer or consult, or the call already in the target
/// skill. Anything else is read as "not sent", and the transfer is sent again.
pub(super) fn transfer_evident(call: &Value, skill_id: &str) -> bool {
    let state = call["state"].as_str().unwrap_or("").to_ascii_uppercase();
    if state.contains("TRANSFER") || state.contains("CONSULT") {
        return true;
    }
    ["skillId", "skill_id"].iter().any(|k| match &call[*k] {
        Value::String(s) => s.trim() == skill_id,
        Value::Number(n) => n.to_string() == skill_id,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_plain_signs_of_a_transfer_count() {
        assert!(transfer_evident(&json!({"state": "CONSULTING"}), "7"));
        assert!(transfer_evident(&json!({"state": "warm_transfer"}), "7"));
        assert!(transfer_evident(
            &json!({"state": "TALKING", "skillId": 7}),
            "7"
        ));
        assert!(transfer_evident(&json!({"skill_id": " 7 "}), "7"));
        assert!(!transfer_evident(
            &json!({"state": "TALKING", "skillId": "8"}),
            "7"
        ));
        assert!(!transfer_evident(
            &json!({"state": "ON_HOLD", "transferable": true}),
            "7"
        ));
        assert!(!transfer_evident(&Value::Null, "7"));
    }

    #[test]
    fn server_errors_and_silence_leave_the_outcome_unknown() {
        let retry = |status| {
            Err(CallError::Retryable {
                status,
                retry_after: None,
                message: String::new(),
            })
        };
        assert!(outcome_unknown(&Err(CallError::Transport(
            "timeout".into()
        ))));
        assert!(outcome_unknown(&retry(503)));
        assert!(!outcome_unknown(&retry(429)));
        assert!(!outcome_unknown(&retry(435)));
        assert!(!outcome_unknown(&Ok(())));
    }
}
