//! Workflow Automation "API Request" deliveries → canonical events.
//!
//! The body is our template ([`super::template`]): the constant `event` names the trigger,
//! the other keys are call attributes the admin picked. CloudTalk itself sends no event
//! type, no time and no id of the delivery (vendor doc §1c), so:
//! - the trigger comes from `event` (or a documented alias);
//! - `occurred_at` is a `timestamp` the admin added, else the time of receipt;
//! - dedupe keys are built from what identifies the event on the call (trigger, call,
//!   agent, tag) and never from the time of receipt, so a redelivery gets the same key.
//!
//! | `event` (aliases accepted) | canonical | `event_id` |
//! |---|---|---|
//! | `call_started` | `call_started` (direction, line = `internal_number`) | `call_started:<call>` |
//! | `ringing_on_agent` | `queued` (`queue_id` = `group_id`) | `ringing_on_agent:<call>:<agent>[:<ms>]` |
//! | `answered` | `agent_connected` | `answered:<call>:<agent>[:<ms>]` |
//! | `call_modified` | `escalation_requested` per escalation tag, else `other` | `tag:<call>:<tag>`, else `call_modified:<call>:<digest>` |
//! | `raised_hand` | `escalation_requested` (`reason`, else "Raised Hand") | `raised_hand:<call>:<agent>[:<ms>]` |
//! | `call_ended` | `call_ended` | `call_ended:<call>` |
//! | `recording_uploaded` | `other` | `recording_uploaded:<call>` |
//! | `transcription_created` | `utterance` per text, else `other` | `utt:<call>:transcript:<i>:<text digest>`, else `transcription_created:<call>` |
//! | anything else | `other` (`name` = the event) | `<event>:<call or ->:<digest>` |
//!
//! Every Call trigger also yields `escalation_requested` for each escalation tag it carries
//! (`tag:<call>:<tag>`, so Ended repeating Modified's tag is a duplicate). `<agent>` is `-`
//! when absent, `<ms>` the admin's `timestamp` when sent, `<digest>` 16 bytes of SHA-256
//! over every key and value except the secret.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use super::fields::{self, Fields};
use crate::{
    CallEvent, Caller, Delivery, Direction, EventKind, NormalizeError, Speaker, Utterance, Vendor,
};

/// What a Raised Hand says when the admin sent no reason of their own: CloudTalk's name
/// for the button, so the supervisor's briefing says what happened.
const RAISED_HAND_REASON: &str = "Raised Hand";

/// The CloudTalk triggers our template sends, by their `event` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trigger {
    Started,
    RingingOnAgent,
    Answered,
    Modified,
    RaisedHand,
    Ended,
    RecordingUploaded,
    TranscriptionCreated,
    /// Any other trigger (SMS, contact, user status…): kept for the record.
    Unknown(String),
}

impl Trigger {
    /// Accepts our names (`call_started`), LiveHelperChat's (`ringing_on_agent`, `ended`) and the
    /// UI's (`Ringing on Agent`, `Raised Hand`), in any case and punctuation.
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        let name = snake(raw);
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        let short = name.strip_prefix("call_").unwrap_or(&name);
        Some(match short {
            "started" | "start" => Trigger::Started,
            "ringing_on_agent" | "ringing" | "agent_ringing" => Trigger::RingingOnAgent,
            "answered" => Trigger::Answered,
            "modified" | "tags_changed" | "notes_changed" => Trigger::Modified,
            "raised_hand" | "raise_hand" | "hand_raised" => Trigger::RaisedHand,
            "ended" | "end" => Trigger::Ended,
            "recording_uploaded" | "recording" => Trigger::RecordingUploaded,
            "transcription_created" | "transcription" => Trigger::TranscriptionCreated,
            _ => Trigger::Unknown(name),
        })
    }

    /// The name used in dedupe keys and `Other` events.
    fn name(&self) -> &str {
        match self {
            Trigger::Started => "call_started",
            Trigger::RingingOnAgent => "ringing_on_agent",
            Trigger::Answered => "answered",
            Trigger::Modified => "call_modified",
            Trigger::RaisedHand => "raised_hand",
            Trigger::Ended => "call_ended",
            Trigger::RecordingUploaded => "recording_uploaded",
            Trigger::TranscriptionCreated => "transcription_created",
            Trigger::Unknown(name) => name,
        }
    }

    /// Triggers of the Call object: they cannot be acted on without the live call's id.
    fn is_call(&self) -> bool {
        matches!(
            self,
            Trigger::Started
                | Trigger::RingingOnAgent
                | Trigger::Answered
                | Trigger::Modified
                | Trigger::RaisedHand
                | Trigger::Ended
        )
    }
}

pub fn normalize(delivery: &Delivery<'_>) -> Result<Vec<CallEvent>, NormalizeError> {
    let f = Fields::from_delivery(delivery)?;
    let trigger = trigger(&f)?;
    let ctx = Context::new(&f, &trigger)?;
    let mut events = match &trigger {
        Trigger::Started => vec![ctx.event(
            format!("call_started:{}", ctx.call_id),
            EventKind::CallStarted {
                direction: direction(&f),
                line: f.phone(fields::INTERNAL_NUMBER),
            },
        )],
        Trigger::RingingOnAgent => vec![ctx.event(
            ctx.per_agent_key("ringing_on_agent"),
            // The nearest CloudTalk has to "entered a queue": there is no queue trigger.
            EventKind::Queued {
                queue_id: f.opt_id(fields::GROUP_ID),
            },
        )],
        Trigger::Answered => vec![ctx.event(
            ctx.per_agent_key("answered"),
            EventKind::AgentConnected {
                agent_id: ctx.agent_id.clone(),
            },
        )],
        Trigger::RaisedHand => vec![ctx.event(
            ctx.per_agent_key("raised_hand"),
            EventKind::EscalationRequested {
                reason: Some(
                    f.text(fields::REASON)
                        .unwrap_or(RAISED_HAND_REASON)
                        .to_string(),
                ),
            },
        )],
        Trigger::Ended => vec![ctx.event(
            format!("call_ended:{}", ctx.call_id),
            EventKind::CallEnded { reason: None },
        )],
        // Only its escalation tags matter; they are added below.
        Trigger::Modified => Vec::new(),
        Trigger::RecordingUploaded => vec![ctx.other(&trigger, &f)],
        Trigger::TranscriptionCreated => transcript_events(&ctx, &f),
        Trigger::Unknown(_) => vec![ctx.other(&trigger, &f)],
    };
    if trigger.is_call() {
        events.extend(tag_events(&ctx, &f));
    }
    if events.is_empty() {
        // A Modified without an escalation tag: kept for the record.
        events.push(ctx.other(&trigger, &f));
    }
    Ok(events)
}

fn trigger(f: &Fields) -> Result<Trigger, NormalizeError> {
    let field = f
        .get(fields::EVENT)
        .ok_or_else(|| NormalizeError::missing(fields::EVENT[0]))?;
    if fields::is_structured(field.value) {
        return Err(NormalizeError::new(
            field.key,
            "must be the trigger's name, e.g. call_started",
        ));
    }
    Trigger::parse(field.value).ok_or_else(|| {
        NormalizeError::new(field.key, "must be the trigger's name, e.g. call_started")
    })
}

/// What every event of one delivery shares.
struct Context {
    call_id: String,
    occurred_at: Timestamp,
    /// The admin's `timestamp` in epoch ms, when sent: tells repeated firings apart.
    stamp: Option<i64>,
    agent_id: Option<String>,
    caller: Caller,
    refs: BTreeMap<String, String>,
}

impl Context {
    fn new(f: &Fields, trigger: &Trigger) -> Result<Self, NormalizeError> {
        // `call_uuid` names the live call (Cue Cards act on it); `call_id` is the CDR id
        // that Recording and Transcription carry instead. One call keeps one id when both
        // are sent, so the uuid wins.
        let uuid = f.id(fields::CALL_UUID)?;
        let cdr = f.id(fields::CALL_ID)?;
        let call_id = match uuid.clone().or_else(|| cdr.clone()) {
            Some(id) => id,
            None if trigger.is_call() => return Err(NormalizeError::missing(fields::CALL_UUID[0])),
            None if matches!(trigger, Trigger::Unknown(_)) => "-".to_string(),
            None => return Err(NormalizeError::missing(fields::CALL_ID[0])),
        };
        let agent_id = f.opt_id(fields::AGENT_ID);
        let mut refs = BTreeMap::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                refs.insert(key.to_string(), v);
            }
        };
        put("call_uuid", uuid);
        put("call_id", cdr);
        put("contact_id", f.opt_id(fields::CONTACT_ID));
        put("group_id", f.opt_id(fields::GROUP_ID));
        put(
            crate::REF_CALLER_SUBDIVISION,
            f.text(fields::CONTACT_STATE)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        // The agent rung is not the agent on the call: only other triggers name the agent
        // that later actions (a click-to-call, a note's author) belong to.
        if *trigger != Trigger::RingingOnAgent {
            put("agent_id", agent_id.clone());
        }
        let sent_at = f.timestamp(fields::TIMESTAMP);
        Ok(Self {
            call_id,
            occurred_at: sent_at.unwrap_or_else(Timestamp::now),
            stamp: sent_at.map(|t| t.as_millisecond()),
            agent_id,
            caller: Caller {
                name: f.text(fields::CONTACT_NAME).map(str::to_string),
                // External is the customer's side whatever the direction.
                number: f.phone(fields::EXTERNAL_NUMBER),
                verified: None,
            },
            refs,
        })
    }

    fn event(&self, event_id: String, kind: EventKind) -> CallEvent {
        CallEvent {
            vendor: Vendor::Cloudtalk,
            call_id: self.call_id.clone(),
            event_id,
            occurred_at: self.occurred_at,
            caller: self.caller.clone(),
            refs: self.refs.clone(),
            kind,
        }
    }

    /// Triggers that fire once per agent (Ringing on Agent: one firing per agent rung;
    /// Answered again after a transfer; Raised Hand by each agent). Without a time from the
    /// admin, the same agent firing twice on one call is taken as a redelivery.
    fn per_agent_key(&self, name: &str) -> String {
        let agent = self.agent_id.as_deref().unwrap_or("-");
        match self.stamp {
            Some(ms) => format!("{name}:{}:{agent}:{ms}", self.call_id),
            None => format!("{name}:{}:{agent}", self.call_id),
        }
    }

    /// An event kept but not acted on; it has nothing to key on but its content.
    fn other(&self, trigger: &Trigger, f: &Fields) -> CallEvent {
        let event_id = match trigger {
            Trigger::RecordingUploaded | Trigger::TranscriptionCreated => {
                format!("{}:{}", trigger.name(), self.call_id)
            }
            _ => format!("{}:{}:{}", trigger.name(), self.call_id, f.digest()),
        };
        self.event(
            event_id,
            EventKind::Other {
                name: trigger.name().to_string(),
            },
        )
    }
}

fn direction(f: &Fields) -> Option<Direction> {
    match f.text(fields::DIRECTION)?.to_ascii_lowercase().as_str() {
        "incoming" | "inbound" | "in" => Some(Direction::Inbound),
        "outgoing" | "outbound" | "out" => Some(Direction::Outbound),
        _ => None,
    }
}

/// One `EscalationRequested` per call tag whose name signals an escalation, with the tag
/// verbatim. Keyed by call and tag only: the same tag seen again (a later Modified, the
/// Ended carrying all tags) is the same signal, not a new escalation.
fn tag_events(ctx: &Context, f: &Fields) -> Vec<CallEvent> {
    let Some(raw) = f.text(fields::TAGS) else {
        return Vec::new();
    };
    let mut seen = Vec::new();
    for tag in split_tags(raw) {
        if is_escalation_tag(&tag) && !seen.contains(&tag) {
            seen.push(tag);
        }
    }
    seen.into_iter()
        .map(|tag| {
            ctx.event(
                format!("tag:{}:{tag}", ctx.call_id),
                EventKind::EscalationRequested { reason: Some(tag) },
            )
        })
        .collect()
}

/// Tag names from whatever form the `tags` value takes (UNCONFIRMED, vendor doc §1d): a JSON
/// list of names or of `{id, name|label}` objects, one such object, or text — what a
/// JavaScript list becomes in a String value (`legal,VIP`), where `[object Object]` items
/// are dropped.
pub(crate) fn split_tags(raw: &str) -> Vec<String> {
    if fields::is_structured(raw) {
        if let Ok(value) = serde_json::from_str::<Value>(raw) {
            return match value {
                Value::Array(items) => items.iter().filter_map(tag_name).collect(),
                other => tag_name(&other).into_iter().collect(),
            };
        }
    }
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|t| !fields::is_absent(t))
        .map(str::to_string)
        .collect()
}

fn tag_name(value: &Value) -> Option<String> {
    let name = match value {
        Value::String(s) => s.as_str(),
        Value::Object(o) => ["name", "label", "tag"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))?,
        _ => return None,
    };
    let name = name.trim();
    (!fields::is_absent(name)).then(|| name.to_string())
}

/// Words that make a tag an escalation signal: the playbook's hard-stops (legal,
/// compliance, media, fraud, self-harm) and asking for a supervisor. Ordinary tags
/// ("Sales", "VIP") must not page a supervisor, so a tag must contain one of these words
/// or start a word with `escalat`.
const ESCALATION_WORDS: &[&str] = &[
    "legal",
    "lawyer",
    "attorney",
    "lawsuit",
    "compliance",
    "regulator",
    "ombudsman",
    "media",
    "press",
    "journalist",
    "fraud",
    "selfharm",
    "suicide",
    "welfare",
    "crisis",
    "supervisor",
    "manager",
];

pub(crate) fn is_escalation_tag(tag: &str) -> bool {
    let words: Vec<String> = tag
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // "self-harm" and "self harm" split into two words.
    let joined_pairs = words.windows(2).map(|p| format!("{}{}", p[0], p[1]));
    words
        .iter()
        .cloned()
        .chain(joined_pairs)
        .any(|w| w.starts_with("escalat") || ESCALATION_WORDS.contains(&w.as_str()))
}

/// A Transcription → Created delivery. The observed `transcript` is `[object Object]`
/// (already absent here); a real text becomes one utterance of unknown speaker (a recording
/// mixes both sides), and the AI API's object shape becomes one utterance per segment with
/// its speaker. Neither: the event is kept as `Other`.
fn transcript_events(ctx: &Context, f: &Fields) -> Vec<CallEvent> {
    let Some(raw) = f.text(fields::TRANSCRIPT) else {
        return Vec::new();
    };
    let language = f.text(fields::LANGUAGE).map(str::to_string);
    let segments = if fields::is_structured(raw) {
        segments(raw)
    } else {
        vec![(Speaker::Unknown, raw.to_string(), None)]
    };
    segments
        .into_iter()
        .enumerate()
        .map(|(i, (speaker, text, lang))| {
            let utterance_id = format!("{}:transcript:{i}", ctx.call_id);
            ctx.event(
                // The text is in the key: a transcript created again with other words is
                // another event.
                format!("utt:{utterance_id}:{}", fields::short_digest(&text)),
                EventKind::Utterance(Utterance {
                    utterance_id,
                    speaker,
                    text,
                    is_final: true,
                    confidence: None,
                    language: lang.or_else(|| language.clone()),
                }),
            )
        })
        .collect()
}

type Segment = (Speaker, String, Option<String>);

/// `{"segments":[{"caller":"caller1","text":…}],"callers":[{"type":"contact",
/// "localIdentifier":"caller1"}],"language":"en"}` (AI API shape, vendor doc §1e), also
/// wrapped in `data`, or a bare list of segments.
fn segments(raw: &str) -> Vec<Segment> {
    let Ok(value) = serde_json::from_str::<Value>(raw) else {
        return Vec::new();
    };
    let root = value.get("data").unwrap_or(&value);
    let (items, callers, language) = match root {
        Value::Array(items) => (items.as_slice(), None, None),
        Value::Object(o) => match o.get("segments") {
            Some(Value::Array(items)) => (
                items.as_slice(),
                o.get("callers").and_then(Value::as_array),
                o.get("language").and_then(Value::as_str),
            ),
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    items
        .iter()
        .filter_map(|seg| {
            let text = seg.get("text")?.as_str()?.trim();
            if text.is_empty() {
                return None;
            }
            let speaker = seg
                .get("caller")
                .and_then(Value::as_str)
                .map_or(Speaker::Unknown, |id| speaker_of(id, callers));
            Some((speaker, text.to_string(), language.map(str::to_string)))
        })
        .collect()
}

fn speaker_of(local_id: &str, callers: Option<&Vec<Value>>) -> Speaker {
    let kind = callers.and_then(|cs| {
        cs.iter()
            .find(|c| c.get("localIdentifier").and_then(Value::as_str) == Some(local_id))
            .and_then(|c| c.get("type"))
            .and_then(Value::as_str)
    });
    match kind {
        Some("contact") => Speaker::Customer,
        Some("agent") => Speaker::Agent,
        _ => Speaker::Unknown,
    }
}

/// `Ringing on Agent` → `ringing_on_agent`.
fn snake(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
