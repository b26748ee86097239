//! Skill transfers as the agent on the call: the briefing written as call variables
//! first, then `transfer_to_skill` (WARM for a consult, COLD for a tier's blind transfer).
//! A transfer is not idempotent, so it is marked as possibly sent (and checkpointed)
//! before it goes out; the next attempt reads the call before sending it again.

use escalator_adapters::five9::TransferMode;
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Destination, Target};
use serde_json::Value;

use super::{Five9Executor, BRIEFED, TRANSFER};
use crate::executor::once::Seen;
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
        if TRANSFER.in_doubt(claimed) {
            let read = match self.client.call(&agent, &call_id).await {
                Ok(call) if transfer_evident(&call, skill) => Ok(Seen::Applied(format!(
                    "transfer to skill {skill} found under way on the call"
                ))),
                Ok(_) => Ok(Seen::Absent),
                // The agent no longer holds the call: the transfer took it away (or the
                // caller left). Sending it again cannot help either way.
                Err(CallError::Permanent { status: 404, .. }) => Ok(Seen::Applied(format!(
                    "call no longer with the agent after the transfer to skill {skill}"
                ))),
                Err(e) => Err(e),
            };
            if let Some(detail) = TRANSFER.reconcile(claimed, report, read)? {
                report.ok("reconcile", &detail);
                return Ok(transferred(detail));
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

        TRANSFER.mark(claimed, report, checkpoint).await?;
        let result = self
            .client
            .transfer_to_skill(&agent, &call_id, skill, mode)
            .await;
        TRANSFER.settle(claimed, report, result)?;
        let label = match mode {
            TransferMode::Warm => "warm (consult)",
            TransferMode::Blind => "cold",
        };
        let detail = format!(
            "{label} transfer to skill {skill} (team {}) started",
            target.team
        );
        report.ok(STEP, &detail);
        Ok(transferred(detail))
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
}
