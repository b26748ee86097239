//! The platform callback link on Talkdesk: a direct callback (`POST /calls/callback`) when
//! it should happen as soon as possible, a scheduled one (`POST /schedule-callbacks`) for
//! a set time. Neither is idempotent, so both are checkpointed before sending.

use escalator_adapters::outbound::CallError;
use escalator_adapters::talkdesk::{
    Assignment, CallbackQuery, ContextField, DirectCallback, ScheduledCallback,
    ScheduledCallbackRequest,
};
use escalator_adapters::{Briefing, Destination, Target};
use jiff::Timestamp;
use serde_json::Value;

use super::TalkdeskExecutor;
use crate::executor::{Checkpoint, Done, Report};
use crate::store::ClaimedAction;

// Progress keys.
/// The callback exists on Talkdesk (its detail): never place it again.
const PLACED: &str = "callback_placed";
/// A direct callback was (perhaps) sent and no answer recorded.
const DIRECT_UNCERTAIN: &str = "direct_callback_uncertain";
/// A scheduled callback was (perhaps) created and no answer recorded.
const SCHEDULE_UNCERTAIN: &str = "scheduled_callback_uncertain";

/// Pages of our own API-made callbacks for one number read when reconciling; beyond that
/// the callback is treated as not found rather than reading without end.
const MAX_PAGES: u32 = 5;
const PER_PAGE: u32 = 50;

const STATUS: &str = "callback_scheduled";

impl TalkdeskExecutor {
    /// Talkdesk offers the call to an available agent, with the briefing as the context
    /// fields they see, then dials the caller.
    pub(super) async fn direct_callback(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        number: &str,
        briefing: &Briefing,
    ) -> Result<Done, CallError> {
        if let Some(done) = already_placed(claimed) {
            return Ok(done);
        }
        if claimed.progress.contains_key(DIRECT_UNCERTAIN) {
            // A direct callback has no id and no read API: nothing can tell whether the
            // earlier one reached Talkdesk, and sending again could call the customer twice.
            let e = CallError::Unactionable(
                "an earlier direct callback request's outcome is unknown and Talkdesk cannot \
                 read direct callbacks back; not sending it again (the named callback follows)"
                    .into(),
            );
            report.failed("reconcile", &e);
            return Err(e);
        }
        let mut callback = DirectCallback::with_briefing(&self.from_number, number, briefing);
        // A direct callback is not routed to the team: the agent who takes it learns which
        // team the customer needs from here.
        callback.fields.push(ContextField::text(
            "escalation_team",
            "Team",
            "The team this customer must reach",
            &target.team,
        ));
        if let Err(e) = callback.body() {
            report.failed("direct_callback", &e);
            return Err(e);
        }
        mark_uncertain(
            claimed,
            report,
            checkpoint,
            DIRECT_UNCERTAIN,
            "direct_callback",
        )
        .await?;
        let result = self.client.request_callback(&callback).await;
        match result {
            Ok(()) => {
                claimed.progress.remove(DIRECT_UNCERTAIN);
                let detail = format!(
                    "direct callback requested from {} for team {}, reference {}",
                    self.from_number, target.team, briefing.reference
                );
                Ok(placed(claimed, report, "direct_callback", detail))
            }
            Err(CallError::Transport(m)) => {
                // The marker stays: a later attempt must not resend either.
                report.failed("direct_callback", &CallError::Transport(m.clone()));
                Err(CallError::Unactionable(format!(
                    "the direct callback request's outcome is unknown ({m}); Talkdesk cannot \
                     read it back, so it is not sent again (the named callback follows)"
                )))
            }
            Err(e) => {
                // A definite answer: Talkdesk did not take it, so a retry is safe.
                claimed.progress.remove(DIRECT_UNCERTAIN);
                report.failed("direct_callback", &e);
                Err(e)
            }
        }
    }

    /// A callback at `at`, assigned to the team's ring group, carrying the briefing.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn scheduled_callback(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        number: &str,
        at: Timestamp,
        briefing: &Briefing,
    ) -> Result<Done, CallError> {
        if let Some(done) = already_placed(claimed) {
            return Ok(done);
        }
        if claimed.progress.contains_key(SCHEDULE_UNCERTAIN) {
            match self.find_scheduled(number, &briefing.reference).await {
                Ok(Some(found)) => {
                    claimed.progress.remove(SCHEDULE_UNCERTAIN);
                    keep_callback_id(claimed, &found.callback_id);
                    let detail = format!(
                        "scheduled callback {} for reference {} found on Talkdesk; not created again",
                        found.callback_id, briefing.reference
                    );
                    return Ok(placed(claimed, report, "reconcile", detail));
                }
                Ok(None) => {
                    report.ok(
                        "reconcile",
                        format!(
                            "no scheduled callback carries reference {}; creating it",
                            briefing.reference
                        ),
                    );
                    claimed.progress.remove(SCHEDULE_UNCERTAIN);
                }
                Err(e) => {
                    report.failed("reconcile", &e);
                    return Err(e);
                }
            }
        }
        let request = match self.schedule_request(claimed, target, number, at, briefing) {
            Ok(r) => r,
            Err(e) => {
                report.failed("scheduled_callback", &e);
                return Err(e);
            }
        };
        mark_uncertain(
            claimed,
            report,
            checkpoint,
            SCHEDULE_UNCERTAIN,
            "scheduled_callback",
        )
        .await?;
        let result = self.client.schedule_callback(&request).await;
        if !matches!(result, Err(CallError::Transport(_))) {
            // A definite answer: nothing to reconcile next time.
            claimed.progress.remove(SCHEDULE_UNCERTAIN);
        }
        match result {
            Ok(cb) => {
                keep_callback_id(claimed, &cb.callback_id);
                let detail = format!(
                    "scheduled callback {} at {at} for team {}, reference {}",
                    cb.callback_id, target.team, briefing.reference
                );
                Ok(placed(claimed, report, "scheduled_callback", detail))
            }
            Err(e) => {
                report.failed("scheduled_callback", &e);
                Err(e)
            }
        }
    }

    fn schedule_request(
        &self,
        claimed: &ClaimedAction,
        target: &Target,
        number: &str,
        at: Timestamp,
        briefing: &Briefing,
    ) -> Result<ScheduledCallbackRequest, CallError> {
        if target.destination == Destination::Unmapped {
            return Err(CallError::Unactionable(format!(
                "team {} has no Talkdesk ring group configured (teams.{}.talkdesk.queue_id)",
                target.team, target.team
            )));
        }
        // Checked here so an address destination fails before anything is saved.
        Assignment::from_destination(&target.destination)?;
        let request = ScheduledCallbackRequest::for_target(
            claimed.refs.get("interaction_id").map(String::as_str),
            &self.from_number,
            number,
            at,
            target,
            briefing,
        )?;
        request.body()?;
        Ok(request)
    }

    /// Our callback for `reference` among the API-made callbacks to `number`, if any.
    async fn find_scheduled(
        &self,
        number: &str,
        reference: &str,
    ) -> Result<Option<ScheduledCallback>, CallError> {
        for page in 1..=MAX_PAGES {
            let query = CallbackQuery {
                phone_number: Some(number.to_string()),
                from_call_type: Some("API".into()),
                page: Some(page),
                per_page: Some(PER_PAGE),
                ..CallbackQuery::default()
            };
            let listed = self.client.list_scheduled_callbacks(&query).await?;
            let more = listed.has_next
                || listed
                    .total_pages
                    .is_some_and(|total| u64::from(page) < total);
            if let Some(found) = listed
                .callbacks
                .into_iter()
                .find(|c| c.reference() == Some(reference))
            {
                return Ok(Some(found));
            }
            if !more {
                break;
            }
        }
        Ok(None)
    }
}

/// The earlier attempt's callback, when one already stands.
fn already_placed(claimed: &ClaimedAction) -> Option<Done> {
    claimed
        .progress
        .get(PLACED)
        .and_then(Value::as_str)
        .map(|d| Done {
            escalation_status: Some(STATUS),
            detail: d.to_string(),
        })
}

/// Keeps Talkdesk's id for the callback, so the callback log can read its outcome back.
fn keep_callback_id(claimed: &mut ClaimedAction, id: &str) {
    claimed.progress.insert(
        crate::executor::PLATFORM_CALLBACK_ID.into(),
        Value::String(id.to_string()),
    );
}

/// Records the callback as placed, so no later attempt places it again.
fn placed(
    claimed: &mut ClaimedAction,
    report: &mut Report,
    step: &'static str,
    detail: String,
) -> Done {
    report.ok(step, &detail);
    claimed
        .progress
        .insert(PLACED.into(), Value::String(detail.clone()));
    Done {
        escalation_status: Some(STATUS),
        detail,
    }
}

/// Saves "perhaps sent" before a request that cannot be repeated: if the process dies
/// before the answer is recorded, the next attempt reconciles instead of resending.
async fn mark_uncertain(
    claimed: &mut ClaimedAction,
    report: &mut Report,
    checkpoint: &Checkpoint<'_>,
    key: &str,
    step: &'static str,
) -> Result<(), CallError> {
    claimed.progress.insert(key.into(), Value::Bool(true));
    if let Err(e) = checkpoint.save(claimed).await {
        claimed.progress.remove(key);
        let e = CallError::Transport(format!("could not save progress before sending: {e}"));
        report.failed(step, &e);
        return Err(e);
    }
    Ok(())
}
