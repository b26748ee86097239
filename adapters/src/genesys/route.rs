//! The synchronous routing hook: an Architect flow's "Call Data Action" asks where a call
//! goes. Its request body is our template (documented in `docs/vendors/genesys.md`):
//!
//! ```json
//! {"conversationId": "${input.conversationId}", "ani": "${input.ani}",
//!  "text": "${input.customerText}", "language": "${input.language}"}
//! ```
//! `text` is optional: what the caller said in the IVR (speech or a bot's captured intent).

use serde::Deserialize;

use crate::{phone, NormalizeError};

#[derive(Debug, Clone, PartialEq)]
pub struct RouteRequest {
    pub call_id: String,
    pub caller_number: Option<String>,
    pub text: Option<String>,
    pub language: Option<String>,
}

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
