//! Registering Escalator with a Genesys Cloud org (vendor doc §7a): the Web Services Data
//! Actions integration with its credential and the two data actions of [`super::template`],
//! then one Process Automation trigger per topic.
//!
//! A trigger's target can only be an Architect **Workflow** (`TriggerTarget.type` is
//! `"Workflow"` only), and workflows have no REST call in the vendor doc (UI, Archy or
//! Terraform). So registration runs in two steps: without a workflow id it creates the data
//! actions the workflow calls and skips the triggers; once the admin has built the workflow,
//! a second run with its id adds the triggers. Both runs are safe to repeat: objects are found
//! by name and left as they are (integration, credential, actions) or updated (triggers).
//!
//! Not registered here, with the reason:
//! - `v2.conversations.{id}.transcription`: whether triggers accept it is UNCONFIRMED and
//!   per-utterance volume suits EventBridge better.
//! - EventBridge (§7b): it needs the customer's AWS account, rule and API destination, and
//!   its raw-REST call order is UNCONFIRMED.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Value};

use super::client::path_id;
use super::template;
use crate::outbound::CallError;
use crate::Secret;

mod api;
mod run;

pub use api::{OwnObject, TriggerInfo};

/// Names of the objects Escalator creates start with this (the data actions keep the
/// template's `Escalator - …` names, which admins already reference in Architect).
pub const OWN_PREFIX: &str = "escalator-";
pub const INTEGRATION_NAME: &str = "escalator-data-actions";
pub(crate) const INTEGRATION_TYPE: &str = "custom-rest-actions";

/// Short topic, and whether its event body has `mediaType` (matched to `VOICE`).
pub const TRIGGER_TOPICS: [(&str, bool); 6] = [
    ("customer.start", true),
    ("acd.start", true),
    ("user.start", true),
    ("customer.end", true),
    ("acw", false),
    ("attributes", false),
];

pub fn full_topic(short: &str) -> String {
    format!("v2.detail.events.conversation.{{id}}.{short}")
}

pub fn trigger_name(short: &str) -> String {
    format!("{OWN_PREFIX}{}", short.replace('.', "-"))
}

/// Whether an object on the org is one of Escalator's.
pub fn is_own(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n.starts_with(OWN_PREFIX) || n.starts_with("escalator - ")
}

/// What to register.
#[derive(Debug, Clone)]
pub struct RegistrationSpec {
    /// Escalator's public base URL.
    pub escalator_url: String,
    /// The shared secret the data actions send (held by the credential).
    pub secret: Secret,
    /// The header it goes in (`vendors.genesys.auth_header`).
    pub header: String,
    /// The workflow every trigger starts, unless `workflows` names one for its topic.
    pub workflow: Option<String>,
    /// Short topic (`customer.start`) → workflow id.
    pub workflows: BTreeMap<String, String>,
}

impl RegistrationSpec {
    pub fn workflow_for(&self, short_topic: &str) -> Option<&str> {
        self.workflows
            .get(short_topic)
            .or(self.workflow.as_ref())
            .map(String::as_str)
    }

    /// Refuses what Genesys would refuse later, or what would land in a URL path.
    pub fn check(&self) -> Result<(), CallError> {
        let bad = |m: &str| Err(CallError::Unactionable(m.to_string()));
        let url = reqwest::Url::parse(self.escalator_url.trim());
        if !url.is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some()) {
            return bad("the Escalator URL must be http(s)://host");
        }
        if self.secret.expose().is_empty() {
            return bad("the shared secret is empty");
        }
        if http::HeaderName::from_bytes(self.header.as_bytes()).is_err() {
            return bad("the secret's header name is not a valid header name");
        }
        for short in self.workflows.keys() {
            if !TRIGGER_TOPICS.iter().any(|(t, _)| t == short) {
                return Err(CallError::Unactionable(format!(
                    "no trigger for topic {short:?}; use one of {}",
                    TRIGGER_TOPICS.map(|(t, _)| t).join(", ")
                )));
            }
        }
        for id in self.workflows.values().chain(self.workflow.as_ref()) {
            path_id(id)?;
        }
        Ok(())
    }
}

/// The kinds of object registration manages, in the order they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Credential,
    Integration,
    Action,
    Trigger,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Credential => "credential",
            Kind::Integration => "integration",
            Kind::Action => "data action",
            Kind::Trigger => "trigger",
        })
    }
}

/// What registration or removal did to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    /// It existed and was left as it is.
    Exists,
    /// Not done; the reason says what to do.
    Skipped(String),
    /// It exists in a form registration may not change; the reason says how to fix it.
    Conflict(String),
    Deleted,
    AlreadyGone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub kind: Kind,
    pub name: String,
    pub id: Option<String>,
    pub change: Change,
}

/// The `method` of a plan entry that registration would not send (a trigger without a
/// workflow).
pub const SKIPPED: &str = "SKIP";

/// One request of the registration, not sent (`--dry-run`). The credential's body holds
/// the secret: `Display` and `Debug` show it as `<redacted>`.
#[derive(Clone, PartialEq)]
pub struct PlannedRequest {
    pub method: &'static str,
    pub url: String,
    pub body: Option<Value>,
    pub purpose: String,
}

impl PlannedRequest {
    /// The body with the credential's secret replaced by `<redacted>`.
    pub fn redacted_body(&self) -> Option<Value> {
        let mut body = self.body.clone()?;
        if body["credentialFields"]["token"].is_string() {
            body["credentialFields"]["token"] = Value::from("<redacted>");
        }
        Some(body)
    }
}

impl fmt::Debug for PlannedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body", &self.redacted_body())
            .field("purpose", &self.purpose)
            .finish()
    }
}

impl fmt::Display for PlannedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.method == SKIPPED {
            return writeln!(f, "# not sent: {}", self.purpose);
        }
        writeln!(f, "# {}", self.purpose)?;
        writeln!(f, "{} {}", self.method, self.url)?;
        writeln!(f, "Authorization: Bearer <token>")?;
        if let Some(body) = self.redacted_body() {
            let text = serde_json::to_string_pretty(&body).map_err(|_| fmt::Error)?;
            writeln!(f, "Content-Type: application/json\n\n{text}")?;
        }
        Ok(())
    }
}

/// Every request a registration of `spec` sends to an org that has none of it yet; an
/// existing object is found by the `GET`s and left alone or updated instead.
pub fn registration_plan(api_base: &str, spec: &RegistrationSpec) -> Vec<PlannedRequest> {
    let base = api_base.trim_end_matches('/');
    let req = |method, path: &str, body: Option<Value>, purpose: String| PlannedRequest {
        method,
        url: format!("{base}{path}"),
        body,
        purpose,
    };
    let mut out = vec![
        req(
            "GET",
            "/api/v2/integrations?pageSize=100",
            None,
            format!("look for the integration {INTEGRATION_NAME:?}; if it exists, the next four requests are skipped"),
        ),
        req(
            "POST",
            "/api/v2/integrations/credentials",
            Some(template::credential(spec.secret.expose())),
            "the credential holding the shared secret".into(),
        ),
        req(
            "POST",
            "/api/v2/integrations",
            Some(integration_body()),
            "the Web Services Data Actions integration".into(),
        ),
        req(
            "PUT",
            "/api/v2/integrations/<integration id>/config/current",
            Some(integration_config("<credential id>")),
            "attach the credential (key basicAuth: UNCONFIRMED for userDefined)".into(),
        ),
        req(
            "PATCH",
            "/api/v2/integrations/<integration id>",
            Some(json!({"intendedState": "ENABLED"})),
            "enable the integration".into(),
        ),
        req(
            "GET",
            "/api/v2/integrations/actions?pageSize=100",
            None,
            "look for the data actions; existing ones are left as they are".into(),
        ),
    ];
    for action in template::actions(&spec.escalator_url, &spec.header, "<integration id>") {
        let name = action["name"].as_str().unwrap_or_default().to_string();
        out.push(req(
            "POST",
            "/api/v2/integrations/actions",
            Some(action),
            format!("data action {name:?}"),
        ));
    }
    out.push(req(
        "GET",
        "/api/v2/processautomation/triggers?pageSize=200",
        None,
        "look for the triggers by name; an existing one is updated with PUT …/triggers/{id}".into(),
    ));
    for (short, voice) in TRIGGER_TOPICS {
        match spec.workflow_for(short) {
            Some(wf) => out.push(req(
                "POST",
                "/api/v2/processautomation/triggers",
                Some(trigger_body(short, voice, wf, &spec.escalator_url)),
                format!("trigger {:?}", trigger_name(short)),
            )),
            None => out.push(PlannedRequest {
                method: SKIPPED,
                url: format!("{base}/api/v2/processautomation/triggers"),
                body: None,
                purpose: format!(
                    "trigger {:?}: no workflow id given (--workflow)",
                    trigger_name(short)
                ),
            }),
        }
    }
    out
}

pub(crate) fn integration_body() -> Value {
    json!({"integrationType": {"id": INTEGRATION_TYPE}, "name": INTEGRATION_NAME})
}

/// UNCONFIRMED (vendor doc §7a): the key a userDefined credential goes under. The doc's
/// example and Terraform use `basicAuth`; if Genesys refuses it, the run stops and says to
/// attach the credential in the UI.
pub(crate) fn integration_config(credential_id: &str) -> Value {
    json!({
        "name": INTEGRATION_NAME,
        "version": 1,
        "properties": {},
        "advanced": {},
        "notes": "Created by escalator webhooks register",
        "credentials": {"basicAuth": {"id": credential_id}}
    })
}

/// `CreateTriggerRequest` (§7a). Data format `Json` works for every topic, `attributes`
/// included (its map is not a top-level primitive); the workflow forwards `Flow.jsonData`
/// through the "forward event" data action.
pub fn trigger_body(short: &str, voice_only: bool, workflow_id: &str, url: &str) -> Value {
    let mut body = json!({
        "name": trigger_name(short),
        "topicName": full_topic(short),
        "enabled": true,
        "target": {
            "type": "Workflow",
            "id": workflow_id,
            "workflowTargetSettings": {"dataFormat": "Json"}
        },
        "eventTTLSeconds": 60,
        "description": format!(
            "Escalator: forward {short} events to {}/webhooks/genesys",
            url.trim().trim_end_matches('/')
        )
    });
    if voice_only {
        body["matchCriteria"] =
            json!([{"jsonPath": "mediaType", "operator": "Equal", "value": "VOICE"}]);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RegistrationSpec {
        RegistrationSpec {
            escalator_url: "https://esc.example.com/".into(),
            secret: Secret::new("s3cret-value"),
            header: "X-Escalator-Token".into(),
            workflow: Some("wf-all".into()),
            workflows: BTreeMap::from([("attributes".into(), "wf-attr".into())]),
        }
    }

    #[test]
    fn the_plan_masks_the_secret_and_names_each_topics_workflow() {
        let plan = registration_plan("https://api.example.com/", &spec());
        let text: String = plan.iter().map(|p| format!("{p}{p:?}")).collect();
        assert!(!text.contains("s3cret-value"), "{text}");
        assert!(text.contains("<redacted>"));
        let attributes = plan
            .iter()
            .find(|p| p.purpose.contains("escalator-attributes"))
            .unwrap();
        assert_eq!(attributes.body.as_ref().unwrap()["target"]["id"], "wf-attr");
        let start = plan
            .iter()
            .find(|p| p.purpose.contains("escalator-customer-start"))
            .unwrap();
        assert_eq!(
            start.url,
            "https://api.example.com/api/v2/processautomation/triggers"
        );
        assert_eq!(start.body.as_ref().unwrap()["target"]["id"], "wf-all");
    }

    #[test]
    fn without_a_workflow_the_triggers_are_skipped_and_bad_specs_refused() {
        let mut s = spec();
        s.workflow = None;
        s.workflows.clear();
        let plan = registration_plan("https://api.example.com", &s);
        assert_eq!(plan.iter().filter(|p| p.method == SKIPPED).count(), 6);
        s.workflows.insert("transcription".into(), "wf".into());
        assert!(s.check().is_err());
        let mut s = spec();
        s.workflow = Some("../x".into());
        assert!(s.check().is_err());
        assert!(spec().check().is_ok());
        assert!(is_own("Escalator - forward event") && is_own("escalator-acw"));
        assert!(!is_own("Salesforce lookup"));
    }
}
