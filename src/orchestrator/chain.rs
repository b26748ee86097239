//! Fallback chains: the ordered ways to get a caller to the right people on one platform,
//! built from what the platform can do ([`Capabilities`]) and what kind of escalation it
//! is. The orchestrator starts at the first link and moves to the next whenever a link
//! fails for good, so no caller is ever left without a transfer or a named callback.

use escalator_adapters::{Action, Capabilities};

/// One way of carrying out an escalation, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Consult by API: the receiver is briefed before the caller joins (conference for
    /// self-harm, so the caller is never parked).
    WarmTransfer,
    /// The live agent is shown the briefing and asked to transfer warm themselves.
    AssistedTransfer,
    /// Transfer without consult, briefing attached where the platform carries data;
    /// never for hard-stops.
    BlindTransfer,
    /// The call is still in a flow: its next routing-hook request is answered with the team.
    RouteOnHook,
    /// A callback the platform holds and dials.
    PlatformCallback,
    /// Escalator's own named callback with an owner and reference; always possible.
    NamedCallback,
}

impl Link {
    /// The link an action carries out; `None` for guidance and alerts, which are not links.
    pub fn of(action: &Action) -> Option<Link> {
        Some(match action {
            Action::WarmTransfer { .. } => Link::WarmTransfer,
            Action::AssistedTransfer { .. } => Link::AssistedTransfer,
            Action::BlindTransfer { .. } => Link::BlindTransfer,
            Action::RouteOnHook { .. } => Link::RouteOnHook,
            Action::ScheduleCallback { .. } => Link::PlatformCallback,
            Action::NamedCallback { .. } => Link::NamedCallback,
            Action::AttachBriefing { .. }
            | Action::ConfirmTransfer { .. }
            | Action::AgentGuidance { .. }
            | Action::SupervisorAlert { .. } => return None,
        })
    }

    pub fn is_callback(self) -> bool {
        matches!(self, Link::PlatformCallback | Link::NamedCallback)
    }
}

/// What kind of escalation a chain is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Supervisor or specialist tier triggers: any transfer will do.
    Tier,
    /// Legal, regulator, media, fraud: never a cold transfer.
    HardStop,
    /// Self-harm: never a queue, a hold or a callback; the agent stays on the line.
    SelfHarm,
}

/// The chain for an escalation of `severity` on a platform with `caps`.
pub fn chain(caps: Capabilities, severity: Severity) -> Vec<Link> {
    let mut links = Vec::new();
    if severity == Severity::SelfHarm {
        // Only what keeps everyone on the line: a conference consult, or the agent
        // bringing the team in themselves. Then a person is alerted at once.
        if caps.conference {
            links.push(Link::WarmTransfer);
        }
        if caps.agent_assisted_transfer {
            links.push(Link::AssistedTransfer);
        }
        return links;
    }
    if caps.warm_transfer {
        links.push(Link::WarmTransfer);
    }
    if caps.agent_assisted_transfer {
        links.push(Link::AssistedTransfer);
    }
    // A platform that can consult never cold-transfers: a consult that fails goes to a
    // callback and an alert. Only where blind is the one transfer there is (Nextiva) does
    // a tier escalation go blind, its briefing travelling with the call.
    let consults = caps.warm_transfer || caps.agent_assisted_transfer;
    if caps.blind_transfer && severity == Severity::Tier && !consults {
        links.push(Link::BlindTransfer);
    }
    if caps.routing_hook {
        links.push(Link::RouteOnHook);
    }
    if caps.callback {
        links.push(Link::PlatformCallback);
    }
    links.push(Link::NamedCallback);
    links
}

/// Where the call stands when the chain moves on: links that need the caller on the line
/// (or still in a flow) are skipped when that is no longer so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallState {
    pub ended: bool,
    pub agent_connected: bool,
}

impl Link {
    /// Whether this link can still run on a call in `state`.
    fn runs_on(self, state: CallState) -> bool {
        match self {
            Link::WarmTransfer | Link::AssistedTransfer | Link::BlindTransfer => !state.ended,
            // Only a call still in a flow asks the routing hook again.
            Link::RouteOnHook => !state.ended && !state.agent_connected,
            Link::PlatformCallback | Link::NamedCallback => true,
        }
    }
}

/// The link after `failed` that can still run on a call in `state`, if any.
pub fn next(links: &[Link], failed: Link, state: CallState) -> Option<Link> {
    let at = links.iter().position(|l| *l == failed)?;
    links[at + 1..].iter().copied().find(|l| l.runs_on(state))
}

/// The first callback link after `failed`: where a consult that nobody answered goes.
pub fn next_callback(links: &[Link], failed: Link) -> Option<Link> {
    let at = links.iter().position(|l| *l == failed)?;
    links[at + 1..].iter().copied().find(|l| l.is_callback())
}

#[cfg(test)]
mod tests {
    use escalator_adapters::Vendor;

    use super::*;

    fn of(v: Vendor, s: Severity) -> Vec<Link> {
        chain(Capabilities::of(v), s)
    }

    #[test]
    fn hard_stops_are_never_cold_transferred_on_any_platform() {
        for v in Vendor::ALL {
            assert!(
                !of(v, Severity::HardStop).contains(&Link::BlindTransfer),
                "{v}"
            );
            assert!(
                !of(v, Severity::SelfHarm).contains(&Link::BlindTransfer),
                "{v}"
            );
        }
    }

    #[test]
    fn self_harm_never_reaches_a_queue_or_a_callback() {
        for v in Vendor::ALL {
            let links = of(v, Severity::SelfHarm);
            assert!(!links.contains(&Link::RouteOnHook), "{v}");
            assert!(!links.iter().any(|l| l.is_callback()), "{v}");
        }
        // Five9's consult holds the caller, so no API transfer there.
        assert!(of(Vendor::Five9, Severity::SelfHarm).is_empty());
        assert_eq!(
            of(Vendor::Genesys, Severity::SelfHarm),
            [Link::WarmTransfer]
        );
        assert_eq!(
            of(Vendor::Cloudtalk, Severity::SelfHarm),
            [Link::AssistedTransfer]
        );
    }

    #[test]
    fn every_other_chain_ends_in_a_named_callback() {
        for v in Vendor::ALL {
            for s in [Severity::Tier, Severity::HardStop] {
                assert_eq!(of(v, s).last(), Some(&Link::NamedCallback), "{v} {s:?}");
            }
        }
    }

    #[test]
    fn each_platform_starts_with_its_best_action() {
        use Link::*;
        assert_eq!(
            of(Vendor::Genesys, Severity::HardStop),
            [WarmTransfer, RouteOnHook, PlatformCallback, NamedCallback]
        );
        // Genesys can consult: a failed consult is never followed by a cold transfer.
        assert_eq!(
            of(Vendor::Genesys, Severity::Tier),
            [WarmTransfer, RouteOnHook, PlatformCallback, NamedCallback]
        );
        assert_eq!(
            of(Vendor::Talkdesk, Severity::HardStop),
            [RouteOnHook, PlatformCallback, NamedCallback]
        );
        assert_eq!(
            of(Vendor::Nextiva, Severity::Tier),
            [BlindTransfer, RouteOnHook, PlatformCallback, NamedCallback]
        );
        assert_eq!(
            of(Vendor::Nextiva, Severity::HardStop),
            [RouteOnHook, PlatformCallback, NamedCallback]
        );
        assert_eq!(
            of(Vendor::Cloudtalk, Severity::HardStop),
            [
                AssistedTransfer,
                RouteOnHook,
                PlatformCallback,
                NamedCallback
            ]
        );
    }

    #[test]
    fn next_walks_the_chain_and_stops_at_its_end() {
        let live = CallState::default();
        let links = of(Vendor::Talkdesk, Severity::HardStop);
        assert_eq!(
            next(&links, Link::RouteOnHook, live),
            Some(Link::PlatformCallback)
        );
        assert_eq!(next(&links, Link::NamedCallback, live), None);
        assert_eq!(next(&links, Link::WarmTransfer, live), None);
    }

    #[test]
    fn no_platform_that_consults_ever_falls_back_to_a_blind_transfer() {
        for v in Vendor::ALL {
            let caps = Capabilities::of(v);
            if caps.warm_transfer || caps.agent_assisted_transfer {
                for s in [Severity::Tier, Severity::HardStop, Severity::SelfHarm] {
                    assert!(!of(v, s).contains(&Link::BlindTransfer), "{v} {s:?}");
                }
            }
        }
        // Nextiva has only blind transfer: a tier escalation may use it.
        assert_eq!(of(Vendor::Nextiva, Severity::Tier)[0], Link::BlindTransfer);
    }

    #[test]
    fn a_call_that_ended_or_left_its_flow_skips_the_links_it_can_no_longer_take() {
        use Link::*;
        let links = of(Vendor::Genesys, Severity::HardStop);
        let with_agent = CallState {
            ended: false,
            agent_connected: true,
        };
        assert_eq!(
            next(&links, WarmTransfer, with_agent),
            Some(PlatformCallback)
        );
        let ended = CallState {
            ended: true,
            agent_connected: true,
        };
        let tier = of(Vendor::Nextiva, Severity::Tier);
        assert_eq!(next(&tier, BlindTransfer, ended), Some(PlatformCallback));
        assert_eq!(next_callback(&links, WarmTransfer), Some(PlatformCallback));
        assert_eq!(next_callback(&links, NamedCallback), None);
    }
}
