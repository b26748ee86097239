//! What each platform's API lets Escalator do during and after a call
//! (`shared/DESIGN.md`, "What the platforms allow"). The orchestrator builds each
//! escalation's fallback chain from these; nothing here is configurable, because it is
//! what the platform offers, not what an admin chose.

use crate::Vendor;

/// One platform's abilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// A consultative transfer by API: the receiver is briefed before the caller joins.
    pub warm_transfer: bool,
    /// A transfer in which the caller is never parked on hold (everyone on the line).
    pub conference: bool,
    /// A transfer without a consult (never used for hard-stops).
    pub blind_transfer: bool,
    /// The flow asks Escalator where a call goes while the call is still in it.
    pub routing_hook: bool,
    /// The platform holds a callback commitment by API.
    pub callback: bool,
    /// ... and dials it at the agreed time itself; otherwise Escalator places the call
    /// at the window (CloudTalk click-to-call).
    pub dials_callback: bool,
    /// Something the live agent sees during the call, written by API (participant data,
    /// call variables, a Cue Card).
    pub live_briefing: bool,
    /// The live agent can be asked to make the transfer themselves through that channel.
    pub agent_assisted_transfer: bool,
}

impl Capabilities {
    pub const fn of(vendor: Vendor) -> Self {
        match vendor {
            // Consult to a queue, agent or address with speakTo CONFERENCE; callbacks;
            // participant attributes the agent's Script shows.
            Vendor::Genesys => Capabilities {
                warm_transfer: true,
                conference: true,
                blind_transfer: true,
                routing_hook: true,
                callback: true,
                dials_callback: true,
                live_briefing: true,
                agent_assisted_transfer: false,
            },
            // Warm transfer to a skill in the agent's session, call variables; the
            // consult holds the caller, so no conference by API. Callbacks are dialing-list
            // records with a call time.
            Vendor::Five9 => Capabilities {
                warm_transfer: true,
                conference: false,
                blind_transfer: true,
                routing_hook: true,
                callback: true,
                dials_callback: true,
                live_briefing: true,
                agent_assisted_transfer: false,
            },
            // No call control at all: Studio's routing hook, direct and scheduled callbacks.
            Vendor::Talkdesk => Capabilities {
                warm_transfer: false,
                conference: false,
                blind_transfer: false,
                routing_hook: true,
                callback: true,
                dials_callback: true,
                live_briefing: false,
                agent_assisted_transfer: false,
            },
            // Blind transfers only (queue or user); callbacks as outbound-list leads.
            Vendor::Nextiva => Capabilities {
                warm_transfer: false,
                conference: false,
                blind_transfer: true,
                routing_hook: true,
                callback: true,
                dials_callback: true,
                live_briefing: false,
                agent_assisted_transfer: false,
            },
            // No transfer and no callback API; a Cue Card reaches the live agent. The
            // commitment is held as a contact note, tag and task activity, and Escalator
            // places the call at the window (click-to-call).
            Vendor::Cloudtalk => Capabilities {
                warm_transfer: false,
                conference: false,
                blind_transfer: false,
                routing_hook: true,
                callback: true,
                dials_callback: false,
                live_briefing: true,
                agent_assisted_transfer: true,
            },
            // The neutral feed has no platform to act on.
            Vendor::Standard => Capabilities {
                warm_transfer: false,
                conference: false,
                blind_transfer: false,
                routing_hook: false,
                callback: false,
                dials_callback: false,
                live_briefing: false,
                agent_assisted_transfer: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_genesys_and_five9_transfer_warm_by_api() {
        let warm: Vec<Vendor> = Vendor::ALL
            .into_iter()
            .filter(|v| Capabilities::of(*v).warm_transfer)
            .collect();
        assert_eq!(warm, vec![Vendor::Genesys, Vendor::Five9]);
    }

    #[test]
    fn every_contact_center_has_a_routing_hook_and_a_way_to_commit_a_callback() {
        for v in Vendor::ALL.into_iter().filter(|v| *v != Vendor::Standard) {
            let c = Capabilities::of(v);
            assert!(c.routing_hook, "{v}");
            assert!(c.callback, "{v}");
        }
    }
}
