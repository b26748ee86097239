//! What an NCC admin pastes: one "REST API" object per hook (Admin → REST API, or
//! `POST {location}/data/api/types/restcall/` in the shape Nextiva's own tool uses), the
//! workflow steps that run them, and the routing answer's use in "Enter Queue from
//! Expression". Every body here is what [`super::normalize`] and
//! [`super::parse_route_request`] read.

use serde_json::{json, Value};

/// Where a REST call goes on Escalator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Events,
    Route,
}

/// One REST API object of the template.
#[derive(Debug)]
pub(crate) struct RestCall {
    pub name: &'static str,
    pub endpoint: Endpoint,
    /// Where the admin puts it.
    pub placement: &'static str,
    /// The body template, valid JSON before and after NCC fills it in.
    pub body: &'static str,
}

pub(crate) const REST_CALLS: [RestCall; 7] = [
    RestCall {
        name: "Escalator - Call Started",
        endpoint: Endpoint::Events,
        placement: "Execute REST Call in the campaign workflow's Begin state (before any IVR).",
        body: r#"{
  "event": "call_started",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "to": "${workitem.to}",
  "callerName": "${workitem.contact.firstName} ${workitem.contact.lastName}",
  "contactId": "${workitem.contact._id}",
  "createdAt": "${workitem.createdAt}",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
    RestCall {
        name: "Escalator - Route",
        endpoint: Endpoint::Route,
        placement: "Execute REST Call with responseVariable \"escalationResponse\" where the \
                    workflow decides the queue (after the greeting, IVR or virtual agent); then \
                    the two steps under \"Routing answer\" below. For chat use \
                    ${workitem.currentChatMessage.textMsg} as text, for SMS \
                    ${workitem.currentSMSMessage.textMsg}.",
        body: r#"{
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "text": "${workitem.data.botWebhookRequest.queryResult.queryText}",
  "language": "${workitem.data.language}"
}"#,
    },
    RestCall {
        name: "Escalator - Queued",
        endpoint: Endpoint::Events,
        placement: "Execute REST Call just before Enter Queue (workitem.data.queueId set).",
        body: r#"{
  "event": "queued",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "to": "${workitem.to}",
  "queueId": "${workitem.data.queueId}",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
    RestCall {
        name: "Escalator - Caller Verified",
        endpoint: Endpoint::Events,
        placement: "Optional. Execute REST Call on the success branch of your caller \
                    verification (IVR PIN, account check); send \"false\" from the failure \
                    branch if you want that recorded too.",
        body: r#"{
  "event": "caller_verified",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "to": "${workitem.to}",
  "verified": "true",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
    RestCall {
        name: "Escalator - Message",
        endpoint: Endpoint::Events,
        placement: "Chat and SMS campaigns: Execute REST Call on every consumer message. For \
                    SMS use ${workitem.currentSMSMessage.textMsg} as text.",
        body: r#"{
  "event": "message",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "text": "${workitem.currentChatMessage.textMsg}",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
    RestCall {
        name: "Escalator - Disposition - {{Disposition name}}",
        endpoint: Endpoint::Events,
        placement: "One object per disposition Escalator should hear about, with \
                    {{Disposition name}} replaced by the disposition's exact name (a name like \
                    \"Legal threat\" or \"Escalated to Supervisor\" is an escalation request; set \
                    escalate to \"true\" or \"false\" to decide it yourself). Attach it with \
                    PATCH {location}/data/api/types/disposition/{dispositionId} \
                    {\"restcallId\": \"<_id of this object>\"}, or run it from a workflow \
                    function (functionId) after the transcript step below. If your dispositions \
                    can be chosen while the call is still live, change event to \"disposition\": \
                    the escalation is then sent without marking the call ended.",
        body: r#"{
  "event": "call_ended",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "to": "${workitem.to}",
  "agentUsername": "${workitem.agentUsername}",
  "disposition": "{{Disposition name}}",
  "escalate": "auto",
  "transcript": "${workitem.data.transcript}",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
    RestCall {
        name: "Escalator - Agent Connected",
        endpoint: Endpoint::Events,
        placement: "Optional, only if your workflow has a step that runs when an agent accepts \
                    the workitem (NCC documents none: UNCONFIRMED).",
        body: r#"{
  "event": "agent_connected",
  "workitemId": "${workitem.workitemId}",
  "type": "${workitem.type}",
  "from": "${workitem.from}",
  "to": "${workitem.to}",
  "agentUsername": "${workitem.agentUsername}",
  "eventTime": "${workitem.modifiedAt}"
}"#,
    },
];

/// The header every REST API object sends; `InboundAuth::SharedSecretHeader` checks it.
pub(crate) const AUTH_HEADER: &str = "X-Escalator-Token";

/// Flattens the transcript to one line: NCC pastes variables into the body unescaped, so
/// quotes and newlines must go before the REST call.
const TRANSCRIPT_EXPRESSION: &str = r#"(workitem.transcriptionMessages || []).map(function (m) { return (m.type == "CLIENT" ? "CLIENT" : "USER") + ": " + String(m.textMsg).replace(/["\\\r\n]/g, " "); }).join(" ")"#;

/// `url` is Escalator's public base URL (`https://escalator.example.com`); `secret` the
/// value of the `X-Escalator-Token` header.
pub fn template(url: &str, secret: &str) -> String {
    let base = url.trim().trim_end_matches('/');
    let mut out = intro(secret);
    for (i, call) in REST_CALLS.iter().enumerate() {
        out.push_str(&section(i + 1, call, base, secret));
    }
    out.push_str(&routing_answer());
    out.push_str(&transcript_step());
    out
}

fn intro(secret: &str) -> String {
    format!(
        "Escalator for Nextiva Contact Center (NCC)\n\
         ==========================================\n\
         \n\
         Escalator hears NCC through REST API objects run by campaign workflows (Execute REST\n\
         Call) and by dispositions. Create each object below in Admin > REST API, or send the\n\
         JSON after \"REST API object\" to POST {{location}}/data/api/types/restcall/.\n\
         \n\
         Authentication, on every object: Auth type NO_AUTH and the static header\n\
         \x20   {AUTH_HEADER}: {secret}\n\
         Escalator checks it with vendors.nextiva auth = [\"header\"] (header {AUTH_HEADER}).\n\
         To use Basic instead: Auth type BASIC_AUTH with the user and password configured in\n\
         Escalator (auth = [\"basic\"], basic_user = \"escalator\"), and remove the {AUTH_HEADER} header.\n\
         \n\
         NCC fills in every ${{...}}; a variable it cannot fill is ignored by Escalator. Replace\n\
         every {{{{...}}}} and <...> yourself. Keep the key names: Escalator reads them.\n"
    )
}

fn section(n: usize, call: &RestCall, base: &str, secret: &str) -> String {
    let object =
        serde_json::to_string_pretty(&rest_call_object(call, base, secret)).unwrap_or_default();
    format!(
        "\n------------------------------------------------------------------------\n\
         {n}. {name}\n\
         Where: {placement}\n\
         URL: POST {url}\n\
         Body:\n{body}\n\
         \n\
         REST API object:\n{object}\n",
        name = call.name,
        placement = call.placement,
        url = endpoint_url(base, call.endpoint),
        body = call.body,
    )
}

fn endpoint_url(base: &str, endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Events => format!("{base}/webhooks/nextiva"),
        Endpoint::Route => format!("{base}/route/nextiva"),
    }
}

/// The shape `POST /data/api/types/restcall/` takes in Nextiva's own tool [NAUTO]; the
/// OAuth and Microsoft auth fields it also sends empty are left out.
fn rest_call_object(call: &RestCall, base: &str, secret: &str) -> Value {
    json!({
        "name": call.name,
        "localizations": {"name": {"en": {"language": "en", "value": call.name}}},
        "method": "POST",
        "url": endpoint_url(base, call.endpoint),
        "body": call.body,
        "authType": "NO_AUTH",
        "authUsername": "",
        "authPassword": "",
        "headerParameters": [
            {"key": AUTH_HEADER, "value": secret},
            {"key": "Content-Type", "value": "application/json"}
        ]
    })
}

fn routing_answer() -> String {
    let execute = json!({
        "name": "Execute REST Call", "type": "restapi", "icon": "icon-api",
        "properties": {
            "restCallId": "<_id of Escalator - Route>",
            "responseVariable": "escalationResponse",
            "expansions": {"restCallId": {"name": "Escalator - Route"}},
            "condition": {"conditionType": "NONE", "expressions": [{"operator": "=="}]}
        }
    });
    let enter = json!({
        "name": "Enter Queue from Expression", "type": "enterqueuefromexpression",
        "properties": {
            "queueIdsExpression": "workitem.data.escalationResponse.body.queueId",
            "priorityExpression": "workitem.data.escalationResponse.body.priority",
            "ringAllEnabled": false,
            "stickyEnabled": false
        }
    });
    format!(
        "\n------------------------------------------------------------------------\n\
         Routing answer (for 2. Escalator - Route)\n\
         Escalator answers 200 with flat JSON, never null:\n\
         \x20 escalate (true/false), team, destinationKind (queue, agent, address or \"\"),\n\
         \x20 queueId, queueName, agentId, address, priority (NCC 1-5, 5 highest),\n\
         \x20 escalatorPriority, reference, tier, reason, quote, briefing (one line for the agent).\n\
         Workflow step 1, Execute REST Call:\n{execute}\n\
         Transition to step 2 when:\n\
         \x20 workitem.data.escalationResponse.httpStatus == 200 && workitem.data.escalationResponse.body.queueId != \"\"\n\
         otherwise continue with your usual routing.\n\
         Workflow step 2, Enter Queue from Expression:\n{enter}\n\
         Show workitem.data.escalationResponse.body.briefing in the agent script or survey.\n",
        execute = serde_json::to_string_pretty(&execute).unwrap_or_default(),
        enter = serde_json::to_string_pretty(&enter).unwrap_or_default(),
    )
}

fn transcript_step() -> String {
    format!(
        "\n------------------------------------------------------------------------\n\
         Transcript (for the disposition objects)\n\
         Before the disposition's REST call, save this expression as workitem.data.transcript\n\
         (a script or Save Variable step in the function the disposition runs):\n\
         {TRANSCRIPT_EXPRESSION}\n\
         Without it, transcript stays unfilled and Escalator ignores it.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Delivery, EventKind};
    use http::HeaderMap;

    /// What NCC would send for a typical inbound call; unknown variables stay as they are.
    fn fill(body: &str) -> String {
        [
            ("${workitem.workitemId}", "66f1c0a2e4b0c13f5d2a9b77"),
            ("${workitem.type}", "InboundCall"),
            ("${workitem.from}", "+16025550123"),
            ("${workitem.to}", "+16029000135"),
            ("${workitem.contact.firstName}", "Dana"),
            ("${workitem.contact.lastName}", "Reyes"),
            ("${workitem.createdAt}", "1773957600000"),
            ("${workitem.modifiedAt}", "1773957621482"),
            ("${workitem.data.queueId}", "66f1c0a2e4b0c13f5d2a0001"),
            ("${workitem.agentUsername}", "jsmith"),
            ("${workitem.currentChatMessage.textMsg}", "I want to cancel"),
            ("{{Disposition name}}", "Legal threat"),
            (
                "${workitem.data.transcript}",
                "CLIENT: I'll sue. USER: I understand.",
            ),
            (
                "${workitem.data.botWebhookRequest.queryResult.queryText}",
                "my lawyer told me to call",
            ),
        ]
        .iter()
        .fold(body.to_string(), |b, (var, value)| b.replace(var, value))
    }

    fn events(body: &str) -> Result<Vec<crate::CallEvent>, crate::NormalizeError> {
        super::super::normalize(&Delivery::json(body.as_bytes(), &HeaderMap::new()))
    }

    #[test]
    fn every_body_is_json_and_normalizes_once_filled() {
        for call in &REST_CALLS {
            serde_json::from_str::<Value>(call.body)
                .unwrap_or_else(|e| panic!("{}: {e}", call.name));
            let filled = fill(call.body);
            match call.endpoint {
                Endpoint::Events => {
                    let evs = events(&filled).unwrap_or_else(|e| panic!("{}: {e}", call.name));
                    assert!(!evs.is_empty(), "{}", call.name);
                    assert_eq!(evs[0].call_id, "66f1c0a2e4b0c13f5d2a9b77");
                    assert_eq!(evs[0].occurred_at.as_millisecond() % 1000, {
                        if call.body.contains("modifiedAt") {
                            482
                        } else {
                            0
                        }
                    });
                }
                Endpoint::Route => {
                    let h = HeaderMap::new();
                    let r =
                        super::super::parse_route_request(&Delivery::json(filled.as_bytes(), &h))
                            .unwrap();
                    assert_eq!(r.caller_number.as_deref(), Some("+16025550123"));
                    assert_eq!(r.text.as_deref(), Some("my lawyer told me to call"));
                    assert_eq!(r.language, None);
                }
            }
        }
    }

    #[test]
    fn an_unfilled_body_names_the_workitem_id() {
        for call in REST_CALLS.iter().filter(|c| c.endpoint == Endpoint::Events) {
            assert_eq!(events(call.body).unwrap_err().field, "workitemId");
        }
    }

    #[test]
    fn the_disposition_body_carries_the_escalation() {
        let call = REST_CALLS
            .iter()
            .find(|c| c.body.contains("call_ended"))
            .unwrap();
        let kinds: Vec<_> = events(&fill(call.body))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&EventKind::EscalationRequested {
            reason: Some("Legal threat".into())
        }));
        assert!(matches!(kinds.last(), Some(EventKind::CallEnded { .. })));
        assert!(kinds.iter().any(|k| matches!(k, EventKind::Utterance(_))));
    }

    #[test]
    fn url_and_secret_are_substituted_deterministically() {
        let t = template("https://esc.example.com/", "s3cr\"et");
        assert_eq!(t, template("https://esc.example.com/", "s3cr\"et"));
        assert!(t.contains("URL: POST https://esc.example.com/webhooks/nextiva"));
        assert!(t.contains("URL: POST https://esc.example.com/route/nextiva"));
        assert!(t.contains("X-Escalator-Token: s3cr\"et"));
        assert!(t.contains(r#""value": "s3cr\"et""#));
        for call in &REST_CALLS {
            assert!(t.contains(call.body), "{}", call.name);
        }
        assert!(!t.contains("{{{{"));
    }
}
