//! Per-call state kept across events: who the caller is, the platform ids needed to act,
//! which triggers already fired, and the escalation in progress.

use std::collections::{BTreeMap, BTreeSet};

use escalator_adapters::{CallEvent, Caller, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::playbook::Tier;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallSession {
    #[serde(default)]
    pub caller: Caller,
    #[serde(default)]
    pub refs: BTreeMap<String, String>,
    /// Trigger kinds that already fired on this call: each fires once.
    #[serde(default)]
    pub fired: BTreeSet<String>,
    #[serde(default)]
    pub escalation: Option<OpenEscalation>,
    #[serde(default)]
    pub ended: bool,
    /// An agent has the call: it has left the flow, so no routing hook will ask again.
    #[serde(default)]
    pub agent_connected: bool,
    /// The platform's latest sentiment score, when it sends one.
    #[serde(default)]
    pub sentiment: Option<f64>,
    #[serde(default)]
    pub anger: AngerState,
    #[serde(default)]
    pub hold_started_at: Option<Timestamp>,
    /// Length of the hold that just ended, in milliseconds.
    #[serde(default)]
    pub last_hold_ms: Option<u64>,
    /// Earlier calls from the same number within the repeat-contact window.
    #[serde(default)]
    pub prior_calls: u32,
    /// Categories the semantic layer already asked a supervisor to review on this call:
    /// each is asked once.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub semantic_reviews: BTreeSet<String>,
    /// Who holds the call after an answered transfer: they may grant what the agent could
    /// not.
    #[serde(default)]
    pub held_by: Option<Tier>,
    /// The escalations decided on this call, oldest first (briefings say who came before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<EscalationNote>,
}

/// One escalation decided on the call, as later briefings tell it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationNote {
    pub reference: String,
    pub trigger: String,
    pub team: String,
    pub at: Timestamp,
}

/// HEARD first, then count the customer turns in which the anger did not fall.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AngerState {
    pub heard_given: bool,
    pub angry_turns: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenEscalation {
    pub id: String,
    pub reference: String,
    pub team: String,
    pub tier: Tier,
    /// Rank of the trigger that opened it; only a stronger one opens another.
    pub rank: u8,
}

impl CallSession {
    /// Folds what an event tells about the call into the session.
    pub fn apply(&mut self, event: &CallEvent) {
        let c = &event.caller;
        if c.name.is_some() {
            self.caller.name.clone_from(&c.name);
        }
        if c.number.is_some() {
            self.caller.number.clone_from(&c.number);
        }
        if c.verified.is_some() {
            self.caller.verified = c.verified;
        }
        self.refs
            .extend(event.refs.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.last_hold_ms = None;
        match &event.kind {
            EventKind::CallEnded { .. } => self.ended = true,
            // The vendor-neutral feed says it as its own event, not on the caller.
            EventKind::CallerVerified { verified } => self.caller.verified = Some(*verified),
            EventKind::AgentConnected { .. } => self.agent_connected = true,
            EventKind::Sentiment { score, .. } => self.sentiment = Some(*score),
            EventKind::HoldStarted => self.hold_started_at = Some(event.occurred_at),
            EventKind::HoldEnded { held_ms } => {
                let started = self.hold_started_at.take();
                self.last_hold_ms = held_ms.or_else(|| {
                    started.and_then(|s| {
                        u64::try_from(event.occurred_at.as_millisecond() - s.as_millisecond()).ok()
                    })
                });
            }
            _ => {}
        }
    }

    /// How long the caller has been (or just was) on hold, as of `now`.
    pub fn hold_ms_at(&self, now: Timestamp) -> Option<u64> {
        self.last_hold_ms.or_else(|| {
            self.hold_started_at
                .and_then(|s| u64::try_from(now.as_millisecond() - s.as_millisecond()).ok())
        })
    }
}

#[cfg(test)]
mod tests {
    use escalator_adapters::{CallEvent, Caller, EventKind, Vendor};

    use super::*;

    fn event(kind: EventKind) -> CallEvent {
        CallEvent {
            vendor: Vendor::Standard,
            call_id: "c1".into(),
            event_id: "e1".into(),
            occurred_at: Timestamp::UNIX_EPOCH,
            caller: Caller::default(),
            refs: Default::default(),
            kind,
        }
    }

    #[test]
    fn a_caller_verified_event_sets_the_callers_verified_status() {
        let mut s = CallSession::default();
        s.apply(&event(EventKind::CallerVerified { verified: true }));
        assert_eq!(s.caller.verified, Some(true));
        s.apply(&event(EventKind::CallerVerified { verified: false }));
        assert_eq!(s.caller.verified, Some(false));
        // An event that says nothing about it leaves it as it was.
        s.apply(&event(EventKind::HoldStarted));
        assert_eq!(s.caller.verified, Some(false));
    }
}
