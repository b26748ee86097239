//! The blind transfer: the call's workitem to the team's queue, with the briefing in the
//! transfer's `eventName` (the only free text NCC's transfer carries). NCC has no
//! idempotency keys and a 5xx or a timeout may hide an applied transfer, so every attempt
//! after the first re-reads the workitem and transfers again only if it is unchanged.

use escalator_adapters::nextiva::{QueueTransfer, Recording, Workitem, WorkitemState};
use escalator_adapters::outbound::CallError;
use escalator_adapters::{Briefing, Destination, Target};
use serde_json::Value;

use super::NextivaExecutor;
use crate::executor::once::{OnceRequest, Seen as Found};
use crate::executor::{Checkpoint, Done, Report};
use crate::store::ClaimedAction;

// Progress keys. `SENT_AT` is saved before the transfer is sent: its presence means an
// earlier attempt may have moved the call.
const SENT_AT: &str = "transfer_sent_at_ms";
const AGENT_BEFORE: &str = "agent_before_transfer";
/// The last transfer's outcome is unknown (kept beside `SENT_AT`, which every later
/// attempt reconciles against, whatever the answer was).
const TRANSFER: OnceRequest = OnceRequest::new("transfer_uncertain", "blind_transfer");

/// Allowance for NCC's clock being behind ours when comparing `modifiedAt` with the
/// moment we sent: better to take a recent change as the transfer than to move the call
/// twice.
const CLOCK_SKEW_MS: i64 = 5_000;

/// `eventName` is a reporting label; keep it a sane length.
const EVENT_NAME_MAX: usize = 255;

/// What a re-read says about an earlier attempt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// The workitem is gone or over: nothing left to transfer.
    Ended(String),
    /// The earlier attempt most likely went through.
    Transferred(String),
    /// No sign of a transfer: it may be sent again.
    Unchanged,
}

/// What the workitem looked like before the first attempt.
pub(super) struct Before<'a> {
    pub sent_at_ms: i64,
    /// The agent on the call (from the intake), if known.
    pub agent: Option<&'a str>,
    /// The queue the call came through (from the intake), if known.
    pub queue: Option<&'a str>,
}

impl NextivaExecutor {
    pub(super) async fn blind_transfer(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        briefing: Option<&Briefing>,
    ) -> Result<Done, CallError> {
        let fail = |report: &mut Report, e: CallError| {
            report.failed("blind_transfer", &e);
            Err(e)
        };
        let queue_id = match &target.destination {
            Destination::Queue { id, .. } => id.clone(),
            Destination::Unmapped => {
                return fail(
                    report,
                    CallError::Unactionable(format!(
                        "team {} has no NCC queue configured (teams.{}.nextiva.queue_id)",
                        target.team, target.team
                    )),
                )
            }
            other => {
                return fail(
                    report,
                    CallError::Unactionable(format!(
                        "NCC transfers escalations to a queue only, not to {other:?}"
                    )),
                )
            }
        };
        if let Some(kind) = claimed.refs.get("workitem_type").filter(|k| !is_call(k)) {
            return fail(
                report,
                CallError::Unactionable(format!(
                    "the workitem is a {kind}: NCC's transfer API moves calls only"
                )),
            );
        }

        if let Some(sent_at_ms) = claimed.progress.get(SENT_AT).and_then(Value::as_i64) {
            let before = Before {
                sent_at_ms,
                agent: claimed.progress.get(AGENT_BEFORE).and_then(Value::as_str),
                queue: claimed.refs.get("queue_id").map(String::as_str),
            };
            // A failed read is never a reason to transfer: the next attempt reads again.
            let read = match self.client.workitem(&claimed.call_id).await {
                Ok(w) => match reconcile(w.as_ref(), &queue_id, &before) {
                    Seen::Ended(why) => return fail_reconcile(report, why),
                    Seen::Transferred(why) => Ok(Found::Applied(why)),
                    Seen::Unchanged => Ok(Found::Absent),
                },
                Err(e) => Err(e),
            };
            if let Some(why) = TRANSFER.reconcile(claimed, report, read)? {
                report.ok("reconcile", &why);
                return Ok(Done {
                    escalation_status: Some("transferred"),
                    detail: format!("{why} (team {})", target.team),
                });
            }
        }

        // Saved before sending, so a crash or timeout after sending is reconciled, not
        // repeated.
        let previous = claimed.progress.get(SENT_AT).cloned();
        let now_ms = jiff::Timestamp::now().as_millisecond();
        claimed.progress.insert(SENT_AT.into(), now_ms.into());
        if let Some(agent) = claimed.refs.get("agent_username") {
            claimed
                .progress
                .entry(AGENT_BEFORE)
                .or_insert_with(|| Value::String(agent.clone()));
        }
        if let Err(e) = TRANSFER.mark(claimed, report, checkpoint).await {
            match previous {
                Some(v) => claimed.progress.insert(SENT_AT.into(), v),
                None => claimed.progress.remove(SENT_AT),
            };
            return Err(e);
        }
        let options = QueueTransfer {
            event_name: briefing.map(event_name),
            ring_all: false,
            recording: Recording::KeepCurrent,
        };
        let result = self
            .client
            .queue_transfer(&claimed.call_id, &queue_id, &options)
            .await;
        TRANSFER.settle(claimed, report, result)?;
        let detail = format!("blind transfer to queue {queue_id} (team {})", target.team);
        report.ok("blind_transfer", &detail);
        Ok(Done {
            escalation_status: Some("transferred"),
            detail,
        })
    }
}

fn fail_reconcile(report: &mut Report, why: String) -> Result<Done, CallError> {
    let e = CallError::Unactionable(why);
    report.failed("reconcile", &e);
    Err(e)
}

/// Reads a re-read workitem against the earlier attempt (client docs: a 404, a different
/// agent, `inqueue`, or a change after the attempt).
pub(super) fn reconcile(workitem: Option<&Workitem>, queue_id: &str, before: &Before<'_>) -> Seen {
    let Some(w) = workitem else {
        return Seen::Ended("the workitem no longer exists (404): the call has ended".into());
    };
    let queue = queue_of(w);
    let in_target = queue == Some(queue_id);
    // Arriving through the target queue says nothing about a transfer to it.
    if in_target && before.queue != Some(queue_id) {
        return Seen::Transferred(format!("workitem already in queue {queue_id}"));
    }
    if let WorkitemState::Other(state) = &w.state {
        if is_over(state) {
            return Seen::Ended(format!("the workitem is {state}: the call has ended"));
        }
    }
    // The call was with an agent and is back in a queue: it left that agent.
    if w.state == WorkitemState::InQueue && before.agent.is_some() && (queue.is_none() || in_target)
    {
        return Seen::Transferred(format!(
            "workitem back in a queue after the attempt (queue {queue_id})"
        ));
    }
    if let (Some(then), Some(now)) = (before.agent, w.agent_username.as_deref()) {
        if !then.eq_ignore_ascii_case(now) {
            return Seen::Transferred("workitem now with another agent".into());
        }
    }
    if w.modified_since(before.sent_at_ms - CLOCK_SKEW_MS) == Some(true) {
        return Seen::Transferred("workitem changed after the transfer was sent".into());
    }
    Seen::Unchanged
}

/// The queue NCC says the workitem is in (`queueId`, or the workflow's `data.queueId`).
fn queue_of(w: &Workitem) -> Option<&str> {
    w.raw
        .get("queueId")
        .or_else(|| w.raw.get("data").and_then(|d| d.get("queueId")))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// States beyond the documented three that mean the caller is gone (the names are
/// UNCONFIRMED; these are the plausible ones).
fn is_over(state: &str) -> bool {
    let s: String = state
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "ended",
        "end",
        "completed",
        "complete",
        "closed",
        "terminated",
        "disconnected",
        "hungup",
        "hangup",
        "wrapup",
        "done",
        "finished",
        "abandoned",
    ]
    .contains(&s.as_str())
}

/// Chats, SMS, e-mail and faxes are workitems too, but `/users/api/calls/…` moves calls.
fn is_call(kind: &str) -> bool {
    let k = kind.to_ascii_lowercase();
    !["sms", "chat", "email", "fax"]
        .iter()
        .any(|m| k.contains(m))
}

/// The briefing as the transfer's `eventName`: what NCC keeps with the transfer.
pub(super) fn event_name(b: &Briefing) -> String {
    let mut name = format!("escalation-{} {} {}", b.tier, b.reference, b.reason);
    if let Some(q) = &b.quote {
        name.push_str(&format!(": \"{q}\""));
    }
    // The issue after the words; the name keeps its share of the limit.
    let name = escalator_adapters::briefing_text::with_issue(name, &b.context);
    name.chars().take(EVENT_NAME_MAX).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_780_000_000_000;

    /// A re-read as the client's reader returns it: `state`, `agentUsername`,
    /// `modifiedAt`, and the raw answer (for `data.queueId`).
    fn workitem(v: Value) -> Workitem {
        let state = match v["state"].as_str() {
            Some("active") => WorkitemState::Active,
            Some("inqueue") => WorkitemState::InQueue,
            Some(other) => WorkitemState::Other(other.into()),
            None => WorkitemState::Missing,
        };
        Workitem {
            id: None,
            workitem_id: None,
            state,
            channel_type: None,
            kind: None,
            priority: None,
            agent_username: v["agentUsername"].as_str().map(str::to_string),
            created_at_ms: None,
            modified_at_ms: v["modifiedAt"].as_i64(),
            raw: v,
        }
    }

    fn before(agent: Option<&'static str>) -> Before<'static> {
        Before {
            sent_at_ms: NOW,
            agent,
            queue: Some("nx-general"),
        }
    }

    #[test]
    fn a_gone_or_finished_workitem_has_ended() {
        assert!(matches!(
            reconcile(None, "q", &before(None)),
            Seen::Ended(_)
        ));
        let w = workitem(json!({"state": "Wrap-Up", "modifiedAt": NOW + 10}));
        assert!(matches!(
            reconcile(Some(&w), "q", &before(None)),
            Seen::Ended(_)
        ));
    }

    #[test]
    fn signs_of_the_transfer_are_taken_as_done() {
        let in_queue = workitem(json!({"state": "inqueue", "data": {"queueId": "q"}}));
        assert!(matches!(
            reconcile(Some(&in_queue), "q", &before(None)),
            Seen::Transferred(_)
        ));
        let requeued = workitem(json!({"state": "inqueue", "agentUsername": "a"}));
        assert!(matches!(
            reconcile(Some(&requeued), "q", &before(Some("a"))),
            Seen::Transferred(_)
        ));
        let other_agent = workitem(json!({"state": "active", "agentUsername": "b"}));
        assert!(matches!(
            reconcile(Some(&other_agent), "q", &before(Some("a"))),
            Seen::Transferred(_)
        ));
        let touched = workitem(json!({"state": "active", "modifiedAt": NOW - 1_000}));
        assert!(matches!(
            reconcile(Some(&touched), "q", &before(None)),
            Seen::Transferred(_)
        ));
    }

    #[test]
    fn an_unchanged_workitem_may_be_transferred_again() {
        let w = workitem(json!({"state": "active", "agentUsername": "A",
            "modifiedAt": NOW - 60_000, "data": {"queueId": "nx-general"}}));
        assert_eq!(
            reconcile(Some(&w), "q", &before(Some("a"))),
            Seen::Unchanged
        );
        // Came in through the target queue and still shows it: not evidence.
        let w = workitem(json!({"state": "active", "data": {"queueId": "q"}}));
        let b = Before {
            queue: Some("q"),
            ..before(None)
        };
        assert_eq!(reconcile(Some(&w), "q", &b), Seen::Unchanged);
        // Waiting in a queue without an agent before: not evidence either.
        let w = workitem(json!({"state": "inqueue"}));
        assert_eq!(reconcile(Some(&w), "q", &before(None)), Seen::Unchanged);
    }

    #[test]
    fn the_event_name_carries_the_briefing_and_is_bounded() {
        let mut b = Briefing {
            reference: "ESC-1".into(),
            tier: "supervisor".into(),
            reason: "supervisor_request".into(),
            rule_id: "r".into(),
            quote: Some("let me talk to your boss".into()),
            utterance_id: None,
            caller_name: None,
            verified: None,
            context: Default::default(),
        };
        assert_eq!(
            event_name(&b),
            "escalation-supervisor ESC-1 supervisor_request: \"let me talk to your boss\""
        );
        b.context.summary = Some("My bill doubled this month.".into());
        assert_eq!(
            event_name(&b),
            "escalation-supervisor ESC-1 supervisor_request: \"let me talk to your boss\" | issue: My bill doubled this month."
        );
        b.quote = Some("x".repeat(1000));
        assert_eq!(event_name(&b).chars().count(), EVENT_NAME_MAX);
        assert!(event_name(&b).contains("issue: My bill"));
        assert!(is_call("InboundCall") && is_call("Progressive Workitem"));
        assert!(!is_call("InboundSMS") && !is_call("Chat"));
    }
}
