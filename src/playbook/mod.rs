//! The playbook: given a call's state and its next event, decide whether the agent handles
//! it, or it goes to a supervisor or a specialist team — and say why, in the caller's words.
//!
//! The rules live in a file ([`file`]); the built-in default embodies `shared/domain.md`
//! §5–6. [`Engine`] applies them: hard-stops beat everything, tier triggers bring in a
//! supervisor, anger first gets HEARD guidance for the agent and escalates only if it does
//! not fall.

mod engine;
pub mod eval;
pub mod file;
mod matcher;
mod numbers;
mod phrase_set;
mod reload;
mod stem;
pub mod text;

use std::fmt;

use escalator_adapters::CallEvent;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use engine::{Classification, Engine, Evidence, SemanticDecision, SemanticTurn};
pub use file::PlaybookError;
pub use reload::{spawn_reloader, PlaybookHandle};

use crate::session::CallSession;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Agent,
    Supervisor,
    Specialist,
    Callback,
}

impl Tier {
    pub fn parse(name: &str) -> Option<Tier> {
        [
            Tier::Agent,
            Tier::Supervisor,
            Tier::Specialist,
            Tier::Callback,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Agent => "agent",
            Tier::Supervisor => "supervisor",
            Tier::Specialist => "specialist",
            Tier::Callback => "callback",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    LegalThreat,
    RegulatorMention,
    MediaMention,
    SelfHarm,
    Fraud,
    SupervisorRequest,
    /// The caller asks for more than the agent may grant (amount or policy exception).
    AuthorityRequest,
    /// The agent promised what is beyond their authority.
    OverPromise,
    /// Anger that HEARD guidance did not lower.
    SustainedAnger,
    /// Anger first heard: guidance for the agent, no escalation yet.
    Anger,
    LongHold,
    RepeatContact,
    AgentRequest,
}

impl TriggerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::LegalThreat => "legal_threat",
            TriggerKind::RegulatorMention => "regulator_mention",
            TriggerKind::MediaMention => "media_mention",
            TriggerKind::SelfHarm => "self_harm",
            TriggerKind::Fraud => "fraud",
            TriggerKind::SupervisorRequest => "supervisor_request",
            TriggerKind::AuthorityRequest => "authority_request",
            TriggerKind::OverPromise => "over_promise",
            TriggerKind::SustainedAnger => "sustained_anger",
            TriggerKind::Anger => "anger",
            TriggerKind::LongHold => "long_hold",
            TriggerKind::RepeatContact => "repeat_contact",
            TriggerKind::AgentRequest => "agent_request",
        }
    }

    /// The kind a stored briefing's `reason` names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub const ALL: [TriggerKind; 13] = [
        TriggerKind::LegalThreat,
        TriggerKind::RegulatorMention,
        TriggerKind::MediaMention,
        TriggerKind::SelfHarm,
        TriggerKind::Fraud,
        TriggerKind::SupervisorRequest,
        TriggerKind::AuthorityRequest,
        TriggerKind::OverPromise,
        TriggerKind::SustainedAnger,
        TriggerKind::Anger,
        TriggerKind::LongHold,
        TriggerKind::RepeatContact,
        TriggerKind::AgentRequest,
    ];

    /// The trigger a phrase category stands for, if it escalates by itself.
    pub fn from_category(name: &str) -> Option<Self> {
        Some(match name {
            "legal_threat" => TriggerKind::LegalThreat,
            "regulator_mention" => TriggerKind::RegulatorMention,
            "media_mention" => TriggerKind::MediaMention,
            "self_harm" => TriggerKind::SelfHarm,
            "fraud" => TriggerKind::Fraud,
            "supervisor_request" => TriggerKind::SupervisorRequest,
            "policy_exception" => TriggerKind::AuthorityRequest,
            "over_promise" => TriggerKind::OverPromise,
            _ => return None,
        })
    }

    pub fn is_hard_stop(self) -> bool {
        matches!(
            self,
            TriggerKind::LegalThreat
                | TriggerKind::RegulatorMention
                | TriggerKind::MediaMention
                | TriggerKind::SelfHarm
                | TriggerKind::Fraud
        )
    }

    /// Higher wins when several fire; every hard-stop beats every tier trigger, and the
    /// caller's safety comes first.
    pub fn rank(self) -> u8 {
        match self {
            TriggerKind::SelfHarm => 100,
            TriggerKind::LegalThreat => 90,
            TriggerKind::RegulatorMention => 85,
            TriggerKind::Fraud => 80,
            TriggerKind::MediaMention => 75,
            TriggerKind::SupervisorRequest => 30,
            TriggerKind::AuthorityRequest => 28,
            TriggerKind::OverPromise => 27,
            TriggerKind::SustainedAnger => 25,
            TriggerKind::AgentRequest => 24,
            TriggerKind::LongHold => 22,
            TriggerKind::RepeatContact => 20,
            TriggerKind::Anger => 5,
        }
    }

    pub fn tier(self) -> Tier {
        if self.is_hard_stop() {
            Tier::Specialist
        } else if matches!(self, TriggerKind::Anger | TriggerKind::RepeatContact) {
            // Guidance for the agent: a repeat caller is flagged, not escalated.
            Tier::Agent
        } else {
            Tier::Supervisor
        }
    }
}

impl fmt::Display for TriggerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One trigger that fired, with the evidence a reviewer needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiredTrigger {
    pub kind: TriggerKind,
    pub rule_id: String,
    pub team: String,
    /// The words that matched, verbatim from the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<String>,
    /// The whole utterance (or the agent's stated reason), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utterance_id: Option<String>,
    pub at: Timestamp,
    /// Set when the semantic layer fired it (rule id `semantic.<category>`): the score and
    /// the closest labelled lines. Absent on phrase and event triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<crate::semantic::SemanticEvidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub tier: Tier,
    pub team: String,
    /// Every trigger that fired on this event, strongest first.
    pub triggers: Vec<FiredTrigger>,
    /// What the agent is told to do now (HEARD, the sanctioned path, the self-harm protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// Self-harm only: the crisis line for the caller's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crisis_line: Option<String>,
    /// What the decision does: escalate (the usual), only alert, or only ask for review.
    #[serde(default, skip_serializing_if = "DecisionMode::is_escalate")]
    pub mode: DecisionMode,
    /// Other hard-stops heard with the primary whose teams are not the one brought in:
    /// each team gets an immediate supervisor alert with this decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondary: Vec<FiredTrigger>,
}

/// What a decision sets in motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionMode {
    /// Escalate to the decision's tier and team (or guide the agent, at tier Agent).
    #[default]
    Escalate,
    /// A hard-stop heard after a stronger one already has the call: its team gets an
    /// immediate supervisor alert, nobody else is brought onto the line, and the call
    /// keeps its open escalation.
    AlertOnly,
    /// Nothing can be done on the call any more: a supervisor alert and a review flag (a
    /// self-harm phrase heard only in a partial transcript before the caller hung up).
    Review,
}

impl DecisionMode {
    pub fn is_escalate(&self) -> bool {
        *self == DecisionMode::Escalate
    }
}

impl Decision {
    pub fn primary(&self) -> &FiredTrigger {
        // A decision is only built from a non-empty trigger list.
        &self.triggers[0]
    }

    pub fn rank(&self) -> u8 {
        self.primary().kind.rank()
    }

    /// True when the caller must not be parked on hold, queued or cold-transferred.
    pub fn forbids_hold(&self) -> bool {
        self.triggers
            .iter()
            .any(|t| t.kind == TriggerKind::SelfHarm)
    }

    /// Guidance for the agent only: nobody else is brought in.
    pub fn is_guidance_only(&self) -> bool {
        self.tier == Tier::Agent
    }

    /// True when carrying it out brings someone onto the call, so it becomes the call's
    /// open escalation (guidance, alert-only and review decisions do not).
    pub fn opens_escalation(&self) -> bool {
        !self.is_guidance_only() && self.mode.is_escalate()
    }
}

pub trait Playbook: Send + Sync {
    /// Decides on one event; may update the playbook's own state in the session (anger
    /// turns, HEARD given). Triggers that already fired on the call are not repeated.
    fn decide(&self, session: &mut CallSession, event: &CallEvent) -> Option<Decision>;
}
