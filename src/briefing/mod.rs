//! What a briefing says about the call around its trigger: the issue in the caller's own
//! earlier words ([`summary`]), their last few turns, their language, the agent, HEARD,
//! earlier calls, amounts named and the longest hold, all taken from the call's session.
//!
//! `involved` and `earlier` (who is already on the call, earlier escalations) come from the
//! transfer lifecycle and are left empty here.

pub mod summary;

use escalator_adapters::BriefingContext;

use crate::playbook::Decision;
use crate::session::{CallSession, Turn};

pub use summary::{summarize, Summary};

/// Caller turns quoted as the lead-up to the trigger, the trigger's turn included.
pub const RECENT_TURNS: usize = 3;

/// The context of the briefing for `decision`, from the call's session as it stood when
/// the decision was taken (the trigger's turn already in it).
pub fn context(session: &CallSession, decision: &Decision) -> BriefingContext {
    let primary = decision.primary();
    let (earlier, trigger) = split_at_trigger(session, primary.utterance_id.as_deref(), primary.at);
    let summary = summarize(&earlier, trigger);
    let mut lead_up: Vec<&Turn> = earlier.clone();
    lead_up.extend(trigger);
    let recent_turns = lead_up
        .iter()
        .skip(lead_up.len().saturating_sub(RECENT_TURNS))
        .map(|t| t.text.clone())
        .collect();
    BriefingContext {
        summary: summary.as_ref().map(|s| s.text.clone()),
        summary_from: summary.map(|s| s.from).unwrap_or_default(),
        recent_turns,
        language: trigger
            .and_then(|t| t.language.clone())
            .or_else(|| session.language.clone()),
        agent: session.agent_id.clone(),
        involved: Vec::new(),
        earlier: Vec::new(),
        heard_given: session.anger.heard_given,
        prior_calls: session.prior_calls,
        amounts: session.amounts.clone(),
        hold_seconds: session
            .longest_hold_ms_at(primary.at)
            .map(|ms| ms / 1000)
            .filter(|s| *s > 0),
    }
}

/// The caller's turns before the trigger, and the trigger's own turn. A trigger that is not
/// a kept caller turn (an agent's request, a long hold, a score) has no turn: every turn
/// up to its time is earlier. Turns after the trigger (a decision taken late, by the
/// semantic layer) are left out.
fn split_at_trigger<'a>(
    session: &'a CallSession,
    utterance_id: Option<&str>,
    at: jiff::Timestamp,
) -> (Vec<&'a Turn>, Option<&'a Turn>) {
    let turns: Vec<&Turn> = session.caller_turns().collect();
    if let Some(i) = utterance_id.and_then(|id| turns.iter().position(|t| t.utterance_id == id)) {
        return (turns[..i].to_vec(), Some(turns[i]));
    }
    (turns.into_iter().filter(|t| t.at <= at).collect(), None)
}

#[cfg(test)]
mod tests {
    use escalator_adapters::{CallEvent, Caller, EventKind, Speaker, Utterance, Vendor};
    use jiff::Timestamp;

    use super::*;
    use crate::playbook::{FiredTrigger, Tier, TriggerKind};

    fn said(n: i64, speaker: Speaker, text: &str, lang: &str) -> CallEvent {
        CallEvent {
            vendor: Vendor::Standard,
            call_id: "c1".into(),
            event_id: format!("e{n}"),
            occurred_at: Timestamp::from_second(1_780_000_000 + n * 10).unwrap(),
            caller: Caller::default(),
            refs: Default::default(),
            kind: EventKind::Utterance(Utterance {
                utterance_id: format!("u{n}"),
                speaker,
                text: text.into(),
                is_final: true,
                confidence: None,
                language: Some(lang.into()),
            }),
        }
    }

    fn decision(kind: TriggerKind, utterance_id: Option<&str>, at_n: i64) -> Decision {
        Decision {
            tier: Tier::Supervisor,
            team: "supervisor".into(),
            triggers: vec![FiredTrigger {
                kind,
                rule_id: "test".into(),
                team: "supervisor".into(),
                span: None,
                quote: None,
                utterance_id: utterance_id.map(Into::into),
                at: Timestamp::from_second(1_780_000_000 + at_n * 10).unwrap(),
                semantic: None,
            }],
            guidance: None,
            mode: Default::default(),
            secondary: Vec::new(),
            crisis_line: None,
        }
    }

    fn billing_call() -> CallSession {
        let mut s = CallSession::default();
        for e in [
            said(
                1,
                Speaker::Agent,
                "Thanks for calling Acme, this is Sam.",
                "en-US",
            ),
            said(2, Speaker::Customer, "Hi Sam, good morning.", "en-US"),
            said(
                3,
                Speaker::Customer,
                "I'm calling about my bill, you charged me $600 twice for the same internet plan.",
                "en-US",
            ),
            said(
                4,
                Speaker::Agent,
                "I'm sorry about that. How's the weather?",
                "en-US",
            ),
            said(5, Speaker::Customer, "Yeah it's fine.", "en-US"),
            said(
                6,
                Speaker::Customer,
                "Let me speak to your manager now.",
                "en-US",
            ),
        ] {
            s.apply(&e);
        }
        s.prior_calls = 2;
        s.anger.heard_given = true;
        s
    }

    #[test]
    fn the_context_carries_the_issue_and_the_lead_up_to_the_trigger() {
        let s = billing_call();
        let c = context(&s, &decision(TriggerKind::SupervisorRequest, Some("u6"), 6));
        assert_eq!(
            c.summary.as_deref(),
            Some(
                "I'm calling about my bill, you charged me $600 twice for the same internet plan."
            )
        );
        assert_eq!(c.summary_from, vec!["u3"]);
        assert_eq!(
            c.recent_turns,
            vec![
                "I'm calling about my bill, you charged me $600 twice for the same internet plan.",
                "Yeah it's fine.",
                "Let me speak to your manager now.",
            ]
        );
        assert_eq!(c.language.as_deref(), Some("en-US"));
        assert_eq!(c.amounts, vec!["$600"]);
        assert_eq!(c.prior_calls, 2);
        assert!(c.heard_given);
        assert!(c.involved.is_empty() && c.earlier.is_empty());
    }

    #[test]
    fn turns_after_a_late_decision_are_not_its_lead_up() {
        let mut s = billing_call();
        s.apply(&said(
            7,
            Speaker::Customer,
            "Hello? Are you there?",
            "en-US",
        ));
        // The semantic layer decides on u5 after u6 and u7 arrived.
        let c = context(&s, &decision(TriggerKind::SustainedAnger, Some("u5"), 5));
        assert_eq!(
            c.recent_turns.last().map(String::as_str),
            Some("Yeah it's fine.")
        );
        // A trigger without a turn (an agent's request): the turns up to its time.
        let c = context(&s, &decision(TriggerKind::AgentRequest, None, 4));
        assert_eq!(c.summary_from, vec!["u3"]);
        assert_eq!(c.recent_turns.len(), 2);
    }

    #[test]
    fn an_ongoing_hold_counts_at_the_trigger() {
        let mut s = billing_call();
        s.hold_started_at = Some(Timestamp::from_second(1_780_000_000).unwrap());
        let c = context(&s, &decision(TriggerKind::LongHold, None, 60));
        assert_eq!(c.hold_seconds, Some(600));
    }
}
