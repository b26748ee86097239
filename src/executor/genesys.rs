//! Genesys Cloud execution: briefing as participant attributes first, then the consult;
//! a callback as the fallback.

use std::collections::BTreeMap;

use escalator_adapters::genesys::{
    self, CallbackRequest, ConsultToAddress, ConsultToAgent, ConsultToQueue, GenesysClient,
    GenesysCredentials,
};
use escalator_adapters::outbound::CallError;
use escalator_adapters::ratelimit::RequestBudget;
use escalator_adapters::{Action, Briefing, Destination, SpeakTo, Target};
use serde_json::Value;

use super::confirm::ConsultState;
use super::once::{OnceRequest, Seen};
use super::{
    Checkpoint, Done, PlatformExecutor, Readback, Report, Reported, AGENT_ON_CALL,
    PLATFORM_CALLBACK_ID,
};
use crate::config::{Config, ConsultFrom, Secrets};
use crate::store::ClaimedAction;

pub struct GenesysExecutor {
    client: GenesysClient,
    consult_from: ConsultFrom,
}

// Progress keys: steps done by earlier attempts of the same action.
const BRIEFED: &str = "briefed";
const CUSTOMER: &str = "customer_participant_id";
const AGENT: &str = "agent_participant_id";
const AGENT_USER: &str = "agent_user_id";
const CONSULT: OnceRequest = OnceRequest::new("consult_uncertain", "consult");
const REPLACE: OnceRequest = OnceRequest::new("blind_transfer_uncertain", "blind_transfer");
const CALLBACK: OnceRequest = OnceRequest::new("callback_uncertain", "callback");
const CANCELLED_EARLIER: &str = "cancelled_earlier_consult";

impl GenesysExecutor {
    pub fn new(client: GenesysClient, consult_from: ConsultFrom) -> Self {
        Self {
            client,
            consult_from,
        }
    }

    /// The executor when Genesys is enabled and its OAuth client is configured.
    pub fn build(
        config: &Config,
        secrets: &Secrets,
        http: &reqwest::Client,
    ) -> Result<Option<Self>, String> {
        let g = &config.vendors.genesys;
        let (true, Some(id), Some(secret)) = (
            g.enabled,
            secrets.genesys_client_id.clone(),
            secrets.genesys_client_secret.clone(),
        ) else {
            return Ok(None);
        };
        let api_base = g
            .api_base
            .clone()
            .or_else(|| genesys::region_api_base(&g.region).map(str::to_string))
            .ok_or_else(|| "vendors.genesys.region is unknown".to_string())?;
        let login_base = g
            .login_base
            .clone()
            .unwrap_or_else(|| genesys::login_base_for(&api_base));
        let client = GenesysClient::new(
            http.clone(),
            api_base,
            login_base,
            GenesysCredentials {
                client_id: id,
                client_secret: secret,
            },
        )
        .with_budget(RequestBudget::per_minute(g.requests_per_minute));
        Ok(Some(Self::new(client, g.consult_from)))
    }
}

#[async_trait::async_trait]
impl PlatformExecutor for GenesysExecutor {
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError> {
        match claimed.action.clone() {
            Action::WarmTransfer {
                target,
                briefing,
                speak_to,
            } => {
                if target.destination == Destination::Unmapped {
                    let e = CallError::Unactionable(format!(
                        "team {} has no Genesys queue, agent or address configured (teams.{}.genesys)",
                        target.team, target.team
                    ));
                    report.failed("consult", &e);
                    return Err(e);
                }
                self.warm_transfer(
                    claimed,
                    report,
                    checkpoint,
                    &briefing,
                    speak_to,
                    &target.destination,
                )
                .await
            }
            Action::ScheduleCallback {
                target,
                number,
                at,
                briefing,
                ..
            } => {
                self.schedule_callback(claimed, report, checkpoint, &target, number, at, &briefing)
                    .await
            }
            Action::AgentGuidance { text, .. } => self.guidance(claimed, report, &text).await,
            Action::BlindTransfer { target, briefing } => {
                self.blind_transfer(claimed, report, checkpoint, &target, briefing.as_ref())
                    .await
            }
            other => {
                let e = CallError::Unactionable(format!(
                    "{} is not supported on Genesys yet",
                    other.kind()
                ));
                report.failed(other.kind(), &e);
                Err(e)
            }
        }
    }

    /// A person other than the consulting agent connected answers the consult; an offer
    /// still alerting, or the queue's leg still waiting, is ringing.
    async fn consult_state(
        &self,
        claimed: &ClaimedAction,
    ) -> Result<Option<ConsultState>, CallError> {
        let p = self.client.participants(&claimed.call_id).await?;
        let consulting_user = claimed
            .refs
            .get(AGENT_USER)
            .cloned()
            .or_else(|| p.agent.as_ref().and_then(|a| a.user_id.clone()));
        Ok(Some(match p.consult_progress(consulting_user.as_deref()) {
            genesys::ConsultProgress::Answered => ConsultState::Answered,
            genesys::ConsultProgress::Ringing => ConsultState::Ringing,
            genesys::ConsultProgress::Gone => ConsultState::Gone,
        }))
    }

    /// `DELETE …/participants/{customer}/consult`: the consult was placed from the
    /// customer's participant, so it is cancelled there.
    async fn cancel_consult(&self, claimed: &ClaimedAction) -> Result<bool, CallError> {
        let p = self.client.participants(&claimed.call_id).await?;
        if !p.consult_in_progress {
            return Ok(false);
        }
        let Some(customer) = p.customer else {
            return Ok(false);
        };
        self.client
            .cancel_consult(&claimed.call_id, &customer.id)
            .await
            .map(|()| true)
    }

    /// A callback conversation an agent took and that has ended is kept; one that ended
    /// without an agent is missed; an agent on it is an attempt under way.
    async fn read_callback(&self, platform_ref: &str) -> Result<Option<Readback>, CallError> {
        let Some(p) = self.client.callback_progress(platform_ref).await? else {
            return Ok(Some(Readback::new("not found", Reported::Gone)));
        };
        let ended = p
            .disconnect_type
            .as_deref()
            .map(|d| format!("ended ({d})"))
            .unwrap_or_else(|| "ended".into());
        Ok(Some(match (p.agent_connected, p.ended) {
            (true, true) => Readback::new(format!("agent connected, {ended}"), Reported::Completed),
            (false, true) => Readback::new(format!("no agent, {ended}"), Reported::Missed),
            (true, false) => Readback::new("agent connected", Reported::Attempted),
            (false, false) => Readback::new("waiting", Reported::Waiting),
        }))
    }
}

impl GenesysExecutor {
    async fn warm_transfer(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        briefing: &Briefing,
        speak_to: SpeakTo,
        destination: &Destination,
    ) -> Result<Done, CallError> {
        let place = describe_destination(destination);
        let call_id = claimed.call_id.clone();
        // After an attempt whose outcome is unknown, look before consulting again: a
        // consult is not idempotent.
        if CONSULT.in_doubt(claimed) {
            let read = self
                .client
                .participants(&call_id)
                .await
                .map(|p| consult_seen(&p, destination));
            if CONSULT.reconcile(claimed, report, read)?.is_some() {
                let detail = format!("consult to {place} found already placed");
                report.ok("reconcile", &detail);
                return Ok(Done {
                    escalation_status: Some("consulting"),
                    detail,
                });
            }
        }

        self.resolve_participants(claimed, report).await?;
        if claimed.progress.contains_key(AGENT) {
            claimed
                .progress
                .insert(AGENT_ON_CALL.into(), Value::Bool(true));
        }
        let customer = self.progress_str(claimed, CUSTOMER);
        let Some(customer) = customer else {
            let e = CallError::Unactionable("the call has no connected customer".into());
            report.failed("lookup_participants", &e);
            return Err(e);
        };

        // One path per call: an escalation this one supersedes may have a consult running
        // (the caller on hold for the wrong team). End it before placing ours.
        if !briefing.context.involved.is_empty()
            && !claimed.progress.contains_key(CANCELLED_EARLIER)
        {
            match self.client.participants(&call_id).await {
                Ok(p) if p.consult_in_progress => {
                    match self.client.cancel_consult(&call_id, &customer).await {
                        Ok(()) => report.ok(
                            "cancel_consult",
                            "the earlier escalation's consult was cancelled first",
                        ),
                        Err(e) => {
                            report.failed("cancel_consult", &e);
                            return Err(e);
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    report.failed("lookup_participants", &e);
                    return Err(e);
                }
            }
            claimed
                .progress
                .insert(CANCELLED_EARLIER.into(), Value::Bool(true));
        }

        if !claimed.progress.contains_key(BRIEFED) {
            let attributes = briefing_attributes(briefing);
            match self
                .client
                .patch_participant_attributes(&call_id, &customer, &attributes)
                .await
            {
                Ok(()) => {
                    report.ok("briefing", "briefing written to the customer participant");
                    claimed.progress.insert(BRIEFED.into(), Value::Bool(true));
                }
                Err(e) => {
                    report.failed("briefing", &e);
                    return Err(e);
                }
            }
        }

        let from = match self.consult_from {
            ConsultFrom::Customer => Some(customer),
            ConsultFrom::Agent => self.progress_str(claimed, AGENT),
        };
        let Some(from) = from else {
            let e = CallError::Unactionable("the call has no connected agent".into());
            report.failed("consult", &e);
            return Err(e);
        };
        let speak_to = match speak_to {
            SpeakTo::Destination => "DESTINATION",
            SpeakTo::Conference => "CONFERENCE",
        };
        let consulting_user_id = self.progress_str(claimed, AGENT_USER);
        // Marked as possibly sent before sending: if the process dies before the outcome
        // is recorded, the next attempt looks before consulting again.
        CONSULT.mark(claimed, report, checkpoint).await?;
        let result = match destination {
            Destination::Queue { id, name } => {
                let request = ConsultToQueue {
                    speak_to,
                    consulting_user_id,
                    queue_id: id.clone(),
                    queue_name: name.clone(),
                };
                self.client.consult_queue(&call_id, &from, &request).await
            }
            Destination::Agent { id } => {
                let request = ConsultToAgent {
                    speak_to,
                    consulting_user_id,
                    user_id: id.clone(),
                    user_display_name: None,
                };
                self.client.consult_agent(&call_id, &from, &request).await
            }
            Destination::Address { address } => {
                let request = ConsultToAddress {
                    speak_to,
                    consulting_user_id,
                    address: address.clone(),
                };
                self.client.consult_address(&call_id, &from, &request).await
            }
            Destination::Unmapped => Err(CallError::Unactionable("no destination".into())),
        };
        let destination = CONSULT.settle(claimed, report, result)?;
        let detail = format!(
            "consult ({speak_to}) to {place} started; destination participant {}",
            destination.as_deref().unwrap_or("unknown")
        );
        report.ok("consult", &detail);
        Ok(Done {
            escalation_status: Some("consulting"),
            detail,
        })
    }

    /// A callback Genesys holds. Creating one is not idempotent and Genesys cannot be
    /// asked for a callback by our reference, so after an attempt whose outcome is unknown
    /// (a timeout, a reset) it is not sent again: the chain moves on to Escalator's named
    /// callback, whose alert asks the owner to check the platform first.
    #[allow(clippy::too_many_arguments)]
    async fn schedule_callback(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        number: Option<String>,
        at: Option<jiff::Timestamp>,
        briefing: &Briefing,
    ) -> Result<Done, CallError> {
        if CALLBACK.in_doubt(claimed) {
            return Err(CALLBACK.unreadable(report));
        }
        // Marked before sending: if the process dies before the outcome is recorded, the
        // next attempt does not send it again either.
        CALLBACK.mark(claimed, report, checkpoint).await?;
        let result = self
            .callback(claimed, &target.destination, number, at, briefing)
            .await;
        let id = match CALLBACK.settle(claimed, report, result) {
            Ok(id) => id,
            // Genesys cannot be asked for a callback by our reference: parked now.
            Err(e) if e.may_have_applied() => return Err(CALLBACK.unreadable(report)),
            Err(e) => return Err(e),
        };
        if let Some(id) = &id {
            claimed
                .progress
                .insert(PLATFORM_CALLBACK_ID.into(), Value::String(id.clone()));
        }
        let detail = format!(
            "callback created for team {} (conversation {})",
            target.team,
            id.as_deref().unwrap_or("unknown")
        );
        report.ok("callback", &detail);
        Ok(Done {
            escalation_status: Some("callback_scheduled"),
            detail,
        })
    }

    /// A tier escalation (never a hard-stop: the chain has no blind link for those),
    /// briefing first so the receiving agent's Script shows it.
    async fn blind_transfer(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
        target: &Target,
        briefing: Option<&Briefing>,
    ) -> Result<Done, CallError> {
        let Destination::Queue { id, .. } = &target.destination else {
            let e = CallError::Unactionable(format!(
                "team {} has no Genesys queue configured (teams.{}.genesys.queue_id)",
                target.team, target.team
            ));
            report.failed("blind_transfer", &e);
            return Err(e);
        };
        self.resolve_participants(claimed, report).await?;
        let Some(customer) = self.progress_str(claimed, CUSTOMER) else {
            let e = CallError::Unactionable("the call has no connected customer".into());
            report.failed("blind_transfer", &e);
            return Err(e);
        };
        if let (Some(b), false) = (briefing, claimed.progress.contains_key(BRIEFED)) {
            let attributes = briefing_attributes(b);
            if let Err(e) = self
                .client
                .patch_participant_attributes(&claimed.call_id, &customer, &attributes)
                .await
            {
                report.failed("briefing", &e);
                return Err(e);
            }
            report.ok("briefing", "briefing written to the customer participant");
            claimed.progress.insert(BRIEFED.into(), Value::Bool(true));
        }
        // A replace is not idempotent: after an unknown outcome, look first.
        if REPLACE.in_doubt(claimed) {
            let read = self
                .client
                .participants(&claimed.call_id)
                .await
                .map(|p| replace_seen(&p, id));
            if REPLACE.reconcile(claimed, report, read)?.is_some() {
                let detail = format!("call already in queue {id}");
                report.ok("reconcile", &detail);
                return Ok(Done {
                    escalation_status: Some("transferred"),
                    detail,
                });
            }
        }
        // `{pid}` is the participant being replaced: the agent's leg, never the caller's.
        let Some(agent) = self.progress_str(claimed, AGENT) else {
            let e = CallError::Unactionable("the call has no connected agent to replace".into());
            report.failed("blind_transfer", &e);
            return Err(e);
        };
        REPLACE.mark(claimed, report, checkpoint).await?;
        let result = self
            .client
            .blind_transfer_queue(&claimed.call_id, &agent, id)
            .await;
        REPLACE.settle(claimed, report, result)?;
        let detail = format!("blind transfer to queue {id} (team {})", target.team);
        report.ok("blind_transfer", &detail);
        Ok(Done {
            escalation_status: Some("transferred"),
            detail,
        })
    }

    /// Guidance reaches the agent as participant data their Script shows
    /// (`escalator.guidance`); Genesys has no other API to prompt a live agent.
    async fn guidance(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        text: &str,
    ) -> Result<Done, CallError> {
        self.resolve_participants(claimed, report).await?;
        let Some(customer) = self.progress_str(claimed, CUSTOMER) else {
            let e = CallError::Unactionable("the call has no connected customer".into());
            report.failed("guidance", &e);
            return Err(e);
        };
        let attributes = BTreeMap::from([
            (
                "escalator.guidance".to_string(),
                text.chars().take(2000).collect(),
            ),
            (
                "escalator.guidanceAt".to_string(),
                jiff::Timestamp::now().to_string(),
            ),
        ]);
        match self
            .client
            .patch_participant_attributes(&claimed.call_id, &customer, &attributes)
            .await
        {
            Ok(()) => {
                report.ok("guidance", "guidance written for the agent's script");
                Ok(Done {
                    escalation_status: None,
                    detail: "guidance shown to the agent".into(),
                })
            }
            Err(e) => {
                report.failed("guidance", &e);
                Err(e)
            }
        }
    }

    /// Fills the participant ids from the events seen, or asks Genesys for them.
    async fn resolve_participants(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
    ) -> Result<(), CallError> {
        for key in [CUSTOMER, AGENT, AGENT_USER] {
            if !claimed.progress.contains_key(key) {
                if let Some(v) = claimed.refs.get(key) {
                    claimed
                        .progress
                        .insert(key.into(), Value::String(v.clone()));
                }
            }
        }
        let need_agent = self.consult_from == ConsultFrom::Agent;
        let known = claimed.progress.contains_key(CUSTOMER)
            && claimed.progress.contains_key(AGENT_USER)
            && (!need_agent || claimed.progress.contains_key(AGENT));
        if known {
            return Ok(());
        }
        match self.client.participants(&claimed.call_id).await {
            Ok(p) => {
                if let Some(c) = p.customer {
                    claimed
                        .progress
                        .entry(CUSTOMER)
                        .or_insert(Value::String(c.id));
                }
                if let Some(a) = p.agent {
                    claimed.progress.entry(AGENT).or_insert(Value::String(a.id));
                    if let Some(u) = a.user_id {
                        claimed
                            .progress
                            .entry(AGENT_USER)
                            .or_insert(Value::String(u));
                    }
                }
                report.ok(
                    "lookup_participants",
                    "participants read from the conversation",
                );
                Ok(())
            }
            Err(e) => {
                report.failed("lookup_participants", &e);
                Err(e)
            }
        }
    }

    async fn callback(
        &self,
        claimed: &ClaimedAction,
        destination: &Destination,
        number: Option<String>,
        at: Option<jiff::Timestamp>,
        briefing: &Briefing,
    ) -> Result<Option<String>, CallError> {
        let Destination::Queue { id, .. } = destination else {
            return Err(CallError::Unactionable(
                "no Genesys queue configured for the callback".into(),
            ));
        };
        let Some(number) = number else {
            return Err(CallError::Unactionable(
                "no callback number is known for the caller".into(),
            ));
        };
        let mut data = briefing_attributes(briefing);
        data.insert(
            "escalation.sourceConversationId".into(),
            claimed.call_id.clone(),
        );
        let request = CallbackRequest {
            queue_id: id.clone(),
            callback_user_name: briefing.caller_name.clone(),
            callback_numbers: vec![number],
            callback_scheduled_time: at.map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
            data,
        };
        self.client.create_callback(&request).await
    }

    fn progress_str(&self, claimed: &ClaimedAction, key: &str) -> Option<String> {
        claimed
            .progress
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// Whether a conversation read after a consult of unknown outcome shows it placed. A
/// running consult to the team's queue (or to the agent or address, which the call shows
/// only as a running consult), or the agent on the call at all, is the consult; a consult
/// running to another queue cannot say.
fn consult_seen(p: &genesys::Participants, destination: &Destination) -> Seen<()> {
    match destination {
        Destination::Queue { id, .. } if p.consult_in_progress && p.queue_ids.contains(id) => {
            Seen::Applied(())
        }
        Destination::Queue { id, .. } if p.consult_in_progress => {
            Seen::Undecided(format!("a consult is running but not to queue {id}"))
        }
        Destination::Agent { id } if p.all.iter().any(|a| a.user_id.as_deref() == Some(id)) => {
            Seen::Applied(())
        }
        _ if p.consult_in_progress => Seen::Applied(()),
        _ => Seen::Absent,
    }
}

/// Whether a conversation read after a blind transfer of unknown outcome shows the call in
/// the team's queue.
fn replace_seen(p: &genesys::Participants, queue_id: &str) -> Seen<()> {
    if p.queue_ids.iter().any(|q| q == queue_id) {
        Seen::Applied(())
    } else {
        Seen::Absent
    }
}

fn describe_destination(d: &Destination) -> String {
    match d {
        Destination::Queue { id, .. } => format!("queue {id}"),
        Destination::Agent { id } => format!("agent {id}"),
        // An address is a phone number: not for the log.
        Destination::Address { .. } => "the team's address".to_string(),
        Destination::Unmapped => "nowhere".to_string(),
    }
}

/// Longest value written to a call-context attribute (`escalation.summary` …). Genesys
/// documents no size limit for API-set participant data (UNCONFIRMED); Architect flows cap
/// an attribute at 256 characters, so that is kept: a Script or flow that copies the value
/// never holds a cut one.
pub const CONTEXT_ATTRIBUTE_MAX_CHARS: usize = 256;

/// The briefing as participant data (`dict(str,str)`); scripts bind to these keys. The call
/// context keys (`escalation.summary`, `escalation.recentTurns`, `escalation.language`,
/// `escalation.agent`, `escalation.priorCalls`, `escalation.heard`, `escalation.amounts`,
/// `escalation.holdSeconds`, `escalation.involved`, `escalation.earlier`,
/// `escalation.summaryFrom`) are always written, empty when the call did not say: PATCH
/// merges keys, so a later briefing on the same participant must overwrite every value of
/// the one before.
pub fn briefing_attributes(b: &Briefing) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("escalation.reference".into(), b.reference.clone());
    out.insert("escalation.tier".into(), b.tier.clone());
    out.insert("escalation.reason".into(), b.reason.clone());
    out.insert("escalation.rule".into(), b.rule_id.clone());
    out.insert(
        "escalation.callerVerified".into(),
        match b.verified {
            Some(true) => "true",
            Some(false) => "false",
            None => "unknown",
        }
        .into(),
    );
    out.insert("escalation.source".into(), "escalator".into());
    if let Some(q) = &b.quote {
        out.insert("escalation.quote".into(), q.chars().take(2000).collect());
    }
    if let Some(u) = &b.utterance_id {
        out.insert("escalation.utteranceId".into(), u.clone());
    }
    if let Some(n) = &b.caller_name {
        out.insert("escalation.callerName".into(), n.clone());
    }
    let c = &b.context;
    for item in c.items(CONTEXT_ATTRIBUTE_MAX_CHARS) {
        let value = match item.key {
            "heard" => c.heard_given.to_string(),
            "priorCalls" => c.prior_calls.to_string(),
            _ => item.value,
        };
        out.insert(format!("escalation.{}", item.key), value);
    }
    out.insert(
        "escalation.summaryFrom".into(),
        escalator_adapters::briefing_text::joined(
            &c.summary_from,
            ",",
            CONTEXT_ATTRIBUTE_MAX_CHARS,
        ),
    );
    out
}

#[cfg(test)]
mod tests {
    use escalator_adapters::BriefingContext;

    use super::*;

    fn briefing(context: BriefingContext) -> Briefing {
        Briefing {
            reference: "ESC-1234-5678".into(),
            tier: "supervisor".into(),
            reason: "supervisor_request".into(),
            rule_id: "supervisor.ask".into(),
            quote: Some("Get me a manager.".into()),
            context,
            ..Default::default()
        }
    }

    #[test]
    fn the_call_context_goes_in_its_own_attributes() {
        let a = briefing_attributes(&briefing(BriefingContext {
            summary: Some("I'm calling about my bill.".into()),
            summary_from: vec!["u2".into(), "u4".into()],
            recent_turns: vec!["It's wrong.".into(), "Get me a manager.".into()],
            language: Some("es-MX".into()),
            agent: Some("agent-7".into()),
            heard_given: true,
            prior_calls: 2,
            amounts: vec!["$600".into(), "200 dólares".into()],
            hold_seconds: Some(540),
            ..Default::default()
        }));
        assert_eq!(a["escalation.summary"], "I'm calling about my bill.");
        assert_eq!(a["escalation.summaryFrom"], "u2,u4");
        assert_eq!(
            a["escalation.recentTurns"],
            "\"It's wrong.\" / \"Get me a manager.\""
        );
        assert_eq!(a["escalation.language"], "es-MX");
        assert_eq!(a["escalation.agent"], "agent-7");
        assert_eq!(a["escalation.heard"], "true");
        assert_eq!(a["escalation.priorCalls"], "2");
        assert_eq!(a["escalation.amounts"], "$600; 200 dólares");
        assert_eq!(a["escalation.holdSeconds"], "540");
        assert_eq!(a["escalation.involved"], "");
        assert_eq!(a["escalation.earlier"], "");
    }

    #[test]
    fn every_context_key_is_written_so_a_later_briefing_overwrites_the_earlier_one() {
        let a = briefing_attributes(&briefing(BriefingContext::default()));
        for key in [
            "summary",
            "summaryFrom",
            "recentTurns",
            "language",
            "agent",
            "priorCalls",
            "heard",
            "amounts",
            "holdSeconds",
            "involved",
            "earlier",
        ] {
            assert!(a.contains_key(&format!("escalation.{key}")), "{key}");
        }
        assert_eq!(a["escalation.heard"], "false");
        assert_eq!(a["escalation.priorCalls"], "0");
    }

    #[test]
    fn context_attributes_keep_the_256_character_limit() {
        let a = briefing_attributes(&briefing(BriefingContext {
            summary: Some("my bill ".repeat(100)),
            summary_from: (0..100).map(|n| format!("utterance-{n}")).collect(),
            recent_turns: vec!["word ".repeat(300); 3],
            involved: vec!["someone long ".repeat(40); 3],
            earlier: vec!["ESC ".repeat(100); 4],
            amounts: vec!["$1,000,000.00".into(); 5],
            ..Default::default()
        }));
        for (k, v) in &a {
            if k == "escalation.quote" {
                continue;
            }
            assert!(v.chars().count() <= CONTEXT_ATTRIBUTE_MAX_CHARS, "{k}");
        }
        assert!(a["escalation.summary"].ends_with('…'));
        assert_eq!(
            a["escalation.summary"].chars().count(),
            CONTEXT_ATTRIBUTE_MAX_CHARS
        );
        // Each of the three turns keeps its share.
        assert_eq!(a["escalation.recentTurns"].matches(" / ").count(), 2);
    }
}
