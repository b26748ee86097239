//! What an admin sends to Talkdesk so that events and routing questions reach Escalator:
//! one Webhook Trigger subscription per trigger (the API accepts them, so a registration
//! command can send [`subscriptions`] as they are), an optional HTTP Notifier task for
//! dispositions, and the Connections Action a Studio flow executes.
//!
//! The trigger templates are Talkdesk's own (the placeholders of its certified Power
//! Automate connector), plus one field of ours: `timestamp` on triggers whose connector
//! template lacks it, so that every event can carry its time (UNCONFIRMED that Talkdesk
//! renders it there; an empty or unrendered value is read as absent).

use std::fmt::Write as _;

/// Talkdesk's US API gateway; the template names the EU and Canadian ones beside it.
const API_BASE: &str = "https://api.talkdeskapp.com";

/// One property of a trigger's rendered body: our key, its title, Talkdesk's placeholder.
#[derive(Clone, Copy)]
struct Field {
    key: &'static str,
    title: &'static str,
    placeholder: &'static str,
}

const fn field(key: &'static str, title: &'static str, placeholder: &'static str) -> Field {
    Field {
        key,
        title,
        placeholder,
    }
}

const EVENT: Field = field("event", "Event", "{{event}}");
const TIMESTAMP: Field = field("timestamp", "Timestamp", "{{timestamp}}");

const CALL_IDS: [Field; 5] = [
    EVENT,
    field("call_id", "Callid", "{{call_id}}"),
    field("interaction_id", "Interaction id", "{{interaction_id}}"),
    field("contact_id", "Contact id", "{{contact.id}}"),
    field("account_id", "Account id", "{{account_id}}"),
];

const AGENT: [Field; 3] = [
    field("agent_name", "Agent name", "{{agent.name}}"),
    field("agent_email", "Agent email", "{{agent.email}}"),
    field("agent_tags", "Agent ringing groups", "{{agent.tags_list}}"),
];

const CONTACT: [Field; 9] = [
    field(
        "contact_first_name",
        "Contact first name",
        "{{contact.first_name}}",
    ),
    field(
        "contact_last_name",
        "Contact last name",
        "{{contact.last_name}}",
    ),
    field("contact_name", "Contact name", "{{contact.name}}"),
    field("contact_email", "Contact email", "{{contact.email}}"),
    field("contact_phone", "Contact phone", "{{contact.phone}}"),
    field("contact_company", "Contact company", "{{contact.company}}"),
    field("contact_title", "Contact title", "{{contact.title}}"),
    field("contact_address", "Contact address", "{{contact.address}}"),
    field("contact_website", "Contact website", "{{contact.website}}"),
];

const CALL_EXTRA: [Field; 5] = [
    field("phone_vip", "VIP phone number", "{{phone.vip}}"),
    field("phone_ivr", "Using IVR", "{{phone.ivr}}"),
    field(
        "interaction_type",
        "Interaction type",
        "{{interaction.type}}",
    ),
    field("account_email", "Account email", "{{account.email}}"),
    field("account_name", "Account name", "{{account.name}}"),
];

const AGENT_ID: Field = field("agent_id", "Agent id", "{{agent_id}}");
const CONTACT_NUMBER: Field = field(
    "contact_phone_number",
    "Contact phone number",
    "{{contact_phone_number}}",
);
const OUR_NUMBER: Field = field(
    "talkdesk_phone_number",
    "Contact Center number",
    "{{talkdesk_phone_number}}",
);
const CONTEXT_ID: Field = field(
    "interaction_context_id",
    "Interaction context ID",
    "{{interaction_context_id}}",
);
const WAITING: Field = field("waiting_time", "Waiting time", "{{waiting_time}}");
const PROACTIVE: Field = field(
    "proactive_outbound",
    "Launched by Outbound Dialer",
    "{{proactive_outbound}}",
);
const TAGS: Field = field("tags", "Call ringing groups", "{{tags}}");

const CALL_END: [Field; 5] = [
    field("total_duration", "Total duration", "{{total_duration}}"),
    field("duration", "Call duration", "{{duration}}"),
    WAITING,
    field("hold_time", "Hold time", "{{hold_time}}"),
    field("hangup", "Hangup reason", "{{hangup}}"),
];

/// One Webhook Trigger we subscribe to.
struct TriggerSpec {
    name: &'static str,
    title: &'static str,
    /// Whether Escalator acts on it; the others are recorded only.
    acted_on: bool,
    required: &'static [&'static str],
    fields: Vec<Field>,
}

fn concat(parts: &[&[Field]]) -> Vec<Field> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// The nine triggers, each with the connector's fields (Talkdesk's `required` lists kept).
fn specs() -> Vec<TriggerSpec> {
    let contact_record = [
        EVENT,
        field("contact_id", "Contact ID", "{{contact_id}}"),
        field("account_id", "Account ID", "{{account_id}}"),
    ];
    let account = &CALL_EXTRA[3..];
    let note = [
        field("title", "Note title", "{{title}}"),
        field("content", "Note content", "{{content}}"),
    ];
    let agent_event = concat(&[&[EVENT, AGENT_ID], &AGENT, &[TIMESTAMP]]);
    vec![
        TriggerSpec {
            name: "inboundCallReachesContactCenter",
            title: "Escalator: inbound call reaches contact center",
            acted_on: true,
            required: &["account_id"],
            fields: concat(&[
                &CALL_IDS,
                &[CONTACT_NUMBER, CONTEXT_ID, OUR_NUMBER],
                &CONTACT,
                &CALL_EXTRA,
                &[TIMESTAMP],
            ]),
        },
        TriggerSpec {
            name: "inboundCallStarts",
            title: "Escalator: inbound call starts",
            acted_on: true,
            required: &["account_id"],
            fields: concat(&[
                &CALL_IDS,
                &[
                    AGENT_ID,
                    CONTACT_NUMBER,
                    WAITING,
                    CONTEXT_ID,
                    PROACTIVE,
                    TAGS,
                    OUR_NUMBER,
                ],
                &[field("is_transfer", "Is transfer", "{{is_transfer}}")],
                &AGENT,
                &CONTACT,
                &CALL_EXTRA,
                &[TIMESTAMP],
            ]),
        },
        TriggerSpec {
            name: "inboundCallEnds",
            title: "Escalator: inbound call ends",
            acted_on: true,
            required: &["account_id"],
            fields: concat(&[
                &CALL_IDS,
                &[AGENT_ID, CONTACT_NUMBER],
                &CALL_END,
                &[
                    field(
                        "in_business_hours",
                        "In business hours",
                        "{{in_business_hours}}",
                    ),
                    field("recording_url", "Recording URL", "{{recording_url}}"),
                    field("start_time", "Call start time", "{{start_time}}"),
                    field("timestamp", "Call end time", "{{timestamp}}"),
                    CONTEXT_ID,
                    PROACTIVE,
                    TAGS,
                    OUR_NUMBER,
                ],
                &AGENT,
                &CONTACT,
                &CALL_EXTRA,
            ]),
        },
        TriggerSpec {
            name: "outboundCallEnds",
            title: "Escalator: outbound call ends",
            acted_on: true,
            required: &["account_id"],
            fields: concat(&[
                &CALL_IDS,
                &[AGENT_ID],
                &CALL_END,
                &[PROACTIVE, TAGS, OUR_NUMBER, CONTACT_NUMBER],
                &AGENT,
                &CONTACT,
                &CALL_EXTRA,
                &[TIMESTAMP],
            ]),
        },
        TriggerSpec {
            name: "agentLogIn",
            title: "Escalator: agent logs in",
            acted_on: false,
            required: &["agent_id"],
            fields: agent_event.clone(),
        },
        TriggerSpec {
            name: "agentLogOut",
            title: "Escalator: agent logs out",
            acted_on: false,
            required: &["agent_id"],
            fields: agent_event,
        },
        TriggerSpec {
            name: "contactCreated",
            title: "Escalator: contact created",
            acted_on: false,
            required: &["contact_name", "contact_email"],
            fields: concat(&[&contact_record, &CONTACT, account, &[TIMESTAMP]]),
        },
        TriggerSpec {
            name: "contactUpdated",
            title: "Escalator: contact updated",
            acted_on: false,
            required: &["contact_name", "contact_email"],
            fields: concat(&[&contact_record, &CONTACT, account, &[TIMESTAMP]]),
        },
        TriggerSpec {
            name: "noteCreated",
            title: "Escalator: note created",
            acted_on: false,
            required: &["contact_name", "contact_email"],
            fields: concat(&[&contact_record, &CONTACT, &note, account, &[TIMESTAMP]]),
        },
    ]
}

/// One `POST /webhooks/triggers/{trigger}` request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub trigger: &'static str,
    /// Whether Escalator acts on this trigger (the others are recorded only).
    pub acted_on: bool,
    pub callback_url: String,
    pub title: String,
    /// The JSON-Schema text Talkdesk renders into each delivery.
    pub message: String,
}

impl Subscription {
    /// The request path on the API gateway.
    pub fn path(&self) -> String {
        format!("/webhooks/triggers/{}", self.trigger)
    }

    /// The request body. `callbackurl` is the OpenAPI's spelling (the connector sends
    /// `callbackURL` for `contactCreated` only).
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "callbackurl": self.callback_url,
            "title": self.title,
            "message": self.message,
        })
    }
}

/// Every trigger subscription for an Escalator at `url` (its public base URL, e.g.
/// `https://escalator.example.com`) authenticated by `secret`.
pub fn subscriptions(url: &str, secret: &str) -> Vec<Subscription> {
    specs()
        .into_iter()
        .map(|spec| Subscription {
            trigger: spec.name,
            acted_on: spec.acted_on,
            callback_url: events_url(url, secret, spec.name),
            title: spec.title.to_string(),
            message: message_schema(&spec),
        })
        .collect()
}

/// The callback URL: the secret as the path segment (Talkdesk cannot sign deliveries), and
/// the trigger's name as a parameter so that no delivery depends on the UNCONFIRMED
/// `event` value.
fn events_url(url: &str, secret: &str, trigger: &str) -> String {
    format!(
        "{}/webhooks/talkdesk/{}?trigger={trigger}",
        base(url),
        encode_segment(secret)
    )
}

fn base(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so any secret survives
/// as one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The JSON Schema Talkdesk renders, written by hand so the property order follows the
/// connector's and the text is the same on every build.
fn message_schema(spec: &TriggerSpec) -> String {
    let props: Vec<String> = spec
        .fields
        .iter()
        .map(|f| {
            format!(
                "{}:{{\"title\":{},\"type\":\"string\",\"default\":{}}}",
                json_str(f.key),
                json_str(f.title),
                json_str(f.placeholder)
            )
        })
        .collect();
    let required: Vec<String> = spec.required.iter().map(|r| json_str(r)).collect();
    format!(
        "{{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"title\":\"Root\",\"type\":\"object\",\"required\":[{}],\"properties\":{{{}}},\"additionalProperties\":false}}",
        required.join(","),
        props.join(",")
    )
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Exactly what the admin sends or pastes, with `url` (Escalator's public base URL) and
/// `secret` filled in. The same secret goes in the callback URLs and in the Connection's
/// `X-API-Key` header.
pub fn template(url: &str, secret: &str) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    for (i, sub) in subscriptions(url, secret).iter().enumerate() {
        write_subscription(&mut out, i + 1, sub);
    }
    out.push_str(&notifier_section(url, secret));
    out.push_str(&studio_section(url, secret));
    out
}

const HEADER: &str = "\
Escalator <-> Talkdesk
======================

1. Call events: Webhook Trigger API
-----------------------------------
Send each request below with an OAuth token that has the scope webhooks-trigger:write.
EU accounts use https://api.talkdeskapp.eu and Canadian accounts https://api.talkdeskappca.com
instead of https://api.talkdeskapp.com. Talkdesk cannot sign deliveries: the secret is the
last segment of each callback URL, so keep these URLs private. Keep the trigger id Talkdesk
returns (in the response body or its Location header) to unsubscribe later with
DELETE /webhooks/triggers/{trigger}/{trigger_id}.
";

fn write_subscription(out: &mut String, n: usize, sub: &Subscription) {
    let role = if sub.acted_on {
        "required"
    } else {
        "optional: recorded, never acted on"
    };
    let _ = write!(
        out,
        "\n1.{n} {trigger} ({role})\n\nPOST {API_BASE}{path}\nContent-Type: application/json\n\n{{\n  \"callbackurl\": {url},\n  \"title\": {title},\n  \"message\": {message}\n}}\n",
        trigger = sub.trigger,
        path = sub.path(),
        url = json_str(&sub.callback_url),
        title = json_str(&sub.title),
        message = json_str(&sub.message),
    );
}

fn notifier_section(url: &str, secret: &str) -> String {
    let inbound = events_url(url, secret, "inboundDispositionCodeSet");
    let outbound = events_url(url, secret, "outboundDispositionCodeSet");
    format!(
        "
2. Dispositions (optional): HTTP Notifier
-----------------------------------------
Only if Talkdesk Support has enabled the HTTP Notifier on the account. A disposition whose
name asks for escalation (\"Escalated - Legal\", \"Supervisor requested\", \"Fraud\"...) becomes
an escalation request with the name as its reason. In Admin > Integrations > HTTP Notifier
add two automated tasks:

- trigger \"Inbound disposition code set\": POST {inbound}
- trigger \"Outbound disposition code set\": POST {outbound}

Body (JSON) for both. The notifier's variable names are UNCONFIRMED: replace each <...> with
the matching variable from its variable list and keep the field names on the left.

{{
  \"event\": \"disposition_code_set\",
  \"interaction_id\": \"<interaction id>\",
  \"call_id\": \"<call id>\",
  \"agent_id\": \"<agent id>\",
  \"contact_phone_number\": \"<contact phone number>\",
  \"disposition\": \"<disposition name>\",
  \"timestamp\": \"<time the disposition was set>\"
}}
"
    )
}

fn studio_section(url: &str, secret: &str) -> String {
    format!(
        "
3. Routing decisions: Studio \"Execute Action\"
---------------------------------------------
Builder > Connections > Add connection
  Base URL:        {base}
  Authentication:  API Key, header X-API-Key, value {secret}

Add an action to the connection
  Name:            escalator-route
  Method / path:   POST /route/talkdesk
  Timeout:         5 seconds
  Input schema:
{INPUT_SCHEMA}
  Output schema:
{OUTPUT_SCHEMA}

In the Studio flow, before the assignment step, add \"Execute Action\" with escalator-route:
  interaction_id  <- %{{interaction_id}}
  caller          <- %{{contact_phone_number}}
  utterance       <- the variable holding what the caller said (leave empty if none)
  language        <- the flow's language, e.g. en-US
(The Studio variable names are UNCONFIRMED: pick the flow's equivalents.)
Map every output to a flow variable. On action = \"route\", send the call to ring_group
(or agent_id / phone_number, as destination_type says) with the returned priority, and
share briefing in the interaction context so the receiving agent sees it. On \"continue\"
or on the error branch, route as usual.
",
        base = base(url),
    )
}

const INPUT_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["interaction_id"],
  "properties": {
    "interaction_id": {"type": "string"},
    "caller": {"type": "string"},
    "utterance": {"type": "string"},
    "language": {"type": "string"}
  }
}"#;

const OUTPUT_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "action": {"type": "string"},
    "escalate": {"type": "boolean"},
    "team": {"type": "string"},
    "destination_type": {"type": "string"},
    "ring_group": {"type": "string"},
    "agent_id": {"type": "string"},
    "phone_number": {"type": "string"},
    "priority": {"type": "integer"},
    "reference": {"type": "string"},
    "reason": {"type": "string"},
    "quote": {"type": "string"},
    "caller_name": {"type": "string"},
    "verified": {"type": "string"},
    "briefing": {"type": "string"},
    "summary": {"type": "string"},
    "recent_turns": {"type": "string"},
    "language": {"type": "string"},
    "agent": {"type": "string"},
    "prior_calls": {"type": "string"},
    "heard": {"type": "string"},
    "amounts": {"type": "string"},
    "hold_seconds": {"type": "string"},
    "involved": {"type": "string"},
    "earlier": {"type": "string"}
  }
}"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::talkdesk::{normalize, parse_route_request, route_response};
    use crate::{Delivery, EventKind, RouteAnswer};
    use http::{HeaderMap, Method};
    use serde_json::Value;

    const URL: &str = "https://escalator.example.com/";

    /// Renders a subscription the way Talkdesk does: each property's default, with a value
    /// for the placeholders a real call would fill.
    fn render(sub: &Subscription) -> Value {
        let schema: Value = serde_json::from_str(&sub.message).unwrap();
        let props = schema["properties"].as_object().unwrap();
        let mut out = serde_json::Map::new();
        for (k, p) in props {
            let value = match k.as_str() {
                "interaction_id" => "i-1".to_string(),
                "agent_id" => "a-1".to_string(),
                "timestamp" => "1774352826".to_string(),
                "contact_phone_number" => "+14155550123".to_string(),
                _ => p["default"].as_str().unwrap().to_string(),
            };
            out.insert(k.clone(), Value::String(value));
        }
        Value::Object(out)
    }

    #[test]
    fn every_subscription_renders_to_a_delivery_normalize_accepts() {
        let headers = HeaderMap::new();
        let subs = subscriptions(URL, "k/3y ?");
        assert_eq!(subs.len(), 9);
        for sub in &subs {
            let (path, query) = sub.callback_url.split_once('?').unwrap();
            assert_eq!(
                path,
                "https://escalator.example.com/webhooks/talkdesk/k%2F3y%20%3F"
            );
            let body = serde_json::to_vec(&render(sub)).unwrap();
            let d = Delivery {
                method: &Method::POST,
                headers: &headers,
                query: Some(query),
                path_secret: Some("k/3y ?"),
                body: &body,
            };
            let events = normalize(&d).unwrap_or_else(|e| panic!("{}: {e}", sub.trigger));
            let acted = !matches!(events[0].kind, EventKind::Other { .. });
            assert_eq!(acted, sub.acted_on, "{}", sub.trigger);
            assert!(
                events[0].event_id.starts_with(sub.trigger),
                "{}",
                sub.trigger
            );
        }
    }

    #[test]
    fn the_template_is_deterministic_and_carries_url_and_secret() {
        let a = template(URL, "s3cret");
        assert_eq!(a, template(URL, "s3cret"));
        assert!(a.contains(
            "https://escalator.example.com/webhooks/talkdesk/s3cret?trigger=inboundCallEnds"
        ));
        assert!(a.contains("value s3cret"));
        assert!(a.contains("POST /route/talkdesk"));
        assert!(a.contains("POST https://api.talkdeskapp.com/webhooks/triggers/noteCreated"));
    }

    #[test]
    fn the_output_schema_declares_every_answer_field() {
        let schema: Value = serde_json::from_str(OUTPUT_SCHEMA).unwrap();
        let declared = schema["properties"].as_object().unwrap();
        let answer = route_response(&RouteAnswer {
            escalate: false,
            team: None,
            destination: None,
            priority: 0,
            briefing: None,
        });
        let sent = answer.as_object().unwrap();
        assert_eq!(
            declared.keys().collect::<Vec<_>>().len(),
            sent.keys().collect::<Vec<_>>().len()
        );
        for (k, v) in sent {
            let ty = declared[k]["type"].as_str().unwrap();
            let ok = match v {
                Value::String(_) => ty == "string",
                Value::Bool(_) => ty == "boolean",
                Value::Number(_) => ty == "integer",
                _ => false,
            };
            assert!(ok, "{k}: {v} is not {ty}");
        }
    }

    #[test]
    fn the_input_schema_is_what_the_route_parser_reads() {
        let schema: Value = serde_json::from_str(INPUT_SCHEMA).unwrap();
        let mut body = serde_json::Map::new();
        for k in schema["properties"].as_object().unwrap().keys() {
            body.insert(k.clone(), Value::String(format!("{k}-value")));
        }
        body.insert("caller".into(), Value::String("+14155550123".into()));
        let bytes = serde_json::to_vec(&body).unwrap();
        let h = HeaderMap::new();
        let r = parse_route_request(&Delivery::json(&bytes, &h)).unwrap();
        assert_eq!(r.call_id, "interaction_id-value");
        assert_eq!(r.text.as_deref(), Some("utterance-value"));
        assert_eq!(r.language.as_deref(), Some("language-value"));
        assert_eq!(r.caller_number.as_deref(), Some("+14155550123"));
    }
}
