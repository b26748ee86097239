//! Talkdesk API client: OAuth client credentials per region, callbacks (direct and
//! scheduled), reporting custom fields and Webhook Trigger registration
//! (`shared/vendors/talkdesk.md` §2–§7).
//!
//! Each method makes exactly one request (plus a token fetch when needed) and classifies the
//! outcome as a [`CallError`]; retrying is the dispatcher's job, so every attempt is recorded
//! durably.
//!
//! # No call control
//!
//! **Talkdesk has no public call-control API** (§0, §2): nothing in its public OpenAPI
//! transfers, conferences, holds or bridges a live voice call (the only "transfers" paths are
//! bank-account money transfers). This client therefore has no transfer method. A warm or
//! blind transfer on Talkdesk happens either inside a Studio flow, which asks Escalator's
//! routing hook and routes the call itself ([`super::route_response`]), or by the agent in
//! the Conversations app. What the client can do mid-call is leave a trail (reporting custom
//! fields); what it can do after is call the customer back with the briefing in front of the
//! agent.
//!
//! # Hosts and authentication (§5)
//!
//! | region | API gateway | token endpoint |
//! |---|---|---|
//! | US | `https://api.talkdeskapp.com` | `https://{account}.talkdeskid.com/oauth/token` |
//! | EU | `https://api.talkdeskapp.eu` | `https://{account}.talkdeskid.eu/oauth/token` |
//! | CA | `https://api.talkdeskappca.com` | `https://{account}.talkdeskidca.com/oauth/token` |
//!
//! [`TalkdeskConfig::new`] fills both from the [`Region`] and the account name; both fields
//! stay overridable (a sandbox, a proxy, another region).
//!
//! Token: `POST {token_url}` with `Authorization: Basic base64(client_id:client_secret)`,
//! form body `grant_type=client_credentials&scope=<space-separated>`. The token is cached and
//! fetched again a minute before `expires_in` runs out (or at half its life, if shorter). No
//! refresh token is used: a client-credentials grant can always be repeated. A 401 from the
//! API drops the cached token, so the next call logs in again; the 401 itself is `Retryable`.
//! A token request refused with 400/401/403 (`invalid_client`, `invalid_scope`) is
//! `Permanent`: the configuration is wrong and repeating cannot fix it.
//!
//! # Calls
//!
//! | method | request | returns | source |
//! |---|---|---|---|
//! | [`request_callback`](TalkdeskClient::request_callback) | `POST /calls/callback` | `()` (any 2xx) | §3a, §4 |
//! | [`schedule_callback`](TalkdeskClient::schedule_callback) | `POST /schedule-callbacks` | [`ScheduledCallback`] | §3b |
//! | [`scheduled_callback`](TalkdeskClient::scheduled_callback) | `GET /schedule-callbacks/{id}` | `Option<ScheduledCallback>` (404 → `None`) | §3b |
//! | [`list_scheduled_callbacks`](TalkdeskClient::list_scheduled_callbacks) | `GET /schedule-callbacks?phone_number=&status=&…` | [`CallbackPage`] | §3b |
//! | [`update_scheduled_callback`](TalkdeskClient::update_scheduled_callback) | `PATCH /schedule-callbacks/{id}` (JSON-Patch) | `Option<ScheduledCallback>` (if the answer has one) | §3b |
//! | [`reschedule_callback`](TalkdeskClient::reschedule_callback) | same, `replace /timeToCall` (+ `/timezone`) | same | §3b |
//! | [`cancel_scheduled_callback`](TalkdeskClient::cancel_scheduled_callback) | `DELETE /schedule-callbacks/{id}` | `true`; `false` on 404 | §3b |
//! | [`set_custom_fields`](TalkdeskClient::set_custom_fields) | `POST /interaction-custom-fields` | [`CustomFieldsAck`] (`{code, message}`) | §4 |
//! | [`register_trigger`](TalkdeskClient::register_trigger) | `POST /webhooks/triggers/{trigger}` | [`RegisteredTrigger`] | §1a, §7 |
//! | [`delete_trigger`](TalkdeskClient::delete_trigger) | `DELETE /webhooks/triggers/{trigger}/{trigger_id}` | `true`; `false` on 404 | §1a, §7 |
//!
//! Every request carries `Authorization: Bearer …` and `Accept: application/json`; JSON bodies
//! carry `Content-Type: application/json`. Scopes ([`DEFAULT_SCOPES`]): `callback:write`,
//! `schedule-callbacks:write`, `schedule-callbacks:read`, `webhooks-trigger:write`.
//!
//! The direct callback's `context.fields` are what the agent sees before dialling: the
//! briefing's reference, reason, the caller's words verbatim and whether the caller was
//! verified ([`briefing_fields`]). A scheduled callback carries the same keys in
//! `record_extra_data` and a one-line `description`.
//!
//! # Registration (§7)
//!
//! The Webhook Trigger API is the only programmatic registration Talkdesk has. It documents
//! create and delete only: there is **no list call**, so existing subscriptions cannot be read
//! back. [`TalkdeskClient::register_trigger`] sends one [`Subscription`] from
//! [`super::subscriptions`] as it is (body from [`Subscription::body`]);
//! [`registration_requests`] (or [`TalkdeskClient::registration_plan`]) returns the same
//! requests without sending them, for `--dry-run`. Connections, Studio flows and the HTTP
//! Notifier have no API: the admin sets them up from [`super::template`].
//!
//! # Errors (§6)
//!
//! - 401 (token expired or revoked), 408, 429 and 5xx → `Retryable`, with `retry_after` from
//!   `Retry-After` (seconds or HTTP date) when sent.
//! - Every other 4xx → `Permanent` (403 is usually a missing scope).
//! - A timeout or a reset after sending → `Transport` (the effect may have happened); a
//!   connection that never opened → `Retryable` with status 0.
//! - An id that cannot be a path segment, a number that is not E.164, a destination that is
//!   not a queue or agent → `Unactionable`, nothing sent.
//!
//! Messages are Talkdesk's own (`code: message (description) [field: why]`, or the OAuth
//! `error: error_description`), at most 300 characters, with our token, client secret and
//! webhook callback URL replaced by `***` should Talkdesk echo them. Never our request body.
//!
//! # UNCONFIRMED, and how both readings are handled
//!
//! - **Rate limits** (§6): published per endpoint, no header contract found. Only
//!   `Retry-After` is read; without it `retry_after` is `None` and the dispatcher's backoff
//!   applies. No client-side limiter here.
//! - **Direct callback success status**: 200 (connector) or 201 (an SDK test); any 2xx is
//!   success and the body, if any, is ignored.
//! - **Direct callback value limits**: none documented; the caller's quote is sent verbatim,
//!   untruncated. A refusal is a `Permanent` 4xx and the fallback chain moves on.
//! - **Scheduled callback body** ([`ScheduleReading`]): the OpenAPI's `assign_type:
//!   SPECIFIC_QUEUE`, `from_call_type: API`, `queues: [{queue}]` is sent first; the API
//!   reference pages' `SPECIFIC_RING_GROUP`, `from_call_type: INBOUND` (the call the
//!   callback follows up) and `ring_groups: [{ring_group}]` is sent at once if Talkdesk
//!   refuses the first with a 400 or 422 (refused, so not applied), and the reading taken
//!   is kept for the next. `ring_groups`, `assign_type_v2` and camelCase keys are read
//!   too. Whether the value is a ring-group name or a queue id is not settled: the team's
//!   configured `queue_id` is sent as it is.
//! - **JSON-Patch media type**: `application/json-patch+json` (RFC 6902) is sent first. If
//!   Talkdesk answers 415, the client switches to `application/json` for the next PATCH (and
//!   back again on another 415) and returns `Retryable` 415: the PATCH was not applied, so a
//!   retry is safe and carries the other reading.
//! - **JSON-Patch paths**: camelCase (`/timeToCall`, `/assignType`) as the update reference
//!   shows, or snake_case as the create schema; [`TalkdeskConfig::patch_paths`] chooses
//!   (default camelCase). [`CallbackChange::Replace`] sends any other path as given.
//! - **Cancel twice**: a 404 on `DELETE` is read as "already gone" (`Ok(false)`); any other
//!   answer to a second cancel is classified as usual.
//! - **Create-trigger answer**: the trigger id is read from the JSON body (`trigger_id`,
//!   `id`, `_links.self.href`) or else the `Location` header; `trigger_id` is `None` when
//!   neither has one, and the subscription exists all the same.
//! - **`callbackurl` spelling**: the OpenAPI's `callbackurl` for every trigger (the connector
//!   sends `callbackURL` for `contactCreated` only; that trigger is recorded-only, so a
//!   refusal there costs nothing).
//! - **Reporting custom fields scope**: its name is not documented, so it is not in
//!   [`DEFAULT_SCOPES`]; add it to [`TalkdeskConfig::scopes`] once known, or set `scopes`
//!   empty to ask for the client's whole grant (what a public client calling this endpoint
//!   does). Without it the call is a `Permanent` 403. `timestamp_field_1` is sent as RFC 3339
//!   UTC; text limits are unknown. Whether a second write overwrites is unknown (assumed).
//! - **AU / UK gateways** (third-party only): not in [`Region`]; set `api_base` and
//!   `token_url` by hand.
//!
//! # For the orchestration
//!
//! - Talkdesk ids come from the event's `refs`: `interaction_id` (also the call id),
//!   `talkdesk_phone_number` (E.164: the `talkdesk_phone_number` of a direct callback and the
//!   `caller_id` of a scheduled one), `agent_id`; the customer's number is the event's
//!   `caller.number`.
//! - [`request_callback`](TalkdeskClient::request_callback) is **not idempotent and cannot be
//!   read back** (no id, no read API for API-made direct callbacks). After `Transport` the
//!   customer may already be queued for a call: do not resend blindly.
//! - [`schedule_callback`](TalkdeskClient::schedule_callback) is **not idempotent**. After
//!   `Transport`, list with the customer's `phone_number` (and `from_call_type: API`) and look
//!   for [`ScheduledCallback::reference`] equal to the escalation's reference before
//!   creating again. Keep `callback_id` to reschedule or cancel.
//! - PATCH, DELETE and custom fields are safe to repeat. `register_trigger` is not (a second
//!   subscription means each event twice; Escalator's dedupe keys absorb that), and with no
//!   list call, keep the returned `trigger_id` to unsubscribe.

mod auth;
mod callback;
mod custom_fields;
mod registration;
mod response;
mod schedule;

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http::HeaderMap;
use jiff::Timestamp;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;

use super::{subscriptions, Subscription};
use crate::outbound::CallError;

use auth::Login;
use response::{error_message, first_text, path_id, redact, redact_error};

pub use auth::{Region, TalkdeskConfig, TalkdeskCredentials, DEFAULT_SCOPES};
pub use callback::{
    briefing_fields, AssignType, Assignment, ContextDataType, ContextField, DirectCallback,
    ScheduleReading, ScheduledCallbackRequest,
};
pub use custom_fields::{CustomFields, CustomFieldsAck};
pub use registration::{
    registration_requests, PlannedRequest, RegisteredTrigger, TOKEN_PLACEHOLDER,
};
pub use schedule::{
    CallbackChange, CallbackPage, CallbackQuery, CallbackStatus, PatchPaths, ScheduledCallback,
};

const JSON_PATCH: &str = "application/json-patch+json";
const PLAIN_JSON: &str = "application/json";

/// What a request carries.
enum Payload<'a> {
    Empty,
    Json(&'a Value),
    JsonPatch(&'a Value),
}

/// A response the caller reads further (a 2xx, or a status it asked to see).
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug)]
pub struct TalkdeskClient {
    http: reqwest::Client,
    api_base: String,
    login: Login,
    patch_paths: PatchPaths,
    /// The JSON-Patch media type to send: `false` = `application/json-patch+json`.
    patch_as_plain_json: AtomicBool,
    /// The scheduled-callback body reading to send first: `false` = the OpenAPI's.
    schedule_as_reference: AtomicBool,
    budget: Option<crate::ratelimit::RequestBudget>,
}

impl TalkdeskClient {
    pub fn new(http: reqwest::Client, config: TalkdeskConfig) -> Self {
        Self {
            login: Login::new(
                http.clone(),
                &config.token_url,
                &config.scopes,
                config.credentials,
            ),
            http,
            api_base: config.api_base.trim().trim_end_matches('/').to_string(),
            patch_paths: config.patch_paths,
            patch_as_plain_json: AtomicBool::new(false),
            schedule_as_reference: AtomicBool::new(false),
            budget: None,
        }
    }

    /// Paces every API request through `budget` (the platform's published limit).
    pub fn with_budget(mut self, budget: Option<crate::ratelimit::RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// Asks Talkdesk to call the contact back now, through an available agent, with the
    /// context fields on the agent's screen. Not idempotent and not readable afterwards.
    pub async fn request_callback(&self, callback: &DirectCallback) -> Result<(), CallError> {
        let body = callback.body()?;
        self.send(
            Method::POST,
            "/calls/callback",
            &[],
            Payload::Json(&body),
            &[],
        )
        .await
        .map(drop)
    }

    /// Schedules a callback. Not idempotent: after `Transport`, list before creating again.
    ///
    /// Sent in the reading that last worked ([`ScheduleReading`], the OpenAPI's first); a
    /// 400 or 422 was refused unapplied, so the other reading is sent at once, and kept
    /// when it is taken.
    pub async fn schedule_callback(
        &self,
        request: &ScheduledCallbackRequest,
    ) -> Result<ScheduledCallback, CallError> {
        let first = self.schedule_reading();
        let reply = match self.create_scheduled(request, first).await {
            Err(CallError::Permanent {
                status: 400 | 422,
                message,
            }) => {
                let other = first.other();
                let reply = self.create_scheduled(request, other).await.map_err(|e| {
                    e.map_message(|m| {
                        response::bounded(&format!("{m} (the other body reading: {message})"))
                    })
                })?;
                self.schedule_as_reference
                    .store(other == ScheduleReading::Reference, Ordering::Relaxed);
                reply
            }
            other => other?,
        };
        // Without an id the callback may exist unknown to us: the caller must re-read.
        json(&reply.body)
            .as_ref()
            .and_then(ScheduledCallback::from_json)
            .ok_or_else(|| {
                CallError::Transport(
                    "scheduled callback created but no callback_id returned".into(),
                )
            })
    }

    /// The body reading sent first.
    pub fn schedule_reading(&self) -> ScheduleReading {
        if self.schedule_as_reference.load(Ordering::Relaxed) {
            ScheduleReading::Reference
        } else {
            ScheduleReading::OpenApi
        }
    }

    async fn create_scheduled(
        &self,
        request: &ScheduledCallbackRequest,
        reading: ScheduleReading,
    ) -> Result<Reply, CallError> {
        let body = request.body_as(reading)?;
        self.send(
            Method::POST,
            "/schedule-callbacks",
            &[],
            Payload::Json(&body),
            &[],
        )
        .await
    }

    /// One scheduled callback; `None` when Talkdesk has no such id.
    pub async fn scheduled_callback(
        &self,
        callback_id: &str,
    ) -> Result<Option<ScheduledCallback>, CallError> {
        let id = path_id("callback_id", callback_id)?;
        let reply = self
            .send(
                Method::GET,
                &format!("/schedule-callbacks/{id}"),
                &[],
                Payload::Empty,
                &[404],
            )
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let v = json(&reply.body)
            .ok_or_else(|| CallError::Transport("callback response is not valid JSON".into()))?;
        Ok(ScheduledCallback::from_json(&v))
    }

    /// One page of scheduled callbacks matching `query`.
    pub async fn list_scheduled_callbacks(
        &self,
        query: &CallbackQuery,
    ) -> Result<CallbackPage, CallError> {
        let pairs = query.pairs()?;
        let reply = self
            .send(
                Method::GET,
                "/schedule-callbacks",
                &pairs,
                Payload::Empty,
                &[],
            )
            .await?;
        let v = json(&reply.body)
            .ok_or_else(|| CallError::Transport("callback list is not valid JSON".into()))?;
        Ok(CallbackPage::from_json(&v))
    }

    /// Applies `changes` as one JSON-Patch. Safe to repeat (each op is a `replace`).
    pub async fn update_scheduled_callback(
        &self,
        callback_id: &str,
        changes: &[CallbackChange],
    ) -> Result<Option<ScheduledCallback>, CallError> {
        let id = path_id("callback_id", callback_id)?;
        if changes.is_empty() {
            return Err(CallError::Unactionable("no callback change to send".into()));
        }
        let ops = Value::Array(changes.iter().map(|c| c.op(self.patch_paths)).collect());
        let reply = self
            .send(
                Method::PATCH,
                &format!("/schedule-callbacks/{id}"),
                &[],
                Payload::JsonPatch(&ops),
                &[],
            )
            .await?;
        // Talkdesk may answer with the callback or with nothing (204).
        Ok(json(&reply.body)
            .as_ref()
            .and_then(ScheduledCallback::from_json))
    }

    /// Moves a callback to `at` (sent in UTC), and to `timezone` when given.
    pub async fn reschedule_callback(
        &self,
        callback_id: &str,
        at: Timestamp,
        timezone: Option<&str>,
    ) -> Result<Option<ScheduledCallback>, CallError> {
        let mut changes = vec![CallbackChange::TimeToCall(at)];
        if let Some(z) = timezone.filter(|z| !z.trim().is_empty()) {
            changes.push(CallbackChange::Timezone(z.trim().to_string()));
        }
        self.update_scheduled_callback(callback_id, &changes).await
    }

    /// Cancels a scheduled callback: `true` when Talkdesk cancelled it now, `false` when it
    /// had no such callback (a repeated cancel).
    pub async fn cancel_scheduled_callback(&self, callback_id: &str) -> Result<bool, CallError> {
        let id = path_id("callback_id", callback_id)?;
        let reply = self
            .send(
                Method::DELETE,
                &format!("/schedule-callbacks/{id}"),
                &[],
                Payload::Empty,
                &[404],
            )
            .await?;
        Ok(reply.status != 404)
    }

    /// Writes reporting custom fields on an interaction (Explore), not a live screen pop.
    pub async fn set_custom_fields(
        &self,
        fields: &CustomFields,
    ) -> Result<CustomFieldsAck, CallError> {
        let body = fields.body()?;
        let reply = self
            .send(
                Method::POST,
                "/interaction-custom-fields",
                &[],
                Payload::Json(&body),
                &[],
            )
            .await?;
        let v = json(&reply.body).unwrap_or(Value::Null);
        Ok(CustomFieldsAck {
            code: first_text(&v, &["code"]),
            message: first_text(&v, &["message"]),
        })
    }

    /// Creates one Webhook Trigger subscription. Not idempotent, and there is no list call:
    /// keep the returned `trigger_id`.
    pub async fn register_trigger(
        &self,
        subscription: &Subscription,
    ) -> Result<RegisteredTrigger, CallError> {
        path_id("trigger", subscription.trigger)?;
        let body = subscription.body();
        // The callback URL carries the webhook secret: never let an echo of it through.
        let url = subscription.callback_url.as_str();
        let secret = webhook_secret(url);
        let reply = self
            .send(
                Method::POST,
                &subscription.path(),
                &[],
                Payload::Json(&body),
                &[],
            )
            .await
            .map_err(|e| redact_error(e, &[url, secret]))?;
        Ok(registration::registered(
            subscription.trigger,
            &reply.headers,
            &reply.body,
        ))
    }

    /// Deletes a subscription: `true` when deleted now, `false` on 404 (already gone).
    pub async fn delete_trigger(&self, trigger: &str, trigger_id: &str) -> Result<bool, CallError> {
        let (t, id) = (
            path_id("trigger", trigger)?,
            path_id("trigger_id", trigger_id)?,
        );
        let reply = self
            .send(
                Method::DELETE,
                &format!("/webhooks/triggers/{t}/{id}"),
                &[],
                Payload::Empty,
                &[404],
            )
            .await?;
        Ok(reply.status != 404)
    }

    /// [`registration_requests`] against this client's API base; sends nothing.
    pub fn registration_plan(&self, url: &str, secret: &str) -> Vec<PlannedRequest> {
        subscriptions(url, secret)
            .iter()
            .map(|s| registration::plan(&self.api_base, s))
            .collect()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&'static str, String)],
        payload: Payload<'_>,
        tolerated: &[u16],
    ) -> Result<Reply, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let token = self.login.token().await?;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api_base))
            .bearer_auth(token.expose())
            .header(ACCEPT, PLAIN_JSON);
        if !query.is_empty() {
            request = request.query(query);
        }
        let mut patch_type = None;
        match payload {
            Payload::Empty => {}
            Payload::Json(v) => request = request.json(v),
            Payload::JsonPatch(v) => {
                let plain = self.patch_as_plain_json.load(Ordering::Relaxed);
                let media = if plain { PLAIN_JSON } else { JSON_PATCH };
                patch_type = Some(plain);
                request = request.header(CONTENT_TYPE, media).body(v.to_string());
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response.status().is_success() || tolerated.contains(&status) {
            let body = response
                .bytes()
                .await
                .map_err(|e| CallError::from_reqwest(&e))?;
            return Ok(Reply {
                status,
                headers,
                body,
            });
        }
        let text = response.text().await.unwrap_or_default();
        let message = redact(
            error_message(&text),
            &[token.expose(), self.login.client_secret().expose()],
        );
        if status == 401 {
            // Revoked or expired early: the next call logs in again.
            self.login.invalidate(&token).await;
        }
        if let (415, Some(was_plain)) = (status, patch_type) {
            // UNCONFIRMED media type: the PATCH was refused unread, so it was not applied;
            // the retry carries the other reading.
            self.patch_as_plain_json
                .store(!was_plain, Ordering::Relaxed);
            let next = if was_plain { JSON_PATCH } else { PLAIN_JSON };
            return Err(CallError::Retryable {
                status,
                retry_after: None,
                message: response::bounded(&format!(
                    "JSON-Patch media type refused; the next attempt sends {next}: {message}"
                )),
            });
        }
        Err(CallError::from_status(status, &headers, message))
    }
}

fn json(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// The secret segment of one of our callback URLs (`…/webhooks/talkdesk/{secret}?…`).
fn webhook_secret(url: &str) -> &str {
    url.split_once("/webhooks/talkdesk/")
        .map(|(_, rest)| rest.split(['?', '/', '#']).next().unwrap_or(rest))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_secret_is_found_in_our_callback_urls() {
        assert_eq!(
            webhook_secret("https://e.example/webhooks/talkdesk/s3cr3t?trigger=x"),
            "s3cr3t"
        );
        assert_eq!(webhook_secret("https://e.example/other"), "");
    }
}
