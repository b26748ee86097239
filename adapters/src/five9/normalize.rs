//! Five9 Web Connector deliveries → canonical events.
//!
//! A connector sends only what its template names (`template.rs`): constant parameters
//! (our secret and the trigger's name, which Five9 does not send by itself) and call
//! variables (`@Call.call_id@`, `@Agent.id@`…). Mapping, by `escalator_trigger`:
//!
//! | trigger | canonical events |
//! |---|---|
//! | `OnCallAccepted` | `call_started` (once per call) + `agent_connected` |
//! | `OnCallDisconnected` | `call_ended` |
//! | `OnCallDispositioned` | `escalation_requested` (reason = disposition name) when the name signals escalation, else `other` |
//! | `ManuallyStarted`, `ManuallyStartedAllowDuringPreviews` | `escalation_requested` (reason = `escalator_reason`) |
//! | `OnWarmTransferInitiation` | `other` (an attempt, not a result) |
//! | `OnPreview`, `OnContactSelection`, chat and email triggers | `other` |
//! | any other value that names an escalation disposition (`Escalated - Legal`) | `escalation_requested` with that name |
//! | any other value | `other` with that value as name |
//!
//! Five9 sends no time for the trigger itself, only the call's `start_timestamp`,
//! `end_timestamp` and `length`: `occurred_at` is the call's start for `call_started`, and
//! otherwise the call's time as of the delivery (its end, else start + length, else
//! start); the time of arrival is what the store records as received. Keys are built from the content only, so a retried delivery (form or JSON,
//! whatever field order) keeps its key.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::fields::{five9_phone, parse_bool, Fields};
use super::template::keys;
use crate::{CallEvent, Caller, Delivery, Direction, EventKind, NormalizeError, Vendor};

/// Words that make a disposition (or a trigger label) an agent's request for escalation.
/// The playbook reads the verbatim name, so these only decide *whether* it is a request.
pub const ESCALATION_WORDS: &[&str] = &[
    "supervisor",
    "manager",
    "legal",
    "attorney",
    "lawyer",
    "compliance",
    "complaint",
    "complaints",
    "regulator",
    "regulatory",
    "fraud",
    "media",
    "welfare",
    "crisis",
    "self-harm",
    "suicide",
];

pub fn normalize(delivery: &Delivery<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let fields = Fields::from_delivery(delivery)?;
    normalize_fields(&fields)
}

pub(super) fn normalize_fields(f: &Fields) -> Result<Vec<CallEvent>, NormalizeError> {
    let trigger = Trigger::parse(f.require(keys::TRIGGER)?);
    match trigger {
        Trigger::Accepted => Ok(accepted(&CallContext::new(f)?)),
        Trigger::Disconnected => Ok(vec![disconnected(&CallContext::new(f)?)]),
        Trigger::Dispositioned => {
            let name = f.get(keys::DISPOSITION_NAME);
            Ok(vec![dispositioned(&CallContext::new(f)?, name)])
        }
        Trigger::Manual(name) => Ok(vec![manual(&CallContext::new(f)?, name)]),
        Trigger::WarmTransfer => Ok(vec![warm_transfer(&CallContext::new(f)?)]),
        Trigger::NotACall(name) => Ok(vec![other(f, name)]),
        Trigger::Label(label) if is_escalation_name(label) => {
            // A connector fired by one disposition, labelled with that disposition's name.
            let name = f.get(keys::DISPOSITION_NAME).unwrap_or(label);
            Ok(vec![dispositioned(&CallContext::new(f)?, Some(name))])
        }
        Trigger::Label(label) => Ok(vec![other(f, label)]),
    }
}

/// `escalator_trigger` as the template sets it: a `webConnectorTriggerType` name, matched
/// whatever its case or spacing (`On Call Accepted` as the admin console shows it).
enum Trigger<'a> {
    Accepted,
    Disconnected,
    Dispositioned,
    WarmTransfer,
    Manual(&'static str),
    /// A Five9 trigger that is not about a voice call in progress.
    NotACall(&'static str),
    /// Not a Five9 trigger type: an admin's label, e.g. a disposition's name.
    Label(&'a str),
}

impl<'a> Trigger<'a> {
    fn parse(raw: &'a str) -> Self {
        let squashed: String = raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match squashed.as_str() {
            "oncallaccepted" => Trigger::Accepted,
            "oncalldisconnected" => Trigger::Disconnected,
            "oncalldispositioned" => Trigger::Dispositioned,
            "onwarmtransferinitiation" => Trigger::WarmTransfer,
            "manuallystarted" => Trigger::Manual("ManuallyStarted"),
            "manuallystartedallowduringpreviews" => {
                Trigger::Manual("ManuallyStartedAllowDuringPreviews")
            }
            other => NOT_A_CALL
                .iter()
                .find(|name| name.to_ascii_lowercase() == other)
                .map_or(Trigger::Label(raw), |name| Trigger::NotACall(name)),
        }
    }
}

/// The remaining `webConnectorTriggerType` values (CONFIRMED list, v9.5+ for chat/email).
const NOT_A_CALL: &[&str] = &[
    "OnPreview",
    "OnContactSelection",
    "OnChatArrival",
    "OnChatTransfer",
    "OnChatTermination",
    "OnChatClose",
    "OnEmailArrival",
    "OnEmailTransfer",
    "OnEmailClose",
];

/// Whether a disposition name says the agent escalated: a word starting with `escalat`,
/// or one of [`ESCALATION_WORDS`] ("self harm" spelled with a space too). Case and
/// punctuation do not matter.
pub fn is_escalation_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.contains("self harm")
        || lower
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .map(|w| w.trim_matches('-'))
            .filter(|w| !w.is_empty())
            .any(|w| w.starts_with("escalat") || ESCALATION_WORDS.contains(&w))
}

/// What every call trigger carries: who, which call, and the ids to act on it later.
struct CallContext<'f> {
    f: &'f Fields,
    call_id: &'f str,
    /// The agent whose leg fired the connector: several agents handle one call.
    agent: &'f str,
    caller: Caller,
    direction: Option<Direction>,
    line: Option<String>,
    refs: BTreeMap<String, String>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
}

impl<'f> CallContext<'f> {
    fn new(f: &'f Fields) -> Result<Self, NormalizeError> {
        let call_id = f.require(keys::CALL_ID)?;
        let direction = f.direction(keys::TYPE_NAME);
        // On outbound calls ANI is our caller id and DNIS the customer; inbound, the
        // reverse. An unknown direction is read as inbound, the usual case for escalation.
        let (customer, ours) = match direction {
            Some(Direction::Outbound) => (keys::DNIS, keys::ANI),
            _ => (keys::ANI, keys::DNIS),
        };
        Ok(Self {
            f,
            call_id,
            agent: f.first(&[keys::AGENT_ID, keys::AGENT_USER]).unwrap_or("-"),
            caller: Caller {
                name: caller_name(f),
                number: f.get(customer).and_then(five9_phone),
                verified: f.get(keys::VERIFIED).and_then(parse_bool),
            },
            direction,
            line: f.get(ours).and_then(five9_phone),
            refs: refs(f),
            start: f.timestamp(keys::START),
            end: f.timestamp(keys::END),
        })
    }

    fn event(
        &self,
        event_id: String,
        occurred_at: Option<Timestamp>,
        kind: EventKind,
    ) -> CallEvent {
        CallEvent {
            vendor: Vendor::Five9,
            call_id: self.call_id.to_string(),
            event_id,
            // Only when the template sent no usable time at all.
            occurred_at: occurred_at.unwrap_or_else(Timestamp::now),
            caller: self.caller.clone(),
            refs: self.refs.clone(),
            kind,
        }
    }

    /// The call's time as of the delivery, the best stand-in for when a trigger fired:
    /// its end once it has one, else its start plus how long it has run (`length`),
    /// else its start.
    fn latest(&self) -> Option<Timestamp> {
        let ran = match (self.start, self.f.seconds(keys::LENGTH)) {
            (Some(start), Some(secs)) => start.checked_add(SignedDuration::from_secs(secs)).ok(),
            _ => None,
        };
        self.end.or(ran).or(self.start)
    }

    /// `<trigger>:<call_id>:<agent>`, the key of a trigger that fires once per agent leg.
    fn leg_key(&self, trigger: &str) -> String {
        format!("{trigger}:{}:{}", self.call_id, self.agent)
    }
}

fn caller_name(f: &Fields) -> Option<String> {
    let parts: Vec<&str> = [keys::FIRST_NAME, keys::LAST_NAME]
        .iter()
        .filter_map(|k| f.get(k))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Ids the Agent REST API and the SOAP callback need later (`/agents/{agentId}/…`,
/// `transfer_to_skill`, the campaign for a dialing-list callback).
fn refs(f: &Fields) -> BTreeMap<String, String> {
    [
        ("agent_id", keys::AGENT_ID),
        ("agent_user_name", keys::AGENT_USER),
        ("session_id", keys::SESSION_ID),
        ("campaign_id", keys::CAMPAIGN_ID),
        ("campaign_name", keys::CAMPAIGN_NAME),
        ("skill_id", keys::SKILL_ID),
        ("skill_name", keys::SKILL_NAME),
        ("disposition_id", keys::DISPOSITION_ID),
        ("disposition_name", keys::DISPOSITION_NAME),
        (crate::REF_CALLER_SUBDIVISION, keys::STATE),
    ]
    .into_iter()
    .filter_map(|(name, key)| f.get(key).map(|v| (name.to_string(), v.to_string())))
    .collect()
}

/// Five9 has no call-started trigger (connectors fire on the agent leg), so the first
/// accept also reports the start, keyed by call alone so a second agent's accept after a
/// transfer does not start the call again. It comes first: repeat-contact counting runs on
/// it before the agent connects.
fn accepted(c: &CallContext<'_>) -> Vec<CallEvent> {
    let started = c.event(
        format!("call_started:{}", c.call_id),
        c.start,
        EventKind::CallStarted {
            direction: c.direction,
            line: c.line.clone(),
        },
    );
    let agent_id =
        c.f.first(&[keys::AGENT_ID, keys::AGENT_USER])
            .map(str::to_string);
    let connected = c.event(
        c.leg_key("OnCallAccepted"),
        c.latest(),
        EventKind::AgentConnected { agent_id },
    );
    vec![started, connected]
}

/// Fires per agent leg: an agent who hands the call on also disconnects (UNCONFIRMED
/// whether Five9 fires it then), so the key includes the agent and the next agent's end
/// is not swallowed as a duplicate.
fn disconnected(c: &CallContext<'_>) -> CallEvent {
    c.event(
        c.leg_key("OnCallDisconnected"),
        c.latest(),
        EventKind::CallEnded {
            reason: c.f.get(keys::DISPOSITION_NAME).map(str::to_string),
        },
    )
}

/// A disposition whose name signals escalation is the agent's request, with the name
/// verbatim so the playbook sees "Escalated - Legal"; any other disposition is wrap-up.
fn dispositioned(c: &CallContext<'_>, name: Option<&str>) -> CallEvent {
    // The name rather than the id keys it, so a connector labelled with the disposition
    // and the generic dispositioned connector dedupe to one event.
    let which = match (name, c.f.get(keys::DISPOSITION_ID)) {
        (Some(n), _) => format!("name.{}", super::fields::digest(&[&n.to_lowercase()], 8)),
        (None, Some(id)) => format!("id.{id}"),
        (None, None) => "-".to_string(),
    };
    let kind = match name {
        Some(n) if is_escalation_name(n) => EventKind::EscalationRequested {
            reason: Some(n.to_string()),
        },
        _ => EventKind::Other {
            name: "OnCallDispositioned".to_string(),
        },
    };
    c.event(
        format!("{}:{which}", c.leg_key("OnCallDispositioned")),
        c.latest(),
        kind,
    )
}

/// The agent clicked the escalation connector. Two clicks on one call differ only by how
/// long the call had run, so `length` and `handle_time` (both grow while the call runs)
/// feed the key beside the reason; a retried request repeats all three.
fn manual(c: &CallContext<'_>, trigger: &str) -> CallEvent {
    let reason = c.f.get(keys::REASON).map(str::to_string);
    let which =
        c.f.digest_of(&[keys::REASON, keys::LENGTH, keys::HANDLE_TIME]);
    c.event(
        format!("{}:{which}", c.leg_key(trigger)),
        c.latest(),
        EventKind::EscalationRequested { reason },
    )
}

/// The agent started a warm transfer themselves. It is an attempt whose outcome Five9
/// does not report, so it is recorded, never acted on.
fn warm_transfer(c: &CallContext<'_>) -> CallEvent {
    let which = c.f.digest_of(&[keys::LENGTH, keys::HANDLE_TIME]);
    c.event(
        format!("{}:{which}", c.leg_key("OnWarmTransferInitiation")),
        c.latest(),
        EventKind::Other {
            name: "OnWarmTransferInitiation".to_string(),
        },
    )
}

/// A trigger we keep but do not act on. It may concern a chat or an email, so the call
/// id is optional, and the whole content (never the secret) keys it.
fn other(f: &Fields, name: &str) -> CallEvent {
    let digest = f.digest_all_but(&[keys::SECRET]);
    CallEvent {
        vendor: Vendor::Five9,
        call_id: f.get(keys::CALL_ID).unwrap_or("-").to_string(),
        event_id: format!("other:{digest}"),
        occurred_at: f
            .timestamp(keys::END)
            .or_else(|| f.timestamp(keys::START))
            .unwrap_or_else(Timestamp::now),
        caller: Caller::default(),
        refs: refs(f),
        kind: EventKind::Other {
            name: name.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pairs: &[(&str, &str)]) -> Result<Vec<CallEvent>, NormalizeError> {
        normalize_fields(&Fields::from_pairs(pairs))
    }

    const BASE: &[(&str, &str)] = &[
        ("escalator_secret", "s3cret"),
        ("call_id", "300000000123456"),
        ("ANI", "4155550123"),
        ("DNIS", "8005550100"),
        ("type_name", "Inbound"),
        ("agent_id", "123456789"),
        ("start_timestamp", "20260324114040500"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<_> = BASE.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn accept_reports_the_start_once_per_call_and_the_agent_per_leg() {
        let a = run(&with(&[("escalator_trigger", "OnCallAccepted")])).unwrap();
        assert_eq!(a.len(), 2);
        assert!(matches!(
            a[0].kind,
            EventKind::CallStarted {
                direction: Some(Direction::Inbound),
                ..
            }
        ));
        assert_eq!(a[0].event_id, "call_started:300000000123456");
        assert_eq!(a[0].caller.number.as_deref(), Some("+14155550123"));
        assert_eq!(
            a[1].kind,
            EventKind::AgentConnected {
                agent_id: Some("123456789".into())
            }
        );
        let mut second: Vec<_> = with(&[("escalator_trigger", "On Call Accepted")]);
        second.retain(|(k, _)| *k != "agent_id");
        second.push(("agent_id", "987654321"));
        let b = run(&second).unwrap();
        assert_eq!(a[0].event_id, b[0].event_id);
        assert_ne!(a[1].event_id, b[1].event_id);
    }

    #[test]
    fn the_contacts_state_goes_into_the_calls_refs_unless_unset() {
        let set = run(&with(&[
            ("escalator_trigger", "OnCallAccepted"),
            ("state", "FL"),
        ]))
        .unwrap();
        assert_eq!(set[0].refs[crate::REF_CALLER_SUBDIVISION], "FL");
        let unset = run(&with(&[
            ("escalator_trigger", "OnCallAccepted"),
            ("state", "@Customer.state@"),
        ]))
        .unwrap();
        assert!(!unset[0].refs.contains_key(crate::REF_CALLER_SUBDIVISION));
    }

    #[test]
    fn outbound_takes_the_customer_from_dnis() {
        let e = run(&[
            ("escalator_trigger", "OnCallAccepted"),
            ("call_id", "1"),
            ("ANI", "8005550100"),
            ("DNIS", "4155550123"),
            ("type_name", "Outbound"),
        ])
        .unwrap();
        assert_eq!(e[0].caller.number.as_deref(), Some("+14155550123"));
        assert_eq!(
            e[0].kind,
            EventKind::CallStarted {
                direction: Some(Direction::Outbound),
                line: Some("+18005550100".into())
            }
        );
    }

    #[test]
    fn escalation_dispositions_keep_their_name_verbatim() {
        let e = run(&with(&[
            ("escalator_trigger", "OnCallDispositioned"),
            ("disposition_id", "300000000000045"),
            ("disposition_name", "Escalated - Legal"),
        ]))
        .unwrap();
        assert_eq!(
            e[0].kind,
            EventKind::EscalationRequested {
                reason: Some("Escalated - Legal".into())
            }
        );
        let plain = run(&with(&[
            ("escalator_trigger", "OnCallDispositioned"),
            ("disposition_name", "Resolved"),
        ]))
        .unwrap();
        assert!(matches!(plain[0].kind, EventKind::Other { .. }));
    }

    #[test]
    fn a_disposition_name_as_trigger_is_the_same_event() {
        let generic = run(&with(&[
            ("escalator_trigger", "OnCallDispositioned"),
            ("disposition_name", "Escalated - Legal"),
        ]))
        .unwrap();
        let labelled = run(&with(&[("escalator_trigger", "Escalated - Legal")])).unwrap();
        assert_eq!(generic[0].event_id, labelled[0].event_id);
        assert_eq!(generic[0].kind, labelled[0].kind);
        let unknown = run(&with(&[("escalator_trigger", "Sale made")])).unwrap();
        assert_eq!(
            unknown[0].kind,
            EventKind::Other {
                name: "Sale made".into()
            }
        );
    }

    #[test]
    fn escalation_names() {
        for yes in [
            "Escalated - Legal",
            "Escalate to Supervisor",
            "Complaint - Regulator",
            "Self-Harm disclosure",
            "Self harm",
            "FRAUD",
        ] {
            assert!(is_escalation_name(yes), "{yes}");
        }
        for no in [
            "Resolved",
            "No Answer",
            "Mediation",
            "Caller Disconnected",
            "",
        ] {
            assert!(!is_escalation_name(no), "{no}");
        }
    }

    #[test]
    fn manual_trigger_is_an_agent_request_and_two_clicks_differ() {
        let first = run(&with(&[
            ("escalator_trigger", "ManuallyStarted"),
            ("escalator_reason", "@Escalator.Reason@"),
            ("length", "65"),
        ]))
        .unwrap();
        assert_eq!(
            first[0].kind,
            EventKind::EscalationRequested { reason: None }
        );
        let later = run(&with(&[
            ("escalator_trigger", "ManuallyStarted"),
            ("escalator_reason", "refund above my limit"),
            ("length", "190"),
        ]))
        .unwrap();
        assert_eq!(
            later[0].kind,
            EventKind::EscalationRequested {
                reason: Some("refund above my limit".into())
            }
        );
        assert_ne!(first[0].event_id, later[0].event_id);
    }

    #[test]
    fn missing_or_unsubstituted_required_fields_are_named() {
        assert_eq!(run(&[]).unwrap_err().field, "escalator_trigger");
        let err = run(&[
            ("escalator_trigger", "OnCallAccepted"),
            ("call_id", "@Call.call_id@"),
        ])
        .unwrap_err();
        assert_eq!(err.field, "call_id");
        assert!(err.message.contains("@Call.call_id@"));
    }

    #[test]
    fn end_time_falls_back_to_start_plus_length() {
        let e = run(&with(&[
            ("escalator_trigger", "OnCallDisconnected"),
            ("end_timestamp", "@Call.end_timestamp@"),
            ("length", "386"),
        ]))
        .unwrap();
        assert_eq!(e[0].occurred_at.to_string(), "2026-03-24T11:47:06.5Z");
    }

    #[test]
    fn chat_triggers_need_no_call_and_never_key_on_the_secret() {
        let a = run(&[
            ("escalator_trigger", "OnChatArrival"),
            ("escalator_secret", "a"),
        ])
        .unwrap();
        let b = run(&[
            ("escalator_trigger", "OnChatArrival"),
            ("escalator_secret", "b"),
        ])
        .unwrap();
        assert_eq!(a[0].event_id, b[0].event_id);
        assert_eq!(a[0].call_id, "-");
        assert_eq!(
            a[0].kind,
            EventKind::Other {
                name: "OnChatArrival".into()
            }
        );
    }
}
