//! The Agent REST session (§5): `POST /auth/login` with `AttachExisting`, the
//! data-center host from the login metadata, and the `Bearer-<token>` / `farmId` /
//! cookie headers every call carries. One session per agent user, cached.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::agent::{rest_error_message, AGENT_REST_PREFIX};
use super::{path_id, Five9Client, Five9Credentials};
use crate::outbound::CallError;
use crate::Secret;

/// An open session of one agent.
#[derive(Debug)]
pub(super) struct AgentSession {
    pub(super) token: Secret,
    pub(super) cookies: Option<Secret>,
    pub(super) farm_id: String,
    /// `userId` from the login: the `{agentId}` of every path.
    pub(super) agent_id: String,
    pub(super) api_base: String,
    pub(super) logged_in_at: Instant,
}

/// One slot per agent user, so one agent's login never waits on another's.
pub(super) type SessionSlots =
    std::sync::Mutex<HashMap<String, Arc<Mutex<Option<Arc<AgentSession>>>>>>;

impl Five9Client {
    fn credentials(&self, agent: &str) -> Result<&Five9Credentials, CallError> {
        let agent = agent.trim();
        self.config
            .agents
            .iter()
            .find(|c| c.username == agent)
            .or_else(|| {
                self.config
                    .agents
                    .iter()
                    .find(|c| c.username.eq_ignore_ascii_case(agent))
            })
            .ok_or_else(|| {
                // The user name is not repeated: it is personal data and not needed to act.
                CallError::Unactionable(
                    "no Agent REST credentials configured for this agent".into(),
                )
            })
    }

    fn slot(&self, username: &str) -> Arc<Mutex<Option<Arc<AgentSession>>>> {
        let mut slots = self
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots
            .entry(username.to_ascii_lowercase())
            .or_default()
            .clone()
    }

    /// The agent's cached session, or a new login when there is none or it is older than
    /// `session_max_age` (Five9 states no lifetime, so sessions are renewed on a timer).
    pub(super) async fn session(&self, agent: &str) -> Result<Arc<AgentSession>, CallError> {
        let credentials = self.credentials(agent)?;
        let slot = self.slot(&credentials.username);
        let mut guard = slot.lock().await;
        if let Some(s) = guard.as_ref() {
            if s.logged_in_at.elapsed() < self.config.session_max_age {
                return Ok(s.clone());
            }
        }
        let session = Arc::new(self.login(credentials).await?);
        *guard = Some(session.clone());
        Ok(session)
    }

    /// Drops the session if it is still the cached one (a newer login is kept).
    pub(super) async fn forget(&self, agent: &str, session: &Arc<AgentSession>) {
        let Ok(credentials) = self.credentials(agent) else {
            return;
        };
        let slot = self.slot(&credentials.username);
        let mut guard = slot.lock().await;
        if guard.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
            *guard = None;
        }
    }

    /// `POST {login}/appsvcs/rs/svc/auth/login` with `AttachExisting`; the data-center
    /// host comes from the login's metadata, else from `GET /auth/metadata`.
    async fn login(&self, credentials: &Five9Credentials) -> Result<AgentSession, CallError> {
        if self.config.agent_login_base.is_empty() {
            return Err(CallError::Unactionable(
                "no Agent REST login URL for this region; set agent_login_base".into(),
            ));
        }
        let response = self
            .http
            .post(format!(
                "{}{AGENT_REST_PREFIX}/auth/login",
                self.config.agent_login_base
            ))
            .header(ACCEPT, "application/json")
            .json(&json!({
                "passwordCredentials": {
                    "username": credentials.username,
                    "password": credentials.password.expose(),
                },
                "appKey": self.config.app_key,
                "policy": "AttachExisting",
            }))
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            // Wrong credentials or a disabled user: retrying cannot fix it.
            return Err(match status {
                400 | 401 | 403 => CallError::Permanent {
                    status,
                    message: format!("agent login rejected: {}", rest_error_message(&text)),
                },
                s => CallError::from_status(s, &headers, rest_error_message(&text)),
            });
        }
        let login: Value = serde_json::from_str(&text)
            .map_err(|_| CallError::Transport("login response is not valid JSON".into()))?;
        let unusable =
            |what: &str| CallError::Transport(format!("login response has no usable {what}"));
        let token = login["tokenId"]
            .as_str()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| unusable("tokenId"))?;
        let agent_id = scalar(&login["userId"])
            .filter(|id| path_id(id).is_ok())
            .ok_or_else(|| unusable("userId"))?;
        let farm_id = scalar(&login["context"]["farmId"])
            .filter(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| unusable("farmId"))?;
        let mut session = AgentSession {
            token: Secret::new(token),
            cookies: cookies(&headers),
            farm_id,
            agent_id,
            api_base: String::new(),
            logged_in_at: Instant::now(),
        };
        session.api_base = match &self.config.agent_api_base {
            Some(base) => base.clone(),
            None => match data_center_base(&login["metadata"], &self.config.data_center_scheme) {
                Some(base) => base,
                None => self.fetch_metadata(&session).await?,
            },
        };
        Ok(session)
    }

    /// The second reading of the login: metadata not inline, fetched from the login host.
    async fn fetch_metadata(&self, session: &AgentSession) -> Result<String, CallError> {
        let response = self
            .http
            .get(format!(
                "{}{AGENT_REST_PREFIX}/auth/metadata",
                self.config.agent_login_base
            ))
            .headers(session_headers(session)?)
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(CallError::from_status(
                status,
                &headers,
                rest_error_message(&text),
            ));
        }
        let meta: Value = serde_json::from_str(&text)
            .map_err(|_| CallError::Transport("metadata response is not valid JSON".into()))?;
        data_center_base(&meta, &self.config.data_center_scheme)
            .or_else(|| data_center_base(&meta["metadata"], &self.config.data_center_scheme))
            .ok_or_else(|| {
                CallError::Transport("login metadata has no data-center API host".into())
            })
    }
}

/// `Authorization: Bearer-<token>` (with the hyphen), `farmId`, and the login cookies:
/// one client found cookies alone work and another the header, so both are sent.
pub(super) fn session_headers(session: &AgentSession) -> Result<HeaderMap, CallError> {
    let unusable = || CallError::Transport("login returned an unusable session".into());
    let mut headers = HeaderMap::new();
    let mut auth = HeaderValue::from_str(&format!("Bearer-{}", session.token.expose()))
        .map_err(|_| unusable())?;
    auth.set_sensitive(true);
    headers.insert(AUTHORIZATION, auth);
    headers.insert(
        "farmId",
        HeaderValue::from_str(&session.farm_id).map_err(|_| unusable())?,
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(c) = &session.cookies {
        let mut cookie = HeaderValue::from_str(c.expose()).map_err(|_| unusable())?;
        cookie.set_sensitive(true);
        headers.insert(COOKIE, cookie);
    }
    Ok(headers)
}

/// `name=value` of every `Set-Cookie`, joined for a `Cookie` header.
fn cookies(headers: &HeaderMap) -> Option<Secret> {
    let pairs: Vec<&str> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|p| p.contains('=') && !p.starts_with('='))
        .collect();
    (!pairs.is_empty()).then(|| Secret::new(pairs.join("; ")))
}

/// `{scheme}://{host}:{port}` of the active data center's first API URL (else the first
/// data center's). Hosts are checked so a response cannot steer requests to a URL of
/// its choosing.
fn data_center_base(metadata: &Value, scheme: &str) -> Option<String> {
    let centers = metadata["dataCenters"].as_array()?;
    let center = centers
        .iter()
        .find(|c| c["active"].as_bool() == Some(true))
        .or_else(|| centers.first())?;
    let api = center["apiUrls"].as_array()?.first()?;
    let host = api["host"].as_str()?.trim();
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !host_ok {
        return None;
    }
    let port = scalar(&api["port"]).unwrap_or_else(|| "443".into());
    let port: u16 = port.trim().parse().ok().filter(|p| *p > 0)?;
    Some(format!("{scheme}://{host}:{port}"))
}

/// A JSON string or number as text (Five9 sends ids and ports either way).
pub(super) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_center_is_the_active_one_and_checked() {
        let meta = json!({"dataCenters": [
            {"active": false, "apiUrls": [{"host": "app-x.five9.com", "port": "443"}]},
            {"active": true, "apiUrls": [{"host": "app-atl.five9.com", "port": 8443}]}]});
        assert_eq!(
            data_center_base(&meta, "https").as_deref(),
            Some("https://app-atl.five9.com:8443")
        );
        let evil = json!({"dataCenters": [{"apiUrls": [{"host": "evil.com/x?", "port": "443"}]}]});
        assert_eq!(data_center_base(&evil, "https"), None);
    }
}
