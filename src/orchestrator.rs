//! Turns a decision into the actions that carry it out on the call's platform, and names
//! the next link of the fallback chain when an action fails for good.
//!
//! Chain (Genesys): warm transfer (consult) → named callback to the team. Hard-stops are
//! never blind-transferred; self-harm consults conference the team in (`speakTo`
//! CONFERENCE) so the caller is never parked on hold.

use std::collections::BTreeMap;

use escalator_adapters::{Action, Briefing, Destination, SpeakTo, Target, Vendor};

use crate::config::PlatformTarget;
use crate::playbook::{Decision, PlaybookHandle, TriggerKind};
use crate::reference;
use crate::session::CallSession;
use crate::store::Planned;

#[derive(Clone)]
pub struct Orchestrator {
    /// Teams and their platform targets come from the playbook in force.
    playbook: PlaybookHandle,
    max_attempts: u32,
}

impl Orchestrator {
    pub fn new(playbook: PlaybookHandle, max_attempts: u32) -> Self {
        Self {
            playbook,
            max_attempts,
        }
    }

    fn platform_target(&self, team: &str, vendor: Vendor) -> Option<PlatformTarget> {
        self.playbook
            .current()
            .team(team)
            .and_then(|t| t.target(vendor).cloned())
    }

    /// The escalation record and actions for a decision taken during a live call.
    pub fn plan(&self, decision: Decision, session: &CallSession, vendor: Vendor) -> Planned {
        let reference = reference::generate();
        let briefing = briefing(&decision, session, &reference);
        let speak_to = if decision.forbids_hold() {
            SpeakTo::Conference
        } else {
            SpeakTo::Destination
        };
        let mut actions = Vec::new();
        if let Some(text) = &decision.guidance {
            actions.push(Action::AgentGuidance { text: text.clone() });
        }
        if !decision.is_guidance_only() {
            actions.push(Action::WarmTransfer {
                target: self.target(&decision.team, vendor),
                briefing,
                speak_to,
            });
        }
        Planned {
            id: uuid::Uuid::new_v4().to_string(),
            reference,
            status: if decision.is_guidance_only() {
                "guided"
            } else {
                "open"
            },
            decision,
            actions,
            max_attempts: self.max_attempts,
        }
    }

    /// The record for a decision a routing hook answer carries out (the flow routes the
    /// call itself, so there is nothing to send).
    pub fn plan_routed(&self, decision: Decision) -> Planned {
        Planned {
            id: uuid::Uuid::new_v4().to_string(),
            reference: reference::generate(),
            decision,
            status: "routed",
            actions: Vec::new(),
            max_attempts: self.max_attempts,
        }
    }

    /// Where `team` is on `vendor`'s platform.
    pub fn target(&self, team: &str, vendor: Vendor) -> Target {
        let destination = match self.platform_target(team, vendor) {
            Some(g) if !g.queue_id.trim().is_empty() => Destination::Queue {
                id: g.queue_id.clone(),
                name: g.queue_name.clone(),
            },
            _ => Destination::Unmapped,
        };
        Target {
            team: team.to_string(),
            destination,
        }
    }

    fn callback_target(&self, team: &str, vendor: Vendor) -> Target {
        let queue = self
            .platform_target(team, vendor)
            .and_then(|g| g.callback_queue_id.filter(|q| !q.trim().is_empty()));
        match queue {
            Some(id) => Target {
                team: team.to_string(),
                destination: Destination::Queue { id, name: None },
            },
            _ => self.target(team, vendor),
        }
    }

    /// The next action when `failed` cannot be carried out, or `None` when the chain is
    /// exhausted and a person must step in.
    pub fn fallback(
        &self,
        failed: &Action,
        vendor: Vendor,
        refs: &BTreeMap<String, String>,
    ) -> Option<Action> {
        match failed {
            // Self-harm: a callback would end the call the protocol says to keep open. The
            // agent stays on the line (their guidance says so) and a person is alerted.
            Action::WarmTransfer { briefing, .. }
                if briefing.reason == TriggerKind::SelfHarm.as_str() =>
            {
                None
            }
            Action::WarmTransfer {
                target, briefing, ..
            } => Some(Action::ScheduleCallback {
                target: self.callback_target(&target.team, vendor),
                number: refs.get("caller_number").cloned(),
                at: None,
                briefing: briefing.clone(),
            }),
            _ => None,
        }
    }
}

fn briefing(decision: &Decision, session: &CallSession, reference: &str) -> Briefing {
    let primary = decision.primary();
    Briefing {
        reference: reference.to_string(),
        tier: decision.tier.as_str().to_string(),
        reason: primary.kind.as_str().to_string(),
        rule_id: primary.rule_id.clone(),
        quote: primary.quote.clone(),
        utterance_id: primary.utterance_id.clone(),
        caller_name: session.caller.name.clone(),
        verified: session.caller.verified,
    }
}
