//! Registering Escalator with an NCC tenant (vendor doc §1a, §7): the REST API objects our
//! template describes, created through the generic data API, and the disposition hooks.
//! Wiring the objects into campaign workflows (Execute REST Call, Enter Queue from
//! Expression) stays with the admin: it edits their own workflows.

use std::fmt;

use reqwest::Method;
use serde_json::{json, Value};

use super::{parse_json, path_id, query_escape, NextivaClient};
use crate::nextiva::template::{Endpoint, AUTH_HEADER, REST_CALLS};
use crate::outbound::CallError;
use crate::Secret;

/// The placeholder our disposition template carries in its name and body.
const DISPOSITION_PLACEHOLDER: &str = "{{Disposition name}}";

/// What to register.
#[derive(Debug, Clone)]
pub struct RegistrationSpec {
    /// Escalator's public base URL (`https://escalator.example.com`).
    pub escalator_url: String,
    /// The `X-Escalator-Token` value every REST API object sends.
    pub secret: Secret,
    /// One end-of-call hook per disposition Escalator should hear about.
    pub dispositions: Vec<DispositionHook>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionHook {
    /// The disposition's exact name: it becomes the `disposition` value Escalator reads.
    pub name: String,
    /// The disposition's `_id`: when given, the hook is attached to it.
    pub disposition_id: Option<String>,
}

/// One request of the registration, not sent. `Debug` and [`PlannedRequest::redacted_body`]
/// mask the shared secret.
#[derive(Clone, PartialEq)]
pub struct PlannedRequest {
    pub method: Method,
    /// Relative to the tenant `location`.
    pub path: String,
    pub body: Value,
    pub purpose: String,
}

impl PlannedRequest {
    /// The body with the shared secret and any password replaced by `***`.
    pub fn redacted_body(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(headers) = body
            .get_mut("headerParameters")
            .and_then(Value::as_array_mut)
        {
            for h in headers {
                if h.get("key").and_then(Value::as_str) == Some(AUTH_HEADER) {
                    h["value"] = Value::from("***");
                }
            }
        }
        if body
            .get("authPassword")
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty())
        {
            body["authPassword"] = Value::from("***");
        }
        body
    }
}

impl fmt::Debug for PlannedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.redacted_body())
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// A REST API object on the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestCallRef {
    pub id: String,
    pub name: String,
}

/// What [`NextivaClient::register`] did with one REST API object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub rest_call: RestCallRef,
    /// `false`: it existed and was updated.
    pub created: bool,
    /// The disposition it was attached to.
    pub disposition_id: Option<String>,
}

/// One REST API object and, for a disposition hook, where to attach it.
struct Planned {
    name: String,
    body: Value,
    disposition_id: Option<String>,
}

fn plan_objects(spec: &RegistrationSpec) -> Result<Vec<Planned>, CallError> {
    let base = escalator_base(&spec.escalator_url)?;
    if spec.secret.expose().is_empty() {
        return Err(CallError::Unactionable("the shared secret is empty".into()));
    }
    let mut out = Vec::new();
    for call in &REST_CALLS {
        if call.name.contains(DISPOSITION_PLACEHOLDER) {
            for hook in &spec.dispositions {
                let name = hook.name.trim();
                if name.is_empty() {
                    return Err(CallError::Unactionable(
                        "a disposition name is empty".into(),
                    ));
                }
                if let Some(id) = &hook.disposition_id {
                    path_id(id)?;
                }
                // The body is JSON text: the name goes in as a JSON string's contents.
                let quoted = serde_json::to_string(name).unwrap_or_default();
                // Exactly the outer quotes: an escaped quote at the end must stay.
                let escaped = quoted
                    .strip_prefix('"')
                    .and_then(|q| q.strip_suffix('"'))
                    .unwrap_or_default();
                let full_name = call.name.replace(DISPOSITION_PLACEHOLDER, name);
                let body = call.body.replace(DISPOSITION_PLACEHOLDER, escaped);
                out.push(Planned {
                    body: rest_call_object(
                        &full_name,
                        endpoint_url(&base, call.endpoint),
                        &body,
                        &spec.secret,
                    ),
                    name: full_name,
                    disposition_id: hook.disposition_id.clone(),
                });
            }
        } else {
            out.push(Planned {
                name: call.name.to_string(),
                body: rest_call_object(
                    call.name,
                    endpoint_url(&base, call.endpoint),
                    call.body,
                    &spec.secret,
                ),
                disposition_id: None,
            });
        }
    }
    Ok(out)
}

/// The registration's writes, in order, without sending them (`--dry-run`). A disposition
/// attachment names its REST API object's id as `<_id of "…">`: it is only known once the
/// object exists. [`NextivaClient::register`] also searches each object by name first.
pub fn registration_plan(spec: &RegistrationSpec) -> Result<Vec<PlannedRequest>, CallError> {
    let mut out = Vec::new();
    for p in plan_objects(spec)? {
        out.push(PlannedRequest {
            method: Method::POST,
            path: "/data/api/types/restcall/".into(),
            body: p.body,
            purpose: format!(
                "create REST API object {:?} (or update it if it exists)",
                p.name
            ),
        });
        if let Some(id) = p.disposition_id {
            out.push(PlannedRequest {
                method: Method::PATCH,
                path: format!("/data/api/types/disposition/{id}"),
                body: json!({ "restcallId": format!("<_id of {:?}>", p.name) }),
                purpose: format!("run {:?} when disposition {id} is chosen", p.name),
            });
        }
    }
    Ok(out)
}

impl NextivaClient {
    /// The REST API object named exactly `name`, if any (NCC's `q` is a text search).
    pub async fn find_rest_call(&self, name: &str) -> Result<Option<RestCallRef>, CallError> {
        let body = self
            .send(
                Method::GET,
                &format!("/data/api/types/restcall?q={}", query_escape(name)),
                None,
            )
            .await?;
        let found = parse_json(&body, "restcall search")?;
        Ok(found
            .get("objects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|o| rest_call_ref(o, name)))
    }

    /// Creates a REST API object (201 with the object). A 409 (a duplicate name, if NCC
    /// refuses those) is `Permanent`; [`NextivaClient::register`] handles it.
    pub async fn create_rest_call(&self, object: &Value) -> Result<RestCallRef, CallError> {
        let name = object.get("name").and_then(Value::as_str).unwrap_or("");
        let body = self
            .send(Method::POST, "/data/api/types/restcall/", Some(object))
            .await?;
        let created = parse_json(&body, "restcall")?;
        rest_call_ref(&created, name).ok_or_else(|| {
            CallError::Transport("the created REST API object's answer has no _id".into())
        })
    }

    /// Replaces a REST API object's fields (URL, body, secret) with `object`'s.
    pub async fn update_rest_call(&self, id: &str, object: &Value) -> Result<(), CallError> {
        let id = path_id(id)?;
        self.send(
            Method::PATCH,
            &format!("/data/api/types/restcall/{id}"),
            Some(object),
        )
        .await
        .map(drop)
    }

    /// Makes a disposition run a REST API object when an agent picks it.
    pub async fn attach_rest_call_to_disposition(
        &self,
        disposition_id: &str,
        rest_call_id: &str,
    ) -> Result<(), CallError> {
        let (did, rid) = (path_id(disposition_id)?, path_id(rest_call_id)?);
        self.send(
            Method::PATCH,
            &format!("/data/api/types/disposition/{did}"),
            Some(&json!({ "restcallId": rid })),
        )
        .await
        .map(drop)
    }

    /// Registers everything [`registration_plan`] lists; safe to run again (objects are
    /// found by name and updated, attachments set the same value). Stops at the first
    /// failure; what was done before it stays done.
    pub async fn register(&self, spec: &RegistrationSpec) -> Result<Vec<Registered>, CallError> {
        let mut done = Vec::new();
        for p in plan_objects(spec)? {
            let (rest_call, created) = match self.find_rest_call(&p.name).await? {
                Some(existing) => {
                    self.update_rest_call(&existing.id, &p.body).await?;
                    (existing, false)
                }
                None => match self.create_rest_call(&p.body).await {
                    Ok(created) => (created, true),
                    // Created meanwhile (or NCC's search missed it): find and update it.
                    Err(CallError::Permanent { status: 409, .. }) => {
                        let existing = self.find_rest_call(&p.name).await?.ok_or_else(|| {
                            CallError::Permanent {
                                status: 409,
                                message: format!("{:?} exists but cannot be found", p.name),
                            }
                        })?;
                        self.update_rest_call(&existing.id, &p.body).await?;
                        (existing, false)
                    }
                    Err(e) => return Err(e),
                },
            };
            if let Some(did) = &p.disposition_id {
                self.attach_rest_call_to_disposition(did, &rest_call.id)
                    .await?;
            }
            done.push(Registered {
                rest_call,
                created,
                disposition_id: p.disposition_id,
            });
        }
        Ok(done)
    }
}

pub(super) fn rest_call_ref(object: &Value, name: &str) -> Option<RestCallRef> {
    let id = object
        .get("_id")
        .or_else(|| object.get("id"))
        .and_then(Value::as_str)
        .filter(|s| path_id(s).is_ok())?;
    Some(RestCallRef {
        id: id.to_string(),
        name: object
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_string(),
    })
}

fn escalator_base(url: &str) -> Result<String, CallError> {
    let base = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(base)
        .map_err(|_| CallError::Unactionable("the Escalator URL is not a URL".into()))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(CallError::Unactionable(
            "the Escalator URL must be http(s)://host".into(),
        ));
    }
    Ok(base.to_string())
}

fn endpoint_url(base: &str, endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Events => format!("{base}/webhooks/nextiva"),
        Endpoint::Route => format!("{base}/route/nextiva"),
    }
}

/// The object in the shape Nextiva's own tool posts [NAUTO `ncc_rest_call.py`], exactly as
/// [`crate::nextiva::template`] prints it for the admin.
fn rest_call_object(name: &str, url: String, body: &str, secret: &Secret) -> Value {
    json!({
        "name": name,
        "localizations": {"name": {"en": {"language": "en", "value": name}}},
        "method": "POST",
        "url": url,
        "body": body,
        "authType": "NO_AUTH",
        "authUsername": "",
        "authPassword": "",
        "headerParameters": [
            {"key": AUTH_HEADER, "value": secret.expose()},
            {"key": "Content-Type", "value": "application/json"}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RegistrationSpec {
        RegistrationSpec {
            escalator_url: "https://esc.example.com/".into(),
            secret: Secret::new("s3cret-value"),
            dispositions: vec![
                DispositionHook {
                    name: "Legal \"threat\"".into(),
                    disposition_id: Some("d1".into()),
                },
                DispositionHook {
                    name: "Escalated to Supervisor".into(),
                    disposition_id: None,
                },
            ],
        }
    }

    #[test]
    fn the_plan_creates_every_object_the_template_prints() {
        let plan = registration_plan(&spec()).unwrap();
        let printed = crate::nextiva::template("https://esc.example.com/", "s3cret-value");
        let creates: Vec<_> = plan.iter().filter(|p| p.method == Method::POST).collect();
        // Six fixed objects plus one per disposition.
        assert_eq!(creates.len(), REST_CALLS.len() - 1 + 2);
        for p in &creates {
            assert_eq!(p.path, "/data/api/types/restcall/");
            let name = p.body["name"].as_str().unwrap();
            if !name.contains("Disposition") {
                let pretty = serde_json::to_string_pretty(&p.body).unwrap();
                assert!(
                    printed.contains(&pretty),
                    "{name} differs from the template"
                );
            }
        }
        let legal = creates
            .iter()
            .find(|p| p.body["name"] == "Escalator - Disposition - Legal \"threat\"")
            .unwrap();
        let template_body: Value =
            serde_json::from_str(legal.body["body"].as_str().unwrap()).unwrap();
        assert_eq!(template_body["disposition"], "Legal \"threat\"");
        let attach: Vec<_> = plan.iter().filter(|p| p.method == Method::PATCH).collect();
        assert_eq!(attach.len(), 1);
        assert_eq!(attach[0].path, "/data/api/types/disposition/d1");
    }

    #[test]
    fn the_secret_is_masked_in_debug_and_redacted_bodies() {
        for p in registration_plan(&spec()).unwrap() {
            assert!(!format!("{p:?}").contains("s3cret-value"));
            assert!(!p.redacted_body().to_string().contains("s3cret-value"));
        }
    }

    #[test]
    fn a_bad_spec_is_unactionable() {
        let mut s = spec();
        s.escalator_url = "esc.example.com".into();
        assert!(matches!(
            registration_plan(&s),
            Err(CallError::Unactionable(_))
        ));
        let mut s = spec();
        s.dispositions[0].disposition_id = Some("../x".into());
        assert!(registration_plan(&s).is_err());
        let mut s = spec();
        s.secret = Secret::new("");
        assert!(registration_plan(&s).is_err());
    }
}
