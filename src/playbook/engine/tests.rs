//! The engine's decisions that read the whole call: the sentiment's age, authority and who
//! holds the call, amounts in words, repeat callers, second hard-stops, and a self-harm
//! phrase heard only in a partial.

use std::collections::BTreeMap;

use escalator_adapters::{CallEvent, Caller, EventKind, Speaker, Utterance, Vendor};
use jiff::Timestamp;

use super::*;
use crate::session::OpenEscalation;

/// A call as the store runs it: each event folded into the session, then decided, and the
/// decision noted as `note_decision` does.
struct Call {
    engine: Engine,
    session: CallSession,
    n: i64,
    /// Seconds since the start of the call, for the next event.
    clock: i64,
}

const START: i64 = 1_770_000_000;

impl Call {
    fn new() -> Self {
        Self::with(Engine::builtin().expect("built-in playbook"))
    }

    fn with(engine: Engine) -> Self {
        Self {
            engine,
            session: CallSession::default(),
            n: 0,
            clock: 0,
        }
    }

    /// The next event happens `seconds` later.
    fn after(&mut self, seconds: i64) -> &mut Self {
        self.clock += seconds;
        self
    }

    fn at(&self, seconds: i64) -> Timestamp {
        Timestamp::from_second(START + seconds).expect("time")
    }

    fn event(&mut self, kind: EventKind) -> Option<Decision> {
        self.n += 1;
        self.clock += 1;
        let event = CallEvent {
            vendor: Vendor::Genesys,
            call_id: "c1".into(),
            event_id: format!("e{}", self.n),
            occurred_at: self.at(self.clock),
            caller: Caller {
                number: Some("+13175551234".into()),
                ..Caller::default()
            },
            refs: BTreeMap::new(),
            kind,
        };
        self.session.apply(&event);
        let decision = self.engine.decide(&mut self.session, &event)?;
        for t in &decision.triggers {
            self.session.fired.insert(t.kind.as_str().to_string());
        }
        if decision.opens_escalation() {
            self.session.escalation = Some(OpenEscalation {
                id: format!("x{}", self.n),
                reference: "ESC-TEST".into(),
                team: decision.team.clone(),
                tier: decision.tier,
                rank: decision.rank(),
            });
        }
        Some(decision)
    }

    fn utterance(&mut self, speaker: Speaker, text: &str, is_final: bool) -> Option<Decision> {
        let id = format!("u{}", self.n + 1);
        self.event(EventKind::Utterance(Utterance {
            utterance_id: id,
            speaker,
            text: text.into(),
            is_final,
            confidence: None,
            language: None,
        }))
    }

    fn customer(&mut self, text: &str) -> Option<Decision> {
        self.utterance(Speaker::Customer, text, true)
    }

    fn agent(&mut self, text: &str) -> Option<Decision> {
        self.utterance(Speaker::Agent, text, true)
    }

    fn sentiment(&mut self, score: f64) {
        self.event(EventKind::Sentiment { score, trend: None });
    }
}

fn kind(d: &Option<Decision>) -> Option<TriggerKind> {
    d.as_ref().map(|d| d.primary().kind)
}

// 1. Words outrank a stale sentiment score.

#[test]
fn angry_words_count_even_when_a_fresh_score_is_positive() {
    let mut call = Call::new();
    call.sentiment(0.6);
    let d = call.customer("this is absolutely ridiculous");
    assert_eq!(kind(&d), Some(TriggerKind::Anger), "words beat the score");
    assert!(d
        .and_then(|d| d.guidance)
        .unwrap_or_default()
        .starts_with("HEARD"));
}

#[test]
fn angry_words_count_when_the_positive_score_is_stale() {
    let mut call = Call::new();
    call.sentiment(0.9);
    call.after(120);
    assert_eq!(
        kind(&call.customer("this is unacceptable")),
        Some(TriggerKind::Anger)
    );
}

#[test]
fn a_stale_negative_score_does_not_make_calm_words_angry() {
    let mut call = Call::new();
    call.sentiment(-0.9);
    call.after(31);
    assert!(call.customer("ok, I see, thanks for checking").is_none());
    assert!(call.session.fired.is_empty());
    // A late-arriving score measured long before the caller's turn says nothing either.
    let mut late = Call::new();
    late.after(300);
    late.n += 1;
    let measured_long_ago = CallEvent {
        vendor: Vendor::Genesys,
        call_id: "c1".into(),
        event_id: "late".into(),
        occurred_at: late.at(10),
        caller: Caller::default(),
        refs: BTreeMap::new(),
        kind: EventKind::Sentiment {
            score: -0.95,
            trend: None,
        },
    };
    late.session.apply(&measured_long_ago);
    assert!(late.customer("right, that makes sense").is_none());
}

#[test]
fn a_fresh_score_decides_when_the_words_say_nothing() {
    let mut call = Call::new();
    call.sentiment(-0.8);
    call.after(10);
    assert_eq!(
        kind(&call.customer("I called yesterday about the same bill")),
        Some(TriggerKind::Anger)
    );
    // A fresh calm score after HEARD: the anger fell, the count starts again.
    call.sentiment(0.3);
    assert!(call.customer("ok, go on").is_none());
    assert_eq!(call.session.anger.angry_turns, 0);
}

#[test]
fn the_max_age_is_the_playbooks() {
    let text = file::DEFAULT_PLAYBOOK.replace(
        "sentiment_max_age_seconds = 30",
        "sentiment_max_age_seconds = 600",
    );
    let mut call = Call::with(Engine::from_text("p.toml", &text).expect("valid"));
    call.sentiment(-0.9);
    call.after(300);
    assert_eq!(
        kind(&call.customer("I called yesterday about the bill")),
        Some(TriggerKind::Anger)
    );
}

// 2. Authority.

#[test]
fn an_agent_declining_is_not_an_over_promise() {
    for line in [
        "I'm not able to refund the $600 myself",
        "I'm afraid I can't refund six hundred dollars, I'll need a supervisor to approve it",
        "I can't authorize that",
        "that's above what I can approve",
        "unfortunately I'm not authorized to credit $300",
        "no puedo reembolsarle los 600 dólares",
        "no estoy autorizado para hacer un reembolso de seiscientos dólares",
    ] {
        let mut call = Call::new();
        assert!(call.agent(line).is_none(), "{line}");
    }
}

#[test]
fn a_routine_action_is_not_an_over_promise_or_a_policy_exception() {
    for line in [
        "I can cancel the order",
        "I can resend the invoice",
        "let me cancel that subscription for you",
        "I'll reset your password",
    ] {
        let mut call = Call::new();
        assert!(call.agent(line).is_none(), "agent: {line}");
    }
    let mut call = Call::new();
    assert!(call.customer("can you cancel the order please").is_none());
    // A fee is still a policy exception.
    let mut call = Call::new();
    assert_eq!(
        kind(&call.agent("I can cancel the late fee for you")),
        Some(TriggerKind::OverPromise)
    );
}

#[test]
fn an_agent_granting_beyond_its_limit_is_still_caught_in_words_and_in_spanish() {
    let mut call = Call::new();
    assert_eq!(
        kind(&call.agent("I'll refund you six hundred dollars today")),
        Some(TriggerKind::OverPromise)
    );
    let mut call = Call::new();
    assert_eq!(
        kind(&call.agent("le voy a reembolsar los 600 dólares hoy mismo")),
        Some(TriggerKind::OverPromise)
    );
}

#[test]
fn after_a_transfer_the_supervisor_holding_the_call_may_grant_what_the_agent_could_not() {
    let mut call = Call::new();
    call.session.held_by = Some(Tier::Supervisor);
    assert!(call.agent("I'll refund you the full $600 today").is_none());
    assert!(call.agent("I can waive the late fee this once").is_none());
    assert!(call
        .agent("I can give you a credit of two hundred dollars")
        .is_none());
    // Above the supervisor's own limit (1000 in the built-in playbook) it is caught.
    assert_eq!(
        kind(&call.agent("I'll refund the whole $2,500")),
        Some(TriggerKind::OverPromise)
    );

    let mut specialist = Call::new();
    specialist.session.held_by = Some(Tier::Specialist);
    assert!(specialist.agent("I can refund the $600").is_none());
    // The first agent still has it: an over-promise.
    let mut agent = Call::new();
    agent.session.held_by = Some(Tier::Agent);
    assert_eq!(
        kind(&agent.agent("I'll refund you the full $600 today")),
        Some(TriggerKind::OverPromise)
    );
}

#[test]
fn without_a_supervisor_limit_the_holder_may_grant_any_amount() {
    let text = file::DEFAULT_PLAYBOOK.replace("supervisor_refund_limit = 1000.0\n", "");
    let mut call = Call::with(Engine::from_text("p.toml", &text).expect("valid"));
    call.session.held_by = Some(Tier::Supervisor);
    assert!(call.agent("I'll refund the whole $25,000").is_none());
}

// 3. Amounts in words.

#[test]
fn amounts_in_words_are_held_against_the_limits() {
    let mut call = Call::new();
    assert!(call.customer("I want a refund of twenty dollars").is_none());
    let mut call = Call::new();
    assert_eq!(
        kind(&call.customer("I want a refund of six hundred dollars")),
        Some(TriggerKind::AuthorityRequest)
    );
    let mut call = Call::new();
    assert_eq!(
        kind(&call.customer("I want my money back, that's two thousand five hundred pounds")),
        Some(TriggerKind::AuthorityRequest)
    );
    let mut call = Call::new();
    assert_eq!(
        kind(&call.customer("quiero un reembolso de mil quinientos pesos")),
        Some(TriggerKind::AuthorityRequest)
    );
    let mut call = Call::new();
    assert_eq!(
        kind(&call.customer("I want a refund, it cost me a grand")),
        Some(TriggerKind::AuthorityRequest)
    );
}

#[test]
fn largest_amount_reads_digits_and_words() {
    assert_eq!(
        largest_amount("$1,250.00 or six hundred dollars"),
        Some(1250.0)
    );
    assert_eq!(largest_amount("seiscientos dólares"), Some(600.0));
    assert_eq!(largest_amount("nothing here"), None);
}

// 4. Repeat callers.

#[test]
fn a_repeat_caller_is_flagged_to_the_agent_not_escalated() {
    let mut call = Call::new();
    call.session.prior_calls = 3;
    let d = call
        .event(EventKind::AgentConnected { agent_id: None })
        .expect("guidance");
    assert_eq!(d.primary().kind, TriggerKind::RepeatContact);
    assert_eq!(d.tier, Tier::Agent);
    assert!(d.is_guidance_only());
    let text = d.guidance.unwrap_or_default();
    assert!(text.contains("3 earlier calls"), "{text}");
    assert!(text.contains("72 hours"), "{text}");
    assert!(call.session.escalation.is_none());
    assert_eq!(call.session.prior_calls, 3, "kept for later briefings");
    // Asking for a supervisor escalates as usual.
    let d = call
        .customer("let me talk to your supervisor")
        .expect("escalates");
    assert_eq!(d.primary().kind, TriggerKind::SupervisorRequest);
    assert_eq!(d.tier, Tier::Supervisor);
}

// 5. A second hard-stop is not swallowed.

#[test]
fn two_hard_stops_at_once_the_stronger_leads_and_the_other_team_is_alerted() {
    let mut call = Call::new();
    let d = call
        .customer("I've been scammed and if you don't refund it my lawyer will be in touch")
        .expect("escalates");
    assert_eq!(d.primary().kind, TriggerKind::LegalThreat);
    assert_eq!(d.team, "legal");
    assert_eq!(d.mode, DecisionMode::Escalate);
    let second: Vec<(TriggerKind, &str)> = d
        .secondary
        .iter()
        .map(|t| (t.kind, t.team.as_str()))
        .collect();
    assert_eq!(second, [(TriggerKind::Fraud, "fraud")]);
    // Both fired: fraud does not come back later as if new.
    assert!(call.session.fired.contains("fraud"));
    assert!(call
        .customer("someone used my card, it was fraud")
        .is_none());
}

#[test]
fn a_weaker_hard_stop_later_in_the_call_alerts_its_team_without_a_second_transfer() {
    let mut call = Call::new();
    call.customer("I'm going to sue you").expect("legal");
    let d = call
        .customer("and on top of that I've been scammed")
        .expect("not swallowed");
    assert_eq!(d.mode, DecisionMode::AlertOnly);
    assert_eq!(d.primary().kind, TriggerKind::Fraud);
    assert_eq!(d.team, "fraud");
    assert!(!d.opens_escalation());
    // The call's escalation is still legal's.
    assert_eq!(
        call.session.escalation.as_ref().map(|e| e.team.as_str()),
        Some("legal")
    );
    // Once per call.
    assert!(call.customer("I was scammed I tell you").is_none());
    // A tier trigger after it is still outranked by the open legal escalation.
    assert!(call.customer("get me a manager").is_none());
}

#[test]
fn a_stronger_hard_stop_later_still_supersedes() {
    let mut call = Call::new();
    call.customer("I've been scammed").expect("fraud");
    let d = call.customer("I'm going to sue you").expect("legal");
    assert_eq!(d.mode, DecisionMode::Escalate);
    assert_eq!(d.team, "legal");
}

// 7. A self-harm phrase heard only in a partial.

#[test]
fn a_self_harm_partial_before_a_hang_up_leaves_a_review() {
    let mut call = Call::new();
    assert!(
        call.utterance(
            Speaker::Customer,
            "honestly I don't want to be here anymore",
            false
        )
        .is_none(),
        "partials never act"
    );
    assert!(call.session.fired.is_empty());
    let d = call
        .event(EventKind::CallEnded { reason: None })
        .expect("a review");
    assert_eq!(d.mode, DecisionMode::Review);
    assert_eq!(d.primary().kind, TriggerKind::SelfHarm);
    assert_eq!(d.team, "welfare");
    assert_eq!(
        d.primary().quote.as_deref(),
        Some("honestly I don't want to be here anymore")
    );
    assert!(d.primary().rule_id.ends_with(".partial"));
    assert!(d.crisis_line.unwrap_or_default().contains("988"));
    assert!(!d.triggers.is_empty());
}

#[test]
fn no_review_when_the_final_fired_or_no_partial_said_it() {
    let mut call = Call::new();
    call.utterance(Speaker::Customer, "I don't want to be here anymore", false);
    let d = call
        .customer("I don't want to be here anymore")
        .expect("self-harm");
    assert_eq!(d.mode, DecisionMode::Escalate);
    assert!(call.event(EventKind::CallEnded { reason: None }).is_none());

    let mut calm = Call::new();
    calm.utterance(Speaker::Customer, "I want to change my address", false);
    assert!(calm.event(EventKind::CallEnded { reason: None }).is_none());

    // The agent's partial is not the caller's.
    let mut agent = Call::new();
    agent.utterance(Speaker::Agent, "I don't want to be here anymore", false);
    assert!(agent.event(EventKind::CallEnded { reason: None }).is_none());
}

// 6. The [review] table is validated.

#[test]
fn review_rates_are_validated_with_the_key_named() {
    let with = |table: &str| {
        let text = file::DEFAULT_PLAYBOOK.replace("[review]\nhard_stop = 100\n", table);
        Engine::from_text("p.toml", &text)
    };
    let err = with("[review]\nhard_stop = 90\n").err().expect("refused");
    assert_eq!(err.key, "review.hard_stop");
    assert!(err.message.contains("100"), "{}", err.message);
    let err = with("[review]\nhard_stop = 100\nlong_hold = 150\n")
        .err()
        .expect("refused");
    assert_eq!(err.key, "review.long_hold");
    assert!(err.message.contains("0 and 100"), "{}", err.message);
    let err = with("[review]\nhard_stop = 100\nlong_hold = -1\n")
        .err()
        .expect("refused");
    assert_eq!(err.key, "review.long_hold");
    let err = with("[review]\nhard_stop = 100\nlong_holds = 10\n")
        .err()
        .expect("refused");
    assert_eq!(err.key, "review.long_holds");
    let engine = with("[review]\nhard_stop = 100\nlong_hold = 10\n").expect("valid");
    assert_eq!(engine.review_rates().get("long_hold"), Some(&10));
}

// 8. A long hold decided while it lasts (the store's hold watch).

#[test]
fn a_hold_still_under_way_escalates_once_past_the_threshold_and_not_before() {
    let mut call = Call::new();
    call.event(EventKind::HoldStarted);
    let started = call.clock;
    // The built-in `hold_seconds` is 300: not at 300 s, at 301 s.
    let at_300 = call.at(started + 300);
    assert!(call.engine.decide_hold(&mut call.session, at_300).is_none());
    let at_301 = call.at(started + 301);
    let d = call
        .engine
        .decide_hold(&mut call.session, at_301)
        .expect("long hold");
    assert_eq!(d.primary().kind, TriggerKind::LongHold);
    assert_eq!((d.tier, d.team.as_str()), (Tier::Supervisor, "supervisor"));
    assert_eq!(d.primary().quote.as_deref(), Some("on hold for 301 s"));
    assert_eq!(d.primary().at, at_301);
    assert_eq!(call.engine.long_hold_after().as_secs(), 300);

    // Once per call: fired (as the store notes it), the watch and later events say nothing.
    call.session.fired.insert("long_hold".into());
    let later = call.at(started + 400);
    assert!(call.engine.decide_hold(&mut call.session, later).is_none());
    assert!(call
        .after(400)
        .event(EventKind::HoldEnded { held_ms: None })
        .is_none());
    // No hold under way: nothing to decide.
    let mut idle = Call::new();
    let t = idle.at(1000);
    assert!(idle.engine.decide_hold(&mut idle.session, t).is_none());
}

#[test]
fn a_long_hold_is_outranked_by_an_open_escalation() {
    let mut call = Call::new();
    call.customer("get me a manager")
        .expect("supervisor request");
    call.event(EventKind::HoldStarted);
    let at = call.at(call.clock + 1000);
    assert!(call.engine.decide_hold(&mut call.session, at).is_none());
}
