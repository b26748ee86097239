//! Genesys deliveries → canonical events.
//!
//! Accepted shapes (`shared/vendors/genesys.md` §1.2):
//! - the EventBridge API-destination envelope (`detail` holds the notification);
//! - a notification message `{topicName, eventBody, metadata}` (what a Data Action forwards
//!   from a trigger whose workflow takes `jsonData`);
//! - the flat Data Action template: `topicName` beside the event's top-level fields.
//!
//! Dedupe keys come from the event's content, not the envelope, so the same event reaching
//! us by two mechanisms, or redelivered, is recognised.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::time::parse_timestamp;
use crate::{
    phone, CallEvent, Caller, Direction, EventKind, NormalizeError, Speaker, Utterance, Vendor,
};

/// Attribute keys an Architect flow or script sets to tell Escalator what the agent did.
pub const ATTR_CALLER_VERIFIED: &str = "escalator.callerVerified";
pub const ATTR_AGENT_REQUEST: &str = "escalator.agentRequest";
/// The caller's address as the flow knows it (e.g. from a CRM data dip): ISO country and
/// US state / Canadian province code. Kept in the call's refs; decides callback hours.
pub const ATTR_CALLER_COUNTRY: &str = "escalator.callerCountry";
pub const ATTR_CALLER_STATE: &str = "escalator.callerState";

pub fn normalize(body: &[u8]) -> Result<Vec<CallEvent>, NormalizeError> {
    let root: Value = serde_json::from_slice(body)
        .map_err(|e| NormalizeError::new("body", format!("is not valid JSON ({e})")))?;
    let root = root
        .as_object()
        .ok_or_else(|| NormalizeError::new("body", "must be a JSON object"))?;

    let (message, prefix, envelope_time) = match root.get("detail") {
        Some(Value::Object(detail)) => (
            detail,
            "detail.",
            detail
                .get("timestamp")
                .or_else(|| root.get("time"))
                .and_then(parse_timestamp),
        ),
        Some(_) => return Err(NormalizeError::new("detail", "must be an object")),
        None => (root, "", None),
    };
    // The Data Action examples in Genesys' own material name it `topic`; accept both.
    let fields = Fields::new(message, prefix);
    let topic = match fields.str("topic") {
        Some(t) if !message.contains_key("topicName") => t,
        _ => fields.req_str("topicName")?,
    };
    let body = match message.get("eventBody") {
        Some(Value::Object(b)) => Fields::new(b, &format!("{prefix}eventBody.")),
        Some(_) => {
            return Err(NormalizeError::new(
                format!("{prefix}eventBody"),
                "must be an object",
            ))
        }
        None => Fields::new(message, prefix),
    };

    match Topic::parse(topic) {
        Topic::System => Ok(Vec::new()),
        Topic::Transcription => transcription(&body, envelope_time),
        Topic::Sentiment => sentiment(&body, envelope_time).map(|e| vec![e]),
        Topic::Detail(kind) => detail(kind, &body, envelope_time),
        Topic::Unknown(name) => Ok(vec![other(
            &generic_topic(name),
            &body,
            envelope_time,
            body_digest(body.obj),
        )]),
    }
}

enum Topic<'a> {
    Detail(&'a str),
    Transcription,
    Sentiment,
    System,
    Unknown(&'a str),
}

impl<'a> Topic<'a> {
    fn parse(topic: &'a str) -> Self {
        const DETAIL: &str = "v2.detail.events.conversation.";
        if topic == "channel.metadata" || topic.starts_with("v2.system.") {
            return Topic::System;
        }
        if topic == "transcription"
            || (topic.starts_with("v2.conversations.") && topic.ends_with(".transcription"))
        {
            return Topic::Transcription;
        }
        // The real-time sentiment topic name is UNCONFIRMED; match on the word.
        if topic.contains("sentiment") {
            return Topic::Sentiment;
        }
        let suffix = match topic.strip_prefix(DETAIL) {
            // `{id}.customer.start`: the id never contains a dot.
            Some(rest) => rest.split_once('.').map(|(_, s)| s).unwrap_or(rest),
            None => topic,
        };
        match suffix {
            "customer.start" | "customer.end" | "acd.start" | "acd.end" | "user.start"
            | "user.end" | "acw" | "wrapup" | "attributes" | "flow.start" | "flow.end"
            | "flow.outcome" => Topic::Detail(suffix),
            _ => Topic::Unknown(topic),
        }
    }
}

fn detail(
    kind: &str,
    body: &Fields<'_>,
    envelope_time: Option<Timestamp>,
) -> Result<Vec<CallEvent>, NormalizeError> {
    let call_id = body.req_str("conversationId")?;
    let occurred_at = body
        .timestamp("eventTime")
        .or(envelope_time)
        .ok_or_else(|| body.missing("eventTime"))?;
    let participant = body.str("participantId").or(body.str("sessionId"));
    let event_id = format!(
        "{kind}:{call_id}:{}:{}",
        participant.unwrap_or("-"),
        occurred_at.as_millisecond()
    );
    let direction = match body.str("direction") {
        Some(d) if d.eq_ignore_ascii_case("outbound") => Some(Direction::Outbound),
        Some(d) if d.eq_ignore_ascii_case("inbound") => Some(Direction::Inbound),
        _ => None,
    };
    // On an outbound call the customer is the dialed party.
    let (customer_raw, our_raw) = match direction {
        Some(Direction::Outbound) => (body.str("dnis"), body.str("ani")),
        _ => (body.str("ani"), body.str("dnis")),
    };
    let caller = Caller {
        name: body.str("callbackUserName").map(str::to_string),
        number: customer_raw.and_then(phone::to_e164),
        verified: None,
    };
    let mut refs = BTreeMap::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(v) = value {
            refs.insert(key.to_string(), v.to_string());
        }
    };

    let mut kinds = Vec::new();
    match kind {
        "customer.start" => {
            put("customer_participant_id", body.str("participantId"));
            kinds.push(EventKind::CallStarted {
                direction,
                line: our_raw.and_then(phone::to_e164),
            });
        }
        "acd.start" => {
            put("queue_id", body.str("queueId"));
            kinds.push(EventKind::Queued {
                queue_id: body.str("queueId").map(str::to_string),
            });
        }
        "user.start" => {
            put("agent_participant_id", body.str("participantId"));
            put("agent_user_id", body.str("userId"));
            put("queue_id", body.str("queueId"));
            kinds.push(EventKind::AgentConnected {
                agent_id: body.str("userId").map(str::to_string),
            });
        }
        "customer.end" => kinds.push(EventKind::CallEnded {
            reason: body.str("disconnectType").map(str::to_string),
        }),
        "attributes" => {
            if let Some(Value::Object(attrs)) = body.obj.get("attributes") {
                if let Some(v) = attrs.get(ATTR_CALLER_VERIFIED).and_then(Value::as_str) {
                    kinds.push(EventKind::CallerVerified {
                        verified: v.trim().eq_ignore_ascii_case("true"),
                    });
                }
                for (attr, key) in [
                    (ATTR_CALLER_COUNTRY, crate::REF_CALLER_COUNTRY),
                    (ATTR_CALLER_STATE, crate::REF_CALLER_SUBDIVISION),
                ] {
                    let value = attrs.get(attr).and_then(Value::as_str).map(str::trim);
                    put(key, value.filter(|v| !v.is_empty()));
                }
                if let Some(v) = attrs.get(ATTR_AGENT_REQUEST).and_then(Value::as_str) {
                    if !v.trim().is_empty() {
                        kinds.push(EventKind::EscalationRequested {
                            reason: Some(v.trim().to_string()),
                        });
                    }
                }
            }
            if kinds.is_empty() {
                kinds.push(EventKind::Other {
                    name: "attributes".into(),
                });
            }
        }
        other => kinds.push(EventKind::Other {
            name: other.to_string(),
        }),
    }

    // Attribute events can carry several signals; each keeps the same key whether it
    // arrives alone or beside another, so the suffix is always there.
    let many = kinds.len() > 1 || kind == "attributes";
    Ok(kinds
        .into_iter()
        .map(|kind| {
            let event_id = if many {
                format!("{event_id}:{}", kind.name())
            } else {
                event_id.clone()
            };
            let caller = match &kind {
                EventKind::CallerVerified { verified } => Caller {
                    verified: Some(*verified),
                    ..caller.clone()
                },
                _ => caller.clone(),
            };
            CallEvent {
                vendor: Vendor::Genesys,
                call_id: call_id.to_string(),
                event_id,
                occurred_at,
                caller,
                refs: refs.clone(),
                kind,
            }
        })
        .collect())
}

fn transcription(
    body: &Fields<'_>,
    envelope_time: Option<Timestamp>,
) -> Result<Vec<CallEvent>, NormalizeError> {
    let call_id = body.req_str("conversationId")?;
    let message_time = body.timestamp("eventTime").or(envelope_time);
    let start_ms = body.i64("transcriptionStartTimeMs");
    let transcripts = match body.obj.get("transcripts") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(body.invalid("transcripts", "must be an array")),
        None => return Ok(Vec::new()),
    };
    let mut refs = BTreeMap::new();
    if let Some(comm) = body.str("communicationId") {
        refs.insert("communication_id".to_string(), comm.to_string());
    }

    let mut events = Vec::with_capacity(transcripts.len());
    for (i, item) in transcripts.iter().enumerate() {
        let at = format!("transcripts[{i}]");
        let t = match item {
            Value::Object(t) => Fields::new(t, &format!("{}{at}.", body.prefix)),
            _ => return Err(body.invalid(&at, "must be an object")),
        };
        let utterance_id = t.req_str("utteranceId")?;
        let is_final = t
            .obj
            .get("isFinal")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let speaker = match t.str("channel") {
            Some("EXTERNAL") => Speaker::Customer,
            Some("INTERNAL") => Speaker::Agent,
            _ => Speaker::Unknown,
        };
        let best = match t.obj.get("alternatives") {
            Some(Value::Array(alts)) => match alts.first() {
                Some(Value::Object(a)) => Fields::new(a, &format!("{}alternatives[0].", t.prefix)),
                _ => return Err(t.missing("alternatives[0]")),
            },
            _ => return Err(t.missing("alternatives")),
        };
        let text = best
            .str("decoratedTranscript")
            .filter(|s| !s.trim().is_empty())
            .or(best.str("transcript"))
            .ok_or_else(|| best.missing("transcript"))?;
        let offset_ms = best.i64("offsetMs");
        let occurred_at = match (start_ms, offset_ms) {
            (Some(start), Some(offset)) => Timestamp::from_millisecond(start + offset).ok(),
            _ => None,
        }
        .or(message_time)
        .ok_or_else(|| body.missing("eventTime"))?;
        let event_id = if is_final {
            format!("utt:{utterance_id}")
        } else {
            // Partials are revised under the same utteranceId; they must never take the
            // final's dedupe key.
            format!(
                "utt:{utterance_id}:partial:{}:{}:{}",
                offset_ms.unwrap_or(0),
                best.i64("durationMs").unwrap_or(0),
                &text_digest(text)[..8]
            )
        };
        events.push(CallEvent {
            vendor: Vendor::Genesys,
            call_id: call_id.to_string(),
            event_id,
            occurred_at,
            caller: Caller::default(),
            refs: refs.clone(),
            kind: EventKind::Utterance(Utterance {
                utterance_id: utterance_id.to_string(),
                speaker,
                text: text.to_string(),
                is_final,
                confidence: best.obj.get("confidence").and_then(Value::as_f64),
                language: t.str("dialect").map(str::to_string),
            }),
        });
    }
    Ok(events)
}

fn sentiment(
    body: &Fields<'_>,
    envelope_time: Option<Timestamp>,
) -> Result<CallEvent, NormalizeError> {
    let call_id = body.req_str("conversationId")?;
    let score = body
        .obj
        .get("sentimentOverallScore")
        .and_then(Value::as_f64)
        .ok_or_else(|| body.missing("sentimentOverallScore"))?;
    // The SDK model has no time of its own: key on the body, time from the envelope or now.
    let event_time = body.timestamp("eventTime");
    let key = match event_time {
        Some(t) => t.as_millisecond().to_string(),
        None => body_digest(body.obj),
    };
    let occurred_at = event_time.or(envelope_time).unwrap_or_else(Timestamp::now);
    Ok(CallEvent {
        vendor: Vendor::Genesys,
        call_id: call_id.to_string(),
        event_id: format!("sentiment:{call_id}:{key}"),
        occurred_at,
        caller: Caller::default(),
        refs: BTreeMap::new(),
        kind: EventKind::Sentiment {
            score,
            trend: body.obj.get("sentimentTrendScore").and_then(Value::as_f64),
        },
    })
}

/// An event we keep but do not act on. It has no id of its own, so the digest of its body
/// is the dedupe key.
fn other(
    topic: &str,
    body: &Fields<'_>,
    envelope_time: Option<Timestamp>,
    digest: String,
) -> CallEvent {
    CallEvent {
        vendor: Vendor::Genesys,
        call_id: body.str("conversationId").unwrap_or("-").to_string(),
        event_id: format!("other:{digest}"),
        occurred_at: body
            .timestamp("eventTime")
            .or(envelope_time)
            .unwrap_or_else(Timestamp::now),
        caller: Caller::default(),
        refs: BTreeMap::new(),
        kind: EventKind::Other {
            name: topic.to_string(),
        },
    }
}

/// `v2.detail.events.conversation.<id>.voicemail.start` → `….{id}.voicemail.start`, so the
/// name says what kind of event it is without carrying the call's id.
fn generic_topic(topic: &str) -> String {
    for prefix in ["v2.detail.events.conversation.", "v2.conversations."] {
        if let Some(rest) = topic.strip_prefix(prefix) {
            if let Some((_, suffix)) = rest.split_once('.') {
                return format!("{prefix}{{id}}.{suffix}");
            }
        }
    }
    topic.to_string()
}

fn body_digest(obj: &Map<String, Value>) -> String {
    text_digest(&serde_json::to_string(obj).unwrap_or_default())
}

fn text_digest(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A JSON object plus the path it sits at, so errors name the full field.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    fn new(obj: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            obj,
            prefix: prefix.to_string(),
        }
    }

    fn str(&self, key: &str) -> Option<&'a str> {
        self.obj
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    fn req_str(&self, key: &str) -> Result<&'a str, NormalizeError> {
        match self.obj.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
            Some(Value::String(_)) | None | Some(Value::Null) => Err(self.missing(key)),
            Some(_) => Err(self.invalid(key, "must be a string")),
        }
    }

    fn i64(&self, key: &str) -> Option<i64> {
        match self.obj.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn timestamp(&self, key: &str) -> Option<Timestamp> {
        self.obj.get(key).and_then(parse_timestamp)
    }

    fn missing(&self, key: &str) -> NormalizeError {
        NormalizeError::missing(format!("{}{key}", self.prefix))
    }

    fn invalid(&self, key: &str, message: &str) -> NormalizeError {
        NormalizeError::new(format!("{}{key}", self.prefix), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(v: Value) -> Result<Vec<CallEvent>, NormalizeError> {
        normalize(&serde_json::to_vec(&v).unwrap())
    }

    fn utterance(final_: bool, channel: &str) -> Value {
        json!({
            "topicName": "v2.conversations.c1.transcription",
            "eventBody": {
                "eventTime": "2026-03-19T22:04:48.128Z",
                "conversationId": "c1",
                "transcriptionStartTimeMs": 1773957594336_i64,
                "transcripts": [{
                    "utteranceId": "u1", "isFinal": final_, "channel": channel,
                    "alternatives": [{"confidence": 0.9, "offsetMs": 1000, "durationMs": 500,
                        "transcript": "i will sue you", "decoratedTranscript": "I will sue you."}]
                }]
            }
        })
    }

    #[test]
    fn final_customer_utterance() {
        let events = run(utterance(true, "EXTERNAL")).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.event_id, "utt:u1");
        assert_eq!(e.occurred_at.as_millisecond(), 1773957594336 + 1000);
        match &e.kind {
            EventKind::Utterance(u) => {
                assert_eq!(u.text, "I will sue you.");
                assert_eq!(u.speaker, Speaker::Customer);
                assert!(u.is_final);
            }
            k => panic!("unexpected {k:?}"),
        }
    }

    #[test]
    fn partial_never_shares_the_final_key() {
        let partial = run(utterance(false, "INTERNAL")).unwrap();
        assert_ne!(partial[0].event_id, "utt:u1");
        assert!(
            matches!(&partial[0].kind, EventKind::Utterance(u) if u.speaker == Speaker::Agent && !u.is_final)
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = run(
            json!({"topicName": "v2.detail.events.conversation.c1.customer.start",
            "eventBody": {"eventTime": 1}}),
        )
        .unwrap_err();
        assert_eq!(err.field, "eventBody.conversationId");
        let err = run(json!({"detail": {"eventBody": {}}})).unwrap_err();
        assert_eq!(err.field, "detail.topicName");
        let mut u = utterance(true, "EXTERNAL");
        u["eventBody"]["transcripts"][0]
            .as_object_mut()
            .unwrap()
            .remove("utteranceId");
        assert_eq!(
            run(u).unwrap_err().field,
            "eventBody.transcripts[0].utteranceId"
        );
        assert_eq!(normalize(b"[1]").unwrap_err().field, "body");
        assert_eq!(normalize(b"{").unwrap_err().field, "body");
    }

    #[test]
    fn outbound_call_takes_the_customer_from_dnis() {
        let events = run(
            json!({"topicName": "customer.start", "conversationId": "c1",
            "eventTime": 1765551650107_i64, "participantId": "p1", "direction": "OUTBOUND",
            "ani": "tel:+15555550000", "dnis": "tel:+15555550520"}),
        )
        .unwrap();
        assert_eq!(events[0].caller.number.as_deref(), Some("+15555550520"));
        assert_eq!(events[0].refs["customer_participant_id"], "p1");
    }

    #[test]
    fn unknown_topic_is_kept_as_other_with_a_stable_key() {
        let v = json!({"topicName": "v2.detail.events.conversation.c1.voicemail.start",
            "eventBody": {"conversationId": "c1", "eventTime": 5}});
        let a = run(v.clone()).unwrap();
        let b = run(v).unwrap();
        assert_eq!(a[0].event_id, b[0].event_id);
        assert!(matches!(a[0].kind, EventKind::Other { .. }));
    }

    #[test]
    fn an_attribute_signal_keeps_its_key_with_or_without_company() {
        let alone = run(json!({"topicName": "attributes", "conversationId": "c1",
            "eventTime": 5, "participantId": "p1",
            "attributes": {"escalator.agentRequest": "refund above my limit"}}))
        .unwrap();
        let together = run(json!({"topic": "attributes", "conversationId": "c1",
            "eventTime": 5, "participantId": "p1",
            "attributes": {"escalator.agentRequest": "refund above my limit",
                           "escalator.callerVerified": "true"}}))
        .unwrap();
        assert_eq!(together.len(), 2);
        assert!(together.iter().any(|e| e.event_id == alone[0].event_id));
    }

    #[test]
    fn the_callers_address_from_the_flow_goes_into_the_calls_refs() {
        let e = run(json!({"topicName": "attributes", "conversationId": "c1",
            "eventTime": 5, "participantId": "p1",
            "attributes": {"escalator.callerState": " FL ", "escalator.callerCountry": "US",
                           "escalator.callerVerified": "true"}}))
        .unwrap();
        assert_eq!(e[0].refs[crate::REF_CALLER_SUBDIVISION], "FL");
        assert_eq!(e[0].refs[crate::REF_CALLER_COUNTRY], "US");
        let blank = run(json!({"topicName": "attributes", "conversationId": "c1",
            "eventTime": 6, "attributes": {"escalator.callerState": ""}}))
        .unwrap();
        assert!(!blank[0].refs.contains_key(crate::REF_CALLER_SUBDIVISION));
    }

    #[test]
    fn partial_revisions_with_new_text_get_new_keys() {
        let a = run(utterance(false, "EXTERNAL")).unwrap();
        let mut revised = utterance(false, "EXTERNAL");
        revised["eventBody"]["transcripts"][0]["alternatives"][0]["decoratedTranscript"] =
            json!("I will see you.");
        let b = run(revised).unwrap();
        assert_ne!(a[0].event_id, b[0].event_id);
    }

    #[test]
    fn heartbeat_yields_nothing() {
        let v = json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}});
        assert!(run(v).unwrap().is_empty());
    }
}
