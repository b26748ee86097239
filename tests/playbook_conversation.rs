//! The playbook over whole conversations: state carried across events as the store does.

use std::collections::BTreeMap;

use escalator::playbook::{Decision, Engine, Playbook, Tier, TriggerKind};
use escalator::session::CallSession;
use escalator_adapters::{CallEvent, Caller, EventKind, Speaker, Utterance, Vendor};
use jiff::Timestamp;

struct Call {
    engine: Engine,
    session: CallSession,
    number: &'static str,
    n: i64,
}

impl Call {
    fn new() -> Self {
        Self::with(Engine::builtin().expect("built-in playbook"))
    }

    fn with(engine: Engine) -> Self {
        Self {
            engine,
            session: CallSession::default(),
            number: "+13175551234",
            n: 0,
        }
    }

    fn event(&mut self, kind: EventKind) -> Option<Decision> {
        self.n += 1;
        let event = CallEvent {
            vendor: Vendor::Genesys,
            call_id: "c1".into(),
            event_id: format!("e{}", self.n),
            occurred_at: Timestamp::from_second(1_770_000_000 + self.n * 10).unwrap(),
            caller: Caller {
                number: Some(self.number.into()),
                ..Caller::default()
            },
            refs: BTreeMap::new(),
            kind,
        };
        // What the store does around the playbook.
        self.session.apply(&event);
        let decision = self.engine.decide(&mut self.session, &event)?;
        for t in &decision.triggers {
            self.session.fired.insert(t.kind.as_str().to_string());
        }
        if decision.opens_escalation() {
            self.session.escalation = Some(escalator::session::OpenEscalation {
                id: format!("x{}", self.n),
                reference: "ESC-TEST".into(),
                team: decision.team.clone(),
                tier: decision.tier,
                rank: decision.rank(),
            });
        }
        Some(decision)
    }

    fn say(&mut self, speaker: Speaker, text: &str) -> Option<Decision> {
        let id = format!("u{}", self.n + 1);
        self.event(EventKind::Utterance(Utterance {
            utterance_id: id,
            speaker,
            text: text.into(),
            is_final: true,
            confidence: None,
            language: None,
        }))
    }

    fn customer(&mut self, text: &str) -> Option<Decision> {
        self.say(Speaker::Customer, text)
    }
}

#[test]
fn anger_gets_heard_guidance_then_a_supervisor_when_it_does_not_fall() {
    let mut call = Call::new();
    let first = call
        .customer("This is ridiculous, I've called three times")
        .unwrap();
    assert_eq!(first.tier, Tier::Agent);
    assert!(first.guidance.as_deref().unwrap().starts_with("HEARD"));
    assert_eq!(first.primary().span.as_deref(), Some("ridiculous"));
    // Still angry on the next turn: below the threshold (2 turns) nothing happens yet.
    assert!(call.customer("Honestly this is unacceptable").is_none());
    let escalated = call.customer("I'm absolutely furious right now").unwrap();
    assert_eq!(escalated.tier, Tier::Supervisor);
    assert_eq!(escalated.primary().kind, TriggerKind::SustainedAnger);
    assert_eq!(escalated.team, "supervisor");
}

#[test]
fn anger_that_falls_after_heard_does_not_escalate() {
    let mut call = Call::new();
    assert!(call.customer("this is a joke").is_some());
    assert!(call.customer("this is outrageous").is_none());
    assert!(call.customer("ok, thank you for explaining").is_none());
    assert!(call.customer("this is pathetic").is_none());
    assert!(call.customer("thanks, that works").is_none());
}

#[test]
fn platform_sentiment_decides_when_the_words_say_nothing_and_angry_words_outrank_it() {
    let mut call = Call::new();
    call.event(EventKind::Sentiment {
        score: -0.8,
        trend: None,
    });
    // No angry words, but the platform measured the caller very negative 10 s ago.
    let d = call
        .customer("I called yesterday about the same bill")
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::Anger);
    call.event(EventKind::Sentiment {
        score: 0.4,
        trend: None,
    });
    // Angry words count whatever the score says: two more angry turns after HEARD bring in
    // a supervisor even though the platform calls the caller positive.
    assert!(call.customer("this is ridiculous").is_none());
    let d = call.customer("honestly this is unacceptable").unwrap();
    assert_eq!(d.primary().kind, TriggerKind::SustainedAnger);
}

#[test]
fn a_legal_threat_after_a_supervisor_request_wins() {
    let mut call = Call::new();
    let sup = call.customer("Let me talk to your supervisor").unwrap();
    assert_eq!(sup.team, "supervisor");
    let legal = call.customer("Fine, then I'll see you in court").unwrap();
    assert_eq!(legal.team, "legal");
    assert_eq!(legal.tier, Tier::Specialist);
    // And the weaker trigger can no longer take it back.
    assert!(call.customer("get me a manager").is_none());
}

#[test]
fn the_same_trigger_twice_escalates_once() {
    let mut call = Call::new();
    assert!(call.customer("I'm going to sue you").is_some());
    assert!(call.customer("I said I'm going to sue you").is_none());
    assert!(call.customer("my lawyer will hear about this").is_none());
}

#[test]
fn an_agent_over_promising_gets_guidance_and_a_supervisor_path() {
    let mut call = Call::new();
    let d = call
        .say(
            Speaker::Agent,
            "I guarantee I'll waive the late fee for you",
        )
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::OverPromise);
    assert_eq!(d.tier, Tier::Supervisor);
    assert!(d
        .guidance
        .as_deref()
        .unwrap()
        .contains("beyond your authority"));
    assert_eq!(d.primary().span.as_deref(), Some("I guarantee"));
}

#[test]
fn an_agent_offering_more_than_its_limit_is_caught_but_within_it_is_not() {
    let mut call = Call::new();
    assert!(call
        .say(Speaker::Agent, "I can refund the $40 delivery charge")
        .is_none());
    let d = call
        .say(Speaker::Agent, "I'll refund you the full $1,250.00 today")
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::OverPromise);
}

#[test]
fn a_caller_asking_beyond_the_agents_authority_goes_to_a_supervisor() {
    let mut call = Call::new();
    assert!(call.customer("can I get a refund of 20 dollars").is_none());
    let d = call
        .customer("I want a refund of $600 for all of this")
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::AuthorityRequest);
    assert!(d.guidance.is_some());
    let mut call = Call::new();
    let d = call.customer("can you just waive the late fee").unwrap();
    assert_eq!(d.primary().kind, TriggerKind::AuthorityRequest);
}

#[test]
fn the_agents_words_never_fire_a_customer_trigger() {
    let mut call = Call::new();
    assert!(call
        .say(
            Speaker::Agent,
            "our legal team will review, you can report us to the FTC"
        )
        .is_none());
    assert!(call.say(Speaker::Unknown, "I will sue you").is_none());
}

#[test]
fn partial_utterances_never_fire() {
    let mut call = Call::new();
    let d = call.event(EventKind::Utterance(Utterance {
        utterance_id: "p".into(),
        speaker: Speaker::Customer,
        text: "I'm going to sue".into(),
        is_final: false,
        confidence: None,
        language: None,
    }));
    assert!(d.is_none());
    assert!(call.session.fired.is_empty());
}

#[test]
fn self_harm_forbids_hold_and_carries_the_crisis_line_for_the_callers_country() {
    let mut call = Call::new();
    let d = call
        .customer("honestly I don't want to be here anymore")
        .unwrap();
    assert!(d.forbids_hold());
    assert_eq!(d.team, "welfare");
    assert!(d.crisis_line.as_deref().unwrap().contains("988"));
    assert!(d.guidance.as_deref().unwrap().contains("988"));

    let mut uk = Call::new();
    uk.number = "+442079460018";
    let d = uk.customer("I can't go on like this").unwrap();
    assert!(d.crisis_line.as_deref().unwrap().contains("116 123"));
}

#[test]
fn a_long_hold_brings_in_a_supervisor() {
    let mut call = Call::new();
    assert!(call.event(EventKind::HoldStarted).is_none());
    let d = call
        .event(EventKind::HoldEnded {
            held_ms: Some(420_000),
        })
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::LongHold);
    let mut short = Call::new();
    assert!(short
        .event(EventKind::HoldEnded {
            held_ms: Some(30_000)
        })
        .is_none());
}

#[test]
fn a_repeat_caller_is_flagged_to_the_agent_when_an_agent_connects_not_escalated() {
    let mut call = Call::new();
    call.session.prior_calls = 2;
    let d = call
        .event(EventKind::AgentConnected { agent_id: None })
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::RepeatContact);
    assert_eq!(d.tier, Tier::Agent);
    assert!(d.guidance.as_deref().unwrap().contains("2 earlier calls"));
    assert!(call.session.escalation.is_none());
    let d = call.customer("get me a manager").unwrap();
    assert_eq!(d.primary().kind, TriggerKind::SupervisorRequest);
    let mut first_time = Call::new();
    first_time.session.prior_calls = 1;
    assert!(first_time
        .event(EventKind::AgentConnected { agent_id: None })
        .is_none());
}

#[test]
fn the_agent_asking_for_help_goes_to_a_supervisor() {
    let mut call = Call::new();
    let d = call
        .event(EventKind::EscalationRequested {
            reason: Some("refund dispute".into()),
        })
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::AgentRequest);
    assert_eq!(d.primary().quote.as_deref(), Some("refund dispute"));
}

#[test]
fn every_trigger_names_its_rule_span_utterance_and_time() {
    let mut call = Call::new();
    let d = call
        .customer("I've been scammed and if you don't refund it my lawyer will be in touch")
        .unwrap();
    let kinds: Vec<TriggerKind> = d.triggers.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, [TriggerKind::LegalThreat, TriggerKind::Fraud]);
    for t in &d.triggers {
        assert!(!t.rule_id.is_empty());
        assert!(t.span.is_some());
        assert_eq!(t.utterance_id.as_deref(), Some("u1"));
        assert_eq!(t.at, Timestamp::from_second(1_770_000_010).unwrap());
    }
}

#[test]
fn an_invalid_playbook_names_the_file_line_and_key() {
    let text = escalator::playbook::file::DEFAULT_PLAYBOOK.replacen(
        "\"sue|sues|suing|sued\"",
        "\"sue|(unclosed\"",
        1,
    );
    let err = Engine::from_text("custom.toml", &text).err().unwrap();
    assert_eq!(err.file, "custom.toml");
    assert_eq!(err.key, "categories.legal_threat.phrases.en[0]");
    let line = text
        .lines()
        .position(|l| l.contains("sue|(unclosed"))
        .unwrap()
        + 1;
    assert_eq!(err.line, line);

    let err = Engine::from_text(
        "custom.toml",
        "version = 1\n[thresholds]\nanger_turns = \"two\"\n",
    )
    .err()
    .unwrap();
    assert_eq!(err.line, 3);
    assert_eq!(err.key, "thresholds.anger_turns");
    let text =
        escalator::playbook::file::DEFAULT_PLAYBOOK.replace("categories.anger", "categories.angry");
    let err = Engine::from_text("custom.toml", &text).err().unwrap();
    assert_eq!(err.key, "categories.angry");
}

#[test]
fn a_reload_swaps_a_valid_file_and_keeps_the_old_one_on_an_invalid_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("playbook.toml");
    let base = escalator::playbook::file::DEFAULT_PLAYBOOK;
    std::fs::write(&path, base).unwrap();
    let handle =
        escalator::playbook::PlaybookHandle::new(Engine::load(&path).unwrap(), Default::default());
    let speaker = Speaker::Customer;
    assert!(handle
        .current()
        .classify("I'll go to the regulator", speaker)
        .categories
        .contains(&"regulator_mention".to_string()));

    // A new phrase for supervisor requests.
    let extended = base.replacen(
        "\"(manager|supervisor) (please|now|right now)\",",
        "\"(manager|supervisor) (please|now|right now)\",\n  \"fetch (the|your) (big )?boss\",",
        1,
    );
    std::fs::write(&path, &extended).unwrap();
    handle.reload(&path).unwrap();
    assert_eq!(
        handle
            .current()
            .classify("fetch your big boss", speaker)
            .categories,
        ["supervisor_request"]
    );

    std::fs::write(&path, "this is not toml [").unwrap();
    let err = handle.reload(&path).unwrap_err();
    assert!(err.to_string().contains("playbook.toml"), "{err}");
    assert_eq!(
        handle
            .current()
            .classify("fetch your big boss", speaker)
            .categories,
        ["supervisor_request"]
    );
}

#[test]
fn teams_in_the_playbook_override_the_service_config() {
    use escalator::config::{GenesysTarget, TeamConfig};
    let text = format!(
        "{}\n[teams.legal.genesys]\nqueue_id = \"q-legal-from-playbook\"\n",
        escalator::playbook::file::DEFAULT_PLAYBOOK
    );
    let base = std::collections::BTreeMap::from([
        (
            "legal".to_string(),
            TeamConfig {
                genesys: Some(GenesysTarget {
                    queue_id: "q-legal-from-config".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ),
        (
            "fraud".to_string(),
            TeamConfig {
                genesys: Some(GenesysTarget {
                    queue_id: "q-fraud-from-config".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ),
    ]);
    let engine = Engine::from_text("p.toml", &text)
        .unwrap()
        .with_base_teams(&base);
    let queue = |t: &str| {
        engine
            .team(t)
            .and_then(|t| t.genesys.clone())
            .map(|g| g.queue_id)
    };
    assert_eq!(queue("legal").as_deref(), Some("q-legal-from-playbook"));
    assert_eq!(queue("fraud").as_deref(), Some("q-fraud-from-config"));
}

#[tokio::test]
async fn the_reloader_picks_up_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("playbook.toml");
    let base = escalator::playbook::file::DEFAULT_PLAYBOOK;
    std::fs::write(&path, base).unwrap();
    let handle =
        escalator::playbook::PlaybookHandle::new(Engine::load(&path).unwrap(), Default::default());
    let stop = tokio_util::sync::CancellationToken::new();
    escalator::playbook::spawn_reloader(handle.clone(), Some(path.clone()), stop.clone());
    let fires = |h: &escalator::playbook::PlaybookHandle| {
        !h.current()
            .classify("fetch your big boss", Speaker::Customer)
            .categories
            .is_empty()
    };
    assert!(!fires(&handle));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    std::fs::write(
        &path,
        base.replacen(
            "\"(manager|supervisor) (please|now|right now)\",",
            "\"(manager|supervisor) (please|now|right now)\",\n  \"fetch (the|your) (big )?boss\",",
            1,
        ),
    )
    .unwrap();
    let mut reloaded = false;
    for _ in 0..50 {
        if fires(&handle) {
            reloaded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.cancel();
    assert!(reloaded, "the changed playbook was not picked up");
}

#[test]
fn a_credit_card_is_not_a_credit_and_an_agents_credit_offer_is_checked() {
    let mut call = Call::new();
    assert!(call
        .customer("I want a refund of $80 back on my credit card")
        .is_none());
    let d = call
        .say(
            Speaker::Agent,
            "I can give you a credit of $200 on the account",
        )
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::OverPromise);
}

#[test]
fn an_agents_label_that_names_a_hard_stop_goes_to_that_team() {
    let mut call = Call::new();
    let d = call
        .event(EventKind::EscalationRequested {
            reason: Some("Escalated - Legal".into()),
        })
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::LegalThreat);
    assert_eq!(d.team, "legal");
    assert_eq!(d.primary().quote.as_deref(), Some("Escalated - Legal"));
    let mut call = Call::new();
    let d = call
        .event(EventKind::EscalationRequested {
            reason: Some("customer disputes a refund above my limit".into()),
        })
        .unwrap();
    assert_eq!(d.primary().kind, TriggerKind::AgentRequest);
    assert_eq!(d.team, "supervisor");
}
