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
use crate::executor::once::{OnceRequest, Seen};
use crate::executor::{Checkpoint, Done, Report};
use crate::store::ClaimedAction;

// Progress keys.
/// The callback exists on Talkdesk (its detail): never place it again.
const PLACED: &str = "callback_placed";
/// A direct callback, (perhaps) sent and no answer recorded. Talkdesk cannot read one back.
const DIRECT: OnceRequest = OnceRequest::new("direct_callback_uncertain", "direct_callback");
/// A scheduled callback, (perhaps) created and no answer (or no id) recorded.
const SCHEDULED: OnceRequest =
    OnceRequest::new("scheduled_callback_uncertain", "scheduled_callback");

/// Pages of callbacks to one number read when reconciling; beyond that the read cannot
/// decide, and the callback is parked as uncertain rather than created again.
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
        if DIRECT.in_doubt(claimed) {
            // No id and no read API: sending again could call the customer twice.
            return Err(DIRECT.unreadable(report));
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
        DIRECT.mark(claimed, report, checkpoint).await?;
        let result = self.client.request_callback(&callback).await;
        match DIRECT.settle(claimed, report, result) {
            Ok(()) => {
                let detail = format!(
                    "direct callback requested from {} for team {}, reference {}",
                    self.from_number, target.team, briefing.reference
                );
                Ok(placed(claimed, report, "direct_callback", detail))
            }
            // Parked now: no later attempt could tell whether it reached Talkdesk.
            Err(e) if e.may_have_applied() => Err(DIRECT.unreadable(report)),
            Err(e) => Err(e),
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
        if SCHEDULED.in_doubt(claimed) {
            let read = self.find_scheduled(number, &briefing.reference).await;
            if let Some(found) = SCHEDULED.reconcile(claimed, report, read)? {
                keep_callback_id(claimed, &found.callback_id);
                let detail = format!(
                    "scheduled callback {} for reference {} found on Talkdesk; not created again",
                    found.callback_id, briefing.reference
                );
                return Ok(placed(claimed, report, "reconcile", detail));
            }
        }
        let request = match self.schedule_request(claimed, target, number, at, briefing) {
            Ok(r) => r,
            Err(e) => {
                report.failed("scheduled_callback", &e);
                return Err(e);
            }
        };
        SCHEDULED.mark(claimed, report, checkpoint).await?;
        let result = self.client.schedule_callback(&request).await;
        let cb = SCHEDULED.settle(claimed, report, result)?;
        keep_callback_id(claimed, &cb.callback_id);
        let detail = format!(
            "scheduled callback {} at {at} for team {}, reference {}",
            cb.callback_id, target.team, briefing.reference
        );
        Ok(placed(claimed, report, "scheduled_callback", detail))
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

    /// Our callback for `reference` among the API-made callbacks to `number`. Absent only
    /// when every page was read and none carries it: a page that is not a list, items
    /// that are not callbacks, or more pages than are read cannot say it is absent.
    async fn find_scheduled(
        &self,
        number: &str,
        reference: &str,
    ) -> Result<Seen<ScheduledCallback>, CallError> {
        for page in 1..=MAX_PAGES {
            let query = CallbackQuery {
                phone_number: Some(number.to_string()),
                page: Some(page),
                per_page: Some(PER_PAGE),
                ..CallbackQuery::default()
            };
            let listed = self.client.list_scheduled_callbacks(&query).await?;
            if let Some(found) = listed
                .callbacks
                .iter()
                .find(|c| c.reference() == Some(reference))
            {
                return Ok(Seen::Applied(found.clone()));
            }
            if !listed.readable {
                return Ok(Seen::Undecided(
                    "Talkdesk's callback list could not be read".into(),
                ));
            }
            if listed.unreadable_items > 0 {
                return Ok(Seen::Undecided(format!(
                    "{} items of Talkdesk's callback list are not callbacks",
                    listed.unreadable_items
                )));
            }
            let more = listed.has_next
                || listed
                    .total_pages
                    .is_some_and(|total| u64::from(page) < total);
            if !more {
                return Ok(Seen::Absent);
            }
        }
        Ok(Seen::Undecided(format!(
            "more than {MAX_PAGES} pages of callbacks to this number"
        )))
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
