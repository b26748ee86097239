//! The synchronous routing hook: a Five9 IVR script's web-service request module asks
//! where the call goes before it reaches an agent. Its parameters are ours
//! (`template.rs`, part 3): `escalator_secret`, `call_id`, `session_id`, `ANI`, `DNIS`,
//! `type_name`, and the optional `text` (what the caller said or chose; `utterance` or
//! `intent` are read when `text` is absent) and `language`. They arrive as form fields,
//! query fields or a flat JSON object; the module's encoding options are UNCONFIRMED, so
//! all three are read alike.

use serde_json::{json, Value};

use super::fields::{five9_phone, Fields};
use super::template::keys;
use crate::{Delivery, Destination, Direction, NormalizeError, RouteAnswer, RouteRequest};

pub fn parse_route_request(delivery: &Delivery<'_>) -> Result<RouteRequest, NormalizeError> {
    parse_fields(&Fields::from_delivery(delivery)?)
}

fn parse_fields(f: &Fields) -> Result<RouteRequest, NormalizeError> {
    let call_id = f.require(keys::CALL_ID)?;
    // The IVR mostly runs on inbound calls; an outbound campaign's IVR has the customer
    // in DNIS, as in the connectors.
    let customer = match f.direction(keys::TYPE_NAME) {
        Some(Direction::Outbound) => keys::DNIS,
        _ => keys::ANI,
    };
    let text = f
        .get(keys::TEXT)
        .or_else(|| f.first(keys::TEXT_ALIASES))
        .map(str::to_string);
    Ok(RouteRequest {
        call_id: call_id.to_string(),
        caller_number: f.get(customer).and_then(five9_phone),
        text,
        language: f.get(keys::LANGUAGE).map(str::to_string),
    })
}

/// The answer as one flat JSON object the IVR maps key by key into variables: strings
/// and numbers only, empty strings for "none" (an IVR variable cannot hold null), and
/// `escalate` as 1/0 so both an INTEGER and a STRING variable can test it.
pub fn route_response(answer: &RouteAnswer) -> Value {
    let d = DestinationFields::from(answer.destination.as_ref());
    let b = answer.briefing.as_ref();
    let text = |f: fn(&crate::Briefing) -> Option<&str>| b.and_then(f).unwrap_or("").to_string();
    let mut v = json!({
        "escalate": u8::from(answer.escalate),
        "team": answer.team.clone().unwrap_or_default(),
        "destination_kind": d.kind,
        "route_skill": d.route_skill,
        "skill_id": d.skill_id,
        "skill_name": d.skill_name,
        "agent_id": d.agent_id,
        "transfer_number": d.transfer_number,
        "priority": answer.priority,
        "tier": text(|b| Some(&b.tier)),
        "reference": text(|b| Some(&b.reference)),
        "reason": text(|b| Some(&b.reason)),
        "quote": text(|b| b.quote.as_deref()),
        "verified": b.map(|b| verified_word(b.verified)).unwrap_or(""),
        "briefing": b
            .map(|b| crate::briefing_text::with_issue(summary(b), &b.context))
            .unwrap_or_default(),
    });
    crate::briefing_text::add_route_fields(&mut v, b.map(|b| &b.context), false);
    v
}

/// A destination spread over flat fields, so the IVR can branch on `destination_kind`.
#[derive(Default)]
struct DestinationFields {
    kind: &'static str,
    route_skill: String,
    skill_id: String,
    skill_name: String,
    agent_id: String,
    transfer_number: String,
}

impl From<Option<&Destination>> for DestinationFields {
    fn from(d: Option<&Destination>) -> Self {
        match d {
            // A Five9 "queue" is a skill. The Skill Transfer module picks skills by name,
            // so the name is preferred when the team mapping has one.
            Some(Destination::Queue { id, name }) => Self {
                kind: "skill",
                route_skill: name.clone().unwrap_or_else(|| id.clone()),
                skill_id: id.clone(),
                skill_name: name.clone().unwrap_or_default(),
                ..Self::default()
            },
            Some(Destination::Agent { id }) => Self {
                kind: "agent",
                agent_id: id.clone(),
                ..Self::default()
            },
            Some(Destination::Address { address }) => Self {
                kind: "number",
                transfer_number: address.clone(),
                ..Self::default()
            },
            Some(Destination::Unmapped) | None => Self::default(),
        }
    }
}

fn verified_word(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// One line for the receiving agent: why, the reference, verification, the caller's words.
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

    #[test]
    fn parses_the_template_fields() {
        let r = parse_fields(&Fields::from_pairs(&[
            ("call_id", "300000000123456"),
            ("ANI", "4155550123"),
            ("text", "@Escalator.CallerText@"),
            ("intent", "legal"),
            ("language", ""),
        ]))
        .unwrap();
        assert_eq!(r.call_id, "300000000123456");
        assert_eq!(r.caller_number.as_deref(), Some("+14155550123"));
        assert_eq!(r.text.as_deref(), Some("legal"));
        assert_eq!(r.language, None);
        let err = parse_fields(&Fields::from_pairs(&[("ANI", "1")])).unwrap_err();
        assert_eq!(err.field, "call_id");
    }

    #[test]
    fn response_is_flat_and_never_null() {
        let none = route_response(&RouteAnswer {
            escalate: false,
            team: None,
            destination: None,
            priority: 0,
            briefing: None,
        });
        let obj = none.as_object().unwrap();
        assert!(obj.values().all(|v| v.is_string() || v.is_number()));
        assert_eq!(none["escalate"], 0);
        assert_eq!(none["route_skill"], "");

        let legal = route_response(&RouteAnswer {
            escalate: true,
            team: Some("legal".into()),
            destination: Some(Destination::Queue {
                id: "300000000000101".into(),
                name: Some("Legal Specialists".into()),
            }),
            priority: 10,
            briefing: Some(Briefing {
                reference: "ESC-7Q2K".into(),
                tier: "specialist".into(),
                reason: "legal_threat".into(),
                rule_id: "hard.legal".into(),
                quote: Some("my lawyer will hear about this".into()),
                utterance_id: None,
                caller_name: Some("Dana Reyes".into()),
                verified: Some(true),
                context: Default::default(),
            }),
        });
        assert_eq!(legal["escalate"], 1);
        assert_eq!(legal["route_skill"], "Legal Specialists");
        assert_eq!(legal["skill_id"], "300000000000101");
        assert_eq!(legal["verified"], "yes");
        assert_eq!(
            legal["briefing"],
            "legal_threat (ESC-7Q2K), Dana Reyes, caller verified: \"my lawyer will hear about this\""
        );
        assert!(legal
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.is_string() || v.is_number()));
    }
}
