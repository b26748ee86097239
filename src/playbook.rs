//! The playbook seam: given a call's state and its next event, decide whether to escalate,
//! to whom, and why (with the caller's own words).
//!
//! `MinimalPlaybook` closes the loop for the foundation: hard-stop phrases (legal threat,
//! regulator, media, self-harm, fraud) go to their specialist team, a request for a manager
//! to the supervisor tier, an agent's request for help to the supervisor tier. The full
//! engine (sentiment, authority limits, HEARD, phrase packs from a file) replaces it behind
//! the same `Playbook` trait.

use std::fmt;

use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance};
use jiff::Timestamp;
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

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
            TriggerKind::AgentRequest => "agent_request",
        }
    }

    pub fn is_hard_stop(self) -> bool {
        !matches!(
            self,
            TriggerKind::SupervisorRequest | TriggerKind::AgentRequest
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
            TriggerKind::SupervisorRequest => 20,
            TriggerKind::AgentRequest => 10,
        }
    }

    pub fn team(self) -> &'static str {
        match self {
            TriggerKind::LegalThreat => "legal",
            TriggerKind::RegulatorMention => "compliance",
            TriggerKind::MediaMention => "communications",
            TriggerKind::SelfHarm => "welfare",
            TriggerKind::Fraud => "fraud",
            TriggerKind::SupervisorRequest | TriggerKind::AgentRequest => "supervisor",
        }
    }

    pub fn tier(self) -> Tier {
        if self.is_hard_stop() {
            Tier::Specialist
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
    /// The words that matched, verbatim from the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<String>,
    /// The whole utterance (or the agent's stated reason), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utterance_id: Option<String>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub tier: Tier,
    pub team: String,
    /// Every trigger that fired on this event, strongest first.
    pub triggers: Vec<FiredTrigger>,
}

impl Decision {
    pub fn primary(&self) -> &FiredTrigger {
        // A decision is only built from a non-empty trigger list.
        &self.triggers[0]
    }

    pub fn rank(&self) -> u8 {
        self.primary().kind.rank()
    }

    /// True when callers must not be parked on hold or in a queue (self-harm protocol).
    pub fn forbids_hold(&self) -> bool {
        self.triggers
            .iter()
            .any(|t| t.kind == TriggerKind::SelfHarm)
    }
}

pub trait Playbook: Send + Sync {
    fn decide(&self, session: &CallSession, event: &CallEvent) -> Option<Decision>;
}

/// Phrase rules: `(rule id, trigger, pattern)`. Patterns run on lower-cased text with
/// typographic apostrophes folded, and use word boundaries so `sue` never matches `issue`.
const RULES: &[(&str, TriggerKind, &str)] = &[
    (
        "legal.sue",
        TriggerKind::LegalThreat,
        r"\b(sue|suing|sued)\b",
    ),
    (
        "legal.lawsuit",
        TriggerKind::LegalThreat,
        r"\blaw ?suits?\b",
    ),
    (
        "legal.action",
        TriggerKind::LegalThreat,
        r"\blegal action\b",
    ),
    (
        "legal.my_lawyer",
        TriggerKind::LegalThreat,
        r"\bmy (lawyer|attorney|solicitor|legal team|legal counsel)s?\b",
    ),
    (
        "legal.court",
        TriggerKind::LegalThreat,
        r"\b(take|taking) (you|this|it|them) to (small claims )?court\b|\bsee you in court\b|\bsmall claims\b",
    ),
    (
        "legal.class_action",
        TriggerKind::LegalThreat,
        r"\bclass action\b",
    ),
    (
        "legal.cease_desist",
        TriggerKind::LegalThreat,
        r"\bcease and desist\b",
    ),
    (
        "legal.es",
        TriggerKind::LegalThreat,
        r"\b(demandar(los|les|te)?|demanda|mi abogad[oa])\b",
    ),
    (
        "regulator.agency",
        TriggerKind::RegulatorMention,
        r"\b(cfpb|ftc|fcc|bbb|ofcom|ofgem|fca|trading standards|better business bureau|attorney general|ombudsman|regulator|profeco)\b",
    ),
    (
        "regulator.report",
        TriggerKind::RegulatorMention,
        r"\b(report|reporting) (you|this|your company) to\b|\bformal complaint\b|\bfile an? (official )?complaint with\b",
    ),
    (
        "media.press",
        TriggerKind::MediaMention,
        r"\b(go|going|went) to the (press|media|news|papers|newspapers)\b|\b(journalist|reporter)\b|\bgo(ing)? viral\b",
    ),
    (
        "media.social",
        TriggerKind::MediaMention,
        r"\b(post|posting|put|putting|share|sharing) (this|it|about (this|you)) (on|all over) (social media|twitter|x|facebook|tiktok|instagram|youtube|reddit)\b",
    ),
    (
        "media.review",
        TriggerKind::MediaMention,
        r"\b(bad|negative|one star|1 star|terrible) reviews?\b|\b(trustpilot|yelp)\b",
    ),
    (
        "self_harm.kill",
        TriggerKind::SelfHarm,
        r"\b(kill|hurt|harm) myself\b|\bend (it all|my life)\b|\bsuicid(e|al)\b",
    ),
    (
        "self_harm.cant_go_on",
        TriggerKind::SelfHarm,
        r"\b(can't|cant|cannot|can not) go on\b|\bdon't want to (be here|live|be alive) any ?more\b|\bbetter off without me\b|\bno point (in )?living\b",
    ),
    (
        "self_harm.es",
        TriggerKind::SelfHarm,
        r"\b(quitarme la vida|no quiero vivir|matarme)\b",
    ),
    (
        "fraud.unauthorized",
        TriggerKind::Fraud,
        r"\bunauthori[sz]ed (transaction|charge|payment|transfer|withdrawal)s?\b|\b(didn't|did not|never) (make|authori[sz]e) (this|that|these|those|the) (charge|payment|transaction|transfer|purchase)s?\b",
    ),
    (
        "fraud.identity",
        TriggerKind::Fraud,
        r"\bidentity theft\b|\bstole my identity\b|\bsomeone (used|is using) my (card|account|identity)\b|\bmy (card|account) (was|has been|got) (hacked|stolen|compromised)\b",
    ),
    (
        "fraud.scam",
        TriggerKind::Fraud,
        r"\b(i've|i have|i've been|i was|i got) (been )?scammed\b|\bsafe account\b|\b(me robaron|fraude en mi cuenta)\b",
    ),
    (
        "supervisor.ask",
        TriggerKind::SupervisorRequest,
        r"\b(speak|talk) (to|with) (a|your|the|someone's) (manager|supervisor|boss)\b|\b(get|put|give) me (a|your|the) (manager|supervisor)\b|\bsomeone more senior\b|\b(hablar con|quiero) (un|el|su|al) (supervisor|gerente)\b",
    ),
];

/// Words that, just before a phrase in the same clause, disavow it ("I'm not going to sue").
const NEGATORS: &[&str] = &[
    "not", "never", "no", "don't", "dont", "won't", "wont", "wouldn't", "isn't", "ain't", "nunca",
];

pub struct MinimalPlaybook {
    set: RegexSet,
    rules: Vec<(&'static str, TriggerKind, Regex)>,
}

impl MinimalPlaybook {
    pub fn new() -> Self {
        let set = RegexSet::new(RULES.iter().map(|(_, _, p)| *p))
            .expect("built-in playbook patterns are valid"); // proven by the unit tests
        let rules = RULES
            .iter()
            .map(|(id, kind, p)| {
                let re = Regex::new(p).expect("built-in playbook patterns are valid");
                (*id, *kind, re)
            })
            .collect();
        Self { set, rules }
    }

    /// Every trigger the utterance fires, in rule order (no ranking, no once-per-call).
    pub fn match_utterance(&self, utterance: &Utterance, at: Timestamp) -> Vec<FiredTrigger> {
        let text = Normalized::new(&utterance.text);
        let mut fired: Vec<FiredTrigger> = Vec::new();
        for index in self.set.matches(&text.lower).iter() {
            let (rule_id, kind, re) = &self.rules[index];
            if fired.iter().any(|f| f.kind == *kind) {
                continue;
            }
            let hit = re
                .find_iter(&text.lower)
                .find(|m| !is_negated(&text.lower[..m.start()]));
            if let Some(m) = hit {
                fired.push(FiredTrigger {
                    kind: *kind,
                    rule_id: (*rule_id).to_string(),
                    span: Some(text.original_span(m.start(), m.end()).to_string()),
                    quote: Some(utterance.text.clone()),
                    utterance_id: Some(utterance.utterance_id.clone()),
                    at,
                });
            }
        }
        fired
    }
}

impl Default for MinimalPlaybook {
    fn default() -> Self {
        Self::new()
    }
}

impl Playbook for MinimalPlaybook {
    fn decide(&self, session: &CallSession, event: &CallEvent) -> Option<Decision> {
        let mut triggers = match &event.kind {
            // Partials are revised; only a final utterance of the customer can fire.
            EventKind::Utterance(u) if u.is_final && u.speaker == Speaker::Customer => {
                self.match_utterance(u, event.occurred_at)
            }
            EventKind::EscalationRequested { reason } => vec![FiredTrigger {
                kind: TriggerKind::AgentRequest,
                rule_id: "agent.request".into(),
                span: None,
                quote: reason.clone(),
                utterance_id: None,
                at: event.occurred_at,
            }],
            _ => return None,
        };
        triggers.retain(|t| !session.fired.contains(t.kind.as_str()));
        triggers.sort_by_key(|t| std::cmp::Reverse(t.kind.rank()));
        let primary = triggers.first()?.kind;
        // An open escalation is only superseded by a stronger trigger.
        if let Some(open) = &session.escalation {
            if open.rank >= primary.rank() {
                return None;
            }
        }
        Some(Decision {
            tier: primary.tier(),
            team: primary.team().to_string(),
            triggers,
        })
    }
}

/// Lower-cased text with apostrophes folded, remembering where each byte came from so the
/// verbatim span can be cut from the original.
struct Normalized<'a> {
    original: &'a str,
    lower: String,
    origin: Vec<usize>,
}

impl<'a> Normalized<'a> {
    fn new(original: &'a str) -> Self {
        let mut lower = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        for (i, c) in original.char_indices() {
            let folded = match c {
                '\u{2018}' | '\u{2019}' | '`' | '\u{b4}' => '\'',
                c => c,
            };
            for l in folded.to_lowercase() {
                let before = lower.len();
                lower.push(l);
                origin.extend(std::iter::repeat(i).take(lower.len() - before));
            }
        }
        Self {
            original,
            lower,
            origin,
        }
    }

    fn original_span(&self, start: usize, end: usize) -> &'a str {
        let from = self.origin.get(start).copied().unwrap_or(0);
        let to = self.origin.get(end).copied().unwrap_or(self.original.len());
        self.original.get(from..to).unwrap_or(self.original)
    }
}

/// Looks for a negator among the last few words of the clause before a match.
fn is_negated(before: &str) -> bool {
    let clause = before
        .rsplit(['.', ',', ';', '!', '?'])
        .next()
        .unwrap_or(before);
    let clause = clause.rsplit(" but ").next().unwrap_or(clause);
    clause
        .split_whitespace()
        .rev()
        .take(4)
        .any(|w| NEGATORS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use escalator_adapters::{Caller, Vendor};
    use std::collections::BTreeMap;

    fn utterance(text: &str, speaker: Speaker, is_final: bool) -> CallEvent {
        CallEvent {
            vendor: Vendor::Genesys,
            call_id: "c1".into(),
            event_id: "e1".into(),
            occurred_at: Timestamp::UNIX_EPOCH,
            caller: Caller::default(),
            refs: BTreeMap::new(),
            kind: EventKind::Utterance(Utterance {
                utterance_id: "u1".into(),
                speaker,
                text: text.into(),
                is_final,
                confidence: None,
                language: None,
            }),
        }
    }

    fn decide(text: &str) -> Option<Decision> {
        MinimalPlaybook::new().decide(
            &CallSession::default(),
            &utterance(text, Speaker::Customer, true),
        )
    }

    #[test]
    fn hard_stops_route_to_their_team_with_the_verbatim_span() {
        let d = decide("If this isn’t fixed I’m going to SUE you.").unwrap();
        assert_eq!(d.team, "legal");
        assert_eq!(d.tier, Tier::Specialist);
        assert_eq!(d.primary().span.as_deref(), Some("SUE"));
        assert_eq!(
            d.primary().quote.as_deref(),
            Some("If this isn’t fixed I’m going to SUE you.")
        );
        assert_eq!(
            decide("I'm reporting you to the CFPB").unwrap().team,
            "compliance"
        );
        assert_eq!(decide("i just cant go on anymore").unwrap().team, "welfare");
        assert_eq!(
            decide("someone used my card and I didn't make these purchases")
                .unwrap()
                .team,
            "fraud"
        );
        assert_eq!(
            decide("I'm going to the press with this").unwrap().team,
            "communications"
        );
        assert_eq!(
            decide("let me speak to a manager").unwrap().team,
            "supervisor"
        );
    }

    #[test]
    fn hard_stop_beats_supervisor_request_and_safety_comes_first() {
        let d = decide("get me a manager or I will sue").unwrap();
        assert_eq!(d.team, "legal");
        assert_eq!(d.triggers.len(), 2);
        let d = decide("I'll sue you, I don't want to live anymore").unwrap();
        assert_eq!(d.team, "welfare");
        assert!(d.forbids_hold());
    }

    #[test]
    fn traps_do_not_fire() {
        for text in [
            "I have an issue with my bill",
            "thanks for the courtesy call",
            "I'm not going to sue, I just want it fixed",
            "my brother is a lawyer",
            "I have power of attorney for my mother",
            "I want a fraud alert on my card",
            "press 1 for billing",
            "this hold music is killing me",
        ] {
            assert!(decide(text).is_none(), "{text}");
        }
    }

    #[test]
    fn only_final_customer_speech_fires() {
        let p = MinimalPlaybook::new();
        let s = CallSession::default();
        assert!(p
            .decide(&s, &utterance("I will sue you", Speaker::Agent, true))
            .is_none());
        assert!(p
            .decide(&s, &utterance("I will sue you", Speaker::Customer, false))
            .is_none());
        assert!(p
            .decide(&s, &utterance("I will sue you", Speaker::Unknown, true))
            .is_none());
    }

    #[test]
    fn a_trigger_fires_once_per_call_and_only_stronger_ones_supersede() {
        let p = MinimalPlaybook::new();
        let mut s = CallSession::default();
        s.fired.insert("legal_threat".into());
        assert!(p
            .decide(&s, &utterance("I will sue you", Speaker::Customer, true))
            .is_none());
        s.escalation = Some(crate::session::OpenEscalation {
            id: "x".into(),
            reference: "r".into(),
            team: "legal".into(),
            tier: Tier::Specialist,
            rank: TriggerKind::LegalThreat.rank(),
        });
        assert!(p
            .decide(&s, &utterance("get me a manager", Speaker::Customer, true))
            .is_none());
        let d = p
            .decide(
                &s,
                &utterance("I want to kill myself", Speaker::Customer, true),
            )
            .unwrap();
        assert_eq!(d.team, "welfare");
    }
}
