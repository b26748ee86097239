//! The synchronous routing hook: a campaign workflow's "Execute REST Call" asks where the
//! workitem goes, stores our answer in `workitem.data.<responseVariable>`, and an "Enter
//! Queue from Expression" step reads `…body.queueId` and `…body.priority` (§1a, §2).
//!
//! Request body (our template, [`super::template`]):
//!
//! ```json
//! {"workitemId": "${workitem.workitemId}", "type": "${workitem.type}",
//!  "from": "${workitem.from}", "text": "${workitem.data.botWebhookRequest.queryResult.queryText}",
//!  "language": "${workitem.data.language}"}
//! ```
//! `text` is optional: what the caller said to a virtual agent, or a chat/SMS message.

use super::wire::Fields;
use crate::{phone, Delivery, Destination, NormalizeError, RouteAnswer, RouteRequest};

pub fn parse_route_request(delivery: &Delivery<'_>) -> Result<RouteRequest, NormalizeError> {
    let f = Fields::read(delivery)?;
    Ok(RouteRequest {
        call_id: f.req("workitemId")?.to_string(),
        caller_number: caller_number(&f),
        text: f.get("text").map(str::to_string),
        language: f.get("language").map(str::to_string),
    })
}

/// The routing hook runs on inbound calls and messages, where the customer is `from`; a
/// chat's `from` is a visitor, never a phone number.
fn caller_number(f: &Fields) -> Option<String> {
    let is_chat = f.get("type").is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("chat") || t.contains("email")
    });
    if is_chat {
        return None;
    }
    f.get("from").and_then(phone::to_e164)
}

/// The answer as the workflow reads it from `workitem.data.escalationResponse.body`: flat
/// strings and numbers, `""` instead of null (a workflow condition compares strings, and
/// `enterqueuefromexpression` must never be handed `null`).
pub fn route_response(answer: &RouteAnswer) -> serde_json::Value {
    let (kind, queue_id, queue_name, agent_id, address) = match &answer.destination {
        Some(Destination::Queue { id, name }) => (
            "queue",
            id.clone(),
            name.clone().unwrap_or_default(),
            String::new(),
            String::new(),
        ),
        Some(Destination::Agent { id }) => (
            "agent",
            String::new(),
            String::new(),
            id.clone(),
            String::new(),
        ),
        Some(Destination::Address { address }) => (
            "address",
            String::new(),
            String::new(),
            String::new(),
            address.clone(),
        ),
        Some(Destination::Unmapped) | None => (
            "",
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    let b = answer.briefing.as_ref();
    let text =
        |f: fn(&crate::Briefing) -> Option<&String>| b.and_then(f).cloned().unwrap_or_default();
    let mut v = serde_json::json!({
        "escalate": answer.escalate,
        "team": answer.team.clone().unwrap_or_default(),
        "destinationKind": kind,
        "queueId": queue_id,
        "queueName": queue_name,
        "agentId": agent_id,
        "address": address,
        "priority": ncc_priority(answer.priority),
        "escalatorPriority": answer.priority,
        "reference": text(|b| Some(&b.reference)),
        "tier": text(|b| Some(&b.tier)),
        "reason": text(|b| Some(&b.reason)),
        "quote": text(|b| b.quote.as_ref()),
        "briefing": b
            .map(|b| crate::briefing_text::with_issue(summary(b), &b.context))
            .unwrap_or_default(),
    });
    crate::briefing_text::add_route_fields(&mut v, b.map(|b| &b.context), true);
    v
}

/// Escalator ranks 0 (routine) … 10 (hard stop); NCC workitem priority is 1 … 5, 5 highest
/// [OAS-N WorkItemPriority]: 0 → 1, 5 → 3, 10 and above → 5.
fn ncc_priority(priority: u32) -> u32 {
    (1 + (priority.min(10) * 4 + 5) / 10).clamp(1, 5)
}

/// One line the agent script or screen can show: who, why, verbatim trigger, status,
/// reference.
fn summary(b: &crate::Briefing) -> String {
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
    use crate::Briefing;
    use http::{HeaderMap, HeaderValue, Method};

    fn parse_json(body: &str) -> Result<RouteRequest, NormalizeError> {
        parse_route_request(&Delivery::json(body.as_bytes(), &HeaderMap::new()))
    }

    #[test]
    fn parses_the_template_and_drops_what_ncc_left_unfilled() {
        let r = parse_json(
            r#"{"workitemId":"w1","type":"InboundCall","from":"+16025550123",
                "text":"${workitem.data.botWebhookRequest.queryResult.queryText}",
                "language":"$V.workitem.data.language"}"#,
        )
        .unwrap();
        assert_eq!(r.call_id, "w1");
        assert_eq!(r.caller_number.as_deref(), Some("+16025550123"));
        assert_eq!(r.text, None);
        assert_eq!(r.language, None);
        assert_eq!(
            parse_json(r#"{"from":"+16025550123"}"#).unwrap_err().field,
            "workitemId"
        );
        assert_eq!(parse_json("nope").unwrap_err().field, "workitemId");
    }

    #[test]
    fn a_get_query_works_too() {
        let h = HeaderMap::new();
        let d = Delivery {
            method: &Method::GET,
            headers: &h,
            query: Some("workitemId=w2&from=%2B16025550123&text=I+want+a+lawyer"),
            path_secret: None,
            body: b"",
        };
        let r = parse_route_request(&d).unwrap();
        assert_eq!(r.text.as_deref(), Some("I want a lawyer"));
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let d = Delivery {
            method: &Method::POST,
            headers: &h,
            query: None,
            path_secret: None,
            body: b"workitemId=w3&type=Chat&from=12345678901",
        };
        let r = parse_route_request(&d).unwrap();
        assert_eq!((r.call_id.as_str(), r.caller_number), ("w3", None));
    }

    #[test]
    fn priorities_fit_ncc_range() {
        assert_eq!(ncc_priority(0), 1);
        assert_eq!(ncc_priority(5), 3);
        assert_eq!(ncc_priority(10), 5);
        assert_eq!(ncc_priority(u32::MAX), 5);
    }

    #[test]
    fn the_answer_is_flat_and_never_null() {
        let answer = RouteAnswer {
            escalate: true,
            team: Some("legal".into()),
            destination: Some(Destination::Queue {
                id: "66f1c0a2e4b0c13f5d2a0001".into(),
                name: Some("Legal".into()),
            }),
            priority: 10,
            briefing: Some(Briefing {
                reference: "ESC-7K2M-Q9D9".into(),
                tier: "specialist".into(),
                reason: "legal_threat".into(),
                rule_id: "legal_threat.en.0".into(),
                quote: Some("I'm calling my lawyer".into()),
                utterance_id: None,
                caller_name: Some("Dana Reyes".into()),
                verified: Some(true),
                context: Default::default(),
            }),
        };
        let v = route_response(&answer);
        assert_eq!(v["queueId"], "66f1c0a2e4b0c13f5d2a0001");
        assert_eq!(v["priority"], 5);
        assert_eq!(v["agentId"], "");
        assert_eq!(
            v["briefing"],
            "legal_threat (ESC-7K2M-Q9D9), Dana Reyes, caller verified: \"I'm calling my lawyer\""
        );
        let none = route_response(&RouteAnswer {
            escalate: false,
            team: None,
            destination: None,
            priority: 0,
            briefing: None,
        });
        let obj = none.as_object().unwrap();
        assert!(obj.values().all(|v| !v.is_null() && !v.is_object()));
        assert_eq!(none["queueId"], "");
        assert_eq!(none["priority"], 1);
    }
}
