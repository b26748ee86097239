//! The compiled playbook and its decisions.

mod hold;
mod semantic;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance};
use regex::Regex;
use serde::Serialize;

use super::file::{self, CategoryKind, PlaybookError, PlaybookFile, SpeakerFilter};
use super::matcher::{Hit, Matcher};
use super::numbers;
use super::text::{fold, Normalized};
use super::{Decision, DecisionMode, FiredTrigger, Playbook, Tier, TriggerKind};
use crate::config::TeamConfig;
use crate::semantic::SemanticPolicy;
use crate::session::{CallSession, PartialHit};

pub use semantic::{SemanticDecision, SemanticTurn};

pub struct Engine {
    file: PlaybookFile,
    /// The service config's teams overlaid with the playbook's own.
    teams: BTreeMap<String, TeamConfig>,
    matcher: Matcher,
    /// The `[semantic]` policy, when the file has one.
    semantic: Option<SemanticPolicy>,
    /// Where it was loaded from, for logs.
    pub source: String,
}

/// What `classify` reports for one utterance, without any call context.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// Escalating categories that fired (hard-stops and tier triggers).
    pub categories: Vec<String>,
    /// Evidence categories (anger, refund request) that fired.
    pub signals: Vec<String>,
    pub tier: Tier,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub category: String,
    pub rule_id: String,
    pub span: String,
}

const SUPERVISOR: &str = "supervisor";
const SELF_HARM: &str = "self_harm";

impl Engine {
    /// The built-in playbook.
    pub fn builtin() -> Result<Self, PlaybookError> {
        Self::from_text(file::DEFAULT_NAME, file::DEFAULT_PLAYBOOK)
    }

    pub fn load(path: &std::path::Path) -> Result<Self, PlaybookError> {
        let (name, text) = file::read(path)?;
        Self::from_text(&name, &text)
    }

    pub fn from_text(name: &str, text: &str) -> Result<Self, PlaybookError> {
        let parsed = file::parse(name, text)?;
        validate(&parsed, name, text)?;
        let semantic = semantic::compile(&parsed, name, text)?;
        let matcher = Matcher::compile(&parsed, name, text)?;
        Ok(Self {
            teams: parsed.teams.clone(),
            file: parsed,
            matcher,
            semantic,
            source: name.to_string(),
        })
    }

    /// Fills in the teams the playbook file does not define from `base` (the service
    /// config's `[teams]`).
    pub fn with_base_teams(mut self, base: &BTreeMap<String, TeamConfig>) -> Self {
        for (name, team) in base {
            self.teams
                .entry(name.clone())
                .or_insert_with(|| team.clone());
        }
        self
    }

    /// Where `name` is on each platform.
    pub fn team(&self, name: &str) -> Option<&TeamConfig> {
        self.teams.get(name)
    }

    pub fn thresholds(&self) -> &file::Thresholds {
        &self.file.thresholds
    }

    /// The `[review]` rates per escalation kind (percent), validated.
    pub fn review_rates(&self) -> &BTreeMap<String, i64> {
        &self.file.review
    }

    /// The `[semantic]` policy; `None`: semantic scores decide nothing.
    pub fn semantic(&self) -> Option<&SemanticPolicy> {
        self.semantic.as_ref()
    }

    /// Classifies one utterance on its own (no call state): which categories fire.
    pub fn classify(&self, text: &str, speaker: Speaker) -> Classification {
        let filter = match speaker {
            Speaker::Agent => SpeakerFilter::Agent,
            _ => SpeakerFilter::Customer,
        };
        let normalized = Normalized::new(text);
        let hits = if speaker == Speaker::Unknown {
            Vec::new()
        } else {
            self.matcher.hits(&normalized, filter)
        };
        let mut tier = Tier::Agent;
        let mut categories = Vec::new();
        let mut signals = Vec::new();
        for h in &hits {
            match h.category.kind {
                CategoryKind::HardStop => {
                    tier = Tier::Specialist;
                    categories.push(h.category.name.clone());
                }
                CategoryKind::Tier => {
                    if tier != Tier::Specialist {
                        tier = Tier::Supervisor;
                    }
                    categories.push(h.category.name.clone());
                }
                CategoryKind::Signal => signals.push(h.category.name.clone()),
            }
        }
        Classification {
            categories,
            signals,
            tier,
            evidence: hits
                .iter()
                .map(|h| Evidence {
                    category: h.category.name.clone(),
                    rule_id: h.rule_id.clone(),
                    span: h.span.clone(),
                })
                .collect(),
        }
    }

    /// The crisis line for a caller on `number` (by country code), else the default.
    pub fn crisis_line(&self, number: Option<&str>) -> Option<String> {
        let lines = &self.file.crisis_lines;
        let digits = number.and_then(|n| n.strip_prefix('+')).unwrap_or("");
        (1..=3)
            .rev()
            .filter_map(|len| digits.get(..len))
            .find_map(|code| lines.get(code))
            .or_else(|| lines.get("default"))
            .cloned()
    }

    fn utterance_triggers(
        &self,
        session: &mut CallSession,
        u: &Utterance,
        event: &CallEvent,
        scored: bool,
        hold: bool,
    ) -> Vec<FiredTrigger> {
        let speaker = match u.speaker {
            Speaker::Customer => SpeakerFilter::Customer,
            Speaker::Agent => SpeakerFilter::Agent,
            Speaker::Unknown => return Vec::new(),
        };
        let normalized = Normalized::new(&u.text);
        let hits = self.matcher.hits(&normalized, speaker);
        let fired =
            |kind: TriggerKind, team: &str, hit: Option<&Hit<'_>>, rule: &str| FiredTrigger {
                kind,
                rule_id: hit
                    .map(|h| h.rule_id.clone())
                    .unwrap_or_else(|| rule.to_string()),
                team: team.to_string(),
                span: hit.map(|h| h.span.clone()),
                quote: Some(u.text.clone()),
                utterance_id: Some(u.utterance_id.clone()),
                at: event.occurred_at,
                semantic: None,
            };
        let mut triggers = Vec::new();
        for h in &hits {
            if h.category.kind == CategoryKind::Signal {
                continue;
            }
            if h.category.name == "policy_exception" && self.file.authority.agent_policy_exceptions
            {
                continue;
            }
            if hold && self.held(&h.category.name) {
                // Its score confirms the phrase or turns it into a review
                // (`decide_semantic`), or the rules decide alone if no score comes
                // (`decide_unscored`).
                continue;
            }
            if let Some(kind) = TriggerKind::from_category(&h.category.name) {
                let team = h.category.team.as_deref().unwrap_or(SUPERVISOR);
                triggers.push(fired(kind, team, Some(h), ""));
            }
        }
        // A money amount above the agent's limit, asked for by the caller or offered by
        // the agent.
        let refund_hit = hits.iter().find(|h| h.category.name == "refund_request");
        let text = &normalized.text;
        // "credit card" is a means of payment, not a credit being granted.
        let credit = text.replace("credit card", "").contains("credit")
            || ["abono", "bonificacion", "saldo a favor"]
                .iter()
                .any(|w| text.contains(w));
        let refund = ["refund", "reembols", "devolucion", "devolverle"]
            .iter()
            .any(|w| text.contains(w));
        let money_words =
            refund_hit.is_some() || (speaker == SpeakerFilter::Agent && (refund || credit));
        // Who may grant what: the agent up to its limits; after an answered transfer, the
        // supervisor or specialist holding the call up to theirs (no limit when unset).
        let holder = matches!(session.held_by, Some(Tier::Supervisor | Tier::Specialist));
        let agent_side = speaker == SpeakerFilter::Agent;
        if agent_side && (holder || hits.iter().any(|h| h.category.name == "agent_decline")) {
            // Declining ("I'm not able to refund that myself") is the agent keeping within
            // its authority; whoever holds the call after a transfer may grant it.
            triggers.retain(|t| t.kind != TriggerKind::OverPromise);
        }
        let declined = agent_side && hits.iter().any(|h| h.category.name == "agent_decline");
        if money_words && !declined {
            if let Some(amount) = largest_amount(&u.text) {
                let limit = if agent_side && holder {
                    self.file
                        .authority
                        .supervisor_refund_limit
                        .unwrap_or(f64::INFINITY)
                } else if credit && !refund {
                    self.file.authority.agent_credit_limit
                } else {
                    self.file.authority.agent_refund_limit
                };
                if amount > limit {
                    let kind = match speaker {
                        SpeakerFilter::Customer => TriggerKind::AuthorityRequest,
                        SpeakerFilter::Agent => TriggerKind::OverPromise,
                    };
                    if !triggers.iter().any(|t| t.kind == kind) {
                        triggers.push(fired(kind, SUPERVISOR, refund_hit, "authority.amount"));
                    }
                }
            }
        }

        // Anger: the caller's words first (angry words are anger whatever a score says),
        // else the platform's sentiment if it was measured recently enough to describe
        // this turn, else the semantic layer's score or calm.
        if speaker == SpeakerFilter::Customer {
            let anger_hit = hits.iter().find(|h| h.category.name == "anger");
            let fresh = self.fresh_sentiment(session, event.occurred_at);
            let angry = match fresh {
                _ if anger_hit.is_some() => Some(true),
                Some(score) => Some(score <= self.file.thresholds.negative_sentiment),
                // The semantic layer scores this turn's anger from the words when its
                // score arrives; counting it calm now would reset the count first.
                None if scored && self.semantic.as_ref().is_some_and(|p| p.scores_anger()) => None,
                None => Some(false),
            };
            match angry.and_then(|angry| self.anger_step(session, angry)) {
                Some(TriggerKind::Anger) => {
                    triggers.push(fired(
                        TriggerKind::Anger,
                        "agent",
                        anger_hit,
                        "anger.sentiment",
                    ));
                }
                Some(kind) => triggers.push(fired(kind, SUPERVISOR, anger_hit, "anger.sustained")),
                None => {}
            }
        }
        triggers
    }

    /// One customer turn's anger: HEARD guidance first (`Anger`), then `SustainedAnger`
    /// once it has not fallen for `anger_turns` turns; a calm turn starts the count again.
    fn anger_step(&self, session: &mut CallSession, angry: bool) -> Option<TriggerKind> {
        if !angry {
            if session.anger.heard_given {
                // The anger fell: HEARD worked, start counting again.
                session.anger.angry_turns = 0;
            }
            return None;
        }
        if !session.anger.heard_given {
            return Some(TriggerKind::Anger);
        }
        session.anger.angry_turns += 1;
        (session.anger.angry_turns >= self.file.thresholds.anger_turns)
            .then_some(TriggerKind::SustainedAnger)
    }

    /// An agent's label ("Escalated - Legal", a "fraud" tag) that names a category: the
    /// strongest such category, with the label verbatim as the quote.
    fn label_trigger(&self, label: Option<&str>, event: &CallEvent) -> Option<FiredTrigger> {
        let label = label?;
        let folded = Normalized::new(label).text;
        self.matcher
            .categories
            .iter()
            .filter_map(|c| {
                let kind = TriggerKind::from_category(&c.name)?;
                let word = c.label_match(&folded)?;
                Some((kind, c, word.to_string()))
            })
            .max_by_key(|(kind, _, _)| kind.rank())
            .map(|(kind, c, word)| FiredTrigger {
                kind,
                rule_id: format!("{}.label", c.name),
                team: c.team.clone().unwrap_or_else(|| SUPERVISOR.to_string()),
                span: Some(word),
                quote: Some(label.to_string()),
                utterance_id: None,
                at: event.occurred_at,
                semantic: None,
            })
    }

    fn event_trigger(&self, session: &CallSession, event: &CallEvent) -> Option<FiredTrigger> {
        let t = |kind: TriggerKind, rule: &str, quote: Option<String>| FiredTrigger {
            kind,
            rule_id: rule.to_string(),
            team: SUPERVISOR.to_string(),
            span: None,
            quote,
            utterance_id: None,
            at: event.occurred_at,
            semantic: None,
        };
        match &event.kind {
            EventKind::EscalationRequested { reason } => Some(
                self.label_trigger(reason.as_deref(), event)
                    .unwrap_or_else(|| {
                        t(TriggerKind::AgentRequest, "agent.request", reason.clone())
                    }),
            ),
            EventKind::AgentConnected { .. }
                if session.prior_calls >= self.file.thresholds.repeat_contact_calls =>
            {
                Some(t(
                    TriggerKind::RepeatContact,
                    "contact.repeat",
                    Some(format!(
                        "{} earlier calls within {} hours",
                        session.prior_calls, self.file.thresholds.repeat_contact_hours
                    )),
                ))
            }
            _ => self.long_hold_trigger(session, event.occurred_at),
        }
    }
}

impl Playbook for Engine {
    fn decide(&self, session: &mut CallSession, event: &CallEvent) -> Option<Decision> {
        self.decide_scored(session, event, false)
    }
}

impl Engine {
    /// [`Playbook::decide`]; `scored`: the semantic layer will score this utterance later
    /// (it is queued), so a turn the words alone do not call angry is left for its score.
    ///
    /// A queued utterance's phrases of a category with a `[semantic]` `veto` wait for the
    /// score: they are decided with it.
    pub fn decide_scored(
        &self,
        session: &mut CallSession,
        event: &CallEvent,
        scored: bool,
    ) -> Option<Decision> {
        self.decide_utterance(session, event, scored, scored)
    }

    /// [`Engine::decide_scored`] where the answer cannot wait for a score (the routing
    /// hook): every phrase decides now, whether the utterance is queued or not.
    pub fn decide_now(
        &self,
        session: &mut CallSession,
        event: &CallEvent,
        scored: bool,
    ) -> Option<Decision> {
        self.decide_utterance(session, event, scored, false)
    }

    fn decide_utterance(
        &self,
        session: &mut CallSession,
        event: &CallEvent,
        scored: bool,
        hold: bool,
    ) -> Option<Decision> {
        let triggers = match &event.kind {
            // Partials are revised; only final utterances fire.
            EventKind::Utterance(u) if u.is_final => {
                self.utterance_triggers(session, u, event, scored, hold)
            }
            EventKind::Utterance(u) => {
                self.note_partial(session, u, event);
                return None;
            }
            EventKind::CallEnded { .. } if self.partial_at_risk(session) => {
                return self.partial_review(session);
            }
            _ => self.event_trigger(session, event).into_iter().collect(),
        };
        self.conclude(session, triggers)
    }

    /// Remembers a self-harm phrase in a caller's partial transcript (it never acts: the
    /// final may say otherwise).
    fn note_partial(&self, session: &mut CallSession, u: &Utterance, event: &CallEvent) {
        if u.speaker != Speaker::Customer || session.fired.contains(SELF_HARM) {
            return;
        }
        let normalized = Normalized::new(&u.text);
        let hits = self.matcher.hits(&normalized, SpeakerFilter::Customer);
        if let Some(hit) = hits.iter().find(|h| h.category.name == SELF_HARM) {
            session.partial_self_harm = Some(PartialHit {
                rule_id: hit.rule_id.clone(),
                quote: u.text.clone(),
                utterance_id: u.utterance_id.clone(),
                at: event.occurred_at,
            });
        }
    }

    fn partial_at_risk(&self, session: &CallSession) -> bool {
        session.partial_self_harm.is_some() && !session.fired.contains(SELF_HARM)
    }

    /// The review left when a self-harm phrase was heard only in a partial and the call
    /// ended before it fired on a final: the caller may be at risk and nobody was brought
    /// in, so a person must look at it.
    fn partial_review(&self, session: &mut CallSession) -> Option<Decision> {
        let hit = session.partial_self_harm.take()?;
        let team = self
            .file
            .categories
            .get(SELF_HARM)
            .and_then(|c| c.team.clone())
            .unwrap_or_else(|| SUPERVISOR.to_string());
        Some(Decision {
            tier: Tier::Specialist,
            team: team.clone(),
            triggers: vec![FiredTrigger {
                kind: TriggerKind::SelfHarm,
                rule_id: format!("{}.partial", hit.rule_id),
                team,
                span: None,
                quote: Some(hit.quote),
                utterance_id: Some(hit.utterance_id),
                at: hit.at,
                semantic: None,
            }],
            guidance: None,
            crisis_line: self.crisis_line(session.caller.number.as_deref()),
            mode: DecisionMode::Review,
            secondary: Vec::new(),
        })
    }

    /// Whether a phrase of `category` waits for the utterance's score.
    fn held(&self, category: &str) -> bool {
        self.semantic.as_ref().is_some_and(|p| p.vetoes(category))
    }

    /// The decision on the triggers one event (or one semantic score) fired: those already
    /// fired on the call are dropped, the strongest leads, anger first gets HEARD guidance,
    /// and an open escalation is superseded only by a stronger trigger.
    fn conclude(
        &self,
        session: &mut CallSession,
        mut triggers: Vec<FiredTrigger>,
    ) -> Option<Decision> {
        triggers.retain(|t| !session.fired.contains(t.kind.as_str()));
        triggers.sort_by_key(|t| std::cmp::Reverse(t.kind.rank()));
        let primary = triggers.first()?.clone();
        if primary.kind == TriggerKind::Anger {
            // HEARD first: guidance only, and the turns start counting.
            session.anger.heard_given = true;
            session.anger.angry_turns = 0;
            return Some(guidance(primary, self.file.guidance.heard.clone()));
        }
        if primary.kind == TriggerKind::RepeatContact {
            // Flagged for the agent, not escalated: the caller is owned, not passed on.
            let text = self
                .file
                .guidance
                .repeat_contact
                .replace("{calls}", &session.prior_calls.to_string())
                .replace(
                    "{hours}",
                    &self.file.thresholds.repeat_contact_hours.to_string(),
                );
            return Some(guidance(primary, text));
        }
        triggers.retain(|t| t.kind != TriggerKind::Anger);
        // An open escalation is only superseded by a stronger trigger; a weaker hard-stop
        // is not lost: its own team is alerted at once.
        if let Some(open) = &session.escalation {
            if open.rank >= primary.kind.rank() {
                let open_team = open.team.clone();
                return self.alert_only(triggers, &open_team);
            }
        }
        let secondary = secondary_hard_stops(&triggers, &[&primary.team]);
        let (guidance, crisis_line) = match primary.kind {
            TriggerKind::SelfHarm => {
                let line = self.crisis_line(session.caller.number.as_deref());
                let text = match &line {
                    Some(l) => format!(
                        "{} Crisis line for the caller: {l}.",
                        self.file.guidance.self_harm
                    ),
                    None => self.file.guidance.self_harm.clone(),
                };
                (Some(text), line)
            }
            TriggerKind::AuthorityRequest | TriggerKind::OverPromise => {
                (Some(self.file.guidance.authority.clone()), None)
            }
            _ => (None, None),
        };
        Some(Decision {
            tier: primary.kind.tier(),
            team: primary.team.clone(),
            triggers,
            guidance,
            crisis_line,
            mode: DecisionMode::Escalate,
            secondary,
        })
    }

    /// Hard-stops heard while a stronger escalation holds the call: an alert to each one's
    /// team (other than `open_team`, already on it), recorded; nothing else fires.
    fn alert_only(&self, triggers: Vec<FiredTrigger>, open_team: &str) -> Option<Decision> {
        let mut alerts = secondary_hard_stops(&triggers, &[open_team]);
        if alerts.is_empty() {
            return None;
        }
        let first = alerts.remove(0);
        Some(Decision {
            tier: Tier::Specialist,
            team: first.team.clone(),
            triggers: std::iter::once(first).chain(alerts).collect(),
            guidance: None,
            crisis_line: None,
            mode: DecisionMode::AlertOnly,
            secondary: Vec::new(),
        })
    }

    /// The platform's sentiment, if recent enough to say how the caller sounds at `at`.
    fn fresh_sentiment(&self, session: &CallSession, at: jiff::Timestamp) -> Option<f64> {
        session.fresh_sentiment(at, self.file.thresholds.sentiment_max_age_seconds)
    }
}

/// A decision that only guides the agent.
fn guidance(trigger: FiredTrigger, text: String) -> Decision {
    Decision {
        tier: Tier::Agent,
        team: "agent".into(),
        triggers: vec![trigger],
        guidance: Some(text),
        crisis_line: None,
        mode: DecisionMode::Escalate,
        secondary: Vec::new(),
    }
}

/// The hard-stops among `triggers` (strongest first) whose teams are not in `involved`,
/// one per team.
fn secondary_hard_stops(triggers: &[FiredTrigger], involved: &[&str]) -> Vec<FiredTrigger> {
    let mut teams: Vec<&str> = involved.to_vec();
    let mut out = Vec::new();
    for t in triggers.iter().filter(|t| t.kind.is_hard_stop()) {
        if !teams.contains(&t.team.as_str()) {
            teams.push(&t.team);
            out.push(t.clone());
        }
    }
    out
}

fn validate(file: &PlaybookFile, name: &str, text: &str) -> Result<(), PlaybookError> {
    let at = |key: &str| {
        let needle = key.rsplit('.').next().unwrap_or(key);
        text.find(&format!("{needle} ="))
            .map(|o| file::line_of(text, o))
            .unwrap_or(0)
    };
    let err = |key: &str, message: &str| PlaybookError {
        file: name.to_string(),
        line: at(key),
        key: key.to_string(),
        message: message.to_string(),
    };
    if file.version != 1 {
        return Err(err("version", "only version 1 is understood"));
    }
    let t = &file.thresholds;
    if t.anger_turns == 0 {
        return Err(err("thresholds.anger_turns", "must be at least 1"));
    }
    if !(-1.0..=1.0).contains(&t.negative_sentiment) {
        return Err(err(
            "thresholds.negative_sentiment",
            "must be between -1.0 and 1.0",
        ));
    }
    let a = &file.authority;
    for (key, v) in [
        ("authority.agent_refund_limit", a.agent_refund_limit),
        ("authority.agent_credit_limit", a.agent_credit_limit),
        (
            "authority.supervisor_refund_limit",
            a.supervisor_refund_limit.unwrap_or(0.0),
        ),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(err(key, "must be a non-negative amount"));
        }
    }
    for (key, percent) in &file.review {
        let at_key = format!("review.{key}");
        if !file::REVIEW_KEYS.contains(&key.as_str()) {
            return Err(err(
                &at_key,
                &format!(
                    "unknown review kind; one of: {}",
                    file::REVIEW_KEYS.join(", ")
                ),
            ));
        }
        if !(0..=100).contains(percent) {
            return Err(err(&at_key, "must be a percentage between 0 and 100"));
        }
        if key == "hard_stop" && *percent != 100 {
            return Err(err(
                &at_key,
                "every hard-stop is reviewed: must be 100 (it cannot be lowered)",
            ));
        }
    }
    for needed in [
        "legal_threat",
        "regulator_mention",
        "media_mention",
        "self_harm",
        "fraud",
    ] {
        if !file.categories.contains_key(needed) {
            return Err(err(
                &format!("categories.{needed}"),
                "every hard-stop needs its category; copy it from the built-in playbook",
            ));
        }
    }
    Ok(())
}

/// The largest money amount in the text ("$1,250.00", "500 dollars", "£80", "six hundred
/// dollars", "mil quinientos pesos").
fn largest_amount(text: &str) -> Option<f64> {
    static AMOUNT: OnceLock<Option<Regex>> = OnceLock::new();
    let re = AMOUNT
        .get_or_init(|| {
            Regex::new(
                r"(?:[$£€]\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)|(?:\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?\s?(?:dollars?|dolares|dolar|bucks|usd|pounds?|libras?|quid|gbp|euros?|eur|pesos?)\b)",
            )
            .ok()
        })
        .as_ref()?;
    let folded = fold(text);
    re.captures_iter(&folded)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .filter_map(|m| m.as_str().replace(',', "").parse::<f64>().ok())
        .chain(numbers::spoken_amounts(&folded))
        .fold(None, |best: Option<f64>, v| {
            Some(best.map_or(v, |b| b.max(v)))
        })
}

#[cfg(test)]
mod tests;
