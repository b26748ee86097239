//! Events, decisions and commitments the store tests record.

use std::time::Duration;

use escalator_adapters::{
    Action, Briefing, CallEvent, Caller, Destination, EventKind, Target, Vendor,
};
use jiff::Timestamp;

use crate::playbook::{Decision, FiredTrigger, Tier, TriggerKind};
use crate::store::{EventOutcome, NewCallback, Planned, Store};

pub const REPEAT_WINDOW: Duration = Duration::from_secs(3600);

/// An event on `call_id` carrying one platform ref (`event_id` → `call_id`), so the
/// call's session shows which events were folded into it.
pub fn event(call_id: &str, event_id: &str) -> CallEvent {
    CallEvent {
        vendor: Vendor::Genesys,
        call_id: call_id.into(),
        event_id: event_id.into(),
        occurred_at: Timestamp::now(),
        caller: Caller {
            number: Some("+13175551234".into()),
            ..Caller::default()
        },
        refs: [(event_id.to_string(), call_id.to_string())].into(),
        kind: EventKind::CallStarted {
            direction: None,
            line: None,
        },
    }
}

pub fn briefing(reference: &str) -> Briefing {
    Briefing {
        reference: reference.into(),
        tier: "supervisor".into(),
        reason: "legal threat".into(),
        rule_id: "legal.sue".into(),
        quote: Some("I will sue".into()),
        utterance_id: None,
        caller_name: Some("Dana Reyes".into()),
        verified: Some(true),
        context: Default::default(),
    }
}

pub fn target() -> Target {
    Target {
        team: "legal".into(),
        destination: Destination::Queue {
            id: "q-legal".into(),
            name: None,
        },
    }
}

/// A supervisor escalation with two actions (guidance and a briefing).
pub fn planned(id: &str) -> Planned {
    let reference = format!("ESC-{id}");
    Planned {
        id: id.into(),
        reference: reference.clone(),
        decision: Decision {
            tier: Tier::Supervisor,
            team: "legal".into(),
            triggers: vec![FiredTrigger {
                kind: TriggerKind::LegalThreat,
                rule_id: "legal.sue".into(),
                team: "legal".into(),
                span: Some("sue".into()),
                quote: Some("I will sue".into()),
                utterance_id: Some("u1".into()),
                at: Timestamp::now(),
                semantic: None,
            }],
            guidance: None,
            crisis_line: None,
            mode: Default::default(),
            secondary: Vec::new(),
        },
        status: "open",
        actions: vec![
            Action::AgentGuidance {
                text: "transfer to legal".into(),
                topic: Default::default(),
            },
            Action::AttachBriefing {
                briefing: briefing(&reference),
            },
        ],
        max_attempts: 3,
        review: true,
    }
}

/// Records one call whose first event escalates as `escalation_id`.
pub async fn escalate(store: &Store, call_id: &str, escalation_id: &str) {
    let outcomes = store
        .record_delivery(
            &[event(call_id, &format!("{call_id}-e1"))],
            REPEAT_WINDOW,
            |_, _| Some(planned(escalation_id)),
        )
        .await
        .expect("delivery recorded");
    assert!(matches!(outcomes[0], EventOutcome::Escalated { .. }));
}

/// A named callback for `escalation_id` whose window is `[start, end)`.
pub async fn commit_callback(
    store: &Store,
    call_id: &str,
    escalation_id: &str,
    window: &crate::callbacks::Window,
) -> String {
    escalate(store, call_id, escalation_id).await;
    let target = target();
    let briefing = briefing(&crate::reference::generate());
    store
        .record_named_callback(&NewCallback {
            escalation_id,
            vendor: Vendor::Genesys,
            call_id,
            target: &target,
            owner: Some("Owner of legal"),
            number: Some("+13175551234"),
            briefing: &briefing,
            window: Ok(window),
            held_by: crate::store::SYSTEM_ACTOR,
            platform_ref: None,
        })
        .await
        .expect("callback recorded");
    briefing.reference
}

pub fn window(start: Timestamp, end: Timestamp) -> crate::callbacks::Window {
    crate::callbacks::Window {
        start,
        end,
        deadline: end,
        zones: vec!["America/Indiana/Indianapolis".into()],
        region: "US-IN".into(),
    }
}
