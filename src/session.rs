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
    /// When that score was measured (its event's time): a score older than the playbook's
    /// `sentiment_max_age_seconds` before an utterance says nothing about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment_at: Option<Timestamp>,
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
    /// Who holds the call after a transfer was answered (a supervisor or a specialist may
    /// grant what the agent could not); `None` while the first agent has it. Set by the
    /// transfer's lifecycle, read by the playbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<Tier>,
    /// A self-harm phrase heard in a partial transcript, which never acts by itself: if
    /// the call ends before self-harm fires on a final, the call is flagged for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_self_harm: Option<PartialHit>,
}

/// A phrase heard only in a partial transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialHit {
    pub rule_id: String,
    /// The partial utterance, verbatim.
    pub quote: String,
    pub utterance_id: String,
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
            EventKind::AgentConnected { .. } => self.agent_connected = true,
            EventKind::Sentiment { score, .. } => {
                self.sentiment = Some(*score);
                self.sentiment_at = Some(event.occurred_at);
            }
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

    /// The platform's sentiment score if it was measured no more than `max_age_s` seconds
    /// before `at` (a score sent before its time was kept has no age and counts as fresh).
    pub fn fresh_sentiment(&self, at: Timestamp, max_age_s: u64) -> Option<f64> {
        let score = self.sentiment?;
        let Some(measured) = self.sentiment_at else {
            return Some(score);
        };
        let age_ms = at.as_millisecond() - measured.as_millisecond();
        let max_ms = i64::try_from(max_age_s.saturating_mul(1000)).unwrap_or(i64::MAX);
        (age_ms <= max_ms).then_some(score)
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
    use super::*;

    #[test]
    fn sessions_stored_before_these_fields_still_load() {
        let old: CallSession =
            serde_json::from_str(r#"{"sentiment": -0.7, "prior_calls": 2}"#).expect("loads");
        assert_eq!(old.held_by, None);
        assert_eq!(old.sentiment_at, None);
        assert_eq!(old.partial_self_harm, None);
        // A score kept before its time was: counted as fresh, as it was before.
        assert_eq!(old.fresh_sentiment(Timestamp::UNIX_EPOCH, 30), Some(-0.7));
        let held: CallSession =
            serde_json::from_str(r#"{"held_by": "supervisor"}"#).expect("loads");
        assert_eq!(held.held_by, Some(Tier::Supervisor));
    }

    #[test]
    fn a_score_is_fresh_up_to_the_max_age_before_the_utterance() {
        let at = |s: i64| Timestamp::from_second(1_770_000_000 + s).expect("time");
        let session = CallSession {
            sentiment: Some(-0.9),
            sentiment_at: Some(at(0)),
            ..CallSession::default()
        };
        assert_eq!(session.fresh_sentiment(at(30), 30), Some(-0.9));
        assert_eq!(session.fresh_sentiment(at(31), 30), None);
        // Measured after the utterance (delivered out of order): it describes the turn.
        assert_eq!(session.fresh_sentiment(at(-5), 30), Some(-0.9));
    }
}
