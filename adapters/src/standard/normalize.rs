//! Feed bodies → canonical events. A body is one canonical event (`docs/standard-feed.md`):
//! the canonical JSON without `vendor` and `event_id`, plus `platform` (where the call
//! lives, so actions go there). The Standard Webhooks envelope `{type, timestamp, data}`
//! is accepted too.

use serde_json::{Map, Value};

use crate::{CallEvent, NormalizeError, Vendor};

/// `webhook_id` (already verified) becomes the dedupe key.
pub fn normalize(webhook_id: &str, body: &[u8]) -> Result<Vec<CallEvent>, NormalizeError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| NormalizeError::new("body", format!("is not valid JSON ({e})")))?;
    let Value::Object(mut root) = value else {
        return Err(NormalizeError::new("body", "must be a JSON object"));
    };
    let mut event = match root.remove("data") {
        Some(Value::Object(data)) => envelope(root, data)?,
        Some(_) => return Err(NormalizeError::new("data", "must be an object")),
        None => root,
    };
    let platform = match event.remove("platform") {
        None | Some(Value::Null) => Vendor::Standard,
        Some(Value::String(p)) => p.parse().map_err(|_| {
            NormalizeError::new(
                "platform",
                format!("{p:?} is not a platform Escalator knows"),
            )
        })?,
        Some(_) => return Err(NormalizeError::new("platform", "must be a string")),
    };
    if event.contains_key("vendor") || event.contains_key("event_id") {
        return Err(NormalizeError::new(
            if event.contains_key("vendor") {
                "vendor"
            } else {
                "event_id"
            },
            "is set by Escalator (use platform; the webhook-id is the event id)",
        ));
    }
    event.insert("vendor".into(), Value::String(platform.as_str().into()));
    event.insert(
        "event_id".into(),
        Value::String(format!("std:{webhook_id}")),
    );
    let event: CallEvent = serde_json::from_value(Value::Object(event)).map_err(field_error)?;
    if event.call_id.trim().is_empty() {
        return Err(NormalizeError::missing("call_id"));
    }
    Ok(vec![event])
}

/// `{type, timestamp, data}`: `type` may be dotted (`call.utterance`); the last segment is
/// the canonical type.
fn envelope(
    root: Map<String, Value>,
    mut data: Map<String, Value>,
) -> Result<Map<String, Value>, NormalizeError> {
    let kind = match root.get("type") {
        Some(Value::String(t)) => t.rsplit('.').next().unwrap_or(t).to_string(),
        _ => return Err(NormalizeError::missing("type")),
    };
    data.insert("type".into(), Value::String(kind));
    if !data.contains_key("occurred_at") {
        if let Some(ts) = root.get("timestamp") {
            data.insert("occurred_at".into(), ts.clone());
        }
    }
    Ok(data)
}

/// serde's message names the field between backticks ("missing field `text`").
fn field_error(e: serde_json::Error) -> NormalizeError {
    let message = e.to_string();
    if message.starts_with("unknown variant") {
        return NormalizeError::new("type", message);
    }
    let field = message
        .split('`')
        .nth(1)
        .filter(|f| !f.contains(' '))
        .unwrap_or("body")
        .to_string();
    NormalizeError::new(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, Speaker};

    #[test]
    fn an_utterance_for_a_call_on_another_platform() {
        let body = br#"{"platform": "five9", "type": "utterance", "call_id": "300000000001",
            "occurred_at": "2026-03-19T22:04:48Z", "utterance_id": "a1", "speaker": "customer",
            "text": "I'm calling my lawyer", "is_final": true, "language": "en-US"}"#;
        let e = &normalize("msg_1", body).unwrap()[0];
        assert_eq!(e.vendor, Vendor::Five9);
        assert_eq!(e.event_id, "std:msg_1");
        assert!(
            matches!(&e.kind, EventKind::Utterance(u) if u.speaker == Speaker::Customer && u.is_final)
        );
    }

    #[test]
    fn the_standard_envelope_is_accepted() {
        let body = br#"{"type": "call.utterance", "timestamp": "2026-03-19T22:04:48Z",
            "data": {"call_id": "c", "utterance_id": "a", "speaker": "agent", "text": "hi", "is_final": true}}"#;
        let e = &normalize("m", body).unwrap()[0];
        assert_eq!(e.vendor, Vendor::Standard);
        assert_eq!(e.occurred_at.as_second(), 1773957888);
    }

    #[test]
    fn errors_name_the_field() {
        let e = normalize(
            "m",
            br#"{"type": "utterance", "call_id": "c", "occurred_at": "2026-03-19T22:04:48Z"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "utterance_id");
        let e = normalize(
            "m",
            br#"{"type": "teleport", "call_id": "c", "occurred_at": "2026-03-19T22:04:48Z"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "type");
        let e = normalize("m", br#"{"platform": "avaya", "type": "call_ended", "call_id": "c", "occurred_at": "2026-03-19T22:04:48Z"}"#).unwrap_err();
        assert_eq!(e.field, "platform");
        let e = normalize("m", br#"{"vendor": "genesys"}"#).unwrap_err();
        assert_eq!(e.field, "vendor");
        assert_eq!(normalize("m", b"[]").unwrap_err().field, "body");
    }
}
