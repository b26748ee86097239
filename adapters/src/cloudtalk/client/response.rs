//! Reading CloudTalk's answers (vendor doc §6): status classification, the envelopes and the
//! ids, and the checks that keep what goes into a URL or a body well-formed.

use http::HeaderMap;
use jiff::Timestamp;
use serde_json::Value;

use super::{retry_after, CALL_NOT_VISIBLE_WAIT};
use crate::outbound::CallError;
use crate::phone;

/// §6's status table, with 401 permanent (Basic has no token to renew) and 424 retryable.
pub(super) fn classify(status: u16, headers: &HeaderMap, message: String) -> CallError {
    let now = Timestamp::now();
    match status {
        401 => CallError::Permanent {
            status,
            message: bounded_message(format!("API key pair rejected: {message}")),
        },
        424 => CallError::Retryable {
            status,
            retry_after: retry_after(headers, now).or(Some(CALL_NOT_VISIBLE_WAIT)),
            message,
        },
        408 | 429 | 500..=599 => CallError::Retryable {
            status,
            retry_after: retry_after(headers, now),
            message,
        },
        _ => CallError::Permanent { status, message },
    }
}

/// `responseData.status` (number or numeric string), which CloudTalk repeats in its envelope.
pub(super) fn envelope_status(v: &Value) -> Option<u16> {
    super::types::id_text(&v["responseData"]["status"]).and_then(|s| s.parse().ok())
}

pub(super) fn is_false(v: &Value) -> bool {
    matches!(v, Value::Bool(false)) || v.as_str() == Some("false")
}

/// The items of a collection envelope (`responseData.data[]`), or of a bare list.
pub(super) fn list(v: &Value) -> impl Iterator<Item = &Value> {
    let items = v["responseData"]["data"]
        .as_array()
        .or_else(|| v["data"].as_array())
        .or_else(|| v.as_array());
    items.into_iter().flatten()
}

/// The id of a created entity (`responseData.data.id`). Missing, the entity may exist
/// without our knowing its id: `Transport`, so the caller re-reads before creating again.
pub(super) fn created_id(v: &Value, what: &str) -> Result<String, CallError> {
    super::types::id_text(&v["responseData"]["data"]["id"])
        .or_else(|| super::types::id_text(&v["data"]["id"]))
        .ok_or_else(|| CallError::Transport(format!("{what} created but no id returned")))
}

/// CloudTalk's ids are integers; anything else is refused before it reaches a URL path.
pub(super) fn numeric_id(what: &str, id: &str) -> Result<u64, CallError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CallError::Unactionable(format!(
            "{id:?} is not a valid CloudTalk {what}"
        )));
    }
    id.parse()
        .map_err(|_| CallError::Unactionable(format!("{id:?} is not a valid CloudTalk {what}")))
}

/// The live call's uuid goes in a body, not a path, but is still checked so an empty or odd
/// value fails here rather than as a 400.
pub(super) fn token_id(what: &str, id: &str) -> Result<(), CallError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(CallError::Unactionable(format!(
            "{id:?} is not a valid CloudTalk {what}"
        )))
    }
}

pub(super) fn e164(number: &str) -> Result<String, CallError> {
    phone::to_e164(number)
        .ok_or_else(|| CallError::Unactionable("the number is not a phone number".into()))
}

/// CloudTalk's own error text from any of its envelopes, bounded.
pub(super) fn error_message(v: &Value) -> String {
    let rd = &v["responseData"];
    let mut parts: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !parts.iter().any(|p| p == s) {
            parts.push(s.to_string());
        }
    };
    for m in [&rd["message"], &v["message"], &v["error"]] {
        match m {
            Value::String(s) => push(s),
            Value::Array(items) => items.iter().filter_map(Value::as_str).for_each(&mut push),
            _ => {}
        }
    }
    for e in v["errors"].as_array().into_iter().flatten() {
        if let Some(s) = e.as_str() {
            push(s);
        }
    }
    // 406 details: `{"data": {"email": ["Please supply a valid email address."]}}` — field
    // names and CloudTalk's messages, never the values we sent.
    if let Some(fields) = rd["data"].as_object() {
        for (field, msgs) in fields {
            for m in msgs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                push(&format!("{field}: {m}"));
            }
        }
    }
    bounded_message(parts.join("; "))
}

fn bounded_message(s: String) -> String {
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_must_be_numeric() {
        assert_eq!(numeric_id("contact id", " 1451646073 "), Ok(1451646073));
        for bad in ["", "12/../3", "12a", "-1", "123456789012345678901"] {
            assert!(matches!(
                numeric_id("contact id", bad),
                Err(CallError::Unactionable(_))
            ));
        }
        assert!(token_id("call_uuid", "44fe27cd-5268-4670-993e-01293c9f8833").is_ok());
        assert!(token_id("call_uuid", "").is_err());
        assert!(token_id("call_uuid", "a b").is_err());
    }

    #[test]
    fn error_messages_from_every_envelope() {
        let v = json!({"responseData": {"status": 406, "message": "Invalid input data.",
                       "data": {"name": ["This field is required."]}}});
        assert_eq!(
            error_message(&v),
            "Invalid input data.; name: This field is required."
        );
        let v = json!({"success": false, "errors": ["no such active call - call_uuid: aa"]});
        assert_eq!(error_message(&v), "no such active call - call_uuid: aa");
        let v = json!({"statusCode": 400, "message": ["callId must be a number"], "error": "Bad Request"});
        assert_eq!(error_message(&v), "callId must be a number; Bad Request");
        assert_eq!(
            error_message(&json!({"message": "x".repeat(500)})).len(),
            300
        );
    }

    #[test]
    fn statuses_are_classified() {
        let h = HeaderMap::new();
        assert!(classify(401, &h, String::new()).is_permanent());
        assert!(classify(403, &h, String::new()).is_permanent());
        assert!(matches!(
            classify(424, &h, String::new()),
            CallError::Retryable {
                status: 424,
                retry_after: Some(CALL_NOT_VISIBLE_WAIT),
                ..
            }
        ));
        for s in [408, 429, 500, 503] {
            assert!(matches!(
                classify(s, &h, String::new()),
                CallError::Retryable { .. }
            ));
        }
    }
}
