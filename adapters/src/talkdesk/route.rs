//! The synchronous routing hook: a Studio flow's "Execute Action" (through a Talkdesk
//! Connection) asks where a call goes. The request is our contract, documented in
//! [`super::template`]:
//!
//! ```json
//! {"interaction_id": "e4742002f9dc421d92c0395ad9888364", "caller": "+14155550123",
//!  "utterance": "I want to talk to my lawyer about this", "language": "en-US"}
//! ```
//! Only `interaction_id` is required. It may come as a JSON body (POST) or as query
//! parameters (GET), since an Action may be declared either way.

use crate::{phone, Briefing, Delivery, Destination, NormalizeError, RouteAnswer, RouteRequest};

use super::fields::Fields;

pub fn parse_route_request(delivery: &Delivery<'_>) -> Result<RouteRequest, NormalizeError> {
    let fields = Fields::from_delivery(delivery)?;
    // `interaction_id` is also the call id of the webhook events, so the routing decision
    // and the later events share one call session.
    let call_id = fields.required("interaction_id", &["call_id"])?;
    Ok(RouteRequest {
        call_id: call_id.to_string(),
        caller_number: fields
            .first(&["caller", "contact_phone_number"])
            .and_then(phone::to_e164),
        text: fields.first(&["utterance", "text"]).map(str::to_string),
        language: fields.get("language").map(str::to_string),
    })
}

/// The answer as the Action's output schema declares it: flat strings, one boolean and one
/// number, never null (Studio cannot map null-typed or multi-typed properties). `action` is
/// `route` when the flow should send the call to `ring_group`, `agent_id` or
/// `phone_number` (named by `destination_type`), else `continue`.
pub fn route_response(answer: &RouteAnswer) -> serde_json::Value {
    let (destination_type, ring_group, agent_id, phone_number) = match &answer.destination {
        // The admin maps each team to a ring group name: that is the queue's id here.
        Some(Destination::Queue { id, .. }) => ("ring_group", id.as_str(), "", ""),
        Some(Destination::Agent { id }) => ("agent", "", id.as_str(), ""),
        Some(Destination::Address { address }) => ("phone_number", "", "", address.as_str()),
        Some(Destination::Unmapped) | None => ("", "", "", ""),
    };
    let routable = answer.escalate && !destination_type.is_empty();
    let b = answer.briefing.as_ref();
    let text = |f: fn(&Briefing) -> Option<&str>| b.and_then(f).unwrap_or_default().to_string();
    let mut v = serde_json::json!({
        "action": if routable { "route" } else { "continue" },
        "escalate": answer.escalate,
        "team": answer.team.clone().unwrap_or_default(),
        "destination_type": destination_type,
        "ring_group": ring_group,
        "agent_id": agent_id,
        "phone_number": phone_number,
        "priority": answer.priority,
        "reference": text(|b| Some(b.reference.as_str())),
        "reason": text(|b| Some(b.reason.as_str())),
        "quote": text(|b| b.quote.as_deref()),
        "caller_name": text(|b| b.caller_name.as_deref()),
        "verified": match b.and_then(|b| b.verified) {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        },
        "briefing": b
            .map(|b| crate::briefing_text::with_issue(summary(b), &b.context))
            .unwrap_or_default(),
    });
    crate::briefing_text::add_route_fields(&mut v, b.map(|b| &b.context), false);
    v
}

/// One line for the agent's Callbar context (Studio shows flow variables as text).
fn summary(b: &Briefing) -> String {
    let verified = match b.verified {
        Some(true) => "verified",
        Some(false) => "not verified",
        None => "verification unknown",
    };
    let who = b
        .caller_name
        .as_deref()
        .map(|n| format!("{n}, "))
        .unwrap_or_default();
    match &b.quote {
        Some(q) => format!(
            "{} ({}), {who}caller {verified}: \"{q}\"",
            b.reason, b.reference
        ),
        None => format!("{} ({}), {who}caller {verified}", b.reason, b.reference),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, Method};

    fn get(query: &str) -> Result<RouteRequest, NormalizeError> {
        let h = HeaderMap::new();
        parse_route_request(&Delivery {
            method: &Method::GET,
            headers: &h,
            query: Some(query),
            path_secret: None,
            body: b"",
        })
    }

    #[test]
    fn parses_the_contract_as_json_or_query() {
        let h = HeaderMap::new();
        let r = parse_route_request(&Delivery::json(
            br#"{"interaction_id":"i1","caller":"+1 (415) 555-0123","utterance":"","language":"en-US"}"#,
            &h,
        ))
        .unwrap();
        assert_eq!(r.call_id, "i1");
        assert_eq!(r.caller_number.as_deref(), Some("+14155550123"));
        assert_eq!(r.text, None);
        assert_eq!(r.language.as_deref(), Some("en-US"));
        let q = get("interaction_id=i2&caller=%2B14155550123&utterance=I+will+sue").unwrap();
        assert_eq!(q.text.as_deref(), Some("I will sue"));
        // A Studio variable the flow never set arrives unrendered.
        assert_eq!(
            get("interaction_id=%25%7Binteraction_id%7D")
                .unwrap_err()
                .field,
            "interaction_id"
        );
        assert_eq!(get("caller=1").unwrap_err().field, "interaction_id");
    }

    #[test]
    fn the_answer_is_flat_and_never_null() {
        let answer = RouteAnswer {
            escalate: true,
            team: Some("legal".into()),
            destination: Some(Destination::Queue {
                id: "legal_specialists".into(),
                name: None,
            }),
            priority: 1,
            briefing: Some(Briefing {
                reference: "ESC-1".into(),
                tier: "specialist".into(),
                reason: "legal threat".into(),
                rule_id: "hardstop.legal".into(),
                quote: Some("I will sue".into()),
                utterance_id: None,
                caller_name: Some("Dana Reyes".into()),
                verified: Some(true),
                context: Default::default(),
            }),
        };
        let v = route_response(&answer);
        assert_eq!(v["action"], "route");
        assert_eq!(v["ring_group"], "legal_specialists");
        assert_eq!(
            v["briefing"],
            "legal threat (ESC-1), Dana Reyes, caller verified: \"I will sue\""
        );
        let none = route_response(&RouteAnswer {
            escalate: false,
            team: None,
            destination: None,
            priority: 0,
            briefing: None,
        });
        assert_eq!(none["action"], "continue");
        for (k, v) in none.as_object().unwrap() {
            assert!(!v.is_null(), "{k} is null");
        }
        let unmapped = route_response(&RouteAnswer {
            destination: Some(Destination::Unmapped),
            ..answer
        });
        assert_eq!(unmapped["action"], "continue");
        assert_eq!(unmapped["escalate"], true);
    }
}
