//! Per-call state kept across events: who the caller is, the platform ids needed to act,
//! which triggers already fired, and the escalation in progress.

use std::collections::{BTreeMap, BTreeSet};

use escalator_adapters::{CallEvent, Caller, EventKind};
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
        if let EventKind::CallEnded { .. } = event.kind {
            self.ended = true;
        }
    }
}
