//! The synchronous routing hook: a Call Flow Designer "HTTP Request" step asks where the call
//! goes before an agent answers (vendor doc §1b). Its body (or, for GET, its query) is our
//! template ([`super::template`]):
//!
//! ```json
//! {"call_uuid": "{{call.uuid}}", "external_number": "{{call.external_number}}",
//!  "text": "<what the caller said or chose, in words>", "language": "en"}
//! ```
//!
//! `{{call.uuid}}` is documented as null until an agent answers, which is exactly when the
//! hook runs. Then the call is named by the caller's number and the day (UTC):
//! `cfd:+421900123456:2026-03-19`, so the request's own `text` is still decided on, and a
//! caller who rings again the same day finds the escalation their first call opened.

use jiff::Timestamp;

use super::fields::{self, Fields};
use crate::{Delivery, Destination, NormalizeError, RouteAnswer, RouteRequest};

pub fn parse_route_request(delivery: &Delivery<'_>) -> Result<RouteRequest, NormalizeError> {
    parse_at(delivery, Timestamp::now())
}

/// `now` only names a call that has no id yet; everything else comes from the delivery.
fn parse_at(delivery: &Delivery<'_>, now: Timestamp) -> Result<RouteRequest, NormalizeError> {
    let f = Fields::from_delivery(delivery)?;
    let caller_number = f.phone(fields::EXTERNAL_NUMBER);
    let call_id = match f.id(fields::CALL_UUID)? {
        Some(id) => id,
        None => match f.id(fields::CALL_ID)? {
            Some(id) => id,
            None => {
                let number = caller_number
                    .as_deref()
                    .ok_or_else(|| NormalizeError::missing(fields::CALL_UUID[0]))?;
                format!("cfd:{number}:{}", now.strftime("%Y-%m-%d"))
            }
        },
    };
    Ok(RouteRequest {
        call_id,
        caller_number,
        text: f
            .text(fields::TEXT)
            .filter(|t| !fields::is_structured(t))
            .map(str::to_string),
        language: f.text(fields::LANGUAGE).map(str::to_string),
    })
}

/// The answer flattened for the flow: every key always present, strings empty rather than
/// null. How CloudTalk maps a response into flow branches is UNCONFIRMED (vendor doc §1b), so
/// both a JSON boolean (`escalate`) and a word (`action`: `escalate` | `continue`) are given
/// to test on. `group_id` is a CloudTalk group (what Escalator calls a queue); `agent_id` and
/// `number` are filled when the team maps to an agent or an outside number.
pub fn route_response(answer: &RouteAnswer) -> serde_json::Value {
    let (group_id, group_name, agent_id, number) = match &answer.destination {
        Some(Destination::Queue { id, name }) => (
            id.clone(),
            name.clone().unwrap_or_default(),
            String::new(),
            String::new(),
        ),
        Some(Destination::Agent { id }) => {
            (String::new(), String::new(), id.clone(), String::new())
        }
        Some(Destination::Address { address }) => {
            (String::new(), String::new(), String::new(), address.clone())
        }
        Some(Destination::Unmapped) | None => Default::default(),
    };
    let b = answer.briefing.as_ref();
    let mut v = serde_json::json!({
        "escalate": answer.escalate,
        "action": if answer.escalate { "escalate" } else { "continue" },
        "team": answer.team.clone().unwrap_or_default(),
        "group_id": group_id,
        "group_name": group_name,
        "agent_id": agent_id,
        "number": number,
        "priority": answer.priority,
        "reference": b.map(|b| b.reference.clone()).unwrap_or_default(),
        "reason": b.map(|b| b.reason.clone()).unwrap_or_default(),
        "quote": b.and_then(|b| b.quote.clone()).unwrap_or_default(),
        "briefing": b
            .map(|b| crate::briefing_text::with_issue(summary(b), &b.context))
            .unwrap_or_default(),
    });
    crate::briefing_text::add_route_fields(&mut v, b.map(|b| &b.context), false);
    v
}

/// One line a flow can read out or show: why, which reference, verified or not, the words.
fn summary(b: &crate::Briefing) -> String {
    let verified = match b.verified {
        Some(true) => "verified",
        Some(false) => "not verified",
        None => "verification unknown",
    };
    match &b.quote {
        Some(q) => format!("{} ({}), caller {verified}: \"{q}\"", b.reason, b.reference),
        None => format!("{} ({}), caller {verified}", b.reason, b.reference),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Briefing;
    use http::{HeaderMap, Method};

    fn at(body: &[u8]) -> Result<RouteRequest, NormalizeError> {
        let h = HeaderMap::new();
        let now: Timestamp = "2026-03-19T21:59:54Z".parse().unwrap();
        parse_at(&Delivery::json(body, &h), now)
    }

    #[test]
    fn answered_branch_has_the_uuid() {
        let r = at(
            br#"{"call_uuid":"u1","external_number":"+421900123456","text":"",
            "language":"sk"}"#,
        )
        .unwrap();
        assert_eq!(r.call_id, "u1");
        assert_eq!(r.caller_number.as_deref(), Some("+421900123456"));
        assert_eq!(r.text, None);
        assert_eq!(r.language.as_deref(), Some("sk"));
    }

    #[test]
    fn before_answer_the_number_and_day_name_the_call() {
        let r = at(br#"{"call_uuid":null,"external_number":421900123456,
            "text":"I want my lawyer to hear this"}"#)
        .unwrap();
        assert_eq!(r.call_id, "cfd:+421900123456:2026-03-19");
        assert_eq!(r.text.as_deref(), Some("I want my lawyer to hear this"));
    }

    #[test]
    fn no_id_and_no_number_names_call_uuid() {
        assert_eq!(
            at(br#"{"call_uuid":"null","external_number":"anonymous"}"#)
                .unwrap_err()
                .field,
            "call_uuid"
        );
        assert_eq!(at(b"[]").unwrap_err().field, "body");
    }

    #[test]
    fn get_query_is_read_too() {
        let h = HeaderMap::new();
        let d = Delivery {
            method: &Method::GET,
            headers: &h,
            query: Some("call_uuid=u9&external_number=%2B421900123456"),
            path_secret: None,
            body: b"",
        };
        assert_eq!(parse_route_request(&d).unwrap().call_id, "u9");
    }

    #[test]
    fn response_is_flat_and_never_null() {
        let answer = RouteAnswer {
            escalate: true,
            team: Some("legal".into()),
            destination: Some(Destination::Queue {
                id: "568".into(),
                name: None,
            }),
            priority: 10,
            briefing: Some(Briefing {
                reference: "ESC-7K2M-Q9D9".into(),
                tier: "specialist".into(),
                reason: "legal_threat".into(),
                rule_id: "legal_threat.en.0".into(),
                quote: Some("I'll sue".into()),
                utterance_id: None,
                caller_name: None,
                verified: None,
                context: Default::default(),
            }),
        };
        let v = route_response(&answer);
        assert_eq!(v["action"], "escalate");
        assert_eq!(v["group_id"], "568");
        assert_eq!(v["group_name"], "");
        assert_eq!(
            v["briefing"],
            "legal_threat (ESC-7K2M-Q9D9), caller verification unknown: \"I'll sue\""
        );
        let quiet = route_response(&RouteAnswer {
            escalate: false,
            team: None,
            destination: None,
            priority: 0,
            briefing: None,
        });
        let obj = quiet.as_object().unwrap();
        assert!(obj.values().all(|v| !v.is_null()));
        // 12 routing fields and the 10 call-context fields, empty without a briefing.
        assert_eq!(obj.len(), 22);
        assert_eq!(quiet["summary"], "");
        assert_eq!(quiet["action"], "continue");
    }
}
