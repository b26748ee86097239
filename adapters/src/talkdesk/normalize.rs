//! Talkdesk deliveries → canonical events.
//!
//! A delivery is one rendered Webhook Trigger template (or our HTTP Notifier disposition
//! body): flat string fields, no envelope, no event id. Which trigger it is comes from the
//! `trigger` query parameter our template puts in the callback URL, else from the `event`
//! field, whose literal values are UNCONFIRMED (`inbound_call_ends`, `inboundCallEnds`,
//! `Inbound call ends` all read the same: case, spaces and punctuation are ignored).
//!
//! Dedupe keys come from the content, because Talkdesk sends no delivery id; see
//! [`normalize`] for the key of each trigger.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::fields::Fields;
use crate::{phone, CallEvent, Caller, Delivery, Direction, EventKind, NormalizeError, Vendor};

/// The call id used for events that belong to no call (agent log-in, contact changes): they
/// are kept for the record and never open a call session.
const NO_CALL: &str = "-";

/// Field names a disposition may arrive under (HTTP Notifier variables are UNCONFIRMED).
const DISPOSITION_KEYS: [&str; 3] = ["disposition", "disposition_code", "disposition_name"];

/// Every trigger Talkdesk can send us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trigger<'a> {
    ReachesContactCenter,
    InboundCallStarts,
    InboundCallEnds,
    OutboundCallEnds,
    AgentLogIn,
    AgentLogOut,
    ContactCreated,
    ContactUpdated,
    NoteCreated,
    /// HTTP Notifier "inbound/outbound disposition code set" (one name for both: the
    /// direction changes nothing here).
    Disposition,
    /// Anything else (an HTTP Notifier trigger we have no template for); the name as sent.
    Unknown(&'a str),
}

impl<'a> Trigger<'a> {
    /// Our `trigger` URL parameter wins (we wrote it); the `event` field is the fallback.
    fn of(fields: &'a Fields) -> Result<Self, NormalizeError> {
        let from_url = fields.get("trigger").map(Trigger::parse);
        let from_body = fields.get("event").map(Trigger::parse);
        match (from_url, from_body) {
            (Some(Trigger::Unknown(_)), Some(body)) if !matches!(body, Trigger::Unknown(_)) => {
                Ok(body)
            }
            (Some(url), _) => Ok(url),
            (None, Some(body)) => Ok(body),
            (None, None) => Err(NormalizeError::missing("event")),
        }
    }

    pub(super) fn parse(raw: &'a str) -> Self {
        let key: String = raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "inboundcallreachescontactcenter" | "callreachescontactcenter" => {
                Trigger::ReachesContactCenter
            }
            "inboundcallstarts" | "inboundcallstarted" | "inboundcallstart" => {
                Trigger::InboundCallStarts
            }
            "inboundcallends" | "inboundcallended" | "inboundcallend" => Trigger::InboundCallEnds,
            "outboundcallends" | "outboundcallended" | "outboundcallend" => {
                Trigger::OutboundCallEnds
            }
            "agentlogin" | "agentlogsin" | "agentloggedin" => Trigger::AgentLogIn,
            "agentlogout" | "agentlogsout" | "agentloggedout" => Trigger::AgentLogOut,
            "contactcreated" => Trigger::ContactCreated,
            "contactupdated" => Trigger::ContactUpdated,
            "notecreated" => Trigger::NoteCreated,
            k if k.contains("disposition") => Trigger::Disposition,
            _ => Trigger::Unknown(raw),
        }
    }

    /// The name in dedupe keys and `Other` events: Talkdesk's trigger name, so every
    /// spelling of the same event gets the same key.
    pub(super) fn name(self) -> &'a str {
        match self {
            Trigger::ReachesContactCenter => "inboundCallReachesContactCenter",
            Trigger::InboundCallStarts => "inboundCallStarts",
            Trigger::InboundCallEnds => "inboundCallEnds",
            Trigger::OutboundCallEnds => "outboundCallEnds",
            Trigger::AgentLogIn => "agentLogIn",
            Trigger::AgentLogOut => "agentLogOut",
            Trigger::ContactCreated => "contactCreated",
            Trigger::ContactUpdated => "contactUpdated",
            Trigger::NoteCreated => "noteCreated",
            Trigger::Disposition => "dispositionCodeSet",
            Trigger::Unknown(raw) => raw,
        }
    }
}

/// Normalizes one delivery. Keys (`<trigger>` is Talkdesk's trigger name, `<call>` the
/// `interaction_id`, else `call_id`; `<when>` the `timestamp` field in epoch ms, else a
/// digest of the delivery's fields):
///
/// | trigger | events | `event_id` |
/// |---|---|---|
/// | `inboundCallReachesContactCenter` | `call_started` | `<trigger>:<call>` |
/// | `inboundCallStarts` | `agent_connected` (+ `transfer_result` when `is_transfer`) | `<trigger>:<call>:<agent_id>:<when>` (+ `:transfer_result`) |
/// | `inboundCallEnds`, `outboundCallEnds` | `call_ended` (+ `escalation_requested` for an escalating disposition) | `<trigger>:<call>:<agent_id>:<when>` (+ `:escalation_requested`) |
/// | disposition (HTTP Notifier) | `escalation_requested` or `other` | `<trigger>:<call>:<digest>` |
/// | agent, contact, note, unknown | `other` | `<trigger>:<agent_id / contact_id / call / ->:<when>` |
pub fn normalize(delivery: &Delivery<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let fields = Fields::from_delivery(delivery)?;
    let trigger = Trigger::of(&fields)?;
    match trigger {
        Trigger::ReachesContactCenter => reaches_contact_center(&fields, trigger),
        Trigger::InboundCallStarts => call_starts(&fields, trigger),
        Trigger::InboundCallEnds | Trigger::OutboundCallEnds => call_ends(&fields, trigger),
        Trigger::Disposition => disposition(&fields, trigger),
        Trigger::AgentLogIn | Trigger::AgentLogOut => Ok(vec![other(&fields, trigger, "agent_id")]),
        Trigger::ContactCreated | Trigger::ContactUpdated | Trigger::NoteCreated => {
            Ok(vec![other(&fields, trigger, "contact_id")])
        }
        Trigger::Unknown(_) => Ok(vec![other(&fields, trigger, "interaction_id")]),
    }
}

/// What every event about one call shares.
struct Call<'a> {
    id: &'a str,
    occurred_at: Timestamp,
    caller: Caller,
    refs: BTreeMap<String, String>,
}

impl<'a> Call<'a> {
    /// `interaction_id` is the call's id everywhere else in Talkdesk (Studio, callbacks,
    /// the routing hook), so it is the canonical call id; `call_id` stands in for it only
    /// when a template leaves it out.
    fn read(fields: &'a Fields) -> Result<Self, NormalizeError> {
        let id = fields.required("interaction_id", &["call_id"])?;
        Ok(Call {
            id,
            // Only call ends carry a time in Talkdesk's own template; the others fall back to
            // the time we received them, which is never part of a key.
            occurred_at: fields.time("timestamp").unwrap_or_else(Timestamp::now),
            caller: caller(fields),
            refs: call_refs(fields),
        })
    }

    fn event(&self, event_id: String, kind: EventKind) -> CallEvent {
        CallEvent {
            vendor: Vendor::Talkdesk,
            call_id: self.id.to_string(),
            event_id,
            occurred_at: self.occurred_at,
            caller: self.caller.clone(),
            refs: self.refs.clone(),
            kind,
        }
    }
}

fn reaches_contact_center(
    fields: &Fields,
    trigger: Trigger<'_>,
) -> Result<Vec<CallEvent>, NormalizeError> {
    let call = Call::read(fields)?;
    // One per call: the call id alone is the key, robust to any re-rendered field.
    let event_id = format!("{}:{}", trigger.name(), call.id);
    let kind = EventKind::CallStarted {
        direction: Some(Direction::Inbound),
        line: fields.get("talkdesk_phone_number").and_then(phone::to_e164),
    };
    Ok(vec![call.event(event_id, kind)])
}

fn call_starts(fields: &Fields, trigger: Trigger<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let call = Call::read(fields)?;
    let agent = fields.get("agent_id");
    // Several per call (each transfer leg is answered anew), so the agent and time or
    // content are in the key.
    let event_id = leg_key(fields, trigger, call.id, agent);
    let mut events = vec![call.event(
        event_id.clone(),
        EventKind::AgentConnected {
            agent_id: agent.map(str::to_string),
        },
    )];
    // A transferred call answered: the only sign Talkdesk gives that an agent's (warm or
    // blind) transfer landed, since transfers are done by agents, not through the API.
    if fields.flag("is_transfer") == Some(true) {
        events.push(call.event(
            format!("{event_id}:transfer_result"),
            EventKind::TransferResult {
                succeeded: true,
                target: agent.map(str::to_string),
            },
        ));
    }
    Ok(events)
}

fn call_ends(fields: &Fields, trigger: Trigger<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let call = Call::read(fields)?;
    let event_id = leg_key(fields, trigger, call.id, fields.get("agent_id"));
    let mut events = vec![call.event(
        event_id.clone(),
        EventKind::CallEnded {
            reason: fields.get("hangup").map(str::to_string),
        },
    )];
    // Not in Talkdesk's template; an admin who adds the disposition to it gets the same
    // mapping as the HTTP Notifier disposition trigger.
    if let Some(name) = fields.first(&DISPOSITION_KEYS) {
        if signals_escalation(name) {
            events.push(call.event(
                format!("{event_id}:escalation_requested"),
                EventKind::EscalationRequested {
                    reason: Some(name.to_string()),
                },
            ));
        }
    }
    Ok(events)
}

fn disposition(fields: &Fields, trigger: Trigger<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let call = Call::read(fields)?;
    let name = fields.required("disposition", &DISPOSITION_KEYS[1..])?;
    let event_id = format!("{}:{}:{}", trigger.name(), call.id, fields.digest());
    // The disposition's own words go to the playbook verbatim ("Escalated - Legal"), so it
    // can tell a hard-stop from a plain supervisor request.
    let kind = if signals_escalation(name) {
        EventKind::EscalationRequested {
            reason: Some(name.to_string()),
        }
    } else {
        EventKind::Other {
            name: trigger.name().to_string(),
        }
    };
    Ok(vec![call.event(event_id, kind)])
}

/// An event kept for the record only; never fails, since nothing acts on it.
fn other(fields: &Fields, trigger: Trigger<'_>, subject_key: &str) -> CallEvent {
    let subject = fields.get(subject_key);
    let call_id = match trigger {
        Trigger::Unknown(_) => fields.first(&["interaction_id", "call_id"]),
        _ => None,
    };
    let mut refs = BTreeMap::new();
    if let Some(s) = subject {
        refs.insert(subject_key.to_string(), s.to_string());
    }
    CallEvent {
        vendor: Vendor::Talkdesk,
        call_id: call_id.unwrap_or(NO_CALL).to_string(),
        event_id: format!(
            "{}:{}:{}",
            trigger.name(),
            subject.unwrap_or(NO_CALL),
            when(fields)
        ),
        occurred_at: fields.time("timestamp").unwrap_or_else(Timestamp::now),
        caller: Caller::default(),
        refs,
        kind: EventKind::Other {
            name: trigger.name().to_string(),
        },
    }
}

fn leg_key(fields: &Fields, trigger: Trigger<'_>, call: &str, agent: Option<&str>) -> String {
    format!(
        "{}:{call}:{}:{}",
        trigger.name(),
        agent.unwrap_or(NO_CALL),
        when(fields)
    )
}

/// The event's own time when it has one (stable even if Talkdesk re-renders a volatile
/// field such as a signed recording URL), else a digest of its content.
fn when(fields: &Fields) -> String {
    match fields.time("timestamp") {
        Some(t) => t.as_millisecond().to_string(),
        None => fields.digest(),
    }
}

/// The customer: the caller on inbound calls, the called party on outbound ones (Talkdesk
/// names the field from the contact's side either way).
fn caller(fields: &Fields) -> Caller {
    let joined = [
        fields.get("contact_first_name"),
        fields.get("contact_last_name"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let name = fields
        .get("contact_name")
        .filter(|n| is_a_name(n))
        .map(str::to_string)
        .or_else(|| Some(joined).filter(|n| is_a_name(n)));
    Caller {
        name,
        // The number the call is on; the contact record's phone only when it is missing.
        number: fields
            .first(&["contact_phone_number", "contact_phone"])
            .and_then(phone::to_e164),
        verified: None,
    }
}

/// Talkdesk shows an unknown contact by its number; that is not a name.
fn is_a_name(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

/// Ids needed later to act on the call: `interaction_id` for scheduled callbacks and
/// custom fields, `talkdesk_phone_number` as the callback's caller id, the contact and
/// interaction context for the briefing.
fn call_refs(fields: &Fields) -> BTreeMap<String, String> {
    let mut refs = BTreeMap::new();
    let copies = [
        ("interaction_id", "interaction_id"),
        ("call_id", "talkdesk_call_id"),
        ("contact_id", "contact_id"),
        ("account_id", "account_id"),
        ("agent_id", "agent_id"),
        ("interaction_context_id", "interaction_context_id"),
        ("tags", "ring_groups"),
    ];
    for (from, to) in copies {
        if let Some(v) = fields.get(from) {
            refs.insert(to.to_string(), v.to_string());
        }
    }
    if let Some(n) = fields.get("talkdesk_phone_number").and_then(phone::to_e164) {
        refs.insert("talkdesk_phone_number".to_string(), n);
    }
    refs
}

/// Word stems that make a disposition name a request to escalate: an explicit escalation
/// or supervisor request, or a hard-stop topic (legal, regulator/complaint, media,
/// self-harm, fraud). Matched on whole words so "Pressed 1" or "Illegal" do not count.
const SIGNAL_STEMS: [&str; 18] = [
    "escalat",
    "supervisor",
    "manager",
    "legal",
    "lawyer",
    "attorney",
    "litigat",
    "lawsuit",
    "regulat",
    "complain",
    "ombudsman",
    "cfpb",
    "journalist",
    "fraud",
    "suicid",
    "selfharm",
    "crisis",
    "welfare",
];
const SIGNAL_WORDS: [&str; 3] = ["press", "media", "sue"];

pub(super) fn signals_escalation(name: &str) -> bool {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let stem = |w: &String| SIGNAL_STEMS.iter().any(|s| w.starts_with(s));
    let word = |w: &String| SIGNAL_WORDS.contains(&w.as_str());
    words.iter().any(|w| stem(w) || word(w)) || words.windows(2).any(|p| p == ["self", "harm"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, Method};
    use serde_json::{json, Value};

    fn run_with(query: Option<&str>, body: Value) -> Result<Vec<CallEvent>, NormalizeError> {
        let headers = HeaderMap::new();
        let bytes = serde_json::to_vec(&body).unwrap();
        let d = Delivery {
            method: &Method::POST,
            headers: &headers,
            query,
            path_secret: Some("s3cret"),
            body: &bytes,
        };
        normalize(&d)
    }

    fn run(body: Value) -> Result<Vec<CallEvent>, NormalizeError> {
        run_with(None, body)
    }

    #[test]
    fn every_spelling_of_a_trigger_reads_the_same() {
        for s in [
            "inbound_call_ends",
            "inboundCallEnds",
            "Inbound call ends",
            "INBOUND-CALL-ENDED",
        ] {
            assert_eq!(Trigger::parse(s), Trigger::InboundCallEnds, "{s}");
        }
        assert_eq!(Trigger::parse("agent_log_in"), Trigger::AgentLogIn);
        assert_eq!(
            Trigger::parse("inbound_disposition_code_set"),
            Trigger::Disposition
        );
        assert_eq!(
            Trigger::parse("voicemail_left"),
            Trigger::Unknown("voicemail_left")
        );
    }

    #[test]
    fn the_url_trigger_wins_and_the_body_event_is_the_fallback() {
        let body = json!({"event": "{{event}}", "interaction_id": "i1", "timestamp": "1774352826"});
        let e = run_with(Some("trigger=inboundCallEnds"), body.clone()).unwrap();
        assert_eq!(e[0].kind, EventKind::CallEnded { reason: None });
        // Same event, told apart only by the body: the same key.
        let mut by_body = body;
        by_body["event"] = json!("inbound_call_ends");
        let f = run(by_body).unwrap();
        assert_eq!(e[0].event_id, f[0].event_id);
        assert_eq!(f[0].event_id, "inboundCallEnds:i1:-:1774352826000");
        // A typo in the URL parameter does not hide a recognisable body.
        let g = run_with(
            Some("trigger=inboundCallEnd5"),
            json!({"event": "inbound_call_ends", "interaction_id": "i1"}),
        )
        .unwrap();
        assert!(matches!(g[0].kind, EventKind::CallEnded { .. }));
        assert_eq!(
            run(json!({"interaction_id": "i1"})).unwrap_err().field,
            "event"
        );
    }

    #[test]
    fn interaction_id_is_the_call_and_call_id_stands_in() {
        let e = run(json!({"event": "inbound_call_starts", "call_id": "CA1", "agent_id": "a1"}))
            .unwrap();
        assert_eq!(e[0].call_id, "CA1");
        let e = run(json!({"event": "inbound_call_starts", "call_id": "CA1",
            "interaction_id": "i1"}))
        .unwrap();
        assert_eq!(e[0].call_id, "i1");
        assert_eq!(e[0].refs["talkdesk_call_id"], "CA1");
        let err =
            run(json!({"event": "inbound_call_starts", "interaction_id": "{{interaction_id}}"}))
                .unwrap_err();
        assert_eq!(err.field, "interaction_id");
        assert!(err.message.contains("placeholder"));
    }

    #[test]
    fn a_transferred_call_answered_is_a_transfer_result() {
        let e = run(json!({"event": "inboundCallStarts", "interaction_id": "i1",
            "agent_id": "a2", "is_transfer": "true"}))
        .unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[1].kind,
            EventKind::TransferResult {
                succeeded: true,
                target: Some("a2".into())
            }
        );
        assert_eq!(e[1].event_id, format!("{}:transfer_result", e[0].event_id));
        let plain = run(json!({"event": "inboundCallStarts", "interaction_id": "i1",
            "agent_id": "a2", "is_transfer": "false"}))
        .unwrap();
        assert_eq!(plain.len(), 1);
    }

    #[test]
    fn two_legs_of_one_call_never_share_a_key() {
        let a = run(
            json!({"event": "inboundCallStarts", "interaction_id": "i1", "agent_id": "a1",
            "waiting_time": "42"}),
        )
        .unwrap();
        let b = run(
            json!({"event": "inboundCallStarts", "interaction_id": "i1", "agent_id": "a2",
            "waiting_time": "42", "is_transfer": "true"}),
        )
        .unwrap();
        assert_ne!(a[0].event_id, b[0].event_id);
        let again = run(json!({"event": "inboundCallStarts", "interaction_id": "i1",
            "agent_id": "a1", "waiting_time": "42"}))
        .unwrap();
        assert_eq!(a[0].event_id, again[0].event_id);
    }

    #[test]
    fn disposition_names_that_escalate_are_passed_verbatim() {
        for name in [
            "Escalated - Legal",
            "Supervisor requested",
            "Fraud suspected",
            "Self-harm disclosed",
            "Press inquiry",
            "CFPB complaint",
        ] {
            assert!(signals_escalation(name), "{name}");
            let e = run(
                json!({"event": "inbound_disposition_code_set", "interaction_id": "i1",
                "disposition": name}),
            )
            .unwrap();
            assert_eq!(
                e[0].kind,
                EventKind::EscalationRequested {
                    reason: Some(name.to_string())
                }
            );
        }
        for name in [
            "Resolved",
            "Pressed 1 for billing",
            "Illegal parking fine paid",
            "Sale",
        ] {
            assert!(!signals_escalation(name), "{name}");
        }
        let e = run(
            json!({"event": "dispositionCodeSet", "interaction_id": "i1",
            "disposition_code": "Resolved"}),
        )
        .unwrap();
        assert!(matches!(&e[0].kind, EventKind::Other { name } if name == "dispositionCodeSet"));
        let err = run(json!({"event": "dispositionCodeSet", "interaction_id": "i1"})).unwrap_err();
        assert_eq!(err.field, "disposition");
    }

    #[test]
    fn a_call_end_with_an_escalating_disposition_adds_the_request() {
        let e = run(json!({"event": "inboundCallEnds", "interaction_id": "i1",
            "hangup": "agent", "disposition": "Escalated - Legal"}))
        .unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[1].event_id,
            format!("{}:escalation_requested", e[0].event_id)
        );
    }

    #[test]
    fn an_unknown_contact_name_is_not_a_name() {
        let e = run(
            json!({"event": "inboundCallReachesContactCenter", "interaction_id": "i1",
            "contact_name": "+14155550123", "contact_first_name": "Dana",
            "contact_last_name": "Reyes", "contact_phone_number": "14155550123"}),
        )
        .unwrap();
        assert_eq!(e[0].caller.name.as_deref(), Some("Dana Reyes"));
        assert_eq!(e[0].caller.number.as_deref(), Some("+14155550123"));
    }

    #[test]
    fn events_outside_calls_are_kept_and_never_fail() {
        let e = run(json!({"event": "agent_log_in"})).unwrap();
        assert_eq!(e[0].call_id, "-");
        assert!(matches!(&e[0].kind, EventKind::Other { name } if name == "agentLogIn"));
        let a = run(json!({"event": "agentLogIn", "agent_id": "a1", "timestamp": "1774352826"}))
            .unwrap();
        assert_eq!(a[0].event_id, "agentLogIn:a1:1774352826000");
        assert_eq!(a[0].refs["agent_id"], "a1");
        let u = run(json!({"event": "voicemail_left", "interaction_id": "i9"})).unwrap();
        assert_eq!(u[0].call_id, "i9");
    }
}
