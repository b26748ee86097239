//! The Webhook Trigger subscriptions as requests, without sending them (`--dry-run`), and
//! reading the create answer (§1a, §7).

use std::fmt;

use http::HeaderMap;
use serde_json::Value;

use super::response::{first_text, last_segment};
use crate::talkdesk::{subscriptions, Subscription};

/// One request a registration would send. The `Authorization` header is a placeholder:
/// the plan is built without fetching a token. The body's `callbackurl` carries the webhook
/// secret, exactly as the printed template does, so print plans only to the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRequest {
    pub trigger: &'static str,
    /// Whether Escalator acts on this trigger (the others are recorded only).
    pub acted_on: bool,
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl fmt::Display for PlannedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (k, v) in &self.headers {
            writeln!(f, "{k}: {v}")?;
        }
        let body = serde_json::to_string_pretty(&self.body).map_err(|_| fmt::Error)?;
        writeln!(f)?;
        writeln!(f, "{body}")
    }
}

/// A created Webhook Trigger subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredTrigger {
    pub trigger: String,
    /// For `DELETE /webhooks/triggers/{trigger}/{trigger_id}`: from the JSON body (`id`,
    /// `trigger_id`, `_links.self.href`) or the `Location` header. `None` when Talkdesk
    /// returned neither; the subscription exists all the same.
    pub trigger_id: Option<String>,
    pub location: Option<String>,
}

/// Placeholder for the bearer token in a plan.
pub const TOKEN_PLACEHOLDER: &str = "Bearer <token with scope webhooks-trigger:write>";

/// Every subscription Escalator at `url` (its public base URL) needs, as the
/// `POST {api_base}/webhooks/triggers/{trigger}` requests the client would send, bodies
/// from [`subscriptions`] unchanged.
pub fn registration_requests(api_base: &str, url: &str, secret: &str) -> Vec<PlannedRequest> {
    let base = api_base.trim_end_matches('/');
    subscriptions(url, secret)
        .iter()
        .map(|s| plan(base, s))
        .collect()
}

pub(super) fn plan(base: &str, sub: &Subscription) -> PlannedRequest {
    PlannedRequest {
        trigger: sub.trigger,
        acted_on: sub.acted_on,
        method: "POST",
        url: format!("{base}{}", sub.path()),
        headers: vec![
            ("Authorization", TOKEN_PLACEHOLDER.to_string()),
            ("Content-Type", "application/json".to_string()),
            ("Accept", "application/json".to_string()),
        ],
        body: sub.body(),
    }
}

/// The trigger id from the create answer: UNCONFIRMED whether it is in the JSON body or in
/// the `Location` header (§1a), so both are read, the body first.
pub(super) fn registered(trigger: &str, headers: &HeaderMap, body: &[u8]) -> RegisteredTrigger {
    let location = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let from_body = first_text(&v, &["trigger_id", "triggerId", "id"])
        .filter(|id| last_segment(id).as_deref() == Some(id.as_str()))
        .or_else(|| v["_links"]["self"]["href"].as_str().and_then(last_segment));
    RegisteredTrigger {
        trigger: trigger.to_string(),
        trigger_id: from_body
            .or_else(|| location.as_deref().and_then(last_segment))
            // A Location naming the collection (`…/triggers/{trigger}`) carries no id.
            .filter(|id| id != trigger),
        location,
    }
}
