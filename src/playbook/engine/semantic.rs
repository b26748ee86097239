//! What a semantic score does on a live call, by the playbook's `[semantic]` policy. An
//! `escalate` hit fires its category as a phrase would: once per call, superseding only a
//! weaker open escalation. A `review` hit asks a supervisor to review (no transfer), once per
//! category and call, and not for a category that already fired. Where the platform sends no
//! sentiment, the anger score counts the turn as platform sentiment would.

use jiff::Timestamp;

use super::{Engine, SpeakerFilter, SUPERVISOR};
use crate::playbook::file::{self, PlaybookError, PlaybookFile, KNOWN_CATEGORIES};
use crate::playbook::text::Normalized;
use crate::playbook::{Decision, DecisionMode, FiredTrigger, Tier, TriggerKind};
use crate::semantic::{Scores, SemanticAction, SemanticEvidence, SemanticPolicy};
use crate::session::CallSession;

/// One scored customer utterance.
pub struct SemanticTurn<'a> {
    pub utterance_id: &'a str,
    pub text: &'a str,
    pub at: Timestamp,
    /// The platform sent sentiment for the call when the utterance was committed: anger is
    /// the platform's to say.
    pub platform_sentiment: bool,
    pub scores: &'a Scores,
}

/// What the scores decided.
#[derive(Debug, Default)]
pub struct SemanticDecision {
    /// An escalation (or HEARD guidance), as a rules trigger makes one.
    pub escalation: Option<Decision>,
    /// A supervisor alert and a review flag for the less confident hits; never a transfer.
    pub review: Option<Decision>,
}

impl Engine {
    pub fn decide_semantic(
        &self,
        session: &mut CallSession,
        turn: &SemanticTurn<'_>,
    ) -> SemanticDecision {
        let Some(policy) = &self.semantic else {
            return SemanticDecision::default();
        };
        let fired = |kind: TriggerKind, team: &str, rule_id: String, score: f32| FiredTrigger {
            kind,
            rule_id,
            team: team.to_string(),
            span: Some(turn.text.to_string()),
            quote: Some(turn.text.to_string()),
            utterance_id: Some(turn.utterance_id.to_string()),
            at: turn.at,
            semantic: Some(SemanticEvidence {
                score,
                nearest: turn.scores.nearest.clone(),
            }),
        };
        let mut triggers = Vec::new();
        let mut reviews = Vec::new();
        // Phrases that waited for this score: confirmed, they fire as the rules would (with
        // the score beside them); vetoed, they ask for a review.
        let mut held = Vec::new();
        for h in self.held_hits(turn.text) {
            let Some(kind) = self.semantic_kind(&h.category) else {
                continue;
            };
            held.push(h.category.clone());
            let score = turn.scores.get(&h.category).unwrap_or_default();
            let mut t = fired(kind, &h.team, h.rule_id.clone(), score);
            t.span = Some(h.span.clone());
            if policy.confirms(&h.category, turn.scores) {
                triggers.push(t);
            } else if !session.fired.contains(kind.as_str())
                && session.semantic_reviews.insert(h.category.clone())
            {
                t.rule_id = format!("{}.vetoed", h.rule_id);
                reviews.push(t);
            }
        }
        for hit in policy.decide(turn.scores) {
            if held.contains(&hit.category) {
                continue;
            }
            let Some(kind) = self.semantic_kind(&hit.category) else {
                continue;
            };
            let team = self
                .file
                .categories
                .get(&hit.category)
                .and_then(|c| c.team.clone())
                .unwrap_or_else(|| SUPERVISOR.to_string());
            match hit.action {
                SemanticAction::Escalate => triggers.push(fired(
                    kind,
                    &team,
                    format!("semantic.{}", hit.category),
                    hit.score,
                )),
                SemanticAction::Review => {
                    if session.fired.contains(kind.as_str())
                        || !session.semantic_reviews.insert(hit.category.clone())
                    {
                        continue;
                    }
                    reviews.push(fired(
                        kind,
                        &team,
                        format!("semantic.{}.review", hit.category),
                        hit.score,
                    ));
                }
            }
        }
        // A turn the words already called angry was counted when it was committed, and so
        // was one a fresh platform score described; a stale score left it to this one.
        let counted = turn.platform_sentiment && self.fresh_sentiment(session, turn.at).is_some();
        if !counted && policy.scores_anger() && !self.words_angry(turn.text) {
            let angry = policy.is_angry(turn.scores);
            let score = turn.scores.get("anger").unwrap_or_default();
            match self.anger_step(session, angry) {
                Some(TriggerKind::Anger) => triggers.push(fired(
                    TriggerKind::Anger,
                    "agent",
                    "semantic.anger".into(),
                    score,
                )),
                Some(kind) => triggers.push(fired(
                    kind,
                    SUPERVISOR,
                    "semantic.anger.sustained".into(),
                    score,
                )),
                None => {}
            }
        }
        reviews.sort_by_key(|t| std::cmp::Reverse(t.kind.rank()));
        SemanticDecision {
            escalation: self.conclude(session, triggers),
            review: (!reviews.is_empty()).then(|| Decision {
                tier: Tier::Supervisor,
                team: SUPERVISOR.to_string(),
                triggers: reviews,
                guidance: None,
                crisis_line: None,
                mode: DecisionMode::Review,
                secondary: Vec::new(),
            }),
        }
    }

    /// A queued utterance that gets no score (late, or the scorer failed): the phrases that
    /// waited for it fire as the rules alone would have fired them.
    pub fn decide_unscored(
        &self,
        session: &mut CallSession,
        utterance_id: &str,
        text: &str,
        at: Timestamp,
    ) -> Option<Decision> {
        let triggers = self
            .held_hits(text)
            .into_iter()
            .filter_map(|h| {
                Some(FiredTrigger {
                    kind: TriggerKind::from_category(&h.category)?,
                    rule_id: h.rule_id,
                    team: h.team,
                    span: Some(h.span),
                    quote: Some(text.to_string()),
                    utterance_id: Some(utterance_id.to_string()),
                    at,
                    semantic: None,
                })
            })
            .collect();
        self.conclude(session, triggers)
    }

    /// Whether a caller's utterance has a phrase that waits for its score.
    pub fn holds(&self, text: &str) -> bool {
        !self.held_hits(text).is_empty()
    }

    /// The caller's phrases in `text` whose category has a `veto`.
    fn held_hits(&self, text: &str) -> Vec<HeldHit> {
        let Some(policy) = &self.semantic else {
            return Vec::new();
        };
        self.matcher
            .hits(&Normalized::new(text), SpeakerFilter::Customer)
            .into_iter()
            .filter(|h| policy.vetoes(&h.category.name))
            .map(|h| HeldHit {
                category: h.category.name.clone(),
                team: h
                    .category
                    .team
                    .clone()
                    .unwrap_or_else(|| SUPERVISOR.to_string()),
                rule_id: h.rule_id,
                span: h.span,
            })
            .collect()
    }

    /// The trigger a scored category fires, if the policy may fire it on a caller's words.
    fn semantic_kind(&self, category: &str) -> Option<TriggerKind> {
        match TriggerKind::from_category(category)? {
            // Agents' lines are not scored.
            TriggerKind::OverPromise => None,
            TriggerKind::AuthorityRequest if self.file.authority.agent_policy_exceptions => None,
            kind => Some(kind),
        }
    }

    fn words_angry(&self, text: &str) -> bool {
        self.matcher
            .hits(&Normalized::new(text), SpeakerFilter::Customer)
            .iter()
            .any(|h| h.category.name == "anger")
    }
}

/// A phrase that waits for its utterance's score.
struct HeldHit {
    category: String,
    team: String,
    rule_id: String,
    span: String,
}

/// Categories a `[semantic]` section may set thresholds for: those that escalate on a
/// caller's words.
pub fn categories() -> Vec<&'static str> {
    KNOWN_CATEGORIES
        .iter()
        .copied()
        .filter(|c| *c != "over_promise" && TriggerKind::from_category(c).is_some())
        .collect()
}

/// The file's `[semantic]` policy, checked; errors are located like the file's others.
pub(super) fn compile(
    parsed: &PlaybookFile,
    name: &str,
    text: &str,
) -> Result<Option<SemanticPolicy>, PlaybookError> {
    let Some(section) = parsed.semantic.clone() else {
        return Ok(None);
    };
    let err = |key: String, message: String| PlaybookError {
        file: name.to_string(),
        line: line_of_key(text, &key),
        key,
        message,
    };
    let policy = SemanticPolicy::new(section, &categories()).map_err(|(k, m)| err(k, m))?;
    if policy
        .thresholds("self_harm")
        .is_some_and(|t| t.veto.is_some())
    {
        return Err(err(
            "semantic.categories.self_harm.veto".into(),
            "not for self-harm: either layer is enough to escalate it".into(),
        ));
    }
    Ok(Some(policy))
}

/// The line of a dotted `semantic.…` key: each part looked for after the one before it,
/// from the `[semantic` header on.
fn line_of_key(text: &str, key: &str) -> usize {
    let Some(mut at) = text.find("[semantic") else {
        return 0;
    };
    for part in key.split('.').skip(1) {
        match text[at..].find(part) {
            Some(i) => at += i,
            None => break,
        }
    }
    file::line_of(text, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::Neighbour;

    const SEMANTIC: &str = "
[semantic]
anger = 0.8
[semantic.categories]
fraud = { escalate = 0.9, review = 0.5 }
self_harm = { escalate = 0.5, review = 0.5 }
legal_threat = { escalate = 0.9, review = 0.5 }
";

    /// The built-in playbook without any `[semantic]` section of its own, then `extra`.
    fn text(extra: &str) -> String {
        let mut table: toml::Table = toml::from_str(file::DEFAULT_PLAYBOOK).unwrap();
        table.remove("semantic");
        format!("{}{extra}", toml::to_string(&table).unwrap())
    }

    fn engine(extra: &str) -> Result<Engine, PlaybookError> {
        Engine::from_text("test.toml", &text(extra))
    }

    fn scores(pairs: &[(&str, f32)]) -> Scores {
        Scores {
            categories: pairs.iter().map(|(c, s)| (c.to_string(), *s)).collect(),
            nearest: vec![Neighbour {
                text: "someone used my card".into(),
                labels: vec!["fraud".into()],
                similarity: 0.83,
            }],
        }
    }

    fn turn<'a>(text: &'a str, scores: &'a Scores) -> SemanticTurn<'a> {
        SemanticTurn {
            utterance_id: "u1",
            text,
            at: Timestamp::UNIX_EPOCH,
            platform_sentiment: false,
            scores,
        }
    }

    #[test]
    fn a_confident_hit_escalates_once_with_its_evidence() {
        let e = engine(SEMANTIC).unwrap();
        let mut session = CallSession::default();
        let s = scores(&[("fraud", 0.95)]);
        let d = e.decide_semantic(&mut session, &turn("they took it all", &s));
        let esc = d.escalation.expect("escalates");
        assert!(d.review.is_none());
        let t = esc.primary();
        assert_eq!(t.kind, TriggerKind::Fraud);
        assert_eq!(t.rule_id, "semantic.fraud");
        assert_eq!(t.span.as_deref(), Some("they took it all"));
        let ev = t.semantic.as_ref().expect("evidence");
        assert_eq!(ev.score, 0.95);
        assert_eq!(ev.nearest[0].text, "someone used my card");
        // The store marks what fired; the same trigger again is nothing.
        session.fired.insert("fraud".into());
        let again = e.decide_semantic(&mut session, &turn("they took it all", &s));
        assert!(again.escalation.is_none() && again.review.is_none());
    }

    #[test]
    fn a_less_confident_hit_asks_for_review_once_per_category() {
        let e = engine(SEMANTIC).unwrap();
        let mut session = CallSession::default();
        let s = scores(&[("legal_threat", 0.6)]);
        let d = e.decide_semantic(&mut session, &turn("maybe a lawyer", &s));
        assert!(d.escalation.is_none());
        let review = d.review.expect("review");
        assert_eq!(review.primary().rule_id, "semantic.legal_threat.review");
        assert_eq!(review.tier, Tier::Supervisor);
        let again = e.decide_semantic(&mut session, &turn("maybe a lawyer", &s));
        assert!(again.review.is_none());
    }

    #[test]
    fn the_anger_score_gives_heard_then_counts_turns_without_platform_sentiment() {
        let e = engine(SEMANTIC).unwrap();
        let mut session = CallSession::default();
        let angry = scores(&[("anger", 0.9)]);
        let d = e.decide_semantic(&mut session, &turn("this is unbelievable", &angry));
        let heard = d.escalation.expect("guidance");
        assert_eq!(heard.tier, Tier::Agent);
        assert_eq!(heard.primary().rule_id, "semantic.anger");
        assert!(heard.guidance.is_some());
        assert!(session.anger.heard_given);
        let turns = e.thresholds().anger_turns;
        let mut last = None;
        for _ in 0..turns {
            last = e
                .decide_semantic(&mut session, &turn("still unbelievable", &angry))
                .escalation;
        }
        assert_eq!(
            last.expect("sustained").primary().kind,
            TriggerKind::SustainedAnger
        );
        // With a fresh platform score the turn was the score's to decide when it was
        // committed: the semantic score says nothing about its anger.
        let mut other = CallSession {
            sentiment: Some(-0.1),
            sentiment_at: Some(Timestamp::UNIX_EPOCH),
            ..CallSession::default()
        };
        let mut t = turn("this is unbelievable", &angry);
        t.platform_sentiment = true;
        assert!(e.decide_semantic(&mut other, &t).escalation.is_none());
        assert!(!other.anger.heard_given);
        // A stale one decided nothing, so the semantic score does.
        let mut stale = CallSession {
            sentiment: Some(0.8),
            sentiment_at: Some(Timestamp::UNIX_EPOCH),
            ..CallSession::default()
        };
        let mut t = turn("this is unbelievable", &angry);
        t.platform_sentiment = true;
        t.at = Timestamp::from_second(600).expect("time");
        let d = e.decide_semantic(&mut stale, &t).escalation;
        assert_eq!(d.map(|d| d.primary().kind), Some(TriggerKind::Anger));
    }

    #[test]
    fn a_turn_queued_for_scoring_leaves_its_anger_to_the_score() {
        use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance, Vendor};
        let e = engine(SEMANTIC).unwrap();
        let said = |text: &str| CallEvent {
            vendor: Vendor::Five9,
            call_id: "c1".into(),
            event_id: format!("e-{text}"),
            occurred_at: Timestamp::UNIX_EPOCH,
            caller: Default::default(),
            refs: Default::default(),
            kind: EventKind::Utterance(Utterance {
                utterance_id: "u1".into(),
                speaker: Speaker::Customer,
                text: text.into(),
                is_final: true,
                confidence: None,
                language: None,
            }),
        };
        let mut session = CallSession::default();
        session.anger.heard_given = true;
        session.anger.angry_turns = 1;
        // Calm words, queued: the count waits for the score instead of starting again.
        assert!(e
            .decide_scored(&mut session, &said("ok what next"), true)
            .is_none());
        assert_eq!(session.anger.angry_turns, 1);
        // Not queued (no scorer, or the queue was full): the words decide, as before.
        e.decide_scored(&mut session, &said("ok what next"), false);
        assert_eq!(session.anger.angry_turns, 0);
    }

    fn said(text: &str) -> escalator_adapters::CallEvent {
        use escalator_adapters::{CallEvent, EventKind, Speaker, Utterance, Vendor};
        CallEvent {
            vendor: Vendor::Five9,
            call_id: "c1".into(),
            event_id: format!("e-{text}"),
            occurred_at: Timestamp::UNIX_EPOCH,
            caller: Default::default(),
            refs: Default::default(),
            kind: EventKind::Utterance(Utterance {
                utterance_id: "u1".into(),
                speaker: Speaker::Customer,
                text: text.into(),
                is_final: true,
                confidence: None,
                language: None,
            }),
        }
    }

    const VETO: &str = "
[semantic.categories]
legal_threat = { escalate = 0.9, review = 0.5, veto = 0.1 }
self_harm = { escalate = 0.5, review = 0.5 }
";

    #[test]
    fn a_queued_phrase_with_a_veto_waits_for_its_score_and_low_scores_make_it_a_review() {
        let e = engine(VETO).unwrap();
        let words = "I'm going to sue you";
        // Queued for scoring: the phrase waits.
        let mut session = CallSession::default();
        assert!(e.decide_scored(&mut session, &said(words), true).is_none());
        assert!(e.holds(words));
        // A score below the veto: a review that names the phrase, no escalation.
        let low = scores(&[("legal_threat", 0.04)]);
        let d = e.decide_semantic(&mut session, &turn(words, &low));
        assert!(d.escalation.is_none());
        let review = d.review.expect("review");
        let t = review.primary();
        assert_eq!(t.kind, TriggerKind::LegalThreat);
        assert!(
            t.rule_id.starts_with("legal_threat.") && t.rule_id.ends_with(".vetoed"),
            "{}",
            t.rule_id
        );
        assert_eq!(t.span.as_deref(), Some("sue"));
        assert_eq!(t.semantic.as_ref().map(|s| s.score), Some(0.04));
        // A score at or above the veto confirms it: the phrase escalates, with its score.
        let mut session = CallSession::default();
        assert!(e.decide_scored(&mut session, &said(words), true).is_none());
        let ok = scores(&[("legal_threat", 0.3)]);
        let d = e.decide_semantic(&mut session, &turn(words, &ok));
        assert!(d.review.is_none());
        let esc = d.escalation.expect("escalates");
        let t = esc.primary();
        assert_eq!(t.kind, TriggerKind::LegalThreat);
        assert!(!t.rule_id.starts_with("semantic."), "{}", t.rule_id);
        assert_eq!(t.semantic.as_ref().map(|s| s.score), Some(0.3));
        // No score comes (late, or the scorer failed): the rules decide alone.
        let mut session = CallSession::default();
        let d = e
            .decide_unscored(&mut session, "u1", words, Timestamp::UNIX_EPOCH)
            .expect("escalates");
        assert_eq!(d.primary().kind, TriggerKind::LegalThreat);
        assert!(d.primary().semantic.is_none());
    }

    #[test]
    fn phrases_without_a_veto_or_unqueued_decide_at_once() {
        let e = engine(VETO).unwrap();
        // Not queued (no scorer, a full queue): the phrase fires now.
        let mut session = CallSession::default();
        let d = e.decide_scored(&mut session, &said("I'm going to sue you"), false);
        assert_eq!(d.expect("fires").primary().kind, TriggerKind::LegalThreat);
        // The routing hook cannot wait for a score.
        let mut session = CallSession::default();
        let d = e.decide_now(&mut session, &said("I'm going to sue you"), true);
        assert_eq!(d.expect("fires").primary().kind, TriggerKind::LegalThreat);
        // Self-harm never waits: either layer is enough.
        let words = "I want to kill myself";
        assert!(!e.holds(words));
        let mut session = CallSession::default();
        let d = e.decide_scored(&mut session, &said(words), true);
        assert_eq!(d.expect("fires").primary().kind, TriggerKind::SelfHarm);
        // Without a veto anywhere, nothing is held.
        assert!(!engine(SEMANTIC).unwrap().holds("I'm going to sue you"));
    }

    #[test]
    fn a_bad_section_is_refused_with_its_key_and_line() {
        let err = engine("\n[semantic.categories]\nfraud = { escalate = 0.5, review = 0.7 }\n")
            .err()
            .expect("refused");
        assert_eq!(err.key, "semantic.categories.fraud.review");
        let bad = text("\n[semantic.categories]\nfraud = { escalate = 0.5, review = 0.7 }\n");
        let line = file::line_of(&bad, bad.rfind("fraud = {").unwrap());
        assert_eq!(err.line, line, "{err}");
        let err = engine(
            "\n[semantic.categories]\nself_harm = { escalate = 0.5, review = 0.3, veto = 0.1 }\n",
        )
        .err()
        .expect("refused");
        assert_eq!(err.key, "semantic.categories.self_harm.veto");
        // A self-harm review band is allowed (its review alerts at once).
        assert!(
            engine("\n[semantic.categories]\nself_harm = { escalate = 0.5, review = 0.3 }\n")
                .is_ok()
        );
        assert!(engine("\n[semantic]\nanger = 2.0\n[semantic.categories]\n").is_err());
        assert!(engine(SEMANTIC).unwrap().semantic().is_some());
        assert!(engine("").unwrap().semantic().is_none());
    }
}
