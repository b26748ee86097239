//! OAuth client credentials (vendor doc §5): the region table, the configuration, and the
//! cached token.

use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use serde_json::Value;
use tokio::sync::Mutex;

use super::response::{self, account_label, error_message, redact};
use super::{PatchPaths, PLAIN_JSON};
use crate::outbound::CallError;
use crate::Secret;

/// The scopes the calls above need (§5).
pub const DEFAULT_SCOPES: [&str; 4] = [
    "callback:write",
    "schedule-callbacks:write",
    "schedule-callbacks:read",
    "webhooks-trigger:write",
];

/// Talkdesk's documented regions (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
    Ca,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::Us, Region::Eu, Region::Ca];

    pub fn api_base(self) -> &'static str {
        match self {
            Region::Us => "https://api.talkdeskapp.com",
            Region::Eu => "https://api.talkdeskapp.eu",
            Region::Ca => "https://api.talkdeskappca.com",
        }
    }

    /// The identity host's domain, under which each account has its own host.
    pub fn identity_domain(self) -> &'static str {
        match self {
            Region::Us => "talkdeskid.com",
            Region::Eu => "talkdeskid.eu",
            Region::Ca => "talkdeskidca.com",
        }
    }

    /// `https://{account}.{identity domain}/oauth/token`; an account name that is not a
    /// host label is `Unactionable`.
    pub fn token_url(self, account: &str) -> Result<String, CallError> {
        let account = account_label(account.trim())?;
        Ok(format!(
            "https://{account}.{}/oauth/token",
            self.identity_domain()
        ))
    }
}

impl std::str::FromStr for Region {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            "ca" => Ok(Region::Ca),
            other => Err(format!(
                "unknown Talkdesk region {other:?}; use us, eu or ca"
            )),
        }
    }
}

/// The OAuth client (Admin → API Clients, client-credentials grant).
#[derive(Debug, Clone)]
pub struct TalkdeskCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct TalkdeskConfig {
    pub api_base: String,
    pub token_url: String,
    /// Sent space-separated as `scope`; empty sends no `scope` at all.
    pub scopes: Vec<String>,
    pub credentials: TalkdeskCredentials,
    pub patch_paths: PatchPaths,
}

impl TalkdeskConfig {
    /// The region's hosts for `account` (the subdomain of `{account}.mytalkdesk.com`), with
    /// [`DEFAULT_SCOPES`].
    pub fn new(
        region: Region,
        account: &str,
        credentials: TalkdeskCredentials,
    ) -> Result<Self, CallError> {
        Ok(Self {
            api_base: region.api_base().to_string(),
            token_url: region.token_url(account)?,
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            credentials,
            patch_paths: PatchPaths::default(),
        })
    }
}

#[derive(Debug)]
struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

/// The token endpoint and the cached token it gave.
#[derive(Debug)]
pub(super) struct Login {
    http: reqwest::Client,
    token_url: String,
    /// Space-separated; empty sends no `scope`.
    scope: String,
    credentials: TalkdeskCredentials,
    token: Mutex<Option<CachedToken>>,
}

impl Login {
    pub(super) fn new(
        http: reqwest::Client,
        token_url: &str,
        scopes: &[String],
        credentials: TalkdeskCredentials,
    ) -> Self {
        Self {
            http,
            token_url: token_url.trim().to_string(),
            scope: scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            credentials,
            token: Mutex::new(None),
        }
    }

    pub(super) fn client_secret(&self) -> &Secret {
        &self.credentials.client_secret
    }

    /// After a 401: log in again on the next call, unless another request already did.
    pub(super) async fn invalidate(&self, used: &Secret) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| &t.value == used) {
            *slot = None;
        }
    }

    /// The cached bearer token, fetched or refreshed when within a minute of expiry.
    pub(super) async fn token(&self) -> Result<Secret, CallError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            if Instant::now() < t.refresh_at {
                return Ok(t.value.clone());
            }
        }
        let mut form = vec![("grant_type", "client_credentials")];
        if !self.scope.is_empty() {
            form.push(("scope", self.scope.as_str()));
        }
        let reply = self
            .http
            .post(&self.token_url)
            .basic_auth(
                &self.credentials.client_id,
                Some(self.credentials.client_secret.expose()),
            )
            .header(ACCEPT, PLAIN_JSON)
            .form(&form)
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = reply.status().as_u16();
        if !reply.status().is_success() {
            let headers = reply.headers().clone();
            let text = reply.text().await.unwrap_or_default();
            let message = redact(
                error_message(&text),
                &[self.credentials.client_secret.expose()],
            );
            // A refused client or scope is configuration: retrying cannot fix it.
            return Err(match status {
                400 | 401 | 403 => CallError::Permanent {
                    status,
                    message: response::bounded(&format!("token request refused: {message}")),
                },
                s => CallError::from_status(s, &headers, message),
            });
        }
        let body = reply
            .bytes()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        // Nothing was sent to the API yet, so a bad token answer is safe to retry.
        let bad = |what: &str| CallError::Retryable {
            status,
            retry_after: None,
            message: format!("token response {what}"),
        };
        let v: Value = serde_json::from_slice(&body).map_err(|_| bad("is not valid JSON"))?;
        let access = v["access_token"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("has no access_token"))?;
        // `expires_in` is documented; without it, assume a short life rather than none.
        let secs = v["expires_in"]
            .as_u64()
            .or_else(|| v["expires_in"].as_str()?.trim().parse().ok())
            .unwrap_or(300);
        let lifetime = Duration::from_secs(secs);
        let margin = Duration::from_secs(60).min(lifetime / 2);
        let value = Secret::new(access);
        *slot = Some(CachedToken {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_name_their_hosts() {
        let eu = Region::Eu.token_url("acme").unwrap();
        assert_eq!(eu, "https://acme.talkdeskid.eu/oauth/token");
        assert_eq!(
            Region::Ca.token_url("acme").unwrap(),
            "https://acme.talkdeskidca.com/oauth/token"
        );
        assert_eq!(
            "CA".parse::<Region>().unwrap().api_base(),
            "https://api.talkdeskappca.com"
        );
        assert!("au".parse::<Region>().is_err());
        assert!(Region::Us.token_url("evil.com/x").is_err());
    }
}
