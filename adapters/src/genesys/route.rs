//! The synchronous routing hook: an Architect flow's "Call Data Action" asks where a call
//! goes. Its request body is our template (documented in `docs/vendors/genesys.md`):
//!
//! ```json
//! {"conversationId": "${input.conversationId}", "ani": "${input.ani}",
//!  "text": "${input.customerText}", "language": "${input.language}"}
//! ```
//! `text` is optional: what the caller said in the IVR (speech or a bot's captured intent).

use serde::Deserialize;

use crate::{phone, NormalizeError, RouteRequest};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    conversation_id: Option<String>,
    ani: Option<String>,
    text: Option<String>,
    language: Option<String>,
}

pub fn parse_route_request(body: &[u8]) -> Result<RouteRequest, NormalizeError> {
    let wire: Wire = serde_json::from_slice(body).map_err(|e| {
        NormalizeError::new("body", format!("is not a valid routing request ({e})"))
    })?;
    // Architect sends an empty string for an unset variable: treat it as absent.
    let present = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    Ok(RouteRequest {
        call_id: present(wire.conversation_id)
            .ok_or_else(|| NormalizeError::missing("conversationId"))?,
        caller_number: present(wire.ani).and_then(|a| phone::to_e164(&a)),
        text: present(wire.text),
        language: present(wire.language),
    })
}

/// The routing answer flattened for an Architect data action's output contract: flat
/// strings and numbers, empty strings rather than nulls (Architect cannot test for null
/// in every version).
pub fn route_response(answer: &crate::RouteAnswer) -> serde_json::Value {
    let (queue_id, queue_name) = match &answer.destination {
        Some(crate::Destination::Queue { id, name }) => {
            (id.clone(), name.clone().unwrap_or_default())
        }
        _ => (String::new(), String::new()),
    };
    let b = answer.briefing.as_ref();
    let summary = b
        .map(|b| {
            let verified = match b.verified {
                Some(true) => "verified",
                Some(false) => "not verified",
                None => "verification unknown",
            };
            match &b.quote {
                Some(q) => format!("{} ({}), caller {verified}: \"{q}\"", b.reason, b.reference),
                None => format!("{} ({}), caller {verified}", b.reason, b.reference),
            }
        })
        .unwrap_or_default();
    serde_json::json!({
        "escalate": answer.escalate,
        "team": answer.team.clone().unwrap_or_default(),
        "queueId": queue_id,
        "queueName": queue_name,
        "priority": answer.priority,
        "reference": b.map(|b| b.reference.clone()).unwrap_or_default(),
        "reason": b.map(|b| b.reason.clone()).unwrap_or_default(),
        "quote": b.and_then(|b| b.quote.clone()).unwrap_or_default(),
        "briefing": summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_template() {
        let r = parse_route_request(
            br#"{"conversationId":"c1","ani":"tel:+15555550520","text":"","language":"en-US"}"#,
        )
        .unwrap();
        assert_eq!(r.call_id, "c1");
        assert_eq!(r.caller_number.as_deref(), Some("+15555550520"));
        assert_eq!(r.text, None);
        assert_eq!(
            parse_route_request(br#"{"ani":"x"}"#).unwrap_err().field,
            "conversationId"
        );
        assert_eq!(
            parse_route_request(br#"{"conversationId":5}"#)
                .unwrap_err()
                .field,
            "body"
        );
    }
}
