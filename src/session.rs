//! Per-call state kept across events: who the caller is, the platform ids needed to act,
//! which triggers already fired, the escalation in progress, and what a briefing needs
//! (the caller's turns, amounts named, the longest hold, the agent), bounded so a long
//! call does not grow the stored session without limit.

use std::collections::{BTreeMap, BTreeSet};

use std::sync::OnceLock;

use escalator_adapters::{CallEvent, Caller, EventKind, Speaker, Utterance};
use jiff::Timestamp;
use regex::Regex;
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
    /// Who holds the call after an answered transfer: they may grant what the agent could
    /// not.
    #[serde(default)]
    pub held_by: Option<Tier>,
    /// The escalations decided on this call, oldest first (briefings say who came before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<EscalationNote>,
    /// The caller's first final turns, kept for the whole call: callers usually say why
    /// they call at the start, and a long call must not push that out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opening_turns: Vec<Turn>,
    /// The caller's latest final turns after the opening ones, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_turns: Vec<Turn>,
    /// Money amounts named on the call (caller or agent), verbatim, first ones first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<String>,
    /// The longest hold that ended on this call, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_hold_ms: Option<u64>,
    /// The agent who has the call, as `AgentConnected` said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The caller's language, as their latest turn that named one said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// A self-harm phrase heard in a partial transcript, which never acts by itself: if
    /// the call ends before self-harm fires on a final, the call is flagged for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_self_harm: Option<PartialHit>,
}

/// One escalation decided on the call, as later briefings tell it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationNote {
    pub reference: String,
    pub trigger: String,
    pub team: String,
    pub at: Timestamp,
}

/// The session's ref holding the platform's id for the call.
pub const REF_CALL_ID: &str = "call_id";

/// The caller's turns kept from the start of the call.
pub const OPENING_TURNS: usize = 4;
/// The caller's latest turns kept after the opening ones.
pub const RECENT_TURNS: usize = 8;
/// Longest stored turn, in characters; longer ones are cut with an ellipsis.
pub const TURN_MAX_CHARS: usize = 300;
/// Amounts kept per call.
pub const MAX_AMOUNTS: usize = 5;
/// Longest stored amount, in characters.
const AMOUNT_MAX_CHARS: usize = 40;
/// Longest stored agent id or language tag.
const ID_MAX_CHARS: usize = 100;

/// One final caller turn, as a briefing quotes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub utterance_id: String,
    pub at: Timestamp,
    /// Verbatim, cut at [`TURN_MAX_CHARS`] with an ellipsis.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
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
        // The platform's id for the call, so an alert for a caller at risk names it on
        // platforms whose events carry it only as the call id (Five9, CloudTalk).
        self.refs
            .entry(REF_CALL_ID.to_string())
            .or_insert_with(|| event.call_id.clone());
        self.last_hold_ms = None;
        match &event.kind {
            EventKind::CallEnded { .. } => self.ended = true,
            // The vendor-neutral feed says it as its own event, not on the caller.
            EventKind::CallerVerified { verified } => self.caller.verified = Some(*verified),
            EventKind::AgentConnected { agent_id } => {
                self.agent_connected = true;
                if let Some(id) = agent_id.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                    self.agent_id = Some(cut_chars(id, ID_MAX_CHARS));
                }
            }
            EventKind::Utterance(u) if u.is_final => self.keep_utterance(u, event.occurred_at),
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
                if let Some(ms) = self.last_hold_ms {
                    self.longest_hold_ms = Some(self.longest_hold_ms.map_or(ms, |l| l.max(ms)));
                }
            }
            _ => {}
        }
    }

    /// Keeps what a briefing needs from a final utterance: the caller's turn (agent lines
    /// are not caller turns) and any amount either side named.
    fn keep_utterance(&mut self, u: &Utterance, at: Timestamp) {
        for amount in amounts_in(&u.text) {
            if self.amounts.len() >= MAX_AMOUNTS {
                break;
            }
            if !self.amounts.contains(&amount) {
                self.amounts.push(amount);
            }
        }
        if u.speaker != Speaker::Customer || u.text.trim().is_empty() {
            return;
        }
        let language = u
            .language
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| cut_chars(l, ID_MAX_CHARS));
        if language.is_some() {
            self.language.clone_from(&language);
        }
        let turn = Turn {
            utterance_id: cut_chars(&u.utterance_id, ID_MAX_CHARS),
            at,
            text: cut_chars(u.text.trim(), TURN_MAX_CHARS),
            language,
        };
        if self.opening_turns.len() < OPENING_TURNS {
            self.opening_turns.push(turn);
        } else {
            if self.recent_turns.len() >= RECENT_TURNS {
                self.recent_turns.remove(0);
            }
            self.recent_turns.push(turn);
        }
    }

    /// The caller's kept turns in call order: the opening ones, then the latest ones (a
    /// gap between them when the call was longer than both).
    pub fn caller_turns(&self) -> impl Iterator<Item = &Turn> {
        self.opening_turns.iter().chain(&self.recent_turns)
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

    /// The longest hold on the call as of `now`, counting one still under way.
    pub fn longest_hold_ms_at(&self, now: Timestamp) -> Option<u64> {
        let ongoing = self
            .hold_started_at
            .and_then(|s| u64::try_from(now.as_millisecond() - s.as_millisecond()).ok());
        match (self.longest_hold_ms, ongoing) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// `text` cut to at most `max` characters, the last one an ellipsis when cut.
pub fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Money amounts in `text`, verbatim: "$1,250.00", "£80", "600 dollars", "50 euros",
/// "300 pesos", "200 dólares".
pub fn amounts_in(text: &str) -> Vec<String> {
    static AMOUNT: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = AMOUNT
        .get_or_init(|| {
            Regex::new(
                r"(?i)(?:[$£€]\s?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|[$£€]\s?\d+(?:[.,]\d{1,2})?)|(?:\b\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\b\d+(?:[.,]\d{1,2})?)\s?(?:dollars?|d[oó]lares|bucks|usd|pounds?|quid|gbp|euros?|eur|pesos?)\b",
            )
            .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    re.find_iter(text)
        .map(|m| cut_chars(m.as_str().trim(), AMOUNT_MAX_CHARS))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use escalator_adapters::Vendor;

    fn event(n: i64, kind: EventKind) -> CallEvent {
        CallEvent {
            vendor: Vendor::Standard,
            call_id: "c1".into(),
            event_id: format!("e{n}"),
            occurred_at: Timestamp::from_second(1_780_000_000 + n).unwrap(),
            caller: Caller::default(),
            refs: Default::default(),
            kind,
        }
    }

    fn said(n: i64, speaker: Speaker, text: &str, is_final: bool) -> CallEvent {
        event(
            n,
            EventKind::Utterance(Utterance {
                utterance_id: format!("u{n}"),
                speaker,
                text: text.into(),
                is_final,
                confidence: None,
                language: Some("en-US".into()),
            }),
        )
    }

    #[test]
    fn keeps_caller_final_turns_not_agent_lines_or_partials() {
        let mut s = CallSession::default();
        s.apply(&said(
            1,
            Speaker::Customer,
            "Hi, I'm calling about my bill",
            true,
        ));
        s.apply(&said(
            2,
            Speaker::Agent,
            "Sure, I can help with your bill",
            true,
        ));
        s.apply(&said(3, Speaker::Customer, "there's a charge I do", false));
        s.apply(&said(
            4,
            Speaker::Customer,
            "there's a charge I don't know",
            true,
        ));
        s.apply(&said(5, Speaker::Unknown, "please hold", true));
        let turns: Vec<(&str, &str)> = s
            .caller_turns()
            .map(|t| (t.utterance_id.as_str(), t.text.as_str()))
            .collect();
        assert_eq!(
            turns,
            vec![
                ("u1", "Hi, I'm calling about my bill"),
                ("u4", "there's a charge I don't know")
            ]
        );
        assert_eq!(s.language.as_deref(), Some("en-US"));
        assert_eq!(
            s.opening_turns[1].at,
            Timestamp::from_second(1_780_000_004).unwrap()
        );
    }

    #[test]
    fn a_long_call_keeps_the_opening_and_the_latest_turns_only() {
        let mut s = CallSession::default();
        for n in 0..200 {
            s.apply(&said(
                n,
                Speaker::Customer,
                &format!("turn number {n}"),
                true,
            ));
        }
        let ids: Vec<&str> = s.caller_turns().map(|t| t.utterance_id.as_str()).collect();
        let mut expected: Vec<String> = (0..4).map(|n| format!("u{n}")).collect();
        expected.extend((192..200).map(|n| format!("u{n}")));
        assert_eq!(ids, expected);
        let stored = serde_json::to_string(&s).unwrap();
        assert!(stored.len() < 2_000, "{} bytes", stored.len());
    }

    #[test]
    fn a_very_long_turn_is_cut_with_an_ellipsis() {
        let mut s = CallSession::default();
        let long = "word ".repeat(500);
        s.apply(&said(1, Speaker::Customer, &long, true));
        let t = &s.opening_turns[0];
        assert_eq!(t.text.chars().count(), TURN_MAX_CHARS);
        assert!(t.text.ends_with('…'));
    }

    #[test]
    fn amounts_are_kept_verbatim_distinct_and_few() {
        let mut s = CallSession::default();
        s.apply(&said(
            1,
            Speaker::Customer,
            "You charged me $1,250.00 and 600 dollars",
            true,
        ));
        s.apply(&said(
            2,
            Speaker::Agent,
            "I see the $1,250.00 charge and a £80 fee",
            true,
        ));
        s.apply(&said(
            3,
            Speaker::Customer,
            "me cobraron 200 dólares y 50 euros",
            true,
        ));
        s.apply(&said(4, Speaker::Customer, "and $5 and $6 and $7", true));
        assert_eq!(
            s.amounts,
            vec!["$1,250.00", "600 dollars", "£80", "200 dólares", "50 euros"]
        );
        assert!(amounts_in("my account 88213 since 2019").is_empty());
    }

    #[test]
    fn the_longest_hold_and_the_agent_are_kept() {
        let mut s = CallSession::default();
        s.apply(&event(
            1,
            EventKind::AgentConnected {
                agent_id: Some("agent-7".into()),
            },
        ));
        s.apply(&event(2, EventKind::HoldStarted));
        s.apply(&event(302, EventKind::HoldEnded { held_ms: None }));
        s.apply(&event(
            400,
            EventKind::HoldEnded {
                held_ms: Some(60_000),
            },
        ));
        assert_eq!(s.longest_hold_ms, Some(300_000));
        assert_eq!(s.agent_id.as_deref(), Some("agent-7"));
        s.apply(&event(500, EventKind::HoldStarted));
        let later = Timestamp::from_second(1_780_000_000 + 1_400).unwrap();
        assert_eq!(s.longest_hold_ms_at(later), Some(900_000));
    }
}

#[cfg(test)]
mod verified_tests {
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

#[cfg(test)]
mod decision_tests {
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
