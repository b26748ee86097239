//! The canonical model: what every platform's events and actions are normalized to.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A platform Escalator speaks to. `Standard` is the vendor-neutral signed feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Genesys,
    Talkdesk,
    Five9,
    Nextiva,
    Cloudtalk,
    Standard,
}

impl Vendor {
    pub const ALL: [Vendor; 6] = [
        Vendor::Genesys,
        Vendor::Talkdesk,
        Vendor::Five9,
        Vendor::Nextiva,
        Vendor::Cloudtalk,
        Vendor::Standard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Genesys => "genesys",
            Vendor::Talkdesk => "talkdesk",
            Vendor::Five9 => "five9",
            Vendor::Nextiva => "nextiva",
            Vendor::Cloudtalk => "cloudtalk",
            Vendor::Standard => "standard",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown vendor {0:?}")]
pub struct UnknownVendor(pub String);

impl FromStr for Vendor {
    type Err = UnknownVendor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownVendor(s.to_string()))
    }
}

/// Who is on the line, as far as the platform told us.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Caller {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

impl Caller {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.number.is_none() && self.verified.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Customer,
    Agent,
    /// Neither side could be told apart (mixed channel, IVR): never fires a customer trigger.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// `refs` keys for the caller's address where a platform knows it: ISO 3166-1 country and
/// US state / Canadian province code. The callee's zone comes from these before the number.
pub const REF_CALLER_COUNTRY: &str = "caller_country";
pub const REF_CALLER_SUBDIVISION: &str = "caller_subdivision";

/// One thing that happened on a call, whatever platform reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    pub vendor: Vendor,
    pub call_id: String,
    /// Dedupe key, unique per vendor: a redelivery carries the same one.
    pub event_id: String,
    pub occurred_at: Timestamp,
    #[serde(default, skip_serializing_if = "Caller::is_empty")]
    pub caller: Caller,
    /// Platform identifiers needed later to act on the call (participant ids, agent id…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refs: BTreeMap<String, String>,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    CallStarted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direction: Option<Direction>,
        /// Our number the call is on: the one dialed (inbound) or shown (outbound).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<String>,
    },
    Queued {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue_id: Option<String>,
    },
    AgentConnected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_id: Option<String>,
    },
    Utterance(Utterance),
    Sentiment {
        /// -1.0 (negative) ..= 1.0 (positive).
        score: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trend: Option<f64>,
    },
    HoldStarted,
    HoldEnded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        held_ms: Option<u64>,
    },
    TransferResult {
        succeeded: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// The agent asked for help or escalation.
    EscalationRequested {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    CallerVerified {
        verified: bool,
    },
    CallEnded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Kept for the record, never acted on.
    Other {
        name: String,
    },
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CallStarted { .. } => "call_started",
            EventKind::Queued { .. } => "queued",
            EventKind::AgentConnected { .. } => "agent_connected",
            EventKind::Utterance(_) => "utterance",
            EventKind::Sentiment { .. } => "sentiment",
            EventKind::HoldStarted => "hold_started",
            EventKind::HoldEnded { .. } => "hold_ended",
            EventKind::TransferResult { .. } => "transfer_result",
            EventKind::EscalationRequested { .. } => "escalation_requested",
            EventKind::CallerVerified { .. } => "caller_verified",
            EventKind::CallEnded { .. } => "call_ended",
            EventKind::Other { .. } => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub utterance_id: String,
    pub speaker: Speaker,
    pub text: String,
    pub is_final: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Where a call or callback goes on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The playbook's team name (`legal`, `supervisor`…).
    pub team: String,
    #[serde(flatten)]
    pub destination: Destination,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    Queue {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Agent {
        id: String,
    },
    Address {
        address: String,
    },
    /// The team has no destination on this platform; executing fails permanently so the
    /// fallback chain takes over.
    Unmapped,
}

/// What the receiver is told before they pick up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Briefing {
    pub reference: String,
    pub tier: String,
    pub reason: String,
    pub rule_id: String,
    /// The caller's own words that fired the trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utterance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// What the call was about and who is already on it, so the receiver does not start
    /// from nothing.
    #[serde(default, skip_serializing_if = "BriefingContext::is_empty")]
    pub context: BriefingContext,
}

/// The call around the trigger, taken from the session when the escalation is decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BriefingContext {
    /// What the call is about, in the caller's own earlier words (extractive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The utterance ids the summary was taken from, so it can be checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summary_from: Vec<String>,
    /// The caller's last few final turns up to the trigger, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_turns: Vec<String>,
    /// The caller's language (as the platform or the transcript said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The agent who has the call, where the platform said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Who else is already on (or being brought onto) the call, e.g. an earlier consult.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub involved: Vec<String>,
    /// Earlier escalations on this call: trigger, team, reference and where they stand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<String>,
    /// HEARD guidance was already given to the agent on this call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub heard_given: bool,
    /// Earlier calls from the same number within the repeat-contact window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub prior_calls: u32,
    /// Money amounts the caller or agent named, verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<String>,
    /// The longest hold on this call so far, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<u64>,
}

impl BriefingContext {
    pub fn is_empty(&self) -> bool {
        self == &BriefingContext::default()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How much of the call the consulting agent keeps during a warm transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SpeakTo {
    /// The agent briefs the receiver while the caller waits (the usual warm transfer).
    #[default]
    Destination,
    /// Everyone on the line at once: the caller is never parked (self-harm protocol).
    Conference,
}

/// Why a supervisor is alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertReason {
    /// The caller could not be transferred and was promised a callback instead.
    CallbackInsteadOfTransfer,
    /// Every platform action failed; only Escalator's own named callback is left.
    ChainExhausted,
    /// Self-harm and no way to bring the team onto the line: someone must join the
    /// agent now.
    CallerAtRisk,
    /// The semantic layer thinks a category may apply but is not sure enough to escalate:
    /// a supervisor listens in and decides; the call is flagged for review.
    SemanticReview,
    /// A consult was placed but nobody answered in time, or the caller hung up while it
    /// rang: the caller is owed a callback (or, for self-harm, a person now).
    TransferUnanswered,
    /// A hard-stop heard with (or after) a stronger one that already has the call: its own
    /// team is told at once, and nobody else is transferred.
    SecondHardStop,
    /// A self-harm phrase was heard only in a partial transcript and the call ended before
    /// it was confirmed: the caller may be at risk; someone must follow up.
    CallEndedAtRisk,
}

impl AlertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertReason::CallbackInsteadOfTransfer => "callback_instead_of_transfer",
            AlertReason::ChainExhausted => "chain_exhausted",
            AlertReason::CallerAtRisk => "caller_at_risk",
            AlertReason::SemanticReview => "semantic_review",
            AlertReason::TransferUnanswered => "transfer_unanswered",
            AlertReason::SecondHardStop => "second_hard_stop",
            AlertReason::CallEndedAtRisk => "call_ended_at_risk",
        }
    }
}

/// How soon a supervisor alert needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Someone must act within the callback window.
    #[default]
    Normal,
    /// Someone must act now (a hard-stop left without a transfer, a caller at risk).
    Immediate,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Immediate => "immediate",
        }
    }
}

/// Something Escalator asks a platform to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    WarmTransfer {
        target: Target,
        briefing: Briefing,
        #[serde(default)]
        speak_to: SpeakTo,
    },
    /// For non-hard-stop cases only; the briefing goes with the call where the platform
    /// carries data on a transfer.
    BlindTransfer {
        target: Target,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        briefing: Option<Briefing>,
    },
    /// The platform cannot transfer by API, but can put the briefing and an instruction in
    /// front of the live agent (CloudTalk Cue Card): the agent makes the warm transfer.
    AssistedTransfer {
        target: Target,
        briefing: Briefing,
        #[serde(default)]
        speak_to: SpeakTo,
    },
    /// The call is still in a flow: its next routing-hook request is answered with this
    /// team and briefing. Fails when the flow does not ask in time.
    RouteOnHook {
        target: Target,
        briefing: Briefing,
    },
    /// Escalator's own named commitment in its callback log: the last link of every chain
    /// that allows a callback, so a caller is never left without one.
    NamedCallback {
        target: Target,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<String>,
        /// The named person who owns the callback when the team has no roster.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// The team's people; the one with the fewest open callbacks gets it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roster: Vec<String>,
        briefing: Briefing,
    },
    /// Tells the team's supervisor what happened and what they must do now. One per
    /// reason per escalation.
    SupervisorAlert {
        team: String,
        reason: AlertReason,
        urgency: Urgency,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        summary: String,
        briefing: Briefing,
    },
    ScheduleCallback {
        target: Target,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
        briefing: Briefing,
        /// Who owns the commitment in Escalator's callback log (see `NamedCallback`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roster: Vec<String>,
    },
    AttachBriefing {
        briefing: Briefing,
    },
    AgentGuidance {
        text: String,
        /// Why the agent is told: one guidance per topic per escalation.
        #[serde(default, skip_serializing_if = "GuidanceTopic::is_playbook")]
        topic: GuidanceTopic,
    },
    /// Follows a consult the platform accepted: looks whether someone answered by the
    /// deadline (events or the platform's own read); if not, the caller is owed the next
    /// link (a callback and an alert; for self-harm, a person now).
    ConfirmTransfer {
        target: Target,
        briefing: Briefing,
        /// How long the consult may ring before it counts as unanswered.
        answer_within_s: u64,
    },
}

/// What a guidance to the agent is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GuidanceTopic {
    /// The playbook's guidance for the trigger (HEARD, authority, self-harm).
    #[default]
    Playbook,
    /// A callback was booked while the caller is on the line: what to tell them.
    CallbackBooked,
    /// The transfer did not happen: nobody is coming; what the agent does now.
    NobodyComing,
}

impl GuidanceTopic {
    pub fn is_playbook(&self) -> bool {
        *self == GuidanceTopic::Playbook
    }
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::WarmTransfer { .. } => "warm_transfer",
            Action::BlindTransfer { .. } => "blind_transfer",
            Action::AssistedTransfer { .. } => "assisted_transfer",
            Action::RouteOnHook { .. } => "route_on_hook",
            Action::NamedCallback { .. } => "named_callback",
            Action::SupervisorAlert { reason, .. } => match reason {
                AlertReason::CallbackInsteadOfTransfer => "alert_callback",
                AlertReason::ChainExhausted => "alert_chain_exhausted",
                AlertReason::CallerAtRisk => "alert_caller_at_risk",
                AlertReason::SemanticReview => "alert_semantic_review",
                AlertReason::TransferUnanswered => "alert_transfer_unanswered",
                AlertReason::SecondHardStop => "alert_second_hard_stop",
                AlertReason::CallEndedAtRisk => "alert_call_ended_at_risk",
            },
            Action::ConfirmTransfer { .. } => "confirm_transfer",
            Action::ScheduleCallback { .. } => "schedule_callback",
            Action::AttachBriefing { .. } => "attach_briefing",
            Action::AgentGuidance { topic, .. } => match topic {
                GuidanceTopic::Playbook => "agent_guidance",
                GuidanceTopic::CallbackBooked => "agent_guidance_callback",
                GuidanceTopic::NobodyComing => "agent_guidance_nobody_coming",
            },
        }
    }
}

/// A platform flow asking where a call goes (the synchronous routing hook).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRequest {
    pub call_id: String,
    /// E.164.
    pub caller_number: Option<String>,
    /// What the caller said or chose in the IVR, when the flow passes it.
    pub text: Option<String>,
    pub language: Option<String>,
}

/// What the platform's flow is told by a synchronous routing hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteAnswer {
    pub escalate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    pub priority: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub briefing: Option<Briefing>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_names_round_trip() {
        for v in Vendor::ALL {
            assert_eq!(v.as_str().parse::<Vendor>().unwrap(), v);
        }
        assert_eq!("Genesys".parse::<Vendor>().unwrap(), Vendor::Genesys);
        assert!("avaya".parse::<Vendor>().is_err());
    }

    #[test]
    fn event_serializes_flat_with_type_tag() {
        let e = CallEvent {
            vendor: Vendor::Genesys,
            call_id: "c1".into(),
            event_id: "e1".into(),
            occurred_at: Timestamp::UNIX_EPOCH,
            caller: Caller::default(),
            refs: BTreeMap::new(),
            kind: EventKind::CallEnded { reason: None },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "call_ended");
        let back: CallEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}
