//! What a Genesys Cloud admin creates so events and routing questions reach Escalator:
//! the credential holding the shared secret, and the data actions (Web Services Data
//! Actions, `custom-rest-actions`) for events and for the routing hook. Walk-through:
//! `docs/vendors/genesys.md`.

use serde_json::{json, Value};

const HEADER: &str = "X-Escalator-Token";

/// Name of the credential that holds the shared secret.
pub(super) const CREDENTIAL_NAME: &str = "escalator-token";

/// The userDefined credential holding `secret` as field `token`.
pub(super) fn credential(secret: &str) -> Value {
    json!({
        "name": CREDENTIAL_NAME,
        "type": {"name": "userDefined"},
        "credentialFields": {"token": secret}
    })
}

/// The events and routing-hook data actions, sending the secret in `header`. Shared with
/// registration so that what the admin pastes and what the API creates cannot drift apart.
pub(super) fn actions(url: &str, header: &str, integration_id: &str) -> [Value; 2] {
    let base = url.trim_end_matches('/');
    let events = action(
        "Escalator - forward event",
        &format!("{base}/webhooks/genesys"),
        "{\"topicName\": \"$esc.jsonString(${input.topicName})\", \"eventBody\": ${input.eventBody}}",
        json!({
            "type": "object",
            "required": ["topicName", "eventBody"],
            "properties": {
                "topicName": {"type": "string", "description": "the topic, full or short (customer.start, acd.start, user.start, customer.end, acw, attributes)"},
                "eventBody": {"type": "string", "description": "the event as JSON text, e.g. ToString(Flow.jsonData)"}
            }
        }),
        json!({"type": "object", "properties": {}, "additionalProperties": true}),
        10,
    );
    let route = action(
        "Escalator - route call",
        &format!("{base}/route/genesys"),
        "{\"conversationId\": \"$esc.jsonString(${input.conversationId})\", \"ani\": \"$esc.jsonString(${input.ani})\", \"text\": \"$esc.jsonString(${input.customerText})\", \"language\": \"$esc.jsonString(${input.language})\"}",
        json!({
            "type": "object",
            "required": ["conversationId", "ani", "customerText", "language"],
            "properties": {
                "conversationId": {"type": "string"},
                "ani": {"type": "string"},
                "customerText": {"type": "string", "description": "what the caller said; empty when nothing"},
                "language": {"type": "string"}
            }
        }),
        json!({
            "type": "object",
            "properties": {
                "escalate": {"type": "boolean"},
                "team": {"type": "string"},
                "queueId": {"type": "string"},
                "queueName": {"type": "string"},
                "priority": {"type": "integer"},
                "reference": {"type": "string"},
                "reason": {"type": "string"},
                "quote": {"type": "string"},
                "briefing": {"type": "string"}
            }
        }),
        5,
    );
    [events, route].map(|mut a| {
        a["integrationId"] = Value::from(integration_id);
        a["config"]["request"]["headers"] =
            json!({header: "${credentials.token}", "Content-Type": "application/json"});
        a
    })
}

/// The three objects, as the bodies of the Genesys API calls that create them.
pub fn template(url: &str, secret: &str) -> String {
    let base = url.trim_end_matches('/');
    let credential = credential(secret);
    let [events, route] = actions(url, HEADER, "<integration id>");
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    format!(
        "# 1. Credential (POST /api/v2/integrations/credentials), referenced by the Web Services Data Actions integration\n{}\n\n\
         # 2. Data action for events (POST /api/v2/integrations/actions, then publish); call it from a trigger's workflow\n{}\n\n\
         # 3. Data action for the routing hook; call it from an Architect flow and route to queueId when escalate is true\n{}\n\n\
         # EventBridge instead of 2: API destination {base}/webhooks/genesys, connection API_KEY with header {HEADER} = the secret above\n",
        pretty(&credential),
        pretty(&events),
        pretty(&route),
    )
}

fn action(
    name: &str,
    url: &str,
    request: &str,
    input: Value,
    output: Value,
    timeout: u32,
) -> Value {
    json!({
        "name": name,
        "category": "Escalator",
        "integrationId": "",
        "secure": false,
        "config": {
            "timeoutSeconds": timeout,
            "request": {
                "requestUrlTemplate": url,
                "requestType": "POST",
                "requestTemplate": request
            },
            "response": {"translationMap": {}, "translationMapDefaults": {}, "successTemplate": "${rawResult}"}
        },
        "contract": {
            "input": {"inputSchema": input},
            "output": {"successSchema": output}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_carries_url_and_secret_and_matches_what_normalize_reads() {
        let t = template("https://esc.example.com/", "s3cret");
        assert!(t.contains("\"token\": \"s3cret\""));
        assert!(t.contains("https://esc.example.com/webhooks/genesys"));
        assert!(t.contains("https://esc.example.com/route/genesys"));
        // The body the events action sends is a notification message normalize accepts.
        let body = br#"{"topicName": "customer.start", "eventBody": {"conversationId": "c1", "eventTime": 1, "ani": "tel:+15555550100"}}"#;
        assert_eq!(crate::genesys::normalize(body).unwrap().len(), 1);
    }
}
