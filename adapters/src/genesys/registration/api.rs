//! The Genesys calls registration makes, one request each (plus the token). Triggers are the
//! vendor doc's §7a (`/api/v2/processautomation/triggers`, cursor-paged `TriggerEntityListing`);
//! integrations, credentials and actions are §7a's create calls plus their list and delete
//! siblings from the SDK's `IntegrationsApi` (page-numbered `…EntityListing`s).

use reqwest::Method;
use serde_json::Value;

use super::super::client::{path_id, GenesysClient};
use super::{integration_body, integration_config, is_own, Kind};
use crate::outbound::CallError;

/// A listing has at most this many pages read; more is refused rather than half-read.
const MAX_PAGES: usize = 50;

/// A Process Automation trigger as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerInfo {
    pub id: String,
    pub name: String,
    pub topic_name: String,
    /// Required by `PUT …/triggers/{id}`.
    pub version: Option<i64>,
    pub workflow_id: Option<String>,
    pub enabled: bool,
}

/// One of Escalator's objects found on the org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnObject {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// Topic and workflow of a trigger, state of an integration, category of an action.
    pub detail: String,
}

impl GenesysClient {
    /// Every trigger on the org.
    pub async fn list_triggers(&self) -> Result<Vec<TriggerInfo>, CallError> {
        let all = self
            .entities("/api/v2/processautomation/triggers", 200)
            .await?;
        Ok(all
            .iter()
            .filter_map(|t| {
                Some(TriggerInfo {
                    id: text(t, "id")?,
                    name: text(t, "name").unwrap_or_default(),
                    topic_name: text(t, "topicName").unwrap_or_default(),
                    version: t["version"].as_i64(),
                    workflow_id: t["target"]["id"].as_str().map(str::to_string),
                    enabled: t["enabled"].as_bool().unwrap_or(false),
                })
            })
            .collect())
    }

    /// `POST /api/v2/processautomation/triggers`; the new trigger's id.
    pub async fn create_trigger(&self, body: &Value) -> Result<String, CallError> {
        self.create("/api/v2/processautomation/triggers", body, "trigger")
            .await
    }

    /// `PUT …/triggers/{id}`: `body` must carry the current `version` and the same
    /// `topicName` (Genesys refuses to change a trigger's topic).
    pub async fn update_trigger(&self, id: &str, body: &Value) -> Result<(), CallError> {
        let id = path_id(id)?;
        self.send(
            Method::PUT,
            &format!("/api/v2/processautomation/triggers/{id}"),
            Some(body),
        )
        .await
        .map(drop)
    }

    pub async fn delete_trigger(&self, id: &str) -> Result<bool, CallError> {
        self.delete("/api/v2/processautomation/triggers", id).await
    }

    pub async fn create_credential(&self, body: &Value) -> Result<String, CallError> {
        self.create("/api/v2/integrations/credentials", body, "credential")
            .await
    }

    pub async fn delete_credential(&self, id: &str) -> Result<bool, CallError> {
        self.delete("/api/v2/integrations/credentials", id).await
    }

    /// Creates the `custom-rest-actions` integration named [`super::INTEGRATION_NAME`].
    pub async fn create_integration(&self) -> Result<String, CallError> {
        self.create("/api/v2/integrations", &integration_body(), "integration")
            .await
    }

    /// Attaches the credential (`PUT …/config/current`).
    pub async fn configure_integration(
        &self,
        id: &str,
        credential_id: &str,
    ) -> Result<(), CallError> {
        let id = path_id(id)?;
        self.send(
            Method::PUT,
            &format!("/api/v2/integrations/{id}/config/current"),
            Some(&integration_config(credential_id)),
        )
        .await
        .map(drop)
    }

    pub async fn enable_integration(&self, id: &str) -> Result<(), CallError> {
        let id = path_id(id)?;
        self.send(
            Method::PATCH,
            &format!("/api/v2/integrations/{id}"),
            Some(&serde_json::json!({"intendedState": "ENABLED"})),
        )
        .await
        .map(drop)
    }

    pub async fn delete_integration(&self, id: &str) -> Result<bool, CallError> {
        self.delete("/api/v2/integrations", id).await
    }

    /// `POST /api/v2/integrations/actions`: a published action (drafts are the separate
    /// `…/actions/drafts` path, which needs `…/draft/publish`).
    pub async fn create_action(&self, body: &Value) -> Result<String, CallError> {
        self.create("/api/v2/integrations/actions", body, "data action")
            .await
    }

    pub async fn delete_action(&self, id: &str) -> Result<bool, CallError> {
        self.delete("/api/v2/integrations/actions", id).await
    }

    /// Escalator's objects on the org, by [`is_own`] name, in creation order.
    pub async fn own_objects(&self) -> Result<Vec<OwnObject>, CallError> {
        let mut out = Vec::new();
        for (kind, path, size) in [
            (Kind::Credential, "/api/v2/integrations/credentials", 100),
            (Kind::Integration, "/api/v2/integrations", 100),
            (Kind::Action, "/api/v2/integrations/actions", 100),
            (Kind::Trigger, "/api/v2/processautomation/triggers", 200),
        ] {
            for e in self.entities(path, size).await? {
                let (Some(id), Some(name)) = (text(&e, "id"), text(&e, "name")) else {
                    continue;
                };
                if !is_own(&name) {
                    continue;
                }
                out.push(OwnObject {
                    kind,
                    id,
                    name,
                    detail: detail(kind, &e),
                });
            }
        }
        Ok(out)
    }

    /// Entities named `name` of one kind (`Credential`, `Integration` or `Action`).
    pub(super) async fn named(&self, kind: Kind, name: &str) -> Result<Vec<String>, CallError> {
        let path = match kind {
            Kind::Credential => "/api/v2/integrations/credentials",
            Kind::Integration => "/api/v2/integrations",
            Kind::Action => "/api/v2/integrations/actions",
            Kind::Trigger => "/api/v2/processautomation/triggers",
        };
        Ok(self
            .entities(path, 100)
            .await?
            .iter()
            .filter(|e| e["name"].as_str() == Some(name))
            .filter_map(|e| text(e, "id"))
            .collect())
    }

    async fn create(&self, path: &str, body: &Value, what: &str) -> Result<String, CallError> {
        let answer = self.send(Method::POST, path, Some(body)).await?;
        serde_json::from_slice::<Value>(&answer)
            .ok()
            .and_then(|v| text(&v, "id"))
            .ok_or_else(|| CallError::Transport(format!("the created {what}'s answer has no id")))
    }

    /// `true` when deleted now, `false` when Genesys had no such object (404).
    async fn delete(&self, collection: &str, id: &str) -> Result<bool, CallError> {
        let id = path_id(id)?;
        match self
            .send(Method::DELETE, &format!("{collection}/{id}"), None)
            .await
        {
            Ok(_) => Ok(true),
            Err(CallError::Permanent { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every entity of a listing: cursor listings are followed through `nextUri`, numbered
    /// ones through `pageNumber` up to `pageCount`.
    async fn entities(&self, base: &str, page_size: u32) -> Result<Vec<Value>, CallError> {
        let mut out = Vec::new();
        let mut next = Some(format!("{base}?pageSize={page_size}"));
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(CallError::Unactionable(format!(
                    "{base} has more than {MAX_PAGES} pages; not all of it was read"
                )));
            }
            let body = self.send(Method::GET, &path, None).await?;
            let page: Value = serde_json::from_slice(&body)
                .map_err(|_| CallError::Transport(format!("{base}: answer is not JSON")))?;
            out.extend(page["entities"].as_array().into_iter().flatten().cloned());
            next = next_page(self.api_base(), base, page_size, &page);
        }
        Ok(out)
    }
}

/// The next page's path, only ever under `base` so an answer cannot send us elsewhere.
fn next_page(api_base: &str, base: &str, page_size: u32, page: &Value) -> Option<String> {
    if let Some(uri) = page["nextUri"].as_str().filter(|u| !u.is_empty()) {
        let path = uri.strip_prefix(api_base).unwrap_or(uri);
        let under = path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('?'));
        return (under && !path.contains("..")).then(|| path.to_string());
    }
    let (number, count) = (page["pageNumber"].as_u64()?, page["pageCount"].as_u64()?);
    (number < count).then(|| format!("{base}?pageSize={page_size}&pageNumber={}", number + 1))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v[key]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn detail(kind: Kind, e: &Value) -> String {
    match kind {
        Kind::Trigger => format!(
            "{} -> workflow {}{}",
            e["topicName"].as_str().unwrap_or("?"),
            e["target"]["id"].as_str().unwrap_or("?"),
            if e["enabled"].as_bool() == Some(false) {
                " (disabled)"
            } else {
                ""
            }
        ),
        Kind::Integration => format!(
            "{} ({})",
            e["integrationType"]["id"].as_str().unwrap_or("?"),
            e["intendedState"].as_str().unwrap_or("state unknown")
        ),
        Kind::Action => format!("category {}", e["category"].as_str().unwrap_or("?")),
        Kind::Credential => e["type"]["name"].as_str().unwrap_or("?").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn next_pages_stay_under_the_listing() {
        let base = "/api/v2/processautomation/triggers";
        let cursor =
            json!({"nextUri": "/api/v2/processautomation/triggers?after=abc&pageSize=200"});
        assert_eq!(
            next_page("https://api.x", base, 200, &cursor).as_deref(),
            Some("/api/v2/processautomation/triggers?after=abc&pageSize=200")
        );
        let absolute =
            json!({"nextUri": "https://api.x/api/v2/processautomation/triggers?after=b"});
        assert!(next_page("https://api.x", base, 200, &absolute).is_some());
        let elsewhere =
            json!({"nextUri": "https://evil.example/api/v2/processautomation/triggers?after=b"});
        assert_eq!(next_page("https://api.x", base, 200, &elsewhere), None);
        let numbered = json!({"pageNumber": 1, "pageCount": 2});
        assert_eq!(
            next_page("https://api.x", "/api/v2/integrations", 100, &numbered).as_deref(),
            Some("/api/v2/integrations?pageSize=100&pageNumber=2")
        );
        let last = json!({"pageNumber": 2, "pageCount": 2, "nextUri": null});
        assert_eq!(
            next_page("https://api.x", "/api/v2/integrations", 100, &last),
            None
        );
    }
}
