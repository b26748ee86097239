//! NCC REST-call deliveries → canonical events.
//!
//! NCC sends exactly what our body templates say (see [`super::template`]): one flat object
//! per workflow step or disposition, with `event` naming the hook and `workitemId` the call.
//! The same fields may come as JSON, as a form body or as a GET query string.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::transcript;
use super::wire::{parse_bool, text_digest, Fields};
use crate::{
    phone, CallEvent, Caller, Delivery, Direction, EventKind, NormalizeError, Speaker, Utterance,
    Vendor,
};

/// What the template's `event` says happened. Admins may re-type the value, so separators
/// and case do not matter and a few obvious synonyms are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hook {
    CallStarted,
    Queued,
    AgentConnected,
    CallerVerified,
    EscalationRequested,
    /// A disposition's REST call that does not claim the call is over.
    Disposition,
    CallEnded,
    Transcript,
    Message,
    Unknown(String),
}

impl Hook {
    fn parse(raw: &str) -> Self {
        let key: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' | '.' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match key.as_str() {
            "call_started" | "call_start" | "started" | "begin" => Hook::CallStarted,
            "queued" | "enter_queue" | "entered_queue" | "inqueue" => Hook::Queued,
            "agent_connected" | "agent_answered" | "answered" | "connected" => Hook::AgentConnected,
            "caller_verified" | "verified" | "verification" => Hook::CallerVerified,
            "escalation_requested" | "escalate" | "escalation" | "agent_request" | "help" => {
                Hook::EscalationRequested
            }
            "disposition" | "dispositioned" => Hook::Disposition,
            "call_ended" | "call_end" | "ended" | "wrapup" | "wrap_up" | "hangup" => {
                Hook::CallEnded
            }
            "transcript" | "transcription" => Hook::Transcript,
            "message" | "chat_message" | "sms_message" | "inbound_message" => Hook::Message,
            _ => Hook::Unknown(raw.trim().to_string()),
        }
    }
}

pub fn normalize(delivery: &Delivery<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let fields = Fields::read(delivery)?;
    let call_id = fields.req("workitemId")?;
    let hook = Hook::parse(fields.req("event")?);
    let base = Base::new(&fields, call_id, &hook);
    let mut events = utterances(&fields, &hook, &base);
    events.extend(kinds(&fields, hook)?.into_iter().map(|k| base.event(k)));
    Ok(events)
}

/// What every event of one delivery shares.
struct Base {
    call_id: String,
    occurred_at: Timestamp,
    caller: Caller,
    refs: BTreeMap<String, String>,
    digest: String,
}

impl Base {
    fn new(f: &Fields, call_id: &str, hook: &Hook) -> Self {
        // `createdAt` is the workitem's creation: the right time only for the call's start.
        let occurred_at = f
            .timestamp("eventTime")
            .or_else(|| (*hook == Hook::CallStarted).then(|| f.timestamp("createdAt"))?)
            .unwrap_or_else(Timestamp::now);
        Base {
            call_id: call_id.to_string(),
            occurred_at,
            caller: caller(f),
            refs: refs(f),
            digest: f.digest(),
        }
    }

    /// `<type>:<workitemId>:<digest of the delivery>`: NCC has no event id, and a template
    /// step has no sequence number, so the content is the key.
    fn event(&self, kind: EventKind) -> CallEvent {
        let event_id = format!("{}:{}:{}", kind.name(), self.call_id, self.digest);
        self.with_id(event_id, kind)
    }

    fn with_id(&self, event_id: String, kind: EventKind) -> CallEvent {
        let caller = match &kind {
            EventKind::CallerVerified { verified } => Caller {
                verified: Some(*verified),
                ..self.caller.clone()
            },
            _ => self.caller.clone(),
        };
        CallEvent {
            vendor: Vendor::Nextiva,
            call_id: self.call_id.clone(),
            event_id,
            occurred_at: self.occurred_at,
            caller,
            refs: self.refs.clone(),
            kind,
        }
    }
}

fn kinds(f: &Fields, hook: Hook) -> Result<Vec<EventKind>, NormalizeError> {
    let owned = |s: Option<&str>| s.map(str::to_string);
    Ok(match hook {
        Hook::CallStarted => vec![EventKind::CallStarted {
            direction: direction(f),
            line: our_number(f).and_then(phone::to_e164),
        }],
        Hook::Queued => vec![EventKind::Queued {
            queue_id: owned(f.get("queueId")),
        }],
        Hook::AgentConnected => vec![EventKind::AgentConnected {
            agent_id: owned(f.get("agentId").or(f.get("agentUsername"))),
        }],
        Hook::CallerVerified => vec![EventKind::CallerVerified {
            verified: verified(f)?,
        }],
        Hook::EscalationRequested => vec![EventKind::EscalationRequested {
            reason: owned(f.get("reason").or(f.get("disposition"))),
        }],
        Hook::Disposition => vec![disposition_signal(f).unwrap_or_else(|| EventKind::Other {
            name: match f.get("disposition") {
                Some(d) => format!("disposition: {d}"),
                None => "disposition".to_string(),
            },
        })],
        Hook::CallEnded => {
            // The escalation first, so the playbook sees it while the session is still open.
            let mut kinds: Vec<EventKind> = disposition_signal(f).into_iter().collect();
            kinds.push(EventKind::CallEnded {
                reason: owned(f.get("disposition").or(f.get("reason"))),
            });
            kinds
        }
        Hook::Transcript | Hook::Message => Vec::new(),
        Hook::Unknown(name) => vec![EventKind::Other { name }],
    })
}

/// The `caller_verified` step sits on the verification's success branch, so no value means
/// verified; a value that is neither true nor false is a template error.
fn verified(f: &Fields) -> Result<bool, NormalizeError> {
    match f.get("verified") {
        None => Ok(true),
        Some(v) => {
            parse_bool(v).ok_or_else(|| NormalizeError::new("verified", "must be true or false"))
        }
    }
}

/// A disposition whose name asks for escalation becomes `EscalationRequested` with the name
/// verbatim, so the playbook sees the words ("Legal threat"). The template's `escalate`
/// (`true`/`false`) overrides the reading of the name; anything else (`auto`) keeps it.
fn disposition_signal(f: &Fields) -> Option<EventKind> {
    let name = f.get("disposition");
    let wanted = match f.get("escalate").and_then(parse_bool) {
        Some(forced) => forced,
        None => name.is_some_and(signals_escalation),
    };
    wanted.then(|| EventKind::EscalationRequested {
        reason: name.map(str::to_string),
    })
}

/// Word stems and whole words that make a disposition name an escalation: the playbook's
/// tiers and hard stops as NCC admins name dispositions ("Pending - Escalated to
/// Supervisor", "Legal threat", "Self-harm disclosed").
const ESCALATION_STEMS: [&str; 19] = [
    "escalat",
    "supervis",
    "legal",
    "lawyer",
    "attorney",
    "lawsuit",
    "litigat",
    "complain",
    "complian",
    "regulat",
    "ombuds",
    "journalist",
    "fraud",
    "scam",
    "suicid",
    "selfharm",
    "crisis",
    "welfare",
    "threat",
];
const ESCALATION_WORDS: [&str; 11] = [
    "sue", "suing", "manager", "managers", "media", "press", "reporter", "harm", "cfpb", "ftc",
    "fcc",
];

pub(crate) fn signals_escalation(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .any(|w| {
            ESCALATION_WORDS.contains(&w.as_str())
                || ESCALATION_STEMS.iter().any(|s| w.starts_with(s))
        })
}

/// Utterances from a chat/SMS `message` and from any `transcript` the delivery carries.
fn utterances(f: &Fields, hook: &Hook, base: &Base) -> Vec<CallEvent> {
    let language = f.get("language").map(str::to_string);
    let utterance = |utterance_id: String, speaker: Speaker, text: String| {
        let event_id = format!("utterance:{}:{utterance_id}", base.call_id);
        base.with_id(
            event_id,
            EventKind::Utterance(Utterance {
                utterance_id,
                speaker,
                text,
                is_final: true,
                confidence: None,
                language: language.clone(),
            }),
        )
    };
    let mut events = Vec::new();
    if *hook == Hook::Message {
        // `workitem.currentChatMessage` / `currentSMSMessage` is the consumer's message.
        if let Some(text) = f.get("text") {
            let id = format!("message-{}", base.digest);
            events.push(utterance(id, Speaker::Customer, text.to_string()));
        }
    }
    let turns = f
        .get("transcript")
        .map(transcript::parse)
        .unwrap_or_default();
    for (i, turn) in turns.into_iter().enumerate() {
        // Position plus content: a longer transcript of the same call sent later repeats
        // the earlier turns under the same keys, and a revised turn gets a new one.
        let digest = text_digest(&format!("{:?}\u{0}{}", turn.speaker, turn.text));
        let id = format!("transcript-{i}-{digest}");
        events.push(utterance(id, turn.speaker, turn.text));
    }
    events
}

/// `workitem.type`: `InboundCall`, `InboundSMS`, `Chat`, `Outbound Call`, `Predictive
/// Call`, `Progressive Workitem`… [NSUP].
fn direction(f: &Fields) -> Option<Direction> {
    let kind = compact_type(f)?;
    if kind.starts_with("inbound") || kind == "chat" || kind == "email" {
        Some(Direction::Inbound)
    } else if ["outbound", "predictive", "progressive"]
        .iter()
        .any(|p| kind.starts_with(p))
    {
        Some(Direction::Outbound)
    } else {
        None
    }
}

fn compact_type(f: &Fields) -> Option<String> {
    f.get("type").map(|t| {
        t.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
    })
}

/// `from`/`to` are phone numbers only on voice, SMS and fax workitems; a chat's `from` may
/// be a visitor id that merely looks like digits.
fn phone_channel(f: &Fields) -> bool {
    match compact_type(f) {
        None => true,
        Some(t) => ["call", "sms", "fax", "predictive", "progressive"]
            .iter()
            .any(|c| t.contains(c)),
    }
}

/// On an outbound workitem the customer is the dialled party (`to`), as on every other
/// platform; NCC does not document it (UNCONFIRMED).
fn customer_number(f: &Fields) -> Option<&str> {
    if !phone_channel(f) {
        return None;
    }
    match direction(f) {
        Some(Direction::Outbound) => f.get("to"),
        _ => f.get("from"),
    }
}

fn our_number(f: &Fields) -> Option<&str> {
    if !phone_channel(f) {
        return None;
    }
    match direction(f) {
        Some(Direction::Outbound) => f.get("from"),
        _ => f.get("to"),
    }
}

fn caller(f: &Fields) -> Caller {
    Caller {
        name: caller_name(f),
        // NCC sends `from` as E.164 already (`+16025550123`); nothing is prefixed.
        number: customer_number(f).and_then(phone::to_e164),
        verified: f.get("verified").and_then(parse_bool),
    }
}

/// `${workitem.contact.firstName} ${workitem.contact.lastName}` on a workitem without a
/// contact may render as `undefined undefined`.
fn caller_name(f: &Fields) -> Option<String> {
    let name = f
        .get("callerName")?
        .split_whitespace()
        .filter(|w| *w != "undefined" && *w != "null")
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Ids Escalator needs later: the queue for a queue transfer (`inboxId`), the agent, the
/// NCC contact, and the workitem type (the call-control API applies to calls only).
fn refs(f: &Fields) -> BTreeMap<String, String> {
    [
        ("queue_id", "queueId"),
        ("agent_user_id", "agentId"),
        ("agent_username", "agentUsername"),
        ("contact_id", "contactId"),
        ("workitem_type", "type"),
    ]
    .into_iter()
    .filter_map(|(key, field)| f.get(field).map(|v| (key.to_string(), v.to_string())))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use serde_json::{json, Value};

    fn run(v: Value) -> Result<Vec<CallEvent>, NormalizeError> {
        let body = serde_json::to_vec(&v).unwrap();
        normalize(&Delivery::json(&body, &HeaderMap::new()))
    }

    fn one(v: Value) -> CallEvent {
        let mut events = run(v).unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        events.remove(0)
    }

    #[test]
    fn a_hard_stop_disposition_keeps_its_name_verbatim_and_ends_the_call() {
        let events = run(json!({"event": "call_ended", "workitemId": "w1",
            "disposition": "Legal threat", "escalate": "auto", "eventTime": "1773957621482"}))
        .unwrap();
        assert_eq!(
            events.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
            vec![
                EventKind::EscalationRequested {
                    reason: Some("Legal threat".into())
                },
                EventKind::CallEnded {
                    reason: Some("Legal threat".into())
                },
            ]
        );
        assert_ne!(events[0].event_id, events[1].event_id);
    }

    #[test]
    fn ordinary_dispositions_are_not_escalations() {
        let e = one(json!({"event": "call_ended", "workitemId": "w1",
            "disposition": "Closed - Customer Disconnected"}));
        assert!(matches!(e.kind, EventKind::CallEnded { .. }));
        let e = one(json!({"event": "disposition", "workitemId": "w1",
            "disposition": "Pending - Callback Required"}));
        assert_eq!(
            e.kind,
            EventKind::Other {
                name: "disposition: Pending - Callback Required".into()
            }
        );
    }

    #[test]
    fn escalate_overrides_the_name() {
        let e = one(json!({"event": "disposition", "workitemId": "w1",
            "disposition": "VIP", "escalate": "true"}));
        assert_eq!(
            e.kind,
            EventKind::EscalationRequested {
                reason: Some("VIP".into())
            }
        );
        let e = one(json!({"event": "disposition", "workitemId": "w1",
            "disposition": "Escalated - resolved by supervisor", "escalate": "false"}));
        assert!(matches!(e.kind, EventKind::Other { .. }));
    }

    #[test]
    fn disposition_names_that_signal_escalation() {
        for name in [
            "Pending - Escalated to Supervisor",
            "Escalated - Legal",
            "Legal threat",
            "Customer threatened to sue",
            "Self-harm disclosed",
            "Regulator / CFPB complaint",
            "Media enquiry",
            "Suspected fraud",
            "Wants a manager",
        ] {
            assert!(signals_escalation(name), "{name}");
        }
        for name in [
            "Resolved",
            "Closed - No Action Needed",
            "Pending - Callback Required",
            "Billing issue",
            "Sale made",
        ] {
            assert!(!signals_escalation(name), "{name}");
        }
    }

    #[test]
    fn an_unfilled_disposition_name_is_absent() {
        let e = one(json!({"event": "call_ended", "workitemId": "w1",
            "disposition": "{{Disposition name}}", "escalate": "auto"}));
        assert_eq!(e.kind, EventKind::CallEnded { reason: None });
    }

    #[test]
    fn the_key_is_the_content() {
        let v = json!({"event": "queued", "workitemId": "w1", "queueId": "q1"});
        assert_eq!(one(v.clone()).event_id, one(v).event_id);
        let a = one(json!({"event": "queued", "workitemId": "w1", "queueId": "q1"}));
        let b = one(json!({"event": "queued", "workitemId": "w1", "queueId": "q2"}));
        assert_ne!(a.event_id, b.event_id);
        assert!(a.event_id.starts_with("queued:w1:"));
        // An unsubstituted variable is the same as no field at all.
        let c = one(
            json!({"event": "queued", "workitemId": "w1", "queueId": "q1",
            "agentUsername": "${workitem.agentUsername}"}),
        );
        assert_eq!(a.event_id, c.event_id);
    }

    #[test]
    fn outbound_customer_is_the_dialled_party() {
        let e = one(json!({"event": "call_started", "workitemId": "w1",
            "type": "OutboundCall", "from": "+16029000135", "to": "+16025550123"}));
        assert_eq!(e.caller.number.as_deref(), Some("+16025550123"));
        assert_eq!(
            e.kind,
            EventKind::CallStarted {
                direction: Some(Direction::Outbound),
                line: Some("+16029000135".into())
            }
        );
    }

    #[test]
    fn a_chat_visitor_id_is_not_a_phone_number() {
        let e = one(json!({"event": "call_started", "workitemId": "w1",
            "type": "Chat", "from": "4155550100123"}));
        assert_eq!(e.caller.number, None);
    }

    #[test]
    fn a_longer_transcript_repeats_earlier_keys() {
        let short = run(json!({"event": "transcript", "workitemId": "w1",
            "transcript": "CLIENT: hello\nUSER: hi"}))
        .unwrap();
        let long = run(json!({"event": "call_ended", "workitemId": "w1",
            "transcript": "CLIENT: hello\nUSER: hi\nCLIENT: I will sue"}))
        .unwrap();
        assert_eq!(short.len(), 2);
        assert_eq!(long.len(), 4);
        assert_eq!(short[0].event_id, long[0].event_id);
        assert_eq!(short[1].event_id, long[1].event_id);
        assert!(matches!(&long[2].kind,
            EventKind::Utterance(u) if u.speaker == Speaker::Customer && u.is_final));
        assert!(matches!(long[3].kind, EventKind::CallEnded { .. }));
    }

    #[test]
    fn caller_verified_defaults_to_true_and_rejects_nonsense() {
        let e = one(json!({"event": "caller_verified", "workitemId": "w1"}));
        assert_eq!(e.kind, EventKind::CallerVerified { verified: true });
        assert_eq!(e.caller.verified, Some(true));
        let e = one(json!({"event": "caller_verified", "workitemId": "w1", "verified": "false"}));
        assert_eq!(e.kind, EventKind::CallerVerified { verified: false });
        let err = run(json!({"event": "caller_verified", "workitemId": "w1", "verified": "maybe"}))
            .unwrap_err();
        assert_eq!(err.field, "verified");
    }

    #[test]
    fn errors_name_the_template_field() {
        let err =
            run(json!({"event": "queued", "workitemId": "${workitem.workitemId}"})).unwrap_err();
        assert_eq!(err.field, "workitemId");
        let err = run(json!({"workitemId": "w1"})).unwrap_err();
        assert_eq!(err.field, "event");
        let h = HeaderMap::new();
        assert_eq!(
            normalize(&Delivery::json(b"[1]", &h)).unwrap_err().field,
            "body"
        );
    }

    #[test]
    fn unknown_events_are_kept() {
        let e = one(json!({"event": "Survey Completed", "workitemId": "w1"}));
        assert_eq!(
            e.kind,
            EventKind::Other {
                name: "Survey Completed".into()
            }
        );
    }

    #[test]
    fn undefined_contact_names_are_dropped() {
        let e = one(json!({"event": "queued", "workitemId": "w1",
            "callerName": "undefined undefined"}));
        assert_eq!(e.caller.name, None);
        let e = one(json!({"event": "queued", "workitemId": "w1",
            "callerName": "Dana undefined"}));
        assert_eq!(e.caller.name.as_deref(), Some("Dana"));
    }
}
