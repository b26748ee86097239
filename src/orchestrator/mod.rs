//! Turns a decision into the actions that carry it out on the call's platform, and walks
//! the platform's fallback chain ([`chain`]) when an action fails for good.
//!
//! Hard-stops are never blind-transferred; self-harm consults conference the team in
//! (`speakTo` CONFERENCE) so the caller is never parked on hold, and never fall back to a
//! queue or a callback: when nothing can bring the team onto the line, a supervisor is
//! alerted at once while the agent stays with the caller (their guidance says so).

pub mod chain;

use std::collections::BTreeMap;

use escalator_adapters::{
    Action, AlertReason, Briefing, Capabilities, Destination, GuidanceTopic, SpeakTo, Target,
    Urgency, Vendor,
};

pub use chain::{CallState, Link, Severity};

use crate::callbacks::{platform_callback_time, Address, CallbacksConfig, PlatformCallbackTime};
use crate::config::PlatformTarget;
use crate::playbook::{Decision, DecisionMode, FiredTrigger, PlaybookHandle, Tier, TriggerKind};
use crate::session::CallSession;
use crate::store::Planned;
use crate::{reference, review};

#[derive(Clone)]
pub struct Orchestrator {
    /// Teams and their platform targets come from the playbook in force.
    playbook: PlaybookHandle,
    max_attempts: u32,
    review_sample_percent: u8,
    /// Callback policies and calling hours: a platform callback is asked for a lawful time.
    callbacks: std::sync::Arc<CallbacksConfig>,
}

/// What the chain needs to build any of its links' actions.
struct Escalation<'a> {
    team: &'a str,
    briefing: &'a Briefing,
    number: Option<String>,
    /// The caller's address, where a platform gave it (their zone comes from it first).
    address: Option<Address>,
    vendor: Vendor,
    /// The platform's ids for the call, so an alert names the call a person must find.
    refs: &'a BTreeMap<String, String>,
}

impl Orchestrator {
    pub fn new(playbook: PlaybookHandle, max_attempts: u32) -> Self {
        Self {
            playbook,
            max_attempts,
            review_sample_percent: 0,
            callbacks: Default::default(),
        }
    }

    /// Policies and calling hours for the times of platform callbacks.
    pub fn with_callbacks(mut self, callbacks: CallbacksConfig) -> Self {
        self.callbacks = std::sync::Arc::new(callbacks);
        self
    }

    /// Flags this share (0–100) of non-hard-stop escalations for review.
    pub fn with_review_sample(mut self, percent: u8) -> Self {
        self.review_sample_percent = percent;
        self
    }

    fn platform_target(&self, team: &str, vendor: Vendor) -> Option<PlatformTarget> {
        self.playbook
            .current()
            .team(team)
            .and_then(|t| t.target(vendor).cloned())
    }

    fn callback_owner(&self, team: &str) -> Option<String> {
        self.playbook
            .current()
            .team(team)
            .and_then(|t| t.callback_owner.clone())
            .filter(|o| !o.trim().is_empty())
    }

    fn roster(&self, team: &str) -> Vec<String> {
        self.playbook
            .current()
            .team(team)
            .map(|t| {
                t.roster
                    .iter()
                    .filter(|p| !p.trim().is_empty())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The escalation record and actions for a decision taken during a live call.
    pub fn plan(&self, decision: Decision, session: &CallSession, vendor: Vendor) -> Planned {
        match decision.mode {
            DecisionMode::Review => return self.plan_review(decision, session, vendor),
            DecisionMode::AlertOnly => return self.plan_alerts(decision, session, vendor),
            DecisionMode::Escalate => {}
        }
        let reference = reference::generate();
        let mut briefing = briefing(&decision, session, &reference);
        if !decision.is_guidance_only() {
            briefing.context.involved = involved(session);
            briefing.context.earlier = earlier(session);
        }
        let caps = Capabilities::of(vendor);
        let mut actions = Vec::new();
        // Guidance reaches the agent only where something shows it during the call; it is
        // in the decision record either way.
        if let (Some(text), true) = (&decision.guidance, caps.live_briefing) {
            actions.push(Action::AgentGuidance {
                text: text.clone(),
                topic: Default::default(),
            });
        }
        if !decision.is_guidance_only() {
            let esc = Escalation {
                team: &decision.team,
                briefing: &briefing,
                number: session.caller.number.clone(),
                address: Address::from_refs(&session.refs),
                vendor,
                refs: &session.refs,
            };
            let links = chain::chain(caps, severity_of(&briefing));
            actions.extend(self.start(&esc, &links));
        }
        let lead = decision.team.as_str();
        for t in &decision.secondary {
            actions.push(self.second_hard_stop_alert(t, lead, &reference, session, vendor));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let status = if decision.is_guidance_only() {
            "guided"
        } else if actions.iter().any(|a| Link::of(a).is_some()) {
            "open"
        } else {
            // Only an alert: the platform cannot bring anyone onto the line.
            "needs_person"
        };
        Planned {
            review: review::flagged(&decision, &id, self.review_percent(&decision)),
            id,
            reference,
            status,
            decision,
            actions,
            max_attempts: self.max_attempts,
        }
    }

    /// The share of escalations like `decision` flagged for review: the playbook's
    /// `[review]` rate for its kind, else the service's `review.sample_percent`.
    fn review_percent(&self, decision: &Decision) -> u8 {
        let playbook = self.playbook.current();
        review::sample_percent(
            decision,
            playbook.review_rates(),
            self.review_sample_percent,
        )
    }

    /// The record for hard-stops heard while a stronger escalation has the call: an
    /// immediate supervisor alert to each one's team, flagged for review; no transfer, and
    /// the call's open escalation stays as it is.
    fn plan_alerts(&self, decision: Decision, session: &CallSession, vendor: Vendor) -> Planned {
        let reference = reference::generate();
        let lead = session
            .escalation
            .as_ref()
            .map_or("the open escalation", |e| e.team.as_str());
        let actions = decision
            .triggers
            .iter()
            .map(|t| self.second_hard_stop_alert(t, lead, &reference, session, vendor))
            .collect();
        Planned {
            review: true,
            id: uuid::Uuid::new_v4().to_string(),
            reference,
            status: "alerted",
            decision,
            actions,
            max_attempts: self.max_attempts,
        }
    }

    /// The immediate alert to the team of a hard-stop `trigger` that does not lead: team
    /// `lead` has the call.
    fn second_hard_stop_alert(
        &self,
        trigger: &FiredTrigger,
        lead: &str,
        reference: &str,
        session: &CallSession,
        vendor: Vendor,
    ) -> Action {
        // Briefed as if it led: its own kind, quote and team.
        let alone = Decision {
            tier: Tier::Specialist,
            team: trigger.team.clone(),
            triggers: vec![trigger.clone()],
            guidance: None,
            crisis_line: None,
            mode: DecisionMode::AlertOnly,
            secondary: Vec::new(),
        };
        let briefing = briefing(&alone, session, reference);
        let esc = Escalation {
            team: &trigger.team,
            briefing: &briefing,
            number: session.caller.number.clone(),
            address: Address::from_refs(&session.refs),
            vendor,
            refs: &session.refs,
        };
        let mut alert = self.alert(&esc, AlertReason::SecondHardStop);
        if let Action::SupervisorAlert { summary, .. } = &mut alert {
            summary.push_str(&format!(" Team {lead} has the call."));
        }
        alert
    }

    /// The record for a review: a supervisor alert and the review flag, nothing sent to
    /// the platform and no one brought onto the call. A semantic review (the layer not
    /// sure enough to transfer), or a self-harm phrase heard only in a partial before the
    /// call ended.
    pub fn plan_review(
        &self,
        decision: Decision,
        session: &CallSession,
        vendor: Vendor,
    ) -> Planned {
        let reference = reference::generate();
        let briefing = briefing(&decision, session, &reference);
        let esc = Escalation {
            team: &decision.team,
            briefing: &briefing,
            number: session.caller.number.clone(),
            address: Address::from_refs(&session.refs),
            vendor,
            refs: &session.refs,
        };
        let reason = if decision.primary().semantic.is_some() {
            AlertReason::SemanticReview
        } else {
            AlertReason::CallEndedAtRisk
        };
        let mut alert = self.alert(&esc, reason);
        if let (Action::SupervisorAlert { summary, .. }, Some(line)) =
            (&mut alert, &decision.crisis_line)
        {
            summary.push_str(&format!(" Crisis line for the caller: {line}."));
        }
        if let Action::SupervisorAlert { summary, .. } = &mut alert {
            for t in &decision.triggers {
                if let Some(ev) = &t.semantic {
                    summary.push_str(&format!(" {} score {:.2}.", t.kind, ev.score));
                }
            }
            if let Some(line) = decision
                .primary()
                .semantic
                .iter()
                .flat_map(|e| &e.nearest)
                .next()
            {
                summary.push_str(&format!(" Closest labelled line: \"{}\".", line.text));
            }
        }
        Planned {
            review: true,
            id: uuid::Uuid::new_v4().to_string(),
            reference,
            status: "review",
            decision,
            actions: vec![alert],
            max_attempts: self.max_attempts,
        }
    }

    /// The record for a decision a routing hook answer carries out (the flow routes the
    /// call itself, so there is nothing to send).
    pub fn plan_routed(&self, decision: Decision) -> Planned {
        let id = uuid::Uuid::new_v4().to_string();
        Planned {
            review: review::flagged(&decision, &id, self.review_percent(&decision)),
            id,
            reference: reference::generate(),
            decision,
            status: "routed",
            actions: Vec::new(),
            max_attempts: self.max_attempts,
        }
    }

    /// Where `team` is on `vendor`'s platform.
    pub fn target(&self, team: &str, vendor: Vendor) -> Target {
        let filled = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let destination = match self.platform_target(team, vendor) {
            Some(g) if !g.queue_id.trim().is_empty() => Destination::Queue {
                id: g.queue_id.clone(),
                name: g.queue_name.clone(),
            },
            Some(g) => match (filled(&g.agent_id), filled(&g.address)) {
                (Some(id), _) => Destination::Agent { id },
                (None, Some(address)) => Destination::Address { address },
                _ => Destination::Unmapped,
            },
            None => Destination::Unmapped,
        };
        Target {
            team: team.to_string(),
            destination,
        }
    }

    fn callback_target(&self, team: &str, vendor: Vendor) -> Target {
        let queue = self
            .platform_target(team, vendor)
            .and_then(|g| g.callback_queue_id.filter(|q| !q.trim().is_empty()));
        match queue {
            Some(id) => Target {
                team: team.to_string(),
                destination: Destination::Queue { id, name: None },
            },
            _ => self.target(team, vendor),
        }
    }

    /// The actions that start the chain: its first link, or the alert for a caller at
    /// risk when the platform has no way to bring anyone onto the line.
    fn start(&self, esc: &Escalation<'_>, links: &[Link]) -> Vec<Action> {
        match links.first() {
            Some(first) => self.link_actions(*first, esc),
            None => vec![self.alert(esc, AlertReason::CallerAtRisk)],
        }
    }

    /// The next actions when `failed` cannot be carried out: the chain's next link that
    /// can still run on a call in `state` (with the supervisor alert that goes with it),
    /// the at-risk alert when a self-harm chain is spent, or nothing when `failed` was not
    /// a link or was the last one. A consult nobody answered ([`Action::ConfirmTransfer`])
    /// goes straight to the chain's callback, never to another transfer.
    pub fn fallback(
        &self,
        failed: &Action,
        vendor: Vendor,
        refs: &BTreeMap<String, String>,
        state: CallState,
    ) -> Vec<Action> {
        let unanswered = matches!(failed, Action::ConfirmTransfer { .. });
        let Some((team, briefing, number)) = parts(failed) else {
            return Vec::new();
        };
        let severity = severity_of(briefing);
        let links = chain::chain(Capabilities::of(vendor), severity);
        let link = match failed {
            // The transfer it watched: the platform's consult, or the agent's.
            Action::ConfirmTransfer { .. } => match links
                .iter()
                .find(|l| matches!(l, Link::WarmTransfer | Link::AssistedTransfer))
            {
                Some(link) => *link,
                None => return Vec::new(),
            },
            other => match Link::of(other) {
                Some(link) => link,
                None => return Vec::new(),
            },
        };
        let esc = Escalation {
            team,
            briefing,
            number: number.or_else(|| refs.get("caller_number").cloned()),
            address: Address::from_refs(refs),
            vendor,
            refs,
        };
        let next = if unanswered {
            chain::next_callback(&links, link)
        } else {
            chain::next(&links, link, state)
        };
        match next {
            Some(next) => {
                let mut actions = self.link_actions(next, &esc);
                if unanswered {
                    actions.push(self.alert(&esc, AlertReason::TransferUnanswered));
                }
                actions
            }
            None if severity == Severity::SelfHarm => {
                let mut actions = vec![self.alert(&esc, AlertReason::CallerAtRisk)];
                // The agent was told the team is coming: tell them at once it is not.
                if !state.ended && Capabilities::of(vendor).live_briefing {
                    actions.push(Action::AgentGuidance {
                        text: self.nobody_coming(&esc),
                        topic: GuidanceTopic::NobodyComing,
                    });
                }
                actions
            }
            None => Vec::new(),
        }
    }

    /// What follows a consult the platform accepted, or a transfer the agent was asked to
    /// make (CloudTalk): a check, after the playbook's answer time, that someone picked up.
    /// `None` for any other action, and for a self-harm transfer left to the agent (a
    /// supervisor was alerted with it at once).
    pub fn after_transfer(&self, placed: &Action) -> Option<(Action, std::time::Duration)> {
        let (target, briefing) = match placed {
            Action::WarmTransfer {
                target, briefing, ..
            } => (target, briefing),
            Action::AssistedTransfer {
                target, briefing, ..
            } if severity_of(briefing) != Severity::SelfHarm => (target, briefing),
            _ => return None,
        };
        let seconds = self.playbook.current().thresholds().transfer_answer_seconds;
        Some((
            Action::ConfirmTransfer {
                target: target.clone(),
                briefing: briefing.clone(),
                answer_within_s: seconds,
            },
            std::time::Duration::from_secs(seconds),
        ))
    }

    /// What the agent tells a caller still on the line about the callback just booked:
    /// its reference, owner and window in the caller's own time.
    pub fn callback_told(&self, cb: &crate::store::CallbackRecord) -> Action {
        let local = |at: &Option<String>| -> Option<String> {
            let ts: jiff::Timestamp = at.as_deref()?.parse().ok()?;
            let zone = cb.zone.as_deref().unwrap_or("UTC");
            let zoned = ts.in_tz(zone).ok()?;
            Some(zoned.strftime("%a %-d %b %H:%M").to_string())
        };
        let when = match (local(&cb.window_start), local(&cb.window_end)) {
            (Some(a), Some(b)) => format!(
                "between {a} and {b} (their time{})",
                cb.zone
                    .as_deref()
                    .map(|z| format!(", {z}"))
                    .unwrap_or_default()
            ),
            _ => "as soon as calling hours allow".to_string(),
        };
        let who = cb.owner.as_deref().unwrap_or("a named person on the team");
        let number = cb
            .number
            .as_deref()
            .map(|n| format!(" on {n}"))
            .unwrap_or_default();
        Action::AgentGuidance {
            text: format!(
                "A callback is booked. Tell the caller: {who} from team {} will call them \
                 back{number} {when}. Their reference is {}; ask them to keep it.",
                cb.team, cb.reference
            ),
            topic: GuidanceTopic::CallbackBooked,
        }
    }

    /// The agent's instructions when the welfare team cannot be brought on.
    fn nobody_coming(&self, esc: &Escalation<'_>) -> String {
        let line = self
            .playbook
            .current()
            .crisis_line(esc.number.as_deref())
            .map(|l| format!(" Give the caller the crisis line: {l}."))
            .unwrap_or_default();
        format!(
            "Nobody from team {} could be brought onto the call. Stay with the caller and keep \
             talking; do not put them on hold or end the call.{line} A supervisor has been \
             alerted to join you now (reference {}).",
            esc.team, esc.briefing.reference
        )
    }

    fn link_actions(&self, link: Link, esc: &Escalation<'_>) -> Vec<Action> {
        let target = || self.target(esc.team, esc.vendor);
        let briefing = esc.briefing.clone();
        match link {
            Link::WarmTransfer => vec![Action::WarmTransfer {
                target: target(),
                speak_to: speak_to(esc.briefing),
                briefing,
            }],
            Link::AssistedTransfer => {
                let mut actions = vec![Action::AssistedTransfer {
                    target: target(),
                    speak_to: speak_to(esc.briefing),
                    briefing,
                }];
                // Nobody can confirm the agent brought the team in: a caller at risk is
                // never left to a card alone.
                if severity_of(esc.briefing) == Severity::SelfHarm {
                    actions.push(self.alert(esc, AlertReason::CallerAtRisk));
                }
                actions
            }
            Link::BlindTransfer => vec![Action::BlindTransfer {
                target: target(),
                briefing: Some(briefing),
            }],
            Link::RouteOnHook => vec![Action::RouteOnHook {
                target: target(),
                briefing,
            }],
            Link::PlatformCallback => {
                // Never "at once" outside the callee's calling hours, and never asked of
                // the platform at all where no lawful time can be known.
                let at = match platform_callback_time(
                    &self.callbacks,
                    jiff::Timestamp::now(),
                    &esc.briefing.tier,
                    esc.team,
                    esc.number.as_deref(),
                    esc.address.as_ref(),
                ) {
                    PlatformCallbackTime::Now => None,
                    PlatformCallbackTime::At(at) => Some(at),
                    PlatformCallbackTime::Unplaceable(why) => {
                        return self.unplaceable_callback(esc, &why);
                    }
                };
                vec![
                    Action::ScheduleCallback {
                        target: self.callback_target(esc.team, esc.vendor),
                        number: esc.number.clone(),
                        at,
                        briefing,
                        owner: self.callback_owner(esc.team),
                        roster: self.roster(esc.team),
                    },
                    self.alert(esc, AlertReason::CallbackInsteadOfTransfer),
                ]
            }
            Link::NamedCallback => vec![
                Action::NamedCallback {
                    target: target(),
                    number: esc.number.clone(),
                    owner: self.callback_owner(esc.team),
                    roster: self.roster(esc.team),
                    briefing,
                },
                self.alert(esc, AlertReason::ChainExhausted),
            ],
        }
    }

    /// A platform callback with no lawful time known: Escalator holds it as a named
    /// callback (recorded with no window and why, so the scheduler hands it to a
    /// supervisor at once) and the supervisor is told why the platform was not asked.
    fn unplaceable_callback(&self, esc: &Escalation<'_>, why: &str) -> Vec<Action> {
        let mut alert = self.alert(esc, AlertReason::CallbackInsteadOfTransfer);
        if let Action::SupervisorAlert { summary, .. } = &mut alert {
            *summary = format!(
                "{} escalation {} ({}) on {} could not be transferred to team {}, and the \
                 platform was not asked to call back: {why} Escalator holds the callback; \
                 find out where the customer is, then call them back within their calling \
                 hours.",
                esc.briefing.tier,
                esc.briefing.reference,
                esc.briefing.reason,
                esc.vendor,
                esc.team
            );
        }
        vec![
            Action::NamedCallback {
                target: self.target(esc.team, esc.vendor),
                number: esc.number.clone(),
                owner: self.callback_owner(esc.team),
                roster: self.roster(esc.team),
                briefing: esc.briefing.clone(),
            },
            alert,
        ]
    }

    /// For a caller at risk: everything a person needs to find the call now.
    fn where_the_call_is(&self, esc: &Escalation<'_>) -> String {
        let mut parts = Vec::new();
        let first = |keys: &[&str]| keys.iter().find_map(|k| esc.refs.get(*k)).cloned();
        if let Some(call) = first(&["call_id", "conversation_id", "interaction_id"]) {
            parts.push(format!("platform call {call}"));
        }
        if let Some(agent) = first(&[
            "agent_user_name",
            "agent_username",
            "agent_name",
            "agent_user_id",
            "agent_id",
        ]) {
            parts.push(format!("agent {agent}"));
        }
        if let Some(n) = &esc.number {
            parts.push(format!("caller number {n}"));
        }
        if let Some(line) = self.playbook.current().crisis_line(esc.number.as_deref()) {
            parts.push(format!("crisis line for the caller {line}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" {}.", parts.join(", "))
        }
    }

    fn alert(&self, esc: &Escalation<'_>, reason: AlertReason) -> Action {
        let b = esc.briefing;
        let owner = self.callback_owner(esc.team);
        let hard_stop = severity_of(b) != Severity::Tier;
        let urgency = if hard_stop
            || matches!(
                reason,
                AlertReason::CallerAtRisk | AlertReason::CallEndedAtRisk
            ) {
            Urgency::Immediate
        } else {
            Urgency::Normal
        };
        let who = owner
            .as_deref()
            .unwrap_or("no owner configured: assign one");
        let summary = match reason {
            AlertReason::CallbackInsteadOfTransfer => format!(
                "{} escalation {} ({}) on {} could not be transferred to team {}; a callback \
                 was requested on the platform. Owner: {who}.",
                b.tier, b.reference, b.reason, esc.vendor, esc.team
            ),
            AlertReason::ChainExhausted => format!(
                "{} escalation {} ({}) on {}: no platform action is known to have reached team \
                 {}. Escalator holds a named callback; check the call on the platform, then \
                 call the customer back. Owner: {who}.",
                b.tier, b.reference, b.reason, esc.vendor, esc.team
            ),
            AlertReason::CallerAtRisk if Capabilities::of(esc.vendor).agent_assisted_transfer => {
                format!(
                    "Caller at risk ({}) on {}, escalation {}: the agent is asked to conference \
                     team {} in, which {} cannot do or confirm by API. Make sure the team joins \
                     now; the agent stays on the call.{}",
                    b.reason,
                    esc.vendor,
                    b.reference,
                    esc.team,
                    esc.vendor,
                    self.where_the_call_is(esc)
                )
            }
            AlertReason::CallerAtRisk => format!(
                "Caller at risk ({}) on {}, escalation {}: team {} could not be brought onto \
                 the line. Join the agent now; the agent stays on the call.{}",
                b.reason,
                esc.vendor,
                b.reference,
                esc.team,
                self.where_the_call_is(esc)
            ),
            AlertReason::TransferUnanswered => format!(
                "{} escalation {} ({}) on {}: nobody from team {} answered the consult within \
                 {} s, or the caller hung up while it rang. A callback is booked; call the \
                 customer back. Owner: {who}.",
                b.tier,
                b.reference,
                b.reason,
                esc.vendor,
                esc.team,
                self.playbook.current().thresholds().transfer_answer_seconds
            ),
            AlertReason::SemanticReview => format!(
                "Possible {} on {}, escalation {}: the semantic layer is not sure enough to \
                 transfer. Listen in and decide; nothing was transferred and the call is \
                 flagged for review.",
                b.reason, esc.vendor, b.reference
            ),
            AlertReason::SecondHardStop => format!(
                "{} also heard on {}, escalation {}: \"{}\". Team {} is not on the call and \
                 nobody was transferred to it; follow up now (recorded and flagged for \
                 review).",
                b.reason,
                esc.vendor,
                b.reference,
                b.quote.as_deref().unwrap_or(""),
                esc.team
            ),
            AlertReason::CallEndedAtRisk => format!(
                "The caller may be at risk and the call has ended: a self-harm phrase was \
                 heard in a partial transcript on {} (\"{}\") and the caller hung up before \
                 it was confirmed. Caller's number: {}. Call them back now or follow the \
                 welfare protocol; escalation {} is flagged for review.{}",
                esc.vendor,
                b.quote.as_deref().unwrap_or(""),
                esc.number.as_deref().unwrap_or("unknown"),
                b.reference,
                self.where_the_call_is(esc)
            ),
        };
        Action::SupervisorAlert {
            team: esc.team.to_string(),
            reason,
            urgency,
            owner,
            summary,
            briefing: b.clone(),
        }
    }
}

/// The team, briefing and callback number a link's action carries.
fn parts(action: &Action) -> Option<(&str, &Briefing, Option<String>)> {
    match action {
        Action::WarmTransfer {
            target, briefing, ..
        }
        | Action::AssistedTransfer {
            target, briefing, ..
        }
        | Action::ConfirmTransfer {
            target, briefing, ..
        }
        | Action::RouteOnHook { target, briefing } => Some((&target.team, briefing, None)),
        Action::BlindTransfer {
            target,
            briefing: Some(briefing),
        } => Some((&target.team, briefing, None)),
        Action::ScheduleCallback {
            target,
            briefing,
            number,
            ..
        }
        | Action::NamedCallback {
            target,
            briefing,
            number,
            ..
        } => Some((&target.team, briefing, number.clone())),
        _ => None,
    }
}

/// Who is already on the call or being brought onto it, for the next receiver's briefing.
fn involved(session: &CallSession) -> Vec<String> {
    let Some(open) = &session.escalation else {
        return Vec::new();
    };
    let what = match session.held_by {
        Some(_) => "answered and may be on the line",
        None => "asked to join; that consult is being cancelled for this one",
    };
    vec![format!(
        "team {} ({}, escalation {}): {what}",
        open.team,
        open.tier.as_str(),
        open.reference
    )]
}

/// The escalations decided on this call before this one, oldest first.
fn earlier(session: &CallSession) -> Vec<String> {
    session
        .history
        .iter()
        .map(|n| {
            format!(
                "{} at {}: {} to team {}",
                n.reference, n.at, n.trigger, n.team
            )
        })
        .collect()
}

fn severity_of(b: &Briefing) -> Severity {
    match TriggerKind::parse(&b.reason) {
        Some(TriggerKind::SelfHarm) => Severity::SelfHarm,
        Some(k) if k.is_hard_stop() => Severity::HardStop,
        _ => Severity::Tier,
    }
}

fn speak_to(b: &Briefing) -> SpeakTo {
    // Self-harm never parks the caller; a caller escalated for a long hold is not put on
    // hold again.
    let long_hold = TriggerKind::parse(&b.reason) == Some(TriggerKind::LongHold);
    if severity_of(b) == Severity::SelfHarm || long_hold {
        SpeakTo::Conference
    } else {
        SpeakTo::Destination
    }
}

fn briefing(decision: &Decision, session: &CallSession, reference: &str) -> Briefing {
    let primary = decision.primary();
    Briefing {
        reference: reference.to_string(),
        tier: decision.tier.as_str().to_string(),
        reason: primary.kind.as_str().to_string(),
        rule_id: primary.rule_id.clone(),
        quote: primary.quote.clone(),
        utterance_id: primary.utterance_id.clone(),
        caller_name: session.caller.name.clone(),
        verified: session.caller.verified,
        context: crate::briefing::context(session, decision),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use escalator_adapters::Caller;

    use super::*;
    use crate::config::TeamConfig;
    use crate::playbook::{Engine, FiredTrigger};

    fn orchestrator() -> Orchestrator {
        let target = |id: &str| {
            Some(PlatformTarget {
                queue_id: id.into(),
                ..Default::default()
            })
        };
        let legal = TeamConfig {
            callback_owner: Some("Dana Reyes".into()),
            supervisor: None,
            roster: Vec::new(),
            genesys: target("q-legal"),
            talkdesk: target("rg-legal"),
            five9: target("skill-legal"),
            nextiva: target("nx-legal"),
            cloudtalk: target("ct-legal"),
        };
        let teams = BTreeMap::from([("legal".to_string(), legal)]);
        let engine = Engine::builtin().expect("built-in playbook");
        Orchestrator::new(PlaybookHandle::new(engine, teams), 5)
    }

    fn decision(kind: TriggerKind, tier: Tier, guidance: Option<&str>) -> Decision {
        Decision {
            tier,
            team: "legal".into(),
            triggers: vec![FiredTrigger {
                kind,
                rule_id: "test.rule".into(),
                team: "legal".into(),
                span: Some("sue".into()),
                quote: Some("I will sue you".into()),
                utterance_id: Some("u1".into()),
                at: jiff::Timestamp::UNIX_EPOCH,
                semantic: None,
            }],
            guidance: guidance.map(str::to_string),
            crisis_line: None,
            mode: DecisionMode::Escalate,
            secondary: Vec::new(),
        }
    }

    fn session() -> CallSession {
        CallSession {
            caller: Caller {
                number: Some("+13175551234".into()),
                ..Caller::default()
            },
            ..CallSession::default()
        }
    }

    fn kinds(actions: &[Action]) -> Vec<&'static str> {
        actions.iter().map(Action::kind).collect()
    }

    #[test]
    fn a_hard_stop_starts_with_each_platforms_best_action() {
        let o = orchestrator();
        let d = decision(TriggerKind::LegalThreat, Tier::Specialist, None);
        let first = |v| kinds(&o.plan(d.clone(), &session(), v).actions);
        assert_eq!(first(Vendor::Genesys), ["warm_transfer"]);
        assert_eq!(first(Vendor::Five9), ["warm_transfer"]);
        assert_eq!(first(Vendor::Talkdesk), ["route_on_hook"]);
        assert_eq!(first(Vendor::Nextiva), ["route_on_hook"]);
        assert_eq!(first(Vendor::Cloudtalk), ["assisted_transfer"]);
    }

    #[test]
    fn the_briefing_carries_the_verbatim_quote_and_the_reference() {
        let planned = orchestrator().plan(
            decision(TriggerKind::LegalThreat, Tier::Specialist, None),
            &session(),
            Vendor::Genesys,
        );
        let Action::WarmTransfer {
            briefing, target, ..
        } = &planned.actions[0]
        else {
            panic!("not a transfer: {:?}", planned.actions);
        };
        assert_eq!(briefing.quote.as_deref(), Some("I will sue you"));
        assert_eq!(briefing.reference, planned.reference);
        assert_eq!(
            target.destination,
            Destination::Queue {
                id: "q-legal".into(),
                name: None
            }
        );
    }

    #[test]
    fn walking_the_talkdesk_chain_ends_in_a_named_callback_with_an_alert() {
        let o = orchestrator();
        let planned = o.plan(
            decision(TriggerKind::Fraud, Tier::Specialist, None),
            &session(),
            Vendor::Talkdesk,
        );
        // The store keeps the caller's number with the action's refs when it is planned.
        let refs = BTreeMap::from([("caller_number".to_string(), "+13175551234".to_string())]);
        let callback = o.fallback(
            &planned.actions[0],
            Vendor::Talkdesk,
            &refs,
            CallState::default(),
        );
        assert_eq!(kinds(&callback), ["schedule_callback", "alert_callback"]);
        let named = o.fallback(&callback[0], Vendor::Talkdesk, &refs, CallState::default());
        assert_eq!(kinds(&named), ["named_callback", "alert_chain_exhausted"]);
        let Action::NamedCallback { owner, number, .. } = &named[0] else {
            panic!("{named:?}");
        };
        assert_eq!(owner.as_deref(), Some("Dana Reyes"));
        assert_eq!(number.as_deref(), Some("+13175551234"));
        let Action::SupervisorAlert { urgency, .. } = &named[1] else {
            panic!("{named:?}");
        };
        assert_eq!(*urgency, Urgency::Immediate);
        assert!(o
            .fallback(&named[0], Vendor::Talkdesk, &refs, CallState::default())
            .is_empty());
        // Alerts are not links: nothing follows a failed alert.
        assert!(o
            .fallback(&named[1], Vendor::Talkdesk, &refs, CallState::default())
            .is_empty());
    }

    #[test]
    fn a_failed_consult_is_never_followed_by_a_blind_transfer() {
        let o = orchestrator();
        let refs = BTreeMap::new();
        let tier = o.plan(
            decision(TriggerKind::SupervisorRequest, Tier::Supervisor, None),
            &session(),
            Vendor::Genesys,
        );
        let next = o.fallback(
            &tier.actions[0],
            Vendor::Genesys,
            &refs,
            CallState::default(),
        );
        assert_eq!(kinds(&next), ["route_on_hook"]);
        // With an agent on the call the flow will not ask again: straight to a callback.
        let with_agent = CallState {
            ended: false,
            agent_connected: true,
        };
        // (No number is known for this call, so no lawful time is either: Escalator holds
        // the callback rather than have the platform dial at once.)
        let next = o.fallback(&tier.actions[0], Vendor::Genesys, &refs, with_agent);
        assert_eq!(kinds(&next), ["named_callback", "alert_callback"]);
        let Some(Action::SupervisorAlert { summary, .. }) = next.get(1) else {
            panic!("{next:?}");
        };
        assert!(
            summary.contains("the platform was not asked to call back: no callback number"),
            "{summary}"
        );
        let with_number =
            BTreeMap::from([("caller_number".to_string(), "+13175551234".to_string())]);
        let next = o.fallback(&tier.actions[0], Vendor::Genesys, &with_number, with_agent);
        assert_eq!(kinds(&next), ["schedule_callback", "alert_callback"]);
        let abroad = BTreeMap::from([("caller_number".to_string(), "+61293744000".to_string())]);
        let next = o.fallback(&tier.actions[0], Vendor::Genesys, &abroad, with_agent);
        assert_eq!(kinds(&next), ["named_callback", "alert_callback"]);
        let hard = o.plan(
            decision(TriggerKind::MediaMention, Tier::Specialist, None),
            &session(),
            Vendor::Genesys,
        );
        let next = o.fallback(
            &hard.actions[0],
            Vendor::Genesys,
            &refs,
            CallState::default(),
        );
        assert_eq!(kinds(&next), ["route_on_hook"]);
    }

    #[test]
    fn self_harm_conferences_where_it_can_and_otherwise_alerts_at_once() {
        let o = orchestrator();
        let d = decision(
            TriggerKind::SelfHarm,
            Tier::Specialist,
            Some("stay on the line"),
        );
        let genesys = o.plan(d.clone(), &session(), Vendor::Genesys);
        assert_eq!(kinds(&genesys.actions), ["agent_guidance", "warm_transfer"]);
        let Action::WarmTransfer { speak_to, .. } = &genesys.actions[1] else {
            panic!();
        };
        assert_eq!(*speak_to, SpeakTo::Conference);
        let refs = BTreeMap::from([
            ("conversation_id".to_string(), "conv-9".to_string()),
            ("agent_user_name".to_string(), "ana.agent".to_string()),
            ("caller_number".to_string(), "+13175551234".to_string()),
        ]);
        let after = o.fallback(
            &genesys.actions[1],
            Vendor::Genesys,
            &refs,
            CallState::default(),
        );
        assert_eq!(
            kinds(&after),
            ["alert_caller_at_risk", "agent_guidance_nobody_coming"]
        );
        // The alert names the call, the agent, the caller and the crisis line.
        let Action::SupervisorAlert { summary, .. } = &after[0] else {
            panic!("{after:?}");
        };
        for needle in ["conv-9", "ana.agent", "+13175551234", "988"] {
            assert!(summary.contains(needle), "{needle} missing from {summary}");
        }
        let Action::AgentGuidance { text, .. } = &after[1] else {
            panic!("{after:?}");
        };
        assert!(text.contains("Nobody") && text.contains("988"), "{text}");

        // Five9's consult parks the caller: no transfer at all, a person now.
        let five9 = o.plan(d.clone(), &session(), Vendor::Five9);
        assert_eq!(
            kinds(&five9.actions),
            ["agent_guidance", "alert_caller_at_risk"]
        );
        // Talkdesk has no live channel for guidance either; the alert still goes.
        let talkdesk = o.plan(d, &session(), Vendor::Talkdesk);
        assert_eq!(kinds(&talkdesk.actions), ["alert_caller_at_risk"]);
    }

    #[test]
    fn a_consult_nobody_answered_goes_to_a_callback_with_an_alert_never_another_transfer() {
        let o = orchestrator();
        let planned = o.plan(
            decision(TriggerKind::LegalThreat, Tier::Specialist, None),
            &session(),
            Vendor::Genesys,
        );
        let (confirm, wait) = o.after_transfer(&planned.actions[0]).expect("a consult");
        assert_eq!(confirm.kind(), "confirm_transfer");
        assert_eq!(wait, std::time::Duration::from_secs(60));
        let refs = BTreeMap::from([("caller_number".to_string(), "+13175551234".to_string())]);
        let next = o.fallback(&confirm, Vendor::Genesys, &refs, CallState::default());
        assert_eq!(
            kinds(&next),
            [
                "schedule_callback",
                "alert_callback",
                "alert_transfer_unanswered"
            ]
        );
        // Only a placed consult is watched.
        assert!(o.after_transfer(&next[0]).is_none());

        // Self-harm: no callback; a person now, and the agent told nobody is coming.
        let d = decision(TriggerKind::SelfHarm, Tier::Specialist, Some("stay"));
        let sh = o.plan(d, &session(), Vendor::Genesys);
        let (confirm, _) = o.after_transfer(&sh.actions[1]).expect("a conference");
        let next = o.fallback(&confirm, Vendor::Genesys, &refs, CallState::default());
        assert_eq!(
            kinds(&next),
            ["alert_caller_at_risk", "agent_guidance_nobody_coming"]
        );
    }

    #[test]
    fn a_long_hold_escalation_does_not_put_the_caller_on_hold_again() {
        let o = orchestrator();
        let planned = o.plan(
            decision(TriggerKind::LongHold, Tier::Supervisor, None),
            &session(),
            Vendor::Genesys,
        );
        let Action::WarmTransfer { speak_to, .. } = &planned.actions[0] else {
            panic!("{:?}", planned.actions);
        };
        assert_eq!(*speak_to, SpeakTo::Conference);
    }

    fn fraud(quote: &str) -> FiredTrigger {
        FiredTrigger {
            kind: TriggerKind::Fraud,
            rule_id: "fraud.en.1".into(),
            team: "fraud".into(),
            span: Some("scammed".into()),
            quote: Some(quote.into()),
            utterance_id: Some("u2".into()),
            at: jiff::Timestamp::UNIX_EPOCH,
            semantic: None,
        }
    }

    fn alerts(actions: &[Action]) -> Vec<(&str, Urgency, &str)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::SupervisorAlert {
                    team,
                    urgency,
                    summary,
                    ..
                } => Some((team.as_str(), *urgency, summary.as_str())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_second_hard_stop_in_the_same_turn_alerts_its_team_beside_the_transfer() {
        let mut d = decision(TriggerKind::LegalThreat, Tier::Specialist, None);
        d.secondary = vec![fraud("I was scammed and I'll sue")];
        let planned = orchestrator().plan(d, &session(), Vendor::Genesys);
        assert_eq!(
            kinds(&planned.actions),
            ["warm_transfer", "alert_second_hard_stop"]
        );
        assert_eq!(planned.status, "open");
        let alerts = alerts(&planned.actions);
        let (team, urgency, summary) = alerts[0];
        assert_eq!(team, "fraud");
        assert_eq!(urgency, Urgency::Immediate);
        assert!(summary.contains("I was scammed and I'll sue"), "{summary}");
        assert!(summary.contains("Team legal has the call"), "{summary}");
        let Action::SupervisorAlert { briefing, .. } = &planned.actions[1] else {
            panic!();
        };
        assert_eq!(briefing.reason, "fraud");
        assert_eq!(briefing.reference, planned.reference);
    }

    #[test]
    fn a_weaker_hard_stop_later_is_an_alert_only_record_flagged_for_review() {
        let d = Decision {
            tier: Tier::Specialist,
            team: "fraud".into(),
            triggers: vec![fraud("someone emptied my account")],
            guidance: None,
            crisis_line: None,
            mode: DecisionMode::AlertOnly,
            secondary: Vec::new(),
        };
        let mut s = session();
        s.escalation = Some(crate::session::OpenEscalation {
            id: "e1".into(),
            reference: "ESC-1".into(),
            team: "legal".into(),
            tier: Tier::Specialist,
            rank: 90,
        });
        for vendor in [Vendor::Genesys, Vendor::Five9, Vendor::Talkdesk] {
            let planned = orchestrator().plan(d.clone(), &s, vendor);
            assert_eq!(planned.status, "alerted");
            assert!(planned.review);
            assert_eq!(
                kinds(&planned.actions),
                ["alert_second_hard_stop"],
                "{vendor}"
            );
            let (team, urgency, summary) = alerts(&planned.actions)[0];
            assert_eq!((team, urgency), ("fraud", Urgency::Immediate));
            assert!(summary.contains("Team legal has the call"), "{summary}");
        }
    }

    #[test]
    fn a_self_harm_partial_before_a_hang_up_is_a_review_with_an_at_risk_alert() {
        let d = Decision {
            tier: Tier::Specialist,
            team: "welfare".into(),
            triggers: vec![FiredTrigger {
                kind: TriggerKind::SelfHarm,
                rule_id: "self_harm.en.0.partial".into(),
                team: "welfare".into(),
                span: None,
                quote: Some("I don't want to be here anymore".into()),
                utterance_id: Some("u1".into()),
                at: jiff::Timestamp::UNIX_EPOCH,
                semantic: None,
            }],
            guidance: None,
            crisis_line: Some("988 Suicide & Crisis Lifeline: call or text 988".into()),
            mode: DecisionMode::Review,
            secondary: Vec::new(),
        };
        let planned = orchestrator().plan(d, &session(), Vendor::Genesys);
        assert_eq!(planned.status, "review");
        assert!(planned.review);
        assert_eq!(kinds(&planned.actions), ["alert_call_ended_at_risk"]);
        let (team, urgency, summary) = alerts(&planned.actions)[0];
        assert_eq!((team, urgency), ("welfare", Urgency::Immediate));
        for needed in [
            "may be at risk",
            "call has ended",
            "I don't want to be here anymore",
            "+13175551234",
            "988",
        ] {
            assert!(summary.contains(needed), "{needed}: {summary}");
        }
    }

    #[test]
    fn the_playbooks_review_rates_decide_which_escalations_are_flagged() {
        let text = crate::playbook::file::DEFAULT_PLAYBOOK.replace(
            "[review]\nhard_stop = 100\n",
            "[review]\nhard_stop = 100\nsupervisor_request = 100\nsupervisor_tier = 0\n",
        );
        let engine = Engine::from_text("p.toml", &text).expect("valid");
        let o = Orchestrator::new(PlaybookHandle::new(engine, BTreeMap::new()), 5)
            .with_review_sample(100);
        let plan = |kind| {
            o.plan(
                decision(kind, Tier::Supervisor, None),
                &session(),
                Vendor::Genesys,
            )
            .review
        };
        assert!(plan(TriggerKind::SupervisorRequest));
        assert!(!plan(TriggerKind::LongHold), "supervisor_tier = 0");
        assert!(plan(TriggerKind::OverPromise));
        // Kinds the playbook leaves out fall back to the service's sample (100 here).
        let mut guided = decision(TriggerKind::Anger, Tier::Agent, Some("HEARD"));
        guided.team = "agent".into();
        assert!(o.plan(guided, &session(), Vendor::Genesys).review);
    }
}
